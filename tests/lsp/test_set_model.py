"""`llmsight.setModel` ("Set model for this site"): the server asks the editor to apply the pragma or
the [tool.llmsight.models] entry, and what it wrote is what the CLI then reads as the site's model."""
from __future__ import annotations

import pytest
from lsprotocol import types

from lsp_client import apply_text_edits, capabilities, cli_check, session

pytestmark = pytest.mark.asyncio

APP = '''import os
from openai import OpenAI

client = OpenAI()
MODEL = os.environ["CHAT_MODEL"]


def ask(prompt):
    return client.chat.completions.create(  # noqa: E501
        model=MODEL, messages=[{"role": "user", "content": prompt}], max_tokens=100, timeout=30)
'''


def _edits(params: types.ApplyWorkspaceEditParams) -> dict[str, list[types.TextEdit]]:
    edit = params.edit
    if edit.document_changes:
        return {c.text_document.uri: list(c.edits) for c in edit.document_changes if hasattr(c, "edits")}
    return {uri: list(e) for uri, e in (edit.changes or {}).items()}


async def test_set_model_writes_pragma_or_config_entry_the_cli_reads(project):
    (project / "app.py").write_text(APP, encoding="utf-8")
    async with session(project, capabilities("vscode")) as s:
        applied: list[types.ApplyWorkspaceEditParams] = []

        @s.client.feature(types.WORKSPACE_APPLY_EDIT)
        def apply_edit(params: types.ApplyWorkspaceEditParams) -> types.ApplyWorkspaceEditResult:
            applied.append(params)
            return types.ApplyWorkspaceEditResult(applied=True)

        uri = s.open("app.py")
        await s.diagnostics(uri, version=1)
        site = cli_check(project, "app.py")["call_sites"][0]
        assert site["model"]["value"] is None and "llmsight: model=" in site["model"]["unknown"]

        answer = await s.client.workspace_execute_command_async(types.ExecuteCommandParams(
            command="llmsight.setModel", arguments=[uri, site["id"], "gpt-4o-mini|gpt-4o"]))
        assert answer["applied"] is True and answer["where"] == "pragma", answer
        text = apply_text_edits(APP, _edits(applied[-1])[uri], s.encoding)
        assert "# noqa: E501  # llmsight: model=gpt-4o-mini|gpt-4o" in text.splitlines()[8]
        (project / "app.py").write_text(text, encoding="utf-8")
        priced = cli_check(project, "app.py")
        found = priced["call_sites"][0]["model"]
        assert [found["value"], *(c["value"] for c in found["candidates"][1:])] == ["gpt-4o-mini", "gpt-4o"]
        assert priced["estimates"][site["id"]]["range"]["basis"] == "model-set"

        (project / "app.py").write_text(APP, encoding="utf-8")
        s.replace(uri, APP)
        answer = await s.client.workspace_execute_command_async(types.ExecuteCommandParams(
            command="llmsight.setModel", arguments=[uri, site["id"], ["gpt-4o-mini"], "config"]))
        assert answer["applied"] is True and answer["where"] == "config", answer
        pyproject = project / "pyproject.toml"
        new = apply_text_edits(pyproject.read_text(encoding="utf-8"), _edits(applied[-1])[pyproject.as_uri()], s.encoding)
        assert new.endswith(f'[tool.llmsight.models]\n"{site["id"]}" = "gpt-4o-mini"\n')
        pyproject.write_text(new, encoding="utf-8")
        assert cli_check(project, "app.py")["call_sites"][0]["model"]["value"] == "gpt-4o-mini"

        for bad, says in (([uri, site["id"], "gpt 4o"], "without spaces"), ([uri, site["id"], "x", "nowhere"], "where="),
                          ([uri, "no-such-site", "x"], "no call site"), ([uri, site["id"]], "usage")):
            answer = await s.client.workspace_execute_command_async(types.ExecuteCommandParams(
                command="llmsight.setModel", arguments=bad))
            assert says in answer["error"], (bad, answer)
        assert len(applied) == 2
