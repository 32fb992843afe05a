"""Langfuse observation exports: `GET /api/public/observations` pages (one a file, or one a line), a JSON
array, or JSON Lines.

Only GENERATION and EMBEDDING observations are model calls; spans, events, agents, tools, ... are skipped
(ignored count).
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
from llmsight.simulator.ingest import request
from llmsight.simulator.ingest.records import (RecordConverter, Reject, call_times, inclusive_input, is_timeout,
                                               iso, number, text)


def looks_like(record: Any) -> bool:
    return isinstance(record, dict) and "type" in record and "startTime" in record \
        and ("traceId" in record or "usageDetails" in record)


def _usage(record: dict) -> tuple[int, int, int, int, int]:
    """(input incl. cache, output incl. reasoning, cache read, cache write, reasoning) of an observation."""
    details = record.get("usageDetails")
    if not isinstance(details, dict) or not details:
        usage = record.get("usage") if isinstance(record.get("usage"), dict) else {}
        details = {"input": usage.get("input", record.get("promptTokens")),
                   "output": usage.get("output", record.get("completionTokens"))}
    return usage_details(details, "usageDetails")


def usage_details(details: dict, name: str) -> tuple[int, int, int, int, int]:
    """(input incl. cache, output incl. reasoning, cache read, cache write, reasoning) from a usage dict.

    Three shapes reach Langfuse: its own keys (`input`, `output`, `input_cached_tokens`,
    `cache_read_input_tokens`, `output_reasoning_tokens`, ...: they sum to `total`, so cache counts sit
    beside `input`); a provider's usage object as its integrations pass it on (the SDK's OpenAI wrapper:
    OpenAI's `prompt_tokens` with `prompt_tokens_details.cached_tokens` inside it, or the Responses API's
    `input_tokens` with `input_tokens_details`); Anthropic's (`input_tokens` beside its cache counts).
    Nested objects are read as dotted keys.
    """
    counts = {key: number(value, f"{name}.{key}", default=0, integer=True) or 0
              for key, value in _flat(details).items()}
    if "prompt_tokens" in counts or "completion_tokens" in counts:          # OpenAI chat / embeddings
        cache_read = counts.get("prompt_tokens_details.cached_tokens", 0)
        reasoning = counts.get("completion_tokens_details.reasoning_tokens", 0)
        return (inclusive_input(counts.get("prompt_tokens", 0), cache_read, 0, separate=False),
                counts.get("completion_tokens", 0), cache_read, 0, reasoning)
    if "input_tokens" in counts or "output_tokens" in counts:              # OpenAI Responses, Anthropic
        cache_read = counts.get("input_tokens_details.cached_tokens", 0) + counts.get("cache_read_input_tokens", 0)
        cache_write = counts.get("cache_creation_input_tokens", 0)
        separate = "cache_read_input_tokens" in counts or "cache_creation_input_tokens" in counts
        return (inclusive_input(counts.get("input_tokens", 0), cache_read, cache_write, separate=separate),
                counts.get("output_tokens", 0), cache_read, cache_write,
                counts.get("output_tokens_details.reasoning_tokens", 0))
    cache_read = sum(v for k, v in counts.items() if "cache_read" in k or "cached" in k)
    cache_write = sum(v for k, v in counts.items() if "cache_creation" in k or "cache_write" in k)
    plain_input = sum(v for k, v in counts.items() if k.startswith("input") and "cache" not in k)
    output = sum(v for k, v in counts.items() if k.startswith("output"))
    reasoning = sum(v for k, v in counts.items() if k.startswith("output") and "reasoning" in k)
    return plain_input + cache_read + cache_write, output, cache_read, cache_write, reasoning


def _flat(details: dict) -> dict[str, Any]:
    """`{"a": {"b": 1}}` as `{"a.b": 1}` (a loop, not recursion: a hostile file may nest deeply)."""
    out: dict[str, Any] = {}
    pending = [("", details)]
    while pending:
        prefix, mapping = pending.pop()
        for key, value in mapping.items():
            if isinstance(value, dict):
                pending.append((f"{prefix}{key}.", value))
            else:
                out[f"{prefix}{key}"] = value
    return out


def langfuse_request(parameters: Any, observed_input: Any) -> dict[str, Any]:
    """The request columns of a generation: its model parameters (the OpenAI wrapper's `temperature`,
    `max_tokens` or `max_completion_tokens`, ...; it writes temperature 1 and no cap when the call sets
    none) and its input, which the OpenAI wrapper records as the messages (with the tools beside them:
    `{"messages", "tools"}`) or the embedding's input, and `@observe` as the function's `{"args",
    "kwargs"}` (an observed `messages.create(**request)` has the whole request there)."""
    params = dict(parameters) if isinstance(parameters, dict) else {}
    observed = request.json_value(observed_input)
    if isinstance(observed, dict):
        kwargs = observed.get("kwargs") if isinstance(observed.get("kwargs"), dict) else observed
        params = {**kwargs, **params}
    elif isinstance(observed, list):
        params["messages"] = observed
    elif isinstance(observed, str):
        params["input"] = observed
    return request.settings(params)


# Observation types that are model calls; SPAN, EVENT, AGENT, TOOL, CHAIN, RETRIEVER, EVALUATOR, GUARDRAIL are not.
_OPERATIONS = {"GENERATION": "chat", "EMBEDDING": "embedding"}


class Converter(RecordConverter):
    def row(self, record: dict) -> dict[str, Any] | None:
        kind = record.get("type")
        operation = _OPERATIONS.get(kind) if isinstance(kind, str) else None
        return None if operation is None else _generation(record, operation)


def _cost(record: dict) -> float | None:
    """`calculatedTotalCost`, else `costDetails.total`, else `totalCost` (newer exports)."""
    details = record.get("costDetails") if isinstance(record.get("costDetails"), dict) else {}
    for name, value in (("calculatedTotalCost", record.get("calculatedTotalCost")),
                        ("costDetails.total", details.get("total")), ("totalCost", record.get("totalCost"))):
        if value is not None:
            return number(value, name)
    return None


def _generation(record: dict, operation: str) -> dict[str, Any]:
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
        "operation": operation,
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
        **langfuse_request(record.get("modelParameters"), record.get("input")),
        "span_name": request.name(record.get("name")),
    }
