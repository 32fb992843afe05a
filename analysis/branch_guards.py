"""The tests that hold where an expression is read: the `if`/`elif`/`else` branches around it and the early
exits before it (`if x not in SUPPORTED: raise …`), split into the comparisons a careful reader uses to
narrow a model set — `x in COLLECTION`, `x == "lit"`, `x.startswith("…")`, `"…" in x` and their negations.

Pure syntax: which values a collection holds is the model resolver's to say. Work is one descent from the
function's body to the expression, never a walk of the whole tree.
"""
from __future__ import annotations

import ast
import bisect
from dataclasses import dataclass, replace

_EXITS = (ast.Raise, ast.Return, ast.Continue, ast.Break)
_FOLDS = frozenset({"lower", "casefold", "upper"})
_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)


@dataclass(frozen=True)
class Comparison:
    """`subject <kind> operand` known to be true (`holds`) or false where the expression is read.
    kind: "in" (operand a collection), "eq", "prefix", "suffix", "contains" (operand a string or a tuple
    of them); `folded` names the case fold the subject is compared after (`x.lower() in …`: "lower"),
    "" when none."""

    subject: ast.expr
    kind: str
    operand: ast.expr
    holds: bool
    folded: str
    test: ast.expr        # the whole test, for the hop that names it
    test_holds: bool = True   # whether the whole test is true where the expression is read


def _contains(outer: ast.AST, inner: ast.AST) -> bool:
    start = (getattr(outer, "lineno", 0), getattr(outer, "col_offset", 0))
    end = (getattr(outer, "end_lineno", None) or start[0], getattr(outer, "end_col_offset", None) or 0)
    return start <= (inner.lineno, inner.col_offset) and \
        (inner.end_lineno or inner.lineno, inner.end_col_offset or 0) <= end  # type: ignore[attr-defined]


def _exits(block: list[ast.stmt]) -> bool:
    return bool(block) and isinstance(block[-1], _EXITS)


def tests_around(body: list[ast.stmt], target: ast.AST) -> list[tuple[ast.expr, bool]]:
    """(test, whether it is true) for every test that decides whether `target` runs, outermost first:
    the `if` branches it sits in (an `elif` is an `if` in the `else`), and the `if`s before it, in the same
    block or an enclosing one, whose body ends the block (`raise`/`return`/`continue`/`break`)."""
    found: list[tuple[ast.expr, bool]] = []
    if getattr(target, "end_lineno", None) is None:   # a node the analysis made, with no place in the file
        return found
    block = body
    while block:
        k = _holder(block, target)
        exits = _early_exits(block)
        found += [test for i, test in exits[:bisect.bisect_left(exits, k, key=lambda e: e[0]) if k >= 0 else None]]
        if k < 0:
            return found
        inside = block[k]
        if isinstance(inside, _DEFS):
            return found
        block = []
        if isinstance(inside, ast.If):
            if _contains(inside.test, target):
                return found
            part = inside.body if inside.body and _holder(inside.body, target) >= 0 else inside.orelse
            found.append((inside.test, part is inside.body))
            block = part
        else:
            for part in _parts(inside):
                if _holder(part, target) >= 0:
                    block = part
                    break
    return found


def _holder(block: list[ast.stmt], target: ast.AST) -> int:
    """The index of the statement of `block` that holds `target`, else -1. A block's statements are in
    source order and share no place, so only the last one starting at or before `target` can (found by
    bisection: 400 sites of a 4,000-statement function went through it statement by statement)."""
    k = bisect.bisect_right(block, (target.lineno, target.col_offset), key=_start) - 1  # type: ignore[attr-defined]
    return k if k >= 0 and _contains(block[k], target) else -1


def _start(stmt: ast.stmt) -> tuple[int, int]:
    return getattr(stmt, "lineno", 0), getattr(stmt, "col_offset", 0)


# (the block, its early exits) by the block's id, kept with it so the id stays its own; bounded
_EXIT_CACHE: dict[int, tuple[list[ast.stmt], list[tuple[int, tuple[ast.expr, bool]]]]] = {}
_EXIT_CACHE_SIZE = 4096


