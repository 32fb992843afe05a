"""Report formats of `llm-lint check` (design §7): text, json, sarif, github, markdown.

Every format is a pure function of a :class:`~llmsight.records.CheckResult`: the same result always
renders to the same string (no clock, no environment), so reports diff cleanly between runs.
"""
from __future__ import annotations

import importlib

from llmsight.records import CheckResult

# format name -> module under llmsight.formats (json_ so it does not shadow the standard library)
FORMATS: dict[str, str] = {
    "text": "text",
    "json": "json_",
    "sarif": "sarif",
    "github": "github",
    "markdown": "markdown",
}


def render(result: CheckResult, fmt: str, *, color: bool = False) -> str:
    """The report of `result` in format `fmt`; `color` adds ANSI colours (text format only)."""
    module = FORMATS.get(fmt)
    if module is None:
        raise ValueError(f"unknown output format {fmt!r}; choose one of: {', '.join(FORMATS)}")
    mod = importlib.import_module(f"llmsight.formats.{module}")
    if fmt == "text":
        return mod.render(result, color=color)
    return mod.render(result)


__all__ = ["FORMATS", "render"]
