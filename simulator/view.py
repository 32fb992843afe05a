"""Traffic as `llmsight.api.check(traffic=...)` and rules LLM012-016 see it (design §6).

`open_traffic(path)` accepts a traffic store (DuckDB) or a traffic file in any format `llm-lint ingest`
reads (loaded into memory). Rows are grouped once by what the mapping reads (`mapping.group_keys`: code
location, feature, model, provider, operation, request attributes); groups are matched to call sites
with `simulator.mapping` as sites become known, and each site's figures come from its rows under the
identity replay (every call re-priced from the catalog), with seeded bootstrap intervals. How the rows
mapped (`mapping_report`) is said in every estimate's notes (`annotate`), mapped or not.

The view opens its own connection per process (`store.open_store`: the store attached read-only to a
private in-memory database), so forked analysis workers never share one.
"""
from __future__ import annotations

import dataclasses
import functools
import os
import threading
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

from llmsight.config import ConfigError
from llmsight.records import CallSite, Estimate, Metric
from llmsight.simulator import site_figures

if TYPE_CHECKING:
    from llmsight.config import Config
    from llmsight.simulator.figures import GroupFigures
    from llmsight.simulator.mapping import MappingReport
    from llmsight.simulator.scenario import Scenario

DUCKDB_SUFFIXES = (".duckdb", ".db", ".ddb")
MIN_CANDIDATE_ROWS = 30       # a model needs this many quality-scored calls to be suggested from traffic


class TrafficError(ConfigError):
    """The traffic path cannot be read; the message names it and what to do (the CLI exits 2)."""


@dataclass(frozen=True)
class Candidate:
    """A model the site could switch to, replayed over the site's own traffic."""

    model: str
    cost_per_month: float
    cost_per_call: float
    latency_p95_s: float | None
    error_rate: float | None
    quality: float | None
    quality_source: str
    client_change: str | None = None    # why the site's client cannot send it as is (`knowledge.recommend`)


@dataclass(frozen=True)
class SiteTraffic:
    """Figures of one site's rows beyond the Estimate: what fixes and rules LLM012-016 use."""

    calls: int
    days: float
    models: tuple[tuple[str, int], ...]                 # requested model -> rows, most used first
    response_models: tuple[tuple[str, str, str, int], ...]   # (hour, requested, served model, rows), by hour
    output_tokens_p99: float | None
    figures: "GroupFigures"
    model: str | None          # the model the figures are for: the code's, else the traffic's most used
    scenario: "Scenario | None" = None   # the code as written the rows were replayed under (None: as logged)
    note: str | None = None    # why the code's model is not the one the figures are for


def _locked(method):
    """One query at a time on the view's connection (an editor may check from several threads)."""
    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        with self._lock:
            return method(self, *args, **kwargs)
    return wrapper


def connect(path: Path):
    """(connection, relation of canonical rows) for a traffic store or a traffic file.

    A store is opened read-only by `store.open_store` (its tables checked, the file never written, no
    other file reachable); a file in any format `llm-lint ingest` reads is loaded into an in-memory
    store opened the same way."""
    from llmsight.simulator import store

    if path.suffix.lower() in DUCKDB_SUFFIXES:
        try:
            return store.open_store(path, read_only=True), "calls"
        except store.StoreError as exc:
            raise TrafficError(str(exc)) from exc
    from llmsight.simulator import ingest

    con = store.open_store(":memory:")
    report = ingest.ingest([path], con)
    errors = [f.error for f in report.files if getattr(f, "error", None)]
    if errors:
        con.close()
        raise TrafficError(f"{path}: {errors[0]}")
    return con, "calls"


def traffic_fingerprint(path: Path) -> tuple:
    """(file, mtime, size) of a traffic store, file or directory, or of every file a pattern
    (`calls/*.parquet`) matches; TrafficError when there is none."""
    if path.exists():
        files = [path]
    else:             # a pattern: only then is the ingest package (with pyarrow) imported
        from llmsight.simulator.ingest import expand

        files = [f for f in expand([path]) if f.exists()]
    if not files:
        raise TrafficError(f"{path}: no such traffic file or store; run `llm-lint ingest FILES --db {path}` "
                           "or pass an existing file, directory or pattern to --traffic")
    return tuple((str(f.resolve()), st.st_mtime_ns, st.st_size) for f in files for st in (f.stat(),))


