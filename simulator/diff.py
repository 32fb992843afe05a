"""`llm-lint diff --base REF`: every call site's monthly cost and p95, working tree vs a git ref.

The ref is checked out into a temporary detached worktree (removed afterwards) and both trees go
through `llmsight.api.check` with estimates. Sites pair up by id and model, then by (file, function,
model), then by id, then by (file, function). Budgets and SLOs of the working tree's `[tool.llmsight]` give the verdict:
FAIL when a limit is exceeded, WARN within 10 % of it or when the figure rests on priors or is
unknown, else PASS. A p95 over its SLO that rests on a prior (no traffic, or traffic replayed on a model
it never saw: the figure says so) is a WARN, never a FAIL.
"""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Sequence

from llmsight.config import Config, ConfigError
from llmsight.records import CallSite, CheckResult, Estimate

WARN_MARGIN = 0.10
STATUS_ORDER = {"PASS": 0, "WARN": 1, "FAIL": 2}


class DiffError(Exception):
    """Not a git repository, unknown ref, git failure: exit 2 with this message."""


@dataclass
class Figures:
    site_id: str
    path: str
    line: int
    function: str | None
    feature: str | None
    model: str | None
    cost_per_call: float | None
    cost_per_month: float | None
    calls_per_month: float | None
    p95_s: float | None
    source: str                       # traffic | prior | static
    p95_source: str = "static"        # the p95's own: a traffic estimate replayed on a model the traffic
    p95_prior: str | None = None      # never saw has a p95 from that model's prior (said here)
    unpriced: str | None = None       # why there is no cost per call (model unresolved, not in the price data)

    @property
    def no_cost_reason(self) -> str | None:
        """Why the monthly cost is unknown, or None when it is known."""
        if self.cost_per_month is not None:
            return None
        return self.unpriced or "no call volume: set `volumes` in [tool.llmsight] or pass --traffic"


@dataclass
class SiteDelta:
    change: str                       # added | removed | changed | unchanged
    base: Figures | None
    head: Figures | None
    notes: list[str] = field(default_factory=list)

    @property
    def site_id(self) -> str:
        return (self.head or self.base).site_id

    @property
    def model_switch(self) -> tuple[str | None, str | None] | None:
        if self.base and self.head and self.base.model != self.head.model:
            return self.base.model, self.head.model
        return None


@dataclass
class Verdict:
    kind: str                         # budget | slo
    scope: str                        # total, a feature or a site id
    limit: float
    base: float | None
    head: float | None
    status: str
    note: str = ""


@dataclass
class DiffResult:
    base_ref: str
    base_commit: str
    price_data: str
    sites: list[SiteDelta]
    verdicts: list[Verdict]
    totals: dict[str, float | None]

    @property
    def status(self) -> str:
        return max((v.status for v in self.verdicts), key=STATUS_ORDER.__getitem__, default="PASS")

    def to_dict(self) -> dict:
        out = asdict(self)
        out["status"] = self.status
        for delta, raw in zip(self.sites, out["sites"]):
            raw["site_id"] = delta.site_id
            raw["model_switch"] = delta.model_switch
        return out


def _git(repo: Path, *args: str) -> str:
    try:
        done = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, timeout=120)
    except FileNotFoundError as exc:
        raise DiffError("git is not installed or not on PATH") from exc
    if done.returncode != 0:
        raise DiffError(f"git {' '.join(args[:2])} failed: {done.stderr.strip() or done.stdout.strip()}")
    return done.stdout.strip()


def _figures(site: CallSite, estimate: Estimate | None) -> Figures:
    def value(metric):
        return None if metric is None else metric.value

    traffic = estimate is not None and estimate.source == "traffic"
    p95 = estimate.latency_p95_s if estimate else None
    source = "traffic" if traffic else ("prior" if p95 is not None else "static")
    return Figures(
        site_id=site.id, path=site.span.path, line=site.span.start_line, function=site.function,
        feature=site.feature, model=site.model.value if isinstance(site.model.value, str) else site.model.expr,
        cost_per_call=value(estimate.cost_per_call) if estimate else None,
        cost_per_month=value(estimate.cost_per_month) if estimate else None,
        calls_per_month=estimate.calls_per_month if estimate else None,
        p95_s=value(estimate.latency_p95_s) if estimate else None,
        source=source, p95_source="prior" if source == "traffic" and p95 is not None and p95.source != "traffic"
        else source, p95_prior=p95.prior if p95 is not None and p95.source != "traffic" else None,
        unpriced=None if estimate is not None and estimate.cost_per_call.value is not None
        else f"{site.id}: {estimate.cost_per_call.prior or 'no price'}" if estimate is not None
        else f"{site.id}: no estimate")


