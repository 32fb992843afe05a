"""A model the user serves is not free: the price data's $0 rows for Ollama models (`ollama/llama3`) say
nothing of its cost, so the site says "self-hosted: no per-token price" rather than $0.00 — however the
Ollama client is reached; a provider's row served on a local host still prices the call."""
from __future__ import annotations

import pytest

from llmsight import api

SOURCE = '''import importlib
import ollama
from openai import OpenAI


class Local:
    def __init__(self, model=None, host=None):
        self.model = model if model else "llama3"
        self.client = importlib.import_module("ollama").Client(host=host)

    def ask(self, messages):
        return self.client.chat(model=self.model, messages=messages)                  # 12


def plain(messages):
    return ollama.Client(host=None).chat(model="llama3", messages=messages)           # 16


def proxied(messages):
    proxy = OpenAI(base_url="http://localhost:4000/v1")
    return proxy.chat.completions.create(model="gpt-4o-mini", messages=messages)      # 21
'''


@pytest.fixture(scope="module")
def estimates():
    result = api.check_source(SOURCE, "local.py")
    return {s.span.start_line: result.estimates[s.id] for s in result.call_sites}


@pytest.mark.parametrize("line", [12, 16])
def test_an_ollama_model_with_a_zero_row_is_self_hosted(estimates, line):
    cost = estimates[line].cost_per_call
    assert cost.value is None
    assert cost.prior == "self-hosted: no per-token price (an Ollama model `llama3`)"
    assert estimates[line].range is None


def test_a_priced_row_on_a_local_host_still_prices_the_call(estimates):
    assert estimates[21].cost_per_call.value > 0
