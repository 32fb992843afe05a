"""Apache Spark as the replay's engine, for traffic that outgrows one machine (issue 15 item 4).

The simulator writes its SQL once, in DuckDB's dialect (`replay`, `fit`). Here every statement is
transpiled to Spark SQL with sqlglot and the few differences sqlglot does not bridge are rewritten on
the parsed tree (`spark_sql`, the one place they live):

* DuckDB's exact `quantile_cont`, `quantile_disc` and `median` read the group's values sorted once
  (`array_sort(collect_list(x))`) at DuckDB's ranks, interpolated as DuckDB does: Spark's own exact
  `percentile` keeps a hash map of every boxed value (35-93 s per scenario at 1M rows on 2 cores), and
  `percentile_approx` is not exact;
* `epoch_us(ts)`, whole microseconds, is `unix_micros(ts)` (sqlglot does not know it);
* `row_number() OVER ()` (any numbering of the prepared rows) is ordered by `row_id`: Spark needs an
  order, and the numbering only has to be dense;
* a decimal literal (`0.5`) is a DOUBLE, as DuckDB's arithmetic on doubles makes it;
* the session runs with `spark.sql.ansi.enabled=false` (Spark 4's ANSI mode turns DuckDB's NULL for a
  division by zero into an error), UTC session time, and room for the analyzer to resolve a retry
  chain's nested steps.

Measured on the replay's statements (1M-row generated traffic, 20 scenarios): transpiling all of a
run's SQL takes a fraction of a second against the seconds Spark plans and runs them, and keeps one
source of the replay's semantics; a second hand-written dialect would double every rule.

`SparkConnection` is the small part of a DuckDB connection the simulator uses (`execute`, `sql`,
`register`, `fetchall`, `fetchnumpy`, `description`): a `CREATE TEMP TABLE` becomes a checkpointed
DataFrame under a temp view, so the prepared rows are computed once on the cluster. No row leaves
Spark: the driver fetches the fits' grids, the small lookup tables and, per scenario, grouped
aggregates (`replay.aggregated_figures`) that the numpy bootstrap turns into figures.

Traffic: Parquet files, directories (hive-partitioned ones too), globs, or a table name the session's
catalog knows (`spark.table`). Rows carry the canonical columns (missing ones are NULL); a missing
`row_id` is the row's rank in the order of all its canonical values — the same ids, so the same draws,
as DuckDB gives the same rows (`replay.canonical_relation`).

Spark is contacted only where the user says: a local session (`local[*]`, no network beyond the
loopback its own driver uses) or the Spark Connect endpoint given (`--spark-remote sc://host:15002`).
"""
from __future__ import annotations

import contextlib
import re
from pathlib import Path
from typing import Any, Sequence

from llmsight.config import ConfigError

TRAFFIC_VIEW = "llmsight_traffic"
NUMBERED_VIEW = "llmsight_traffic_numbered"     # the traffic with the row ids it lacked
# a retry and fallback chain is dozens of nested CTE steps: more than the analyzer's default 100 passes
SESSION_CONF = {"spark.sql.ansi.enabled": "false", "spark.sql.session.timeZone": "UTC",
                "spark.sql.analyzer.maxIterations": "1000", "spark.sql.optimizer.maxIterations": "1000"}
_CREATE = re.compile(r"^\s*CREATE\s+OR\s+REPLACE\s+TEMP\s+(TABLE|VIEW)\s+(\w+)\s+AS\s+(.*)$", re.S | re.I)
_DROP = re.compile(r"^\s*DROP\s+(?:TABLE|VIEW)\s+(?:IF\s+EXISTS\s+)?(\w+)\s*$", re.I)


class SparkError(ConfigError):
    """Spark cannot be started or reached, or the traffic cannot be read; the message says what to do."""


def spark_traffic(traffic: str | Path, remote: str | None = None, spark=None) -> tuple["SparkConnection", str]:
    """(connection, relation) of the traffic in `spark`, else a session at `remote`, else a local one."""
    if spark is None:
        spark = session(remote)
    else:
        for key, value in SESSION_CONF.items():
            spark.conf.set(key, value)
    return SparkConnection(spark), load_traffic(spark, traffic)


