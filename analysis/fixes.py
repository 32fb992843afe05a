"""Fix edits as libcst transformations of one node's source text.

Analysis runs on `ast` for speed; an edit re-parses only the affected call (or statement) with libcst,
transforms it losslessly and replaces that node's whole span, so formatting and comments inside
survive and edits on different calls compose. Overlapping edits on one call are applied in rounds
by `apply_fixes` (as ruff does).
"""
from __future__ import annotations

import ast
import re
import sys
from functools import lru_cache
from typing import Iterable

from llmsight.analysis import libcst as cst

from llmsight.analysis.context import FileContext
from llmsight.analysis.modules import split_lines
from llmsight.records import Edit, Fix, Span


@lru_cache(maxsize=4096)
def _parse_expr(text: str) -> cst.BaseExpression:
    """A call's libcst tree, parsed once per text: the rules that each add a keyword to the same call
    (timeout, max_tokens) share it (libcst trees are immutable)."""
    try:
        return cst.parse_expression(text)
    except cst.ParserSyntaxError:
        # a call continued with backslashes or starting mid-line: parenthesise to parse, strip after
        return cst.parse_expression(f"({text})")


@lru_cache(maxsize=1024)
def _value_expr(text: str) -> cst.BaseExpression:
    """A keyword's value (`30`, `'gpt-4o'`), parsed once: fixes set the same few values on many calls."""
    return cst.parse_expression(text)


def _with_keywords(call: cst.Call, kwargs: dict[str, str], replace: bool) -> cst.Call:
    args = list(call.args)
    pending = dict(kwargs)
    for i, arg in enumerate(args):
        if arg.keyword is not None and arg.keyword.value in pending:
            value = pending.pop(arg.keyword.value)
            if replace:
                args[i] = arg.with_changes(value=_value_expr(value))
    for name, value in pending.items():
        new_arg = cst.Arg(
            keyword=cst.Name(name), value=_value_expr(value),
            equal=cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""),
                                  whitespace_after=cst.SimpleWhitespace("")),
        )
        if not args:
            args.append(new_arg)
            continue
        last = args[-1]
        if len(args) >= 2 and isinstance(args[-2].comma, cst.Comma):
            sep = args[-2].comma.whitespace_after
            if isinstance(sep, cst.ParenthesizedWhitespace):  # its line break, not its comment
                sep = sep.with_changes(first_line=cst.TrailingWhitespace(), empty_lines=[])
        elif "\n" in cst.Module([]).code_for_node(call.whitespace_before_args):
            sep = call.whitespace_before_args
        else:
            sep = cst.SimpleWhitespace(" ")
        trailing = last.comma
        # the whitespace between the last argument (or its comma) and `)`
        closing = trailing.whitespace_after if isinstance(trailing, cst.Comma) else last.whitespace_after_arg
        if isinstance(closing, cst.ParenthesizedWhitespace):
            if isinstance(sep, cst.ParenthesizedWhitespace):
                # one argument per line: the last one keeps its line and comment, the new one gets its own
                to_new = closing.with_changes(last_line=sep.last_line)
                to_closer = closing.with_changes(first_line=cst.TrailingWhitespace(), empty_lines=[])
            else:
                # arguments share a line: the new one joins them, the line break stays before `)`
                to_new, to_closer = sep, closing
            args[-1] = last.with_changes(comma=cst.Comma(whitespace_before=cst.SimpleWhitespace(""),
                                                         whitespace_after=to_new),
                                         whitespace_after_arg=cst.SimpleWhitespace(""))
            if isinstance(trailing, cst.Comma):
                args.append(new_arg.with_changes(comma=trailing.with_changes(whitespace_after=to_closer)))
            else:
                args.append(new_arg.with_changes(whitespace_after_arg=to_closer))
            continue
        args[-1] = last.with_changes(comma=cst.Comma(whitespace_before=cst.SimpleWhitespace(""),
                                                     whitespace_after=sep))
        args.append(new_arg.with_changes(comma=trailing))
    return call.with_changes(args=args)


def _outer_call(expr: cst.BaseExpression) -> cst.Call:
    while isinstance(expr, (cst.Await,)):
        expr = expr.expression
    if not isinstance(expr, cst.Call):
        raise ValueError("not a call")
    return expr


