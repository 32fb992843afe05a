"""The names a file imports (`engine.imported_names`, what the scan's second stage matches exports against)
are read in one pass: a hostile file of unclosed `from m import (` lines must not make each one scan to the
end of the file."""
from __future__ import annotations

import resource

from llmsight.analysis.engine import MAX_FILE_BYTES, imported_names


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def test_unclosed_parenthesised_imports_take_one_pass():
    data = b"from a import (\n" * (MAX_FILE_BYTES // 16)    # a file at the size limit, no `)` anywhere
    before = _cpu_s()
    assert imported_names(data) == frozenset()   # each `(` runs to its line's end: no names
    assert _cpu_s() - before < 2.0   # one pass: ~0.3 CPU-s; a scan to the end per line took ~15 minutes


def test_names_run_to_the_close_of_a_list_else_to_the_line_end():
    data = (b"from app.llm import (ask,\n    chat)  # both\n"
            b"  from m import x, y as z\n"
            b"value = 1; from n import not_at_line_start\n"
            b"from p import (r,  # see f(s)\n t)\n"
            b"from o import (unclosed, q\nfrom w import v\n")
    assert imported_names(data) == {b"ask", b"chat", b"x", b"y", b"as", b"z", b"r", b"see", b"f", b"s",
                                    b"unclosed", b"q", b"v"}