def _early_exits(block: list[ast.stmt]) -> list[tuple[int, tuple[ast.expr, bool]]]:
    """The `if`s of a block one of whose branches alone ends it, each as (its index, (test, whether the
    test is true after it)): computed once per block, for every read in it."""
    cached = _EXIT_CACHE.get(id(block))
    if cached is not None and cached[0] is block:
        return cached[1]
    exits = []
    for i, stmt in enumerate(block):
        if isinstance(stmt, ast.If):
            if _exits(stmt.body) and not _exits(stmt.orelse):
                exits.append((i, (stmt.test, False)))
            elif _exits(stmt.orelse) and not _exits(stmt.body):
                exits.append((i, (stmt.test, True)))
    if len(_EXIT_CACHE) >= _EXIT_CACHE_SIZE:
        _EXIT_CACHE.clear()
    _EXIT_CACHE[id(block)] = (block, exits)
    return exits


def _parts(stmt: ast.stmt) -> list[list[ast.stmt]]:
    """The statement lists of a compound statement (a `match` case's guard is not followed)."""
    if isinstance(stmt, ast.Match):
        return [case.body for case in stmt.cases]
    parts = [getattr(stmt, name, None) for name in ("body", "orelse", "finalbody")]
    parts += [h.body for h in getattr(stmt, "handlers", ())]
    return [p for p in parts if isinstance(p, list) and p and isinstance(p[0], ast.stmt)]


def comparisons(test: ast.expr, holds: bool, whole: ast.expr | None = None) -> list[Comparison]:
    """The comparisons that `test` being `holds` makes certain: both sides of a true `and`, of a false
    `or`, through `not`; [] for anything else."""
    if whole is None:
        return [replace(c, test_holds=holds) for c in comparisons(test, holds, test)]
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        return comparisons(test.operand, not holds, whole)
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And if holds else ast.Or):
        return [c for value in test.values for c in comparisons(value, holds, whole)]
    if isinstance(test, ast.Compare) and len(test.ops) == 1:
        op, left, right = test.ops[0], test.left, test.comparators[0]
        if isinstance(op, (ast.In, ast.NotIn)):
            positive = isinstance(op, ast.In) == holds
            if _is_str(left):   # `"gpt" in model`
                return _compared(right, "contains", left, positive, whole)
            return _compared(left, "in", right, positive, whole)
        if isinstance(op, (ast.Eq, ast.NotEq)):
            positive = isinstance(op, ast.Eq) == holds
            if _is_str(right):
                return _compared(left, "eq", right, positive, whole)
            if _is_str(left):
                return _compared(right, "eq", left, positive, whole)
        return []
    if isinstance(test, ast.Call) and isinstance(test.func, ast.Attribute) and len(test.args) == 1 \
            and not test.keywords and test.func.attr in ("startswith", "endswith") and _strings(test.args[0]):
        return _compared(test.func.value, "prefix" if test.func.attr == "startswith" else "suffix",
                         test.args[0], holds, whole)
    return []


def _compared(subject: ast.expr, kind: str, operand: ast.expr, holds: bool, whole: ast.expr) -> list[Comparison]:
    folded = ""
    if isinstance(subject, ast.Call) and isinstance(subject.func, ast.Attribute) \
            and subject.func.attr in _FOLDS and not subject.args and not subject.keywords:
        folded, subject = subject.func.attr, subject.func.value
    if not isinstance(subject, (ast.Name, ast.Attribute, ast.Subscript)):
        return []
    return [Comparison(subject, kind, operand, holds, folded, whole)]


