"""Many tenants (end-user ids as tenants): past `max_tenants`, the busiest keep figures of their own and
the rest are reported together — the same calls, cost and outcomes, only fewer groups."""
from __future__ import annotations

import os
from dataclasses import asdict

import duckdb
import numpy as np
import pyarrow as pa
import pytest

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from llmsight.simulator.generate import generate, to_store  # noqa: E402
from llmsight.simulator.replay import OTHER_TENANTS, Simulation  # noqa: E402
from llmsight.simulator.scenario import BASELINE, parse_scenario  # noqa: E402

SCENARIOS = [BASELINE, parse_scenario("timeout=5,retries=1"), parse_scenario("model=gpt-4o-mini")]


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    table = generate(6_000, seed=4)
    rng = np.random.default_rng(0)
    # 40 tenants with skewed traffic, and calls without a tenant
    names = np.array([f"user-{i}" for i in np.minimum(rng.zipf(1.6, len(table)), 40)], dtype=object)
    names[rng.random(len(table)) < 0.1] = None
    table = table.set_column(table.schema.get_field_index("tenant"), "tenant", pa.array(names, type=pa.string()))
    path = tmp_path_factory.mktemp("tenants") / "traffic.duckdb"
    to_store(table, path).close()
    return path


def numbers(figures) -> dict:
    """A group's figures flattened (metric.field -> value), to compare up to float rounding: sums over
    other (site, feature, tenant) combinations add the same numbers in another grouping."""
    flat = {}
    for name, value in asdict(figures).items():
        for field, v in (value.items() if isinstance(value, dict) else [("", value)]):
            flat[f"{name}.{field}"] = v
    return flat


def same(a, b) -> bool:
    x, y = numbers(a), numbers(b)
    return x.keys() == y.keys() and all(
        v == y[k] if not isinstance(v, float) else v == pytest.approx(y[k], rel=1e-12, nan_ok=True) for k, v in x.items())


def run(store, max_tenants):
    sim = Simulation(duckdb.connect(str(store), read_only=True), "calls", seed=2, max_tenants=max_tenants)
    return sim, sim.run(SCENARIOS)


def test_the_busiest_tenants_keep_their_figures_and_the_rest_are_pooled(store):
    _, every = run(store, None)
    sim, pooled = run(store, 5)
    calls = sim.con.execute("SELECT tenant, count(*) FROM calls WHERE tenant IS NOT NULL GROUP BY tenant "
                            "ORDER BY 2 DESC, 1").fetchall()
    busiest, rest = [t for t, _ in calls[:5]], [t for t, _ in calls[5:]]
    assert len(rest) > 20
    assert any("tenants" in note and OTHER_TENANTS in note for note in sim.notes)
    for all_of_them, few in zip(every, pooled):
        tenants = {key for kind, key in few.groups if kind == "tenant"}
        assert tenants == {*busiest, OTHER_TENANTS, "(none)"}
        for name in (*busiest, "(none)"):
            assert few.of("tenant", name) == all_of_them.of("tenant", name)
        other = few.of("tenant", OTHER_TENANTS)
        parts = [all_of_them.of("tenant", name) for name in rest]
        assert other.calls == sum(p.calls for p in parts)
        assert other.cost_per_day.value == pytest.approx(sum(p.cost_per_day.value for p in parts), rel=1e-12)
        assert other.error_rate.value * other.calls == pytest.approx(sum(p.error_rate.value * p.calls for p in parts))
        # every other breakdown is the same
        others = [k for k in all_of_them.groups if k[0] != "tenant"]
        assert len(others) > 5 and all(same(few.groups[k], all_of_them.groups[k]) for k in others)


def test_rows_name_the_pool_once_per_call(store):
    sim, _ = run(store, 5)
    rows = sim.rows(BASELINE).fetchdf()
    assert len(rows) == 6_000 and rows["row_id"].is_unique
    assert (rows["tenant"] == OTHER_TENANTS).sum() == sim.run([BASELINE])[0].of("tenant", OTHER_TENANTS).calls


def test_no_pool_while_the_tenants_fit(store):
    sim, (base, *_) = run(store, 1000)
    assert not any(OTHER_TENANTS in note for note in sim.notes)
    assert base.of("tenant", OTHER_TENANTS) is None
