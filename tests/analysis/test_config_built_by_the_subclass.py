"""A base class that sets its model from a config object the subclass builds (issue 12 item 1):
`super().__init__(LLMConfig(model=src.model or "…"))` in the subclass, `if config is None: config =
LLMConfig()` then `self.model = config.model` in the base, and `model_id = model or self.model` handed to
the subclass's request method: the config the subclass passes is read, not only the guarded fallback."""
from __future__ import annotations

import textwrap
from pathlib import Path

from llmsight import api

BASE = """
from pydantic import BaseModel
class LLMConfig(BaseModel):
    model: str | None = None
    api_key: str | None = None
class BaseClient:
    def __init__(self, config: LLMConfig | None = None):
        if config is None:
            config = LLMConfig()
        self.config = config
        self.model = config.model
    async def generate(self, state, q, model=None):
        model_id = model or self.model
        return await self._post(state, q, model_id)
"""

IMPL = """
from openai import AsyncOpenAI
from pkg.base import BaseClient, LLMConfig
class Impl(BaseClient):
    def __init__(self, src):
        super().__init__(LLMConfig(model=src.model or "gpt-4o-mini", api_key=src.key))
        self.client = AsyncOpenAI(api_key=src.key)
    async def _post(self, state, q, model):
        return await self.client.chat.completions.create(model=model, messages=[q])
"""


def models(tmp_path: Path, base: str) -> list[str]:
    (tmp_path / "pyproject.toml").write_text("[project]\nname='x'\n")
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "base.py").write_text(textwrap.dedent(base), encoding="utf-8")
    (tmp_path / "pkg" / "impl.py").write_text(textwrap.dedent(IMPL), encoding="utf-8")
    result = api.check([tmp_path], select=["NONE"], use_cache=False)
    return [c.value for s in result.call_sites for c in s.model.candidates]


def test_config_a_subclass_passes_past_a_none_guard(tmp_path):
    assert models(tmp_path, BASE) == ["gpt-4o-mini"]


def test_an_unguarded_rebinding_is_what_the_base_reads(tmp_path):
    base = BASE.replace("        if config is None:\n            config = LLMConfig()\n",
                        "        config = LLMConfig(model=\"gpt-4.1\")\n")
    assert models(tmp_path, base) == ["gpt-4.1"]
