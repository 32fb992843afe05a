"""`llm-lint explain CODE|NAME`: a rule's documentation."""
from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("explain", help="show a rule's documentation")
    p.add_argument("code", help="rule code or name, e.g. LLM001 or missing-timeout")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from llmsight import api
    from llmsight.cli import UsageError

    wanted = args.code.strip()
    rule = api.explain(wanted) or next((r for r in api.rules() if r.name == wanted.lower()), None)
    if rule is None:
        known = ", ".join(f"{r.code} ({r.name})" for r in api.rules())
        raise UsageError(f"unknown rule {args.code!r}; known rules: {known}")
    opt_in = " Opt-in: runs only when `select` or `extend-select` names its code." if rule.opt_in else ""
    print(f"# {rule.code} ({rule.name})\n\nDefault severity: {rule.severity}."
          f"{' Needs traffic (--traffic).' if rule.needs_traffic else ''}{opt_in}\n")
    print(rule.doc())
    return 0
