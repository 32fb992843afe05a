"""Aliases and snapshots, deprecations and successors, prompt-cache minimums, and the curated data files."""
from __future__ import annotations

import csv
import datetime as dt
import json
import re
from importlib import resources

import pytest

from llmsight.config import parse_config
from llmsight.knowledge.catalog import Catalog, price_map_path
from llmsight.knowledge.models import (alias_info, cache_min_tokens, deprecation, did_you_mean, is_floating_alias,
                                       is_pinned, snapshot_for)


def data_rows(name: str) -> list[dict[str, str]]:
    text = resources.files("llmsight.knowledge").joinpath(f"data/{name}").read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


@pytest.fixture(scope="module")
def raw() -> dict:
    return json.loads(price_map_path().read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", ["aliases.csv", "deprecations.csv", "cache_min_tokens.csv"])
def test_every_curated_row_has_a_source_and_a_date(name):
    rows = data_rows(name)
    assert rows
    for row in rows:
        assert row["source"].startswith("https://"), row
        dt.date.fromisoformat(row["date"])


@pytest.mark.parametrize("alias, snapshot", [
    ("gpt-4o", "gpt-4o-2024-08-06"), ("gpt-4o-mini", "gpt-4o-mini-2024-07-18"), ("gpt-4.1", "gpt-4.1-2025-04-14"),
    ("o3", "o3-2025-04-16"), ("o4-mini", "o4-mini-2025-04-16"), ("gpt-4-turbo", "gpt-4-turbo-2024-04-09"),
    ("gpt-3.5-turbo", "gpt-3.5-turbo-0125"), ("openai/gpt-4o", "openai/gpt-4o-2024-08-06"),
    ("claude-sonnet-4-0", "claude-sonnet-4-20250514"), ("claude-3-5-sonnet-latest", "claude-3-5-sonnet-20241022"),
    ("gemini-2.0-flash", "gemini-2.0-flash-001"),
])
def test_curated_alias_snapshots(alias, snapshot):
    assert is_floating_alias(alias)
    assert snapshot_for(alias) == snapshot


def test_curated_snapshots_that_the_map_prices_resolve():
    catalog = Catalog.load()
    in_map = [r for r in data_rows("aliases.csv") if r["snapshot"] and catalog.lookup(r["alias"])]
    assert len(in_map) >= 10
    for row in in_map:
        if catalog.lookup(row["snapshot"]) is None:
            # the map dropped this snapshot: it must at least be a known retirement, never a typo
            assert deprecation(row["alias"]) is not None, row


def test_map_alias_rows_float_to_their_target(raw):
    alias, target = next((k, v["alias_of"]) for k, v in raw.items() if isinstance(v.get("alias_of"), str)
                         and "/" not in k and v["alias_of"] in raw)
    assert is_floating_alias(alias) and snapshot_for(alias) == target
    assert "alias_of" in alias_info(alias).source


def test_undated_name_with_dated_rows_is_derived_from_the_map(raw):
    curated = {r["alias"] for r in data_rows("aliases.csv")}
    dated = {k for k in raw if "/" not in k and re.search(r"-\d{4}-\d{2}-\d{2}$", k)}
    base = next(k[:-11] for k in sorted(dated) if k[:-11] in raw and k[:-11] not in curated
                and "alias_of" not in raw[k[:-11]])
    info = alias_info(base)
    assert info.source.startswith("derived")
    assert info.snapshot == max(k for k in dated if k[:-11] == base)


@pytest.mark.parametrize("model", ["gpt-4o-2024-08-06", "gpt-4-0613", "claude-3-5-sonnet-20241022",
                                   "us.anthropic.claude-3-5-sonnet-20241022-v2:0", "gemini-1.5-pro-002"])
def test_pinned_names_are_not_aliases(model):
    assert is_pinned(model)
    assert not is_floating_alias(model) and snapshot_for(model) is None


def test_latest_suffix_floats_even_without_a_snapshot():
    assert is_floating_alias("chatgpt-4o-latest") and snapshot_for("chatgpt-4o-latest") is None
    assert is_floating_alias("some-vendor-model-latest")
    assert not is_floating_alias("my-finetune")


def test_deployment_names_do_not_float():
    config = parse_config({"models": {"prod-gpt4o": "gpt-4o"}}, "test")
    assert not is_floating_alias("prod-gpt4o", config)


@pytest.mark.parametrize("model, date, first_successor", [
    ("gpt-3.5-turbo-0613", "2024-09-13", "gpt-4o-mini"),
    ("gpt-4-32k", "2025-06-06", "gpt-4o"),
    ("text-davinci-003", "2024-01-04", "gpt-4o-mini"),
    ("claude-instant-1.2", "2025-07-21", "claude-haiku-4-5"),
    ("claude-2.1", "2025-07-21", "claude-sonnet-4-5"),
    ("gemini-1.5-pro", "2025-09-24", "gemini-2.5-pro"),
])
def test_curated_retirements(model, date, first_successor):
    dep = deprecation(model)
    assert dep.date == dt.date.fromisoformat(date) and dep.passed()
    assert dep.successor_chain[0] == first_successor
    assert dep.source.startswith("https://") and dep.kind == "shutdown"


def test_map_deprecations_come_with_the_maps_successor(raw):
    name = next(k for k, v in raw.items() if "/" not in k and v.get("deprecation_date") and v.get("successor_model")
                and v["successor_model"] in raw and not raw[v["successor_model"]].get("deprecation_date"))
    dep = deprecation(name)
    assert dep.date == dt.date.fromisoformat(raw[name]["deprecation_date"])
    assert dep.successor == raw[name]["successor_model"] and dep.kind == "deprecation"


def test_successor_chain_skips_successors_that_are_themselves_retired():
    for row in data_rows("deprecations.csv"):
        dep = deprecation(row["model"])
        assert dep.successor == dep.successor_chain[-1]
        final = deprecation(dep.successor)
        assert final is None or not final.passed() or not final.successor, (row["model"], dep)
        assert Catalog.load().lookup(dep.successor) is not None, (row["model"], dep.successor)


def test_deprecation_window():
    dep = deprecation("gpt-4-32k")
    assert dep.within(0)
    today = dt.date(2025, 5, 1)
    assert not dep.passed(today) and dep.within(90, today) and not dep.within(10, today)


def test_no_deprecation_for_unknown_or_current_models():
    assert deprecation("my-finetune") is None
    assert deprecation("") is None


@pytest.mark.parametrize("model, minimum", [
    ("claude-3-5-haiku-20241022", 2048), ("claude-3-7-sonnet-20250219", 1024), ("claude-3-opus-20240229", 1024),
    ("gpt-4o-mini", 1024), ("o3-mini", 1024), ("llama-3.1-8b", None),
])
def test_cache_min_tokens_curated(model, minimum, raw):
    assert "prompt_cache_min_tokens" not in raw.get(model, {})
    assert cache_min_tokens(model) == minimum


def test_cache_min_tokens_prefers_the_map(raw):
    name, value = next((k, v["prompt_cache_min_tokens"]) for k, v in raw.items()
                       if v.get("litellm_provider") == "anthropic" and v.get("prompt_cache_min_tokens") == 4096)
    assert cache_min_tokens(name) == 4096


def test_did_you_mean():
    assert "gpt-4o-mini" in did_you_mean("gpt-4o-mnii")