def open_traffic(path: str | Path, config: "Config | None" = None, seed: int = 0,
                 root: str | Path | None = None) -> "TrafficView":
    """The view of a traffic source; `root`, the project root of the sites it will be asked about, lets
    the mapping read each call's literal request keywords."""
    from llmsight.simulator.summary import SummaryView, is_summary

    path = Path(path)
    key = (traffic_fingerprint(path), seed, root and str(Path(root).resolve()),
           repr(getattr(config, "prices", None)), repr(getattr(config, "models", None)))
    view = _VIEWS.get(key)
    if view is None:
        _VIEWS.clear()          # one traffic source at a time: an editor session reuses it across checks
        # the figures `simulate --write-summary` wrote (of traffic replayed elsewhere, e.g. on Spark)
        view = _VIEWS[key] = SummaryView(path, config) if is_summary(path) else TrafficView(path, config, seed, root)
    return view


_VIEWS: dict[tuple, "TrafficView"] = {}


_LIVE_VIEWS: "weakref.WeakSet[TrafficView]" = weakref.WeakSet()


def _close_before_fork() -> None:
    """DuckDB is not fork-safe: a child forked while the parent's database threads hold a lock can
    hang. Every view closes its connection before a fork; parent and child reopen it on next use."""
    for view in list(_LIVE_VIEWS):
        view.close()


os.register_at_fork(before=_close_before_fork)


