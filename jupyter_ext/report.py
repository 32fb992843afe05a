"""HTML and text rendering shared by the magics, the explorer and `llm-lint report --html`.

Everything here formats records that `llmsight.api` computed; nothing is estimated here. Output is
self-contained: inline CSS and inline SVG, no scripts, no network, so a report opens offline and a
notebook output survives being saved.
"""
from __future__ import annotations

import datetime
import html
import json
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

from llmsight.api import ScenarioPoint
from llmsight.formats import printable, shown
from llmsight.formats._common import usd
from llmsight.records import CheckResult, Diagnostic, Estimate

# `.llmsight.llmsight table td` outranks JupyterLab's `:not(.jp-RenderedMarkdown).jp-RenderedHTMLCommon td`,
# which right-aligns every cell of an output
CSS = """
.llmsight{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;font-size:13px;color:#1f2328}
.llmsight table{border-collapse:collapse;margin:6px 0}
.llmsight.llmsight table th,.llmsight.llmsight table td{border-bottom:1px solid #d0d7de;padding:3px 8px;text-align:left;vertical-align:top}
.llmsight th{background:#f6f8fa;font-weight:600}
.llmsight.llmsight table td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.llmsight .error{color:#cf222e}.llmsight .warning{color:#9a6700}.llmsight .info,.llmsight .hint{color:#0969da}
.llmsight .muted{color:#656d76}.llmsight .ok{color:#1a7f37}.llmsight .over{color:#cf222e;font-weight:600}
.llmsight tr.front td{background:#fff8c5}.llmsight tr.current td{font-weight:600}
.llmsight tr.explored td{box-shadow:inset 0 2px 0 #0969da,inset 0 -2px 0 #0969da}
.llmsight pre{background:#f6f8fa;padding:6px;overflow:auto}
.llmsight .badge{border-radius:8px;padding:0 6px;background:#ddf4ff;color:#0969da;font-size:11px}
"""

esc = html.escape
# the class of every block llmsight renders: its style, and no LaTeX typesetting of `$868 … $994`
# (MathJax 2 skips `tex2jax_ignore`, JupyterLab's MathJax 3 `mathjax_ignore`)
ROOT_CLASS = "llmsight tex2jax_ignore mathjax_ignore"


def money(value: float | None) -> str:
    """`$0.000074`, `$7.23`, `$1,241`: the CLI's dollars (never `$7.4e-05`); `–` when unknown."""
    return "–" if value is None else usd(value)


def seconds(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f} s" if value < 10 else f"{value:.1f} s"


