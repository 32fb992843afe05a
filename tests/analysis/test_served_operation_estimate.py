"""A method that serves every kind of model (Bedrock's invoke_model) reaching an embedding or rerank model is
estimated as what that model does: an embedding of run-time text at the input-size prior per text, a rerank
billed per search at one search per call — never $0 as a chat with no output price."""
from __future__ import annotations

from pathlib import Path

import pytest

from llmsight import api
from llmsight.knowledge.catalog import Catalog

BEDROCK = '''import json
import boto3

runtime = boto3.client("bedrock-runtime")


def call(text, docs):
    return runtime.invoke_model(modelId="{model}", body=json.dumps({body}))
'''


def _estimate(tmp_path: Path, model: str, body: str):
    text = BEDROCK.format(model=model, body=body)
    (tmp_path / "app.py").write_text(text, encoding="utf-8")
    result = api.check_source(text, "app.py", root=tmp_path, config={})
    return result.estimates[result.call_sites[0].id]


def test_invoke_model_of_an_embedding_model_is_priced_per_text_at_the_prior(tmp_path):
    model = "amazon.titan-embed-text-v2:0"
    est = _estimate(tmp_path, model, '{"inputText": text}')
    rate = Catalog.load().lookup(model).input_cost_per_token
    assert est.output_tokens == 0 and est.per_text_tokens == 1000
    assert est.cost_per_call.value == pytest.approx(1000 * rate) and est.cost_per_call.value > 0


def test_invoke_model_of_a_rerank_model_is_one_search_per_call(tmp_path):
    model = "cohere.rerank-v3-5:0"
    est = _estimate(tmp_path, model, '{"query": text, "documents": docs, "api_version": 2}')
    assert est.cost_per_call.value == pytest.approx(Catalog.load().lookup(model).raw["input_cost_per_query"])
    assert est.output_tokens == 0


def test_invoke_model_of_a_chat_model_is_still_a_chat(tmp_path):
    est = _estimate(tmp_path, "meta.llama3-1-70b-instruct-v1:0", '{"prompt": text}')
    assert est.output_tokens > 0 and est.per_text_tokens is None
