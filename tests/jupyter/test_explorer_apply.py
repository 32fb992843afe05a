"""The explorer's "Apply edit": written the way `--fix` writes (analysis/apply.py), never a model the call's
client cannot send, and no state left over from the previous site."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from llmsight import api
from llmsight.jupyter import explore

SUMMARIZE_SITE = "app/summarize.py:15"      # an Anthropic call in examples/app


def test_an_anthropic_call_is_never_given_an_openai_model(app: Path):
    ex = explore(app, site=SUMMARIZE_SITE, debounce=0)
    ex.widget
    before = (app / "app" / "settings.py").read_text()
    ex.set(model="gpt-5.4-mini")
    fix, diff = ex.preview_fix()
    assert diff == "" and fix.edits == () and ex.pending_fix is None
    assert "needs a client change: `gpt-5.4-mini` is served by OpenAI; this call uses the Anthropic client" in fix.title
    with pytest.raises(RuntimeError, match="nothing to apply"):
        ex.apply_fix()
    assert (app / "app" / "settings.py").read_text() == before
    assert all(m.startswith("claude") for m in ex.models), ex.models      # its own provider's alternatives


def test_site_switch_clears_the_previous_preview_and_apply_button(app: Path):
    ex = explore(app, site="app/chat.py:18", debounce=0)
    ex.widget
    ex.set(timeout=12)
    ex._on_preview(None)
    assert "timeout=12" in ex._w["diff"].value and not ex._w["apply"].disabled
    ex._w["site"].value = next(s.id for s in ex.sites if s.sdk == "anthropic")
    assert ex._w["diff"].value == "" and ex._w["apply"].disabled and ex.pending_fix is None
    assert ex.site.sdk == "anthropic" and ex.scenario == {}


def _timeout_fix(root: Path, text: bytes, name: str = "bot.py"):
    (root / name).write_bytes(text)
    result = api.check([root / name], use_cache=False, with_estimates=False)
    [site] = result.call_sites
    return api.scenario_fix(site, {"timeout": 9}, config=api.Config(), root=root)


CALL = "import litellm\n\ndef ask(q):\n    return litellm.completion(model='gpt-5.4-mini', messages=q)\n"


def test_write_fix_keeps_line_endings_and_encoding(tmp_path: Path):
    latin = ("# -*- coding: latin-1 -*-\n# café\n" + CALL).replace("\n", "\r\n").encode("latin-1")
    fix = _timeout_fix(tmp_path, latin)
    previewed = {p: old for p, (old, _) in api.fix_texts(fix, tmp_path).items()}
    assert api.write_fix(fix, tmp_path, previewed) == ["bot.py"]
    data = (tmp_path / "bot.py").read_bytes()
    assert b"timeout=9" in data and "café".encode("latin-1") in data
    assert data.count(b"\r\n") == data.count(b"\n")          # every line still ends in CRLF


def test_write_fix_refuses_a_file_changed_since_the_preview(tmp_path: Path):
    fix = _timeout_fix(tmp_path, CALL.encode())
    previewed = {p: old for p, (old, _) in api.fix_texts(fix, tmp_path).items()}
    (tmp_path / "bot.py").write_text(CALL + "# edited meanwhile\n")
    with pytest.raises(api.ConfigError, match="bot.py: changed since the fix was previewed; preview it again"):
        api.write_fix(fix, tmp_path, previewed)
    assert (tmp_path / "bot.py").read_text().endswith("# edited meanwhile\n")


def test_write_fix_never_follows_a_symlink_out_of_the_project(tmp_path: Path):
    outside = tmp_path / "outside"
    outside.mkdir()
    root = tmp_path / "proj"
    root.mkdir()
    fix = _timeout_fix(root, CALL.encode())
    (outside / "bot.py").write_text(CALL)
    os.replace(root / "bot.py", root / "gone.py")
    (root / "bot.py").symlink_to(outside / "bot.py")
    with pytest.raises(api.ConfigError, match="outside the paths given"):
        api.write_fix(fix, root)
    assert (outside / "bot.py").read_text() == CALL


def test_a_slider_timeout_is_labelled_as_the_scenarios(app: Path):
    ex = explore(app, site="app/chat.py:18", debounce=0)
    ex.set(timeout=12)
    fix, _ = ex.preview_fix()
    assert "timeout=12" in fix.title and "the scenario's value" in fix.title and "from config" not in fix.title
