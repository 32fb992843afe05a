"""The SQL replay agrees, row by row, with the pure-Python reference replay for every scenario key."""
from __future__ import annotations

import dataclasses
import os

import numpy as np
import pytest

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from llmsight.records import Metric  # noqa: E402
from llmsight.simulator.figures import figures  # noqa: E402
from llmsight.simulator.generate import MODELS, generate, to_store  # noqa: E402
from llmsight.simulator.reference import ReferenceReplay  # noqa: E402
from llmsight.simulator.replay import Simulation, uniform, uniform_sql  # noqa: E402
from llmsight.simulator.scenario import BASELINE, parse_scenario  # noqa: E402

SCENARIOS = [
    "model=gpt-4o-mini",
    "model=claude-haiku-4-5",
    "model=o3",                                   # not in the traffic: prior fit
    "max_tokens=100",
    "trim_input=800",
    "timeout=2",
    "timeout=2,stream=true",
    "retries=2,timeout=3",
    "fallback=gpt-4o-mini,retries=1,timeout=2",
    "fallback=claude-haiku-4-5,timeout=1.5",
    "response_cache_hit_rate=0.4",
    "prompt_cache_hit_rate=0.7",
    "batch=true",
    "batch=true,timeout=1,retries=2",
    "stream=true",
    "model=gpt-4o-mini,feature=chat",
    "max_tokens=50,site=app/chat.py:18",
    "retries=3,site=app/summarize.py:15,timeout=8",
    "model=gpt-4.1,max_tokens=200,trim_input=1000,prompt_cache_hit_rate=0.5,response_cache_hit_rate=0.2,"
    "timeout=4,retries=1,fallback=gpt-4o-mini,stream=true",
]


@pytest.fixture(scope="module")
def sim(tmp_path_factory):
    flaky = {name: dataclasses.replace(m, error_rate=0.08, hang_rate=0.03) for name, m in MODELS.items()}
    con = to_store(generate(1000, seed=21, models=flaky), tmp_path_factory.mktemp("ref") / "t.duckdb")
    scenarios = [BASELINE] + [parse_scenario(s) for s in SCENARIOS]
    simulation = Simulation(con, "calls", seed=5, min_site_rows=150)
    simulation.prepare(scenarios)
    return simulation


def _close(a, b, rel=1e-9, abs_=1e-9):
    if a is None or b is None:
        return a is None and b is None
    return a == pytest.approx(b, rel=rel, abs=abs_)


@pytest.mark.parametrize("text", ["baseline"] + SCENARIOS)
def test_sql_agrees_with_reference(sim, text):
    scenario = BASELINE if text == "baseline" else parse_scenario(text)
    ref = ReferenceReplay(sim)
    rows = ref.rows()
    expected = ref.replay(scenario, rows)
    got = {r[0]: r for r in sim.rows(scenario).fetchall()}
    assert len(got) == len(expected) == 1000
    mismatches = []
    for rid, want in expected.items():
        row_id, site, feature, tenant, model, status, latency, ttft, cost, quality, truncated, attempts = got[rid]
        same = (model == want.model and status == want.status and truncated == want.truncated
                and attempts == want.attempts and _close(latency, want.latency_ms) and _close(ttft, want.ttft_ms)
                and _close(cost, want.cost_usd, abs_=1e-15) and _close(quality, want.quality))
        if not same:
            mismatches.append((rid, got[rid][4:], want))
    assert not mismatches, f"{len(mismatches)} rows differ, first: {mismatches[:2]}"


def _bits(values: np.ndarray) -> np.ndarray:
    """The values' bytes as unsigned integers: equal only when bit for bit equal (NaN included)."""
    return values.view(f"u{values.itemsize}")


