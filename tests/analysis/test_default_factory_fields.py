"""A nested config object made by `default_factory` is the instance `= Cls()` makes: its fields' defaults
are the model (`settings.llm.model`); a factory that is no project class gives nothing."""
from __future__ import annotations

import textwrap

import pytest

from llmsight import api

SOURCE = """
    from dataclasses import dataclass, field
    from openai import OpenAI
    @dataclass
    class Chat:
        model: str = "gpt-4.1"
        temperature: float = 0.2
    @dataclass
    class Config:
        name: str = "app"
        chat: Chat = field(default_factory=FACTORY)
    CONFIG = Config()
    def ask(q):
        return OpenAI().chat.completions.create(model=CONFIG.chat.model, messages=[q])
    """


@pytest.mark.parametrize("factory, expected", [("lambda: Chat()", {"gpt-4.1"}), ("Chat", {"gpt-4.1"}),
                                               ("dict", set()), ("lambda: {}", set())])
def test_nested_config_made_by_a_default_factory(tmp_path, factory, expected):
    (tmp_path / "pyproject.toml").write_text("[project]\nname='x'\n")
    (tmp_path / "llm.py").write_text(textwrap.dedent(SOURCE).replace("FACTORY", factory))
    [site] = api.check([tmp_path], select=["NONE"], use_cache=False, with_estimates=False).call_sites
    assert {c.value for c in site.model.candidates} == expected
