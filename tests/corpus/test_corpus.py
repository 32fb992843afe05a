"""The labelled corpus: scoring logic on a small real project, label-file errors, and the recall/precision
floors on the pinned real applications (fetched from PyPI on first use)."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "corpus"))
import evaluate  # noqa: E402
import fetch  # noqa: E402

APP = '''\
from openai import OpenAI

client = OpenAI()


def ask(q):
    return client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": q}])


def embed(text):
    return client.embeddings.create(model="text-embedding-3-small", input=text)
'''
HEADER = "path,line,sdk,operation,model_expr,note\n"


@pytest.fixture
def tiny_project(tmp_path, monkeypatch):
    """A project laid out like an unpacked sdist under a temporary corpus cache."""
    monkeypatch.setattr(fetch, "CACHE_DIR", tmp_path / "cache")
    project = fetch.Project(name="tiny", version="1.0", sdist="tiny-1.0.tar.gz", sha256="0" * 64, paths=("tiny",))
    (project.root / "tiny").mkdir(parents=True)
    (project.root / "pyproject.toml").write_text("[project]\nname = 'tiny'\n")
    (project.root / "tiny" / "app.py").write_text(APP)
    labels = tmp_path / "labels"
    labels.mkdir()
    return project, labels


def test_sites_match_labels_by_path_and_line(tiny_project):
    project, labels = tiny_project
    # the chat call is labelled on its line; the embeddings call on a wrong line (a miss and a false positive)
    (labels / "tiny.csv").write_text(HEADER + "tiny/app.py,7,openai,chat,gpt-4o-mini,\n"
                                     "tiny/app.py,12,openai,embedding,text-embedding-3-small,\n")
    s = evaluate.score(project, labels)
    assert s.hits == 1
    assert [(m.path, m.line) for m in s.misses] == [("tiny/app.py", 12)]
    assert [(f.path, f.line) for f in s.false_positives] == [("tiny/app.py", 11)]
    assert evaluate.measures(s) == {"recall": 0.5, "precision": 0.5, "scope_recall": 0.5}


def test_sdks_outside_the_issue_list_count_apart(tiny_project):
    project, labels = tiny_project
    (labels / "tiny.csv").write_text(HEADER + "tiny/app.py,7,openai,chat,,\ntiny/app.py,11,openai,embedding,,\n"
                                     "tiny/app.py,4,zhipuai,chat,,made-up extra label\n")
    s = evaluate.score(project, labels)
    assert (s.hits, len(s.labels), s.scope_hits, s.scope_labels) == (2, 3, 2, 2)


def test_a_matched_site_naming_another_sdk_is_listed(tiny_project):
    project, labels = tiny_project
    (labels / "tiny.csv").write_text(HEADER + "tiny/app.py,7,anthropic,chat,,\ntiny/app.py,11,openai,embedding,,\n")
    s = evaluate.score(project, labels)
    assert s.hits == 2
    assert [(label.line, site.sdk) for label, site in s.sdk_mismatches] == [(7, "openai")]
    assert any("labelled anthropic, found openai" in line for line in evaluate._details([s]))


@pytest.mark.parametrize("row, expected", [
    ("tiny/app.py,seven,openai,chat,,\n", "tiny.csv:2: line 'seven' is not a number"),
    ("tiny/gone.py,7,openai,chat,,\n", "tiny.csv:2: tiny/gone.py is not a file of tiny==1.0"),
])
def test_bad_label_rows_name_file_and_row(tiny_project, row, expected):
    project, labels = tiny_project
    (labels / "tiny.csv").write_text(HEADER + row)
    with pytest.raises(evaluate.LabelError, match=expected.replace(".", r"\.")):
        evaluate.load_labels(project, labels)


def test_incomplete_pin_is_named(tmp_path):
    (tmp_path / "projects.toml").write_text('[[project]]\nname = "x"\nversion = "1"\n')
    with pytest.raises(fetch.FetchError, match=r"#1 lacks sdist, sha256, paths"):
        fetch.load_projects(tmp_path / "projects.toml")


def test_broken_projects_file_is_named(tmp_path):
    (tmp_path / "projects.toml").write_text('[[project]]\nname = "x\n')
    with pytest.raises(fetch.FetchError, match=r"projects\.toml: .*fix the file"):
        fetch.load_projects(tmp_path / "projects.toml")


def test_unknown_floor_key_is_named(tmp_path, tiny_project):
    project, labels = tiny_project
    (labels / "tiny.csv").write_text(HEADER + "tiny/app.py,7,openai,chat,,\n")
    (tmp_path / "floors.toml").write_text("recal = 0.5\n")
    with pytest.raises(evaluate.LabelError, match="unknown keys recal"):
        evaluate.below_floors([evaluate.score(project, labels)], tmp_path / "floors.toml")


def _fetched_corpus() -> list[fetch.Project]:
    projects = [p for p in fetch.load_projects() if p.labelled]
    try:
        return fetch.ensure(projects, log=lambda _msg: None)
    except fetch.NetworkError as exc:   # a wrong pin or hash still fails the test
        pytest.skip(f"corpus not fetched and PyPI unreachable: {exc}")


@pytest.mark.slow
def test_corpus_recall_and_precision_stay_above_floors():
    projects = _fetched_corpus()
    assert len(projects) >= 5
    scores = [evaluate.score(p) for p in projects]
    assert all(s.labels for s in scores), "every labelled project has labels"
    assert evaluate.below_floors(scores) == [], "\n".join(evaluate._details(scores))


@pytest.mark.slow
def test_evaluate_cli_prints_the_table_and_checks_floors():
    _fetched_corpus()
    proc = subprocess.run([sys.executable, str(REPO / "corpus" / "evaluate.py"), "--no-write", "--check-floors"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "| **total** |" in proc.stdout and "floors: ok" in proc.stdout
