"""Per-site figures of a `simulate` run, written to a JSON file (`simulate --write-summary PATH`) that
`check`, the language server and `diff` read as their traffic (`--traffic PATH`, or `traffic = "PATH"` in
[tool.llmsight]) instead of a local store: the figures of traffic that only a cluster can replay
(`--engine spark`) reach the editor.

What is written is the run's baseline (the traffic as observed, every call re-priced), per site and per
feature, as `simulate` computed it (`site_figures`: the one source of a site's figures). A site is the
run's site id (with PATHS) or the rows' `code_file:code_line`; reading, a call site takes the entry of
its id, else the one entry whose file is its path (by suffix, as `mapping` matches) and whose line is in
its span. The summary holds no rows, so what needs them (replaying a what-if for one site, model
drift, tokens per call) is not available from it, and the estimates say which run they come from.

A summary is hostile input like any traffic file: at most `MAX_BYTES`, JSON, every field checked
against its type; any fault is one `TrafficError` naming the file and what is wrong.
"""
from __future__ import annotations

import dataclasses
import json
import math
import re
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

from llmsight.records import CallSite, Estimate, Metric
from llmsight.simulator import site_figures
from llmsight.simulator.figures import GroupFigures
from llmsight.simulator.mapping import _suffix_match
from llmsight.simulator.view import SiteTraffic, TrafficError

if TYPE_CHECKING:
    from llmsight.config import Config
    from llmsight.simulator.simulate import SimulationReport

FORMAT = "llmsight-summary"
VERSION = 1
MAX_BYTES = 64 << 20
MAX_GROUPS = 200_000
_METRICS = ("cost_per_call", "cost_per_day", "cost_per_month", "latency_p50_s", "latency_p95_s", "latency_p99_s",
            "ttft_p50_s", "error_rate", "quality")
_OPTIONAL = ("ttft_p50_s", "quality")


def write_summary(report: "SimulationReport", path: str | Path, engine: str = "duckdb") -> Path:
    """Write the baseline's figures per site and feature of `report` to `path` (JSON); returns the path."""
    base = report.results[0]
    document = {
        "format": FORMAT, "version": VERSION, "traffic": report.traffic, "engine": engine,
        "price_data": report.price_data, "seed": report.seed, "days": report.days, "calls": report.calls,
        "sites": {key: _figures(f) for (kind, key), f in base.groups.items() if kind == "site"},
        "features": {key: _figures(f) for (kind, key), f in base.groups.items() if kind == "feature"},
    }
    path = Path(path)
    path.write_text(json.dumps(document, indent=1, allow_nan=False) + "\n", encoding="utf-8")
    return path


def _figures(f: GroupFigures) -> dict:
    out = {"calls": f.calls, "calls_per_day": f.calls_per_day, "timeout_rate": f.timeout_rate,
           "truncated_rate": f.truncated_rate}
    for name in _METRICS:
        metric = getattr(f, name)
        out[name] = None if metric is None else {k: _finite(v) for k, v in dataclasses.asdict(metric).items()}
    return out


def _finite(v):
    return None if isinstance(v, float) and not math.isfinite(v) else v


# ------------------------------------------------------------------------------------------- reading
def is_summary(path: Path) -> bool:
    """Whether `path` is a file that begins as a summary does (a traffic file is read otherwise); a FIFO or
    device is not opened (a read from it could wait for ever)."""
    if not path.is_file():
        return False
    try:
        with path.open("rb") as fh:
            head = fh.read(64)
    except OSError:
        return False
    return re.match(rb'\s*\{\s*"format"\s*:\s*"' + FORMAT.encode() + b'"', head) is not None


def read_summary(path: Path) -> dict:
    """The summary at `path`, checked; TrafficError naming the file and the fault otherwise."""
    def bad(what: str) -> TrafficError:
        return TrafficError(f"{path}: not a usable llmsight summary ({what}); write it again with "
                            "`llm-lint simulate --write-summary`")

    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise bad(f"{size:,} bytes, more than {MAX_BYTES:,}")
        document = json.loads(path.read_bytes(), parse_constant=lambda c: (_ for _ in ()).throw(ValueError(c)))
    except (OSError, ValueError, RecursionError) as exc:
        if isinstance(exc, TrafficError):
            raise
        raise bad(str(exc).splitlines()[0][:200]) from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise bad("no summary format tag")
    if document.get("version") != VERSION:
        raise bad(f"version {document.get('version')!r}, this llmsight reads {VERSION}")
    for key, kind in (("traffic", str), ("engine", str), ("price_data", str), ("seed", int), ("days", (int, float)),
                      ("calls", int), ("sites", dict), ("features", dict)):
        if not isinstance(document.get(key), kind) or isinstance(document.get(key), bool):
            raise bad(f"`{key}` missing or not a {getattr(kind, '__name__', 'number')}")
    if len(document["sites"]) + len(document["features"]) > MAX_GROUPS:
        raise bad(f"more than {MAX_GROUPS:,} sites and features")
    for kind in ("sites", "features"):
        for key, figures in document[kind].items():
            fault = _figures_fault(figures)
            if fault:
                raise bad(f"{kind[:-1]} {key[:80]!r}: {fault}")
    return document