@pytest.mark.parametrize("text", SCENARIOS)
def test_untouched_rows_come_out_as_in_the_baseline(sim, text):
    """`run` replays only the rows `Replay.touched` names and takes the others from the baseline: exact
    only when the full replay of every other row is the baseline's, bit for bit."""
    scenario = parse_scenario(text)
    full = sim.con.sql(sim.replay.final_sql(scenario, narrow=True)).fetchnumpy()
    changed = sim.con.sql(sim.replay.final_sql(scenario, touched_only=True)).fetchnumpy()
    base, ri = sim.baseline().columns, np.asarray(full["ri"])
    untouched = ~np.isin(ri, changed["ri"])
    differs = np.zeros(len(ri), dtype=bool)
    for name in ("status", "latency_ms", "ttft_ms", "cost_usd", "quality", "truncated"):
        differs |= _bits(np.asarray(full[name])) != _bits(base[name][ri])
    assert differs.any(), "the scenario changed nothing"
    assert not (differs & untouched).any(), f"{int((differs & untouched).sum())} untouched rows differ"
    assert _unlabelled(sim.run([scenario])[0].groups) == _unlabelled(figures(full, sim.groups, sim.seed, sim.days))


def _unlabelled(groups: dict) -> dict:
    """Figures without their source labels (a scenario on a model the traffic never saw labels the
    groups it changed `prior`; figures summarised from rows alone cannot know that)."""
    return {key: {name: (v.value, v.low, v.high, v.n) if isinstance(v, Metric) else v for name, v in vars(g).items()}
            for key, g in groups.items()}


@pytest.mark.parametrize("text", ["max_tokens=100", "trim_input=800", "prompt_cache_hit_rate=0.7"])
def test_untouched_rows_stay_exact_when_a_source_has_contradicting_or_missing_token_counts(tmp_path, text):
    """Ingest rejects reasoning above output and cache reads plus writes above input and stores missing
    counts as 0, but a replay can read any relation: missing counts are 0 there too, and a token step
    mends contradicting rows, so they count as touched."""
    con = to_store(generate(600, seed=4), tmp_path / "t.duckdb")
    con.execute("UPDATE calls SET reasoning_tokens = output_tokens + 7 WHERE row_id % 7 = 0")
    con.execute("UPDATE calls SET cache_write_input_tokens = input_tokens WHERE row_id % 11 = 0")
    con.execute("UPDATE calls SET output_tokens = NULL, cached_input_tokens = NULL WHERE row_id % 13 = 0")
    scenario = parse_scenario(text)
    simulation = Simulation(con, "calls", seed=1)
    simulation.prepare([scenario])
    full = con.sql(simulation.replay.final_sql(scenario, narrow=True)).fetchnumpy()
    assert simulation.run([scenario])[0].groups == figures(full, simulation.groups, simulation.seed, simulation.days)


def test_scenarios_change_what_they_should(sim):
    ref = ReferenceReplay(sim)
    rows = ref.rows()
    base = ref.replay(BASELINE, rows)
    timeouts = ref.replay(parse_scenario("timeout=2"), rows)
    retried = ref.replay(parse_scenario("retries=2,timeout=2"), rows)
    assert sum(o.status != "ok" for o in timeouts.values()) > sum(o.status != "ok" for o in base.values())
    assert sum(o.status != "ok" for o in retried.values()) < sum(o.status != "ok" for o in timeouts.values())
    assert max(o.attempts for o in retried.values()) == 3
    cached = ref.replay(parse_scenario("response_cache_hit_rate=0.4"), rows)
    share = sum(o.attempts == 0 for o in cached.values()) / len(cached)
    assert 0.33 < share < 0.47


def test_uniform_sql_equals_python_and_looks_uniform(sim):
    import duckdb

    values = duckdb.sql(f"SELECT i, {uniform_sql('i', 7, 3)} FROM range(20000) t(i)").fetchall()
    assert all(v == uniform(i, 7, 3) for i, v in values[:2000])
    us = [v for _, v in values]
    assert abs(sum(us) / len(us) - 0.5) < 0.01
    counts = [0] * 10
    for v in us:
        counts[int(v * 10)] += 1
    assert max(counts) < 2200 and min(counts) > 1800
    # draws of one row are not shifted copies of each other, nor are neighbouring rows
    other = [uniform(i, 7, 4) for i in range(20000)]
    mean_a, mean_b = sum(us) / len(us), sum(other) / len(other)
    cov = sum((a - mean_a) * (b - mean_b) for a, b in zip(us, other)) / len(us)
    assert abs(cov / (1 / 12)) < 0.03
    lag = sum((a - mean_a) * (b - mean_a) for a, b in zip(us, us[1:])) / len(us)
    assert abs(lag / (1 / 12)) < 0.03
