"""Formats on real runs: `api.check` over a project on disk, and `python -m llmsight check --format X`.

Rules are being added concurrently, so these tests check structure (schemas, locations, exit codes)
rather than which findings appear. A file with a syntax error makes the run fail deterministically:
the engine reports parse errors (LLM000) itself, whatever rules exist.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote

import pytest

from format_samples import check_json_errors, parse_command, sarif_errors, table_rows

from llmsight import api, formats

UNICODE_FILE = "src/日本語/エージェント🚀.py"

FILES = {
    "pyproject.toml": '[project]\nname = "demo"\n',
    "app/chat.py": (
        "from openai import OpenAI\n\nclient = OpenAI()\n\n\n"
        "def reply(text):\n"
        '    return client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": text}])\n'
    ),
    UNICODE_FILE: (
        "import anthropic\n\n\ndef ask(q):\n    # 質問する 🚀\n"
        '    return anthropic.Anthropic().messages.create(model="claude-3-5-haiku-20241022", max_tokens=300,'
        ' messages=[{"role": "user", "content": "こんにちは " + q}])\n'
    ),
    "broken.py": 'import openai\nopenai.chat.completions.create(model="gpt-4o",\n',
}
NOTEBOOK = {
    "cells": [
        {"cell_type": "markdown", "metadata": {}, "source": ["# Explore"]},
        {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
         "source": ["%pip install openai\n", "from openai import OpenAI\n", "client = OpenAI()\n"]},
        {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
         "source": ["for q in ['a', 'b']:\n", '    client.chat.completions.create(model="gpt-4o-mini", messages=[])\n']},
    ],
    "metadata": {"kernelspec": {"language": "python", "name": "python3"}},
    "nbformat": 4, "nbformat_minor": 5,
}


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("proj")
    for rel, text in FILES.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    (root / "notebooks").mkdir()
    (root / "notebooks" / "explore.ipynb").write_text(json.dumps(NOTEBOOK), encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def clean_project(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("clean")
    (root / "pyproject.toml").write_text('[project]\nname = "clean"\n', encoding="utf-8")
    (root / "util.py").write_text("def add(a, b):\n    return a + b\n", encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def result(project):
    return api.check([project], use_cache=False, jobs=1)


def test_real_run_sites_are_where_the_code_is(result):
    paths = {s.span.path: s for s in result.call_sites}
    assert set(paths) == {"app/chat.py", UNICODE_FILE, "notebooks/explore.ipynb"}
    nb = paths["notebooks/explore.ipynb"].span
    assert (nb.cell, nb.start_line, nb.start_col) == (2, 2, 5)
    assert (paths["app/chat.py"].span.start_line, paths["app/chat.py"].span.start_col) == (7, 12)
    assert any(d.code == "LLM000" and d.span.path == "broken.py" for d in result.diagnostics)


def test_real_run_json_validates_and_matches_the_result(result):
    doc = json.loads(formats.render(result, "json"))
    assert check_json_errors(doc) == []
    assert [s["id"] for s in doc["call_sites"]] == [s.id for s in result.call_sites]
    assert set(doc["estimates"]) == {s.id for s in result.call_sites}
    assert doc["summary"]["diagnostics"] == len(doc["diagnostics"]) == len(result.diagnostics)
    nb = next(s for s in doc["call_sites"] if s["path"].endswith(".ipynb"))
    assert (nb["cell"], nb["line"], nb["col"]) == (2, 2, 5)


def test_real_run_sarif_validates_with_every_registered_rule(result):
    doc = json.loads(formats.render(result, "sarif"))
    assert sarif_errors(doc) == []
    run = doc["runs"][0]
    ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert ids[: len(api.rules())] == [r.code for r in api.rules()]
    assert len(run["results"]) == len(result.diagnostics)
    uris = {unquote(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]) for r in run["results"]}
    assert uris <= {"app/chat.py", UNICODE_FILE, "notebooks/explore.ipynb", "broken.py"}


def test_real_run_text_github_markdown_name_every_site(result):
    text = formats.render(result, "text")
    md = formats.render(result, "markdown")
    for s in result.call_sites:
        cell = f"cell {s.span.cell + 1}:" if s.span.cell is not None else ""
        where = f"{s.span.path}:{cell}{s.span.start_line}:{s.span.start_col}"
        assert re.search(rf"^{re.escape(where)}: ", text, re.M), where
        assert f"`{where}`" in md
    assert len([r for r in table_rows(md) if len(r) == 7]) == 2 + len(result.call_sites)
    commands = [parse_command(line) for line in formats.render(result, "github").splitlines() if line.startswith("::")]
    assert len(commands) == len(result.diagnostics) + len(result.errors)


# ---- the CLI --------------------------------------------------------------------------------------

def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True", "PYTHONIOENCODING": "utf-8"}
    env.pop("NO_COLOR", None)
    return subprocess.run([sys.executable, "-m", "llmsight", "check", *args], capture_output=True, text=True,
                          encoding="utf-8", env=env, cwd=cwd, timeout=120)


def parsed(fmt: str, out: str):
    """Each format's output read back the way its consumer reads it."""
    if fmt == "json":
        doc = json.loads(out)
        assert check_json_errors(doc) == []
        return doc
    if fmt == "sarif":
        doc = json.loads(out)
        assert sarif_errors(doc) == []
        return doc
    if fmt == "github":
        return [parse_command(line) for line in out.splitlines() if line.startswith("::")]
    if fmt == "markdown":
        assert out.startswith("## llmsight: ")
        return table_rows(out)
    assert "\x1b" not in out  # stdout is a pipe: no colour
    return out