class TrafficView:
    """Per-site traffic figures for `check --traffic`, the traffic rules and fixes (see the module docstring)."""

    def __init__(self, path: Path, config: "Config | None" = None, seed: int = 0, root: str | Path | None = None):
        self.path, self.config, self.seed, self.root = path, config, seed, root
        self.mapping: "MappingReport | None" = None
        self._complete = False         # every site of the project is bound: request signatures may map rows
        self._pid: int | None = None
        self._con = None
        self._sim = None
        self._sites: dict[str, CallSite] = {}
        self._gids: dict[str, tuple[int, ...]] = {}
        self._mapped_for: tuple | None = None     # `_mapping_key` of the mapping done
        self._cache: dict[tuple, SiteTraffic | None] = {}
        self._sims: dict[tuple, object] = {}
        self._identity_result: tuple | None = None
        self._replays: dict[tuple, "GroupFigures"] = {}
        self._lock = threading.RLock()
        self.notes: list[str] = []
        _LIVE_VIEWS.add(self)

    @_locked
    def close(self) -> None:
        """Close the DuckDB connection (figures already computed stay cached); reopened on next use."""
        if self._con is not None:
            self._con.close()
        self._con = self._sim = self._pid = None

    # ------------------------------------------------------------------------------ loading
    def _connect(self):
        if self._pid == os.getpid() and self._con is not None:
            return self._con
        con, source = connect(self.path)
        from llmsight.simulator.mapping import group_keys

        group_columns = group_keys(con, source)
        keys = ", ".join(group_columns)
        con.execute(f"CREATE OR REPLACE TEMP TABLE view_groups AS SELECT row_number() OVER (ORDER BY {keys}) AS row_id, "
                    f"* FROM (SELECT {keys}, count(*) AS rows FROM {source} GROUP BY ALL)")
        join = " AND ".join(f"c.{k} IS NOT DISTINCT FROM g.{k}" for k in group_columns)
        con.execute(f"CREATE OR REPLACE TEMP TABLE view_rows AS SELECT c.*, g.row_id AS gid FROM {source} c "
                    f"JOIN view_groups g ON {join}")
        from llmsight.simulator.replay import Simulation
        from llmsight.simulator.scenario import BASELINE

        sim = Simulation(con, "view_rows", seed=self.seed, config=self.config, site_sql="CAST(c.gid AS VARCHAR)")
        sim.prepare([BASELINE])
        con.execute(f"CREATE OR REPLACE TEMP TABLE view_out AS SELECT o.*, CAST(ds.name AS BIGINT) AS gid "
                    f"FROM ({sim.replay.final_sql(BASELINE)}) o JOIN {sim.tables.dim.format('site')} ds ON ds.code = o.site_c")
        self._con, self._sim, self._pid = con, sim, os.getpid()
        self.notes = list(sim.notes)
        self._mapped_for = None
        self._cache.clear()
        return con

    # ------------------------------------------------------------------------------ mapping
    @_locked
    def bind(self, sites: Iterable[CallSite], complete: bool = False) -> None:
        """Make sites known, so rows are matched among all of them (a row belongs to one site). Rows without
        a code location map by their request signature only once `complete` said these are all the
        project's sites (until then, the rules of one file would see rows that fit a site elsewhere)."""
        for s in sites:
            self._sites[s.id] = s
        self._complete = self._complete or complete

    @property
    def complete(self) -> bool:
        """Whether every site of the project is bound (rows may map by their request signature)."""
        return self._complete

    def _gids_for(self, site: CallSite) -> tuple[int, ...]:
        self._sites[site.id] = site
        con = self._connect()
        if self._mapping_key() != self._mapped_for:
            from llmsight.simulator.mapping import map_rows

            self.mapping = map_rows(con, list(self._sites.values()), table="view_groups", root=self.root, weight="rows",
                                    by_signature=self._complete)
            gids: dict[str, list[int]] = {}
            for gid, site_id in con.execute("SELECT row_id, site_id FROM site_rows").fetchall():
                gids.setdefault(site_id, []).append(int(gid))
            self._gids = {k: tuple(sorted(v)) for k, v in gids.items()}
            self._mapped_for = self._mapping_key()
        return self._gids.get(site.id, ())

    def _mapping_key(self) -> tuple:
        """What the mapping depends on: the sites (by `_site_key`) and whether they are all the project's."""
        return frozenset(map(_site_key, self._sites.values())), self._complete

    @_locked
    def annotate(self, site: CallSite, estimate: Estimate) -> Estimate:
        """`estimate` (from this traffic or, when no row maps to the site, from priors) with how the
        traffic's rows mapped: to this site, and overall with the largest unmapped signatures."""
        self._gids_for(site)
        lines = (self.mapping.site_line(site.id), *self.mapping.lines(top=3)) if self.mapping else ()
        return dataclasses.replace(estimate, notes=(*estimate.notes, *lines))

    @_locked
    def mapping_report(self) -> "MappingReport | None":
        """How the rows mapped to the sites made known so far (None before any)."""
        return self.mapping

    # ------------------------------------------------------------------------------ figures
    @_locked
    def site(self, site: CallSite) -> SiteTraffic | None:
        """The site's traffic, or None when no rows map to it."""
        gids = self._gids_for(site)
        key = (_site_key(site), gids)
        if key not in self._cache:
            self._cache[key] = self._site_traffic(site, gids) if gids else None
        return self._cache[key]

    def _site_traffic(self, site: CallSite, gids: tuple[int, ...]) -> SiteTraffic | None:
        from llmsight.simulator.figures import BLOCKS, aggregate

        con, sim = self._con, self._sim
        where = f"gid IN ({', '.join(map(str, gids))})"
        groups = aggregate(con, f"(SELECT CAST(row_id % {BLOCKS} AS TINYINT) AS blk, 0 AS site_c, feature_c, tenant_c, "
                                f"status, latency_ms, ttft_ms, cost_usd, quality, truncated FROM view_out WHERE {where})",
                           self.seed, sim.days, {**sim.groups.names, "site": {0: site.id}})
        figures = groups.get(("site", site.id))
        if figures is None:
            return None
        models = tuple((m, int(n)) for m, n in con.execute(
            f"SELECT model, count(*) FROM view_rows WHERE {where} GROUP BY model ORDER BY 2 DESC, 1").fetchall())
        drift = tuple((hour.strftime("%Y-%m-%d %H:00"), m, rm, int(n)) for hour, m, rm, n in con.execute(
            f"SELECT date_trunc('hour', ts), model, response_model, count(*) FROM view_rows "
            f"WHERE {where} AND response_model IS NOT NULL AND ts IS NOT NULL GROUP BY ALL ORDER BY 1, 2").fetchall())
        p99_out = con.execute(f"SELECT quantile_cont(output_tokens, 0.99) FROM view_rows WHERE {where} "
                              "AND status = 'ok' AND output_tokens > 0").fetchall()[0][0]
        model = models[0][0] if models else None
        # the code as written (`site_figures`): its model, output cap and timeout replayed over the rows
        code_model, note = site_figures.code_model(site, self._canonical,
                                                   lambda: {self._canonical(m) or m for m, _ in models})
        scenario = site_figures.as_written(site, code_model)
        summary = con.execute(f"SELECT {site_figures.ROWS_SUMMARY} FROM view_rows WHERE {where} GROUP BY ALL").fetchall()
        if site_figures.changes_rows(scenario, summary, self._canonical):
            figures = self.replay_figures(site, scenario)
            model = code_model or model
        else:
            scenario = None
        return SiteTraffic(figures.calls, sim.days, models, drift, p99_out, figures, model, scenario, note)

    def _canonical(self, model: str) -> str | None:
        """The catalog's name for a model as code or traffic writes it (`openai/gpt-4o` -> `gpt-4o`); None for
        a model the installed price data no longer lists (retired: rows are never replayed on it)."""
        from llmsight.knowledge.catalog import Catalog

        info = Catalog.load(self.config).lookup(model, last_listed=False)
        return info.name if info is not None else None

    @_locked
    def replay_figures(self, site: CallSite, scenario) -> "GroupFigures":
        return self._site_replays(site, [scenario])[0]

    def _site_replays(self, site: CallSite, scenarios: list) -> list["GroupFigures"]:
        """The site's rows replayed under each scenario, per day of all the traffic (as the site's figures
        from the whole replay are), not of the span of the site's own rows."""
        sim = self._site_sim(site)
        results = sim.run(scenarios)
        return [site_figures.over_days(r.total, sim.days, self._sim.days) for r in results]

    @_locked
    def feature(self, feature: str) -> "GroupFigures | None":
        """All traffic tagged with a feature (every site of it, mapped or not)."""
        self._connect()
        return self._identity().of("feature", feature)

    @_locked
    def feature_cost_per_month(self, feature: str, config: "Config | None" = None) -> Metric | None:
        """A feature's monthly cost, all its traffic as observed, at its configured volume if any
        (`site_figures.feature_volume`), else its calls per day × 30."""
        figures = self.feature(feature)
        if figures is None:
            return None
        volume, label = site_figures.feature_volume(feature, config or self.config)
        return site_figures.cost_per_month(figures, volume, label) if volume else figures.cost_per_month

    def _identity(self):
        """Figures of all traffic as observed, per feature and tenant (computed once per process)."""
        if self._identity_result is None or self._identity_result[0] != os.getpid():
            from llmsight.simulator.figures import BLOCKS, ScenarioResult, aggregate

            groups = aggregate(self._con, f"(SELECT *, CAST(row_id % {BLOCKS} AS TINYINT) AS blk FROM view_out)",
                               self.seed, self._sim.days, self._sim.groups.names)
            self._identity_result = (os.getpid(), ScenarioResult(None, groups))
        return self._identity_result[1]

    @_locked
    def estimate(self, site: CallSite, config: "Config | None" = None) -> Estimate | None:
        """Traffic-based estimate of one site; None when no traffic maps to it (static estimate then)."""
        st = self.site(site)
        if st is None:
            return None
        config = config or self.config
        f = st.figures
        volume, label = site_figures.monthly_volume(site, config, f.calls_per_day)
        per_month = site_figures.cost_per_month(f, volume, label)
        row = self._con.execute(f"SELECT avg(input_tokens), avg(output_tokens) FROM view_rows WHERE "
                                f"gid IN ({', '.join(map(str, self._gids[site.id]))}) AND status = 'ok'").fetchall()[0]
        model = st.model
        notes = [f"traffic: {f.calls:,} calls over {st.days:.1f} days"
                 + (f", replayed as the code is written ({_written(st.scenario)})" if st.scenario else "")]
        notes += ([st.note] if st.note else []) + [n for n in self.notes if model and model in n]
        return Estimate(
            site_id=site.id, model=model, input_tokens=row[0], output_tokens=row[1], cost_per_call=f.cost_per_call,
            cost_per_month=per_month, calls_per_month=volume, latency_p50_s=f.latency_p50_s,
            latency_p95_s=f.latency_p95_s, latency_p99_s=f.latency_p99_s, ttft_s=f.ttft_p50_s,
            error_rate=f.error_rate, quality=f.quality, source="traffic", notes=tuple(notes))

    # ------------------------------------------------------------------------------ rule helpers
    @_locked
    def p99_output_tokens(self, site: CallSite) -> float | None:
        st = self.site(site)
        return st.output_tokens_p99 if st else None

    @_locked
    def p99_latency_s(self, site: CallSite) -> float | None:
        st = self.site(site)
        return st.figures.latency_p99_s.value if st else None

    @_locked
    def replay(self, site: CallSite, scenarios: list) -> list["GroupFigures"]:
        """The site's rows replayed under each scenario (figures of the whole site)."""
        st = self.site(site)
        if st is None:
            return []
        code_model = st.scenario.model if st.scenario is not None else None
        written = site_figures.as_written(site, code_model).changes()
        scenarios = [site_figures.as_written(site, code_model, s) for s in scenarios]
        base = (_site_key(site), self._gids[site.id], os.getpid())
        for s in scenarios:          # the code as written is the site's own figures (`site`), not a second replay
            if s.changes() == written:
                self._replays.setdefault((base, s), st.figures)
        todo = [s for s in scenarios if (base, s) not in self._replays]
        for s, figures in zip(todo, self._site_replays(site, todo) if todo else []):
            self._replays[(base, s)] = figures      # an editor re-checks on every keystroke
        return [self._replays[(base, s)] for s in scenarios]

    def _site_sim(self, site: CallSite):
        from llmsight.simulator.replay import Simulation

        gids = self._gids[site.id]
        key = (_site_key(site), gids, os.getpid())
        sim = self._sims.get(key)
        if sim is None:
            sim = Simulation(self._con, f"(SELECT * FROM view_rows WHERE gid IN ({', '.join(map(str, gids))}))",
                             seed=self.seed, config=self.config, site_sql=_sql_text(site.id),
                             client_retries={site.id: site.retries.value})     # observed errors are after them
            self._sims[key] = sim
        return sim

    @_locked
    def alternatives(self, site: CallSite, tolerance: float) -> list[Candidate]:
        """Models seen in the traffic (with quality from traffic scores or an eval file) replayed over this
        site's rows, keeping those whose quality is at most `tolerance` below the site's; cheapest first."""
        st = self.site(site)
        if st is None or st.figures.quality is None or st.figures.quality.value is None:
            return []
        current_q = st.figures.quality.value
        fits = self._sim.fits
        models = sorted(m for m in {f.model for f in fits.models.values() if f.source == "traffic"}
                        if m != st.model and self._canonical(m) != self._canonical(st.model or ""))
        models = [m for m in models if m in self._sim.prices and (q := fits.quality_of(m, site.feature))
                  is not None and ((q[2] == "traffic" and q[1] >= MIN_CANDIDATE_ROWS) or q[2].startswith("eval"))]
        from llmsight.knowledge.recommend import recommendable
        from llmsight.simulator.scenario import Scenario

        verdicts = {v.model: v for v in recommendable(site, models, self.config)}   # never a retiring model…
        models = list(verdicts)

        scenarios = [Scenario(name=f"model={m}", model=m) for m in models]
        out = []
        for s, t in zip(scenarios, self.replay(site, scenarios)):
            q = t.quality.value if t.quality else None
            if q is not None and q >= current_q - tolerance and t.cost_per_month.value is not None:
                out.append(Candidate(s.model, t.cost_per_month.value, t.cost_per_call.value, t.latency_p95_s.value,
                                     t.error_rate.value, q, fits.quality_of(s.model, site.feature)[2],
                                     verdicts[s.model].client_change))
        return sorted(out, key=lambda c: c.cost_per_month)

    @_locked
    def cheaper_models(self, site: CallSite, tolerance: float, limit: int = 3) -> list[Candidate]:
        """`alternatives` that cost less per month than the site does now."""
        st = self.site(site)
        if st is None or st.figures.cost_per_month.value is None:
            return []
        current = st.figures.cost_per_month.value
        return [c for c in self.alternatives(site, tolerance) if c.cost_per_month < current][:limit]


def _site_key(site: CallSite) -> tuple:
    """What mapping and figures depend on: a site id can come back with other code (an edited buffer)."""
    return (site.id, site.span.path, site.span.start_line, site.span.end_line, site.function, site.feature,
            repr(site.model.value))


def _written(scenario: "Scenario") -> str:
    """`model=gpt-4o, timeout=30`: what the code as written replays."""
    return ", ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}"
                     for k, v in scenario.changes().items())


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"
