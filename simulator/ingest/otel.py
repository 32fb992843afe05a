"""OpenTelemetry OTLP/JSON trace exports: GenAI semantic conventions, Langfuse SDK spans and OpenInference
(Arize Phoenix).

A file holds one `ExportTraceServiceRequest` (`{"resourceSpans": [...]}`) or one per line (the
collector's file exporter); a trace downloaded from Grafana Tempo (`{"batches": [...]}`, or its v2 API's
`{"trace": {"resourceSpans": [...]}}`), OTLP before 0.19 (`instrumentationLibrarySpans` where it now
says `scopeSpans`) and a Jaeger trace (UI download or `/api/traces`: `{"data": [{"traceID", "spans"}]}`,
each span read as its OTLP original: tags as attributes, microsecond times, status from the
`otel.status_code` / `error` tags, logs as events) are read the same. Attributes are OTLP `AnyValue`
lists. Span number = position of the span in the file (1-based).

GenAI: both the older and the current attribute spellings are read (OpenLLMetry's, the Anthropic SDK's,
OpenLIT's, openai-v2's: each checked against the library's output, tests/fixtures/traffic/exporters);
agent, tool and workflow spans wrap the model calls they make and are skipped (counting them too would
double the tokens). Per the GenAI conventions `gen_ai.usage.input_tokens` includes cached tokens; OpenLIT
writes Anthropic's own count there, without them, and they are added.

Langfuse SDK spans (v3 on): `langfuse.observation.type` generation or embedding; its values are JSON
strings (usage and cost details, the completion start time); `level` ERROR is a failure.

OpenInference (`openinference-semantic-conventions`; Phoenix and the `openinference-instrumentation-*`
packages): spans whose `openinference.span.kind` is LLM or EMBEDDING are model calls; CHAIN, AGENT, TOOL,
RETRIEVER, ... are not. Read: `llm.model_name` (the model that answered; the model asked for comes from
`llm.invocation_parameters`, the only place a failed call names it), `llm.provider` / `llm.system`,
`llm.token_count.prompt` (includes cache reads and writes, as OpenAI counts and as the instrumentors
sum Anthropic's), `.completion`, `.prompt_details.cache_read`, `.prompt_details.cache_write`,
`.completion_details.reasoning`, `llm.cost.total`, and the `exception` event's type on failures.

What the request asked for (the store's request columns, which map rows without a code location to their
call site) comes from each convention's own record of it: `gen_ai.request.*` and the stream flags, OpenInference's
invocation parameters and `llm.tools.N`, Langfuse's model parameters and input; a prompt fingerprint only
where the content was captured; the span's name; the resource's `service.name` (not the SDK's default).

A span with any `gen_ai.*` request attribute is read under the GenAI conventions only, so a span an
instrumentor tags both ways counts once. A failed span of an LLM instrumentation scope with no attributes
(OpenLIT's Anthropic failures) is a call read from its name, `{operation} {model}`, or rejected with the
reason; other spans are skipped (counted as ignored).
"""
from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from typing import Any, Iterator

from llmsight.simulator.identity import PARENT_ID, RECORD_ID, SPAN_ID, own_id
from llmsight.simulator.ingest import request
from llmsight.simulator.ingest.langfuse import langfuse_request, usage_details
from llmsight.simulator.ingest.records import (Reject, check_interval, epoch_seconds, inclusive_input, is_timeout, iso,
                                               number, text)

_GENAI_MARKERS = ("gen_ai.operation.name", "gen_ai.system", "gen_ai.provider.name", "gen_ai.request.model")
_OPERATIONS = {"chat": "chat", "text_completion": "completion", "generate_content": "chat",
               "embeddings": "embedding", "create_embedding": "embedding"}
