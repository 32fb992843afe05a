"""A config class that spreads a dict onto the instance by name (`for key, value in config.items():
setattr(self, key.lower(), value)`): `self.smart_llm` is the dict's `SMART_LLM`, read wherever the dict comes
from (a module constant a loader returns, what the constructor is passed), and what is derived from it
(`provider, model = self.parse_llm(self.smart_llm)`) follows."""
from __future__ import annotations

import textwrap
from pathlib import Path

from llmsight import api

DEFAULTS = """
DEFAULT_CONFIG = {
    "FAST_LLM": "openai:gpt-4o-mini",
    "SMART_LLM": "openai:gpt-4o",
    "TEMPERATURE": 0.4,
}
"""
CONFIG = """
import json
import os

from pkg.defaults import DEFAULT_CONFIG


class Config:
    def __init__(self, path=None):
        self._set_attributes(self.load(path))
        self.smart_llm_provider, self.smart_llm_model = self.parse_llm(self.smart_llm)

    @staticmethod
    def load(path):
        if not path:
            return DEFAULT_CONFIG
        with open(path) as f:
            merged = DEFAULT_CONFIG.copy()
            merged.update(json.load(f))
            return merged

    def _set_attributes(self, config):
        for key, value in config.items():
            env_value = os.getenv(key)
            if env_value is not None:
                value = env_value
            setattr(self, key.lower(), value)

    @staticmethod
    def parse_llm(llm_str):
        if llm_str is None:
            return None, None
        provider, model = llm_str.split(":", 1)
        return provider, model
"""
RUN = """
from openai import OpenAI

from pkg.config import Config


def answer(question):
    cfg = Config()
    return OpenAI().chat.completions.create(model=cfg.smart_llm_model, messages=[{"role": "user", "content": question}])


def answer_fast(question):
    cfg = Config()
    return OpenAI().chat.completions.create(model=cfg.fast_llm, messages=[{"role": "user", "content": question}])
"""
# a key spread in another spelling than the attribute read: nothing is claimed
OTHER = """
from openai import OpenAI


class Settings:
    def __init__(self, values):
        for name, value in values.items():
            setattr(self, "opt_" + name, value)


def ask(question):
    s = Settings({"model": "gpt-4o"})
    return OpenAI().chat.completions.create(model=s.model, messages=[{"role": "user", "content": question}])
"""


def scan(root: Path, files: dict[str, str]) -> dict[str, list[str]]:
    (root / "pyproject.toml").write_text("[project]\nname='x'\n")
    (root / "pkg").mkdir()
    (root / "pkg" / "__init__.py").write_text("")
    for rel, text in files.items():
        (root / rel).write_text(textwrap.dedent(text), encoding="utf-8")
    result = api.check([root], select=["NONE"], use_cache=False)
    return {s.function: [c.value for c in s.model.candidates] for s in result.call_sites}


def test_a_dict_spread_onto_the_instance_names_its_attributes(tmp_path):
    models = scan(tmp_path, {"pkg/defaults.py": DEFAULTS, "pkg/config.py": CONFIG, "pkg/run.py": RUN})
    assert models["answer"] == ["gpt-4o"]
    assert models["answer_fast"] == ["openai:gpt-4o-mini"]


def test_a_key_spelled_otherwise_is_not_claimed(tmp_path):
    assert scan(tmp_path, {"pkg/other.py": OTHER})["ask"] == []
