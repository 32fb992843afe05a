"""Terminal report, ruff-like: one line per finding, a dim estimate line per call site, a summary.

```
app/chat.py:12:14: LLM001 [*] OpenAI call has no timeout; …
  ≈ $0.0021/call (static: prompt tokens and expected output) · up to $0.0160/call at the output cap · p95 3.4 s (prior) · gpt-4o
```
`[*]` marks a finding `--fix` fixes safely.
"""
from __future__ import annotations

from llmsight.formats._common import (
    estimate_line, fix_status, fixable_counts, location, ordered, plural, sites_by_id, sort_key,
)
from llmsight.records import CheckResult, Diagnostic

_CODES = {"bold": "1", "dim": "2", "red": "31", "green": "32", "yellow": "33", "cyan": "36"}
_SEVERITY_COLOR = {"error": "red", "warning": "yellow", "info": "cyan", "hint": "cyan"}


class _Paint:
    def __init__(self, enabled: bool):
        self.enabled = enabled

    def __call__(self, text: str, *styles: str) -> str:
        if not self.enabled or not styles:
            return text
        return f"\x1b[{';'.join(_CODES[s] for s in styles)}m{text}\x1b[0m"


def _diagnostic_line(d: Diagnostic, paint: _Paint) -> str:
    mark = f"{paint('[*]', 'cyan')} " if fix_status(d) == "safe" else ""
    message = d.message.replace("\r\n", "\n").replace("\n", "\n    ")
    return f"{paint(location(d.span), 'bold')}: {paint(d.code, 'bold', _SEVERITY_COLOR[d.severity])} {mark}{message}"


def _findings(result: CheckResult, paint: _Paint) -> list[str]:
    """Findings and estimates in file order; a site's findings come right before its estimate line."""
    sites = sites_by_id(result.call_sites)
    attached: dict[str, list[Diagnostic]] = {}
    blocks: list[tuple[tuple, int, list[str]]] = []
    for d in ordered(result.diagnostics):
        if d.site_id in sites:
            attached.setdefault(d.site_id, []).append(d)
        else:
            blocks.append((sort_key(d.span), 1, [_diagnostic_line(d, paint)]))
    for site in result.call_sites:
        own = attached.get(site.id, [])
        lines = [_diagnostic_line(d, paint) for d in own]
        est = result.estimates.get(site.id)
        if est is not None:
            if own:
                lines.append(paint(f"  {estimate_line(est)}", "dim"))
            else:
                lines.append(paint(f"{location(site.span)}: {estimate_line(est)}", "dim"))
        blocks.append((sort_key(site.span), 0, lines))
    blocks.sort(key=lambda b: (b[0], b[1]))  # stable: equal positions keep the order above
    return [line for _, _, lines in blocks for line in lines]


def _summary(result: CheckResult, paint: _Paint) -> list[str]:
    s = result.summary()
    scope = (f"{plural(s['call_sites'], 'call site')} in {plural(s['files_scanned'], 'file')} analysed"
             f" ({s['files_skipped']:,} skipped: no LLM calls possible)")
    out: list[str] = []
    if result.diagnostics:
        out.append(paint(f"Found {plural(len(result.diagnostics), 'finding')}; {scope}.", "bold"))
        names: dict[str, str] = {}
        for d in result.diagnostics:
            names.setdefault(d.code, d.name)
        width = max(len(n) for n in names.values())
        for code, count in s["by_code"].items():
            out.append(f"  {code}  {names[code]:<{width}}  {count:>4}")
    else:
        out.append(paint(f"All checks passed! {scope[0].upper()}{scope[1:]}.", "bold", "green"))
    fixable = fixable_counts(result.diagnostics)
    if fixable["safe"] or fixable["unsafe"]:
        parts = []
        if fixable["safe"]:
            parts.append(f"{paint('[*]', 'cyan')} {fixable['safe']:,} fixable with `--fix`")
        if fixable["unsafe"]:
            more = "more" if fixable["safe"] else "fixable"
            parts.append(f"{fixable['unsafe']:,} {more} with `--fix --unsafe-fixes`")
        out.append("; ".join(parts) + ".")
    if result.fixed:
        out.append(f"Fixed {plural(result.fixed, 'finding')}.")
    if result.errors:
        out.append(paint(f"{plural(len(result.errors), 'file')} could not be analysed:", "bold", "red"))
        for e in result.errors:
            where = e.path + (f":{e.line}" if e.line else "") + (f":{e.col}" if e.line and e.col else "")
            out.append(f"  {where}: {e.message}")
    out.append(paint(f"Prices: {result.price_data} (llmsight {result.version})", "dim"))
    return out


def render(result: CheckResult, *, color: bool = False) -> str:
    paint = _Paint(color)
    findings = _findings(result, paint)
    body = findings + ([""] if findings else []) + _summary(result, paint)
    return "\n".join(body) + "\n"
