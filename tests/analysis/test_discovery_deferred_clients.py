"""Requests on clients a reader still recognises though discovery once lost them (issue 12 item 3, third
held-out set): clients a project's own memoizing property decorator returns, built through a string-named
import helper; boto3 runtime clients from a session a dataclass field factory makes; a bound request method
chosen into a local by if/else and called later or handed to a wrapper; an SDK's async twin of a request
method (`achat` beside `chat`); a client attribute several SDKs can fill, reported as the SDK of the branch
the project's defaults take; the Responses API over a WebSocket. Real files on disk, the real engine."""
from __future__ import annotations

import pytest
from site_lines import line_of, scan_project, site_at

HELPERS = """
    import importlib

    def require_module(name):
        return importlib.import_module(name)

    def memoized_property(func):
        attr = "_memo_" + func.__name__
        def get(self):
            if not hasattr(self, attr):
                setattr(self, attr, func(self))
            return getattr(self, attr)
        return property(get)
    """


def found(result, path: str) -> dict[int, tuple]:
    """(sdk, operation, is_async) of each site of `path`, by line."""
    return {s.span.start_line: (s.sdk, s.operation, s.is_async) for s in result.call_sites if s.span.path == path}


LAZY = """
    from __future__ import annotations
    from typing import TYPE_CHECKING, Any
    from app.util import memoized_property, require_module

    if TYPE_CHECKING:
        from cohere import ClientV2

    class CohereChat:
        model = "command-r-plus"

        @memoized_property
        def client(self) -> ClientV2:
            return require_module("cohere").ClientV2(self.api_key)

        def run(self, messages):
            return self.client.chat(model=self.model, messages=messages)

        def stream(self, messages):
            return self.client.chat_stream(model=self.model, messages=messages)

        def embed(self, texts):
            return self.client.embed(model="embed-english-v3.0", texts=texts, input_type="search_document")

    class HubEmbedder:
        @memoized_property
        def client(self) -> Any:
            return require_module("huggingface_hub").InferenceClient(model="BAAI/bge-small-en-v1.5")

        def embed(self, text):
            return self.client.feature_extraction(text)

    class LocalEmbedder:
        @memoized_property
        def client(self) -> Any:
            return __import__("ollama").Client(host="http://localhost:11434")

        def embed(self, text):
            return self.client.embeddings(model="nomic-embed-text", prompt=text)
    """


def test_client_of_a_project_property_decorator_built_by_a_string_import(tmp_path):
    """`@memoized_property def client(self) -> ClientV2: return require_module("cohere").ClientV2(…)`: the
    module the string names is the SDK, so `self.client.chat(…)` is its chat request."""
    result = scan_project(tmp_path, {"app/__init__.py": "", "app/util.py": HELPERS, "app/drivers.py": LAZY})
    sites = found(result, "app/drivers.py")
    assert sites[line_of(LAZY, "client.chat(")] == ("cohere", "chat", False)
    assert sites[line_of(LAZY, "client.chat_stream(")] == ("cohere", "chat", False)
    assert sites[line_of(LAZY, "client.embed(")] == ("cohere", "embedding", False)
    assert sites[line_of(LAZY, "client.feature_extraction(")] == ("huggingface", "embedding", False)
    assert sites[line_of(LAZY, "client.embeddings(")] == ("ollama", "embedding", False)
    assert len(sites) == 5


def test_a_method_named_like_a_property_setter_is_not_what_the_attribute_holds(tmp_path):
    """Only a decorator that makes a property makes `self.client` what the method returns; `@client.setter`
    and a plain method do not."""
    source = """
        from typing import Any
        import cohere

        class Holder:
            def client(self) -> Any:
                return cohere.ClientV2("k")

            def run(self, messages):
                return self.client.chat(model="command-r", messages=messages)
        """
    result = scan_project(tmp_path, {"app.py": source})
    assert found(result, "app.py") == {}


