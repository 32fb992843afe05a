"""Models pushed into an object after it is built, and the collections they travel in.

Real code often builds a client object first and tells it its models afterwards: a CLI looks a list of
names up in a table of defaults per provider, builds the provider's class from another table keyed the
same way, and calls a setter (`writer.use_models(names)`) that keeps `names[0]`, or a `cycle(names)` it
takes `next(...)` of. Model resolution (`model_resolution.py`) follows the values; this module says what
the syntax means:

- a list or set literal, or a tuple of string literals, stands for its items (`[DEFAULT[kind]]`); picking
  one (`next(x)`, `next(iter(x))`, `random.choice(x)`, `x[0]` of a list known only as its items) or
  re-wrapping it (`cycle(x)`, `iter(x)`, `list(x)`, `sorted(x)`) gives each item as a candidate;
- a call on an object a table of classes built (`WRITERS[kind](key).use_models(names)`) reaches the
  methods of each class in the table, and for the class of the site, the other tables indexed on the
  way to the call's arguments (`DEFAULT_MODELS[kind]`) are read at the keys that build that class.
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from llmsight.analysis.evaluate import ClassRef, DictVal, Imported, Scope
from llmsight.analysis.modules import lines_matching, spans_line

_ITEM_HOP = re.compile(r"^item (\d+) of ")   # the hop a collection's item carries (`x[0]` tells it from a string)
# builtins that give an item of their argument, or the same items in another container
_BUILTIN_PICKS = frozenset({"next"})
_BUILTIN_WRAPS = frozenset({"iter", "list", "tuple", "set", "frozenset", "sorted", "reversed"})
_IMPORTED_PICKS = frozenset({"random.choice", "secrets.choice", "numpy.random.choice"})
_IMPORTED_WRAPS = frozenset({"itertools.cycle", "random.sample", "random.shuffle"})


def collection_items(node: ast.AST) -> list[ast.AST] | None:
    """The elements a literal collection holds: a list or set literal, or a tuple of string literals (a
    tuple of other values is a record, `return names, kind`, whose parts are not alternatives); None for
    anything else or with a `*starred` part."""
    if isinstance(node, (ast.List, ast.Set)) or isinstance(node, ast.Tuple) and node.elts and all(
            isinstance(e, ast.Constant) and isinstance(e.value, str) for e in node.elts):
        elts = node.elts   # type: ignore[attr-defined]
        return None if any(isinstance(e, ast.Starred) for e in elts) else list(elts)
    return None


def item_hop(index: int, collection: str) -> str:
    return f"item {index} of {collection}"


def at_index(chain, index: int | None) -> bool:
    """A candidate reached as an item of a literal collection (`Hop`s from `item_hop`), at place `index`
    of it when that is given and not counted from the end."""
    for hop in chain:
        m = _ITEM_HOP.match(hop.step)
        if m:
            return index is None or index < 0 or int(m.group(1)) == index
    return False


def picked_from(call: ast.Call, callee) -> tuple[ast.AST, ast.AST | None] | None:
    """(the collection, the fallback value) when `call` gives one of a collection's items or the same
    items re-wrapped: `next(it, default)`, `random.choice(x)`, `cycle(x)`, `iter(x)`, `sorted(x)`.
    `callee` is what the evaluator makes of the called name (None for a builtin the module does not bind)."""
    if not call.args or isinstance(call.args[0], ast.Starred):
        return None
    qualname = callee.qualname if isinstance(callee, Imported) else None
    name = call.func.id if isinstance(call.func, ast.Name) and callee is None else None
    if name in _BUILTIN_PICKS:
        return call.args[0], call.args[1] if len(call.args) > 1 else None
    if name in _BUILTIN_WRAPS or qualname in _IMPORTED_PICKS or qualname in _IMPORTED_WRAPS:
        return call.args[0], None
    return None


@dataclass(frozen=True)
class TableKeys:
    """The keys of a table of classes that build the class being followed (`assumed`), and all its keys."""

    assumed: frozenset[str]
    every: frozenset[str]

    def reading(self, table_keys: frozenset[str]) -> frozenset[str] | None:
        """The keys a lookup in another table is taken at while following what reaches the class: the
        assumed ones when both tables share two keys or more (they are indexed by the same kind of
        name), else None (an unrelated table, read as usual)."""
        return self.assumed & table_keys if len(self.every & table_keys) >= 2 else None


MAX_TABLE_HOPS = 16   # expressions looked at to find the table an object comes from


def built_from_table(res, receiver: ast.AST, scope) -> tuple[DictVal, bool] | None:
    """The table an object comes from: `TABLE[key](…)` / `TABLE.get(key)(…)` (a table of classes, True),
    or `TABLE[key]` (a table of objects, False), followed through local names, `self.` attributes and
    attributes of an object built in the same function or held in `self.` (`book.writer`, where `Book`
    stores `writer_class(key)` and is built as `Book(WRITERS.get(kind), key)`, its `__init__`'s parameters
    bound by that construction). Callers are not searched: a call graph per receiver costs too much.
    `res` is the model resolver."""
    return _table_of(res, receiver, scope, False, None, [MAX_TABLE_HOPS])


def _table_of(res, node: ast.AST, scope, called: bool, ctor, budget: list[int]) -> tuple[DictVal, bool] | None:
    while budget[0] > 0:
        budget[0] -= 1
        if isinstance(node, ast.Call) and not called:
            node, called = node.func, True
            continue
        table = node.value if isinstance(node, ast.Subscript) else node.func.value \
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get" and node.args \
            else None
        if table is not None:
            found = res._object(table, scope)
            return (found, called) if isinstance(found, DictVal) else None
        for value, vscope, vctor in _holders(res, node, scope, ctor):
            found = _table_of(res, value, vscope, called, vctor, budget)
            if found is not None:
                return found
        return None
    return None


def _holders(res, node: ast.AST, scope, ctor) -> list[tuple[ast.AST, object, object]]:
    """What `node` can hold, each with the construction that binds its `__init__`'s parameters: a local
    name's assignments, an `__init__` parameter's argument in `ctor`, a `self.` attribute's assignments,
    an attribute's assignments in the class of a project object built in the function or held in `self.`."""
    if isinstance(node, ast.Name):
        func = scope.func
        while func is not None and node.id not in func.params and not func.bindings.get(node.id):
            func = func.parent
        if func is None:
            return []
        if node.id in func.params and not func.bindings.get(node.id):
            if ctor is None or getattr(func.node, "name", "") != "__init__":
                return []
            arg = res._argument_of(func, node.id, ctor[0])
            return [(arg, ctor[1], None)] if isinstance(arg, ast.AST) else []
        return [(value, Scope(scope.mod, func, line), ctor) for line, value, how in func.bindings[node.id] if how == "assign"]
    if not isinstance(node, ast.Attribute):
        return []
    cls = res._self_class_of(node.value, scope)
    if cls is not None:
        return [(value, res.ev.method_scope(scope.mod, cls, method, line), ctor)
                for line, value, method in cls.self_attrs.get(node.attr, ())]
    out = []
    for call, cscope, _ctor in _holders(res, node.value, scope, ctor):
        ref = res._callee(call, cscope) if isinstance(call, ast.Call) else None
        if isinstance(ref, ClassRef):
            out += [(value, res.ev.method_scope(ref.mod, ref.cls, method, line), (call, cscope))
                    for line, value, method in ref.cls.self_attrs.get(node.attr, ())]
    return out