# GenAI spans that are not one model request: they wrap (and would double count) the calls inside them.
_NOT_MODEL_CALLS = {"invoke_agent", "create_agent", "execute_tool", "invoke_workflow", "retrieval"}
# OpenInference span kinds that are model calls; CHAIN, AGENT, TOOL, RETRIEVER, ... wrap or are not ones.
_OPENINFERENCE_OPERATIONS = {"LLM": "chat", "EMBEDDING": "embedding"}
# Langfuse observation types that are model calls (its "generation-like" types); span, agent, tool, chain,
# retriever, evaluator, guardrail and event are not.
_LANGFUSE_TYPE = "langfuse.observation.type"
_LANGFUSE_OPERATIONS = {"generation": "chat", "embedding": "embedding"}
# Instrumentation scopes of LLM calls: a failed span of theirs is a call even when it carries no attributes
# (OpenLIT's Anthropic instrumentation records only the exception on failure).
_LLM_SCOPES = ("openlit", "opentelemetry.instrumentation.openai", "opentelemetry.instrumentation.anthropic",
               "opentelemetry.util.genai", "com.anthropic.sdk", "openinference.instrumentation", "langfuse")
_STAMPS = ("code.", "llmsight.")       # what a stamping processor adds at start (`llmsight.instrument`)
# Span events that mark a stream's first chunk: OpenInference's, and OpenLLMetry's one event per chunk
# (`gen_ai.content.completion.chunk` in 0.62, `llm.content.completion.chunk` in older versions).
_FIRST_CHUNK_EVENTS = ("First Token Stream Event", "gen_ai.content.completion.chunk", "llm.content.completion.chunk")


def _resource_spans(record: Any) -> list | None:
    """The `ResourceSpans` of an export request, a Tempo trace (`batches`), a Tempo v2 `trace` or a
    Jaeger trace (its spans translated back); None for anything else."""
    if not isinstance(record, dict):
        return None
    if isinstance(record.get("spans"), list) and "traceID" in record:        # one trace of a Jaeger export
        return [{"scopeSpans": [{"spans": [_from_jaeger(span) for span in record["spans"]]}]}]
    trace = record.get("trace")
    for holder, key in ((record, "resourceSpans"), (record, "batches"), (trace, "resourceSpans")):
        if isinstance(holder, dict) and key in holder:
            return _as_list(holder[key])
    return None


_INVALID = "llmsight.invalid"      # a span that cannot be translated, and why: rejected as the others are


def _from_jaeger(span: Any) -> Any:
    """A Jaeger span as the OTLP/JSON span it was translated from (Jaeger's OTLP translator: attributes
    become tags, status `otel.status_code` / `otel.status_description` / `error` tags, events logs with an
    `event` field); what cannot be read is left for the span check to reject."""
    if not isinstance(span, dict):
        return span
    tags = _key_values(span.get("tags"))
    start, duration = span.get("startTime"), span.get("duration")
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (start, duration)):
        return {_INVALID: f"startTime and duration must be microseconds, got {start!r} and {duration!r}"}
    failed = tags.get("otel.status_code") == "ERROR" or tags.get("error") in (True, "true")
    trace_id = span.get("traceID")
    return {
        "traceId": trace_id.zfill(32) if isinstance(trace_id, str) else trace_id,
        "spanId": span.get("spanID"),
        "startTimeUnixNano": str(round(start * 1000)),          # as OTLP/JSON writes int64: exact
        "endTimeUnixNano": str(round((start + duration) * 1000)),
        "attributes": _otlp_attributes(tags),
        "status": {"code": "STATUS_CODE_ERROR", "message": tags.get("otel.status_description")} if failed else {},
        "events": [{"name": fields.get("event"), "attributes": _otlp_attributes(fields)}
                   for fields in (_key_values(_as_dict(log).get("fields")) for log in _as_list(span.get("logs")))],
    }


def _key_values(items: Any) -> dict[str, Any]:
    """Jaeger's `[{key, type, value}]` as a dict."""
    return {item.get("key"): item.get("value") for item in _as_list(items) if isinstance(item, dict)}


def _otlp_attributes(values: dict[str, Any]) -> list[dict]:
    return [{"key": k, "value": v} for k, v in values.items()]


