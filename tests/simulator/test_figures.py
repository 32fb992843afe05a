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
    b = F.Binned.of(x)
    blk = rng.integers(0, F.BLOCKS, n)
    out = F.distributions(b, b.take(grp), groups, kinds, PROBS, b.take(blk))
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
    b = F.Binned.of(np.array([np.nan, np.inf]))
    out = F.distributions(b, b.take(np.array([0, 1])), 2, {"one": np.arange(2)}, (0.5,))
    assert out["one"].quantiles == {}


def test_bins_are_monotone_and_invertible():
    x = np.sort(np.random.default_rng(1).lognormal(5, 3, 100_000))
    b = F.Binned.of(x)
    assert np.all(np.diff(b.bins) >= 0)
    edges = F.bin_edge(b.bins + b.first)
    assert np.all(edges <= np.maximum(x, 1.0)) and np.all(np.maximum(x, 1.0) < F.bin_edge(b.bins + b.first + 1))


def test_sums_do_not_depend_on_row_order():
    rng = np.random.default_rng(2)
    values = rng.lognormal(-8, 2, 200_000)
    values[rng.random(len(values)) < 0.1] = np.nan
    index = rng.integers(0, 40, len(values))
    a = F.exact_sums(index, values, 40)
    perm = rng.permutation(len(values))
    b = F.exact_sums(index[perm], values[perm], 40)
    assert a.tobytes() == b.tobytes()
    for i in range(40):
        chosen = values[(index == i) & ~np.isnan(values)]
        assert a[i] == pytest.approx(math.fsum(chosen), rel=1e-12)
    # a group's sum does not move when other groups' rows change (a scoped scenario leaves them as observed)
    other = np.where(index == 0, values, values * 1000)
    assert F.exact_sums(index, other, 40)[0] == a[0]


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
