"""Bad input never crashes `llm-lint check`: each problem is named with its file and what to do, and the
rest of the run goes on (real files on disk, the real CLI in a subprocess)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

GOOD = 'from openai import OpenAI\nc = OpenAI()\nc.chat.completions.create(model="gpt-4o-mini", messages=[])\n'


def llm_lint(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "LLMSIGHT_CACHE_DIR": str(cwd / ".cache"), "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
    return subprocess.run([sys.executable, "-m", "llmsight", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n')
    (tmp_path / "good.py").write_text(GOOD)
    return tmp_path


def check_json(project: Path, *extra: str) -> tuple[dict, subprocess.CompletedProcess]:
    proc = llm_lint("check", ".", "--format", "json", "--select", "LLM000,LLM001", *extra, cwd=project)
    assert "Traceback" not in proc.stderr, proc.stderr
    return json.loads(proc.stdout), proc


def errors_by_path(doc: dict) -> dict[str, str]:
    return {e["path"]: e["message"] for e in doc["errors"]}


def test_syntax_error_is_a_diagnostic_and_the_rest_is_analysed(project):
    (project / "broken.py").write_text('import openai\nopenai.chat.completions.create(model="gpt-4o",\n')
    doc, proc = check_json(project)
    assert proc.returncode == 1
    [parse] = [d for d in doc["diagnostics"] if d["code"] == "LLM000"]
    assert (parse["path"], parse["line"]) == ("broken.py", 2) and "never closed" in parse["message"]
    assert [s["path"] for s in doc["call_sites"]] == ["good.py"]


def test_invalid_notebook_json_names_the_file_and_the_fix(project):
    (project / "nb.ipynb").write_text('{"cells": [ {"cell_type": "code", "source": "import openai')
    doc, _ = check_json(project)
    assert "invalid notebook JSON" in errors_by_path(doc)["nb.ipynb"]
    assert "save it again" in errors_by_path(doc)["nb.ipynb"]
    assert [s["path"] for s in doc["call_sites"]] == ["good.py"]


def test_notebook_with_a_broken_cell_keeps_the_other_cells(project):
    cells = [{"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None, "source": src}
             for src in ("from openai import OpenAI\nc = OpenAI()\n", "def broken(:\n",
                         'c.chat.completions.create(model="gpt-4o-mini", messages=[])\n')]
    (project / "nb.ipynb").write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    doc, _ = check_json(project)
    parse = [d for d in doc["diagnostics"] if d["code"] == "LLM000"]
    assert [(d["path"], d["cell"]) for d in parse] == [("nb.ipynb", 1)]
    assert ("nb.ipynb", 2) in [(s["path"], s["cell"]) for s in doc["call_sites"]]


def test_non_utf8_binary_and_huge_files_are_reported_not_fatal(project):
    (project / "latin.py").write_bytes(b'import openai\nx = "caf\xe9"\nopenai.chat.completions.create(model="gpt-4o")\n')
    (project / "bin.py").write_bytes(b"import openai\x00\x01\x02 openai.chat.completions.create(\n")
    (project / "huge.py").write_text("import openai\n" + "x = 1\n" * 1_000_000)
    doc, proc = check_json(project)
    errors = errors_by_path(doc)
    assert "not valid utf-8" in errors["latin.py"] and "coding" in errors["latin.py"]
    assert "NUL" in errors["bin.py"]
    assert "limit" in errors["huge.py"] and "exclude" in errors["huge.py"]
    assert [s["path"] for s in doc["call_sites"]] == ["good.py"]
    assert proc.returncode == 1  # good.py's finding


def test_unreadable_paths(project):
    (project / "dangling.py").symlink_to(project / "nowhere.py")
    doc, _ = check_json(project)
    assert "dangling" in errors_by_path(doc)["dangling.py"]
    proc = llm_lint("check", "missing.py", cwd=project)
    assert proc.returncode == 2 and "missing.py: no such file or directory" in proc.stdout + proc.stderr


@pytest.mark.parametrize("pyproject, expected", [
    ("[tool.llmsight\nselect = 1\n", "not valid TOML"),
    ('[tool.llmsight]\nfail_on = "bogus"\n', "`fail_on` must be"),
    ('[tool.llmsight]\nselct = ["LLM001"]\n', "did you mean `select`?"),
    ("[tool.llmsight]\nbudgets = 3\n", "budgets"),
])
def test_broken_config_is_a_usage_error_naming_the_file(project, pyproject, expected):
    (project / "pyproject.toml").write_text(pyproject)
    proc = llm_lint("check", ".", cwd=project)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert str(project / "pyproject.toml") in proc.stderr and expected in proc.stderr


def test_bad_arguments_exit_2(project):
    assert llm_lint("check", ".", "--format", "yaml", cwd=project).returncode == 2
    assert llm_lint("explain", "LLM999", cwd=project).returncode == 2