def looks_like(record: Any) -> bool:
    return _resource_spans(record) is not None


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
    """Hex trace (or span) id; protobuf's JSON mapping writes bytes as base64, the OTLP spec as hex."""
    if not isinstance(raw, str) or not raw:
        return None
    if len(raw) in (16, 32) and all(c in "0123456789abcdefABCDEF" for c in raw):
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


def _failed(span: dict) -> bool:
    return _as_dict(span.get("status")).get("code") in (2, "2", "STATUS_CODE_ERROR")


def _outcome(span: dict, attrs: dict[str, Any], call: "_Call") -> tuple[str, str | None]:
    """(status, error type): status ERROR, an `error.type` or the convention's own flag is a failure; one
    without `error.type` takes the type of its recorded exception (OpenInference writes no `error.type`),
    else its status message."""
    error_type = _class_name(text(attrs.get("error.type"), "error.type"))
    status = _as_dict(span.get("status"))
    if not _failed(span) and error_type is None and not call.failed:
        return "ok", None
    message = call.status_message or text(status.get("message"), "status.message")
    error_type = error_type or _exception_type(span) or (message or "error")[:200]
    return ("timeout" if is_timeout(error_type, message) else "error"), error_type


class Converter:
    """Spans of every request in a file, numbered across the file."""

    def __init__(self) -> None:
        self.span_number = 0
        self.ignored = 0
        self.sampled: dict[str, float] = {}     # trace id -> the rate its root span's sampler recorded (Jaeger)

    def convert(self, row: int, record: Any) -> Iterator[tuple[int, dict | str]]:
        resources = _resource_spans(record)
        if resources is None:
            self.span_number += 1
            yield self.span_number, "record is not an OTLP trace export (no resourceSpans)"
            return
        for resource_spans in resources:
            resource_spans = _as_dict(resource_spans)
            service = _service(_as_dict(resource_spans.get("resource")).get("attributes"))
            scopes = resource_spans.get("scopeSpans", resource_spans.get("instrumentationLibrarySpans"))
            for scope_spans in _as_list(scopes):
                scope_spans = _as_dict(scope_spans)
                scope = _as_dict(scope_spans.get("scope", scope_spans.get("instrumentationLibrary")))
                scope_name = scope.get("name") if isinstance(scope.get("name"), str) else ""
                for span in _as_list(scope_spans.get("spans")):
                    self.span_number += 1
                    try:
                        row = self._span(span, scope_name, service)
                    except Reject as exc:
                        yield self.span_number, str(exc)
                        continue
                    if row is None:
                        self.ignored += 1
                    else:
                        yield self.span_number, row

    def attempts(self, rows: Iterator[tuple[int, dict | str]]) -> Iterator[tuple[int, dict | str]]:
        """The file's call rows, each with the attempts its HTTP spans say it took (`_http_attempt`): a call
        whose client sent its request k times has `attempt` k, its k - 1 earlier attempts having failed (a
        client retries only a failure), so error rates are read per attempt instead of "after client retries
        (N)", while the call stays one row. HTTP spans are not calls: they are counted as ignored."""
        items = list(rows)
        calls = {(v.get("trace_id"), v.get(SPAN_ID)): v for _, v in items
                 if isinstance(v, dict) and _ATTEMPT not in v and v.get(SPAN_ID)}
        for v in calls.values():
            if v.get("sample_rate") is None and v.get("trace_id") in self.sampled:
                v["sample_rate"] = self.sampled[v["trace_id"]]
        sent: dict[tuple, list[int]] = {}
        for _, v in items:
            if isinstance(v, dict) and _ATTEMPT in v:
                self.ignored += 1
                key = (v.get("trace_id"), v.get(PARENT_ID))
                if key in calls:
                    sent.setdefault(key, []).append(v[_ATTEMPT])
        for key, resends in sent.items():
            if len(resends) > 1 or max(resends) > 0:
                calls[key]["attempt"] = max(max(resends) + 1, len(resends))
        yield from ((place, v) for place, v in items if not (isinstance(v, dict) and _ATTEMPT in v))

    def _span(self, span: Any, scope: str = "", service: str | None = None) -> dict | None:
        """The span's model call under the GenAI conventions, else Langfuse's, else OpenInference's, else
        (a failed span of an LLM instrumentation that wrote no attributes but a stamp's) from its name;
        else None."""
        if not isinstance(span, dict):
            raise Reject("span is not a JSON object")
        if _INVALID in span:
            raise Reject(span[_INVALID])
        attrs = attributes(span.get("attributes") or [])
        if attrs.get("sampler.type") == "probabilistic" and (rate := _rate(attrs.get("sampler.param"))) is not None:
            self.sampled[_trace_id(span.get("traceId"))] = rate
        if any(name in attrs for name in _GENAI_MARKERS):
            if attrs.get("gen_ai.operation.name") in _NOT_MODEL_CALLS:
                return None
            call, asked = _genai(attrs), _genai_request(attrs)
        elif _LANGFUSE_TYPE in attrs:
            if _langfuse_type(attrs) not in _LANGFUSE_OPERATIONS:
                return None
            call, asked = _langfuse(span, attrs), langfuse_request(_json_value(attrs.get("langfuse.observation.model.parameters")),
                                                                   attrs.get("langfuse.observation.input"))
        elif _openinference_kind(attrs) in _OPENINFERENCE_OPERATIONS:
            call, asked = _openinference(attrs), _openinference_request(attrs)
        elif _failed(span) and scope.startswith(_LLM_SCOPES) and all(k.startswith(_STAMPS) for k in attrs):
            call, asked = _from_name(span, scope), {}
        else:
            return _http_attempt(span, attrs)

        row = _row(span, attrs, call)
        row["sample_rate"] = _trace_state_rate(span.get("traceState"))
        row.update(asked, span_name=request.name(span.get("name")), service=service or _service_name(attrs.get("service.name")))
        return row


