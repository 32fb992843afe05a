"""LLM010 through the real CLI: keys are found, fixed, and never shown in any output or stored."""
from __future__ import annotations

import json

import pytest

from llmsight.analysis.secrets import masked, provider_key, redact
from rules_cli import llm_lint, write_project

# fake keys in real formats (random, never issued)
OPENAI_KEY = "sk-proj-Vb3Nq8Lz1Rw6Tx0Yc4Mp7Ks2Hd9Gf5Ja8Ue3Io6Pl1Zn"
ANTHROPIC_KEY = "sk-ant-api03-Hq5Wn2Zr8Lt4Xb7Kc1Vm9Ps3Dy6Fg0Ja4Ue8Io2Rt5Yw"
GROQ_KEY = "gsk_T4yU8iO2pA6sD1fG9hJ3kL7zX5cV0bN8mQ2wE6rT1yU4"
AWS_SECRET = "Zp4Xk9Qm2Wt7Rb1Nc6Hv3Ls8Dg5Fy0Je2Ua7Ti4Ko9"
KEYS = (OPENAI_KEY, ANTHROPIC_KEY, GROQ_KEY, AWS_SECRET)
# the public format markers (documented in the rule's doc); every other character is secret
FORMAT_PREFIXES = ("sk-proj-", "sk-ant-api03-", "gsk_")

APP = f'''
import boto3
import requests
from anthropic import Anthropic
from openai import OpenAI

client = OpenAI(api_key="{OPENAI_KEY}")
claude = Anthropic(api_key="{ANTHROPIC_KEY}")
runtime = boto3.client("bedrock-runtime", aws_secret_access_key="{AWS_SECRET}")


def ask(q):
    client.chat.completions.create(model="gpt-4o-mini", messages=[{{"role": "user", "content": q}}])
    requests.post("https://api.groq.com/openai/v1/chat/completions",
                  headers={{"Authorization": "Bearer {GROQ_KEY}"}}, json={{}})
'''


def leaked(text: str) -> list[str]:
    """Every 6-character piece of a key holding at least one secret character that appears in `text`."""
    out = set()
    for key in KEYS:
        secret_from = max((len(p) for p in FORMAT_PREFIXES if key.startswith(p)), default=0)
        for i in range(max(0, secret_from - 5), len(key) - 5):
            if key[i:i + 6] in text:
                out.add(key[i:i + 6])
    return sorted(out)


@pytest.fixture
def project(tmp_path):
    return write_project(tmp_path, {"app.py": APP})


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github",
                                 "markdown"])
def test_no_output_format_shows_any_part_of_a_key(project, fmt):
    run = llm_lint(project, "check", "--select", "LLM010", "--format", fmt, "--no-cache")
    assert run.returncode == 1, run.stderr
    assert "Traceback" not in run.stderr
    out = run.stdout + run.stderr
    assert leaked(out) == [], f"{fmt} output shows key characters"
    for label in ("OpenAI API key", "Anthropic API key", "Groq API key", "AWS secret access key"):
        assert label in out, f"{fmt} output does not report the {label}"


@pytest.mark.parametrize("fmt", ["text", "json", "sarif"])
def test_all_rules_and_estimates_show_no_part_of_a_key(project, fmt):
    """Other rules and the per-site estimate lines quote call sites too (client expressions, APIs)."""
    run = llm_lint(project, "check", "--format", fmt, "--no-cache")
    assert leaked(run.stdout + run.stderr) == [], f"{fmt} output of all rules shows key characters"


def test_diff_holds_back_the_fix_of_a_key_line_and_says_to_run_fix(project):
    """A hunk would show the key's line (or a redacted one `git apply` rejects): the fix is named instead."""
    before = (project / "app.py").read_text()
    diff = llm_lint(project, "check", "--select", "LLM010", "--diff", "--unsafe-fixes", "--no-cache")
    assert diff.returncode == 1, diff.stderr
    assert diff.stdout == ""
    for line in (6, 7, 8, 14):
        assert f"app.py:{line}: fix not shown: its lines hold a secret; run --fix to apply it" in diff.stderr
    assert (project / "app.py").read_text() == before, "--diff must not write"


def test_diff_shows_no_part_of_a_key(project):
    diff = llm_lint(project, "check", "--select", "LLM010", "--diff", "--unsafe-fixes", "--no-cache")
    assert leaked(diff.stdout + diff.stderr) == [], "--diff shows key characters"


