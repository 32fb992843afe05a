"""A class chosen from a mapping of classes by a configured key, falling back to a default class
(`PROVIDERS.get(cfg.provider(), OpenAIEmbeddings)()`), makes an instance of that default class: an object built
so and handed to another module's class is that SDK's client there, its requests sites."""
from __future__ import annotations

from site_lines import line_of, scan_project

PROJECT = {
    "lab/__init__.py": "",
    "lab/selector.py": """
        class LabelSelector:
            def __init__(self, labels, embedding_func):
                self.embedding_func = embedding_func
                self.vectors = [self.embedding_func.embed_query(label) for label in labels]

            def select(self, text):
                return self.embedding_func.embed_query(text)
        """,
    "lab/labeler.py": """
        from langchain_cohere import CohereEmbeddings
        from langchain_openai import OpenAIEmbeddings

        from lab.selector import LabelSelector

        PROVIDERS = {"openai": OpenAIEmbeddings, "cohere": CohereEmbeddings}

        class Labeler:
            def __init__(self, config, labels):
                emb = PROVIDERS.get(config.embedding_provider(), OpenAIEmbeddings)()
                self.selector = LabelSelector(labels, embedding_func=emb)
        """,
}


def test_default_class_of_a_mapping_get_makes_the_client(tmp_path):
    result = scan_project(tmp_path, PROJECT)
    selector = PROJECT["lab/selector.py"]
    got = {(s.span.path, s.span.start_line, s.sdk, s.operation) for s in result.call_sites}
    assert got == {("lab/selector.py", line_of(selector, "embed_query(label)"), "langchain", "embedding"),
                   ("lab/selector.py", line_of(selector, "embed_query(text)"), "langchain", "embedding")}
