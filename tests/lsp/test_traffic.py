"""With a traffic source configured, the editor shows traffic-based figures and the traffic rules."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from lsprotocol import types

from lsp_client import capabilities, cli_check, expected_from_cli, session, shown

pytestmark = pytest.mark.asyncio
REPO = Path(__file__).resolve().parents[2]
TRAFFIC = REPO / "examples" / "traffic" / "app_traffic.jsonl"


@pytest.fixture
def example_app(tmp_path: Path) -> Path:
    shutil.copytree(REPO / "examples" / "app", tmp_path / "app_project")
    return tmp_path / "app_project"


async def test_traffic_estimates_in_lens_hint_hover_and_traffic_rules(example_app):
    report = cli_check(example_app, "app/chat.py", extra=("--traffic", str(TRAFFIC)))
    assert any(d["code"] >= "LLM012" for d in report["diagnostics"]), "the example traffic should trip a traffic rule"
    text = (example_app / "app" / "chat.py").read_text(encoding="utf-8")
    async with session(example_app, capabilities("neovim"), init_options={"llmsight": {"trafficDb": str(TRAFFIC)}}) as s:
        uri = s.open("app/chat.py")
        got = await s.diagnostics(uri, version=1, timeout=60)
        assert shown(got) == expected_from_cli(report, text)
        doc = types.TextDocumentIdentifier(uri)
        lenses = await s.client.text_document_code_lens_async(types.CodeLensParams(text_document=doc))
        assert lenses and all(re.fullmatch(r"\$[0-9,.]+/(month|call) · p95 [0-9.]+ s · n=[0-9,]+", l.command.title)
                              for l in lenses), [l.command.title for l in lenses]
        hints = await s.client.text_document_inlay_hint_async(types.InlayHintParams(
            text_document=doc, range=types.Range(types.Position(0, 0), types.Position(len(text.splitlines()), 0))))
        assert hints and all(h.label.endswith("· traffic") and not h.label.startswith("≈") for h in hints)
        site_line = report["call_sites"][0]["line"] - 1
        hover = await s.client.text_document_hover_async(types.HoverParams(
            text_document=doc, position=types.Position(site_line, report["call_sites"][0]["col"] + 2)))
        assert "traffic (n=" in hover.contents.value

        replay = await s.client.workspace_execute_command_async(types.ExecuteCommandParams(
            command="llmsight.simulate", arguments=[uri, report["call_sites"][0]["id"], "model=gpt-4o-mini"]))
        assert "error" not in replay, replay
        assert replay["scenario"].startswith("model=gpt-4o-mini,site=") and replay["simulation"]

        # switching the traffic source off goes back to static estimates, without a restart
        s.client.workspace_did_change_configuration(types.DidChangeConfigurationParams(
            settings={"llmsight": {"trafficDb": None}}))
        static = await s.diagnostics(uri, until=lambda d: not any(x.code >= "LLM012" for x in d), timeout=60)
        assert shown(static) == expected_from_cli(cli_check(example_app, "app/chat.py"), text)
