"""What a traffic record says its request asked for: the store's request columns (`store.REQUEST_COLUMNS`),
which tell call sites apart when a record carries no code location (`signature`).

Read leniently: a setting a record spells in a way not understood here is NULL (not recorded), never a
reject: the call is still a call. The prompt's fingerprint is there only when the exporter captured the
content (off by default in the OTel GenAI instrumentations).
"""
from __future__ import annotations

import json
import math
from typing import Any

from llmsight.simulator.signature import prompt_fingerprint, tool_names

# The output cap under each provider's name for it (OpenAI's old and new, Gemini's, Anthropic's legacy one)
CAP_KEYS = ("max_tokens", "max_completion_tokens", "max_output_tokens", "maxOutputTokens", "max_tokens_to_sample")
_MAX_CAP = 2**53


def cap(value: Any) -> int | None:
    """An output cap as sent; None for anything that is not one (OpenLIT's -1 and Langfuse's infinity mean
    "not set")."""
    number = _finite(value)
    return int(number) if number is not None and 0 <= number < _MAX_CAP and number == int(number) else None


def temperature(value: Any) -> float | None:
    number = _finite(value)
    return number if number is not None and 0 <= number <= 100 else None


def flag(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    return {"true": True, "false": False}.get(value.lower()) if isinstance(value, str) else None


def _finite(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        number = float(value)
    except (ValueError, OverflowError):
        return None
    return number if math.isfinite(number) else None


def name(value: Any) -> str | None:
    """A span's or observation's name, as far as it tells anything (`signature` compares the last part)."""
    return value[:MAX_NAME] if isinstance(value, str) and value else None


MAX_NAME = 256


def json_value(value: Any) -> Any:
    """A JSON-string attribute's value; anything else (or text that is not JSON) as it is."""
    if not isinstance(value, str) or value[:1] not in ("[", "{", '"'):
        return value
    try:
        return json.loads(value)
    except (ValueError, RecursionError):
        return value


def tools(value: Any) -> str | None:
    """Names of a request's tools: OpenAI's `{"type": "function", "function": {"name"}}`, the Responses
    API's and Anthropic's `{"name"}`, names as strings, or any of them as a JSON string."""
    value = json_value(value)
    if not isinstance(value, list):
        return None
    names = []
    for item in value:
        item = json_value(item)
        if isinstance(item, str):
            names.append(item)
        elif isinstance(item, dict):
            function = item.get("function") if isinstance(item.get("function"), dict) else {}
            names.append(item.get("name") or function.get("name"))
    return tool_names(names)


def response_format(value: Any) -> str | None:
    """`text`, `json_object`, `json_schema` (a `{"type": ...}`, or a schema given whole), `json`."""
    value = json_value(value)
    if isinstance(value, dict):
        kind = value.get("type")
        if isinstance(kind, str) and kind:
            return kind.lower()[:64]
        return "json_schema" if value.get("json_schema") or value.get("properties") else None
    return value.lower()[:64] if isinstance(value, str) and value else None


def _text(content: Any, depth: int = 0) -> str | None:
    """The text of a message's or instruction's content: a string, or its first text part (OpenAI's and
    Anthropic's `{"type": "text", "text"}`, the GenAI conventions' `{"type": "text", "content"}`). A few
    levels deep at most: a hostile record may nest parts as deep as its parser allows."""
    content = json_value(content)
    if isinstance(content, str):
        return content
    if depth >= _MAX_DEPTH:
        return None
    if isinstance(content, dict):
        for key in ("text", "content", "parts"):
            if key in content:
                return _text(content[key], depth + 1)
        return None
    if isinstance(content, list):
        for part in content[:8]:
            found = _text(part, depth + 1)
            if found:
                return found
    return None


_MAX_DEPTH = 6


def first_instruction(system: Any = None, messages: Any = None, prompt: Any = None) -> str | None:
    """The request's first instruction as `signature` fingerprints a call's: the system prompt or
    instructions, else the first message's content, else the prompt (or an embedding's input)."""
    found = _text(system) if system is not None else None
    messages = json_value(messages)
    if not found and isinstance(messages, list) and messages:
        first = json_value(messages[0])
        found = _text(first.get("content", first.get("parts"))) if isinstance(first, dict) else _text(first)
    if not found and prompt is not None:
        found = _text(prompt)
    return found


def settings(params: Any, messages: Any = None) -> dict[str, Any]:
    """The request columns of a request given as its keyword arguments (OpenInference's invocation
    parameters, Langfuse's model parameters or an observed function's kwargs, LiteLLM's model parameters);
    `messages`: the request's messages when they are recorded apart from `params`."""
    params = params if isinstance(params, dict) else {}
    return {
        "request_max_tokens": next((c for c in map(cap, (params.get(k) for k in CAP_KEYS)) if c is not None), None),
        "request_temperature": temperature(params.get("temperature")),
        "request_stream": flag(params.get("stream")),
        "request_tools": tools(params.get("tools") if params.get("tools") is not None else params.get("functions")),
        "response_format": response_format(params.get("response_format")),
        "prompt_fingerprint": prompt_fingerprint(first_instruction(
            params.get("system", params.get("instructions")),
            messages if messages is not None else params.get("messages"),
            params.get("prompt", params.get("input")))),
    }
