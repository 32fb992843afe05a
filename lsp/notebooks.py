"""Notebook document sync: the cells of one notebook are analysed together as one notebook.

The editor's cells (markdown included, so indices match the `cells` array the CLI reports) become an
in-memory `.ipynb` that `llmsight.api.check_source` reads like a file on disk: a client made in one
cell is known in the next. Results come back per cell index and are shown on that cell's URI.
"""
from __future__ import annotations

import json

from lsprotocol import types

from llmsight.lsp import positions
from llmsight.lsp.documents import Target
from llmsight.lsp.guard import guarded


def notebook_source(open_document, notebook: types.NotebookDocument) -> tuple[str, tuple[Target, ...]]:
    cells, targets = [], []
    for index, cell in enumerate(notebook.cells):
        doc = open_document(cell.document)
        text = doc.source if doc is not None else ""
        is_python = cell.kind == types.NotebookCellKind.Code and (doc is None or doc.language_id in (None, "", "python"))
        cells.append({"cell_type": "code" if is_python else "markdown", "source": text, "metadata": {},
                      **({"outputs": [], "execution_count": None} if is_python else {})})
        targets.append(Target(cell.document, doc.version if doc is not None else None,
                              positions.split_lines(text), index))
    source = json.dumps({"cells": cells, "metadata": {"kernelspec": {"language": "python", "name": "python3"}},
                         "nbformat": 4, "nbformat_minor": 5})
    return source, tuple(targets)


def register(ls) -> None:
    @ls.feature(types.NOTEBOOK_DOCUMENT_DID_OPEN)
    @guarded()
    def did_open(ls, params: types.DidOpenNotebookDocumentParams) -> None:
        ls.scheduler.changed(params.notebook_document.uri, immediate=True)

    @ls.feature(types.NOTEBOOK_DOCUMENT_DID_CHANGE)
    @guarded()
    def did_change(ls, params: types.DidChangeNotebookDocumentParams) -> None:
        ls.scheduler.changed(params.notebook_document.uri)

    @ls.feature(types.NOTEBOOK_DOCUMENT_DID_CLOSE)
    @guarded()
    def did_close(ls, params: types.DidCloseNotebookDocumentParams) -> None:
        ls.document_closed(params.notebook_document.uri)