def table_keys(res, receiver: ast.AST, scope, cls) -> TableKeys | None:
    """The keys of the table `receiver` comes from (`built_from_table`) at which it holds `cls` (else a
    class deriving from it), or an object of it; None when no table gives the receiver, or none of its
    entries is such a class."""
    found = built_from_table(res, receiver, scope)
    if found is None:
        return None
    table, called = found
    items = res._items(table)
    exact, derived = set(), set()
    for key, (value, vscope) in items.items():
        if not called:   # a table of objects: the class each entry builds
            if not isinstance(value, ast.Call):
                continue
            value = value.func
        ref = res._object(value, vscope)
        if isinstance(ref, ClassRef):
            if ref.cls.node is cls.node:
                exact.add(key)
            elif any(c.node is cls.node for c, _m in res._mro_of(ref.cls, ref.mod)):
                derived.add(key)
    assumed = exact or derived
    return TableKeys(frozenset(assumed), frozenset(items)) if assumed else None


MAX_TABLE_FILES = 8   # files read per class to find the tables that list it, and the calls through them


def table_constructions(res, cls, mod) -> tuple[list[tuple[ast.Call, object]], list[str]]:
    """Constructions of `cls` through a table of classes that lists it (`PROVIDERS = {"openai": OpenAITTS,
    …}`; `PROVIDERS[name](key, model)`, or `provider_class = cls._providers.get(name)` then
    `provider_class(key, model)`), with the files they are in; found once per class."""
    key = ("setter_flow.constructions", id(cls.node))
    cached = res.state.memo.get(key)
    if cached is None:
        cached = res.state.memo[key] = (_table_constructions(res, cls, mod), cls.node)
    return cached[0]


