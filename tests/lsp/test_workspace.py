"""diagnosticMode "workspace": findings for files that are not open, equal to `llm-lint check` of the project."""
from __future__ import annotations

import asyncio

import pytest
from lsprotocol import types

from lsp_client import capabilities, cli_check, expected_from_cli, session, shown

pytestmark = pytest.mark.asyncio

OTHER = '''import litellm


def classify(text):
    return litellm.completion(model="gpt-4o-mini", messages=[{"role": "user", "content": text}])
'''


async def test_workspace_mode_reports_closed_files_like_the_cli(project):
    (project / "pkg").mkdir()
    (project / "pkg" / "other.py").write_text(OTHER, encoding="utf-8")
    report = cli_check(project, ".")
    files = {d["path"] for d in report["diagnostics"]}
    assert files == {"app.py", "pkg/other.py"}
    caps = capabilities("vscode", pull=True)   # a pull client still gets pushes in workspace mode
    async with session(project, caps, init_options={"llmsight": {"diagnosticMode": "workspace"}}) as s:
        for rel in sorted(files):
            uri = (project / rel).as_uri()
            text = (project / rel).read_text(encoding="utf-8")
            per_file = {**report, "diagnostics": [d for d in report["diagnostics"] if d["path"] == rel]}
            got = await s.diagnostics(uri, until=bool, timeout=30)
            assert shown(got) == expected_from_cli(per_file, text)

        app = s.open("app.py")
        live = await s.diagnostics(app, version=1)
        before = len(s.published)
        s.client.text_document_did_close(types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(app)))
        for _ in range(500):   # closing shows the workspace findings again instead of clearing them
            after_close = [p for p in s.published[before:] if p.uri == app]
            if after_close:
                break
            await asyncio.sleep(0.02)
        assert live and shown(after_close[0].diagnostics) == shown(live)

        s.client.workspace_did_change_configuration(types.DidChangeConfigurationParams(
            settings={"llmsight": {"diagnosticMode": "openFiles"}}))
        other = (project / "pkg" / "other.py").as_uri()
        assert await s.diagnostics(other, until=lambda d: not d, timeout=10) == []
