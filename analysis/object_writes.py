"""A field of an object held in a local or parameter, written by the function before it reads it.

`if config.model is None: config.model = DEFAULT_MODEL` then `self.model = config.model`: the object's
own value (its class default, what constructions pass) when the write is a fill-in the value does not
need, the written value when it is None by default, either when the write runs only sometimes; an
unconditional write replaces it. `self.`-held objects are `held_writes`' (written across methods); this
reads the writes of one function, which the module index records as `d["k"] = v` is (`subscripts`).
"""
from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from llmsight.analysis import evaluate
from llmsight.analysis.modules import reaches
from llmsight.records import Hop

if TYPE_CHECKING:
    from llmsight.analysis.model_resolution import Ctx, ModelResolver, Vals


def model_values(res: "ModelResolver", node: ast.AST, scope: evaluate.Scope, ctx: "Ctx") -> "Vals | None":
    """`obj.attr` after `obj.attr = …` earlier in the same function; None when the function writes none."""
    func = scope.func
    if func is None or not isinstance(node, ast.Attribute) or not isinstance(node.value, ast.Name) \
            or node.value.id in ("self", "cls"):
        return None
    name, attr = node.value.id, node.attr
    writes = [(line, value) for line, key, value in func.subscripts.get(name, ())
              if isinstance(key, ast.Constant) and key.value == attr and line < scope.line]
    if not writes:
        return None
    from llmsight.analysis import model_resolution as mr

    acc = res._attribute(node, scope, ctx)
    for line, value in writes:
        reach, always = reaches(func.blocks.get(id(value), ()), scope.line)
        if not reach:
            continue
        written = mr._tag(res._values(value, evaluate.Scope(scope.mod, func, line), ctx), None,
                          Hop(f"{name}.{attr} = {mr._text(scope.mod, value)}", f"{scope.mod.path}:{line}"))
        acc = written if always and not func.blocks.get(id(value)) else \
            mr._later(acc, written, mr._guards(func.blocks, value, f"{name}.{attr}"))
    return acc
