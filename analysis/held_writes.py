"""Attributes of an object held on `self` that the instance fills in while it is built.

Multi-provider libraries keep one settings object per instance, built by a shared base class from what
the user passed (often nothing), and let each provider's class fill in what was left out:

    class LLMBase:
        def __init__(self, config=None):
            self.config = BaseLlmConfig(**config) if isinstance(config, dict) else config or BaseLlmConfig()

    class OpenAILLM(LLMBase):
        def __init__(self, config=None):
            super().__init__(config)
            if not self.config.model:
                self.config.model = "gpt-4.1-nano"

so `self.config.model` in that class's methods is the value the object's construction gives, then each
write construction makes to it, in the order they run. Model resolution (`model_resolution.py`) follows
the values; this module finds the writes: `self.<a>.<b> = …` (any depth below `self`) in the `__init__`
that runs for a class (its bases' through `super().__init__(…)`/`Base.__init__(self, …)`), in the
post-init hook dataclasses, attrs and pydantic call, and in the methods those call on `self`, each marked
as always running or not, and as a fill-in (under `if not self.a.b:` / `if self.a.b is None:`) or not. A
settings dict held on `self` is the same with keys: `self.config["model"] = …` (a fill-in under `if not
self.config.get("model"):` or `"model" not in self.config`) and `self.config.setdefault("model", …)`.
Writes in a sibling class never count: only the method resolution order of the instance's class is
followed. Work is bounded per class.
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from llmsight.analysis.modules import _CONDITIONAL, ClassInfo, ModuleInfo

MAX_METHODS = 16    # methods followed from a construction (inits, post-init hooks, what they call on self)
MAX_WRITES = 8      # writes kept per attribute: each is evaluated with the ones before it
_POST_INIT = ("__post_init__", "__attrs_post_init__", "model_post_init")


@dataclass(frozen=True)
class Write:
    """`self.<path> = value` in `method` of `owner`, as construction runs it."""

    line: int
    value: ast.AST
    method: ast.AST
    owner: ClassInfo
    mod: ModuleInfo
    always: bool      # runs whenever the instance is built (not under an `if`, a loop or an `except`)
    fills_in: bool    # sits in the branch of `if not self.<path>:` / `if self.<path> is None:`


@dataclass(frozen=True)
class _Event:
    """What a method does that matters here, at its line: a write, a base `__init__` it runs, a method it
    calls on `self`."""

    line: int
    kind: str               # "write" | "init" | "call"
    name: str               # the written path ("config.model"), the base class named (`Base.__init__`), the method
    value: ast.AST | None
    conditional: bool
    fills_in: bool


def held_read(node: ast.AST) -> tuple[ast.Name, str] | None:
    """(the root name, the path below it) of a read two or more attributes deep, `self.config.model` ->
    (`self`, "config.model"), or of a key of a dict held one attribute deep, `self.config["model"]` and
    `self.config.get("model")` -> (`self`, 'config["model"]'); None for anything else."""
    key = _key_read(node)
    if key is not None:
        return key
    parts = []
    cur: ast.AST = node
    while isinstance(cur, ast.Attribute):
        parts.append(cur.attr)
        cur = cur.value
    if not isinstance(cur, ast.Name) or len(parts) < 2:
        return None
    return cur, ".".join(reversed(parts))


def _key_read(node: ast.AST) -> tuple[ast.Name, str] | None:
    """`<name>.<attr>["k"]` or `<name>.<attr>.get("k")` (no default: one would stand for a missing key)."""
    if isinstance(node, ast.Subscript):
        holder, key = node.value, node.slice
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get" \
            and len(node.args) == 1 and not node.keywords:
        holder, key = node.func.value, node.args[0]
    else:
        return None
    if not (isinstance(key, ast.Constant) and isinstance(key.value, str) and isinstance(holder, ast.Attribute)
            and isinstance(holder.value, ast.Name)):
        return None
    return holder.value, f'{holder.attr}["{key.value}"]'


def write_search(path: str) -> tuple[bytes, bytes]:
    """(a literal, a regular expression) a file that writes `self.<path>` holds: the text search that
    decides, before any tree is walked, whether a read needs this module."""
    if path.endswith('"]'):
        holder, key = path[:-2].split('["', 1)
        literal = ("." + holder).encode()
        return literal, re.escape(literal) + rb"(?:\[['\"]|\.setdefault\()[ \t]*['\"]?" + re.escape(key.encode())
    literal = ("." + path).encode()
    return literal, re.escape(literal) + rb"[ \t]*(?::[^=\n]*)?=(?!=)"


def construction_writes(mro: list[tuple[ClassInfo, ModuleInfo]], path: str, cache: dict) -> list[Write]:
    """The writes to `self.<path>` made while an instance of `mro[0]` is built, in the order they run: the
    first `__init__` in the method resolution order, the bases' it runs where it runs them, then the first
    post-init hook; each expanded where it calls a method on `self`. `cache` keeps each method's events."""
    out: list[Write] = []
    budget = [MAX_METHODS]
    seen: set[int] = set()

    def first_defining(name: str, start: int) -> int | None:
        return next((i for i in range(start, len(mro)) if name in mro[i][0].methods), None)

    def expand(i: int, name: str, conditional: bool) -> None:
        cls, mod = mro[i]
        method = cls.methods[name]
        if id(method) in seen or budget[0] <= 0:
            return
        seen.add(id(method))
        budget[0] -= 1
        for ev in _events(method, cache):
            if len(out) >= MAX_WRITES:
                return
            if ev.kind == "write":
                if ev.name == path:
                    out.append(Write(ev.line, ev.value, method, cls, mod,  # type: ignore[arg-type]
                                     not (conditional or ev.conditional), ev.fills_in))
                continue
            if ev.kind == "init":   # `super().__init__(…)`: the next in the order; `Base.__init__(self, …)`: from Base
                start = next((k for k in range(i + 1, len(mro)) if mro[k][0].node.name == ev.name), i + 1) \
                    if ev.name else i + 1
                j = first_defining("__init__", start)
            else:
                j = first_defining(ev.name, 0)
            if j is not None:
                expand(j, "__init__" if ev.kind == "init" else ev.name, conditional or ev.conditional)

    start = first_defining("__init__", 0)
    if start is not None:
        expand(start, "__init__", False)
    hook = next(((i, name) for i in range(len(mro)) for name in _POST_INIT if name in mro[i][0].methods), None)
    if hook is not None:
        expand(hook[0], hook[1], False)
    return out


