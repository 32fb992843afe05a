"""Report formats of `llm-lint check` (design §7): text, json, sarif, github, markdown.

Every format is a pure function of a :class:`~llmsight.records.CheckResult`: the same result always
renders to the same string (no clock, no environment), so reports diff cleanly between runs. Every
format renders the result as `shown` makes it: no key, no control character reaches a report.
"""
from __future__ import annotations

import importlib
from pathlib import Path

from llmsight.formats._common import printable, rebase, shown, shown_text
from llmsight.records import CheckResult

# formats read by tools that resolve paths against the repository root (GitHub annotations, code scanning)
REPOSITORY_RELATIVE = ("github", "sarif")

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
    if fmt in REPOSITORY_RELATIVE:
        repo = repository_root(result.root)
        if repo is not None:
            result = rebase(result, repo)
    result = shown(result)
    if fmt == "text":
        return mod.render(result, color=color)
    return mod.render(result)


def repository_root(root: str) -> str | None:
    """The git work tree holding the project root, when the project sits below it (a monorepo).

    This is the one place the formats look at the disk: the renderers themselves stay pure.
    """
    start = Path(root)
    if (start / ".git").exists():
        return None
    return next((parent.as_posix() for parent in start.parents if (parent / ".git").exists()), None)


__all__ = ["FORMATS", "printable", "render", "repository_root", "shown", "shown_text"]