def ratio(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def where(path: str, cell: int | None, line: int) -> str:
    """`app/chat.py:18`, or `nb.ipynb cell 3 line 2` (cells counted from 1 as Jupyter shows them)."""
    return f"{path}:{line}" if cell is None else f"{path} cell {cell + 1} line {line}"


def _cell_ids(root: str | None, path: str) -> list:
    """nbformat cell ids of a notebook on disk (JupyterLab scrolls to `NB.ipynb#cell-id=ID`)."""
    if not root or not path.endswith(".ipynb"):
        return []
    try:
        return [c.get("id") for c in json.loads((Path(root) / path).read_text(encoding="utf-8")).get("cells", [])]
    except (OSError, ValueError, AttributeError):
        return []


def link(path: str, cell: int | None, line: int, root: str | None = None, base: Path | None = None) -> str:
    """An anchor JupyterLab follows: `FILE#row=N` opens a file at the line, `NB.ipynb#cell-id=ID` scrolls
    to the cell. FILE is relative to `base` (where the link is shown: the notebook's directory for
    outputs, the report's folder). A cell of a notebook not on disk (the kernel's cells) is plain text."""
    label = esc(where(path, cell, line))
    href = Path(os.path.relpath(Path(root) / path, base)).as_posix() if root and base else path
    if ":" in href.split("/", 1)[0]:
        href = "./" + href          # a file named `javascript:…` is a file, not a URL scheme
    if cell is None:
        return f'<a href="{esc(href)}#row={line - 1}" target="_blank">{label}</a>'
    ids = _cell_ids(root, path)
    if cell < len(ids) and ids[cell]:
        return f'<a href="{esc(href)}#cell-id={esc(ids[cell])}">{label}</a>'
    return f'<span title="cell {cell + 1}">{label}</span>'


def text_table(headers: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """Aligned columns; control characters in cells are escaped (a terminal shows this)."""
    rows = [[printable(str(c)) for c in r] for r in rows]
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(headers)]
    line = lambda cells: "  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()  # noqa: E731
    return "\n".join([line(headers), line(["-" * w for w in widths])] + [line(r) for r in rows])


def html_table(headers: Sequence[str], rows: Iterable[Sequence[str]], classes: Sequence[str] | None = None,
               numeric: Iterable[int] = ()) -> str:
    """Cells are HTML already (escape text before)."""
    numeric = set(numeric)
    head = "".join(f"<th>{h}</th>" for h in headers)
    body = []
    for i, r in enumerate(rows):
        cls = f' class="{classes[i]}"' if classes and classes[i] else ""
        body.append(f"<tr{cls}>" + "".join(f'<td class="num">{c}</td>' if j in numeric else f"<td>{c}</td>"
                                           for j, c in enumerate(r)) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


# ---- findings ------------------------------------------------------------------------------------------

FINDING_HEADERS = ("code", "severity", "where", "message", "fix")


def _fix_text(d: Diagnostic) -> str:
    return "; ".join(f"{f.title} ({f.applicability})" for f in d.fixes)


def findings_text(result: CheckResult, place=where) -> str:
    """`place(path, cell, line)` names a finding's position (the cell magic says just `line N`)."""
    if not result.diagnostics:
        return f"llmsight: no findings ({len(result.call_sites)} call sites)"
    rows = [(d.code, d.severity, place(d.span.path, d.span.cell, d.span.start_line), d.message, _fix_text(d))
            for d in result.diagnostics]
    return text_table(FINDING_HEADERS, rows) + f"\n{len(result.diagnostics)} findings, {len(result.call_sites)} call sites"


def findings_html(result: CheckResult, place=None, base: Path | None = None) -> str:
    if not result.diagnostics:
        return f"<p>No findings ({len(result.call_sites)} call sites).</p>"
    rows = [(f'<span class="{d.severity}">{esc(d.code)}</span>', esc(d.severity),
             esc(place(d.span.path, d.span.cell, d.span.start_line)) if place
             else link(d.span.path, d.span.cell, d.span.start_line, result.root, base), esc(d.message),
             esc(_fix_text(d)))
            for d in result.diagnostics]
    errors = "".join(f"<p class='error'>{esc(e.path)}: {esc(e.message)}</p>" for e in result.errors)
    return (html_table(FINDING_HEADERS, rows) + errors +
            f"<p class='muted'>{len(result.diagnostics)} findings, {len(result.call_sites)} call sites · "
            f"{esc(result.price_data)}</p>")


# ---- per-site estimates --------------------------------------------------------------------------------

ESTIMATE_HEADERS = ("site", "model", "cost/call", "cost/month", "p50", "p95", "source")


def _source(e: Estimate) -> str:
    if e.source == "traffic":
        n = e.cost_per_call.n or (e.latency_p95_s.n if e.latency_p95_s else None)
        return f"traffic (n={n:,})" if n else "traffic"
    prior = e.latency_p95_s.prior if e.latency_p95_s else e.cost_per_call.prior
    return f"priors ({prior})" if prior else "priors"


def _estimate_cells(result: CheckResult, place=where) -> list[tuple[str, ...]]:
    rows = []
    for s in result.call_sites:
        e = result.estimates.get(s.id)
        if e is None:
            continue
        rows.append((place(s.span.path, s.span.cell, s.span.start_line), e.model or (s.model.expr or "?"),
                     money(e.cost_per_call.value), money(e.cost_per_month.value if e.cost_per_month else None),
                     seconds(e.latency_p50_s.value if e.latency_p50_s else None),
                     seconds(e.latency_p95_s.value if e.latency_p95_s else None), _source(e)))
    return rows


def estimates_text(result: CheckResult, place=where) -> str:
    rows = _estimate_cells(result, place)
    return text_table(ESTIMATE_HEADERS, rows) if rows else "llmsight: no LLM calls found"


def estimates_html(result: CheckResult, place=where) -> str:
    rows = _estimate_cells(result, place)
    if not rows:
        return "<p>No LLM calls found.</p>"
    return html_table(ESTIMATE_HEADERS, [tuple(map(esc, r)) for r in rows], numeric=(2, 3, 4, 5))


@dataclass
class Rendered:
    """Rich output: HTML in Jupyter, the text table in a terminal IPython."""

    html: str
    text: str

    def _repr_html_(self) -> str:
        return f'<div class="{ROOT_CLASS}"><style>{CSS}</style>{self.html}</div>'

    def __repr__(self) -> str:
        return self.text

    def _repr_pretty_(self, p, cycle) -> None:
        p.text(self.text)


# ---- scenarios -----------------------------------------------------------------------------------------

SCENARIO_HEADERS = ("scenario", "model", "cost/call", "cost/month", "p50", "p95", "p99", "error rate", "quality",
                    "source")


def x_value(p: ScenarioPoint) -> float | None:
    """What the scatter's x axis shows: cost per month when volume is known, else per call."""
    return p.cost_per_month if p.cost_per_month is not None else p.cost_per_call


def source_label(p: ScenarioPoint) -> str:
    """Where a scenario's figures come from: `traffic (n=…)` only when they were measured on rows of its model."""
    if p.source != "traffic":
        return p.source
    rows = f"{p.n:,} traffic rows" if p.n else "traffic rows"
    return f"{rows} replayed on priors ({p.prior})" if p.prior else f"traffic (n={p.n:,})" if p.n else "traffic"


def scenario_cells(p: ScenarioPoint) -> tuple[str, ...]:
    source = source_label(p)
    return (p.label, p.model or "?", money(p.cost_per_call), money(p.cost_per_month), seconds(p.latency_p50_s),
            seconds(p.latency_p95_s), seconds(p.latency_p99_s),
            "–" if p.error_rate is None else f"{p.error_rate:.1%}", ratio(p.quality), source)


def scenario_table_html(points: Sequence[ScenarioPoint], front: Iterable[int], current: int | None = None,
                        explored: int | None = None) -> str:
    """Rows: yellow on the Pareto front, bold = the code as written, blue edge = the scenario explored."""
    front = set(front)
    classes = [" ".join(c for c, on in (("front", i in front), ("current", i == current),
                                        ("explored", i == explored and i != current)) if on)
               for i in range(len(points))]
    return html_table(SCENARIO_HEADERS, [tuple(map(esc, scenario_cells(p))) for p in points], classes,
                      numeric=range(2, 9))


def _colour(q: float | None, low: float, high: float) -> str:
    """Quality from `low` (red) to `high` (green) — the range of the points shown; grey when unknown."""
    if q is None:
        return "#8c959f"
    t = 1.0 if high <= low else min(1.0, max(0.0, (q - low) / (high - low)))
    r, g, b = (int(a + (c - a) * t) for a, c in zip((207, 34, 46), (26, 127, 55)))
    return f"#{r:02x}{g:02x}{b:02x}"


def _ticks(low: float, high: float, n: int = 4) -> list[float]:
    if high <= low:
        return [low]
    step = 10 ** math.floor(math.log10((high - low) / n))
    for m in (1, 2, 5, 10):
        if (high - low) / (step * m) <= n:
            step *= m
            break
    start = math.floor(low / step) * step
    return [start + i * step for i in range(int((high - start) / step) + 2) if low <= start + i * step <= high]


def scatter_svg(points: Sequence[ScenarioPoint], front: Iterable[int], current: int | None = 0,
                selected: int | None = None, width: int = 560, height: int = 300, x_label: str = "cost / month") -> str:
    """Cost vs p95 scatter: colour = quality, yellow outline = Pareto front (`api.pareto_front`), yellow line =
    the cost–p95 front, ring = the code as written, square = the scenario being explored. Points without
    cost or p95 are left out (named below)."""
    from llmsight.api import pareto_front

    pad_l, pad_r, pad_t, pad_b = 64, 16, 14, 40
    shown = [(i, x_value(p), p.latency_p95_s) for i, p in enumerate(points)
             if x_value(p) is not None and p.latency_p95_s is not None]
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="llmsight-scatter" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" font-family="system-ui,sans-serif" font-size="11">',
             f'<rect x="{pad_l}" y="{pad_t}" width="{width - pad_l - pad_r}" height="{height - pad_t - pad_b}" '
             'fill="#ffffff" stroke="#d0d7de"/>']
    if not shown:
        parts.append(f'<text x="{width / 2}" y="{height / 2}" text-anchor="middle" fill="#656d76">'
                     "no point has both a cost and a p95 latency</text></svg>")
        return "".join(parts)
    xs, ys = [x for _, x, _ in shown], [y for _, _, y in shown]
    x0, x1 = min(0.0, min(xs)), max(xs) * 1.08 or 1.0
    y0, y1 = min(0.0, min(ys)), max(ys) * 1.08 or 1.0
    sx = lambda v: pad_l + (v - x0) / (x1 - x0) * (width - pad_l - pad_r)  # noqa: E731
    sy = lambda v: height - pad_b - (v - y0) / (y1 - y0) * (height - pad_t - pad_b)  # noqa: E731
    for t in _ticks(x0, x1):
        parts.append(f'<line x1="{sx(t):.1f}" x2="{sx(t):.1f}" y1="{pad_t}" y2="{height - pad_b}" stroke="#eaeef2"/>'
                     f'<text x="{sx(t):.1f}" y="{height - pad_b + 14}" text-anchor="middle">{esc(money(t))}</text>')
    for t in _ticks(y0, y1):
        parts.append(f'<line x1="{pad_l}" x2="{width - pad_r}" y1="{sy(t):.1f}" y2="{sy(t):.1f}" stroke="#eaeef2"/>'
                     f'<text x="{pad_l - 6}" y="{sy(t) + 4:.1f}" text-anchor="end">{t:g} s</text>')
    parts.append(f'<text x="{(pad_l + width - pad_r) / 2}" y="{height - 6}" text-anchor="middle">{esc(x_label)}</text>'
                 f'<text transform="translate(14,{(pad_t + height - pad_b) / 2}) rotate(-90)" text-anchor="middle">'
                 "p95 latency</text>")
    flat = pareto_front([points[i] for i, _, _ in shown], with_quality=False)
    on_front = sorted((shown[k][1], shown[k][2]) for k in flat)
    if len(on_front) > 1:   # a staircase: each step is the best p95 reachable at that cost
        steps = [on_front[0]] + [q for a, b in zip(on_front, on_front[1:]) for q in ((b[0], a[1]), b)]
        path = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in steps)
        parts.append(f'<polyline class="front" points="{path}" fill="none" stroke="#d4a72c" stroke-width="3" '
                     'stroke-opacity="0.6"/>')
    front = set(front)
    known = [points[i].quality for i, _, _ in shown if points[i].quality is not None]
    q_low, q_high = (min(known), max(known)) if known else (0.0, 1.0)
    for i, x, y in shown:
        p = points[i]
        title = esc(f"{p.label}: {money(x)}, p95 {seconds(y)}, quality {ratio(p.quality)} ({p.source})")
        cx, cy = sx(x), sy(y)
        stroke = ' stroke="#d4a72c" stroke-width="2.5"' if i in front else ' stroke="#ffffff"'
        if i == selected:
            parts.append(f'<rect class="point selected" x="{cx - 7:.1f}" y="{cy - 7:.1f}" width="14" height="14" '
                         f'fill="{_colour(p.quality, q_low, q_high)}"{stroke} data-p95="{y:.6g}" data-cost="{x:.6g}">'
                         f"<title>{title}</title></rect>")
        else:
            parts.append(f'<circle class="point" cx="{cx:.1f}" cy="{cy:.1f}" r="6" fill="{_colour(p.quality, q_low, q_high)}"{stroke} '
                         f'data-p95="{y:.6g}" data-cost="{x:.6g}"><title>{title}</title></circle>')
        if i == current:
            parts.append(f'<circle class="as-written" cx="{cx:.1f}" cy="{cy:.1f}" r="11" fill="none" stroke="#1f2328" '
                         'stroke-width="1.5"/>')
        right = cx > pad_l + 0.7 * (width - pad_l - pad_r)    # labels near the right edge go to the left
        anchor = ' text-anchor="end"' if right else ""
        parts.append(f'<text x="{cx - 9 if right else cx + 9:.1f}" y="{cy - 8:.1f}" fill="#57606a"{anchor}>'
                     f'{esc((p.model or "?")[:28])}</text>')
    parts.append("</svg>")
    missing = [points[i].label for i in range(len(points)) if i not in {j for j, _, _ in shown}]
    legend = (f'<div class="muted">colour: quality (red {q_low:.2f} → green {q_high:.2f}, grey unknown) · '
              "yellow outline: Pareto front (cost, p95, errors, quality) · yellow line: cheapest p95 per cost · "
              "ring: the code as written · square: the scenario explored"
              + (f" · not plotted (no cost or p95): {esc(', '.join(missing))}" if missing else "") + "</div>")
    return "".join(parts) + legend


