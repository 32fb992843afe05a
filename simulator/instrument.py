"""The instrumentation helpers' former home: they are `llmsight.instrument` now, which an application
imports without the simulator (numpy, DuckDB) and without the allocator tuning this package does.
Kept so existing `from llmsight.simulator.instrument import ...` lines go on working."""
from __future__ import annotations

from typing import Any

from llmsight import instrument as _instrument
from llmsight.instrument import LLM_SCOPES, awaiting_caller_location, caller_location, is_llm_scope

__all__ = ["LLM_SCOPES", "awaiting_caller_location", "caller_location", "is_llm_scope"]   # and the two lazy helpers


def __getattr__(name: str) -> Any:
    """`LlmsightSpanProcessor` and `LlmsightCallback`, built on first use as in `llmsight.instrument`."""
    return getattr(_instrument, name)
