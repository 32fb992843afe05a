"""The traffic store: one DuckDB file with the canonical `calls` table of design §6.

Every adapter converts its source to these columns; the replay, the traffic view and the rules read
only this table. Token semantics are design §2: `input_tokens` includes cached reads and cache writes,
`output_tokens` includes reasoning tokens. Token counts and `attempt` are never NULL once stored (0 and
1 when the source did not say), `status` is one of ok|error|timeout.

Bookkeeping columns: `row_id` is unique and never changes once a row is stored (the replay hashes it
for its random draws), `source_file`/`source_row` point back at the record a row came from. The
`sources` table remembers each ingested file by its SHA-256, so ingesting the same file twice adds
nothing. The `meta` table holds the schema version; `open_store` migrates older files in place.
"""
from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import duckdb

SCHEMA_VERSION = 2
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
BOOKKEEPING: list[tuple[str, str]] = [
    ("row_id", "BIGINT"),
    ("source_file", "VARCHAR"),
    ("source_row", "BIGINT"),
]
ALL_COLUMNS = COLUMNS + BOOKKEEPING
COLUMN_NAMES = [name for name, _ in COLUMNS]
TOKEN_COLUMNS = ("input_tokens", "output_tokens", "cached_input_tokens", "cache_write_input_tokens",
                 "reasoning_tokens")

# Version N -> statements that bring a version-N file to N+1. Version 1 (the first preview) stored no
# cache-write/reasoning split and no quality score.
MIGRATIONS: dict[int, list[str]] = {
    1: [
        "ALTER TABLE calls ADD COLUMN cache_write_input_tokens BIGINT DEFAULT 0",
        "ALTER TABLE calls ADD COLUMN reasoning_tokens BIGINT DEFAULT 0",
        "ALTER TABLE calls ADD COLUMN quality DOUBLE",
        "UPDATE calls SET cache_write_input_tokens = 0 WHERE cache_write_input_tokens IS NULL",
        "UPDATE calls SET reasoning_tokens = 0 WHERE reasoning_tokens IS NULL",
    ],
}


class StoreError(Exception):
    """The DuckDB file cannot be used (newer schema, locked, not a traffic store)."""


def default_db_path(root: str | Path) -> Path:
    return Path(root) / DEFAULT_DB


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


def first_row(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> tuple | None:
    """First row of a query, with the result consumed: DuckDB 2.0 refuses further work on a connection
    whose last result was only partly fetched (`fetchone`)."""
    rows = con.execute(sql, params or []).fetchall()
    return rows[0] if rows else None


def schema_version(con: duckdb.DuckDBPyConnection) -> int | None:
    """Version stored in the file; None for an empty database."""
    tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables "
                                        "WHERE table_schema = 'main'").fetchall()}
    if "calls" not in tables:
        return None
    if "meta" not in tables:
        return 1
    row = first_row(con, "SELECT value FROM meta WHERE key = 'schema_version'")
    return int(row[0]) if row else 1


def _migrate(con: duckdb.DuckDBPyConnection, version: int, path: str) -> None:
    if version > SCHEMA_VERSION:
        raise StoreError(f"{path}: traffic store schema v{version} is newer than this llmsight "
                         f"(v{SCHEMA_VERSION}); upgrade llmsight")
    con.execute("BEGIN TRANSACTION")
    try:
        _create_bookkeeping(con)
        while version < SCHEMA_VERSION:
            for statement in MIGRATIONS[version]:
                con.execute(statement)
            con.execute("INSERT INTO migrations VALUES (?, ?, ?)",
                        [version, version + 1, datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)])
            version += 1
        con.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)])
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise


def open_store(path: str | Path | None = None, read_only: bool = False, root: str | Path = ".") \
        -> duckdb.DuckDBPyConnection:
    """Open (creating or migrating) a traffic store; default `.llmsight/traffic.duckdb` under `root`."""
    db = Path(path) if path is not None else default_db_path(root)
    if read_only and not db.exists():
        raise StoreError(f"{db}: no traffic store here; run `llm-lint ingest FILES --db {db}` first")
    if not read_only:
        db.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(db), read_only=read_only)
    except duckdb.Error as exc:
        if "lock" in str(exc).lower():
            raise StoreError(f"{db}: in use by another process (a language server, notebook or running "
                             f"ingest?); close it, or use another --db file") from exc
        raise StoreError(f"{db}: cannot open as a DuckDB traffic store ({str(exc).splitlines()[0]})") from exc
    version = schema_version(con)
    if version == SCHEMA_VERSION:
        return con
    if read_only:
        con.close()
        if version is None:
            raise StoreError(f"{db}: not a traffic store (no `calls` table); ingest traffic into it first")
        con = duckdb.connect(str(db))       # migrate once, then reopen read-only
        _migrate(con, version, str(db))
        con.close()
        return duckdb.connect(str(db), read_only=True)
    if version is None:
        _create(con)
    else:
        _migrate(con, version, str(db))
    return con


def _select_list(present: set[str]) -> str:
    """Canonical SELECT over `_incoming`: missing columns NULL, types cast, never-NULL defaults."""
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
    """Append canonical rows (Arrow table, pandas DataFrame or DuckDB relation) from one source file.

    `source_row` is the record's number in its file; without it (or when it is not unique), the
    position in `rows`. `row_id` = the largest stored id + `source_row`: unique, and the same for the
    same file whatever else is in the store before it. Returns the rows added.
    """
    present = set(rows.columns if isinstance(rows, duckdb.DuckDBPyRelation)
                  else rows.column_names if hasattr(rows, "column_names") else rows.columns)
    con.register("_incoming", rows)
    try:
        base = first_row(con, "SELECT COALESCE(MAX(row_id), 0) FROM calls")[0]
        unique_rows = "source_row" in present and first_row(
            con, "SELECT COUNT(*) = COUNT(DISTINCT source_row) AND COUNT(source_row) = COUNT(*) FROM _incoming")[0]
        if unique_rows:
            source = 'SELECT *, CAST("source_row" AS BIGINT) AS _n FROM _incoming'
        else:
            source = "SELECT *, row_number() OVER () AS _n FROM _incoming"
        added = first_row(
            con, f"INSERT INTO calls ({', '.join(n for n, _ in ALL_COLUMNS)}) "
            f"SELECT {_select_list(present)}, CAST(? + _n AS BIGINT) AS row_id, "
            f"CAST(? AS VARCHAR) AS source_file, CAST(_n AS BIGINT) AS source_row FROM ({source})",
            [base, source_file])[0]
        return int(added)
    finally:
        con.unregister("_incoming")


def source_seen(con: duckdb.DuckDBPyConnection, sha256: str) -> bool:
    return first_row(con, "SELECT 1 FROM sources WHERE sha256 = ?", [sha256]) is not None


def record_source(con: duckdb.DuckDBPyConnection, sha256: str, path: str, fmt: str, loaded: int,
                  rejected: int) -> None:
    con.execute("INSERT OR REPLACE INTO sources VALUES (?, ?, ?, ?, ?, ?)",
                [sha256, path, fmt, loaded, rejected,
                 datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)])
