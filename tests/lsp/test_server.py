"""End-to-end: the language server over stdio with VS Code's and Neovim's client capabilities."""
from __future__ import annotations

import ast
import asyncio
import os
import re
import signal
from pathlib import Path

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcRequestCancelled

from lsp_client import (SAMPLE, apply_text_edits, capabilities, cli_check, edits_of, expected_from_cli, session,
                      shown)

pytestmark = pytest.mark.asyncio
CLIENT_NAMES = ["vscode", "neovim"]


def whole(text: str) -> types.Range:
    return types.Range(start=types.Position(0, 0), end=types.Position(len(text.splitlines()) + 1, 0))


@pytest.mark.parametrize("client", CLIENT_NAMES)
async def test_pushed_diagnostics_equal_the_cli(project, client):
    report = cli_check(project, "app.py")
    assert report["diagnostics"], "the sample must have findings for this test to mean anything"
    async with session(project, capabilities(client)) as s:
        uri = s.open("app.py")
        got = await s.diagnostics(uri, version=1)
        assert s.encoding == "utf-16"
        assert shown(got) == expected_from_cli(report, SAMPLE, "utf-16")
        assert all(d.source == "llmsight" for d in got)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16", "utf-32"])
async def test_columns_follow_the_negotiated_encoding_on_emoji_and_cjk_lines(project, encoding):
    report = cli_check(project, "app.py")
    offers = [encoding] if encoding != "utf-16" else None   # no offer: UTF-16 is the default
    async with session(project, capabilities("vscode", encodings=offers)) as s:
        assert s.encoding == encoding
        uri = s.open("app.py")
        got = await s.diagnostics(uri, version=1)
        assert shown(got) == expected_from_cli(report, SAMPLE, encoding)
        greet_line = SAMPLE.splitlines().index(next(l for l in SAMPLE.splitlines() if "😀" in l))
        on_emoji_line = [d for d in got if d.range.start.line == greet_line]
        assert on_emoji_line
        prefix = SAMPLE.splitlines()[greet_line].split("client.chat")[0]
        width = {"utf-8": len(prefix.encode()), "utf-16": len(prefix.encode("utf-16-le")) // 2,
                 "utf-32": len(prefix)}[encoding]
        assert {d.range.start.character for d in on_emoji_line} == {width}
        hints = await s.client.text_document_inlay_hint_async(types.InlayHintParams(
            text_document=types.TextDocumentIdentifier(uri), range=whole(SAMPLE)))
        greet_hint = next(h for h in hints if h.position.line == greet_line)
        assert greet_hint.position.character == {"utf-8": len(SAMPLE.splitlines()[greet_line].encode()),
                                                 "utf-16": len(SAMPLE.splitlines()[greet_line].encode("utf-16-le")) // 2,
                                                 "utf-32": len(SAMPLE.splitlines()[greet_line])}[encoding]


async def test_pulled_diagnostics_and_unchanged_result_id(project):
    report = cli_check(project, "app.py")
    async with session(project, capabilities("vscode", pull=True)) as s:
        uri = s.open("app.py")
        first = await s.client.text_document_diagnostic_async(types.DocumentDiagnosticParams(
            text_document=types.TextDocumentIdentifier(uri)))
        assert first.kind == "full"
        assert shown(list(first.items)) == expected_from_cli(report, SAMPLE)
        again = await s.client.text_document_diagnostic_async(types.DocumentDiagnosticParams(
            text_document=types.TextDocumentIdentifier(uri), previous_result_id=first.result_id))
        assert again.kind == "unchanged"
        s.replace(uri, SAMPLE.replace('model="gpt-4o"', 'model="gpt-4o", timeout=30'))
        third = await s.client.text_document_diagnostic_async(types.DocumentDiagnosticParams(
            text_document=types.TextDocumentIdentifier(uri), previous_result_id=first.result_id))
        assert third.kind == "full" and third.result_id != first.result_id
        assert len(third.items) == len(first.items) - 1
        assert not s.published, "a pull client must not also get pushed diagnostics"


