"""One snapshot's check result (from the analysis process, see worker.py) → LSP-ready views.

While the user types, the buffer often does not parse. Then the region that does not parse (the
file, or one notebook cell) keeps the diagnostics and call sites of its last good analysis, plus one
LLM000 diagnostic saying where the syntax error is.
"""
from __future__ import annotations

import dataclasses
from typing import Callable

from llmsight.lsp import diagnostics, positions
from llmsight.lsp.documents import Analysis, SiteView, Snapshot, View
from llmsight.records import CheckResult, Diagnostic, Span


def _parse_failure(result: CheckResult) -> Diagnostic | None:
    """A whole-file failure the engine reported only as an error (e.g. NUL bytes), as LLM000."""
    for err in result.errors:
        if err.message.startswith("cannot parse"):
            line, col = err.line or 1, err.col or 1
            return Diagnostic(diagnostics.PARSE_ERROR, "parse-error", "error", err.message,
                              Span(err.path, line, col, line, col + 1))
    return None


def analyse(snap: Snapshot, result: CheckResult, config, traffic: str | None, last_good: Analysis | None,
            warn: Callable[[str], None]) -> Analysis:
    for err in result.errors:
        if not err.message.startswith(("cannot parse", "SyntaxError")):
            warn(f"{err.path}: {err.message}")
    by_cell = {t.cell: t for t in snap.targets}
    first = snap.targets[0]
    views = {t.uri: View(t) for t in snap.targets}

    def locate(cell: int | None):
        target = by_cell.get(cell)
        return None if target is None else (target.uri, target.lines, target.version)

    found = list(result.diagnostics)
    if not any(d.code == diagnostics.PARSE_ERROR for d in found) and (failure := _parse_failure(result)):
        found.append(failure)
    for d in found:
        view = views[by_cell.get(d.span.cell, first).uri]
        view.diagnostics.append(diagnostics.to_lsp(d, view.target.lines, locate, snap.encoding))
        view.parse_error = view.parse_error or d.code == diagnostics.PARSE_ERROR
    for site in result.call_sites:
        view = views[by_cell.get(site.span.cell, first).uri]
        view.sites.append(SiteView(site, positions.span_range(view.target.lines, site.span, snap.encoding),
                                   result.estimates.get(site.id)))
    if last_good is not None:
        for uri, view in views.items():
            old = last_good.views.get(uri)
            if view.parse_error and old is not None:
                view.diagnostics = [d for d in view.diagnostics if d.code == diagnostics.PARSE_ERROR] + \
                    [d for d in old.diagnostics if d.code != diagnostics.PARSE_ERROR]
                view.sites = old.sites
    return Analysis(snap.key, snap.generation, views, snap.root, config, traffic)


def moved(analysis: Analysis, snap: Snapshot) -> Analysis:
    """`analysis` as the analysis of `snap`, whose text differs only where no finding and no code is
    (comments): the same diagnostics and sites, shown on the snapshot's documents and versions."""
    views = {t.uri: dataclasses.replace(analysis.views[t.uri], target=t) for t in snap.targets}
    return Analysis(snap.key, snap.generation, views, analysis.root, analysis.config, analysis.traffic, analysis.token)
