"""LangChain models and embeddings known only by the base type they are annotated or cast with (as LlamaIndex's
`llm: LLM` already is): their prompt-value, invoke and embed methods are requests; a project class deriving the
base type is not a client by that alone."""
from __future__ import annotations

import textwrap

import pytest

from llmsight import api

ANNOTATED = '''
import typing as t
from typing import Optional

from langchain_core.embeddings import Embeddings
from langchain_core.language_models import BaseLanguageModel
from langchain_core.language_models.chat_models import BaseChatModel


class LLMWrapper:
    def __init__(self, llm: BaseLanguageModel):
        self.llm = llm

    def generate(self, prompt_value):
        return self.llm.generate_prompt(prompts=[prompt_value], n=1)

    async def agenerate(self, prompt_value):
        return await self.llm.agenerate_prompt(prompts=[prompt_value])


class EmbeddingWrapper:
    def __init__(self, embeddings: Optional[Embeddings] = None):
        self.embeddings = embeddings

    def query(self, text):
        return self.embeddings.embed_query(text)

    async def documents(self, texts):
        return await self.embeddings.aembed_documents(texts)


async def run(llm, prompt_value):
    typed = t.cast(BaseLanguageModel, llm)
    return await typed.agenerate_prompt([prompt_value])


def chat(responder: "BaseChatModel", messages):
    return responder.invoke(messages)
'''

# a project's own chat model: its requests are made inside, by its own code
SUBCLASS = '''
from langchain_core.language_models.chat_models import BaseChatModel


class EchoChat(BaseChatModel):
    def _generate(self, messages, stop=None, run_manager=None, **kwargs):
        return self.make_result(messages)

    def shout(self, text):
        return self.invoke(text.upper())
'''


def _sites(source: str):
    return {s.span.start_line: s for s in api.check_source(textwrap.dedent(source), "app.py", select=["NONE"]).call_sites}


def _line(source: str, text: str) -> int:
    return next(i for i, line in enumerate(textwrap.dedent(source).splitlines(), 1) if text in line)


@pytest.mark.parametrize("text, operation, is_async", [
    ("self.llm.generate_prompt(", "chat", False),
    ("self.llm.agenerate_prompt(", "chat", True),
    ("self.embeddings.embed_query(", "embedding", False),
    ("self.embeddings.aembed_documents(", "embedding", True),
    ("typed.agenerate_prompt(", "chat", True),
    ("responder.invoke(messages)", "chat", False),
])
def test_langchain_objects_known_by_their_annotation_are_sites(text, operation, is_async):
    site = _sites(ANNOTATED).get(_line(ANNOTATED, text))
    assert site is not None, text
    assert (site.sdk, site.operation, site.is_async) == ("langchain", operation, is_async)


def test_a_project_subclass_of_a_base_type_is_not_a_client():
    assert _sites(SUBCLASS) == {}
