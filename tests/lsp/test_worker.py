"""The analysis process on its own: answers like `llmsight.api.check_source`, is stopped when it runs
past its time limit, and is replaced on the next call."""
from __future__ import annotations

import os
import subprocess
import sys

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


def test_the_forked_analysis_process_never_imports_a_module_from_the_project(project):
    """`llm-lint lsp` forks its analysis process (on Linux): started as `python -m llmsight lsp` in the
    project, the child must still not import the project's modules in place of the installed ones, as the
    started child (`module_argv`) does not."""
    marker = project / "owned"
    for planted in ("tiktoken.py", "libcst.py"):
        (project / planted).write_text(f"open({str(marker)!r}, 'w').write('ran')\n", encoding="utf-8")
    script = ("from pathlib import Path\nfrom llmsight.lsp import worker\nfrom llmsight.lsp.settings import Settings\n"
              "worker.start_early()\n"
              "result = worker.EARLY.check(Path('app.py').read_text(), Path('app.py').resolve(), Path.cwd(), Settings())[0]\n"
              "print(len(result.diagnostics), worker.EARLY._child.pid != 0)\nworker.EARLY.close()\n")
    env = {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
    done = subprocess.run([sys.executable, "-c", script], cwd=project, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[1] == "True" and int(done.stdout.split()[0]) > 0
    assert not marker.exists(), "the analysis process imported the project's tiktoken or libcst"
    subprocess.run([sys.executable, "-c", "import tiktoken, libcst"], cwd=project, timeout=60)
    assert marker.exists(), "the planted modules should be what `python -c` in the project imports (the premise)"
