"""Jupyter notebooks as one virtual module: each code cell as IPython would run it, in order.

A client made in one cell is known in later cells because the cells form one module. Positions map
back to (cell index in the notebook's `cells` array — markdown cells included — and line in cell).
A cell that does not parse is reported on its own and keeps the statements that do; the other cells
are analysed as usual. A notebook in another language is skipped with the reason.
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
    # virtual line -> columns IPython removes from its start (a cell whose first line is indented)
    col_shifts: dict[int, int] = field(default_factory=dict)
    skipped: str | None = None          # why no cell was read (a notebook in another language)


class NotebookError(ValueError):
    """Not a notebook we can read; the message says why and what to do."""


_LEADING_INDENT = re.compile(r"[ \t]+")
# IPython's help syntax: `obj?`, `obj.attr??`, `?obj`, `np.*load*?`
_HELP = re.compile(r"(?:\?{1,2}[\w.*\[\]]+|[\w.*\[\]]+\?{1,2})$")
# IPython escapes that start a logical line: shell `!`, magics `%`, and the auto-call/quote forms `/f x`,
# `,f a b`, `;f a b` (none of which is Python at the start of a statement)
_ESCAPES = ("%", "!", "/", ",", ";")
# cell magics whose body IPython runs as Python in the notebook's namespace (its bindings persist);
# every other cell magic (%%bash, %%writefile, %%html, %%sql…) makes the cell another language
PYTHON_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun", "debug", "memit"})
# line magics that run the statement after them (`%time r = f()`, `%timeit -n1 f()`); the options `%timeit`
# takes with a value (`-n 10`, `-r3`, `-p 4`)
_ENV_MAGIC = re.compile(r"%(env|set_env)\s+(\S.*)")
_TIMING_LINE_MAGIC = re.compile(r"%(?:time|timeit(?:\s+-(?:[nrp]\s*\d+|[tcqo]))*)\s+")
# a kernel language that is Python whatever its spelling ("python3", "Python", "ipython")
_PYTHON_LANGUAGE = re.compile(r"(?:i?python|py)[\d.]*$", re.IGNORECASE)
_IMPORT = re.compile(r"^(?:import|from)[ \t]+[\w.]+", re.MULTILINE)


@dataclass
class CellCode:
    """What IPython would run for one code cell, as plain Python with the same lines."""

    text: str                                    # "" for a cell in another language (`%%bash`)
    shifts: dict[int, int] = field(default_factory=dict)  # line in cell -> columns removed from its start
    error: tuple[int, int, str] | None = None    # (line, col, message) of the first syntax error


def cell_code(src: str) -> CellCode:
    """The cell as IPython transforms it before running it: the first line's indentation removed from
    every line that starts with it (IPython's `leading_indent`), a `%%time`-like first line dropped, and
    magics, shell escapes and help lines masked — a `!pip install \\` with the lines it continues is one
    command. A cell that does not parse keeps the statements that do (so a client made in a cell with a
    typo elsewhere is still known), and reports its first error."""
    lines = src.split("\n")
    shifts: dict[int, int] = {}
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        return CellCode(src)
    indent = _LEADING_INDENT.match(lines[first])
    if indent is not None:
        prefix = indent.group()
        for i in range(first, len(lines)):
            if lines[i].startswith(prefix):
                lines[i] = lines[i][len(prefix):]
                shifts[i + 1] = len(prefix)
    if lines[first].startswith("%%"):
        magic = lines[first][2:].split(None, 1)
        if not magic or magic[0] not in PYTHON_CELL_MAGICS:
            return CellCode("")
        lines[first] = "pass"
    masked = "\n".join(_mask_escapes(lines, shifts))
    try:
        ast.parse(masked)
        return CellCode(masked, shifts)
    except SyntaxError as exc:
        error = (exc.lineno or 1, exc.offset or 1, exc.msg)
    return CellCode(_parseable_statements(masked.split("\n")), shifts, error)


def mask_line(line: str) -> tuple[str, int]:
    """Replace IPython-only syntax with a statement of the same indentation, and the columns removed from
    what is kept: a timing line magic (`%time r = f()`) keeps the one-line statement IPython runs."""
    stripped = line.lstrip()
    indent = line[: len(line) - len(stripped)]
    timed = _TIMING_LINE_MAGIC.match(stripped)
    if timed is not None and stripped[timed.end():].strip() and _parses(stripped[timed.end():]):
        return indent + stripped[timed.end():], timed.end()
    env = _ENV_MAGIC.match(stripped)
    if env is not None:   # what IPython runs: the variable it sets is read in later cells
        return f"{indent}get_ipython().run_line_magic({env.group(1)!r}, {env.group(2).strip()!r})", 0
    if stripped.startswith(_ESCAPES) or _HELP.match(stripped):
        return f"{indent}pass", 0
    m = _ASSIGN_MAGIC.match(line)
    if m:
        return f"{m.group(1)}None", 0
    return line, 0


def _parses(statement: str) -> bool:
    try:
        ast.parse(statement)
    except (SyntaxError, ValueError):
        return False
    return True


def _mask_escapes(lines: list[str], shifts: dict[int, int]) -> list[str]:
    """`mask_line` on each line that starts a statement, adding the columns it removes to `shifts`; the
    lines an escaped command continues with a trailing backslash are blanked (IPython reads them as part
    of the command)."""
    out: list[str] = []
    depth, in_string, continued = 0, None, False
    i = 0
    while i < len(lines):
        line = lines[i]
        masked, removed = (line, 0) if depth or in_string or continued else mask_line(line)
        if removed:
            shifts[i + 1] = shifts.get(i + 1, 0) + removed
        if masked is not line:
            out.append(masked)
            while lines[i].endswith("\\") and i + 1 < len(lines):
                i += 1
                out.append("")
            i += 1
            continued = False
            continue
        out.append(line)
        depth, in_string = _scan(line, depth, in_string)
        continued = line.endswith("\\") and in_string is None
        i += 1
    return out


def _scan(line: str, depth: int, in_string: str | None) -> tuple[int, str | None]:
    """Bracket depth and open triple-quoted string after `line` (comments and strings skipped)."""
    i, n = 0, len(line)
    while i < n:
        if in_string is not None:
            end = line.find(in_string, i)
            while end > 0 and line[end - 1] == "\\" and len(in_string) == 1:
                end = line.find(in_string, end + 1)
            if end < 0:
                return depth, in_string if len(in_string) == 3 else None
            i, in_string = end + len(in_string), None
            continue
        c = line[i]
        if c == "#":
            break
        if c in "\"'":
            in_string = line[i:i + 3] if line[i:i + 3] in ('"""', "'''") else c
            i += len(in_string)
            continue
        if c in "([{":
            depth += 1
        elif c in ")]}" and depth:
            depth -= 1
        i += 1
    return depth, in_string if in_string is not None and len(in_string) == 3 else None


def _parseable_statements(lines: list[str]) -> str:
    """A broken cell with each top-level statement that does not parse blanked, except that an
    assignment of a call keeps its target and callee (`co = cohere.ClientV2(api_key"K")` still makes
    `co` a Cohere client). Lines keep their numbers; "" when nothing can be kept."""
    starts: list[int] = []
    decorated = False  # the line follows a decorator: the same statement
    for i, line in enumerate(lines):
        if line[:1] in ("", " ", "\t", "#", ")", "]", "}") or _CLAUSE.match(line):
            continue  # inside a statement: indented, closing a bracket, or an else/except clause
        if not decorated:
            starts.append(i)
        decorated = line.startswith("@")
    if not starts or starts[0] != 0:
        starts.insert(0, 0)
    out: list[str] = []
    for a, b in zip(starts, starts[1:] + [len(lines)]):
        chunk = lines[a:b]
        try:
            ast.parse("\n".join(chunk))
        except SyntaxError:
            salvage = _ASSIGNED_CALL.match(chunk[0])
            chunk = [f"{salvage.group(1)})" if salvage else ""] + [""] * (len(chunk) - 1)
            if salvage is not None:
                try:
                    ast.parse(chunk[0])
                except SyntaxError:
                    chunk[0] = ""
        out.extend(chunk)
    text = "\n".join(out)
    try:
        ast.parse(text)
    except SyntaxError:
        return ""
    return text


_CLAUSE = re.compile(r"(?:else|elif|except|finally)\b")
_ASSIGNED_CALL = re.compile(r"([A-Za-z_][\w.]*(?:\s*,\s*[A-Za-z_][\w.]*)*\s*=\s*[A-Za-z_][\w.]*\()")


# ipywidgets controls a notebook reads a model from (`model=picker.value`); a selection control given no
# value shows its first option (ipywidgets sets `index=0`), a text control shows "" until typed into
_SELECTION_WIDGETS = frozenset({"Dropdown", "Select", "RadioButtons", "ToggleButtons", "SelectionSlider"})
_TEXT_WIDGETS = frozenset({"Text", "Textarea", "Combobox"})


def widget_shown_value(qualname: str, call: ast.Call) -> ast.AST | None:
    """The expression an ipywidgets control built by `call` (of class `qualname`) holds until the user
    changes it: its `value=`, else a selection control's first literal option (the value of a
    `(label, value)` pair, of a `{label: value}` dict); None for any other call."""
    module, _, cls = qualname.rpartition(".")
    if module.split(".")[0] != "ipywidgets" or cls not in _SELECTION_WIDGETS | _TEXT_WIDGETS:
        return None
    given = next((kw.value for kw in call.keywords if kw.arg == "value"), None)
    if given is not None or cls not in _SELECTION_WIDGETS:
        return given
    return _first_option(next((kw.value for kw in call.keywords if kw.arg == "options"), None))


def is_interact(qualname: str) -> bool:
    """ipywidgets' `interact`/`interact_manual`, which build a control for each keyword and call the
    function with the values they show."""
    module, _, name = qualname.rpartition(".")
    return module.split(".")[0] == "ipywidgets" and name in ("interact", "interact_manual")


def interact_shown_value(abbreviation: ast.AST) -> ast.AST | None:
    """The value `@interact(model=…)` first calls its function with, for an abbreviation written out: a
    string is a text box holding it, a list, tuple or dict a dropdown of its items; None for anything
    else (a control built by a call is read by `widget_shown_value`)."""
    if isinstance(abbreviation, ast.Constant) and isinstance(abbreviation.value, str):
        return abbreviation
    return _first_option(abbreviation)


def _first_option(options: ast.AST | None) -> ast.AST | None:
    """The first literal option a selection control shows: the value of a `(label, value)` pair or of a
    `{label: value}` dict."""
    items = options.elts if isinstance(options, (ast.List, ast.Tuple)) else \
        options.values if isinstance(options, ast.Dict) else []
    first = items[0] if items else None
    return first.elts[1] if isinstance(first, ast.Tuple) and len(first.elts) == 2 else first


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
    cells = [(i, cell_code(lone_cr_as_lf(cell_source(cell)))) for i, cell in enumerate(nb["cells"])
             if isinstance(cell, dict) and cell.get("cell_type") == "code"]
    skipped = _not_python(nb, [code for _, code in cells])
    if skipped is not None:
        return NotebookSource("", [], [], [], skipped=skipped)
    out, starts, index, errors, shifts = [], [], [], [], {}
    line = 1
    for i, code in cells:
        if code.error is not None:
            errors.append((i, *code.error))
        masked = code.text if code.text.endswith("\n") else code.text + "\n"
        starts.append(line)
        index.append(i)
        out.append(masked)
        shifts.update((line + in_cell - 1, n) for in_cell, n in code.shifts.items())
        line += masked.count("\n")
    return NotebookSource("".join(out), starts, index, errors, shifts)


def _not_python(nb: dict, cells: list[CellCode]) -> str | None:
    """Why the notebook is not read as Python, or None. The kernel metadata decides unless it names
    another language while the code reads as Python (a notebook saved under another kernel, or with
    metadata copied from elsewhere): most non-empty cells parse and one imports a module."""
    metadata = nb.get("metadata") if isinstance(nb.get("metadata"), dict) else {}
    kernel = metadata.get("kernelspec") if isinstance(metadata.get("kernelspec"), dict) else {}
    info = metadata.get("language_info") if isinstance(metadata.get("language_info"), dict) else {}
    lang = str(kernel.get("language") or info.get("name") or "python")
    if _PYTHON_LANGUAGE.match(lang):
        return None
    written = [c for c in cells if c.text.strip() or c.error is not None]
    parsed = [c for c in written if c.error is None]
    if written and 2 * len(parsed) >= len(written) and any(_IMPORT.search(c.text) for c in parsed):
        return None
    return (f"its kernel language is {lang[:40]!r} and its code cells do not read as Python "
            f"({len(parsed)} of {len(written)} parse); llmsight reads Python notebooks only")
