"""`llm-lint` / `llmsight` entry point: parses arguments and dispatches to llmsight.commands.*."""
from __future__ import annotations

import argparse
import importlib
import os
import sys

from llmsight import __version__
from llmsight.commands import COMMANDS


class UsageError(Exception):
    """Bad arguments or input the user must fix; exit code 2."""


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The CLI; with `only`, just that subcommand's module is imported (start-up time: `check` need
    not load DuckDB and pyarrow for `ingest`'s options)."""
    parser = argparse.ArgumentParser(
        prog="llm-lint",
        description="Find LLM call sites in Python code, estimate their cost and latency, flag their risks.",
    )
    parser.add_argument("--version", action="version", version=f"llmsight {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS if only not in COMMANDS else (only,):
        try:
            module = importlib.import_module(f"llmsight.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"llmsight.commands.{name}":
                continue  # command not built yet
            raise
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):  # "≈" and "·" must not crash a non-UTF-8 pipe
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser(argv[0] if argv else None)
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    if getattr(args, "traffic", None):  # a path typed on the command line is relative to the cwd, as in ruff
        args.traffic = os.path.abspath(args.traffic)
    try:
        return int(args.func(args) or 0)
    except UsageError as exc:
        print(f"llm-lint: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `llm-lint check | head`
        return 0
    except BrokenPipeError:
        return 0


def entry() -> None:
    """Console-script entry: exit without tearing down the analysis's millions of objects."""
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    entry()
