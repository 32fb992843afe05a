"""The language server's "Switch model" actions come from the one recommender: an Anthropic call is never
given an edit that writes an OpenAI model (an allowed one is shown, disabled, saying the client must
change), and no action names a model retiring within the deprecation window."""
from __future__ import annotations

import datetime
import re
from pathlib import Path

import pytest
from lsprotocol import types

from lsp_client import capabilities, edits_of, session

pytestmark = pytest.mark.asyncio

APP = ('import anthropic\n\nclient = anthropic.Anthropic(timeout=30)\n\n\ndef ask(q):\n'
       '    return client.messages.create(model="claude-sonnet-4-6", max_tokens=300,\n'
       '                                  messages=[{"role": "user", "content": q}])\n')


@pytest.fixture
def anthropic_project(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "demo"\n\n[tool.llmsight]\nallowed_providers = ["anthropic"]\n'
        'allowed_models = ["gpt-5.4-mini", "gpt-4o-mini"]\n', encoding="utf-8")
    (tmp_path / "app.py").write_text(APP, encoding="utf-8")
    return tmp_path


async def test_switch_model_never_writes_another_providers_model(anthropic_project):
    from llmsight.knowledge.models import deprecation

    async with session(anthropic_project, capabilities("vscode")) as s:
        uri = s.open("app.py")
        await s.diagnostics(uri, version=1)
        actions = await s.client.text_document_code_action_async(types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri), range=types.Range(types.Position(6, 40), types.Position(6, 40)),
            context=types.CodeActionContext(diagnostics=[], only=[types.CodeActionKind.RefactorRewrite])))
    models = {re.match(r"Switch model to (\S+)", a.title).group(1): a for a in actions}
    assert any(m.startswith("claude") for m in models), list(models)
    openai = models.get("gpt-5.4-mini")
    assert openai is not None and openai.edit is None and openai.disabled is not None
    assert openai.disabled.reason.startswith("needs a client change: `gpt-5.4-mini` is served by OpenAI")
    for model, action in models.items():
        if action.edit is not None:
            assert model.startswith("claude") and all(model in e.new_text for e in edits_of(action, uri))
    today = datetime.date.today()
    assert "gpt-4o-mini" not in models or (deprecation("gpt-4o-mini").date - today).days > 90
    for model in models:
        dep = deprecation(model)
        assert dep is None or dep.date is None or (dep.date - today).days > 90, model
