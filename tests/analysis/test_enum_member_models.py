"""Models held as enum members (issue 12, item 1): a careful reader follows `ModelType.GPT_4O`, its
`.value` through a variable, attribute or parameter default, `ModelType("…")`, `ModelType[name]`, a `str`
subclass wrapped around a member, and a platform->class table that picks the backend whose request sends
it; `typing.cast(T, x)` is `x`. An `auto()` member names no model. Made-up projects."""
from __future__ import annotations

import resource
from pathlib import Path

import pytest

from site_lines import scan_project as scan, site_at


def model_at(result, path: str, marker: str = "# SITE"):
    """The model of the one site on the line of `path` holding `marker`."""
    source = (Path(result.root) / path).read_text()
    return site_at(result, path, next(i for i, text in enumerate(source.splitlines(), 1) if marker in text)).model


def models(result, path: str) -> set[str]:
    return {c.value for c in model_at(result, path).candidates}


TYPES = """
    import os
    from enum import Enum
    class UnifiedType(str):
        pass
    class ModelType(UnifiedType, Enum):
        DEFAULT = os.getenv("APP_MODEL", "gpt-4o-mini")
        MINI = "gpt-4o-mini"
        BIG = "gpt-4.1"
        REASONER = "o3-mini"
        FAST = MINI
    class EmbeddingType(Enum):
        SMALL = "text-embedding-3-small"
        LARGE = "text-embedding-3-large"
    """


def test_a_str_enum_member_as_a_parameter_default(tmp_path):
    result = scan(tmp_path, {"app/__init__.py": "", "app/types.py": TYPES, "app/chat.py": """
        from openai import OpenAI
        from app.types import ModelType
        class Chat:
            def __init__(self, model: ModelType = ModelType.BIG):
                self.model = model
                self.client = OpenAI()
            def ask(self, q):
                return self.client.chat.completions.create(model=self.model, messages=[q])  # SITE
        """})
    assert models(result, "app/chat.py") == {"gpt-4.1"}


@pytest.mark.parametrize("annotation", ["", ": EmbeddingType"])
def test_value_of_a_member_held_in_an_attribute(tmp_path, annotation):
    result = scan(tmp_path, {"app/__init__.py": "", "app/types.py": TYPES, "app/embed.py": f"""
        from openai import OpenAI
        from app.types import EmbeddingType
        class Embedder:
            def __init__(self, model_type{annotation} = EmbeddingType.SMALL):
                self.model_type = model_type
                self.client = OpenAI()
            def embed(self, texts):
                return self.client.embeddings.create(model=self.model_type.value, input=texts)  # SITE
        """})
    model = model_at(result, "app/embed.py")
    assert {c.value for c in model.candidates} == {"text-embedding-3-small"}
    assert any(h.step == 'enum member EmbeddingType.SMALL = "text-embedding-3-small"' for h in model.chain)


def test_value_of_a_method_parameter_default(tmp_path):
    result = scan(tmp_path, {"app/speech.py": """
        from enum import Enum
        from openai import OpenAI
        class VoiceModel(Enum):
            TTS = "tts-1"
            TTS_HD = "tts-1-hd"
        class Speaker:
            def speak(self, text, model_type: VoiceModel = VoiceModel.TTS):
                return OpenAI().audio.speech.create(model=model_type.value, voice="alloy", input=text)  # SITE
        """})
    assert models(result, "app/speech.py") == {"tts-1"}


@pytest.mark.parametrize("expr, expected", [
    ('ModelType("o3-mini")', {"o3-mini"}),
    ('ModelType["REASONER"]', {"o3-mini"}),
    ('ModelType["REASONER"].value', {"o3-mini"}),
    ("ModelType.FAST.value", {"gpt-4o-mini"}),   # an alias of an earlier member
    ("ModelType[name]", {"gpt-4o-mini", "gpt-4.1", "o3-mini"}),   # a name known at run time: every member
])
def test_members_looked_up_by_value_or_name(tmp_path, expr, expected):
    result = scan(tmp_path, {"app/__init__.py": "", "app/types.py": TYPES, "app/ask.py": f"""
        from openai import OpenAI
        from app.types import ModelType
        def ask(q, name):
            return OpenAI().chat.completions.create(model={expr}, messages=[q])  # SITE
        """})
    assert models(result, "app/ask.py") == expected


