"""Open documents, their analyses, and the scheduler that keeps analysis off the event loop.

Every change bumps a document's *generation*. An edit that changed only comments no rule reads reuses
the last result at once (no debounce: typing a comment costs a comparison). Otherwise the current text is
snapshotted on the event loop and analysed on one worker thread: at once when the document was idle for
the debounce (a single edit shows its findings as fast as they are computed); while edits keep coming,
after a pause as long as the debounce or as the document's last analysis took, whichever is shorter (a
burst on a large file is analysed once it pauses, a small file keeps up with the typing). A result whose generation is no longer
current is dropped, and the worker skips snapshots that went stale while queued. Requests
(hover, hints, lenses, actions, pulled diagnostics) await the analysis of the current generation
for a bounded time, then fall back to the newest one, so they never block on a slow analysis and a
cancelled request just stops waiting.

A text document is one analysis target; a notebook is one analysis (its cells form one virtual
module) whose results are split back per cell URI. The editor's copy of each document is an
`EditableDocument`: edits cost the lines they touch, not the whole document.
"""
from __future__ import annotations

import asyncio
import itertools
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from lsprotocol import types
from pygls.workspace import TextDocument, Workspace

from llmsight.lsp import positions
from llmsight.records import CallSite, Estimate

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Target:
    """One editor document inside an analysis: a text file, or one cell of a notebook."""

    uri: str
    version: int | None
    lines: tuple[str, ...]
    cell: int | None = None     # index into the notebook's cells array (markdown cells included)


@dataclass(frozen=True)
class Snapshot:
    key: str                    # URI of the text document or of the notebook
    generation: int
    path: Path                  # filesystem path the analysis reports (need not exist)
    root: Path
    source: str                 # Python text, or notebook JSON for notebooks
    is_notebook: bool
    targets: tuple[Target, ...]
    encoding: str


@dataclass
class SiteView:
    site: CallSite
    range: types.Range
    estimate: Estimate | None


@dataclass
class View:
    """What one document shows: LSP-ready diagnostics and call sites with their ranges."""

    target: Target
    diagnostics: list[types.Diagnostic] = field(default_factory=list)
    sites: list[SiteView] = field(default_factory=list)
    parse_error: bool = False


@dataclass
class Analysis:
    key: str
    generation: int
    views: dict[str, View]
    root: Path
    config: Any
    traffic: str | None = None   # the traffic source the estimates came from, if any
    checked: int | None = None   # the generation whose text was analysed, when a later one reuses it

    @property
    def token(self) -> int:
        """The analysis process's name for the check behind these views."""
        return self.checked if self.checked is not None else self.generation


@dataclass
class _DocState:
    generation: int = 0
    analysis: Analysis | None = None
    task: asyncio.Task | None = None
    done: asyncio.Event = field(default_factory=asyncio.Event)
    changed_at: float = float("-inf")   # monotonic time of the last change
    cost_s: float = float("inf")        # how long its last analysis took (wall clock)


class Scheduler:
    """Debounced, cancellable, off-loop analysis of documents keyed by URI."""

    def __init__(self, analyse: Callable[[Snapshot], Analysis | None], snapshot: Callable[[str, int], Snapshot | None],
                 on_result: Callable[[Analysis, Analysis | None], None], debounce_s: Callable[[], float],
                 on_error: Callable[[str, BaseException], None],
                 reuse: Callable[[Snapshot], Analysis | None] | None = None):
        self._analyse = analyse
        self._reuse = reuse
        self._snapshot = snapshot
        self._on_result = on_result
        self._debounce_s = debounce_s
        self._on_error = on_error
        self._docs: dict[str, _DocState] = {}
        self._generations = itertools.count(1)   # unique across documents: doubles as a result id
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="llmsight-analysis")

    def keys(self) -> list[str]:
        return list(self._docs)

    def changed(self, key: str, *, immediate: bool = False, edited: bool = False) -> None:
        """The document changed: analyse its text now when `immediate` or idle for the debounce, else after
        the debounce. `edited`: the editor changed its text (not a reload or a save elsewhere), so the last
        result may be reused when the edit changed nothing it found."""
        state = self._docs.setdefault(key, _DocState())
        state.generation = next(self._generations)
        state.done.clear()
        now = time.monotonic()
        idle = now - state.changed_at >= self._debounce_s()
        state.changed_at = now
        if state.task is not None and not state.task.done():
            state.task.cancel()
        delay = 0.0 if immediate or idle else None
        reuse = edited and not immediate and state.analysis is not None
        state.task = asyncio.ensure_future(self._run(key, state, state.generation, delay, reuse))

    def closed(self, key: str) -> Analysis | None:
        state = self._docs.pop(key, None)
        if state is None:
            return None
        if state.task is not None:
            state.task.cancel()
        state.done.set()
        return state.analysis

    def current(self, key: str) -> Analysis | None:
        state = self._docs.get(key)
        return state.analysis if state else None

    async def latest(self, key: str, wait_s: float) -> Analysis | None:
        """The analysis of the current text, waiting at most `wait_s` for it; else the newest one."""
        state = self._docs.get(key)
        if state is None:
            return None
        if not state.done.is_set():
            try:
                await asyncio.wait_for(state.done.wait(), wait_s)
            except asyncio.TimeoutError:
                pass
        return state.analysis

    def is_current(self, key: str, generation: int) -> bool:
        state = self._docs.get(key)
        return state is not None and state.generation == generation

    async def _run(self, key: str, state: _DocState, generation: int, delay: float | None, reuse: bool) -> None:
        started = time.monotonic()
        analysis = None
        try:
            if reuse and self._reuse is not None:
                snap = self._snapshot(key, generation)
                if snap is None:
                    return
                analysis = await asyncio.get_running_loop().run_in_executor(self._executor, self._work, snap,
                                                                            self._reuse)
            if analysis is None:
                # while edits keep coming, wait for a pause, but no longer than an analysis takes: a cheap
                # one may as well run per keystroke, an expensive one only once the typing pauses
                wait = min(self._debounce_s(), state.cost_s) if delay is None else delay
                await asyncio.sleep(max(0.0, wait - (time.monotonic() - started)))
                snap = self._snapshot(key, generation)
                if snap is None:
                    return
                began = time.monotonic()
                analysis = await asyncio.get_running_loop().run_in_executor(self._executor, self._work, snap,
                                                                            self._analyse)
                if analysis is not None:
                    state.cost_s = time.monotonic() - began
        except asyncio.CancelledError:
            raise
        except Exception as exc:   # noqa: BLE001 - logged; the last analysis stays on screen
            self._on_error(key, exc)
            analysis = None
        if state.generation != generation or self._docs.get(key) is not state:
            return   # the text changed meanwhile: a newer run owns this document
        previous = state.analysis
        if analysis is not None:
            state.analysis = analysis
            try:
                self._on_result(analysis, previous)
            except Exception as exc:  # noqa: BLE001
                self._on_error(key, exc)
        state.done.set()

    def _work(self, snap: Snapshot, analyse: Callable[[Snapshot], Analysis | None]) -> Analysis | None:
        if not self.is_current(snap.key, snap.generation):
            return None   # went stale while queued behind another analysis
        return analyse(snap)

    def warm_up(self, work: Callable[[], None]) -> None:
        """Run `work` on the worker before the first document arrives (it queues ahead of analyses)."""
        self._executor.submit(work)

    def shutdown(self) -> None:
        for state in self._docs.values():
            if state.task is not None:
                state.task.cancel()
        self._executor.shutdown(wait=False, cancel_futures=True)


