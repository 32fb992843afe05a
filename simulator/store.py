"""The traffic store: one DuckDB file with the canonical `calls` table of design §6.

Every adapter converts its source to these columns; the replay, the traffic view and the rules read
only this table. Token semantics are design §2: `input_tokens` includes cached reads and cache writes,
`output_tokens` includes reasoning tokens. Token counts and `attempt` are never NULL once stored (0 and
1 when the source did not say), `status` is one of ok|error|timeout.

Bookkeeping columns: `row_id` is unique and never changes once a row is stored (the replay hashes it
for its random draws), `source_file`/`source_row` point back at the record a row came from, and
`record_key` is the record's identity (`identity`): a call is stored once however often, and in
whatever file, it is ingested. The `sources` table remembers each ingested file by its SHA-256, so the
same file again is skipped without reading it. The `meta` table holds the schema version; `open_store`
migrates older files in place when it opens them for writing.

A store may come from anywhere (a repository, a pull request): every connection here is `connect`'s
(no file but its own, no extension, locked settings) and a file is used only when it holds the
store's own tables in the store's own shape, with no views or macros (issue 16 D0).
"""
from __future__ import annotations

import contextlib
import datetime
import os
from pathlib import Path
from typing import Any, Sequence

import duckdb

from llmsight.simulator import identity

SCHEMA_VERSION = 4
DEFAULT_DB = Path(".llmsight") / "traffic.duckdb"
STATUSES = ("ok", "error", "timeout")

# The canonical row, in order (design §6). Adapters may produce any subset; the rest is NULL.
COLUMNS: list[tuple[str, str]] = [
    ("ts", "TIMESTAMP"),
    ("trace_id", "VARCHAR"),
    ("provider", "VARCHAR"),
    ("model", "VARCHAR"),
    ("response_model", "VARCHAR"),
    ("operation", "VARCHAR"),
    ("input_tokens", "BIGINT"),
    ("output_tokens", "BIGINT"),
    ("cached_input_tokens", "BIGINT"),
    ("cache_write_input_tokens", "BIGINT"),
    ("reasoning_tokens", "BIGINT"),
    ("latency_ms", "DOUBLE"),
    ("ttft_ms", "DOUBLE"),
    ("status", "VARCHAR"),
    ("error_type", "VARCHAR"),
    ("attempt", "INTEGER"),
    ("cost_usd", "DOUBLE"),
    ("code_file", "VARCHAR"),
    ("code_line", "INTEGER"),
    ("code_function", "VARCHAR"),
    ("feature", "VARCHAR"),
    ("tenant", "VARCHAR"),
    ("quality", "DOUBLE"),
]
# What the request asked for, as the export recorded it (NULL: not recorded, or not set): what maps rows
# that carry no code location to the call site that sent them (`signature`). Not part of a record's
# identity, which hashes the call columns only (the v3 row), so re-ingesting a file a v3 store holds finds
# its calls (issue 16 D9).
REQUEST_COLUMNS: list[tuple[str, str]] = [
    ("request_max_tokens", "BIGINT"),        # the output cap; exporters' "unset" values (OpenLIT's -1) are NULL
    ("request_temperature", "DOUBLE"),
    ("request_stream", "BOOLEAN"),
    ("request_tools", "VARCHAR"),            # tool names, sorted, joined by `,`
    ("response_format", "VARCHAR"),          # text, json_object, json_schema, json
    ("prompt_fingerprint", "VARCHAR"),       # `signature.prompt_fingerprint` of the first instruction, when captured
    ("span_name", "VARCHAR"),
    ("service", "VARCHAR"),                  # the resource's `service.name` (not OTel's `unknown_service` default)
]
# The share of calls the row's trace was sampled at (head sampling: the traces hold only that share of the
# calls made), as the export recorded it; NULL: not recorded (every call traced, unless told otherwise).
SAMPLING_COLUMNS: list[tuple[str, str]] = [("sample_rate", "DOUBLE")]
CALL_COLUMNS = list(COLUMNS)
COLUMNS += REQUEST_COLUMNS + SAMPLING_COLUMNS
BOOKKEEPING: list[tuple[str, str]] = [
    ("row_id", "BIGINT"),
    ("source_file", "VARCHAR"),
    ("source_row", "BIGINT"),
    (identity.KEY, "UHUGEINT"),
]
ALL_COLUMNS = COLUMNS + BOOKKEEPING
COLUMN_NAMES = [name for name, _ in COLUMNS]
TOKEN_COLUMNS = ("input_tokens", "output_tokens", "cached_input_tokens", "cache_write_input_tokens",
                 "reasoning_tokens")

