"""`llm-lint report --html OUT [PATHS] [--traffic DB]`: one self-contained offline HTML report.

Per-site estimates, each chat site's scenarios (the code as written and its candidate models) on a
cost/p95 scatter with the Pareto front, deprecations (LLM008), budget status and all findings. The
page has inline CSS and SVG only: no scripts, nothing fetched, so it can be mailed or archived.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("report", help="write a self-contained HTML report (estimates, scenarios, budgets)")
    p.add_argument("paths", nargs="*", default=["."], help="files or directories (default: .)")
    p.add_argument("--html", required=True, metavar="OUT", help="the HTML file to write")
    p.add_argument("--traffic", metavar="DB", help="traffic store to replay the scenarios on (default: priors)")
    p.add_argument("--config", metavar="FILE", help="config file (default: pyproject.toml of the project)")
    p.add_argument("--max-sites", type=int, default=20, help="sites given a scenario section (default: 20)")
    p.set_defaults(func=run)


def site_scenarios(result, config, traffic, root: Path, limit: int):
    """The code as written plus the candidate models (`api.candidate_models`), per explorable site, from
    `api.ScenarioRunner`."""
    from llmsight import api
    from llmsight.jupyter.report import SiteScenarios, where

    out = []
    for site in [s for s in result.call_sites if s.operation in ("chat", "completion", "responses")][:limit]:
        if not isinstance(site.model.value, str):
            continue
        models = api.candidate_models(site, config)
        scenarios = [{}] + [{"model": m} for m in models]
        try:
            points = api.ScenarioRunner(site, config, traffic=traffic, root=root,
                                        sites=result.call_sites).run_many(scenarios)
        except api.ConfigError as exc:   # no rows at this site: say so and use priors
            if traffic is None:
                raise
            print(f"llm-lint report: {exc}; using priors for this site", file=sys.stderr)
            points = api.ScenarioRunner(site, config, root=root).run_many(scenarios)
        title = f"{where(site.span.path, site.span.cell, site.span.start_line)} {site.function or ''}".strip()
        out.append(SiteScenarios(site.id, title, points, api.pareto_front(points)))
    return out


def run(args: argparse.Namespace) -> int:
    from llmsight import api
    from llmsight.cli import UsageError
    from llmsight.jupyter.report import report_html

    for p in args.paths:
        if not Path(p).exists():
            raise UsageError(f"{p}: no such file or directory")
    if args.traffic and not Path(args.traffic).is_file():
        raise UsageError(f"--traffic {args.traffic}: no such file; create it with `llm-lint ingest FILES --db {args.traffic}`")
    try:
        traffic = Path(args.traffic).resolve() if args.traffic else None
        result = api.check(args.paths, config_file=args.config, traffic=traffic)
        config = api.load_config(Path(result.root), Path(args.config) if args.config else None)
        scenarios = site_scenarios(result, config, traffic, Path(result.root), args.max_sites)
    except api.ConfigError as exc:
        raise UsageError(str(exc)) from None
    out = Path(args.html)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(report_html(result, scenarios, config.budgets, base=out.resolve().parent,
                                   slos=config.slos), encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"--html {out}: cannot write ({exc.strerror or exc})") from None
    source = "traffic" if args.traffic else "priors"
    print(f"wrote {out} ({len(result.call_sites)} call sites, {len(scenarios)} with scenarios on {source})")
    return 0