@pytest.mark.parametrize("client", CLIENT_NAMES)
async def test_syntax_error_keeps_last_good_diagnostics_and_hints(project, client):
    async with session(project, capabilities(client)) as s:
        uri = s.open("app.py")
        good = await s.diagnostics(uri, version=1)
        broken = SAMPLE + "\ndef oops(:\n"
        version = s.replace(uri, broken)
        during = await s.diagnostics(uri, version=version)
        assert [d.code for d in during].count("LLM000") == 1
        parse_error = next(d for d in during if d.code == "LLM000")
        assert parse_error.range.start.line == len(SAMPLE.splitlines()) + 1
        assert shown([d for d in during if d.code != "LLM000"]) == shown(good)
        hints = await s.client.text_document_inlay_hint_async(types.InlayHintParams(
            text_document=types.TextDocumentIdentifier(uri), range=whole(broken)))
        assert len(hints) == 3
        version = s.replace(uri, SAMPLE)
        healed = await s.diagnostics(uri, version=version)
        assert shown(healed) == shown(good)


@pytest.mark.parametrize("client", CLIENT_NAMES)
async def test_inlay_hints_resolve_hover_and_code_lens(project, client):
    async with session(project, capabilities(client)) as s:
        uri = s.open("app.py")
        await s.diagnostics(uri, version=1)
        doc = types.TextDocumentIdentifier(uri)
        hints = await s.client.text_document_inlay_hint_async(types.InlayHintParams(text_document=doc, range=whole(SAMPLE)))
        report = cli_check(project, "app.py")
        assert [h.position.line for h in hints] == [site["end_line"] - 1 for site in report["call_sites"]]
        priced = [h for h in hints if re.match(r"[≈≥]\$", h.label)]
        costs = {site["id"]: report["estimates"][site["id"]]["cost_per_call"] for site in report["call_sites"]}
        assert len(priced) == sum(c["value"] is not None for c in costs.values()) >= 1
        assert all(re.fullmatch(r"[≈≥]\$[0-9.]+/call · p95 [0-9.]+ s · prior", h.label) for h in priced)
        floors = sum(c["value"] is not None and c["low"] is not None and c["high"] is None for c in costs.values())
        assert sum(h.label.startswith("≥") for h in priced) == floors   # dynamic prompt parts: a lower bound
        assert all("cost ?" in h.label for h in hints if h not in priced)
        resolved = await s.client.inlay_hint_resolve_async(priced[0])
        tooltip = resolved.tooltip.value if resolved.tooltip else priced[0].tooltip.value
        assert "latency p50 / p95 / p99" in tooltip and "cost / call" in tooltip

        line = SAMPLE.splitlines().index(next(l for l in SAMPLE.splitlines() if 'model="gpt-4o"' in l))
        hover = await s.client.text_document_hover_async(types.HoverParams(text_document=doc,
                                                                           position=types.Position(line, 30)))
        text = hover.contents.value
        for needle in ("cost / call", "latency p50 / p95 / p99", "time to first token", "error rate", "quality",
                       "prior", "**Alternatives**", "`gpt-4o`"):
            assert needle in text
        nothing = await s.client.text_document_hover_async(types.HoverParams(text_document=doc,
                                                                             position=types.Position(0, 0)))
        assert nothing is None

        lenses = await s.client.text_document_code_lens_async(types.CodeLensParams(text_document=doc))
        assert len(lenses) == 3
        titles = [l.command.title for l in lenses]
        assert sum(bool(re.fullmatch(r"[≈≥]\$[0-9.]+/call \(static\)", t)) for t in titles) == len(priced)
        assert all(l.command.command == "llmsight.simulate" for l in lenses)


