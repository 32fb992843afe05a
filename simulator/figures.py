"""Figures of one replay per site, feature, tenant and all traffic, from the per-row outcomes, in numpy.

A replay hands over its rows as columns (`OUTCOME_COLUMNS`); everything here is order-free, so the
figures do not depend on how DuckDB's threads delivered the rows:

* sums (cost, quality) are fixed point: every value is split into two integers (2^-20ths and the
  rest in 2^-56ths) added up as int64, the same whatever the order and whatever the other rows;
* percentiles are exact order statistics (`quantile_cont`'s interpolation): a histogram with ~2%-wide
  bins (a positive double's bits, shifted: monotone in the value) finds the bin holding each rank, and
  only the rows of those bins are partitioned;
* 95% intervals come from a seeded bootstrap over `BLOCKS` blocks of rows (`row_id % BLOCKS`): additive
  figures from per-block sums, percentiles from per-block histograms, centred on the exact value;
  every group of a kind at once, so thousands of tenants cost a few matrix products, not a loop.

A scenario that changes a few rows of the baseline does not summarise every row again: `Outcomes` keeps
the baseline's counts, integer sums and histograms (with each row's bin), and takes the changed rows'
old outcomes out and their new ones in — exact, because every summary is a count or an integer sum.
Only the values that changed move: a replay hands over every row it might change, and many come out
as they were, or change in some columns only (`stream=true` moves latencies, not costs).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from llmsight.records import Metric
from llmsight.simulator.fit import ANY

if TYPE_CHECKING:
    from llmsight.simulator.scenario import Scenario

OK, ERROR, TIMEOUT = 0, 1, 2        # status codes of the replayed rows
BLOCKS = 20               # bootstrap resamples hash blocks of rows, not single rows
BOOTSTRAP = 200
MANTISSA_SHIFT = 47       # log-like bins from a double's bits: 32 per doubling of the value, ~2% wide
GROUP_KINDS = ("site", "feature", "tenant", "all")
QUANTILES = (0.5, 0.95, 0.99)
# what a replay hands over per row: its (site, feature, tenant) combination, bootstrap block and outcome
OUTCOME_COLUMNS = ("grp", "blk", "status", "latency_ms", "ttft_ms", "cost_usd", "quality", "truncated")
FIXED_HIGH, FIXED_LOW = 20, 56   # fixed-point sums: whole 2^-20ths, then the rest in 2^-56ths
FEW_SEGMENTS = 64         # up to this many wanted bins are partitioned one by one, more are sorted at once
MIN_INTERVAL_ROWS = 100  # a group's latency percentiles get a bootstrap interval from this many calls
DENSE_CELLS = 1 << 22     # above this many (group, bin, block) cells, histograms are built sparse
REBUILD_SHARE = 0.25      # a scenario changing more of the rows is summarised afresh, not as an update


@dataclass
class GroupFigures:
    """One site / feature / tenant (or all traffic) under one scenario; each Metric has a 95% interval
    (latency percentiles from `MIN_INTERVAL_ROWS` calls: a bootstrap of fewer says little)."""

    kind: str
    key: str
    calls: int
    calls_per_day: float
    cost_per_call: Metric
    cost_per_day: Metric
    cost_per_month: Metric
    latency_p50_s: Metric
    latency_p95_s: Metric
    latency_p99_s: Metric
    ttft_p50_s: Metric | None
    error_rate: Metric
    timeout_rate: float
    quality: Metric | None
    truncated_rate: float


@dataclass
class ScenarioResult:
    scenario: "Scenario | None"
    groups: dict[tuple[str, str], GroupFigures]

    @property
    def total(self) -> GroupFigures:
        return self.groups[("all", ANY)]

    def of(self, kind: str, key: str) -> GroupFigures | None:
        return self.groups.get((kind, key))


@dataclass
class Groups:
    """The (site, feature, tenant) combinations the rows fall into: combination `grp` has codes
    `site[grp]`, `feature[grp]`, `tenant[grp]` (-1: none) and `names` turn codes back into names."""

    site: np.ndarray
    feature: np.ndarray
    tenant: np.ndarray
    names: dict[str, dict[int, str]]

    def keys(self, kind: str) -> tuple[np.ndarray, int]:
        """Each combination's key among the groups of one kind (0..n-1), and n."""
        if kind == "all":
            return np.zeros(len(self.site), dtype=np.int64), 1
        codes = getattr(self, kind).astype(np.int64) + (0 if kind == "site" else 1)
        return codes, int(codes.max(initial=-1)) + 1

    def label(self, kind: str, key: int) -> tuple[str, str]:
        if kind == "all":
            return kind, ANY
        code = key if kind == "site" else key - 1
        return kind, self.names[kind].get(code, "(none)")


@lru_cache(maxsize=1)
def _blas():
    """numpy's BLAS, held to one thread while figures are computed (`one_blas_thread`): a second BLAS
    thread spins after each product, against DuckDB's threads on few cores; these products are small."""
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def one_blas_thread():
    return _blas().limit(limits=1, user_api="blas")


