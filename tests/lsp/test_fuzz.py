"""Fuzz the running server: hypothesmith programs and random cuts/insertions of real files, with
requests at random positions in between. Afterwards the server is alive and a valid document gets
exactly the diagnostics `llm-lint check --format json` reports for it. Bounded to ~30 s."""
from __future__ import annotations

import asyncio
import random
import time
from pathlib import Path

import hypothesmith
import pytest
from hypothesis import HealthCheck, given, settings
from lsprotocol import types

from lsp_client import SAMPLE, capabilities, cli_check, expected_from_cli, session, shown

pytestmark = pytest.mark.asyncio
REPO = Path(__file__).resolve().parents[2]
BUDGET_S = 25.0
JUNK = ["(", ")", "[", "]", "{", "}", ":", ",", "\"", "'", "\"\"\"", "\\", "\n", "\t", "    ", "😀", "你好", "\u200b",
        "\r\n", "\x00", "def ", "class ", "async ", "await ", "lambda", "model=", "client.", "#", "%", "!", "@", "é"]


def hypothesmith_programs(n: int) -> list[str]:
    found: list[str] = []

    @settings(max_examples=n, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(hypothesmith.from_grammar())
    def collect(source: str) -> None:
        found.append(source)

    collect()
    return found


def mutations(rng: random.Random, n: int) -> list[str]:
    sources = [SAMPLE] + [p.read_text(encoding="utf-8") for p in sorted((REPO / "examples").rglob("*.py"))[:6]]
    sources += [p.read_text(encoding="utf-8") for p in sorted((REPO / "lsp").glob("*.py"))[:3]]
    out = []
    for _ in range(n):
        text = rng.choice(sources)
        for _ in range(rng.randint(1, 4)):
            at = rng.randint(0, len(text))
            choice = rng.random()
            if choice < 0.3:
                text = text[:at]                                        # truncated mid-token
            elif choice < 0.8:
                text = text[:at] + rng.choice(JUNK) + text[at:]         # inserted junk
            else:
                text = text[:at] + text[at + rng.randint(1, 40):]       # deleted span
        out.append(text)
    return out


async def poke(s, uri: str, text: str, rng: random.Random) -> None:
    """Random requests while the server digests `text`; any answer is fine, an error is not."""
    lines = max(len(text.splitlines()), 1)
    doc = types.TextDocumentIdentifier(uri)
    pos = types.Position(rng.randint(0, lines + 3), rng.randint(0, 200))
    rng_ = types.Range(types.Position(0, 0), types.Position(lines + 5, 0))
    await asyncio.wait_for(asyncio.gather(
        s.client.text_document_hover_async(types.HoverParams(doc, pos)),
        s.client.text_document_inlay_hint_async(types.InlayHintParams(doc, rng_)),
        s.client.text_document_code_lens_async(types.CodeLensParams(doc)),
        s.client.text_document_code_action_async(types.CodeActionParams(
            doc, types.Range(pos, pos), types.CodeActionContext(diagnostics=list(s.client.diagnostics.get(uri, []))))),
    ), 30)


async def test_fuzzed_edits_never_kill_the_server_and_it_still_agrees_with_the_cli(project):
    rng = random.Random(20261201)
    inputs = hypothesmith_programs(15) + mutations(rng, 200)
    rng.shuffle(inputs)
    async with session(project, capabilities("neovim"), init_options={"debounceMs": 20}) as s:
        uri = s.open("app.py")
        await s.diagnostics(uri, version=1)
        started = time.monotonic()
        sent = 0
        for text in inputs:
            if time.monotonic() - started > BUDGET_S:
                break
            version = s.replace(uri, text)
            sent += 1
            if sent % 3 == 0:
                await poke(s, uri, text, rng)
            if sent % 10 == 0:   # let some analyses finish rather than be superseded
                await s.diagnostics(uri, version=version)
        assert sent >= 20
        assert s.client._server.returncode is None, "the server died"

        final = SAMPLE.replace("def greet():", "def greet():  # after the storm")
        (project / "app.py").write_text(final, encoding="utf-8")
        version = s.replace(uri, final)
        got = await s.diagnostics(uri, version=version)
        assert shown(got) == expected_from_cli(cli_check(project, "app.py"), final)
        await poke(s, uri, final, rng)
        assert s.client._server.returncode is None
        handler_errors = [m.message for m in s.client.log_messages
                          if "internal error in" in m.message and "internal error in analysis" not in m.message]
        assert not handler_errors   # engine failures are logged and survived; LSP handlers must not fail
