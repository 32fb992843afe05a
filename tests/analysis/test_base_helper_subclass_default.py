"""A base class's helper that falls back to an abstract method (`return self._config.get("model_name") or
self._get_default_model()`, each provider subclass overriding it with its literal), called as
`self.get_model_name()` from a subclass's request method: the helper's `self.` calls run that subclass's
overrides, so the site sends the subclass's default (was: the base's abstract method, 'returns nothing
llmsight can read', no model)."""
from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from llmsight import api

BASE = """
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, Dict, Optional

@dataclass
class LanguageModel(ABC):
    model_name: Optional[str] = None
    config: Optional[Dict[str, Any]] = None
    _config: Dict[str, Any] = field(default_factory=dict)

    def __post_init__(self):
        self._config = {"model_name": self.model_name}
        if self.config:
            self._config.update(self.config)

    def get_model_name(self) -> str:
        model_name = {read}
        if model_name:
            return model_name
        return self._get_default_model()

    @abstractmethod
    def _get_default_model(self) -> str:
        pass
"""

PROVIDER = """
import httpx
from pkg.base import LanguageModel

class {cls}(LanguageModel):
    def __post_init__(self):
        super().__post_init__()
        self.client = httpx.Client(timeout=30)

    def chat(self, messages):
        payload = {{"model": self.get_model_name(), "messages": messages}}
        return self.client.post("{url}", json=payload)

    def _get_default_model(self) -> str:
        return "{model}"
"""


@pytest.mark.parametrize("read", ['self._config.get("model_name")', "self.model_name"])
def test_each_subclass_site_sends_its_own_default(tmp_path: Path, read: str):
    (tmp_path / "pyproject.toml").write_text("[project]\nname='x'\n")
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "base.py").write_text(textwrap.dedent(BASE.replace("{read}", read)))
    for name, cls, url, model in (("oai", "OpenAIModel", "https://api.openai.com/v1/chat/completions", "gpt-4o-mini"),
                                  ("mis", "MistralModel", "https://api.mistral.ai/v1/chat/completions",
                                   "mistral-large-latest")):
        (pkg / f"{name}.py").write_text(textwrap.dedent(PROVIDER.format(cls=cls, url=url, model=model)))
    result = api.check([tmp_path], use_cache=False, with_estimates=False)
    assert {s.span.path: [c.value for c in s.model.candidates] for s in result.call_sites} == {
        "pkg/oai.py": ["gpt-4o-mini"], "pkg/mis.py": ["mistral-large-latest"]}
