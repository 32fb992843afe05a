"""OpenTelemetry OTLP/JSON trace exports using the GenAI semantic conventions.

A file holds one `ExportTraceServiceRequest` (`{"resourceSpans": [...]}`) or one per line (the
collector's file exporter). Attributes are OTLP `AnyValue` lists. Both the older and the current
attribute spellings are read; spans without any `gen_ai.*` request attribute are not LLM calls and
are skipped (counted as ignored), and so are agent, tool and workflow spans, which wrap the model
calls they make (counting them too would double the tokens). Span number = position of the span in the file (1-based).
Per the GenAI conventions `gen_ai.usage.input_tokens` includes cached tokens.
"""
from __future__ import annotations

import base64
import binascii
from typing import Any, Iterator

from llmsight.simulator.ingest.records import Reject, check_interval, inclusive_input, is_timeout, iso, number, text

_GENAI_MARKERS = ("gen_ai.operation.name", "gen_ai.system", "gen_ai.provider.name", "gen_ai.request.model")
_OPERATIONS = {"chat": "chat", "text_completion": "completion", "generate_content": "chat",
               "embeddings": "embedding", "create_embedding": "embedding"}
# GenAI spans that are not one model request: they wrap (and would double count) the calls inside them.
_NOT_MODEL_CALLS = {"invoke_agent", "create_agent", "execute_tool", "invoke_workflow", "retrieval"}


def looks_like(record: Any) -> bool:
    return isinstance(record, dict) and "resourceSpans" in record


def any_value(value: Any) -> Any:
    """Plain Python value of an OTLP/JSON `AnyValue` (int64 arrive as strings)."""
    if not isinstance(value, dict):
        return value
    if "stringValue" in value:
        return value["stringValue"]
    if "intValue" in value:
        try:
            return int(value["intValue"])
        except (TypeError, ValueError):
            return value["intValue"]
    if "doubleValue" in value:
        return value["doubleValue"]
    if "boolValue" in value:
        return value["boolValue"]
    if "arrayValue" in value:
        return [any_value(v) for v in _as_list(_as_dict(value["arrayValue"]).get("values"))]
    if "kvlistValue" in value:
        return attributes(_as_list(_as_dict(value["kvlistValue"]).get("values")))
    return None


def attributes(items: Any) -> dict[str, Any]:
    if not isinstance(items, list):
        raise Reject("attributes is not a list of key/value objects")
    out = {}
    for item in items:
        if isinstance(item, dict) and isinstance(item.get("key"), str):
            out[item["key"]] = any_value(item.get("value"))
    return out


def _first(attrs: dict[str, Any], *names: str) -> Any:
    for name in names:
        if attrs.get(name) is not None:
            return attrs[name]
    return None


def _trace_id(raw: Any) -> str | None:
    """Hex trace id; protobuf's JSON mapping writes bytes as base64, the OTLP spec as hex."""
    if not isinstance(raw, str) or not raw:
        return None
    if len(raw) == 32 and all(c in "0123456789abcdefABCDEF" for c in raw):
        return raw.lower()
    try:
        return base64.b64decode(raw, validate=True).hex()
    except (binascii.Error, ValueError):
        return raw


def _as_dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _as_list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _nanos(value: Any, name: str) -> int | None:
    """Exact integer nanoseconds (a float would merge nanosecond-apart times)."""
    if isinstance(value, str) and value.isdigit():
        return int(value)
    seconds = number(value, name, integer=True)
    return None if seconds is None else int(seconds)


def _status(span: dict, error_type: str | None) -> str:
    status = _as_dict(span.get("status"))
    code = status.get("code")
    failed = code in (2, "2", "STATUS_CODE_ERROR") or error_type is not None
    if not failed:
        return "ok"
    return "timeout" if is_timeout(error_type, status.get("message")) else "error"


