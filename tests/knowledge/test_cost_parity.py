"""`Catalog.cost` equals `litellm.cost_per_token` for every chat model in the map (design §4), and for
the completion and responses rows too (perplexity's excluded: see EXCLUDED_PROVIDERS).

Usage grid: plain, cache reads, cache writes, both, >200k and >272k long-context tiers with cache,
reasoning, and a mid-size prompt that crosses 128k tiers. Our usage (design §2) is sent to litellm the
OpenAI way: `prompt_tokens` includes cached and cache-write tokens (`prompt_tokens_details`),
`completion_tokens` includes reasoning (`completion_tokens_details`).

Two facts about litellm shape the comparison, neither an exclusion:
- litellm, told the provider P, prices `P/<name>` when the map has that row (e.g. `deepseek-chat` with
  provider deepseek is billed as `deepseek/deepseek-chat`), so we compare against that same row.
- Some rows carry `off_peak_pricing` (time-of-day discounts); llmsight quotes standard rates, so litellm
  is pinned to an instant that is peak for every such row.
"""
from __future__ import annotations

import contextlib
import os
from datetime import datetime, timedelta, timezone

import pytest

from llmsight.knowledge.catalog import Catalog, Usage

os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
litellm = pytest.importorskip("litellm")
from litellm.types.utils import CompletionTokensDetailsWrapper, PromptTokensDetailsWrapper  # noqa: E402
from litellm.types.utils import Usage as LitellmUsage  # noqa: E402

pytestmark = pytest.mark.litellm

GRID = {
    "plain": Usage(1_000, 500),
    "cache-read": Usage(10_000, 500, cached_input_tokens=6_000),
    "cache-write": Usage(10_000, 500, cache_write_input_tokens=3_000),
    "cache-both": Usage(10_000, 500, cached_input_tokens=4_000, cache_write_input_tokens=2_000),
    "mid-150k": Usage(150_000, 1_000),
    "long-300k-read": Usage(300_000, 2_000, cached_input_tokens=100_000),
    "long-300k-write": Usage(300_000, 2_000, cache_write_input_tokens=50_000),
    "reasoning": Usage(2_000, 3_000, reasoning_tokens=2_000),
}
RELATIVE_TOLERANCE = 1e-9


def litellm_usage(u: Usage) -> LitellmUsage:
    details = {}
    if u.cached_input_tokens:
        details["cached_tokens"] = u.cached_input_tokens
    if u.cache_write_input_tokens:
        details["cache_creation_tokens"] = u.cache_write_input_tokens
    kwargs = dict(prompt_tokens=u.input_tokens, completion_tokens=u.output_tokens,
                  total_tokens=u.input_tokens + u.output_tokens)
    if details:
        kwargs["prompt_tokens_details"] = PromptTokensDetailsWrapper(**details)
    if u.reasoning_tokens:
        kwargs["completion_tokens_details"] = CompletionTokensDetailsWrapper(reasoning_tokens=u.reasoning_tokens)
    return LitellmUsage(**kwargs)


# Rows outside chat mode that litellm prices with its own provider calculator, not from the map's rates.
EXCLUDED_PROVIDERS = {
    "perplexity": "litellm's perplexity calculator ignores long-context tiers and cache writes and looks "
                  "`perplexity/<name>` rows up by their bare name; llmsight prices the row as the map states it",
}


def models_in_mode(*modes: str) -> list[str]:
    return sorted(k for k, v in litellm.model_cost.items() if isinstance(v, dict) and v.get("mode") in modes
                  and k != "sample_spec")


def chat_models() -> list[str]:
    return models_in_mode("chat")


