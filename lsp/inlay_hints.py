"""Inlay hints after each call site: `≈$0.0021/call · p95 3.4 s · prior` (an embedding priced per text at the
input-size prior: `≈$0.000020/call · 1,000 tokens per text · prior`, formatting.hint_label); the estimate table is
resolved lazily (inlayHint/resolve) unless the client cannot resolve tooltips. Clients without inlay
hints (JupyterLab) can get the same label as a hint-severity diagnostic (`as_diagnostics`)."""
from __future__ import annotations

from lsprotocol import types

from llmsight.lsp import formatting
from llmsight.lsp.diagnostics import SOURCE
from llmsight.lsp.guard import guarded
from llmsight.lsp.positions import ranges_overlap


def _can_resolve_tooltip(ls) -> bool:
    text = ls.client_capabilities.text_document
    hint = text.inlay_hint if text else None
    support = hint.resolve_support if hint else None
    return bool(support and "tooltip" in support.properties)


def _tooltip(ls, sv) -> types.MarkupContent:
    text = formatting.hover_markdown(sv.site, sv.estimate)
    return types.MarkupContent(types.MarkupKind.Markdown, formatting.for_client(text, ls.client_name))


def as_diagnostics(view) -> list[types.Diagnostic]:
    """Each site's hint label as a hint diagnostic on the call (no code, no fixes)."""
    return [types.Diagnostic(range=sv.range, message=f"estimate: {formatting.hint_label(sv.estimate)}",
                             severity=types.DiagnosticSeverity.Hint, source=SOURCE,
                             data={"site_id": sv.site.id, "fixes": []})
            for sv in view.sites if sv.estimate is not None]


def register(ls) -> None:
    @ls.feature(types.TEXT_DOCUMENT_INLAY_HINT, types.InlayHintOptions(resolve_provider=True))
    @guarded(list)
    async def inlay_hints(ls, params: types.InlayHintParams) -> list[types.InlayHint]:
        if not ls.settings.inlay_hints:
            return []
        _, view = await ls.view_for_display(params.text_document.uri)
        if view is None:
            return []
        lazy = _can_resolve_tooltip(ls)
        hints = []
        for sv in view.sites:
            if not ranges_overlap(sv.range, params.range):
                continue
            hint = types.InlayHint(position=sv.range.end, label=formatting.hint_label(sv.estimate),
                                   padding_left=True,
                                   data={"uri": params.text_document.uri, "site_id": sv.site.id})
            if not lazy:
                hint.tooltip = _tooltip(ls, sv)
            hints.append(hint)
        return hints

    @ls.feature(types.INLAY_HINT_RESOLVE)
    @guarded(lambda: None)
    async def resolve(ls, hint: types.InlayHint) -> types.InlayHint:
        data = hint.data if isinstance(hint.data, dict) else {}
        _, view = await ls.view_at(str(data.get("uri", "")))
        for sv in view.sites if view else ():
            if sv.site.id == data.get("site_id"):
                hint.tooltip = _tooltip(ls, sv)
        return hint
