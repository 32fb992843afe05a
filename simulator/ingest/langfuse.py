"""Langfuse observation exports: `GET /api/public/observations` pages (one a file, or one a line), a JSON
array, or JSON Lines.

Only `type == "GENERATION"` observations are LLM calls; spans and events are skipped (ignored count).
Fields, from Langfuse's public API `Observation` schema: `id`, `traceId`, `type`, `model`,
`startTime`, `endTime`, `completionStartTime` (ISO-8601), `usageDetails` (token counts by usage type:
`input`, `output`, `input_cached_tokens`, `cache_read_input_tokens`, `cache_creation_input_tokens`,
`output_reasoning_tokens`, ..., summing to `total`), the older `usage` (`input`, `output`),
`level` (DEBUG|DEFAULT|WARNING|ERROR), `statusMessage`, `calculatedTotalCost` (or `costDetails.total`,
`totalCost`), `metadata`.
Langfuse counts cached and cache-creation tokens next to `input`, so they are added to it (design §2).
"""
from __future__ import annotations

from typing import Any

from llmsight.simulator.identity import RECORD_ID, own_id
from llmsight.simulator.ingest.records import RecordConverter, Reject, call_times, is_timeout, iso, number, text


def looks_like(record: Any) -> bool:
    return isinstance(record, dict) and "type" in record and "startTime" in record \
        and ("traceId" in record or "usageDetails" in record)


def _usage(record: dict) -> tuple[int, int, int, int, int]:
    """(input incl. cache, output incl. reasoning, cache read, cache write, reasoning) from usageDetails."""
    details = record.get("usageDetails")
    if not isinstance(details, dict) or not details:
        usage = record.get("usage") if isinstance(record.get("usage"), dict) else {}
        details = {"input": usage.get("input", record.get("promptTokens")),
                   "output": usage.get("output", record.get("completionTokens"))}
    counts = {key: number(value, f"usageDetails.{key}", default=0, integer=True) for key, value in details.items()}
    cache_read = sum(v for k, v in counts.items() if "cache_read" in k or "cached" in k)
    cache_write = sum(v for k, v in counts.items() if "cache_creation" in k or "cache_write" in k)
    plain_input = sum(v for k, v in counts.items() if k.startswith("input") and "cache" not in k)
    output = sum(v for k, v in counts.items() if k.startswith("output"))
    reasoning = sum(v for k, v in counts.items() if k.startswith("output") and "reasoning" in k)
    return plain_input + cache_read + cache_write, output, cache_read, cache_write, reasoning


class Converter(RecordConverter):
    def row(self, record: dict) -> dict[str, Any] | None:
        return _generation(record) if record.get("type") == "GENERATION" else None


def _cost(record: dict) -> float | None:
    """`calculatedTotalCost`, else `costDetails.total`, else `totalCost` (newer exports)."""
    details = record.get("costDetails") if isinstance(record.get("costDetails"), dict) else {}
    for name, value in (("calculatedTotalCost", record.get("calculatedTotalCost")),
                        ("costDetails.total", details.get("total")), ("totalCost", record.get("totalCost"))):
        if value is not None:
            return number(value, name)
    return None


def _generation(record: dict) -> dict[str, Any]:
    model = text(record.get("model"), "model")
    if not model:
        raise Reject("missing model")
    start, end, first_token = call_times(record)
    input_tokens, output_tokens, cache_read, cache_write, reasoning = _usage(record)
    metadata = record.get("metadata") if isinstance(record.get("metadata"), dict) else {}
    stamped = metadata.get("llmsight") if isinstance(metadata.get("llmsight"), dict) else {}
    level = record.get("level")
    status_message = text(record.get("statusMessage"), "statusMessage")
    failed = level == "ERROR"
    timed_out = failed and is_timeout(status_message)
    return {
        "ts": iso(start),
        "trace_id": text(record.get("traceId"), "traceId"),
        "provider": text(metadata.get("provider") or metadata.get("ls_provider"), "metadata.provider"),
        "model": model,
        "response_model": None,
        "operation": "chat",
        "input_tokens": input_tokens,
        "output_tokens": output_tokens,
        "cached_input_tokens": cache_read,
        "cache_write_input_tokens": cache_write,
        "reasoning_tokens": reasoning,
        "latency_ms": None if end is None else (end - start) * 1000.0,
        "ttft_ms": (first_token - start) * 1000.0 if first_token is not None and first_token >= start else None,
        "status": "timeout" if timed_out else "error" if failed else "ok",
        "error_type": (status_message or "error")[:200] if failed else None,
        "attempt": None,
        "cost_usd": _cost(record),
        "code_file": text(stamped.get("code.file.path"), "metadata.llmsight.code.file.path"),
        "code_line": number(stamped.get("code.line.number"), "metadata.llmsight.code.line.number", integer=True),
        "code_function": text(stamped.get("code.function.name"), "metadata.llmsight.code.function.name"),
        "feature": text(stamped.get("feature") or metadata.get("feature"), "feature"),
        "tenant": text(metadata.get("tenant") or metadata.get("user_id"), "tenant"),
        RECORD_ID: own_id("langfuse", record.get("id")),
    }
