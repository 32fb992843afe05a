"""Models set after construction (issue 12): a setter given a list of names by the project's own code
(`obj.use_models(names)` keeping `names[0]` or `next(cycle(names))`), items picked from lists whose
literals are known, and a model parameter with no default reached through `model or self.model`."""
from __future__ import annotations

import textwrap
from pathlib import Path

from llmsight import api


def scan(tmp_path: Path, files: dict[str, str]) -> dict[tuple[str, int], list[str]]:
    (tmp_path / "pyproject.toml").write_text("[project]\nname='x'\n")
    for rel, text in files.items():
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(textwrap.dedent(text), encoding="utf-8")
    result = api.check([tmp_path], select=["NONE"], use_cache=False)
    return {(s.span.path, s.span.start_line): [c.value for c in s.model.candidates] for s in result.call_sites}


WRITERS = {
    "app/__init__.py": "",
    "app/base.py": """
        class Writer:
            def __init__(self, key):
                self.key = key
        """,
    "app/chat.py": """
        from itertools import cycle
        from openai import OpenAI
        from app.base import Writer
        class ChatWriter(Writer):
            def __init__(self, key):
                super().__init__(key)
                self.client = OpenAI(api_key=key)
                self.model = None
            def use_models(self, names):
                self.pool = cycle(names)
                self.model = next(self.pool)
            def rotate(self):
                self.model = next(self.pool)
            def write(self, text):
                return self.client.chat.completions.create(model=self.model, messages=[{"role": "user", "content": text}])
        """,
    "app/claude.py": """
        from anthropic import Anthropic
        from app.base import Writer
        class ClaudeWriter(Writer):
            def __init__(self, key):
                super().__init__(key)
                self.client = Anthropic(api_key=key)
            def use_models(self, names):
                self.model = names[0]
            def write(self, text):
                return self.client.messages.create(model=self.model, max_tokens=100, messages=[{"role": "user", "content": text}])
        """,
    "app/plain.py": """
        from openai import OpenAI
        from app.base import Writer
        class PlainWriter(Writer):
            def use_models(self, names):
                self.model = names[0]
            def write(self, text):
                return OpenAI().chat.completions.create(model=self.model, messages=[])
        """,
}
CLI = """
    import argparse
    from app.chat import ChatWriter
    from app.claude import ClaudeWriter
    WRITERS = {"openai": ChatWriter, "anthropic": ClaudeWriter}
    DEFAULT_MODELS = {"openai": "gpt-4o-mini", "anthropic": "claude-3-5-haiku-latest"}
    def pick(options):
        names = options.models or []
        kind = options.provider or "openai"
        if not names and kind in DEFAULT_MODELS:
            names = [DEFAULT_MODELS[kind]]
        return names, kind
    def main():
        parser = argparse.ArgumentParser()
        parser.add_argument("--models", default=None)
        parser.add_argument("--provider", default=None)
        options = parser.parse_args()
        names, kind = pick(options)
        writer = WRITERS[kind](options.key)
        writer.use_models(names)
        writer.write("hello")
    """


def test_setter_given_the_cli_default_reaches_each_class_at_the_key_that_builds_it(tmp_path):
    models = scan(tmp_path, {**WRITERS, "app/cli.py": CLI})
    assert models[("app/chat.py", 16)] == ["gpt-4o-mini"]                 # next(cycle(names))
    assert models[("app/claude.py", 11)] == ["claude-3-5-haiku-latest"]   # names[0]
    # a class the table never builds gets nothing from the CLI's setter call
    assert models[("app/plain.py", 8)] == []


def test_setter_called_on_an_object_built_directly_takes_the_first_item(tmp_path):
    models = scan(tmp_path, {**WRITERS, "app/run.py": """
        from app.claude import ClaudeWriter
        def run():
            writer = ClaudeWriter("k")
            writer.use_models(["claude-sonnet-4-5", "claude-opus-4-1"])
            return writer.write("hi")
        """})
    assert models[("app/claude.py", 11)] == ["claude-sonnet-4-5"]


def test_items_picked_from_lists_whose_literals_are_known(tmp_path):
    models = scan(tmp_path, {"picks.py": """
        import random
        from openai import OpenAI
        FAST = ["gpt-4o-mini", "gpt-4.1-nano"]
        BACKUP = ("o4-mini", "gpt-4.1")
        class Rotating:
            def __init__(self):
                self.models = ["gpt-4.1-mini", "gpt-4.1"]
            def each(self):
                for model in self.models:
                    OpenAI().chat.completions.create(model=model, messages=[])
        def first():
            return OpenAI().chat.completions.create(model=next(iter(FAST)), messages=[])
        def any_one():
            return OpenAI().chat.completions.create(model=random.choice(BACKUP), messages=[])
        """})
    assert models[("picks.py", 11)] == ["gpt-4.1-mini", "gpt-4.1"]
    assert models[("picks.py", 13)] == ["gpt-4o-mini", "gpt-4.1-nano"]
    assert models[("picks.py", 15)] == ["o4-mini", "gpt-4.1"]


