"""Call-site discovery across SDKs and binding patterns (real files on disk, the real engine)."""
from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from llmsight import api


def scan(tmp_path: Path, files: dict[str, str], **kwargs):
    (tmp_path / "pyproject.toml").write_text(kwargs.pop("pyproject", "[project]\nname='x'\n"))
    for rel, text in files.items():
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(textwrap.dedent(text) if not rel.endswith(".ipynb") else text, encoding="utf-8")
    return api.check([tmp_path], select=["NONE"], use_cache=False, with_estimates=False, **kwargs)


def one(tmp_path, src, **kw):
    result = scan(tmp_path, {"m.py": src}, **kw)
    assert len(result.call_sites) == 1, [s.api for s in result.call_sites]
    return result.call_sites[0]


# (source, sdk, operation, model, extra expectations)
CASES = {
    "openai-local": ("""
        from openai import OpenAI
        client = OpenAI()
        def f():
            return client.chat.completions.create(model="gpt-4o-mini", messages=[])
        """, "openai", "chat", "gpt-4o-mini", {}),
    "openai-module-level-client": ("""
        import openai
        openai.chat.completions.create(model="gpt-4o", messages=[])
        """, "openai", "chat", "gpt-4o", {}),
    "openai-responses": ("""
        from openai import OpenAI
        OpenAI().responses.create(model="gpt-4.1", input="hi", max_output_tokens=50)
        """, "openai", "responses", "gpt-4.1", {"max_tokens": 50}),
    "openai-beta-parse": ("""
        from openai import OpenAI
        c = OpenAI()
        c.beta.chat.completions.parse(model="gpt-4o-2024-08-06", messages=[], response_format=X)
        """, "openai", "chat", "gpt-4o-2024-08-06", {}),
    "openai-raw-response": ("""
        from openai import OpenAI
        c = OpenAI(timeout=12)
        c.chat.completions.with_raw_response.create(model="gpt-4o", messages=[])
        """, "openai", "chat", "gpt-4o", {"timeout": (12, "client")}),
    "openai-with-options": ("""
        from openai import OpenAI
        c = OpenAI()
        c.with_options(timeout=5, max_retries=0).chat.completions.create(model="gpt-4o", messages=[])
        """, "openai", "chat", "gpt-4o", {"timeout": (5, "client"), "retries": (0, "client")}),
    "openai-stream-helper": ("""
        from openai import OpenAI
        with OpenAI().chat.completions.stream(model="gpt-4o", messages=[]) as s:
            pass
        """, "openai", "chat", "gpt-4o", {"stream": True}),
    "openai-embeddings": ("""
        from openai import OpenAI
        OpenAI().embeddings.create(model="text-embedding-3-small", input=["a"])
        """, "openai", "embedding", "text-embedding-3-small", {}),
    "openai-images": ("""
        from openai import OpenAI
        OpenAI().images.generate(model="dall-e-3", prompt="cat")
        """, "openai", "image", "dall-e-3", {}),
    "openai-audio": ("""
        from openai import OpenAI
        OpenAI().audio.transcriptions.create(model="whisper-1", file=f)
        """, "openai", "audio", "whisper-1", {}),
    "azure-openai": ("""
        from openai import AzureOpenAI
        client = AzureOpenAI(azure_endpoint="https://x.openai.azure.com", api_version="2024-06-01")
        client.chat.completions.create(model="my-gpt4o-deployment", messages=[])
        """, "openai", "chat", "my-gpt4o-deployment", {}),
    "openai-async-await": ("""
        from openai import AsyncOpenAI
        aclient = AsyncOpenAI()
        async def f():
            return await aclient.chat.completions.create(model="gpt-4o", messages=[], stream=True)
        """, "openai", "chat", "gpt-4o", {"is_async": True, "stream": True}),
    "anthropic-messages": ("""
        import anthropic
        client = anthropic.Anthropic()
        client.messages.create(model="claude-sonnet-4-5", max_tokens=1024, messages=[])
        """, "anthropic", "chat", "claude-sonnet-4-5", {"max_tokens": 1024}),
    "anthropic-stream": ("""
        from anthropic import AsyncAnthropic
        async def f(c: AsyncAnthropic):
            async with c.messages.stream(model="claude-3-5-haiku-latest", max_tokens=10, messages=[]) as s:
                pass
        """, "anthropic", "chat", "claude-3-5-haiku-latest", {"stream": True, "is_async": True}),
    "anthropic-legacy-client": ("""
        import anthropic
        c = anthropic.Client()
        c.completions.create(model="claude-2.1", max_tokens_to_sample=300, prompt="x")
        """, "anthropic", "completion", "claude-2.1", {"max_tokens": 300}),
    "google-genai": ("""
        from google import genai
        from google.genai import types
        client = genai.Client()
        client.models.generate_content(model="gemini-2.0-flash", contents="hi",
                                       config=types.GenerateContentConfig(max_output_tokens=256))
        """, "google", "chat", "gemini-2.0-flash", {"max_tokens": 256}),
    "google-genai-async": ("""
        from google import genai
        client = genai.Client()
        async def f():
            await client.aio.models.generate_content(model="gemini-2.5-pro", contents="hi")
        """, "google", "chat", "gemini-2.5-pro", {"is_async": True}),
    "google-genai-embed": ("""
        from google import genai
        genai.Client().models.embed_content(model="text-embedding-004", contents=["a"])
        """, "google", "embedding", "text-embedding-004", {}),
    "google-generativeai": ("""
        import google.generativeai as genai
        model = genai.GenerativeModel("gemini-1.5-flash", generation_config={"max_output_tokens": 100})
        def f(p):
            return model.generate_content(p)
        """, "google", "chat", "gemini-1.5-flash", {"max_tokens": 100}),
    "bedrock-converse": ("""
        import boto3
        brt = boto3.client("bedrock-runtime", region_name="us-east-1")
        brt.converse(modelId="anthropic.claude-3-haiku-20240307-v1:0", messages=[],
                     inferenceConfig={"maxTokens": 512})
        """, "bedrock", "chat", "anthropic.claude-3-haiku-20240307-v1:0", {"max_tokens": 512}),
    "bedrock-invoke-model": ("""
        import json, boto3
        from botocore.config import Config
        brt = boto3.client(service_name="bedrock-runtime", config=Config(read_timeout=30))
        brt.invoke_model(modelId="meta.llama3-8b-instruct-v1:0", body=json.dumps({"prompt": "x", "max_gen_len": 64}))
        """, "bedrock", "chat", "meta.llama3-8b-instruct-v1:0", {"max_tokens": 64, "timeout": (30, "client")}),
    "litellm-completion": ("""
        import litellm
        litellm.completion(model="gpt-4o-mini", messages=[], num_retries=3, timeout=10)
        """, "litellm", "chat", "gpt-4o-mini", {"timeout": (10, "call"), "retries": (3, "call")}),
    "litellm-acompletion-import": ("""
        from litellm import acompletion
        async def f():
            await acompletion("anthropic/claude-3-5-sonnet-20241022", [{"role": "user", "content": "hi"}])
        """, "litellm", "chat", "anthropic/claude-3-5-sonnet-20241022", {"is_async": True}),
    "litellm-router": ("""
        from litellm import Router
        router = Router(model_list=[], fallbacks=[{"gpt-4o": ["gpt-4o-mini"]}])
        router.completion(model="gpt-4o", messages=[])
        """, "litellm", "chat", "gpt-4o", {"fallback": "router"}),
    "litellm-fallbacks": ("""
        import litellm
        litellm.completion(model="gpt-4o", messages=[], fallbacks=["claude-3-5-haiku-20241022"])
        """, "litellm", "chat", "gpt-4o", {"fallback": "litellm-fallbacks"}),
    "langchain-invoke": ("""
        from langchain_openai import ChatOpenAI
        llm = ChatOpenAI(model="gpt-4o", max_tokens=300, timeout=20)
        llm.invoke("hello")
        """, "langchain", "chat", "gpt-4o", {"max_tokens": 300, "timeout": (20, "client")}),
    "langchain-chain": ("""
        from langchain_anthropic import ChatAnthropic
        from langchain_core.prompts import ChatPromptTemplate
        prompt = ChatPromptTemplate.from_messages([("system", "x")])
        chain = prompt | ChatAnthropic(model_name="claude-3-5-sonnet-20241022") 
        async def f():
            async for chunk in chain.astream({"q": 1}):
                pass
        """, "langchain", "chat", "claude-3-5-sonnet-20241022", {"stream": True, "is_async": True}),
    "langchain-fallbacks": ("""
        from langchain_openai import ChatOpenAI
        llm = ChatOpenAI(model="gpt-4o").with_fallbacks([ChatOpenAI(model="gpt-4o-mini")])
        llm.batch(["a", "b"])
        """, "langchain", "chat", "gpt-4o", {"fallback": "langchain-with_fallbacks"}),
    "ollama-module": ("""
        import ollama
        ollama.chat(model="llama3.1", messages=[], options={"num_predict": 128})
        """, "ollama", "chat", "llama3.1", {"max_tokens": 128}),
    "ollama-client": ("""
        from ollama import Client
        c = Client(host="http://localhost:11434", timeout=60)
        c.generate("mistral", "why is the sky blue")
        """, "ollama", "completion", "mistral", {"timeout": (60, "client")}),
    "groq": ("""
        from groq import Groq
        Groq().chat.completions.create(model="llama-3.1-8b-instant", messages=[])
        """, "groq", "chat", "llama-3.1-8b-instant", {}),
    "cohere": ("""
        import cohere
        co = cohere.ClientV2()
        co.chat(model="command-r-plus", messages=[])
        """, "cohere", "chat", "command-r-plus", {}),
    "mistral": ("""
        from mistralai import Mistral
        m = Mistral(api_key=key)
        m.chat.complete(model="mistral-large-latest", messages=[])
        """, "mistral", "chat", "mistral-large-latest", {}),
    "together": ("""
        from together import Together
        Together().chat.completions.create(model="meta-llama/Llama-3-70b-chat-hf", messages=[])
        """, "together", "chat", "meta-llama/Llama-3-70b-chat-hf", {}),
    "raw-http-requests": ("""
        import requests
        requests.post("https://api.openai.com/v1/chat/completions", json={"model": "gpt-4o", "messages": []},
                      headers=h, timeout=30)
        """, "http", "chat", "gpt-4o", {"timeout": (30, "call")}),
    "raw-http-httpx-async": ("""
        import httpx
        async def f():
            async with httpx.AsyncClient() as c:
                await c.post("https://api.anthropic.com/v1/messages", json={"model": "claude-3-opus-20240229"})
        """, "http", "chat", "claude-3-opus-20240229", {"is_async": True}),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_sdk_patterns(tmp_path, name):
    src, sdk, op, model, extra = CASES[name]
    s = one(tmp_path, src)
    assert (s.sdk, s.operation, s.model.value) == (sdk, op, model)
    if "max_tokens" in extra:
        assert s.max_tokens.value == extra["max_tokens"]
    for key in ("timeout", "retries"):
        if key in extra:
            assert (getattr(s, key).value, getattr(s, key).source) == extra[key]
    for key in ("is_async", "stream", "fallback"):
        if key in extra:
            assert getattr(s, key) == extra[key]


NOT_SITES = {
    "constructors-and-lists": """
        from openai import OpenAI
        c = OpenAI()
        c.models.list()
        c.files.create(file=f, purpose="batch")
        """,
    "token-counters": """
        import anthropic, tiktoken, litellm
        anthropic.Anthropic().messages.count_tokens(model="claude-3-5-sonnet-latest", messages=[])
        tiktoken.get_encoding("o200k_base").encode("x")
        litellm.token_counter(model="gpt-4o", text="x")
        litellm.supports_function_calling("gpt-4o")
        litellm.completion_cost(completion_response=r)
        """,
    "runnable-not-invoked": """
        from langchain_openai import ChatOpenAI
        llm = ChatOpenAI(model="gpt-4o")
        chain = prompt | llm
        structured = llm.with_structured_output(Schema)
        """,
    "mock-definition": """
        class FakeCompletions:
            def create(self, **kw):
                return {"choices": []}
        class FakeClient:
            chat = FakeCompletions()
        """,
    "bedrock-control-plane": """
        import boto3
        b = boto3.client("bedrock")
        b.list_foundation_models()
        b.invoke_model(modelId="x")
        """,
    "unrelated-create": """
        from django.db import models
        User.objects.create(name="x")
        requests.post("https://example.com/api", json={})
        """,
    "http-not-provider": """
        import httpx
        httpx.post("https://hooks.slack.com/services/x", json={"text": "done"})
        """,
    "string-mention": '''
        DOC = "call client.chat.completions.create(model='gpt-4o')"
        ''',
}


@pytest.mark.parametrize("name", sorted(NOT_SITES))
def test_not_call_sites(tmp_path, name):
    result = scan(tmp_path, {"m.py": NOT_SITES[name]})
    assert result.call_sites == [], [s.api for s in result.call_sites]


def test_self_client_set_in_other_method_and_default_arg_model(tmp_path):
    s = one(tmp_path, """
        from anthropic import Anthropic
        class Agent:
            def __init__(self, model="claude-3-5-haiku-20241022"):
                self.model = model
            def connect(self):
                self.llm = Anthropic(max_retries=5)
            def run(self, q):
                return self.llm.messages.create(model=self.model, max_tokens=100, messages=[{"role": "user", "content": q}])
        """)
    assert s.model.value == "claude-3-5-haiku-20241022"
    assert (s.retries.value, s.retries.source) == (5, "client")
    assert s.function == "Agent.run"
    assert s.id == "m.py::Agent.run#1"


def test_params_dict_built_in_function(tmp_path):
    s = one(tmp_path, """
        from openai import OpenAI
        client = OpenAI()
        MODEL = "gpt-4o-mini"
        def ask(q, stream=False):
            params = {"model": MODEL, "messages": [{"role": "user", "content": q}]}
            params["max_completion_tokens"] = 400
            params.update(timeout=15)
            return client.chat.completions.create(**params)
        """)
    assert s.model.value == "gpt-4o-mini" and s.model.origin == "m.py:4"
    assert s.max_tokens.value == 400
    assert (s.timeout.value, s.timeout.source) == (15, "call")


def test_env_default_and_class_attribute_models(tmp_path):
    result = scan(tmp_path, {"m.py": """
        import os
        from openai import OpenAI
        class Cfg:
            MODEL = "gpt-4.1-mini"
        client = OpenAI()
        client.chat.completions.create(model=os.getenv("LLM_MODEL", "gpt-4o"), messages=[])
        client.chat.completions.create(model=os.environ.get("LLM_MODEL") or "o3-mini", messages=[])
        client.chat.completions.create(model=Cfg.MODEL, messages=[])
        """})
    assert [s.model.value for s in result.call_sites] == ["gpt-4o", "o3-mini", "gpt-4.1-mini"]


def test_async_helpers(tmp_path):
    result = scan(tmp_path, {"m.py": """
        import asyncio
        from asgiref.sync import sync_to_async
        from openai import OpenAI
        client = OpenAI()
        async def a():
            await asyncio.to_thread(client.chat.completions.create, model="gpt-4o", messages=[])
            await sync_to_async(client.embeddings.create)(model="text-embedding-3-large", input="x")
        """})
    assert [(s.operation, s.model.value, s.is_async) for s in result.call_sites] == [
        ("chat", "gpt-4o", True), ("embedding", "text-embedding-3-large", True)]


def test_loop_try_and_fallback_context(tmp_path):
    result = scan(tmp_path, {"m.py": """
        from openai import OpenAI
        c = OpenAI()
        def f(items):
            outs = [c.embeddings.create(model="text-embedding-3-small", input=i) for i in items]
            try:
                return c.chat.completions.create(model="gpt-4o", messages=[])
            except Exception:
                return c.chat.completions.create(model="gpt-4o-mini", messages=[])
        """})
    emb, primary, alternate = result.call_sites
    assert emb.in_loop and not primary.in_loop
    assert primary.in_try and primary.fallback == "try-except-alternate"
    assert primary.fallback_models == ("gpt-4o-mini",)
    assert alternate.fallback == "none"


def test_cross_file_constants_settings_and_factories(tmp_path):
    result = scan(tmp_path, {
        "app/__init__.py": "",
        "app/settings.py": """
            import os
            from pydantic_settings import BaseSettings
            from pydantic import Field
            DEFAULT_MODEL = os.getenv("MODEL", "gpt-4o-mini")
            class Settings(BaseSettings):
                summary_model: str = Field(default="claude-3-5-haiku-20241022")
            settings = Settings()
            """,
        "app/llm.py": """
            from openai import OpenAI
            def get_client():
                return OpenAI(timeout=45)
            """,
        "app/service.py": """
            from app.settings import DEFAULT_MODEL, settings
            from app.llm import get_client
            from .settings import Settings
            def run():
                return get_client().chat.completions.create(model=DEFAULT_MODEL, messages=[])
            def summary(client):
                return client.messages.create(model=Settings().summary_model, max_tokens=5, messages=[])
            """,
    })
    by_fn = {s.function: s for s in result.call_sites}
    run = by_fn["run"]
    assert run.sdk == "openai" and run.model.value == "gpt-4o-mini" and run.model.origin == "app/settings.py:5"
    assert (run.timeout.value, run.timeout.source) == (45, "client")
    # `client` is an untyped parameter, but the request is Anthropic-shaped (messages.create with max_tokens)
    summary = by_fn["summary"]
    assert summary.sdk == "anthropic" and summary.model.value == "claude-3-5-haiku-20241022"


def test_cross_file_cache_rechecks_dependents(tmp_path, monkeypatch):
    monkeypatch.setenv("LLMSIGHT_CACHE_DIR", str(tmp_path / "cache"))
    files = {
        "pkg/__init__.py": "",
        "pkg/consts.py": "MODEL = 'gpt-4o'\n",
        "pkg/use.py": "from openai import OpenAI\nfrom pkg.consts import MODEL\nOpenAI().chat.completions.create(model=MODEL, messages=[])\n",
    }
    (tmp_path / "pyproject.toml").write_text("")
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    first = api.check([tmp_path], select=["NONE"], with_estimates=False)
    assert first.call_sites[0].model.value == "gpt-4o"
    (tmp_path / "pkg/consts.py").write_text("MODEL = 'gpt-4.1'  # changed\n")
    second = api.check([tmp_path], select=["NONE"], with_estimates=False)
    assert second.call_sites[0].model.value == "gpt-4.1"


def test_wrappers_from_config(tmp_path):
    result = scan(tmp_path, {
        "myapp/__init__.py": "",
        "myapp/llm.py": """
            import litellm
            def ask(prompt, model="gpt-4o-mini"):
                return litellm.completion(model=model, messages=[{"role": "user", "content": prompt}])
            """,
        "myapp/views.py": """
            from myapp.llm import ask
            def view():
                return ask("hello", model="claude-3-5-haiku-20241022")
            """,
    }, pyproject='[tool.llmsight]\nwrappers = ["myapp.llm.ask"]\n')
    sites = {s.span.path: s for s in result.call_sites}
    assert set(sites) == {"myapp/llm.py", "myapp/views.py"}
    view = sites["myapp/views.py"]
    assert view.via_wrapper == "myapp.llm.ask" and view.sdk == "litellm"


def test_reexported_callable_found_in_file_without_sdk_import(tmp_path):
    result = scan(tmp_path, {
        "app/__init__.py": "",
        "app/llm.py": "from litellm import completion as llm_call\n",
        "app/use.py": "from app.llm import llm_call\n\ndef go():\n    return llm_call(model='gpt-4o', messages=[])\n",
    })
    assert [(s.span.path, s.sdk) for s in result.call_sites] == [("app/use.py", "litellm")]


def test_notebook_cells_share_bindings_and_report_cell_positions(tmp_path):
    cells = [
        {"cell_type": "markdown", "metadata": {}, "source": ["# Title"]},
        {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
         "source": ["%pip install openai\n", "from openai import OpenAI\n", "client = OpenAI()\n", "!ls\n"]},
        {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
         "source": ["%%time\n", "print(1)\n"]},
        {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
         "source": ["files = !ls\n", "r = client.chat.completions.create(model='gpt-4o', messages=[])\n"]},
    ]
    nb = {"cells": cells, "metadata": {"kernelspec": {"language": "python", "name": "python3"}}, "nbformat": 4,
          "nbformat_minor": 5}
    result = scan(tmp_path, {"nb.ipynb": json.dumps(nb)})
    (s,) = result.call_sites
    assert (s.span.path, s.span.cell, s.span.start_line, s.span.start_col) == ("nb.ipynb", 3, 2, 5)


def test_non_ascii_columns_are_code_points(tmp_path):
    s = one(tmp_path, """
        from openai import OpenAI
        c = OpenAI()
        x = "héllo 🌍"; c.chat.completions.create(model="gpt-4o", messages=[])
        """)
    assert (s.span.start_line, s.span.start_col) == (4, 16)


# Receivers we cannot resolve (a client passed in untyped, taken from a registry) are recognised by
# an SDK-specific request path, only in files importing that SDK.
INFERRED = {
    "untyped-param-openai": ("""
        import openai
        class Chat:
            def __init__(self, client):
                self.client = client
            def ask(self, q):
                return self.client.chat.completions.create(model="gpt-4o-mini", messages=[q])
        """, "openai", "chat"),
    "registry-anthropic": ("""
        import anthropic
        CLIENTS = {}
        async def ask(name, q):
            send_client = CLIENTS[name]
            return await send_client.messages.create(model="claude-3-5-haiku-20241022", max_tokens=10, messages=[q])
        """, "anthropic", "chat"),
    "langchain-llm-receiver": ("""
        from langchain_core.messages import HumanMessage
        async def run(provider, tools, q):
            llm_with_tools = provider.llm.bind_tools(tools)
            return await llm_with_tools.ainvoke([HumanMessage(q)])
        """, "langchain", "chat"),
    "module-alias-of-request": ("""
        from openai import OpenAI
        client = OpenAI()
        completion = client.chat.completions.create
        def ask(q):
            return completion(model="gpt-4o-mini", messages=[q])
        """, "openai", "chat"),
}


@pytest.mark.parametrize("name", sorted(INFERRED))
def test_inferred_receivers(tmp_path, name):
    src, sdk, op = INFERRED[name]
    s = one(tmp_path, src)
    assert (s.sdk, s.operation) == (sdk, op)


def test_inferred_client_settings_are_unknown_not_default(tmp_path):
    s = one(tmp_path, INFERRED["untyped-param-openai"][0])
    assert s.timeout.source == "unresolved" and s.timeout.value is None
    assert s.model.value == "gpt-4o-mini"


def test_client_set_from_param_or_constructor_prefers_the_client(tmp_path):
    s = one(tmp_path, """
        from openai import OpenAI
        class Chat:
            def __init__(self, client=None):
                if client is not None:
                    self.client = client
                else:
                    self.client = OpenAI(timeout=20)
            def ask(self, q):
                return self.client.chat.completions.create(model="gpt-4o-mini", messages=[q])
        """)
    assert s.timeout.value == 20 and s.timeout.source == "client"


def test_client_from_base_class_init(tmp_path):
    result = scan(tmp_path, {
        "base.py": """
            from openai import OpenAI
            class Base:
                def __init__(self):
                    self.client = OpenAI(max_retries=5)
            """,
        "child.py": """
            from base import Base
            class Child(Base):
                def ask(self, q):
                    return self.client.chat.completions.create(model="gpt-4o", messages=[q])
            """,
    })
    [s] = result.call_sites
    assert s.retries.value == 5


INFERRED_NOT_SITES = {
    "twilio-messages-create": """
        from twilio.rest import Client
        def send(client):
            client.messages.create(to="+1", body="hi")
        """,
    "runnable-without-llm-name": """
        from langchain_core.runnables import RunnableLambda
        def run(graph, x):
            return graph.invoke(x)
        """,
    "ollama-generic-chat-on-other-receiver": """
        import ollama
        def f(room, text):
            room.chat(text)
        """,
    "factory-returning-wrapper-is-not-its-client": """
        from langchain_openai import ChatOpenAI
        class Provider:
            def __init__(self, llm):
                self.llm = llm
            @classmethod
            def make(cls, **kw):
                llm = ChatOpenAI(**kw)
                return cls(llm)
        p = Provider.make(model="gpt-4o")
        p.llm.with_config({}).get_graph()
        """,
}


@pytest.mark.parametrize("name", sorted(INFERRED_NOT_SITES))
def test_inferred_receivers_not_sites(tmp_path, name):
    result = scan(tmp_path, {"m.py": INFERRED_NOT_SITES[name]})
    assert result.call_sites == [], [s.api for s in result.call_sites]


def test_bedrock_client_passed_in_recognised_by_model_id(tmp_path):
    s = one(tmp_path, """
        class Converse:
            def __init__(self, client):
                self.client = client
            def ask(self, prompt):
                return self.client.converse(modelId="anthropic.claude-3-haiku-20240307-v1:0", messages=prompt)
        """)
    assert (s.sdk, s.model.value) == ("bedrock", "anthropic.claude-3-haiku-20240307-v1:0")


def test_dunder_import_and_import_module(tmp_path):
    result = scan(tmp_path, {"m.py": """
        import importlib
        class Local:
            def __init__(self):
                ollama = __import__("ollama")
                self.ollama_client = ollama.Client("http://localhost:11434")
            def ask(self, prompt):
                return self.ollama_client.chat(model="llama3", messages=prompt)
        def gen(prompt):
            genai = importlib.import_module("google.generativeai")
            return genai.GenerativeModel("gemini-1.5-flash").generate_content(prompt)
        """})
    assert sorted((s.sdk, s.model.value) for s in result.call_sites) == [
        ("google", "gemini-1.5-flash"), ("ollama", "llama3")]


def test_http_to_openai_compatible_path_on_configured_host(tmp_path):
    s = one(tmp_path, """
        import requests
        class Vllm:
            def ask(self, prompt):
                url = f"{self.host}/v1/chat/completions"
                return requests.post(url, json={"model": "mistral", "messages": prompt})
        """)
    assert (s.sdk, s.operation, s.model.value) == ("http", "chat", "mistral")


def test_openai_shaped_client_of_another_provider(tmp_path):
    s = one(tmp_path, """
        from zhipuai import ZhipuAI
        client = ZhipuAI(api_key="x")
        client.chat.completions.create(model="glm-4", messages=[])
        """)
    assert (s.operation, s.model.value) == ("chat", "glm-4")


def test_constructor_argument_stored_on_self_across_files(tmp_path):
    result = scan(tmp_path, {
        "app/__init__.py": "",
        "app/base.py": """
            from langchain_openai import ChatOpenAI
            class Provider:
                def __init__(self, llm):
                    self.llm = llm
                @classmethod
                def from_provider(cls, name, **kwargs):
                    return cls(ChatOpenAI(model="gpt-4o-mini", **kwargs))
            """,
        "app/research.py": """
            from app.base import Provider
            async def research(messages, tools):
                provider = Provider.from_provider("openai")
                llm_with_tools = provider.llm.bind_tools(tools)
                return await llm_with_tools.ainvoke(messages)
            """,
    })
    [s] = result.call_sites
    assert (s.span.path, s.sdk, s.model.value) == ("app/research.py", "langchain", "gpt-4o-mini")


def test_lazy_import_helper_and_class_passed_to_builder(tmp_path):
    result = scan(tmp_path, {"m.py": """
        import importlib
        def require_dependency(name, hint=""):
            return importlib.import_module(name)

        class Model:
            def load_model(self, async_mode=False):
                module = require_dependency("anthropic", hint="pip install anthropic")
                if not async_mode:
                    return self._build_client(module.Anthropic)
                return self._build_client(module.AsyncAnthropic)

            def _build_client(self, cls):
                return cls(max_retries=0)

            def generate(self, prompt):
                chat_model = self.load_model()
                return chat_model.messages.create(model="claude-3-5-haiku-20241022", max_tokens=64, messages=prompt)
        """})
    [s] = result.call_sites
    assert (s.sdk, s.retries.value, s.retries.source) == ("anthropic", 0, "client")


def test_project_import_helper_with_argument(tmp_path):
    s = one(tmp_path, """
        import importlib
        def import_dependency(name):
            return importlib.import_module(name)
        class Gemini:
            def __init__(self):
                genai = import_dependency("google.generativeai")
                self.model = genai.GenerativeModel("gemini-1.5-pro")
            def ask(self, prompt):
                return self.model.generate_content(prompt)
        """)
    assert (s.sdk, s.model.value) == ("google", "gemini-1.5-pro")


def test_form_feed_and_unicode_separators_do_not_shift_lines(tmp_path):
    s = one(tmp_path, "import openai\n\x0c\nx = 'a\u2028b'\nopenai.chat.completions.create(model='gpt-4o', messages=[])\n")
    assert (s.span.start_line, s.span.start_col) == (4, 1)
    assert s.api == "openai.chat.completions.create"


def test_branch_assigned_client_and_any_langchain_chat_class(tmp_path):
    s = one(tmp_path, """
        from langchain_core.prompts import ChatPromptTemplate
        def get_llm(provider, **kw):
            if provider == "openai":
                from langchain_openai import ChatOpenAI
                llm = ChatOpenAI(model="gpt-4o-mini", **kw)
            elif provider == "netmind":
                from langchain_netmind import ChatNetmind
                llm = ChatNetmind(**kw)
            else:
                llm = make_custom(provider)
            return llm

        async def run(task):
            chain = ChatPromptTemplate.from_template("{task}") | get_llm("openai")
            return await chain.ainvoke({"task": task})
        """)
    assert s.sdk == "langchain"


def test_optional_import_with_none_fallback_and_sdk_function_on_self(tmp_path):
    result = scan(tmp_path, {"m.py": """
        try:
            import litellm
        except ImportError:
            litellm = None
        from litellm import completion

        def embed(text):
            return litellm.embedding(model="text-embedding-3-small", input=text)

        class Provider:
            def __init__(self):
                self.completion = completion
            def execute(self, args):
                return self.completion(model="gpt-4o-mini", **args)
        """})
    assert sorted((s.operation, s.model.value) for s in result.call_sites) == [
        ("chat", "gpt-4o-mini"), ("embedding", "text-embedding-3-small")]


def test_sdk_function_on_self_under_its_own_name_and_module_level_url(tmp_path):
    result = scan(tmp_path, {"m.py": """
        import requests
        from litellm import aembedding

        _session = requests.Session()
        BASE = "https://chatgpt.com"
        ENDPOINT = f"{BASE}/backend-api/codex/responses"

        class Embedder:
            def __init__(self):
                self.litellm_aembedding = aembedding
            async def embed(self, texts):
                return await self.litellm_aembedding(model="text-embedding-3-small", input=texts)

        def open_response(body):
            return _session.post(ENDPOINT, json=body, stream=True)
        """})
    assert sorted((s.sdk, s.operation) for s in result.call_sites) == [("http", "responses"), ("litellm", "embedding")]


def test_http_helper_gets_provider_url_from_its_callers(tmp_path):
    result = scan(tmp_path, {"m.py": """
        import aiohttp

        async def fetch_data(url, headers, data):
            async with aiohttp.ClientSession() as session:
                async with session.post(url, headers=headers, json=data) as response:
                    return await response.json()

        async def jina_embed(texts, base_url=None):
            url = base_url or "https://api.jina.ai/v1/embeddings"
            return await fetch_data(url, {}, {"input": texts})

        async def notify(text):
            return await fetch_data("https://hooks.slack.com/services/x", {}, {"text": text})
        """})
    assert [(s.sdk, s.operation, s.span.start_line) for s in result.call_sites] == [("http", "embedding", 6)]


def test_sdk_function_chosen_with_or_from_a_test_seam(tmp_path):
    s = one(tmp_path, """
        from litellm import acompletion

        class Handler:
            async def _acompletion(self, _completion=None, **kwargs):
                _completion = _completion or acompletion
                return await _completion(model="gpt-4o-mini", **kwargs)
        """)
    assert (s.sdk, s.model.value, s.is_async) == ("litellm", "gpt-4o-mini", True)


def test_timeout_objects_bedrock_attempts_and_unresolved_values(tmp_path):
    result = scan(tmp_path, {"m.py": """
        import boto3, httpx
        from botocore.config import Config
        from openai import OpenAI
        client = OpenAI(timeout=httpx.Timeout(60.0, connect=5.0))
        client.chat.completions.create(model="gpt-4o-mini", messages=[])
        brt = boto3.client("bedrock-runtime", config=Config(retries={"max_attempts": 10}))
        brt.converse(modelId="anthropic.claude-3-haiku-20240307-v1:0", messages=[])
        def ask(t):
            return client.chat.completions.create(model="gpt-4o-mini", messages=[], timeout=t)
        """})
    openai_site, bedrock_site, param_site = sorted(result.call_sites, key=lambda s: s.span.start_line)
    assert (openai_site.timeout.value, openai_site.timeout.source) == (60.0, "client")
    assert (bedrock_site.retries.value, bedrock_site.retries.source) == (9, "client")
    assert (param_site.timeout.value, param_site.timeout.source, param_site.timeout.expr) == (None, "unresolved", "t")


def test_wrapper_call_point_keeps_the_inner_request_settings(tmp_path):
    result = scan(tmp_path, {
        "app/__init__.py": "",
        "app/llm.py": """
            from openai import OpenAI
            client = OpenAI(timeout=20)
            def ask(prompt, model="gpt-4o-mini"):
                return client.chat.completions.create(model=model, max_tokens=300, messages=[prompt])
            """,
        "app/use.py": """
            from app.llm import ask
            def handle(q):
                return ask(q, model="gpt-4o")
            """,
    }, pyproject="[project]\nname='x'\n[tool.llmsight]\nwrappers = ['app.llm.ask']\n")
    site = next(s for s in result.call_sites if s.span.path == "app/use.py")
    assert (site.api, site.via_wrapper, site.model.value) == ("ask", "app.llm.ask", "gpt-4o")
    assert (site.timeout.value, site.max_tokens.value) == (20, 300)


def test_session_passed_in_posting_to_a_provider_and_litellm_batch(tmp_path):
    result = scan(tmp_path, {"m.py": """
        import aiohttp
        from litellm import batch_completion
        from langchain_core.prompts import PromptTemplate

        class Node:
            async def describe(self, session, payload):
                async with session.post("https://api.openai.com/v1/chat/completions", json=payload) as r:
                    return await r.json()
            async def notify(self, session, text):
                return await session.post("https://hooks.slack.com/services/x", json={"text": text})
            def answer(self, question):
                chain = PromptTemplate.from_template("{q}") | self.llm_model
                return chain.invoke({"q": question})

        def many(prompts):
            return batch_completion(model="gpt-4o-mini", messages=[[p] for p in prompts])
        """})
    assert sorted((s.sdk, s.operation) for s in result.call_sites) == [
        ("http", "chat"), ("langchain", "chat"), ("litellm", "chat")]


def test_a_server_route_is_not_a_request(tmp_path):
    result = scan(tmp_path, {"m.py": """
        import requests
        from fastapi import FastAPI
        app = FastAPI()

        @app.post("/openai/chat/completions")
        async def chat_completion(request):
            return {}
        """})
    assert result.call_sites == []
