"""Requests known by their shape: a provider client handed in untyped or reached through another object,
whose call is the SDK's own request path (and, for paths other libraries share, its keywords); and SDK
methods only referred to inside introspection, which are no requests."""
from __future__ import annotations

import textwrap

import pytest

from llmsight import api

UNTYPED = '''
from typing import Any


class Embedder:
    def __init__(self, client: Any, model: str = "text-embedding-3-small"):
        self.client = client
        self.model = model

    def embed(self, text):
        return self.client.embeddings.create(input=text, model=self.model)

    async def aembed(self, text):
        return await self.client.embeddings.create(input=text, model=self.model)


class Writer:
    def __init__(self, llm, client, **params):
        self.llm = llm
        self.client = client
        self.params = params

    async def picture(self, text):
        return await self.llm.aclient.images.generate(prompt=text, model="dall-e-3")

    def chat(self, msgs):
        return self.client.chat.completions.create(model="gpt-4o-mini", messages=msgs)

    def chat_raw(self, msgs):
        return self.client.chat.completions.with_raw_response.create(model="gpt-4o-mini", messages=msgs)

    def parsed(self, msgs, Answer):
        return self.client.beta.chat.completions.parse(model="gpt-4o-mini", messages=msgs, response_format=Answer)

    def claude(self, msgs):
        return self.client.messages.create(model="claude-3-5-haiku-latest", max_tokens=100, messages=msgs)

    def answer(self, text):
        return self.client.responses.create(model="gpt-4o", input=text)

    def speak(self, text):
        return self.client.audio.speech.create(model="tts-1", voice="alloy", input=text)

    def splatted(self, text):
        return self.client.embeddings.create(**self.params)
'''

# the same paths on other APIs: messaging (`messages.create(body=…, to=…)`), forms (`responses.create(form_id=…)`)
NOT_REQUESTS = '''
class Notifier:
    def __init__(self, client, forms):
        self.client = client
        self.forms = forms

    def sms(self, to):
        return self.client.messages.create(body="hi", from_="+15550100", to=to)

    def message_any(self, **params):
        return self.client.messages.create(**params)

    def form(self, fid):
        return self.forms.responses.create(form_id=fid, answers=[])

    def thread(self, text):
        return self.client.threads.messages.create(thread_id="t", content=text)
'''

INTROSPECTION = '''
import inspect
from openai import OpenAI

client = OpenAI()


def is_async(c):
    if hasattr(c, "chat") and hasattr(c.chat, "completions"):
        if inspect.iscoroutinefunction(c.chat.completions.create):
            return True
    return callable(getattr(client.chat.completions, "create", None))


def ask(msgs):
    return client.chat.completions.create(model="gpt-4o", messages=msgs)
'''


def _sites(source: str):
    return {s.span.start_line: s for s in api.check_source(textwrap.dedent(source), "app.py", select=["NONE"]).call_sites}


def _line(source: str, text: str) -> int:
    return next(i for i, line in enumerate(textwrap.dedent(source).splitlines(), 1) if text in line)


@pytest.mark.parametrize("text, sdk, operation, model, is_async", [
    ("return self.client.embeddings.create(input", "openai", "embedding", "text-embedding-3-small", False),
    ("return await self.client.embeddings.create(", "openai", "embedding", "text-embedding-3-small", True),
    ("self.llm.aclient.images.generate(", "openai", "image", "dall-e-3", True),
    ("self.client.chat.completions.create(", "openai", "chat", "gpt-4o-mini", False),
    ("with_raw_response.create(", "openai", "chat", "gpt-4o-mini", False),
    ("beta.chat.completions.parse(", "openai", "chat", "gpt-4o-mini", False),
    ("self.client.messages.create(", "anthropic", "chat", "claude-3-5-haiku-latest", False),
    ("self.client.responses.create(", "openai", "responses", "gpt-4o", False),
    ("self.client.audio.speech.create(", "openai", "audio", "tts-1", False),
    ("self.client.embeddings.create(**self.params)", "openai", "embedding", None, False),
])
def test_untyped_client_with_an_sdk_request_path_is_a_site(text, sdk, operation, model, is_async):
    site = _sites(UNTYPED).get(_line(UNTYPED, text))
    assert site is not None, text
    assert (site.sdk, site.operation, site.model.value, site.is_async) == (sdk, operation, model, is_async)


def test_paths_other_apis_share_need_the_request_keywords():
    assert _sites(NOT_REQUESTS) == {}


def test_request_methods_inside_introspection_are_not_sites():
    sites = _sites(INTROSPECTION)
    assert list(sites) == [_line(INTROSPECTION, "return client.chat.completions.create(model=")]


OTHER_SHAPES = '''
class Assistant:
    def __init__(self, gemini, mistral):
        self.gemini = gemini
        self.mistral = mistral

    def ask(self, text):
        return self.gemini.models.generate_content(model="gemini-2.0-flash", contents=text)

    async def aask(self, text):
        return await self.gemini.aio.models.generate_content(model="gemini-2.0-flash", contents=text)

    def vector(self, text):
        return self.gemini.models.embed_content(model="text-embedding-004", contents=text)

    async def chat(self, msgs):
        return await self.mistral.chat.complete_async(model="mistral-small-latest", messages=msgs)

    def lookup(self, name):
        return self.gemini.models.generate_content(name)
'''


def test_google_genai_and_mistral_paths_on_untyped_clients():
    sites = _sites(OTHER_SHAPES)
    found = {line: (s.sdk, s.operation, s.model.value, s.is_async) for line, s in sites.items()}
    assert found == {
        _line(OTHER_SHAPES, "self.gemini.models.generate_content(model"): ("google", "chat", "gemini-2.0-flash", False),
        _line(OTHER_SHAPES, "self.gemini.aio.models"): ("google", "chat", "gemini-2.0-flash", True),
        _line(OTHER_SHAPES, "embed_content("): ("google", "embedding", "text-embedding-004", False),
        _line(OTHER_SHAPES, "complete_async("): ("mistral", "chat", "mistral-small-latest", True),
    }
