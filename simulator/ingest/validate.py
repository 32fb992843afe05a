"""One vectorised validation step for every format: text columns in, typed canonical rows out.

Each adapter stages its records as text columns named like the canonical row (SQL over DuckDB's
readers, or an Arrow-backed relation), plus `source_row` and optionally `_reject` (a reason the
adapter already found). This SQL gives every
row its first failing reason; good rows go to the store, rejects are counted per reason.
"""
from __future__ import annotations

import contextlib
from collections import Counter
from dataclasses import dataclass, field

import duckdb

from llmsight.simulator import store

INTEGER_COLUMNS = store.TOKEN_COLUMNS + ("attempt", "code_line")
_KINDS = dict(store.COLUMNS)
NUMBER_COLUMNS = ("latency_ms", "ttft_ms", "cost_usd", "quality")


@dataclass
class Loaded:
    rows: int = 0
    rejected: Counter = field(default_factory=Counter)
    examples: list[tuple[int, str]] = field(default_factory=list)   # (row, reason), first few


_LIMITS = {"INTEGER": 2**31 - 1, "BIGINT": 2**53}    # BIGINT: what a DOUBLE still holds exactly
_MAX_EPOCH_S = 1e11                                   # year 5138: larger numbers are epoch milliseconds


def _parsed_ts(col: str) -> str:
    """ISO-8601 text (any offset, stored as UTC), epoch seconds or epoch milliseconds."""
    number = f"TRY_CAST({col} AS DOUBLE)"
    return (f"COALESCE(TRY_CAST(TRY_CAST({col} AS TIMESTAMPTZ) AS TIMESTAMP), "
            f"CASE WHEN {number} BETWEEN 0 AND {_MAX_EPOCH_S} THEN make_timestamp(CAST({number} * 1e6 AS BIGINT)) "
            f"WHEN {number} BETWEEN {_MAX_EPOCH_S} AND {_MAX_EPOCH_S * 1000} "
            f"THEN make_timestamp(CAST({number} * 1e3 AS BIGINT)) END)")


def _reason_sql(present: set[str]) -> str:
    checks = []
    if "_reject" in present:
        checks.append(("_reject IS NOT NULL", "_reject"))
    if "model" in present:
        checks.append(("model IS NULL OR trim(model) = ''", "'missing model'"))
    else:
        checks.append(("TRUE", "'missing model'"))
    for col in INTEGER_COLUMNS + NUMBER_COLUMNS:
        if col not in present:
            continue
        checks.append((f"{col} IS NOT NULL AND TRY_CAST({col} AS DOUBLE) IS NULL", f"'{col} is not a number'"))
        checks.append((f"TRY_CAST({col} AS DOUBLE) < 0",
                       "'end before start (negative latency_ms)'" if col == "latency_ms" else f"'negative {col}'"))
        if col in INTEGER_COLUMNS:
            checks.append((f"TRY_CAST({col} AS DOUBLE) <> floor(TRY_CAST({col} AS DOUBLE))",
                           f"'{col} is not a whole number'"))
            checks.append((f"TRY_CAST({col} AS DOUBLE) > {_LIMITS[_KINDS[col]]}", f"'{col} is too large'"))
    if "ts" in present:
        checks.append((f"ts IS NOT NULL AND {_parsed_ts('ts')} IS NULL", "'ts is not a timestamp'"))
    if "status" in present:
        checks.append(("status IS NOT NULL AND lower(status) NOT IN ('ok', 'error', 'timeout')",
                       "'status must be ok, error or timeout'"))
    if "quality" in present:
        checks.append(("TRY_CAST(quality AS DOUBLE) > 1", "'quality above 1 (scores are 0..1)'"))
    cached = [c for c in ("cached_input_tokens", "cache_write_input_tokens") if c in present]
    if cached and "input_tokens" in present:
        total = " + ".join(f"COALESCE(TRY_CAST({c} AS DOUBLE), 0)" for c in cached)
        checks.append((f"{total} > COALESCE(TRY_CAST(input_tokens AS DOUBLE), 0)",
                       "'cached tokens exceed input_tokens (input must include cache reads and writes)'"))
    if "reasoning_tokens" in present and "output_tokens" in present:
        checks.append(("COALESCE(TRY_CAST(reasoning_tokens AS DOUBLE), 0) > "
                       "COALESCE(TRY_CAST(output_tokens AS DOUBLE), 0)",
                       "'reasoning_tokens exceed output_tokens (output must include reasoning)'"))
    return "CASE " + " ".join(f"WHEN {cond} THEN {reason}" for cond, reason in checks) + " END"


def _typed_sql(present: set[str]) -> str:
    parts = ["source_row"]
    for name, kind in store.COLUMNS:
        if name not in present:
            continue
        if name == "ts":
            parts.append(f"{_parsed_ts('ts')} AS ts")
        elif name in INTEGER_COLUMNS:
            parts.append(f"TRY_CAST(TRY_CAST({name} AS DOUBLE) AS {kind}) AS {name}")
        else:
            parts.append(f"TRY_CAST({name} AS {kind}) AS {name}")
    return ", ".join(parts)


def validate_and_load(con: duckdb.DuckDBPyConnection, staged: str | duckdb.DuckDBPyRelation, source_file: str,
                      max_examples: int = 20) -> Loaded:
    """Insert the good rows of `staged` (SQL text or a relation) into `calls`; count and sample the rejects."""
    if isinstance(staged, str):
        source = f"({staged})"
        present = set(con.sql(f"SELECT * FROM {source} LIMIT 0").columns)
    else:
        source = "_staged_raw"
        present = set(staged.columns)
        con.register(source, staged)
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE _staged AS SELECT {_typed_sql(present)}, "
                    f"{_reason_sql(present)} AS _reason FROM {source}").fetchall()
        outcome = Loaded()
        outcome.rejected.update(dict(con.execute(
            "SELECT _reason, COUNT(*) FROM _staged WHERE _reason IS NOT NULL GROUP BY _reason").fetchall()))
        outcome.examples = con.execute(
            "SELECT source_row, _reason FROM _staged WHERE _reason IS NOT NULL ORDER BY source_row LIMIT ?",
            [max_examples]).fetchall()
        good = con.sql("SELECT * EXCLUDE (_reason) FROM _staged WHERE _reason IS NULL")
        outcome.rows = store.insert_rows(con, good, source_file)
        return outcome
    finally:
        with contextlib.suppress(duckdb.Error):   # after a failed statement the transaction is rolled back anyway
            con.execute("DROP TABLE IF EXISTS _staged").fetchall()
        if not isinstance(staged, str):
            con.unregister(source)
