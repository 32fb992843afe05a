"""Discovery of other providers' SDKs real applications call (corpus: vanna, deepeval, pandasai,
semantic-router, pdf2zh, browser-use): each request is found with its SDK, operation and model."""
from __future__ import annotations

import pytest

from llmsight import api

SOURCE = '''
import qianfan
from vertexai.language_models import TextEmbeddingModel, CodeChatModel
from vertexai.preview.language_models import TextGenerationModel
from xai_sdk import Client, AsyncClient
from aurelio_sdk import AurelioClient
from xinference_client import RESTfulClient
from ibm_watsonx_ai.foundation_models import ModelInference
from oci.generative_ai_inference import GenerativeAiInferenceClient
import text_generation
import random


class Ernie:
    def __init__(self, config):
        self.model = config["model"] if "model" in config else "ERNIE-Speed"
        self.client = qianfan.ChatCompletion(ak="a", sk="b")

    def ask(self, messages):
        return self.client.do(model=self.model, messages=messages)          # 20


def embed(texts):
    model = TextEmbeddingModel.from_pretrained("text-embedding-004")
    return model.get_embeddings(texts)                                      # 25


def complete(prompt):
    return TextGenerationModel.from_pretrained("text-bison@001").predict(prompt, max_output_tokens=64)   # 29


def code_chat(text):
    chat = CodeChatModel.from_pretrained("codechat-bison").start_chat(context="c")
    return chat.send_message(text)                                          # 34


async def grok(text):
    chat = AsyncClient().chat.create(model="grok-3", max_tokens=100)
    return await chat.sample()                                              # 39


def sparse(texts):
    return AurelioClient(api_key="k").embedding(input=texts, model="bm25")  # 43


def served(messages):
    handle = RESTfulClient("http://localhost:9997").get_model("qwen2-instruct")
    return handle.chat(messages=messages)                                   # 48


def granite(prompt):
    return ModelInference(model_id="ibm/granite-13b-chat-v2").generate_text(prompt=prompt)   # 52


def oci_chat(details):
    return GenerativeAiInferenceClient({}).chat(details)                    # 56


def tgi(prompt):
    return text_generation.Client("http://tgi:8080").generate_stream(prompt, max_new_tokens=10)   # 60


def not_a_request(items):
    return random.sample(items, 2)
'''

EXPECTED = {
    20: ("qianfan", "chat", "ERNIE-Speed", False, False),
    25: ("vertexai", "embedding", "text-embedding-004", False, False),
    29: ("vertexai", "completion", "text-bison@001", False, False),
    34: ("vertexai", "chat", "codechat-bison", False, False),
    39: ("xai", "chat", "grok-3", True, False),
    43: ("aurelio", "embedding", "bm25", False, False),
    48: ("xinference", "chat", "qwen2-instruct", False, False),
    52: ("watsonx", "completion", "ibm/granite-13b-chat-v2", False, False),
    56: ("oci", "chat", None, False, False),
    60: ("tgi", "completion", None, False, True),
}


@pytest.fixture(scope="module")
def sites():
    return {s.span.start_line: s for s in api.check_source(SOURCE, "providers.py").call_sites}


def test_every_request_is_found_and_nothing_else(sites):
    assert set(sites) == set(EXPECTED)


@pytest.mark.parametrize("line", sorted(EXPECTED))
def test_sdk_operation_model_async_stream(sites, line):
    s = sites[line]
    assert (s.sdk, s.operation, s.model.value, s.is_async, s.stream) == EXPECTED[line]


@pytest.mark.parametrize("line, cap", [(29, 64), (39, 100), (60, 10)])
def test_output_cap(sites, line, cap):
    assert sites[line].max_tokens.value == cap


HTTP_SOURCE = '''
import aiohttp
import requests
from typesafe_sdk import TypeSafeClient

TEXT2IMG_URL = "https://modelslab.com/api/v6/images/text2img"


async def lollms(base_url, data):
    async with aiohttp.ClientSession() as session:
        async with session.post(f"{base_url}/lollms_generate", json=data) as r:     # 11
            return await r.text()


def image(key, prompt):
    return requests.post(TEXT2IMG_URL, json={"key": key, "prompt": prompt, "model_id": "flux"})   # 16


def decide(state, questions):
    return TypeSafeClient(api_key="k", model="jev-1").system_one(state, questions)   # 20


def not_a_request(base_url):
    return requests.post(f"{base_url}/login", json={})
'''


