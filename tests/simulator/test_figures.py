"""The per-group figures of a replay: exact percentiles without a full sort, order-free sums, and every
group kind from the same rows — checked against numpy's own quantiles and sums on awkward data (ties,
single-row groups, missing values, many groups that take the sparse path)."""
from __future__ import annotations

import math

import numpy as np
import pytest

from llmsight.simulator import figures as F

PROBS = (0.0, 0.25, 0.5, 0.95, 0.99, 1.0)


def _data(rng, n: int, groups: int):
    keys = rng.integers(0, groups, n)
    x = rng.lognormal(7, 1.5, n)
    x[rng.random(n) < 0.2] = 5000.0                 # a timeout: one value many rows share
    x[rng.random(n) < 0.05] = 50.0                  # the response cache latency
    x[rng.random(n) < 0.05] = rng.random(int((rng.random(n) < 0.05).sum()) or 1)[0]   # below 1 ms
    x = np.round(x, 1)                              # more ties
    x[rng.random(n) < 0.03] = np.nan                # no TTFT
    return keys, x


@pytest.mark.parametrize("dense", [True, False])
@pytest.mark.parametrize("n, groups", [(50_000, 7), (3_000, 400), (5, 3)])
def test_quantiles_are_exact_per_group_of_every_kind(monkeypatch, dense, n, groups):
    if not dense:
        monkeypatch.setattr(F, "DENSE_CELLS", 0)
    rng = np.random.default_rng(n + groups)
    grp, x = _data(rng, n, groups)
    kinds = {"one": np.arange(groups), "halves": np.arange(groups) % 2, "all": np.zeros(groups, dtype=np.int64)}
    blk = rng.integers(0, F.BLOCKS, n)
    out = F.distributions(F.Histogram.of(x, grp, blk), kinds, PROBS)
    finite = np.isfinite(x)
    for kind, key_of in kinds.items():
        keys = key_of[grp]
        for key in np.unique(keys[finite]):
            values = x[finite & (keys == key)]
            want = np.quantile(values, PROBS)
            assert out[kind].quantiles[int(key)] == pytest.approx(list(want), rel=1e-12, abs=1e-12)
            d = out[kind]
            at = int(np.searchsorted(d.present, key))
            assert d.counts[d.first[at]:d.last[at]].sum() == len(values)
        assert set(out[kind].quantiles) == {int(k) for k in np.unique(keys[finite])}


def test_a_column_without_finite_values_has_no_quantiles():
    h = F.Histogram.of(np.array([np.nan, np.inf]), np.array([0, 1]))
    out = F.distributions(h, {"one": np.arange(2)}, (0.5,))
    assert out["one"].quantiles == {}


def test_bins_are_monotone_and_invertible():
    x = np.sort(np.random.default_rng(1).lognormal(5, 3, 100_000))
    bins = F.value_bins(x)
    assert np.all(np.diff(bins) >= 0) and bins.max() < F.BIN_SPAN
    assert np.all(F.bin_edge(bins) <= np.maximum(x, 1.0)) and np.all(np.maximum(x, 1.0) < F.bin_edge(bins + 1))


def _sums(index, values, size):
    return F.from_fixed(F.fixed_totals(index, values, size))


def test_sums_do_not_depend_on_row_order():
    rng = np.random.default_rng(2)
    values = rng.lognormal(-8, 2, 200_000)
    values[rng.random(len(values)) < 0.1] = np.nan
    index = rng.integers(0, 40, len(values))
    a = _sums(index, values, 40)
    perm = rng.permutation(len(values))
    b = _sums(index[perm], values[perm], 40)
    assert a.tobytes() == b.tobytes()
    for i in range(40):
        chosen = values[(index == i) & ~np.isnan(values)]
        assert a[i] == pytest.approx(math.fsum(chosen), rel=1e-12)
    # a group's sum does not move when other groups' rows change (a scoped scenario leaves them as observed)
    other = np.where(index == 0, values, values * 1000)
    assert _sums(index, other, 40)[0] == a[0]


