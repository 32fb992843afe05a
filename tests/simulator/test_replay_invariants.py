"""Replay invariants on real DuckDB files: the identity scenario reproduces the observed figures, costs are
exactly the catalog's, more timeout never means more timeouts, results repeat across threads and seeds
only move the draws, and the same SQL runs over a hive-partitioned Parquet directory."""
from __future__ import annotations

import os

import duckdb
import pytest

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from llmsight.knowledge.catalog import Catalog, Usage  # noqa: E402
from llmsight.knowledge.tokens import tokenizer_ratio  # noqa: E402
from llmsight.knowledge.recommend import operation_kind  # noqa: E402
from llmsight.simulator.generate import generate, to_store  # noqa: E402
from llmsight.simulator.replay import Simulation  # noqa: E402
from llmsight.simulator.scenario import BASELINE, ScenarioError, parse_scenario  # noqa: E402


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    path = tmp_path_factory.mktemp("inv") / "traffic.duckdb"
    to_store(generate(20_000, seed=8), path).close()
    return path


@pytest.fixture(scope="module")
def sim(store):
    con = duckdb.connect(str(store), read_only=True)
    simulation = Simulation(con, "calls", seed=3)
    simulation.prepare([parse_scenario("model=gpt-4o-mini"), parse_scenario("model=claude-haiku-4-5")])
    return simulation


def test_identity_reproduces_observed_figures(sim):
    base = sim.run([BASELINE])[0]
    observed = sim.con.execute("""
        SELECT coalesce(code_file || ':' || CAST(code_line AS VARCHAR), feature, model) AS site, count(*),
               sum(cost_usd), quantile_cont(latency_ms, [0.5, 0.95, 0.99]),
               avg(CASE WHEN status <> 'ok' THEN 1.0 ELSE 0.0 END),
               avg(CASE WHEN status = 'timeout' THEN 1.0 ELSE 0.0 END), avg(quality)
        FROM calls GROUP BY ALL""").fetchall()
    assert len(observed) == 4
    for site, n, cost, lat, err, tout, quality in observed:
        f = base.of("site", site)
        assert f.calls == n
        assert f.cost_per_day.value * sim.days == pytest.approx(cost, rel=1e-9)   # logged cost = catalog price
        for metric, want in zip((f.latency_p50_s, f.latency_p95_s, f.latency_p99_s), lat):
            assert metric.value * 1000 == pytest.approx(want, rel=1e-9)
            assert metric.low <= metric.value <= metric.high
        assert f.error_rate.value == pytest.approx(err) and f.timeout_rate == pytest.approx(tout)
        if quality is None:
            assert f.quality is None
        else:
            assert f.quality.value == pytest.approx(quality, rel=1e-9)
    total = base.total
    assert total.calls == 20_000 and total.cost_per_month.value == pytest.approx(total.cost_per_day.value * 30)
    all_quality, all_p95 = sim.con.execute("SELECT avg(quality), quantile_cont(latency_ms, 0.95) FROM calls").fetchall()[0]
    assert total.quality.value == pytest.approx(all_quality, rel=1e-9)
    assert total.latency_p95_s.value * 1000 == pytest.approx(all_p95, rel=1e-9)


@pytest.mark.parametrize("target", ["gpt-4o-mini", "claude-haiku-4-5"])
def test_switched_calls_cost_exactly_what_the_catalog_charges(sim, target):
    catalog = Catalog.load()
    rows = {r[0]: r for r in sim.con.execute(
        "SELECT row_id, model, input_tokens, output_tokens, cached_input_tokens, cache_write_input_tokens, "
        "reasoning_tokens FROM calls WHERE status = 'ok' AND model <> ? LIMIT 500", [target]).fetchall()}
    out = sim.rows(parse_scenario(f"model={target}")).fetchall()
    checked = 0
    for row_id, _, _, _, model, status, _, _, cost, _, _, attempts in out:
        if row_id not in rows or status != "ok":
            continue
        _, obs_model, inp, outp, cached, write, reasoning = rows[row_id]
        if operation_kind(obs_model) != operation_kind(target):
            assert model == obs_model       # a chat model never replaces an embedding call
            continue
        assert model == target
        r = tokenizer_ratio(obs_model, target)
        usage = Usage(round(inp * r + 1e-9), outp, round(cached * r + 1e-9), round(write * r + 1e-9), reasoning)
        assert cost == pytest.approx(catalog.cost(target, usage).total, rel=1e-12, abs=1e-15)
        checked += 1
    assert checked > 300


