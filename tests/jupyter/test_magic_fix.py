"""`%llm_lint --fix`: the quick-fixes JupyterLab's language-server client cannot offer, applied to the
notebook file (as `llm-lint check --fix` would) and reported with what is left."""
from __future__ import annotations

import json
from pathlib import Path

from IPython.utils.capture import capture_output

from llmsight import api
from nb_helpers import write_notebook

CALL = "from openai import OpenAI\nclient = OpenAI()\nclient.chat.completions.create(model='gpt-4o', messages=[])"


def run(shell, source: str):
    with capture_output() as cap:
        result = shell.run_cell(source, store_history=True)
    return result, cap


def test_fix_applies_the_fixes_to_this_notebook(shell, tmp_path: Path):
    nb = write_notebook(tmp_path / "nb.ipynb", [("markdown", "# title"), ("code", CALL)])
    before = {d.code for d in api.check([nb]).diagnostics}
    assert "LLM001" in before
    shell.user_ns["__session__"] = str(nb)
    written = nb.read_text()
    result, cap = run(shell, "%llm_lint --fix")           # this call's fixes are all unsafe: none applied
    assert result.success, cap.stderr
    assert "0 fixes applied" in cap.outputs[0].data["text/plain"] and nb.read_text() == written
    assert "fixes hidden; use --unsafe-fixes" in cap.outputs[0].data["text/html"]
    result, cap = run(shell, "%llm_lint --fix --unsafe-fixes")
    assert result.success, cap.stderr
    text = cap.outputs[0].data["text/plain"]
    assert "applied to nb.ipynb: reload it from disk" in text
    cell = json.loads(nb.read_text())["cells"][1]["source"]
    assert "timeout=" in "".join(cell)
    after = {d.code for d in shell.user_ns["_llm_lint"].diagnostics}
    assert "LLM001" not in after and after == {d.code for d in api.check([nb]).diagnostics}


def test_fix_needs_the_notebook_file(shell):
    result, cap = run(shell, "%llm_lint --fix")
    assert not result.success and "give its path" in str(result.error_in_exec)
