"""Head-sampled traces (issue 13 item 5): `sample_rate` scales counts and cost per day, not what was counted."""
from __future__ import annotations

from fractions import Fraction

import duckdb
import pytest

from llmsight.config import ConfigError
from llmsight.simulator.generate import generate
from llmsight.simulator.replay import Simulation
from llmsight.simulator.scenario import BASELINE, parse_scenario
from llmsight.simulator.store import recorded_sample_rate

SCENARIOS = [BASELINE, parse_scenario("model=gpt-4o-mini")]


def _run(rate: float):
    con = duckdb.connect()
    con.register("calls", generate(2000, seed=3))
    sim = Simulation(con, "calls", sample_rate=rate)
    return sim, [r.total for r in sim.run(SCENARIOS)]


def test_sample_rate_scales_per_day_figures_and_keeps_n():
    _, full = _run(1.0)
    sim, sampled = _run(0.1)
    for a, b in zip(full, sampled):
        assert b.calls == a.calls == 2000 and b.latency_p95_s.n == a.latency_p95_s.n
        assert b.calls_per_day == pytest.approx(a.calls_per_day * 10)
        assert b.cost_per_month.value == pytest.approx(a.cost_per_month.value * 10)
        assert b.cost_per_call.value == pytest.approx(a.cost_per_call.value)
        assert b.latency_p95_s.value == a.latency_p95_s.value
    assert sim.share == 0.1 and any("head-sampled at 0.1" in note for note in sim.notes)


@pytest.mark.parametrize("rate", [0.0, 1.5, -0.2])
def test_sample_rate_outside_zero_to_one_is_refused(rate):
    with pytest.raises(ConfigError, match="sample rate"):
        Simulation(duckdb.connect(), "calls", sample_rate=rate)


def test_recorded_rate_is_the_same_bits_whatever_order_the_rows_are_added_in():
    """The share the samplers' rates give (rows over sum(1 / rate)) is summed exactly: the rows in reverse,
    as DuckDB's threads may add them, give the same bits, the exactly rounded share 0.34328107972168664
    (a floating sum gave 0.34328107972167704 one way, 0.343281079721677 the other)."""
    con = duckdb.connect()
    con.execute("CREATE TABLE traced AS SELECT 'gpt-4o' AS model, i, "
                "CAST([0.3, 0.7, 0.13, NULL, 0.9][1 + (i * 7919) % 5] AS DOUBLE) AS sample_rate FROM range(5000) t(i)")
    con.execute("CREATE TABLE backwards AS SELECT * FROM traced ORDER BY i DESC")
    rates = [rate for (rate,) in con.execute("SELECT sample_rate FROM traced").fetchall()]
    exact = len(rates) / float(sum(Fraction(1.0 / (rate or 1.0)) for rate in rates))
    assert recorded_sample_rate(con, "traced")[0] == recorded_sample_rate(con, "backwards")[0] == exact
