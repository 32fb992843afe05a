"""Sites of a snippet by the line they start on, and a snippet's line holding some text: the two lookups
discovery tests write against a dedented source."""
from __future__ import annotations

import textwrap

from llmsight import api


def sites_by_line(source: str, path: str = "app.py") -> dict:
    return {s.span.start_line: s for s in api.check_source(textwrap.dedent(source), path, select=["NONE"]).call_sites}


def line_of(source: str, text: str) -> int:
    return next(i for i, line in enumerate(textwrap.dedent(source).splitlines(), 1) if text in line)
