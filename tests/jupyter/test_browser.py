"""End to end in a real browser (design §11): JupyterLab on localhost, the example notebook opened in
headless Debian Chromium driven by Playwright, all cells run, the explorer rendered, a slider moved;
the plot and the table change and the table's p95 is what `llmsight.api` computes for that scenario."""
from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from llmsight import api
from nb_helpers import CHAT_SITE, REPO, copy_app

pytestmark = pytest.mark.slow      # about 35 s; runs in CI like every other test

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def chromium() -> str:
    """Debian's Chromium, installed with apt when missing (never a Playwright browser download)."""
    if not Path(CHROMIUM).exists():
        for cmd in (["apt-get", "update"], ["apt-get", "install", "-y", "chromium"]):
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600,
                                  env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
            assert proc.returncode == 0, f"{' '.join(cmd)} failed: {proc.stderr[-2000:]}"
    assert Path(CHROMIUM).exists()
    return CHROMIUM


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """JupyterLab serving a copy of examples/ (app, notebook, bundled traffic); stopped by its pid."""
    tmp_path = tmp_path_factory.mktemp("lab")
    root = tmp_path / "examples"
    copy_app(root / "app")
    for folder, name in (("notebooks", "explore.ipynb"), ("traffic", "app_traffic.jsonl")):
        (root / folder).mkdir(parents=True)
        shutil.copy(REPO / "examples" / folder / name, root / folder)
    traffic = root / "traffic" / "app_traffic.jsonl"
    port, token = _free_port(), secrets.token_hex(16)
    env = {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True", "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
           "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "workspaces")}
    log = (tmp_path / "lab.log").open("w")
    proc = subprocess.Popen([sys.executable, "-m", "jupyter", "lab", "--no-browser", "--allow-root", f"--port={port}",
                             f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
                             "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"],
                            env=env, stdout=log, stderr=subprocess.STDOUT, cwd=root)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status?token={token}", timeout=2)
                break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, (tmp_path / "lab.log").read_text()[-3000:]
                time.sleep(0.3)
        yield {"url": f"http://127.0.0.1:{port}", "token": token, "root": root, "traffic": traffic}
    finally:
        os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


def test_explorer_in_jupyterlab(chromium: str, lab: dict, tmp_path: Path):
    from playwright.sync_api import sync_playwright

    started = time.monotonic()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(f"{lab['url']}/lab/tree/notebooks/explore.ipynb?token={lab['token']}")
            page.wait_for_selector(".jp-Notebook", timeout=30_000)
            editor = page.locator(".jp-CodeCell .jp-InputArea-editor").first    # cell 0 is markdown
            editor.wait_for(timeout=30_000)
            page.wait_for_selector("text=| Idle", timeout=30_000)              # the kernel is up
            editor.click()
            page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
            page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
            last_output = page.locator(".jp-OutputArea-output", has_text="llmsight-explore-report.html")
            last_output.wait_for(timeout=60_000)                                # the last cell ran

            own_cell = page.locator(".jp-CodeCell", has_text="%llm_lint --select")
            own_cell.scroll_into_view_if_needed()
            own = own_cell.locator(".jp-OutputArea-output").first              # %llm_lint: this notebook
            assert "notebooks/explore.ipynb" in own.text_content() and "LLM001" in own.text_content()
            # the link names the triage cell by its nbformat id (JupyterLab's own cell URI fragment)
            import nbformat

            cells = nbformat.read(lab["root"] / "notebooks" / "explore.ipynb", as_version=4).cells
            triage = next(c.id for c in cells if "def triage" in c.source)
            assert own.locator(f'a[href*="explore.ipynb"][href$="#cell-id={triage}"]').count() >= 1
            explorer = page.locator(".jupyter-widgets.llmsight-explorer")
            explorer.wait_for(timeout=10_000)
            table = explorer.locator(".llmsight-table div.llmsight")
            plot = explorer.locator(".llmsight-plot svg")
            explored = "() => document.querySelector('.llmsight-table div.llmsight')?.dataset.explored === '%s'"
            explorer.scroll_into_view_if_needed()
            page.wait_for_function(explored % "as written", timeout=15_000)     # the last cell's ex.reset()
            plot_before, table_before = plot.inner_html(), table.inner_html()

            readout = explorer.locator(".llmsight-timeout .widget-readout")
            readout.click()
            page.keyboard.press("Control+A")
            page.keyboard.type("6")
            page.keyboard.press("Enter")
            page.wait_for_function(explored % "timeout=6", timeout=15_000)

            shown_p95 = float(table.get_attribute("data-explored-p95"))
            assert plot.inner_html() != plot_before and table.inner_html() != table_before
            square = plot.locator("rect.selected")
            assert float(square.get_attribute("data-p95")) == pytest.approx(shown_p95, rel=1e-5)
            row = table.locator("tr", has_text="timeout=6").first.inner_text()
        finally:
            page.screenshot(path=str(tmp_path / "explorer.png"), full_page=True)
            browser.close()

    result = api.check([lab["root"] / "app"])
    site = next(s for s in result.call_sites if f"{s.span.path}:{s.span.start_line}" == CHAT_SITE)
    config = api.load_config(lab["root"] / "app")
    runner = api.ScenarioRunner(site, config, traffic=lab["traffic"], sites=result.call_sites)
    expected = runner.run({"timeout": 6}).latency_p95_s
    assert shown_p95 == pytest.approx(expected, rel=1e-12)
    from llmsight.jupyter.report import seconds

    assert seconds(expected) in row
    assert (tmp_path / "explorer.png").stat().st_size > 10_000
    assert time.monotonic() - started < 90


LLM_CALL = '''from openai import OpenAI

client = OpenAI()


def ask(question):
    return client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": question}])'''


def test_llmsight_diagnostics_in_jupyterlab_file_editor(chromium: str, lab: dict):
    """jupyter-lsp starts `llm-lint lsp` from our entry-point spec; JupyterLab underlines the call in a
    Python file with the severities `llmsight.api` reports for it."""
    from playwright.sync_api import sync_playwright

    path = lab["root"] / "ask.py"
    path.write_text(LLM_CALL + "\n")
    expected = {d.severity for d in api.check([path]).diagnostics} | {"hint"}   # + the estimate (our spec asks)
    assert "warning" in expected
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.goto(f"{lab['url']}/lab/tree/ask.py?reset&token={lab['token']}")
            page.locator(".jp-FileEditor .cm-content").first.click()
            page.wait_for_selector(".jp-FileEditor .cm-lintRange", timeout=40_000)
            page.wait_for_timeout(500)          # every diagnostic of the first publish is drawn
            ranges = page.evaluate("() => Array.from(document.querySelectorAll('.jp-FileEditor .cm-lintRange'))"
                                   ".map(e => [e.className, e.textContent])")
        finally:
            browser.close()
    shown = {cls.rsplit("cm-lintRange-", 1)[-1] for cls, _ in ranges}
    assert shown == expected
    assert all(text.startswith("client.chat.completions.create(") for _, text in ranges)


def write_notebook(lab: dict, name: str, cells: list[str]) -> None:
    """A Python notebook of `cells` in the lab's notebooks folder."""
    import nbformat

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(src) for src in cells])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python", "file_extension": ".py", "mimetype": "text/x-python"}
    nbformat.write(nb, lab["root"] / "notebooks" / name)


