"""LiteLLM `StandardLoggingPayload` records (one JSON object per line, success and failure).

Fields used (litellm/types/utils.py `StandardLoggingPayload`): `model`, `custom_llm_provider`,
`call_type`, `status` (success|failure), `prompt_tokens`, `completion_tokens`, `startTime`, `endTime`,
`completionStartTime` (epoch seconds), `response_cost`, `cache_hit`, `trace_id`, `error_information`
(`error_class`, `error_code`), `metadata.user_api_key_team_id` / `user_api_key_user_id` (tenant),
`metadata.usage_object` (`prompt_tokens_details.cached_tokens`, `cache_read_input_tokens`,
`cache_creation_input_tokens`, `completion_tokens_details.reasoning_tokens`), `response.model`, and the
`llmsight` block that `LlmsightCallback` stamps into `metadata.requester_metadata`.
LiteLLM's `prompt_tokens` already include cache reads and writes (its Anthropic transform adds them).
"""
from __future__ import annotations

from typing import Any

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


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


class Converter(RecordConverter):
    def row(self, record: dict) -> dict[str, Any]:
        return _payload(record)


def _payload(record: dict) -> dict[str, Any]:
    model = text(record.get("model"), "model")
    if not model:
        raise Reject("missing model")
    metadata = _dict(record.get("metadata"))
    usage = _dict(metadata.get("usage_object"))
    prompt_details = _dict(usage.get("prompt_tokens_details"))
    completion_details = _dict(usage.get("completion_tokens_details"))
    stamped = _dict(_dict(metadata.get("requester_metadata")).get("llmsight"))

    prompt = number(record.get("prompt_tokens"), "prompt_tokens", default=0, integer=True)
    output = number(record.get("completion_tokens"), "completion_tokens", default=0, integer=True)
    cache_read = number(usage.get("cache_read_input_tokens", prompt_details.get("cached_tokens")),
                        "cache_read_input_tokens", default=0, integer=True)
    cache_write = number(usage.get("cache_creation_input_tokens", prompt_details.get("cache_creation_tokens")),
                         "cache_creation_input_tokens", default=0, integer=True)
    reasoning = number(completion_details.get("reasoning_tokens"), "reasoning_tokens", default=0, integer=True)

    start, end, first_chunk = call_times(record)
    status = record.get("status")
    if status not in ("success", "failure"):
        raise Reject(f"status must be success or failure, not {status!r}")
    error = _dict(record.get("error_information"))
    error_type = text(error.get("error_class"), "error_information.error_class") if status == "failure" else None
    timed_out = status == "failure" and (is_timeout(error_type) or str(error.get("error_code")) == "408")
    cache_hit = record.get("cache_hit") is True
    response_model = text(_dict(record.get("response")).get("model"), "response.model")
    stream = record.get("stream") is True
    return {
        "ts": iso(start),
        "trace_id": text(record.get("trace_id"), "trace_id"),
        "provider": text(record.get("custom_llm_provider"), "custom_llm_provider"),
        "model": model,
        "response_model": response_model,
        "operation": _OPERATIONS.get(str(record.get("call_type")), record.get("call_type")),
        "input_tokens": inclusive_input(prompt, cache_read, cache_write, separate=False),
        "output_tokens": output,
        "cached_input_tokens": cache_read,
        "cache_write_input_tokens": cache_write,
        "reasoning_tokens": reasoning,
        "latency_ms": None if end is None else (end - start) * 1000.0,
        # LiteLLM sets completionStartTime = endTime for non-streamed calls: a first token only for streams.
        "ttft_ms": (first_chunk - start) * 1000.0 if stream and first_chunk is not None and first_chunk >= start
        else None,
        "status": "timeout" if timed_out else "error" if status == "failure" else "ok",
        "error_type": error_type,
        "attempt": None,
        "cost_usd": 0.0 if cache_hit else number(record.get("response_cost"), "response_cost"),
        "code_file": text(stamped.get("code.file.path"), "code.file.path"),
        "code_line": number(stamped.get("code.line.number"), "code.line.number", integer=True),
        "code_function": text(stamped.get("code.function.name"), "code.function.name"),
        "feature": text(stamped.get("feature"), "feature"),
        "tenant": text(metadata.get("user_api_key_team_id") or metadata.get("user_api_key_user_id")
                       or record.get("end_user"), "tenant"),
    }
