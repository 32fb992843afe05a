"""The analysis process on its own: answers like `llmsight.api.check_source`, is stopped when it runs
past its time limit, and is replaced on the next call."""
from __future__ import annotations

import pytest

from llmsight import api
from llmsight.lsp.settings import Settings
from llmsight.lsp.worker import AnalysisProcess, AnalysisTimeout
from lsp_client import SAMPLE


@pytest.fixture(autouse=True)
def offline_prices(monkeypatch):
    monkeypatch.setenv("LITELLM_LOCAL_MODEL_COST_MAP", "True")


def test_answers_like_check_source_and_survives_a_timeout(project):
    restarts = []
    worker = AnalysisProcess(restarts.append, buffer_timeout_s=60)
    try:
        result, config, traffic, warnings = worker.check(SAMPLE, project / "app.py", project, Settings())
        direct = api.check_source(SAMPLE, str(project / "app.py"), root=project)
        assert [(d.code, d.span) for d in result.diagnostics] == [(d.code, d.span) for d in direct.diagnostics]
        assert traffic is None and warnings == []

        worker.buffer_timeout_s = 0.001
        with pytest.raises(AnalysisTimeout):
            worker.check(SAMPLE * 20, project / "app.py", project, Settings())
        worker.buffer_timeout_s = 60
        again, *_ = worker.check(SAMPLE, project / "app.py", project, Settings())
        assert len(again.diagnostics) == len(result.diagnostics)
        assert restarts == []   # a stopped child is replaced quietly; the timeout itself was reported
    finally:
        worker.close()
