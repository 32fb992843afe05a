"""LLM000: the file (or notebook cell) does not parse."""
from __future__ import annotations

from typing import Iterable

from llmsight.analysis.rules.base import Rule
from llmsight.records import Diagnostic


class ParseError(Rule):
    """## What it does
    Reports a file or notebook cell that Python cannot parse (a syntax error, invalid notebook JSON,
    a file that is not UTF-8).

    ## Why is this bad
    llmsight cannot see the calls in code it cannot parse, so every other rule is silent there.
    The engine reports this itself; in an editor the last good diagnostics are kept until the file
    parses again.

    ## Example
    ```python
    client.chat.completions.create(model="gpt-4o",
    ```

    ## Use instead
    Fix the syntax error; the message names the line and column.

    ## Fix safety
    No fix is offered.
    """

    code = "LLM000"
    name = "parse-error"
    severity = "error"
    summary = "File or notebook cell does not parse; it is not analysed"

    def check(self, ctx) -> Iterable[Diagnostic]:
        return ()  # reported by the engine before any rule runs