def fixed_point(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Non-negative `values` (NaN counts as nothing) as integers A·2^-20 + B·2^-56 (B < 2^36, so 2^27
    rows per index cannot overflow): sums of them depend on no other row and not on the order."""
    v = np.fmax(values, 0.0)                      # costs and scores are never negative; NaN -> 0
    v *= 2.0 ** FIXED_HIGH                        # scaling by a power of two is exact
    high = np.floor(v)
    v -= high                                     # exact: the fraction below one 2^-20th
    v *= 2.0 ** (FIXED_LOW - FIXED_HIGH)
    np.rint(v, out=v)
    return high.astype(np.int64), v.astype(np.int64)


def fixed_point_sql(value: str) -> tuple[str, str]:
    """SQL of `fixed_point` (what DuckDB and, transpiled, Spark sum): a non-negative value (NULL counts as
    nothing) as whole 2^-20ths and the rest in 2^-56ths, rounded half to even, so their sums are exact
    whatever order the engine's threads add rows in."""
    scaled = f"(greatest(coalesce({value}, 0.0), 0.0) * {2.0 ** FIXED_HIGH!r})"
    return (f"CAST(floor({scaled}) AS BIGINT)",
            f"CAST(round_even(({scaled} - floor({scaled})) * {2.0 ** (FIXED_LOW - FIXED_HIGH)!r}, 0) AS BIGINT)")


def fixed_totals(index: np.ndarray, values: np.ndarray, size: int) -> np.ndarray:
    """Per-index sums of `fixed_point(values)`, as int64 (2 x size): exact, so they can be updated by
    subtracting some rows and adding others."""
    totals = np.zeros((2, size), dtype=np.int64)
    for part, total in zip(fixed_point(values), totals):
        np.add.at(total, index, part)
    return totals


def from_fixed(totals) -> np.ndarray:
    """The value of fixed-point totals (int64 arrays, or Python ints of any size an engine's sums give)."""
    return (np.ldexp(np.asarray(totals[0], dtype=np.float64), -FIXED_HIGH)
            + np.ldexp(np.asarray(totals[1], dtype=np.float64), -FIXED_LOW))


def value_bins(x: np.ndarray) -> np.ndarray:
    """Each value's ~2%-wide bin: a positive double's bits, shifted (monotone in the value; values
    below 1 share 1's bin), 0 .. BIN_SPAN-1."""
    return np.maximum(x, 1.0).view(np.int64) >> MANTISSA_SHIFT


BIN_SPAN = 1 << (63 - MANTISSA_SHIFT)     # a slot is coded `grp * BIN_SPAN + bin`


def bin_edge(bins) -> np.ndarray:
    """The smallest value of each bin: the inverse of `value_bins`."""
    return (np.asarray(bins, dtype=np.int64) << MANTISSA_SHIFT).view(np.float64)


@dataclass
class Histogram:
    """One value column's rows counted per slot — a (combination, bin) pair — and bootstrap block, with
    each row's slot, so that the rows of a few slots can be found again without sorting."""

    x: np.ndarray                 # per row: the value (not finite: in no slot)
    grp: np.ndarray               # per row: its combination
    blk: np.ndarray | None        # per row: its block (None: counts are not split by block)
    row_slot: np.ndarray          # per row: its slot, -1 when its value is not finite
    codes: np.ndarray             # per slot: grp * BIN_SPAN + bin, ascending
    counts: np.ndarray            # per slot: rows per block (slots x blocks)

    @classmethod
    def of(cls, x: np.ndarray, grp: np.ndarray, blk: np.ndarray | None = None) -> "Histogram":
        empty = cls(x, grp, blk, np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.int64),
                    np.zeros((0, BLOCKS if blk is not None else 1), dtype=np.int64))
        finite = np.isfinite(x)
        rows = None if finite.all() else np.flatnonzero(finite)       # None: every row (no gathers)
        codes, counts, _, slot = empty.updated(np.zeros(0, dtype=np.int64), rows,
                                               value_bins(x if rows is None else x[rows]))
        if rows is None:
            row_slot = slot.astype(np.int32)
        else:
            row_slot = np.full(len(x), -1, dtype=np.int32)
            row_slot[rows] = slot
        return cls(x, grp, blk, row_slot, codes, counts)

    def updated(self, old_rows: np.ndarray, new_rows: np.ndarray | None, new_bins: np.ndarray):
        """Slot codes and counts once the rows `old_rows` left their slots and `new_rows` (None: every
        row) joined the bins `new_bins` (in their combinations); with each old slot's new index (-1:
        emptied) and each joining row's slot. Counted in a dense (combination, bin) table when that is
        small (no sort)."""
        blocks = self.counts.shape[1]
        old = self.row_slot[old_rows]
        old_rows, old = old_rows[old >= 0], old[old >= 0]
        base_grp, base_bin = self.codes // BIN_SPAN, self.codes % BIN_SPAN
        new_grp = np.asarray(self.grp if new_rows is None else self.grp[new_rows], dtype=np.int64)
        if not len(base_bin) and not len(new_bins):
            return self.codes, self.counts, np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        first = int(min(base_bin.min(initial=BIN_SPAN), new_bins.min(initial=BIN_SPAN)))
        count = int(max(base_bin.max(initial=0), new_bins.max(initial=0))) - first + 1
        n_grp = int(max(base_grp.max(initial=0), new_grp.max(initial=0))) + 1
        dense = n_grp * count * blocks <= DENSE_CELLS
        if dense:
            base_code, new_code = base_grp * count + base_bin - first, new_grp * count + new_bins - first
            space = n_grp * count
        else:
            joining = new_grp * BIN_SPAN + new_bins
            codes = _union(self.codes, joining)
            base_code, new_code, space = np.searchsorted(codes, self.codes), np.searchsorted(codes, joining), len(codes)
        table = np.zeros((space, blocks), dtype=np.int64)
        table[base_code] = self.counts
        old_blk = self.blk[old_rows] if blocks > 1 else 0
        new_blk = (self.blk if new_rows is None else self.blk[new_rows]) if blocks > 1 else 0
        table -= np.bincount(base_code[old] * blocks + old_blk, minlength=space * blocks).reshape(-1, blocks)
        table += np.bincount(new_code * blocks + new_blk, minlength=space * blocks).reshape(-1, blocks)
        slot = np.flatnonzero(table.any(axis=1))
        slot_of = np.full(space, -1, dtype=np.int64)
        slot_of[slot] = np.arange(len(slot))
        codes = slot // count * BIN_SPAN + slot % count + first if dense else codes[slot]
        return codes, table[slot], slot_of[base_code], slot_of[new_code]


