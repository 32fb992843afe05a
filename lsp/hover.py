"""Hover on a call site: the estimate table (cost breakdown, latency p50/p95/p99, TTFT, error rate,
quality, each with its source) and the models on the cost/latency/quality front."""
from __future__ import annotations

from lsprotocol import types

from llmsight.lsp import alternatives, formatting
from llmsight.lsp.guard import guarded


def _contains(rng: types.Range, pos: types.Position) -> bool:
    return (rng.start.line, rng.start.character) <= (pos.line, pos.character) <= (rng.end.line, rng.end.character)


def register(ls) -> None:
    @ls.feature(types.TEXT_DOCUMENT_HOVER)
    @guarded(lambda: None)
    async def hover(ls, params: types.HoverParams) -> types.Hover | None:
        analysis, view = await ls.view_at(params.text_document.uri)
        if view is None:
            return None
        inside = [sv for sv in view.sites if _contains(sv.range, params.position)]
        if not inside:
            return None
        sv = min(inside, key=lambda s: (s.range.end.line - s.range.start.line, s.range.end.character))
        alts = await alternatives.for_site(ls, sv.site, analysis)
        text = formatting.for_client(formatting.hover_markdown(sv.site, sv.estimate, alts), ls.client_name)
        return types.Hover(contents=types.MarkupContent(types.MarkupKind.Markdown, text), range=sv.range)
