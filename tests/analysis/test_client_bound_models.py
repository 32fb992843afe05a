"""A client that carries its model: built by each subclass and used by a base-class method (every
subclass that runs the method sends its own model), or bound at construction on the project's subclass
of an SDK class and called with `**kwargs` that hold no model (the model is the client's)."""
from __future__ import annotations

import textwrap
from pathlib import Path

from llmsight import api

BASE = """
class Labeler:
    def __init__(self, config):
        self.config = config

    def label_one(self, prompt):
        return self.llm.generate([prompt])

    def label_many(self, prompts):
        return [self.label_one(p) for p in prompts]
"""
FAST = """
from langchain_openai import ChatOpenAI
from base import Labeler


class FastLabeler(Labeler):
    DEFAULT_MODEL = "gpt-4o-mini"

    def __init__(self, config):
        super().__init__(config)
        self.model_name = config.model_name() or self.DEFAULT_MODEL
        self.llm = ChatOpenAI(model_name=self.model_name)
"""
CAREFUL = """
from langchain_anthropic import ChatAnthropic
from base import Labeler


class CarefulLabeler(Labeler):
    DEFAULT_MODEL = "claude-3-5-haiku-20241022"

    def __init__(self, config):
        super().__init__(config)
        self.model_name = config.model_name() or self.DEFAULT_MODEL
        self.llm = ChatAnthropic(model=self.model_name)
"""
# overrides the base method: its instances never run the base's request
OWN = """
from langchain_openai import ChatOpenAI
from base import Labeler


class BatchLabeler(Labeler):
    def __init__(self, config):
        super().__init__(config)
        self.llm = ChatOpenAI(model="o3-mini")

    def label_one(self, prompt):
        return self.llm.batch([prompt])
"""
BOUND = """
import google.generativeai as genai


class CountingModel(genai.GenerativeModel):
    def tokens(self, text):
        return len(text.split())


class Provider:
    def __init__(self):
        self.model = "gemini-1.5-flash"
        self.llm = CountingModel(model_name=self.model)

    def _request(self, messages):
        return {"contents": messages, "generation_config": {"temperature": 0.2}}

    def ask(self, messages):
        return self.llm.generate_content(**self._request(messages))
"""
# its own `__init__` decides what reaches the SDK class: the construction's keywords are not the client's
WRAPPED = """
import google.generativeai as genai


class PinnedModel(genai.GenerativeModel):
    def __init__(self, model_name, **kwargs):
        super().__init__(model_name=model_name.split(":")[0] + "-pinned", **kwargs)


class Pinned:
    def __init__(self):
        self.llm = PinnedModel(model_name="gemini-1.5-pro:latest")

    def ask(self, messages, **options):
        return self.llm.generate_content(messages, **options)
"""


def scan(tmp_path: Path, files: dict[str, str]) -> dict[tuple[str, str], list[str]]:
    (tmp_path / "pyproject.toml").write_text("[project]\nname='x'\n")
    for rel, text in files.items():
        (tmp_path / rel).write_text(textwrap.dedent(text), encoding="utf-8")
    result = api.check([tmp_path], select=["NONE"], use_cache=False)
    return {(s.span.path, s.function): [c.value for c in s.model.candidates] for s in result.call_sites}


def test_a_base_method_sends_the_model_of_every_subclass_client(tmp_path):
    models = scan(tmp_path, {"base.py": BASE, "fast.py": FAST, "careful.py": CAREFUL, "own.py": OWN})
    assert sorted(models[("base.py", "Labeler.label_one")]) == ["claude-3-5-haiku-20241022", "gpt-4o-mini"]


def test_a_subclass_that_overrides_the_method_keeps_its_own_client(tmp_path):
    models = scan(tmp_path, {"base.py": BASE, "fast.py": FAST, "careful.py": CAREFUL, "own.py": OWN})
    assert models[("own.py", "BatchLabeler.label_one")] == ["o3-mini"]
    assert "o3-mini" not in models[("base.py", "Labeler.label_one")]


def test_a_model_bound_on_a_project_subclass_of_the_sdk_class_is_the_clients(tmp_path):
    models = scan(tmp_path, {"gem.py": BOUND})
    assert models[("gem.py", "Provider.ask")] == ["gemini-1.5-flash"]


def test_a_subclass_with_its_own_init_does_not_pass_the_construction_on(tmp_path):
    models = scan(tmp_path, {"gem.py": WRAPPED})
    assert "gemini-1.5-pro:latest" not in models[("gem.py", "Pinned.ask")]


def test_a_base_that_leaves_the_client_none_still_runs_each_subclass_client(tmp_path):
    unset = BASE.replace("self.config = config", "self.config = config\n        self.llm = None")
    models = scan(tmp_path, {"base.py": unset, "fast.py": FAST, "careful.py": CAREFUL})
    assert sorted(models[("base.py", "Labeler.label_one")]) == ["claude-3-5-haiku-20241022", "gpt-4o-mini"]


OWN_CLIENT = """
from langchain_openai import ChatOpenAI


class Labeler:
    def __init__(self):
        self.llm = ChatOpenAI(model="gpt-4o-mini")

    def label_one(self, prompt):
        return self.llm.invoke(prompt)
"""
REBOUND = """
from langchain_anthropic import ChatAnthropic
from base import Labeler


class CarefulLabeler(Labeler):
    def __init__(self):
        super().__init__()
        self.llm = ChatAnthropic(model="claude-3-5-haiku-20241022")
"""
MIDDLE = """
from langchain_openai import ChatOpenAI
from base import Labeler


class Tuned(Labeler):
    MODEL = "gpt-4o-mini"

    def __init__(self, config):
        super().__init__(config)
        self.llm = ChatOpenAI(model=self.MODEL)


class Larger(Tuned):
    MODEL = "gpt-4.1-mini"
"""


def test_a_subclass_rebinding_the_bases_client_adds_its_model(tmp_path):
    models = scan(tmp_path, {"base.py": OWN_CLIENT, "careful.py": REBOUND})
    assert models[("base.py", "Labeler.label_one")] == ["gpt-4o-mini", "claude-3-5-haiku-20241022"]


def test_a_subclass_of_a_subclass_runs_the_base_method_with_its_own_model(tmp_path):
    models = scan(tmp_path, {"base.py": BASE, "middle.py": MIDDLE})
    assert sorted(models[("base.py", "Labeler.label_one")]) == ["gpt-4.1-mini", "gpt-4o-mini"]