Field = tuple[str, Any]     # (the attribute a reject names, its value)
_ATTEMPT = "_resend_count"          # marks an HTTP attempt span's staged values (`Converter.attempts`)


def _rate(value: Any) -> float | None:
    rate = request.temperature(value)         # a finite number, read leniently
    return rate if rate is not None and 0 < rate <= 1 else None


def _trace_state_rate(state: Any) -> float | None:
    """The sampling probability a W3C `tracestate` records in its `ot` entry (OTel probability sampling):
    the rejection threshold `th:` (hex, 56 bits: probability 1 - th / 2^56) or the older `p:` (2^-p)."""
    if not isinstance(state, str) or "ot=" not in state:
        return None
    entry = next((item.strip()[3:] for item in state.split(",") if item.strip().startswith("ot=")), "")
    for field in entry.split(";"):
        key, _, value = field.partition(":")
        try:
            if key == "th" and 0 < len(value) <= 14:
                return _rate(1 - int(value.ljust(14, "0"), 16) / 2**56)
            if key == "p" and value.isdigit() and int(value) <= 62:
                return _rate(2.0 ** -int(value))
        except ValueError:
            return None
    return None


def _http_attempt(span: dict, attrs: dict[str, Any]) -> dict | None:
    """An HTTP client span (the httpx, requests or aiohttp instrumentation's: one per request sent) as an
    attempt of the model call it is a child of, with `http.request.resend_count` (its position among
    the client's retries; absent on a first attempt); None for any other span."""
    if "http.request.method" not in attrs and "http.method" not in attrs or not span.get("parentSpanId"):
        return None
    resent = attrs.get("http.request.resend_count")
    return {_ATTEMPT: resent if type(resent) is int and 0 <= resent < 100 else 0,
            "trace_id": _trace_id(span.get("traceId")), PARENT_ID: _trace_id(span.get("parentSpanId"))}
# `service.name` values that name no service: the OTel SDK's default, OpenLIT's default application name
_NO_SERVICE = ("unknown_service", "default")


