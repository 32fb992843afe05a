"""One vectorised validation step for every format: text columns in, typed canonical rows out.

Each adapter stages its records as text columns named like the canonical row (SQL over DuckDB's
readers, or an Arrow-backed relation), plus `source_row`, optionally `_reject` (a reason the adapter
already found) and `record_id` (the record's own id, `identity`). This SQL gives every row its first
failing reason; good rows go to the store, rejects are counted per reason.

Values are also checked for sense, not only type (issue 16 D10): a call is in this century and not in
the future, lasts at most a day, costs at most $1,000, counts at most 100 million tokens, has its first
token within its duration and an attempt number from 1; names are short and free of control
characters. One absurd row would otherwise turn every figure of its site into nonsense.
"""
from __future__ import annotations

import contextlib
import datetime
from collections import Counter
from dataclasses import dataclass, field

import duckdb

from llmsight.simulator import identity, store

INTEGER_COLUMNS = store.TOKEN_COLUMNS + ("attempt", "code_line", "request_max_tokens")
_KINDS = dict(store.COLUMNS)
NUMBER_COLUMNS = ("latency_ms", "ttft_ms", "cost_usd", "quality", "request_temperature", "sample_rate")
BOOLEAN_COLUMNS = tuple(name for name, kind in store.COLUMNS if kind == "BOOLEAN")


@dataclass
class Loaded:
    rows: int = 0
    rejected: Counter = field(default_factory=Counter)
    examples: list[tuple[int, str]] = field(default_factory=list)   # (row, reason), first few
    known: int = 0                       # good rows the store already holds (`identity`)


_LIMITS = {"INTEGER": 2**31 - 1, "BIGINT": 2**53}    # BIGINT: what a DOUBLE still holds exactly
_MAX_EPOCH_S = 1e11                                   # year 5138: larger numbers are epoch milliseconds
# What one call can sensibly be (D10)
_EARLIEST = "2000-01-01"
_FUTURE_SLACK = datetime.timedelta(days=1)            # clocks of the logging hosts may run ahead
_MAX_MS = 86_400_000.0                                # a day (batch APIs finish within 24 h)
_MAX_COST_USD = 1000.0
_MAX_TOKENS = 100_000_000                             # ten times the largest context window
_MAX_ATTEMPT = 100
_NAME_COLUMNS = ("model", "response_model", "provider", "operation")
_MAX_NAME = 256
_MAX_TEXT = 1024
_MAX_TOOLS = 16384                                    # 128 tool names (OpenAI's limit) of 64 characters, and more
_CONTROL = r"'[\x00-\x1f\x7f]'"
_CONTROL_BUT_LINES = r"'[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]'"     # error messages may span lines


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
    for col in BOOLEAN_COLUMNS:
        if col in present:
            checks.append((f"{col} IS NOT NULL AND TRY_CAST({col} AS BOOLEAN) IS NULL", f"'{col} is not true or false'"))
    if "ts" in present:
        checks.append((f"ts IS NOT NULL AND {_parsed_ts('ts')} IS NULL", "'ts is not a timestamp'"))
        latest = (datetime.datetime.now(datetime.timezone.utc) + _FUTURE_SLACK).strftime("%Y-%m-%d %H:%M:%S")
        checks.append((f"{_parsed_ts('ts')} < TIMESTAMP '{_EARLIEST}'", f"'ts before {_EARLIEST[:4]}'"))
        checks.append((f"{_parsed_ts('ts')} > TIMESTAMP '{latest}'", "'ts in the future'"))
    checks += _sense_checks(present)
    if "status" in present:
        checks.append(("status IS NOT NULL AND lower(status) NOT IN ('ok', 'error', 'timeout')",
                       "'status must be ok, error or timeout'"))
    if "quality" in present:
        checks.append(("TRY_CAST(quality AS DOUBLE) > 1", "'quality above 1 (scores are 0..1)'"))
    if "sample_rate" in present:
        checks.append(("TRY_CAST(sample_rate AS DOUBLE) NOT BETWEEN 1e-9 AND 1",
                       "'sample_rate must be above 0 and at most 1 (the share of calls traced)'"))
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


def _sense_checks(present: set[str]) -> list[tuple[str, str]]:
    """(condition, reason) for values of the right type that no real call has (D10)."""
    checks = []
    for col in ("latency_ms", "ttft_ms"):
        if col in present:
            checks.append((f"TRY_CAST({col} AS DOUBLE) > {_MAX_MS}", f"'{col} over a day'"))
    if "ttft_ms" in present and "latency_ms" in present:
        checks.append(("TRY_CAST(ttft_ms AS DOUBLE) > TRY_CAST(latency_ms AS DOUBLE)",
                       "'ttft_ms after the end of the call (above latency_ms)'"))
    if "cost_usd" in present:
        checks.append((f"TRY_CAST(cost_usd AS DOUBLE) > {_MAX_COST_USD}",
                       f"'cost_usd above ${_MAX_COST_USD:,.0f} for one call'"))
    for col in store.TOKEN_COLUMNS:
        if col in present:
            checks.append((f"TRY_CAST({col} AS DOUBLE) > {_MAX_TOKENS}", f"'{col} above {_MAX_TOKENS:,}'"))
    if "attempt" in present:
        checks.append(("TRY_CAST(attempt AS DOUBLE) < 1", "'attempt below 1 (the first attempt is 1)'"))
        checks.append((f"TRY_CAST(attempt AS DOUBLE) > {_MAX_ATTEMPT}", f"'attempt above {_MAX_ATTEMPT}'"))
    texts = [col for col, kind in store.COLUMNS if kind == "VARCHAR" and col in present]
    for col in texts:
        longest = _MAX_NAME if col in _NAME_COLUMNS else _MAX_TOOLS if col == "request_tools" else _MAX_TEXT
        checks.append((f"length({col}) > {longest}", f"'{col} longer than {longest} characters'"))
    names = [col for col in texts if col != "error_type"]
    if names:       # one search over all of them (most rows have none); the reason then names the column
        which = " ".join(f"WHEN regexp_matches({col}, {_CONTROL}) THEN '{col} has control characters'" for col in names)
        checks.append((f"regexp_matches(concat({', '.join(names)}), {_CONTROL})", f"CASE {which} END"))
    if "error_type" in texts:
        checks.append((f"regexp_matches(error_type, {_CONTROL_BUT_LINES})", "'error_type has control characters'"))
    return checks


def _typed_sql(present: set[str]) -> str:
    parts = ["source_row"] + ([identity.RECORD_ID] if identity.RECORD_ID in present else [])
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
    """Insert the good rows of `staged` (SQL text or a relation) the store does not hold yet into `calls`;
    count and sample the rejects, and count the rows already held."""
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
        outcome.known = store.first_row(con, "SELECT count(*) FROM _staged WHERE _reason IS NULL")[0] - outcome.rows
        return outcome
    finally:
        with contextlib.suppress(duckdb.Error):   # after a failed statement the transaction is rolled back anyway
            con.execute("DROP TABLE IF EXISTS _staged").fetchall()
        if not isinstance(staged, str):
            con.unregister(source)
