"""`self.attr` read in a method: a subclass's assignment may reach the parent's method as one more
candidate, never a sibling class's method, and never replaces what the parent assigns itself."""
from __future__ import annotations

import textwrap
from pathlib import Path


from llmsight import api

BASE = """
class Translator:
    def __init__(self, key):
        self.key = key
    def use_models(self, names):
        raise NotImplementedError
"""
CHAT = """
from openai import OpenAI
from base import Translator
class ChatTranslator(Translator):
    def __init__(self, key):
        super().__init__(key)
        self.client = OpenAI()
        self.model = None
    def ask(self, q):
        return self.client.chat.completions.create(model=self.model, messages=[])
"""
OTHER = """
from google import genai
from base import Translator
class VertexTranslator(Translator):
    def __init__(self, key):
        super().__init__(key)
        self.client = genai.Client()
    def use_models(self, names):
        self.model = names
    def ask(self, q):
        return self.client.models.generate_content(model=self.model, contents=q)
"""


def scan(tmp_path: Path, files: dict[str, str]):
    (tmp_path / "pyproject.toml").write_text("[project]\nname='x'\n")
    for rel, text in files.items():
        (tmp_path / rel).write_text(textwrap.dedent(text), encoding="utf-8")
    result = api.check([tmp_path], select=["NONE"], use_cache=False)
    return {s.span.path: s.model for s in result.call_sites}


def test_a_call_on_self_in_one_subclass_never_binds_a_siblings_method(tmp_path):
    models = scan(tmp_path, {"base.py": BASE, "chat.py": CHAT, "other.py": OTHER, "routed.py": """
        from chat import ChatTranslator
        class RoutedTranslator(ChatTranslator):
            def __init__(self, key):
                super().__init__(key)
                self.use_models("relay/auto")
        """})
    assert "relay/auto" not in [c.value for c in models["other.py"].candidates]


def test_a_subclass_value_is_one_candidate_beside_the_parents_own(tmp_path):
    models = scan(tmp_path, {"base.py": BASE, "chat.py": CHAT, "other.py": OTHER, "routed.py": """
        from chat import ChatTranslator
        class RoutedTranslator(ChatTranslator):
            def __init__(self, key):
                super().__init__(key)
                self.model = "relay/auto"
        """})
    chat = models["chat.py"]
    assert [(c.value, c.default) for c in chat.candidates] == [("relay/auto", False)]
    assert models["other.py"].candidates == ()


def test_an_abstract_base_sends_what_its_subclasses_set(tmp_path):
    models = scan(tmp_path, {"app.py": """
        from openai import OpenAI
        class Agent:
            def run(self, q):
                return OpenAI().chat.completions.create(model=self.model, messages=[])
        class Small(Agent):
            model = "gpt-4o-mini"
        class Large(Agent):
            def __init__(self):
                self.model = "gpt-4o"
        """})
    assert sorted((c.value, c.default) for c in models["app.py"].candidates) == [
        ("gpt-4o", True), ("gpt-4o-mini", True)]


def test_a_subclass_setting_the_attribute_in_its_own_method_reaches_the_parents_method(tmp_path):
    models = scan(tmp_path, {"app.py": """
        from openai import OpenAI
        class Chat:
            def __init__(self):
                self.model = "gpt-4o"
            def ask(self, q):
                return OpenAI().chat.completions.create(model=self.model, messages=[])
        class Cheap(Chat):
            def __init__(self):
                super().__init__()
                self.model = "gpt-4o-mini"
        class Other:
            def __init__(self):
                self.model = "o3"
        """})
    assert [(c.value, c.default) for c in models["app.py"].candidates] == [("gpt-4o", True), ("gpt-4o-mini", False)]
