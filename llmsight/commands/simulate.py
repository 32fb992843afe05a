"""`llm-lint simulate [PATHS] --traffic DB --scenario "model=gpt-4o-mini,timeout=20" ...` (design §7).

Prints the baseline (the traffic as observed, re-priced) and every scenario, for all traffic and per
site, feature and tenant, each figure with its 95% bootstrap interval; `*` marks the Pareto front.
"""
from __future__ import annotations

import argparse
import json
import sys


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("simulate", help="replay traffic under what-if scenarios (model, timeout, retries, cache…)",
                       description="Replay traffic under what-if scenarios and compare cost, latency, errors and "
                                   "quality per site, feature and tenant. Scenario keys: model, max_tokens, "
                                   "trim_input, timeout, retries, fallback, response_cache_hit_rate, "
                                   "prompt_cache_hit_rate, batch, stream; scope with site= or feature=.")
    p.add_argument("paths", nargs="*", help="code to map traffic rows to call sites (default: sites by code_file:line)")
    p.add_argument("--traffic", help="traffic store from `llm-lint ingest`, or a traffic file (default: config)")
    p.add_argument("--scenario", action="append", default=[], metavar="KEY=VALUE,...",
                   help="a scenario, e.g. \"model=gpt-4o-mini,timeout=20\" (repeatable)")
    p.add_argument("--format", default="text", choices=("text", "json", "markdown"))
    p.add_argument("--seed", type=int, default=0, help="seed of the replay's draws and bootstrap (default: 0)")
    p.add_argument("--eval", dest="eval_file", help="eval results CSV (model,feature,score) for quality")
    p.add_argument("--sample", type=int, metavar="N",
                   help="replay a seeded uniform sample of about N calls (faster on large traffic; default: all)")
    p.add_argument("--sample-rate", type=float, default=None, metavar="R",
                   help="the share of calls the traces hold when they were head-sampled (e.g. 0.1): calls and cost "
                        "per day and month are scaled by 1/R (default: the rate the traces' samplers recorded, "
                        "else 1, every call traced)")
    p.add_argument("--tenants", type=int, metavar="N",
                   help="tenants with figures of their own, most calls first; the others are reported together "
                        "as '(other tenants)' (default: 1000; 0: every tenant)")
    p.add_argument("--top", type=int, default=20, metavar="N",
                   help="text and markdown: the N costliest of each breakdown (default: 20; 0: all; json has all)")
    p.add_argument("--by", default="site,feature,tenant", help="breakdowns to print (default: site,feature,tenant)")
    p.add_argument("--config", dest="config_file", help="config file (default: [tool.llmsight] in pyproject.toml)")
    p.add_argument("--engine", choices=("duckdb", "spark"), default="duckdb",
                   help="where the replay runs: embedded DuckDB (default), or Apache Spark over Parquet files, "
                        "directories, globs or a table name (pip install 'llmsight[spark]'; see docs/simulate.md)")
    p.add_argument("--spark-remote", metavar="sc://HOST:PORT",
                   help="--engine spark: the Spark Connect endpoint of a cluster (default: a local session)")
    p.add_argument("--spark-conf", action="append", default=[], metavar="KEY=VALUE",
                   help="--engine spark: a setting of the session, repeatable (spark.driver.memory=8g; memory, "
                        "parallelism, shuffle and scratch-space settings; see docs/simulate.md)")
    p.add_argument("--write-summary", metavar="PATH",
                   help="also write the traffic's figures per site and feature (JSON) for `check`, the editor and "
                        "`diff` to read as --traffic PATH or `traffic` in config (see docs/simulate.md)")
    p.add_argument("--no-cache", action="store_true",
                   help="prepare from the traffic and scan the code afresh: read and write no cache (the summary of "
                        "the traffic's rows, tokenizer ratios, the scan's results) in the user's cache directory")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from llmsight import api
    from llmsight.cli import UsageError
    from llmsight.simulator.fit import FitError
    from llmsight.simulator.scenario import ScenarioError

    kinds = [k.strip() for k in args.by.split(",") if k.strip()]
    bad = [k for k in kinds if k not in ("site", "feature", "tenant")]
    if bad:
        raise UsageError(f"--by: unknown breakdown {', '.join(bad)}; use site, feature, tenant")
    try:
        if args.sample is not None and args.sample < 1:
            raise UsageError("--sample must be a positive number of calls")
        if args.sample_rate is not None and not 0 < args.sample_rate <= 1:
            raise UsageError(f"--sample-rate must be above 0 and at most 1 (the share of calls traced), "
                             f"got {args.sample_rate}")
        if args.tenants is not None and args.tenants < 0:
            raise UsageError("--tenants must be 0 (every tenant) or a positive number")
        if args.spark_remote and args.engine != "spark":
            raise UsageError("--spark-remote needs --engine spark")
        if args.spark_conf and args.engine != "spark":
            raise UsageError("--spark-conf needs --engine spark")
        if args.spark_remote and not args.spark_remote.startswith("sc://"):
            raise UsageError(f"--spark-remote must be a Spark Connect URL (sc://host:port), got {args.spark_remote!r}")
        if args.top < 0:
            raise UsageError("--top must be 0 (all) or a positive number")
        if not 0 <= args.seed < 2**63:
            raise UsageError(f"--seed must be a whole number from 0 to {2**63 - 1}, got {args.seed}")
        report = api.simulate(args.paths, args.traffic, args.scenario, config_file=args.config_file, seed=args.seed,
                              eval_file=args.eval_file, sample=args.sample, tenants=args.tenants,
                              sample_rate=args.sample_rate, use_cache=not args.no_cache, engine=args.engine,
                              spark_remote=args.spark_remote, spark_conf=args.spark_conf,
                              write_summary=args.write_summary)
    except (ScenarioError, FitError, api.ConfigError) as exc:
        raise UsageError(str(exc)) from exc
    render = {"text": text, "json": as_json, "markdown": markdown}[args.format]
    sys.stdout.write(render(report, kinds, args.top))
    return 0


