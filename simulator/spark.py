"""Apache Spark as the replay's engine, for traffic that outgrows one machine (issue 15 item 4).

The simulator writes its SQL once, in DuckDB's dialect (`replay`, `fit`). Here every statement is
transpiled to Spark SQL with sqlglot and the few differences sqlglot does not bridge are rewritten on
the parsed tree (`spark_sql`, the one place they live):

* DuckDB's exact `quantile_cont`, `quantile_disc` and `median` rank each value within its group by a
  sort that spills to disk and keep only the values at DuckDB's ranks, interpolated as DuckDB does
  (`_ranked_quantiles`): memory is bounded by the sort, not the largest group. Spark's own exact
  `percentile` keeps a hash map of every boxed value (35-93 s per scenario at 1M rows on 2 cores), a
  sorted `collect_list` every value of a group in one task's heap (an OutOfMemoryError at 10M rows with
  the default heap), and `percentile_approx` is not exact;
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
import os
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


# what --spark-conf may set: memory, parallelism, shuffle and scratch space. No key that loads a class, a
# jar or a program, passes JVM options or moves the driver off the loopback (a denylist of those would
# miss one: spark.pyspark.python runs a program, spark.io.compression.codec loads a class).
SETTABLE = re.compile(r"spark\.(driver\.(memory|maxResultSize|cores)|executor\.(memory|cores|instances)|"
                      r"memory\.(fraction|storageFraction|offHeap\.(enabled|size))|local\.dir|default\.parallelism|"
                      r"task\.cpus|network\.timeout|reducer\.maxSizeInFlight|shuffle\.(compress|spill\.compress|"
                      r"file\.buffer|sort\.bypassMergeThreshold)|"
                      r"sql\.(shuffle\.partitions|autoBroadcastJoinThreshold|adaptive\.[A-Za-z.]+|files\.[A-Za-z.]+|"
                      r"windowExec\.buffer\.[A-Za-z.]+|parquet\.(mergeSchema|filterPushdown|enableVectorizedReader)))")
SETTING_VALUE = re.compile(r"[A-Za-z0-9._:/+-]{1,200}")


def spark_settings(pairs: Sequence[str]) -> dict[str, str]:
    """`--spark-conf key=value` pairs as the session's settings, each checked (see `SETTABLE`)."""
    settings = {}
    for pair in pairs:
        key, equals, value = pair.partition("=")
        key, value = key.strip(), value.strip()
        if not equals or not key or not value:
            raise SparkError(f"--spark-conf {pair!r}: write a setting as key=value (spark.driver.memory=4g)")
        if not SETTABLE.fullmatch(key):
            raise SparkError(f"--spark-conf {key}: not a setting llmsight passes on; it takes Spark's memory, "
                             "parallelism, shuffle and scratch-space settings (docs/simulate.md lists them)")
        if not SETTING_VALUE.fullmatch(value):
            raise SparkError(f"--spark-conf {key}: the value must be a size, number, word or path without "
                             f"spaces or quotes, got {value[:60]!r}")
        settings[key] = value
    return settings