def set_call_keywords(ctx: FileContext, call: ast.Call, kwargs: dict[str, str], replace: bool = True) -> Edit:
    """Edit that adds (or, with `replace`, overwrites) keyword arguments of `call`.

    Values are Python source text (`"30"`, `"'gpt-4o-2024-08-06'"`).
    """
    text = ctx.segment(call)
    return narrowed_edit(ctx, call, text, _call_with_keywords(text, tuple(kwargs.items()), replace))


@lru_cache(maxsize=4096)
def _call_with_keywords(text: str, kwargs: tuple[tuple[str, str], ...], replace: bool) -> str:
    """The call's new source (a pure function of its old source, so an editor re-checking a buffer
    reuses the libcst work for every call the keystroke did not touch)."""
    new = _with_keywords(_outer_call(_parse_expr(text)), dict(kwargs), replace)
    new_text = cst.Module([]).code_for_node(new)
    if text.startswith("(") and not new_text.startswith("("):
        new_text = f"({new_text})"
    return new_text


def _advance(line: int, col: int, text: str) -> tuple[int, int]:
    """Position (1-based, code points) after `text` starting at (line, col)."""
    newlines = text.count("\n")
    if newlines:
        return line + newlines, len(text) - text.rfind("\n")
    return line, col + len(text)


def narrowed_edit(ctx: FileContext, node: ast.AST, old: str, new: str) -> Edit:
    """Edit turning `node`'s text `old` into `new` that covers only the part that changes.

    Output that shows edits (JSON, SARIF, editors) then never repeats the untouched rest of a call
    (which may hold a key literal), and fixes on different arguments of one call compose.
    """
    limit = min(len(old), len(new))
    start = 0
    while start < limit and old[start] == new[start]:
        start += 1
    end = 0
    while end < limit - start and old[-1 - end] == new[-1 - end]:
        end += 1
    line = node.lineno  # type: ignore[attr-defined]
    col = ctx.srcmap.col_to_codepoints(line, node.col_offset) + 1  # type: ignore[attr-defined]
    sl, sc = _advance(line, col, old[:start])
    el, ec = _advance(sl, sc, old[start:len(old) - end])
    return Edit(ctx.make_span(sl, sc, el, ec), new[start:len(new) - end])


def replace_node(ctx: FileContext, node: ast.AST, new_text: str) -> Edit:
    return Edit(ctx.span_of(node), new_text)


def insert_before_line(ctx: FileContext, line: int, text: str) -> Edit:
    """Zero-width edit inserting whole lines before virtual line `line` (e.g. an import)."""
    span = ctx.make_span(line, 1, line, 1)
    return Edit(span, text if text.endswith("\n") else text + "\n")


def import_edit(ctx: FileContext, statement: str) -> Edit | None:
    """Add `statement` to the file's leading imports where isort (ruff's I001) puts it: in its section
    (future, standard library, third party, the project's own), straight imports before `from` imports,
    sorted by module; a section of its own is set apart by a blank line. Nothing if it is already there."""
    if any(line.strip() == statement for line in ctx.lines):
        return None
    line = 1
    body = ctx.tree.body
    leading: list[ast.Import | ast.ImportFrom] = []
    for stmt in body:
        is_doc = isinstance(stmt, ast.Expr) and isinstance(getattr(stmt, "value", None), ast.Constant) \
            and isinstance(stmt.value.value, str)
        if stmt is body[0] and is_doc:
            line = (stmt.end_lineno or stmt.lineno) + 1
        elif isinstance(stmt, (ast.Import, ast.ImportFrom)):
            leading.append(stmt)
        else:
            break
    new = ast.parse(statement).body[0]
    if not isinstance(new, (ast.Import, ast.ImportFrom)):
        raise ValueError(f"not an import statement: {statement!r}")
    own = _first_party_names(ctx.path)
    section, key = _import_section(new, own), _import_key(new)
    same = [s for s in leading if _import_section(s, own) == section]
    if same:
        after = next((s for s in same if _import_key(s) > key), None)
        if after is not None:
            return insert_before_line(ctx, after.lineno, statement)
        return insert_before_line(ctx, (same[-1].end_lineno or same[-1].lineno) + 1, statement)
    later = next((s for s in leading if _import_section(s, own) > section), None)
    if later is not None:     # the first import of its section, before the next section's
        return insert_before_line(ctx, later.lineno, statement + "\n\n")
    if leading:               # the first import of its section, after the last section's
        return insert_before_line(ctx, (leading[-1].end_lineno or leading[-1].lineno) + 1, "\n" + statement)
    return insert_before_line(ctx, line, statement)


