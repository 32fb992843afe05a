"""Environment variables read through configuration libraries (issue 12 item 1): python-decouple's
`config("M", default=…)`, environs' `env.str("M", …)` / `env("M", …)`, django-environ's
`env("M", default=…)` / `env.str("M", default=…)` and Starlette's `Config(".env")("M", default=…)` give
their default, and the project's `.env.example` value, as `os.getenv("M", …)` does; a positional second
argument that is a cast (django-environ, Starlette) is not a default."""
from __future__ import annotations

import textwrap
from pathlib import Path

from llmsight import api


def models(tmp_path: Path, text: str, env_example: str | None = None) -> list[list[str]]:
    (tmp_path / "pyproject.toml").write_text("[project]\nname='x'\n")
    if env_example is not None:
        (tmp_path / ".env.example").write_text(env_example)
    (tmp_path / "app.py").write_text(textwrap.dedent(text), encoding="utf-8")
    result = api.check([tmp_path], select=["NONE"], use_cache=False)
    sites = sorted(result.call_sites, key=lambda s: s.span.start_line)
    return [[c.value for c in s.model.candidates] for s in sites]


def test_decouple_config_defaults(tmp_path):
    assert models(tmp_path, """
        from decouple import config
        from openai import OpenAI
        CHAT = config("CHAT_MODEL", default="gpt-4o-mini")
        EMBED = config("EMBED_MODEL", "text-embedding-3-small", cast=str)
        def ask(q):
            return OpenAI().chat.completions.create(model=CHAT, messages=[q])
        def embed(t):
            return OpenAI().embeddings.create(model=EMBED, input=t)
        """) == [["gpt-4o-mini"], ["text-embedding-3-small"]]


def test_environs_and_django_environ_readers(tmp_path):
    assert models(tmp_path, """
        import environ
        from environs import Env
        from openai import OpenAI
        env = Env()
        env.read_env()
        denv = environ.Env()
        def ask(q):
            return OpenAI().chat.completions.create(model=env.str("CHAT_MODEL", "gpt-4o-mini"), messages=[q])
        def draft(q):
            return OpenAI().chat.completions.create(model=env("DRAFT_MODEL", default="gpt-4.1-mini"), messages=[q])
        def review(q):
            return OpenAI().chat.completions.create(model=denv("REVIEW_MODEL", str, default="gpt-4o"), messages=[q])
        def embed(t):
            return OpenAI().embeddings.create(model=denv.str("EMBED_MODEL", default="text-embedding-3-large"), input=t)
        """) == [["gpt-4o-mini"], ["gpt-4.1-mini"], ["gpt-4o"], ["text-embedding-3-large"]]


def test_starlette_config_default_and_the_projects_env_file(tmp_path):
    assert models(tmp_path, """
        from starlette.config import Config
        from openai import OpenAI
        config = Config(".env")
        CHAT = config("CHAT_MODEL", cast=str, default="gpt-4o-mini")
        EMBED = config("EMBED_MODEL", str)
        def ask(q):
            return OpenAI().chat.completions.create(model=CHAT, messages=[q])
        def embed(t):
            return OpenAI().embeddings.create(model=EMBED, input=t)
        """, env_example="EMBED_MODEL=text-embedding-3-small\n") == [["gpt-4o-mini"], ["text-embedding-3-small"]]


def test_a_cast_passed_second_is_no_default(tmp_path):
    assert models(tmp_path, """
        import environ
        from openai import OpenAI
        env = environ.Env()
        def ask(q):
            return OpenAI().chat.completions.create(model=env("CHAT_MODEL", "gpt-4o"), messages=[q])
        """) == [[]]
