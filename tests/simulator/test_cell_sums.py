"""Figures from an engine's grouped aggregates (`replay.cell_totals`, what Spark hands over): a cell's counts
and fixed-point sums, the sums 38-digit decimals read as whole numbers — exact past an int64, and the
same bits as the rows' `fixed_totals` below it."""
from __future__ import annotations

from decimal import Decimal

import duckdb
import numpy as np

from llmsight.simulator.figures import BLOCKS, fixed_totals, from_fixed
from llmsight.simulator.replay import cell_totals


class _Cells:
    """What an engine returns for 2^30 rows in the cell (combination 1, block 3), each costing 0.5 + 2^-21 USD
    (2^19 whole 2^-20ths and 2^35 2^-56ths) and scored 0.25: the low cost sum is 2^65."""

    def __init__(self) -> None:
        self.sql = ""

    def execute(self, sql: str) -> "_Cells":
        self.sql = sql
        return self

    def fetchall(self) -> list[tuple]:
        n = 2 ** 30
        return [(1, 3, n, 0, 0, 0, n, Decimal(n * 2 ** 19), Decimal(n * 2 ** 35), Decimal(n * 2 ** 18), Decimal(0))]


def test_sums_past_int64_are_exact():
    per_cell = cell_totals(_Cells(), "outcomes", 2 * BLOCKS)
    at = 1 * BLOCKS + 3
    assert per_cell["cost"][at] == 2 ** 30 * (0.5 + 2 ** -21)
    assert per_cell["qs"][at] == 2 ** 30 * 0.25
    assert per_cell["n"][at] == per_cell["qn"][at] == 2 ** 30
    assert per_cell["cost"].sum() == per_cell["cost"][at] and per_cell["err"].sum() == 0


def test_engine_sums_are_the_rows_fixed_point_totals():
    rng = np.random.default_rng(3)
    n, cells = 5000, 3 * BLOCKS
    grp, blk = rng.integers(0, 3, n), rng.integers(0, BLOCKS, n)
    cost = rng.random(n) * rng.choice([1e-6, 1e-2, 40.0], n)
    quality = np.where(rng.random(n) < 0.2, np.nan, rng.random(n))
    status, truncated = rng.integers(0, 3, n).astype(np.int8), rng.random(n) < 0.1
    con = duckdb.connect()
    con.register("frame", {"grp": grp, "blk": blk, "status": status, "truncated": truncated, "cost_usd": cost,
                           "quality": quality})
    con.execute("CREATE TABLE outcomes AS SELECT grp, blk, status, truncated, cost_usd, "
                "CASE WHEN isnan(quality) THEN NULL ELSE quality END AS quality FROM frame")
    per_cell = cell_totals(con, "outcomes", cells)
    cell = grp * BLOCKS + blk
    assert per_cell["cost"].tolist() == from_fixed(fixed_totals(cell, cost, cells)).tolist()
    assert per_cell["qs"].tolist() == from_fixed(fixed_totals(cell, quality, cells)).tolist()
    for name, rows in (("n", status >= 0), ("err", status != 0), ("tout", status == 2), ("trunc", truncated),
                       ("qn", ~np.isnan(quality))):
        assert per_cell[name].tolist() == np.bincount(cell[rows], minlength=cells).tolist(), name
