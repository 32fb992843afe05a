"""Typing a comment reuses the buffer's last analysis (same findings, no re-analysis, no debounce); a comment
a rule reads (`# noqa`), code, or an analysis the server no longer shows is analysed again."""
from __future__ import annotations

import pytest

from llmsight.lsp.settings import Settings
from llmsight.lsp.worker import AnalysisProcess
from lsp_client import SAMPLE, capabilities, cli_check, expected_from_cli, session, shown

COMMENTED = SAMPLE.replace("def summarize(text):\n", "def summarize(text):  # one paragraph, é ✓\n")
SUPPRESSED = SAMPLE.replace('"content": text}])\n', '"content": text}])  # noqa\n', 1)


@pytest.fixture(autouse=True)
def offline_prices(monkeypatch):
    monkeypatch.setenv("LITELLM_LOCAL_MODEL_COST_MAP", "True")


def test_the_analysis_process_says_when_its_last_result_still_holds(project):
    assert COMMENTED != SAMPLE and SUPPRESSED != SAMPLE
    worker = AnalysisProcess()
    path, settings = project / "app.py", Settings()
    try:
        worker.check(SAMPLE, path, project, settings, token=7)
        assert worker.same(COMMENTED, path, project, settings, 7)
        assert not worker.same(COMMENTED, path, project, settings, 6)            # not the result the server shows
        assert not worker.same(SUPPRESSED, path, project, settings, 7)           # a comment LLM rules read
        assert not worker.same(SAMPLE.replace("gpt-4o", "gpt-4.1"), path, project, settings, 7)
        assert not worker.same(COMMENTED, path, project, Settings(select=("LLM001",)), 7)
        worker.check(SAMPLE, path, project, settings)                            # unnamed: nothing to reuse
        assert not worker.same(COMMENTED, path, project, settings, 7)
    finally:
        worker.close()


@pytest.mark.asyncio
async def test_comment_edits_show_the_same_findings_and_a_noqa_is_honoured(project):
    async with session(project, capabilities("vscode")) as s:
        uri = s.open("app.py")
        first = shown(await s.diagnostics(uri, version=1))
        assert first == expected_from_cli(cli_check(project, "app.py"), SAMPLE)
        version = s.replace(uri, COMMENTED)
        assert shown(await s.diagnostics(uri, version=version)) == first
        version = s.replace(uri, SUPPRESSED)
        suppressed = shown(await s.diagnostics(uri, version=version))
        (project / "app.py").write_text(SUPPRESSED, encoding="utf-8")
        assert suppressed == expected_from_cli(cli_check(project, "app.py"), SUPPRESSED) != first
