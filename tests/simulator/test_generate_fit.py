"""The traffic generator and the fits: the fits recover the generator's known parameters without
assuming its distribution families (empirical quantiles, robust two-group slope, plain rates)."""
from __future__ import annotations

import os
from statistics import NormalDist

import pyarrow.compute as pc
import pytest

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from llmsight.knowledge.catalog import Catalog, Usage  # noqa: E402
from llmsight.knowledge.priors import latency_prior  # noqa: E402
from llmsight.simulator import fit as fit_mod  # noqa: E402
from llmsight.simulator.generate import MODELS, ModelProfile, SiteProfile, generate, to_store, write  # noqa: E402
from llmsight.simulator.replay import Simulation  # noqa: E402
from llmsight.simulator.store import CALL_COLUMNS  # noqa: E402

PROBE = ModelProfile("gpt-4.1-mini", "openai", ttft_ms=400, ttft_sigma=0.4, prefill_ms_per_1k=0.0,
                     tokens_per_s=90, tps_shape=0.2, error_rate=0.03, hang_rate=0.01, quality=0.8)
SLOPE = ModelProfile("gpt-4o-mini", "openai", ttft_ms=300, ttft_sigma=0.25, prefill_ms_per_1k=80.0,
                     tokens_per_s=120, tps_shape=0.15, error_rate=0.0, hang_rate=0.0, quality=0.7)
SITES = (
    SiteProfile("svc/probe.py", 10, "probe", "probe", (("gpt-4.1-mini", 1.0),), weight=0.5, input_tokens=2000,
                input_sigma=0.0, output_tokens=300, timeout_s=1e6),
    SiteProfile("svc/slope.py", 20, "slope", "slope", (("gpt-4o-mini", 1.0),), weight=0.5, input_tokens=3000,
                input_sigma=0.9, output_tokens=200, timeout_s=1e6),
)


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    table = generate(60_000, seed=11, sites=SITES, models={m.name: m for m in (PROBE, SLOPE)})
    con = to_store(table, tmp_path_factory.mktemp("fit") / "t.duckdb")
    sim = Simulation(con, "calls", seed=1, min_site_rows=10**9)
    sim.prepare()
    return table, sim


def test_generator_is_seeded_and_canonical():
    a, b, c = generate(500, seed=3), generate(500, seed=3), generate(500, seed=4)
    assert a.equals(b) and not a.equals(c)
    assert a.column_names == [name for name, _ in CALL_COLUMNS]
    rows = a.to_pylist()
    assert {r["status"] for r in rows} <= {"ok", "error", "timeout"}
    for r in rows:
        assert r["cached_input_tokens"] + r["cache_write_input_tokens"] <= r["input_tokens"]
        assert r["reasoning_tokens"] <= r["output_tokens"]
        assert r["ttft_ms"] is None or r["ttft_ms"] <= r["latency_ms"]


def test_logged_cost_is_the_catalog_price():
    catalog = Catalog.load()
    rows = generate(400, seed=5).to_pylist()
    for r in rows:
        if catalog.lookup(r["model"]) is None:
            continue
        usage = Usage(r["input_tokens"], r["output_tokens"], r["cached_input_tokens"], r["cache_write_input_tokens"],
                      r["reasoning_tokens"])
        assert r["cost_usd"] == pytest.approx(catalog.cost(r["model"], usage).total, rel=1e-12, abs=1e-15)


def test_response_model_drifts_at_the_configured_time():
    table = generate(5000, seed=2)
    gpt4o = table.filter(pc.equal(table["model"], "gpt-4o")).to_pylist()
    start, end = gpt4o[0]["ts"], gpt4o[-1]["ts"]
    early = {r["response_model"] for r in gpt4o if (r["ts"] - start) < (end - start) * 0.5}
    late = {r["response_model"] for r in gpt4o if (r["ts"] - start) > (end - start) * 0.7}
    assert early == {"gpt-4o-2024-08-06"} and late == {"gpt-4o-2024-11-20"}


