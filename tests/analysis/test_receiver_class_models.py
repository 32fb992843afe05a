"""A base-class method runs on every subclass that does not override it, so a model read through `self`
there is the union of theirs; but when a call through `self` reaches a method (`self._complete(self.model)`
in the base, `_complete` overridden by one subclass), `self` is an instance that runs the method reached:
a subclass's own request sends its own model, and the base's request none of the siblings that override it."""
from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from llmsight import api

BASE = """
from openai import OpenAI


class Provider:
    MODEL = None

    def __init__(self):
        self.client = OpenAI()

    def ask(self, prompt):
        return self._complete(self.model, prompt)

    def _complete(self, model, prompt):
        return self.client.chat.completions.create(model=model, messages=[{"role": "user", "content": prompt}])

    def direct(self, prompt):
        return self.client.chat.completions.create(model=self.model, messages=[])

    def run(self, prompt):
        return self.call(prompt, **self.params())

    def params(self):
        return {"model": self.MODEL}

    def call(self, prompt, **kwargs):
        return self.client.chat.completions.create(messages=[], **kwargs)
"""
FAST = """
from base import Provider


class Fast(Provider):
    MODEL = "gpt-4.1-nano"

    def __init__(self):
        super().__init__()
        self.model = "gpt-4o-mini"
"""
# overrides both request methods: its model reaches only its own requests
BIG = """
from base import Provider


class Big(Provider):
    MODEL = "gpt-4.1"

    def __init__(self):
        super().__init__()
        self.model = "gpt-4o"

    def _complete(self, model, prompt):
        return self.client.chat.completions.create(model=model, messages=[], temperature=0)

    def call(self, prompt, **kwargs):
        return self.client.responses.create(input=prompt, **kwargs)
"""
# overrides `direct` but runs the base's through super()
TUNED = """
from base import Provider


class Tuned(Provider):
    def __init__(self):
        super().__init__()
        self.model = "o3-mini"

    def direct(self, prompt):
        return super().direct(prompt)
"""
HELPER = """
def send(client, model, prompt):
    return client.chat.completions.create(model=model, messages=[{"role": "user", "content": prompt}])
"""
CALLER = """
from openai import OpenAI
from helper import send


class Agent:
    def __init__(self):
        self.client = OpenAI()

    def helper(self, prompt):
        return send(self.client, self.model, prompt)


class Small(Agent):
    model = "gpt-4o-mini"


class Large(Agent):
    model = "gpt-4o"
"""


@pytest.fixture(scope="module")
def models(tmp_path_factory) -> dict[str, list[str]]:
    root: Path = tmp_path_factory.mktemp("receiver")
    (root / "pyproject.toml").write_text("[project]\nname='x'\n")
    files = {"base.py": BASE, "fast.py": FAST, "big.py": BIG, "tuned.py": TUNED, "helper.py": HELPER, "caller.py": CALLER}
    for rel, text in files.items():
        (root / rel).write_text(textwrap.dedent(text), encoding="utf-8")
    result = api.check([root], select=["NONE"], use_cache=False)
    return {s.function: sorted(c.value for c in s.model.candidates) for s in result.call_sites}


def test_a_subclass_override_of_the_request_sends_only_its_own_model(models):
    assert models["Big._complete"] == ["gpt-4o"]


def test_the_base_request_leaves_out_a_sibling_that_overrides_it(models):
    assert models["Provider._complete"] == ["gpt-4o-mini", "o3-mini"]


def test_kwargs_passed_through_self_hold_the_receivers_model(models):
    assert models["Big.call"] == ["gpt-4.1"]
    assert models["Provider.call"] == ["gpt-4.1-nano"]


def test_an_override_calling_super_runs_the_base_request_with_its_model(models):
    assert models["Provider.direct"] == ["gpt-4o", "gpt-4o-mini", "o3-mini"]


def test_a_helper_called_from_a_base_method_gets_every_subclass_model(models):
    assert models["send"] == ["gpt-4o", "gpt-4o-mini"]