BEDROCK = """
    import json
    import attrs
    from dataclasses import dataclass, field
    from functools import cached_property
    from typing import Any
    from app.util import require_module

    @dataclass
    class Reranker:
        model: str = "arn:aws:bedrock:us-west-2::foundation-model/amazon.rerank-v1:0"
        session: Any = field(default_factory=lambda: require_module("boto3").Session())

        @cached_property
        def client(self) -> Any:
            return self.session.client("bedrock-agent-runtime")

        def rerank(self, query, sources):
            params = {"queries": [{"type": "TEXT", "textQuery": {"text": query}}], "sources": sources,
                      "rerankingConfiguration": {"type": "BEDROCK_RERANKING_MODEL", "bedrockRerankingConfiguration": {
                          "modelConfiguration": {"modelArn": self.model}}}}
            return self.client.rerank(**params)

        def answer(self, question, kb):
            return self.client.retrieve_and_generate(input={"text": question}, retrieveAndGenerateConfiguration={
                "type": "KNOWLEDGE_BASE", "knowledgeBaseConfiguration": {"knowledgeBaseId": kb, "modelArn": self.model,
                    "generationConfiguration": {"inferenceConfig": {"textInferenceConfig": {"maxTokens": 512}}}}})

    @attrs.define
    class Converser:
        model: str = attrs.field(default="amazon.nova-lite-v1:0")
        session: Any = attrs.field(default=attrs.Factory(lambda: require_module("boto3").Session()))

        @cached_property
        def client(self) -> Any:
            return self.session.client("bedrock-runtime")

        def run(self, messages):
            params = {"modelId": self.model, "messages": messages}
            return self.client.converse(**params)

    @dataclass
    class Endpoint:
        name: str = "my-endpoint"
        session: Any = field(default_factory=lambda: require_module("boto3").Session())

        @cached_property
        def client(self) -> Any:
            return self.session.client("sagemaker-runtime")

        def run(self, body):
            return self.client.invoke_endpoint(EndpointName=self.name, Body=json.dumps(body))
    """


def test_boto3_runtime_clients_from_a_session_a_field_factory_makes(tmp_path):
    """Bedrock's agent runtime (rerank, retrieve-and-generate) and runtime (converse) clients from
    `self.session.client(…)`, the session a field's default factory (dataclass or attrs) imports by name. A SageMaker endpoint
    serves whatever model was deployed, billed per instance hour: not a site (sdks.py says why)."""
    result = scan_project(tmp_path, {"app/__init__.py": "", "app/util.py": HELPERS, "app/aws.py": BEDROCK})
    sites = found(result, "app/aws.py")
    assert sites == {line_of(BEDROCK, "client.rerank("): ("bedrock", "rerank", False),
                     line_of(BEDROCK, "client.retrieve_and_generate("): ("bedrock", "chat", False),
                     line_of(BEDROCK, "client.converse("): ("bedrock", "chat", False)}
    rerank = site_at(result, "app/aws.py", line_of(BEDROCK, "client.rerank("))
    assert rerank.model.value == "arn:aws:bedrock:us-west-2::foundation-model/amazon.rerank-v1:0"
    assert site_at(result, "app/aws.py", line_of(BEDROCK, "client.retrieve_and_generate(")).max_tokens.value == 512


CHOSEN = """
    import anthropic
    from openai import OpenAI

    def with_retries(fn, **kwargs):
        return fn(**kwargs)

    class Backend:
        def __init__(self, beta=False):
            self._client = anthropic.Anthropic()
            self.openai = OpenAI()
            self.beta = beta

        def _call(self, fn, *args, **kwargs):
            return fn(*args, **kwargs)

        def run(self, messages, stream=False):
            if self.beta:
                create = self._client.beta.messages.create
            else:
                create = self._client.messages.create
            params = {"model": "claude-3-5-haiku-latest", "max_tokens": 256, "messages": messages}
            if stream:
                return self._call(create, **params, stream=True)
            return self._call(create, **params)

        def complete(self, prompt, chat=True):
            fn = self.openai.chat.completions.create if chat else self.openai.completions.create
            return with_retries(fn, model="gpt-4o-mini", messages=[{"role": "user", "content": prompt}])

        def raw(self, **kwargs):
            raw_call = self.openai.chat.completions.with_raw_response.create
            response = raw_call(**kwargs)
            return response.parse()

        def spread(self, messages):
            pick = (
                self.openai.chat.completions.create
                if messages else self.openai.completions.create
            )
            return pick(model="gpt-4o-mini", messages=messages)
    """


def test_bound_request_method_chosen_into_a_local_then_called_or_handed_to_a_wrapper(tmp_path):
    result = scan_project(tmp_path, {"app.py": CHOSEN})
    sites = found(result, "app.py")
    assert sites == {line_of(CHOSEN, "stream=True)"): ("anthropic", "chat", False),
                     line_of(CHOSEN, "return self._call(create, **params)"): ("anthropic", "chat", False),
                     line_of(CHOSEN, "return with_retries(fn,"): ("openai", "chat", False),
                     line_of(CHOSEN, "raw_call(**kwargs)"): ("openai", "chat", False),
                     line_of(CHOSEN, "return pick("): ("openai", "chat", False)}
    handed = site_at(result, "app.py", line_of(CHOSEN, "return with_retries(fn,"))
    assert handed.model.value == "gpt-4o-mini"


