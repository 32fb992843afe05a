"""Settings made indirectly: what a request's `**params`, config object or built-up dict holds.

Real code rarely writes `max_tokens=` on the request. It builds a dict (`params = {...}`,
`params["max_tokens"] = n`, `params.update(...)`, `{**base, ...}`, `dict(...)`, a helper that returns
one) and splats it, or passes a config object (`config=GenerateContentConfig(...)` held in a variable,
`http_client=httpx.Client(timeout=...)`). A `Reader` follows those to the keys they hold, and also
says which part it could not see (a `**kwargs` parameter, a dict handed in by the caller, a filtered
comprehension): a setting missing from a mapping with such a part is unknown until run time, not
absent, and the rules then report nothing rather than a guess.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass, field

from llmsight.analysis.evaluate import ClassRef, Client, Const, DictVal, Evaluator, FuncRef, Scope
from llmsight.analysis.modules import ClassInfo, FuncInfo, ModuleInfo, iter_statements
from llmsight.records import Setting

# key under which `Reader.keywords` records a part whose keys cannot be seen (never a keyword name)
OPAQUE = "**"

Located = tuple[ast.AST, Scope]
_MAX_DEPTH = 24
# no request takes this many settings: a bigger mapping is something else, and is not read further
_MAX_KEYS = 256
# calls that return (a copy of) their first argument's keys
_COPIES = frozenset({"copy.copy", "copy.deepcopy", "deepcopy"} | {f"{codec}.{way}" for codec in ("json", "ujson", "orjson", "simplejson")
                                                                   for way in ("dumps", "loads")})
# module-level bindings that leave a name's keys unknown
_OPAQUE_BINDINGS = frozenset({"for", "unpack", "augassign", "with", "def"})


@dataclass
class Mapping:
    """The literal keys a mapping is known to hold, and the first part of it whose keys are unknown."""

    items: dict[str, Located] = field(default_factory=dict)
    opaque: Located | None = None

    def merge(self, other: "Mapping") -> "Mapping":
        self.items.update(other.items)
        self.opaque = self.opaque or other.opaque
        return self


@dataclass
class Reader:
    """Reads keyword mappings for the call sites of one file; results are cached per node and scope,
    and per class attribute (`self.params` is the same mapping at every site)."""

    ev: Evaluator
    # the class of `self` when a caller knows it (a subclass whose properties override the method's class's)
    concrete: tuple[ClassInfo, ModuleInfo] | None = None
    _cache: dict[tuple, Mapping] = field(default_factory=dict)
    _active: set = field(default_factory=set)
    _instance: dict[tuple[int, str, int], Mapping] = field(default_factory=dict)

    # ---- entry points used by discovery ----------------------------------------------------------
    def keywords(self, keywords: list[ast.keyword], scope: Scope) -> dict[str, Located]:
        """A call's keywords, `**splats` expanded; an unseen part is recorded under `OPAQUE`."""
        out: dict[str, Located] = {}
        for kw in keywords:
            if kw.arg is not None:
                out[kw.arg] = (kw.value, scope)
                continue
            m = self.read(kw.value, scope)
            out.update(m.items)
            if m.opaque is not None:
                out.setdefault(OPAQUE, m.opaque)
        return out

    def dig(self, root: Located, path: list[str]) -> Located | None:
        """Follow a dotted path (`config.http_options.timeout`) from a value into the mappings and
        config objects it is made of."""
        node, scope = root
        for key in path:
            item = self.read(node, scope).items.get(key)
            if item is None:
                return None
            node, scope = item
        return node, scope

    def lookup(self, names: tuple[str, ...], layers: list[dict[str, Located]]) -> tuple[tuple[Located, str] | None, Located | None]:
        """The first of `names` stated in `layers` (checked name by name, layer by layer) with the
        name found; else None and the first unseen part that could hold one of them."""
        unseen: Located | None = None
        for name in names:
            head, *rest = name.split(".")
            for layer in layers:
                if head not in layer:
                    unseen = unseen or layer.get(OPAQUE)
                    continue
                node, scope = layer[head]
                for key in rest:
                    m = self.read(node, scope)
                    if key not in m.items:
                        unseen = unseen or m.opaque
                        break
                    node, scope = m.items[key]
                else:
                    return ((node, scope), name), None
        return None, unseen

    # ---- what a value holds ----------------------------------------------------------------------
    def read(self, node: ast.AST, scope: Scope, depth: int = 0) -> Mapping:
        key = (id(node), id(scope.func), scope.line, id(self.concrete[0]) if self.concrete else 0)
        if key in self._cache:
            return self._cache[key]
        if key in self._active or depth > _MAX_DEPTH:
            return Mapping(opaque=(node, scope))  # a cycle or a chain too long to follow: unknown
        self._active.add(key)
        try:
            m = self._read(node, scope, depth + 1)
        finally:
            self._active.discard(key)
        if len(m.items) > _MAX_KEYS:
            m = Mapping(opaque=(node, scope))
        self._cache[key] = m
        return Mapping(dict(m.items), m.opaque)

    def _read(self, node: ast.AST, scope: Scope, depth: int) -> Mapping:
        if isinstance(node, ast.Dict):
            return self._dict(node, scope, depth)
        if isinstance(node, ast.Call):
            return self._call(node, scope, depth)
        if isinstance(node, ast.Name):
            return self._name(node, scope, depth)
        if isinstance(node, ast.Attribute):
            return self._attribute(node, scope, depth)
        if isinstance(node, ast.Constant) and node.value is None:
            return Mapping()
        if isinstance(node, (ast.List, ast.Tuple)):   # a list of requests (`requests=[{"params": {…}}]`): by index
            return Mapping({str(i): (e, scope) for i, e in enumerate(node.elts) if not isinstance(e, ast.Starred)})
        if isinstance(node, ast.ListComp):   # `[{"params": {…}} for d in docs]`: every item is built alike
            return Mapping({"0": (node.elt, scope)})
        if isinstance(node, ast.BoolOp):  # `kwargs or {}`: either side can be what runs
            return self._union(node.values, scope, depth)
        if isinstance(node, ast.IfExp):
            return self._union([node.body, node.orelse], scope, depth)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):  # `base | {"stream": True}`
            return self._union([node.left, node.right], scope, depth)
        if isinstance(node, (ast.Await, ast.NamedExpr)):
            return self.read(node.value, scope, depth)
        if isinstance(node, ast.Subscript):  # payload["inferenceConfig"]
            key = self.ev.eval(node.slice, scope)
            container = self.read(node.value, scope, depth)
            item = container.items.get(key.value) if isinstance(key, Const) and isinstance(key.value, str) else None
            if item is not None:
                return self.read(item[0], item[1], depth)
        return self._value(node, scope, depth)  # comprehensions, `.model_dump()`, a JSON string…

    def _union(self, nodes: list[ast.AST], scope: Scope, depth: int) -> Mapping:
        out = Mapping()
        for n in nodes:
            out.merge(self.read(n, scope, depth))
        return out

    def _dict(self, node: ast.Dict, scope: Scope, depth: int) -> Mapping:
        out = Mapping()
        for k, v in zip(node.keys, node.values):
            if k is None:  # {**other}
                out.merge(self.read(v, scope, depth))
                continue
            kv = self.ev.eval(k, scope)
            if isinstance(kv, Const) and isinstance(kv.value, str):
                out.items[kv.value] = (v, scope)
            else:
                out.opaque = out.opaque or (k, scope)
        return out

    def _call(self, node: ast.Call, scope: Scope, depth: int) -> Mapping:
        func = node.func
        callee = self.ev.eval(func, scope)
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
        qualname = getattr(callee, "qualname", "") or name
        if callee is None and name == "dict" or qualname in _COPIES or name in ("copy", "deepcopy"):
            # dict(base, k=v) / base.copy() / copy.deepcopy(base) / json.dumps(body)
            out = self.read(func.value, scope, depth) if name == "copy" and not node.args and isinstance(func, ast.Attribute) \
                else self._union(node.args[:1], scope, depth)
            return out.merge(self._keywords_of(node, scope, depth))
        if isinstance(func, ast.Attribute) and name == "encode":   # json.dumps(body).encode(): the body's keys, as bytes
            return self.read(func.value, scope, depth)
        if isinstance(callee, FuncRef):  # a helper that builds the dict: what it returns
            return self._returned(callee, depth, (node, scope))
        if isinstance(callee, Client) or _is_class_name(qualname.rsplit(".", 1)[-1]):
            # a config object or client: GenerateContentConfig(...), HttpOptions(...), httpx.Client(...)
            return self._keywords_of(node, scope, depth)
        return Mapping(opaque=(node, scope))

    def _keywords_of(self, call: ast.Call, scope: Scope, depth: int) -> Mapping:
        out = Mapping()
        for kw in call.keywords:
            if kw.arg is not None:
                out.items[kw.arg] = (kw.value, scope)
            else:
                out.merge(self.read(kw.value, scope, depth))
        return out

    def _returned(self, ref: FuncRef, depth: int, call: Located | None = None) -> Mapping:
        """The keys a helper's returned dicts hold; a value that is one of its parameters is the
        argument this call passes (`"stream": stream` in `_kwargs(messages, stream=True)`)."""
        node = ref.node
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return Mapping(opaque=(node, Scope(ref.mod, None, getattr(node, "lineno", 0))))
        cls = ref.cls or ref.mod.class_of_method(node)
        info = ref.mod.func_info(node, ref.qualname or node.name, None, cls)
        returns = [r for r in _own_returns(node.body) if r.value is not None]
        if not returns:
            return Mapping(opaque=(node, Scope(ref.mod, info, node.lineno)))
        out = Mapping()
        for r in returns:
            out.merge(self.read(r.value, Scope(ref.mod, info, r.lineno), depth))  # type: ignore[arg-type]
        if call is not None:
            for key, (value, where) in out.items.items():
                if isinstance(value, ast.Name) and where.func is info and value.id in info.params:
                    out.items[key] = _argument(node, cls is not None, value.id, call) or (value, where)
            out = self._bind_kwargs(out, node, info, call, depth)
        return out

    def _bind_kwargs(self, out: Mapping, node: ast.FunctionDef | ast.AsyncFunctionDef, info: FuncInfo,
                     call: Located, depth: int) -> Mapping:
        """A helper's returned dict whose unseen part is its own `**kwargs` (`d.update(kwargs)`): at this
        call those are the keywords it passes beyond the helper's parameters and its `**splats`, read in
        the caller. Left unbound, the part would be looked up in every caller of the helper, a sibling
        class's call among them."""
        kwarg = node.args.kwarg
        part = out.opaque
        if kwarg is None or part is None or part[1].func is not info \
                or not (isinstance(part[0], ast.Name) and part[0].id == kwarg.arg):
            return out
        named = {a.arg for a in node.args.posonlyargs + node.args.args + node.args.kwonlyargs}
        passed = Mapping()
        call_node, call_scope = call
        for kw in call_node.keywords:  # type: ignore[attr-defined]
            if kw.arg is None:
                passed.merge(self.read(kw.value, call_scope, depth))
            elif kw.arg not in named:
                passed.items[kw.arg] = (kw.value, call_scope)
        return Mapping({**out.items, **passed.items}, passed.opaque)

    # ---- names and attributes --------------------------------------------------------------------
    def _name(self, node: ast.Name, scope: Scope, depth: int) -> Mapping:
        func = scope.func
        while func is not None:
            bindings = func.bindings.get(node.id)
            before = [b for b in bindings or () if b[0] < scope.line] or (
                [] if node.id in func.params else list(bindings or ()))
            if before:
                return self._bindings(node.id, before, func, scope, depth)
            if node.id in func.params:  # handed in by the caller: only what this function adds is known
                return Mapping(self._updates(node.id, func.subscripts, func, 0, scope, depth), (node, scope))
            func = func.parent
        bindings = scope.mod.bindings.get(node.id)
        if bindings and node.id not in scope.mod.imports:
            return self._bindings(node.id, bindings, None, scope, depth)
        return self._value(node, scope, depth)

    def _bindings(self, name: str, bindings, func: FuncInfo | None, scope: Scope, depth: int) -> Mapping:
        """Every assignment that can reach the use (branches are not told apart: a key any of them
        sets counts), then `d[k] = v` / `d.update(...)` made after the first of them."""
        out = Mapping()
        for line, value, how in bindings:
            if how == "annotation":
                continue
            if how in _OPAQUE_BINDINGS or value is None:
                out.opaque = out.opaque or (value, Scope(scope.mod, func, line))
                continue
            out.merge(self.read(value, Scope(scope.mod, func, line), depth))
        first = min(b[0] for b in bindings)
        subscripts = func.subscripts if func is not None else scope.mod.subscripts
        out.items.update(self._updates(name, subscripts, func, first, scope, depth, out))
        return out

    def _updates(self, name: str, subscripts: dict[str, list[tuple[int, ast.AST, ast.AST]]], func: FuncInfo | None,
                 after: int, scope: Scope, depth: int, into: Mapping | None = None) -> dict[str, Located]:
        """Keys set on `name` in `func` (the module when None) between line `after` and the use (a use
        inside a function sees every module-level update); an update whose keys cannot be seen marks
        `into` (when given) opaque."""
        items: dict[str, Located] = {}
        before = 10**9 if func is None and scope.func is not None else scope.line
        for line, key, value in subscripts.get(name, ()):
            if after <= line < before and len(items) <= _MAX_KEYS:
                self._apply_update(key, value, Scope(scope.mod, func, line), depth, items, into)
        return items

    def _apply_update(self, key: ast.AST, value: ast.AST, at: Scope, depth: int, items: dict[str, Located],
                      into: Mapping | None) -> None:
        """One `d[key] = value` (or `d.update(...)`, given as the call in `key`) into `items`."""
        if isinstance(key, ast.Call):
            m = self._union(key.args, at, depth).merge(self._keywords_of(key, at, depth))
            items.update(m.items)
            if into is not None:
                into.opaque = into.opaque or m.opaque
            return
        kv = self.ev.eval(key, at)
        if isinstance(kv, Const) and isinstance(kv.value, str):
            items[kv.value] = (value, at)
        elif into is not None:
            into.opaque = into.opaque or (key, at)

    def _attribute(self, node: ast.Attribute, scope: Scope, depth: int) -> Mapping:
        """`self.params`: every assignment to it in the class's methods (a closure inside a method
        sees the method's `self`), or in a base class of the project's when the class makes none."""
        method = scope.method
        args = getattr(method.node, "args", None) if method is not None else None
        is_self = bool(args and args.args and isinstance(node.value, ast.Name) and node.value.id == args.args[0].arg)
        if method is None or not is_self:
            return self._value(node, scope, depth)
        cls, mod = method.cls, scope.mod
        if self.concrete is not None and self._derives(self.concrete[0], self.concrete[1], method.cls):  # type: ignore[arg-type]
            cls, mod = self.concrete
        found = self._instance_attr(cls, mod, node.attr, depth)  # type: ignore[arg-type]
        if found.opaque is not None and found.opaque[0] is None:  # not set anywhere we can see
            found = Mapping(found.items, (node, scope))
        return Mapping(dict(found.items), found.opaque)

    def _derives(self, cls: ClassInfo, mod: ModuleInfo, base: ClassInfo) -> bool:
        """`cls` is `base` or a project subclass of it (within `_MAX_DEPTH` generations). Each class is
        looked at once: a hierarchy that names a base twice (`class B(A, A)`, repeated down many
        generations) would otherwise be walked once per path, doubling at each generation."""
        level, seen = [(cls, mod)], {id(cls.node)}
        for _generation in range(_MAX_DEPTH + 1):
            following = []
            for c, m in level:
                if c is base or c.node is base.node:
                    return True
                for b in (self.ev.eval(n, Scope(m, None, c.node.lineno)) for n in c.node.bases):
                    if isinstance(b, ClassRef) and id(b.cls.node) not in seen:
                        seen.add(id(b.cls.node))
                        following.append((b.cls, b.mod))
            level = following
        return False

    def _instance_attr(self, cls: ClassInfo, mod: ModuleInfo, attr: str, depth: int) -> Mapping:
        """The mapping `self.<attr>` holds in instances of `cls` (read once per class and attribute)."""
        key = (id(cls), attr, id(self.concrete[0]) if self.concrete else 0)
        if key not in self._instance:
            self._instance[key] = Mapping(opaque=(None, Scope(mod, None, 0)))  # a cycle of bases: unknown
            self._instance[key] = self._instance_attr_uncached(cls, mod, attr, depth)
        return self._instance[key]

    def _instance_attr_uncached(self, cls: ClassInfo, mod: ModuleInfo, attr: str, depth: int) -> Mapping:
        assigns = cls.self_attrs.get(attr)
        if not assigns and attr in cls.methods:  # a property that builds the dict
            return self._returned(FuncRef(cls.methods[attr], mod, cls, f"{cls.node.name}.{attr}"), depth)
        out = Mapping()
        for line, value, meth in assigns or ():
            out.merge(self.read(value, self.ev.method_scope(mod, cls, meth, line), depth))
        if not assigns:
            # set by a base class of the project's, else a field (dataclass, pydantic) that whoever builds
            # the instance sets
            out = Mapping(opaque=(None, Scope(mod, None, 0)))
            for base in (self.ev.eval(n, Scope(mod, None, cls.node.lineno)) for n in cls.node.bases):
                inherited = self._instance_attr(base.cls, base.mod, attr, depth + 1) \
                    if isinstance(base, ClassRef) and base.cls is not cls else None
                if inherited is not None and (inherited.items or inherited.opaque is not None and inherited.opaque[0] is not None):
                    out = Mapping(dict(inherited.items), inherited.opaque)
                    break
        for meth, line, key, value in _self_updates(cls, attr):
            if len(out.items) > _MAX_KEYS:
                break
            self._apply_update(key, value, self.ev.method_scope(mod, cls, meth, line), depth, out.items, out)
        return out

    def _value(self, node: ast.AST, scope: Scope, depth: int) -> Mapping:
        """What the evaluator makes of an expression this reader does not take apart itself (an
        imported constant, a client built elsewhere); anything else is unseen."""
        v = self.ev.eval(node, scope)
        if isinstance(v, DictVal) and v.node is not node:
            return self.read(v.node, v.scope, depth)
        if isinstance(v, Client) and v.ctor is not None and v.ctor_scope is not None:
            return self._keywords_of(v.ctor, v.ctor_scope, depth)
        if isinstance(v, Const) and v.value is None:
            return Mapping()
        return Mapping(opaque=(node, scope))


