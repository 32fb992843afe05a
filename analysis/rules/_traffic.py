"""What rules LLM012-016 share: the traffic view of `ctx.traffic`, limits from config, number formats.

These rules have `needs_traffic = True`: they run only when `--traffic` (or `traffic` in config) is
given, and read the view from `llmsight.simulator.view`.
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

from llmsight.analysis.context import FileContext
from llmsight.records import CallSite

# the traffic the rules' VALID/INVALID examples run against (see examples/traffic/make_traffic.py)
EXAMPLE_TRAFFIC = str(Path(__file__).with_name("_traffic_examples.jsonl"))


def traffic_sites(ctx: FileContext) -> Iterator[tuple[CallSite, object, object]]:
    """(site, request call, SiteTraffic) for each site of the file that traffic maps to."""
    view = ctx.traffic
    if view is None:
        return
    if hasattr(view, "bind"):
        view.bind(ctx.sites)
    for site in ctx.sites:
        call = ctx.call_nodes.get(site.id)
        found = view.site(site) if call is not None else None
        if found is not None:
            yield site, call, found


def sites_with_limit(ctx: FileContext, limits: dict[str, float]) -> Iterator[tuple]:
    """(site, call, SiteTraffic, scope, limit) for each site with traffic and a configured limit."""
    if not limits:
        return
    for site, call, st in traffic_sites(ctx):
        found = limit_for(limits, site)
        if found is not None:
            yield (site, call, st, *found)


def limit_for(limits: dict[str, float], site: CallSite) -> tuple[str, float] | None:
    """The configured limit of the site (by id) or else of its feature: (scope, value)."""
    if site.id in limits:
        return f"site `{site.id}`", limits[site.id]
    if site.feature and site.feature in limits:
        return f"feature `{site.feature}`", limits[site.feature]
    return None


def money(value: float | None) -> str:
    """Dollars as every face writes them (`$0.00074` per call, not `$0.00`)."""
    from llmsight.formats._common import usd

    return usd(value)


def interval(metric, fmt) -> str:
    """` (95% CI a-b, n calls)` for a traffic metric."""
    if metric is None or metric.low is None or metric.high is None:
        return f" (n={metric.n:,})" if metric is not None and metric.n else ""
    return f" (95% CI {fmt(metric.low)}-{fmt(metric.high)}, n={metric.n:,})"


def seconds(value: float | None) -> str:
    return "?" if value is None else f"{value:.1f} s"


def percent(value: float | None) -> str:
    return "?" if value is None else f"{value * 100:.1f}%"
