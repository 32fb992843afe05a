"""Call-level vs attempt-level errors (issue 13 item 5): a site's observed error rate is after its client's
retries; a switch replays it per attempt through each site's own retries."""
from __future__ import annotations

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from llmsight.simulator.generate import generate
from llmsight.simulator.replay import Simulation
from llmsight.simulator.scenario import BASELINE, parse_scenario

RETRYING, PLAIN = "app/chat.py:18", "app/summarize.py:15"     # gpt-4o behind 2 client retries; claude without
SWITCH = parse_scenario(f"model=gpt-4o,site={PLAIN}")


@pytest.fixture(scope="module")
def table():
    return generate(20000, seed=4)


def _run(table, client_retries=None):
    con = duckdb.connect()
    con.register("calls", table)
    sim = Simulation(con, "calls", client_retries=client_retries)
    return sim, sim.run([BASELINE, SWITCH])


def test_a_switch_replays_the_per_attempt_rate_at_a_site_that_does_not_retry(table):
    sim, (base, switched) = _run(table, {RETRYING: 2})
    observed = base.of("site", RETRYING).error_rate.value       # gpt-4o's calls there, after two retries
    per_attempt = sim.fits.attempt_error["gpt-4o"]
    assert per_attempt == pytest.approx(observed ** (1 / 3), rel=0.2)
    assert switched.of("site", PLAIN).error_rate.value == pytest.approx(per_attempt, rel=0.15)
    assert switched.of("site", RETRYING) == base.of("site", RETRYING)       # out of scope: unchanged
    assert any("after client retries (2)" in note and "independently" in note for note in sim.notes)


def test_without_retrying_clients_the_rates_are_the_observed_ones(table):
    sim, (_, switched) = _run(table)
    assert sim.fits.attempt_error["gpt-4o"] == pytest.approx(sim.fits.get("gpt-4o").error_rate)
    assert switched.of("site", PLAIN).error_rate.value < 0.03 and not any("client retries" in n for n in sim.notes)


def test_calls_that_say_their_attempts_give_the_per_attempt_rate(table):
    """A call that took k attempts (HTTP attempt spans: `attempt` k) failed k - 1 times before its last: the
    per-attempt rate is the failed attempts over the attempts, whatever the client's retries."""
    attempts = table.set_column(table.schema.get_field_index("attempt"), "attempt",
                                pa.array([1 + i % 2 for i in range(table.num_rows)], pa.int32()))
    sim, _ = _run(attempts, {RETRYING: 2})
    gpt4o = attempts.filter(pc.equal(attempts["model"], "gpt-4o"))
    errors = pc.sum(pc.equal(gpt4o["status"], "error")).as_py()
    tried = pc.sum(gpt4o["attempt"]).as_py()
    assert sim.fits.attempt_error["gpt-4o"] == pytest.approx((errors + tried - gpt4o.num_rows) / tried)


def test_no_failed_call_behind_retries_is_said_to_bound_nothing_per_attempt(table):
    ok_only = table.filter(pc.equal(table["status"], "ok"))
    sim, _ = _run(ok_only, {RETRYING: 2})
    assert sim.fits.attempt_error["gpt-4o"] == 0.0
    assert any(note.startswith("gpt-4o: ") and "could be up to" in note for note in sim.notes)
