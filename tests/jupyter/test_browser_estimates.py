"""JupyterLab shows llmsight's figures in a notebook with no cell run: jupyter-lsp starts the server from
our spec (`--estimate-diagnostics`), and the estimate of the call arrives as a hint diagnostic on the
calling cell; editing the model literal changes it. The hover's amounts stay text (no TeX)."""
from __future__ import annotations

import json
from pathlib import Path

from llmsight import api
from llmsight.lsp.formatting import hint_label
from test_browser import CHROMIUM_ARGS, LLM_CALL, chromium, lab  # noqa: F401 - pytest fixtures

# the screen position of `mini` in the cell's "gpt-4o-mini"
MINI_BOX = """() => {
  const walker = document.createTreeWalker(document.querySelector('.jp-CodeCell .cm-content'), NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const at = node.textContent.indexOf('gpt-4o-mini');
    if (at < 0) continue;
    const range = document.createRange();
    range.setStart(node, at + 7);
    range.setEnd(node, at + 11);
    const r = range.getBoundingClientRect();
    return {x: r.x + r.width / 2, y: r.y + r.height / 2};
  }
}"""


def expected_label(source: str) -> str:
    result = api.check_source(source + "\n", "cell.py")
    return f"estimate: {hint_label(result.estimates[result.call_sites[0].id])}"


def shown_estimates(page) -> list[str]:
    """The estimate rows of jupyterlab-lsp's diagnostics panel (what it lists for the notebook)."""
    rows = page.locator(".lsp-diagnostics-listing tbody tr", has_text="estimate: ")
    return [rows.nth(i).inner_text() for i in range(rows.count())]


def test_notebook_shows_the_estimate_without_running_a_cell(chromium, lab, tmp_path: Path):  # noqa: F811
    import nbformat
    from playwright.sync_api import sync_playwright

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# costs"), nbformat.v4.new_code_cell(LLM_CALL)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python", "file_extension": ".py", "mimetype": "text/x-python"}
    nbformat.write(nb, lab["root"] / "notebooks" / "estimates.ipynb")
    before, after = expected_label(LLM_CALL), expected_label(LLM_CALL.replace('"gpt-4o-mini"', '"gpt-4o"'))
    assert before != after
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.goto(f"{lab['url']}/lab/tree/notebooks/estimates.ipynb?reset&token={lab['token']}")
            cell = page.locator(".jp-CodeCell").first
            cell.locator(".jp-InputArea-editor").click()
            rng = cell.locator(".cm-lintRange-hint").first
            rng.wait_for(timeout=40_000)
            assert rng.text_content().startswith("client.chat.completions.create(")
            cell.locator(".jp-InputArea-editor").click(button="right")
            page.locator(".lm-Menu-itemLabel", has_text="Show diagnostics panel").click()
            page.wait_for_function(f"() => document.querySelector('.lsp-diagnostics-listing')?.innerText"
                                   f".includes({json.dumps(before)})", timeout=15_000)
            shown_before = shown_estimates(page)

            # jupyterlab-lsp's hover (Ctrl + pointer): the estimate table, its amounts as text, not TeX
            page.keyboard.down("Control")
            rng.hover(position={"x": 40, "y": 5})
            hover = page.locator(".lsp-hover").first
            hover.wait_for(timeout=15_000)
            page.keyboard.up("Control")
            hover_text, hover_math = hover.inner_text(), hover.locator("mjx-container, .MathJax").count()

            # as a user edits: double-click `mini` in the literal (selects the word), delete it and the `-`
            box = page.evaluate(MINI_BOX)
            page.mouse.dblclick(box["x"], box["y"])
            page.keyboard.press("Backspace")
            page.keyboard.press("Backspace")
            page.wait_for_function(f"() => document.querySelector('.lsp-diagnostics-listing')?.innerText"
                                   f".includes({json.dumps(after)})", timeout=15_000)
            shown_after = shown_estimates(page)
            page.screenshot(path=str(tmp_path / "estimates.png"))
        finally:
            browser.close()
    assert len(shown_before) == 1 and before in shown_before[0], shown_before
    assert hover_math == 0 and "cost / call" in hover_text and "$0.0" in hover_text, hover_text
    assert len(shown_after) == 1 and after in shown_after[0], shown_after
