"""Client libraries real applications call beside the big four, Chinese-market and hosted-model ones first:
Alibaba DashScope's API classes, Volcengine Ark, Replicate, Fireworks (both SDK generations), iFlytek Spark;
each request is found with its SDK, operation, model, async-ness, and priced from its provider's rows."""
from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from llmsight import api
from llmsight.analysis.catalog_names import catalog_entry
from llmsight.knowledge.catalog import Catalog
from llmsight.formats import json_
from site_lines import line_of, sites_by_line

DASHSCOPE = '''
import dashscope
from dashscope import AioGeneration, MultiModalConversation
from dashscope.aigc.image_synthesis import ImageSynthesis


def answer(messages):
    return dashscope.Generation.call(model="qwen-plus", messages=messages, result_format="message")


async def answer_async(messages):
    return await AioGeneration.call("qwen-max", messages=messages, stream=True)


def describe(messages):
    return MultiModalConversation.call(model="qwen-vl-plus", messages=messages)


def embed(texts):
    return dashscope.TextEmbedding.call(model="text-embedding-v3", input=texts)


def rank(query, docs):
    return dashscope.TextReRank.call(model="gte-rerank", query=query, documents=docs)


def draw(prompt):
    return ImageSynthesis.async_call(model="wanx-v1", prompt=prompt)
'''


def _row(site) -> str | None:
    info = catalog_entry(Catalog.load(None), site, site.model.value)
    return info.name if info is not None else None


def _facts(site):
    return site.sdk, site.operation, site.model.value, site.is_async


def test_dashscope_api_classes_are_requests_priced_from_dashscope_rows():
    sites = sites_by_line(DASHSCOPE)
    at = {text: sites[line_of(DASHSCOPE, text)] for text in (
        "Generation.call(model", "AioGeneration.call", "MultiModalConversation.call", "TextEmbedding.call",
        "TextReRank.call", "ImageSynthesis.async_call")}
    assert {text: _facts(s) for text, s in at.items()} == {
        "Generation.call(model": ("dashscope", "chat", "qwen-plus", False),
        "AioGeneration.call": ("dashscope", "chat", "qwen-max", True),
        "MultiModalConversation.call": ("dashscope", "chat", "qwen-vl-plus", False),
        "TextEmbedding.call": ("dashscope", "embedding", "text-embedding-v3", False),
        "TextReRank.call": ("dashscope", "rerank", "gte-rerank", False),
        "ImageSynthesis.async_call": ("dashscope", "image", "wanx-v1", False),
    }
    assert at["AioGeneration.call"].stream is True
    assert _row(at["Generation.call(model"]) == "dashscope/qwen-plus"
    assert len(sites) == 6


ARK = '''
from volcenginesdkarkruntime import Ark, AsyncArk

client = Ark(api_key="k", timeout=30)


def ask(messages):
    return client.chat.completions.create(model="doubao-pro-32k", messages=messages, max_tokens=64)


def embed(texts):
    return client.embeddings.create(model="doubao-embedding", input=texts)


async def ask_async(messages):
    return await AsyncArk().chat.completions.create(model="doubao-pro-32k", messages=messages)
'''


def test_volcengine_ark_requests_are_volcengine_and_priced_from_its_rows():
    sites = sites_by_line(ARK)
    chat, embed, chat_async = (sites[line_of(ARK, text)] for text in (
        "client.chat.completions", "embeddings.create", "AsyncArk().chat"))
    assert _facts(chat) == ("volcengine", "chat", "doubao-pro-32k", False)
    assert (chat.timeout.value, chat.max_tokens.value) == (30, 64)
    assert _facts(embed) == ("volcengine", "embedding", "doubao-embedding", False)
    assert _facts(chat_async) == ("volcengine", "chat", "doubao-pro-32k", True)
    assert Catalog.load(None).lookup(_row(embed)).provider == "volcengine"


REPLICATE = '''
import replicate

VERSIONED = "meta/llama-2-70b-chat:02e509c789964a7ea8736978a43525956ef40397be9033abf9fd2badfe68c9e3"


def run(prompt):
    return replicate.run(VERSIONED, input={"prompt": prompt, "max_new_tokens": 128})


async def stream(prompt):
    async for event in await replicate.async_stream("meta/llama-2-7b-chat", input={"prompt": prompt}):
        yield event


def submit(prompt):
    client = replicate.Client(api_token="t")
    return client.predictions.create(model="meta/llama-2-13b-chat", input={"prompt": prompt})
'''


