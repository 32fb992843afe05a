"""The fix workflow people use: `--diff` shows what `--fix` would do as a patch `git apply` takes (leaving
out, and naming, the fixes whose lines hold a key), says what it hides, and added imports sit where isort
puts them (the real CLI in a subprocess, on files in a git work tree)."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from llmsight.analysis.apply import file_hunks

ROOT = Path(__file__).resolve().parents[2]
KEY = "sk-proj-Vb3Nq8Lz1Rw6Tx0Yc4Mp7Ks2Hd9Gf5Ja8Ue3Io6Pl1Zn"   # a fake key in a real format

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")


def run(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True", "NO_COLOR": "1",
           "LLMSIGHT_CACHE_DIR": str(cwd / ".cache")}
    return subprocess.run([sys.executable, "-m", "llmsight", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=180)


def git(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=60)


def repo(tmp_path: Path, files: dict[str, str]) -> Path:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'app'\n", encoding="utf-8")
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    assert git(tmp_path, "init", "-q").returncode == 0
    return tmp_path


def diff_applies(cwd: Path, *flags: str) -> subprocess.CompletedProcess:
    """`llm-lint check --fix <flags> --diff > d; git apply --check d`, asserted; the diff run is returned."""
    shown = run(cwd, "check", "--fix", *flags, "--diff", "--no-cache")
    (cwd / "d.patch").write_text(shown.stdout, encoding="utf-8")
    check = git(cwd, "apply", "--check", "d.patch")
    assert check.returncode == 0, check.stderr + shown.stdout
    return shown


def test_diff_of_the_example_app_applies_with_git_from_its_folder(tmp_path):
    shutil.copytree(ROOT / "examples", tmp_path / "examples", ignore=shutil.ignore_patterns(".llmsight"))
    git(tmp_path, "init", "-q")
    app = tmp_path / "examples" / "app"
    shown = diff_applies(app, "--unsafe-fixes")
    assert shown.returncode == 1 and "+++ b/examples/app/app/chat.py" in shown.stdout   # paths from the repo top
    # the example's classify() holds a key: its fix is named, not shown, and no hunk shows that line
    assert "app/embed.py:19: fix not shown: its lines hold a secret; run --fix to apply it" in shown.stderr
    assert "api_key=" not in shown.stdout and "redacted" not in shown.stdout
    assert git(app, "apply", "d.patch").returncode == 0
    after = (app / "app" / "embed.py").read_text(encoding="utf-8")
    assert after.startswith('"""Search index: embeddings of help-centre articles."""\n'
                            "import os\n\nimport litellm\n\nfrom app.settings import EMBEDDING_MODEL\n") or \
        "import os" not in after     # the key fix (which needs `os`) was held back with its import


def test_diff_of_a_file_holding_a_key_applies_and_matches_fix_elsewhere(tmp_path):
    source = f'''
        import json

        import litellm

        def ask(q):
            return litellm.completion(model="gpt-4o-mini", messages=[json.dumps(q)])

        def other(q):
            return litellm.completion(
                model="gpt-4o-mini",
                messages=[q],
                api_key="{KEY}",
            )
    '''
    root = repo(tmp_path, {"app.py": source})
    shown = diff_applies(root, "--unsafe-fixes")
    assert shown.returncode == 1
    assert KEY[8:20] not in shown.stdout + shown.stderr
    assert "app.py:12: fix not shown: its lines hold a secret; run --fix to apply it" in shown.stderr
    assert re.search(r"^\+    return litellm\.completion\(model=.*messages=\[json\.dumps\(q\)\], timeout=30",
                     shown.stdout, re.MULTILINE), shown.stdout
    # no hunk's context reaches the key's line
    assert all(not line.startswith(" ") or "api_key" not in line for line in shown.stdout.splitlines())
    # every other fix --fix applies is in the diff: the patched file has them all
    assert git(root, "apply", "d.patch").returncode == 0
    patched = (root / "app.py").read_text(encoding="utf-8")
    fixed = run(root, "check", "--fix", "--unsafe-fixes", "--no-cache")
    assert "run --fix" not in fixed.stderr
    after_fix = (root / "app.py").read_text(encoding="utf-8")
    # the same, but for the held-back key fix and the `import os` it needs
    assert patched.split("def other", 1)[0] == after_fix.replace("import os\n", "", 1).split("def other", 1)[0]
    assert f'api_key="{KEY}"' not in after_fix


def test_diff_of_a_notebook_holding_a_key_names_the_cell_and_applies(tmp_path):
    def cell(*lines: str) -> dict:
        return {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "source": list(lines)}

    notebook = {"cells": [cell("import litellm\n", "from openai import OpenAI\n"),
                          cell(f'client = OpenAI(api_key="{KEY}")\n'),
                          cell('litellm.completion(model="gpt-4o-mini", messages=[])\n')],
                "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    root = repo(tmp_path, {"nb.ipynb": json.dumps(notebook, indent=1)})
    shown = diff_applies(root, "--unsafe-fixes")
    assert shown.returncode == 1 and "timeout=30" in shown.stdout and KEY[8:20] not in shown.stdout
    assert "nb.ipynb:cell 2:1: fix not shown: its lines hold a secret; run --fix to apply it" in shown.stderr


def test_diff_without_unsafe_fixes_says_how_many_are_hidden_and_fails(tmp_path):
    root = repo(tmp_path, {"app.py": """
        import litellm
        litellm.completion(model="gpt-4o-mini", messages=[])
    """})
    shown = run(root, "check", "--diff", "--no-cache")
    assert shown.stdout == "" and shown.returncode == 1
    hidden = re.search(r"(\d+) fixes hidden; use --unsafe-fixes", shown.stderr)
    assert hidden and int(hidden[1]) >= 2, shown.stderr          # timeout and output cap, at least
    fixed = run(root, "check", "--fix", "--no-cache")
    assert f"{hidden[1]} fixes hidden; use --unsafe-fixes" in fixed.stderr and fixed.returncode == 1
    assert (root / "app.py").read_text(encoding="utf-8").endswith("messages=[])\n")


def test_fix_reports_what_it_left_undone(tmp_path):
    root = repo(tmp_path, {"app.py": """
        import litellm
        for q in ["a", "b"]:
            litellm.completion(model="gpt-4o-mini", messages=[q])
    """})
    fixed = run(root, "check", "--fix", "--unsafe-fixes", "--no-cache")
    assert re.search(r"Fixed \d+ findings\.", fixed.stdout)
    assert "1 finding only suggested: make the change by hand" in fixed.stderr   # LLM006's call in a loop


def test_an_added_stdlib_import_goes_among_the_stdlib_imports(tmp_path):
    root = repo(tmp_path, {"pkg/__init__.py": "", "pkg/app.py": f"""
        \"\"\"Doc.\"\"\"
        from __future__ import annotations

        import json
        import sys

        import litellm

        from pkg import helpers


        def ask(q):
            return litellm.completion(model="gpt-4o-mini", messages=[q], api_key="{KEY}", timeout=5, max_tokens=9)
    """})
    run(root, "check", "--fix", "--unsafe-fixes", "--no-cache")
    head = (root / "pkg" / "app.py").read_text(encoding="utf-8").split("\n\n\n", 1)[0]
    assert head == ('"""Doc."""\nfrom __future__ import annotations\n\nimport json\nimport os\nimport sys\n\n'
                    "import litellm\n\nfrom pkg import helpers")


def test_imports_a_fix_adds_before_third_party_ones_open_the_stdlib_section(tmp_path):
    root = repo(tmp_path, {"pkg/__init__.py": "", "pkg/prompts.py": "", "pkg/app.py": """
        import anthropic

        from pkg import prompts

        client = anthropic.Anthropic()


        def ask(messages):
            for _ in range(3):
                try:
                    return client.messages.create(model="claude-sonnet-4-5", max_tokens=512, messages=messages)
                except Exception as exc:
                    print("retrying", exc)
    """})
    run(root, "check", "--fix", "--unsafe-fixes", "--no-cache", "--select", "LLM002")
    text = (root / "pkg" / "app.py").read_text(encoding="utf-8")
    assert text.startswith("import random\nimport time\n\nimport anthropic\n\nfrom pkg import prompts\n"), text


def test_hunks_never_show_a_secret_line_even_as_context():
    old = ["a\n", "b\n", "c\n", f'key = "{KEY}"\n', "d\n", "e\n", "f\n"]
    hunks, held_back = file_hunks(old, ["a\n", "B\n", "c\n", old[3], "d\n", "E\n", "f\n"])
    assert held_back == [] and not any(KEY in line for line in hunks)
    assert hunks == ["@@ -1,3 +1,3 @@\n", " a\n", "-b\n", "+B\n", " c\n",
                     "@@ -5,3 +5,3 @@\n", " d\n", "-e\n", "+E\n", " f\n"]
    # a change right before the key's line has no trailing context: git would anchor it at the file's end
    hunks, held_back = file_hunks(old, ["a\n", "b\n", "C\n"] + old[3:])
    assert hunks == [] and held_back == [3]
    # a change of the key's own line is held back; the new-side numbers of later hunks do not count it
    hunks, held_back = file_hunks(old, old[:3] + ['key = os.environ["K"]\n', "extra\n", "d\n", "e\n", "F\n"])
    assert held_back == [4] and hunks == ["@@ -5,3 +5,3 @@\n", " d\n", " e\n", "-f\n", "+F\n"]
