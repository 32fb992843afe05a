"""A project class derived from an SDK client class whose `__init__` hands the SDK class its model
(`super().__init__(model=model, **kwargs)`): the requests it inherits (`self.invoke(…)`) send that model —
the parameter's default and what the constructions pass — unless a class between them has an `__init__`
that does not hand its arguments on."""
from __future__ import annotations

import textwrap
from pathlib import Path

from llmsight import api

TRACKED = """
from langchain_openai import ChatOpenAI


class TrackedChat(ChatOpenAI):
    def __init__(self, model: str = "gpt-4o-mini", temperature: float = 0.0, **kwargs):
        super().__init__(model=model, temperature=temperature, **kwargs)
        self._calls = 0

    def ask(self, prompt, **kwargs):
        self._calls += 1
        return self.invoke(prompt, **kwargs)


def larger():
    return TrackedChat(model="gpt-4.1-mini")
"""
# Holder's `__init__` keeps the arguments: the SDK class never sees Child's model
HIDDEN = """
from langchain_openai import ChatOpenAI


class Holder(ChatOpenAI):
    def __init__(self, **kwargs):
        self.pending = kwargs


class Child(Holder):
    def __init__(self, model: str = "gpt-4o-mini"):
        super().__init__(model=model)

    def ask(self, prompt):
        return self.invoke(prompt)
"""


def scan(tmp_path: Path, text: str) -> dict[str, list[str]]:
    (tmp_path / "pyproject.toml").write_text("[project]\nname='x'\n")
    (tmp_path / "chat.py").write_text(textwrap.dedent(text), encoding="utf-8")
    result = api.check([tmp_path], select=["NONE"], use_cache=False)
    return {s.function: [c.value for c in s.model.candidates] for s in result.call_sites}


def test_the_model_handed_to_the_sdk_class_reaches_its_inherited_request(tmp_path):
    assert scan(tmp_path, TRACKED)["TrackedChat.ask"] == ["gpt-4o-mini", "gpt-4.1-mini"]


def test_an_init_that_keeps_the_arguments_hides_the_subclass_call(tmp_path):
    assert "gpt-4o-mini" not in scan(tmp_path, HIDDEN)["Child.ask"]
