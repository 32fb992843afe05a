"""LangChain models and embeddings known only by the base type they are annotated or cast with (as LlamaIndex's
`llm: LLM` already is): their prompt-value, invoke and embed methods are requests; a project class deriving the
base type is not a client by that alone."""
from __future__ import annotations

import textwrap
from pathlib import Path

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


# embeddings handed in untyped, in a module that imports LangChain: a vector store's own embedding function
INJECTED_EMBEDDINGS = '''
from langchain_core.vectorstores import VectorStore


class ListStore(VectorStore):
    def __init__(self, embedding_function=None):
        self._embedding_function = embedding_function

    def _embed(self, texts):
        return self._embedding_function.embed_documents(list(texts))

    async def _aembed_query(self, text):
        return await self._embedding_function.aembed_query(text)


class Selector:
    def __init__(self, examples, embedding_func):
        self.embedding_func = embedding_func
        self.examples = examples

    def select(self, text):
        return self.embedding_func.embed_query(text)

    def relabel(self):
        return self.examples.embed_query("not embeddings")
'''


def test_langchain_embeddings_handed_in_untyped_are_inferred_by_receiver_name():
    sites = _sites(INJECTED_EMBEDDINGS)
    expected = {_line(INJECTED_EMBEDDINGS, text): is_async for text, is_async in (
        ("self._embedding_function.embed_documents(", False), ("self._embedding_function.aembed_query(", True),
        ("self.embedding_func.embed_query(", False))}
    assert {line: site.is_async for line, site in sites.items()} == expected
    assert {(s.sdk, s.operation) for s in sites.values()} == {("langchain", "embedding")}


# a package with its own embeddings wrapper (its `embed_query` calls the provider): the untyped receiver may be
# that wrapper, whose own request is the site, so a call on it is not inferred to be one
OWN_WRAPPER = {
    "pkg/__init__.py": "",
    "pkg/embeddings.py": """
        from langchain_core.embeddings import Embeddings


        class WrappedEmbeddings(Embeddings):
            def __init__(self, inner):
                self.inner = inner

            def embed_query(self, text):
                return self.inner.embed_documents([text])[0]

            def embed_documents(self, texts):
                return self.inner.embed_documents(texts)
        """,
    "pkg/metric.py": INJECTED_EMBEDDINGS,
}


def test_embeddings_of_a_package_with_its_own_embeddings_wrapper_are_not_inferred(tmp_path: Path):
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    for rel, text in OWN_WRAPPER.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(textwrap.dedent(text), encoding="utf-8")
    result = api.check([tmp_path], select=["NONE"], use_cache=False, with_estimates=False)
    assert [s.api for s in result.call_sites if s.span.path == "pkg/metric.py"] == []
