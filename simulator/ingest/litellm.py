"""LiteLLM records: `StandardLoggingPayload`s (a callback's JSON Lines) and proxy spend logs (`LiteLLM_SpendLogs`
rows from `GET /spend/logs`, `/spend/logs/ui` pages or a database export), success and failure.

Payload fields (litellm/types/utils.py `StandardLoggingPayload`): `model`, `custom_llm_provider`, `call_type`,
`status` (success|failure, always written), `prompt_tokens`, `completion_tokens`, `startTime`, `endTime`,
`completionStartTime` (epoch seconds), `response_cost`, `cache_hit`, `trace_id`, `error_information`
(`error_class`, `error_code`), `metadata.user_api_key_team_id` / `user_api_key_user_id` (tenant),
`metadata.usage_object` (`prompt_tokens_details.cached_tokens`, `cache_read_input_tokens`,
`cache_creation_input_tokens`, `completion_tokens_details.reasoning_tokens`), `response.model`, and the
`llmsight` block that `LlmsightCallback` stamps into `metadata.requester_metadata`, and the request's settings
(`model_parameters`: LiteLLM's optional params, `max_tokens`, `temperature`, `tools`, `response_format`, ...;
`stream`; `messages` when prompts are logged).

Spend log fields (litellm `schema.prisma` `LiteLLM_SpendLogs`, filled by the proxy's
`spend_tracking_utils.get_logging_payload`): `request_id`, `call_type`, `spend`, `prompt_tokens`,
`completion_tokens`, ISO `startTime`/`endTime`/`completionStartTime`, `model` (empty on some failures:
then `model_group`), `custom_llm_provider`, `team_id` / `user` / `end_user` (tenant, "" when unknown),
`session_id` (trace), `cache_hit` ("True"/"False"), `metadata` (`SpendLogsMetadata`, an object or a JSON
string: `usage_object` or `additional_usage_values` for cache and reasoning counts, `error_information`,
`spend_logs_metadata.llmsight` for a code location or feature), `status`, and `proxy_server_request` (the
request body, when the proxy stores prompts) for the request's settings. The `status` column exists
since 2025-05; older rows keep it in `metadata.status`, the oldest (success-only logging) nowhere, and
LiteLLM reads a missing status as success (`_get_status_for_spend_log`), so a row without one is a success.
LiteLLM's `prompt_tokens` already include cache reads and writes (its Anthropic transform adds them).
"""
from __future__ import annotations

import json
from typing import Any

from llmsight.simulator.identity import own_id
from llmsight.simulator.ingest import request
from llmsight.simulator.ingest.records import (RecordConverter, Reject, call_times, inclusive_input, is_timeout, iso,
                                               number, text)

_OPERATIONS = {"completion": "chat", "acompletion": "chat", "text_completion": "completion",
               "atext_completion": "completion", "embedding": "embedding", "aembedding": "embedding",
               "responses": "responses", "aresponses": "responses", "image_generation": "image",
               "aimage_generation": "image", "transcription": "audio", "atranscription": "audio",
               "speech": "audio", "aspeech": "audio", "rerank": "rerank", "arerank": "rerank"}


def looks_like(record: Any) -> bool:
    return isinstance(record, dict) and "startTime" in record and "prompt_tokens" in record \
        and ("call_type" in record or "response_cost" in record)


def is_spend_log(record: dict) -> bool:
    """A `LiteLLM_SpendLogs` row (`request_id`, `spend`), not a payload (`id`, `response_cost`)."""
    return "request_id" in record and "spend" in record and "response_cost" not in record


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _json_dict(value: Any, name: str) -> dict:
    """A JSON column as exported: an object, a JSON string holding one, or empty."""
    if value is None or value == "":
        return {}
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            value = None
    if not isinstance(value, dict):
        raise Reject(f"{name} is not a JSON object")
    return value


class Converter(RecordConverter):
    def row(self, record: dict) -> dict[str, Any]:
        return _spend_log(record) if is_spend_log(record) else _payload(record)


def _payload(record: dict) -> dict[str, Any]:
    """A `StandardLoggingPayload`: LiteLLM always writes its `status`, so a payload without one is rejected."""
    metadata = _dict(record.get("metadata"))
    row = _call(record, text(record.get("model"), "model"), _dict(metadata.get("usage_object")),
                streamed=record.get("stream") is True)
    row.update(_outcome(record.get("status"), _dict(record.get("error_information"))))
    row.update(_stamped(_dict(metadata.get("requester_metadata"))))
    row.update(trace_id=text(record.get("trace_id"), "trace_id"),
               cost_usd=0.0 if record.get("cache_hit") is True else number(record.get("response_cost"),
                                                                           "response_cost"),
               tenant=text(metadata.get("user_api_key_team_id") or metadata.get("user_api_key_user_id")
                           or record.get("end_user"), "tenant"),
               record_id=own_id("litellm", record.get("id")),
               **request.settings({"stream": record.get("stream"), **_dict(record.get("model_parameters"))},
                                  messages=record.get("messages")))
    return row


