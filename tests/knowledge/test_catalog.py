"""Catalog: locating the bundled price map, lookups, cost semantics, did-you-mean, config overrides."""
from __future__ import annotations

import importlib.metadata
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from llmsight.config import ConfigError, load_config, parse_config
from llmsight.knowledge.catalog import Catalog, PriceDataError, Usage, price_map_path

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog.load()


def raw_map() -> dict:
    return json.loads(price_map_path().read_text(encoding="utf-8"))


def test_price_data_names_the_installed_litellm_version(catalog):
    assert catalog.price_data == f"litellm {importlib.metadata.version('litellm')} model_prices_and_context_window.json"
    assert price_map_path().name == "model_prices_and_context_window_backup.json"


def test_importing_the_catalog_loads_neither_litellm_nor_tiktoken():
    code = ("import sys, llmsight.knowledge.catalog as c; cat = c.Catalog.load(); cat.cost('gpt-4o', c.Usage(1, 1)); "
            "print('litellm' in sys.modules, 'tiktoken' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.split() == ["False", "False"]


def test_load_is_cached_per_config(catalog):
    assert Catalog.load() is catalog
    other = Catalog.load(parse_config({"models": {"prod-chat": "gpt-4o"}}, "test"))
    assert other is not catalog
    assert other is Catalog.load(parse_config({"models": {"prod-chat": "gpt-4o"}}, "test"))


def test_names_excludes_the_sample_spec(catalog):
    names = catalog.names()
    assert "sample_spec" not in names
    assert "gpt-4o" in names and len(names) > 3000


@pytest.mark.parametrize("written, expected", [
    ("gpt-4o", "gpt-4o"),
    ("openai/gpt-4o", "gpt-4o"),
    ("GPT-4o", "gpt-4o"),
    ("us.anthropic.claude-3-5-sonnet-20241022-v2:0", "us.anthropic.claude-3-5-sonnet-20241022-v2:0"),
])
def test_lookup_accepts_the_ways_code_writes_models(catalog, written, expected):
    info = catalog.lookup(written)
    assert info is not None and info.name == expected
    assert info.provider and info.max_input_tokens


def test_bedrock_inference_profiles_and_arns_resolve_to_the_model(catalog):
    names = catalog.names()
    base = next(n for n in sorted(names) if n.startswith("anthropic.") and f"ca.{n}" not in names)
    info = catalog.lookup(f"ca.{base}")
    assert info.name == base and info.via == "bedrock inference profile"
    profile = next(n for n in sorted(names) if n.startswith("us.anthropic."))
    arn = f"arn:aws:bedrock:us-east-1:123456789012:inference-profile/{profile}"
    assert catalog.lookup(arn).name == profile
    assert catalog.lookup(f"bedrock/converse/{profile}").name == profile


def test_openai_fine_tunes_are_priced_as_their_base_fine_tune(catalog):
    base = next(n for n in sorted(catalog.names()) if n.startswith("ft:gpt-4o-mini"))
    for written in (f"{base}:acme::9abcDEF", f"{base}:acme:support-bot:9abcDEF", f"openai/{base}:acme::9abc"):
        info = catalog.lookup(written)
        assert info.name == base and info.via == "fine-tune of its base model", written
    assert catalog.lookup("ft:no-such-base:acme::9abc") is None


def test_lookup_of_an_unknown_model_is_none_and_cost_raises(catalog):
    assert catalog.lookup("no-such-model-xyz") is None
    assert catalog.lookup("") is None
    with pytest.raises(KeyError):
        catalog.cost("no-such-model-xyz", Usage(1, 1))


def test_alias_rows_of_the_map_are_served_as_their_target(catalog):
    raw = raw_map()
    alias, target = next((k, v["alias_of"]) for k, v in raw.items() if isinstance(v.get("alias_of"), str)
                         and v["alias_of"] in raw)
    info = catalog.lookup(alias)
    assert info.alias_of == target
    assert catalog.cost(alias, Usage(1000, 100)) == catalog.cost(target, Usage(1000, 100))


def test_cost_uses_design_token_semantics(catalog):
    """Cached and cache-write tokens are part of input; reasoning is part of output (design §2)."""
    raw = raw_map()
    name = next(k for k, v in raw.items() if v.get("mode") == "chat" and v.get("cache_creation_input_token_cost")
                and v.get("cache_read_input_token_cost") and not any("_above_" in key for key in v)
                and "tiered_pricing" not in v and v.get("output_cost_per_reasoning_token") is None
                and "/" not in k)
    r = raw[name]
    cost = catalog.cost(name, Usage(10_000, 800, cached_input_tokens=6_000, cache_write_input_tokens=1_000,
                                    reasoning_tokens=300))
    assert cost.input == pytest.approx(3_000 * r["input_cost_per_token"])
    assert cost.cached_input == pytest.approx(6_000 * r["cache_read_input_token_cost"])
    assert cost.cache_write == pytest.approx(1_000 * r["cache_creation_input_token_cost"])
    assert cost.output == pytest.approx(500 * r["output_cost_per_token"])
    assert cost.reasoning == pytest.approx(300 * r["output_cost_per_token"])
    assert cost.total == pytest.approx(cost.input + cost.cached_input + cost.cache_write + cost.output + cost.reasoning)


def test_long_context_tier_reprices_the_whole_call(catalog):
    raw = raw_map()
    name = next(k for k, v in raw.items() if v.get("mode") == "chat" and v.get("input_cost_per_token_above_200k_tokens")
                and not any("_above_" in key and "200k" not in key for key in v))
    r = raw[name]
    assert catalog.cost(name, Usage(200_000, 0)).input == pytest.approx(200_000 * r["input_cost_per_token"])
    assert catalog.cost(name, Usage(200_001, 0)).input == pytest.approx(
        200_001 * r["input_cost_per_token_above_200k_tokens"])
    assert catalog.lookup(name).rates(Usage(250_000, 0)).tier == "above 200k input tokens"


def test_context_window(catalog):
    assert catalog.context_window("gpt-4o") == raw_map()["gpt-4o"]["max_input_tokens"]
    assert catalog.context_window("no-such-model-xyz") is None


@pytest.mark.parametrize("typo, expected", [
    ("gpt-4oo", "gpt-4o"),
    ("gpt4o", "gpt-4o"),
    ("openai/gpt-4oo", "openai/gpt-4o"),
    ("claude-sonet-4-5", "claude-sonnet-4-5"),
])
def test_suggest_offers_close_names_keeping_the_prefix(catalog, typo, expected):
    suggestions = catalog.suggest(typo)
    assert expected in suggestions, suggestions
    assert all(catalog.lookup(s) is not None for s in suggestions)


def test_usage_problems_name_the_field():
    assert Usage(10, 5).problems() == []
    assert Usage(-1, 5).problems()[0][0] == "input_tokens"
    assert Usage(10, 5, cached_input_tokens=8, cache_write_input_tokens=3).problems()[0][0] == "cached_input_tokens"
    assert Usage(10, 5, reasoning_tokens=6).problems()[0][0] == "reasoning_tokens"


# ------------------------------------------------------------------------------------ config overrides

def project(tmp_path: Path, pyproject: str, files: dict[str, str] | None = None):
    (tmp_path / "pyproject.toml").write_text(textwrap.dedent(pyproject), encoding="utf-8")
    for rel, text in (files or {}).items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(textwrap.dedent(text), encoding="utf-8")
    return load_config(tmp_path)


def test_config_models_maps_deployments_profiles_and_self_hosted_names(tmp_path):
    config = project(tmp_path, """
        [tool.llmsight.models]
        "prod-gpt4o" = "gpt-4o"
        "my-claude-profile" = "us.anthropic.claude-3-5-sonnet-20241022-v2:0"
        "meta-llama/Llama-3.1-8B-Instruct" = "gpt-4o-mini"
        """)
    catalog = Catalog.load(config)
    base = Catalog.load()
    for written, target in [("prod-gpt4o", "gpt-4o"), ("azure/prod-gpt4o", "gpt-4o"),
                            ("my-claude-profile", "us.anthropic.claude-3-5-sonnet-20241022-v2:0"),
                            ("meta-llama/Llama-3.1-8B-Instruct", "gpt-4o-mini"),
                            ("hosted_vllm/meta-llama/Llama-3.1-8B-Instruct", "gpt-4o-mini")]:
        info = catalog.lookup(written)
        assert info is not None and info.name == target and info.via == "config.models", written
        assert catalog.cost(written, Usage(1000, 200)) == base.cost(target, Usage(1000, 200))
    assert base.lookup("prod-gpt4o") is None


def test_config_prices_inline_table_overrides_and_adds(tmp_path):
    config = project(tmp_path, """
        [tool.llmsight.prices."gpt-4o"]
        input_cost_per_token = 1e-06
        [tool.llmsight.prices."my-selfhosted-llama"]
        input_cost_per_token = 1e-07
        output_cost_per_token = 2e-07
        max_input_tokens = 8192
        """)
    catalog = Catalog.load(config)
    base_raw = raw_map()["gpt-4o"]
    cost = catalog.cost("gpt-4o", Usage(1000, 100))
    assert cost.input == pytest.approx(1000 * 1e-06)
    assert cost.output == pytest.approx(100 * base_raw["output_cost_per_token"])   # untouched keys stay
    assert catalog.cost("my-selfhosted-llama", Usage(1000, 100)).total == pytest.approx(1000 * 1e-07 + 100 * 2e-07)
    assert catalog.context_window("my-selfhosted-llama") == 8192
    assert "2 override(s) from config prices" in catalog.price_data
    assert Catalog.load().cost("gpt-4o", Usage(1000, 0)).input == pytest.approx(1000 * base_raw["input_cost_per_token"])


@pytest.mark.parametrize("filename, text", [
    ("prices/negotiated.json", '{"gpt-4o": {"input_cost_per_token": 2e-06, "output_cost_per_token": 8e-06}}'),
    ("prices/negotiated.toml", '["gpt-4o"]\ninput_cost_per_token = 2e-06\noutput_cost_per_token = 8e-06\n'),
])
def test_config_prices_file_is_relative_to_the_project_root(tmp_path, filename, text):
    config = project(tmp_path, f'[tool.llmsight]\nprices = "{filename}"\n', {filename: text})
    catalog = Catalog.load(config)
    assert catalog.cost("gpt-4o", Usage(1000, 1000)).total == pytest.approx(1000 * 2e-06 + 1000 * 8e-06)
    assert catalog.price_data.endswith(f" + 1 override(s) from {filename}")


def test_an_edited_prices_file_is_read_again(tmp_path):
    config = project(tmp_path, '[tool.llmsight]\nprices = "p.json"\n',
                     {"p.json": '{"gpt-4o": {"input_cost_per_token": 1e-06}}'})
    first = Catalog.load(config)
    assert first.cost("gpt-4o", Usage(1000, 0)).input == pytest.approx(1e-03)
    (tmp_path / "p.json").write_text('{"gpt-4o": {"input_cost_per_token": 3e-06}}', encoding="utf-8")
    os.utime(tmp_path / "p.json", ns=(1, 1))     # a different mtime even on coarse-clock filesystems
    second = Catalog.load(config)
    assert second is not first and second.cost("gpt-4o", Usage(1000, 0)).input == pytest.approx(3e-03)


@pytest.mark.parametrize("files, message", [
    ({}, "cannot read the prices file"),
    ({"p.json": "{not json"}, "not valid JSON"),
    ({"p.json": '{"gpt-4o": 3}'}, "`gpt-4o` must be a table of prices"),
    ({"p.json": '{"gpt-4o": {"input_cost_per_token": -1}}'}, "`gpt-4o.input_cost_per_token` must be a non-negative"),
])
def test_broken_prices_file_is_a_clear_error(tmp_path, files, message):
    config = project(tmp_path, '[tool.llmsight]\nprices = "p.json"\n', files)
    with pytest.raises(PriceDataError) as err:
        Catalog.load(config)
    assert message in str(err.value) and "p.json" in str(err.value)


def test_price_steps_reproduce_rates_at_every_size(catalog):
    """The step schedule a vectorised engine uses must agree with `rates` for every model and size."""
    sizes = [1, 1_000, 31_999, 32_000, 32_001, 100_000, 128_000, 128_001, 200_000, 200_001, 256_001, 272_000,
             272_001, 300_000, 1_000_000]
    checked = 0
    for name in sorted(catalog.names()):
        info = catalog.lookup(name)
        steps = info.price_steps()
        assert steps[0][0] == 0 and [n for n, _ in steps] == sorted({n for n, _ in steps})
        for size in sizes:
            step = [r for n, r in steps if size > n][-1]
            exact = info.rates(Usage(input_tokens=size))
            assert [step.input, step.output, step.cache_read, step.cache_write, step.reasoning] == \
                [exact.input, exact.output, exact.cache_read, exact.cache_write, exact.reasoning], (name, size)
        checked += len(steps) > 1
    assert checked > 50


def test_a_model_map_entry_that_is_not_a_name_is_a_config_error(tmp_path):
    config = project(tmp_path, "[tool.llmsight.models]\nprod = 4\n")
    with pytest.raises(ConfigError) as err:
        Catalog.load(config)
    assert "`prod`" in str(err.value) and "pyproject.toml" in str(err.value)


def test_check_reports_a_broken_prices_file_without_a_traceback(tmp_path):
    project(tmp_path, '[tool.llmsight]\nprices = "nope.json"\n',
            {"app.py": "from openai import OpenAI\nOpenAI().chat.completions.create(model='gpt-4o', messages=[])\n"})
    out = subprocess.run([sys.executable, "-m", "llmsight", "check", str(tmp_path)], capture_output=True, text=True,
                         cwd=tmp_path, timeout=120)
    assert out.returncode == 2, out.stdout + out.stderr
    assert "nope.json" in out.stderr and "Traceback" not in out.stderr
