"""Drive `python -m llmsight lsp` over stdio with pytest-lsp clients that claim the capabilities of
real editors (VS Code, Neovim), and compare what it shows with `llm-lint check --format json`."""
from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable

from lsprotocol import types
from pytest_lsp import client_capabilities
from pytest_lsp.client import make_test_lsp_client

ENV = {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
SERVER = [sys.executable, "-m", "llmsight", "lsp"]

SAMPLE = (Path(__file__).parent / "sample" / "app.py").read_text(encoding="utf-8")   # emoji and CJK on one call's line

CLIENTS = {"vscode": "visual-studio-code@v1.65.2", "neovim": "neovim@v0.7.0"}


def capabilities(name: str, *, pull: bool = False, encodings: list[str] | None = None) -> types.ClientCapabilities:
    caps = client_capabilities(CLIENTS.get(name, name))
    if pull:
        caps.text_document.diagnostic = types.DiagnosticClientCapabilities(dynamic_registration=False)
    elif caps.text_document is not None:
        caps.text_document.diagnostic = None
    if encodings is not None:
        caps.general = caps.general or types.GeneralClientCapabilities()
        caps.general.position_encodings = encodings
    return caps


class Session:
    """One server process and a client; records every publishDiagnostics with its version."""

    def __init__(self, client, root: Path):
        self.client = client
        self.root = root
        self.published: list[types.PublishDiagnosticsParams] = []
        self.versions: dict[str, int] = {}
        self.encoding = "utf-16"

    def uri(self, name: str) -> str:
        return (self.root / name).as_uri()

    def open(self, name: str, text: str | None = None, language: str = "python") -> str:
        uri = self.uri(name)
        text = (self.root / name).read_text(encoding="utf-8") if text is None else text
        self.versions[uri] = 1
        self.client.text_document_did_open(types.DidOpenTextDocumentParams(
            types.TextDocumentItem(uri=uri, language_id=language, version=1, text=text)))
        return uri

    def replace(self, uri: str, text: str) -> int:
        self.versions[uri] += 1
        self.client.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=self.versions[uri]),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)]))
        return self.versions[uri]

    async def diagnostics(self, uri: str, version: int | None = None, timeout: float = 15.0,
                          until: Callable[[list[types.Diagnostic]], bool] = lambda d: True) -> list[types.Diagnostic]:
        """The newest diagnostics published for `uri` (for `version` when given) that satisfy `until`."""
        async def wait():
            while True:
                for p in reversed(self.published):
                    if p.uri == uri and (version is None or p.version == version):
                        if until(list(p.diagnostics)):
                            return list(p.diagnostics)
                        break
                await asyncio.sleep(0.02)
        return await asyncio.wait_for(wait(), timeout)


@contextlib.asynccontextmanager
async def session(root: Path, caps: types.ClientCapabilities, init_options: Any = None):
    client = make_test_lsp_client()
    s = Session(client, root)

    def record(params: types.PublishDiagnosticsParams) -> None:
        s.published.append(params)
        client.diagnostics[params.uri] = params.diagnostics

    client.protocol.fm.features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS] = record
    await client.start_io(*SERVER, env=ENV, cwd=str(root))
    try:
        result = await client.initialize_session(types.InitializeParams(
            capabilities=caps, root_uri=root.as_uri(), initialization_options=init_options,
            workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name=root.name)]))
        encoding = result.capabilities.position_encoding
        s.encoding = getattr(encoding, "value", encoding) or "utf-16"
        yield s
        await asyncio.wait_for(client.shutdown_session(), 10)
        assert client._server.returncode == 0, "the server must exit cleanly after shutdown + exit"
    finally:
        if client._server is not None and client._server.returncode is None:
            client._server.kill()   # a failed test must not leave the server (and this await) hanging
        await client.stop()