_PAIRING_KEYS = (
    lambda f: (f.site_id, f.model),
    lambda f: (f.path, f.function, f.model),   # ordinals shift when a call above is added or removed
    lambda f: f.site_id,                        # same place, model switched
    lambda f: (f.path, f.function),
)


def _pair(base: list[Figures], head: list[Figures]) -> list[SiteDelta]:
    """Pair sites by the most specific key first (id + model, ..., file + function); the rest are added/removed."""
    deltas: list[SiteDelta] = []
    left = list(base)
    unmatched = list(head)
    for key in _PAIRING_KEYS:
        still: list[Figures] = []
        for f in unmatched:
            match = next((b for b in left if key(b) == key(f)), None)
            if match is None:
                still.append(f)
                continue
            left.remove(match)
            notes = [] if match.site_id == f.site_id else [f"was {match.site_id}"]
            deltas.append(SiteDelta("changed", match, f, notes))
        unmatched = still
    deltas += [SiteDelta("added", None, f) for f in unmatched]
    deltas += [SiteDelta("removed", f, None) for f in left]
    for d in deltas:
        if d.base and d.head:
            _fill_volume(d)
            if _figures_key(d.base) == _figures_key(d.head):
                d.change = "unchanged"
    return sorted(deltas, key=lambda d: ((d.head or d.base).path, (d.head or d.base).line))


def _figures_key(f: Figures) -> tuple:
    return f.model, f.cost_per_call, f.p95_s


def _fill_volume(delta: SiteDelta) -> None:
    """A site keeps its call volume across a change: price the other side at the known volume."""
    base, head = delta.base, delta.head
    volume = head.calls_per_month or base.calls_per_month
    for side in (base, head):
        if side.cost_per_month is None and volume and side.cost_per_call is not None:
            side.cost_per_month = side.cost_per_call * volume
            side.calls_per_month = volume