def _table_constructions(res, cls, mod) -> tuple[list[tuple[ast.Call, object]], list[str]]:
    top = res.state.top(mod)
    name = cls.node.name.encode()
    out: list[tuple[ast.Call, object]] = []
    paths: list[str] = []
    tables: set[str] = set()
    # a dict's entry keyed by a string or an enum member: `"openai": OpenAITTS`, `Platform.OPENAI: OpenAIModel`
    listing = rb"""(?:["']|\.\w+)[ \t]*:[ \t]*(?:\w+\.)*""" + name + rb"\b"
    for path in res.index.search(top, name, listing)[:MAX_TABLE_FILES]:
        tmod = res.ev.project.load(path)
        if tmod is not None:
            tables.update(_tables_listing(tmod, cls.node.name, lines_matching(res.index.text(path), listing)))
    for table in sorted(tables):
        used = rb"\b" + table.encode() + rb"\b[ \t]*(?:\[|\.get\()"
        for path in res.index.search(top, table.encode(), used)[:MAX_TABLE_FILES]:
            cmod = res.ev.project.load(path)
            lines = lines_matching(res.index.text(path), used)
            for call, scope in _calls_through(cmod, table, lines) if cmod is not None else ():
                if table_keys(res, call, scope, cls) is not None:
                    out.append((call, scope))
                    paths.append(cmod.path)
    return out, paths


def _tables_listing(mod, name: str, lines: list[int]) -> set[str]:
    """Names (or `self.`/class attributes) bound to a dict literal with class `name` among its values, in
    the statements on `lines`."""
    found = set()
    stack = [n for n in mod.tree.body if spans_line(n, lines)]
    while stack:
        node = stack.pop()
        value = node.value if isinstance(node, (ast.Assign, ast.AnnAssign)) else None
        if isinstance(value, ast.Dict):
            if any(_ends_with(v, name) for v in value.values):
                for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
                    if isinstance(target, (ast.Name, ast.Attribute)):
                        found.add(target.id if isinstance(target, ast.Name) else target.attr)
            continue
        for part in ("body", "orelse", "finalbody"):
            stack.extend(n for n in getattr(node, part, None) or () if isinstance(n, ast.stmt) and spans_line(n, lines))
    return found


def _calls_through(mod, table: str, lines: list[int]) -> list[tuple[ast.Call, object]]:
    """Calls in `mod`'s functions spanning `lines` of `table[k](…)`, `table.get(k)(…)`, or of a local
    name bound to `table[k]` / `table.get(k)`."""
    out = []
    for fnode, klass in _functions(mod):
        if not spans_line(fnode, lines):
            continue
        fi = mod.func_info(fnode, f"{klass.node.name}.{fnode.name}" if klass else fnode.name, None, klass)
        for call in ast.walk(fnode):
            if not isinstance(call, ast.Call):
                continue
            picked = call.func
            if isinstance(picked, ast.Name):
                bindings = fi.bindings.get(picked.id) or []
                picked = bindings[0][1] if len(bindings) == 1 and bindings[0][2] == "assign" else None
            if isinstance(picked, ast.Call) and isinstance(picked.func, ast.Attribute) and picked.func.attr == "get":
                picked = picked.func.value
            elif isinstance(picked, ast.Subscript):
                picked = picked.value
            else:
                continue
            if _ends_with(picked, table):
                out.append((call, Scope(mod, fi, call.lineno)))
    return out


def _functions(mod):
    """The module's functions and methods (not nested ones), with their class."""
    for node in mod.tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield node, None
        elif isinstance(node, ast.ClassDef) and node.name in mod.classes:
            klass = mod.classes[node.name]
            for item in node.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    yield item, klass


def _ends_with(node: ast.AST, name: str) -> bool:
    """`name`, `x.name` or `self.name`."""
    return isinstance(node, ast.Name) and node.id == name or isinstance(node, ast.Attribute) and node.attr == name