def test_more_timeout_never_means_more_timeouts(sim):
    timeouts = [1, 2, 4, 8, 16, 32, 64]
    results = sim.run([parse_scenario(f"timeout={t}") for t in timeouts])
    rates = [r.total.timeout_rate for r in results]
    errors = [r.total.error_rate.value for r in results]
    p99 = [r.total.latency_p99_s.value for r in results]
    assert rates == sorted(rates, reverse=True) and rates[0] > rates[-1]
    assert errors == sorted(errors, reverse=True)
    assert p99 == sorted(p99)
    assert all(r.total.latency_p99_s.value <= t for r, t in zip(results, timeouts))


def test_retries_and_fallback_trade_cost_for_errors(sim):
    plain, retried, fallback = sim.run([parse_scenario("timeout=4"), parse_scenario("timeout=4,retries=2"),
                                        parse_scenario("timeout=4,retries=2,fallback=gpt-4o-mini")])
    assert retried.total.error_rate.value < plain.total.error_rate.value
    assert fallback.total.error_rate.value <= retried.total.error_rate.value
    assert retried.total.cost_per_day.value > plain.total.cost_per_day.value


def test_scoping_leaves_other_sites_as_observed(sim):
    base, scoped = sim.run([BASELINE, parse_scenario("model=gpt-4o-mini,feature=chat")])
    for key in ("app/summarize.py:15", "app/embed.py:10", "app/embed.py:16"):
        a, b = base.of("site", key), scoped.of("site", key)
        assert (a.cost_per_day.value, a.latency_p95_s.value) == (b.cost_per_day.value, b.latency_p95_s.value)
    assert scoped.of("site", "app/chat.py:18").cost_per_day.value < base.of("site", "app/chat.py:18").cost_per_day.value


def test_deterministic_across_threads_and_runs(store):
    scenario = parse_scenario("model=claude-haiku-4-5,retries=2,timeout=3,fallback=gpt-4o-mini")
    outputs = []
    for threads in (1, 2, 1):
        con = duckdb.connect(str(store), read_only=True)
        con.execute(f"SET threads = {threads}")
        sim = Simulation(con, "calls", seed=9, bootstrap=50)
        rows = sim.rows(scenario).order("row_id").fetchall()
        total = sim.run([scenario])[0].total
        outputs.append((rows, total.cost_per_month.low, total.latency_p95_s.high))
        con.close()
    assert outputs[0] == outputs[1] == outputs[2]


def test_seed_moves_draws_not_the_identity(store):
    con = duckdb.connect(str(store), read_only=True)
    a, b = Simulation(con, "calls", seed=1), Simulation(con, "calls", seed=2)
    switch = parse_scenario("model=gpt-4o-mini")
    ra, rb = a.run([BASELINE, switch]), b.run([BASELINE, switch])
    assert ra[0].total.cost_per_day.value == rb[0].total.cost_per_day.value
    assert ra[0].total.latency_p95_s.value == rb[0].total.latency_p95_s.value
    assert ra[1].total.latency_p95_s.value != rb[1].total.latency_p95_s.value
    assert ra[0].total.cost_per_month.low != rb[0].total.cost_per_month.low


