"""workspace/executeCommand: `llmsight.simulate`, `llmsight.setModel` and `llmsight.reloadTraffic`.

`llmsight.simulate(uri, site_id[, scenario])` answers with the site's estimate and its model
alternatives; with a scenario (`"model=gpt-4o-mini,timeout=20"`) it replays traffic through
`llm-lint simulate` (the CLI contract, design §7) and returns that JSON. `llmsight.setModel(uri,
site_id, models[, where])` ("Set model for this site") asks the editor to apply `api.set_model_fix`:
the pragma `# llmsight: model=a|b` on the call (`where="pragma"`, the default) or the site's entry under
`[tool.llmsight.models]` (`where="config"`). `llmsight.reloadTraffic` re-reads project config and
traffic and re-checks every open document.
"""
from __future__ import annotations

import asyncio
import functools
import inspect
import json
import subprocess
import sys
from typing import Callable

from lsprotocol import types

from llmsight import api
from llmsight.analysis.engine import read_scanned_text
from llmsight.lsp import alternatives, code_actions, formatting
from llmsight.formats import shown_text
from llmsight.lsp.guard import guarded
from llmsight.records import to_json

SIMULATE = "llmsight.simulate"
SET_MODEL = "llmsight.setModel"
RELOAD_TRAFFIC = "llmsight.reloadTraffic"
SIMULATE_TIMEOUT_S = 120


def _replay(path: str, root: str, traffic: str | None, scenario: str, site_id: str) -> dict:
    if "site=" not in scenario:   # the lens/command is about one call: scope the change to it
        scenario = f"{scenario},site={site_id}"
    cmd = [sys.executable, "-m", "llmsight", "simulate", path, "--scenario", scenario, "--format", "json"]
    if traffic:
        cmd += ["--traffic", traffic]
    done = subprocess.run(cmd, cwd=root, capture_output=True, text=True, timeout=SIMULATE_TIMEOUT_S)
    if done.returncode != 0:
        return {"error": (done.stderr or done.stdout).strip() or f"llm-lint simulate exited {done.returncode}"}
    try:
        return {"site_id": site_id, "scenario": scenario, "simulation": json.loads(done.stdout)}
    except json.JSONDecodeError:
        return {"error": f"llm-lint simulate printed no JSON: {done.stdout[:200]}"}


def _model_edit(ls, analysis, view, site, models, where: str) -> tuple[str, types.WorkspaceEdit | None]:
    """(title, workspace edit) of `api.set_model_fix`, reading open buffers before the disk; a config
    file that does not exist yet is created by the edit (clients that take resource operations)."""
    def read(path: str, cell: int | None) -> str | None:
        if path == site.span.path and cell == site.span.cell:
            doc = ls.open_document(view.target.uri)
            return doc.source if doc is not None else "".join(view.target.lines)
        doc = ls.open_document((analysis.root / path).as_uri())
        return doc.source if doc is not None else read_scanned_text(analysis.root / path)

    fix = api.set_model_fix(site, models, where=where, root=analysis.root, config=analysis.config, read=read)
    versioned = code_actions.capabilities(ls)[0]
    target = analysis.root / fix.edits[0].span.path
    if fix.edits[0].span.path != site.span.path and not target.exists() and ls.open_document(target.as_uri()) is None:
        ws = ls.client_capabilities.workspace
        operations = (ws.workspace_edit.resource_operations if ws and ws.workspace_edit else None) or ()
        if not versioned or types.ResourceOperationKind.Create not in operations:
            raise api.ConfigError(f"{target.name} does not exist and this editor cannot create files through "
                                  "the language server; create it, or use the pragma")
        uri, edit = target.as_uri(), fix.edits[0]
        return fix.title, types.WorkspaceEdit(document_changes=[
            types.CreateFile(uri=uri, options=types.CreateFileOptions(ignore_if_exists=True)),
            types.TextDocumentEdit(text_document=types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=None),
                                   edits=[types.TextEdit(range=types.Range(types.Position(0, 0), types.Position(0, 0)),
                                                         new_text=edit.new_text)])])
    edits = code_actions.fix_edits(ls, analysis, view, site, fix)
    return fix.title, code_actions.workspace_edit(ls, edits, versioned) if edits else None


def _shown(summary: Callable[[dict], str]):
    """The command's answer also as window/showMessage: editors that run a code lens (Neovim) drop a
    command's return value, so the message is what the user sees. Errors show as errors."""
    def wrap(fn):
        @functools.wraps(fn)
        async def run(ls, *args):
            answer = fn(ls, *args)
            answer = await answer if inspect.isawaitable(answer) else answer
            try:
                if isinstance(answer, dict) and answer.get("error"):
                    ls.show(shown_text(str(answer["error"])), types.MessageType.Error)
                elif isinstance(answer, dict):
                    ls.show(shown_text(summary(answer)))
            except Exception as exc:  # noqa: BLE001 - the answer itself still goes back
                ls.report_failure(f"the message of {fn.__name__}", exc)
            return answer
        return run
    return wrap


