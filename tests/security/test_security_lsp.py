"""Hostile editor input (issue 16): the language server's wire (D18) and the VS Code extension's
workspace trust (D0b)."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

TESTS = Path(__file__).resolve().parents[1]
sys.path += [str(TESTS / "lsp"), str(TESTS / "editors")]

from lsp_client import SAMPLE, Wire, hover, request, wire  # noqa: E402
from test_vscode import EXT, node_modules, npm  # noqa: E402,F401 - node_modules is a fixture

SERVER_NOT_INITIALIZED, INVALID_PARAMS = -32002, -32602


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = \"demo\"\n", encoding="utf-8")
    (tmp_path / "app.py").write_text(SAMPLE, encoding="utf-8")
    return tmp_path


# ---- D18: the language server's framing -----------------------------------------------------------------

BAD_FRAMES = {
    "short": lambda body: b"Content-Length: %d\r\n\r\n" % (len(body) - 7) + body,
    "long": lambda body: b"Content-Length: %d\r\n\r\n" % (len(body) + 40) + body,
    "non-numeric": lambda body: b"Content-Length: twelve\r\n\r\n" + body,
    "negative": lambda body: b"Content-Length: -%d\r\n\r\n" % len(body) + body,
    "missing": lambda body: b"Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n" + body,
    "lf-only": lambda body: b"Content-Length: %d\n\n" % len(body) + body,
    "10^12": lambda body: b"Content-Length: 1000000000000\r\n\r\n" + body,
}


@pytest.mark.parametrize("kind", BAD_FRAMES)
def test_d18_bad_content_length_neither_kills_nor_deafens_the_server(project, kind):
    with wire(project) as w:
        w.initialize()
        uri = w.open("app.py", SAMPLE)
        w.send(BAD_FRAMES[kind](json.dumps(hover(2, uri)).encode()), hover(3, uri))
        assert "result" in w.answer(3)
        assert w.answer(2), "the badly framed request is answered too (an error, or a result for LF-only)"
        assert w.process.poll() is None
        assert "Traceback" not in w.stderr


def test_d18_request_before_initialize_is_refused_with_server_not_initialized(project):
    with wire(project) as w:
        uri = (project / "app.py").as_uri()
        w.send(hover(1, uri), request("bad-init", "initialize", {"processId": "x", "capabilities": 5}))
        assert w.answer(1)["error"]["code"] == SERVER_NOT_INITIALIZED
        assert w.answer("bad-init")["error"]["code"] == INVALID_PARAMS
        w.initialize()
        w.open("app.py", SAMPLE)
        w.send(hover(2, uri))
        assert "result" in w.answer(2)


def test_d18_out_of_range_positions_are_answered(project):
    with wire(project) as w:
        w.initialize()
        uri = w.open("app.py", SAMPLE)
        positions = [(-1, 0), (0, -5), (2 ** 31, 0), (0, 2 ** 40), (10 ** 6, 10 ** 6), (3, 10 ** 9)]
        w.send(*(hover(i, uri, line, character) for i, (line, character) in enumerate(positions)))
        for i in range(len(positions)):
            answer = w.answer(i)
            assert "result" in answer or answer["error"]["code"] == INVALID_PARAMS
        assert "Traceback" not in w.stderr


def test_d18_incremental_edits_on_a_long_line_are_not_quadratic(project):
    line = "blob = '😀" + "a" * 1_400_000 + "'"
    with wire(project) as w:
        w.initialize()
        uri = w.open("long.py", "import os\n" + line + "\n")
        started = time.monotonic()
        w.send(*({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {
            "textDocument": {"uri": uri, "version": 2 + k},
            "contentChanges": [{"range": {"start": {"line": 1, "character": 10 + k},
                                          "end": {"line": 1, "character": 11 + k}}, "text": "bc"}]}}
                 for k in range(200)))
        w.send(hover("after", uri, 1, 5))
        w.answer("after", timeout=20)
        assert time.monotonic() - started < 10


# ---- D0b: VS Code workspace trust --------------------------------------------------------------------------

# Settings that name neither a program nor a file: a repository may choose them in any workspace.
HARMLESS_SETTINGS = {"llmsight.select", "llmsight.ignore", "llmsight.debounceMs", "llmsight.diagnosticMode",
                     "llmsight.inlayHints", "llmsight.codeLens"}


def test_d0b_package_json_restricts_every_setting_that_names_a_program_or_file():
    manifest = json.loads((EXT / "package.json").read_text(encoding="utf-8"))
    untrusted = manifest["capabilities"]["untrustedWorkspaces"]
    settings = set(manifest["contributes"]["configuration"]["properties"])
    restricted = set(untrusted["restrictedConfigurations"])
    assert untrusted["supported"] == "limited" and untrusted["description"]
    assert {"llmsight.interpreter", "llmsight.trafficDb"} <= restricted
    assert restricted <= settings, "a restricted name that is no setting protects nothing"
    assert settings - restricted <= HARMLESS_SETTINGS, "a new setting is restricted unless shown harmless here"


@pytest.mark.skipif(shutil.which("node") is None or shutil.which("npm") is None, reason="needs Node.js and npm")
def test_d0b_untrusted_workspace_never_runs_the_workspace_interpreter(node_modules):
    npm("run", "compile")
    done = subprocess.run(["node", "--test", "test/trust.test.js"], cwd=EXT, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    assert "# fail 0" in done.stdout


# ---- fuzz: random byte streams on the wire -------------------------------------------------------------------

METHODS = ["textDocument/hover", "textDocument/inlayHint", "textDocument/codeLens", "textDocument/codeAction",
           "textDocument/diagnostic", "textDocument/didOpen", "textDocument/didChange", "textDocument/didClose",
           "textDocument/didSave", "workspace/didChangeConfiguration", "workspace/executeCommand",
           "notebookDocument/didOpen", "$/cancelRequest", "initialize", "initialized", "shutdown", "exit",
           "llmsight/noSuchMethod", ""]
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2 ** 63, 2 ** 63) | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12)
numbers = st.one_of(st.integers(-5, 40), st.sampled_from([-1, 2 ** 31 - 1, 2 ** 31, 2 ** 53, 10 ** 30]))
positions = st.fixed_dictionaries({"line": numbers, "character": numbers})


@st.composite
def near_valid_params(draw):
    """Params shaped like the protocol's, with hostile values where it counts."""
    uri = draw(st.sampled_from(["file:///srv/p/app.py", "file:///srv/p/x.ipynb", "untitled:1", "", "file://%zz",
                                "vscode-notebook-cell:/srv/p/x.ipynb#W0"]))
    doc = {"uri": uri, "version": draw(numbers), "languageId": "python",
           "text": draw(st.sampled_from([SAMPLE, "", "\x00\r\r\n😀" * 3, "import openai\nopenai.chat("]))}
    return draw(st.sampled_from([
        {"textDocument": doc, "position": draw(positions)},
        {"textDocument": doc, "range": {"start": draw(positions), "end": draw(positions)},
         "context": {"diagnostics": draw(st.lists(json_values, max_size=2))}},
        {"textDocument": doc, "contentChanges": [{"range": {"start": draw(positions), "end": draw(positions)},
                                                  "text": draw(st.text(max_size=8))}]},
        {"settings": {"llmsight": {"debounceMs": draw(numbers), "select": draw(json_values),
                                   "trafficDb": draw(st.sampled_from([None, "", "/dev/zero", "../x.duckdb"]))}}},
        {"command": draw(st.sampled_from(["llmsight.simulate", "llmsight.reloadTraffic", "nope"])),
         "arguments": draw(st.lists(json_values, max_size=2))},
        {"id": draw(json_values)},
    ]))