def distinct(x: np.ndarray, return_inverse: bool = False):
    """`np.unique` by sorting: numpy >= 2.3 hashes instead, 100x slower on a million distinct integers
    (0.8 s against 7 ms here) — and a million distinct slots is what thousands of tenants give."""
    order = np.argsort(x, kind="stable") if return_inverse else None
    ordered = x[order] if return_inverse else np.sort(x, axis=None)
    first = np.r_[True, ordered[1:] != ordered[:-1]] if len(ordered) else np.zeros(0, dtype=bool)
    if not return_inverse:
        return ordered[first]
    inverse = np.empty(len(x), dtype=np.int64)
    inverse[order] = np.cumsum(first) - 1
    return ordered[first], inverse


def _union(codes: np.ndarray, joining: np.ndarray) -> np.ndarray:
    """The sorted union of sorted distinct `codes` and any `joining`: the joining ones found by search and
    inserted (a scenario's few changed rows against a million slots, not a sort of all)."""
    extra = distinct(joining)
    if len(codes):
        at = np.minimum(np.searchsorted(codes, extra), len(codes) - 1)
        extra = extra[codes[at] != extra]
        return np.insert(codes, np.searchsorted(codes, extra), extra)
    return extra


@dataclass
class Distribution:
    """Exact quantiles of one value per group, and the per-block histogram cells for the bootstrap."""

    quantiles: dict[int, list[float]]     # group key -> value per requested quantile
    sizes: dict[int, int]                 # group key -> how many values its quantiles are of
    present: np.ndarray                   # the group keys with values, ascending
    bins: np.ndarray                      # per cell (a group's non-empty bin, by key then bin): its bin
    counts: np.ndarray                    # per cell: rows per block (cells x blocks)
    first: np.ndarray                     # per present key: its first cell
    last: np.ndarray                      # per present key: one past its last cell


    def subset(self, min_rows: int) -> "Distribution":
        """The groups with at least `min_rows` values (their cells only)."""
        lengths = self.last - self.first                  # every cell belongs to one group, in order
        keep = np.add.reduceat(self.counts.sum(axis=1), self.first) >= min_rows if len(lengths) else lengths > 0
        if keep.all():
            return self
        kept = set(self.present[keep].tolist())
        cells = np.repeat(keep, lengths)
        first = np.r_[0, np.cumsum(lengths[keep])[:-1]].astype(np.int64)
        return Distribution({k: v for k, v in self.quantiles.items() if k in kept},
                            {k: v for k, v in self.sizes.items() if k in kept}, self.present[keep],
                            self.bins[cells], self.counts[cells], first, first + lengths[keep])


NO_VALUES = Distribution({}, {}, np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros((0, BLOCKS)),
                         np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))


@dataclass
class Change:
    """Rows of a baseline a scenario replayed: `ri` (their indices) and, per column, their new values."""

    ri: np.ndarray
    columns: dict[str, np.ndarray]


class Moved(NamedTuple):
    """The rows of a histogram's value column that hold new values: `ri`, `mask` (True at them), `x`."""

    ri: np.ndarray
    mask: np.ndarray
    x: np.ndarray