# ---- formats --------------------------------------------------------------------------------------------

def _money(v):
    from llmsight.formats._common import usd

    return "—" if v is None else usd(v)


def _secs(v):
    return "—" if v is None else (f"{v:,.0f} s" if v >= 100 else f"{v:.2f} s")


def _pct(v):
    return "—" if v is None else f"{v * 100:.2f}%"


def _q(v):
    return "—" if v is None else f"{v:.3f}"


def _ci(metric, fmt) -> str:
    if metric is None or metric.value is None:
        return "—"
    if metric.low is None or metric.high is None:
        return fmt(metric.value)
    return f"{fmt(metric.value)} [{fmt(metric.low)}–{fmt(metric.high)}]"


COLUMNS = (("cost/month", lambda f: _ci(f.cost_per_month, _money)), ("p50", lambda f: _secs(f.latency_p50_s.value)),
           ("p95", lambda f: _ci(f.latency_p95_s, _secs)), ("p99", lambda f: _secs(f.latency_p99_s.value)),
           ("errors", lambda f: _ci(f.error_rate, _pct)), ("quality", lambda f: _ci(f.quality, _q)))


def _rows(report, kind: str, key: str, front: list[int], shown):
    """Table rows; `shown` makes a scenario name (from the command line) safe to print in the format."""
    for i, result in enumerate(report.results):
        f = result.of(kind, key)
        if f is None:
            continue
        name = "baseline" if i == 0 else shown(result.scenario.name)
        yield [name + (" *" if i in front else "")] + [fn(f) for _, fn in COLUMNS]


def _table(rows: list[list[str]], header: list[str]) -> str:
    widths = [max(len(r[i]) for r in [header] + rows) for i in range(len(header))]
    line = lambda r: "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths)))  # noqa: E731
    return "\n".join([line(header)] + [line(r) for r in rows])


def _title(report, kind: str, key: str, shown) -> str:
    """`feature chat`, `site ID (path:line)`; `shown` makes names from traffic and code safe to print."""
    if kind == "site" and key in report.sites:
        s = report.sites[key]
        return shown(f"site {key} ({s.span.path}:{s.span.start_line})")
    return shown(f"{kind} {key}")