def test_llmsight_diagnostics_in_jupyterlab(chromium: str, lab: dict, tmp_path: Path):
    """jupyter-lsp starts the server from our spec; jupyterlab-lsp underlines the call in the notebook."""
    from playwright.sync_api import sync_playwright

    write_notebook(lab, "lsp.ipynb", [LLM_CALL])
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.goto(f"{lab['url']}/lab/tree/notebooks/lsp.ipynb?reset&token={lab['token']}")
            page.locator(".jp-CodeCell .jp-InputArea-editor").first.click()
            page.wait_for_selector(".jp-Notebook .cm-lintRange", timeout=40_000)
            page.wait_for_timeout(500)          # every diagnostic of the first publish is drawn
            ranges = page.evaluate("() => Array.from(document.querySelectorAll('.jp-Notebook .cm-lintRange'))"
                                   ".map(e => [e.className, e.textContent])")
            page.screenshot(path=str(tmp_path / "lsp.png"))
        finally:
            browser.close()
    expected = {d.severity for d in api.check_source(LLM_CALL + "\n", "cell.py").diagnostics} | {"hint"}
    assert {cls.rsplit("cm-lintRange-", 1)[-1] for cls, _ in ranges} == expected
    assert all(text.startswith("client.chat.completions.create(") for _, text in ranges)


