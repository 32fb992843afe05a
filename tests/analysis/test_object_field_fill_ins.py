"""A config object's field filled in by the constructor that receives it (`if config.model is None:
config.model = DEFAULT_MODEL`), then read: the fill-in is the model when the field defaults to None, the
field's own default when it has one; an unconditional write replaces it. Made-up projects."""
from __future__ import annotations

import textwrap

import pytest

from llmsight import api

SOURCE = """
    import typing
    from dataclasses import dataclass
    from openai import OpenAI
    DEFAULT_MODEL = "gpt-4.1-mini"
    @dataclass
    class LLMConfig:
        model: str | None = FIELD_DEFAULT
        temperature: float = 0.0
    class Client:
        def __init__(self, config: LLMConfig | None = None):
            config = config or LLMConfig()
            WRITE
            self.model = typing.cast(str, config.model)
            self.client = OpenAI()
        def ask(self, q):
            return self.client.chat.completions.create(model=self.model, messages=[q])
    """


def models(tmp_path, field_default: str, write: str) -> list[str]:
    (tmp_path / "pyproject.toml").write_text("[project]\nname='x'\n")
    source = textwrap.dedent(SOURCE).replace("FIELD_DEFAULT", field_default)
    (tmp_path / "client.py").write_text(source.replace("WRITE", write.replace("\n", "\n    ")))
    [site] = api.check([tmp_path], select=["NONE"], use_cache=False, with_estimates=False).call_sites
    return [c.value for c in site.model.candidates]


@pytest.mark.parametrize("field_default, write, expected", [
    ("None", "if config.model is None:\n        config.model = DEFAULT_MODEL", ["gpt-4.1-mini"]),
    ('"gpt-4o"', "if not config.model:\n        config.model = DEFAULT_MODEL", ["gpt-4o"]),
    ('"gpt-4o"', "config.model = DEFAULT_MODEL", ["gpt-4.1-mini"]),
])
def test_a_field_filled_in_by_the_constructor(tmp_path, field_default, write, expected):
    assert models(tmp_path, field_default, write) == expected
