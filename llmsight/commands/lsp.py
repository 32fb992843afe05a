"""`llm-lint lsp`: the language server on stdio (editors start this)."""
from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("lsp", help="run the language server on stdin/stdout (for editors)")
    p.add_argument("--stdio", action="store_true", help="accepted for clients that pass it; stdio is the only transport")
    p.add_argument("--estimate-diagnostics", action="store_true",
                   help="also send each call's estimate as a hint diagnostic, for clients without inlay hints "
                        "(JupyterLab's spec passes it)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from llmsight.cli import UsageError

    try:
        from llmsight.lsp.worker import start_early

        start_early()   # the analysis process loads on the other core while the server imports its protocol
        from llmsight.lsp.server import main
    except ImportError as exc:
        raise UsageError(f"the language server needs pygls and lsprotocol ({exc}); install llmsight[lsp]") from exc
    return main(estimate_diagnostics=args.estimate_diagnostics)
