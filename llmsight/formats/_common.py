"""What several formats share: positions, fix counts, and how money, time and sources read."""
from __future__ import annotations

import dataclasses
import functools
import math
import posixpath
import re
from typing import Any, Callable, Iterable

from llmsight.analysis.secrets import redact
from llmsight.records import CallSite, CheckResult, Diagnostic, Estimate, Metric, Span

SEVERITY_RANK = {"hint": 0, "info": 1, "warning": 2, "error": 3}


# C0/C1 controls but tab (ANSI escapes, carriage returns, bells), line separators and bidi controls that
# reorder what a reader sees (Trojan Source); in a message, line breaks (LF, CRLF) stay: formats lay them out
_CONTROL = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069"
_CONTROL_IN_LINE = re.compile(f"[\n\r{_CONTROL}]")
_CONTROL_IN_LINES = re.compile(f"\r(?!\n)|[{_CONTROL}]")


def printable(text: str, *, lines: bool = False) -> str:
    """`text` with control characters written as escapes (`\\x1b`, `\\n`, `\\u202e`): text from source
    or traffic must not drive a terminal, start a fake line or reorder what is shown. With `lines`,
    line breaks are kept (a message the format lays out)."""
    pattern = _CONTROL_IN_LINES if lines else _CONTROL_IN_LINE
    if not pattern.search(text):
        return text
    return pattern.sub(lambda m: m.group(0).encode("unicode_escape").decode("ascii"), text)


def shown_text(text: str, *, lines: bool = False) -> str:
    """Text from source or traffic as any face may show it: keys masked, control characters escaped."""
    return printable(redact(text), lines=lines)


def shown(result: CheckResult) -> CheckResult:
    """`result` with `shown_text` applied to every text in it: the formats' last line of defence for
    whatever discovery and ingest did not clean (a path, a store ingested by an older llmsight).
    Messages keep their line breaks (formats lay them out); an edit's new text is code an editor
    applies, so only its keys are masked. Each distinct text is cleaned once (paths, names repeat)."""
    changed: dict[str, dict[str, str | None]] = {"code": {}, "lines": {}, "line": {}}   # None: shown as it is

    def clean(text: str, field: str) -> str:
        mode = "code" if field == "new_text" else "lines" if field == "message" else "line"
        seen = changed[mode]
        if text not in seen:
            out = redact(text) if mode == "code" else shown_text(text, lines=mode == "lines")
            seen[text] = None if out == text else out
        return seen[text] or text

    return _each_text(result, clean, "")


_ATOMS = frozenset((int, float, bool, type(None)))


def _each_text(value: Any, fn: Callable[[str, str], str], field: str) -> Any:
    """`value` with `fn(text, field name)` applied to every string inside its records, lists and dicts
    (unchanged parts shared). A report holds tens of thousands of values: strings and numbers in a
    record or list are handled in place, without a call of this function each."""
    kind = type(value)
    if kind is str:
        return fn(value, field)
    if kind in _ATOMS:
        return value
    names = _field_names(kind)
    if names is not None:
        changes = {}
        for name in names:
            old = getattr(value, name)
            old_kind = type(old)
            if old_kind in _ATOMS:
                continue
            new = fn(old, name) if old_kind is str else _each_text(old, fn, name)
            if new is not old:
                changes[name] = new
        return dataclasses.replace(value, **changes) if changes else value
    if isinstance(value, (list, tuple)):
        items = [v if type(v) in _ATOMS else fn(v, field) if type(v) is str else _each_text(v, fn, field)
                 for v in value]
        return type(value)(items) if any(a is not b for a, b in zip(items, value)) else value
    if isinstance(value, dict):
        pairs = [(_each_text(k, fn, field), _each_text(v, fn, field)) for k, v in value.items()]
        return dict(pairs) if any(a is not k or b is not v for (a, b), (k, v) in zip(pairs, value.items())) else value
    return value


@functools.lru_cache(maxsize=None)
def _field_names(kind: type) -> tuple[str, ...] | None:
    """The fields of a record type; None for any other type."""
    return tuple(f.name for f in dataclasses.fields(kind)) if dataclasses.is_dataclass(kind) else None


def sort_key(span: Span) -> tuple:
    """Report order: path, then cell (plain files first), then position."""
    return (span.path, -1 if span.cell is None else span.cell, span.start_line, span.start_col,
            span.end_line, span.end_col)


def position(span: Span) -> dict:
    """The flat position fields of design §7 (1-based; within the cell for notebooks; code points)."""
    return {"path": span.path, "cell": span.cell, "line": span.start_line, "end_line": span.end_line,
            "col": span.start_col, "end_col": span.end_col}


def cell_label(cell: int) -> str:
    """Cells are numbered from 1 for people (markdown cells counted), from 0 in JSON."""
    return f"cell {cell + 1}"


def location(span: Span) -> str:
    """`path:line:col`, or `path:cell N:line:col` in a notebook (as ruff prints notebook cells)."""
    cell = f"{cell_label(span.cell)}:" if span.cell is not None else ""
    return f"{span.path}:{cell}{span.start_line}:{span.start_col}"