def cli_check(root: Path, *paths: str, extra: tuple[str, ...] = ()) -> dict:
    done = subprocess.run([sys.executable, "-m", "llmsight", "check", *paths, "--format", "json", "--no-cache",
                           "--exit-zero", *extra], cwd=root, env=ENV, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def units(text: str, encoding: str) -> int:
    """Independent of the server: a string's length in LSP code units."""
    if encoding == "utf-8":
        return len(text.encode("utf-8"))
    if encoding == "utf-32":
        return len(text)
    return len(text.encode("utf-16-le")) // 2


def lsp_position(lines: list[str], line: int, col: int, encoding: str) -> tuple[int, int]:
    """1-based line and code-point column (the CLI's) → LSP (line, character)."""
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    return line - 1, units(text[: col - 1], encoding)


def expected_from_cli(report: dict, text: str, encoding: str = "utf-16", cell: int | None = None) -> set[tuple]:
    """(code, message, start, end) the editor must show for a CLI report on `text`."""
    lines = text.splitlines()
    out = set()
    for d in report["diagnostics"]:
        if d["cell"] != cell:
            continue
        start = lsp_position(lines, d["line"], d["col"], encoding)
        end = lsp_position(lines, d["end_line"], d["end_col"], encoding)
        if end <= start:
            end = (start[0], start[1] + 1)   # a point diagnostic is shown one character wide
        out.add((d["code"], d["message"], start, end))
    return out


def shown(diagnostics: list[types.Diagnostic]) -> set[tuple]:
    return {(d.code, d.message, (d.range.start.line, d.range.start.character),
             (d.range.end.line, d.range.end.character)) for d in diagnostics}


def apply_text_edits(text: str, edits: list[types.TextEdit], encoding: str = "utf-16") -> str:
    """Apply LSP edits as an editor would (last first), converting columns independently."""
    lines = text.split("\n")

    def offset(pos: types.Position) -> int:
        before = sum(len(l) + 1 for l in lines[: pos.line])
        line = lines[pos.line] if pos.line < len(lines) else ""
        if encoding == "utf-16":
            prefix = line.encode("utf-16-le")[: 2 * pos.character].decode("utf-16-le")
        elif encoding == "utf-8":
            prefix = line.encode("utf-8")[: pos.character].decode("utf-8")
        else:
            prefix = line[: pos.character]
        return before + len(prefix)

    for e in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        text = text[: offset(e.range.start)] + e.new_text + text[offset(e.range.end):]
        lines = text.split("\n")
    return text


def edits_of(action: types.CodeAction, uri: str) -> list[types.TextEdit]:
    if action.edit.document_changes:
        return [e for change in action.edit.document_changes if change.text_document.uri == uri for e in change.edits]
    return list(action.edit.changes.get(uri, []))


# ---- the raw wire: byte streams pytest-lsp cannot send (bad framing, bad JSON, requests before initialize)

def frame(payload: bytes | dict) -> bytes:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


class Reader(threading.Thread):
    """Collects the server's messages from its stdout; `malformed` notes output that is not a frame of JSON."""

    def __init__(self, stream):
        super().__init__(daemon=True)
        self.stream, self.messages, self.malformed = stream, [], None

    def run(self) -> None:
        try:
            while True:
                length = None
                while True:
                    line = self.stream.readline()
                    if not line:
                        return
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":")[1])
                    if line in (b"\r\n", b"\n"):
                        break
                self.messages.append(json.loads(self.stream.read(length)))
        except Exception as exc:  # noqa: BLE001 - recorded for the test to fail on
            self.malformed = repr(exc)

    def wait_for(self, predicate, timeout: float = 30.0) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for m in list(self.messages):
                if predicate(m):
                    return m
            time.sleep(0.02)
        raise AssertionError(f"no such message; got {self.messages}")


class Wire:
    """`python -m llmsight lsp` driven with raw bytes on its stdin; stdout parsed, stderr kept."""

    def __init__(self, root: Path):
        self.root = root
        self.process = subprocess.Popen(SERVER, cwd=root, env=ENV, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE)
        self.reader = Reader(self.process.stdout)
        self.reader.start()
        self._stderr: list[bytes] = []
        threading.Thread(target=lambda: self._stderr.extend(iter(self.process.stderr.readline, b"")),
                         daemon=True).start()

    @property
    def stderr(self) -> str:
        return b"".join(self._stderr).decode("utf-8", "replace")

    def send(self, *messages: bytes | dict) -> None:
        """Dicts are framed correctly; bytes go on the wire as they are."""
        for m in messages:
            self.process.stdin.write(m if isinstance(m, bytes) else frame(m))
        self.process.stdin.flush()

    def answer(self, msg_id: int | str, timeout: float = 15.0) -> dict:
        return self.reader.wait_for(lambda m: m.get("id") == msg_id and "method" not in m, timeout)

    def initialize(self, msg_id: int | str = "init") -> dict:
        self.send(request(msg_id, "initialize", {"processId": None, "rootUri": self.root.as_uri(), "capabilities": {}}))
        answer = self.answer(msg_id)
        self.send({"jsonrpc": "2.0", "method": "initialized", "params": {}})
        return answer

    def open(self, name: str, text: str) -> str:
        uri = (self.root / name).as_uri()
        self.send({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {
            "textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": text}}})
        return uri

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()


def request(msg_id: int | str, method: str, params) -> dict:
    return {"jsonrpc": "2.0", "id": msg_id, "method": method, "params": params}


def hover(msg_id: int | str, uri: str, line: int = 0, character: int = 0) -> dict:
    return request(msg_id, "textDocument/hover", {"textDocument": {"uri": uri},
                                                  "position": {"line": line, "character": character}})


@contextlib.contextmanager
def wire(root: Path):
    w = Wire(root)
    try:
        yield w
    finally:
        w.close()
