"""llmsight diagnostics as LSP diagnostics, pushed (publishDiagnostics) or pulled (textDocument/diagnostic).

Each diagnostic carries its fixes in `data` with edits already converted to LSP ranges, so a code
action needs no re-analysis: `{"site_id": ..., "fixes": [{"title", "applicability",
"edits": [{"uri", "version", "range", "newText"}]}]}` (`version`: the document version the
range belongs to, so a stale fix is refused instead of corrupting the text).
"""
from __future__ import annotations

from typing import Callable, Sequence

from lsprotocol import types

from llmsight.formats import shown_text
from llmsight.lsp import positions
from llmsight.records import Diagnostic, Fix

SOURCE = "llmsight"
PARSE_ERROR = "LLM000"
_SEVERITY = {
    "error": types.DiagnosticSeverity.Error,
    "warning": types.DiagnosticSeverity.Warning,
    "info": types.DiagnosticSeverity.Information,
    "hint": types.DiagnosticSeverity.Hint,
}


def fix_data(fix: Fix, locate: Callable[[int | None], tuple[str, Sequence[str], int | None] | None], encoding: str) -> dict | None:
    """A fix as JSON with LSP ranges; None when one of its edits points into no open document."""
    edits = []
    for edit in fix.edits:
        where = locate(edit.span.cell)
        if where is None:
            return None
        uri, lines, version = where
        rng = positions.span_range(lines, edit.span, encoding)
        edits.append({"uri": uri, "version": version, "newText": edit.new_text,
                      "range": positions.range_json(rng)})
    return {"title": fix.title, "applicability": fix.applicability, "edits": edits}


def to_lsp(diag: Diagnostic, lines: Sequence[str], locate: Callable[[int | None], tuple[str, Sequence[str], int | None] | None],
           encoding: str) -> types.Diagnostic:
    fixes = [f for f in (fix_data(fix, locate, encoding) for fix in diag.fixes) if f is not None]
    rng = positions.span_range(lines, diag.span, encoding)
    if rng.end.line == rng.start.line and rng.end.character <= rng.start.character:
        rng = types.Range(start=rng.start, end=types.Position(rng.start.line, rng.start.character + 1))
    return types.Diagnostic(
        range=rng,
        message=shown_text(diag.message, lines=True),   # no key, no escape sequence reaches the editor
        severity=_SEVERITY.get(diag.severity, types.DiagnosticSeverity.Warning),
        code=diag.code,
        source=SOURCE,
        data={"site_id": diag.site_id, "name": diag.name, "fixes": fixes},
    )


def report(items: list[types.Diagnostic], result_id: str, previous_id: str | None):
    """Pull-mode answer: `unchanged` when the client already holds this result."""
    if previous_id is not None and previous_id == result_id:
        return types.UnchangedDocumentDiagnosticReport(result_id=result_id)
    return types.RelatedFullDocumentDiagnosticReport(items=items, result_id=result_id)
