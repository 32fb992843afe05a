"""The GitHub Action's shell steps and the pre-commit hook, run for real against a git repo on disk."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

REPO_ROOT = Path(__file__).parents[2]
BIN = Path(sys.executable).parent


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path):
    git(tmp_path, "init", "-q")
    git(tmp_path, "config", "user.email", "dev@example.com")
    git(tmp_path, "config", "user.name", "dev")
    (tmp_path / "pyproject.toml").write_text(textwrap.dedent('''\
        [project]
        name = "demo"

        [tool.llmsight]
        volumes = { "app.py::answer#1" = 100000 }
        budgets = { total = 50.0 }
        '''))
    (tmp_path / "app.py").write_text(textwrap.dedent('''\
        from openai import OpenAI

        client = OpenAI(timeout=20, max_retries=2)


        def answer(q):
            return client.chat.completions.create(model="gpt-4o-mini", max_tokens=200, messages=[])
        '''))
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-qm", "base")
    return tmp_path


def action_steps() -> dict[str, dict]:
    action = yaml.safe_load((REPO_ROOT / "action.yml").read_text())
    assert action["runs"]["using"] == "composite"
    return {step.get("id") or step.get("uses", "").split("@")[0]: step for step in action["runs"]["steps"]}


def run_step(step: dict, repo: Path, **inputs: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
           "GITHUB_STEP_SUMMARY": str(repo / "summary.md"), "GITHUB_OUTPUT": str(repo / "output.txt")}
    for name in step.get("env", {}):
        env[name] = inputs.get(name, "")
    return subprocess.run(["bash", "-e", "-c", step["run"]], cwd=repo, env=env, capture_output=True, text=True,
                          timeout=300)


def test_action_uses_sarif_upload_and_pr_base():
    steps = action_steps()
    assert "github/codeql-action/upload-sarif" in steps and "actions/setup-python" in steps
    action = yaml.safe_load((REPO_ROOT / "action.yml").read_text())
    assert action["inputs"]["base"]["default"] == "${{ github.event.pull_request.base.sha }}"


def test_action_check_step_writes_sarif(repo):
    done = run_step(action_steps()["check"], repo, LLMSIGHT_PATHS=".")
    assert done.returncode == 0, done.stderr
    assert '"version": "2.1.0"' in (repo / "llmsight.sarif").read_text()


def test_action_diff_step_fails_on_broken_budget_and_writes_summary(repo):
    (repo / "app.py").write_text((repo / "app.py").read_text().replace("gpt-4o-mini", "gpt-4o"))
    base = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True).stdout.strip()
    step = action_steps()["diff"]
    done = run_step(step, repo, LLMSIGHT_BASE=base, LLMSIGHT_PATHS=".", LLMSIGHT_FAIL_ON_BUDGET="true")
    assert done.returncode == 1 and "budget or SLO is broken" in done.stdout
    assert "**FAIL**" in (repo / "summary.md").read_text()
    assert (repo / "output.txt").read_text() == "status=FAIL\n"
    lenient = run_step(step, repo, LLMSIGHT_BASE=base, LLMSIGHT_PATHS=".", LLMSIGHT_FAIL_ON_BUDGET="false")
    assert lenient.returncode == 0


def test_action_diff_step_reports_warn(repo):
    base = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True).stdout.strip()
    done = run_step(action_steps()["diff"], repo, LLMSIGHT_BASE=base, LLMSIGHT_PATHS=".")
    assert done.returncode == 0, done.stdout + done.stderr
    assert (repo / "output.txt").read_text() == "status=WARN\n"      # static estimate: priors only


def test_pre_commit_hook_runs_check_on_the_staged_files(repo):
    (hook,) = yaml.safe_load((REPO_ROOT / ".pre-commit-hooks.yaml").read_text())
    assert hook["id"] == "llm-lint" and hook["language"] == "python"
    assert set(hook["types_or"]) == {"python", "jupyter"}
    (repo / "risky.py").write_text(
        "import openai\nopenai.OpenAI().chat.completions.create(model='gpt-4o', messages=[])\n")
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    risky = subprocess.run([*hook["entry"].split(), "risky.py"], cwd=repo, env=env, capture_output=True, text=True)
    assert risky.returncode == 1 and "LLM001" in risky.stdout
