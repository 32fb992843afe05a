"""`llm-lint ingest`: load traffic files of any supported format into the store (design §6).

Every file is identified by its SHA-256: a file already ingested is skipped, so re-running an ingest
is harmless. Each file loads in one transaction: its good rows and its `sources` entry, or nothing.
Bad records are rejected one by one with their row number and reason; the rest of the file loads.
"""
from __future__ import annotations

import contextlib
import hashlib
import itertools
import sys
import threading
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator, TextIO

import duckdb

from llmsight.simulator import store
from llmsight.simulator.ingest import canonical, langfuse, litellm, otel
from llmsight.simulator.ingest.records import (Broken, PageLines, Reject, file_size, iter_json_records,
                                               staging_table)
from llmsight.simulator.ingest.validate import validate_and_load

FORMATS = ("auto", "otel", "litellm", "langfuse", "jsonl", "csv", "parquet")
_RECORD_FORMATS = {"otel": otel.Converter, "litellm": litellm.Converter, "langfuse": langfuse.Converter}
_IGNORED_WHAT = {"otel": "spans other than model calls", "langfuse": "non-GENERATION observations"}
_SNIFF_RECORDS = 20


class IngestError(Exception):
    """A file that cannot be ingested at all (missing, unreadable, unknown format)."""


@dataclass
class FileReport:
    path: str
    format: str = "?"
    loaded: int = 0
    rejected: Counter = field(default_factory=Counter)
    examples: list[tuple[int, str]] = field(default_factory=list)
    ignored: int = 0
    duplicate: bool = False
    error: str | None = None
    pages: PageLines | None = None       # pages written one per line: where each reject's line is

    def place(self, row: int) -> str:
        """`12`, or `12 (line 3, .data[4])` for a record of pages written one per line."""
        where = self.pages.where(row) if self.pages else None
        return f"{row} ({where})" if where else str(row)


@dataclass
class IngestReport:
    files: list[FileReport]
    store: str | None = None             # the store written to, when known

    @property
    def loaded(self) -> int:
        return sum(f.loaded for f in self.files)

    @property
    def rejected(self) -> Counter:
        total: Counter = Counter()
        for f in self.files:
            total.update(f.rejected)
        return total

    @property
    def usable(self) -> bool:
        """Something loaded, or every file was loaded before (a harmless re-run)."""
        return self.loaded > 0 or (bool(self.files) and all(f.duplicate for f in self.files))

    def text(self, max_examples: int = 10) -> str:
        lines = []
        for f in self.files:
            if f.error:
                lines.append(f"{f.path}: error: {f.error}")
            elif f.duplicate:
                lines.append(f"{f.path}: already ingested (same content); nothing added")
            else:
                extra = f", {f.ignored} {_IGNORED_WHAT.get(f.format, 'records')} ignored" if f.ignored else ""
                lines.append(f"{f.path} [{f.format}]: {f.loaded} rows loaded, "
                             f"{sum(f.rejected.values())} rejected{extra}")
        rejected = self.rejected
        lines.append(f"total: {self.loaded} rows loaded, {sum(rejected.values())} rejected")
        for reason, count in rejected.most_common():
            lines.append(f"  {count:>8}  {reason}")
        shown = [(f, row, reason) for f in self.files for row, reason in f.examples][:max_examples]
        if shown:
            lines.append("first rejects:")
            lines.extend(f"  {f.path}:{f.place(row)}: {reason}" for f, row, reason in shown)
        if self.store and self.usable:
            shown_store = _shown_path(Path(self.store))
            lines.append(f"store: {shown_store}  (use it: llm-lint check --traffic {shown_store})")
        return "\n".join(lines) + "\n"


def _shown_path(path: Path) -> str:
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(path)


