"""Replay latency when the traffic has no TTFT (issue 13 item 5): no replayed call without a latency,
`n` counts the latencies behind a percentile, and the same p95 as with TTFT."""
from __future__ import annotations

import duckdb
import pyarrow as pa
import pytest

from llmsight.simulator.fit import MEASURED, MODELLED
from llmsight.simulator.generate import generate
from llmsight.simulator.replay import Simulation
from llmsight.simulator.scenario import BASELINE, parse_scenario

ROWS = 20_000
# every kind of replayed attempt: a switch to a model the traffic has, timeouts ending in retries,
# retries then a fallback, an output cap and trimmed input on the observed attempt
SCENARIOS = ("timeout=1,retries=2", "model=gpt-4o-mini", "model=claude-sonnet-4-5", "retries=2,fallback=gpt-4o",
             "max_tokens=200", "trim_input=1000", "timeout=5")


def _simulation(table: pa.Table) -> Simulation:
    con = duckdb.connect()
    con.register("incoming", table.append_column("row_id", pa.array(range(1, table.num_rows + 1), pa.int64())))
    con.execute("CREATE TABLE calls AS SELECT * FROM incoming")
    return Simulation(con, "calls")


@pytest.fixture(scope="module")
def runs():
    table = generate(ROWS, seed=1)
    without = table.set_column(table.schema.get_field_index("ttft_ms"), "ttft_ms", pa.nulls(ROWS, pa.float64()))
    scenarios = [BASELINE, *(parse_scenario(s) for s in SCENARIOS)]
    sims = {"with": _simulation(table), "without": _simulation(without)}
    return scenarios, {name: (sim, sim.run(scenarios)) for name, sim in sims.items()}


def test_same_p95_with_and_without_ttft(runs):
    scenarios, by = runs
    for s, measured, modelled in zip(scenarios, by["with"][1], by["without"][1]):
        a, b = measured.total.latency_p95_s.value, modelled.total.latency_p95_s.value
        assert b == pytest.approx(a, rel=0.05), s.name


def test_every_replayed_call_has_a_latency_and_n_counts_them(runs):
    scenarios, by = runs
    sim, results = by["without"]
    for s, result in zip(scenarios, results):
        missing = sim.rows(s).filter("latency_ms IS NULL OR isnan(latency_ms)").count("*").fetchall()[0][0]
        assert missing == 0, s.name
        total = result.total
        assert total.latency_p95_s.n == total.latency_p99_s.n == total.calls == ROWS, s.name


def test_a_timeout_with_retries_is_never_faster_than_its_timeout(runs):
    scenarios, by = runs
    for _, results in by.values():
        result = results[scenarios.index(parse_scenario("timeout=1,retries=2"))]
        assert result.total.latency_p99_s.value >= 1.0


def test_fits_say_when_their_ttft_is_modelled(runs):
    _, by = runs
    measured, modelled = by["with"][0].fits, by["without"][0].fits
    assert {f.latency for f in measured.models.values()} == {MEASURED}
    assert {f.latency for f in modelled.models.values()} == {MODELLED}
    assert not measured.decode and set(modelled.decode) >= {("gpt-4o", "app/chat.py:18")}
    assert any(note.startswith("no TTFT in the traffic of") for note in by["without"][0].notes)
    assert not any("no TTFT" in note for note in by["with"][0].notes)