def _sum(values: list[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return sum(known) if known else None


def _judge(kind: str, scope: str, limit: float, base: float | None, head: float | None,
           unknown: list[str], priors_only: bool, unit: str) -> Verdict:
    """`unknown`: why each site in scope has no figure (the real cause: an unpriced model, no volume, …)."""
    if head is None:
        return Verdict(kind, scope, limit, base, head, "WARN", f"no estimate: {_causes(unknown)}")
    if head > limit:
        return Verdict(kind, scope, limit, base, head, "FAIL", f"over the limit by {head - limit:,.2f} {unit}")
    notes = []
    if head >= limit * (1 - WARN_MARGIN):
        notes.append(f"within {WARN_MARGIN:.0%} of the limit")
    if priors_only:
        notes.append("estimate from priors only (no traffic)")
    if unknown:
        notes.append(f"{len(unknown)} site(s) without an estimate ({_causes(unknown)})")
    return Verdict(kind, scope, limit, base, head, "WARN" if notes else "PASS", "; ".join(notes))


def _causes(reasons: list[str], shown: int = 3) -> str:
    """The distinct reasons, the first few of them."""
    distinct = list(dict.fromkeys(reasons)) or ["nothing to estimate"]
    more = f"; and {len(distinct) - shown} more" if len(distinct) > shown else ""
    return "; ".join(distinct[:shown]) + more


def _out_of_scope(kind: str, scope: str, limit: float) -> Verdict:
    """A limit naming no call site is likely a typo: say so instead of passing silently."""
    return Verdict(kind, scope, float(limit), None, None, "WARN",
                   f"no call site has feature or id {scope!r} (features come from [tool.llmsight.features] "
                   "or `# llmsight: feature=NAME`)")


def _verdicts(config: Config, deltas: list[SiteDelta]) -> list[Verdict]:
    out: list[Verdict] = []

    def scoped(scope: str) -> list[SiteDelta]:
        if scope == "total":
            return deltas
        return [d for d in deltas if (d.head or d.base).feature == scope or d.site_id == scope]

    for scope, limit in sorted(config.budgets.items()):
        chosen = scoped(scope)
        heads = [d.head for d in chosen if d.head]
        if not heads:
            out.append(_out_of_scope("budget", scope, limit))
            continue
        out.append(_judge("budget", scope, float(limit), _sum([d.base.cost_per_month for d in chosen if d.base]),
                          _sum([h.cost_per_month for h in heads]), [h.no_cost_reason for h in heads if h.no_cost_reason],
                          bool(heads) and all(h.source != "traffic" for h in heads), "USD/month"))
    for scope, limit in sorted(config.slos.items()):
        chosen = scoped(scope)
        heads = [d.head for d in chosen if d.head]
        if not heads:
            out.append(_out_of_scope("slo", scope, limit))
            continue
        worst = max((h for h in heads if h.p95_s is not None), key=lambda h: h.p95_s, default=None)
        base_p95 = [d.base.p95_s for d in chosen if d.base and d.base.p95_s is not None]
        verdict = _judge("slo", scope, float(limit), max(base_p95, default=None), worst and worst.p95_s,
                         [f"{h.site_id}: no latency estimate" for h in heads if h.p95_s is None],
                         all(h.p95_source != "traffic" for h in heads), "s")
        if verdict.status == "FAIL" and worst.p95_source != "traffic":
            # a latency prior is a guess about a model, not a measurement: it warns, it does not fail the gate
            verdict.status = "WARN"
            verdict.note += f" (an estimate from priors: {worst.p95_prior or 'no traffic'})"
        out.append(verdict)
    return out


def _rel_paths(paths: Sequence[str | Path], repo: Path) -> list[str]:
    out = []
    for p in paths:
        resolved = Path(p).resolve()
        try:
            out.append(resolved.relative_to(repo).as_posix() or ".")
        except ValueError as exc:
            raise DiffError(f"{p} is outside the git repository at {repo}") from exc
    return out or ["."]


def diff_against(base_ref: str, paths: Sequence[str | Path] = (".",), traffic: str | Path | None = None,
                 config: Config | None = None) -> DiffResult:
    from llmsight import api

    paths = list(paths) or ["."]
    head_root = api.project_root(paths)
    if config is None:
        config = api.load_config(head_root)
    repo = Path(_git(head_root, "rev-parse", "--show-toplevel")).resolve()
    verify = subprocess.run(["git", "rev-parse", "--verify", "--quiet", f"{base_ref}^{{commit}}"], cwd=repo,
                            capture_output=True, text=True)
    commit = verify.stdout.strip() if verify.returncode == 0 and base_ref else ""
    if not commit:
        raise DiffError(f"unknown git ref {base_ref!r}; pass a branch, tag or commit (e.g. origin/main)")
    traffic_path = traffic or config.traffic
    if traffic_path and not Path(traffic_path).is_absolute():
        traffic_path = (head_root / traffic_path).resolve()
    head = api.check(paths, config=config, traffic=traffic_path)
    rel = _rel_paths(paths, repo)
    scratch = Path(tempfile.mkdtemp(prefix="llmsight-diff-"))
    worktree = scratch / "base"
    try:
        _git(repo, "worktree", "add", "--detach", "--force", str(worktree), commit)
        base_paths = [worktree / p for p in rel]
        base_root = api.project_root(base_paths)
        try:
            base_config = api.load_config(base_root)
        except ConfigError:
            base_config = config                 # a broken old config must not block the comparison
        existing = [p for p in base_paths if p.exists()]      # paths new in this change have no base sites
        base_figures = _all_figures(api.check(existing, config=base_config, traffic=traffic_path,
                                              use_cache=False)) if existing else []
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(worktree)], cwd=repo, capture_output=True)
        shutil.rmtree(scratch, ignore_errors=True)
        subprocess.run(["git", "worktree", "prune"], cwd=repo, capture_output=True)
    deltas = _pair(base_figures, _all_figures(head))
    totals = {"base_cost_per_month": _sum([d.base.cost_per_month for d in deltas if d.base]),
              "head_cost_per_month": _sum([d.head.cost_per_month for d in deltas if d.head])}
    return DiffResult(base_ref, commit, head.price_data, deltas, _verdicts(config, deltas), totals)


def _all_figures(result: CheckResult) -> list[Figures]:
    return [_figures(s, result.estimates.get(s.id)) for s in result.call_sites]
