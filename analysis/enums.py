"""Models held as enum members, and the forms that carry them to a request.

`class ModelType(str, Enum): GPT_4O = "gpt-4o"` (also `StrEnum`, a plain `Enum` read through `.value`, a
project base such as `class ModelType(UnifiedType, Enum)` where `UnifiedType` subclasses `str`) is how
many packages name their models. A careful reader follows a member to its value, whatever form reaches
the request: `ModelType.GPT_4O`, `.value` on a member held in a variable, attribute or parameter default,
`ModelType("gpt-4o")` (lookup by value), `ModelType[name]` (lookup by name: every member when the name is
known only at run time, as an alias table), and a `str` subclass wrapped around one (`UnifiedType(m)` is
the same string). `typing.cast(str, x)` is `x`. An `auto()` member or a tuple-valued one names no model.

The model resolver (`model_resolution.py`) asks `model_values` before its own rules and the evaluator
(`evaluate.py`) asks `single_value`; both return None for any expression that is none of these, so the
other rules stay as they were. Each member's hop says it is one (`member_hop`), so `.value` on a value
known only through the resolver keeps the candidates that came from members.
"""
from __future__ import annotations

import ast
from dataclasses import replace
from typing import TYPE_CHECKING

from llmsight.analysis import evaluate
from llmsight.analysis.modules import ClassInfo, FuncInfo, ModuleInfo
from llmsight.analysis.shaped_sites import CASTS
from llmsight.records import Hop

if TYPE_CHECKING:
    from llmsight.analysis.model_resolution import Ctx, ModelResolver, Vals
    from llmsight.analysis.setter_flow import TableKeys

MAX_MEMBERS = 24          # members listed for a lookup by a name known only at run time (as MAX_VALUES)
_MEMBER_STEP = "enum member "


def member_hop(cls: ClassInfo, mod: ModuleInfo, name: str, value: ast.AST, line: int) -> Hop:
    from llmsight.analysis.model_resolution import _text

    return Hop(f"{_MEMBER_STEP}{cls.node.name}.{name} = {_text(mod, value)}", f"{mod.path}:{line}")


def _from_member(chain: tuple[Hop, ...]) -> bool:
    return any(h.step.startswith(_MEMBER_STEP) for h in chain)


def _base_name(node: ast.AST) -> str:
    return node.attr if isinstance(node, ast.Attribute) else getattr(node, "id", "")


def _capitalised(node: ast.AST) -> bool:
    """A name written like a class (`ModelType`, `types.ModelType`): the only receivers worth evaluating."""
    name = _base_name(node)
    return name[:1].isupper()


def _members(cls: ClassInfo) -> list[tuple[str, ast.AST, int]]:
    """The members of an enum class body, in order (name, value, line): plain assignments to a public name."""
    out = []
    for stmt in cls.node.body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
            name, value = stmt.targets[0].id, stmt.value
        elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.value is not None:
            name, value = stmt.target.id, stmt.value
        else:
            continue
        if not name.startswith("_"):
            out.append((name, value, stmt.lineno))
    return out


def _member(cls: ClassInfo, name: str) -> tuple[str, ast.AST, int] | None:
    bindings = cls.attrs.get(name)
    if not bindings or name.startswith("_"):
        return None
    line, value, how = bindings[-1]
    return (name, value, line) if how in ("assign", "annassign") else None


# ---- the model resolver's sets ------------------------------------------------------------------------------

def model_values(res: "ModelResolver", node: ast.AST, scope: evaluate.Scope, ctx: "Ctx") -> "Vals | None":
    """The models `node` can be when it is one of the forms above; None otherwise."""
    if isinstance(node, ast.Attribute):
        if node.attr == "value":
            return _value_of(res, node.value, scope, ctx)
        if _capitalised(node.value):
            enum = _enum_ref(res, node.value, scope)
            return _member_values(res, enum, node.attr, ctx) if enum is not None else None
        return None
    if isinstance(node, ast.Subscript) and _capitalised(node.value):
        enum = _enum_ref(res, node.value, scope)
        return _by_name(res, enum, node, scope, ctx) if enum is not None else None
    if isinstance(node, ast.Call) and len(node.args) in (1, 2) and not node.keywords \
            and not isinstance(node.args[-1], ast.Starred):
        return _called(res, node, scope, ctx)
    return None


def _enum_ref(res: "ModelResolver", node: ast.AST, scope: evaluate.Scope) -> evaluate.ClassRef | None:
    ref = res._object(node, scope)
    return ref if isinstance(ref, evaluate.ClassRef) and _enum_in(res, ref) else None


