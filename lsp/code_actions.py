"""Code actions: every fix of every llmsight diagnostic as a quick-fix, and "Switch model to …"
refactors for the call site under the cursor.

Fixes travel in `Diagnostic.data` (see diagnostics.py); safe fixes are preferred; display-only
suggestions are shown disabled (with their text as the reason) where the client can show that,
else left out. Each edit carries the document version it was computed on, so the client refuses a
fix for text that changed since.
"""
from __future__ import annotations

import asyncio
import re

from lsprotocol import types

from llmsight import api
from llmsight.analysis.engine import read_scanned_text
from llmsight.lsp import alternatives, formatting, positions
from llmsight.lsp.diagnostics import SOURCE
from llmsight.lsp.guard import guarded

QUICKFIX = types.CodeActionKind.QuickFix
SWITCH_MODEL = types.CodeActionKind.RefactorRewrite
_MODEL_KEYWORD = r"\b(?:model|model_id|modelId|model_name)\s*=\s*"


def _wanted(kind: str, only) -> bool:
    return not only or any(kind == k or kind.startswith(f"{k}.") for k in only)


def capabilities(ls) -> tuple[bool, bool]:
    """(client takes versioned documentChanges, client shows disabled actions)."""
    ws = ls.client_capabilities.workspace
    edit = ws.workspace_edit if ws else None
    text = ls.client_capabilities.text_document
    action = text.code_action if text else None
    return bool(edit and edit.document_changes), bool(action and action.disabled_support)


def workspace_edit(ls, edits: list[dict], versioned: bool) -> types.WorkspaceEdit | None:
    by_uri: dict[str, list[types.TextEdit]] = {}
    versions: dict[str, int | None] = {}
    for e in edits:
        rng = e["range"]
        by_uri.setdefault(e["uri"], []).append(types.TextEdit(
            range=types.Range(start=types.Position(**rng["start"]), end=types.Position(**rng["end"])),
            new_text=e["newText"]))
        versions[e["uri"]] = e.get("version")
    if versioned:
        return types.WorkspaceEdit(document_changes=[
            types.TextDocumentEdit(text_document=types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=versions[uri]),
                                   edits=text_edits) for uri, text_edits in by_uri.items()])
    for uri, version in versions.items():   # no versions in `changes`: refuse stale edits here
        doc = ls.open_document(uri)
        if version is not None and (doc is None or doc.version != version):
            return None
    return types.WorkspaceEdit(changes=by_uri)


def _data_of(diag: types.Diagnostic, view) -> dict | None:
    """The fixes of a diagnostic the client sent back; clients that drop `data` are matched by code
    and range against what the server published."""
    if isinstance(diag.data, dict) and "fixes" in diag.data:
        return diag.data
    for published in view.diagnostics:
        if published.code == diag.code and published.range == diag.range:
            return published.data
    return None


def quick_fixes(ls, params: types.CodeActionParams, view) -> list[types.CodeAction]:
    versioned, disabled_ok = capabilities(ls)
    actions = []
    for diag in params.context.diagnostics:
        if diag.source != SOURCE or (data := _data_of(diag, view)) is None:
            continue
        for fix in data.get("fixes", []):
            if fix["applicability"] == "display-only" or not fix["edits"]:
                if disabled_ok:
                    actions.append(types.CodeAction(title=fix["title"], kind=QUICKFIX, diagnostics=[diag],
                                                    disabled=types.CodeActionDisabled(reason=f"suggestion: {fix['title']}")))
                continue
            edit = workspace_edit(ls, fix["edits"], versioned)
            if edit is None:
                continue
            title = fix["title"] if fix["applicability"] == "safe" else f"{fix['title']} (unsafe)"
            actions.append(types.CodeAction(title=f"{title} [{diag.code}]", kind=QUICKFIX, diagnostics=[diag],
                                            edit=edit, is_preferred=fix["applicability"] == "safe"))
    return actions


def model_literal_range(view, sv, encoding: str) -> types.Range | None:
    """Where the call writes its model as a literal (`model="gpt-4o"`), in this document."""
    expr = sv.site.model.expr
    if sv.site.model.source != "call" or not expr or expr[0] not in "'\"":
        return None
    pattern = re.compile(_MODEL_KEYWORD + r"(" + re.escape(expr) + r")")
    lines = view.target.lines
    for index in range(sv.range.start.line, min(sv.range.end.line, len(lines) - 1) + 1):
        match = pattern.search(lines[index])
        if match:
            return types.Range(start=types.Position(index, positions.to_units(lines[index], match.start(1), encoding)),
                               end=types.Position(index, positions.to_units(lines[index], match.end(1), encoding)))
    return None