@st.composite
def messages(draw) -> bytes:
    body = {"jsonrpc": draw(st.sampled_from(["2.0", "2.0", "2.0", "1.0", None])),
            "method": draw(st.sampled_from(METHODS) | st.text(max_size=10)),
            "params": draw(near_valid_params() | json_values)}
    if draw(st.booleans()):
        body["id"] = draw(st.integers(0, 2 ** 40) | st.text(max_size=6) | json_values)
    return json.dumps(body).encode()


@st.composite
def chunks(draw) -> bytes:
    """One piece of the stream: a well-framed message, a badly framed one, or raw bytes."""
    payload = draw(messages() | st.binary(max_size=40) | json_values.map(lambda v: json.dumps(v).encode()))
    length = draw(st.sampled_from([len(payload)] * 4 + [0, len(payload) // 2, len(payload) + 9, -len(payload),
                                                          10 ** 12, 2 ** 64]))
    header = draw(st.sampled_from([b"Content-Length: %d\r\n\r\n" % length, b"Content-Length: %d\n\n" % length,
                                   b"content-length:%d\r\n\r\n" % length, b"Content-Length: %d\r\n" % length,
                                   b"Content-Type: text/x\r\n\r\n", b"Content-Length: 0x1f\r\n\r\n",
                                   b"Content-Length: %d\r\nContent-Length: %d\r\n\r\n" % (length, length + 1),
                                   b"X-Junk: a\r\nContent-Length: %d\r\n\r\n" % length, b""]))
    return header + payload


