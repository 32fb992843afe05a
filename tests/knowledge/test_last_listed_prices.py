"""Models the installed price map dropped: priced at the row an older litellm release last listed, always
saying so; through the provider route of the SDK the code calls, never another provider's row."""
from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from llmsight import api
from llmsight.config import parse_config
from llmsight.knowledge import catalog as catalog_module
from llmsight.knowledge.catalog import Catalog, Usage, price_map_path
from llmsight.knowledge.pricing import quote

DATA = Path(catalog_module.__file__).resolve().parent / "data" / catalog_module.LAST_LISTED_FILE


@pytest.fixture(scope="module")
def data() -> dict:
    return json.loads(DATA.read_text(encoding="utf-8"))


@pytest.fixture
def fresh(monkeypatch):
    """Catalogs of the test's own, so what it puts in place is never memoised for the next test."""
    monkeypatch.setattr(catalog_module, "_CATALOGS", {})


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in text.split("."))


def test_data_file_names_its_releases_and_every_row_comes_from_one(data):
    releases = data["releases"]
    assert releases == sorted(releases, key=_version) and len(releases) >= 4
    assert all(_version(r) < _version(data["baseline"]) for r in releases)
    assert {row["listed_in"] for row in data["models"].values()} <= set(releases)
    installed = json.loads(price_map_path().read_bytes())
    if catalog_module.litellm_version() == data["baseline"]:
        assert not set(data["models"]) & set(installed)


def test_a_model_only_an_older_release_lists_is_priced_at_that_row_and_says_so(data):
    catalog = Catalog.load()
    row = data["models"]["claude-3-opus-20240229"]
    assert catalog.lookup("claude-3-opus-20240229", last_listed=False) is None
    info = catalog.lookup("claude-3-opus-20240229")
    assert info.listed_in == row["listed_in"] and info.provider == "anthropic"
    assert catalog.cost("claude-3-opus-20240229", Usage(1000, 100)).total == pytest.approx(
        1000 * row["input_cost_per_token"] + 100 * row["output_cost_per_token"])
    (q,) = quote(["claude-3-opus-20240229"], Usage(1000, 100))
    assert q.found and q.notes[0].startswith(f"last listed price, litellm {row['listed_in']}; retired on 2026-01-05")


def test_the_installed_map_wins_over_an_older_row_of_the_same_name(fresh, monkeypatch):
    stale = {"gpt-4o": {"listed_in": "1.0.0", "input_cost_per_token": 1.0, "output_cost_per_token": 1.0}}
    monkeypatch.setattr(catalog_module, "_last_listed", lambda: catalog_module._Table.of(stale))
    info = Catalog.load().lookup("gpt-4o")
    assert info.listed_in is None and info.input_cost_per_token < 1e-3


def test_a_prices_override_wins_over_the_last_listed_row(fresh):
    config = parse_config({"prices": {"claude-3-opus-20240229": {"input_cost_per_token": 2e-06,
                                                                 "output_cost_per_token": 4e-06}}}, "test")
    info = Catalog.load(config).lookup("claude-3-opus-20240229")
    assert info.listed_in is None and info.input_cost_per_token == 2e-06


@pytest.mark.parametrize("text", [
    b"not json", b"[]", b'{"models": []}', b"[" * 100_000,
    b'{"models": {"a": "row", "b": {"input_cost_per_token": 1e-06}, "c": {"listed_in": 3}}}',
    b'{"models": {"d": {"listed_in": "1.0.0", "input_cost_per_token": -1e-06}}}',
    b'{"models": {"e": {"listed_in": "1.0.0", "output_cost_per_token": "free"}}}',
])
def test_a_damaged_data_file_prices_nothing_from_it(text):
    assert catalog_module._read_last_listed(text).entries == {}


def test_a_sound_row_of_the_data_file_is_kept():
    table = catalog_module._read_last_listed(
        b'{"models": {"m": {"listed_in": "1.2.3", "input_cost_per_token": 1e-06, "tiered_pricing": "x"}}}')
    assert table.lower == {"m": "m"}


def _estimates(tmp_path: Path, source: str) -> dict[str, tuple[float | None, tuple[str, ...]]]:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'demo'\n", encoding="utf-8")
    (tmp_path / "app.py").write_text(textwrap.dedent(source), encoding="utf-8")
    result = api.check([tmp_path], select=["NONE"], use_cache=False, jobs=1)
    return {s.model.value: (result.estimates[s.id].cost_per_call.value,
                            (result.estimates[s.id].cost_per_call.prior, *result.estimates[s.id].notes))
            for s in result.call_sites}


