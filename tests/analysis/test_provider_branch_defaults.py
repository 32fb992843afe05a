"""A factory that builds one adapter per provider and hands each the one `model` setting (issue 12 item 1):
the setting's default belongs to the default provider, so an adapter built only in a branch the defaults
do not take (`elif cfg.provider == "anthropic"`) is not given it — its model is the one the user
configures with the provider; a model that branch names itself stays."""
from __future__ import annotations

import textwrap
from pathlib import Path

from llmsight import api

ADAPTERS = """
from openai import OpenAI
from anthropic import Anthropic
class OpenAIAdapter:
    def __init__(self, model):
        self.model = model
        self.client = OpenAI()
    def run(self, q):
        return self.client.chat.completions.create(model=self.model, messages=[q])
class AnthropicAdapter:
    def __init__(self, model):
        self.model = model
        self.client = Anthropic()
    def run(self, q):
        return self.client.messages.create(model=self.model, max_tokens=100, messages=[q])
"""


def sites(tmp_path: Path, factory: str):
    (tmp_path / "pyproject.toml").write_text("[project]\nname='x'\n")
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "settings.py").write_text(textwrap.dedent("""
        from pydantic_settings import BaseSettings
        class Settings(BaseSettings):
            provider: str = "openai"
            model: str = "gpt-4o-mini"
        """), encoding="utf-8")
    (pkg / "adapters.py").write_text(textwrap.dedent(ADAPTERS), encoding="utf-8")
    (pkg / "factory.py").write_text(textwrap.dedent(factory), encoding="utf-8")
    result = api.check([tmp_path], select=["NONE"], use_cache=False)
    return {s.sdk: s.model for s in result.call_sites}


def test_an_adapter_built_off_the_default_branch_is_not_given_the_default_model(tmp_path):
    found = sites(tmp_path, """
        from pkg.settings import Settings
        from pkg.adapters import OpenAIAdapter, AnthropicAdapter
        def get_adapter():
            cfg = Settings()
            if cfg.provider == "openai":
                return OpenAIAdapter(cfg.model)
            elif cfg.provider == "anthropic":
                return AnthropicAdapter(cfg.model)
            raise ValueError(cfg.provider)
        """)
    assert [c.value for c in found["openai"].candidates] == ["gpt-4o-mini"]
    assert found["anthropic"].candidates == () and "configures" in found["anthropic"].unknown


def test_a_model_the_branch_names_stays(tmp_path):
    found = sites(tmp_path, """
        from pkg.settings import Settings
        from pkg.adapters import OpenAIAdapter, AnthropicAdapter
        def get_adapter():
            cfg = Settings()
            if cfg.provider == "anthropic":
                return AnthropicAdapter("claude-3-5-haiku-latest")
            return OpenAIAdapter(cfg.model)
        """)
    assert [c.value for c in found["anthropic"].candidates] == ["claude-3-5-haiku-latest"]
    assert [c.value for c in found["openai"].candidates] == ["gpt-4o-mini"]
