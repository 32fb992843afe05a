"""Parse a file as the Python its project targets, not only as the Python llmsight runs on.

Python 3.12 (PEP 701) lets an f-string's replacement field hold the f-string's own quote, backslashes,
comments and line breaks: `f"{row["model"]}"` is valid 3.12 and a SyntaxError on 3.11, so a project written
for 3.12 would lose whole files when llm-lint runs on an older interpreter. libcst's parser reads 3.12
syntax; on an older interpreter each f-string `ast` rejects is rewritten in place, at the same length and
line breaks (so every line and column stays where it was): first with the inner strings' quotes flipped
(`f"{row['model']}"`, what the f-string means), else as an empty string of the same shape (its text is
then unknown to llmsight, as a run-time string would be).
"""
from __future__ import annotations

import ast
import sys

NEEDS_PEP_701 = sys.version_info < (3, 12)
MAX_REWRITES = 1000   # a file with more f-strings to rewrite than this is reported as it stands


def parse_source(text: str) -> ast.Module:
    """`ast.parse(text)`, reading PEP 701 f-strings on interpreters older than 3.12. Raises the original
    SyntaxError (with a note saying the file needs Python 3.12 when that is the reason) when it cannot."""
    try:
        return ast.parse(text)
    except SyntaxError as exc:
        if not (NEEDS_PEP_701 and _maybe_pep_701(exc, text)):
            raise
        rewritten = _as_older_python(text)
        if rewritten is None:
            raise
        try:
            return ast.parse(rewritten)
        except SyntaxError:
            exc.msg = f"{exc.msg}; the file is valid Python 3.12: run llm-lint under Python 3.12 or later"
            raise exc from None


def _maybe_pep_701(exc: SyntaxError, text: str) -> bool:
    """Worth libcst's slower parse: an error an older tokenizer gives inside f-strings, in a file holding
    one (a file being typed in the editor is often broken for other reasons)."""
    msg = exc.msg or ""
    return (any(m in msg for m in ("f-string", "unterminated string", "after line continuation"))
            and any(p in text for p in ('f"', "f'", 'F"', "F'")))


def _as_older_python(text: str) -> str | None:
    """The text with each f-string that `ast` rejects rewritten to one it reads, same length and line
    breaks; None when libcst cannot parse the text either (a real syntax error) or nothing was rewritten."""
    try:
        import libcst as cst
        from libcst.metadata import MetadataWrapper, PositionProvider
    except ImportError:      # pragma: no cover - libcst is a dependency
        return None
    try:
        wrapper = MetadataWrapper(cst.parse_module(text), unsafe_skip_copy=True)
    except (cst.ParserSyntaxError, RecursionError, ValueError):
        return None
    positions = wrapper.resolve(PositionProvider)
    starts = _line_offsets(text)
    edits: list[tuple[int, int, str]] = []
    for node, where in positions.items():
        if not isinstance(node, cst.FormattedString) or len(edits) >= MAX_REWRITES:
            continue
        begin = starts[where.start.line - 1] + where.start.column
        end = starts[where.end.line - 1] + where.end.column
        segment = text[begin:end]
        if _reads(segment):
            continue
        edits.append((begin, end, _flip_inner_quotes(segment, node.start) or _same_shape_string(segment)))
    if not edits:
        return None
    out, last = [], 0
    for begin, end, new in sorted(edits):
        if begin < last:      # an f-string nested in one already rewritten
            continue
        out += [text[last:begin], new]
        last = end
    out.append(text[last:])
    return "".join(out)


def _line_offsets(text: str) -> list[int]:
    """The offset of each line's first character (lines as libcst counts them: \\n, \\r\\n or \\r)."""
    offsets, i = [0], 0
    while i < len(text):
        ch = text[i]
        if ch == "\r" and text[i + 1:i + 2] == "\n":
            i += 1
        if ch in "\r\n":
            offsets.append(i + 1)
        i += 1
    return offsets


def _reads(segment: str) -> bool:
    try:
        ast.parse(f"({segment})", mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def _flip_inner_quotes(segment: str, start: str) -> str | None:
    """`f"{d["a"]}"` -> `f"{d['a']}"`: each quote inside a replacement field that is the f-string's own
    becomes the other quote; None when that does not read (backslashes, comments, the other quote inside)."""
    quote = start.lstrip("rRbBfFuU")[:1]
    other = "'" if quote == '"' else '"'
    body_start, body_end = len(start), len(segment) - len(start.lstrip("rRbBfFuU"))
    chars, depth = list(segment), 0
    i = body_start
    while i < body_end:
        ch = chars[i]
        if not depth and ch in "{}" and chars[i + 1] == ch:    # {{ and }}: a literal brace
            i += 2
            continue
        i += 1
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth = max(depth - 1, 0)
        elif depth and ch == quote:
            chars[i - 1] = other
        elif depth and ch == other:
            return None
    flipped = "".join(chars)
    return flipped if _reads(flipped) else None


def _same_shape_string(segment: str) -> str:
    """A string of spaces with the segment's length and line breaks: `"   "`, as `(""   )` in
    parentheses when it spans lines (a line break may sit inside brackets)."""
    if "\n" not in segment and "\r" not in segment:
        return '"' + " " * (len(segment) - 2) + '"'
    filler = "".join(ch if ch in "\r\n" else " " for ch in segment[3:-1])
    return '(""' + filler + ")"