def test_the_provider_route_of_the_sdk_the_code_calls_prices_a_retired_model(tmp_path):
    got = _estimates(tmp_path, """
        from groq import Groq
        from mistralai import Mistral
        from anthropic import Anthropic
        from vertexai.language_models import TextGenerationModel
        import google.generativeai as genai

        genai.generate_text(model="models/text-bison-001", prompt="hi")
        TextGenerationModel.from_pretrained("text-bison@001").predict("hi")
        Groq().chat.completions.create(model="llama3-70b-8192", messages=[{"role": "user", "content": "hi"}])
        Mistral().chat.complete(model="open-mistral-7b", messages=[{"role": "user", "content": "hi"}])
        Anthropic().messages.create(model="claude-3-opus-20240229", max_tokens=50,
                                    messages=[{"role": "user", "content": "hi"}])
        Groq().chat.completions.create(model="claude-3-5-sonnet-20241022", messages=[{"role": "user", "content": "hi"}])
    """)
    catalog = Catalog.load()
    for model, row in (("llama3-70b-8192", "groq/llama3-70b-8192"), ("open-mistral-7b", "mistral/open-mistral-7b"),
                       ("claude-3-opus-20240229", "claude-3-opus-20240229"),
                       ("models/text-bison-001", "palm/text-bison-001")):
        cost, notes = got[model]
        assert cost is not None and cost > 0, (model, notes)
        listed = catalog.lookup(row)
        assert any(n.startswith(f"price: last listed price, litellm {listed.listed_in}")
                   and n.endswith(f"(the installed price data no longer lists {row})") for n in notes), notes
        assert notes[0].endswith(f"at litellm {listed.listed_in}'s last listed price")   # what every face shows
    # Groq does not serve Anthropic's model: Anthropic's row is not the price of this call
    cost, notes = got["claude-3-5-sonnet-20241022"]
    assert cost is None and catalog.lookup("claude-3-5-sonnet-20241022").provider == "anthropic"
    # a row billed per character is priced per character of the text sent and returned, at its last listed row
    cost, notes = got["text-bison@001"]
    row = catalog.lookup("text-bison@001")
    output = next(int(n.split()[1].replace(",", "")) for n in notes if n.startswith("output: ") and "characters" in n)
    assert cost == pytest.approx(2 * row.raw["input_cost_per_character"] + output * row.raw["output_cost_per_character"])
    assert notes[0] == (f"the input text's characters and expected output at the per-character price at litellm "
                        f"{row.listed_in}'s last listed price")


def test_a_what_if_never_switches_to_a_retired_model():
    from llmsight.simulator.scenario import ScenarioError, parse_scenario

    with pytest.raises(ScenarioError, match="'claude-3-opus-20240229' is not in the price data"):
        parse_scenario("model=claude-3-opus-20240229", Catalog.load())
    assert parse_scenario("model=claude-opus-4-5", Catalog.load()).model == "claude-opus-4-5"


def _script():
    import importlib.util

    path = Path(__file__).resolve().parents[2] / "scripts" / "last_listed_prices.py"
    spec = importlib.util.spec_from_file_location("last_listed_prices", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_generator_keeps_the_newest_release_row_of_each_model_the_baseline_lacks(tmp_path, monkeypatch):
    import zipfile

    script = _script()
    rows = {"1.0.0": {"old": {"input_cost_per_token": 1e-06, "litellm_provider": "x", "supports_vision": True},
                      "kept": {"input_cost_per_token": 1e-06, "mode": "chat"}, "sample_spec": {}},
            "1.1.0": {"kept": {"input_cost_per_token": 2e-06, "mode": "chat"},
                      "live": {"input_cost_per_token": 9e-06}}}
    for version, table in rows.items():
        with zipfile.ZipFile(tmp_path / f"litellm-{version}-py3-none-any.whl", "w") as wheel:
            wheel.writestr(script.MEMBER, json.dumps(table))
    installed = tmp_path / "installed.json"
    installed.write_text(json.dumps({"live": {"input_cost_per_token": 1e-06}}), encoding="utf-8")
    monkeypatch.setattr(script, "RELEASES", ("1.1.0", "1.0.0", "3.0.0"))
    monkeypatch.setattr(catalog_module, "price_map_path", lambda: installed)
    monkeypatch.setattr(catalog_module, "litellm_version", lambda: "2.0.0")
    data = script.generate(tmp_path)
    assert data["baseline"] == "2.0.0" and data["releases"] == ["1.0.0", "1.1.0"]
    assert data["models"] == {"kept": {"listed_in": "1.1.0", "input_cost_per_token": 2e-06, "mode": "chat"},
                              "old": {"listed_in": "1.0.0", "input_cost_per_token": 1e-06, "litellm_provider": "x"}}
    table = catalog_module._read_last_listed(script.dump(data).encode())
    assert table.entries == data["models"]


def test_simulate_prices_logged_rows_of_a_retired_model_and_says_at_which_release(tmp_path):
    rows = [{"ts": f"2026-11-01T00:00:{i:02d}Z", "provider": "anthropic", "operation": "chat",
             "model": "claude-3-opus-20240229", "input_tokens": 1000, "output_tokens": 100, "latency_ms": 800.0,
             "status": "ok"} for i in range(10)]
    traffic = tmp_path / "traffic.jsonl"
    traffic.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    report = api.simulate(traffic=traffic, use_cache=False)
    listed = Catalog.load().lookup("claude-3-opus-20240229")
    assert any(n.startswith(f"claude-3-opus-20240229: last listed price, litellm {listed.listed_in}")
               for n in report.notes), report.notes
    assert report.results[0].total.calls == 10 and report.results[0].total.cost_per_day.value > 0