def _enum_in(res: "ModelResolver", ref: evaluate.ClassRef) -> bool:
    return any(evaluate._is_enum(c) for c, _m in res._mro_of(ref.cls, ref.mod))


def _member_values(res: "ModelResolver", enum: evaluate.ClassRef, name: str, ctx: "Ctx") -> "Vals | None":
    """A member's value with the hop that names it; None for a name that is no member (a method, a
    nested class), for the resolver's class-attribute rule."""
    from llmsight.analysis import model_resolution as mr

    for c, cm in res._mro_of(enum.cls, enum.mod):
        found = _member(c, name)
        if found is None:
            continue
        _name, value, line = found
        hops = [member_hop(c, cm, name, value, line)]
        # `DEFAULT = GPT_4O`: an alias of a member written before it (followed a bounded number of times)
        while isinstance(value, ast.Name) and len(hops) <= MAX_MEMBERS:
            earlier = _member(c, value.id)
            if earlier is None or earlier[2] >= line:
                break
            name, value, line = earlier
            hops.append(member_hop(c, cm, name, value, line))
        if isinstance(value, ast.Call) and _base_name(value.func) == "auto":
            return mr._opaque(f"`{c.node.name}.{name}` is an `auto()` member: a number or its own name, not a model")
        if isinstance(value, ast.Tuple):
            return mr._opaque(f"`{c.node.name}.{name}` holds a tuple, not a model name")
        vals = res._values(value, evaluate.Scope(cm, None, line), ctx)
        for hop in reversed(hops):
            vals = mr._tag(vals, "constant", hop)
        return vals
    return None


def _value_of(res: "ModelResolver", held: ast.AST, scope: evaluate.Scope, ctx: "Ctx") -> "Vals | None":
    """`x.value` where `x` holds a member: the member's value. `x` is a member when the evaluator makes it
    one (an instance of an enum class, from an annotation) or a string (only a member has `.value` and
    equals its string), else only the candidates that came from members count."""
    if isinstance(held, ast.Attribute) and _capitalised(held.value):
        enum = _enum_ref(res, held.value, scope)
        if enum is not None:
            return _member_values(res, enum, held.attr, ctx)
    vals = res._values(held, scope, ctx)
    obj = res._object(held, scope)
    if isinstance(obj, evaluate.Instance) and _enum_in(res, evaluate.ClassRef(obj.cls, obj.mod)) or \
            isinstance(obj, evaluate.Const) and isinstance(obj.value, str):
        return vals
    members = tuple(c for c in vals.cands if _from_member(c.chain))
    return replace(vals, cands=members) if members else None


def _by_name(res: "ModelResolver", enum: evaluate.ClassRef, node: ast.Subscript, scope: evaluate.Scope,
             ctx: "Ctx") -> "Vals":
    """`ModelType[name]`: the member of each name the key can be; every member (the first MAX_MEMBERS)
    when the key is known only at run time."""
    from llmsight.analysis import model_resolution as mr

    keys = res._values(node.slice, scope, ctx)
    parts = []
    for key in keys.cands:
        found = _member_values(res, enum, key.value, ctx)
        if found is not None:
            parts.append(found if key.default else mr._alternatives(found))
    if parts:
        return mr._union(*parts)
    if keys.cands:
        return mr._opaque(f"`{mr._text(scope.mod, node)}` names no member of `{enum.cls.node.name}`")
    members = _members(enum.cls)[:MAX_MEMBERS]
    return mr._branches([_member_values(res, enum, name, ctx) or mr.Vals() for name, _v, _l in members])


def _called(res: "ModelResolver", node: ast.Call, scope: evaluate.Scope, ctx: "Ctx") -> "Vals | None":
    """`ModelType(x)` (lookup by value), `UnifiedType(x)` (a `str` subclass), `cast(str, x)`: `x`."""
    from llmsight.analysis import model_resolution as mr

    func = node.func
    if _base_name(func) == "cast" and len(node.args) == 2:
        return res._values(node.args[1], scope, ctx) if _cast_keeps(res, node, scope) else None
    if len(node.args) != 1 or not _capitalised(func):
        return None
    ref = res._object(func, scope)
    if not isinstance(ref, evaluate.ClassRef) or not (_enum_in(res, ref) or _str_wrapper(res, ref)):
        return None
    return mr._tag(res._values(node.args[0], scope, ctx), None,
                   Hop(mr._text(scope.mod, node), mr._at(scope.mod, node)))


