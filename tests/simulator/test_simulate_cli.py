"""`llm-lint simulate` as a user runs it: real subprocesses over a DuckDB store made by `llm-lint ingest`."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from llmsight.simulator.store import open_store

REPO = Path(__file__).resolve().parents[2]
TRAFFIC = REPO / "examples" / "traffic" / "app_traffic.jsonl"
ENV = {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True", "NO_COLOR": "1"}


def llm_lint(*args, cwd) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "llmsight", *map(str, args)], capture_output=True, text=True,
                          env=ENV, cwd=cwd, timeout=300)


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = tmp_path_factory.mktemp("sim") / "app"
    shutil.copytree(REPO / "examples" / "app", root)
    store = root / "traffic.duckdb"
    assert llm_lint("ingest", TRAFFIC, "--db", store, cwd=root).returncode == 0
    return root, store


@pytest.fixture(scope="module")
def as_json(project):
    root, store = project
    done = llm_lint("simulate", ".", "--traffic", store, "--format", "json", "--seed", "7",
                    "--scenario", "model=gpt-4o-mini,feature=chat", "--scenario", "timeout=5,retries=2",
                    "--scenario", "response_cache_hit_rate=0.5", cwd=root)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_json_has_baseline_then_each_scenario_with_groups(as_json):
    names = [s["name"] for s in as_json["scenarios"]]
    assert names == ["baseline", "model=gpt-4o-mini,feature=chat", "timeout=5,retries=2",
                     "response_cache_hit_rate=0.5"]
    assert as_json["calls"] == 6000 and as_json["seed"] == 7 and as_json["unmatched_rows"] == 0
    base = {(g["kind"], g["key"]): g for g in as_json["scenarios"][0]["groups"]}
    chat = base[("site", "app/chat.py::SupportChat.answer#1")]
    assert chat["calls"] == 2656
    for metric in ("cost_per_month", "latency_p95_s", "error_rate", "quality"):
        assert chat[metric]["low"] <= chat[metric]["value"] <= chat[metric]["high"]
    assert {k for k, _ in base} == {"site", "feature", "tenant", "all"}


def test_scenarios_move_the_figures_they_should(as_json):
    total = [{(g["kind"], g["key"]): g for g in s["groups"]}[("all", "*")] for s in as_json["scenarios"]]
    base, mini, retries, cached = total
    assert mini["cost_per_month"]["value"] < base["cost_per_month"]["value"]
    assert retries["error_rate"]["value"] > base["error_rate"]["value"]   # a 5 s timeout cuts long answers
    assert cached["cost_per_month"]["value"] == pytest.approx(base["cost_per_month"]["value"] * 0.5, rel=0.06)
    # the cheaper scenarios sit on the Pareto front; the front is what the flags say
    assert as_json["pareto"] == [i for i, s in enumerate(as_json["scenarios"]) if s["pareto"]]
    assert 1 in as_json["pareto"] and 3 in as_json["pareto"]


def test_text_and_markdown_show_the_baseline_row(project):
    root, store = project
    text = llm_lint("simulate", "--traffic", store, "--scenario", "max_tokens=200", "--by", "feature", cwd=root)
    assert text.returncode == 0, text.stderr
    lines = text.stdout.splitlines()
    assert lines[0].startswith("6,000 calls over 7.0 days")
    assert any(line.startswith("baseline") for line in lines)
    assert "feature chat" in text.stdout and "max_tokens=200" in text.stdout
    md = llm_lint("simulate", "--traffic", store, "--scenario", "batch=true", "--format", "markdown", cwd=root)
    assert md.returncode == 0 and "| scenario | cost/month |" in md.stdout and "| batch=true" in md.stdout


def test_same_seed_same_output_other_seed_other_intervals(project):
    root, store = project
    args = ("simulate", "--traffic", store, "--scenario", "model=claude-haiku-4-5", "--format", "json")
    a, b = llm_lint(*args, cwd=root), llm_lint(*args, cwd=root)
    c = llm_lint(*args, "--seed", "1", cwd=root)
    assert a.stdout == b.stdout and a.stdout != c.stdout


def test_cold_runs_print_the_same_bytes_whatever_order_the_rows_are_summed_in(project, tmp_path):
    """Two cold runs (no summary cache) on one store print the same bytes, and so does a copy of the
    store holding its rows in reverse: DuckDB's threads sum rows in no fixed order, so no figure may
    depend on it (sums are fixed point)."""
    root, store = project
    backwards = tmp_path / "backwards.duckdb"
    shutil.copy(store, backwards)
    with duckdb.connect(str(backwards)) as con:
        con.execute("CREATE TEMP TABLE reversed AS SELECT * FROM calls ORDER BY row_id DESC")
        con.execute("DELETE FROM calls")
        con.execute("INSERT INTO calls SELECT * FROM reversed")
    args = ("simulate", "--no-cache", "--format", "json", "--scenario", "model=gpt-4o-mini",
            "--scenario", "model=claude-haiku-4-5")
    first, second = (llm_lint(*args, "--traffic", store, cwd=root) for _ in range(2))
    assert first.returncode == 0, first.stderr
    assert second.stdout == first.stdout
    assert llm_lint(*args, "--traffic", backwards, cwd=root).stdout == first.stdout.replace(str(store), str(backwards))


@pytest.mark.parametrize("scenario, message", [
    ("modle=gpt-4o-mini", "unknown scenario key `modle`"),
    ("timeout=fast", "scenario key `timeout` needs a number"),
    ("model=gpt-4o-mnii", "scenario key `model`"),
    ("feature=nope", "scenario key `feature`: no traffic has feature 'nope'"),
    ("site=app/none.py:1", "scenario key `site`"),
])
def test_bad_scenario_is_a_usage_error_naming_the_key(project, scenario, message):
    root, store = project
    done = llm_lint("simulate", "--traffic", store, "--scenario", scenario, cwd=root)
    assert done.returncode == 2 and message in done.stderr and "Traceback" not in done.stderr


def test_missing_traffic_is_a_usage_error(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n", encoding="utf-8")
    done = llm_lint("simulate", "--scenario", "timeout=5", cwd=tmp_path)
    assert done.returncode == 2 and "no traffic" in done.stderr
    gone = llm_lint("simulate", "--traffic", tmp_path / "gone.duckdb", "--scenario", "timeout=5", cwd=tmp_path)
    assert gone.returncode == 2 and "gone.duckdb" in gone.stderr and "Traceback" not in gone.stderr
    empty = tmp_path / "empty.duckdb"
    open_store(empty).close()
    done = llm_lint("simulate", "--traffic", empty, "--scenario", "timeout=5", cwd=tmp_path)
    assert done.returncode == 2 and "empty.duckdb: no calls" in done.stderr and "Traceback" not in done.stderr


def test_traffic_file_without_store(project):
    root, _ = project
    done = llm_lint("simulate", "--traffic", TRAFFIC, "--scenario", "stream=true", "--format", "json", cwd=root)
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    streamed = {(g["kind"], g["key"]): g for g in doc["scenarios"][1]["groups"]}[("all", "*")]
    base = {(g["kind"], g["key"]): g for g in doc["scenarios"][0]["groups"]}[("all", "*")]
    assert streamed["latency_p95_s"]["value"] < base["latency_p95_s"]["value"]


def simulate_json(project, *args) -> dict:
    """`simulate --scenario timeout=5 ARGS --format json` over the example store, parsed."""
    root, store = project
    done = llm_lint("simulate", "--traffic", store, "--scenario", "timeout=5", *args, "--format", "json", cwd=root)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_sample_flag(project):
    root, store = project
    doc = simulate_json(project, "--sample", "2000")
    total = {(g["kind"], g["key"]): g for g in doc["scenarios"][0]["groups"]}[("all", "*")]
    assert 1500 < total["calls"] < 2500 and 5000 < doc["calls"] < 7000
    assert any("sample" in note for note in doc["notes"])
    bad = llm_lint("simulate", "--traffic", store, "--scenario", "timeout=5", "--sample", "0", cwd=root)
    assert bad.returncode == 2 and "--sample" in bad.stderr


def test_tenants_past_the_limit_are_reported_together(project):
    root, store = project
    doc = simulate_json(project, "--tenants", "2")
    tenants = {g["key"]: g["calls"] for g in doc["scenarios"][0]["groups"] if g["kind"] == "tenant"}
    assert tenants == {"acme": 2011, "initech": 2008, "(other tenants)": 1981}     # globex has the fewest calls
    assert any("3 tenants" in note for note in doc["notes"])
    bad = llm_lint("simulate", "--traffic", store, "--scenario", "timeout=5", "--tenants", "-1", cwd=root)
    assert bad.returncode == 2 and "--tenants" in bad.stderr


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_top_prints_the_costliest_groups_and_counts_the_rest(project, fmt):
    root, store = project
    done = llm_lint("simulate", "--traffic", store, "--scenario", "timeout=5", "--by", "tenant", "--top", "1",
                    "--format", fmt, cwd=root)
    assert done.returncode == 0, done.stderr
    assert sum("tenant " in line and "groups" not in line for line in done.stdout.splitlines()) == 1
    assert "2 more tenant groups" in done.stdout and "--top 0" in done.stdout
    every = llm_lint("simulate", "--traffic", store, "--scenario", "timeout=5", "--by", "tenant", "--top", "0",
                     "--format", fmt, cwd=root)
    assert all(f"tenant {name}" in every.stdout for name in ("acme", "globex", "initech"))
    assert "more tenant groups" not in every.stdout
    bad = llm_lint("simulate", "--traffic", store, "--scenario", "timeout=5", "--top", "-1", cwd=root)
    assert bad.returncode == 2 and "--top" in bad.stderr