class Converter:
    """Spans of every request in a file, numbered across the file."""

    def __init__(self) -> None:
        self.span_number = 0
        self.ignored = 0

    def convert(self, row: int, record: Any) -> Iterator[tuple[int, dict | str]]:
        if not looks_like(record):
            self.span_number += 1
            yield self.span_number, "record is not an OTLP trace export (no resourceSpans)"
            return
        for resource_spans in _as_list(record.get("resourceSpans")):
            for scope_spans in _as_list(_as_dict(resource_spans).get("scopeSpans")):
                for span in _as_list(_as_dict(scope_spans).get("spans")):
                    self.span_number += 1
                    try:
                        row = self._span(span)
                    except Reject as exc:
                        yield self.span_number, str(exc)
                        continue
                    if row is None:
                        self.ignored += 1
                    else:
                        yield self.span_number, row

    def _span(self, span: Any) -> dict | None:
        if not isinstance(span, dict):
            raise Reject("span is not a JSON object")
        attrs = attributes(span.get("attributes") or [])
        if not any(name in attrs for name in _GENAI_MARKERS) or attrs.get("gen_ai.operation.name") in _NOT_MODEL_CALLS:
            return None
        model = text(_first(attrs, "gen_ai.request.model", "gen_ai.response.model"), "gen_ai.request.model")
        if not model:
            raise Reject("missing model (gen_ai.request.model)")
        start = _nanos(span.get("startTimeUnixNano"), "startTimeUnixNano")
        end = _nanos(span.get("endTimeUnixNano"), "endTimeUnixNano")
        check_interval(start, end, "startTimeUnixNano", "endTimeUnixNano")
        input_tokens = number(_first(attrs, "gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens"),
                              "gen_ai.usage.input_tokens", default=0, integer=True)
        output_tokens = number(_first(attrs, "gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens"),
                               "gen_ai.usage.output_tokens", default=0, integer=True)
        cache_read = number(_first(attrs, "gen_ai.usage.cache_read.input_tokens",
                                   "gen_ai.usage.cache_read_input_tokens", "gen_ai.usage.cached_tokens"),
                            "gen_ai.usage.cache_read.input_tokens", default=0, integer=True)
        cache_write = number(_first(attrs, "gen_ai.usage.cache_creation.input_tokens",
                                    "gen_ai.usage.cache_creation_input_tokens"),
                             "gen_ai.usage.cache_creation.input_tokens", default=0, integer=True)
        reasoning = number(_first(attrs, "gen_ai.usage.reasoning.output_tokens", "gen_ai.usage.reasoning_tokens"),
                           "gen_ai.usage.reasoning.output_tokens", default=0, integer=True)
        first_chunk_s = number(attrs.get("gen_ai.response.time_to_first_chunk"),
                               "gen_ai.response.time_to_first_chunk")
        error_type = text(attrs.get("error.type"), "error.type")
        operation = text(attrs.get("gen_ai.operation.name"), "gen_ai.operation.name")
        return {
            "ts": iso(start / 1e9),
            "trace_id": _trace_id(span.get("traceId")),
            "provider": text(_first(attrs, "gen_ai.provider.name", "gen_ai.system"), "gen_ai.provider.name"),
            "model": model,
            "response_model": text(attrs.get("gen_ai.response.model"), "gen_ai.response.model"),
            "operation": _OPERATIONS.get(operation or "", operation),
            "input_tokens": inclusive_input(input_tokens, cache_read, cache_write, separate=False),
            "output_tokens": output_tokens,
            "cached_input_tokens": cache_read,
            "cache_write_input_tokens": cache_write,
            "reasoning_tokens": reasoning,
            "latency_ms": None if end is None else (end - start) / 1e6,
            "ttft_ms": None if first_chunk_s is None else first_chunk_s * 1000.0,
            "status": _status(span, error_type),
            "error_type": error_type,
            "attempt": None,
            "cost_usd": None,             # the GenAI conventions carry no cost; re-priced from the catalog
            "code_file": text(_first(attrs, "code.file.path", "code.filepath"), "code.file.path"),
            "code_line": number(_first(attrs, "code.line.number", "code.lineno"), "code.line.number", integer=True),
            "code_function": text(_first(attrs, "code.function.name", "code.function"), "code.function.name"),
            "feature": text(attrs.get("llmsight.feature"), "llmsight.feature"),
            "tenant": text(_first(attrs, "llmsight.tenant", "tenant.id", "enduser.id"), "tenant"),
        }