@pytest.mark.parametrize("client", CLIENT_NAMES)
async def test_every_fix_is_a_quick_fix_and_applying_one_parses_and_clears_it(project, client):
    async with session(project, capabilities(client)) as s:
        uri = s.open("app.py")
        diags = await s.diagnostics(uri, version=1)
        doc = types.TextDocumentIdentifier(uri)
        report = cli_check(project, "app.py")
        for d in diags:
            actions = await s.client.text_document_code_action_async(types.CodeActionParams(
                text_document=doc, range=d.range, context=types.CodeActionContext(diagnostics=[d])))
            fixes = [a for a in actions if a.kind == types.CodeActionKind.QuickFix]
            cli_fixes = next(c["fixes"] for c in report["diagnostics"]
                             if c["code"] == d.code and c["line"] == d.range.start.line + 1 and c["message"] == d.message)
            editable = [f for f in cli_fixes if f["applicability"] != "display-only" and f["edits"]]
            assert len([a for a in fixes if a.edit is not None]) == len(editable)
            shown_disabled = len(cli_fixes) - len(editable) if client == "vscode" else 0   # Neovim 0.7: no disabledSupport
            assert len([a for a in fixes if a.disabled is not None and a.edit is None]) == shown_disabled
            for action, fix in zip([a for a in fixes if a.edit is not None], editable):
                assert action.is_preferred == (fix["applicability"] == "safe")
                assert fix["title"] in action.title

        # each quick-fix, applied on its own to the original text, parses and removes its finding
        applied, version = 0, 1
        for index in range(len(diags)):
            d = (await s.diagnostics(uri, version=version))[index]   # fixes are offered for the current version
            actions = await s.client.text_document_code_action_async(types.CodeActionParams(
                text_document=doc, range=d.range, context=types.CodeActionContext(diagnostics=[d])))
            action = next((a for a in actions if a.kind == types.CodeActionKind.QuickFix and a.edit is not None), None)
            if action is None:
                continue
            fixed = apply_text_edits(SAMPLE, edits_of(action, uri))
            ast.parse(fixed)
            version = s.replace(uri, fixed)
            after = await s.diagnostics(uri, version=version)
            assert [x.code for x in after].count(d.code) == [x.code for x in diags].count(d.code) - 1, action.title
            applied += 1
            version = s.replace(uri, SAMPLE)
        assert applied >= 3

        # a fix computed for an older text is refused, never applied at shifted positions
        version = s.replace(uri, "# a new first line\n" + SAMPLE)
        await s.diagnostics(uri, version=version)
        stale = next(d for d in diags if d.code == "LLM001")
        actions = await s.client.text_document_code_action_async(types.CodeActionParams(
            text_document=doc, range=stale.range, context=types.CodeActionContext(diagnostics=[stale])))
        stale_fixes = [a for a in actions if a.kind == types.CodeActionKind.QuickFix and a.edit is not None]
        if client == "vscode":   # versioned edits: they name version 1, which VS Code refuses to apply
            assert stale_fixes and {c.text_document.version for a in stale_fixes for c in a.edit.document_changes} == {1}
        else:                    # Neovim 0.7 takes unversioned edits: the server drops the stale fix itself
            assert not stale_fixes


async def test_switch_model_refactors_are_ranked_and_rewrite_the_literal(project):
    async with session(project, capabilities("vscode")) as s:
        uri = s.open("app.py")
        await s.diagnostics(uri, version=1)
        line = SAMPLE.splitlines().index(next(l for l in SAMPLE.splitlines() if 'model="gpt-4o"' in l))
        actions = await s.client.text_document_code_action_async(types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri), range=types.Range(types.Position(line, 20), types.Position(line, 20)),
            context=types.CodeActionContext(diagnostics=[], only=[types.CodeActionKind.RefactorRewrite])))
        assert actions and all(a.title.startswith("Switch model to ") for a in actions)
        assert all(a.kind == types.CodeActionKind.RefactorRewrite for a in actions)
        costs = [float(re.search(r"([+−-][0-9]+)% cost", a.title).group(1).replace("−", "-")) for a in actions]
        assert costs == sorted(costs)
        target = re.match(r"Switch model to (\S+)", actions[0].title).group(1)
        changed = apply_text_edits(SAMPLE, edits_of(actions[0], uri))
        assert f'model="{target}"' in changed.splitlines()[line]
        ast.parse(changed)


async def test_commands_simulate_and_reload_traffic(project):
    async with session(project, capabilities("vscode")) as s:
        uri = s.open("app.py")
        await s.diagnostics(uri, version=1)
        site_id = cli_check(project, "app.py")["call_sites"][0]["id"]
        answer = await s.client.workspace_execute_command_async(types.ExecuteCommandParams(
            command="llmsight.simulate", arguments=[uri, site_id]))
        assert answer["site_id"] == site_id
        assert answer["estimate"]["cost_per_call"]["value"] > 0
        assert answer["alternatives"] and all("model" in a for a in answer["alternatives"])
        bad = await s.client.workspace_execute_command_async(types.ExecuteCommandParams(
            command="llmsight.simulate", arguments=[uri, "no-such-site"]))
        assert "no call site" in bad["error"]
        reloaded = await s.client.workspace_execute_command_async(types.ExecuteCommandParams(
            command="llmsight.reloadTraffic", arguments=[]))
        assert reloaded == {"reanalysed": 1}