def _simulate_summary(answer: dict) -> str:
    """`site s3 (gpt-4o): ≈$0.0021/call · p95 3.4 s · prior; alternatives: gpt-4o-mini $0.0001/call, p95 2.1 s`
    or, for a scenario replay, its all-traffic figures beside the baseline's."""
    if "simulation" in answer:
        parts = []
        for scenario in answer["simulation"].get("scenarios", []):
            whole = next((g for g in scenario.get("groups", []) if g.get("kind") == "all"), None)
            if whole is not None:
                month = (whole.get("cost_per_month") or {}).get("value")
                p95 = (whole.get("latency_p95_s") or {}).get("value")
                parts.append(f"{scenario.get('name')}: {formatting.money(month)}/month, p95 {formatting.seconds(p95)}")
        return f"scenario {answer['scenario']} on site {answer['site_id']}: " + ("; ".join(parts) or "no traffic to replay")
    estimate = answer.get("estimate") or {}
    text = f"site {answer['site_id']} ({estimate.get('model') or 'model unknown'}): {answer.get('label', '')}"
    alts = [f"{a['model']} {formatting.money(a.get('cost_per_call'))}/call, p95 {formatting.seconds(a.get('latency_p95_s'))}"
            for a in answer.get("alternatives", [])]
    return text + (f"; alternatives: {'; '.join(alts)}" if alts else "; no cheaper or faster model on the front")


def register(ls) -> None:
    @ls.command(SIMULATE)
    @_shown(_simulate_summary)
    @guarded(lambda: {"error": "internal error; see the llmsight log"})
    async def simulate(ls, *args) -> dict:
        if len(args) < 2 or not all(isinstance(a, str) for a in args[:3]):
            return {"error": "usage: llmsight.simulate(uri, site_id[, scenario]) with string arguments"}
        uri, site_id = args[0], args[1]
        analysis, view = await ls.view_at(uri)
        site = next((sv for sv in view.sites if sv.site.id == site_id), None) if view else None
        if site is None:
            return {"error": f"no call site {site_id!r} in {uri}; is the document open and analysed?"}
        if len(args) >= 3 and args[2]:
            traffic = ls.settings.traffic_db or getattr(analysis.config, "traffic", None)
            path = str(ls.path_for(ls.key_for(uri), ".py"))
            return await asyncio.get_running_loop().run_in_executor(
                ls.requests, _replay, path, str(analysis.root), traffic, args[2], site_id)
        alts = await alternatives.for_site(ls, site.site, analysis)
        return {"site_id": site_id, "label": formatting.hint_label(site.estimate),
                "estimate": to_json(site.estimate), "alternatives": [to_json(a) for a in alts]}

    @ls.command(SET_MODEL)
    @_shown(lambda answer: f"{answer['title']}: done")
    @guarded(lambda: {"error": "internal error; see the llmsight log"})
    async def set_model(ls, *args) -> dict:
        models = args[2] if len(args) >= 3 else None
        where = args[3] if len(args) >= 4 else "pragma"
        if len(args) < 3 or not all(isinstance(a, str) for a in args[:2]) or not isinstance(where, str) or not (
                isinstance(models, str) or (isinstance(models, list) and all(isinstance(m, str) for m in models))):
            return {"error": 'usage: llmsight.setModel(uri, site_id, models[, "pragma"|"config"]) with models '
                             'as "a|b" or a list of names'}
        uri, site_id = args[0], args[1]
        analysis, view = await ls.view_at(uri)
        site = next((sv.site for sv in view.sites if sv.site.id == site_id), None) if view else None
        if site is None:
            return {"error": f"no call site {site_id[:200]!r} in {uri[:300]}; is the document open and analysed?"}
        try:
            title, edit = await asyncio.get_running_loop().run_in_executor(
                ls.requests, _model_edit, ls, analysis, view, site, models, where)
        except api.ConfigError as exc:
            return {"error": str(exc)}
        if edit is None:
            return {"error": "the document changed or a file to edit is unreadable; try again"}
        result = await ls.workspace_apply_edit_async(types.ApplyWorkspaceEditParams(edit=edit, label=title))
        answer = {"site_id": site_id, "where": where, "title": title, "applied": bool(result.applied)}
        if not result.applied:
            answer["error"] = result.failure_reason or "the editor did not apply the edit"
        return answer

    @ls.command(RELOAD_TRAFFIC)
    @_shown(lambda answer: f"traffic and config re-read; re-checking {answer['reanalysed']} open document(s)")
    @guarded(lambda: {"error": "internal error; see the llmsight log"})
    def reload_traffic(ls, *args) -> dict:
        ls.configs.clear()
        return {"reanalysed": ls.reanalyse_all("traffic reload requested")}
