"""`llm-lint rules`: the rule catalogue."""
from __future__ import annotations

import argparse
import json


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("rules", help="list every rule with its code, name and default severity")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from llmsight import api

    rules = api.rules()
    if args.format == "json":
        print(json.dumps([{"code": r.code, "name": r.name, "severity": r.severity, "summary": r.summary,
                           "needs_traffic": r.needs_traffic, "opt_in": r.opt_in} for r in rules], indent=2))
        return 0
    for r in rules:
        traffic = "  (needs --traffic)" if r.needs_traffic else ""
        opt_in = "  (opt-in: --extend-select " + r.code + ")" if r.opt_in else ""
        print(f"{r.code}  {r.name:<24} {r.severity:<8} {r.summary}{traffic}{opt_in}")
    return 0