def test_a_strings_characters_are_not_items_and_an_index_takes_one_place(tmp_path):
    models = scan(tmp_path, {"records.py": """
        from openai import OpenAI
        def settings():
            return "gpt-4o", "openai"
        def initial(name="gpt-4o"):
            return OpenAI().chat.completions.create(model=name[0], messages=[])
        def record():
            found = settings()
            return OpenAI().chat.completions.create(model=found[1], messages=[])
        """})
    assert models[("records.py", 6)] == []
    assert models[("records.py", 9)] == ["openai"]   # the item at its place, not the whole record


def test_model_parameter_without_default_follows_callers_into_the_attribute_a_setter_fills(tmp_path):
    models = scan(tmp_path, {"app/__init__.py": "", "app/probes.py": """
        import openai
        def probe_json(client, model):
            try:
                return client.chat.completions.create(model=model, messages=[], max_tokens=5)
            except openai.BadRequestError:
                return None
        """, "app/chat.py": """
        from openai import OpenAI
        from app.probes import probe_json
        class Chat:
            def __init__(self, key):
                self.client = OpenAI(api_key=key)
                self.model = None
            def use_models(self, names):
                self.model = names[0]
            def classify(self, messages, model):
                return self.client.chat.completions.create(model=model, messages=messages)
            def turn(self, messages, model=None):
                return self.classify(messages, model or self.model)
            def check(self):
                return probe_json(self.client, self.model)
        def main():
            chat = Chat("k")
            chat.use_models(["gpt-4.1-mini", "gpt-4.1"])
            chat.turn([])
        """})
    assert models[("app/chat.py", 11)] == ["gpt-4.1-mini"]
    assert models[("app/probes.py", 5)] == ["gpt-4.1-mini"]


def test_construction_through_a_table_of_classes_binds_each_class_at_its_key(tmp_path):
    models = scan(tmp_path, {"tts/__init__.py": "", "tts/providers.py": """
        import openai
        from elevenlabs.client import ElevenLabs
        class OpenAISpeech:
            def __init__(self, api_key, model="tts-1"):
                self.model = model
            def speak(self, text, voice):
                return openai.audio.speech.create(model=self.model, voice=voice, input=text)
        class ElevenSpeech:
            def __init__(self, api_key, model="eleven_multilingual_v2"):
                self.client = ElevenLabs(api_key=api_key)
                self.model = model
            def speak(self, text, voice):
                return self.client.text_to_speech.convert(text=text, voice_id=voice, model_id=self.model)
        class SpeechFactory:
            _providers = {"openai": OpenAISpeech, "elevenlabs": ElevenSpeech}
            @classmethod
            def create(cls, name, api_key, model):
                provider_class = cls._providers.get(name.lower())
                return provider_class(api_key, model)
        """, "tts/run.py": """
        from tts.providers import SpeechFactory
        SPEECH_MODELS = {"openai": "tts-1-hd", "elevenlabs": "eleven_turbo_v2"}
        def narrate(text, provider="openai"):
            return SpeechFactory.create(provider, "key", SPEECH_MODELS[provider]).speak(text, "alloy")
        """})
    # each class is built with the entry of the models table at the key that builds it, beside its own default
    assert models[("tts/providers.py", 8)] == ["tts-1", "tts-1-hd"]
    assert models[("tts/providers.py", 14)] == ["eleven_multilingual_v2", "eleven_turbo_v2"]


def test_setter_called_on_an_attribute_of_an_object_given_the_class_from_a_table(tmp_path):
    cli = CLI.replace("from app.claude import ClaudeWriter\n", "from app.claude import ClaudeWriter\n    from app.book import Book\n")
    cli = cli.replace("""        writer = WRITERS[kind](options.key)
        writer.use_models(names)
        writer.write("hello")""", """        book = Book(WRITERS.get(kind), options.key)
        if names:
            book.writer.use_models(names)
        book.run()""")
    models = scan(tmp_path, {**WRITERS, "app/cli.py": cli, "app/book.py": """
        class Book:
            def __init__(self, writer_class, key):
                self.writer = writer_class(key)
            def run(self):
                return self.writer.write("x")
        """})
    assert "Book(WRITERS.get(kind)" in (tmp_path / "app/cli.py").read_text()
    assert models[("app/chat.py", 16)] == ["gpt-4o-mini"]
    assert models[("app/claude.py", 11)] == ["claude-3-5-haiku-latest"]