def _argument(func: ast.FunctionDef | ast.AsyncFunctionDef, is_method: bool, param: str, call: Located) -> Located | None:
    """What `call` passes for `param` of `func`, by keyword or position (None: the default applies)."""
    node, scope = call
    for kw in node.keywords:  # type: ignore[attr-defined]
        if kw.arg == param:
            return kw.value, scope
    names = [a.arg for a in func.args.posonlyargs + func.args.args]
    if is_method and not any(isinstance(d, ast.Name) and d.id == "staticmethod" for d in func.decorator_list):
        names = names[1:]  # self / cls
    args = node.args  # type: ignore[attr-defined]
    if param in names and names.index(param) < len(args) and not any(isinstance(a, ast.Starred) for a in args):
        return args[names.index(param)], scope
    return None


def _self_updates(cls: ClassInfo, attr: str) -> list[tuple[ast.AST, int, ast.AST, ast.AST]]:
    """`self.attr[key] = value` and `self.attr.update(...)` in any method of `cls`, as
    (method, line, key, value); for an update the call stands in for both key and value."""
    out = []
    for method in cls.methods.values():
        args = method.args.args  # type: ignore[attr-defined]
        if not args:
            continue
        me = args[0].arg

        def is_attr(node: ast.AST) -> bool:
            return isinstance(node, ast.Attribute) and node.attr == attr and isinstance(node.value, ast.Name) \
                and node.value.id == me

        for stmt in iter_statements(method.body):  # type: ignore[attr-defined]
            if isinstance(stmt, ast.Assign):
                out += [(method, stmt.lineno, t.slice, stmt.value) for t in stmt.targets
                        if isinstance(t, ast.Subscript) and is_attr(t.value)]
            elif isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
                call = stmt.value
                if isinstance(call.func, ast.Attribute) and call.func.attr == "update" and is_attr(call.func.value):
                    out.append((method, stmt.lineno, call, call))
    return out


