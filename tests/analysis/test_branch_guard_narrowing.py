"""A model set is narrowed by the branch test that decides whether the model is read (`if self.model in
self._code_models:`, `elif`, `else`, `startswith`, `"…" in x`, `if x not in SUPPORTED: raise`) when it
tests the same expression, with a hop naming the guard; and only then.

Each example marks its request calls with `# expect: a|b` (the model set, in order) or `# expect: ?`
(no model, with the reason). NARROWED examples are cut by a guard; KEPT ones must not be."""
from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from llmsight import api

EXPECT = re.compile(r"# expect: (\S+)")

NARROWED = {
    "if-elif chain on class attribute lists (pandasai google_vertexai)": '''
        from openai import OpenAI
        class Vertex:
            _code_models = ["code-bison", "code-bison@002"]
            _text_models = ["text-bison", "text-bison@001"]
            _chat_models = ("gemini-pro",)
            def __init__(self, model=None):
                self.model = model or "text-bison@001"
            def generate(self, prompt):
                client = OpenAI()
                if self.model in self._code_models:
                    return client.completions.create(model=self.model, prompt=prompt)  # expect: code-bison|code-bison@002
                elif self.model in self._text_models:
                    return client.completions.create(model=self.model, prompt=prompt)  # expect: text-bison@001
                elif self.model in self._chat_models:
                    return client.chat.completions.create(model=self.model, messages=[])  # expect: gemini-pro
                else:
                    raise ValueError(self.model)
        ''',
    "== and != with the else branch": '''
        from openai import OpenAI
        def ask(q, model="gpt-4o"):
            if model != "o1-mini":
                return OpenAI().chat.completions.create(model=model, temperature=0, messages=[])  # expect: gpt-4o
            else:
                return OpenAI().chat.completions.create(model=model, messages=[])  # expect: o1-mini
        def reason(q):
            return ask(q, model="o1-mini")
        ''',
    "startswith, lowercased, and its negation": '''
        from openai import OpenAI
        def ask(q, model="gpt-4o"):
            if model.lower().startswith(("o1", "o3")):
                return OpenAI().chat.completions.create(model=model, messages=[])  # expect: o3-mini
            return OpenAI().chat.completions.create(model=model, temperature=0, messages=[])  # expect: gpt-4o
        def reason(q):
            return ask(q, model="o3-mini")
        ''',
    "substring test inside an and": '''
        from openai import OpenAI
        def ask(q, stream, model="gpt-4o-mini"):
            if "claude" in model and stream:
                return OpenAI().chat.completions.create(model=model, messages=[])  # expect: claude-3-5-haiku
            return OpenAI().chat.completions.create(model=model, messages=[])  # expect: gpt-4o-mini|claude-3-5-haiku
        def other(q):
            return ask(q, True, model="claude-3-5-haiku")
        ''',
    "early raise on a module-level tuple": '''
        from openai import OpenAI
        SUPPORTED = ("text-embedding-3-small", "text-embedding-3-large")
        def embed(texts, model="text-embedding-3-small"):
            if model not in SUPPORTED:
                raise ValueError(model)
            return OpenAI().embeddings.create(model=model, input=texts)  # expect: text-embedding-3-small
        def legacy(texts):
            return embed(texts, model="text-embedding-ada-002")
        ''',
    "early return inside a loop, set literal": '''
        from openai import OpenAI
        def run(items, model="gpt-4o"):
            for item in items:
                if model not in {"gpt-4o-mini", "gpt-4.1-mini"}:
                    continue
                OpenAI().chat.completions.create(model=model, messages=[])  # expect: gpt-4o-mini|gpt-4.1-mini
        ''',
    "sets bound to a module name and to a class attribute": '''
        from anthropic import Anthropic
        SUPPORTED = {"claude-3-5-haiku-latest", "claude-sonnet-4-0"}
        class Bot:
            legacy = {"claude-2.1"}
            def __init__(self, model="claude-3-5-haiku-latest"):
                self.model = model
            def ask(self, model="claude-2.1"):
                if model in SUPPORTED:
                    return Anthropic().messages.create(model=model, max_tokens=9, messages=[])  # expect: claude-3-5-haiku-latest|claude-sonnet-4-0
                if self.model not in self.legacy:
                    return Anthropic().messages.create(model=self.model, max_tokens=9, messages=[])  # expect: claude-3-5-haiku-latest
        def other():
            return Bot(model="claude-2.1").ask()
        ''',
    "the guard decides whether the request runs, the model is read where the client is built": '''
        import google.generativeai as genai
        class Gemini:
            _vision = ("gemini-pro-vision",)
            def __init__(self, model="gemini-1.5-flash"):
                self.model = model
                self.client = genai.GenerativeModel(self.model)
            def describe(self, image):
                if self.model in self._vision:
                    return self.client.generate_content([image])  # expect: gemini-pro-vision
            def ask(self, q, name="gemini-1.5-pro"):
                client = genai.GenerativeModel(name)
                if not name.startswith("gemini-1.5"):
                    raise ValueError(name)
                return client.generate_content(q)  # expect: gemini-1.5-pro
        def legacy(bot):
            return bot.ask("q", name="gemini-pro")
        ''',
    "substring tests after upper() and casefold()": '''
        from openai import OpenAI
        def ask(q, model="gpt-4o"):
            if "CLAUDE" in model.upper():
                return OpenAI().chat.completions.create(model=model, messages=[])  # expect: claude-3-5-haiku
            if "gpt" not in model.casefold():
                raise ValueError(model)
            return OpenAI().chat.completions.create(model=model, messages=[])  # expect: gpt-4o
        def other(q):
            return ask(q, model="claude-3-5-haiku")
        ''',
    "the client is the one made in the branch the default model takes": '''
        from langchain_google_genai import ChatGoogleGenerativeAI
        from langchain_community.chat_models import ChatLiteLLM
        class Writer:
            def __init__(self, model_name="gemini-2.5-flash"):
                self.model_name = model_name
                if "gemini" in self.model_name.lower():
                    self.llm = ChatGoogleGenerativeAI(model=self.model_name)
                else:
                    self.llm = ChatLiteLLM(model=self.model_name)
            def run(self, q):
                return self.llm.invoke(q)  # expect: gemini-2.5-flash
        class Summarizer:
            def __init__(self, model_name="gemini-2.5-flash"):
                if "lite" in model_name.lower():
                    self.llm = ChatLiteLLM(model=model_name)
                else:
                    self.llm = ChatGoogleGenerativeAI(model=model_name)
            def run(self, q):
                return self.llm.invoke(q)  # expect: gemini-2.5-flash
        ''',
    "a local client is the one made in the branch the default model takes": '''
        from anthropic import Anthropic
        from openai import OpenAI
        from langchain_anthropic import ChatAnthropic
        from langchain_openai import ChatOpenAI
        def answer(q, model_name="gpt-4o-mini"):
            if "gpt" in model_name.lower():
                llm = ChatOpenAI(model=model_name)
            else:
                llm = ChatAnthropic(model=model_name)
            return llm.invoke(q)  # expect: gpt-4o-mini
        def ask(q, model="claude-3-5-haiku-latest"):
            if model.startswith(("claude", "anthropic/")):
                client = Anthropic()
            else:
                client = OpenAI()
            return client.messages.create(model=model, max_tokens=10, messages=[])  # expect: claude-3-5-haiku-latest
        ''',
    "a guard no model passes and that lists nothing: no model, and why": '''
        from openai import OpenAI
        def ask(q, model="gpt-4o"):
            if model.startswith("o1"):
                return OpenAI().chat.completions.create(model=model, messages=[])  # expect: ?
            return OpenAI().chat.completions.create(model=model, messages=[])  # expect: gpt-4o
        ''',
}

