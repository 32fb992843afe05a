"""JupyterLab integration: jupyter-lsp finds the llmsight server through its entry point, the spec is
valid, and its command really starts the language server."""
from __future__ import annotations

import json
import subprocess

from jupyter_lsp.manager import LanguageServerManager
from jupyter_lsp.schema import LANGUAGE_SERVER_SPEC_MAP

from llmsight.jupyter import lsp_spec


def test_jupyter_lsp_discovers_the_server():
    manager = LanguageServerManager()
    manager.initialize()
    spec = manager.language_servers["llmsight"]
    assert spec == lsp_spec.server_config()["llmsight"]
    assert not list(LANGUAGE_SERVER_SPEC_MAP.iter_errors(lsp_spec.server_config()))


def _message(payload: dict) -> bytes:
    body = json.dumps(payload).encode()
    return f"Content-Length: {len(body)}\r\n\r\n".encode() + body


def test_spec_command_answers_initialize(tmp_path):
    spec = lsp_spec.server_config()["llmsight"]
    proc = subprocess.Popen(spec["argv"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env={**spec["env"], "PATH": "/usr/bin:/bin"}, cwd=tmp_path)
    try:
        init = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
                "params": {"processId": None, "rootUri": tmp_path.as_uri(), "capabilities": {}}}
        out, _ = proc.communicate(_message(init) + _message({"jsonrpc": "2.0", "id": 2, "method": "shutdown"})
                                  + _message({"jsonrpc": "2.0", "method": "exit"}), timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    replies = []
    while out:
        header, _, rest = out.partition(b"\r\n\r\n")
        length = int(next(line for line in header.split(b"\r\n") if line.startswith(b"Content-Length")).split(b":")[1])
        replies.append(json.loads(rest[:length]))
        out = rest[length:]
    reply = next(r for r in replies if r.get("id") == 1)
    assert "capabilities" in reply["result"]
    assert reply["result"]["capabilities"].get("codeActionProvider")
