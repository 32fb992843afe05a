"""Rule base class (Fixit-style): one small class per rule, whose VALID/INVALID examples are its tests.

A rule's class docstring is its documentation, in ruff's sections: *What it does*, *Why is this bad*,
*Example*, *Use instead*, *Fix safety*. `llm-lint explain CODE` prints it.
"""
from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar, Iterable

from llmsight.records import Diagnostic, Severity

if TYPE_CHECKING:
    from llmsight.analysis.context import FileContext


@dataclass(frozen=True)
class Invalid:
    """An example that must raise the rule.

    `expected_fix` is the whole source after applying the rule's first fix (None: not checked);
    `message` a substring the message must contain; `config` overrides `[tool.llmsight]` keys.
    """

    code: str
    expected_fix: str | None = None
    message: str | None = None
    config: dict = field(default_factory=dict)
    path: str = "example.py"


@dataclass(frozen=True)
class Valid:
    code: str
    config: dict = field(default_factory=dict)
    path: str = "example.py"


class Rule:
    code: ClassVar[str]
    name: ClassVar[str]
    severity: ClassVar[Severity] = "warning"
    summary: ClassVar[str]                 # one line for `llm-lint rules`
    needs_traffic: ClassVar[bool] = False
    # outside the default selection (ruff's opt-in rules): runs only when `select` or `extend-select` names
    # its full code; a prefix (`LLM`, `LLM00`, `ALL`) does not switch it on
    opt_in: ClassVar[bool] = False
    VALID: ClassVar[list[Valid | str]] = []
    INVALID: ClassVar[list[Invalid]] = []

    def check(self, ctx: "FileContext") -> Iterable[Diagnostic]:
        raise NotImplementedError

    @classmethod
    def doc(cls) -> str:
        return inspect.cleandoc(cls.__doc__ or "")