def test_a_member_whose_value_is_an_environment_default(tmp_path):
    result = scan(tmp_path, {"app/__init__.py": "", "app/types.py": TYPES, "app/ask.py": """
        from openai import OpenAI
        from app.types import ModelType
        def ask(q, model_type: ModelType = ModelType.DEFAULT):
            return OpenAI().chat.completions.create(model=model_type, messages=[q])  # SITE
        """})
    model = model_at(result, "app/ask.py")
    assert {c.value for c in model.candidates} == {"gpt-4o-mini"}
    assert model.candidates[0].reach == "env-default"


def test_an_auto_member_names_no_model(tmp_path):
    result = scan(tmp_path, {"app/ask.py": """
        from enum import Enum, auto
        from openai import OpenAI
        class Task(Enum):
            CHAT = auto()
        def ask(q):
            return OpenAI().chat.completions.create(model=Task.CHAT.value, messages=[q])  # SITE
        """})
    model = model_at(result, "app/ask.py")
    assert not model.candidates and "`Task.CHAT` is an `auto()` member" in model.unknown


BACKENDS = {
    "app/__init__.py": "",
    "app/types.py": TYPES,
    "app/backends.py": """
        from openai import OpenAI
        from app.types import UnifiedType
        class OpenAIBackend:
            def __init__(self, model_type):
                self.model_type = UnifiedType(model_type)
                self._client = OpenAI()
            def _call_client(self, method, **kwargs):
                return method(**kwargs)
            def run(self, messages):
                return self._call_client(self._client.chat.completions.create, model=self.model_type, messages=messages)  # SITE
        class LocalBackend:
            def __init__(self, model_type):
                self.model_type = model_type
        """,
    "app/factory.py": """
        from enum import Enum
        from app.backends import LocalBackend, OpenAIBackend
        from app.types import ModelType
        class Platform(str, Enum):
            OPENAI = "openai"
            LOCAL = "local"
        PLATFORM_TO_CLASS = {Platform.OPENAI: OpenAIBackend, Platform.LOCAL: LocalBackend}
        def create(platform, model_type):
            return PLATFORM_TO_CLASS[platform](model_type)
        default_backend = create(Platform.OPENAI, ModelType.DEFAULT)
        big_backend = create(Platform.OPENAI, ModelType.BIG)
        local_backend = create(Platform.LOCAL, "llama3")
        """,
}


def test_members_wrapped_by_a_str_subclass_through_a_platform_table(tmp_path):
    result = scan(tmp_path, BACKENDS)
    model = model_at(result, "app/backends.py")
    assert {c.value for c in model.candidates} == {"gpt-4o-mini", "gpt-4.1"}   # not the local platform's
    assert model.value == "gpt-4o-mini"


@pytest.mark.parametrize("cast", ['cast(str, self.model)', 'cast("str", self.model)', "typing.cast(str, self.model)"])
def test_cast_around_a_model_attribute_is_the_attribute(tmp_path, cast):
    result = scan(tmp_path, {"app/chat.py": f"""
        import typing
        from typing import cast
        from openai import OpenAI
        class Chat:
            def __init__(self, model="gpt-4.1-mini"):
                self.model = model
                self.client = OpenAI()
            def ask(self, q):
                return self.client.chat.completions.create(model={cast}, messages=[q])  # SITE
        def reasoner():
            return Chat(model="o3-mini")
        """})
    assert models(result, "app/chat.py") == {"gpt-4.1-mini", "o3-mini"}


def test_hostile_enums_scan_quickly(tmp_path):
    members = "\n".join(f"            M{i} = 'model-{i}'" for i in range(10_000))
    source = f"""
        from enum import Enum
        from openai import OpenAI
        class Huge(str, Enum):
{members}
        class Loop(str, Enum):
            A = Loop.B
            B = Loop.A
            C = C
        def ask(q, name):
            OpenAI().chat.completions.create(model=Huge[name], messages=[q])
            OpenAI().chat.completions.create(model=Huge.M9999.value, messages=[q])
            OpenAI().chat.completions.create(model=Loop.A.value, messages=[q])
            OpenAI().chat.completions.create(model=Loop("x"), messages=[q])
            return OpenAI().chat.completions.create(model=Loop[name], messages=[q])
        """
    before = resource.getrusage(resource.RUSAGE_SELF)
    result = scan(tmp_path, {"app/ask.py": source})
    after = resource.getrusage(resource.RUSAGE_SELF)
    assert after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime < 1.0
    assert len(result.call_sites) == 5