def default_driver_memory() -> str:
    """A local session's heap (it runs every task in its driver): a quarter of the machine's memory, the
    JVM's own default, which Spark replaces with 1 GB — at least 1 GB, at most 32 GB (compressed pointers).
    The exact quantiles and sorts spill to disk past it; more heap spills less."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return "1g"
    return f"{min(max(total // 4 >> 20, 1024), 32 * 1024)}m"


def spark_traffic(traffic: str | Path, remote: str | None = None, spark=None,
                  conf: dict[str, str] | None = None) -> tuple["SparkConnection", str]:
    """(connection, relation) of the traffic in `spark`, else a session at `remote`, else a local one;
    `conf`: settings of a session started here (`spark_settings`)."""
    if spark is None:
        spark = session(remote, conf=conf)
    else:
        for key, value in SESSION_CONF.items():
            spark.conf.set(key, value)
    return SparkConnection(spark), load_traffic(spark, traffic)


def session(remote: str | None = None, master: str = "local[*]", conf: dict[str, str] | None = None):
    """A Spark session: through Spark Connect at `remote` (sc://host:port), else a local one; `conf`: its
    settings (`spark_settings`; a local session's heap defaults to `default_driver_memory`)."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise SparkError("--engine spark needs PySpark: pip install 'llmsight[spark]' (and Java 17 for a local "
                         "session)") from exc
    try:
        if remote:
            builder = SparkSession.builder.remote(remote)
        else:
            builder = (SparkSession.builder.master(master).appName("llmsight simulate")
                       .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
                       .config("spark.log.level", "ERROR").config("spark.driver.memory", default_driver_memory())
                       .config("spark.sql.shuffle.partitions", "8"))
        for key, value in (conf or {}).items():
            builder = builder.config(key, value)
        if not remote:       # the driver listens on the loopback only: a local session reaches no other host
            builder = builder.config("spark.driver.bindAddress", "127.0.0.1").config("spark.driver.host", "127.0.0.1")
        spark = builder.getOrCreate()
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

    def rewrite(node):
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
    selects = [s for s in tree.find_all(exp.Select) if any(p.find(*_quantile_types()) for p in s.expressions)]
    for number, select in enumerate(reversed(selects)):           # the innermost first
        ranked = sqlglot_parse(_ranked_quantiles(select, f"__q{number}"))
        tree = ranked if select is tree else select.replace(ranked) and tree
    return tree.sql(dialect="spark")


def _quantile_types() -> tuple:
    """The sqlglot classes of DuckDB's exact quantile aggregates."""
    from sqlglot import exp

    return exp.PercentileCont, exp.PercentileDisc, exp.Median


def _ranked_quantiles(select, prefix: str) -> str:
    """A grouped SELECT whose projections include exact quantiles (`quantile_cont`, `quantile_disc`,
    `median`, each optionally FILTERed) as Spark SQL that holds no group's values in memory:

    * the SELECT without its quantiles, with its group keys and grouping set (`a`);
    * the quantiles' values, one row per (quantile, grouping set, group, value) (`u`), ranked within
      their group by a sort that spills to disk (`row_number`), and the ranks each quantile needs from
      its group's size (DuckDB's: `quantile_cont` between the ranks around (n - 1) p, `quantile_disc` the
      rank ceil(n p), the first for p = 0); only the values at those ranks are kept — a few hundred per
      group — and joined back to `a` by group.

    Spark's own exact `percentile` keeps a hash map of every value of a group in one task (35-93 s per
    scenario at 1M rows on 2 cores), and a sorted `collect_list` keeps them all in the heap: a group
    larger than the heap failed with an OutOfMemoryError."""
    from sqlglot import exp

    quantile_types = _quantile_types()

    def sql(node) -> str:
        return node.sql(dialect="spark")

    unsupported = [arg for arg in ("having", "qualify", "distinct", "windows", "laterals") if select.args.get(arg)]
    if unsupported:
        raise ValueError(f"exact quantiles on Spark: a SELECT with {unsupported[0].upper()} is not rewritten")
    quantiles: dict[int, tuple] = {}       # projection index -> (aggregate, FILTER condition or None)
    for j, projection in enumerate(select.expressions):
        body = projection.this if isinstance(projection, exp.Alias) else projection
        condition = None
        if isinstance(body, exp.Filter):
            body, condition = body.this, body.expression.this
        if isinstance(body, quantile_types):
            quantiles[j] = (body, condition)
        elif projection.find(*quantile_types) or not isinstance(projection, (exp.Alias, exp.Column)):
            raise ValueError(f"exact quantiles on Spark: {sql(projection)} must be a named column or a whole "
                             "quantile aggregate")

    # group keys, and the grouping sets as the keys each holds
    group = select.args.get("group")
    keys: list = []
    sets: list[list[int]] = []

    def key(node) -> int:
        text = [sql(k) for k in keys]
        if sql(node) not in text:
            keys.append(node)
            text.append(sql(node))
        return text.index(sql(node))

    if group is not None and group.args.get("all"):
        sets.append([key(p.this if isinstance(p, exp.Alias) else p) for j, p in enumerate(select.expressions)
                     if j not in quantiles and not p.find(exp.AggFunc)])
        group = exp.Group(expressions=[k.copy() for k in keys])
    elif group is not None:
        if any(group.args.get(arg) for arg in ("rollup", "cube", "totals")) or \
                (group.find(exp.GroupingSets) and len(group.expressions) != 1):
            raise ValueError("exact quantiles on Spark: only GROUP BY keys, ALL or one GROUPING SETS are rewritten")
        grouping = group.expressions[0]
        if isinstance(grouping, exp.GroupingSets):
            for each in grouping.expressions:
                items = each.expressions if isinstance(each, exp.Tuple) else [each.unnest()]
                sets.append([key(item) for item in items])
        else:
            sets.append([key(item) for item in group.expressions])
    else:
        sets.append([])
    names = [f"__k{m}" for m in range(len(keys))]
    gids = [sum(1 << m for m in range(len(keys)) if m not in held) for held in sets]

    # a: the SELECT without its quantiles
    main = select.copy()
    main.set("order", None)
    main.set("limit", None)
    if group is not None:
        main.set("group", group)
    grouping_id = " + ".join(f"grouping({sql(k)}) * {1 << m}" for m, k in enumerate(keys)) if len(sets) > 1 else "0"
    main.set("expressions", [p.copy() for j, p in enumerate(select.expressions) if j not in quantiles]
             + [sqlglot_parse(f"{sql(k)} AS {name}") for k, name in zip(keys, names)]
             + [sqlglot_parse(f"{grouping_id} AS __gid"), sqlglot_parse("count(*) AS __rows")])

    # u: (quantile, grouping set, group keys, value) of every row, through one generator
    rows = select.copy()
    for arg in ("group", "order", "limit"):
        rows.set(arg, None)
    values = [f"CASE WHEN {sql(cond) if cond is not None else 'TRUE'} THEN CAST({sql(agg.this)} AS DOUBLE) END AS __x{i}"
              for i, (agg, cond) in enumerate(quantiles.values())]
    rows.set("expressions", [sqlglot_parse(f"{sql(k)} AS {name}") for k, name in zip(keys, names)]
             + [sqlglot_parse(v) for v in values])
    structs = ", ".join(
        "struct(" + ", ".join([f"{gid} AS __gid", f"{i} AS __i"]
                              + [f"{name} AS {name}" if m in held else f"CASE WHEN 1 = 0 THEN {name} END AS {name}"
                                 for m, name in enumerate(names)] + [f"__x{i} AS __x"]) + ")"
        for held, gid in zip(sets, gids) for i in range(len(quantiles)))
    by = ", ".join(["__i", "__gid", *names])
    same = " AND ".join(["{0}.__i = {1}.__i", "{0}.__gid = {1}.__gid", *(f"{{0}}.{n} <=> {{1}}.{n}" for n in names)])
    u = f"(SELECT * FROM (SELECT inline(array({structs})) FROM ({sql(rows)}) b) e WHERE __x IS NOT NULL)"
    ranked = f"(SELECT *, CAST(row_number() OVER (PARTITION BY {by} ORDER BY __x) AS BIGINT) - 1 AS __r FROM {u} u)"

    def points(agg) -> str:
        at = agg.args.get("expression")
        return "array(CAST(0.5 AS DOUBLE))" if at is None else sql(at) if isinstance(at, exp.Array) else f"array({sql(at)})"

    def ranks(agg) -> str:
        if isinstance(agg, exp.PercentileDisc):
            return f"array_distinct(transform({points(agg)}, p_ -> greatest(CAST(ceil(__n * p_) AS BIGINT) - 1, 0)))"
        return (f"array_distinct(flatten(transform({points(agg)}, p_ -> array(CAST(floor((__n - 1) * p_) AS BIGINT), "
                f"CAST(ceil((__n - 1) * p_) AS BIGINT)))))")

    needed = " ".join(f"WHEN {i} THEN {ranks(agg)}" for i, (agg, _) in enumerate(quantiles.values()))
    need = (f"(SELECT {by}, __n, explode(CASE __i {needed} END) AS __r FROM "
            f"(SELECT {by}, count(*) AS __n FROM {u} u GROUP BY {by}) s)")
    picked = ", ".join(f"map_from_entries(collect_list(struct(r.__r, r.__x)) FILTER (WHERE r.__i = {i})) AS __m{i}, "
                       f"max(n.__n) FILTER (WHERE r.__i = {i}) AS __n{i}" for i in range(len(quantiles)))
    q = (f"(SELECT r.__gid, {', '.join(f'r.{n}' for n in names) + ', ' if names else ''}{picked} "
         f"FROM {ranked} r JOIN {need} n ON {same.format('r', 'n')} AND r.__r = n.__r "
         f"GROUP BY {', '.join(['r.__gid', *(f'r.{n}' for n in names)])})")

    def value(i: int, agg) -> str:
        m, n = f"q.__m{i}", f"q.__n{i}"
        if isinstance(agg, exp.PercentileDisc):          # the value of rank ceil(n p) (1-based), the first for p = 0
            at = f"{m}[greatest(CAST(ceil({n} * p_) AS BIGINT) - 1, 0)]"
        else:                                            # between the ranks around (n - 1) p, as DuckDB interpolates
            low, high = f"CAST(floor(({n} - 1) * p_) AS BIGINT)", f"CAST(ceil(({n} - 1) * p_) AS BIGINT)"
            at = f"{m}[{low}] + (({n} - 1) * p_ - {low}) * ({m}[{high}] - {m}[{low}])"
        each = f"transform({points(agg)}, p_ -> {at})"
        return f"CASE WHEN {n} IS NULL THEN NULL ELSE {each if isinstance(agg.args.get('expression'), exp.Array) else each + '[0]'} END"

    out = []
    for j, projection in enumerate(select.expressions):
        name = projection.alias_or_name
        if j in quantiles:
            i = list(quantiles).index(j)
            out.append(f"{value(i, quantiles[j][0])} AS `{name}`")
        else:
            out.append(f"a.`{name}` AS `{name}`")
    join = " AND ".join(["q.__gid = a.__gid", *(f"q.{n} <=> a.{n}" for n in names)])
    text = f"SELECT {', '.join(out)} FROM ({sql(main)}) a LEFT JOIN {q} q ON {join}"
    order, limit = select.args.get("order"), select.args.get("limit")
    if order is not None or limit is not None:      # on the output's names
        if order is not None:
            order = order.copy()
            for column in order.find_all(exp.Column):
                column.set("table", None)
        text = f"SELECT * FROM ({text}) {prefix}{' ' + sql(order) if order else ''}{' ' + sql(limit) if limit else ''}"
    return text


def sqlglot_parse(text: str):
    import sqlglot

    return sqlglot.parse_one(text, read="spark")


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