def standard_rate_clock(models: list[str]):
    """Pin litellm's billing clock to an instant that is standard-rate for every row with an off-peak
    window (litellm versions without off-peak pricing need no pin)."""
    try:
        from litellm._internal_context import pinned_billing_time
        from litellm.litellm_core_utils.llm_cost_calc.utils import _is_off_peak
    except ImportError:
        return contextlib.nullcontext()
    blocks = [litellm.model_cost[m]["off_peak_pricing"] for m in models
              if isinstance(litellm.model_cost[m].get("off_peak_pricing"), dict)]
    start = datetime(2026, 12, 2, 0, 30, tzinfo=timezone.utc)    # a Wednesday
    for hour in range(7 * 24):
        moment = start + timedelta(hours=hour)
        if not any(_is_off_peak(b, moment) for b in blocks):
            return pinned_billing_time(moment)
    raise AssertionError("no instant is peak for every off-peak row")


def priced_row(model: str) -> str:
    """The row litellm bills when called with this row's own provider (see module docstring)."""
    provider = litellm.model_cost[model].get("litellm_provider")
    prefixed = f"{provider}/{model}"
    return prefixed if not model.startswith(f"{provider}/") and prefixed in litellm.model_cost else model


def mismatches_against_litellm(models: list[str]) -> tuple[list[str], set[str]]:
    """(one line per model × usage that differs, the models that differ)."""
    catalog = Catalog.load()
    usages = {name: litellm_usage(u) for name, u in GRID.items()}
    lines: list[str] = []
    failing: set[str] = set()
    with standard_rate_clock(models):
        for model in models:
            provider = litellm.model_cost[model].get("litellm_provider")
            row = priced_row(model)
            for name, usage in GRID.items():
                prompt, completion = litellm.cost_per_token(model=model, custom_llm_provider=provider,
                                                            usage_object=usages[name])
                expected = prompt + completion
                ours = catalog.cost(row, usage).total
                if abs(ours - expected) > RELATIVE_TOLERANCE * abs(expected) + 1e-15:
                    lines.append(f"{model} [{name}]: llmsight {ours!r} vs litellm {expected!r}")
                    failing.add(model)
    return lines, failing


def test_every_chat_model_matches_litellm_cost_per_token():
    models = chat_models()
    assert len(models) > 1000, "the price map lost its chat models"
    mismatches, failing = mismatches_against_litellm(models)
    print(f"cost parity: {len(models) - len(failing)} of {len(models)} chat models match "
          f"litellm.cost_per_token on {len(GRID)} usages, none excluded")
    assert not mismatches, f"{len(mismatches)} mismatches:\n" + "\n".join(mismatches[:40])


def test_completion_and_responses_models_match_too():
    every = models_in_mode("completion", "responses")
    models = [m for m in every if litellm.model_cost[m].get("litellm_provider") not in EXCLUDED_PROVIDERS]
    mismatches, failing = mismatches_against_litellm(models)
    print(f"cost parity: {len(models) - len(failing)} of {len(models)} completion/responses models match; "
          f"{len(every) - len(models)} excluded ({', '.join(EXCLUDED_PROVIDERS)})")
    assert not mismatches, f"{len(mismatches)} mismatches:\n" + "\n".join(mismatches[:40])


def test_grid_exercises_every_price_component():
    """The grid is only proof if some models actually bill each component differently from input."""
    catalog = Catalog.load()
    models = chat_models()
    raw = litellm.model_cost
    assert any(raw[m].get("cache_creation_input_token_cost") for m in models)
    assert any(raw[m].get("output_cost_per_reasoning_token") not in (None, raw[m].get("output_cost_per_token"))
               for m in models)
    assert any(raw[m].get("input_cost_per_token_above_200k_tokens") for m in models)
    assert any(raw[m].get("input_cost_per_token_above_272k_tokens") for m in models)
    assert any(raw[m].get("input_cost_per_token_above_128k_tokens") for m in models)
    assert any(isinstance(raw[m].get("tiered_pricing"), list) for m in models)
    tiered = next(m for m in models if raw[m].get("input_cost_per_token_above_200k_tokens"))
    short, long = catalog.cost(tiered, GRID["plain"]), catalog.cost(tiered, Usage(300_000, 500))
    assert long.input / 299_000 * 1_000 != pytest.approx(short.input)