def _cast_keeps(res: "ModelResolver", node: ast.Call, scope: evaluate.Scope) -> bool:
    """`typing.cast(T, x)` stands for `x` as the model resolver reads it: around an attribute
    (`cast(str, self.model)`, `cast(ModelName, config.model)`: the attribute), or to `str`/`Any` (it only
    quiets a type checker). A local cast to a domain type (`provider = cast(Provider, model)`) re-reads
    the value as another kind of name, which the set of models the local holds need not describe."""
    callee = res._object(node.func, scope)
    if not (isinstance(callee, evaluate.Imported) and callee.qualname in CASTS):
        return False
    kind = node.args[0]
    named = kind.value if isinstance(kind, ast.Constant) else _base_name(kind)
    return isinstance(node.args[1], ast.Attribute) or named in ("str", "Any")


def _str_wrapper(res: "ModelResolver", ref: evaluate.ClassRef) -> bool:
    """A project subclass of `str` whose construction keeps the string: no `__new__`, or one that hands
    its first parameter to a `__new__` unchanged (`str.__new__(cls, value)`)."""
    mro = res._mro_of(ref.cls, ref.mod)
    if not any(_base_name(b) == "str" for c, _m in mro for b in c.node.bases):
        return False
    for c, _m in mro:
        new = c.methods.get("__new__")
        if new is None:
            continue
        params = [a.arg for a in new.args.args]  # type: ignore[attr-defined]
        if len(params) < 2:
            return False
        return any(isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == "__new__"
                   and len(n.args) == 2 and isinstance(n.args[1], ast.Name) and n.args[1].id == params[1]
                   for n in ast.walk(new))
    return True


def builds_another_class(res: "ModelResolver", func: FuncInfo, call: ast.Call, scope: evaluate.Scope,
                         tables: "TableKeys") -> bool:
    """A call of `func` (a factory `create(platform, model_type)` indexing a platform->class table) that
    passes one of the table's keys other than those that build the class being followed (`tables`): its
    arguments reach another class (`create(Platform.LOCAL, "llama3")` never builds the OpenAI backend)."""
    from llmsight.analysis import model_resolution as mr

    for name in func.params:
        arg = mr._argument_of(func, name, call)
        key = _fixed_key(res, arg, scope) if isinstance(arg, ast.AST) else None
        if key in tables.every and key not in tables.assumed:
            return True
    return False


def _fixed_key(res: "ModelResolver", arg: ast.AST, scope: evaluate.Scope) -> str | None:
    """The string an argument always is: a literal, a module constant or an enum member (not a parameter's
    default, which its own callers may replace)."""
    member = isinstance(arg, ast.Attribute) and _capitalised(arg.value) and _enum_ref(res, arg.value, scope) is not None
    key = res._object(arg, scope)
    fixed = member or isinstance(key, evaluate.Const) and key.how in ("literal", "constant")
    return key.value if fixed and isinstance(key, evaluate.Const) and isinstance(key.value, str) else None


# ---- the evaluator's single values --------------------------------------------------------------------------

def single_value(ev, node: ast.AST, scope: evaluate.Scope, depth: int):
    """What the evaluator makes of the same forms (one value: the member a known name or value picks),
    NOT_HANDLED for any other expression."""
    if isinstance(node, ast.Attribute) and node.attr == "value":
        held = ev.eval(node.value, scope, depth)
        if isinstance(held, evaluate.Const) and isinstance(held.value, str):
            return held   # a str-valued member the evaluator already reduced to its value
        return NOT_HANDLED
    if isinstance(node, ast.Subscript) and _capitalised(node.value):
        enum = ev.eval(node.value, scope, depth)
        if isinstance(enum, evaluate.ClassRef) and evaluate._is_enum(enum.cls):
            key = ev.eval(node.slice, scope, depth)
            named = isinstance(key, evaluate.Const) and isinstance(key.value, str)
            found = _member(enum.cls, key.value) if named else None  # type: ignore[union-attr]
            return ev.eval(found[1], evaluate.Scope(enum.mod, None, found[2]), depth) if found is not None else None
        return NOT_HANDLED
    if isinstance(node, ast.Call) and len(node.args) == 1 and not node.keywords and _capitalised(node.func) \
            and not isinstance(node.args[0], ast.Starred):
        ref = ev.eval(node.func, scope, depth)
        if isinstance(ref, evaluate.ClassRef) and "__new__" not in ref.cls.methods and (
                evaluate._is_enum(ref.cls) or any(_base_name(b) == "str" for b in ref.cls.node.bases)):
            return ev.eval(node.args[0], scope, depth)
    return NOT_HANDLED


NOT_HANDLED = object()