class EditableDocument(TextDocument):
    """pygls' TextDocument kept as LSP lines (only \\n, \\r\\n and \\r end one; pygls used
    `str.splitlines`, which also splits at form feeds and \\u2028, so edits after those landed on the
    wrong line). An incremental edit converts its two positions on their own lines and replaces only
    the lines it spans, at C speed: 200 edits on a 1.4 M-character line took pygls 89 s."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._lines = positions.lines_with_ends(self._source or "")
        self._source = None

    @property
    def source(self) -> str:
        if self._source is None:
            self._source = "".join(self._lines)
        return self._source

    @property
    def lines(self) -> tuple[str, ...]:
        return tuple(self._lines)

    def _apply_full_change(self, change: types.TextDocumentContentChangeEvent) -> None:
        self._lines = positions.lines_with_ends(change.text)
        self._source = None

    def _apply_incremental_change(self, change: types.TextDocumentContentChangePartial) -> None:
        (first, start), (last, end) = sorted((self._index(change.range.start), self._index(change.range.end)))
        lines = self._lines
        joins_previous = start == 0 and first > 0 and lines[first - 1].endswith("\r")   # a lone \r, then \n?
        if first == last and not joins_previous and not any(ch in change.text for ch in "\r\n"):
            lines[first] = lines[first][:start] + change.text + lines[first][end:]
        else:
            # from the line before: a lone \r ending it and a \n at the edit's start become one line end
            before = max(first - 1, 0)
            text = "".join(lines[before:first]) + lines[first][:start] + change.text + lines[last][end:]
            replacement = positions.lines_with_ends(text)
            if last < len(lines) - 1:
                replacement.pop()     # the "" after the last line end: the next line follows
            lines[before:last + 1] = replacement
        self._source = None

    def _index(self, position: types.Position) -> tuple[int, int]:
        """(line, code-point column) of an LSP position, clamped to the document: a line past the end
        is the end, a column past a line's text is its end (before the line break)."""
        if position.line >= len(self._lines):
            return len(self._lines) - 1, len(self._lines[-1])
        line = self._lines[position.line]
        text_end = len(line) - (2 if line.endswith("\r\n") else 1 if line.endswith(("\r", "\n")) else 0)
        return position.line, min(positions.from_units(line, position.character, self.position_codec.encoding),
                                  text_end)


class EditableWorkspace(Workspace):
    """pygls' Workspace holding `EditableDocument`s."""

    @classmethod
    def replacing(cls, workspace: Workspace, sync_kind: types.TextDocumentSyncKind) -> "EditableWorkspace":
        """The same workspace (root, folders, position encoding), before any document is open."""
        return cls(workspace.root_uri, sync_kind, list(workspace.folders.values()), workspace.position_encoding)

    def _create_text_document(self, doc_uri: str, source: str | None = None, version: int | None = None,
                              language_id: str | None = None) -> TextDocument:
        return EditableDocument(doc_uri, source=source, version=version, language_id=language_id,
                                sync_kind=self._sync_kind, position_codec=self.position_codec)
