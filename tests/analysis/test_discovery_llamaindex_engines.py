"""A LlamaIndex query engine's `query`/`aquery` is a request to the engine's `llm=`, else to the `Settings.llm`
the module sets; other `.query(…)` calls in the same file are not sites."""
from __future__ import annotations

from site_lines import line_of as _line, sites_by_line as _sites

SOURCE = '''
import sqlite3

from llama_index.core import Settings, VectorStoreIndex
from llama_index.core.query_engine import CitationQueryEngine
from llama_index.llms.mistralai import MistralAI

Settings.llm = MistralAI(model="mistral-medium", max_tokens=256)
index = VectorStoreIndex.from_documents([])
query_engine = index.as_query_engine(similarity_top_k=2)
answer = query_engine.query("What is in the report?")
cited = CitationQueryEngine.from_args(index).query("Where?")
rows = sqlite3.connect("db").query("select 1")


async def ask(question):
    engine = index.as_query_engine(llm=MistralAI(model="mistral-large-latest"))
    return await engine.aquery(question)
'''


def test_query_engines_prompt_their_llm_or_the_global_settings_llm():
    sites = _sites(SOURCE)
    answer = sites[_line(SOURCE, "answer = query_engine.query(")]
    assert (answer.sdk, answer.operation, answer.model.value, answer.max_tokens.value) == (
        "llama-index", "chat", "mistral-medium", 256)
    assert sites[_line(SOURCE, "CitationQueryEngine.from_args(index).query(")].model.value == "mistral-medium"
    asked = sites[_line(SOURCE, "await engine.aquery(")]
    assert asked.model.value == "mistral-large-latest" and asked.is_async


def test_other_query_calls_are_not_sites_and_an_engine_with_no_llm_in_sight_says_so():
    assert _line(SOURCE, 'sqlite3.connect("db").query(') not in _sites(SOURCE)
    source = '''
        from llama_index.core import VectorStoreIndex

        engine = VectorStoreIndex.from_documents([]).as_query_engine()
        reply = engine.query("hi")
        '''
    site = _sites(source)[_line(source, 'engine.query("hi")')]
    assert site.sdk == "llama-index" and site.model.value is None and site.model.unknown


def test_chat_engines_prompt_their_llm_and_an_llm_chat_stays_the_llms_own_site():
    source = '''
        from llama_index.core import VectorStoreIndex
        from llama_index.core.chat_engine import SimpleChatEngine
        from llama_index.llms.anthropic import Anthropic

        llm = Anthropic(model="claude-3-5-haiku-latest")
        chat_engine = VectorStoreIndex.from_documents([]).as_chat_engine(llm=llm)
        reply = chat_engine.chat("Hello")
        stream = SimpleChatEngine.from_defaults(llm=llm).stream_chat("Hi")
        direct = llm.chat([])
        '''
    sites = _sites(source)
    reply = sites[_line(source, 'chat_engine.chat("Hello")')]
    assert (reply.sdk, reply.model.value, reply.stream) == ("llama-index", "claude-3-5-haiku-latest", False)
    assert sites[_line(source, '.stream_chat("Hi")')].stream is True
    assert sites[_line(source, "llm.chat([])")].model.value == "claude-3-5-haiku-latest"
