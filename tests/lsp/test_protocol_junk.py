"""Malformed JSON-RPC on the wire (bad JSON, unknown methods, wrongly typed params) is answered or
logged, and the server still initializes, analyses and exits cleanly afterwards."""
from __future__ import annotations

import subprocess
import sys

from lsp_client import ENV, SAMPLE, Reader, frame


def test_junk_on_the_wire_does_not_stop_the_server(project):
    server = subprocess.Popen([sys.executable, "-m", "llmsight", "lsp"], cwd=project, env=ENV,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    reader = Reader(server.stdout)
    reader.start()
    try:
        send = server.stdin
        send.write(frame(b"{this is not json"))
        send.write(frame({"jsonrpc": "2.0", "id": 1, "method": "llmsight/noSuchMethod", "params": {}}))
        send.write(frame({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": 5}))
        send.write(frame({"jsonrpc": "2.0", "id": 2, "method": "textDocument/hover", "params": {"x": []}}))
        send.write(frame({"jsonrpc": "2.0", "id": 3, "method": "initialize",
                          "params": {"processId": None, "rootUri": project.as_uri(), "capabilities": {}}}))
        send.flush()
        assert "error" in reader.wait_for(lambda m: m.get("id") == 1)
        assert "capabilities" in reader.wait_for(lambda m: m.get("id") == 3)["result"]

        uri = (project / "app.py").as_uri()
        send.write(frame({"jsonrpc": "2.0", "method": "initialized", "params": {}}))
        send.write(frame({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {
            "textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": SAMPLE}}}))
        send.flush()
        published = reader.wait_for(lambda m: m.get("method") == "textDocument/publishDiagnostics"
                                    and m["params"]["uri"] == uri)
        assert published["params"]["diagnostics"]

        send.write(frame({"jsonrpc": "2.0", "id": 4, "method": "shutdown", "params": None}))
        send.flush()
        reader.wait_for(lambda m: m.get("id") == 4)
        send.write(frame({"jsonrpc": "2.0", "method": "exit", "params": None}))
        send.flush()
        assert server.wait(timeout=15) == 0
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()


def test_server_exits_when_the_editor_goes_away(project):
    server = subprocess.Popen([sys.executable, "-m", "llmsight", "lsp"], cwd=project, env=ENV,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        server.stdin.write(frame({"jsonrpc": "2.0", "id": 1, "method": "initialize",
                                  "params": {"processId": None, "rootUri": project.as_uri(), "capabilities": {}}}))
        server.stdin.flush()
        server.stdin.close()            # the editor crashed: no shutdown, no exit
        assert server.wait(timeout=20) == 1
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