def test_same_queries_over_hive_partitioned_parquet(store, tmp_path):
    con = duckdb.connect(str(store), read_only=True)
    target = tmp_path / "calls"
    con.execute(f"COPY (SELECT *, strftime(ts, '%Y-%m-%d') AS day FROM calls) TO '{target}' "
                "(FORMAT PARQUET, PARTITION_BY (day))")
    assert len(list(target.glob("day=*"))) >= 7
    scenarios = [BASELINE, parse_scenario("model=gpt-4o-mini,timeout=5,retries=1"),
                 parse_scenario("prompt_cache_hit_rate=0.5,max_tokens=200")]
    on_table = Simulation(con, "calls", seed=4).run(scenarios)
    on_parquet = Simulation(duckdb.connect(), f"read_parquet('{target}/**/*.parquet', hive_partitioning = true)",
                            seed=4).run(scenarios)
    for a, b in zip(on_table, on_parquet):
        for key, fa in a.groups.items():
            fb = b.groups[key]
            assert fa.calls == fb.calls
            assert fa.cost_per_day.value == pytest.approx(fb.cost_per_day.value, rel=1e-9)
            assert fa.latency_p95_s.value == pytest.approx(fb.latency_p95_s.value, rel=1e-9)
            assert fa.error_rate.value == pytest.approx(fb.error_rate.value)


@pytest.mark.parametrize("text, key", [
    ("modle=gpt-4o", "`modle`"), ("timeout=-1", "`timeout`"), ("timeout=soon", "`timeout`"),
    ("retries=99", "`retries`"), ("response_cache_hit_rate=1.5", "`response_cache_hit_rate`"),
    ("batch=maybe", "`batch`"), ("max_tokens=0", "`max_tokens`"), ("model=gpt-4o-mnii", "`model`"),
    ("site=a.py:1,feature=chat", "`site`"), ("model", "not key=value"), ("timeout=1,timeout=2", "`timeout`"),
])
def test_bad_scenarios_name_the_key(text, key):
    with pytest.raises(ScenarioError, match=key):
        parse_scenario(text, Catalog.load())


def test_scenario_parsing_keeps_every_key():
    s = parse_scenario("model=gpt-4o-mini, max_tokens=300, trim_input=4000, timeout=20, retries=2, "
                       "fallback=gpt-4.1-mini, response_cache_hit_rate=0.1, prompt_cache_hit_rate=0.5, batch=false, "
                       "stream=true, feature=chat", Catalog.load())
    assert s.changes() == {"model": "gpt-4o-mini", "max_tokens": 300, "trim_input": 4000, "timeout": 20.0,
                           "retries": 2, "fallback": "gpt-4.1-mini", "response_cache_hit_rate": 0.1,
                           "prompt_cache_hit_rate": 0.5, "batch": False, "stream": True, "feature": "chat"}


def test_sampled_replay_estimates_the_full_one(store):
    con = duckdb.connect(str(store), read_only=True)
    scenario = parse_scenario("model=gpt-4o-mini,timeout=10")
    full = Simulation(con, "calls", seed=2).run([BASELINE, scenario])
    sampled_sim = Simulation(con, "calls", seed=2, sample=5000)
    sampled = sampled_sim.run([BASELINE, scenario])
    assert 4000 < sampled[0].total.calls < 6000 and any("sample" in n for n in sampled_sim.notes)
    for f, s in zip(full, sampled):
        month = s.total.cost_per_month
        assert month.low <= f.total.cost_per_month.value <= month.high
        assert s.total.latency_p95_s.value == pytest.approx(f.total.latency_p95_s.value, rel=0.1)


def test_a_note_says_when_quality_is_a_prior_not_a_measurement(tmp_path):
    table = generate(2_000, seed=5)
    measured = tmp_path / "measured.duckdb"
    to_store(table, measured).close()
    unmeasured = tmp_path / "unmeasured.duckdb"
    to_store(table.drop_columns(["quality"]), unmeasured).close()

    def notes(path):
        sim = Simulation(duckdb.connect(str(path), read_only=True), "calls", seed=0)
        sim.prepare([BASELINE])
        return [n for n in sim.notes if n.startswith("quality not measured")]

    assert notes(measured) == []
    (note,) = notes(unmeasured)
    observed = duckdb.connect(str(unmeasured), read_only=True).execute("SELECT DISTINCT model FROM calls").fetchall()
    chat = [model for (model,) in observed if "embedding" not in model]      # embeddings have no quality
    assert len(chat) >= 3 and all(model in note for model in chat) and "--eval" in note
