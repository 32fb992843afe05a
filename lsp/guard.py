"""What stands between the editor's bytes and the handlers.

`serve_stdio` reads stdin through `framing.Deframer`, so no byte stream can kill the server or stop
it from answering; `GuardedProtocol` gives every request an answer, an error when its message cannot
be served (ServerNotInitialized before `initialize`, InvalidParams when its params do not fit the
protocol, InvalidRequest when it is not JSON-RPC or came after `shutdown`); `guarded` wraps every
handler: an exception is logged to the client (window/logMessage) and the request gets an empty
answer. Cancellation passes through so pygls answers a cancelled request with RequestCancelled.
"""
from __future__ import annotations

import asyncio
import functools
import inspect
import os
import re
import threading
from typing import Any, Callable

from lsprotocol import types
from pygls.protocol import LanguageServerProtocol
from pygls.protocol.language_server import lsp_method

from llmsight.lsp import framing
from llmsight.lsp.documents import EditableWorkspace

PARSE_ERROR, INVALID_REQUEST, INVALID_PARAMS, SERVER_NOT_INITIALIZED = -32700, -32600, -32602, -32002
READ_CHUNK = 64 * 1024
_METHOD_NAME = re.compile(r"[$A-Za-z][\w$/.-]{0,63}")


def guarded(empty: Callable[[], Any] = lambda: None):
    def wrap(fn):
        if inspect.iscoroutinefunction(fn):
            @functools.wraps(fn)
            async def run_async(ls, *args):
                try:
                    return await fn(ls, *args)
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # noqa: BLE001 - the point of this wrapper
                    ls.report_failure(fn.__name__, exc)
                    return empty()
            return run_async

        @functools.wraps(fn)
        def run(ls, *args):
            try:
                return fn(ls, *args)
            except Exception as exc:  # noqa: BLE001
                ls.report_failure(fn.__name__, exc)
                return empty()
        return run
    return wrap


class GuardedProtocol(LanguageServerProtocol):
    """pygls' protocol, fed by `receive` with what the deframer read instead of pygls' own reader."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._initialize_seen = False

    def receive(self, event: framing.Message | framing.Skipped) -> None:
        if isinstance(event, framing.Skipped):
            self._skipped(event)
            return
        value = event.value
        method = value.get("method") if isinstance(value, dict) else None
        msg_id = value.get("id") if isinstance(value, dict) else None
        if not isinstance(value, dict) or value.get("jsonrpc") != "2.0":
            self._refuse(msg_id if _is_id(msg_id) else None, INVALID_REQUEST, "not a JSON-RPC 2.0 message")
        elif "id" in value and not _is_id(msg_id):
            self._refuse(None, INVALID_REQUEST, "a message id must be an integer or a string")
        elif method is None and "id" in value:
            if self._initialize_seen:
                self._dispatch(value, None)           # the client's answer to a request of ours
        elif not isinstance(method, str):
            self._refuse(msg_id, INVALID_REQUEST, "a message needs a method name")
        elif "id" not in value:
            if self._admits(method):
                self._dispatch(value, None)
        elif (refusal := self._refusal(method)) is not None:
            self._refuse(msg_id, *refusal)
        else:
            self._dispatch(value, msg_id)

    def _admits(self, method: str) -> bool:
        """Notifications before `initialize` or after `shutdown` are dropped, except `exit`."""
        return method == types.EXIT or (self._initialize_seen and not self._shutdown)

    def _refusal(self, method: str) -> tuple[int, str] | None:
        if not self._initialize_seen and method != types.INITIALIZE:
            return SERVER_NOT_INITIALIZED, f"{_shown(method)} before initialize"
        if self._initialize_seen and method == types.INITIALIZE:
            return INVALID_REQUEST, "initialize was already sent"
        if self._shutdown:
            return INVALID_REQUEST, f"{_shown(method)} after shutdown"
        return None

    def _dispatch(self, value: dict, msg_id: int | str | None) -> None:
        try:
            message = self.structure_message(value)
        except Exception:  # noqa: BLE001 - pygls raises JsonRpcInvalidParams or JsonRpcInternalError
            subject = f"the params of {_shown(value['method'])}" if "method" in value else "an answer of the editor's"
            what = f"{subject} did not fit the protocol"
            if msg_id is not None:
                self._refuse(msg_id, INVALID_PARAMS, what)
            else:
                self._server.log(f"ignored a message from the editor: {what}", types.MessageType.Warning)
            return
        self._initialize_seen = self._initialize_seen or value.get("method") == types.INITIALIZE
        self.handle_message(message)

    def _skipped(self, event: framing.Skipped) -> None:
        found = event.found or {}
        self._server.log(f"skipped {event.size} bytes from the editor: {event.reason}", types.MessageType.Warning)
        if isinstance(found.get("method"), str) and _is_id(found.get("id")):
            self._refuse(found["id"], INVALID_REQUEST, f"the request was not framed right: {event.reason}")
        elif not found:
            self._refuse(None, PARSE_ERROR, f"not a message: {event.reason}")

    def _refuse(self, msg_id: int | str | None, code: int, message: str) -> None:
        self._send_data({"jsonrpc": "2.0", "id": msg_id, "error": {"code": code, "message": f"llmsight: {message}"}})

    @lsp_method(types.INITIALIZE)
    def lsp_initialize(self, params: types.InitializeParams):
        """pygls' initialize, then its workspace made one of EditableDocuments (none is open yet)."""
        result = yield from super().lsp_initialize(params)
        self._workspace = EditableWorkspace.replacing(self._workspace, self._server._text_document_sync_kind)
        return result


def _is_id(value: Any) -> bool:
    return isinstance(value, (int, str)) and not isinstance(value, bool)


def _shown(method: Any) -> str:
    """A method name from the wire as a log line may show it: only when it looks like one."""
    return method if isinstance(method, str) and _METHOD_NAME.fullmatch(method) else "a request"


async def serve_stdio(server: Any, fd: int, stop: threading.Event) -> None:
    """Read `fd` until it ends (or `exit`, which raises SystemExit through here), handing the
    deframer's events to the server's protocol. A daemon thread reads, so a blocked read never
    delays exit."""
    loop = asyncio.get_running_loop()
    chunks: asyncio.Queue[bytes] = asyncio.Queue(maxsize=4)   # bounds what is read ahead

    def pump() -> None:
        while True:
            try:
                data = os.read(fd, READ_CHUNK)
            except OSError:
                data = b""
            try:
                asyncio.run_coroutine_threadsafe(chunks.put(data), loop).result()
            except RuntimeError:
                return                                          # the loop is gone
            if not data:
                return

    threading.Thread(target=pump, name="llmsight-stdin", daemon=True).start()
    deframer = framing.Deframer()
    while not stop.is_set():
        data = await chunks.get()
        for event in deframer.feed(data) if data else deframer.finish():
            try:
                server.protocol.receive(event)
            except Exception as exc:  # noqa: BLE001 - SystemExit (exit) and BrokenPipeError pass
                if isinstance(exc, BrokenPipeError):
                    raise
                server.report_failure("reading a message", exc)
        if not data:
            return