def test_ttft_quantiles_recovered(fitted):
    _, sim = fitted
    fit = sim.fits.get("gpt-4.1-mini")
    assert fit.source == "traffic"
    for p in (0.1, 0.5, 0.9):
        expected = PROBE.ttft_quantile(p)
        assert fit.quantile("ttft", p) == pytest.approx(expected, rel=0.04), p


def test_throughput_quantiles_recovered(fitted):
    _, sim = fitted
    fit = sim.fits.get("gpt-4.1-mini")
    for p in (0.1, 0.5, 0.9):
        assert fit.quantile("tps", p) == pytest.approx(PROBE.throughput_quantile(p), rel=0.04), p


def test_error_and_timeout_rates_recovered(fitted):
    _, sim = fitted
    fit = sim.fits.get("gpt-4.1-mini")
    n = fit.n
    for got, want in ((fit.error_rate, PROBE.error_rate),
                      (fit.timeout_rate, (1 - PROBE.error_rate) * PROBE.hang_rate)):
        sigma = (want * (1 - want) / n) ** 0.5
        assert abs(got - want) < 4 * sigma


def test_prefill_slope_recovered_by_robust_line(fitted):
    _, sim = fitted
    fit = sim.fits.get("gpt-4o-mini")
    assert fit.prefill_ms_per_token == pytest.approx(SLOPE.prefill_ms_per_1k / 1000, rel=0.15)


def test_token_and_quality_fits(fitted):
    _, sim = fitted
    fit = sim.fits.get("gpt-4.1-mini")
    # output tokens are log-normal around 300 with sigma 0.7 in the generator
    z = NormalDist().inv_cdf(0.9)
    assert fit.quantile("out", 0.5) == pytest.approx(300, rel=0.05)
    assert fit.quantile("out", 0.9) == pytest.approx(300 * 2.718281828 ** (0.7 * z), rel=0.06)
    score, n, source = sim.fits.quality_of("gpt-4.1-mini", "probe")
    assert source == "traffic" and n > 1000 and score == pytest.approx(PROBE.quality, abs=0.005)


def test_eval_file_overrides_traffic_quality_and_priors_fill_missing_models(tmp_path, fitted):
    table, _ = fitted
    evals = tmp_path / "evals.csv"
    evals.write_text("model,feature,score\ngpt-4.1-mini,probe,0.5\ngpt-4.1-mini,probe,0.7\n", encoding="utf-8")
    con = to_store(table, tmp_path / "t.duckdb")
    from llmsight.simulator.scenario import parse_scenario

    sim = Simulation(con, "calls", eval_file=evals)
    sim.prepare([parse_scenario("model=claude-haiku-4-5")])
    assert sim.fits.quality_of("gpt-4.1-mini", "probe") == (pytest.approx(0.6), 2, "eval: evals.csv")
    prior = sim.fits.get("claude-haiku-4-5")
    assert prior.source.startswith("prior: ") and prior.n == 0
    assert prior.quantile("ttft", 0.5) == pytest.approx(latency_prior("claude-haiku-4-5").ttft_s * 1000, rel=1e-9)
    assert any("claude-haiku-4-5" in note and "prior" in note for note in sim.notes)


@pytest.mark.parametrize("text, message", [
    ("model,feature\nm,f\n", "missing score"),
    ("model,feature,score\nm,f,high\n", "evals.csv:2: score must be a number"),
    ("model,feature,score\nm,f,1.5\n", "evals.csv:2:"),
])
def test_bad_eval_file_names_file_and_row(tmp_path, text, message):
    path = tmp_path / "evals.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(fit_mod.FitError, match=message):
        fit_mod.read_eval_file(path)


@pytest.mark.parametrize("suffix", [".jsonl", ".parquet", ".csv"])
def test_write_formats_round_trip_row_count(tmp_path, suffix):
    import duckdb

    table = generate(300, seed=9)
    path = write(table, tmp_path / f"t{suffix}")
    reader = {".jsonl": "read_json_auto", ".parquet": "read_parquet", ".csv": "read_csv_auto"}[suffix]
    assert duckdb.sql(f"SELECT count(*) FROM {reader}('{path}')").fetchall()[0][0] == 300


def test_default_profiles_are_priced_models():
    catalog = Catalog.load()
    assert all(catalog.lookup(name) is not None for name in MODELS)
