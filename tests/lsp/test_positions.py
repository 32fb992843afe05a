"""Code-point columns → LSP columns in each position encoding, on emoji, CJK and accented text."""
from __future__ import annotations

import pytest

from llmsight.lsp import positions
from llmsight.records import Span

LINE = 'x = "😀 你好 é"; y = call()'


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16", "utf-32"])
def test_column_after_non_ascii_text(encoding):
    col = LINE.index("call")   # 0-based code points
    prefix = LINE[:col]
    expected = {"utf-8": len(prefix.encode("utf-8")), "utf-16": len(prefix.encode("utf-16-le")) // 2,
                "utf-32": len(prefix)}[encoding]
    assert positions.to_units(LINE, col, encoding) == expected


def test_span_range_is_zero_based_and_clamps_past_the_end():
    rng = positions.span_range([LINE], Span("a.py", 1, LINE.index("call") + 1, 1, len(LINE) + 50), "utf-16")
    assert (rng.start.line, rng.start.character) == (0, len(LINE[:LINE.index("call")].encode("utf-16-le")) // 2)
    assert rng.end.character == len(LINE.encode("utf-16-le")) // 2
    beyond = positions.span_range([LINE], Span("a.py", 7, 1, 7, 3), "utf-16")
    assert (beyond.start.line, beyond.start.character, beyond.end.character) == (6, 0, 0)


def test_lines_end_only_where_lsp_and_python_end_them():
    assert positions.split_lines("a\x0cb\u2028c\r\nd\re\n") == ("a\x0cb\u2028c", "d", "e", "")