def test_fix_replaces_every_key(project):
    fix = llm_lint(project, "check", "--select", "LLM010", "--fix", "--unsafe-fixes", "--no-cache")
    assert leaked(fix.stdout + fix.stderr) == []
    after = (project / "app.py").read_text()
    assert leaked(after) == []
    for env in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "AWS_SECRET_ACCESS_KEY", "GROQ_API_KEY"):
        assert f'os.environ["{env}"]' in after
    assert after.count("import os\n") == 1
    compile(after, "app.py", "exec")
    again = llm_lint(project, "check", "--select", "LLM010", "--no-cache")
    assert again.returncode == 0, again.stdout


def test_safe_fix_mode_leaves_unsafe_secret_fixes_alone(project):
    before = (project / "app.py").read_text()
    run = llm_lint(project, "check", "--select", "LLM010", "--fix", "--no-cache")
    assert run.returncode == 1
    assert (project / "app.py").read_text() == before
    assert "--unsafe-fixes" in run.stdout


def test_cache_stores_no_part_of_a_key(project, tmp_path_factory, monkeypatch):
    cache = tmp_path_factory.mktemp("user-cache")
    monkeypatch.setenv("LLMSIGHT_CACHE_DIR", str(cache))
    llm_lint(project, "check")
    stored = b"".join(p.read_bytes() for p in cache.rglob("*") if p.is_file())
    assert stored, "expected a result cache in LLMSIGHT_CACHE_DIR"
    assert leaked(stored.decode("latin-1")) == []


def test_suppression_comment(tmp_path):
    write_project(tmp_path, {"app.py": f'''
        from openai import OpenAI
        client = OpenAI(api_key="{OPENAI_KEY}")  # llmsight: ignore[LLM010]
        other = OpenAI(api_key="{OPENAI_KEY}")  # noqa: LLM001
    '''})
    run = llm_lint(tmp_path, "check", "--select", "LLM010", "--format", "json", "--no-cache")
    found = [d for d in json.loads(run.stdout)["diagnostics"] if d["code"] == "LLM010"]
    assert [d["line"] for d in found] == [3]


@pytest.mark.parametrize("text", [
    "sk-...", "sk-your-key-here", "<OPENAI_API_KEY>", "", "sk-" + "a" * 48, "AKIAIOSFODNN7EXAMPLE",
    "sk-proj-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "${OPENAI_API_KEY}",
])
def test_placeholders_are_not_keys(text):
    assert provider_key(text) is None


def test_redact_masks_keys_inside_text():
    line = f'client = OpenAI(api_key="{OPENAI_KEY}")  # and {GROQ_KEY}'
    assert redact(line) == f'client = OpenAI(api_key="{masked(OPENAI_KEY)}")  # and {masked(GROQ_KEY)}'
    assert redact("model='gpt-4o-mini'") == "model='gpt-4o-mini'"


def test_notebook_key_is_fixed_in_its_own_cell(tmp_path):
    def code(*lines):
        return {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "source": list(lines)}

    nb = {"cells": [code("import anthropic\n", "from openai import OpenAI"),
                    {"cell_type": "markdown", "metadata": {}, "source": ["## Setup"]},
                    code("%env FOO=1\n", f'client = OpenAI(api_key="{OPENAI_KEY}")')],
          "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    write_project(tmp_path, {"demo.ipynb": json.dumps(nb)})
    run = llm_lint(tmp_path, "check", "--select", "LLM010", "--format", "json", "--no-cache")
    [d] = json.loads(run.stdout)["diagnostics"]
    assert (d["cell"], d["line"]) == (2, 2)
    assert leaked(run.stdout) == []
    llm_lint(tmp_path, "check", "--select", "LLM010", "--fix", "--unsafe-fixes", "--no-cache")
    cells = json.loads((tmp_path / "demo.ipynb").read_text())["cells"]
    assert "".join(cells[2]["source"]) == 'import os\n%env FOO=1\nclient = OpenAI(api_key=os.environ["OPENAI_API_KEY"])'
    assert "".join(cells[0]["source"]) == "import anthropic\nfrom openai import OpenAI"


def test_key_in_a_comment_is_reported_not_shown(tmp_path):
    write_project(tmp_path, {"app.py": f'''
        from anthropic import Anthropic
        # old: client = Anthropic(api_key="{ANTHROPIC_KEY}")
        client = Anthropic()
    '''})
    for fmt in ("text", "json", "sarif"):
        run = llm_lint(tmp_path, "check", "--select", "LLM010", "--format", fmt, "--no-cache")
        assert run.returncode == 1 and "Anthropic API key in a comment" in run.stdout
        assert leaked(run.stdout + run.stderr) == []