RENDER_CELLS = [
    'import os\nfrom pathlib import Path\n\nos.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")\n'
    '%load_ext llmsight.jupyter',
    "%llm_lint ../app --traffic ../traffic/app_traffic.jsonl",
    '%%llm_cost\nfrom openai import OpenAI\n\nclient = OpenAI(timeout=20)\n'
    'client.chat.completions.create(model="gpt-5.4-nano", max_completion_tokens=5, '
    'messages=[{"role": "user", "content": "hi"}])',
    'from llmsight.jupyter import explore\n\nex = explore(Path("../app").resolve(), site="app/chat.py:18", debounce=0)\nex',
]
NO_MATH = "() => document.querySelectorAll('mjx-container, .MathJax, .MathJax_Preview, .MathJax_SVG').length"


def test_outputs_render_as_written_and_the_explorer_follows_the_site(chromium: str, lab: dict, tmp_path: Path):
    """Amounts like `$868/month … $400/month` stay text (no MathJax), messages read left to right, tiny costs
    print as decimals, and switching the explorer's site clears the previous site's preview and Apply."""
    import re

    from playwright.sync_api import sync_playwright

    write_notebook(lab, "render.ipynb", RENDER_CELLS)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(f"{lab['url']}/lab/tree/notebooks/render.ipynb?reset&token={lab['token']}")
            page.locator(".jp-CodeCell .jp-InputArea-editor").first.wait_for(timeout=30_000)
            page.wait_for_selector("text=| Idle", timeout=30_000)
            page.locator(".jp-CodeCell .jp-InputArea-editor").first.click()
            page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
            page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
            explorer = page.locator(".jupyter-widgets.llmsight-explorer")
            explorer.wait_for(timeout=90_000)

            lint = page.locator(".jp-CodeCell", has_text="%llm_lint").locator(".jp-OutputArea-output").first
            lint_text = lint.text_content()
            assert re.search(r"\$[\d,.]+/month.*\$[\d,.]+/month", lint_text), lint_text[:500]   # the pairs are there
            message = lint.locator("td", has_text="/month").first
            assert message.evaluate("e => getComputedStyle(e).textAlign") == "left"
            cost = page.locator(".jp-CodeCell", has_text="%%llm_cost").locator(".jp-OutputArea-output").first
            cost_text = cost.text_content()
            assert "gpt-5.4-nano" in cost_text and not re.search(r"\de-\d", cost_text), cost_text

            explorer.scroll_into_view_if_needed()
            readout = explorer.locator(".llmsight-timeout .widget-readout")
            readout.click()
            page.keyboard.press("Control+A")
            page.keyboard.type("7")
            page.keyboard.press("Enter")
            explorer.locator("button", has_text="Preview code edit").click()
            apply = explorer.locator("button", has_text="Apply edit")
            page.wait_for_function("() => document.querySelector('.llmsight-explorer pre')?.textContent"
                                   ".includes('+            timeout=7,')", timeout=15_000)
            page.wait_for_function("() => Array.from(document.querySelectorAll('.llmsight-explorer button'))"
                                   ".some(b => b.textContent.includes('Apply edit') && !b.disabled)", timeout=15_000)
            site = explorer.locator("select").nth(1)                            # feature, then site
            summarize = next(o for o in site.locator("option").all_text_contents() if "summarize.py" in o)
            site.select_option(label=summarize)
            page.wait_for_function("() => !document.querySelector('.llmsight-explorer pre')", timeout=15_000)
            assert apply.is_disabled()
            assert "summarize.py" in explorer.locator(".llmsight-table").text_content() or \
                "claude" in explorer.locator(".llmsight-table").text_content()
            page.wait_for_timeout(1000)                                         # MathJax typesets asynchronously
            assert page.evaluate(NO_MATH) == 0
        finally:
            page.screenshot(path=str(tmp_path / "render.png"), full_page=True)
            browser.close()