@pytest.mark.parametrize("fmt", sorted(formats.FORMATS))
def test_cli_findings_exit_1(project, fmt):
    proc = run_cli("--format", fmt, "--no-cache", str(project))
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    out = parsed(fmt, proc.stdout)
    if fmt == "json":
        assert any(d["code"] == "LLM000" for d in out["diagnostics"])
    if fmt == "sarif":
        assert any(r["ruleId"] == "LLM000" for r in out["runs"][0]["results"])
    if fmt == "github":
        assert any(c[1].get("title") == "LLM000 parse-error" and c[1]["file"] == "broken.py" for c in out)
    if fmt == "text":
        assert UNICODE_FILE in out and "notebooks/explore.ipynb:cell 3:2:5: " in out


@pytest.mark.parametrize("fmt", sorted(formats.FORMATS))
def test_cli_clean_project_exit_0(clean_project, fmt):
    proc = run_cli("--format", fmt, "--no-cache", str(clean_project))
    assert proc.returncode == 0, proc.stderr
    out = parsed(fmt, proc.stdout)
    if fmt == "json":
        assert out["diagnostics"] == [] and out["call_sites"] == []
    if fmt == "text":
        assert out.startswith("All checks passed!")


def test_cli_exit_zero_output_file_and_color(project, tmp_path):
    report = tmp_path / "report.sarif"
    proc = run_cli("--format", "sarif", "--no-cache", "--exit-zero", "-o", str(report), str(project))
    assert proc.returncode == 0 and proc.stdout == ""
    assert sarif_errors(json.loads(report.read_text(encoding="utf-8"))) == []
    colored = run_cli("--color", "always", "--no-cache", str(project))
    assert colored.returncode == 1 and "\x1b[" in colored.stdout


def test_cli_monorepo_annotations_are_repository_relative(tmp_path):
    """GitHub resolves annotation and code-scanning paths against the repository root, not the
    sub-project's, so those two formats prefix the sub-project's folder; the others do not."""
    (tmp_path / ".git").mkdir()
    sub = tmp_path / "services" / "bot"
    sub.mkdir(parents=True)
    (sub / "pyproject.toml").write_text('[project]\nname = "bot"\n', encoding="utf-8")
    (sub / "broken.py").write_text(FILES["broken.py"], encoding="utf-8")
    github = run_cli("--format", "github", "--no-cache", str(sub))
    (name, props, _), *_ = parsed("github", github.stdout)
    assert github.returncode == 1 and props["file"] == "services/bot/broken.py"
    doc = parsed("sarif", run_cli("--format", "sarif", "--no-cache", str(sub)).stdout)
    run = doc["runs"][0]
    assert run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "services/bot/broken.py"
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == Path(tmp_path).as_uri() + "/"
    doc = parsed("json", run_cli("--format", "json", "--no-cache", str(sub)).stdout)
    assert doc["diagnostics"][0]["path"] == "broken.py"
