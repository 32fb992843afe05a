"""`llm-lint simulate`: the baseline and each scenario replayed over the traffic, per site, feature and
tenant, with the Pareto front across scenarios (design §6-7).

With PATHS, rows are mapped to the call sites found there (`simulator.mapping`); rows that map to no
site keep `code_file:code_line` (or their feature, or model) as their site, and the report says how many
rows mapped, by what, and which signatures matched nothing (`mapping`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from llmsight.simulator.figures import GroupFigures, ScenarioResult
from llmsight.simulator.replay import MAX_TENANTS, Simulation
from llmsight.simulator.scenario import BASELINE, Scenario, ScenarioError, parse_scenario
from llmsight.simulator.site_figures import restate

if TYPE_CHECKING:
    from llmsight.config import Config
    from llmsight.records import CallSite
    from llmsight.simulator.mapping import MappingReport


@dataclass
class SimulationReport:
    traffic: str
    price_data: str
    seed: int
    days: float
    calls: int
    results: list[ScenarioResult]                 # [0] is the baseline (the traffic as observed)
    front: list[int]                              # scenario indices on the Pareto front of all traffic
    site_fronts: dict[str, list[int]] = field(default_factory=dict)
    sites: dict[str, "CallSite"] = field(default_factory=dict)     # site id -> site (with PATHS)
    unmatched_rows: int | None = None             # rows no site matched (with PATHS)
    mapping: "MappingReport | None" = None        # how rows mapped to sites (with PATHS)
    notes: list[str] = field(default_factory=list)

    def groups(self, kind: str) -> list[str]:
        """Keys of one group kind (site, feature, tenant), biggest baseline cost first."""
        base = self.results[0].groups
        keys = [k for (kd, k) in base if kd == kind]
        return sorted(keys, key=lambda k: -(base[(kind, k)].cost_per_day.value or 0.0))

    def figures(self, index: int, kind: str, key: str) -> GroupFigures | None:
        return self.results[index].of(kind, key)


def parse_scenarios(texts: Sequence[str | Scenario], config: "Config | None" = None) -> list[Scenario]:
    from llmsight.knowledge.catalog import Catalog

    catalog = Catalog.load(config)
    return [t if isinstance(t, Scenario) else parse_scenario(t, catalog) for t in texts]


def simulate(traffic: str | Path, scenarios: Sequence[str | Scenario], sites: Sequence["CallSite"] | None = None,
             root: str | Path | None = None, whole_project: bool = True, config: "Config | None" = None, seed: int = 0, eval_file: str | Path | None = None,
             price_data: str = "", sample: int | None = None, max_tenants: int | None = MAX_TENANTS,
             sample_rate: float | None = None, use_cache: bool = True, engine: str = "duckdb",
             spark_remote: str | None = None, spark_conf: Sequence[str] = (), spark_session=None) -> SimulationReport:
    """`sample_rate`: the share of calls the traces hold (head sampling); counts and cost per day scale by its inverse.
    None: the rate the exporters' samplers recorded in the traffic (`store.recorded_sample_rate`), else 1.
    `use_cache`: read and write the summary of the traffic's preparation (`prepared`) in the user's cache.
    `engine="spark"`: the whole replay runs in Apache Spark (`simulator.spark`) over Parquet files, directories,
    globs or a table name, in `spark_session`, else a session at the Spark Connect URL `spark_remote`, else a
    local one (with the "key=value" settings `spark_conf`); rows are grouped by `code_file:code_line` (mapping them to the sites of PATHS runs on DuckDB)."""
    from llmsight.simulator.pareto import scenario_front
    from llmsight.simulator.prepared import SummaryCache
    from llmsight.simulator.store import recorded_sample_rate
    from llmsight.simulator.view import TrafficError, connect, traffic_fingerprint

    parsed = parse_scenarios(scenarios, config)
    path = Path(traffic)
    if engine == "spark":
        from llmsight.simulator.spark import spark_settings, spark_traffic

        settings = spark_settings(spark_conf)          # checked before any session starts
        if sites is not None:
            raise TrafficError("--engine spark groups rows by code_file:code_line; mapping them to the call sites "
                               "of PATHS runs on DuckDB (drop PATHS, or use --engine duckdb)")
        con, source = spark_traffic(traffic, spark_remote, spark_session, settings)
        use_cache = False              # the summary cache keys DuckDB's content hash of the rows
    else:
        traffic_fingerprint(path)      # a store, file, directory or pattern with files, else TrafficError
        con, source = connect(path)
    sim = None
    try:
        if not con.execute(f"SELECT count(*) FROM {source} WHERE model IS NOT NULL").fetchall()[0][0]:
            raise TrafficError(f"{path}: no calls in this traffic; load some with `llm-lint ingest FILES --db {path}`")
        recorded = recorded_sample_rate(con, source) if sample_rate is None else None
        sample_rate = recorded[0] if recorded else sample_rate or 1.0
        site_map, mapping, by_id = None, None, {}
        if sites is not None:
            from llmsight.simulator.mapping import map_rows

            mapping = map_rows(con, sites, table=source, root=root, by_signature=whole_project)
            site_map = "site_rows"
            by_id = {s.id: s for s in sites}
        sim = Simulation(con, source, seed=seed, config=config, site_map=site_map, eval_file=eval_file, sample=sample,
                         max_tenants=max_tenants, sample_rate=sample_rate,
                         client_retries={s.id: s.retries.value for s in sites or ()},
                         cache=SummaryCache.default() if use_cache else None)
        known = {s.site: s for s in parsed if s.site is not None}
        sim.prepare([BASELINE, *parsed])
        for s in known.values():
            if s.site not in sim.codes.sites:
                raise ScenarioError(f"scenario key `site`: no traffic maps to site {s.site!r} "
                                    f"(sites: {', '.join(sorted(sim.codes.sites)[:5])}…)")
        for s in parsed:
            if s.feature is not None and s.feature not in sim.codes.features:
                raise ScenarioError(f"scenario key `feature`: no traffic has feature {s.feature!r} "
                                    f"(features: {', '.join(sorted(sim.codes.features))})")
        results = sim.run([BASELINE, *parsed])
        calls = int(round(results[0].total.calls / sim.share))
        notes = list(sim.notes) + ([recorded[1]] if recorded else [])
        if sites is not None:
            notes += restate(sim, results, parsed, by_id, config, source)
        if config is not None and config.volumes:
            notes.append("cost per month of a site or feature with `volumes` in [tool.llmsight] is that volume × its "
                         "cost per call (as `llm-lint check` shows it); of tenants and all traffic, the observed "
                         "calls per day × 30")
        report = SimulationReport(str(path), price_data, seed, sim.days / sim.share, calls, results,
                                  scenario_front([r.total for r in results]), sites=by_id,
                                  unmatched_rows=mapping and mapping.unmatched, mapping=mapping, notes=notes)
        for key in report.groups("site"):
            report.site_fronts[key] = scenario_front([r.of("site", key) for r in results])
        return report
    finally:
        if sim is not None:
            sim.close()
        con.close()
