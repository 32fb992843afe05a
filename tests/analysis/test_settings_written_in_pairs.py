"""A model written together with the provider setting a factory branches on (issue 12 item 1): settings
that switch to a local provider without an API key (`self.provider = "ollama"; self.model = "llama3.2"` in
a validator) and a factory building `LocalEngine(s.model)` only when `s.provider == "ollama"`, else
`RemoteEngine(s.model)`: each engine gets only the model written beside the provider its branch admits,
not the other engine's (the field defaults pair the same way)."""
from __future__ import annotations

import textwrap
from pathlib import Path

from llmsight import api

SETTINGS = """
from pydantic import model_validator
from pydantic_settings import BaseSettings
class Settings(BaseSettings):
    provider: str = "openai"
    model: str = "gpt-4o-mini"
    api_key: str = ""
    @model_validator(mode="after")
    def local_without_key(self):
        if not self.api_key:
            self.provider = "ollama"
            self.model = "llama3.2"
        return self
"""

ENGINES = """
from openai import OpenAI
class RemoteEngine:
    def __init__(self, model):
        self.model = model
        self.client = OpenAI()
    def run(self, q):
        return self.client.chat.completions.create(model=self.model, messages=[q])
class LocalEngine:
    def __init__(self, model):
        self.model = model
        self.client = OpenAI(base_url="http://localhost:11434/v1")
    def run(self, q):
        return self.client.chat.completions.create(model=self.model, messages=[q])
"""


def models(tmp_path: Path, factory: str) -> dict[int, list[str]]:
    (tmp_path / "pyproject.toml").write_text("[project]\nname='x'\n")
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    for name, text in (("settings", SETTINGS), ("engines", ENGINES), ("factory", factory)):
        (pkg / f"{name}.py").write_text(textwrap.dedent(text), encoding="utf-8")
    result = api.check([tmp_path], select=["NONE"], use_cache=False)
    return {s.span.start_line: [c.value for c in s.model.candidates] for s in result.call_sites}


def test_each_engine_gets_the_model_written_with_the_provider_its_branch_admits(tmp_path):
    assert models(tmp_path, """
        from pkg.settings import Settings
        from pkg.engines import RemoteEngine, LocalEngine
        def make_engine():
            s = Settings()
            if s.provider == "ollama":
                return LocalEngine(s.model)
            return RemoteEngine(s.model)
        """) == {8: ["gpt-4o-mini"], 14: ["llama3.2"]}


def test_a_branch_on_another_object_narrows_nothing(tmp_path):
    assert models(tmp_path, """
        from pkg.settings import Settings
        from pkg.engines import RemoteEngine, LocalEngine
        def make_engine(options):
            s = Settings()
            if options.provider == "ollama":
                return LocalEngine(s.model)
            return RemoteEngine(s.model)
        """) == {8: ["gpt-4o-mini", "llama3.2"], 14: ["gpt-4o-mini", "llama3.2"]}


def test_the_pair_is_followed_through_locals_and_a_membership_test(tmp_path):
    """`provider = s.provider; model = s.model` before the branch, and `s.provider in ("ollama", "local")`."""
    assert models(tmp_path, """
        from pkg.settings import Settings
        from pkg.engines import RemoteEngine, LocalEngine
        def make_engine():
            s = Settings()
            provider, model = s.provider, s.model
            if provider == "ollama":
                return LocalEngine(model)
            return RemoteEngine(model)
        """) == {8: ["gpt-4o-mini"], 14: ["llama3.2"]}
    (tmp_path / "in").mkdir()
    assert models(tmp_path / "in", """
        from pkg.settings import Settings
        from pkg.engines import RemoteEngine, LocalEngine
        def make_engine():
            s = Settings()
            if s.provider in ("ollama", "local"):
                return LocalEngine(s.model)
            return RemoteEngine(model=s.model)
        """) == {8: ["gpt-4o-mini"], 14: ["llama3.2"]}