def test_replicate_runs_and_predictions_are_priced_without_the_version():
    sites = sites_by_line(REPLICATE)
    run, stream, submit = (sites[line_of(REPLICATE, text)] for text in (
        "replicate.run(", "async_stream", "predictions.create"))
    assert _facts(run)[:3] == ("replicate", "completion", "meta/llama-2-70b-chat:02e509c789964a7ea8736978a43525956ef40397be9033abf9fd2badfe68c9e3")
    assert run.max_tokens.value == 128
    assert _row(run) == "replicate/meta/llama-2-70b-chat"
    assert (_facts(stream), stream.stream) == (("replicate", "completion", "meta/llama-2-7b-chat", True), True)
    assert _facts(submit) == ("replicate", "completion", "meta/llama-2-13b-chat", False)


FIREWORKS = '''
import fireworks.client
from fireworks.client import AsyncFireworks
from fireworks import Fireworks

MODEL = "accounts/fireworks/models/llama-v3p1-8b-instruct"


def legacy(messages):
    return fireworks.client.ChatCompletion.create(MODEL, messages=messages, request_timeout=20)


async def legacy_client(messages):
    return await AsyncFireworks(api_key="k").chat.completions.acreate(model=MODEL, messages=messages)


def current(messages):
    return Fireworks().messages.create(model=MODEL, max_tokens=10, messages=messages)
'''


def test_fireworks_module_and_both_client_generations_are_fireworks_requests():
    sites = sites_by_line(FIREWORKS)
    legacy, legacy_client, current = (sites[line_of(FIREWORKS, text)] for text in (
        "ChatCompletion.create", "acreate", "messages.create"))
    model = "accounts/fireworks/models/llama-v3p1-8b-instruct"
    assert _facts(legacy) == ("fireworks", "chat", model, False) and legacy.timeout.value == 20
    assert _facts(legacy_client) == ("fireworks", "chat", model, True)
    assert _facts(current) == ("fireworks", "chat", model, False) and current.max_tokens.value == 10
    assert _row(current) == f"fireworks_ai/{model}"


SPARK = '''
from sparkai.llm.llm import ChatSparkLLM
from sparkai.core.messages import ChatMessage

spark = ChatSparkLLM(spark_api_url="wss://spark-api.xf-yun.com/v3.5/chat", spark_app_id="a", spark_api_key="b",
                     spark_api_secret="c", spark_llm_domain="generalv3.5", streaming=False)


def ask(text):
    return spark.generate([[ChatMessage(role="user", content=text)]])
'''


def test_spark_chat_model_names_its_model_by_domain():
    (site,) = sites_by_line(SPARK).values()
    assert _facts(site) == ("sparkai", "chat", "generalv3.5", False)


NOT_REQUESTS = '''
import subprocess
from unittest import mock
from mylib import Generation


def build():
    subprocess.call(["make"])
    mock.call(1)
    return Generation.call(model="qwen-plus", messages=[])
'''


def test_calls_named_call_outside_the_sdks_are_not_requests():
    assert sites_by_line(NOT_REQUESTS) == {}


SCHEMAS = [Path(__file__).resolve().parents[2] / "llmsight" / "schema" / "check.v1.json",
           Path(__file__).parents[2] / "schema" / "check.v1.json"]


@pytest.mark.parametrize("schema", SCHEMAS, ids=["package", "repository"])
def test_market_sdk_sites_validate_against_both_schema_copies(schema, tmp_path):
    (tmp_path / "pyproject.toml").write_text("[project]\nname='x'\n")
    for name, source in (("ds.py", DASHSCOPE), ("ark.py", ARK), ("rep.py", REPLICATE), ("fw.py", FIREWORKS),
                         ("spark.py", SPARK)):
        (tmp_path / name).write_text(source, encoding="utf-8")
    report = json.loads(json_.render(api.check([tmp_path], use_cache=False)))
    assert {"dashscope", "volcengine", "replicate", "fireworks", "sparkai"} <= {s["sdk"] for s in report["call_sites"]}
    jsonschema.validate(report, json.loads(schema.read_text(encoding="utf-8")))


