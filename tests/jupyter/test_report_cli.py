"""`llm-lint report --html OUT [PATHS] [--traffic DB]` run as a subprocess on real projects."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from llmsight import api

ENV = {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True"}


def report(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "llmsight", "report", *args], cwd=cwd, env=ENV,
                          capture_output=True, text=True, timeout=120)


def test_report_on_priors(project: Path, tmp_path: Path):
    out = tmp_path / "out" / "report.html"
    proc = report("--html", str(out), str(project), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "1 with scenarios on priors" in proc.stdout
    page = out.read_text()
    for external in ("<script", "<link", " src="):
        assert external not in page
    result = api.check([project])
    [site] = result.call_sites
    est = result.estimates[site.id]
    assert "app/chat.py:7" in page and "<svg" in page
    assert '<a href="../proj/app/chat.py#row=6"' in page        # relative to the report's folder
    # budget: chat = $1/month against 100,000 calls a month of gpt-4o-mini
    status = "over" if est.cost_per_month.value > 1.0 else "ok"
    assert re.search(rf"<td>chat</td>.*?<span class='{status}'>{status}</span>", page)
    assert "No deprecated models." in page or "LLM008" in page


def test_report_replays_traffic(app: Path, traffic_db: Path, tmp_path: Path):
    out = tmp_path / "report.html"
    proc = report("--html", str(out), "--traffic", str(traffic_db), cwd=app)
    assert proc.returncode == 0, proc.stderr
    page = out.read_text()
    assert "traffic (n=" in page and "Deprecations" in page and "LLM008" in page
    assert "<td>chat</td>" in page and "$400" in page      # budgets from examples/app's config
    # the SLO (chat: p95 6 s) against the slowest traffic p95 of the chat sites, as check computed it
    result = api.check([app], traffic=traffic_db)
    worst = max(result.estimates[s.id].latency_p95_s.value for s in result.call_sites if s.feature == "chat")
    status = "over" if worst > 6.0 else "ok"
    assert re.search(rf"<td>chat</td><td class=\"num\">[^<]+</td><td class=\"num\">6.00 s</td><td><span class='{status}'>", page)


def test_report_bad_input_is_a_usage_error(project: Path, tmp_path: Path):
    proc = report("--html", str(tmp_path / "r.html"), str(tmp_path / "missing"), cwd=tmp_path)
    assert proc.returncode == 2 and "missing: no such file or directory" in proc.stderr
    proc = report("--html", str(tmp_path / "r.html"), "--traffic", str(tmp_path / "none.duckdb"), str(project),
                  cwd=tmp_path)
    assert proc.returncode == 2 and "llm-lint ingest" in proc.stderr
    assert "Traceback" not in proc.stderr