def fix_status(diag: Diagnostic) -> str | None:
    """The most automatic fix a diagnostic offers: safe, unsafe, display-only, or None."""
    kinds = {f.applicability if f.edits else "display-only" for f in diag.fixes}
    for kind in ("safe", "unsafe", "display-only"):
        if kind in kinds:
            return kind
    return None


def fixable_counts(diagnostics: Iterable[Diagnostic]) -> dict[str, int]:
    """How many findings `--fix` fixes, and how many more `--fix --unsafe-fixes` does."""
    statuses = [fix_status(d) for d in diagnostics]
    return {"safe": statuses.count("safe"), "unsafe": statuses.count("unsafe")}


def ordered(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """Diagnostics in report order (position, then code, then message), whatever order they came in."""
    return sorted(diagnostics, key=lambda d: (sort_key(d.span), d.code, d.message))


def sites_by_id(sites: Iterable[CallSite]) -> dict[str, CallSite]:
    return {s.id: s for s in sites}


def plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n:,} {word if n == 1 else (many or word + 's')}"


def usd(value: float | None) -> str:
    """Dollars with two significant digits below $1 (`$0.0021`), cents up to $100, whole dollars above."""
    if value is None or not math.isfinite(value):
        return "?"
    if value == 0:
        return "$0"
    if abs(value) < 1:
        digits = max(2, 1 - math.floor(math.log10(abs(value))))
        return f"${value:.{digits}f}"
    if abs(value) < 100:
        return f"${value:.2f}"
    return f"${value:,.0f}"


def seconds(value: float | None) -> str:
    if value is None or not math.isfinite(value):
        return "?"
    if value < 1:
        return f"{value:.2f} s"
    if value < 10:
        return f"{value:.1f} s"
    return f"{value:,.0f} s"


def source_label(metric: Metric, detail: bool = False) -> str:
    """Where a figure comes from: `traffic, n=1,204`, `prior`, or with `detail` the assumption named."""
    if metric.source == "traffic":
        return f"traffic, n={metric.n:,}" if metric.n is not None else "traffic"
    if detail and metric.prior:
        return f"{metric.source}: {metric.prior}"
    return metric.source


def interval(metric: Metric, fmt) -> str:
    """` [low–high]` when the metric has a confidence interval."""
    if metric.low is None or metric.high is None:
        return ""
    return f" [{fmt(metric.low)}–{fmt(metric.high)}]"


def cost_text(est: Estimate) -> str:
    """`$0.0021/call (static: literal prompt tokens and output cap)` or why the cost is unknown."""
    metric = est.cost_per_call
    if metric.value is None:
        return f"cost unknown ({source_label(metric, detail=True)})"
    return f"{usd(metric.value)}/call{interval(metric, usd)} ({source_label(metric, detail=True)})"


def monthly_text(est: Estimate) -> str | None:
    metric = est.cost_per_month
    if metric is None or metric.value is None:
        return None
    return f"{usd(metric.value)}/month{interval(metric, usd)} ({source_label(metric, detail=True)})"


def p95_text(est: Estimate) -> str | None:
    metric = est.latency_p95_s
    if metric is None or metric.value is None:
        return None
    return f"p95 {seconds(metric.value)}{interval(metric, seconds)} ({source_label(metric)})"


def range_text(est: Estimate) -> str | None:
    """What static analysis cannot pin down, named (not a confidence interval): `up to $0.16/call at the
    output cap` or `$0.0004–$0.0051/call over the model set`."""
    r = est.range
    if r is None:
        return None
    if r.basis == "output-cap":
        return f"up to {usd(r.high)}/call at the output cap"
    return f"{usd(r.low)}–{usd(r.high)}/call over the model set"


def estimate_line(est: Estimate) -> str:
    """One line per call site: `≈ $0.0021/call (static: …) · up to $0.16/call at the output cap · p95 3.4 s
    (prior) · gpt-4o`; `[low–high]` is a 95% confidence interval, the range says what it spans."""
    sign = "" if est.cost_per_call.value is None else "≈ "
    parts = [f"{sign}{cost_text(est)}", range_text(est), monthly_text(est), p95_text(est),
             est.model or "model unresolved"]
    return " · ".join(p for p in parts if p)


def rebase(result: CheckResult, new_root: str) -> CheckResult:
    """The same result with paths relative to `new_root`, an ancestor of `result.root`."""
    prefix = posixpath.relpath(result.root, new_root).rstrip("/") + "/"

    def path(p: str) -> str:
        return p if p.startswith("/") or p[1:3] == ":/" else posixpath.normpath(prefix + p)

    def span(s: Span | None) -> Span | None:
        return dataclasses.replace(s, path=path(s.path)) if s is not None else None

    def diagnostic(d: Diagnostic) -> Diagnostic:
        fixes = tuple(dataclasses.replace(f, edits=tuple(dataclasses.replace(e, span=span(e.span)) for e in f.edits))
                      for f in d.fixes)
        return dataclasses.replace(d, span=span(d.span), fixes=fixes)

    return dataclasses.replace(
        result, root=new_root,
        call_sites=[dataclasses.replace(s, span=span(s.span), client_span=span(s.client_span))
                    for s in result.call_sites],
        diagnostics=[diagnostic(d) for d in result.diagnostics],
        errors=[dataclasses.replace(e, path=path(e.path)) for e in result.errors],
    )
