"""`check --traffic`: traffic-based estimates per call site and rules LLM012-016, on a copy of
examples/app with its committed example traffic, through the API and the CLI."""
from __future__ import annotations

import datetime
import dataclasses
import multiprocessing
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from llmsight import api  # noqa: E402
from llmsight.simulator.view import TrafficError, open_traffic  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
TRAFFIC = REPO / "examples" / "traffic" / "app_traffic.jsonl"
ENV = {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True", "NO_COLOR": "1"}


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = tmp_path_factory.mktemp("proj") / "app"
    shutil.copytree(REPO / "examples" / "app", root)
    store = root / ".llmsight" / "traffic.duckdb"
    done = subprocess.run([sys.executable, "-m", "llmsight", "ingest", str(TRAFFIC), "--db", str(store)],
                          capture_output=True, text=True, env=ENV, cwd=root)
    assert done.returncode == 0, done.stderr
    return root, store


@pytest.fixture(scope="module")
def checked(project):
    root, store = project
    return api.check([root], traffic=store, use_cache=False)


def _site(result, function):
    return next(s for s in result.call_sites if s.function == function)


def test_estimates_come_from_the_sites_rows(project, checked):
    _, store = project
    chat = _site(checked, "SupportChat.answer")
    est = checked.estimates[chat.id]
    assert est.source == "traffic"
    con = duckdb.connect(str(store), read_only=True)
    n, p95, err, q, cost = con.execute(
        "SELECT count(*), quantile_cont(latency_ms, 0.95), avg(CASE WHEN status <> 'ok' THEN 1.0 ELSE 0.0 END), "
        "avg(quality), sum(cost_usd) FROM calls WHERE code_file = 'app/chat.py' AND code_line = 18").fetchall()[0]
    assert est.cost_per_call.n == n and est.cost_per_call.source == "traffic"
    assert est.latency_p95_s.value * 1000 == pytest.approx(p95, rel=1e-9)
    assert est.latency_p95_s.low <= est.latency_p95_s.value <= est.latency_p95_s.high
    assert est.error_rate.value == pytest.approx(err)
    assert est.quality.value == pytest.approx(q, rel=1e-9)
    assert est.cost_per_call.value == pytest.approx(cost / n, rel=1e-9)
    # [tool.llmsight] volumes = { chat = 120000 }: the configured volume wins over the observed rate
    assert est.calls_per_month == 120000
    assert est.cost_per_month.value == pytest.approx(est.cost_per_call.value * 120000, rel=1e-9)


def test_observed_volume_when_none_is_configured(project, checked):
    root, store = project
    config = dataclasses.replace(api.load_config(root), volumes={})
    result = api.check([root], traffic=store, config=config, use_cache=False)
    est = result.estimates[_site(result, "SupportChat.answer").id]
    con = duckdb.connect(str(store), read_only=True)
    n, span = con.execute("SELECT count(*), epoch(max(ts)) - epoch(min(ts)) FROM calls").fetchall()[0]
    chat_n = est.cost_per_call.n
    assert est.calls_per_month == pytest.approx(chat_n / (span / 86400) * 30, rel=1e-9)


def test_traffic_rules_fire_only_with_traffic(project, checked):
    root, _ = project
    codes = {d.code for d in checked.diagnostics}
    assert {"LLM012", "LLM013", "LLM015"} <= codes
    # the traffic's only cheaper model, gpt-4o-mini, retires on 2027-01-14: no LLM016 names it
    assert not any("gpt-4o-mini" in d.message for d in checked.diagnostics if d.code in ("LLM012", "LLM016"))
    without = api.check([root], use_cache=False)
    assert not {d.code for d in without.diagnostics} & {"LLM012", "LLM013", "LLM014", "LLM015", "LLM016"}
    drift = next(d for d in checked.diagnostics if d.code == "LLM015")
    assert "gpt-4o-2024-08-06" in drift.message and "gpt-4o-2024-11-20" in drift.message


def test_view_helpers_for_fixes(project, checked, monkeypatch):
    from llmsight.knowledge import recommend

    _, store = project
    view = open_traffic(store)
    chat = _site(checked, "SupportChat.answer")
    view.bind(checked.call_sites)
    con = duckdb.connect(str(store), read_only=True)
    p99_out = con.execute("SELECT quantile_cont(output_tokens, 0.99) FROM calls WHERE code_line = 18 AND "
                          "code_file = 'app/chat.py' AND status = 'ok' AND output_tokens > 0").fetchall()[0][0]
    assert view.p99_output_tokens(chat) == pytest.approx(p99_out)
    assert view.p99_latency_s(chat) == checked.estimates[chat.id].latency_p99_s.value
    assert view.cheaper_models(chat, 0.02) == []          # gpt-4o-mini retires within the window
    monkeypatch.setattr(recommend, "current_date", lambda: datetime.date(2026, 10, 1))   # 105 days before
    cheaper = view.cheaper_models(chat, 0.02)
    assert [c.model for c in cheaper] == ["gpt-4o-mini"] and cheaper[0].client_change is None
    assert cheaper[0].cost_per_call < checked.estimates[chat.id].cost_per_call.value
    assert view.cheaper_models(chat, 0.0) == []


def _estimate_in_child(path, site, queue):
    queue.put(open_traffic(path).estimate(site).latency_p95_s.value)


def test_view_reopens_in_forked_workers(project, checked):
    _, store = project
    chat = _site(checked, "SupportChat.answer")
    view = open_traffic(store)
    parent = view.estimate(chat).latency_p95_s.value
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    child = ctx.Process(target=_estimate_in_child, args=(store, chat, queue))
    child.start()
    child.join(60)
    assert queue.get(timeout=5) == parent


def test_check_cli_with_traffic_and_bad_traffic(project):
    root, store = project
    done = subprocess.run([sys.executable, "-m", "llmsight", "check", ".", "--traffic", str(store), "--no-cache"],
                          capture_output=True, text=True, env=ENV, cwd=root)
    assert done.returncode == 1, done.stderr
    assert "LLM012" in done.stdout and "(traffic, n=" in done.stdout
    missing = subprocess.run([sys.executable, "-m", "llmsight", "check", ".", "--traffic", str(root / "nope.duckdb")],
                             capture_output=True, text=True, env=ENV, cwd=root)
    assert missing.returncode == 2 and "nope.duckdb" in missing.stderr and "Traceback" not in missing.stderr


def test_open_traffic_errors_name_the_path(tmp_path):
    with pytest.raises(TrafficError, match="nothing.duckdb"):
        open_traffic(tmp_path / "nothing.duckdb")
    bad = tmp_path / "bad.duckdb"
    duckdb.connect(str(bad)).execute("CREATE TABLE other (x INT)").fetchall()
    with pytest.raises(TrafficError, match="not a traffic store"):
        open_traffic(bad).estimate(api.check([REPO / "examples" / "app"], with_estimates=False,
                                             use_cache=False).call_sites[0])