# The other tables of a store and their columns; a table of another shape is not ours (D0).
TABLES: dict[str, list[tuple[str, str]]] = {
    "meta": [("key", "VARCHAR"), ("value", "VARCHAR")],
    "migrations": [("from_version", "INTEGER"), ("to_version", "INTEGER"), ("applied_at", "TIMESTAMP")],
    "sources": [("sha256", "VARCHAR"), ("path", "VARCHAR"), ("format", "VARCHAR"), ("rows_loaded", "BIGINT"),
                ("rows_rejected", "BIGINT"), ("ingested_at", "TIMESTAMP")],
}
# Columns of `calls` each version added: version 1 (the first preview) stored no cache-write/reasoning
# split and no quality score, version 2 no record key, version 3 no request settings.
ADDED: dict[int, list[str]] = {
    2: ["cache_write_input_tokens", "reasoning_tokens", "quality"],
    3: [identity.KEY],
    4: [name for name, _ in REQUEST_COLUMNS + SAMPLING_COLUMNS],
}


def _backfill_record_keys() -> str:
    """Content keys for the rows of a v2 file (their ids were not kept), each file counted on its own."""
    keyed = identity.keys_sql(f"(SELECT * EXCLUDE ({identity.KEY}), CAST(NULL AS VARCHAR) AS {identity.RECORD_ID} FROM calls)",
                              CALL_COLUMNS, order="source_row, row_id", within="source_file")
    return (f"UPDATE calls SET {identity.KEY} = k.{identity.KEY} FROM (SELECT row_id, {identity.KEY} FROM "
            f"({keyed})) k WHERE calls.row_id = k.row_id")


# Version N -> statements that bring a version-N file to N+1.
MIGRATIONS: dict[int, list[str]] = {
    1: [
        "ALTER TABLE calls ADD COLUMN cache_write_input_tokens BIGINT DEFAULT 0",
        "ALTER TABLE calls ADD COLUMN reasoning_tokens BIGINT DEFAULT 0",
        "ALTER TABLE calls ADD COLUMN quality DOUBLE",
        "UPDATE calls SET cache_write_input_tokens = 0 WHERE cache_write_input_tokens IS NULL",
        "UPDATE calls SET reasoning_tokens = 0 WHERE reasoning_tokens IS NULL",
    ],
    2: [f"ALTER TABLE calls ADD COLUMN {identity.KEY} UHUGEINT", _backfill_record_keys()],
    # the files a v3 store holds are read again when ingested again: their calls are known (same keys),
    # and what they say of the request fills the new columns (`insert_rows`)
    3: [*(f"ALTER TABLE calls ADD COLUMN {name} {kind}" for name, kind in REQUEST_COLUMNS + SAMPLING_COLUMNS),
        "DELETE FROM sources"],
}


class StoreError(Exception):
    """The DuckDB file cannot be used (newer schema, locked, not a traffic store)."""


def default_db_path(root: str | Path) -> Path:
    return Path(root) / DEFAULT_DB


