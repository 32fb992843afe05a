"""Clients reached through a wrapper: instructor's patched clients (their `create` family sends the wrapped
client's request, with its SDK and model), an SDK method bound with `functools.partial` for an executor, and a
client a `@property` returns from a private attribute."""
from __future__ import annotations

import textwrap

import pytest

from llmsight import api
from site_lines import line_of, scan_project

INSTRUCTOR = '''
import instructor
import litellm
from anthropic import Anthropic
from google import genai
from openai import AsyncOpenAI, OpenAI

patched = instructor.from_openai(OpenAI(timeout=20))
claude = instructor.from_anthropic(Anthropic())
gemini = instructor.from_genai(genai.Client())
router = instructor.from_litellm(litellm.acompletion)
slow = instructor.from_openai(AsyncOpenAI())


def extract(User, msgs):
    one = patched.create(model="gpt-4o-mini", response_model=User, messages=msgs)
    both = patched.chat.completions.create_with_completion(model="gpt-4o-mini", response_model=User, messages=msgs)
    parts = patched.create_partial(model="gpt-4o-mini", response_model=User, messages=msgs)
    told = claude.create(model="claude-3-5-haiku-latest", max_tokens=200, response_model=User, messages=msgs)
    seen = gemini.create(model="gemini-2.0-flash", response_model=User, messages=msgs)
    return one, both, parts, told, seen


async def aextract(User, msgs):
    routed = await router.create(model="gpt-4o", response_model=User, messages=msgs)
    return routed, await slow.create(model="gpt-4o-mini", response_model=User, messages=msgs)
'''

EXECUTOR = '''
import asyncio
import json
from functools import partial

import boto3


class Bedrock:
    def __init__(self, region):
        self.__client = self.__make_client("bedrock-runtime", region)

    def __make_client(self, service, region):
        return boto3.Session(region_name=region).client(service)

    @property
    def client(self):
        return self.__client

    async def ask(self, body):
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            None, partial(self.client.invoke_model, modelId="anthropic.claude-3-haiku-20240307-v1:0",
                          body=json.dumps(body)))
'''


def _sites(source: str):
    return {s.span.start_line: s for s in api.check_source(textwrap.dedent(source), "app.py", select=["NONE"]).call_sites}


def _line(source: str, text: str) -> int:
    return next(i for i, line in enumerate(textwrap.dedent(source).splitlines(), 1) if text in line)


@pytest.mark.parametrize("text, sdk, model, is_async, stream", [
    ("patched.create(", "openai", "gpt-4o-mini", False, False),
    ("create_with_completion(", "openai", "gpt-4o-mini", False, False),
    ("patched.create_partial(", "openai", "gpt-4o-mini", False, True),
    ("claude.create(", "anthropic", "claude-3-5-haiku-latest", False, False),
    ("gemini.create(", "google", "gemini-2.0-flash", False, False),
    ("router.create(", "litellm", "gpt-4o", True, False),
    ("slow.create(", "openai", "gpt-4o-mini", True, False),
])
def test_instructor_create_family_sends_the_wrapped_clients_request(text, sdk, model, is_async, stream):
    site = _sites(INSTRUCTOR).get(_line(INSTRUCTOR, text))
    assert site is not None, text
    assert (site.sdk, site.operation, site.model.value, site.is_async, site.stream) == (sdk, "chat", model, is_async, stream)


def test_instructor_keeps_the_wrapped_clients_settings_and_wrapping_is_no_request():
    sites = _sites(INSTRUCTOR)
    assert sites[_line(INSTRUCTOR, "patched.create(")].timeout.value == 20
    assert _line(INSTRUCTOR, "instructor.from_litellm(") not in sites


def test_partial_for_an_executor_on_a_client_a_property_returns():
    site = _sites(EXECUTOR).get(_line(EXECUTOR, "loop.run_in_executor("))
    assert site is not None
    assert (site.sdk, site.model.value) == ("bedrock", "anthropic.claude-3-haiku-20240307-v1:0")


# a class stores the client its constructions pass: another module builds it with an instructor-patched client
CONSTRUCTED = {
    "app/__init__.py": "",
    "app/llm.py": """
        class StructuredLLM:
            def __init__(self, client, model, provider):
                self.client = client
                self.model = model
                self.provider = provider

            def generate(self, Out, msgs):
                if self.provider == "google":
                    return self.client.create(model=self.model, messages=msgs, response_model=Out)
                return self.client.chat.completions.create(model=self.model, messages=msgs, response_model=Out)
        """,
    "app/factory.py": """
        import instructor

        from app.llm import StructuredLLM


        def make(client, provider="openai"):
            if provider == "google":
                return StructuredLLM(instructor.from_genai(client), "gemini-2.0-flash", provider)
            return StructuredLLM(instructor.from_openai(client), "gpt-4o-mini", provider)
        """,
}