def _resolves_edits(ls) -> bool:
    text = ls.client_capabilities.text_document
    action = text.code_action if text else None
    support = action.resolve_support if action else None
    return bool(support and "edit" in support.properties)


async def switch_model(ls, params: types.CodeActionParams, analysis, view) -> list[types.CodeAction]:
    """A literal `model="…"` in the call is rewritten in place; a model that comes from elsewhere (a
    constant, a settings class) is switched where it is defined, computed on codeAction/resolve."""
    versioned, _ = capabilities(ls)
    lazy = _resolves_edits(ls) and view.target.cell is None
    actions = []
    for sv in view.sites:
        if not positions.ranges_overlap(sv.range, params.range):
            continue
        rng = model_literal_range(view, sv, ls.encoding)
        if rng is None and not lazy:
            continue
        for alt in await alternatives.for_site(ls, sv.site, analysis):
            title = formatting.alternative_title(alt, sv.estimate)
            if alt.client_change:   # shown with its reason, never an edit: the client must change first
                actions.append(types.CodeAction(title=title, kind=SWITCH_MODEL,
                                                disabled=types.CodeActionDisabled(reason=alt.client_change)))
                continue
            if rng is None:
                actions.append(types.CodeAction(title=title, kind=SWITCH_MODEL, data={
                    "uri": view.target.uri, "site_id": sv.site.id, "model": alt.model}))
                continue
            quote = sv.site.model.expr[0]
            edit = workspace_edit(ls, [{"uri": view.target.uri, "version": view.target.version,
                                         "newText": f"{quote}{alt.model}{quote}",
                                         "range": positions.range_json(rng)}],
                                   versioned)
            if edit is not None:
                actions.append(types.CodeAction(title=title, kind=SWITCH_MODEL, edit=edit))
    return actions


def _scenario_edits(ls, analysis, view, site, model: str) -> list[dict]:
    """`llmsight.api.scenario_fix` for a model switch, as LSP edits in whichever files it touches."""
    doc = ls.open_document(view.target.uri)
    fix = api.scenario_fix(site, {"model": model}, config=analysis.config, root=analysis.root,
                           source=doc.source if doc is not None else None)
    return fix_edits(ls, analysis, view, site, fix)


def fix_edits(ls, analysis, view, site, fix) -> list[dict]:
    """A fix's edits as LSP edits (open buffers win over the disk); [] when a file it edits is unreadable."""
    edits = []
    for e in fix.edits:
        if e.span.path == site.span.path:
            uri, lines, version = view.target.uri, view.target.lines, view.target.version
        else:
            path = analysis.root / e.span.path
            uri = path.as_uri()
            other = ls.open_document(uri)
            text = other.source if other is not None else read_scanned_text(path)
            if text is None:   # a file the scan cannot read (gone, too large, not text): no edit there
                return []
            lines = positions.split_lines(text)
            version = other.version if other is not None else None
        rng = positions.span_range(lines, e.span, ls.encoding)
        edits.append({"uri": uri, "version": version, "newText": e.new_text,
                      "range": positions.range_json(rng)})
    return edits


def register(ls) -> None:
    @ls.feature(types.TEXT_DOCUMENT_CODE_ACTION,
                types.CodeActionOptions(code_action_kinds=[QUICKFIX, SWITCH_MODEL], resolve_provider=True))
    @guarded(list)
    async def code_actions(ls, params: types.CodeActionParams) -> list[types.CodeAction]:
        analysis, view = await ls.view_at(params.text_document.uri)
        if view is None:
            return []
        only = params.context.only
        actions = quick_fixes(ls, params, view) if _wanted(QUICKFIX, only) else []
        if _wanted(SWITCH_MODEL, only):
            actions += await switch_model(ls, params, analysis, view)
        return actions

    @ls.feature(types.CODE_ACTION_RESOLVE)
    @guarded(lambda: None)
    async def resolve(ls, action: types.CodeAction) -> types.CodeAction:
        data = action.data if isinstance(action.data, dict) else {}
        if action.edit is not None or not {"uri", "site_id", "model"} <= set(data):
            return action
        analysis, view = await ls.view_at(str(data["uri"]))
        site = next((sv.site for sv in view.sites if sv.site.id == data["site_id"]), None) if view else None
        if site is None:
            return action
        edits = await asyncio.get_running_loop().run_in_executor(
            ls.requests, _scenario_edits, ls, analysis, view, site, str(data["model"]))
        if edits:
            action.edit = workspace_edit(ls, edits, capabilities(ls)[0])
        return action
