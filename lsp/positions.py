"""Columns between llmsight records (1-based lines, 1-based code-point columns) and LSP positions.

LSP positions are 0-based lines and 0-based columns counted in the code units of the encoding the
client and server agreed on at `initialize` (UTF-16 unless the client offers another): an emoji is 2
UTF-16 units, 4 UTF-8 bytes and 1 UTF-32 unit; a CJK ideograph is 1, 3 and 1.
"""
from __future__ import annotations

import re
from typing import Sequence

from lsprotocol import types

from llmsight.records import Span

UTF8, UTF16, UTF32 = "utf-8", "utf-16", "utf-32"
_EOL = re.compile(r"\r\n|\r|\n")
_AFTER_EOL = re.compile(r"(?<=\n)|(?<=\r)(?!\n)")


def split_lines(text: str) -> tuple[str, ...]:
    """Lines as LSP and Python's tokenizer count them: only \\n, \\r\\n and \\r end a line
    (`str.splitlines` also splits at form feeds, \\x1c-\\x1e, \\x85 and \\u2028)."""
    return tuple(_EOL.split(text)) or ("",)


def lines_with_ends(text: str) -> list[str]:
    """`split_lines` keeping each line's end, so that joining them gives `text` back; the last
    item is the text after the last line end ("" when it ends with one)."""
    return _AFTER_EOL.split(text)


def unit_length(text: str, encoding: str) -> int:
    """Length of `text` in the code units of `encoding` (at C speed: lines can be megabytes long)."""
    if encoding == UTF32 or text.isascii():
        return len(text)
    if encoding == UTF8:
        return len(text.encode("utf-8", "surrogatepass"))
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def from_units(line_text: str, units: int, encoding: str) -> int:
    """0-based column in `encoding` units → 0-based code-point column of `line_text`, clamped to the
    line; a column inside a character (half a surrogate pair, part of a UTF-8 sequence) is before it."""
    if units <= 0:
        return 0
    if encoding == UTF32 or line_text.isascii():
        return min(units, len(line_text))
    codec, width = ("utf-8", 1) if encoding == UTF8 else ("utf-16-le", 2)
    head = line_text[:units].encode(codec, "surrogatepass")[: units * width]
    for cut in range(len(head), max(len(head) - 4, 0) - 1, -1):   # UTF-8: step back over a cut sequence
        try:
            prefix = head[:cut].decode(codec, "surrogatepass")
            break
        except UnicodeDecodeError:
            continue
    else:
        return 0
    index = len(prefix)
    if index and "\ud800" <= prefix[-1] <= "\udbff" and line_text[index - 1] != prefix[-1]:
        index -= 1                    # UTF-16: the high half of an astral character's pair
    return index


def to_units(line_text: str, col: int, encoding: str) -> int:
    """0-based code-point column → 0-based column in `encoding` units (clamped to the line)."""
    return unit_length(line_text[: max(col, 0)], encoding)


def _line(lines: Sequence[str], index: int) -> str:
    return lines[index] if 0 <= index < len(lines) else ""


def position(lines: Sequence[str], line: int, col: int, encoding: str) -> types.Position:
    """1-based line and 1-based code-point column → LSP Position."""
    index = max(line - 1, 0)
    return types.Position(line=index, character=to_units(_line(lines, index), col - 1, encoding))


def span_range(lines: Sequence[str], span: Span, encoding: str) -> types.Range:
    return types.Range(start=position(lines, span.start_line, span.start_col, encoding),
                       end=position(lines, span.end_line, span.end_col, encoding))


def range_json(rng: types.Range) -> dict:
    """A range as plain JSON, for `Diagnostic.data` and other LSPAny payloads."""
    return {"start": {"line": rng.start.line, "character": rng.start.character},
            "end": {"line": rng.end.line, "character": rng.end.character}}


def ranges_overlap(a: types.Range, b: types.Range) -> bool:
    def key(p: types.Position) -> tuple[int, int]:
        return p.line, p.character

    return key(a.start) <= key(b.end) and key(b.start) <= key(a.end)
