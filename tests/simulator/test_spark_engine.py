"""`simulate --engine spark`: the whole replay in a local PySpark session (`local[2]`), its figures from
Spark's grouped aggregates, gives DuckDB's answers on the same Parquet — plain and hive-partitioned
directories, globs and a saved table."""
from __future__ import annotations

import math

import duckdb
import pyarrow.parquet as pq
import pytest

from llmsight.simulator.generate import generate
from llmsight.simulator.replay import Simulation
from llmsight.simulator.scenario import BASELINE, parse_scenario
from llmsight.simulator.spark import SparkConnection, load_traffic, session, spark_sql

# every scenario key, in few scenarios (each is a Spark job per query)
SCENARIOS = ["model=gpt-4o-mini,feature=chat", "timeout=5,retries=1,fallback=gpt-4o-mini",
             "prompt_cache_hit_rate=0.5,max_tokens=300,trim_input=2000", "response_cache_hit_rate=0.2,stream=true",
             "batch=true"]
ROWS = 3000


@pytest.fixture(scope="module")
def traffic(tmp_path_factory):
    """The same rows as two files in a directory, and hive-partitioned by day."""
    root = tmp_path_factory.mktemp("spark")
    table = generate(ROWS, seed=11)
    plain = root / "plain"
    plain.mkdir()
    pq.write_table(table.slice(0, ROWS // 2), plain / "a.parquet")
    pq.write_table(table.slice(ROWS // 2), plain / "b.parquet")
    hive = root / "hive"
    for i, day in enumerate(("2026-11-01", "2026-11-02", "2026-11-03")):
        (hive / f"day={day}").mkdir(parents=True)
        pq.write_table(table.slice(i * ROWS // 3, ROWS // 3), hive / f"day={day}" / "part-0.parquet")
    return root


@pytest.fixture(scope="module")
def spark(tmp_path_factory):
    warehouse = tmp_path_factory.mktemp("warehouse")
    spark = session(master="local[2]", conf={"spark.sql.warehouse.dir": str(warehouse),
                                             "spark.driver.extraJavaOptions": f"-Dderby.system.home={warehouse}"})
    yield spark
    spark.stop()


def results(con, source: str) -> list[dict]:
    sim = Simulation(con, source, seed=5)
    return [{key: figures for key, figures in r.groups.items()}
            for r in sim.run([BASELINE, *map(parse_scenario, SCENARIOS)])]


def assert_same(spark_results, duckdb_results):
    assert len(spark_results) == len(duckdb_results)
    for ours, theirs in zip(spark_results, duckdb_results):
        assert ours.keys() == theirs.keys()
        for key, a in ours.items():
            b = theirs[key]
            assert a.calls == b.calls and a.calls_per_day == b.calls_per_day, key
            for name in ("cost_per_call", "cost_per_day", "cost_per_month", "latency_p50_s", "latency_p95_s",
                         "latency_p99_s", "error_rate", "quality"):
                ma, mb = getattr(a, name), getattr(b, name)
                if mb is None or mb.value is None:
                    assert ma is None or ma.value is None, (key, name)
                    continue
                for x, y in ((ma.value, mb.value), (ma.low, mb.low), (ma.high, mb.high)):
                    if name.startswith(("cost", "quality")):
                        # fixed-point sums per cell (decimals on the engine) over whole-microsecond days on both
                        # engines: the same bits
                        assert x == y, (key, name)
                    else:
                        assert (x is None and y is None) or math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-12), (key, name)


@pytest.fixture(scope="module")
def reference(traffic):
    return results(duckdb.connect(), f"read_parquet('{traffic / 'plain'}/*.parquet')")


def test_hive_partitioned_directory_gives_duckdbs_answers(spark, traffic, reference):
    assert_same(results(SparkConnection(spark), load_traffic(spark, traffic / "hive")), reference)


def test_saved_table_through_simulate_gives_duckdbs_answers_and_summary(spark, traffic, reference, tmp_path):
    """`simulate --engine spark` over a table: DuckDB's answers, and the summary it writes gives `check`
    the figures a DuckDB run's summary of the same rows gives."""
    import shutil
    from pathlib import Path

    from llmsight import api
    from llmsight.simulator.simulate import simulate
    from llmsight.simulator.summary import read_summary, write_summary

    spark.read.parquet(str(traffic / "plain")).write.mode("overwrite").saveAsTable("llmsight_calls")
    report = simulate("llmsight_calls", [], seed=5, engine="spark", spark_session=spark)   # scenarios: the test above
    assert_same([dict(r.groups) for r in report.results], reference[:1])
    ours = read_summary(write_summary(report, tmp_path / "spark.json", "spark"))
    theirs = read_summary(write_summary(simulate(traffic / "plain", [], seed=5, use_cache=False), tmp_path / "duckdb.json"))
    assert ours["sites"].keys() == theirs["sites"].keys() and ours["calls"] == theirs["calls"] == ROWS
    app = tmp_path / "app"
    shutil.copytree(Path(__file__).resolve().parents[2] / "examples" / "app", app, ignore=shutil.ignore_patterns(".llmsight"))
    chat = next(s for s in api.check([app], with_estimates=False).call_sites if s.span.path == "app/chat.py")
    from_spark = api.check([app], traffic=str(tmp_path / "spark.json")).estimates[chat.id]
    from_duckdb = api.check([app], traffic=str(tmp_path / "duckdb.json")).estimates[chat.id]
    for name in ("cost_per_call", "cost_per_month", "latency_p95_s", "error_rate"):
        a, b = getattr(from_spark, name), getattr(from_duckdb, name)
        assert a.value is not None and math.isclose(a.value, b.value, rel_tol=1e-9), name
        assert math.isclose(a.low, b.low, rel_tol=1e-9) and math.isclose(a.high, b.high, rel_tol=1e-9), name
    a, b = from_spark.quality, from_duckdb.quality         # fixed-point sums on both engines: the same bits
    assert a.value is not None and (a.value, a.low, a.high) == (b.value, b.low, b.high)


@pytest.mark.parametrize("form", ["plain", "plain/*.parquet"])
def test_directory_and_glob_read_the_same_rows(spark, traffic, form):
    con = SparkConnection(spark)
    view = load_traffic(spark, traffic / form if "*" not in form else f"{traffic}/{form}")
    sums = "count(*), sum(input_tokens), sum(output_tokens), sum(latency_ms), min(ts), max(ts)"
    ours = con.execute(f"SELECT {sums} FROM {view}").fetchall()[0]
    theirs = duckdb.sql(f"SELECT {sums} FROM read_parquet('{traffic / 'plain'}/*.parquet')").fetchall()[0]
    assert ours[:3] == theirs[:3] and math.isclose(ours[3], theirs[3], rel_tol=1e-12)


def test_engine_aggregates_give_the_figures_of_the_rows(traffic, reference):
    """What Spark runs (figures from grouped aggregates: no row leaves the engine), run on DuckDB, gives
    the figures DuckDB's default (from the rows it fetches) gives."""
    con = duckdb.connect()
    sim = Simulation(con, f"read_parquet('{traffic / 'plain'}/*.parquet')", seed=5, aggregate=True)
    aggregated = [dict(r.groups) for r in sim.run([BASELINE, *map(parse_scenario, SCENARIOS)])]
    assert_same(aggregated, reference)


def test_dialect_rewrites():
    sql = spark_sql("SELECT epoch_us(max(ts)) AS t, row_number() OVER () AS ri, g.split[1] FROM g")
    assert "UNIX_MICROS(CAST(MAX(ts) AS TIMESTAMP))" in sql
    assert "ROW_NUMBER() OVER (ORDER BY row_id" in sql
    assert "g.split[0]" in sql
    assert "BROUND(" in spark_sql("SELECT round_even(x * 2.0, 0) FROM t")
    quantiles = spark_sql("SELECT k, quantile_cont(x, [0.0, 0.5]) FILTER (WHERE ok) AS q FROM t GROUP BY k")
    # Spark's percentile keeps a map of every value, a sorted collect_list all of them: a group's values are
    # ranked by a sort instead, and only those at the wanted ranks are collected
    assert "percentile" not in quantiles.lower() and "COLLECT_LIST(CAST" not in quantiles
    assert "ROW_NUMBER() OVER (PARTITION BY __i, __gid, __k0 ORDER BY __x)" in quantiles
    with pytest.raises(ValueError, match="must be a named column or a whole quantile aggregate"):
        spark_sql("SELECT k, 2 * median(x) AS m FROM t GROUP BY k")


QUANTILE_QUERIES = [
    # plain keys, scalar and array points, FILTERs, a named ORDER BY
    "SELECT g, quantile_cont(x, [0.0, 0.25, 0.5, 0.95, 0.99, 1.0]) FILTER (WHERE k <> 1) AS c, "
    "quantile_cont(x, 0.3) AS one, quantile_disc(x, [0.0, 0.1, 0.25, 0.75, 1.0]) AS d, "
    "median(x) FILTER (WHERE k = 2) AS m FROM t GROUP BY g ORDER BY g",
    # grouping sets with a NULL key (its own group, not the rolled-up one), as the fits group
    "SELECT g, CASE WHEN grouping(k) = 1 THEN -1 ELSE k END AS kk, grouping(k) = 0 AND k IS NULL AS null_k, "
    "count(*) AS n, quantile_cont(x, [0.0, 0.5, 1.0]) AS c, quantile_disc(y, [0.25, 0.75]) FILTER (WHERE x > 100) AS s "
    "FROM t GROUP BY GROUPING SETS ((g), (g, k)) ORDER BY g, kk, null_k",
    # GROUP BY ALL over a join, as the decode and prefill lines do
    "SELECT t.g, u.name, median(t.y) FILTER (WHERE t.x <= u.cut) AS lo, median(t.x) AS mx FROM t JOIN u ON u.g = t.g "
    "GROUP BY ALL ORDER BY t.g",
    # one group of everything
    "SELECT quantile_cont(y, [0.1, 0.9]) AS c, median(x) AS m FROM t",
]


def test_exact_quantiles_are_duckdbs(spark):
    """quantile_cont, quantile_disc and median, filtered, per group and grouping set, over ties, NULLs, one
    value and none."""
    import numpy as np

    rng = np.random.default_rng(3)
    g = rng.integers(0, 4, 500)
    x = np.where(g == 2, 7.0, rng.lognormal(5, 2, 500).round(1))    # ties; group 2: one value
    y = rng.integers(0, 40, 500)                                     # integers with many ties
    rows = [(int(a), None if i % 17 == 0 else float(b), None if i % 5 == 0 else int(i % 3), None if i % 11 == 0 else int(c))
            for i, (a, b, c) in enumerate(zip(g, x, y))] + [(9, 1.0, 1, 3), (9, None, None, None)]
    names = [(0, "a", 50.0), (1, "b", 400.0), (2, "c", 7.0), (9, "d", 0.0)]
    con = duckdb.connect()
    con.execute("CREATE TABLE t (g INTEGER, x DOUBLE, k INTEGER, y INTEGER)")
    con.executemany("INSERT INTO t VALUES (?, ?, ?, ?)", rows)
    con.execute("CREATE TABLE u (g INTEGER, name VARCHAR, cut DOUBLE)")
    con.executemany("INSERT INTO u VALUES (?, ?, ?)", names)
    spark.createDataFrame(rows, "g INT, x DOUBLE, k INT, y INT").createOrReplaceTempView("t")
    spark.createDataFrame(names, "g INT, name STRING, cut DOUBLE").createOrReplaceTempView("u")
    for sql in QUANTILE_QUERIES:
        theirs = con.execute(sql).fetchall()
        ours = SparkConnection(spark).execute(sql).fetchall()
        assert len(ours) == len(theirs) > 0, sql
        for a, b in zip(ours, theirs):
            for u, v in zip(a, b):
                if isinstance(v, list):
                    assert u is not None and len(u) == len(v) and all(
                        math.isclose(p, float(q), rel_tol=1e-12) for p, q in zip(u, v)), (sql, a, b)
                elif isinstance(v, float):
                    assert u is not None and math.isclose(u, v, rel_tol=1e-12), (sql, a, b)
                else:
                    assert u == v, (sql, a, b)


def test_unreadable_traffic_is_one_clear_error(spark, tmp_path):
    from llmsight.simulator.spark import SparkError

    with pytest.raises(SparkError, match="cannot read it with Spark"):
        load_traffic(spark, "no_such_table_anywhere")


def _cli(*args, cwd):
    import os
    import subprocess
    import sys

    env = {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
    return subprocess.run([sys.executable, "-m", "llmsight", "simulate", *map(str, args)], capture_output=True,
                          text=True, env=env, cwd=cwd, timeout=120)


def test_spark_flags_are_checked_before_any_session(tmp_path):
    done = _cli("--traffic", "calls/", "--spark-remote", "sc://cluster:15002", cwd=tmp_path)
    assert done.returncode == 2 and "--spark-remote needs --engine spark" in done.stderr
    done = _cli("--engine", "spark", "--traffic", "calls/", "--spark-remote", "http://cluster:15002", cwd=tmp_path)
    assert done.returncode == 2 and "Spark Connect URL (sc://host:port)" in done.stderr
    done = _cli("--traffic", "calls/", "--spark-conf", "spark.driver.memory=4g", cwd=tmp_path)
    assert done.returncode == 2 and "--spark-conf needs --engine spark" in done.stderr
    # a setting that would run a program or pass JVM options is refused before any session starts
    for setting, says in (("spark.driver.extraJavaOptions=-XX:OnOutOfMemoryError=touch pwned", "not a setting llmsight passes on"),
                          ("spark.pyspark.python=/bin/sh", "not a setting llmsight passes on"),
                          ("spark.driver.memory=4g --conf x", "without spaces or quotes"),
                          ("spark.driver.memory", "write a setting as key=value")):
        done = _cli("--engine", "spark", "--traffic", "calls/", "--spark-conf", "spark.sql.shuffle.partitions=4",
                    "--spark-conf", setting, cwd=tmp_path)
        assert done.returncode == 2 and says in done.stderr and "Traceback" not in done.stderr, setting
    (tmp_path / "app.py").write_text("from openai import OpenAI\nOpenAI().chat.completions.create(model='gpt-4o', "
                                     "messages=[])\n")
    done = _cli(".", "--engine", "spark", "--traffic", "calls/", cwd=tmp_path)
    assert done.returncode == 2 and "mapping them to the call sites of PATHS runs on DuckDB" in done.stderr
    assert "Traceback" not in done.stderr

