"""`llm-lint diff --base REF`: per-site cost and latency delta vs a git ref; markdown for PR comments.

Exit 1 when a budget or SLO fails, 0 on PASS or WARN, 2 when the comparison cannot run.
"""
from __future__ import annotations

import argparse
import json
import sys


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("diff", help="compare call sites' monthly cost and p95 with a git ref",
                       description="Compare every LLM call site's monthly cost and p95 latency between the working "
                                   "tree and a git ref; check budgets and SLOs from [tool.llmsight].")
    p.add_argument("paths", nargs="*", default=["."], help="files or directories (default: .)")
    p.add_argument("--base", required=True, help="git ref to compare with (branch, tag or commit)")
    p.add_argument("--traffic", help="traffic store for traffic-based estimates")
    p.add_argument("--format", default="text", choices=("text", "markdown", "json"))
    p.add_argument("--output-file", "-o", help="write the report here instead of stdout")
    p.add_argument("--config", dest="config_file", help="config file (default: [tool.llmsight] in pyproject.toml)")
    p.set_defaults(func=run)


def _money(value: float | None) -> str:
    if value is None:
        return "?"
    return f"${value:,.2f}" if value >= 0.01 or value == 0 else f"${value:.4f}"


def _seconds(value: float | None) -> str:
    return "?" if value is None else f"{value:.1f} s"


def _change(before: float | None, after: float | None, fmt) -> str:
    if before is None and after is None:
        return "?"
    if before is None:
        return f"new: {fmt(after)}"
    if after is None:
        return f"was {fmt(before)}"
    if before == after:
        return fmt(after)
    percent = f" ({(after - before) / before:+.0%})" if before else ""
    return f"{fmt(before)} → {fmt(after)}{percent}"


def _limit(v) -> str:
    return _money(v.limit) + "/mo" if v.kind == "budget" else f"p95 ≤ {v.limit:g} s"


def _value(v, which: str) -> str:
    value = getattr(v, which)
    return _money(value) if v.kind == "budget" else _seconds(value)


def _rows(result) -> list[tuple[str, str, str, str, str]]:
    rows = []
    for d in result.sites:
        if d.change == "unchanged":
            continue
        base, head = d.base, d.head
        switch = d.model_switch
        change = "model switch" if switch else d.change
        model = f"{switch[0]} → {switch[1]}" if switch else (head or base).model or "?"
        cost = _change(base.cost_per_month if base else None, head.cost_per_month if head else None, _money)
        if base and head and base.cost_per_month is None and head.cost_per_month is None:
            cost = _change(base.cost_per_call, head.cost_per_call, _money) + " per call"
        p95 = _change(base.p95_s if base else None, head.p95_s if head else None, _seconds)
        rows.append((d.site_id, change, model, cost, p95))
    return rows


def render_markdown(result) -> str:
    lines = [f"## llmsight: LLM cost and latency vs `{result.base_ref}` ({result.base_commit[:8]})", "",
             f"**{result.status}**"]
    if result.verdicts:
        lines += ["", "| Check | Limit | Base | This change | Status |", "|---|---|---|---|---|"]
        for v in result.verdicts:
            status = v.status + (f" — {v.note}" if v.note else "")
            lines.append(f"| {v.kind} `{v.scope}` | {_limit(v)} | {_value(v, 'base')} | {_value(v, 'head')} "
                         f"| {status} |")
    else:
        lines += ["", "No budgets or SLOs configured (`budgets`, `slos` in `[tool.llmsight]`)."]
    totals = result.totals
    lines += ["", f"Monthly cost: {_change(totals['base_cost_per_month'], totals['head_cost_per_month'], _money)}"]
    rows = _rows(result)
    counts = {k: sum(d.change == k for d in result.sites) for k in ("added", "removed", "changed")}
    lines += ["", f"### Call sites: {counts['changed']} changed, {counts['added']} added, {counts['removed']} removed"]
    if rows:
        lines += ["", "| Site | Change | Model | $/month | p95 |", "|---|---|---|---|---|"]
        lines += [f"| `{site}` | {change} | {model} | {cost} | {p95} |" for site, change, model, cost, p95 in rows]
    else:
        lines += ["", "No call site changed."]
    sources = sorted({(d.head or d.base).source for d in result.sites})
    lines += ["", f"<sub>estimates from {', '.join(sources) or 'nothing'}; price data: {result.price_data}</sub>", ""]
    return "\n".join(lines)


def render_text(result) -> str:
    lines = [f"diff vs {result.base_ref} ({result.base_commit[:8]}): {result.status}"]
    for v in result.verdicts:
        lines.append(f"  {v.status:<4} {v.kind} {v.scope}: {_value(v, 'head')} (limit {_limit(v)}, base "
                     f"{_value(v, 'base')}){' — ' + v.note if v.note else ''}")
    totals = result.totals
    lines.append(f"monthly cost: {_change(totals['base_cost_per_month'], totals['head_cost_per_month'], _money)}")
    rows = _rows(result)
    lines += [f"  {change:<12} {site}  model {model}  cost {cost}  p95 {p95}"
              for site, change, model, cost, p95 in rows]
    if not rows:
        lines.append("no call site changed")
    return "\n".join(lines) + "\n"


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from llmsight import api
    from llmsight.cli import UsageError
    from llmsight.simulator.diff import DiffError

    try:
        root = api.project_root(args.paths)
        config = api.load_config(root, Path(args.config_file) if args.config_file else None)
        result = api.diff(args.base, args.paths, traffic=args.traffic, config=config)
    except (api.ConfigError, DiffError) as exc:
        raise UsageError(str(exc)) from exc
    if args.format == "json":
        text = json.dumps(result.to_dict(), indent=2) + "\n"
    elif args.format == "markdown":
        text = render_markdown(result)
    else:
        text = render_text(result)
    if args.output_file:
        Path(args.output_file).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 1 if result.status == "FAIL" else 0
