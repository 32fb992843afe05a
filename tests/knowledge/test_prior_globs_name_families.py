"""The o-series priors (and OpenAI's prompt-cache minimum) match o-series names (`o1`, `azure/o1-mini`, `openrouter/openai/o3`), not any name
holding the letters: a Llama fine-tune from Sao10K is no reasoning model, Veo 3 no o3."""
from __future__ import annotations

import pytest

from llmsight.knowledge.models import cache_min_tokens
from llmsight.knowledge.priors import latency_prior, output_prior


@pytest.mark.parametrize("model", ["o1", "o1-2024-12-17", "azure/o1-mini", "openai/o3", "openrouter/openai/o3",
                                   "o3-2025-04-16", "o3-pro"])
def test_o_series_names_keep_their_reasoning_prior(model):
    assert output_prior(model, "chat", None).reasoning_tokens > 0
    assert latency_prior(model).pattern != "*"
    assert cache_min_tokens(model) == 1024


@pytest.mark.parametrize("model", ["deepinfra/Sao10K/L3-8B-Lunaris-v1-Turbo", "novita/sao10k/l3-8b-lunaris",
                                   "runwayml/veo3.1"])
def test_other_names_holding_o1_or_o3_are_not_reasoning_models(model):
    assert output_prior(model, "chat", None).reasoning_tokens == 0
    assert latency_prior(model).pattern not in ("*o1*", "*o3*", "o1*", "*/o1*", "o3*", "*/o3*")
    assert cache_min_tokens(model) is None     # OpenAI's automatic caching minimum is OpenAI's