async def test_settings_from_initialization_options_and_did_change_configuration(project):
    async with session(project, capabilities("neovim"), init_options={"llmsight": {"select": ["LLM001"]}}) as s:
        uri = s.open("app.py")
        first = await s.diagnostics(uri, version=1)
        assert first and {d.code for d in first} == {"LLM001"}
        s.client.workspace_did_change_configuration(types.DidChangeConfigurationParams(
            settings={"llmsight": {"select": [], "ignore": ["LLM001", "LLM007"]}}))
        later = await s.diagnostics(uri, until=lambda d: bool(d) and "LLM001" not in {x.code for x in d})
        assert {d.code for d in later} == {c["code"] for c in cli_check(project, "app.py", extra=("--ignore", "LLM001,LLM007"))["diagnostics"]}
        s.client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings={"llmsight": {"debounceMs": "soon"}}))
        await asyncio.sleep(0.3)
        assert any("debounceMs" in m.message for m in s.client.log_messages)


async def test_pyproject_change_reloads_config(project):
    async with session(project, capabilities("vscode")) as s:
        uri = s.open("app.py")
        before = await s.diagnostics(uri, version=1)
        assert "LLM004" in {d.code for d in before}
        (project / "pyproject.toml").write_text('[project]\nname = "demo"\n\n[tool.llmsight]\nignore = ["LLM004"]\n')
        s.client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(changes=[types.FileEvent(
            uri=(project / "pyproject.toml").as_uri(), type=types.FileChangeType.Changed)]))
        after = await s.diagnostics(uri, until=lambda d: bool(d) and "LLM004" not in {x.code for x in d})
        assert {d.code for d in after} == {d.code for d in before} - {"LLM004"}


async def test_pyproject_change_is_noticed_without_file_watching(project):
    async with session(project, capabilities("neovim")) as s:   # Neovim 0.7 sends no didChangeWatchedFiles
        uri = s.open("app.py")
        before = await s.diagnostics(uri, version=1)
        await asyncio.sleep(2.5)     # let the poller record the current mtimes
        assert "LLM001" in {d.code for d in before}
        (project / "pyproject.toml").write_text('[project]\nname = "demo"\n\n[tool.llmsight]\nignore = ["LLM001"]\n')
        after = await s.diagnostics(uri, until=lambda d: "LLM001" not in {x.code for x in d}, timeout=10)
        assert shown(after) == expected_from_cli(cli_check(project, "app.py"), SAMPLE)


async def test_rapid_edits_are_debounced_and_only_the_last_version_is_shown(project):
    async with session(project, capabilities("neovim"), init_options={"debounceMs": 200}) as s:
        uri = s.open("app.py")
        await s.diagnostics(uri, version=1)
        count = len(s.published)
        text = SAMPLE
        for i in range(8):
            text += f"# edit {i}\n"
            last = s.replace(uri, text)
        final = await s.diagnostics(uri, version=last)
        await asyncio.sleep(0.5)
        assert len(s.published) - count == 1, [p.version for p in s.published[count:]]
        assert shown(final) == shown(await s.diagnostics(uri, version=1))


async def test_cancelled_request_is_answered_as_cancelled_and_server_lives_on(project):
    async with session(project, capabilities("vscode"), init_options={"debounceMs": 3000}) as s:
        uri = s.open("app.py")
        await s.diagnostics(uri, version=1)
        s.replace(uri, SAMPLE + "\n# typ\n")     # after a pause: analysed at once
        s.replace(uri, SAMPLE + "\n# typing\n")   # while typing: its analysis waits 3 s; the hover below waits for it
        future = asyncio.ensure_future(s.client.protocol.send_request_async(types.TEXT_DOCUMENT_HOVER, types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri), position=types.Position(8, 30)), msg_id="hover-1"))
        await asyncio.sleep(0.1)   # the hover is sent and now waits (up to 1 s) for the analysis of the new text
        s.client.protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id="hover-1"))
        with pytest.raises(JsonRpcRequestCancelled):
            await asyncio.wait_for(future, 5)
        hover = await s.client.text_document_hover_async(types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri), position=types.Position(8, 30)))
        assert hover is not None


