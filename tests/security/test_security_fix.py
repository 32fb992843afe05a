"""`--fix` on hostile trees (issue 16): it changes only what it analysed, only inside the paths given,
only the span it fixes, in the file's own encoding and line endings, and a second run changes nothing."""
from __future__ import annotations

import ast
import difflib
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from llmsight import api
from llmsight.analysis.apply import fix_files
from llmsight.analysis.rules import all_rules
from llmsight.config import parse_config

OPENAI_CALL = 'from openai import OpenAI\nclient = OpenAI()\nclient.chat.completions.create(model="gpt-4o-mini", messages=[])\n'


def llm_lint(cwd: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    env = {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True", "NO_COLOR": "1",
           "LLMSIGHT_CACHE_DIR": str(cwd / ".cache")}
    return subprocess.run([sys.executable, "-m", "llmsight", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout)


def make_project(root: Path, files: dict[str, str | bytes]) -> Path:
    (root / "pyproject.toml").write_text("[project]\nname = 'app'\n", encoding="utf-8")
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


def assert_clean_exit(run: subprocess.CompletedProcess, code: int | tuple[int, ...]) -> None:
    assert "Traceback" not in run.stderr, run.stderr
    assert run.returncode in ((code,) if isinstance(code, int) else code), (run.returncode, run.stdout, run.stderr)


# ---- D4: a second --fix run changes nothing ------------------------------------------------------------

def test_d4_fix_is_idempotent_on_a_genai_chat(tmp_path):
    make_project(tmp_path, {"chat.py": 'from google import genai\n\nclient = genai.Client(api_key="x")\n'
                                       'chat = client.chats.create(model="gemini-2.0-flash"); chat.send_message("hello")\n'})
    api.apply_fixes([tmp_path], unsafe=True, use_cache=False)
    once = (tmp_path / "chat.py").read_text(encoding="utf-8")
    again = api.apply_fixes([tmp_path], unsafe=True, use_cache=False)
    assert once.count('"timeout"') == 1, once
    assert again.changed == {} and (tmp_path / "chat.py").read_text(encoding="utf-8") == once


def _invalid_examples():
    for rule in all_rules():
        for i, example in enumerate(rule.INVALID):
            yield pytest.param(example, id=f"{rule.code}-invalid-{i}")


@pytest.mark.parametrize("example", list(_invalid_examples()))
def test_d4_fixing_any_invalid_example_twice_changes_nothing_the_second_time(tmp_path, example):
    make_project(tmp_path, {example.path: textwrap.dedent(example.code).lstrip("\n")})
    config = parse_config(dict(example.config), "<example>")
    api.apply_fixes([tmp_path], unsafe=True, config=config, use_cache=False)
    fixed = (tmp_path / example.path).read_text(encoding="utf-8")
    again = api.apply_fixes([tmp_path], unsafe=True, config=config, use_cache=False)
    assert again.changed == {}, f"a second --fix changed:\n{fixed}"


# ---- D5: never write outside the paths given -----------------------------------------------------------

def test_d5_fix_never_writes_through_a_symlink_out_of_the_given_paths(tmp_path):
    make_project(tmp_path, {"outside/ext.py": OPENAI_CALL, "symout/own.py": OPENAI_CALL})
    (tmp_path / "symout" / "link.py").symlink_to(Path("..", "outside", "ext.py"))
    run = llm_lint(tmp_path, "check", "--fix", "--unsafe-fixes", "--no-cache", "symout")
    assert_clean_exit(run, (1, 2))
    assert (tmp_path / "outside" / "ext.py").read_text(encoding="utf-8") == OPENAI_CALL
    assert "timeout=" in (tmp_path / "symout" / "own.py").read_text(encoding="utf-8")  # the rest is fixed
    named = [x for x in (run.stdout + run.stderr).splitlines() if "link.py" in x or "ext.py" in x]
    assert named and all("outside the" in x for x in named), named


def test_d5_the_writer_refuses_a_file_outside_the_given_paths_even_if_the_scan_hands_it_over(tmp_path):
    """The write side holds on its own: a scan that followed the link still gets no write outside."""
    make_project(tmp_path, {"outside/ext.py": OPENAI_CALL, "symout/own.py": OPENAI_CALL})
    (tmp_path / "symout" / "link.py").symlink_to(Path("..", "outside", "ext.py"))

    def analyse(text: str, path: Path):
        return api.check_source(text, str(path), root=tmp_path, with_estimates=False).diagnostics

    outcome = fix_files(["outside/ext.py", "symout/own.py"], tmp_path, [tmp_path / "symout"], analyse,
                        unsafe=True, diff_only=False)
    assert (tmp_path / "outside" / "ext.py").read_text(encoding="utf-8") == OPENAI_CALL
    assert "outside the paths given" in outcome.skipped["outside/ext.py"]
    assert set(outcome.changed) == {"symout/own.py"}


def test_d5_fix_through_a_symlink_inside_the_tree_edits_its_target_and_keeps_the_link(tmp_path):
    make_project(tmp_path, {"pkg/real.py": OPENAI_CALL})
    (tmp_path / "pkg" / "alias.py").symlink_to("real.py")
    run = llm_lint(tmp_path, "check", "--fix", "--unsafe-fixes", "--no-cache", "pkg/alias.py")
    assert_clean_exit(run, (0, 1))
    assert (tmp_path / "pkg" / "alias.py").is_symlink()
    assert "timeout=" in (tmp_path / "pkg" / "real.py").read_text(encoding="utf-8")


# ---- D6: edits apply only to the text they were computed on --------------------------------------------

CHANGED = '# a line added while the scan ran\n' \
          'from openai import OpenAI\nclient = OpenAI()\nclient.chat.completions.create(model="gpt-4o-mini", messages=[])\n'


def _rewrite_after_first_call(monkeypatch, name: str, path: Path) -> None:
    """Make `api.<name>` change `path` on disk right after its first call (an editor saving mid-run)."""
    original = getattr(api, name)
    calls = []

    def wrapped(*args, **kwargs):
        result = original(*args, **kwargs)
        if not calls:
            path.write_text(CHANGED, encoding="utf-8")
        calls.append(1)
        return result

    monkeypatch.setattr(api, name, wrapped)


def _model_argument(text: str) -> str:
    call = next(n for n in ast.walk(ast.parse(text)) if isinstance(n, ast.Call) and n.keywords)
    return ast.literal_eval(next(k.value for k in call.keywords if k.arg == "model"))


def test_d6_fix_after_a_change_during_the_scan_fixes_the_new_text(tmp_path, monkeypatch):
    path = make_project(tmp_path, {"app.py": OPENAI_CALL}) / "app.py"
    _rewrite_after_first_call(monkeypatch, "check", path)
    api.apply_fixes([tmp_path], unsafe=True, select=["LLM001"], use_cache=False)
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# a line added while the scan ran\n") and _model_argument(text) == "gpt-4o-mini"
    assert "timeout=30" in text


def test_d6_fix_skips_a_file_changed_while_fixing(tmp_path, monkeypatch):
    path = make_project(tmp_path, {"app.py": OPENAI_CALL}) / "app.py"
    _rewrite_after_first_call(monkeypatch, "check_source", path)
    outcome = api.apply_fixes([tmp_path], unsafe=True, select=["LLM001"], use_cache=False)
    assert path.read_text(encoding="utf-8") == CHANGED
    assert "changed on disk" in outcome.skipped["app.py"]


def test_d6_fix_reanalysis_still_finds_calls_of_a_name_another_module_exports(tmp_path):
    """--fix analyses the file again on the bytes it read: a request made through a name another
    project module exports (found by the scan's second stage) is still fixed."""
    make_project(tmp_path, {"app/__init__.py": "", "app/llm.py": "from litellm import completion as ask\n",
                            "main.py": 'from app.llm import ask\nask(model="gpt-4o-mini", messages=[])\n'})
    outcome = api.apply_fixes([tmp_path], unsafe=True, select=["LLM001"], use_cache=False)
    assert outcome.applied == 1 and "timeout=30" in (tmp_path / "main.py").read_text(encoding="utf-8")


def test_d6_fix_positions_count_lines_as_python_does(tmp_path):
    source = 'from openai import OpenAI\n\f\nclient = OpenAI()\nnote = "a\u2028b\x1cc"\n' \
             'client.chat.completions.create(model="gpt-4o-mini", messages=[])\n'
    path = make_project(tmp_path, {"app.py": source}) / "app.py"
    diff = api.apply_fixes([tmp_path], unsafe=True, select=["LLM001"], use_cache=False, diff_only=True).diff()
    hunk = diff.split("\n")[3:-1]  # after the ---/+++/@@ lines; the diff of a file ends with a line break
    assert [line[0] for line in hunk if line[0] in "+-"] == ["-", "+"], diff
    assert "\n".join(line[1:] for line in hunk if line[0] in " -") in source, diff  # context lines intact

    api.apply_fixes([tmp_path], unsafe=True, select=["LLM001"], use_cache=False)
    assert path.read_text(encoding="utf-8") == source.replace("messages=[])", "messages=[], timeout=30)")


# ---- D13: only the edited span changes -----------------------------------------------------------------

def _notebook(source_as_list: bool, **dump) -> str:
    def src(text: str):
        return text.splitlines(keepends=True) if source_as_list else text
    cells = [
        {"cell_type": "markdown", "metadata": {}, "source": src("# Résumé — naïve café ✓\n")},
        {"cell_type": "code", "execution_count": 1, "metadata": {"tags": ["x"]},
         "outputs": [{"name": "stdout", "output_type": "stream", "text": ["done ✓\n"]}],
         "source": src("from openai import OpenAI\nclient = OpenAI(timeout=20)\n")},
        {"cell_type": "code", "execution_count": 2, "metadata": {}, "outputs": [],
         "source": src('reply = client.chat.completions.create(\n    model="gpt-4o-mini",\n    messages=[],\n)\nprint(reply)')},
    ]
    nb = {"cells": cells, "metadata": {"kernelspec": {"language": "python", "name": "python3"}},
          "nbformat": 4, "nbformat_minor": 5}
    return json.dumps(nb, **dump) + "\n"


@pytest.mark.parametrize("source_as_list, dump", [
    pytest.param(True, {"indent": 1, "ensure_ascii": False, "sort_keys": True}, id="nbformat"),
    pytest.param(False, {"indent": 2, "ensure_ascii": True}, id="string-sources-ascii"),
    pytest.param(True, {"separators": (",", ":")}, id="compact"),
])
def test_d13_fix_changes_only_the_edited_cell_source_in_a_notebook(tmp_path, source_as_list, dump):
    before = _notebook(source_as_list, **dump)
    make_project(tmp_path, {"nb.ipynb": before})
    outcome = api.apply_fixes([tmp_path], unsafe=True, select=["LLM004"], use_cache=False)
    after = (tmp_path / "nb.ipynb").read_text(encoding="utf-8")
    assert outcome.applied == 1
    old_nb, new_nb = json.loads(before), json.loads(after)
    new_source = new_nb["cells"][2]["source"]
    assert isinstance(new_source, list) == source_as_list
    assert "max_completion_tokens=1024" in "".join(new_source)
    new_nb["cells"][2]["source"] = old_nb["cells"][2]["source"]
    assert new_nb == old_nb
    # byte for byte outside the last cell's source value (the last "source" key of the file)
    start = before.index(":", before.rindex('"source"')) + 1
    start += len(before[start:]) - len(before[start:].lstrip())
    _, end = json.JSONDecoder().raw_decode(before, start)
    assert after[:start] == before[:start] and after.endswith(before[end:])
    if not source_as_list and dump.get("ensure_ascii"):
        assert after.isascii()
    changed = [line for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
               if line[:1] in "+-" and not line.startswith(("+++", "---"))]
    assert len(changed) <= 4, changed


def test_d13_fix_keeps_crlf_line_endings(tmp_path):
    source = ('import boto3\r\nruntime = boto3.client("bedrock-runtime", region_name="us-east-1")\r\n'
              'runtime.converse(modelId="amazon.nova-lite-v1:0", messages=[])\r\n')
    make_project(tmp_path, {"app.py": source.encode()})
    outcome = api.apply_fixes([tmp_path], unsafe=True, use_cache=False)
    data = (tmp_path / "app.py").read_bytes()
    assert outcome.applied >= 2 and b"from botocore.config import Config\r\n" in data
    assert data.count(b"\n") == data.count(b"\r\n") == 4


# ---- D17: encodings and permissions --------------------------------------------------------------------

def test_d17_fix_on_a_latin1_file_writes_it_back_in_latin1(tmp_path):
    source = ("# -*- coding: latin-1 -*-\n# café crème\n" + OPENAI_CALL).encode("latin-1")
    make_project(tmp_path, {"legacy.py": source})
    run = llm_lint(tmp_path, "check", "--fix", "--unsafe-fixes", "--no-cache", "--select", "LLM001", ".")
    assert_clean_exit(run, (0, 1))
    assert (tmp_path / "legacy.py").read_bytes() == source.replace(b"messages=[])", b"messages=[], timeout=30)")


def test_d17_fix_on_a_read_only_file_is_a_one_line_error_and_changes_nothing(tmp_path):
    path = make_project(tmp_path, {"locked.py": OPENAI_CALL, "open.py": OPENAI_CALL}) / "locked.py"
    path.chmod(0o444)
    run = llm_lint(tmp_path, "check", "--fix", "--unsafe-fixes", "--no-cache", "--select", "LLM001", ".")
    assert_clean_exit(run, 2)
    assert path.read_text(encoding="utf-8") == OPENAI_CALL and (path.stat().st_mode & 0o777) == 0o444
    assert "timeout=30" in (tmp_path / "open.py").read_text(encoding="utf-8")
    [line] = [x for x in run.stderr.splitlines() if "locked.py" in x]
    assert "read-only" in line