def _first_party_names(rel_path: str) -> set[str]:
    """Top-level names the project's own modules may have: the folders and module of the file's path."""
    parts = rel_path.replace("\\", "/").split("/")
    return {*parts[:-1], parts[-1].rsplit(".", 1)[0]}


def _import_section(stmt: ast.Import | ast.ImportFrom, first_party: set[str]) -> int:
    """isort's section: 0 future, 1 standard library, 2 third party, 3 the project's own."""
    if isinstance(stmt, ast.ImportFrom) and stmt.level:
        return 3
    module = stmt.module or "" if isinstance(stmt, ast.ImportFrom) else stmt.names[0].name
    top = module.split(".", 1)[0]
    if top == "__future__":
        return 0
    if top in sys.stdlib_module_names:
        return 1
    return 3 if top in first_party else 2


def _import_key(stmt: ast.Import | ast.ImportFrom) -> tuple[int, str]:
    """isort's order in a section: straight imports first, then `from` imports, each by module."""
    if isinstance(stmt, ast.ImportFrom):
        return 1, (stmt.module or "").lower()
    return 0, stmt.names[0].name.lower()


# ---- applying edits to text ----------------------------------------------------------------------

def _offsets(lines: list[str]) -> list[int]:
    out, total = [], 0
    for line in lines:
        out.append(total)
        total += len(line)
    out.append(total)
    return out


_IMPORT_LINE = re.compile(r"(?:import|from)\s")


def _merged_imports(edits: Iterable[Edit]) -> list[Edit]:
    """Edits where every insertion of import lines at one position is one edit: the statements in
    isort's order, set apart by a blank line when any of them was (`import_edit`'s new section)."""
    out: list[Edit] = []
    inserts: dict[tuple[int, int], list[Edit]] = {}
    for e in edits:
        zero_width = (e.span.start_line, e.span.start_col) == (e.span.end_line, e.span.end_col)
        lines = e.new_text.strip("\n").split("\n")
        if zero_width and e.span.start_col == 1 and all(_IMPORT_LINE.match(line) for line in lines):
            inserts.setdefault((e.span.start_line, e.span.cell or 0), []).append(e)
        else:
            out.append(e)
    for group in inserts.values():
        if len(group) == 1:
            out += group
            continue
        statements = sorted({line for e in group for line in e.new_text.strip("\n").split("\n")},
                            key=lambda line: _import_key(ast.parse(line).body[0]))
        before = "\n" if any(e.new_text.startswith("\n") for e in group) else ""
        after = "\n" if any(e.new_text.endswith("\n\n") for e in group) else ""
        out.append(Edit(group[0].span, before + "\n".join(statements) + "\n" + after))
    return out


def apply_edits(text: str, edits: Iterable[Edit]) -> tuple[str, list[Edit]]:
    """Apply non-overlapping edits (code-point spans, one text); returns the text and the skipped ones.

    Lines are counted as the spans were (Python's LF, CRLF and CR only): `str.splitlines` also breaks at
    form feeds and U+2028, which put every later edit on the wrong line."""
    lines = split_lines(text, keepends=True)
    if not lines or lines[-1].endswith(("\n", "\r")):
        lines.append("")
    starts = _offsets(lines)

    def pos(line: int, col: int) -> int:
        line = max(1, min(line, len(lines)))
        return starts[line - 1] + col - 1

    # the same edit from two fixes (each adding `import os`) applies once; imports added at one place
    # become one block in isort's order
    ordered = sorted(_merged_imports(dict.fromkeys(edits)),
                     key=lambda e: (pos(e.span.start_line, e.span.start_col), pos(e.span.end_line, e.span.end_col)))
    out, cursor, skipped = [], 0, []
    for e in ordered:
        a, b = pos(e.span.start_line, e.span.start_col), pos(e.span.end_line, e.span.end_col)
        if a < cursor:
            skipped.append(e)
            continue
        out.append(text[cursor:a])
        out.append(e.new_text)
        cursor = b
    out.append(text[cursor:])
    return "".join(out), skipped


def fix_edits_by_cell(fix: Fix) -> dict[int | None, list[Edit]]:
    groups: dict[int | None, list[Edit]] = {}
    for e in fix.edits:
        groups.setdefault(e.span.cell, []).append(e)
    return groups


def span_text(text: str, span: Span) -> str:
    """The text a span covers (tests and previews)."""
    lines = split_lines(text, keepends=True)
    starts = _offsets(lines)
    a = starts[span.start_line - 1] + span.start_col - 1
    b = starts[span.end_line - 1] + span.end_col - 1
    return text[a:b]
