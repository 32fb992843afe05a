"""Model resolution through a function handed to a wrapper (issue 12 item 1): request kwargs built by
another method reach a `**kwargs` method that a retry-wrapper factory wraps (`retry(self._body)(**kw)`),
that a project wrapper calls with the arguments after it (`self._call(self._body, **kw)`), or that
`asyncio.to_thread` / `functools.partial` run; a wrapper that does not pass its arguments on gives nothing."""
from __future__ import annotations

import textwrap
from pathlib import Path

from llmsight import api


def scan(tmp_path: Path, text: str):
    (tmp_path / "pyproject.toml").write_text("[project]\nname='x'\n")
    p = tmp_path / "pkg" / "chat.py"
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(textwrap.dedent(text), encoding="utf-8")
    return api.check([tmp_path], select=["NONE"], use_cache=False)


def models_at(result, line: int) -> list[str]:
    sites = [s for s in result.call_sites if s.span.path == "pkg/chat.py" and s.span.start_line == line]
    assert len(sites) == 1, [(s.span.path, s.span.start_line) for s in result.call_sites]
    return [c.value for c in sites[0].model.candidates]


def test_kwargs_built_by_a_method_reach_a_body_wrapped_by_a_retry_factory(tmp_path):
    result = scan(tmp_path, """
        from openai import OpenAI
        def retry_with_backoff(func, max_retries=3):
            def wrapper(*args, **kwargs):
                for _ in range(max_retries):
                    try:
                        return func(*args, **kwargs)
                    except Exception:
                        continue
            return wrapper
        class ChatConfig:
            chat_model = "gpt-4o-mini"
        class Chat:
            def __init__(self):
                self.config = ChatConfig()
                self.client = OpenAI()
            def _prep(self, messages):
                return dict(model=self.config.chat_model, messages=messages)
            def _body(self, **kwargs):
                call = self.client.chat.completions.create
                return call(**kwargs)
            def _with_backoff(self, **kwargs):
                return retry_with_backoff(self._body, max_retries=5)(**kwargs)
            def chat(self, messages):
                args = self._prep(messages)
                return self._with_backoff(**args)
        """)
    assert models_at(result, 21) == ["gpt-4o-mini"]


def test_params_method_splatted_into_a_wrapper_methods_result(tmp_path):
    result = scan(tmp_path, """
        import functools
        from openai import OpenAI
        class Chat:
            def __init__(self, model="gpt-4o"):
                self.model = model
                self.client = OpenAI()
            def _with_retry(self, fn):
                @functools.wraps(fn)
                def run(*args, **kwargs):
                    return fn(*args, **kwargs)
                return run
            def _params(self, model, messages):
                return {"model": model or self.model, "messages": messages}
            def _create(self, **kwargs):
                return self.client.chat.completions.create(**kwargs)
            def chat(self, messages, model=None):
                return self._with_retry(self._create)(**self._params(model, messages))
        """)
    assert models_at(result, 16) == ["gpt-4o"]


def test_forwarding_wrappers_pass_the_arguments_after_the_function(tmp_path):
    result = scan(tmp_path, """
        import asyncio
        from functools import partial
        from openai import OpenAI
        class Chat:
            def __init__(self, model="gpt-4o-mini"):
                self.model = model
                self.client = OpenAI()
            def _call(self, fn, *args, **kwargs):
                return fn(*args, **kwargs)
            def _body(self, **kwargs):
                return self.client.chat.completions.create(**kwargs)
            def _embed(self, **kwargs):
                return self.client.embeddings.create(**kwargs)
            def _moderate(self, **kwargs):
                return self.client.completions.create(**kwargs)
            def chat(self, messages):
                return self._call(self._body, model=self.model, messages=messages)
            async def embed(self, text):
                return await asyncio.to_thread(self._embed, model="text-embedding-3-small", input=text)
            def moderate(self, text):
                run = partial(self._moderate, model="gpt-3.5-turbo-instruct")
                return run(prompt=text)
        """)
    assert models_at(result, 12) == ["gpt-4o-mini"]
    assert models_at(result, 14) == ["text-embedding-3-small"]
    assert models_at(result, 16) == ["gpt-3.5-turbo-instruct"]


def test_a_wrapper_that_does_not_pass_its_arguments_on_gives_none_of_them(tmp_path):
    result = scan(tmp_path, """
        from openai import OpenAI
        def logged(fn, model=None, note=""):
            print("calling with", model, note)
            return fn(messages=[])
        class Chat:
            def __init__(self):
                self.client = OpenAI()
            def _body(self, **kwargs):
                return self.client.chat.completions.create(**kwargs)
            def chat(self):
                return logged(self._body, model="gpt-4o", note="x")
        """)
    assert "gpt-4o" not in models_at(result, 10)
