"""The traffic's mean quality per model is fixed-point sums over a count: sums of a model's 2^27 or more
scored rows pass an int64 and must be read whole, as the engines hand them over."""
from __future__ import annotations

from decimal import Decimal

import duckdb

from llmsight.simulator.fit import _quality


class _Sums:
    """What an engine returns for the grouped sums of 2^30 rows each scored 0.5 + 2^-21: 2^19 whole 2^-20ths
    and 2^35 2^-56ths a row, totals as 38-digit decimals (DuckDB and Spark both)."""

    def __init__(self) -> None:
        self.sql = ""

    def execute(self, sql: str) -> "_Sums":
        self.sql = sql
        return self

    def fetchall(self) -> list[tuple]:
        n = 2 ** 30
        return [("m", "f", Decimal(n * 2 ** 19), Decimal(n * 2 ** 35), n),
                ("m", "*", Decimal(n * 2 ** 19), Decimal(n * 2 ** 35), n)]


def test_sums_past_int64_give_the_exact_mean():
    sums = _Sums()
    quality = _quality(sums, "calls", None, set())
    assert quality[("m", "f")] == (0.5 + 2 ** -21, 2 ** 30, "traffic")
    assert quality[("m", "*")][0] == 0.5 + 2 ** -21
    duckdb.connect().execute(sums.sql.replace("FROM calls", "FROM (SELECT 'm' AS model, 'f' AS feature, "
                                                            "'ok' AS status, 0.5 AS quality)"))   # valid SQL


def test_scores_outside_zero_to_one_are_left_out():
    """A store written by other means than ingest may hold scores ingest refuses (NaN, inf, 1e20, -1):
    they are left out of the mean, as a NaN score is, instead of failing the fixed-point cast."""
    con = duckdb.connect()
    con.execute("CREATE TABLE calls AS SELECT 'm' AS model, 'f' AS feature, 'ok' AS status, quality FROM "
                "(VALUES (0.25), (0.75), ('nan'::DOUBLE), ('inf'::DOUBLE), (1e20), (-1.0), (NULL)) t(quality)")
    assert _quality(con, "calls", None, set())[("m", "f")] == (0.5, 2, "traffic")
