"""`%llm_lint` and `%%llm_cost` in a real IPython shell: rich (HTML) and plain-text output."""
from __future__ import annotations

from pathlib import Path

from IPython.utils.capture import capture_output

from llmsight import api
from nb_helpers import write_notebook


def run(shell, source: str):
    with capture_output() as cap:
        result = shell.run_cell(source, store_history=True)
    return result, cap


def test_lint_path_renders_html_and_text(shell, project: Path):
    result, cap = run(shell, f"%llm_lint {project / 'app' / 'chat.py'}")
    assert result.success, cap.stderr
    [out] = cap.outputs
    expected = api.check([project / "app" / "chat.py"])
    codes = sorted({d.code for d in expected.diagnostics})
    assert "LLM001" in codes
    for code in codes:
        assert code in out.data["text/html"] and code in out.data["text/plain"]
    # a file link, relative to the notebook's directory (the kernel's cwd), not a cell anchor
    line = expected.diagnostics[0].span.start_line
    assert f'<a href="proj/app/chat.py#row={line - 1}"' in out.data["text/html"]
    assert f"app/chat.py:{expected.diagnostics[0].span.start_line}" in out.data["text/plain"]
    assert shell.user_ns["_llm_lint"].diagnostics == expected.diagnostics


def test_lint_current_notebook_links_cells(shell, tmp_path: Path):
    nb = write_notebook(tmp_path / "nb.ipynb", [("markdown", "# title"), ("code", "import litellm"),
                                                ("code", "litellm.completion(model='gpt-4o-mini', messages=[])")])
    shell.user_ns["__session__"] = str(nb)
    result, cap = run(shell, "%llm_lint")
    assert result.success, cap.stderr
    html = cap.outputs[0].data["text/html"]
    # cell index 2 (0-based, markdown counted): JupyterLab scrolls to it by its nbformat id
    assert 'href="nb.ipynb#cell-id=c2"' in html and "LLM001" in html
    assert "nb.ipynb cell 3 line 1" in cap.outputs[0].data["text/plain"]


def test_lint_without_notebook_file_uses_kernel_history(shell):
    run(shell, "if False:\n    import litellm   # analysed, not imported (slow)")
    run(shell, "def ask():\n    return litellm.completion(model='gpt-4o-mini', messages=[])")
    count = shell.execution_count - 1      # the cell that holds the call
    result, cap = run(shell, "%llm_lint --select LLM001")
    assert result.success, cap.stderr
    text = cap.outputs[0].data["text/plain"]
    assert f"kernel-history.ipynb cell {count} line 2" in text
    assert "LLM004" not in text            # --select is honoured
    assert "cells run so far" in cap.outputs[0].data["text/html"]


def test_cost_estimates_the_cell_without_running_it(shell):
    run(shell, "from openai import OpenAI\nclient = OpenAI(api_key='unused')")
    cell = ("ran = True\n"
            "client.chat.completions.create(model='gpt-4o-mini', max_tokens=200,\n"
            "    messages=[{'role': 'user', 'content': 'Summarise the ticket in one line.'}])\n")
    result, cap = run(shell, "%%llm_cost\n" + cell)
    assert result.success, cap.stderr
    assert "ran" not in shell.user_ns
    mine = shell.user_ns["_llm_cost"]
    [site] = mine.call_sites
    assert site.span.start_line == 2 and site.model.value == "gpt-4o-mini"
    expected = api.check_source("from openai import OpenAI\nclient = OpenAI(api_key='unused')\n" + cell, "x.py")
    [exp_site] = expected.call_sites
    est, exp = mine.estimates[site.id], expected.estimates[exp_site.id]
    assert est.cost_per_call.value == exp.cost_per_call.value and est.latency_p95_s.value == exp.latency_p95_s.value
    text = cap.outputs[0].data["text/plain"]
    assert "line 2" in text and "gpt-4o-mini" in text and "priors" in text
    assert f"{exp.latency_p95_s.value:.2f} s" in text


def test_cost_run_executes_the_cell(shell):
    result, cap = run(shell, "%%llm_cost --run\nif False:\n    import litellm\nran = 41 + 1\n"
                             "def ask():\n    return litellm.completion(model='gpt-4o-mini', messages=[])\n")
    assert result.success, cap.stderr
    assert shell.user_ns["ran"] == 42
    assert len(shell.user_ns["_llm_cost"].call_sites) == 1


def test_missing_path_is_a_usage_error_without_traceback(shell, tmp_path: Path):
    result, cap = run(shell, f"%llm_lint {tmp_path / 'nope.py'}")
    assert not result.success
    assert "no such file or directory" in str(result.error_in_exec)
    assert "Traceback" not in cap.stdout + cap.stderr



def test_lint_with_traffic_runs_the_traffic_rules(shell, tmp_path: Path):
    from nb_helpers import REPO, copy_app

    app = copy_app(tmp_path / "app")
    traffic = REPO / "examples" / "traffic" / "app_traffic.jsonl"
    local = tmp_path / "calls.jsonl"          # relative to the working directory, as a user types it
    local.write_bytes(traffic.read_bytes())
    result, cap = run(shell, f"%llm_lint {app} --traffic calls.jsonl")
    assert result.success, cap.stderr
    expected = api.check([app], traffic=local)
    traffic_codes = {d.code for d in expected.diagnostics} & {"LLM012", "LLM013", "LLM014", "LLM015", "LLM016"}
    assert traffic_codes
    for code in traffic_codes:
        assert code in cap.outputs[0].data["text/plain"]
    result, cap = run(shell, f"%llm_lint {app} --traffic missing.jsonl")
    assert not result.success and "missing.jsonl" in str(result.error_in_exec)