FRAMEWORKS = '''
from langchain_community.chat_models import ChatTongyi, QianfanChatEndpoint
from langchain_community.chat_models.moonshot import MoonshotChat
from langchain_community.llms import Tongyi
from llama_index.llms.dashscope import DashScope


def ask_all(q):
    ChatTongyi(model="qwen-plus").invoke(q)
    Tongyi(model_name="qwen-max").invoke(q)
    MoonshotChat(model="moonshot-v1-8k").invoke(q)
    QianfanChatEndpoint(model="ERNIE-Bot-4").invoke(q)
    DashScope(model_name="qwen-turbo").complete(q)
'''


def test_framework_classes_of_these_providers_name_their_model_and_price_route():
    sites = sites_by_line(FRAMEWORKS)
    got = {text: sites[line_of(FRAMEWORKS, text)] for text in (
        "ChatTongyi(", "Tongyi(model_name", "MoonshotChat(", "QianfanChatEndpoint(", "DashScope(")}
    assert {text: (s.model.value, _row(s)) for text, s in got.items()} == {
        "ChatTongyi(": ("qwen-plus", "dashscope/qwen-plus"),
        "Tongyi(model_name": ("qwen-max", "dashscope/qwen-max"),
        "MoonshotChat(": ("moonshot-v1-8k", "moonshot/moonshot-v1-8k"),
        "QianfanChatEndpoint(": ("ERNIE-Bot-4", None),   # Qianfan's models have no row in the price data
        "DashScope(": ("qwen-turbo", "dashscope/qwen-turbo"),
    }


def test_output_cap_advice_follows_each_sdk():
    source = '''
import replicate
from sparkai.llm.llm import ChatSparkLLM


def ask(p):
    replicate.run("meta/meta-llama-3-8b-instruct", input={"prompt": p})
    return ChatSparkLLM(spark_llm_domain="generalv3.5").invoke(p)
'''
    (found,) = api.check_source(source, "app.py", select=["LLM004"]).diagnostics   # ChatSparkLLM caps at 2048
    assert found.span.start_line == line_of(source, "replicate.run") and "input.max_tokens" in found.message
    assert [e.new_text for fix in found.fixes for e in fix.edits] == [', "max_tokens": 1024']   # into input={…}


def test_ark_requests_generated_from_the_sdk_are_sites():
    source = '''
from volcenginesdkarkruntime import Ark, AsyncArk


async def run(messages, texts):
    client, aclient = Ark(), AsyncArk()
    client.batch.chat.completions.create(model="doubao-pro-32k", messages=messages)
    client.bot_chat.completions.create(model="bot-20240101-x", messages=messages)
    await aclient.multimodal_embeddings.create(model="doubao-embedding-vision", input=texts)
    client.files.list()
'''
    sites = sites_by_line(source)
    assert sorted((line, s.sdk, s.operation, s.is_async) for line, s in sites.items()) == [
        (line_of(source, "batch.chat"), "volcengine", "chat", False),
        (line_of(source, "bot_chat"), "volcengine", "chat", False),
        (line_of(source, "multimodal_embeddings"), "volcengine", "embedding", True),
    ]


def test_fireworks_llm_is_bound_to_its_model_and_priced_as_fireworks_own():
    source = '''
from fireworks import LLM

llm = LLM(model="llama-v3p1-8b-instruct", deployment_type="serverless", request_timeout=15)


async def ask(messages):
    llm.chat.completions.create(messages=messages, max_tokens=50)
    return await llm.chat.completions.acreate(messages=messages)
'''
    sites = sites_by_line(source)
    sync, async_ = (sites[line_of(source, text)] for text in ("completions.create(", "acreate("))
    assert (_facts(sync), sync.max_tokens.value, sync.timeout.value) == (
        ("fireworks", "chat", "llama-v3p1-8b-instruct", False), 50, 15)
    assert _facts(async_) == ("fireworks", "chat", "llama-v3p1-8b-instruct", True)
    assert _row(sync) == "fireworks_ai/accounts/fireworks/models/llama-v3p1-8b-instruct"
