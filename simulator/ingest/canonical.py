"""Our own formats: JSON Lines, CSV and Parquet whose columns are the canonical row (design §6).

Read by DuckDB's own readers, staged as text columns for the shared validation. Staging is SQL text
(not a relation object) so DuckDB can report progress on the reading query. JSON Lines is read line
by line as text so a broken line is one reject with its line number instead of a failed file. Keys in
text columns are masked while staging, so none is ever stored.
"""
from __future__ import annotations

from pathlib import Path

import duckdb

from llmsight.analysis.secrets import KEY_HINT, redact
from llmsight.simulator.ingest.records import TEXT_COLUMNS
from llmsight.simulator.store import COLUMN_NAMES, COLUMNS

_STRING_KINDS = {"VARCHAR"}
_NUMBER_JSON_TYPES = "('UBIGINT', 'BIGINT', 'DOUBLE', 'NULL')"


def _quote(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def stage_jsonl(con: duckdb.DuckDBPyConnection, path: Path) -> str:
    """Each line parsed once into a struct of JSON values, so types can be checked per field."""
    lines = (f"SELECT row_number() OVER () AS source_row, line FROM read_csv({_quote(path)}, "
             "columns={'line': 'VARCHAR'}, header=false, delim=E'\\x01', quote='', escape='', "
             "auto_detect=false, max_line_size=16777216)")
    structure = "{" + ", ".join(f'"{name}": "JSON"' for name in COLUMN_NAMES) + "}"
    type_checks = []
    for name, kind in COLUMNS:
        if name == "ts":
            continue                       # ISO text or epoch number; validated as a timestamp
        jtype = f"json_type(j.{name})"
        kind_name = (f"CASE WHEN {jtype} IN ('UBIGINT', 'BIGINT', 'DOUBLE') THEN 'a number' "
                     f"WHEN {jtype} = 'VARCHAR' THEN 'a string' ELSE lower({jtype}) END")
        if kind in _STRING_KINDS:
            type_checks.append(f"WHEN {jtype} NOT IN ('VARCHAR', 'NULL') "
                               f"THEN '{name} must be a string, not ' || {kind_name}")
        elif kind == "BOOLEAN":
            type_checks.append(f"WHEN {jtype} NOT IN ('BOOLEAN', 'NULL') "
                               f"THEN '{name} must be true or false, not ' || {kind_name}")
        else:
            type_checks.append(f"WHEN {jtype} NOT IN {_NUMBER_JSON_TYPES} "
                               f"THEN '{name} must be a number, not ' || {kind_name}")
    reject = ("CASE WHEN NOT valid THEN 'broken JSON line' WHEN j IS NULL THEN 'line is not a JSON object' "
              + " ".join(type_checks) + " END")
    extracted = ", ".join(f"j.{name} ->> '$' AS {name}" for name in COLUMN_NAMES)
    parsed = (f"SELECT source_row, valid, CASE WHEN valid AND json_type(line) = 'OBJECT' "
              f"THEN json_transform(line, '{structure}') END AS j "
              f"FROM (SELECT source_row, line, json_valid(line) AS valid FROM ({lines}) WHERE trim(line) <> '')")
    return _without_keys(con, f"SELECT source_row, {extracted}, {reject} AS _reject FROM ({parsed})", COLUMN_NAMES)


def stage_csv(con: duckdb.DuckDBPyConnection, path: Path) -> str:
    """Rows numbered by their line (the header is line 1); malformed lines land in `_csv_rejects`."""
    _drop_csv_rejects(con)
    reader = (f"read_csv({_quote(path)}, header=true, all_varchar=true, store_rejects=true, "
              "rejects_table='_csv_rejects', rejects_scan='_csv_reject_scans')")
    return _stage_table(con, reader, first_row=2)


def stage_parquet(con: duckdb.DuckDBPyConnection, path: Path) -> str:
    return _stage_table(con, f"read_parquet({_quote(path)})", first_row=1)


def _stage_table(con: duckdb.DuckDBPyConnection, reader: str, first_row: int) -> str:
    available = set(con.sql(f"SELECT * FROM {reader} LIMIT 0").columns)
    names = [name for name in COLUMN_NAMES if name in available]
    chosen = ", ".join(f"CAST({name} AS VARCHAR) AS {name}" for name in names)
    return _without_keys(con, f"SELECT row_number() OVER () + {first_row - 1} AS source_row, {chosen} FROM {reader}",
                         names)


_REDACT = "llmsight_redact"


def _without_keys(con: duckdb.DuckDBPyConnection, staged: str, names: list[str]) -> str:
    """`staged` with every key in its text columns masked (`redact`, deterministic); DuckDB's regex picks
    out the few values that may hold one, so Python sees only those."""
    try:
        con.create_function(_REDACT, redact, ["VARCHAR"], "VARCHAR")
    except duckdb.NotImplementedException:
        pass                              # registered on this connection by an earlier file
    hint = "'" + KEY_HINT.replace("'", "''") + "'"
    masked = ", ".join(f"CASE WHEN regexp_matches({name}, {hint}) THEN {_REDACT}({name}) ELSE {name} END AS {name}"
                       for name in names if name in TEXT_COLUMNS)
    return f"SELECT * REPLACE ({masked}) FROM ({staged})" if masked else staged


def csv_structural_rejects(con: duckdb.DuckDBPyConnection) -> list[tuple[int, str]]:
    """Lines DuckDB's CSV reader skipped (wrong number of fields, bad quoting) in the last read."""
    try:
        rows = con.execute("SELECT DISTINCT line, error_type FROM _csv_rejects ORDER BY line").fetchall()
    except duckdb.Error:
        return []
    finally:
        _drop_csv_rejects(con)
    return [(int(line), f"malformed CSV line ({kind.lower().replace('_', ' ')})") for line, kind in rows]


def _drop_csv_rejects(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("DROP TABLE IF EXISTS _csv_rejects").fetchall()
    con.execute("DROP TABLE IF EXISTS _csv_reject_scans").fetchall()
