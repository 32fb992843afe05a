"""The llmsight language server: document sync, scheduling, settings and reloads.

Thin by design: all analysis comes from `llmsight.api`; each LSP feature lives in its own module
(diagnostics, inlay_hints, hover, code_lens, code_actions, commands, notebooks) and registers itself
here. Run with `llm-lint lsp` (stdio).
"""
from __future__ import annotations

import asyncio
import logging
import os
import sys
import threading
import traceback
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from lsprotocol import types
from pygls.exceptions import JsonRpcException, JsonRpcInternalError
from pygls.io_ import StdoutWriter
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from llmsight import __version__
from llmsight.lsp import checker, diagnostics, positions, worker
from llmsight.lsp.documents import Analysis, Scheduler, Snapshot, Target
from llmsight.lsp.guard import GuardedProtocol, guarded, serve_stdio
from llmsight.lsp import status
from llmsight.lsp.settings import ProjectConfigs, Settings, traffic_stamp
from llmsight.lsp.worker import AnalysisProcess, WorkerDied, run_check
from llmsight.lsp.workspace import WorkspaceDiagnostics

log = logging.getLogger(__name__)

POLL_S = 2.0            # how often pyproject.toml / the traffic DB are checked for clients without file watching
REQUEST_WAIT_S = 1.0    # how long hints/hover/actions wait for the analysis of the current text
PULL_WAIT_S = 5.0       # pulled diagnostics wait longer: the client asked for exactly this version
NOTEBOOK_SYNC = types.NotebookDocumentSyncOptions(notebook_selector=[
    types.NotebookDocumentFilterWithCells(notebook="*", cells=[types.NotebookCellLanguage(language="python")])])
WATCHED = ("**/pyproject.toml", "**/*.duckdb", "**/*.duckdb.wal")


class LlmsightServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("llmsight", __version__, notebook_document_sync=NOTEBOOK_SYNC, max_workers=2,
                         protocol_cls=GuardedProtocol)
        self.settings = Settings()
        self.configs = ProjectConfigs()
        self.pull_diagnostics = False
        self.client_name: str | None = None     # clientInfo.name: Markdown differs by client (formatting.py)
        self.loop: asyncio.AbstractEventLoop | None = None
        self.requests = ThreadPoolExecutor(max_workers=1, thread_name_prefix="llmsight-requests")
        self.analysis_process = worker.EARLY or AnalysisProcess()   # `llm-lint lsp` started it before importing us
        self.analysis_process.on_restart = self._analysis_process_stopped
        self._warned: set[str] = set()
        self._stale_displays: set[str] = set()   # documents whose hints/lenses came from an older analysis
        self._stamps: dict[str, Any] = {}
        self._poller: asyncio.Task | None = None
        self.workspace_diagnostics = WorkspaceDiagnostics(self)
        self.scheduler = Scheduler(self._analyse, self._snapshot, self._publish,
                                   lambda: self.settings.debounce_ms / 1000, self._analysis_failed, self._reuse)

    def start_io(self, stdin=None, stdout=None) -> None:
        """pygls' stdio server with llmsight's reader (guard.serve_stdio): no byte stream on stdin can
        stop it answering or make it allocate more than one bounded message."""
        self._stop_event = threading.Event()      # pygls' shutdown() sets it
        self.protocol.set_writer(StdoutWriter(stdout or sys.stdout.buffer))
        try:
            asyncio.run(serve_stdio(self, (stdin or sys.stdin.buffer).fileno(), self._stop_event))
        except BrokenPipeError:
            log.warning("the editor closed the connection")
        except (KeyboardInterrupt, SystemExit):
            pass
        finally:
            self.analysis_process.close()
            self.shutdown()

    # ---- reporting -------------------------------------------------------------------------------

    def log(self, message: str, kind: types.MessageType = types.MessageType.Info) -> None:
        """window/logMessage from any thread."""
        self._tell(self.window_log_message, types.LogMessageParams, message, kind)

    def _on_loop(self) -> bool:
        try:
            return asyncio.get_running_loop() is self.loop
        except RuntimeError:
            return False

    def show(self, message: str, kind: types.MessageType = types.MessageType.Info) -> None:
        """window/showMessage from any thread: what every client puts in front of the user (Neovim
        echoes it, VS Code pops it up), unlike the log."""
        self._tell(self.window_show_message, types.ShowMessageParams, message, kind)

    def _tell(self, send, params, message: str, kind: types.MessageType) -> None:
        if self.loop is not None and not self._on_loop():
            self.loop.call_soon_threadsafe(self._tell, send, params, message, kind)
            return
        try:
            send(params(type=kind, message=f"llmsight: {message}"))
        except Exception:  # noqa: BLE001 - the client went away; nothing else to tell
            log.exception("cannot send %s to the client", params.__name__)

    def warn(self, message: str) -> None:
        """A problem the user must fix (a setting, the config, the traffic store): logged and shown."""
        self.log(message, types.MessageType.Warning)
        self.show(message, types.MessageType.Warning)

    def warn_once(self, message: str) -> None:
        if message not in self._warned:
            self._warned.add(message)
            self.warn(message)

    def report_failure(self, where: str, exc: BaseException) -> None:
        frame = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
        at = f" at {Path(frame.filename).name}:{frame.lineno}" if frame else ""
        self.log(f"internal error in {where}: {type(exc).__name__}: {exc}{at}; the server keeps running, "
                 "please report this", types.MessageType.Error)

    def report_server_error(self, error: Exception, source: Any) -> None:
        """pygls reports here both its own failures and the editor's mistakes (an unknown method):
        those were answered with their error already and are no internal error."""
        if isinstance(error, JsonRpcException) and not isinstance(error, JsonRpcInternalError):
            return
        self.report_failure("the protocol layer", error)

    def _analysis_failed(self, key: str, exc: BaseException) -> None:
        self.report_failure(f"analysis of {key}", exc)

    # ---- documents -------------------------------------------------------------------------------

    @property
    def encoding(self) -> str:
        encoding = self.workspace.position_encoding or types.PositionEncodingKind.Utf16
        return getattr(encoding, "value", encoding)

    def open_document(self, uri: str):
        """The editor's copy of a document, or None when it is not open (pygls keys them unquoted)."""
        return self.workspace.text_documents.get(unquote(uri))

    def key_for(self, uri: str) -> str:
        """The analysis a document belongs to: its notebook's for a cell, else its own."""
        notebook = self.workspace.get_notebook_document(cell_uri=uri)
        return notebook.uri if notebook is not None else uri

    def path_for(self, uri: str, suffix: str) -> Path:
        path = to_fs_path(uri) if uri.startswith("file:") else None
        if path:
            return Path(path)
        base = Path(to_fs_path(self.workspace.root_uri) or os.getcwd()) if self.workspace.root_uri else Path.cwd()
        return base / f"untitled{suffix}"

    def root_for(self, path: Path) -> Path:
        """Nearest directory holding pyproject.toml or .git (as `llm-lint check` decides), else the
        workspace folder holding the file, else the file's directory."""
        for d in path.parents:
            if (d / "pyproject.toml").is_file() or (d / ".git").exists():
                return d
        for folder in self.workspace.folders.values():
            folder_path = to_fs_path(folder.uri)
            if folder_path and path.is_relative_to(folder_path):
                return Path(folder_path)
        return path.parent

    def _snapshot(self, key: str, generation: int) -> Snapshot | None:
        notebook = self.workspace.get_notebook_document(notebook_uri=key)
        if notebook is not None:
            from llmsight.lsp.notebooks import notebook_source

            path = self.path_for(key, ".ipynb")
            source, targets = notebook_source(self.open_document, notebook)
            return Snapshot(key, generation, path, self.root_for(path), source, True, targets, self.encoding)
        doc = self.open_document(key)
        if doc is None:
            return None
        text = doc.source
        path = self.path_for(key, ".py")
        if path.suffix == ".ipynb" and not text.lstrip().startswith("{"):
            # jupyterlab-lsp sends a notebook as one Python text document under the notebook's URI
            path = path.with_name(path.name + ".py")
        target = Target(key, doc.version, positions.split_lines(text))
        return Snapshot(key, generation, path, self.root_for(path), text, False, (target,), self.encoding)

    def warm_up(self) -> None:
        """Start the analysis process, unless `llm-lint lsp` did, and let it load the analysis modules,
        price catalog, tokenizer and priors while the editor is still opening files."""
        self.analysis_process.warm_up()

    def _analyse(self, snap: Snapshot) -> Analysis:
        """Runs on the scheduler's thread, which waits for the analysis process (GIL released)."""
        try:
            result, config, traffic, warnings = self.analysis_process.check(snap.source, snap.path, snap.root,
                                                                            self.settings, snap.generation)
        except WorkerDied as exc:
            self._analysis_process_stopped(str(exc), f"checking {snap.path.name} here and ")
            warnings = []
            result, config, traffic = run_check(snap.source, snap.path, snap.root, self.settings, self.configs,
                                                warnings.append)
        for warning in warnings:
            self.warn_once(warning)
        return checker.analyse(snap, result, config, traffic, self.scheduler.current(snap.key), self.warn_once)

    def _analysis_process_stopped(self, reason: str, meanwhile: str = "") -> None:
        self.log(f"the analysis process stopped ({reason}); {meanwhile}starting a new one", types.MessageType.Warning)

    def _reuse(self, snap: Snapshot) -> Analysis | None:
        """The current analysis, for the snapshot's text, when the edit changed nothing it found (a comment
        typed: code and its positions are unchanged); None: analyse it."""
        current = self.scheduler.current(snap.key)
        if snap.is_notebook or current is None or any(v.parse_error for v in current.views.values()) \
                or set(current.views) != {t.uri for t in snap.targets}:
            return None
        try:
            same = self.analysis_process.same(snap.source, snap.path, snap.root, self.settings, current.token)
        except WorkerDied as exc:   # the next analysis starts a new process without noticing: say it here
            self._analysis_process_stopped(str(exc))
            return None
        except Exception as exc:  # noqa: BLE001 - the full analysis reports (and restarts) what went wrong
            log.debug("reuse failed: %s", exc)
            return None
        return checker.moved(current, snap) if same else None

    async def view_for_display(self, uri: str):
        """Like `view_at`, for hints and lenses: when they had to be served from an older analysis
        (the current one took too long), the client is asked to refresh them once it is ready."""
        analysis, view = await self.view_at(uri)
        key = self.key_for(uri)
        if analysis is not None and not self.scheduler.is_current(key, analysis.generation):
            self._stale_displays.add(key)
        return analysis, view

    def _publish(self, analysis: Analysis, previous: Analysis | None) -> None:
        from llmsight.lsp import alternatives

        status.report(self, analysis)
        alternatives.prefetch(self, analysis)   # hovers and code actions then find them computed
        if analysis.key in self._stale_displays:
            self._stale_displays.discard(analysis.key)
            asyncio.ensure_future(self._refresh_client_views(diagnostics=False))
        if self.pull_diagnostics:
            return
        for uri, view in analysis.views.items():
            self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(
                uri=uri, diagnostics=self.diagnostics_of(view), version=view.target.version))
        for uri in set(previous.views if previous else ()) - set(analysis.views):
            self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    def diagnostics_of(self, view) -> list[types.Diagnostic]:
        """A view's findings, plus each site's estimate as a hint when `estimateDiagnostics` is on."""
        if not self.settings.estimate_diagnostics:
            return view.diagnostics
        from llmsight.lsp.inlay_hints import as_diagnostics

        return view.diagnostics + as_diagnostics(view)

    def document_changed(self, uri: str, *, immediate: bool = False, edited: bool = False) -> None:
        self.scheduler.changed(self.key_for(uri), immediate=immediate, edited=edited)

    def document_closed(self, key: str) -> None:
        last = self.scheduler.closed(key)
        if last is not None and not self.pull_diagnostics:
            for uri in last.views:
                if not self.workspace_diagnostics.closed(uri):
                    self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    async def view_at(self, uri: str, wait_s: float = REQUEST_WAIT_S):
        """(analysis, view) of a document, the current text's when it is ready in time."""
        analysis = await self.scheduler.latest(self.key_for(uri), wait_s)
        view = analysis.views.get(uri) if analysis else None
        return analysis, view

    # ---- reloads ---------------------------------------------------------------------------------

    def reanalyse_all(self, reason: str) -> int:
        """Config, settings or traffic changed: re-check every open document and ask pull-mode
        clients to refresh what they show."""
        from llmsight.lsp import alternatives

        alternatives.clear()
        keys = self.scheduler.keys()
        for key in keys:
            self.scheduler.changed(key, immediate=True)
        if keys:
            self.log(f"{reason}: re-checking {len(keys)} open document(s)")
        asyncio.ensure_future(self._refresh_client_views())
        self.workspace_diagnostics.refresh()
        return len(keys)

    async def _refresh_client_views(self, diagnostics: bool = True) -> None:
        """Ask the client to re-request what it shows (pulled diagnostics, hints, lenses) once the
        open documents are analysed."""
        await asyncio.gather(*(self.scheduler.latest(k, PULL_WAIT_S) for k in self.scheduler.keys()))
        ws = self.client_capabilities.workspace
        if ws is None:
            return
        refreshes = []
        if diagnostics and self.pull_diagnostics and ws.diagnostics and ws.diagnostics.refresh_support:
            refreshes.append(self.workspace_diagnostic_refresh_async)
        if ws.inlay_hint and ws.inlay_hint.refresh_support:
            refreshes.append(self.workspace_inlay_hint_refresh_async)
        if ws.code_lens and ws.code_lens.refresh_support:
            refreshes.append(self.workspace_code_lens_refresh_async)
        for refresh in refreshes:
            try:
                await refresh(None)
            except Exception as exc:  # noqa: BLE001 - a client may refuse; views refresh on the next edit
                self.log(f"{refresh.__name__} refused: {exc}", types.MessageType.Warning)

    def watched_stamps(self) -> dict[str, Any]:
        """mtimes of every project's pyproject.toml and of the traffic DB in use."""
        stamps: dict[str, Any] = {}
        for key in self.scheduler.keys():
            analysis = self.scheduler.current(key)
            if analysis is None:
                continue
            stamps[str(analysis.root)] = traffic_stamp(analysis.root / "pyproject.toml")
            traffic = self.settings.traffic_db or getattr(analysis.config, "traffic", None)
            if traffic:
                path = Path(traffic) if Path(traffic).is_absolute() else analysis.root / traffic
                stamps[str(path)] = traffic_stamp(path)
        return stamps

    async def poll_files(self) -> None:
        """Reload when pyproject.toml or the traffic DB change on disk, for clients that do not send
        workspace/didChangeWatchedFiles (Neovim 0.7)."""
        while True:
            await asyncio.sleep(POLL_S)
            try:
                stamps = self.watched_stamps()
                changed = [k for k, v in stamps.items() if k in self._stamps and self._stamps[k] != v]
                self._stamps = stamps
                if changed:
                    self.configs.clear()
                    self.reanalyse_all(f"{', '.join(sorted(changed))} changed")
            except Exception as exc:  # noqa: BLE001
                self.report_failure("file polling", exc)

    def apply_settings(self, raw: Any) -> bool:
        settings, problems = self.settings.updated(raw)
        for problem in problems:
            self.warn(problem)
        changed = settings != self.settings
        self.settings = settings
        return changed


