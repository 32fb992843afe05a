"""A site whose model is known but has no price says why in one line: a model the user serves has no
per-token price (not a gap), an Azure deployment name needs mapping, a retired model left the price data;
and a provider the client's class or host names is tried as a price-data prefix."""
from __future__ import annotations

import pytest

from llmsight import api

SOURCE = '''import ollama
from openai import OpenAI, AzureOpenAI
from anthropic import Anthropic
from langchain_groq import ChatGroq

local = OpenAI(base_url="http://localhost:8000/v1")
compose = OpenAI(base_url="http://vllm:8000/v1")
azure = AzureOpenAI(azure_endpoint="https://x.openai.azure.com", api_version="2024-06-01")
cerebras = OpenAI(base_url="https://api.cerebras.ai/v1")


def a(m):
    return ollama.chat(model="llama3.1:8b", messages=m)                                          # 13


def b(m):
    return local.chat.completions.create(model="my-finetune", messages=m)                        # 17


def c(m):
    return compose.chat.completions.create(model="tgi", messages=m)                              # 21


def d(m):
    return azure.chat.completions.create(model="prod-gpt", messages=m)                           # 25


def e(m):
    return Anthropic().messages.create(model="claude-2.0", max_tokens=10, messages=m)               # 29


def f(m):
    return cerebras.chat.completions.create(model="gpt-oss-120b", messages=m)                    # 33


def g(m):
    return ChatGroq(model="openai/gpt-oss-120b").invoke(m)                                       # 37
'''


@pytest.fixture(scope="module")
def estimates():
    result = api.check_source(SOURCE, "sites.py")
    return {s.span.start_line: result.estimates[s.id] for s in result.call_sites}


@pytest.mark.parametrize("line, reason", [
    (13, "self-hosted: no per-token price (an Ollama model `llama3.1:8b`)"),
    (17, "self-hosted: no per-token price (served at localhost `my-finetune`)"),
    (21, "self-hosted: no per-token price (a model on the user's TGI server `tgi`)"),
    (25, "`prod-gpt` names an Azure deployment, not a model: map it"),
    (29, "model 'claude-2.0' retired on 2025-07-21"),
])
def test_reason_for_no_price(estimates, line, reason):
    est = estimates[line]
    assert est.cost_per_call.value is None
    assert est.cost_per_call.prior.startswith(reason), est.cost_per_call.prior


@pytest.mark.parametrize("line", [33, 37])
def test_provider_of_host_or_class_prices_the_model(estimates, line):
    assert estimates[line].cost_per_call.value > 0


def test_batch_creation_is_priced_at_the_batch_rate():
    source = '''from openai import OpenAI
client = OpenAI()


def batch(file_id):
    return client.batches.create(input_file_id=file_id, endpoint="/v1/chat/completions", completion_window="24h")  # llmsight: model=gpt-4o-mini


def one(m):
    return client.chat.completions.create(model="gpt-4o-mini", messages=m)
'''
    result = api.check_source(source, "batch.py")
    cost = {s.operation: result.estimates[s.id].cost_per_call.value for s in result.call_sites}
    assert cost["batch"] == pytest.approx(cost["chat"] / 2)   # gpt-4o-mini's *_batches rates are half


def test_anthropic_message_batch_takes_model_and_cap_from_its_requests():
    source = '''import anthropic
client = anthropic.Anthropic()


def summarise_all(docs):
    requests = [{"custom_id": str(i), "params": {"model": "claude-haiku-4-5", "max_tokens": 300,
                 "messages": [{"role": "user", "content": d}]}} for i, d in enumerate(docs)]
    return client.messages.batches.create(requests=requests)
'''
    result = api.check_source(source, "batches.py")
    site = result.call_sites[0]
    assert (site.operation, site.model.value, site.max_tokens.value) == ("batch", "claude-haiku-4-5", 300)
    assert result.estimates[site.id].cost_per_call.value > 0