def test_figures_of_every_group_kind_match_the_rows():
    rng = np.random.default_rng(3)
    n = 30_000
    site, feature, tenant = rng.integers(0, 4, n), rng.integers(-1, 2, n), rng.integers(-1, 3, n)
    combos, grp = np.unique((site * 3 + feature + 1) * 4 + tenant + 1, return_inverse=True)
    groups = F.Groups(combos // 12, combos // 4 % 3 - 1, combos % 4 - 1,
                      {"site": {i: f"s{i}" for i in range(4)}, "feature": {0: "chat", 1: "rag"},
                       "tenant": {0: "a", 1: "b", 2: "c"}})
    status = rng.choice([F.OK, F.ERROR, F.TIMEOUT], n, p=[0.9, 0.07, 0.03])
    latency = rng.lognormal(7, 1, n)
    quality = np.where(rng.random(n) < 0.5, rng.random(n), np.nan)
    cost = rng.random(n) / 100
    cols = {"grp": grp.astype(np.int32), "blk": (np.arange(n) % F.BLOCKS).astype(np.int8),
            "status": status.astype(np.int8), "latency_ms": latency,
            "ttft_ms": np.where(status == F.OK, latency / 3, np.nan), "cost_usd": cost, "quality": quality,
            "truncated": rng.random(n) < 0.1}
    out = F.figures(cols, groups, seed=0, days=2.0, bootstrap=50)
    for kind, codes, names in (("site", site, groups.names["site"]), ("feature", feature, groups.names["feature"]),
                               ("tenant", tenant, groups.names["tenant"]), ("all", np.zeros(n), {0: F.ANY})):
        for code in np.unique(codes):
            rows = codes == code
            f = out[(kind, names.get(int(code), "(none)"))]
            assert f.calls == rows.sum()
            assert f.cost_per_day.value == pytest.approx(cost[rows].sum() / 2.0, rel=1e-12)
            assert f.error_rate.value == pytest.approx((status[rows] != F.OK).mean())
            assert f.timeout_rate == pytest.approx((status[rows] == F.TIMEOUT).mean())
            assert f.quality.value == pytest.approx(np.nanmean(quality[rows]), rel=1e-12)
            assert f.latency_p95_s.value * 1000 == pytest.approx(np.quantile(latency[rows], 0.95), rel=1e-12)
            assert f.latency_p95_s.low <= f.latency_p95_s.value <= f.latency_p95_s.high
            assert f.ttft_p50_s.value * 1000 == pytest.approx(np.nanmedian(cols["ttft_ms"][rows]), rel=1e-12)
            assert f.truncated_rate == pytest.approx(cols["truncated"][rows].mean())


def test_thousands_of_tenants_get_exact_figures_and_intervals_only_where_the_calls_allow():
    rng = np.random.default_rng(4)
    n = 40_000
    tenant = np.where(rng.random(n) < 0.5, 0, rng.integers(1, 3000, n))      # one big tenant, many small
    combos, grp = np.unique(tenant, return_inverse=True)
    groups = F.Groups(np.zeros(len(combos), dtype=np.int64), np.full(len(combos), -1), combos,
                      {"site": {0: "a.py:1"}, "feature": {}, "tenant": {int(t): f"t{t}" for t in combos}})
    latency = rng.lognormal(7, 1, n)
    cols = {"grp": grp, "blk": np.arange(n) % F.BLOCKS, "status": np.zeros(n, dtype=np.int8), "latency_ms": latency,
            "ttft_ms": latency / 4, "cost_usd": np.full(n, 0.001), "quality": np.full(n, np.nan),
            "truncated": np.zeros(n, dtype=bool)}
    out = F.figures(cols, groups, seed=1, days=1.0)
    assert len([k for k in out if k[0] == "tenant"]) == len(combos)
    big, small = out[("tenant", "t0")], next(f for k, f in out.items() if k[0] == "tenant" and f.calls < 20)
    assert big.latency_p95_s.low < big.latency_p95_s.value < big.latency_p95_s.high
    assert small.latency_p95_s.low is None and small.latency_p95_s.value * 1000 == pytest.approx(
        np.quantile(latency[tenant == int(small.key[1:])], 0.95), rel=1e-12)
    assert small.cost_per_day.low is not None                  # additive figures keep their intervals


def _outcomes(rng, n: int, groups: int) -> dict:
    status = rng.choice([F.OK, F.ERROR, F.TIMEOUT], n, p=[0.8, 0.1, 0.1]).astype(np.int8)
    latency = np.where(status == F.TIMEOUT, 5000.0, np.round(rng.lognormal(7, 1.2, n), 1))
    return {"grp": rng.integers(0, groups, n).astype(np.int32), "blk": rng.integers(0, F.BLOCKS, n).astype(np.int8),
            "status": status, "latency_ms": latency,
            "ttft_ms": np.where(status == F.OK, latency / 3, np.nan), "cost_usd": rng.random(n) / 50,
            "quality": np.where(rng.random(n) < 0.6, rng.random(n), np.nan), "truncated": rng.random(n) < 0.05}


