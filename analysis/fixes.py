"""Fix edits as libcst transformations of one node's source text.

Analysis runs on `ast` for speed; an edit re-parses only the affected call (or statement) with libcst,
transforms it losslessly and replaces that node's whole span, so formatting and comments inside
survive and edits on different calls compose. Overlapping edits on one call are applied in rounds
by `apply_fixes` (as ruff does).
"""
from __future__ import annotations

import ast
from functools import lru_cache
from typing import Iterable

from llmsight.analysis import libcst as cst

from llmsight.analysis.context import FileContext
from llmsight.analysis.modules import split_lines
from llmsight.records import Edit, Fix, Span


def _parse_expr(text: str) -> cst.BaseExpression:
    try:
        return cst.parse_expression(text)
    except cst.ParserSyntaxError:
        # a call continued with backslashes or starting mid-line: parenthesise to parse, strip after
        return cst.parse_expression(f"({text})")


def _with_keywords(call: cst.Call, kwargs: dict[str, str], replace: bool) -> cst.Call:
    args = list(call.args)
    pending = dict(kwargs)
    for i, arg in enumerate(args):
        if arg.keyword is not None and arg.keyword.value in pending:
            value = pending.pop(arg.keyword.value)
            if replace:
                args[i] = arg.with_changes(value=cst.parse_expression(value))
    for name, value in pending.items():
        new_arg = cst.Arg(
            keyword=cst.Name(name), value=cst.parse_expression(value),
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
    """Add `statement` after the module docstring and the file's leading imports unless it is already there."""
    if any(line.strip() == statement for line in ctx.lines):
        return None
    line = 1
    body = ctx.tree.body
    for stmt in body:
        is_doc = isinstance(stmt, ast.Expr) and isinstance(getattr(stmt, "value", None), ast.Constant) \
            and isinstance(stmt.value.value, str)
        if stmt is body[0] and is_doc or isinstance(stmt, (ast.Import, ast.ImportFrom)):
            line = (stmt.end_lineno or stmt.lineno) + 1
        else:
            break
    return insert_before_line(ctx, line, statement)


# ---- applying edits to text ----------------------------------------------------------------------

def _offsets(lines: list[str]) -> list[int]:
    out, total = [], 0
    for line in lines:
        out.append(total)
        total += len(line)
    out.append(total)
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

    # the same edit from two fixes (each adding `import os`) applies once
    ordered = sorted(dict.fromkeys(edits), key=lambda e: (pos(e.span.start_line, e.span.start_col),
                                                          pos(e.span.end_line, e.span.end_col)))
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