def _events(method: ast.AST, cache: dict) -> list[_Event]:
    """The writes two or more attributes below `self`, base `__init__` calls and calls of methods on
    `self` in a method, in line order (found once per method)."""
    key = ("held_writes.events", id(method))
    found = cache.get(key)
    if found is None:
        args = getattr(method, "args", None)
        self_name = args.args[0].arg if args is not None and args.args else "self"
        events: list[_Event] = []
        _visit(getattr(method, "body", []), self_name, False, "", events)
        found = cache[key] = (sorted(events, key=lambda e: e.line), method)
    return found[0]


def _visit(body: list[ast.stmt], self_name: str, conditional: bool, tested: str, out: list[_Event]) -> None:
    """Statements of a method body: `conditional` under a branch that may not run, `tested` the name the
    innermost `if not x:` branch tests. Nested functions and classes are not entered."""
    for stmt in body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        if isinstance(stmt, _CONDITIONAL):
            test = _unset_path(stmt.test, self_name) if isinstance(stmt, ast.If) else ""
            blocks = [c.body for c in stmt.cases] if not hasattr(stmt, "orelse") else [stmt.body, stmt.orelse]  # type: ignore[attr-defined]
            for k, part in enumerate(blocks):
                _visit(part, self_name, True, test if k == 0 else "", out)
            continue
        if isinstance(stmt, (ast.Try,) + ((ast.TryStar,) if hasattr(ast, "TryStar") else ())):
            _visit(stmt.body, self_name, conditional, "", out)
            for handler in stmt.handlers:
                _visit(handler.body, self_name, True, "", out)
            _visit(stmt.orelse, self_name, True, "", out)
            _visit(stmt.finalbody, self_name, conditional, "", out)
            continue
        if isinstance(stmt, (ast.With, ast.AsyncWith)):
            _visit(stmt.body, self_name, conditional, "", out)
            continue
        if isinstance(stmt, (ast.Assign, ast.AnnAssign)) and stmt.value is not None:
            for target in stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]:
                path = _held_path(target, self_name)
                if path:
                    out.append(_Event(stmt.lineno, "write", path, stmt.value, conditional, tested == path))
        elif isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call) and isinstance(stmt.value.func, ast.Attribute) \
                and stmt.value.func.attr == "setdefault" and len(stmt.value.args) == 2:
            call = stmt.value   # `self.config.setdefault("model", "m")`: a fill-in of the key
            path = _held_path(ast.Subscript(value=call.func.value, slice=call.args[0]), self_name)  # type: ignore[attr-defined]
            if path:
                out.append(_Event(stmt.lineno, "write", path, call.args[1], True, True))
        for node in ast.walk(stmt):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                event = _called(node, self_name, conditional)
                if event is not None:
                    out.append(event)


def _held_path(target: ast.AST, self_name: str) -> str:
    """The path below `self` a write to `target` sets (as `held_read` names it), "" for any other target."""
    found = held_read(target)
    if found is None or found[0].id != self_name:
        return ""
    return found[1]


def _unset_path(test: ast.AST, self_name: str) -> str:
    """The path below `self` an `if` tests for being unset: `not self.a.b`, `self.a.b is None` (or `== ""`),
    `not self.a.get("k")`, `not self.a["k"]`, `"k" not in self.a`; "" for any other test."""
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        return _held_path(test.operand, self_name)
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1):
        return ""
    op, right = test.ops[0], test.comparators[0]
    if isinstance(op, ast.NotIn) and isinstance(test.left, ast.Constant) and isinstance(test.left.value, str):
        return _held_path(ast.Subscript(value=right, slice=test.left), self_name)
    if isinstance(op, (ast.Is, ast.Eq)) and isinstance(right, ast.Constant) and right.value in (None, ""):
        return _held_path(test.left, self_name)
    return ""


def _called(call: ast.Call, self_name: str, conditional: bool) -> _Event | None:
    """A base `__init__` run (`super().__init__(…)`, `Base.__init__(self, …)`) or a method called on `self`."""
    func = call.func
    owner = func.value  # type: ignore[attr-defined]
    attr = func.attr    # type: ignore[attr-defined]
    if attr == "__init__":
        if isinstance(owner, ast.Call) and getattr(owner.func, "id", "") == "super":
            return _Event(call.lineno, "init", "", None, conditional, False)
        if isinstance(owner, ast.Name) and call.args and getattr(call.args[0], "id", "") == self_name:
            return _Event(call.lineno, "init", owner.id, None, conditional, False)
        return None
    if isinstance(owner, ast.Name) and owner.id == self_name and not attr.startswith("__"):
        return _Event(call.lineno, "call", attr, None, conditional, False)
    return None
