"""Discovery of the requests the SDK tables add (issue 12 item 3): batch creation, old and beta namespaces,
google-genai's Interactions API, realtime sessions, Voyage AI and azure-ai-inference — and the management
endpoints beside them that are not call sites. Real files on disk, the real engine."""
from __future__ import annotations

import json
import textwrap
from pathlib import Path

import jsonschema
import pytest

from llmsight import api
from llmsight.formats import render

SCHEMA = json.loads((Path(__file__).resolve().parents[2] / "schema" / "check.v1.json").read_text(encoding="utf-8"))


def check(tmp_path: Path, *sources: str, rules: bool = False):
    """Scan one project holding each source as a module of its own (`app.py`, `app1.py`, …)."""
    (tmp_path / "pyproject.toml").write_text("[project]\nname='x'\n")
    for i, source in enumerate(sources):
        (tmp_path / f"app{i or ''}.py").write_text(textwrap.dedent(source), encoding="utf-8")
    return api.check([tmp_path], **({} if rules else {"select": ["NONE"]}), use_cache=False, with_estimates=False)


def sites(tmp_path: Path, source: str) -> list[tuple]:
    """(line, sdk, operation, model, is_async) of every site found, in source order."""
    return [(s.span.start_line, s.sdk, s.operation, s.model.value, s.is_async) for s in check(tmp_path, source).call_sites]