def test_client_the_class_constructions_pass_in_another_module(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    for rel, text in CONSTRUCTED.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(textwrap.dedent(text), encoding="utf-8")
    result = api.check([tmp_path], select=["NONE"], use_cache=False, with_estimates=False)
    found = {s.span.start_line: s.sdk for s in result.call_sites if s.span.path == "app/llm.py"}
    llm = textwrap.dedent(CONSTRUCTED["app/llm.py"])
    # `create` is instructor's on either client (the first construction's); `chat.completions.create` OpenAI's own
    assert found == {_line(llm, "self.client.create("): "google", _line(llm, "self.client.chat.completions"): "openai"}


FROM_PROVIDER = '''
import instructor

claude = instructor.from_provider("anthropic/claude-3-5-haiku-latest")
mini = instructor.from_provider("openai/gpt-4o-mini", async_client=True)


def extract(User, msgs):
    return claude.create(response_model=User, messages=msgs, max_tokens=300)


async def aextract(User, msgs):
    return await mini.chat.completions.create(response_model=User, messages=msgs)
'''


def test_instructor_from_provider_is_that_providers_client_bound_to_the_model():
    sites = _sites(FROM_PROVIDER)
    found = {line: (s.sdk, s.model.value, s.is_async) for line, s in sites.items()}
    assert found == {_line(FROM_PROVIDER, "claude.create("): ("anthropic", "anthropic/claude-3-5-haiku-latest", False),
                     _line(FROM_PROVIDER, "mini.chat.completions"): ("openai", "openai/gpt-4o-mini", True)}


LAMBDA = '''
import asyncio

import boto3


class Runner:
    def __init__(self):
        self.client = boto3.client("bedrock-runtime")

    async def ask(self, body):
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            None,
            lambda: self.client.invoke_model(modelId="amazon.titan-text-express-v1", body=body),
        )
'''


def test_lambda_handed_to_an_executor_is_the_request_it_makes():
    """The request is the call written inside the lambda: the site is on its line (a pragma goes there), awaited
    through the executor."""
    sites = _sites(LAMBDA)
    assert list(sites) == [_line(LAMBDA, "lambda: self.client.invoke_model(")]
    site = sites[_line(LAMBDA, "lambda: self.client.invoke_model(")]
    assert (site.sdk, site.model.value, site.is_async, site.api) == (
        "bedrock", "amazon.titan-text-express-v1", True, "self.client.invoke_model")


# a project's own `run_in_executor(executor, fn, …)` helper handed a partial of a boto3 runtime client's method, in
# a file that imports no SDK (the client is built by a base class in another file)
HELPER_EXECUTOR = {
    "kit/__init__.py": "",
    "kit/runners.py": """
        import asyncio
        from functools import partial

        async def run_in_executor(executor, func, *args, **kwargs):
            return await asyncio.get_running_loop().run_in_executor(executor, partial(func, *args, **kwargs))
        """,
    "kit/base.py": """
        from typing import Any

        import boto3
        from pydantic import BaseModel

        class AwsBase(BaseModel):
            runtime_client: Any

            def __init__(self, *, runtime_client: Any | None = None, **kwargs: Any) -> None:
                super().__init__(runtime_client=runtime_client or boto3.client("bedrock-runtime"), **kwargs)
        """,
    "kit/chat.py": """
        from functools import partial

        from kit.base import AwsBase
        from kit.runners import run_in_executor

        class AwsChat(AwsBase):
            model_id: str = "amazon.nova-micro-v1:0"

            async def complete(self, messages):
                kwargs = {"modelId": self.model_id, "messages": messages}
                return await run_in_executor(None, partial(self.runtime_client.converse, **kwargs))

            async def complete_stream(self, messages):
                kwargs = {"modelId": self.model_id, "messages": messages}
                return await run_in_executor(
                    None,
                    partial(self.runtime_client.converse_stream, **kwargs),
                )
        """,
}


def test_partial_handed_to_a_project_run_in_executor_helper(tmp_path):
    """A bare `run_in_executor(None, partial(client.converse, **kw))` runs the partial as `loop.run_in_executor`
    does: the site is on the `run_in_executor(` line, awaited, with the partial's keywords."""
    result = scan_project(tmp_path, HELPER_EXECUTOR)
    chat = HELPER_EXECUTOR["kit/chat.py"]
    got = {(s.span.start_line, s.sdk, s.operation, s.is_async, s.stream, s.model.value)
           for s in result.call_sites if s.span.path == "kit/chat.py"}
    assert got == {(line_of(chat, "run_in_executor(None, partial"), "bedrock", "chat", True, False, "amazon.nova-micro-v1:0"),
                   (line_of(chat, "partial(self.runtime_client.converse_stream") - 2, "bedrock", "chat", True, True,
                    "amazon.nova-micro-v1:0")}