def _is_class_name(name: str) -> bool:
    """`GenerateContentConfig`, `HttpOptions`, `Config`: a constructor, whose keywords are its fields."""
    return name[:1].isupper() and not name.isupper()


def _own_returns(body: list[ast.stmt]) -> list[ast.Return]:
    """`return` statements of a function body, not of functions nested in it."""
    out, stack = [], list(body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Return):
            out.append(node)
        elif not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            stack.extend(child for child in ast.iter_child_nodes(node) if isinstance(child, ast.stmt)
                         or isinstance(child, ast.excepthandler) or type(child).__name__ == "match_case")
    return out


def unseen_setting(part: Located | None) -> Setting | None:
    """The record of a setting that may come from a part we cannot see: stated, value unknown."""
    if part is None:
        return None
    node, scope = part
    text = " ".join(scope.mod.segment(node).split())[:120] if node is not None else ""
    return Setting(value=None, expr=f"**{text}" if text and not text.startswith("**") else text or None,
                   source="unresolved")


def written_apart(node: ast.AST, scope: Scope, holders: list[tuple[ast.AST | None, Scope | None]]) -> str | None:
    """`path:line` of a literal value written outside the request and its client constructor (in a
    config object held in a variable, a dict built earlier), so that fixes and "why" can point at it."""
    line = getattr(node, "lineno", None)
    if line is None:
        return None
    for holder, where in holders:
        if holder is not None and where is not None and where.mod is scope.mod \
                and holder.lineno <= line <= (holder.end_lineno or holder.lineno):  # type: ignore[attr-defined]
            return None
    return f"{scope.mod.path}:{line}"