# ---- the full report -----------------------------------------------------------------------------------

@dataclass
class SiteScenarios:
    """One call site's explored scenarios (point 0 = the code as written)."""

    site_id: str
    title: str
    points: list[ScenarioPoint]
    front: list[int]
    selected: int | None = None


def _sites_of(result: CheckResult, key: str) -> list:
    """A budget or SLO key names a site id or a feature tag."""
    return [s for s in result.call_sites if key in (s.id, s.feature)]


def _limit_rows(result: CheckResult, limits: dict, metric, combine, unknown: str
                ) -> list[tuple[str, float | None, float, str]]:
    """(feature or site, `combine` of `metric` over its sites' estimates, limit, status)."""
    rows = []
    for key, limit in sorted(limits.items()):
        values = [m.value for s in _sites_of(result, key) for e in [result.estimates.get(s.id)]
                  if e is not None and (m := metric(e)) is not None and m.value is not None]
        figure = combine(values) if values else None
        status = unknown if figure is None else "over" if figure > float(limit) else "ok"
        rows.append((key, figure, float(limit), status))
    return rows


def budget_rows(result: CheckResult, budgets: dict) -> list[tuple[str, float | None, float, str]]:
    """(feature or site, estimated $/month summed over its sites, budget, status)."""
    return _limit_rows(result, budgets, lambda e: e.cost_per_month, sum, "unknown (no volume or price)")


