"""The one rule behind a call site's figures with traffic: what `check`, the editor, the explorer, the
report, `simulate` and `diff` all show for a site (docs/simulate.md, "One figure per site").

* Rows: the traffic rows the mapping gives the site (`simulator.mapping`).
* The code as written (`as_written`): the rows are replayed with
  - the model the code names now: a model the code fixes (a literal or a constant, one candidate)
    replays every row, unless the rows logged only it and the fallbacks the code names; a default the
    environment, a settings file or a command line may override (`os.getenv("M", "gpt-4o")`, a
    pydantic field) replays the rows only when the traffic never logged
    it (the default changed after the traffic was recorded) — otherwise the logged models are what
    runs; a model set, or a model the price data does not know, leaves the rows on their logged models;
  - the output cap and timeout the code sets (a row over them is capped, or ends as a timeout billing
    its input; an SDK's default is what the traffic ran under). Retries are not replayed again: the
    observed outcomes are those after the client's retries.
  Every row is re-priced from the catalog (`replay.py`).
* Volume (`monthly_volume`): calls per month configured for the site id, else for its feature, else the
  observed calls per day × 30. A feature's volume applies to each site of the feature.
"""
from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Callable

from llmsight.records import Metric

if TYPE_CHECKING:
    from llmsight.config import Config
    from llmsight.records import CallSite
    from llmsight.simulator.figures import GroupFigures
    from llmsight.simulator.scenario import Scenario

# reaches whose model is only a default: the deployment may run another one (records.MODEL_REACHES)
OVERRIDABLE_REACHES = frozenset({"env-default", "config-default", "cli-default"})


def code_model(site: "CallSite", canonical: Callable[[str], str | None],
               logged: Callable[[], set[str]]) -> tuple[str | None, str | None]:
    """(model the rows are replayed on, or None: rows stay on their logged models; a note saying why the
    code's model is not used, or None). `canonical` names a model as the price data does (None: not
    priced); `logged` gives the catalog names of the models the site's rows logged."""
    value = site.model.value if isinstance(site.model.value, str) else None
    if value is None:
        return None, None
    candidates = getattr(site.model, "candidates", ())
    if len({c.value for c in candidates}) > 1:
        return None, f"the code can send several models ({len(candidates)}): the traffic's models are priced as logged"
    name = canonical(value)
    if name is None:
        return None, f"the code's model {value!r} is not in the price data: the traffic's models are priced as logged"
    seen = logged()
    if seen <= {name} | {canonical(m) or m for m in site.fallback_models}:
        return None, None           # the rows are the code's model and the fallbacks it names
    if any(c.reach in OVERRIDABLE_REACHES for c in candidates) and name in seen:
        return None, (f"the code's model {value!r} is a default the deployment may override, and the traffic "
                      "logged it: the traffic's models are priced as logged")
    return name, None


def as_written(site: "CallSite", model: str | None, changes: "Scenario | None" = None) -> "Scenario":
    """The scenario of the site's code as written (`model` from `code_model`, the code's output cap and
    timeout), with `changes` (a what-if) applied over it."""
    from llmsight.simulator.scenario import Scenario

    cap, timeout = _written(site.max_tokens), _written(site.timeout)
    base = Scenario(name="as written", model=model, max_tokens=int(cap) if cap is not None else None,
                    timeout=float(timeout) if timeout is not None else None)
    if changes is None:
        return base
    overrides = {k: v for k, v in dataclasses.asdict(changes).items() if v is not None and k not in ("site", "feature")}
    return dataclasses.replace(base, **overrides)


# per logged model, what decides whether the code as written changes a site's rows (`changes_rows`)
ROWS_SUMMARY = ("model, max(output_tokens), max(latency_ms), max(ttft_ms), "
                "count(*) FILTER (WHERE status = 'timeout')")


def changes_rows(scenario: "Scenario", summary: list[tuple], canonical: Callable[[str], str | None]) -> bool:
    """Whether the code as written changes any of a site's rows (the replay's own `touched` rule), from
    `ROWS_SUMMARY` per logged model: a model they did not log, an output over the cap, a call slower than
    the timeout or logged as one."""
    t = scenario.timeout * 1000.0 if scenario.timeout is not None else None
    for model, max_out, max_latency, max_ttft, timeouts in summary:
        if scenario.model is not None and (model is None or canonical(model) != scenario.model):
            return True
        if scenario.max_tokens is not None and (max_out or 0) > scenario.max_tokens:
            return True
        if t is not None and (timeouts or (max_latency or 0) > t or (max_ttft or 0) > t):
            return True
    return False


def _written(setting) -> float | None:
    """A positive number the code (or the project's config) sets; an SDK's default is not replayed: the
    traffic was recorded under it, and a row it logged as a timeout may have ended elsewhere (a proxy)."""
    value = setting.value
    if setting.source in ("sdk-default", "absent", "unresolved") or isinstance(value, bool) \
            or not isinstance(value, (int, float)) or not value > 0:
        return None
    return value


