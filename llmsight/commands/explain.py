"""`llm-lint explain CODE`: a rule's documentation."""
from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("explain", help="show a rule's documentation")
    p.add_argument("code", help="rule code, e.g. LLM001")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from llmsight import api
    from llmsight.cli import UsageError

    rule = api.explain(args.code)
    if rule is None:
        codes = ", ".join(r.code for r in api.rules())
        raise UsageError(f"unknown rule {args.code!r}; known rules: {codes}")
    print(f"# {rule.code} ({rule.name})\n\nDefault severity: {rule.severity}."
          f"{' Needs traffic (--traffic).' if rule.needs_traffic else ''}\n")
    print(rule.doc())
    return 0