def create_server() -> LlmsightServer:
    from llmsight.lsp import code_actions, code_lens, commands, hover, inlay_hints, notebooks

    ls = LlmsightServer()

    @ls.feature(types.INITIALIZE)
    @guarded()
    def initialize(ls: LlmsightServer, params: types.InitializeParams) -> None:
        ls.loop = asyncio.get_running_loop()
        text = params.capabilities.text_document
        ls.client_name = params.client_info.name if params.client_info else None
        ls.apply_settings(params.initialization_options)
        # workspace mode publishes for files the client has not opened, which pull cannot express
        ls.pull_diagnostics = bool(text and text.diagnostic is not None) and not ls.workspace_diagnostics.enabled
        ls.log(f"{__version__} ready: {'pull' if ls.pull_diagnostics else 'push'} diagnostics, "
               f"positions in {ls.encoding}, debounce {ls.settings.debounce_ms} ms")
        ls.scheduler.warm_up(ls.warm_up)

    @ls.feature(types.INITIALIZED)
    @guarded()
    async def initialized(ls: LlmsightServer, params: types.InitializedParams) -> None:
        ls._poller = asyncio.ensure_future(ls.poll_files())
        ls.workspace_diagnostics.refresh()
        ws = ls.client_capabilities.workspace
        watch = ws.did_change_watched_files if ws else None
        if watch and watch.dynamic_registration:
            options = types.DidChangeWatchedFilesRegistrationOptions(
                watchers=[types.FileSystemWatcher(glob_pattern=g) for g in WATCHED])
            try:
                await ls.client_register_capability_async(types.RegistrationParams(registrations=[
                    types.Registration(id="llmsight-watch", method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                                       register_options=options)]))
            except Exception as exc:  # noqa: BLE001 - polling covers it
                ls.log(f"client refused file watching ({exc}); checking pyproject.toml and the traffic DB "
                       f"every {POLL_S:.0f} s instead")

    @ls.feature(types.SHUTDOWN)
    @guarded()
    def shutdown(ls: LlmsightServer, params: None) -> None:
        if ls._poller is not None:
            ls._poller.cancel()
        ls.scheduler.shutdown()
        ls.analysis_process.close()
        ls.requests.shutdown(wait=False, cancel_futures=True)

    @ls.feature(types.TEXT_DOCUMENT_DID_OPEN)
    @guarded()
    def did_open(ls: LlmsightServer, params: types.DidOpenTextDocumentParams) -> None:
        ls.document_changed(params.text_document.uri, immediate=True)

    @ls.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    @guarded()
    def did_change(ls: LlmsightServer, params: types.DidChangeTextDocumentParams) -> None:
        ls.document_changed(params.text_document.uri, edited=True)

    @ls.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    @guarded()
    def did_close(ls: LlmsightServer, params: types.DidCloseTextDocumentParams) -> None:
        if ls.workspace.get_notebook_document(cell_uri=params.text_document.uri) is None:
            ls.document_closed(params.text_document.uri)

    @ls.feature(types.TEXT_DOCUMENT_DID_SAVE)
    @guarded()
    def did_save(ls: LlmsightServer, params: types.DidSaveTextDocumentParams) -> None:
        """Other open files may import what was saved (a model constant, a client factory): re-check
        them against the file as it now is on disk."""
        saved = ls.key_for(params.text_document.uri)
        others = [key for key in ls.scheduler.keys() if key != saved]
        for key in others:
            ls.scheduler.changed(key)
        if others:
            asyncio.ensure_future(ls._refresh_client_views())
        ls.workspace_diagnostics.refresh()

    @ls.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    @guarded()
    async def did_change_configuration(ls: LlmsightServer, params: types.DidChangeConfigurationParams) -> None:
        raw = params.settings
        ws = ls.client_capabilities.workspace
        if not (isinstance(raw, dict) and raw) and ws is not None and ws.configuration:
            answer = await ls.workspace_configuration_async(
                types.ConfigurationParams(items=[types.ConfigurationItem(section="llmsight")]))
            raw = answer[0] if answer else None
        if ls.apply_settings(raw):
            ls.reanalyse_all("settings changed")

    @ls.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    @guarded()
    def did_change_watched_files(ls: LlmsightServer, params: types.DidChangeWatchedFilesParams) -> None:
        names = sorted({Path(to_fs_path(c.uri) or c.uri).name for c in params.changes})
        ls.configs.clear()
        ls._stamps = ls.watched_stamps()
        ls.reanalyse_all(f"{', '.join(names)} changed")

    @ls.feature(types.TEXT_DOCUMENT_DIAGNOSTIC,
                types.DiagnosticOptions(identifier="llmsight", inter_file_dependencies=False,
                                        workspace_diagnostics=False))
    @guarded(lambda: types.RelatedFullDocumentDiagnosticReport(items=[]))
    async def pull_diagnostics(ls: LlmsightServer, params: types.DocumentDiagnosticParams):
        analysis, view = await ls.view_at(params.text_document.uri, PULL_WAIT_S)
        if view is None:
            return types.RelatedFullDocumentDiagnosticReport(items=[])
        return diagnostics.report(ls.diagnostics_of(view), f"{analysis.generation}-{ls.settings.estimate_diagnostics}",
                                  params.previous_result_id)

    for module in (inlay_hints, hover, code_lens, code_actions, commands, notebooks):
        module.register(ls)
    return ls


class OneLineFormatter(logging.Formatter):
    """stderr is the editor's output panel: one line per record, never a traceback."""

    def format(self, record: logging.LogRecord) -> str:
        line = f"{record.levelname} {record.name}: {record.getMessage()}".splitlines()[0]
        if record.exc_info and record.exc_info[1] is not None:
            line += f" ({type(record.exc_info[1]).__name__})"
        return f"llmsight-lsp {line}"


def main(estimate_diagnostics: bool = False) -> int:
    """Serve on stdio; exit 0 after shutdown+exit, 1 when the client vanished without shutdown.
    `estimate_diagnostics`: the default of that setting (`llm-lint lsp --estimate-diagnostics`)."""
    handler = logging.StreamHandler()
    handler.setFormatter(OneLineFormatter())
    logging.basicConfig(level=logging.WARNING, handlers=[handler])
    ls = create_server()
    ls.settings = Settings(estimate_diagnostics=estimate_diagnostics)
    ls.start_io()
    if sys.stdout.closed:   # the protocol closes stdout on `exit`; later flushes must not fail
        sys.stdout = open(os.devnull, "w")
    return 0 if ls.protocol._shutdown else 1