def _service(resource_attributes: Any) -> str | None:
    """The service a resource names (`service.name`), unless it is the SDK's default."""
    try:
        return _service_name(attributes(resource_attributes or []).get("service.name"))
    except Reject:
        return None


def _service_name(value: Any) -> str | None:
    if not isinstance(value, str) or not value or value.startswith(_NO_SERVICE):
        return None
    return request.name(value)


_FUNCTION_NAME = re.compile(r"(?:llm|gen_ai)\.request\.functions\.(\d+)\.name")
_OPENINFERENCE_TOOL = re.compile(r"llm\.tools\.(\d+)\.tool\.json_schema")


def _indexed(attrs: dict[str, Any], pattern: re.Pattern) -> list:
    """Values of flattened list attributes (`llm.tools.0.tool.json_schema`, ...), in index order."""
    found = [(int(m.group(1)), value) for key, value in attrs.items() if (m := pattern.fullmatch(key))]
    return [value for _, value in sorted(found, key=lambda kv: kv[0])]


def _genai_request(attrs: dict[str, Any]) -> dict[str, Any]:
    """The request settings of a GenAI span: `gen_ai.request.*` (OpenLLMetry's older `llm.request.*`), the
    stream flag under OpenLIT's, OpenLLMetry's and older spellings, tools from `gen_ai.tool.definitions` or
    OpenLLMetry's `llm.request.functions.N.name`, the output type, and, with content capture on, the first
    instruction (`gen_ai.system_instructions`, else the first of `gen_ai.input.messages`, else OpenLLMetry's
    older `gen_ai.prompt.0.content`)."""
    definitions = _first(attrs, "gen_ai.tool.definitions", "gen_ai.request.tools")
    return {
        "request_max_tokens": request.cap(_first(attrs, "gen_ai.request.max_tokens", "llm.request.max_tokens")),
        "request_temperature": request.temperature(_first(attrs, "gen_ai.request.temperature",
                                                          "llm.request.temperature")),
        "request_stream": request.flag(_first(attrs, "gen_ai.request.stream", "gen_ai.is_streaming",
                                              "llm.is_streaming", "gen_ai.request.is_stream")),
        "request_tools": request.tools(definitions if definitions is not None else _indexed(attrs, _FUNCTION_NAME)),
        "response_format": request.response_format(_first(attrs, "gen_ai.output.type",
                                                          "gen_ai.openai.request.response_format",
                                                          "gen_ai.request.response_format")),
        "prompt_fingerprint": request.prompt_fingerprint(request.first_instruction(
            attrs.get("gen_ai.system_instructions"),
            _first(attrs, "gen_ai.input.messages", "gen_ai.prompt"),
            attrs.get("gen_ai.prompt.0.content"))),
    }


def _openinference_request(attrs: dict[str, Any]) -> dict[str, Any]:
    """The request settings of an OpenInference span: its invocation parameters (a JSON string of the
    call's keyword arguments but the messages), tools from `llm.tools.N.tool.json_schema`, and, with
    content capture on, the first input message (or an embedding's first text)."""
    prefix = "embedding" if _openinference_kind(attrs) == "EMBEDDING" else "llm"
    parameters = dict(_json_object(attrs.get(f"{prefix}.invocation_parameters")))
    schemas = _indexed(attrs, _OPENINFERENCE_TOOL)
    if schemas:
        parameters["tools"] = schemas
    first = _first(attrs, "llm.input_messages.0.message.content",
                   "llm.input_messages.0.message.contents.0.message_content.text", "embedding.embeddings.0.embedding.text")
    parameters.pop("messages", None)
    return request.settings(parameters, messages=[{"content": first}] if first is not None else None)


@dataclass(frozen=True)
class _Call:
    """What a span says of its model call, in either convention."""
    model: Field
    response_model: Field
    provider: Field
    operation: str | None
    input_tokens: Field
    output_tokens: Field
    cache_read: Field
    cache_write: Field
    reasoning: Field
    first_chunk_s: Field = ("", None)
    cost: Field = ("", None)
    failed: bool = False             # the convention's own failure flag (Langfuse `level`), beside the status
    status_message: str | None = None
    separate_cache: bool = False     # input_tokens leaves the cache reads and writes out


