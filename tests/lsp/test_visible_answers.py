"""What the user sees without reading a log: a command's answer and a broken traffic setting arrive as
window/showMessage, which every client displays (Neovim echoes it; a code lens's return value is dropped)."""
from __future__ import annotations

import asyncio

import pytest
from lsprotocol import types

from lsp_client import capabilities, cli_check, session


async def shown_message(client, kind: types.MessageType, needle: str, timeout: float = 10.0) -> str:
    async def wait():
        while True:
            for m in client.messages:
                if m.type == kind and needle in m.message:
                    return m.message
            await asyncio.sleep(0.02)
    return await asyncio.wait_for(wait(), timeout)


@pytest.mark.asyncio
async def test_a_code_lens_command_answers_with_a_message(project):
    async with session(project, capabilities("neovim")) as s:
        uri = s.open("app.py")
        await s.diagnostics(uri, version=1)
        lens = (await s.client.text_document_code_lens_async(types.CodeLensParams(
            types.TextDocumentIdentifier(uri))))[0]
        site_id = lens.command.arguments[1]
        model = next(c["model"]["value"] for c in cli_check(project, "app.py")["call_sites"] if c["id"] == site_id)
        await s.client.workspace_execute_command_async(types.ExecuteCommandParams(
            command=lens.command.command, arguments=lens.command.arguments))
        message = await shown_message(s.client, types.MessageType.Info, f"site {site_id} ")
        assert f"({model})" in message and "/call" in message and "alternatives:" in message
        await s.client.workspace_execute_command_async(types.ExecuteCommandParams(
            command=lens.command.command, arguments=[uri, "no-such-site"]))
        assert "no call site 'no-such-site'" in await shown_message(s.client, types.MessageType.Error, "no call site")
        await s.client.workspace_execute_command_async(types.ExecuteCommandParams(
            command="llmsight.setModel", arguments=[uri, site_id, "gpt 4o"]))
        assert "without spaces" in await shown_message(s.client, types.MessageType.Error, "without spaces")


@pytest.mark.asyncio
async def test_a_missing_traffic_db_is_shown_naming_the_setting(project):
    async with session(project, capabilities("neovim"),
                       init_options={"llmsight": {"trafficDb": "nowhere/traffic.duckdb"}}) as s:
        uri = s.open("app.py")
        assert await s.diagnostics(uri, version=1)          # diagnostics still come, from static estimates
        message = await shown_message(s.client, types.MessageType.Warning, "llmsight.trafficDb")
        assert "nowhere/traffic.duckdb" in message


def test_a_scenario_replay_is_summed_up_in_one_message(tmp_path):
    """`llmsight.simulate(uri, site, scenario)` replays traffic through `llm-lint simulate`; its message
    gives the baseline and the scenario side by side, from that command's JSON."""
    import shutil
    from pathlib import Path

    from llmsight import api
    from llmsight.lsp import commands

    repo = Path(__file__).resolve().parents[2]
    root = tmp_path / "app_project"
    shutil.copytree(repo / "examples" / "app", root)
    traffic = repo / "examples" / "traffic" / "app_traffic.jsonl"
    site = api.check([root]).call_sites[0]
    answer = commands._replay(str(root / site.span.path), str(root), str(traffic), "model=gpt-4o-mini", site.id)
    assert "error" not in answer, answer
    message = commands._simulate_summary(answer)
    assert message.startswith(f"scenario model=gpt-4o-mini,site={site.id} on site {site.id}: baseline: $"), message
    assert "; model=gpt-4o-mini" in message and "/month, p95 " in message and "?" not in message