def _shown(report, kind: str, top: int) -> tuple[list[str], str | None]:
    """The groups of a breakdown to print (costliest first, `top` of them; 0: all) and a line on the rest."""
    keys = report.groups(kind)
    if not top or len(keys) <= top:
        return keys, None
    return keys[:top], (f"{len(keys) - top:,} more {kind} groups, cheaper at baseline: --top 0 prints all, "
                        "--format json has all")


def text(report, kinds, top: int = 0) -> str:
    from llmsight.formats import shown_text

    header = ["scenario"] + [c for c, _ in COLUMNS]
    out = [f"{report.calls:,} calls over {report.days:.1f} days from {shown_text(str(report.traffic))} "
           f"(seed {report.seed}; {report.price_data})", "", "all traffic",
           _table(list(_rows(report, "all", "*", report.front, shown_text)), header)]
    for kind in kinds:
        keys, rest = _shown(report, kind, top)
        for key in keys:
            front = report.site_fronts.get(key, []) if kind == "site" else []
            rows = list(_rows(report, kind, key, front, shown_text))
            out += ["", _title(report, kind, key, shown_text), _table(rows, header)]
        out += ["", f"… {rest}"] if rest else []
    out += ["", "* on the Pareto front (cost, p95, errors, quality); intervals are 95% seeded bootstrap"]
    if report.unmatched_rows:
        out.append(f"{report.unmatched_rows:,} rows matched no call site in the given paths (kept under code_file:line)")
    out += [shown_text(line) for line in (report.mapping.lines() if report.mapping else [])]
    out += [f"note: {shown_text(n)}" for n in report.notes]
    return "\n".join(out) + "\n"


def markdown(report, kinds, top: int = 0) -> str:
    """Names from traffic, code and the command line are escaped as table cells (no HTML, no `|`)."""
    from llmsight.formats import shown_text
    from llmsight.formats.markdown import cell

    header = ["scenario"] + [c for c, _ in COLUMNS]

    def shown(text: str) -> str:
        return cell(shown_text(text))

    def md(rows):
        return "\n".join(["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
                         + ["| " + " | ".join(r) + " |" for r in rows])

    out = ["### llm-lint simulate", "", f"{report.calls:,} calls over {report.days:.1f} days · seed {report.seed} · "
           f"{report.price_data}", "", "**All traffic**", "", md(list(_rows(report, "all", "*", report.front, shown)))]
    for kind in kinds:
        keys, rest = _shown(report, kind, top)
        for key in keys:
            front = report.site_fronts.get(key, []) if kind == "site" else []
            out += ["", f"**{_title(report, kind, key, shown)}**", "", md(list(_rows(report, kind, key, front, shown)))]
        out += ["", f"_… {rest}_"] if rest else []
    out += ["", "`*` on the Pareto front (cost, p95, errors, quality); intervals are 95% seeded bootstrap."]
    out += [f"- {shown(line)}" for line in (report.mapping.lines() if report.mapping else [])]
    out += [f"- note: {shown(n)}" for n in report.notes]
    return "\n".join(out) + "\n"


def as_json(report, kinds, top: int = 0) -> str:
    """Every group of the breakdowns asked for (`top` limits only the printed formats)."""
    from llmsight.records import to_json

    def figures(f):
        data = to_json(f)
        return data

    scenarios = []
    for i, result in enumerate(report.results):
        s = result.scenario
        groups = [figures(f) for (kind, _), f in sorted(result.groups.items()) if kind in kinds or kind == "all"]
        scenarios.append({"name": "baseline" if i == 0 else s.name, "changes": {} if i == 0 else s.changes(),
                          "pareto": i in report.front, "groups": groups})
    doc = {"traffic": report.traffic, "price_data": report.price_data, "seed": report.seed, "days": report.days,
           "calls": report.calls, "unmatched_rows": report.unmatched_rows,
           "mapping": to_json(report.mapping) if report.mapping else None, "notes": report.notes,
           "pareto": report.front, "site_pareto": report.site_fronts, "scenarios": scenarios}
    return json.dumps(doc, indent=2, default=str) + "\n"
