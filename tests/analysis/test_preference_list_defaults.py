"""A model computed as the first available of a preference list, else a fallback (issue 12, item 1):
which item passes the run-time test is unknown, so the set is every item the code can return and the
fallback, with the step that chose it in the chain. Made-up projects."""
from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from llmsight import api

MODELS = """
    from enum import Enum
    class Chat(str, Enum):
        MINI = "gpt-4o-mini"
        LARGE = "gpt-4.1"
        REASONER = "o3-mini"
    def available():
        return {m.strip() for m in open("models.txt")}
    """


def site_model(tmp_path: Path, source: str):
    (tmp_path / "pyproject.toml").write_text("[project]\nname='x'\n")
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "__init__.py").write_text("")
    (tmp_path / "app" / "models.py").write_text(textwrap.dedent(MODELS))
    (tmp_path / "app" / "chat.py").write_text(textwrap.dedent(source))
    [site] = api.check([tmp_path], select=["NONE"], use_cache=False, with_estimates=False).call_sites
    return site.model


def test_a_field_default_computed_by_a_first_available_function(tmp_path):
    model = site_model(tmp_path, """
        from dataclasses import dataclass, field
        from openai import OpenAI
        from app.models import Chat, available
        def first_available(preferred):
            for m in preferred:
                if m.value in available():
                    return m
            return Chat.MINI
        @dataclass
        class Config:
            chat_model: str = field(default_factory=lambda: first_available([Chat.LARGE, Chat.REASONER]))
        def ask(q, config: Config = Config()):
            return OpenAI().chat.completions.create(model=config.chat_model, messages=[q])
        """)
    assert model.value == "gpt-4o-mini"   # what runs when none of the preferred is available
    assert [(c.value, c.default) for c in model.candidates] == [("gpt-4o-mini", True), ("gpt-4.1", False), ("o3-mini", False)]


def test_a_settings_default_chained_after_a_filtered_preference_list(tmp_path):
    model = site_model(tmp_path, """
        from itertools import chain
        from pydantic_settings import BaseSettings
        from openai import OpenAI
        from app.models import Chat, available
        PREFERRED = [Chat.LARGE, Chat.REASONER]
        DEFAULT_COMPLETION = next(chain(filter(lambda m: m.value in available(), PREFERRED), [Chat.MINI]))
        class Settings(BaseSettings):
            completion_model: str = DEFAULT_COMPLETION
        def complete(prompt, settings: Settings = Settings()):
            return OpenAI().completions.create(model=settings.completion_model, prompt=prompt)
        """)
    assert model.value == "gpt-4o-mini"   # what runs when none of the preferred is available
    assert [c.value for c in model.candidates] == ["gpt-4o-mini", "gpt-4.1", "o3-mini"]
    assert [c.default for c in model.candidates] == [True, False, False]
    assert any("when the parts before it hold no item" in h.step for h in model.chain)


@pytest.mark.parametrize("preferred, expected", [
    ("PREFERRED", {"gpt-4o-mini", "gpt-4.1", "o3-mini"}),
    ("listed_models()", {"gpt-4o-mini"}),   # items known only at run time: the fallback alone
])
def test_next_over_a_conditional_generator_with_a_fallback(tmp_path, preferred, expected):
    model = site_model(tmp_path, f"""
        from openai import OpenAI
        from app.models import available
        PREFERRED = ["gpt-4.1", "o3-mini"]
        def listed_models():
            return OpenAI().models.list().data
        def ask(q):
            model = next((m for m in {preferred} if m in available()), "gpt-4o-mini")
            return OpenAI().chat.completions.create(model=model, messages=[q])
        """)
    assert model.value == "gpt-4o-mini"
    assert {c.value for c in model.candidates} == expected