def _number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _figures_fault(f) -> str | None:
    if not isinstance(f, dict):
        return "not an object"
    if not (isinstance(f.get("calls"), int) and not isinstance(f.get("calls"), bool) and f["calls"] >= 0):
        return "`calls` is not a count"
    for name in ("calls_per_day", "timeout_rate", "truncated_rate"):
        if not _number(f.get(name)):
            return f"`{name}` is not a number"
    for name in _METRICS:
        m = f.get(name)
        if m is None and name in _OPTIONAL:
            continue
        if not isinstance(m, dict) or set(m) != {"value", "low", "high", "source", "n", "prior"}:
            return f"`{name}` is not a figure (value, low, high, source, n, prior)"
        if any(m[k] is not None and not _number(m[k]) for k in ("value", "low", "high")) \
                or not isinstance(m["source"], str) or (m["n"] is not None and not isinstance(m["n"], int)) \
                or (m["prior"] is not None and not isinstance(m["prior"], str)):
            return f"`{name}` has a field of the wrong type"
    return None


def group_figures(kind: str, key: str, f: dict) -> GroupFigures:
    """A checked entry of the summary as the figures `simulate` computed."""
    def metric(name):
        return None if f[name] is None else Metric(**f[name])

    return GroupFigures(kind, key, f["calls"], float(f["calls_per_day"]), *(metric(n) for n in _METRICS[:7]),
                        metric("error_rate"), float(f["timeout_rate"]), metric("quality"), float(f["truncated_rate"]))


class SummaryView:
    """What `check`, the rules and the editor ask of traffic (`view.TrafficView`), answered from a summary."""

    complete = True
    replays = False            # no rows: a what-if for one site cannot be replayed (`replay` gives nothing)

    def __init__(self, path: Path, config: "Config | None" = None):
        self.path, self.config = path, config
        self.document = read_summary(path)
        # the `file:line` entries by line, built once: a site looks only at the lines of its span, not at
        # every one of up to MAX_GROUPS entries
        self._by_line: dict[int, list[tuple[str, str]]] = {}
        for key in self.document["sites"]:
            file, _, line = key.rpartition(":")
            if line.isdecimal():         # what int() reads (a superscript "²" is a digit it does not)
                self._by_line.setdefault(int(line), []).append((file, key))
        self.notes: list[str] = []
        self.mapping = None

    def bind(self, sites: Iterable[CallSite], complete: bool = False) -> None:
        """Nothing to map: a site's entry is found by its id or location (`_entry`)."""

    def close(self) -> None:
        """No connection to close."""

    def mapping_report(self):
        return None

    def annotate(self, site: CallSite, estimate: Estimate) -> Estimate:
        return estimate

    def _entry(self, site: CallSite) -> tuple[str, dict] | None:
        sites = self.document["sites"]
        if site.id in sites:
            return site.id, sites[site.id]
        found = [(key, sites[key]) for line in range(site.span.start_line, site.span.end_line + 1)
                 for file, key in self._by_line.get(line, ()) if _suffix_match(file, site.span.path)]
        return found[0] if len(found) == 1 else None         # several lines in one span: not guessed

    def site(self, site: CallSite) -> SiteTraffic | None:
        entry = self._entry(site)
        if entry is None:
            return None
        key, f = entry
        return SiteTraffic(f["calls"], float(self.document["days"]), (), (), None, group_figures("site", key, f),
                           None, note=self._source())

    def _source(self) -> str:
        d = self.document
        return (f"traffic: figures of `llm-lint simulate --write-summary` ({d['engine']}, {d['traffic'][:120]}, "
                f"{d['calls']:,} calls over {d['days']:.1f} days; price data {d['price_data']})")

    def estimate(self, site: CallSite, config: "Config | None" = None) -> Estimate | None:
        st = self.site(site)
        if st is None:
            return None
        f = st.figures
        volume, label = site_figures.monthly_volume(site, config or self.config, f.calls_per_day)
        return Estimate(site_id=site.id, model=None, input_tokens=None, output_tokens=None,
                        cost_per_call=f.cost_per_call, cost_per_month=site_figures.cost_per_month(f, volume, label),
                        calls_per_month=volume, latency_p50_s=f.latency_p50_s, latency_p95_s=f.latency_p95_s,
                        latency_p99_s=f.latency_p99_s, ttft_s=f.ttft_p50_s, error_rate=f.error_rate,
                        quality=f.quality, source="traffic", notes=(self._source(),))

    def feature(self, feature: str) -> GroupFigures | None:
        f = self.document["features"].get(feature)
        return None if f is None else group_figures("feature", feature, f)

    def feature_cost_per_month(self, feature: str, config: "Config | None" = None) -> Metric | None:
        figures = self.feature(feature)
        if figures is None:
            return None
        volume, label = site_figures.feature_volume(feature, config or self.config)
        return site_figures.cost_per_month(figures, volume, label) if volume else figures.cost_per_month

    def p99_output_tokens(self, site: CallSite) -> float | None:
        return None

    def p99_latency_s(self, site: CallSite) -> float | None:
        st = self.site(site)
        return st.figures.latency_p99_s.value if st else None

    def replay(self, site: CallSite, scenarios: list) -> list:
        """No rows to replay a what-if on: callers fall back to what they show without traffic."""
        return []

    def alternatives(self, site: CallSite, tolerance: float) -> list:
        return []

    def cheaper_models(self, site: CallSite, tolerance: float, limit: int = 3) -> list:
        return []
