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

TESTS = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(TESTS / "lsp"), str(TESTS / "editors")]

from lsp_client import SAMPLE, hover, request, wire  # noqa: E402
from test_vscode import EXT, node_modules, npm  # noqa: E402,F401 - node_modules is a fixture

SERVER_NOT_INITIALIZED = -32002


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
        w.send(hover(1, uri))
        assert w.answer(1)["error"]["code"] == SERVER_NOT_INITIALIZED
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
            assert "result" in answer or answer["error"]["code"] == -32602   # InvalidParams
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
