"""Instrumentation helpers so production traffic can be mapped to call sites (design §6).

Most GenAI instrumentations record the model and token counts but not where in the code the call
was made. These helpers stamp the caller's file, line and function, plus a feature tag:

- `LlmsightSpanProcessor`: an OpenTelemetry `SpanProcessor`; add it to your `TracerProvider` next to
  your exporter. When a span starts (the caller's stack exists only then: `on_end` gets an immutable
  span, and a stream ends wherever it is consumed) it sets `code.file.path`, `code.line.number`,
  `code.function.name` and `llmsight.feature` on every span of a known LLM instrumentation scope
  (`LLM_SCOPES`: OpenInference, OpenLIT, OTel's openai-v2 and GenAI utilities, OpenLLMetry, the
  Anthropic SDK, Langfuse), and on any other span that carries `gen_ai.*` attributes at start.
- `LlmsightCallback`: a LiteLLM `CustomLogger`; add it to `litellm.callbacks`. It puts the same keys
  under `metadata.requester_metadata.llmsight` of the `StandardLoggingPayload`, which
  `llm-lint ingest` reads.

This module runs inside the user's application: it needs only the standard library (and the OTel SDK
or LiteLLM when a helper is built, on first use), never imports the simulator (numpy, DuckDB) and
changes nothing in the host process. Neither helper raises into the application: stamping is best
effort.
"""
from __future__ import annotations

import os
import sys
import sysconfig
import time
from pathlib import Path
from types import FrameType
from typing import Any

_GENAI_MARKERS = ("gen_ai.operation.name", "gen_ai.system", "gen_ai.provider.name", "gen_ai.request.model")
# Instrumentation scopes (tracer names) whose spans are model calls or wrap one. Many of them set the
# `gen_ai.*` / `llm.*` attributes only after the span started (OpenInference, OpenLIT, Langfuse), when
# the caller's stack is gone, so the scope is what tells at start. A prefix ending in "." or "_" or a
# plain name matches the name itself and anything under it.
LLM_SCOPES = (
    "openinference.instrumentation", "openlit", "opentelemetry.instrumentation.openai",
    "opentelemetry.util.genai", "com.anthropic.sdk.python", "langfuse",
    # OpenLLMetry (traceloop) names its LLM instrumentations like OTel's contrib ones
    *(f"opentelemetry.instrumentation.{name}" for name in (
        "anthropic", "bedrock", "cohere", "google_generativeai", "groq", "mistralai", "ollama", "together",
        "vertexai", "watsonx", "replicate", "alephalpha", "sagemaker", "transformers", "writer",
        "langchain", "llamaindex", "crewai", "haystack", "litellm", "openai_agents", "google_genai")),
)
_LIBRARY_DIRS = tuple({os.path.normcase(p) for p in (sysconfig.get_paths().get("stdlib"),
                                                       sysconfig.get_paths().get("platstdlib"),
                                                       sysconfig.get_paths().get("purelib"),
                                                       sysconfig.get_paths().get("platlib")) if p})
_LIBRARY_MARKERS = ("site-packages", "dist-packages", "<frozen ", "<string>")


def _is_library(frame: FrameType, packages: tuple[str, ...]) -> bool:
    filename = frame.f_code.co_filename
    if filename == __file__:
        return True
    if packages:
        module = str(frame.f_globals.get("__name__", ""))
        return module.split(".", 1)[0] not in packages
    if any(marker in filename for marker in _LIBRARY_MARKERS):
        return True
    return os.path.normcase(filename).startswith(_LIBRARY_DIRS)


def caller_location(root: str | Path | None = None, frame: FrameType | None = None,
                    packages: tuple[str, ...] = ()) -> dict[str, Any] | None:
    """`code.*` attributes of the innermost frame in application code (outside libraries and SDKs).

    Application code is code outside site-packages and the standard library, or, when `packages` is
    given, code in those top-level packages wherever installed (a service deployed with pip).
    The path is relative to `root` (default: the working directory) when the file is under it, so it
    matches the paths `llm-lint check` reports; otherwise it stays absolute, and the mapping matches
    it by path suffix.
    """
    frame = frame or sys._getframe(1)
    while frame is not None and _is_library(frame, packages):
        frame = frame.f_back
    return None if frame is None else _describe(frame, root)


def _describe(frame: FrameType, root: str | Path | None) -> dict[str, Any]:
    path = Path(frame.f_code.co_filename)
    base = Path(root) if root is not None else Path.cwd()
    try:
        shown = path.resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        shown = path.as_posix()
    code = frame.f_code
    return {"code.file.path": shown, "code.line.number": frame.f_lineno,
            "code.function.name": getattr(code, "co_qualname", code.co_name)}


def _coroutine_frames(coro: Any) -> list[FrameType]:
    """Frames of a suspended coroutine and of everything it awaits, outermost first."""
    frames = []
    while coro is not None:
        frame = getattr(coro, "cr_frame", None) or getattr(coro, "gi_frame", None)
        if frame is None:
            break
        frames.append(frame)
        coro = getattr(coro, "cr_await", None) or getattr(coro, "gi_yieldfrom", None)
    return frames