# (source, expected sites as (line, sdk, operation, model, is_async))
CASES = {
    "anthropic-message-batch": ("""
        import anthropic
        client = anthropic.Anthropic()
        batch = client.messages.batches.create(requests=[
            {"custom_id": "a", "params": {"model": "claude-3-5-haiku-latest", "max_tokens": 64, "messages": []}},
        ])
        client.messages.batches.retrieve(batch.id)
        for result in client.messages.batches.results(batch.id):
            pass
        """, [(4, "anthropic", "batch", "claude-3-5-haiku-latest", False)]),   # the requests' params name it
    "anthropic-beta-message-batch-async": ("""
        from anthropic import AsyncAnthropic
        async def submit(requests):
            return await AsyncAnthropic().beta.messages.batches.create(requests=requests)
        """, [(4, "anthropic", "batch", None, True)]),
    "openai-batch-of-a-jsonl-file": ("""
        from openai import OpenAI
        client = OpenAI()
        upload = client.files.create(file=open("requests.jsonl", "rb"), purpose="batch")
        job = client.batches.create(input_file_id=upload.id, endpoint="/v1/chat/completions", completion_window="24h")
        client.batches.retrieve(job.id)
        client.batches.list()
        client.files.content(job.output_file_id)
        """, [(5, "openai", "batch", None, False)]),
    "anthropic-prompt-caching-beta": ("""
        import anthropic
        client = anthropic.Anthropic()
        client.beta.prompt_caching.messages.create(model="claude-3-5-sonnet-20241022", max_tokens=100, messages=[])
        with client.beta.prompt_caching.messages.stream(model="claude-3-5-sonnet-20241022", max_tokens=10, messages=[]) as s:
            pass
        """, [(4, "anthropic", "chat", "claude-3-5-sonnet-20241022", False),
              (5, "anthropic", "chat", "claude-3-5-sonnet-20241022", False)]),
    "anthropic-tools-beta": ("""
        from anthropic import Anthropic
        Anthropic().beta.tools.messages.create(model="claude-3-opus-20240229", max_tokens=1024, tools=[], messages=[])
        """, [(3, "anthropic", "chat", "claude-3-opus-20240229", False)]),
    "genai-interactions": ("""
        from google import genai
        client = genai.Client()
        interaction = client.interactions.create(model="gemini-2.5-flash", input="Tell me a story")
        async def later():
            return await client.aio.interactions.create(model="gemini-2.5-pro", input="hi")
        client.interactions.get(interaction.id)
        """, [(4, "google", "responses", "gemini-2.5-flash", False), (6, "google", "responses", "gemini-2.5-pro", True)]),
    "openai-realtime-sessions": ("""
        from openai import AsyncOpenAI
        client = AsyncOpenAI()
        async def talk():
            async with client.beta.realtime.connect(model="gpt-4o-realtime-preview") as connection:
                await connection.send({"type": "response.create"})
            async with client.realtime.connect(model="gpt-realtime") as connection:
                pass
        """, [(5, "openai", "realtime", "gpt-4o-realtime-preview", True), (7, "openai", "realtime", "gpt-realtime", True)]),
    "genai-live-session": ("""
        from google import genai
        client = genai.Client()
        async def talk():
            async with client.aio.live.connect(model="gemini-live-2.5-flash-preview", config={}) as session:
                await session.send_client_content(turns=[])
        """, [(5, "google", "realtime", "gemini-live-2.5-flash-preview", True)]),
    "voyage-client": ("""
        import voyageai
        vo = voyageai.Client()
        docs = vo.embed(["a", "b"], model="voyage-3", input_type="document")
        short = vo.embed(["a"], "voyage-3-lite")
        ranked = vo.rerank("query", ["a", "b"], model="rerank-2", top_k=1)
        vo.tokenize(["a"], model="voyage-3")
        """, [(4, "voyage", "embedding", "voyage-3", False), (5, "voyage", "embedding", "voyage-3-lite", False),
              (6, "voyage", "rerank", "rerank-2", False)]),
    "voyage-async-client-in-an-attribute": ("""
        from voyageai.client_async import AsyncClient
        class Encoder:
            def __init__(self, name="voyage-3-large"):
                self.name = name
                self._client = AsyncClient(api_key="k")
            async def __call__(self, texts):
                return await self._client.embed(texts=texts, model=self.name)
        """, [(8, "voyage", "embedding", "voyage-3-large", True)]),
    "voyage-module-function": ("""
        import voyageai
        def embed(docs, model_id="voyage-2"):
            return voyageai.get_embeddings(docs, model=model_id)
        """, [(4, "voyage", "embedding", "voyage-2", False)]),
    "azure-ai-inference-chat-and-embeddings": ("""
        from azure.ai.inference import ChatCompletionsClient, EmbeddingsClient
        from azure.core.credentials import AzureKeyCredential
        chat = ChatCompletionsClient(endpoint="https://x.services.ai.azure.com/models", credential=AzureKeyCredential("k"))
        reply = chat.complete(messages=[{"role": "user", "content": "hi"}], model="Phi-4", max_tokens=200)
        embedder = EmbeddingsClient(endpoint="https://x.services.ai.azure.com/models", credential=AzureKeyCredential("k"),
                                    model="text-embedding-3-small")
        vectors = embedder.embed(input=["a"])
        chat.get_model_info()
        """, [(5, "azure-ai-inference", "chat", "Phi-4", False),
              (8, "azure-ai-inference", "embedding", "text-embedding-3-small", False)]),
    "azure-ai-inference-async": ("""
        from azure.ai.inference.aio import ChatCompletionsClient
        async def ask(endpoint, key, args):
            client = ChatCompletionsClient(endpoint=endpoint, credential=key, model="mistral-large")
            return await client.complete(**args)
        """, [(5, "azure-ai-inference", "chat", "mistral-large", True)]),
    "mistral-client-import-path-ocr-and-batch": ("""
        from mistralai.client import Mistral
        client = Mistral(api_key="k")
        page = client.ocr.process(model="mistral-ocr-latest", document={"type": "document_url", "document_url": "u"})
        job = client.batch.jobs.create(input_files=["f"], model="mistral-small-latest", endpoint="/v1/chat/completions")
        client.batch.jobs.get(job_id=job.id)
        """, [(4, "mistral", "image", "mistral-ocr-latest", False), (5, "mistral", "batch", "mistral-small-latest", False)]),
    "together-rerank-from-the-generated-table": ("""
        from together import Together
        Together().rerank.create(model="Salesforce/Llama-Rank-V1", query="q", documents=["a"])
        """, [(3, "together", "rerank", "Salesforce/Llama-Rank-V1", False)]),
    "cohere-legacy-embed-job": ("""
        import cohere
        co = cohere.Client("k")
        job = co.create_embed_job(dataset_id="d", input_type="search_document", model="embed-english-v3.0")
        co.embed_jobs.create(dataset_id="d", input_type="search_document", model="embed-english-v3.0")
        """, [(4, "cohere", "batch", "embed-english-v3.0", False), (5, "cohere", "batch", "embed-english-v3.0", False)]),
    "bedrock-async-invoke": ("""
        import boto3
        runtime = boto3.client("bedrock-runtime")
        runtime.start_async_invoke(modelId="amazon.nova-reel-v1:0", modelInput={}, outputDataConfig={})
        runtime.get_async_invoke(invocationArn="arn")
        """, [(4, "bedrock", "batch", "amazon.nova-reel-v1:0", False)]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_sdk_request_is_found(tmp_path, name):
    source, expected = CASES[name]
    assert sites(tmp_path, source) == expected


def test_common_method_names_do_not_make_other_calls_sites(tmp_path):
    """`conversations.append` is a Mistral request; `items.append` next to a Mistral import is not."""
    found = sites(tmp_path, """
        from mistralai.client import Mistral
        client = Mistral(api_key="k")
        items = []
        items.append(1)
        worker.start()
        db.connect()
        client.beta.conversations.append(conversation_id="c", inputs="more")
        """)
    assert found == [(8, "mistral", "chat", None, False)]


def test_new_sdk_values_and_operations_fit_the_json_schema(tmp_path):
    result = check(tmp_path, *(CASES[name][0] for name in (
        "voyage-client", "azure-ai-inference-async", "openai-realtime-sessions", "anthropic-message-batch")))
    assert {(s.sdk, s.operation) for s in result.call_sites} >= {
        ("voyage", "embedding"), ("voyage", "rerank"), ("azure-ai-inference", "chat"), ("openai", "realtime"),
        ("anthropic", "batch")}
    jsonschema.Draft202012Validator(SCHEMA).validate(json.loads(render(result, "json")))


def test_new_sdks_have_their_own_defaults_and_model_names(tmp_path):
    """A voyage call states the voyage SDK's defaults, and a Foundry deployment name is not a misspelt model."""
    result = check(tmp_path, CASES["voyage-client"][0], CASES["azure-ai-inference-chat-and-embeddings"][0], rules=True)
    by_site = {(d.code, d.span.path, d.span.start_line): d.message for d in result.diagnostics}
    assert "voyage SDK has no timeout: a hung request waits forever" in by_site[("LLM001", "app.py", 4)]
    assert "azure-core read_timeout" in by_site[("LLM001", "app1.py", 5)]
    assert not [key for key in by_site if key[0] == "LLM009"]
