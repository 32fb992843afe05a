"""An embedding of text known only at run time is priced per text at the input-size prior: the inlay hint
and the code lens say so, with the figure and basis the CLI's JSON gives (real server over stdio)."""
from __future__ import annotations

import re

import pytest
from lsprotocol import types

from llmsight.formats._common import usd
from lsp_client import capabilities, cli_check, session

pytestmark = pytest.mark.asyncio

APP = '''from openai import OpenAI

client = OpenAI(timeout=10, max_retries=2)


def embed(texts):
    return client.embeddings.create(model="text-embedding-3-small", input=texts)


def ask(question):
    return client.chat.completions.create(model="gpt-4o-mini", max_completion_tokens=200,
                                          messages=[{"role": "user", "content": question}])
'''


@pytest.fixture
def embedding_project(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[project]\nname = \"demo\"\n", encoding="utf-8")
    (tmp_path / "app.py").write_text(APP, encoding="utf-8")
    return tmp_path


async def test_hint_and_lens_say_per_text_at_the_prior(embedding_project):
    report = cli_check(embedding_project, "app.py")
    by_line = {site["end_line"] - 1: report["estimates"][site["id"]]["cost_per_call"] for site in report["call_sites"]}
    embed_line = APP.splitlines().index(next(line for line in APP.splitlines() if "embeddings.create" in line))
    embedding, chat = by_line.pop(embed_line), next(iter(by_line.values()))
    per_text = re.search(r"[\d,]+ tokens per text", embedding["prior"]).group(0)   # the basis text/JSON/hover give
    async with session(embedding_project, capabilities("vscode")) as s:
        uri = s.open("app.py")
        await s.diagnostics(uri, version=1)
        doc = types.TextDocumentIdentifier(uri)
        hints = {h.position.line: h.label for h in await s.client.text_document_inlay_hint_async(
            types.InlayHintParams(doc, types.Range(types.Position(0, 0), types.Position(len(APP.splitlines()), 0))))}
        lenses = {l.range.start.line: l.command.title
                  for l in await s.client.text_document_code_lens_async(types.CodeLensParams(doc))}
    hint, lens = hints[embed_line], lenses[embed_line]
    for label in (hint, lens):
        assert f"≈{usd(embedding['value'])}/call" in label and per_text in label and "prior" in label, label
    chat_hint = next(label for line, label in hints.items() if line != embed_line)
    assert f"{usd(chat['value'])}/call" in chat_hint and "per text" not in chat_hint