def _is_str(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def _strings(node: ast.AST) -> bool:
    return _is_str(node) or (isinstance(node, ast.Tuple) and bool(node.elts) and all(map(_is_str, node.elts)))


def literal_strings(node: ast.AST) -> tuple[str, ...]:
    """The string(s) of a `"lit"` or `("a", "b")` operand."""
    return (node.value,) if isinstance(node, ast.Constant) else tuple(e.value for e in node.elts)  # type: ignore[attr-defined]


def admits(comparison: Comparison, value: str, members: frozenset[str] | None = None) -> bool:
    """Whether `value` passes the comparison; for "in", `members` are the collection's strings."""
    subject = getattr(value, comparison.folded)() if comparison.folded else value
    kind = comparison.kind
    if kind == "in":
        passed = subject in (members or ())
    elif kind == "eq":
        passed = subject == comparison.operand.value  # type: ignore[attr-defined]
    elif kind == "contains":
        passed = comparison.operand.value in subject  # type: ignore[attr-defined]
    else:
        strings = literal_strings(comparison.operand)
        passed = subject.startswith(strings) if kind == "prefix" else subject.endswith(strings)
    return passed == comparison.holds


def rebound_after(body: list[ast.stmt], subject: ast.expr, after: ast.AST, read: ast.AST | None = None) -> bool:
    """Whether `subject` is assigned (or deleted) anywhere in `body` after the test `after` — then a test
    before the read may no longer hold for it. Given the `read`, only assignments before it count, and not
    the one whose right side holds it: it reads before it stores (`if m.startswith("azure/"): m = m[6:]`).
    Nested defs are not entered."""
    start = (after.lineno, after.col_offset)  # type: ignore[attr-defined]
    end = (read.lineno, read.col_offset) if read is not None and hasattr(read, "lineno") else None  # type: ignore[attr-defined]
    for stmt_start, stored_until, read_by in _stores(body).get(ast.unparse(subject), ()):
        if stored_until > start and (end is None or (stmt_start <= end and id(read) not in read_by)):
            return True
    return False


_Store = tuple[tuple[int, int], tuple[int, int], frozenset[int]]
_STORES_CACHE: dict[int, tuple[list[ast.stmt], dict[str, list[_Store]]]] = {}


def _stores(body: list[ast.stmt]) -> dict[str, list[_Store]]:
    """Each name, attribute or item the body stores to (nested defs not entered), as (where its statement
    starts, where the store ends, the ids of the nodes on the right side of the assignments holding it):
    found in one walk per body, since a dispatch of many branches asks once per test and return."""
    cached = _STORES_CACHE.get(id(body))
    if cached is not None and cached[0] is body:
        return cached[1]
    found: dict[str, list[_Store]] = {}
    stack: list[tuple[ast.AST, tuple[int, int], frozenset[int]]] = [(stmt, (0, 0), frozenset()) for stmt in body]
    while stack:
        node, stmt_start, read_by = stack.pop()
        if isinstance(node, _DEFS):
            continue
        if isinstance(node, ast.stmt):
            stmt_start = (node.lineno, node.col_offset)
        if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)) and node.value is not None:
            read_by = read_by | {id(n) for n in ast.walk(node.value)}
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.For, ast.AsyncFor, ast.Delete,
                             ast.With, ast.AsyncWith, ast.NamedExpr)):
            until = (getattr(node, "end_lineno", node.lineno), getattr(node, "end_col_offset", 0))
            for target in _targets(node):
                for key in {ast.unparse(t) for t in ast.walk(target) if isinstance(t, (ast.Name, ast.Attribute, ast.Subscript))
                            and not isinstance(getattr(t, "ctx", None), ast.Load)}:
                    found.setdefault(key, []).append((stmt_start, until, read_by))
        stack.extend((child, stmt_start, read_by) for child in ast.iter_child_nodes(node))
    if len(_STORES_CACHE) >= _EXIT_CACHE_SIZE:
        _STORES_CACHE.clear()
    _STORES_CACHE[id(body)] = (body, found)
    return found


def _targets(node: ast.AST) -> list[ast.AST]:
    if isinstance(node, ast.Assign):
        return list(node.targets)
    if isinstance(node, (ast.AugAssign, ast.AnnAssign, ast.For, ast.AsyncFor, ast.NamedExpr)):
        return [node.target]
    if isinstance(node, ast.Delete):
        return list(node.targets)
    return [item.optional_vars for item in node.items if item.optional_vars is not None]  # type: ignore[attr-defined]