# ---------------------------------------------------------------------------------------- connections
def connect(database: str | Path = ":memory:", *, read_only: bool = False, readable: Sequence[Path] = (),
            settings: dict[str, Any] | None = None) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection that reaches no file but `database` (with its WAL and spill files) and
    `readable`, never installs or loads an extension (nothing reaches the network), reads times in
    UTC, and whose settings no SQL can change afterwards (D0, D15). `settings`: more to set first."""
    con = duckdb.connect(str(database), read_only=read_only, config=dict(_NO_EXTENSIONS))
    try:
        if first_row(con, "SELECT current_setting('lock_configuration')")[0]:
            return con          # another connection of this process set up the same file already
        if readable:
            con.execute("SET allowed_paths = " + _sql_list([os.path.abspath(p) for p in readable]))
        con.execute("SET enable_external_access = false")
        for name, value in {"TimeZone": "UTC", **(settings or {})}.items():
            con.execute(f"SET {name} = {_sql_value(value)}")
        con.execute("SET lock_configuration = true")
    except BaseException:
        con.close()
        raise
    return con


_NO_EXTENSIONS = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}
_REPLAY_SETTINGS = {"preserve_insertion_order": False}   # what `Simulation` would set: row order never matters there
_DUCKDB_MAGIC = b"DUCK"                                  # bytes 8-11 of every DuckDB database file


def _sql_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "'" + str(value).replace("'", "''") + "'"


def _sql_list(values: Sequence[str]) -> str:
    return "[" + ", ".join(_sql_value(v) for v in values) + "]"


def first_row(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> tuple | None:
    """First row of a query, with the result consumed: DuckDB 2.0 refuses further work on a connection
    whose last result was only partly fetched (`fetchone`)."""
    rows = con.execute(sql, params or []).fetchall()
    return rows[0] if rows else None


# ---------------------------------------------------------------------------------------- checks
def _check_is_duckdb(db: Path) -> None:
    """A file that is not a DuckDB database (SQLite, Parquet, text) is refused before DuckDB reads it:
    DuckDB would otherwise try to install the extension that reads it (D15)."""
    try:
        with open(db, "rb") as fh:
            head = fh.read(16)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise StoreError(f"{db}: cannot read ({exc.strerror or exc})") from exc
    if head and head[8:12] != _DUCKDB_MAGIC:
        kind = "a SQLite database" if head.startswith(b"SQLite format 3") else "another kind of file"
        raise StoreError(f"{db}: not a DuckDB store ({kind}); give a store made by `llm-lint ingest`")


def _columns(con: duckdb.DuckDBPyConnection, catalog: str, table: str) -> dict[str, str]:
    return dict(con.execute("SELECT column_name, data_type FROM duckdb_columns() WHERE database_name = ? AND "
                            "schema_name = 'main' AND table_name = ? AND NOT is_generated",
                            [catalog, table]).fetchall())


def _check_shape(con: duckdb.DuckDBPyConnection, catalog: str, db: Path, table: str,
                 expected: list[tuple[str, str]]) -> None:
    """`table` is a base table with exactly the expected columns and types, no generated columns, no checks."""
    row = first_row(con, "SELECT column_count, check_constraint_count FROM duckdb_tables() WHERE database_name = ? "
                    "AND schema_name = 'main' AND table_name = ?", [catalog, table])
    if row is None:
        raise StoreError(f"{db}: `{table}` is not a table (a view or another object); not a store llmsight wrote")
    got, want = _columns(con, catalog, table), dict(expected)
    if got != want or row[0] != len(want) or row[1]:
        odd = sorted(set(got.items()) ^ set(want.items()))
        detail = ", ".join(f"{name} {kind}" for name, kind in odd[:4]) or "generated columns or checks"
        raise StoreError(f"{db}: `{table}` does not have the columns of a traffic store ({detail}); "
                         "not a store llmsight wrote")


def _check_objects(con: duckdb.DuckDBPyConnection, catalog: str, db: Path) -> None:
    """No views and no macros anywhere in the file: a view or macro can read files or URLs when queried,
    and a macro named like a built-in function replaces it (D0)."""
    views = [r[0] for r in con.execute("SELECT schema_name || '.' || view_name FROM duckdb_views() "
                                       "WHERE database_name = ? AND NOT internal", [catalog]).fetchall()]
    if views:
        raise StoreError(f"{db}: defines views ({', '.join(sorted(views)[:3])}); a traffic store has none, "
                         "refusing to read it")
    macros = [r[0] for r in con.execute("SELECT DISTINCT schema_name || '.' || function_name FROM duckdb_functions() "
                                        "WHERE database_name = ? AND NOT internal AND function_type IN "
                                        "('macro', 'table_macro')", [catalog]).fetchall()]
    if macros:
        raise StoreError(f"{db}: defines macros ({', '.join(sorted(macros)[:3])}); a traffic store has none, "
                         "refusing to read it")


def _version(con: duckdb.DuckDBPyConnection, catalog: str, db: Path) -> int | None:
    """The schema version the file says it has; None for a file without a `calls` table."""
    tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE database_name = ? "
                                        "AND schema_name = 'main'", [catalog]).fetchall()}
    if "calls" not in tables:
        return None
    if "meta" not in tables:
        return 1
    _check_shape(con, catalog, db, "meta", TABLES["meta"])
    row = first_row(con, f'SELECT value FROM "{catalog}".main.meta WHERE key = \'schema_version\'')
    if row is None:
        raise StoreError(f"{db}: no schema_version in its meta table; not a store llmsight wrote (re-create it "
                         "with `llm-lint ingest`)")
    value = row[0] or ""
    if not (value.isascii() and value.isdigit() and len(value) <= 4):
        raise StoreError(f"{db}: meta.schema_version is {value[:20]!r}, not a version number; not a store llmsight "
                         "wrote (re-create it with `llm-lint ingest`)")
    return int(value)


def check_store(con: duckdb.DuckDBPyConnection, db: Path, catalog: str | None = None) -> int | None:
    """The schema version of the store open in `con` (None: no `calls` yet), after checking that the
    file holds nothing but the store's own tables of the store's own shape (StoreError otherwise)."""
    catalog = catalog or first_row(con, "SELECT current_database()")[0]
    _check_objects(con, catalog, db)
    version = _version(con, catalog, db)
    if version is None:
        return None
    if version > SCHEMA_VERSION:
        raise StoreError(f"{db}: traffic store schema v{version} is newer than this llmsight "
                         f"(v{SCHEMA_VERSION}); upgrade llmsight")
    if version < 1:
        raise StoreError(f"{db}: meta.schema_version is {version}, not a version number; not a store llmsight wrote")
    _check_shape(con, catalog, db, "calls", calls_columns(version))
    tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE database_name = ? "
                                        "AND schema_name = 'main'", [catalog]).fetchall()}
    for table in sorted(tables & set(TABLES)):
        _check_shape(con, catalog, db, table, TABLES[table])
    return version


def calls_columns(version: int) -> list[tuple[str, str]]:
    """The columns of `calls` in a store of `version`."""
    later = {name for added_in, names in ADDED.items() if added_in > version for name in names}
    return [(name, kind) for name, kind in ALL_COLUMNS if name not in later]


def schema_version(con: duckdb.DuckDBPyConnection) -> int | None:
    """Version stored in the file; None for an empty database."""
    catalog = first_row(con, "SELECT current_database()")[0]
    return _version(con, catalog, Path(catalog))


# ---------------------------------------------------------------------------------------- opening
def _create(con: duckdb.DuckDBPyConnection) -> None:
    cols = ",\n  ".join(f"{name} {kind}" for name, kind in ALL_COLUMNS)
    con.execute(f"CREATE TABLE calls (\n  {cols}\n)")
    _create_bookkeeping(con)
    con.execute("INSERT INTO meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)])


def _create_bookkeeping(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
    con.execute("CREATE TABLE IF NOT EXISTS migrations (from_version INTEGER, to_version INTEGER, "
                "applied_at TIMESTAMP)")
    con.execute("CREATE TABLE IF NOT EXISTS sources (sha256 VARCHAR PRIMARY KEY, path VARCHAR, "
                "format VARCHAR, rows_loaded BIGINT, rows_rejected BIGINT, ingested_at TIMESTAMP)")


def _migrate(con: duckdb.DuckDBPyConnection, version: int) -> None:
    con.execute("BEGIN TRANSACTION")
    try:
        _create_bookkeeping(con)
        while version < SCHEMA_VERSION:
            for statement in MIGRATIONS[version]:
                con.execute(statement).fetchall()
            con.execute("INSERT INTO migrations VALUES (?, ?, ?)",
                        [version, version + 1, datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)]
                        ).fetchall()
            version += 1
        con.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)]).fetchall()
        con.execute("COMMIT").fetchall()
    except Exception:
        con.execute("ROLLBACK").fetchall()
        raise


def _as_current(con: duckdb.DuckDBPyConnection, catalog: str, version: int) -> None:
    """An older store read as the current schema without changing the file: a temporary `calls` view
    over it with the added columns as a migration would fill them (tokens 0, the rest NULL)."""
    present = {name for name, _ in calls_columns(version)}
    parts = [name if name in present else f"CAST({0 if name in TOKEN_COLUMNS else 'NULL'} AS {kind}) AS {name}"
             for name, kind in ALL_COLUMNS]
    con.execute(f'CREATE TEMP VIEW calls AS SELECT {", ".join(parts)} FROM "{catalog}".main.calls')


def _opened(db: Path, open_connection) -> duckdb.DuckDBPyConnection:
    try:
        return open_connection()
    except duckdb.Error as exc:
        message = str(exc).splitlines()[0]
        if "lock" in message.lower() or "different configuration" in message:
            raise StoreError(f"{db}: in use by another process (a language server, notebook or running "
                             f"ingest?); close it, or use another --db file") from exc
        raise StoreError(f"{db}: cannot open as a DuckDB traffic store ({message})") from exc


def _open_read_only(db: Path) -> duckdb.DuckDBPyConnection:
    """The store attached read-only to a private in-memory database (other connections of this process
    to the same file keep their own settings); unqualified names resolve in the store."""
    path = os.path.abspath(db)
    con = connect(readable=[path] + [path + suffix for suffix in (".wal", ".wal.recovery", ".wal.checkpoint")],
                  settings=_REPLAY_SETTINGS)
    try:
        _opened(db, lambda: con.execute(f"ATTACH {_sql_value(path)} AS traffic (READ_ONLY)"))
        con.execute("USE traffic")
        version = check_store(con, db, "traffic")
        if version is None:
            raise StoreError(f"{db}: not a traffic store (no `calls` table); ingest traffic into it first")
        if version < SCHEMA_VERSION:
            _as_current(con, "traffic", version)
    except BaseException:
        con.close()
        raise
    return con


def open_store(path: str | Path | None = None, read_only: bool = False, root: str | Path = ".") \
        -> duckdb.DuckDBPyConnection:
    """Open (creating or migrating) a traffic store; default `.llmsight/traffic.duckdb` under `root`.

    Read-only, the file is never changed: an older store is read through a view of the current schema.
    Either way the connection is `connect`'s, and a file whose tables are not the store's (views,
    macros, tables of another shape) is refused with a StoreError before anything is read from it."""
    db = Path(path) if path is not None else default_db_path(root)
    if str(db) == ":memory:":
        con = connect(settings=_REPLAY_SETTINGS)
        _create(con)
        return con
    if read_only and not db.exists():
        raise StoreError(f"{db}: no traffic store here; run `llm-lint ingest FILES --db {db}` first")
    _check_is_duckdb(db)
    if read_only:
        return _open_read_only(db)
    db.parent.mkdir(parents=True, exist_ok=True)
    con = _opened(db, lambda: connect(db))
    try:
        version = check_store(con, db)
        if version is None:
            _create(con)
        elif version < SCHEMA_VERSION:
            _migrate(con, version)
    except BaseException:
        con.close()
        raise
    return con


def _select_list(present: set[str]) -> str:
    """Canonical values of `present` columns: missing columns NULL, types cast, never-NULL defaults."""
    parts = []
    for name, kind in COLUMNS:
        expr = f'CAST("{name}" AS {kind})' if name in present else f"CAST(NULL AS {kind})"
        if name in TOKEN_COLUMNS:
            expr = f"COALESCE({expr}, 0)"
        elif name == "attempt":
            expr = f"COALESCE({expr}, 1)"
        elif name == "status":
            expr = f"COALESCE(lower({expr}), 'ok')"
        parts.append(f"{expr} AS {name}")
    return ", ".join(parts)


def insert_rows(con: duckdb.DuckDBPyConnection, rows: Any, source_file: str) -> int:
    """Append the calls among canonical rows (Arrow table, pandas DataFrame or DuckDB relation) of one
    source file that the store does not hold yet (`identity`: by the record's own id in an optional
    `record_id` column, else by content and occurrence). Returns the rows added.

    `source_row` is the record's number in its file; without it (or when it is not unique), the
    position in `rows`. `row_id` = the largest stored id + `source_row`: unique, and the same for the
    same file whatever else is in the store before it.
    """
    present = set(rows.columns if isinstance(rows, duckdb.DuckDBPyRelation)
                  else rows.column_names if hasattr(rows, "column_names") else rows.columns)
    con.register("_incoming", rows)
    try:
        base = first_row(con, "SELECT COALESCE(MAX(row_id), 0) FROM calls")[0]
        unique_rows = "source_row" in present and first_row(
            con, "SELECT COUNT(*) = COUNT(DISTINCT source_row) AND COUNT(source_row) = COUNT(*) FROM _incoming")[0]
        numbered = '(SELECT *, CAST("source_row" AS BIGINT) AS _n FROM _incoming)'
        if not unique_rows:         # positions, fixed once: the rows are read twice below
            con.execute("CREATE OR REPLACE TEMP TABLE _numbered AS SELECT *, row_number() OVER () AS _n FROM _incoming")
            numbered = "_numbered"
        record_id = f'CAST("{identity.RECORD_ID}" AS VARCHAR)' if identity.RECORD_ID in present else "NULL"
        typed = f"(SELECT {_select_list(present)}, _n, {record_id} AS {identity.RECORD_ID} FROM {numbered})"
        con.execute(f"CREATE OR REPLACE TEMP TABLE _keyed AS SELECT _n, {identity.RECORD_ID}, {identity.CONTENT_KEY}, "
                    f"{identity.KEY} FROM ({identity.keys_sql(typed, CALL_COLUMNS, '_n')})")
        _fill_request_settings(con, typed, present)
        added = first_row(
            con, f"INSERT INTO calls ({', '.join(n for n, _ in ALL_COLUMNS)}) "
            f"SELECT {', '.join(COLUMN_NAMES)}, CAST(? + _n AS BIGINT) AS row_id, CAST(? AS VARCHAR) AS source_file, "
            f"CAST(_n AS BIGINT) AS source_row, {identity.KEY} "
            f"FROM {typed} JOIN ({identity.new_records_sql('_keyed', 'calls', '_n')}) USING (_n)",
            [base, source_file])[0]
        return int(added)
    finally:
        with contextlib.suppress(duckdb.Error):   # after a failed statement the transaction is rolled back anyway
            con.execute("DROP TABLE IF EXISTS _keyed")
            con.execute("DROP TABLE IF EXISTS _numbered")
        con.unregister("_incoming")


def _fill_request_settings(con: duckdb.DuckDBPyConnection, typed: str, present: set[str]) -> None:
    """Stored calls that were ingested before the store kept request settings (v3) take them from the
    same records ingested again (same key); a row that has any of them is left as it is."""
    names = [name for name, _ in REQUEST_COLUMNS if name in present]
    blank = " AND ".join(f"calls.{name} IS NULL" for name, _ in REQUEST_COLUMNS)
    if not names or first_row(con, f"SELECT 1 FROM calls WHERE {blank} LIMIT 1") is None:
        return
    said = " OR ".join(f"{name} IS NOT NULL" for name in names)
    con.execute(f"UPDATE calls SET {', '.join(f'{n} = r.{n}' for n in names)} FROM (SELECT k.{identity.KEY}, "
                f"{', '.join(f't.{n}' for n in names)} FROM {typed} t JOIN _keyed k USING (_n) WHERE {said} "
                f"QUALIFY row_number() OVER (PARTITION BY k.{identity.KEY} ORDER BY _n) = 1) r "
                f"WHERE calls.{identity.KEY} = r.{identity.KEY} AND {blank}").fetchall()


def recorded_sample_rate(con: duckdb.DuckDBPyConnection, source: str = "calls") -> tuple[float, str] | None:
    """The share of calls the traces of `source` hold, from the sampling rates their exports recorded
    (`sample_rate`), and a line saying so; None when no row records one. Rows sampled at different rates
    stand for sum(1 / rate) calls, so the share is the rows over that (a row with no rate: 1). The sum is
    of decimals (exact: 10 + 18 digits a row), so the same rows give the same share whatever order the
    engine's threads add them in; rates ingest would refuse (outside 1e-9..1) are left out."""
    present = {d[0] for d in con.execute(f"SELECT * FROM {source} LIMIT 0").description}
    if "sample_rate" not in present:
        return None
    rows, recorded, made, low, high = first_row(
        con, f"SELECT count(*), count(sample_rate), sum(CAST(1.0 / coalesce(sample_rate, 1.0) AS DECIMAL(38, 18))), "
        f"min(sample_rate), max(sample_rate) FROM {source} "
        f"WHERE model IS NOT NULL AND (sample_rate IS NULL OR sample_rate BETWEEN 1e-9 AND 1)")
    if not recorded or not made:
        return None
    share = min(rows / float(made), 1.0)
    rates = f"{low:.4g}" if low == high else f"{low:.4g} to {high:.4g}"
    return share, (f"sample rate {share:.4g} read from the traces: their samplers recorded {rates} on {recorded:,} "
                   f"of {rows:,} rows (--sample-rate overrides it)")


def source_seen(con: duckdb.DuckDBPyConnection, sha256: str) -> bool:
    return first_row(con, "SELECT 1 FROM sources WHERE sha256 = ?", [sha256]) is not None


def record_source(con: duckdb.DuckDBPyConnection, sha256: str, path: str, fmt: str, loaded: int,
                  rejected: int) -> None:
    con.execute("INSERT OR REPLACE INTO sources VALUES (?, ?, ?, ?, ?, ?)",
                [sha256, path, fmt, loaded, rejected,
                 datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)])