def test_async_twin_of_a_request_method_on_a_known_client(tmp_path):
    """An SDK object whose `chat(…)` is a request: its `achat(…)` / `agenerate(…)` is the same request,
    awaited."""
    source = """
        from ibm_watsonx_ai.foundation_models import ModelInference

        class Backend:
            def __init__(self):
                self._model = ModelInference(model_id="ibm/granite-3-8b-instruct", project_id="p")

            def run(self, messages):
                return self._model.chat(messages=messages)

            async def arun(self, messages):
                return await self._model.achat(messages=messages)

            async def agen(self, prompt):
                return await self._model.agenerate(prompt=prompt)
        """
    sites = found(scan_project(tmp_path, {"app.py": source}), "app.py")
    assert sites == {line_of(source, "_model.chat("): ("watsonx", "chat", False),
                     line_of(source, "_model.achat("): ("watsonx", "chat", True),
                     line_of(source, "_model.agenerate("): ("watsonx", "completion", True)}


PROVIDERS = """
    from openai import OpenAI
    from together import Together

    class Settings:
        chat_model: str = "gpt-4o-mini"

    class Chat:
        def __init__(self, settings: Settings = Settings()):
            self.settings = settings
            self.hosted = self.settings.chat_model.startswith("together/")
            if self.hosted:
                self.client = Together()
            else:
                self.client = OpenAI()

        def ask(self, messages):
            return self.client.chat.completions.create(model=self.settings.chat_model, messages=messages)

    class Inline:
        def __init__(self, model: str = "gpt-4o-mini"):
            self.model = model
            self.client = Together() if "together/" in self.model else OpenAI()

        def ask(self, messages):
            return self.client.chat.completions.create(model=self.model, messages=messages)

        def other(self):
            return Together() if self.model.endswith("-turbo") else OpenAI()

        def ask_other(self, messages):
            return self.other().chat.completions.create(model=self.model, messages=messages)
    """


def test_client_several_sdks_can_fill_is_the_sdk_of_the_branch_the_default_model_takes(tmp_path):
    """A flag computed from the default model (`self.hosted = model.startswith("together/")`), and a
    substring or suffix test on it in a conditional expression, decide which SDK's client is made, as a
    test written on the model itself does (a test nothing decides keeps the client written first:
    test_client_branch_order.py)."""
    sites = found(scan_project(tmp_path, {"app.py": PROVIDERS}), "app.py")
    assert sorted(sites.values()) == [("openai", "chat", False)] * 3


REALTIME = """
    from openai import AsyncOpenAI

    class Session:
        def __init__(self):
            self.client = AsyncOpenAI()
            self._manager = None

        async def _connect(self):
            self._manager = self.client.responses.connect()
            return await self._manager.__aenter__()

        async def send(self, request):
            connection = await self._connect()
            await connection.response.create(model="gpt-4.1-mini", input=request, stream=True)

    async def once(client: AsyncOpenAI, text):
        async with client.responses.connect() as connection:
            await connection.response.create(model="gpt-4.1-mini", input=text)
    """


def test_responses_over_a_websocket_is_the_response_create_event(tmp_path):
    """Opening the socket (`responses.connect()`) sends no request; each `response.create` event does."""
    result = scan_project(tmp_path, {"app.py": REALTIME})
    sites = found(result, "app.py")
    assert sites == {line_of(REALTIME, "input=request, stream=True"): ("openai", "responses", True),
                     line_of(REALTIME, "input=text)"): ("openai", "responses", True)}
    assert site_at(result, "app.py", line_of(REALTIME, "input=text)")).model.value == "gpt-4.1-mini"


TYPED_FIELD = """
    from __future__ import annotations
    from typing import TYPE_CHECKING
    import attrs

    if TYPE_CHECKING:
        from cohere import ClientV2
        from voyageai import Client as VoyageClient

    @attrs.define
    class Embedder:
        client: VoyageClient = attrs.field(kw_only=True)

        def embed(self, texts):
            return self.client.embed(texts, model="voyage-3.5")

    @attrs.define
    class Chat:
        client: ClientV2 = attrs.field(kw_only=True)

        def run(self, messages):
            return self.client.chat(model="command-r", messages=messages)
    """


