"""Notebook document sync: cells analysed together, results shown per cell, same as the CLI on the .ipynb."""
from __future__ import annotations

import json

import pytest
from lsprotocol import types

from lsp_client import apply_text_edits, capabilities, cli_check, edits_of, expected_from_cli, session, shown

pytestmark = pytest.mark.asyncio

CELLS = [
    ("code", "from openai import OpenAI\n\nclient = OpenAI()  # made here, used two cells later"),
    ("markdown", "# Ask the model 🤖\nSome *notes*."),
    ("code", "%time x = 1\nanswer = client.chat.completions.create(model=\"gpt-4o\", messages=[{\"role\": \"user\", \"content\": \"你好\"}])"),
]


def notebook_json(cells) -> str:
    return json.dumps({"cells": [{"cell_type": kind, "source": text, "metadata": {},
                                  **({"outputs": [], "execution_count": None} if kind == "code" else {})}
                                 for kind, text in cells],
                       "metadata": {"kernelspec": {"language": "python", "name": "python3"}},
                       "nbformat": 4, "nbformat_minor": 5})


def notebook_caps(client: str) -> types.ClientCapabilities:
    caps = capabilities(client)
    caps.notebook_document = types.NotebookDocumentClientCapabilities(
        synchronization=types.NotebookDocumentSyncClientCapabilities())
    return caps


def open_notebook(s, name: str, cells) -> tuple[str, list[str]]:
    nb_uri = s.uri(name)
    cell_uris = [f"vscode-notebook-cell:{(s.root / name).as_posix()}#C{i}" for i in range(len(cells))]
    s.client.notebook_document_did_open(types.DidOpenNotebookDocumentParams(
        notebook_document=types.NotebookDocument(uri=nb_uri, notebook_type="jupyter-notebook", version=1, cells=[
            types.NotebookCell(kind=types.NotebookCellKind.Code if kind == "code" else types.NotebookCellKind.Markup,
                               document=uri) for (kind, _), uri in zip(cells, cell_uris)]),
        cell_text_documents=[types.TextDocumentItem(uri=uri, language_id="python" if kind == "code" else "markdown",
                                                    version=1, text=text)
                             for (kind, text), uri in zip(cells, cell_uris)]))
    return nb_uri, cell_uris


@pytest.mark.parametrize("client", ["vscode", "neovim"])
async def test_notebook_cells_are_one_module_and_match_the_cli(project, client):
    (project / "nb.ipynb").write_text(notebook_json(CELLS), encoding="utf-8")
    report = cli_check(project, "nb.ipynb")
    assert {d["cell"] for d in report["diagnostics"]} == {2}, "the call in cell 2 uses the client of cell 0"
    async with session(project, notebook_caps(client)) as s:
        _, cells = open_notebook(s, "nb.ipynb", CELLS)
        got = await s.diagnostics(cells[2], version=1)
        assert shown(got) == expected_from_cli(report, CELLS[2][1], cell=2)
        assert not (await s.diagnostics(cells[0], version=1))
        hints = await s.client.text_document_inlay_hint_async(types.InlayHintParams(
            text_document=types.TextDocumentIdentifier(cells[2]),
            range=types.Range(types.Position(0, 0), types.Position(5, 0))))
        assert [h.position.line for h in hints] == [1]
        assert hints[0].position.character == len(CELLS[2][1].splitlines()[1].encode("utf-16-le")) // 2


async def test_notebook_cell_edit_reanalyses_and_a_quick_fix_lands_in_the_cell(project):
    async with session(project, notebook_caps("vscode")) as s:
        nb_uri, cells = open_notebook(s, "nb.ipynb", CELLS)
        diags = await s.diagnostics(cells[2], version=1)
        timeout = next(d for d in diags if d.code == "LLM001")
        actions = await s.client.text_document_code_action_async(types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(cells[2]), range=timeout.range,
            context=types.CodeActionContext(diagnostics=[timeout])))
        action = next(a for a in actions if a.edit is not None)
        fixed = apply_text_edits(CELLS[2][1], edits_of(action, cells[2]))
        assert fixed != CELLS[2][1] and not edits_of(action, cells[0])
        s.client.notebook_document_did_change(types.DidChangeNotebookDocumentParams(
            notebook_document=types.VersionedNotebookDocumentIdentifier(uri=nb_uri, version=2),
            change=types.NotebookDocumentChangeEvent(cells=types.NotebookDocumentCellChanges(text_content=[
                types.NotebookDocumentCellContentChanges(
                    document=types.VersionedTextDocumentIdentifier(uri=cells[2], version=2),
                    changes=[types.TextDocumentContentChangeWholeDocument(text=fixed)])]))))
        after = await s.diagnostics(cells[2], version=2)
        assert "LLM001" not in {d.code for d in after}
        assert len(after) == len(diags) - 1

        # deleting the cell that makes the client leaves the call unresolved: its findings go
        s.client.notebook_document_did_change(types.DidChangeNotebookDocumentParams(
            notebook_document=types.VersionedNotebookDocumentIdentifier(uri=nb_uri, version=3),
            change=types.NotebookDocumentChangeEvent(cells=types.NotebookDocumentCellChanges(
                structure=types.NotebookDocumentCellChangeStructure(
                    array=types.NotebookCellArrayChange(start=0, delete_count=1, cells=[]),
                    did_close=[types.TextDocumentIdentifier(uri=cells[0])])))))
        (project / "nb.ipynb").write_text(notebook_json([CELLS[1], ("code", fixed)]), encoding="utf-8")
        expected = expected_from_cli(cli_check(project, "nb.ipynb"), fixed, cell=1)
        final = await s.diagnostics(cells[2], until=lambda d: shown(d) == expected, timeout=10)
        assert shown(final) == expected