def test_provider_apis_of_their_own_are_requests():
    found = {s.span.start_line: (s.sdk, s.operation, s.model.value)
             for s in api.check_source(HTTP_SOURCE, "apis.py").call_sites}
    assert found == {11: ("http", "completion", None), 16: ("http", "image", "flux"),   # the body names its model model_id
                     20: ("typesafe", "chat", "jev-1")}


def test_client_from_a_caching_getter_used_in_a_nested_function():
    """`self` in a function nested in a method (run in a thread) is the method's instance (corpus M33)."""
    src = '''from oci.generative_ai_inference import GenerativeAiInferenceClient


class Chat:
    def __init__(self, auth_type):
        self.auth_type = auth_type
        self._client = None

    def _get_oci_client(self):
        if self._client is None:
            if self.auth_type == "API_KEY":
                self._client = GenerativeAiInferenceClient(config={}, timeout=(10, 240))
            else:
                self._client = GenerativeAiInferenceClient(config={}, signer=None)
        return self._client

    async def ainvoke(self, details):
        def _sync_request():
            client = self._get_oci_client()
            return client.chat(details)
        return _sync_request()

    def not_an_instance(self, details):
        def inner(self):
            return self.chat(details)
        return inner(object())
'''
    assert [(s.span.start_line, s.sdk) for s in api.check_source(src, "oci_chat.py").call_sites] == [(20, "oci")]


def test_llamaindex_llms_and_embeddings():
    src = '''from llama_index.llms.openai_like import OpenAILike
from llama_index.llms.mistralai import MistralAI
from llama_index.core.embeddings import BaseEmbedding
from llama_index.core.llms import ChatMessage

llm = OpenAILike(model="tgi", api_base="http://localhost:8080/v1", is_chat_model=True)
reply = llm.complete("hi")


async def chat(model: str, prompt):
    return await model.achat(messages=[ChatMessage(role="user", content=prompt)])


def embed(texts, embed_model: BaseEmbedding = None):
    return embed_model._get_text_embeddings(texts)


def mistral(q):
    return MistralAI(model="mistral-small-latest").chat([q])


def not_requests(messages, engine):
    messages.append(1)
    return engine.complete_task()
'''
    result = api.check_source(src, "llama.py")
    found = {s.span.start_line: (s.sdk, s.operation, s.model.value, s.is_async) for s in result.call_sites}
    assert found == {7: ("llama-index", "completion", "tgi", False), 11: ("llama-index", "chat", None, True),
                     15: ("llama-index", "embedding", None, False),
                     19: ("llama-index", "chat", "mistral-small-latest", False)}
    priced = {s.span.start_line: result.estimates[s.id].cost_per_call for s in result.call_sites}
    assert priced[19].value > 0 and priced[7].prior.startswith("self-hosted")


def test_client_only_subclasses_bind_is_found_in_the_base_class_method(tmp_path):
    """pandasai's shape (corpus M32): the base class's method calls `self.client.create(...)`; only its
    subclasses, in other files, set `self.client` to an SDK resource."""
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n", encoding="utf-8")
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("", encoding="utf-8")
    (pkg / "base.py").write_text('''from typing import Any


class BaseOpenAI:
    client: Any
    model = "gpt-4o-mini"

    def chat_completion(self, prompt):
        return self.client.create(model=self.model, messages=[{"role": "user", "content": prompt}])

    def save(self):
        return self.store.create(name="not a request")
''', encoding="utf-8")
    (pkg / "openai_llm.py").write_text('''import openai
from .base import BaseOpenAI


class OpenAI(BaseOpenAI):
    def __init__(self):
        self.client = openai.OpenAI().chat.completions
        self.store = object()
''', encoding="utf-8")
    sites = api.check([tmp_path], use_cache=False).call_sites
    assert [(s.span.path, s.span.start_line, s.sdk, s.operation, s.model.value) for s in sites] == [
        ("pkg/base.py", 9, "openai", "chat", "gpt-4o-mini")]