def _spend_log(record: dict) -> dict[str, Any]:
    """A `LiteLLM_SpendLogs` row: status from the column, else `metadata.status`, else success (see above)."""
    metadata = _json_dict(record.get("metadata"), "metadata")
    model = text(record.get("model"), "model") or text(record.get("model_group"), "model_group")
    usage = _dict(metadata.get("usage_object")) or _dict(metadata.get("additional_usage_values"))
    row = _call(record, model, usage, streamed=None)
    status = record.get("status") or metadata.get("status") or "success"
    row.update(_outcome(status, _dict(metadata.get("error_information"))))
    row.update(_stamped(_dict(metadata.get("spend_logs_metadata"))))
    row.update(trace_id=text(record.get("session_id"), "session_id"),
               cost_usd=0.0 if str(record.get("cache_hit")).lower() == "true" else number(record.get("spend"), "spend"),
               tenant=text(record.get("team_id"), "team_id") or text(record.get("user"), "user")
               or text(record.get("end_user"), "end_user"),
               record_id=own_id("litellm", record.get("request_id")),
               **request.settings(request.json_value(record.get("proxy_server_request"))))
    return row


def _call(record: dict, model: str | None, usage: dict, *, streamed: bool | None) -> dict[str, Any]:
    """The fields payloads and spend logs share: model, tokens, times, provider, operation.

    LiteLLM sets completionStartTime = endTime for non-streamed calls, so it is a first token only for
    streams; `streamed=None` (spend logs, which have no `stream`) takes one before endTime as a stream's.
    """
    if not model:
        raise Reject("missing model")
    prompt_details = _dict(usage.get("prompt_tokens_details"))
    completion_details = _dict(usage.get("completion_tokens_details"))
    prompt = number(record.get("prompt_tokens"), "prompt_tokens", default=0, integer=True)
    output = number(record.get("completion_tokens"), "completion_tokens", default=0, integer=True)
    cache_read = number(usage.get("cache_read_input_tokens", prompt_details.get("cached_tokens")),
                        "cache_read_input_tokens", default=0, integer=True)
    cache_write = number(usage.get("cache_creation_input_tokens", prompt_details.get("cache_creation_tokens")),
                         "cache_creation_input_tokens", default=0, integer=True)
    reasoning = number(completion_details.get("reasoning_tokens"), "reasoning_tokens", default=0, integer=True)
    start, end, first_token = call_times(record)
    if streamed is None:
        streamed = first_token is not None and end is not None and first_token < end
    return {
        "ts": iso(start),
        "provider": text(record.get("custom_llm_provider"), "custom_llm_provider"),
        "model": model,
        "response_model": text(_dict(record.get("response")).get("model"), "response.model"),
        "operation": _OPERATIONS.get(str(record.get("call_type")), record.get("call_type")),
        "input_tokens": inclusive_input(prompt, cache_read, cache_write, separate=False),
        "output_tokens": output,
        "cached_input_tokens": cache_read,
        "cache_write_input_tokens": cache_write,
        "reasoning_tokens": reasoning,
        "latency_ms": None if end is None else (end - start) * 1000.0,
        "ttft_ms": (first_token - start) * 1000.0 if streamed and first_token is not None and first_token >= start
        else None,
        "attempt": None,
    }


def _outcome(status: Any, error: dict) -> dict[str, Any]:
    """Canonical status and error type from LiteLLM's success|failure and `error_information`."""
    if status not in ("success", "failure"):
        raise Reject(f"status must be success or failure, not {status!r}")
    if status == "success":
        return {"status": "ok", "error_type": None}
    error_type = text(error.get("error_class"), "error_information.error_class")
    timed_out = is_timeout(error_type) or str(error.get("error_code")) == "408"
    return {"status": "timeout" if timed_out else "error", "error_type": error_type}


def _stamped(holder: dict) -> dict[str, Any]:
    """Code location and feature from the `llmsight` block (`LlmsightCallback`'s, or one sent by hand)."""
    stamped = _dict(holder.get("llmsight"))
    return {"code_file": text(stamped.get("code.file.path"), "code.file.path"),
            "code_line": number(stamped.get("code.line.number"), "code.line.number", integer=True),
            "code_function": text(stamped.get("code.function.name"), "code.function.name"),
            "feature": text(stamped.get("feature"), "feature")}
