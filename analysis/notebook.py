"""Jupyter notebooks as one virtual module: code cells in order, magics and shell escapes masked.

A client made in one cell is known in later cells because the cells form one module. Positions map
back to (cell index in the notebook's `cells` array — markdown cells included — and line in cell).
A cell that does not parse is blanked and reported on its own; the other cells are still analysed.
"""
from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass, field

from llmsight.analysis.modules import lone_cr_as_lf

_ASSIGN_MAGIC = re.compile(r"^(\s*[\w.\[\], ]+\s*=\s*)[!%].*$")


@dataclass
class NotebookSource:
    text: str                           # the virtual module
    cell_starts: list[int]              # virtual line where each included cell starts
    cell_index: list[int]               # that cell's index in nb["cells"]
    cell_errors: list[tuple[int, int, int, str]] = field(default_factory=list)  # (cell, line, col, message)


class NotebookError(ValueError):
    """Not a notebook we can read; the message says why and what to do."""


def mask_line(line: str) -> str:
    """Replace IPython-only syntax with a statement of the same indentation."""
    stripped = line.lstrip()
    indent = line[: len(line) - len(stripped)]
    if stripped.startswith(("%", "!")) or (stripped.endswith("?") and not stripped.startswith("#")):
        return f"{indent}pass"
    m = _ASSIGN_MAGIC.match(line)
    if m:
        return f"{m.group(1)}None"
    return line


def cell_source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def read_notebook(raw: str) -> NotebookSource:
    try:
        nb = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise NotebookError(f"invalid notebook JSON at line {exc.lineno} column {exc.colno}: {exc.msg}; "
                            "open it in Jupyter and save it again") from exc
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        raise NotebookError("not a Jupyter notebook (no `cells` list); is this an .ipynb saved by Jupyter?")
    lang = ((nb.get("metadata") or {}).get("kernelspec") or {}).get("language") or \
        ((nb.get("metadata") or {}).get("language_info") or {}).get("name") or "python"
    out, starts, index, errors = [], [], [], []
    line = 1
    if str(lang).lower() != "python":
        return NotebookSource("", [], [], [])
    for i, cell in enumerate(nb["cells"]):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        src = lone_cr_as_lf(cell_source(cell))
        if src.lstrip().startswith("%%"):
            continue  # a cell magic makes the whole cell another language
        masked = "\n".join(mask_line(x) for x in src.split("\n"))
        try:
            ast.parse(masked)
        except SyntaxError as exc:
            errors.append((i, exc.lineno or 1, (exc.offset or 1), exc.msg))
            masked = ""
        if not masked.endswith("\n"):
            masked += "\n"
        starts.append(line)
        index.append(i)
        out.append(masked)
        line += masked.count("\n")
    return NotebookSource("".join(out), starts, index, errors)
