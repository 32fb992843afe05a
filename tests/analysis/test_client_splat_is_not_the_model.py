"""A client built from `**params` (`openai.OpenAI(**self._client_params)`) is not a model keyword: when the
request passes its own `**params` holding `"model"`, that is the model, whatever the client's dict holds."""
from __future__ import annotations

import textwrap
from pathlib import Path

from llmsight import api

WRAPPER = """
import openai


class Base:
    temperature = 0

    @property
    def _default_params(self):
        return {"temperature": self.temperature}

    @property
    def _client_params(self):
        return {"api_key": self.api_key}

    def ask(self, messages):
        params = {**self._default_params, "messages": messages}
        return self.client.create(**params)


class Chat(Base):
    model = "gpt-4o-mini"

    def __init__(self, api_key=None, **kwargs):
        self.api_key = api_key
        self.client = openai.OpenAI(**self._client_params).chat.completions

    @property
    def _default_params(self):
        return {**super()._default_params, "model": self.model}

    @property
    def _client_params(self):
        extra = {"timeout": 30} if self.api_key else {}
        return {**extra, **super()._client_params}
"""


def test_the_requests_own_params_give_the_model(tmp_path: Path):
    (tmp_path / "pyproject.toml").write_text("[project]\nname='x'\n")
    (tmp_path / "chat.py").write_text(textwrap.dedent(WRAPPER), encoding="utf-8")
    result = api.check([tmp_path], select=["NONE"], use_cache=False)
    assert [c.value for s in result.call_sites for c in s.model.candidates] == ["gpt-4o-mini"]
