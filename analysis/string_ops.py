"""Model names built by string formatting: `"{}/{}".format(provider, model)`, `"openai/%s" % model`.

The model resolver (`model_resolution.py`) already evaluates f-strings, `+`, `.split(…)[i]`, `.lower()`,
`.removeprefix(…)`… on each model a string can be; `str.format` and `%` with plain fields are the same
concatenation, given to its `_concat` (every combination, bounded as it bounds them). A field with a
format spec or conversion, or a mapping on the right of `%`, stays unknown.
"""
from __future__ import annotations

import ast
import re
import string
from typing import TYPE_CHECKING

from llmsight.analysis import evaluate

if TYPE_CHECKING:
    from llmsight.analysis.model_resolution import Ctx, ModelResolver, Vals

_PERCENT = re.compile(r"%(?:%|s)")   # the fields `%` formatting is read through: `%s` and a literal `%%`


def model_values(res: "ModelResolver", node: ast.AST, scope: evaluate.Scope, ctx: "Ctx") -> "Vals | None":
    """The strings `template.format(…)` or `template % args` can be; None for any other expression."""
    parts = None
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format" \
            and isinstance(node.func.value, ast.Constant) and isinstance(node.func.value.value, str):
        parts = _format_parts(node.func.value.value, node)
    elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod) and isinstance(node.left, ast.Constant) \
            and isinstance(node.left.value, str):
        parts = _percent_parts(node.left.value, node)
    if parts is None:
        return None
    from llmsight.analysis import model_resolution as mr

    if parts is _UNREAD:
        return mr._opaque(f"`{mr._text(scope.mod, node)}` formats its fields in a way llmsight does not read")
    return res._concat(parts, scope, ctx)


_UNREAD = object()


def _format_parts(template: str, call: ast.Call):
    """`"{}/{name}".format(a, name=b)` as the parts `_concat` joins; _UNREAD for what it does not read."""
    if any(isinstance(a, ast.Starred) for a in call.args) or any(k.arg is None for k in call.keywords):
        return _UNREAD
    keywords = {k.arg: k.value for k in call.keywords}
    parts: list[ast.AST] = []
    auto = 0
    try:
        fields = list(string.Formatter().parse(template))
    except ValueError:
        return _UNREAD
    for literal, name, spec, conversion in fields:
        if literal:
            parts.append(_literal(literal, call))
        if name is None:
            continue
        if spec or conversion:
            return _UNREAD
        if name == "":
            name, auto = str(auto), auto + 1
        # an index is decimal digits (`{²}` is a key: `int` refuses it) and short (`int` refuses 4,300+ digits)
        index = int(name) if name.isdecimal() and len(name) < 5 else None
        value = call.args[index] if index is not None and index < len(call.args) else keywords.get(name)
        if value is None:
            return _UNREAD
        parts.append(value)
    return parts


def _percent_parts(template: str, node: ast.BinOp):
    """`"openai/%s" % model`, `"%s/%s" % (a, b)` as parts; _UNREAD for any other field or argument."""
    args = node.right.elts if isinstance(node.right, ast.Tuple) else [node.right]
    if isinstance(node.right, (ast.Dict, ast.Starred)) or any(isinstance(a, ast.Starred) for a in args):
        return _UNREAD
    if "%" in _PERCENT.sub("", template):
        return _UNREAD
    parts: list[ast.AST] = []
    pieces = _PERCENT.split(template)
    fields = _PERCENT.findall(template)
    values = iter(args)
    for piece, field in zip(pieces, fields + [None]):
        if piece:
            parts.append(_literal(piece, node))
        if field == "%%":
            parts.append(_literal("%", node))
        elif field == "%s":
            value = next(values, None)
            if value is None:
                return _UNREAD
            parts.append(value)
    return _UNREAD if next(values, None) is not None else parts


def _literal(text: str, at: ast.AST) -> ast.Constant:
    return ast.copy_location(ast.Constant(text), at)
