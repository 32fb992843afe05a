"""`llm-lint diff --base REF` on real git repositories made in temp dirs."""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from llmsight import api
from llmsight.simulator.diff import DiffError

PYPROJECT = textwrap.dedent('''\
    [project]
    name = "demo"

    [tool.llmsight]
    volumes = {{ chat = 100000 }}
    budgets = {{ total = {budget} }}
    slos = {{ chat = {slo} }}

    [tool.llmsight.features]
    "app/*.py" = "chat"
    ''')
CHAT = textwrap.dedent('''\
    from openai import OpenAI

    client = OpenAI(timeout=30)


    def answer(question):
        return client.chat.completions.create(model="{answer_model}", max_tokens=300, messages=[])


    def {second}(question):
        return client.chat.completions.create(model="gpt-4o-mini", max_tokens=100, messages=[])
    ''')


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True).stdout


def write(repo: Path, budget=1000.0, slo=60.0, answer_model="gpt-4o-mini", second="legacy") -> None:
    (repo / "app").mkdir(exist_ok=True)
    (repo / "pyproject.toml").write_text(PYPROJECT.format(budget=budget, slo=slo))
    (repo / "app" / "chat.py").write_text(CHAT.format(answer_model=answer_model, second=second))


@pytest.fixture
def repo(tmp_path):
    git(tmp_path, "init", "-q")
    git(tmp_path, "config", "user.email", "dev@example.com")
    git(tmp_path, "config", "user.name", "dev")
    write(tmp_path)
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-qm", "base")
    return tmp_path


def cli(repo: Path, *args: str):
    return subprocess.run([sys.executable, "-m", "llmsight", "diff", *args], cwd=repo, capture_output=True,
                          text=True, timeout=180)


def test_model_switch_added_and_removed_sites(repo):
    write(repo, answer_model="gpt-4o", second="translate")
    result = api.diff("HEAD", [repo])
    by_change = {d.change: d for d in result.sites}
    assert set(by_change) == {"changed", "added", "removed"}
    switched = by_change["changed"]
    assert switched.site_id == "app/chat.py::answer#1" and switched.model_switch == ("gpt-4o-mini", "gpt-4o")
    assert switched.head.cost_per_month > switched.base.cost_per_month > 0
    assert by_change["added"].head.function == "translate" and by_change["removed"].base.function == "legacy"
    head_total = result.totals["head_cost_per_month"]
    assert head_total == pytest.approx(sum(d.head.cost_per_month for d in result.sites if d.head))
    assert result.base_commit == git(repo, "rev-parse", "HEAD").strip()
    # the temporary worktree is gone
    assert git(repo, "worktree", "list").count("\n") == 1


def test_budget_verdicts_pass_warn_fail(repo):
    head = api.diff("HEAD", [repo])
    total = head.totals["head_cost_per_month"]
    assert total and head.totals["base_cost_per_month"] == pytest.approx(total)
    statuses = {}
    for name, budget in (("fail", total * 0.5), ("warn", total * 1.05), ("pass", total * 3)):
        config = api.parse_config({"budgets": {"total": budget}, "volumes": {"chat": 100000}}, "test")
        statuses[name] = api.diff("HEAD", [repo], config=config).verdicts[0]
    assert statuses["fail"].status == "FAIL"
    assert statuses["warn"].status == "WARN" and "within 10%" in statuses["warn"].note
    assert statuses["pass"].status == "WARN" and statuses["pass"].note == "estimate from priors only (no traffic)"


def test_unknown_volume_is_a_warning_not_a_pass(repo):
    (repo / "pyproject.toml").write_text('[project]\nname = "demo"\n')
    git(repo, "commit", "-qam", "no volumes")
    config = api.parse_config({"budgets": {"chat": 10.0}, "features": {"app/*.py": "chat"}}, "test")
    (verdict,) = api.diff("HEAD", [repo], config=config).verdicts
    assert verdict.status == "WARN" and verdict.head is None and "no call volume: set `volumes`" in verdict.note


def test_a_model_missing_from_the_price_data_is_named_not_blamed_on_volumes(repo):
    """Issue 14: volumes are set; the real cause is a model the price data does not hold."""
    write(repo, answer_model="acme-llm-7")
    (verdict,) = [v for v in api.diff("HEAD", [repo]).verdicts if v.kind == "budget"]
    assert verdict.status == "WARN" and "volumes" not in verdict.note
    assert "app/chat.py::answer#1: model 'acme-llm-7'" in verdict.note and "price data" in verdict.note


def test_limit_naming_no_site_is_a_warning(repo):
    config = api.parse_config({"budgets": {"chta": 10.0}, "slos": {"app/chat.py::nope#1": 2.0}}, "test")
    verdicts = api.diff("HEAD", [repo], config=config).verdicts
    assert [(v.status, v.scope) for v in verdicts] == [("WARN", "chta"), ("WARN", "app/chat.py::nope#1")]
    assert all("no call site has feature or id" in v.note for v in verdicts)


def test_cli_fail_exits_1_with_markdown_comment(repo):
    write(repo, budget=1.0, answer_model="gpt-4o")
    done = cli(repo, "--base", "HEAD", "--format", "markdown")
    assert done.returncode == 1, done.stderr
    assert "**FAIL**" in done.stdout and "| budget `total` | $1.00/mo |" in done.stdout
    assert "| `app/chat.py::answer#1` | model switch | gpt-4o-mini → gpt-4o |" in done.stdout


