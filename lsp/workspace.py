"""`diagnosticMode: "workspace"`: findings for the project's files that are not open, like a CI run.

Each workspace folder is checked with `llmsight.api.check` (in the analysis process, with the same
content-hash cache `llm-lint check` uses) when the server starts, after a save, and when config,
settings or traffic change. Open files keep showing their live buffer results; when one is closed,
its workspace findings come back. Notebooks are left to notebook sync (a closed notebook has no cell
URIs to show findings on).
"""
from __future__ import annotations

import asyncio
from pathlib import Path

from lsprotocol import types
from pygls.uris import to_fs_path

from llmsight.analysis.engine import read_scanned_text
from llmsight.lsp import diagnostics, positions
from llmsight.records import CheckResult


def _by_file(root: Path, result: CheckResult, encoding: str) -> dict[str, list[types.Diagnostic]]:
    grouped: dict[str, list] = {}
    for d in result.diagnostics:
        if d.span.cell is None and not d.span.path.endswith(".ipynb"):
            grouped.setdefault(d.span.path, []).append(d)
    out = {}
    for rel, found in grouped.items():
        path = Path(rel) if Path(rel).is_absolute() else root / rel
        text = read_scanned_text(path)
        if text is None:
            continue
        lines = positions.split_lines(text)
        uri = path.as_uri()

        def locate(cell, uri=uri, lines=lines):
            return (uri, lines, None) if cell is None else None

        out[uri] = [diagnostics.to_lsp(d, lines, locate, encoding) for d in found]
    return out


class WorkspaceDiagnostics:
    def __init__(self, ls) -> None:
        self.ls = ls
        self.published: dict[str, list[types.Diagnostic]] = {}
        self._task: asyncio.Task | None = None

    @property
    def enabled(self) -> bool:
        return self.ls.settings.diagnostic_mode == "workspace"

    def roots(self) -> list[Path]:
        folders = [to_fs_path(f.uri) for f in self.ls.workspace.folders.values()]
        if not folders and self.ls.workspace.root_uri:
            folders = [to_fs_path(self.ls.workspace.root_uri)]
        return [Path(f) for f in folders if f]

    def refresh(self) -> None:
        """Re-check the workspace (a newer request supersedes a running one)."""
        if self._task is not None and not self._task.done():
            self._task.cancel()
        self._task = asyncio.ensure_future(self._run() if self.enabled else self._clear())

    def closed(self, uri: str) -> bool:
        """A document was closed: show its workspace findings again. False when there are none."""
        if not self.enabled or uri not in self.published:
            return False
        self._publish(uri, self.published[uri])
        return True

    def _publish(self, uri: str, items: list[types.Diagnostic]) -> None:
        if self.ls.open_document(uri) is None:
            self.ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=items))

    async def _clear(self) -> None:
        for uri in self.published:
            self._publish(uri, [])
        self.published = {}

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        found: dict[str, list[types.Diagnostic]] = {}
        try:
            for root in self.roots():
                result, warnings = await loop.run_in_executor(
                    self.ls.requests, self.ls.analysis_process.check_workspace, root, self.ls.settings)
                for warning in warnings:
                    self.ls.warn_once(warning)
                found.update(await loop.run_in_executor(self.ls.requests, _by_file, root, result, self.ls.encoding))
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - open files still get their diagnostics
            self.ls.report_failure("workspace diagnostics", exc)
            return
        for uri in set(self.published) - set(found):
            self._publish(uri, [])
        self.published = found
        for uri, items in found.items():
            self._publish(uri, items)