def _call_chains() -> list[list[FrameType]]:
    """Every thread's stack and every event-loop task's coroutine chain, outermost frame first."""
    import asyncio

    chains = []
    for frame in list(sys._current_frames().values()):
        stack = []
        while frame is not None:
            stack.append(frame)
            loop = frame.f_locals.get("self") if frame.f_code.co_name == "run_forever" else None
            if isinstance(loop, asyncio.AbstractEventLoop):
                chains += [_coroutine_frames(task.get_coro()) for task in list(asyncio.all_tasks(loop))]
            frame = frame.f_back
        chains.append(stack[::-1])
    return chains


def awaiting_caller_location(call_id: str, root: str | Path | None = None, packages: tuple[str, ...] = (),
                             attempts: int = 25) -> dict[str, Any] | None:
    """Location of the code awaiting the LiteLLM call `call_id`.

    `litellm.acompletion` runs the request in an executor thread, off the caller's stack. The caller is
    a coroutine in some event loop: suspended in a task (or, for a moment, still running on the loop's
    thread). Find the chain holding a frame with this call id in its `kwargs` and take the innermost
    application frame above it; retry briefly while the caller is between the two states.
    """
    for _ in range(attempts):
        for chain in _call_chains():
            for index, candidate in enumerate(chain):
                if "kwargs" not in candidate.f_code.co_varnames:
                    continue              # cheap test before building f_locals
                call_kwargs = candidate.f_locals.get("kwargs")
                if isinstance(call_kwargs, dict) and call_kwargs.get("litellm_call_id") == call_id:
                    callers = [f for f in chain[:index] if not _is_library(f, packages)]
                    if callers:           # (the executor thread's own stack has the id but no caller)
                        return _describe(callers[-1], root)
        time.sleep(0.002)
    return None


def is_llm_scope(name: str | None) -> bool:
    """Whether an instrumentation scope name is one of `LLM_SCOPES` (or under one)."""
    if not name:
        return False
    return any(name == scope or name.startswith((scope + ".", scope + "_", scope + "-")) for scope in LLM_SCOPES)


def _scope_name(span: Any) -> str | None:
    scope = getattr(span, "instrumentation_scope", None) or getattr(span, "instrumentation_info", None)
    name = getattr(scope, "name", None)
    return name if isinstance(name, str) else None


def _span_processor_class() -> type:
    from opentelemetry.sdk.trace import SpanProcessor

    class LlmsightSpanProcessor(SpanProcessor):
        """Stamp code location and feature on GenAI spans when they start (in the caller's thread)."""

        def __init__(self, feature: str | None = None, root: str | Path | None = None,
                     packages: tuple[str, ...] = ()) -> None:
            self.feature = feature
            self.root = root
            self.packages = tuple(packages)

        def on_start(self, span: Any, parent_context: Any = None) -> None:
            attrs = span.attributes or {}
            if not (is_llm_scope(_scope_name(span)) or any(name in attrs for name in _GENAI_MARKERS)):
                return
            try:
                location = caller_location(self.root, packages=self.packages)
            except Exception:           # never break the application's request
                location = None
            for key, value in (location or {}).items():
                if key not in attrs:
                    span.set_attribute(key, value)
            if self.feature and "llmsight.feature" not in attrs:
                span.set_attribute("llmsight.feature", self.feature)

        def on_end(self, span: Any) -> None:
            return None

        def shutdown(self) -> None:
            return None

        def force_flush(self, timeout_millis: int = 30000) -> bool:
            return True

    return LlmsightSpanProcessor


def _callback_class() -> type:
    from litellm.integrations.custom_logger import CustomLogger

    class LlmsightCallback(CustomLogger):
        """Stamp code location and feature into the LiteLLM payload's `requester_metadata`."""

        def __init__(self, feature: str | None = None, root: str | Path | None = None,
                     packages: tuple[str, ...] = (), **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.feature = feature
            self.root = root
            self.packages = tuple(packages)

        def log_pre_api_call(self, model: Any, messages: Any, kwargs: dict) -> None:
            try:
                stamp = caller_location(self.root, packages=self.packages) or {}
                if not stamp and kwargs.get("litellm_call_id"):
                    stamp = awaiting_caller_location(kwargs["litellm_call_id"], self.root, self.packages) or {}
            except Exception:           # never break the application's request
                stamp = {}
            if self.feature:
                stamp["feature"] = self.feature
            params = kwargs.get("litellm_params")
            if not stamp or not isinstance(params, dict):
                return
            if not isinstance(params.get("metadata"), dict):
                params["metadata"] = {}
            requester = params["metadata"].setdefault("requester_metadata", {})
            if isinstance(requester, dict):
                requester.setdefault("llmsight", stamp)

    return LlmsightCallback


_LAZY = {"LlmsightSpanProcessor": _span_processor_class, "LlmsightCallback": _callback_class}


def __getattr__(name: str) -> type:
    """Build each helper on first use, so importing this module imports neither OpenTelemetry nor LiteLLM."""
    if name in _LAZY:
        cls = _LAZY[name]()
        globals()[name] = cls
        return cls
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