def test_cli_warn_and_pass_exit_0(repo):
    done = cli(repo, "--base", "HEAD")                  # nothing changed: priors only → WARN, exit 0
    assert done.returncode == 0 and ": WARN" in done.stdout.splitlines()[0] and "no call site changed" in done.stdout
    (repo / "pyproject.toml").write_text('[project]\nname = "demo"\n')
    plain = cli(repo, "--base", "HEAD", "--format", "json")
    assert plain.returncode == 0
    data = json.loads(plain.stdout)
    assert data["status"] == "PASS" and data["verdicts"] == [] and len(data["sites"]) == 2


def test_ordinal_shift_pairs_by_function_and_model(repo):
    chat = repo / "app" / "chat.py"
    chat.write_text(chat.read_text().replace(
        "def answer(question):\n",
        "def answer(question):\n    client.chat.completions.create(model=\"gpt-4o\", max_tokens=5, messages=[])\n"))
    result = api.diff("HEAD", [repo])
    answer = [d for d in result.sites if (d.head or d.base).function == "answer"]
    assert sorted(d.change for d in answer) == ["added", "unchanged"]
    kept = next(d for d in answer if d.change == "unchanged")
    assert kept.model_switch is None


def test_bad_ref_and_not_a_repo_exit_2(repo, tmp_path_factory):
    done = cli(repo, "--base", "no-such-branch")
    assert done.returncode == 2 and "unknown git ref 'no-such-branch'" in done.stderr
    plain = tmp_path_factory.mktemp("plain")
    (plain / "a.py").write_text("x = 1\n")
    outside = cli(plain, "--base", "HEAD")
    assert outside.returncode == 2 and "git" in outside.stderr and "Traceback" not in outside.stderr
    with pytest.raises(DiffError):
        api.diff("no-such-branch", [repo])


def test_subdirectory_project_in_a_larger_repo(tmp_path):
    git(tmp_path, "init", "-q")
    git(tmp_path, "config", "user.email", "dev@example.com")
    git(tmp_path, "config", "user.name", "dev")
    project = tmp_path / "services" / "bot"
    project.mkdir(parents=True)
    write(project)
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-qm", "base")
    write(project, answer_model="gpt-4o")
    result = api.diff("HEAD", [project])
    assert [d.model_switch for d in result.sites if d.model_switch] == [("gpt-4o-mini", "gpt-4o")]


def test_traffic_based_estimates_give_pass_instead_of_prior_warnings(repo, tmp_path_factory):
    import random

    from llmsight.simulator import store
    from llmsight.simulator.ingest import ingest

    rng = random.Random(7)
    traffic = tmp_path_factory.mktemp("traffic") / "calls.jsonl"
    traffic.write_text("".join(json.dumps({
        "ts": 1796032800 + 60 * i, "model": "gpt-4o-mini", "input_tokens": rng.randint(200, 800),
        "output_tokens": rng.randint(50, 300), "latency_ms": rng.uniform(500, 4000), "status": "ok",
        "code_file": "app/chat.py", "code_line": 7, "code_function": "answer", "feature": "chat"}) + "\n"
        for i in range(400)))
    db = repo / ".llmsight" / "traffic.duckdb"
    con = store.open_store(db)
    assert ingest([traffic], con).loaded == 400
    con.close()
    config = api.parse_config({"slos": {"chat": 30.0}, "features": {"app/*.py": "chat"}}, "test")
    (slo,) = api.diff("HEAD", [repo], traffic=db, config=config).verdicts
    assert slo.status == "PASS" and 0.5 < slo.head < 4.0, slo
    write(repo, answer_model="gpt-4o")
    switched = api.diff("HEAD", [repo], traffic=db, config=config)
    answer = next(d for d in switched.sites if d.site_id == "app/chat.py::answer#1")
    assert answer.model_switch == ("gpt-4o-mini", "gpt-4o") and answer.base.source == "traffic"
    assert answer.head.cost_per_call > answer.base.cost_per_call
    # gpt-4o has no rows: its p95 is its prior's, said so, and over an SLO it warns instead of failing
    assert answer.base.p95_source == "traffic" and answer.head.p95_source == "prior"
    assert answer.head.p95_prior.startswith("gpt-4o: prior")
    tight = api.parse_config({"slos": {"chat": 0.01}, "features": {"app/*.py": "chat"}}, "test")
    (slo,) = api.diff("HEAD", [repo], traffic=db, config=tight).verdicts
    assert slo.status == "WARN" and "an estimate from priors: gpt-4o: prior" in slo.note, slo


def test_path_new_in_this_change_compares_with_nothing(repo):
    (repo / "app" / "fresh.py").write_text(
        "from openai import OpenAI\n\n\ndef go():\n    return OpenAI().chat.completions.create(model='gpt-4o', messages=[])\n")
    result = api.diff("HEAD", [repo / "app" / "fresh.py"])
    assert [(d.change, d.site_id) for d in result.sites] == [("added", "app/fresh.py::go#1")]
