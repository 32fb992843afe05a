"""`%llm_lint` and `%%llm_cost`: the linter and the per-call estimates inside IPython and Jupyter.

Both call `llmsight.api` and render its records (`report.py`): an HTML table in Jupyter, a text table
in a terminal IPython. Neither changes or runs user code unless asked (`%%llm_cost --run`).
"""
from __future__ import annotations

import json
import os
from pathlib import Path

from IPython.core.error import UsageError
from IPython.core.magic import Magics, cell_magic, line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring
from IPython.display import display

from llmsight import api
from llmsight.jupyter import report
from llmsight.records import CheckResult

KERNEL_NOTEBOOK = "kernel-history.ipynb"   # the cells run so far, when the notebook file is unknown


def notebook_path(shell) -> Path | None:
    """The notebook this kernel serves: ipykernel's `__session__`, Jupyter Server's `JPY_SESSION_NAME`,
    or VS Code's `__vsc_ipynb_file__` — when it names an existing `.ipynb` file."""
    ns = shell.user_ns
    for candidate in (ns.get("__vsc_ipynb_file__"), ns.get("__session__"), os.environ.get("JPY_SESSION_NAME")):
        if isinstance(candidate, str) and candidate.endswith(".ipynb"):
            path = Path(candidate).expanduser()
            if path.is_file():
                return path.resolve()
    return None


def history_cells(shell) -> list[str]:
    """Raw source of the cells run so far in this kernel (index k = execution count k + 1)."""
    return list(shell.history_manager.input_hist_raw[1:])


def virtual_notebook(cells: list[str]) -> str:
    """An `.ipynb` text holding `cells`, so the analysis masks magics and reports per cell."""
    return json.dumps({"cells": [{"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
                                  "source": src} for src in cells],
                       "metadata": {"language_info": {"name": "python"}}, "nbformat": 4, "nbformat_minor": 5})


def _traffic(arg: str | None) -> str | None:
    """`--traffic` relative to the working directory (the engine reads relative paths from the project root)."""
    return str(Path(arg).expanduser().resolve()) if arg else None


def _in_cell(path: str, cell: int | None, line: int) -> str:
    """Where a finding of the estimated cell is: that cell is the one being looked at."""
    return f"line {line}"


def _run(fn, *args, **kwargs) -> CheckResult:
    try:
        return fn(*args, **kwargs)
    except (api.ConfigError, ValueError, OSError) as exc:
        raise UsageError(f"llmsight: {exc}") from None


def _fixed(outcome) -> list[str]:
    """What `--fix` did: the files changed (to reload from disk) and the ones it left alone, and why."""
    from llmsight.formats import shown_text

    lines = [f"{outcome.applied} fix{'' if outcome.applied == 1 else 'es'} applied"
             + (f" to {', '.join(sorted(outcome.changed))}: reload it from disk (File → Reload Notebook from Disk)"
                if outcome.changed else "")]
    lines += [f"{rel}: not fixed: {why}" for rel, why in sorted(outcome.skipped.items())]
    return [shown_text(line) for line in lines]


@magics_class
class LlmsightMagics(Magics):
    @magic_arguments()
    @argument("path", nargs="?", help="file, directory or notebook (default: this notebook)")
    @argument("--select", default="", help="comma-separated rule codes or prefixes")
    @argument("--ignore", default="", help="comma-separated rule codes or prefixes")
    @argument("--traffic", default=None, help="traffic store (DuckDB) for traffic-based estimates and rules")
    @argument("--fix", action="store_true",
              help="apply the safe fixes to the file (save the notebook first, reload it from disk after)")
    @argument("--unsafe-fixes", action="store_true", help="with --fix: also apply unsafe fixes")
    @line_magic
    def llm_lint(self, line: str = ""):
        """Lint a path, or this notebook (the cells run so far when its file is unknown); `--fix` applies
        the quick-fixes an editor would offer (JupyterLab's language-server client offers none)."""
        args = parse_argstring(self.llm_lint, line)
        options = {"select": [c for c in args.select.split(",") if c], "ignore": [c for c in args.ignore.split(",") if c],
                   "traffic": _traffic(args.traffic)}
        current = notebook_path(self.shell)
        target = Path(args.path).expanduser() if args.path else current
        fixed: list[str] = []
        if args.fix and target is None:
            raise UsageError("llmsight: --fix edits a file and this notebook's file is unknown; give its path: "
                             "%llm_lint --fix NOTEBOOK.ipynb")
        if target is not None:
            if not target.exists():
                raise UsageError(f"llmsight: {target}: no such file or directory")
            if args.fix:
                fixed = _fixed(_run(api.apply_fixes, [target], unsafe=args.unsafe_fixes, **options))
            result = _run(api.check, [target], **options)
            if args.fix:   # what is left, as `llm-lint check --fix` says it
                from llmsight.commands.check import _left_undone

                fixed += _left_undone(result.diagnostics, args.unsafe_fixes, diff=False)
            header = f"<p class='muted'>{report.esc(str(target))}</p>" + "".join(f"<p>{report.esc(f)}</p>" for f in fixed)
        else:
            source = virtual_notebook(history_cells(self.shell))
            result = _run(api.check_source, source, KERNEL_NOTEBOOK, root=Path.cwd(), **options)
            header = ("<p class='muted'>the cells run so far in this kernel (the notebook file is unknown); "
                      "cell N = In [N]</p>")
        rendered = report.Rendered(header + report.findings_html(result, base=Path.cwd()),
                                   "\n".join([*fixed, report.findings_text(result)]))
        display(rendered)
        self.shell.user_ns["_llm_lint"] = result
        return None

    @magic_arguments()
    @argument("--run", action="store_true", help="also run the cell after estimating it")
    @argument("--traffic", default=None, help="traffic store (DuckDB) for traffic-based estimates")
    @cell_magic
    def llm_cost(self, line: str, cell: str):
        """Estimate each LLM call of this cell (cost per call and month, latency, where the figures
        come from). The cell is not run unless `--run` is given: this is an estimate, not a call."""
        args = parse_argstring(self.llm_cost, line)
        # earlier cells give context (`client = OpenAI()`); estimate cells, this one included, add none
        cells = [c for c in history_cells(self.shell) if not c.lstrip().startswith("%%llm_cost")] + [cell]
        result = _run(api.check_source, virtual_notebook(cells), KERNEL_NOTEBOOK, root=Path.cwd(),
                      traffic=_traffic(args.traffic))
        last = len(cells) - 1
        mine = CheckResult(result.version, result.price_data, result.root,
                           [s for s in result.call_sites if s.span.cell == last],
                           [d for d in result.diagnostics if d.span.cell == last],
                           result.estimates, result.files_scanned, result.files_skipped, result.errors)
        text = report.estimates_text(mine, _in_cell)
        html = report.estimates_html(mine, _in_cell)
        if mine.diagnostics:
            text += "\n\n" + report.findings_text(mine, _in_cell)
            html += report.findings_html(mine, place=_in_cell)
        display(report.Rendered(html, text))
        self.shell.user_ns["_llm_cost"] = mine
        if args.run:
            return self.shell.run_cell(cell).result
        return None
