"""`--format json`: one object described by `schema/check.v1.json` (design §7).

Fields are chosen explicitly rather than dumped from the records, so the output is a contract that
only changes together with the schema.
"""
from __future__ import annotations

import json
import math
from typing import Any

from llmsight.formats._common import fixable_counts, ordered, position
from llmsight.records import CallSite, CheckResult, Diagnostic, Edit, Estimate, FileError, Fix, Metric, ModelSetting, Setting


def _plain(value: Any) -> Any:
    """A JSON value for a setting: numbers, strings, booleans and lists pass; NaN/inf become null."""
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return str(value)


def _number(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def setting(s: Setting) -> dict:
    return {"value": _plain(s.value), "expr": s.expr, "source": s.source, "origin": s.origin,
            "resolved": s.value is not None}


def model_setting(s: Setting) -> dict:
    """The model with its model set (`candidates`, default first), the hops to the default (`chain`) and,
    when no model can be known, why (`unknown`)."""
    extra = s if isinstance(s, ModelSetting) else ModelSetting()
    return {**setting(s),
            "candidates": [{"value": c.value, "origin": c.origin, "reach": c.reach, "default": c.default}
                           for c in extra.candidates],
            "chain": [{"step": h.step, "at": h.at} for h in extra.chain],
            "unknown": extra.unknown if s.value is None else None}


def call_site(site: CallSite) -> dict:
    p = site.prompt
    return {
        "id": site.id,
        **position(site.span),
        "sdk": site.sdk,
        "api": site.api,
        "operation": site.operation,
        "is_async": site.is_async,
        "stream": site.stream,
        "model": model_setting(site.model),
        "max_tokens": setting(site.max_tokens),
        "timeout": setting(site.timeout),
        "retries": setting(site.retries),
        "fallback": site.fallback,
        "fallback_models": list(site.fallback_models),
        "in_loop": site.in_loop,
        "in_try": site.in_try,
        "prompt": {
            "static_tokens": p.static_tokens, "dynamic": p.dynamic, "static_chars": p.static_chars,
            "dynamic_before_static_tokens": p.dynamic_before_static_tokens,
            "largest_static_prefix_tokens": p.largest_static_prefix_tokens,
            "has_cache_control": p.has_cache_control,
        },
        "function": site.function,
        "feature": site.feature,
        "client": position(site.client_span) if site.client_span else None,
        "client_expr": site.client_expr,
        "endpoint": site.endpoint,
        "via_wrapper": site.via_wrapper,
    }


def edit(e: Edit) -> dict:
    return {**position(e.span), "new_text": e.new_text}


def fix(f: Fix) -> dict:
    return {"title": f.title, "applicability": f.applicability, "edits": [edit(e) for e in f.edits]}


def diagnostic(d: Diagnostic) -> dict:
    return {"code": d.code, "name": d.name, "severity": d.severity, "message": d.message,
            **position(d.span), "site_id": d.site_id, "fixes": [fix(f) for f in d.fixes]}


def metric(m: Metric | None) -> dict | None:
    if m is None:
        return None
    return {"value": _number(m.value), "low": _number(m.low), "high": _number(m.high), "source": m.source,
            "n": m.n, "prior": m.prior}


def estimate(e: Estimate) -> dict:
    return {
        "site_id": e.site_id, "model": e.model,
        "input_tokens": _number(e.input_tokens), "output_tokens": _number(e.output_tokens),
        "cost_per_call": metric(e.cost_per_call),
        "cost_breakdown": {k: _number(v) for k, v in e.cost_breakdown.items()},
        "cost_per_month": metric(e.cost_per_month), "calls_per_month": _number(e.calls_per_month),
        "latency_p50_s": metric(e.latency_p50_s), "latency_p95_s": metric(e.latency_p95_s),
        "latency_p99_s": metric(e.latency_p99_s), "ttft_s": metric(e.ttft_s),
        "error_rate": metric(e.error_rate), "quality": metric(e.quality),
        "source": e.source, "notes": list(e.notes),
        "range": {"low": e.range.low, "high": e.range.high, "basis": e.range.basis} if e.range else None,
    }


def error(e: FileError) -> dict:
    return {"path": e.path, "message": e.message, "line": e.line, "col": e.col}


def document(result: CheckResult) -> dict:
    """The report as plain data (what `render` serialises)."""
    order = {s.id: i for i, s in enumerate(result.call_sites)}
    est_ids = sorted(result.estimates, key=lambda k: (order.get(k, len(order)), k))
    return {
        "version": result.version,
        "price_data": result.price_data,
        "root": result.root,
        "call_sites": [call_site(s) for s in result.call_sites],
        "diagnostics": [diagnostic(d) for d in ordered(result.diagnostics)],
        "estimates": {k: estimate(result.estimates[k]) for k in est_ids},
        "errors": [error(e) for e in result.errors],
        "summary": {**result.summary(), "fixable": fixable_counts(result.diagnostics)},
    }


def render(result: CheckResult) -> str:
    return json.dumps(document(result), indent=2, ensure_ascii=False) + "\n"
