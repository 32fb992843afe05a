"""Parquet written with the documented canonical columns, no bookkeeping (issue 13 item 6): `Simulation`
and `simulate --traffic DIR` take it as they take a store."""
from __future__ import annotations

import duckdb
import pyarrow.parquet as pq
import pytest

from llmsight.simulator.generate import generate, write
from llmsight.simulator.replay import Simulation
from llmsight.simulator.scenario import BASELINE, parse_scenario
from llmsight.simulator.simulate import simulate
from llmsight.simulator.view import TrafficError

SCENARIOS = [BASELINE, parse_scenario("model=gpt-4o-mini"), parse_scenario("timeout=2,retries=1")]


@pytest.fixture(scope="module")
def table():
    return generate(3000, seed=5)


def _totals(source: str) -> list[tuple]:
    results = Simulation(duckdb.connect(), source).run(SCENARIOS)
    return [(r.total.calls, r.total.cost_per_day.value, r.total.latency_p95_s.value, r.total.error_rate.value)
            for r in results]


def test_partitioned_parquet_without_row_id_replays_like_one_file(table, tmp_path):
    assert "row_id" not in table.column_names
    for day, (start, stop) in enumerate(((0, 1000), (1000, 3000))):
        (tmp_path / "parts" / f"day={day}").mkdir(parents=True)
        write(table.slice(start, stop - start), tmp_path / "parts" / f"day={day}" / "calls.parquet")
    write(table, tmp_path / "all.parquet")
    split = _totals(f"read_parquet('{tmp_path}/parts/**/*.parquet', hive_partitioning = true)")
    whole = _totals(f"read_parquet('{tmp_path}/all.parquet')")
    assert split == whole
    assert split[0][0] == 3000


def test_parquet_without_optional_columns(table, tmp_path):
    path = tmp_path / "few.parquet"
    pq.write_table(table.drop_columns(["quality", "cache_write_input_tokens", "reasoning_tokens", "attempt",
                                       "trace_id", "tenant"]), path)
    baseline, switched, _ = _totals(f"read_parquet('{path}')")
    assert baseline[0] == switched[0] == 3000 and switched[1] > 0


def test_simulate_takes_a_directory_of_parquet(table, tmp_path):
    (tmp_path / "dir").mkdir()
    write(table, tmp_path / "dir" / "calls.parquet")
    report = simulate(tmp_path / "dir", ["model=gpt-4o-mini"])
    assert report.calls == 3000 and report.results[1].total.latency_p95_s.n == 3000


def test_simulate_takes_a_pattern_of_parquet_files(table, tmp_path):
    for day, (start, stop) in enumerate(((0, 1200), (1200, 3000))):
        (tmp_path / f"day={day}").mkdir()
        write(table.slice(start, stop - start), tmp_path / f"day={day}" / "calls.parquet")
    report = simulate(str(tmp_path / "day=*" / "*.parquet"), ["model=gpt-4o-mini"])
    assert report.calls == 3000
    with pytest.raises(TrafficError, match="no such traffic file"):
        simulate(str(tmp_path / "nothing" / "*.parquet"), ["model=gpt-4o-mini"])
