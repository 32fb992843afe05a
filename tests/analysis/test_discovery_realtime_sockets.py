"""Realtime sessions opened without the SDK: a WebSocket to a provider's realtime endpoint (`wss://…/realtime?
model=…`, through `websockets` or aiohttp's `ws_connect`) and the WebRTC call POST (`…/realtime/calls?model=…`,
the SDP offer) are realtime sites, as the SDK's `realtime.connect(model=…)` is. A socket to any other URL, and the
ephemeral-key POST (`realtime/client_secrets`) that only mints a key, are not."""
from __future__ import annotations

from site_lines import line_of, scan_project

SOCKETS = """
    import json
    import os

    import aiohttp
    import websockets
    from websockets.asyncio.client import connect as ws_connect


    class Voice:
        def __init__(self, endpoint: str, deployment: str | None = None):
            self.endpoint = endpoint
            self.deployment = deployment

        async def open_deployment(self):
            url = f"wss://{self.endpoint}/openai/v1/realtime?model={self.deployment}"
            async with ws_connect(url, additional_headers={"api-key": os.environ["KEY"]}) as ws:
                await ws.send(json.dumps({"type": "session.update"}))

        async def open_direct(self):
            return await websockets.connect("wss://api.openai.com/v1/realtime?model=gpt-realtime")

        async def open_call(self, base_url, sdp):
            async with aiohttp.ClientSession() as session:
                async with session.ws_connect(f"{base_url}/realtime") as ws:
                    await ws.send_str(sdp)
                async with session.post(f"{base_url}/realtime/calls?model={self.deployment}", data=sdp) as resp:
                    return await resp.text()

        async def mint_key(self, base_url):
            async with aiohttp.ClientSession() as session:
                return await session.post(f"{base_url}/realtime/client_secrets", json={})

        async def ticks(self):
            async with ws_connect("wss://stream.example.com/ticks") as ws:
                async with websockets.connect(f"wss://{self.endpoint}/events") as other:
                    return await ws.recv(), await other.recv()
    """


def test_realtime_sessions_opened_without_the_sdk(tmp_path):
    result = scan_project(tmp_path, {"app.py": SOCKETS})
    got = {(s.span.start_line, s.operation, s.is_async) for s in result.call_sites}
    assert got == {(line_of(SOCKETS, "async with ws_connect(url"), "realtime", True),
                   (line_of(SOCKETS, "await websockets.connect("), "realtime", True),
                   (line_of(SOCKETS, "session.ws_connect("), "realtime", True),
                   (line_of(SOCKETS, "/realtime/calls?model="), "realtime", True)}


SDK_SESSION = """
    from openai import AsyncOpenAI

    client = AsyncOpenAI()

    async def talk():
        async with client.realtime.connect(model="gpt-realtime") as conn:
            await conn.session.update(session={"type": "realtime"})
    """


def test_a_realtime_session_gets_no_request_timeout_finding(tmp_path):
    """A realtime session is long-lived and its openers take no `timeout=` (the SDK's `realtime.connect`, `websockets`
    passes unknown keywords to the socket and fails): LLM001's request timeout and its fix do not apply."""
    result = scan_project(tmp_path, {"app.py": SOCKETS, "sdk.py": SDK_SESSION}, select=("LLM001",))
    assert {s.operation for s in result.call_sites} == {"realtime"}
    assert [d.span.start_line for d in result.diagnostics if d.code == "LLM001"] == []


QUERY_MODELS = """
    import aiohttp
    import websockets


    class Voice:
        def __init__(self, deployment: str = "gpt-realtime-mini"):
            self.deployment = deployment

        async def open_literal(self):
            return await websockets.connect("wss://api.openai.com/v1/realtime?model=gpt-realtime")

        async def open_built(self, endpoint):
            url = f"wss://{endpoint}/openai/realtime?api-version=2025-04-01-preview&deployment={self.deployment}"
            return await websockets.connect(url)

        async def call(self, base_url, sdp):
            async with aiohttp.ClientSession() as session:
                return await session.post(f"{base_url}/realtime/calls?model={self.deployment}", data=sdp)
    """


def test_realtime_session_model_from_the_url_query(tmp_path):
    """The session's model rides in its URL: `?model=…` (an Azure deployment: `deployment=…`), literal or formatted."""
    result = scan_project(tmp_path, {"app.py": QUERY_MODELS})
    got = {s.span.start_line: s.model.value for s in result.call_sites}
    assert got == {line_of(QUERY_MODELS, "realtime?model=gpt-realtime"): "gpt-realtime",
                   line_of(QUERY_MODELS, "websockets.connect(url)"): "gpt-realtime-mini",
                   line_of(QUERY_MODELS, "/realtime/calls?model="): "gpt-realtime-mini"}


SYNC_SOCKETS = """
    import socket

    import websocket


    def open_session(model="gpt-realtime"):
        return websocket.create_connection(f"wss://api.openai.com/v1/realtime?model={model}")


    def probe(host):
        return socket.create_connection((host, 443)), websocket.create_connection(f"wss://{host}/feed")
    """


def test_websocket_client_session_through_its_module(tmp_path):
    """websocket-client used through its module (`websocket.create_connection(url)`), as its documentation writes
    it, is found as its imported function is; the standard library's `socket.create_connection` and a socket to
    another URL are not sites."""
    result = scan_project(tmp_path, {"app.py": SYNC_SOCKETS})
    got = {(s.span.start_line, s.operation, s.is_async, s.model.value) for s in result.call_sites}
    assert got == {(line_of(SYNC_SOCKETS, "realtime?model={model}"), "realtime", False, "gpt-realtime")}