def configured_volume(site: "CallSite", config: "Config | None") -> tuple[float | None, str | None]:
    """(calls per month configured for the site id, else its feature; what it is configured for)."""
    if config is not None and config.volumes.get(site.id):
        return float(config.volumes[site.id]), f"configured volume for {site.id}"
    return feature_volume(site.feature, config)


def feature_volume(feature: str | None, config: "Config | None") -> tuple[float | None, str | None]:
    """(calls per month configured for a feature, its label), or (None, None)."""
    volume = config.volumes.get(feature) if config is not None and feature else None
    return (float(volume), f"configured volume for feature {feature}") if volume else (None, None)


def monthly_volume(site: "CallSite", config: "Config | None", calls_per_day: float) -> tuple[float, str | None]:
    """(calls per month, the configured volume's label or None when it is the observed calls per day × 30)."""
    volume, label = configured_volume(site, config)
    return (volume, label) if volume else (calls_per_day * 30, None)


def cost_per_month(figures: "GroupFigures", volume: float, label: str | None) -> Metric:
    """The figures' monthly cost at `volume` calls: the observed one as it is, a configured one times the
    cost per call (and its interval)."""
    if label is None:
        return figures.cost_per_month
    per_call = figures.cost_per_call

    def scaled(v):
        return None if v is None else v * volume

    return Metric(scaled(per_call.value), scaled(per_call.low), scaled(per_call.high), source=per_call.source,
                  n=per_call.n, prior=label if per_call.prior is None else f"{per_call.prior}; {label}")


def over_days(figures: "GroupFigures", days: float, all_days: float) -> "GroupFigures":
    """Figures computed over `days` (the span of some rows) restated per day of `all_days` (the span of
    all the traffic, which every site's calls per day are counted over)."""
    if days == all_days or not all_days:
        return figures
    factor = days / all_days

    def scaled(m: Metric) -> Metric:
        return dataclasses.replace(m, **{k: getattr(m, k) * factor for k in ("value", "low", "high")
                                         if getattr(m, k) is not None})

    return dataclasses.replace(figures, calls_per_day=figures.calls_per_day * factor,
                               cost_per_day=scaled(figures.cost_per_day), cost_per_month=scaled(figures.cost_per_month))


def restate(sim, results: list, scenarios: list, sites: dict[str, "CallSite"], config: "Config | None",
            source: str) -> list[str]:
    """`simulate`'s figures per site made the ones `check` shows (in place): a site whose code as
    written changes its rows is replayed that way in the baseline and under each scenario (scoped to
    the site; a scenario scoped to a feature keeps the observed site figures), and a site's or feature's
    cost per month is at its configured volume. Returns notes naming what was restated."""
    from llmsight.knowledge.catalog import Catalog
    from llmsight.simulator.scenario import BASELINE

    catalog = Catalog.load(config)

    def canonical(model: str) -> str | None:
        info = catalog.lookup(model, last_listed=False)    # a retired model's rows are never replayed on it
        return info.name if info is not None else None

    notes = []
    todo: list[tuple[int, str, "Scenario"]] = []
    # only a site whose code names a priced model, a cap or a timeout can differ from its traffic
    keys = [k for (kind, k) in results[0].groups if kind == "site" and k in sites
            and as_written(sites[k], canonical(v) if isinstance(v := sites[k].model.value, str) else None).changes()]
    summaries: dict[str, list[tuple]] = {}
    if keys:
        marks = ", ".join("?" * len(keys))
        for site_id, *summary in sim.con.execute(f"SELECT m.site_id, {ROWS_SUMMARY} FROM {source} JOIN site_rows m "
                                                 f"USING (row_id) WHERE m.site_id IN ({marks}) GROUP BY ALL",
                                                 keys).fetchall():
            summaries.setdefault(site_id, []).append(tuple(summary))
    for key in keys:
        site, summary = sites[key], summaries.get(key, [])
        model, _ = code_model(site, canonical, lambda: {canonical(m) or m for m, *_ in summary if m})
        written = as_written(site, model)
        if not changes_rows(written, summary, canonical):
            continue
        notes.append(f"site {key}: replayed as the code is written ({', '.join(f'{k}={v}' for k, v in written.changes().items())}), "
                     "as `check` shows it")
        for i, s in enumerate([BASELINE, *scenarios]):
            if s.feature is None and s.site in (None, key):
                todo.append((i, key, dataclasses.replace(as_written(site, model, s), name=s.name, site=key)))
    if todo:
        for (i, key, _), result in zip(todo, sim.run([s for _, _, s in todo])):
            results[i].groups[("site", key)] = result.of("site", key)
    for result in results:
        for (kind, key), figures in list(result.groups.items()):
            volume, label = (configured_volume(sites[key], config) if kind == "site" and key in sites
                             else feature_volume(key, config) if kind == "feature" else (None, None))
            if volume:
                result.groups[(kind, key)] = dataclasses.replace(
                    figures, cost_per_month=cost_per_month(figures, volume, label))
    return notes