def _pick(attrs: dict[str, Any], *names: str) -> Field:
    """The first of `names` that is set; a reject names the first (the current spelling)."""
    return names[0], _first(attrs, *names)


def _counts_cache_apart(attrs: dict[str, Any]) -> bool:
    """Whether `gen_ai.usage.input_tokens` leaves the cache counts out: OpenLIT (checked in 1.45) writes
    Anthropic's own `input_tokens` there, which excludes cache reads and writes."""
    return attrs.get("telemetry.sdk.name") == "openlit" and \
        _first(attrs, "gen_ai.provider.name", "gen_ai.system") == "anthropic"


def _genai(attrs: dict[str, Any]) -> _Call:
    """GenAI semantic conventions, current and older spellings: OpenLLMetry's `cache_read_input_tokens`,
    the Anthropic SDK's `cache_write.input_tokens`, OpenLIT's `gen_ai.server.time_to_first_token` (only on
    a streamed span: OpenLIT writes the whole duration there otherwise)."""
    operation = text(attrs.get("gen_ai.operation.name"), "gen_ai.operation.name")
    streamed = _first(attrs, "gen_ai.request.stream", "gen_ai.request.is_stream", "llm.is_streaming") in (True, "true")
    return _Call(
        model=_pick(attrs, "gen_ai.request.model", "gen_ai.response.model"),
        response_model=_pick(attrs, "gen_ai.response.model"),
        provider=_pick(attrs, "gen_ai.provider.name", "gen_ai.system"),
        operation=_OPERATIONS.get(operation or "", operation),
        input_tokens=_pick(attrs, "gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens"),
        output_tokens=_pick(attrs, "gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens"),
        cache_read=_pick(attrs, "gen_ai.usage.cache_read.input_tokens", "gen_ai.usage.cache_read_input_tokens",
                         "gen_ai.usage.cached_tokens"),
        cache_write=_pick(attrs, "gen_ai.usage.cache_creation.input_tokens", "gen_ai.usage.cache_write.input_tokens",
                          "gen_ai.usage.cache_creation_input_tokens"),
        reasoning=_pick(attrs, "gen_ai.usage.reasoning.output_tokens", "gen_ai.usage.reasoning_tokens"),
        first_chunk_s=_pick(attrs, "gen_ai.response.time_to_first_chunk",
                            *(("gen_ai.server.time_to_first_token",) if streamed else ())),
        separate_cache=_counts_cache_apart(attrs),
    )


def _openinference_kind(attrs: dict[str, Any]) -> str | None:
    kind = attrs.get("openinference.span.kind")
    return kind.upper() if isinstance(kind, str) else None


def _openinference(attrs: dict[str, Any]) -> _Call:
    """An OpenInference LLM or EMBEDDING span. `llm.model_name` is the model that answered (a failed
    call has none); the model asked for is in the invocation parameters (a JSON string)."""
    kind = _openinference_kind(attrs) or ""
    prefix = "embedding" if kind == "EMBEDDING" else "llm"
    served = _pick(attrs, "llm.response.model_name", f"{prefix}.model_name")
    parameters = _json_object(attrs.get(f"{prefix}.invocation_parameters"))
    asked = next((value for value in (attrs.get("llm.request.model_name"), parameters.get("model"),
                                      parameters.get("model_name"), served[1]) if value is not None), None)
    return _Call(
        model=(f"{prefix}.model_name", asked),
        response_model=served,
        provider=_pick(attrs, "llm.provider", "llm.system"),
        operation=_OPENINFERENCE_OPERATIONS[kind],
        input_tokens=_pick(attrs, "llm.token_count.prompt"),
        output_tokens=_pick(attrs, "llm.token_count.completion"),
        cache_read=_pick(attrs, "llm.token_count.prompt_details.cache_read"),
        cache_write=_pick(attrs, "llm.token_count.prompt_details.cache_write"),
        reasoning=_pick(attrs, "llm.token_count.completion_details.reasoning"),
        cost=_pick(attrs, "llm.cost.total"),
    )


