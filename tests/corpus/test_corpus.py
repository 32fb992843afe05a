"""The labelled corpus: scoring logic on a small real project (discovery, and the model each site sends),
label-file errors, and the recall/precision floors on the pinned real applications (fetched from PyPI on
first use)."""
from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
import subprocess
import sys
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
    return client.embeddings.create(model="text-embedding-3-small", input="passage: " + text)
'''
HEADER = "path,line,sdk,operation,model_expr,note\n"
MODEL_HEADER = "path,line,sdk,operation,model_expr,models,model_reach,note\n"
# the same two sites, and two whose model no scan of the code can know
APP_WITH_PARAMETERS = "import os\n" + APP + '''

def ask_deployed(q):
    return client.chat.completions.create(model=os.environ["CHAT_MODEL"], messages=[{"role": "user", "content": q}])


def ask_any(q, model):
    return client.chat.completions.create(model=model, messages=[{"role": "user", "content": q}])
'''


@pytest.fixture
def tiny_project(tiny_corpus_project):
    """A project laid out like an unpacked sdist under a temporary corpus cache."""
    return tiny_corpus_project(APP)


def test_sites_match_labels_by_path_and_line(tiny_project):
    project, labels = tiny_project
    # the chat call is labelled on its line; the embeddings call on a wrong line (a miss and a false positive)
    (labels / "tiny.csv").write_text(HEADER + "tiny/app.py,7,openai,chat,gpt-4o-mini,\n"
                                     "tiny/app.py,12,openai,embedding,text-embedding-3-small,\n")
    s = evaluate.score(project, labels)
    assert s.hits == 1
    assert [(m.path, m.line) for m in s.misses] == [("tiny/app.py", 12)]
    assert [(f.path, f.line) for f in s.false_positives] == [("tiny/app.py", 11)]
    assert evaluate.measures(s) == {"recall": 0.5, "precision": 0.5, "scope_recall": 0.5, "priced": 1.0,
                                    "right_model_set": 1.0}


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


def test_model_labels_give_priced_and_model_set_shares(tiny_project):
    project, labels = tiny_project
    (project.root / "tiny" / "app.py").write_text(APP_WITH_PARAMETERS)
    (labels / "tiny.csv").write_text(
        MODEL_HEADER
        + "tiny/app.py,8,openai,chat,gpt-4o-mini,gpt-4o-mini,literal,\n"
        # the code sends -small; a label whose default is -large is not matched by the site's set
        + "tiny/app.py,12,openai,embedding,,text-embedding-3-large|text-embedding-3-small,literal,\n"
        + "tiny/app.py,16,openai,chat,,gpt-4o,project-config-file,set in a deployment file outside the scan\n"
        + "tiny/app.py,20,openai,chat,model,,user-must-configure,no caller\n")
    s = evaluate.score(project, labels)
    assert [lab.models for lab in s.labels][:2] == [("gpt-4o-mini",), ("text-embedding-3-large", "text-embedding-3-small")]
    assert len(s.knowable_matches) == 3          # the user-must-configure site is outside the shares
    assert (s.priced, s.right_model_sets) == (2, 1)
    assert s.mean_found_set_size == 1.0 and s.mean_labelled_set_size == 4 / 3
    m = evaluate.measures(s)
    assert (m["priced"], m["right_model_set"]) == (2 / 3, 1 / 3)
    table = "\n".join(evaluate._table([s]))
    assert "| 3/4 | 66.7% (2/3) | 0 | 33.3% (1/3) | 1.00 (labels 1.33) |" in table
    reach = "\n".join(evaluate._reach_table([s]))
    assert "| literal | 2 | 2 | 2 | 2 | 1 |" in reach and "| project-config-file | 1 | 1 | 0 | 0 | 0 |" in reach
    assert "| user-must-configure | 1 | 1 | 0 | 0 | — |" in reach
    assert "(literal): labelled text-embedding-3-large|text-embedding-3-small, found text-embedding-3-small" in \
        "\n".join(evaluate._model_details([s]))


def test_labels_without_model_columns_have_no_model_figures(tiny_project):
    project, labels = tiny_project
    (labels / "tiny.csv").write_text(HEADER + "tiny/app.py,7,openai,chat,,\n")
    s = evaluate.score(project, labels)
    assert s.labels[0].model_reach is None and not s.model_labelled
    assert evaluate._table([s])[2].endswith("| — | — | — | — |")


@pytest.mark.parametrize("labelled, found, right", [
    (("gpt-4o-mini",), ("gpt-4o-mini",), True),
    (("openai/gpt-4o",), ("gpt-4o",), True),                  # litellm's provider prefix: one catalog row
    (("gpt-4o", "gpt-4o-mini"), ("gpt-4o-mini", "gpt-4o"), True),
    (("gpt-4o", "gpt-4o-mini"), ("gpt-4o-mini",), False),     # the default is missing
    (("gpt-4o",), ("gpt-4o", "o1"), False),                   # o1 cannot reach this site
    (("gpt-4o",), (), False),
])
def test_right_model_set_needs_the_default_and_nothing_else(labelled, found, right):
    label = evaluate.Label("a.py", 1, "openai", "chat", "", "", labelled, "literal")
    assert evaluate.right_model_set(label, evaluate.Found("a.py", 1, "openai", "create", found)) is right


def test_model_set_and_price_read_from_the_json_contract():
    site = {"model": {"value": "gpt-4o", "candidates": [{"value": "gpt-4o", "origin": "a.py:3"},
                                                         {"value": "gpt-4o-mini", "origin": "a.py:9"}]}}
    assert evaluate.site_models(site) == ("gpt-4o", "gpt-4o-mini")
    assert evaluate.site_models({"model": {"value": None}}) == ()
    priced = {"model": "gpt-4o", "cost_per_call": {"value": 0.01}}
    assert evaluate.is_priced(site, priced)
    assert evaluate.is_priced(site, {"model": None, "cost_per_call": {"value": None,
                                                                     "range": {"low": 0.001, "high": 0.01}}})
    # a cost for a model outside the site's set (say, a configured fallback) does not count
    assert not evaluate.is_priced(site, {"model": "claude-3-5-haiku-latest", "cost_per_call": {"value": 0.01}})
    assert not evaluate.is_priced({"model": {"value": None}}, {"model": None, "cost_per_call": {"value": 0.01}})
    assert not evaluate.is_priced(site, {"model": "gpt-4o", "cost_per_call": {"value": None}})


@pytest.mark.parametrize("cells, expected", [
    ("gpt-4o,guessed", "model_reach 'guessed' is not one of literal"),
    (",literal", "model_reach literal with models '': name the default model first"),
    ("gpt-4o,user-must-configure", "model_reach user-must-configure with models 'gpt-4o'"),
    ("gpt-4o||o1,literal", "models 'gpt-4o||o1' has an empty name"),
])
def test_bad_model_cells_name_file_and_row(tiny_project, cells, expected):
    project, labels = tiny_project
    (labels / "tiny.csv").write_text(MODEL_HEADER + f"tiny/app.py,7,openai,chat,,{cells},\n")
    with pytest.raises(evaluate.LabelError, match="tiny.csv:2: " + expected.replace("|", r"\|")):
        evaluate.load_labels(project, labels)


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


# --- notebooks pinned by repository, commit, path and sha256 -----------------------------------------

NOTEBOOK = {"cells": [
    {"cell_type": "markdown", "metadata": {}, "source": ["# Ask\n"]},
    {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
     "source": ["!pip install openai\n", "from openai import OpenAI\n", "client = OpenAI()\n"]},
    {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
     "source": ["reply = client.chat.completions.create(\n", "    model=\"gpt-4o-mini\", messages=[])\n"]},
], "metadata": {"kernelspec": {"language": "python", "name": "python3"}}, "nbformat": 4, "nbformat_minor": 5}
NOTEBOOK_BYTES = json.dumps(NOTEBOOK, indent=1).encode()
NOTEBOOK_HEADER = "path,cell,line,sdk,operation,model_expr,models,model_reach,note\n"


def _git(*args: str, cwd: Path) -> str:
    return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args], cwd=cwd,
                          check=True, capture_output=True, text=True).stdout.strip()


@pytest.fixture
def notebook_mirror(tmp_path, monkeypatch):
    """A git mirror of `acme/cookbook` holding one notebook, a notebook set pinning it, and a labels dir."""
    monkeypatch.setattr(fetch, "CACHE_DIR", tmp_path / "cache")
    repo = tmp_path / "mirror" / "acme" / "cookbook"
    (repo / "ask").mkdir(parents=True)
    (repo / "ask" / "ask.ipynb").write_bytes(NOTEBOOK_BYTES)
    _git("init", "-q", cwd=repo)
    _git("add", ".", cwd=repo)
    _git("commit", "-q", "-m", "notebook", cwd=repo)
    pin = fetch.NotebookPin("acme/cookbook", _git("rev-parse", "HEAD", cwd=repo), "ask/ask.ipynb",
                            hashlib.sha256(NOTEBOOK_BYTES).hexdigest())
    labels = tmp_path / "labels"
    (labels / "notebooks").mkdir(parents=True)
    return fetch.NotebookSet("acme/cookbook", (pin,)), tmp_path / "mirror", labels


def test_notebooks_are_copied_from_a_mirror_and_scored_by_cell_and_line(notebook_mirror):
    nb_set, mirror, labels = notebook_mirror
    (labels / "notebooks" / "acme+cookbook.csv").write_text(
        NOTEBOOK_HEADER + "ask/ask.ipynb,2,1,openai,chat,,gpt-4o-mini,literal,\n"
        "ask/ask.ipynb,1,1,openai,chat,,,unknowable,a label on the wrong cell\n")
    assert nb_set.available() == []
    fetch.ensure_notebooks([nb_set], mirror, log=lambda _msg: None)
    assert nb_set.pins[0].cached.read_bytes() == NOTEBOOK_BYTES and (nb_set.root / fetch.ROOT_MARKER).is_dir()
    s = evaluate.score(nb_set, labels)
    assert [(f.path, f.cell, f.line) for f in s.found] == [("ask/ask.ipynb", 2, 1)]
    assert s.hits == 1 and [m.where for m in s.misses] == ["ask/ask.ipynb:cell 1:1"]
    assert s.right_model_sets == 1 and not s.unavailable


def test_a_notebook_without_a_mirror_is_not_available(notebook_mirror, tmp_path):
    nb_set, _mirror, labels = notebook_mirror
    (labels / "notebooks" / "acme+cookbook.csv").write_text(NOTEBOOK_HEADER + "ask/ask.ipynb,2,1,openai,chat,,,"
                                                            "unknowable,\n")
    fetch.ensure_notebooks([nb_set], tmp_path / "no-mirror", log=lambda _msg: None)
    s = evaluate.score(nb_set, labels)
    assert evaluate.is_unavailable(s) and s.unavailable == ["ask/ask.ipynb"]
    table = "\n".join(evaluate._table([s], "notebooks of"))
    assert "| acme/cookbook | not available (1 notebooks not in the cache" in table
    assert "| **total** | 0 | 0 | 0 |" in table


def test_notebook_bytes_that_differ_from_the_pin_are_an_error(notebook_mirror):
    nb_set, mirror, _labels = notebook_mirror
    wrong = fetch.NotebookSet(nb_set.repo, (dataclasses.replace(nb_set.pins[0], sha256="0" * 64),))
    with pytest.raises(fetch.FetchError, match=r"ask/ask\.ipynb at .*: sha256 .* does not match the pin 0{64}"):
        fetch.ensure_notebooks([wrong], mirror, log=lambda _msg: None)
    assert not wrong.pins[0].cached.exists()


@pytest.mark.parametrize("entry, expected", [
    ('repo = "acme/cookbook"\ncommit = "abc"\npath = "a.ipynb"\nsha256 = "' + "0" * 64 + '"',
     "commit 'abc' is not"),
    ('repo = "acme/cookbook"\ncommit = "' + "a" * 40 + '"\npath = "../a.ipynb"\nsha256 = "' + "0" * 64 + '"',
     "path '../a.ipynb' must be a relative .ipynb path"),
    ('repo = "acme"\ncommit = "' + "a" * 40 + '"\npath = "a.ipynb"\nsha256 = "' + "0" * 64 + '"',
     "repo 'acme' is not owner/name"),
    ('repo = "acme/cookbook"\npath = "a.ipynb"', "lacks commit, sha256"),
])
def test_bad_notebook_pins_are_named(tmp_path, entry, expected):
    (tmp_path / "notebooks.toml").write_text(f"[[notebook]]\n{entry}\n")
    with pytest.raises(fetch.FetchError, match=r"notebooks\.toml: \[\[notebook\]\] #1.*" + re.escape(expected)):
        fetch.load_notebooks(tmp_path / "notebooks.toml")


@pytest.mark.parametrize("text, expected", [
    (HEADER + "ask/ask.ipynb,2,openai,chat,,\n", "header must be path,cell,line,"),
    (NOTEBOOK_HEADER + "ask/ask.ipynb,two,1,openai,chat,,,unknowable,\n", "acme+cookbook.csv:2: cell 'two' is not"),
    (NOTEBOOK_HEADER + "ask/other.ipynb,2,1,openai,chat,,,unknowable,\n",
     "ask/other.ipynb is not a notebook of acme/cookbook pinned"),
])
def test_bad_notebook_labels_name_file_and_row(notebook_mirror, text, expected):
    nb_set, _mirror, labels = notebook_mirror
    (labels / "notebooks" / "acme+cookbook.csv").write_text(text)
    with pytest.raises(evaluate.LabelError, match=re.escape(expected)):
        evaluate.load_labels(nb_set, labels)


def test_project_labels_with_a_cell_column_are_refused(tiny_project):
    project, labels = tiny_project
    (labels / "tiny.csv").write_text(NOTEBOOK_HEADER + "tiny/app.py,0,7,openai,chat,,,unknowable,\n")
    with pytest.raises(evaluate.LabelError, match="header must be path,line,sdk"):
        evaluate.load_labels(project, labels)


def test_the_pinned_notebooks_labels_read_without_the_notebooks():
    """CI has no mirror: the committed notebook labels must still name pinned notebooks and parse."""
    sets = fetch.load_notebooks()
    assert sum(len(n.pins) for n in sets) >= 15
    for nb_set in sets:
        labels = evaluate.load_labels(nb_set)
        assert labels and all(lab.cell is not None for lab in labels)
        assert {lab.path for lab in labels} == {pin.path for pin in nb_set.pins}, "every pinned notebook is labelled"
