"""Haystack: a provider component's `run` is a request, and so is the `run` of a pipeline a provider component
was added to (one site, with the generator's model); components on local models and pipelines of them are not."""
from __future__ import annotations

from site_lines import line_of, sites_by_line

SOURCE = '''
from haystack import AsyncPipeline, Pipeline
from haystack.components.embedders import SentenceTransformersTextEmbedder
from haystack.components.generators.chat import OpenAIChatGenerator
from haystack_integrations.components.embedders.mistral import MistralDocumentEmbedder, MistralTextEmbedder
from haystack_integrations.components.rankers.cohere import CohereRanker

indexed = MistralDocumentEmbedder(model="mistral-embed").run(documents=[])

rag = Pipeline()
rag.add_component("embedder", MistralTextEmbedder())
rag.add_component("llm", OpenAIChatGenerator(model="gpt-4o-mini", generation_kwargs={"max_tokens": 300}))
rag.connect("embedder", "llm")
answer = rag.run({"embedder": {"text": "question"}})

local = Pipeline()
local.add_component("embedder", SentenceTransformersTextEmbedder())
local.run({"embedder": {"text": "x"}})
SentenceTransformersTextEmbedder().run(text="x")


class Search:
    def __init__(self):
        self.pipeline = AsyncPipeline()
        self.pipeline.add_component(instance=CohereRanker(model="rerank-v3.5"), name="ranker")

    async def search(self, query, documents):
        return await self.pipeline.run_async({"ranker": {"query": query, "documents": documents}})
'''


def _sites():
    return sites_by_line(SOURCE)


def _line(text: str) -> int:
    return line_of(SOURCE, text)


def test_provider_components_and_the_pipelines_they_are_in_are_sites_with_the_components_model():
    sites = _sites()
    embed = sites[_line("MistralDocumentEmbedder(model=")]
    assert (embed.sdk, embed.operation, embed.model.value) == ("haystack", "embedding", "mistral-embed")
    chat = sites[_line("answer = rag.run(")]
    assert (chat.sdk, chat.operation, chat.model.value, chat.max_tokens.value) == ("haystack", "chat", "gpt-4o-mini", 300)
    rerank = sites[_line("await self.pipeline.run_async(")]
    assert (rerank.operation, rerank.model.value, rerank.is_async) == ("rerank", "rerank-v3.5", True)


def test_local_components_and_their_pipelines_are_not_sites():
    sites = _sites()
    for text in ('local.run(', 'SentenceTransformersTextEmbedder().run(', 'rag.add_component("llm"', 'rag.connect('):
        assert _line(text) not in sites, text