def _langfuse_type(attrs: dict[str, Any]) -> str | None:
    kind = attrs.get(_LANGFUSE_TYPE)
    return kind if isinstance(kind, str) else None


def _langfuse(span: dict, attrs: dict[str, Any]) -> _Call:
    """A Langfuse SDK observation span (`langfuse.observation.*`, JSON-string values): usage and cost
    details as its integrations pass them (read by `langfuse.usage_details`), `completion_start_time` an
    ISO time in a JSON string, `level` ERROR a failure. Its OpenAI wrapper names spans `OpenAI-generation`
    and `OpenAI-embedding`: the only word of the provider."""
    usage = _json_object(attrs.get("langfuse.observation.usage_details"))
    where = "langfuse.observation.usage_details"
    input_tokens, output_tokens, cache_read, cache_write, reasoning = usage_details(usage, where)
    first = epoch_seconds(_json_value(attrs.get("langfuse.observation.completion_start_time")),
                          "langfuse.observation.completion_start_time")
    start = _nanos(span.get("startTimeUnixNano"), "startTimeUnixNano")
    name = span.get("name") if isinstance(span.get("name"), str) else ""
    cost = _json_object(attrs.get("langfuse.observation.cost_details")).get("total")
    return _Call(
        model=_pick(attrs, "langfuse.observation.model.name"),
        response_model=("", None),
        provider=("", "openai" if name.startswith("OpenAI-") else None),
        operation=_LANGFUSE_OPERATIONS[_langfuse_type(attrs)],
        input_tokens=(where, input_tokens),
        output_tokens=(where, output_tokens),
        cache_read=(where, cache_read),
        cache_write=(where, cache_write),
        reasoning=(where, reasoning),
        first_chunk_s=("langfuse.observation.completion_start_time",
                       None if first is None or start is None or first * 1e9 < start else first - start / 1e9),
        cost=("langfuse.observation.cost_details", cost),
        failed=attrs.get("langfuse.observation.level") == "ERROR",
        status_message=text(attrs.get("langfuse.observation.status_message"), "langfuse.observation.status_message"),
    )


def _from_name(span: dict, scope: str) -> _Call:
    """A failed span with no attributes, read from what is left: the GenAI span name `{operation} {model}`
    and the provider its scope names (`openlit.instrumentation.anthropic`)."""
    operation, _, model = (span.get("name") if isinstance(span.get("name"), str) else "").partition(" ")
    if not model or " " in model:
        raise Reject(f"failed {scope} span without attributes, and its name does not say the model "
                     f"(expected '<operation> <model>')")
    provider = "anthropic" if scope.startswith("com.anthropic") else scope.rsplit(".", 1)[-1]
    nothing: Field = ("", None)
    return _Call(model=("span name", model), response_model=nothing,
                 provider=("", None if provider == scope else provider),
                 operation=_OPERATIONS.get(operation, operation), input_tokens=nothing, output_tokens=nothing,
                 cache_read=nothing, cache_write=nothing, reasoning=nothing)


def _json_object(value: Any) -> dict:
    """A JSON-string attribute's object; anything else (not JSON, not an object) reads as empty."""
    return _as_dict(_json_value(value))


def _json_value(value: Any) -> Any:
    """A JSON-string attribute's value (Langfuse encodes even a plain string: `"\\"2026-…Z\\""`); a
    string that is not JSON is itself."""
    try:
        return json.loads(value) if isinstance(value, str) else value
    except (ValueError, RecursionError):   # RecursionError: nested deeper than the parser goes
        return value


def _count(field: Field) -> int:
    return int(number(field[1], field[0], default=0, integer=True) or 0)