KEPT = {
    "the guard tests another expression": '''
        from openai import OpenAI
        class Bot:
            fast = ["gpt-4o-mini"]
            def __init__(self, model="gpt-4o", provider="openai"):
                self.model, self.provider = model, provider
            def ask(self):
                if self.provider in self.fast:
                    return OpenAI().chat.completions.create(model=self.model, messages=[])  # expect: gpt-4o
        ''',
    "the model is rebound after the test": '''
        from openai import OpenAI
        def ask(q, model="gpt-4o"):
            if model in ("o1-mini", "o3-mini"):
                model = "gpt-4o-mini"
                return OpenAI().chat.completions.create(model=model, messages=[])  # expect: gpt-4o-mini
        ''',
    "an or of tests, and a test that is false only with another one": '''
        from openai import OpenAI
        def ask(q, urgent, model="gpt-4o"):
            if model == "o1-mini" or urgent:
                return OpenAI().chat.completions.create(model=model, messages=[])  # expect: gpt-4o
            if not (model == "o1-mini" and urgent):
                return OpenAI().chat.completions.create(model=model, messages=[])  # expect: gpt-4o
        ''',
    "a string method the guard cannot apply": '''
        from openai import OpenAI
        def ask(q, model="gpt-4o"):
            if "claude" in model.strip().lower() or model.title().startswith("O1"):
                return OpenAI().chat.completions.create(model=model, messages=[])  # expect: gpt-4o
        ''',
    "a collection known only at run time": '''
        import json
        from openai import OpenAI
        def ask(q, model="gpt-4o"):
            if model in json.load(open("models.json")):
                return OpenAI().chat.completions.create(model=model, messages=[])  # expect: gpt-4o
        ''',
    "the read is in the test itself, and a nested function does not see the guard": '''
        from openai import OpenAI
        def ask(q, model="gpt-4o"):
            if model not in ("o1-mini",):
                def later():
                    return OpenAI().chat.completions.create(model=model, messages=[])  # expect: gpt-4o
                return later
        ''',
}