class ProgressBar:
    """A one-line bar on stderr, redrawn when the percentage changes."""

    def __init__(self, label: str, total: int, stream: TextIO | None = None) -> None:
        self.label, self.total, self.stream, self.shown = label, max(total, 1), stream or sys.stderr, -1

    def __call__(self, done: int) -> None:
        percent = min(100, done * 100 // self.total)
        if percent != self.shown:
            self.shown = percent
            filled = percent // 4
            self.stream.write(f"\r{self.label[-40:]:<40} [{'#' * filled}{'.' * (25 - filled)}] {percent:3d}%")
            self.stream.flush()

    def close(self) -> None:
        self(self.total)
        self.stream.write("\n")
        self.stream.flush()


@contextlib.contextmanager
def _query_progress(con: duckdb.DuckDBPyConnection, bar: ProgressBar | None, total: int):
    """Move the bar from 10 % to 90 % as DuckDB reports progress on the running query."""
    if bar is None:
        yield
        return
    con.execute("SET enable_progress_bar = true").fetchall()          # DuckDB tracks progress only then
    con.execute("SET enable_progress_bar_print = false").fetchall()   # ... and must not draw its own
    done = threading.Event()

    def poll() -> None:
        best = 0.0
        while not done.wait(0.2):
            try:
                best = max(best, con.query_progress())
            except duckdb.Error:
                return
            bar(total // 10 + int(total * 0.8 * best / 100))

    thread = threading.Thread(target=poll, daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()


def detect_format(path: Path) -> str:
    """Format from the extension (Parquet, CSV) or from the first records of a JSON file."""
    return _format_by_extension(path) or _sniff(iter_json_records(path))[0]


def _format_by_extension(path: Path) -> str | None:
    suffix = (path.with_suffix("") if path.suffix.lower() == ".gz" else path).suffix.lower()
    return "parquet" if suffix in (".parquet", ".pq") else "csv" if suffix in (".csv", ".tsv") else None


def _sniff(records: Iterator[tuple[int, Any]]) -> tuple[str, list[tuple[int, Any]]]:
    """The format the first good record tells, and the records read to tell it: ingest goes on from
    them instead of reading the file again (a file of one big document would be parsed twice)."""
    read: list[tuple[int, Any]] = []
    try:
        for row, record in records:
            read.append((row, record))
            if not isinstance(record, Broken):
                return _format_of(record), read
            if len(read) >= _SNIFF_RECORDS:
                break
    except Reject as exc:
        raise IngestError(str(exc)) from exc
    raise IngestError("no JSON records found; pass --format if this is CSV or Parquet")


def _format_of(record: Any) -> str:
    if otel.looks_like(record):
        return "otel"
    if litellm.looks_like(record):
        return "litellm"
    if langfuse.looks_like(record):
        return "langfuse"
    if isinstance(record, dict) and "model" in record and set(record) & set(store.COLUMN_NAMES) - {"model"}:
        return "jsonl"
    keys = ", ".join(sorted(record)[:8]) if isinstance(record, dict) else type(record).__name__
    raise IngestError(f"cannot tell the format (first record has: {keys}); pass --format "
                      f"otel|litellm|langfuse|jsonl|csv|parquet")


def sha256_of(path: Path, progress: ProgressBar | None = None) -> str:
    digest = hashlib.sha256()
    done = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
            done += len(chunk)
            if progress is not None:
                progress(done // 10)          # hashing is the first tenth of the bar
    return digest.hexdigest()


def _records(path: Path, report: FileReport, bar: ProgressBar | None) -> Iterator[tuple[int, Any]]:
    """The file's JSON records, moving the progress bar (past the hashing tenth) and noting page lines."""
    size = file_size(path)
    report.pages = PageLines()
    on_bytes = (lambda done: bar(size // 10 + done * 9 // 10)) if bar else None
    return iter_json_records(path, on_bytes, report.pages)


def _stage(con: duckdb.DuckDBPyConnection, path: Path, fmt: str, report: FileReport,
           bar: ProgressBar | None, records: Iterator[tuple[int, Any]] | None = None) -> str | duckdb.DuckDBPyRelation:
    """The file as rows to validate; `records`: the file's records when detection has started reading them."""
    if fmt == "jsonl":
        return canonical.stage_jsonl(con, path)
    if fmt == "csv":
        return canonical.stage_csv(con, path)
    if fmt == "parquet":
        return canonical.stage_parquet(con, path)
    converter = _RECORD_FORMATS[fmt]()

    def rows():
        for row, record in records if records is not None else _records(path, report, bar):
            if isinstance(record, Broken):
                yield row, record.reason
            else:
                yield from converter.convert(row, record)

    table = staging_table(rows())
    report.ignored = converter.ignored
    return con.from_arrow(table)


def ingest_file(con: duckdb.DuckDBPyConnection, path: Path, fmt: str = "auto", show_progress: bool = False,
                max_examples: int = 20, progress_min_bytes: int = 0) -> FileReport:
    report = FileReport(str(path))
    if not path.is_file():
        report.error = "no such file" if not path.exists() else "not a file"
        return report
    bar = ProgressBar(path.name, file_size(path)) if show_progress and file_size(path) >= progress_min_bytes \
        else None
    try:
        sha = sha256_of(path, bar)
        if store.source_seen(con, sha):
            report.duplicate = True
            return report
        records = None
        report.format = fmt if fmt != "auto" else _format_by_extension(path)
        if report.format is None:
            records = _records(path, report, bar)
            report.format, read = _sniff(records)
            records = itertools.chain(read, records)
        con.execute("BEGIN TRANSACTION").fetchall()
        try:
            staged = _stage(con, path, report.format, report, bar, records)
            with _query_progress(con, bar if report.format in ("jsonl", "csv", "parquet") else None,
                                 file_size(path)):
                outcome = validate_and_load(con, staged, str(path), max_examples)
            if report.format == "csv":
                for row, reason in canonical.csv_structural_rejects(con):
                    outcome.rejected[reason] += 1
                    outcome.examples.append((row, reason))
                outcome.examples = sorted(outcome.examples)[:max_examples]
            report.loaded, report.rejected, report.examples = outcome.rows, outcome.rejected, outcome.examples
            store.record_source(con, sha, str(path), report.format, report.loaded, sum(report.rejected.values()))
            con.execute("COMMIT").fetchall()
        except BaseException:
            con.execute("ROLLBACK").fetchall()
            raise
    except (IngestError, Reject) as exc:
        report.error = str(exc)
    except duckdb.Error as exc:
        report.error = f"cannot read as {report.format} ({str(exc).splitlines()[0]})"
    except (OSError, EOFError) as exc:          # EOFError: a truncated .gz file
        report.error = f"cannot read ({getattr(exc, 'strerror', None) or exc})"
    finally:
        if bar is not None:
            bar.close()
    return report


_TRAFFIC_SUFFIXES = (".jsonl", ".ndjson", ".json", ".csv", ".tsv", ".parquet", ".pq")


def expand(paths: Iterable[str | Path]) -> list[Path]:
    """Files as given; directories become the traffic files below them (sorted, `.gz` included)."""
    out: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if not path.is_dir():
            out.append(path)
            continue
        out.extend(sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith(".")
                          and (p.with_suffix("") if p.suffix == ".gz" else p).suffix.lower() in _TRAFFIC_SUFFIXES))
    return out


def ingest(paths: Iterable[str | Path], con: duckdb.DuckDBPyConnection, fmt: str = "auto",
           show_progress: bool = False, max_examples: int = 20, progress_min_bytes: int = 0) -> IngestReport:
    """Ingest files (and the traffic files in directories) into an open store (see `store.open_store`).

    With `show_progress`, files of at least `progress_min_bytes` get a progress bar on stderr."""
    if fmt not in FORMATS:
        raise IngestError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    con.execute("SET TimeZone = 'UTC'").fetchall()
    return IngestReport([ingest_file(con, p, fmt, show_progress, max_examples, progress_min_bytes)
                         for p in expand(paths)])