@pytest.mark.parametrize("dense", [True, False])
@pytest.mark.parametrize("share", [0.0005, 0.05, 0.6, 1.0])
def test_a_baseline_updated_by_the_changed_rows_gives_the_figures_of_the_rows_themselves(monkeypatch, dense, share):
    """`run` summarises the baseline once and updates it by each scenario's changed rows: every figure must
    be the one summarising the scenario's rows from scratch gives, bit for bit — rows that move to new
    bins (beyond the baseline's range), lose or gain their TTFT, and empty whole slots included."""
    monkeypatch.setattr(F, "REBUILD_SHARE", 1.0)              # always update, however many rows changed
    if not dense:
        monkeypatch.setattr(F, "DENSE_CELLS", 0)
    rng = np.random.default_rng(int(share * 10_000) + dense)
    n, n_grp = 20_000, 9
    combos = np.arange(n_grp)
    groups = F.Groups(combos % 3, combos // 3 - 1, np.full(n_grp, -1),
                      {"site": {i: f"s{i}" for i in range(3)}, "feature": {0: "chat", 1: "rag"}, "tenant": {}})
    base = _outcomes(rng, n, n_grp)
    ri = rng.choice(n, max(1, int(share * n)), replace=False)
    new = {name: values[: len(ri)] for name, values in _outcomes(rng, len(ri), n_grp).items()
           if name not in ("grp", "blk")}
    new["latency_ms"][: len(ri) // 3] *= 1000                 # far beyond any baseline bin
    new["ttft_ms"][len(ri) // 3:] = np.nan if share < 1 else new["ttft_ms"][len(ri) // 3:]
    merged = {name: values.copy() for name, values in base.items()}
    for name, values in new.items():
        merged[name][ri] = values
    summary = F.Outcomes(base, groups)
    updated = summary.figures(seed=2, days=3.0, changed=summary.change(ri, new))
    assert updated == F.figures(merged, groups, seed=2, days=3.0)
    assert updated != summary.figures(seed=2, days=3.0)


@pytest.mark.parametrize("rebuild_share", [0.0, 0.25, 1.0])
def test_rows_replayed_to_their_baseline_values_leave_the_figures_of_the_rows_themselves(monkeypatch, rebuild_share):
    """A replay hands over every row it might change: rows that come out as they were, and columns no row
    changed (stream=true moves latencies only), are left out of the update; the figures are still those
    of the scenario's rows from scratch, whether each summary is updated or rebuilt."""
    monkeypatch.setattr(F, "REBUILD_SHARE", rebuild_share)
    rng = np.random.default_rng(7)
    n, n_grp = 20_000, 9
    combos = np.arange(n_grp)
    groups = F.Groups(combos % 3, combos // 3 - 1, np.full(n_grp, -1),
                      {"site": {i: f"s{i}" for i in range(3)}, "feature": {0: "chat", 1: "rag"}, "tenant": {}})
    base = _outcomes(rng, n, n_grp)
    ri = rng.choice(n, n // 2, replace=False)
    new = {name: base[name][ri].copy() for name in base if name not in ("grp", "blk")}
    moved = rng.random(len(ri)) < 0.3                          # the others come out as they were
    new["latency_ms"][moved] *= 1.5
    new["cost_usd"][moved] = 0.0
    new["status"][moved[: len(ri) // 2].nonzero()[0]] = F.TIMEOUT
    merged = {name: values.copy() for name, values in base.items()}
    for name, values in new.items():
        merged[name][ri] = values
    summary = F.Outcomes(base, groups)
    before = summary.figures(seed=2, days=3.0)
    updated = summary.figures(seed=2, days=3.0, changed=summary.change(ri, new))
    assert updated == F.figures(merged, groups, seed=2, days=3.0) != before
    assert summary.figures(seed=2, days=3.0) == before     # the baseline's own summaries are untouched


@pytest.mark.parametrize("values", [np.zeros(0, dtype=np.int64), np.array([5, 5, 5]),
                                    np.random.default_rng(1).integers(-1 << 40, 1 << 40, 50_000),
                                    np.random.default_rng(2).integers(0, 30, 50_000)])
def test_distinct_is_numpy_unique(values):
    want, want_inverse = np.unique(values, return_inverse=True)
    got, inverse = F.distinct(values, return_inverse=True)
    assert np.array_equal(F.distinct(values), want) and np.array_equal(got, want)
    assert np.array_equal(inverse, want_inverse.ravel())


def test_union_keeps_slot_codes_sorted_and_distinct():
    rng = np.random.default_rng(3)
    codes = np.unique(rng.integers(0, 1000, 300))
    for joining in (np.zeros(0, dtype=np.int64), rng.integers(0, 1200, 50), codes[:10], np.array([-1, 5000])):
        assert np.array_equal(F._union(codes, joining), np.union1d(codes, joining))
    assert np.array_equal(F._union(np.zeros(0, dtype=np.int64), np.array([3, 1, 3])), [1, 3])
