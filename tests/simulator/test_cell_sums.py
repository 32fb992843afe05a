"""Figures from an engine's grouped aggregates (`replay.cell_totals`, what Spark hands over): a cell's counts
and fixed-point sums, the sums 38-digit decimals read as whole numbers — exact past an int64, and the
same bits as the rows' `fixed_totals` below it."""
from __future__ import annotations

import duckdb
import numpy as np

from llmsight.simulator.figures import BLOCKS, fixed_totals, from_fixed
from llmsight.simulator.replay import cell_totals


def test_sums_past_int64_are_exact():
    """Four calls of 2^42 USD (hostile, but a logged cost is kept for a model without a price) in one cell:
    2^62 whole 2^-20ths each, 2^64 together."""
    con = duckdb.connect()
    con.execute("CREATE TABLE outcomes AS SELECT 1 AS grp, 3 AS blk, 0 AS status, false AS truncated, "
                "2.0 ^ 42 AS cost_usd, 0.25 AS quality FROM range(4)")
    per_cell = cell_totals(con, "outcomes", 2 * BLOCKS)
    at = 1 * BLOCKS + 3
    assert per_cell["cost"][at] == 2.0 ** 44 and per_cell["qs"][at] == 1.0
    assert per_cell["n"][at] == per_cell["qn"][at] == 4
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