def model_sets(tmp_path: Path, source: str) -> dict[int, tuple[list[str], str | None]]:
    """{line: (model set, why unknown)} of every site of `source` scanned as a project of one file."""
    (tmp_path / "pyproject.toml").write_text("[project]\nname='x'\n")
    (tmp_path / "app.py").write_text(textwrap.dedent(source), encoding="utf-8")
    result = api.check([tmp_path], select=["NONE"], use_cache=False)
    return {s.span.start_line: ([c.value for c in s.model.candidates], s.model.unknown) for s in result.call_sites}


def expectations(source: str) -> dict[int, list[str]]:
    found = {}
    for no, line in enumerate(textwrap.dedent(source).splitlines(), 1):
        m = EXPECT.search(line)
        if m:
            found[no] = [] if m.group(1) == "?" else m.group(1).split("|")
    return found


@pytest.mark.parametrize("source", [pytest.param(s, id=k) for k, s in {**NARROWED, **KEPT}.items()])
def test_model_set_under_branch_guards(tmp_path, source):
    found = model_sets(tmp_path, source)
    expected = expectations(source)
    assert {line: found.get(line, ([], None))[0] for line in expected} == expected
    for line, models in expected.items():
        if not models:
            assert "runs only when" in (found[line][1] or ""), found[line]


def test_the_why_of_a_ruled_out_else_branch_says_the_test_is_false(tmp_path):
    found = model_sets(tmp_path, '''
        from openai import OpenAI
        def ask(q, model="gpt-4o"):
            if "gpt" in model.lower():
                return None
            else:
                return OpenAI().chat.completions.create(model=model, messages=[])
        ''')
    assert found[7][0] == [] and "runs only when `\"gpt\" in model.lower()` is false" in found[7][1]


def test_the_why_chain_names_the_guard(tmp_path):
    source = NARROWED["early raise on a module-level tuple"]
    (tmp_path / "pyproject.toml").write_text("[project]\nname='x'\n")
    (tmp_path / "app.py").write_text(textwrap.dedent(source), encoding="utf-8")
    site = api.check([tmp_path], select=["NONE"], use_cache=False).call_sites[0]
    assert [(h.step, h.at) for h in site.model.chain][:2] == [
        ("model", "app.py:7"), ("narrowed by the guard `model not in SUPPORTED`", "app.py:5")]
