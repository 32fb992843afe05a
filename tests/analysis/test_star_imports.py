"""`from m import *` binds what Python binds: m's literal `__all__`, else its public top-level names,
followed through chains of star imports (a cycle gives nothing more, never a hang)."""
from __future__ import annotations

import textwrap
from pathlib import Path

from llmsight import api


def models(tmp_path: Path, files: dict[str, str], path: str = "app/chat.py", use_cache: bool = False) -> set[str]:
    tmp_path.mkdir(exist_ok=True)
    (tmp_path / "pyproject.toml").write_text("[project]\nname='x'\n")
    for rel, text in ({"app/__init__.py": "", **files} if files else {}).items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(textwrap.dedent(text))
    result = api.check([tmp_path], select=["NONE"], use_cache=use_cache, with_estimates=False)
    [site] = [s for s in result.call_sites if s.span.path == path]
    return {c.value for c in site.model.candidates}


CHAT = """
    from openai import OpenAI
    from app.settings import *
    def ask(q):
        return OpenAI().chat.completions.create(model=MODEL, messages=[q])
    """


def test_star_import_chain_through_a_package_reexport(tmp_path):
    assert models(tmp_path, {"app/base.py": 'MODEL = "gpt-4.1"\n', "app/settings.py": "from .base import *\n",
                             "app/chat.py": CHAT}) == {"gpt-4.1"}


def test_literal_all_limits_what_a_star_import_binds(tmp_path):
    assert models(tmp_path, {"app/settings.py": '__all__ = ["OTHER"]\nMODEL = "gpt-4.1"\nOTHER = 1\n',
                             "app/chat.py": CHAT}) == set()


def test_private_names_and_own_bindings_are_not_replaced(tmp_path):
    chat = CHAT.replace("from app.settings import *", 'from app.settings import *\n    MODEL = "gpt-4o"')
    assert models(tmp_path, {"app/settings.py": 'MODEL = "gpt-4.1"\n', "app/chat.py": chat}) == {"gpt-4o"}
    assert models(tmp_path, {"app/settings.py": '_MODEL = "gpt-4.1"\n',
                             "app/chat.py": CHAT.replace("model=MODEL", "model=_MODEL")}) == set()


def test_star_import_cycle_ends(tmp_path):
    assert models(tmp_path, {"app/settings.py": 'from .other import *\nMODEL = "gpt-4.1"\n',
                             "app/other.py": "from .settings import *\n", "app/chat.py": CHAT}) == {"gpt-4.1"}


def test_cached_result_follows_an_edit_of_the_star_imported_module(tmp_path, monkeypatch):
    monkeypatch.setenv("LLMSIGHT_CACHE_DIR", str(tmp_path / "cache"))
    project = tmp_path / "p"
    assert models(project, {"app/settings.py": "OTHER = 1\n", "app/chat.py": CHAT}, use_cache=True) == set()
    (project / "app/settings.py").write_text('OTHER = 1\nMODEL = "gpt-4.1"\n')
    assert models(project, {}, use_cache=True) == {"gpt-4.1"}
