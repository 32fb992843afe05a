"""`check --baseline` / `--write-baseline` through the real CLI on a project on disk."""
from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
import textwrap

import pytest

from llmsight import api
from llmsight.simulator import baseline

APP = textwrap.dedent('''\
    from openai import OpenAI

    client = OpenAI()


    def answer(question):
        return client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": question}])
    ''')
NEW_SITE = textwrap.dedent('''\


    def translate(text):
        return client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": text}])
    ''')


@pytest.fixture
def project(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "p"\n')
    (tmp_path / "app.py").write_text(APP)
    return tmp_path


def check(project, *args):
    return subprocess.run([sys.executable, "-m", "llmsight", "check", "--no-cache", "--format", "json", *args, "."],
                          cwd=project, capture_output=True, text=True, timeout=120)


def test_only_new_findings_fail_the_gate(project):
    before = json.loads(check(project).stdout)["diagnostics"]
    assert before, "the fixture must produce findings"
    written = check(project, "--write-baseline", "llmsight-baseline.json")
    assert written.returncode == 0 and f"wrote {len(before)} findings" in written.stderr
    stored = json.loads((project / "llmsight-baseline.json").read_text())
    assert {f["code"] for f in stored["findings"]} == {d["code"] for d in before}

    clean = check(project, "--baseline", "llmsight-baseline.json")
    assert clean.returncode == 0 and json.loads(clean.stdout)["diagnostics"] == []
    assert f"{len(before)} findings in the baseline" in clean.stderr

    # everything moves down three lines: still nothing new
    (project / "app.py").write_text('"""Support bot."""\nimport os\n\n' + APP)
    moved = check(project, "--baseline", "llmsight-baseline.json")
    assert moved.returncode == 0 and json.loads(moved.stdout)["diagnostics"] == []

    (project / "app.py").write_text('"""Support bot."""\nimport os\n\n' + APP + NEW_SITE)
    new = check(project, "--baseline", "llmsight-baseline.json")
    fresh = json.loads(new.stdout)["diagnostics"]
    assert new.returncode == 1 and fresh
    assert {d["site_id"] for d in fresh} == {"app.py::translate#1"}


def test_line_anchor_is_robust_to_moves_and_counts_repeats(project):
    result = api.check([project], use_cache=False)
    without_sites = dataclasses.replace(
        result, diagnostics=[dataclasses.replace(d, site_id=None) for d in result.diagnostics])
    path = project / "base.json"
    assert baseline.write(without_sites, path) == len(result.diagnostics)
    (project / "app.py").write_text("\n\n" + APP)
    moved = api.check([project], use_cache=False)
    moved = dataclasses.replace(moved, diagnostics=[dataclasses.replace(d, site_id=None) for d in moved.diagnostics])
    assert baseline.apply(moved, path)[0].diagnostics == []
    doubled = dataclasses.replace(moved, diagnostics=moved.diagnostics + moved.diagnostics[:1])
    remaining, known = baseline.apply(doubled, path)
    assert known == len(moved.diagnostics) and remaining.diagnostics == moved.diagnostics[:1]


def test_missing_or_broken_baseline_is_a_usage_error(project):
    missing = check(project, "--baseline", "nope.json")
    assert missing.returncode == 2 and "--write-baseline nope.json" in missing.stderr
    (project / "bad.json").write_text('{"findings": 3}')
    broken = check(project, "--baseline", "bad.json")
    assert broken.returncode == 2 and "not an llmsight baseline" in broken.stderr and "Traceback" not in broken.stderr