def slo_rows(result: CheckResult, slos: dict) -> list[tuple[str, float | None, float, str]]:
    """(feature or site, slowest p95 among its sites, p95 SLO in seconds, status)."""
    return _limit_rows(result, slos, lambda e: e.latency_p95_s, max, "unknown (no latency estimate)")


def _status(text: str) -> str:
    cls = "over" if text == "over" else "ok" if text == "ok" else "muted"
    return f"<span class='{cls}'>{esc(text)}</span>"


def report_html(result: CheckResult, scenarios: Sequence[SiteScenarios] = (), budgets: dict | None = None,
                title: str = "llmsight report", base: Path | None = None, slos: dict | None = None) -> str:
    """One offline HTML page: estimates per site, scenario scatters with Pareto fronts, deprecations,
    budgets and all findings. Text is the result as every report shows it (`formats.shown`), HTML-escaped."""
    result = shown(result)
    sections = [f"<h1>{esc(title)}</h1>",
                f"<p class='muted'>{esc(result.root)} · {len(result.call_sites)} call sites in "
                f"{result.files_scanned} files · {esc(result.price_data)} · llmsight {esc(result.version)} · "
                f"{datetime.date.today().isoformat()}</p>",
                "<h2>Call sites</h2>", estimates_html(result)]
    for sc in scenarios:
        sections += [f"<h2>Scenarios: {esc(sc.title)}</h2>",
                     scatter_svg(sc.points, sc.front, current=0, selected=sc.selected),
                     scenario_table_html(sc.points, sc.front, current=0, explored=sc.selected)]
    deprecated = [d for d in result.diagnostics if d.code == "LLM008"]
    sections.append("<h2>Deprecations</h2>")
    sections.append(html_table(("where", "message", "fix"), [
        (esc(where(d.span.path, d.span.cell, d.span.start_line)), esc(d.message), esc(_fix_text(d))) for d in deprecated])
        if deprecated else "<p class='ok'>No deprecated models.</p>")
    sections.append("<h2>Budgets and SLOs</h2>")
    rows = budget_rows(result, budgets or {})
    sections.append(html_table(("budget for", "estimated / month", "budget / month", "status"), [
        (esc(k), esc(money(t)), esc(money(b)), _status(st)) for k, t, b, st in rows], numeric=(1, 2))
        if rows else "<p class='muted'>No budgets in [tool.llmsight].</p>")
    rows = slo_rows(result, slos or {})
    sections.append(html_table(("SLO for", "slowest p95", "p95 SLO", "status"), [
        (esc(k), esc(seconds(w)), esc(seconds(o)), _status(st)) for k, w, o, st in rows], numeric=(1, 2))
        if rows else "<p class='muted'>No latency SLOs in [tool.llmsight].</p>")
    sections += ["<h2>Findings</h2>", findings_html(result, base=base)]
    return ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            f"<title>{esc(title)}</title><style>{CSS}</style></head>"
            f"<body class='{ROOT_CLASS}'>{''.join(sections)}</body></html>")