async def test_bad_requests_are_logged_not_fatal(project):
    async with session(project, capabilities("vscode")) as s:
        uri = s.open("app.py")
        await s.diagnostics(uri, version=1)
        unknown = types.TextDocumentIdentifier((project / "nope.py").as_uri())
        assert await s.client.text_document_hover_async(types.HoverParams(unknown, types.Position(0, 0))) is None
        assert await s.client.text_document_inlay_hint_async(types.InlayHintParams(unknown, whole("x"))) in ([], ())
        junk = types.InlayHint(position=types.Position(0, 0), label="x", data={"uri": 5, "site_id": None})
        assert (await s.client.inlay_hint_resolve_async(junk)).label == "x"
        forged = types.Diagnostic(range=types.Range(types.Position(0, 0), types.Position(0, 1)), message="m",
                                  source="llmsight", code="LLM001", data={"fixes": [{"title": "t"}]})
        assert await s.client.text_document_code_action_async(types.CodeActionParams(
            types.TextDocumentIdentifier(uri), forged.range, types.CodeActionContext(diagnostics=[forged]))) in ([], ())
        assert any("internal error in code_actions" in m.message for m in s.client.log_messages)
        usage = await s.client.workspace_execute_command_async(types.ExecuteCommandParams("llmsight.simulate", [1]))
        assert "usage" in usage["error"]
        # after all that, the server still analyses, unsaved buffers included
        version = s.replace(uri, SAMPLE + "\n")
        assert await s.diagnostics(uri, version=version)
        s.client.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem(
            uri="untitled:Untitled-1", language_id="python", version=1, text=SAMPLE)))
        untitled = await s.diagnostics("untitled:Untitled-1", version=1)
        assert {(d.code, d.range.start.line) for d in untitled} == {(d.code, d.range.start.line) for d in
                                                                     await s.diagnostics(uri, version=version)}


async def test_switch_model_defined_in_another_module_is_resolved_there(project):
    (project / "settings.py").write_text('MODEL = "gpt-4o"\n', encoding="utf-8")
    app = 'from openai import OpenAI\nfrom settings import MODEL\n\nclient = OpenAI()\n\n\ndef ask(q):\n' \
          '    return client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": q}])\n'
    (project / "app.py").write_text(app, encoding="utf-8")
    caps = capabilities("vscode")
    assert "edit" in caps.text_document.code_action.resolve_support.properties
    async with session(project, caps) as s:
        uri = s.open("app.py")
        await s.diagnostics(uri, version=1)
        actions = await s.client.text_document_code_action_async(types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri), range=types.Range(types.Position(7, 20), types.Position(7, 20)),
            context=types.CodeActionContext(diagnostics=[], only=[types.CodeActionKind.RefactorRewrite])))
        assert actions and all(a.edit is None and a.data for a in actions)
        resolved = await s.client.code_action_resolve_async(actions[0])
        target = re.match(r"Switch model to (\S+)", actions[0].title).group(1)
        settings_uri = (project / "settings.py").as_uri()
        changed = apply_text_edits('MODEL = "gpt-4o"\n', edits_of(resolved, settings_uri))
        assert changed == f'MODEL = "{target}"\n'
        assert not edits_of(resolved, uri)


async def test_saving_a_module_rechecks_the_open_files_that_import_it(project):
    (project / "settings.py").write_text('MODEL = "gpt-4o"\n', encoding="utf-8")
    app = 'from openai import OpenAI\nfrom settings import MODEL\n\nclient = OpenAI()\n\n\ndef ask(q):\n' \
          '    return client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": q}])\n'
    (project / "app.py").write_text(app, encoding="utf-8")
    async with session(project, capabilities("neovim")) as s:
        app_uri, settings_uri = s.open("app.py"), s.open("settings.py")
        before = await s.diagnostics(app_uri, version=1)
        assert "LLM009" not in {d.code for d in before}
        s.replace(settings_uri, 'MODEL = "gpt-4o-nonexistent"\n')
        (project / "settings.py").write_text('MODEL = "gpt-4o-nonexistent"\n', encoding="utf-8")
        s.client.text_document_did_save(types.DidSaveTextDocumentParams(types.TextDocumentIdentifier(settings_uri)))
        after = await s.diagnostics(app_uri, until=lambda d: "LLM009" in {x.code for x in d})
        assert shown(after) == expected_from_cli(cli_check(project, "app.py"), app)