def session(remote: str | None = None, master: str = "local[*]", conf: dict[str, str] | None = None):
    """A Spark session: through Spark Connect at `remote` (sc://host:port), else a local one (with `conf`)."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise SparkError("--engine spark needs PySpark: pip install 'llmsight[spark]' (and Java 17 for a local "
                         "session)") from exc
    try:
        if remote:
            spark = SparkSession.builder.remote(remote).getOrCreate()
        else:
            spark = (SparkSession.builder.master(master).appName("llmsight simulate")
                     .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
                     .config("spark.log.level", "ERROR")
                     # the driver listens on the loopback only: a local session reaches no other host
                     .config("spark.driver.bindAddress", "127.0.0.1").config("spark.driver.host", "127.0.0.1")
                     .config("spark.sql.shuffle.partitions", "8"))
            for key, value in (conf or {}).items():
                spark = spark.config(key, value)
            spark = spark.getOrCreate()
        for key, value in SESSION_CONF.items():
            spark.conf.set(key, value)
    except Exception as exc:     # py4j, gRPC and Java start-up errors have no common base class
        where = f"Spark Connect at {remote}" if remote else "a local Spark session (is Java 17 installed?)"
        raise SparkError(f"cannot start {where}: {str(exc).strip().splitlines()[0][:300]}") from exc
    return spark


def load_traffic(spark, traffic: str | Path) -> str:
    """Register the traffic as a temp view and return its name: Parquet files, directories (hive
    partitions discovered), globs, or a table of the session's catalog. Rows without a `row_id` column
    get theirs once (`replay.canonical_relation`: a sort of all the rows by content), kept on the cluster,
    instead of in each of the preparation's passes over them."""
    from llmsight.simulator.replay import canonical_relation

    text = str(traffic)
    try:
        if Path(text).exists() or any(c in text for c in "*?["):
            df = spark.read.option("mergeSchema", "true").parquet(text)
        else:
            df = spark.table(text)
        df.createOrReplaceTempView(TRAFFIC_VIEW)
    except Exception as exc:
        raise SparkError(f"{text}: cannot read it with Spark as Parquet files or a table "
                         f"({str(exc).strip().splitlines()[0][:300]})") from exc
    if "row_id" in df.columns:
        return TRAFFIC_VIEW
    con = SparkConnection(spark)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {NUMBERED_VIEW} AS SELECT * FROM {canonical_relation(con, TRAFFIC_VIEW)}")
    return NUMBERED_VIEW


# ------------------------------------------------------------------------------------------- dialect
def spark_sql(sql: str) -> str:
    """DuckDB SQL as Spark SQL (see the module docstring for what is rewritten beyond sqlglot)."""
    import sqlglot
    from sqlglot import exp

    def spark(node) -> str:
        """A sub-expression, itself rewritten, as Spark SQL."""
        return node.copy().transform(rewrite, copy=False).sql(dialect="spark")

    def quantile(node, where, discrete: bool):
        """An exact quantile (or an array of them) from the group's values sorted once."""
        points = node.args.get("expression")
        condition = f" FILTER (WHERE {spark(where.this)})" if where is not None else ""
        values = f"array_sort(collect_list(CAST({spark(node.this)} AS DOUBLE)){condition})"
        if discrete:         # quantile_disc: the value of rank ceil(n * p) (1-based), the first for p = 0
            at = "get(v_, greatest(CAST(ceil(size(v_) * p_) AS INT) - 1, 0))"
        else:                # quantile_cont: between the ranks around (n - 1) * p, as DuckDB interpolates
            low, high = "CAST(floor((size(v_) - 1) * p_) AS INT)", "CAST(ceil((size(v_) - 1) * p_) AS INT)"
            at = f"get(v_, {low}) + ((size(v_) - 1) * p_ - {low}) * (get(v_, {high}) - get(v_, {low}))"
        if points is None:                                      # median(x)
            points = exp.Literal.number("0.5")
        each = (f"transform({spark(points)}, p_ -> {at})" if isinstance(points, exp.Array)
                else f"transform(array({spark(points)}), p_ -> {at})[0]")
        return sqlglot.parse_one(f"element_at(transform(array({values}), v_ -> CASE WHEN size(v_) = 0 THEN NULL "
                                 f"ELSE {each} END), 1)", read="spark")

    def rewrite(node):
        if isinstance(node, exp.Filter) and isinstance(node.this, (exp.PercentileCont, exp.PercentileDisc, exp.Median)):
            return quantile(node.this, node.expression, isinstance(node.this, exp.PercentileDisc))
        if isinstance(node, (exp.PercentileCont, exp.PercentileDisc, exp.Median)):
            return quantile(node, None, isinstance(node, exp.PercentileDisc))
        if isinstance(node, exp.Anonymous) and node.name.lower() == "round_even":      # half to even
            return exp.Anonymous(this="bround", expressions=node.expressions)
        if isinstance(node, exp.Anonymous) and node.name.lower() == "epoch_us":
            stamp = exp.Cast(this=node.expressions[0], to=exp.DataType.build("TIMESTAMP"))   # TIMESTAMP_NTZ from Parquet too
            return exp.Anonymous(this="unix_micros", expressions=[stamp])
        if isinstance(node, exp.Window) and isinstance(node.this, exp.RowNumber) and not node.args.get("order") \
                and not node.args.get("partition_by"):
            node.set("order", exp.Order(expressions=[exp.Ordered(this=exp.column("row_id"))]))
            return node
        if isinstance(node, exp.Literal) and not node.is_string and re.fullmatch(r"-?\d+\.\d*(e-?\d+)?", node.this, re.I):
            return exp.Cast(this=node, to=exp.DataType.build("DOUBLE"))
        return node

    tree = sqlglot.parse_one(sql, read="duckdb").transform(rewrite, copy=False)
    return tree.sql(dialect="spark")


