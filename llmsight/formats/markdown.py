"""`--format markdown`: a report to paste into (or post as) a pull-request comment.

A findings table, a per-call-site estimate table, files not analysed, and the price data used.
Cell text is escaped so that no message can break the table (`|`, newlines) or inject HTML, and every
`$` outside code is `\$`, so no pair of amounts renders as LaTeX.
"""
from __future__ import annotations

import re

from llmsight.formats._common import (
    cell_label, fix_status, fixable_counts, location, monthly_text, ordered, p95_text, plural, range_text, usd,
)
from llmsight.records import CheckResult, Estimate

SEVERITY_ICONS = {"error": "🔴 error", "warning": "🟠 warning", "info": "🔵 info", "hint": "⚪ hint"}
COMMENT_LIMIT = 60_000  # characters; GitHub rejects comments longer than 65,536
FIX_LABELS = {"safe": "safe (`--fix`)", "unsafe": "unsafe (`--unsafe-fixes`)", "display-only": "suggestion",
              None: "—"}


def cell(text: str) -> str:
    """Escape text for a table cell: HTML, pipes and line breaks."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = text.replace("\\", "\\\\").replace("|", "\\|")
    return text.replace("\r\n", "\n").replace("\n", "<br>")


def code(text: str) -> str:
    """Inline code in a table cell: a fence longer than any backtick run inside, pipes escaped."""
    fence = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    body = text.replace("|", "\\|").replace("\n", " ")
    pad = " " if body.startswith("`") or body.endswith("`") else ""
    return f"{fence}{pad}{body}{pad}{fence}"


def _table(header: list[str], rows: list[list[str]], limit: int | None, what: str) -> list[str]:
    """A table of the first `limit` rows (all when None), saying how many were left out."""
    shown = rows if limit is None else rows[:limit]
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(r) + " |" for r in shown]
    return out + _left_out(len(rows) - len(shown), what)


def _left_out(count: int, what: str) -> list[str]:
    if count <= 0:
        return []
    return ["", f"… and {plural(count, 'more ' + what)}, left out to keep the comment under GitHub's size limit; "
                "run `llm-lint check` for the full report."]


def _cost(est: Estimate | None) -> str:
    if est is None or est.cost_per_call.value is None:
        return "?"
    spread = range_text(est)
    return usd(est.cost_per_call.value) + (f" ({cell(spread)})" if spread else "")


def _basis(est: Estimate | None) -> str:
    if est is None:
        return "—"
    m = est.cost_per_call
    if m.source == "traffic":
        return cell(f"traffic, n={m.n:,}" if m.n is not None else "traffic")
    return cell(f"{m.source}: {m.prior}" if m.prior else m.source)


def render(result: CheckResult) -> str:
    """The report; tables are shortened (never the summary) until it fits in one GitHub comment."""
    text = _render(result, None)
    limit = max(len(result.diagnostics), len(result.call_sites), len(result.errors))
    while len(text) > COMMENT_LIMIT and limit > 0:
        limit //= 2
        text = _render(result, limit)
    return text


def _render(result: CheckResult, limit: int | None) -> str:
    n = len(result.diagnostics)
    headline = f"{plural(n, 'finding')} at {plural(len(result.call_sites), 'call site')}" if n else \
        f"no findings at {plural(len(result.call_sites), 'call site')}"
    out = [f"## llmsight: {headline}", ""]
    if n:
        rows = [[SEVERITY_ICONS[d.severity], f"{code(d.code)} {cell(d.name)}", code(location(d.span)),
                 cell(d.message), FIX_LABELS[fix_status(d)]] for d in ordered(result.diagnostics)]
        out += _table(["Severity", "Rule", "Location", "Message", "Fix"], rows, limit, "finding")
        fixable = fixable_counts(result.diagnostics)
        out += ["", f"{fixable['safe']:,} fixable with `llm-lint check --fix`, "
                    f"{fixable['unsafe']:,} more with `--fix --unsafe-fixes`.", ""]
    else:
        out += ["✅ All checks passed.", ""]
    if result.call_sites:
        out += ["### Estimates per call site", ""]
        rows = []
        for s in result.call_sites:
            est = result.estimates.get(s.id)
            model = (est.model if est else None) or (s.model.value if isinstance(s.model.value, str) else None)
            rows.append([
                code(location(s.span)), code(f"{s.sdk} {s.api}"),
                code(model) if model else cell(f"unresolved ({s.model.expr})" if s.model.expr else "unresolved"),
                _cost(est), cell(monthly_text(est) or "—") if est else "—",
                cell(p95_text(est) or "—") if est else "—", _basis(est),
            ])
        out += _table(["Call site", "API", "Model", "Cost/call", "Cost/month", "Latency", "Basis"], rows, limit,
                      "call site")
        out.append("")
    if result.errors:
        out += ["### Files not analysed", ""]
        shown = result.errors if limit is None else result.errors[:limit]
        for e in shown:
            where = e.path + (f":{e.line}" if e.line else "")
            out.append(f"- {code(where)}: {cell(e.message)}")
        out += _left_out(len(result.errors) - len(shown), "file") + [""]
    notebook = any(d.span.cell is not None for d in result.diagnostics) or \
        any(s.span.cell is not None for s in result.call_sites)
    if notebook:
        out += [f"Notebook locations read `path:{cell_label(0)}:line:col`, cells numbered from 1 as they "
                "appear in the notebook.", ""]
    out.append(f"<sub>llmsight {cell(result.version)} · prices: {cell(result.price_data)}</sub>")
    return "\n".join(no_math(line) for line in out) + "\n"


_CODE_SPAN = re.compile(r"(`+).*?\1")


def no_math(line: str) -> str:
    """`$` escaped outside code spans: GitHub and Jupyter read `$868 … $994` as LaTeX between the dollars."""
    parts, last = [], 0
    for m in _CODE_SPAN.finditer(line):
        parts += [re.sub(r"(?<!\\)\$", r"\\$", line[last:m.start()]), m.group(0)]
        last = m.end()
    return "".join(parts + [re.sub(r"(?<!\\)\$", r"\\$", line[last:])])
