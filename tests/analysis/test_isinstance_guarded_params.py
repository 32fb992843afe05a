"""A parameter with no telling annotation that the function rejects unless it is an SDK client
(`if not isinstance(generator, (OpenAIGenerator, AzureOpenAIGenerator)): raise …`, the classes imported inside the
function or only under TYPE_CHECKING) is that client: stored on `self`, its calls are requests."""
from __future__ import annotations

from site_lines import line_of, sites_by_line

GUARDED = """
    from typing import Any


    class GeneratorWrapper:
        def __init__(self, generator: Any, embedder=None):
            from haystack.components.embedders import OpenAITextEmbedder
            from haystack.components.generators import AzureOpenAIGenerator, OpenAIGenerator

            if not isinstance(generator, (OpenAIGenerator, AzureOpenAIGenerator)):
                raise ValueError("unsupported generator")
            assert isinstance(embedder, OpenAITextEmbedder)
            self.generator = generator
            self.embedder = embedder

        def generate(self, prompt):
            return self.generator.run(prompt=prompt)

        def embed(self, text):
            return self.embedder.run(text=text)


    class Unguarded:
        def __init__(self, thing: Any):
            if isinstance(thing, str):
                thing = thing.strip()
            self.thing = thing

        def go(self, prompt):
            return self.thing.run(prompt=prompt)
    """


def test_parameter_an_isinstance_guard_admits_only_as_a_client():
    sites = {line: (s.sdk, s.operation) for line, s in sites_by_line(GUARDED).items()}
    assert sites == {line_of(GUARDED, "self.generator.run("): ("haystack", "chat"),
                     line_of(GUARDED, "self.embedder.run("): ("haystack", "embedding")}