def differing(base: np.ndarray, ri: np.ndarray, new: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The rows of `ri` whose `new` value is not bit for bit the one `base` holds, and those values: a row
    replayed to its baseline value leaves every summary as it was, so it need not be taken out and put
    back in (a replay hands over every row it might change; many come out as they were)."""
    old = base[ri]
    keep = old.view(np.int64) != new.view(np.int64) if base.dtype.kind == "f" else old != new
    return (ri, new) if keep.all() else (ri[keep], new[keep])


class RankCells(NamedTuple):
    """Where each group's wanted order statistics lie in its histogram (`rank_cells`)."""

    present: np.ndarray     # the group keys with values, ascending
    first: np.ndarray       # per present key: its first cell
    last: np.ndarray        # per present key: one past its last cell
    sizes: np.ndarray       # per present key: its values
    pos: np.ndarray         # per present key and quantile: the fractional rank (groups x quantiles)
    low: np.ndarray         # its floor
    high: np.ndarray        # its ceiling
    at: np.ndarray          # per present key, the floor ranks then the ceiling ranks: the cell holding it
    offset: np.ndarray      # and its rank among that cell's values

    def interpolated(self, values: np.ndarray) -> np.ndarray:
        """`quantile_cont` per present key and quantile from `values`, the order statistics at the floor
        ranks then the ceiling ranks (as `at`), interpolated as DuckDB does."""
        v_low, v_high = values[:, :self.pos.shape[1]], values[:, self.pos.shape[1]:]
        return np.where(self.high > self.low, v_low + (self.pos - self.low) * (v_high - v_low), v_low)


def rank_cells(cell: np.ndarray, per_cell: np.ndarray, probs: tuple[float, ...]) -> RankCells:
    """The cells (`cell`: key * BIN_SPAN + bin, ascending; `per_cell`: values in each) holding the order
    statistics `quantile_cont(probs)` interpolates between, per group key: the one rank location shared
    by quantiles from rows (`distributions`) and from an engine's histograms (`replay`)."""
    cum = np.cumsum(per_cell)
    cell_key = cell // BIN_SPAN
    present = distinct(cell_key)
    first, last = np.searchsorted(cell_key, present, "left"), np.searchsorted(cell_key, present, "right")
    before = np.where(first > 0, cum[np.maximum(first - 1, 0)], 0)
    sizes = cum[last - 1] - before if len(present) else np.zeros(0, dtype=np.int64)
    pos = (sizes[:, None] - 1) * np.asarray(probs)[None, :]
    low, high = np.floor(pos).astype(np.int64), np.ceil(pos).astype(np.int64)
    ranks = before[:, None] + np.concatenate([low, high], axis=1)  # ranks in cell order
    at = np.searchsorted(cum, ranks, side="right")
    return RankCells(present, first, last, sizes, pos, low, high, at, ranks - (cum[at] - per_cell[at]))


def distributions(h: Histogram, kinds: dict[str, np.ndarray], probs: tuple[float, ...],
                  moved: Moved | None = None) -> dict[str, Distribution]:
    """`quantile_cont(x, probs)` per group of every kind, exactly, without sorting all rows.

    Each kind's histogram rolls up from the slot counts (`kinds`: kind -> group key of each combination)
    and finds the bin of each wanted rank; only the rows of those bins are selected, and partitioned
    unless they all hold one value. With `moved`, the histogram's rows `moved.ri` hold the new values
    `moved.x`: the counts are updated and the selection takes the new values of those rows, at the cost
    of the moved rows only."""
    codes, counts, base_slot = h.codes, h.counts, np.arange(len(h.codes))
    if moved is not None:
        finite = np.flatnonzero(np.isfinite(moved.x))
        new_x = moved.x[finite]
        codes, counts, base_slot, new_slot = h.updated(moved.ri, moved.ri[finite], value_bins(new_x))
    if len(codes) == 0:
        return {kind: NO_VALUES for kind in kinds}
    slot_grp, slot_bin = codes // BIN_SPAN, codes % BIN_SPAN
    located, wanted_any = {}, np.zeros(len(codes), dtype=bool)
    for kind, key_of in kinds.items():
        cell_code = key_of[slot_grp] * BIN_SPAN + slot_bin
        order = np.argsort(cell_code, kind="stable")
        first_of = np.r_[True, cell_code[order][1:] != cell_code[order][:-1]]
        starts = np.flatnonzero(first_of)
        cell = cell_code[order][starts]                                    # (key, bin), ascending
        slot_cell = np.empty(len(order), dtype=np.int64)
        slot_cell[order] = np.cumsum(first_of) - 1
        cell_counts = np.add.reduceat(counts[order], starts, axis=0)
        per_cell = cell_counts.sum(axis=1)
        ranks = rank_cells(cell, per_cell, probs)
        wanted = distinct(ranks.at)
        wanted_any |= np.isin(slot_cell, wanted, kind="table")
        located[kind] = (ranks, wanted, per_cell, slot_cell, order, starts, cell, cell_counts)
    # the rows of every wanted slot: the histogram's own (but those changed) and the changed rows' new values
    wanted_base = np.append(wanted_any[base_slot] & (base_slot >= 0), False)        # slot -1: no value
    rows = np.flatnonzero(wanted_base[h.row_slot])
    if moved is not None:
        rows = rows[~moved.mask[rows]]
    sub_slot, sub_x = base_slot[h.row_slot[rows]], h.x[rows]
    if moved is not None:
        picked_new = wanted_any[new_slot]
        sub_slot, sub_x = np.r_[sub_slot, new_slot[picked_new]], np.r_[sub_x, new_x[picked_new]]
    # slots whose rows all hold one value (a timeout, the cache latency): a bin of them needs no sorting
    slot_value = np.full(len(codes), np.nan)
    slot_value[sub_slot] = sub_x
    spread = np.bincount(sub_slot, weights=np.abs(sub_x - slot_value[sub_slot]), minlength=len(codes))
    tied_low = np.where(spread == 0, slot_value, -np.inf)
    tied_high = np.where(spread == 0, slot_value, np.inf)
    out = {}
    for kind, (ranks, wanted, per_cell, slot_cell, order, starts, cell, cell_counts) in located.items():
        at = ranks.at
        cell_low = np.minimum.reduceat(tied_low[order], starts)
        tied = cell_low == np.maximum.reduceat(tied_high[order], starts)
        live = wanted[~tied[wanted]]
        segment_of = np.full(len(per_cell), -1, dtype=np.int16 if len(live) < 1 << 15 else np.int64)
        segment_of[live] = np.arange(len(live))                 # small codes: a radix sort groups them
        segment = segment_of[slot_cell[sub_slot]]
        keep = np.flatnonzero(segment >= 0)
        picked = sub_x[keep[np.argsort(segment[keep], kind="stable")]]
        seg_start = np.r_[0, np.cumsum(per_cell[live])[:-1]].astype(np.int64)
        index = np.where(tied[at], 0, seg_start[np.maximum(segment_of[at], 0)] + ranks.offset)   # order statistics
        if len(live) > FEW_SEGMENTS:        # many small bins: one sort of all of them, by bin then value
            picked = picked[np.lexsort((picked, np.repeat(np.arange(len(live)), per_cell[live])))]
        else:                               # a few bins, maybe large: partition each at its wanted ranks
            for a, size in zip(seg_start, per_cell[live]):
                picked[a:a + size].partition(distinct(index[~tied[at] & (index >= a) & (index < a + size)] - a))
        result = ranks.interpolated(np.where(tied[at], cell_low[at], picked[index] if picked.size else 0.0))
        out[kind] = Distribution({int(key): [float(v) for v in row] for key, row in zip(ranks.present, result)},
                                 dict(zip(ranks.present.tolist(), ranks.sizes.tolist())),
                                 ranks.present, cell % BIN_SPAN, cell_counts, ranks.first, ranks.last)
    return out


def percentile_spreads(d: Distribution, with_all: np.ndarray, chunk: int = 1 << 22) -> np.ndarray:
    """Bootstrap samples of each quantile of every group, as offsets from the whole sample's histogram
    estimate (resample 0 of `with_all`; the offsets are added to the exact value): groups x quantiles x
    resamples, NaN where a resample holds none of the group's rows.

    All groups at once: each resample's counts per cell, cumulated across every group's cells, and one
    search per resample for every group's wanted rank (resamples in chunks of bounded memory)."""
    n_rep = with_all.shape[0]
    values = np.full((len(d.present), len(QUANTILES), n_rep), np.nan)
    low_edge, high_edge = bin_edge(d.bins), bin_edge(d.bins + 1)
    step = max(1, chunk // max(1, len(d.bins)))
    for r0 in range(0, n_rep if len(d.present) else 0, step):
        counts = with_all[r0:r0 + step] @ d.counts.T           # resamples x cells
        cum = np.cumsum(counts, axis=1)
        before = np.where(d.first > 0, cum[:, np.maximum(d.first - 1, 0)], 0.0)   # resamples x groups
        totals = cum[:, d.last - 1] - before
        # one search for all resamples: each resample's running counts lifted above the previous one's
        lift = (np.arange(len(cum)) * (cum[:, -1].max() + 1.0))[:, None]
        flat = (cum + lift).ravel()
        for qi, p in enumerate(QUANTILES):
            target = before + totals * p
            at = np.searchsorted(flat, (target + lift).ravel(), side="left").reshape(target.shape)
            at = np.clip(at - np.arange(len(cum))[:, None] * cum.shape[1], d.first, d.last - 1)   # within its group
            prev = np.where(at > d.first, np.take_along_axis(cum, np.maximum(at - 1, 0), axis=1), before)
            width = np.take_along_axis(counts, at, axis=1)
            with np.errstate(invalid="ignore", divide="ignore"):
                frac = np.where(width > 0, (target - prev) / np.where(width > 0, width, 1.0), 0.0)
            v = low_edge[at] + frac * (high_edge[at] - low_edge[at])
            values[:, qi, r0:r0 + len(counts)] = np.where(totals > 0, v, np.nan).T
    return values[:, :, 1:] - values[:, :, :1]


def intervals(samples: np.ndarray) -> np.ndarray:
    """The 2.5% and 97.5% points (linear interpolation) of the finite samples along the last axis,
    NaN where there are none: one sort for every row at once (np.nanpercentile goes row by row)."""
    ordered = np.sort(np.where(np.isfinite(samples), samples, np.nan), axis=-1)    # NaN sorts last
    n = np.isfinite(ordered).sum(axis=-1)
    out = np.full(samples.shape[:-1] + (2,), np.nan)
    for i, p in enumerate((0.025, 0.975)):
        pos = np.maximum(n - 1, 0) * p
        low = np.floor(pos).astype(np.int64)
        high = np.minimum(low + 1, np.maximum(n - 1, 0))
        a = np.take_along_axis(ordered, low[..., None], axis=-1)[..., 0]
        b = np.take_along_axis(ordered, high[..., None], axis=-1)[..., 0]
        out[..., i] = np.where(n > 0, a + (pos - low) * (b - a), np.nan)
    return out


def column(values, dtype=np.float64) -> np.ndarray:
    """A fetched column as a plain array (NULL -> NaN for floats)."""
    if isinstance(values, np.ma.MaskedArray):
        return values.astype(dtype).filled(np.nan if np.dtype(dtype).kind == "f" else 0)
    return values if values.dtype == dtype else values.astype(dtype)


class Outcomes:
    """The per-row outcomes (`OUTCOME_COLUMNS`) of one replay, summarised once: outcome counts and
    fixed-point sums per (combination, block), latency and TTFT histograms. A scenario that changes a
    few rows of a baseline gets its figures from the baseline's summaries updated by those rows
    (`figures(changed=...)`): the same numbers, bit for bit, as summarising its rows from scratch. Each
    summary is updated by the rows whose values in its columns changed, or rebuilt when they are many;
    one whose columns no row changed is the baseline's (its distributions computed once)."""

    def __init__(self, columns: dict, groups: Groups):
        self.groups = groups
        grp = column(columns["grp"], np.int64)
        # small integer columns stay small: numpy widens them inside each expression
        self.columns = {"grp": grp, **{c: np.asarray(columns[c]) for c in ("blk", "status", "truncated")},
                        **{c: column(columns[c]) for c in ("latency_ms", "ttft_ms", "cost_usd", "quality")}}
        self.n_cells = len(groups.site) * BLOCKS
        self.cell = grp * BLOCKS + self.columns["blk"]
        self.outcome = self._outcome(self.columns)
        self.flags = self._flags(self.cell, self.outcome)
        self.sums = {f: fixed_totals(self.cell, self.columns[c], self.n_cells)
                     for f, c in (("cost", "cost_usd"), ("qs", "quality"))}
        self.latency = Histogram.of(self.columns["latency_ms"], grp, self.columns["blk"])
        self.ttft = Histogram.of(self.columns["ttft_ms"], grp)
        # value column -> its distributions, once asked: the only state that changes after this point.
        # `Simulation.run` asks from its one figures worker, the explorer under its lock: one thread at a
        # time. Entries are added whole and never removed, and the memo is read once, so even two threads
        # at once would at worst compute the same distributions twice, never read a missing or partial one.
        self._own: dict[str, dict[str, Distribution]] = {}

    @staticmethod
    def _outcome(c: dict) -> np.ndarray:
        """Each row's outcome among the 12 the counts tell apart: status x truncated x has-quality."""
        return (c["status"] * 4 + c["truncated"] * 2 + ~np.isnan(c["quality"])).astype(np.int8)

    def _flags(self, cell: np.ndarray, outcome: np.ndarray) -> np.ndarray:
        """Rows per (combination, block) and outcome."""
        return np.bincount(cell * 12 + outcome, minlength=self.n_cells * 12)

    def _merged(self, name: str, ri: np.ndarray, values: np.ndarray) -> np.ndarray:
        """Column `name` with the rows `ri` holding `values`."""
        merged = self.columns[name].copy()
        merged[ri] = values
        return merged

    def _rebuilds(self, rows: np.ndarray) -> bool:
        """Whether a summary changed in these many rows is summarised afresh rather than updated."""
        return len(rows) > REBUILD_SHARE * len(self.cell)

    def _totals(self, changed: Change | None) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Outcome counts and fixed-point sums per (combination, block), with the old outcomes of the
        `changed` rows whose outcome changed taken out and their new ones put in."""
        if changed is None:
            return self.flags, self.sums
        old, new = self.outcome[changed.ri], self._outcome(changed.columns)
        moved = old != new
        flags = self.flags
        if moved.any():
            cell = self.cell[changed.ri[moved]]
            flags = flags - self._flags(cell, old[moved]) + self._flags(cell, new[moved])
        sums = {}
        for figure, name in (("cost", "cost_usd"), ("qs", "quality")):
            rows, values = differing(self.columns[name], changed.ri, changed.columns[name])
            if not len(rows):
                sums[figure] = self.sums[figure]
            elif self._rebuilds(rows):
                sums[figure] = fixed_totals(self.cell, self._merged(name, rows, values), self.n_cells)
            else:
                cell = self.cell[rows]
                sums[figure] = (self.sums[figure] - fixed_totals(cell, self.columns[name][rows], self.n_cells)
                                + fixed_totals(cell, values, self.n_cells))
        return flags, sums

    def _distributions(self, name: str, key_of: dict[str, np.ndarray], changed: Change | None) -> dict[str, Distribution]:
        """Per kind, the `Distribution` of the value column `name` (latency_ms or ttft_ms) with the `changed`
        rows' new values."""
        h, probs = (self.latency, QUANTILES) if name == "latency_ms" else (self.ttft, (0.5,))
        rows, values = (None, None) if changed is None else differing(self.columns[name], changed.ri,
                                                                       changed.columns[name])
        if rows is None or not len(rows):
            own = self._own.get(name)
            if own is None:
                own = self._own[name] = distributions(h, key_of, probs)
            return own
        if self._rebuilds(rows):
            return distributions(Histogram.of(self._merged(name, rows, values), h.grp, h.blk), key_of, probs)
        mask = np.zeros(len(self.cell), dtype=bool)
        mask[rows] = True
        return distributions(h, key_of, probs, Moved(rows, mask, values))

    def change(self, ri: np.ndarray, columns: dict) -> Change:
        """The rows `ri` replayed, with their new outcome columns (status, latency_ms, ... of those rows)."""
        return Change(ri, {name: column(values, self.columns[name].dtype) for name, values in columns.items()})

    def figures(self, seed: int, days: float, source: str = "traffic", bootstrap: int = BOOTSTRAP,
                changed: Change | None = None, prior: str | None = None) -> dict[tuple[str, str], GroupFigures]:
        """Figures of every group, of these rows or (`changed`) of these rows with some replaced; with
        `prior` (what the changed rows were replayed from: a model the traffic never saw), the figures
        of every group holding a changed row are labelled `prior` with it, not `source`."""
        estimated = None
        if prior is not None and changed is not None and len(changed.ri):
            estimated = (distinct(self.columns["grp"][changed.ri]), prior)
        with one_blas_thread():
            return self._figures(seed, days, source, bootstrap, changed, estimated)

    def _figures(self, seed: int, days: float, source: str, bootstrap: int, changed: Change | None,
                 estimated: tuple[np.ndarray, str] | None = None) -> dict[tuple[str, str], GroupFigures]:
        groups = self.groups
        if self.cell.size == 0:
            return {}
        flags, sums = self._totals(changed)
        flags = flags.reshape(self.n_cells, 3, 2, 2)
        per_cell = {"n": flags.sum(axis=(1, 2, 3)), "err": flags[:, 1:].sum(axis=(1, 2, 3)),
                    "tout": flags[:, TIMEOUT].sum(axis=(1, 2)), "trunc": flags[:, :, 1].sum(axis=(1, 2)),
                    "qn": flags[:, :, :, 1].sum(axis=(1, 2)),
                    "cost": from_fixed(sums["cost"]), "qs": from_fixed(sums["qs"])}
        key_of = {kind: groups.keys(kind)[0] for kind in GROUP_KINDS}
        lat_all = self._distributions("latency_ms", key_of, changed)
        ttft_all = self._distributions("ttft_ms", key_of, changed)
        return assemble(groups, per_cell, lat_all, ttft_all, seed, days, source, bootstrap, estimated)


def assemble(groups: Groups, per_cell: dict[str, np.ndarray], lat_all: dict[str, Distribution],
             ttft_all: dict[str, Distribution], seed: int, days: float, source: str, bootstrap: int,
             estimated: tuple[np.ndarray, str] | None = None) -> dict[tuple[str, str], GroupFigures]:
    """Every group's figures from the summaries of one replay, however they were computed (here from its
    rows, or by an engine's grouped aggregates: `replay.aggregated_figures`): `per_cell`, the counts and
    sums per (combination, block) cell (`grp * BLOCKS + blk`); per kind, the latency and TTFT
    `Distribution`s; `estimated`: the combinations whose figures rest on a prior, and the prior."""
    rng = np.random.default_rng(seed)
    weights = rng.multinomial(BLOCKS, [1.0 / BLOCKS] * BLOCKS, size=bootstrap).astype(float)   # B x BLOCKS
    with_all = np.vstack([np.ones(BLOCKS), weights])      # row 0: the whole sample
    kinds = {kind: groups.keys(kind) for kind in GROUP_KINDS}
    out: dict[tuple[str, str], GroupFigures] = {}
    for kind, (key_of, n_keys) in kinds.items():
        lat, first = lat_all[kind], ttft_all[kind]
        # additive sums per (group, block), rolled up from the (combination, block) cells
        cell_key = np.repeat(key_of, BLOCKS) * BLOCKS + np.tile(np.arange(BLOCKS), len(key_of))
        sums = {f: np.bincount(cell_key, weights=v, minlength=n_keys * BLOCKS).reshape(n_keys, BLOCKS)
                for f, v in per_cell.items()}
        keys = np.flatnonzero(sums["n"].sum(axis=1))
        t = {f: v[keys] for f, v in sums.items()}                              # groups x blocks
        star = {f: t[f] @ weights.T for f in ("n", "cost", "err", "qs", "qn")}   # groups x resamples
        with np.errstate(invalid="ignore", divide="ignore"):
            ci = {"cost_call": intervals(star["cost"] / star["n"]), "cost_day": intervals(star["cost"] / days),
                  "err": intervals(star["err"] / star["n"]), "q": intervals(star["qs"] / star["qn"])}
        spread = np.full((len(keys), len(QUANTILES), 2), np.nan)
        big = lat.subset(MIN_INTERVAL_ROWS)
        has = np.isin(keys, big.present, kind="table")
        spread[has] = intervals(percentile_spreads(big, with_all))[np.searchsorted(big.present, keys[has])]
        # plain Python numbers per group: thousands of tenants make thousands of GroupFigures
        totals = {f: v.sum(axis=1).tolist() for f, v in t.items()}
        bounds = {name: c.tolist() for name, c in ci.items()}
        spreads = spread.tolist()
        prior_keys = set() if estimated is None else set(key_of[estimated[0]].tolist())
        for i, key in enumerate(keys.tolist()):
            label = groups.label(kind, key)
            by_prior = estimated is not None and key in prior_keys
            out[label] = _group(label, {f: v[i] for f, v in totals.items()}, days,
                                ("prior", estimated[1]) if by_prior else (source, None),
                                lat.quantiles.get(key), first.quantiles.get(key, [None])[0],
                                (lat.sizes.get(key, 0), first.sizes.get(key, 0)),
                                {**{name: b[i] for name, b in bounds.items()}, **dict(zip(QUANTILES, spreads[i]))})
    return out


def figures(columns: dict, groups: Groups, seed: int, days: float, source: str = "traffic",
            bootstrap: int = BOOTSTRAP) -> dict[tuple[str, str], GroupFigures]:
    """Figures of every group from the outcome columns (`OUTCOME_COLUMNS`) of one replay."""
    return Outcomes(columns, groups).figures(seed, days, source, bootstrap)


def _group(label: tuple[str, str], t: dict[str, float], days: float, origin: tuple[str, str | None],
           latency: list[float] | None, ttft: float | None, counted: tuple[int, int], ci: dict) -> GroupFigures:
    """One group's figures from its totals (`t`: calls, cost, errors, ...) and the intervals (`ci`: name ->
    [low, high], NaN when none; latency quantiles as offsets from the exact value); `counted`: how many
    latencies and TTFTs the percentiles are of (their `n`); `origin`: every figure's source and prior."""
    source, prior = origin
    n = int(t["n"])
    cost, qn = t["cost"], int(t["qn"])

    def metric(value, name, scale=1.0, shift=False, count=n):
        low, high = ci.get(name, (math.nan, math.nan))
        if value is None or not (math.isfinite(low) and math.isfinite(high)):
            return Metric(value, source=source, n=count, prior=prior)
        base = value if shift else 0.0
        return Metric(value, base + low * scale, base + high * scale, source=source, n=count, prior=prior)

    seconds = [v / 1000 for v in latency] if latency is not None else [None] * len(QUANTILES)
    quality = t["qs"] / qn if qn else None
    return GroupFigures(
        kind=label[0], key=label[1], calls=n, calls_per_day=n / days,
        cost_per_call=metric(cost / n, "cost_call"), cost_per_day=metric(cost / days, "cost_day"),
        cost_per_month=metric(cost / days * 30, "cost_day", 30.0),
        latency_p50_s=metric(seconds[0], 0.5, 1 / 1000, shift=True, count=counted[0]),
        latency_p95_s=metric(seconds[1], 0.95, 1 / 1000, shift=True, count=counted[0]),
        latency_p99_s=metric(seconds[2], 0.99, 1 / 1000, shift=True, count=counted[0]),
        ttft_p50_s=Metric(ttft / 1000, source=source, n=counted[1], prior=prior) if ttft is not None else None,
        error_rate=metric(t["err"] / n, "err"), timeout_rate=t["tout"] / n,
        quality=metric(quality, "q", count=qn) if quality is not None else None,
        truncated_rate=t["trunc"] / n,
    )


def aggregate(con, relation: str, seed: int, days: float, names: dict[str, dict[int, str]], source: str = "traffic",
              bootstrap: int = BOOTSTRAP) -> dict[tuple[str, str], GroupFigures]:
    """Figures of a relation with per-row outcomes keyed by `site_c, feature_c, tenant_c` (and `blk`):
    the combinations are found here, for callers that did not number them beforehand."""
    cols = con.execute(f"SELECT site_c, feature_c, tenant_c, {', '.join(OUTCOME_COLUMNS[1:])} "
                       f"FROM {relation}").fetchnumpy()
    site, feature, tenant = (column(cols.pop(c), np.int64) + 1 for c in ("site_c", "feature_c", "tenant_c"))
    n_feature, n_tenant = int(feature.max(initial=0)) + 1, int(tenant.max(initial=0)) + 1
    combos, cols["grp"] = distinct((site * n_feature + feature) * n_tenant + tenant, return_inverse=True)
    groups = Groups(combos // (n_feature * n_tenant) - 1, combos // n_tenant % n_feature - 1, combos % n_tenant - 1, names)
    return figures(cols, groups, seed, days, source, bootstrap)