async def test_neovim_0_11_pulls_in_utf8_and_resolves_hints(project):
    from pytest_lsp import client_capabilities

    caps = client_capabilities("neovim@v0.11.0")      # as recorded: pull diagnostics, UTF-8 preferred
    report = cli_check(project, "app.py")
    async with session(project, caps) as s:
        assert s.encoding == "utf-8"
        uri = s.open("app.py")
        pulled = await s.client.text_document_diagnostic_async(types.DocumentDiagnosticParams(
            text_document=types.TextDocumentIdentifier(uri)))
        assert shown(list(pulled.items)) == expected_from_cli(report, SAMPLE, "utf-8")
        hints = await s.client.text_document_inlay_hint_async(types.InlayHintParams(
            text_document=types.TextDocumentIdentifier(uri), range=whole(SAMPLE)))
        assert len(hints) == len(report["call_sites"]) and all(h.tooltip is None for h in hints)
        assert (await s.client.inlay_hint_resolve_async(hints[0])).tooltip is not None


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc to find the analysis process")
async def test_a_killed_analysis_process_is_replaced_and_the_server_keeps_working(project):
    async with session(project, capabilities("neovim")) as s:
        uri = s.open("app.py")
        good = await s.diagnostics(uri, version=1)
        workers = _children(s.client._server.pid)   # the analysis process (forked: the server's command line)
        assert len(workers) == 1, "analysis runs in one child process"
        os.kill(workers[0], signal.SIGKILL)
        version = s.replace(uri, SAMPLE + "\nAFTER_THE_CRASH = 1\n")   # code, not a comment: it needs analysis
        assert shown(await s.diagnostics(uri, version=version)) == shown(good)
        for _ in range(250):   # the warning is sent from the analysis thread: it may follow the diagnostics
            if any("analysis process stopped" in m.message for m in s.client.log_messages):
                break
            await asyncio.sleep(0.02)
        assert any("analysis process stopped" in m.message for m in s.client.log_messages), \
            [m.message for m in s.client.log_messages]
        version = s.replace(uri, SAMPLE)
        assert shown(await s.diagnostics(uri, version=version)) == shown(good)
        assert s.client._server.returncode is None


async def test_pull_clients_are_asked_to_refresh_after_a_save_changes_other_files(project):
    (project / "settings.py").write_text('MODEL = "gpt-4o"\n', encoding="utf-8")
    app = 'from openai import OpenAI\nfrom settings import MODEL\n\nclient = OpenAI()\n\n\ndef ask(q):\n' \
          '    return client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": q}])\n'
    (project / "app.py").write_text(app, encoding="utf-8")
    caps = capabilities("vscode", pull=True)
    caps.workspace.diagnostics = types.DiagnosticWorkspaceClientCapabilities(refresh_support=True)
    async with session(project, caps) as s:
        app_uri, settings_uri = s.open("app.py"), s.open("settings.py")
        doc = types.TextDocumentIdentifier(app_uri)
        first = await s.client.text_document_diagnostic_async(types.DocumentDiagnosticParams(text_document=doc))
        (project / "settings.py").write_text('MODEL = "gpt-4o-nonexistent"\n', encoding="utf-8")
        s.client.text_document_did_save(types.DidSaveTextDocumentParams(types.TextDocumentIdentifier(settings_uri)))
        for _ in range(500):
            if s.client.diagnostic_refresh_count:
                break
            await asyncio.sleep(0.02)
        assert s.client.diagnostic_refresh_count >= 1
        again = await s.client.text_document_diagnostic_async(types.DocumentDiagnosticParams(
            text_document=doc, previous_result_id=first.result_id))
        assert again.kind == "full" and "LLM009" in {d.code for d in again.items}


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc to find the analysis process")
async def test_hints_served_before_a_slow_analysis_are_refreshed_after_it(project):
    caps = capabilities("vscode")
    caps.workspace.inlay_hint = types.InlayHintWorkspaceClientCapabilities(refresh_support=True)
    async with session(project, caps) as s:
        refreshes = []
        s.client.protocol.fm.features[types.WORKSPACE_INLAY_HINT_REFRESH] = lambda params: refreshes.append(1)
        uri = s.open("app.py")
        await s.diagnostics(uri, version=1)
        doc = types.TextDocumentIdentifier(uri)
        workers = _children(s.client._server.pid)   # the analysis process (forked: the server's command line)
        os.kill(workers[0], signal.SIGSTOP)        # an analysis slower than hints wait for it
        try:
            version = s.replace(uri, "FIRST_LINE = 1\n" + SAMPLE)
            stale = await s.client.text_document_inlay_hint_async(types.InlayHintParams(doc, whole(SAMPLE)))
        finally:
            os.kill(workers[0], signal.SIGCONT)
        first_site = min(h.position.line for h in stale)
        await s.diagnostics(uri, version=version)
        for _ in range(250):
            if refreshes:
                break
            await asyncio.sleep(0.02)
        assert refreshes, "the client was not asked to re-request hints"
        fresh = await s.client.text_document_inlay_hint_async(types.InlayHintParams(doc, whole(SAMPLE + "\n")))
        assert min(h.position.line for h in fresh) == first_site + 1