def _row(span: dict, attrs: dict[str, Any], call: _Call) -> dict[str, Any]:
    model = text(call.model[1], call.model[0])
    if not model:
        raise Reject(f"missing model ({call.model[0]})")
    start = _nanos(span.get("startTimeUnixNano"), "startTimeUnixNano")
    end = _nanos(span.get("endTimeUnixNano"), "endTimeUnixNano")
    check_interval(start, end, "startTimeUnixNano", "endTimeUnixNano")
    input_tokens, cache_read, cache_write = _count(call.input_tokens), _count(call.cache_read), _count(call.cache_write)
    first_chunk_s = number(call.first_chunk_s[1], call.first_chunk_s[0])
    if first_chunk_s is None:
        first_chunk_s = _first_chunk_event_s(span, start)
    status, error_type = _outcome(span, attrs, call)
    return {
        "ts": iso(start / 1e9),
        "trace_id": _trace_id(span.get("traceId")),
        "provider": text(call.provider[1], call.provider[0]),
        "model": model,
        "response_model": text(call.response_model[1], call.response_model[0]),
        "operation": call.operation,
        "input_tokens": inclusive_input(input_tokens, cache_read, cache_write, separate=call.separate_cache),
        "output_tokens": _count(call.output_tokens),
        "cached_input_tokens": cache_read,
        "cache_write_input_tokens": cache_write,
        "reasoning_tokens": _count(call.reasoning),
        "latency_ms": None if end is None else (end - start) / 1e6,
        "ttft_ms": None if first_chunk_s is None else first_chunk_s * 1000.0,
        "status": status,
        "error_type": error_type,
        "attempt": None,
        "cost_usd": number(call.cost[1], call.cost[0]),   # GenAI spans carry none: re-priced from the catalog
        "code_file": text(_first(attrs, "code.file.path", "code.filepath"), "code.file.path"),
        "code_line": number(_first(attrs, "code.line.number", "code.lineno"), "code.line.number", integer=True),
        "code_function": text(_first(attrs, "code.function.name", "code.function"), "code.function.name"),
        "feature": text(attrs.get("llmsight.feature"), "llmsight.feature"),
        "tenant": text(_first(attrs, "llmsight.tenant", "tenant.id", "enduser.id", "user.id"), "tenant"),
        RECORD_ID: own_id("otel", _trace_id(span.get("traceId")), _trace_id(span.get("spanId"))),
        SPAN_ID: _trace_id(span.get("spanId")),                  # for `identity.LayerMerge`, not stored
        PARENT_ID: _trace_id(span.get("parentSpanId")),
    }


def _class_name(error_type: str | None) -> str | None:
    """`<class 'openai.RateLimitError'>` (openai-v2 with some opentelemetry-util-genai versions) as
    `RateLimitError`; any other value as it is."""
    if error_type and error_type.startswith("<class '") and error_type.endswith("'>"):
        return error_type[len("<class '"):-2].rsplit(".", 1)[-1]
    return error_type


def _first_chunk_event_s(span: dict, start: int) -> float | None:
    """Seconds from the span's start to its first first-chunk event (OpenInference's "First Token Stream
    Event", OpenLLMetry's first chunk event), None without one."""
    events = [_as_dict(event) for event in _as_list(span.get("events"))]
    times = [_nanos(event.get("timeUnixNano"), "events.timeUnixNano") for event in events
             if event.get("name") in _FIRST_CHUNK_EVENTS]
    first = min((t for t in times if t is not None and t >= start), default=None)
    return None if first is None else (first - start) / 1e9


def _exception_type(span: dict) -> str | None:
    """The class of the span's recorded exception (OpenInference writes no `error.type`), unqualified
    like `error.type`: `openai.APITimeoutError` → `APITimeoutError`."""
    for event in _as_list(span.get("events")):
        if _as_dict(event).get("name") == "exception":
            kind = attributes(_as_list(event.get("attributes"))).get("exception.type")
            return kind.rsplit(".", 1)[-1] if isinstance(kind, str) and kind else None
    return None
