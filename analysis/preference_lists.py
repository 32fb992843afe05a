"""A model computed as the first available of a preference list, else a fallback.

`DEFAULT = next(chain(filter(lambda m: m.value in available, PREFS), [Model.A]))`,
`next((m for m in PREFS if m in available), FALLBACK)`: which item passes the test is known only at run
time, and none may (then the fallback is sent). A careful reader names the fallback as what the defaults
give and every item of the list as another model the code can send; this module gives the model resolver
(`model_resolution.py`) that set for `next(…)`, `filter(…)`, `itertools.chain(…)`, a generator or
comprehension over a list, and a loop variable returned under a test (`for m in preferred: if …: return
m`), each bounded as the resolver's collections are (MAX_VALUES).
"""
from __future__ import annotations

import ast
from dataclasses import replace
from typing import TYPE_CHECKING

from llmsight.analysis import evaluate
from llmsight.records import Hop

if TYPE_CHECKING:
    from llmsight.analysis.model_resolution import Ctx, ModelResolver, Vals

_CHAINS = frozenset({"itertools.chain"})


def model_values(res: "ModelResolver", node: ast.AST, scope: evaluate.Scope, ctx: "Ctx") -> "Vals | None":
    """The models of `next(xs[, fallback])` where `xs` may hold no item (a filter or a conditional
    generator), and of `filter(…)`, `chain(…)` and generators themselves; None for anything else."""
    from llmsight.analysis import model_resolution as mr

    if isinstance(node, (ast.GeneratorExp, ast.ListComp, ast.SetComp)):
        return _generated(res, node, scope, ctx)
    if isinstance(node, ast.Name):
        return _returned_when_passing(res, node, scope, ctx)
    if not isinstance(node, ast.Call) or node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
        return None
    func = node.func
    name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
    if name == "next" and isinstance(func, ast.Name) and node.args and _maybe_empty(res, node.args[0], scope):
        items = res._values(node.args[0], scope, ctx)
        if len(node.args) < 2:
            return items
        fallback = mr._tag(res._values(node.args[1], scope, ctx), None,
                           Hop(f"{mr._text(scope.mod, node)}: when no item passes", mr._at(scope.mod, node.args[1])))
        return mr._or(items, fallback)
    if name == "filter" and isinstance(func, ast.Name) and len(node.args) == 2:
        items = res._item_of(node.args[1], scope, ctx)
        return _passing(items, True) if items is not None else None
    if name == "chain" and node.args and _is_chain(res, func, scope):
        acc = res._values(node.args[0], scope, ctx)
        step = f"{mr._text(scope.mod, node)}: when the parts before it hold no item"
        for part in node.args[1:]:
            acc = mr._or(acc, mr._tag(res._values(part, scope, ctx), None, Hop(step, mr._at(scope.mod, part))))
        return acc
    return None


def _returned_when_passing(res: "ModelResolver", node: ast.Name, scope: evaluate.Scope, ctx: "Ctx") -> "Vals | None":
    """`for m in preferred: if test(m): return m`: the loop's items, each one the function may return, and
    maybe none (the `return FALLBACK` after the loop is then the default)."""
    from llmsight.analysis import model_resolution as mr

    func = scope.func
    bindings = func.bindings.get(node.id) if func is not None else None
    if not bindings or len(bindings) != 1 or bindings[0][2] != "for":
        return None
    line, iterable, _how = bindings[0]
    loop = next((n for n in ast.walk(func.node) if isinstance(n, (ast.For, ast.AsyncFor)) and n.iter is iterable), None)
    ret = next((r for r in ast.walk(loop) if isinstance(r, ast.Return) and r.value is node), None) if loop else None
    if ret is None or not any(isinstance(n, ast.If) and n.body[0].lineno <= ret.lineno <= (n.body[-1].end_lineno or 0)
                              for n in ast.walk(loop)):   # type: ignore[arg-type]
        return None
    items = res._iterated(iterable, evaluate.Scope(scope.mod, func, line), ctx)
    return _passing(mr._tag(items, "constant", Hop(f"for {node.id} in {mr._text(scope.mod, iterable)}: the first that "
                                                   "passes the test", f"{scope.mod.path}:{line}")), True)


def _is_chain(res: "ModelResolver", func: ast.AST, scope: evaluate.Scope) -> bool:
    callee = res._object(func, scope)
    return isinstance(callee, evaluate.Imported) and callee.qualname in _CHAINS


def _maybe_empty(res: "ModelResolver", node: ast.AST, scope: evaluate.Scope) -> bool:
    """An iterable this module reads whose items pass a run-time test (or that chains one)."""
    if isinstance(node, (ast.GeneratorExp, ast.ListComp, ast.SetComp)):
        return any(g.ifs for g in node.generators)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "filter":
        return True
    return isinstance(node, ast.Call) and bool(node.args) and _is_chain(res, node.func, scope) \
        and _maybe_empty(res, node.args[0], scope)


def _passing(items: "Vals", tested: bool) -> "Vals":
    """Items a run-time test picks from: each one the code can send, and maybe none (`unset`)."""
    from llmsight.analysis import model_resolution as mr

    return replace(mr._alternatives(items), unset=True) if tested else items


def _generated(res: "ModelResolver", node: ast.GeneratorExp | ast.ListComp | ast.SetComp, scope: evaluate.Scope,
               ctx: "Ctx") -> "Vals | None":
    """`(m for m in PREFS if …)`, `(m.value for m in PREFS)`: the items of the one list it walks."""
    from llmsight.analysis import model_resolution as mr

    if len(node.generators) != 1 or node.generators[0].is_async:
        return None
    gen = node.generators[0]
    elt = node.elt
    if isinstance(elt, ast.Attribute) and elt.attr == "value":   # an enum member's value: the member
        elt = elt.value
    if not (isinstance(gen.target, ast.Name) and isinstance(elt, ast.Name) and elt.id == gen.target.id):
        return None
    items = res._item_of(gen.iter, scope, ctx)
    if items is None:
        return mr._opaque(f"`{mr._text(scope.mod, gen.iter)}` is iterated at run time")
    return _passing(items, bool(gen.ifs))
