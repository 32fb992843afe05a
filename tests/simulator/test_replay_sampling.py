"""Head-sampled traces (issue 13 item 5): `sample_rate` scales counts and cost per day, not what was counted."""
from __future__ import annotations

import duckdb
import pytest

from llmsight.config import ConfigError
from llmsight.simulator.generate import generate
from llmsight.simulator.replay import Simulation
from llmsight.simulator.scenario import BASELINE, parse_scenario

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