class Servers:
    """One server shared by the examples (starting one costs ~1 s); a new one after an example shut it
    down or made it exit."""

    def __init__(self, root: Path):
        self.root, self.current, self.finals = root, None, 0

    def get(self):
        if self.current is None or self.current.process.poll() is not None:
            if self.current is not None:
                self.current.close()
            self.current = Wire(self.root)
            self.current.initialize()
            self.current.open("app.py", SAMPLE)
        return self.current

    def close(self) -> None:
        if self.current is not None:
            self.current.close()


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    root = tmp_path_factory.mktemp("fuzz")
    (root / "pyproject.toml").write_text("[project]\nname = \"demo\"\n", encoding="utf-8")
    (root / "app.py").write_text(SAMPLE, encoding="utf-8")
    s = Servers(root)
    yield s
    s.close()


@given(st.lists(chunks(), min_size=1, max_size=6))
def test_random_byte_streams_never_hang_kill_or_trace_the_server(servers, stream):
    """After any bytes, a well-formed request is answered within the per-case timeout, or the
    server has exited cleanly (the stream held an `exit`); stdout stays well-framed JSON and nothing
    on stderr or in a log message is a traceback."""
    w = servers.get()
    servers.finals += 1
    final = f"final-{servers.finals}"
    w.send(b"".join(stream), hover(final, "file:///nowhere/final.py"))
    try:
        answer = w.answer(final, timeout=20)
    except AssertionError:
        returncode = w.process.wait(timeout=20)   # no answer: the server must have exited, cleanly
        assert returncode in (0, 1), f"exit code {returncode} after {b''.join(stream)!r}\n{w.stderr}"
    else:
        if "error" in answer:
            assert "after shutdown" in answer["error"]["message"], answer
            w.close()                               # a fresh server for the next example
    assert w.reader.malformed is None, w.reader.malformed
    assert "Traceback" not in w.stderr, w.stderr
    assert not [m for m in w.reader.messages if "Traceback" in json.dumps(m)]


def test_d0b_analysis_process_never_imports_a_package_from_the_project(tmp_path):
    """The language server's analysis process (and JupyterLab's server, through the same argv) starts in
    the project's folder; a repository holding an `llmsight/` package must not be imported in place of
    the installed one (`python -m` would)."""
    from llmsight.launch import module_argv

    marker = tmp_path / "owned"
    evil = tmp_path / "llmsight" / "lsp"
    evil.mkdir(parents=True)
    planted = f"open({str(marker)!r}, 'w').write('ran')\n"
    for init in (tmp_path / "llmsight" / "__init__.py", evil / "__init__.py", evil / "worker.py"):
        init.write_text(planted)
    subprocess.run(module_argv(sys.executable, "llmsight.lsp.worker"), cwd=tmp_path, input=b"", capture_output=True,
                   timeout=60)
    assert not marker.exists(), "the analysis process imported the project's llmsight package"
    subprocess.run([sys.executable, "-m", "llmsight.lsp.worker"], cwd=tmp_path, input=b"", capture_output=True,
                   timeout=60)
    assert marker.exists(), "the planted package should be what plain `python -m` picks (the test's premise)"