# ---------------------------------------------------------------------------------------- connection
@contextlib.contextmanager
def reported():
    """Spark's own errors (a column of an unexpected type in the traffic, a cluster gone away) as one line
    saying what failed; any other exception is a bug and stays one."""
    try:
        yield
    except Exception as exc:
        if not type(exc).__module__.startswith(("pyspark", "py4j", "grpc")):
            raise
        first = next((line.strip() for line in str(exc).splitlines() if line.strip()), type(exc).__name__)
        raise SparkError(f"Spark failed: {first[:300]}") from exc


class SparkResult:
    """A query's DataFrame with the fetch methods the simulator calls on DuckDB results."""

    def __init__(self, df):
        self.df = df

    @property
    def description(self) -> list[tuple]:
        return [(f.name, f.dataType.simpleString()) for f in self.df.schema.fields]

    def fetchall(self) -> list[tuple]:
        with reported():
            return [tuple(row) for row in self.df.collect()]

    def fetchnumpy(self) -> dict:
        """Columns as numpy arrays (NULL: NaN in float columns), through Arrow."""
        with reported():
            table = self.df.toArrow()
        return {name: table.column(name).to_numpy(zero_copy_only=False) for name in table.column_names}


class SparkConnection:
    """What the simulator asks of a DuckDB connection, on a Spark session (see the module docstring)."""

    engine = "spark"

    def __init__(self, spark):
        self.spark = spark
        self._tables: dict[str, Any] = {}       # temp table name -> its checkpointed DataFrame

    def execute(self, sql: str, params: Sequence | None = None) -> SparkResult | None:
        create = _CREATE.match(sql)
        if create:
            kind, name, body = create.groups()
            df = self._query(body, params)
            if kind.upper() == "TABLE":
                with reported():
                    df = df.localCheckpoint(eager=True)
                self._tables[name] = df
            df.createOrReplaceTempView(name)
            return None
        drop = _DROP.match(sql)
        if drop:
            self.spark.catalog.dropTempView(drop.group(1))
            self._tables.pop(drop.group(1), None)
            return None
        return SparkResult(self._query(sql, params))

    def sql(self, sql: str) -> SparkResult:
        return SparkResult(self._query(sql, None))

    def _query(self, sql: str, params: Sequence | None):
        text = spark_sql(sql)
        with reported():
            return self.spark.sql(text, args=list(params)) if params else self.spark.sql(text)

    def register(self, name: str, table) -> None:
        """A small Arrow table (lookup tables, names) as a temp view, NULLs kept NULL."""
        self.spark.createDataFrame(table).createOrReplaceTempView(name)

    def unregister(self, name: str) -> None:
        self.spark.catalog.dropTempView(name)

    def close(self) -> None:
        for df in self._tables.values():
            df.unpersist()
        self._tables.clear()
