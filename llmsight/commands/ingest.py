"""`llm-lint ingest FILES...`: load traffic logs into the DuckDB store (design §6-7).

Exit 0 when rows loaded (or every file was already ingested), 2 when nothing usable was found.
"""
from __future__ import annotations

import argparse
import sys

from llmsight.simulator.ingest import FORMATS

LARGE_INPUT_BYTES = 8 << 20          # on a terminal, files this large get a progress bar


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("ingest", help="load traffic logs (OTel, LiteLLM, Langfuse, JSONL/CSV/Parquet) into the store",
                       description="Load traffic logs into the traffic store so estimates and simulations use "
                                   "real traffic. Re-ingesting a file adds nothing.")
    p.add_argument("files", nargs="+", help="traffic files, or directories holding them")
    p.add_argument("--db", help="traffic store (default: .llmsight/traffic.duckdb under the project root)")
    p.add_argument("--format", default="auto", choices=FORMATS, help="input format (default: detect per file)")
    p.add_argument("--progress", action="store_true",
                   help="show a progress bar for every file, even when stderr is not a terminal "
                        "(default: on a terminal, for files of 8 MB or more)")
    p.add_argument("--max-rejects", type=int, default=10, help="rejected records to list (default: 10)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from llmsight import api
    from llmsight.cli import UsageError

    try:
        report = api.ingest(args.files, db=args.db, fmt=args.format, progress=args.progress or sys.stderr.isatty(),
                            progress_min_bytes=0 if args.progress else LARGE_INPUT_BYTES,
                            max_examples=args.max_rejects)
    except api.IngestError as exc:
        raise UsageError(str(exc)) from exc
    sys.stdout.write(report.text(args.max_rejects))
    return 0 if report.usable else 2
