"""`estimateDiagnostics` (what JupyterLab's spec turns on with `llm-lint lsp --estimate-diagnostics`): each
site's estimate also arrives as a hint diagnostic, for clients that request no inlay hints. Off by
default: other clients keep inlay hints and see no extra diagnostics."""
from __future__ import annotations

import pytest
from lsprotocol import types

from lsp_client import capabilities, cli_check, session

pytestmark = pytest.mark.asyncio


def hints(diagnostics: list[types.Diagnostic]) -> list[types.Diagnostic]:
    return [d for d in diagnostics if d.severity == types.DiagnosticSeverity.Hint and d.code is None]


async def test_estimates_as_hint_diagnostics_only_when_asked(project):
    report = cli_check(project, "app.py")
    estimated = [s["line"] for s in report["call_sites"] if s["id"] in report["estimates"]]
    async with session(project, capabilities("neovim"), init_options={"llmsight": {"estimateDiagnostics": True}}) as s:
        uri = s.open("app.py")
        shown = hints(await s.diagnostics(uri, version=1))
        assert sorted(d.range.start.line + 1 for d in shown) == sorted(estimated)
        assert all(d.message.startswith("estimate: ") and d.source == "llmsight" for d in shown)
        assert any("/call · p95 " in d.message for d in shown)
        action = await s.client.text_document_code_action_async(types.CodeActionParams(
            types.TextDocumentIdentifier(uri), shown[0].range, types.CodeActionContext(diagnostics=shown)))
        assert not [a for a in action or [] if a.kind == types.CodeActionKind.QuickFix]   # a hint has no fix
    async with session(project, capabilities("neovim")) as s:
        uri = s.open("app.py")
        assert not hints(await s.diagnostics(uri, version=1))