def test_field_typed_by_a_type_checking_import_without_a_default_is_that_client(tmp_path):
    """`client: VoyageClient = attrs.field(kw_only=True)`, the class imported only for type checkers: the
    caller hands in that SDK's client, so `embed` is Voyage's even in a file that also names cohere."""
    sites = found(scan_project(tmp_path, {"app.py": TYPED_FIELD}), "app.py")
    assert sites == {line_of(TYPED_FIELD, "client.embed("): ("voyage", "embedding", False),
                     line_of(TYPED_FIELD, "client.chat("): ("cohere", "chat", False)}


SESSION_PARAM = """
    import boto3

    class Search:
        def __init__(self, session: boto3.Session, model: str = "amazon.nova-pro-v1:0"):
            self.model = model
            self.agent = session.client("bedrock-agent-runtime")
            self.runtime = session.client("bedrock-runtime")

        def rerank(self, params):
            return self.agent.rerank(**params)

        def chat(self, messages):
            return self.runtime.converse(modelId=self.model, messages=messages)

    async def answer(session, question):
        async with session.client("bedrock-agent-runtime") as client:
            return await client.retrieve_and_generate(input={"text": question}, retrieveAndGenerateConfiguration={})
    """


def test_boto3_clients_of_a_session_handed_in(tmp_path):
    """A session parameter typed `boto3.Session` makes the service's client its `.client(…)` names; an
    untyped one still makes `client.retrieve_and_generate(…)` a Bedrock request (a name only that service has)."""
    sites = found(scan_project(tmp_path, {"app.py": SESSION_PARAM}), "app.py")
    assert sites == {line_of(SESSION_PARAM, "agent.rerank("): ("bedrock", "rerank", False),
                     line_of(SESSION_PARAM, "runtime.converse("): ("bedrock", "chat", False),
                     line_of(SESSION_PARAM, "client.retrieve_and_generate("): ("bedrock", "chat", True)}


PATCHED_METHOD = """
    import instructor
    from anthropic import AsyncAnthropic
    from openai import OpenAI

    class Adapter:
        def __init__(self, key, model="claude-3-5-haiku-latest"):
            self.model = model
            self.aclient = instructor.patch(create=AsyncAnthropic(api_key=key).messages.create,
                                            mode=instructor.Mode.ANTHROPIC_TOOLS)
            self.client = instructor.patch(create=OpenAI().chat.completions.create)

        async def extract(self, text, schema):
            return await self.aclient(model=self.model, max_tokens=1024, messages=[{"role": "user", "content": text}],
                                      response_model=schema)

        def classify(self, text, schema):
            return self.client(model="gpt-4o-mini", messages=[{"role": "user", "content": text}], response_model=schema)
    """


def test_request_method_instructor_patches_is_called_as_a_plain_callable(tmp_path):
    """`instructor.patch(create=client.messages.create)` returns a callable that sends that request with a
    `response_model=`: calling it is the wrapped SDK's request, with its model; patching sends nothing."""
    result = scan_project(tmp_path, {"app.py": PATCHED_METHOD})
    assert found(result, "app.py") == {line_of(PATCHED_METHOD, "await self.aclient("): ("anthropic", "chat", True),
                                       line_of(PATCHED_METHOD, "self.client(model="): ("openai", "chat", False)}
    assert site_at(result, "app.py", line_of(PATCHED_METHOD, "await self.aclient(")).model.value == \
        "claude-3-5-haiku-latest"


SOCKET_EVENTS = """
    from openai import OpenAI

    def ask(client: OpenAI, text):
        with client.responses.connect() as connection:
            connection.send({"type": "response.create", "model": "gpt-4.1-mini", "input": text,
                             "max_output_tokens": 300})
            connection.send({"type": "response.cancel"})
            event = {"type": "response.create", "model": "gpt-4.1-nano", "input": text}
            connection.send(event)
    """


def test_response_create_event_sent_on_a_responses_socket(tmp_path):
    """`connection.send({"type": "response.create", …})` is the same request as `connection.response.create(…)`,
    its model and cap read from the event; another event (`response.cancel`) sends none."""
    result = scan_project(tmp_path, {"app.py": SOCKET_EVENTS})
    first = line_of(SOCKET_EVENTS, '"type": "response.create", "model": "gpt-4.1-mini"')
    built = line_of(SOCKET_EVENTS, "connection.send(event)")
    assert found(result, "app.py") == {first: ("openai", "responses", False), built: ("openai", "responses", False)}
    site = site_at(result, "app.py", first)
    assert (site.model.value, site.max_tokens.value) == ("gpt-4.1-mini", 300)
    assert site_at(result, "app.py", built).model.value == "gpt-4.1-nano"
