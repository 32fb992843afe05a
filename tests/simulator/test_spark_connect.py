"""`--engine spark` through Spark Connect: the pip-installed PySpark starts a local Connect server offline
(`remote("local[2]")`), and the replay over it gives DuckDB's answers on the same Parquet, as a cluster's
`sc://host:15002` endpoint would."""
from __future__ import annotations

import sys

import duckdb
import pyarrow.parquet as pq
import pytest

from llmsight.simulator.generate import generate
from llmsight.simulator.replay import Simulation
from llmsight.simulator.scenario import BASELINE, parse_scenario
from llmsight.simulator.spark import SparkConnection, load_traffic, session

SCENARIOS = [BASELINE, parse_scenario("model=gpt-4o-mini,timeout=5,retries=1,prompt_cache_hit_rate=0.5")]


@pytest.fixture(scope="module")
def connect():
    # pyspark.sql.connect reads __main__.__spec__, which a pytest-xdist worker's __main__ lacks
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sys.modules["__main__"], "__spec__", getattr(sys.modules["__main__"], "__spec__", None),
                      raising=False)
        spark = session(remote="local[2]")
        yield spark
        spark.stop()


def totals(con, source: str) -> list[tuple]:
    out = []
    for r in Simulation(con, source, seed=2).run(SCENARIOS):
        t = r.total
        out.append((t.calls, round(t.cost_per_month.value, 9), t.latency_p95_s.value, t.error_rate.value,
                    t.latency_p95_s.low, t.cost_per_month.low))
    return out


def test_spark_connect_gives_duckdbs_answers(connect, tmp_path):
    pq.write_table(generate(1500, seed=4), tmp_path / "calls.parquet")
    ours = totals(SparkConnection(connect), load_traffic(connect, tmp_path))
    theirs = totals(duckdb.connect(), f"read_parquet('{tmp_path}/*.parquet')")
    assert [o[0] for o in ours] == [t[0] for t in theirs]
    for o, t in zip(ours, theirs):
        assert o[1:] == pytest.approx(t[1:], rel=1e-9)
