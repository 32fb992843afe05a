"""The rule registry: stable codes, one module per rule."""
from __future__ import annotations

import importlib
import pkgutil
import re
from functools import lru_cache

from llmsight.analysis.rules.base import Invalid, Rule, Valid

# code -> module under llmsight.analysis.rules: every `llmNNN_<name>.py` here is a rule module, and the
# class inside is its only Rule subclass, with code LLMNNN. Adding a rule is adding its file.
RULE_MODULES: dict[str, str] = {
    f"LLM{m.group(1)}": info.name
    for info in pkgutil.iter_modules(__path__)
    if (m := re.fullmatch(r"llm(\d{3})_\w+", info.name))
}


@lru_cache(maxsize=None)
def all_rules() -> tuple[type[Rule], ...]:
    rules = []
    for code, module in sorted(RULE_MODULES.items()):
        mod = importlib.import_module(f"llmsight.analysis.rules.{module}")
        found = [v for v in vars(mod).values()
                 # issubclass(type(v), type), not isinstance: it must not touch lazily loaded modules (libcst)
                 if issubclass(type(v), type) and issubclass(v, Rule) and v is not Rule and v.__module__ == mod.__name__]
        if len(found) != 1 or found[0].code != code:
            raise RuntimeError(f"rule module {module} must define exactly one Rule with code {code}")
        rules.append(found[0])
    return tuple(rules)


def rule_by_code(code: str) -> type[Rule] | None:
    return next((r for r in all_rules() if r.code == code.upper()), None)


__all__ = ["Invalid", "Rule", "Valid", "all_rules", "rule_by_code", "RULE_MODULES"]
