"""Abstract evaluation of expressions: what a name, attribute or call *is* (a client, a constant…).

libcst's QualifiedNameProvider does not follow `client = OpenAI()`; this does: locals (nearest
assignment before the use), parameters (annotations and defaults), closures, `self.` attributes set
in any method, class attributes and settings classes, module globals, `os.getenv("X", "default")`,
and — through `Project` — constants, settings and client factories of other modules.
"""
from __future__ import annotations

import ast
import dataclasses
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from llmsight.analysis import enums, sdks, shaped_sites
from llmsight.analysis.modules import ClassInfo, FuncInfo, ModuleInfo, iter_statements

if TYPE_CHECKING:
    from llmsight.analysis.project import Project

MAX_DEPTH = 40
EVAL_STEPS = 50_000   # steps one outermost evaluation may take (a hostile file must not make it unbounded)
# characters a string (or items a sequence) built in the code may have to be followed: no URL or model name is
# longer, and `"/" * 10**11` or a doubling chain of constants must not be allocated
MAX_BUILT_LENGTH = 4_096


@dataclass(frozen=True)
class Scope:
    mod: ModuleInfo
    func: FuncInfo | None
    line: int

    @property
    def method(self) -> FuncInfo | None:
        """The method the scope is in, through nested functions (a closure in a method sees its `self`)."""
        func = self.func
        while func is not None and func.cls is None:
            func = func.parent
        return func


# ---- values ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Const:
    value: Any
    origin: str | None = None   # "path:line" of the definition, when not at the use
    how: str = "literal"        # literal | constant | env-default | default-arg | settings


@dataclass(frozen=True)
class Imported:
    qualname: str


@dataclass(frozen=True)
class Client:
    kind: sdks.ClientKind
    cls: str
    ctor: ast.Call | None = None
    ctor_scope: Scope | None = None
    options: tuple[tuple[ast.Call, Scope], ...] = ()     # with_options(...) / bind(...) calls, in order
    path: tuple[str, ...] = ()                           # attributes accessed on the client so far
    fallback: str = "none"
    fallback_models: tuple[str, ...] = ()
    model_from: tuple[ast.Call, Scope] | None = None      # call that fixed the model (chats.create…)
    # made somewhere we cannot see (a parameter typed as a client, a receiver inferred from the
    # request path): options it may carry are unknown, not absent
    made_elsewhere: bool = False


@dataclass(frozen=True)
class Instance:
    cls: ClassInfo
    mod: ModuleInfo
    ctor: tuple[ast.Call, Scope] | None = None  # `Chat(client=OpenAI())`: arguments `__init__` stores


@dataclass(frozen=True)
class ClassRef:
    cls: ClassInfo
    mod: ModuleInfo


@dataclass(frozen=True)
class FuncRef:
    node: ast.AST
    mod: ModuleInfo
    cls: ClassInfo | None = None
    qualname: str = ""


@dataclass(frozen=True)
class DictVal:
    node: ast.AST           # ast.Dict or ast.Call(dict, ...)
    scope: Scope
    name: str | None = None  # local variable it was bound to (for later `d["k"] = v`)


@dataclass(frozen=True)
class ListVal:
    node: ast.AST
    scope: Scope


Value = Const | Imported | Client | Instance | ClassRef | FuncRef | DictVal | ListVal | None

_ENV_GETTERS = {"os.getenv", "os.environ.get", "os.environ.setdefault", "environ.get"}
# environment readers of configuration libraries: the position of the default when passed positionally
# (None: only as `default=`, the second being a cast); an instance of a reader class is `<class>()`
ENV_READERS = {"decouple.config": 1, "decouple.AutoConfig()": 1, "decouple.Config()": 1, "environs.Env()": 1,
               "environs.Env().str": 1, "environ.Env()": None, "environ.Env().str": 1, "starlette.config.Config()": None}
_ENV_READER_CLASSES = {q[:-2] for q in ENV_READERS if q.endswith("()")}
_MAX_SUBCLASS_FILES = 8    # subclass files read for a `self.x` only subclasses bind
_FIELD_FUNCS = {"Field", "field", "pydantic.Field", "dataclasses.field", "Param", "attr.ib", "attrs.field"}


def is_env_read(qualname: str) -> bool:
    """`os.getenv`, `os.environ.get` (and `.setdefault`) or a configuration library's reader (ENV_READERS)."""
    return qualname in _ENV_GETTERS or qualname in ENV_READERS or qualname == "getenv" \
        or qualname.endswith((".getenv", "environ.get"))


def env_read_default(qualname: str, call: ast.Call) -> ast.AST | None:
    """The default an environment read passes (`os.getenv("M", d)`, `config("M", default=d)`); None when
    it passes none or the call is no environment read."""
    if not is_env_read(qualname):
        return None
    pos = ENV_READERS.get(qualname, 1)
    if pos is not None and len(call.args) > pos:
        return call.args[pos]
    return next((kw.value for kw in call.keywords if kw.arg == "default"), None)


def built_length(a, b, repeat: bool = False) -> int:
    """The length of `a + b` (`a * b` with `repeat`) for strings and sequences, before building it; 0 for numbers."""
    if repeat:
        seq, times = (a, b) if isinstance(b, int) else (b, a)
        return len(seq) * times if isinstance(seq, (str, bytes, tuple, list)) and isinstance(times, int) else 0
    return sum(len(x) for x in (a, b) if isinstance(x, (str, bytes, tuple, list)))


def model_keyword(keywords: list[ast.keyword], names: tuple[str, ...]) -> ast.keyword | None:
    """The keyword of a construction that names its model, by the order of `names` rather than the call's:
    a `model_name=` beside an Azure `deployment_name=` names the model that deployment serves."""
    return min((kw for kw in keywords if kw.arg is not None and kw.arg in names), key=lambda kw: names.index(kw.arg),
               default=None)


@dataclass
class Evaluator:
    project: "Project"
    deps: set[str] = field(default_factory=set)
    _stack: set = field(default_factory=set)
    # functions being evaluated for what they return, with the call that passed their arguments
    _calls: dict[int, tuple[ast.Call, Scope]] = field(default_factory=dict)
    _budget: int | None = None   # evaluations left inside `bounded()`; None: unbounded
    # what an expression evaluated to, per node, scope, depth and context (the subclass and call being
    # evaluated for): a value read many times (`self.b = self.a or self.a`, assigned again and again,
    # chained) is evaluated once, not once per path to it; with the files it read, and the objects its key
    # names by id pinned.
    _memo: dict[tuple, tuple] = field(default_factory=dict)
    _cuts: int = 0   # evaluations cut short (a cycle or an exhausted budget): what they gave is not memoized
    _steps: int | None = None   # evaluations left for the outermost `eval` in progress; None: none running
    _subclass_clients: dict[tuple[int, str], Any] = field(default_factory=dict)
    # the class whose instance an inherited `self.x` is read for: `self.create_client()` in the base's
    # `__init__` runs that class's override
    _concrete: tuple[ClassInfo, ModuleInfo] | None = None
    # each `__init__`'s `super().__init__(…)` calls (in `ast.walk` order), looked for once, not per attribute read
    _super_inits: dict[ast.AST, list[ast.Call]] = field(default_factory=dict)

    @contextmanager
    def bounded(self, steps: int):
        """Evaluations that give up (None: unknown) after `steps` steps. For callers that ask about many
        expressions they do not need (model resolution probing callers' arguments): one deep project must
        not cost the whole scan."""
        saved = self._budget
        start = self._budget = steps if saved is None else min(saved, steps)
        try:
            yield
        finally:
            self._budget = None if saved is None else saved - (start - self._budget)

    # ---- scopes ----------------------------------------------------------------------------------
    def scope_for(self, mod: ModuleInfo, funcs: list[FuncInfo], line: int) -> Scope:
        return Scope(mod, funcs[-1] if funcs else None, line)

    def method_scope(self, mod: ModuleInfo, cls: ClassInfo, method: ast.AST, line: int) -> Scope:
        fi = mod.func_info(method, f"{cls.node.name}.{method.name}", None, cls)  # type: ignore[attr-defined]
        return Scope(mod, fi, line)

    # ---- entry -----------------------------------------------------------------------------------
    def eval(self, node: ast.AST | None, scope: Scope, depth: int = 0) -> Value:
        if self._steps is not None:
            return self._step(node, scope, depth)
        self._steps = EVAL_STEPS   # an outermost evaluation, with its own steps
        try:
            v = self._step(node, scope, depth)
            return v if self._steps >= 0 else None   # out of steps: unknown, never a partial answer
        finally:
            self._steps = None

    def _step(self, node: ast.AST | None, scope: Scope, depth: int) -> Value:
        if node is None or depth > MAX_DEPTH:
            return None
        if self._budget is not None:
            if self._budget <= 0:
                self._cuts += 1
                return None
            self._budget -= 1
        if self._steps <= 0:
            self._steps, self._cuts = -1, self._cuts + 1
            return None
        self._steps -= 1
        key = (id(node), id(scope.func), scope.line)
        if key in self._stack:
            self._cuts += 1
            return None
        concrete = self._concrete
        memo_key = (key, depth, id(concrete[0]) if concrete else None,
                    tuple((f, id(call[0])) for f, call in self._calls.items()))
        known = self._memo.get(memo_key)
        if known is not None:
            self.deps.update(known[1])   # the files it read are read again (callers record them per site)
            return known[0]
        cuts, outer, self.deps = self._cuts, self.deps, set()
        self._stack.add(key)
        try:
            v = self._eval(node, scope, depth + 1)
        finally:
            self._stack.discard(key)
            read, self.deps = self.deps, outer
            outer.update(read)
        if self._cuts == cuts:
            self._memo[memo_key] = (v, read, node, scope.func, concrete, tuple(self._calls.values()))
        return v

    def _eval(self, node: ast.AST, scope: Scope, depth: int) -> Value:
        if isinstance(node, (ast.Attribute, ast.Subscript, ast.Call)):
            held = enums.single_value(self, node, scope, depth)   # enum members, `str` wrappers around them
            if held is not enums.NOT_HANDLED:
                return held
        if isinstance(node, ast.Constant):
            return Const(node.value)
        if isinstance(node, ast.Name):
            return self.lookup(node.id, scope, depth)
        if isinstance(node, ast.Attribute):
            return self.attribute(self.eval(node.value, scope, depth), node.attr, node, scope, depth)
        if isinstance(node, ast.Call):
            return self.call(node, scope, depth)
        if isinstance(node, ast.Await):
            return self.eval(node.value, scope, depth)
        if isinstance(node, ast.Dict):
            return DictVal(node, scope)
        if isinstance(node, (ast.List, ast.Tuple)):
            return ListVal(node, scope)
        if isinstance(node, ast.BoolOp):
            # `os.getenv("MODEL") or "gpt-4o"`: the literal alternative is what runs by default
            vals = [self.eval(v, scope, depth) for v in node.values]
            for v in reversed(vals):
                if v is not None and not (isinstance(v, Const) and v.value in (None, "")):
                    if isinstance(v, Const) and isinstance(node.op, ast.Or) and v is not vals[0]:
                        return Const(v.value, v.origin, "env-default" if v.how == "literal" else v.how)
                    return v
            return None
        if isinstance(node, ast.IfExp):
            test = self.eval(node.test, scope, depth)
            if isinstance(test, Const):  # `AsyncOpenAI if use_async else OpenAI` with the flag known
                return self.eval(node.body if test.value else node.orelse, scope, depth)
            a = self.eval(node.body, scope, depth)
            return a if a is not None else self.eval(node.orelse, scope, depth)
        if isinstance(node, ast.BinOp):
            if isinstance(node.op, ast.BitOr):
                # LangChain `prompt | llm | parser`: the chain runs the model it contains
                for side in (node.left, node.right):
                    v = self.eval(side, scope, depth)
                    if isinstance(v, Client) and v.kind.sdk == "langchain":
                        return v
                return self._inferred_pipe_model(node, scope)
            if isinstance(node.op, ast.Mult):
                left, right = self.eval(node.left, scope, depth), self.eval(node.right, scope, depth)
                if isinstance(left, Const) and isinstance(right, Const) and built_length(left.value, right.value, True) \
                        <= MAX_BUILT_LENGTH:
                    try:
                        return Const(left.value * right.value, left.origin or right.origin, "constant")
                    except TypeError:
                        return None
            if isinstance(node.op, ast.Add):
                left, right = self.eval(node.left, scope, depth), self.eval(node.right, scope, depth)
                if isinstance(left, Const) and isinstance(right, Const) and built_length(left.value, right.value) \
                        <= MAX_BUILT_LENGTH:
                    try:
                        return Const(left.value + right.value, left.origin or right.origin, "constant")
                    except TypeError:
                        return None
            return None
        if isinstance(node, ast.Subscript):
            return self.subscript(node, scope, depth)
        if isinstance(node, ast.JoinedStr):
            return None
        if isinstance(node, ast.NamedExpr):
            return self.eval(node.value, scope, depth)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            v = self.eval(node.operand, scope, depth)
            if isinstance(v, Const) and isinstance(v.value, (int, float)):
                return Const(-v.value, v.origin, v.how)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            v = self.eval(node.operand, scope, depth)
            return Const(not v.value, v.origin, v.how) if isinstance(v, Const) else None
        if isinstance(node, ast.Compare) and len(node.ops) == 1 and isinstance(node.ops[0], (ast.In, ast.NotIn)):
            return self._string_test(node, scope, depth)   # `"groq/" in model` with the model known
        if isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in _COMPARISONS:
            # `mode == "async"` with both sides known: which branch a factory takes
            left, right = self.eval(node.left, scope, depth), self.eval(node.comparators[0], scope, depth)
            if isinstance(left, Const) and isinstance(right, Const):
                return Const(_COMPARISONS[type(node.ops[0])](left.value, right.value), left.origin or right.origin, left.how)
        return None

    # ---- names -----------------------------------------------------------------------------------
    def _inferred_pipe_model(self, node: ast.BinOp, scope: Scope) -> Value:
        """`prompt | self.llm_model | parser` in a file importing LangChain, the model injected from
        elsewhere (a config dict, a parameter): a chain whose operand is named like a model runs one."""
        if not any(q.startswith(sdks.LANGCHAIN_IMPORT_PREFIX) for q in scope.mod.imports.values()):
            return None
        operands, stack = [], [node]
        while stack:
            n = stack.pop()
            if isinstance(n, ast.BinOp) and isinstance(n.op, ast.BitOr):
                stack += [n.left, n.right]
            else:
                operands.append(n)
        for operand in operands:
            name = operand.attr if isinstance(operand, ast.Attribute) else operand.id if isinstance(operand, ast.Name) else ""
            if any(word in name.lower() for word in sdks.LANGCHAIN_RECEIVER_WORDS):
                return Client(sdks.LANGCHAIN_CHAT, "langchain (inferred)", made_elsewhere=True)
        return None

    def lookup(self, name: str, scope: Scope, depth: int) -> Value:
        func = scope.func
        while func is not None:
            found = self._from_bindings(func.bindings.get(name), scope.mod, func, scope.line, depth, name)
            if found is not _MISSING:
                return found  # type: ignore[return-value]
            if name in func.params:
                if func.cls is not None and _is_classmethod_cls(func.node, name):
                    return ClassRef(func.cls, scope.mod)
                if id(func.node) in self._calls:
                    v = self._call_argument(func, name, depth)
                    if v is not _MISSING:
                        return v
                return self._param(name, func, scope.mod, depth)
            func = func.parent
        return self.module_name(name, scope.mod, depth, scope.line if scope.func is None else None)

    def module_name(self, name: str, mod: ModuleInfo, depth: int, line: int | None = None) -> Value:
        found = self._from_bindings(mod.bindings.get(name), mod, None, line if line is not None else 10**9, depth, name)
        if found is not _MISSING and not (name in mod.imports and not isinstance(found, (Client, Imported))):
            return found  # type: ignore[return-value]
        # `try: import litellm / except ImportError: litellm = None`: where the call runs, it is the module
        if name in mod.imports:
            return self.imported(mod.imports[name], depth)
        return None

    def _from_bindings(self, bindings, mod: ModuleInfo, func: FuncInfo | None, line: int, depth: int, name: str):
        if not bindings:
            return _MISSING
        before = [b for b in bindings if b[0] <= line]
        if len(before) > 1:  # `if p == "openai": llm = ChatOpenAI() elif …`: a branch we can resolve wins
            found = self._from_bindings(before[-1:], mod, func, line, depth, name)
            # …unless it is a client made in a branch the known model does not take (`if "gpt" in model:`)
            if found is not None and found is not _MISSING and not (
                    isinstance(found, Client) and self.branch_not_taken(func, mod, before[-1][1], depth)):
                return found
            for b in reversed(before[-12:-1]):
                v = self._from_bindings([b], mod, func, line, depth, name)
                if isinstance(v, Client) and not (isinstance(found, Client) and self.branch_not_taken(func, mod, b[1], depth)):
                    return v
            return found
        b_line, value, how = (before or bindings)[-1]
        if how in ("for", "unpack", "augassign"):
            return None
        if how == "annotation":
            return self._from_annotation(value, Scope(mod, func, b_line), depth)
        if how == "def":
            if isinstance(value, ast.ClassDef):
                return ClassRef(mod.classes.get(value.name) or ClassInfo.build(value), mod)
            return FuncRef(value, mod, None, value.name)  # type: ignore[attr-defined]
        v = self.eval(value, Scope(mod, func, b_line), depth)
        if isinstance(v, Const) and v.how == "literal":
            return Const(v.value, f"{mod.path}:{b_line}", "constant")
        if isinstance(v, DictVal) and v.name is None and func is not None:
            return DictVal(v.node, v.scope, name)
        return v

    def _param(self, name: str, func: FuncInfo, mod: ModuleInfo, depth: int) -> Value:
        annotation, default = func.params[name]
        scope = Scope(mod, func.parent, getattr(func.node, "lineno", 0))
        if annotation is not None:
            v = self._from_annotation(annotation, scope, depth)
            if v is not None:
                return v
        stated = None
        if default is not None:
            v = self.eval(default, scope, depth)
            if v is not None and not isinstance(v, Const):
                return v
            if isinstance(v, Const):
                stated = Const(v.value, v.origin or f"{mod.path}:{default.lineno}", "default-arg")
                if v.value is not None:
                    return stated
        return self._guarded_client(name, func, mod, depth) or stated

    def _guarded_client(self, name: str, func: FuncInfo, mod: ModuleInfo, depth: int) -> Client | None:
        """The SDK client a parameter must be, by the function's own check (`if not isinstance(gen,
        (OpenAIGenerator, AzureOpenAIGenerator)): raise …`, `assert isinstance(emb, OpenAITextEmbedder)`): the
        first class named that is one, read where the check is (its classes may be imported just before)."""
        guard = _isinstance_guard(func.node, name)
        if guard is None:
            return None
        types, line = guard
        inner = Scope(mod, func, line)
        return next((v for t in types if isinstance(v := self._from_annotation(t, inner, depth), Client)), None)

    def _from_annotation(self, annotation: ast.AST, scope: Scope, depth: int) -> Value:
        """`client: OpenAI` / `llm: BaseChatModel | None` → an instance of that client kind."""
        if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
            try:
                annotation = ast.parse(annotation.value, mode="eval").body
            except SyntaxError:
                return None
        if isinstance(annotation, ast.BinOp) and isinstance(annotation.op, ast.BitOr):
            return self._from_annotation(annotation.left, scope, depth) or self._from_annotation(annotation.right, scope, depth)
        if isinstance(annotation, ast.Subscript):  # Optional[OpenAI]
            return self._from_annotation(annotation.slice, scope, depth)
        v = self.eval(annotation, scope, depth)
        if isinstance(v, Imported):
            kind = self.client_class(v.qualname) or shaped_sites.annotation_kind(v.qualname)
            if kind is not None:
                return Client(kind, v.qualname, made_elsewhere=True)
            if v.qualname in _FACTORY_OWNERS:   # `session: boto3.Session`: its `.client("bedrock-runtime")` makes one
                return v
        if isinstance(v, ClassRef):
            return Instance(v.cls, v.mod)
        return None

    def imported(self, qualname: str, depth: int) -> Value:
        """A name bound by import: SDK symbols stay symbolic; project symbols are followed."""
        if qualname in self._stack or depth > MAX_DEPTH:  # import cycles (`from . import x` both ways)
            return Imported(qualname)
        self._stack.add(qualname)
        try:
            return self._imported(qualname, depth + 1)
        finally:
            self._stack.discard(qualname)

    def _imported(self, qualname: str, depth: int) -> Value:
        resolved = self.project.resolve_symbol(qualname)
        if resolved is None:
            return Imported(qualname)
        mod, name = resolved
        self.deps.add(mod.path)
        if name is None:
            return Imported(qualname)  # a project module itself; attributes resolve through it
        v = self.module_name(name, mod, depth)
        return v if v is not None else Imported(qualname)

    # ---- attributes ------------------------------------------------------------------------------
    def attribute(self, base: Value, attr: str, node: ast.Attribute, scope: Scope, depth: int) -> Value:
        if base is None and isinstance(node.value, ast.Name) and scope.func is not None:
            # self.x inside a method whose first parameter names the instance, or in a function nested in
            # it (`def _sync_request(): self._client().chat(…)` run in a thread)
            method = _enclosing_method(scope.func, node.value.id)
            if method is not None:
                concrete = self._concrete
                if concrete is not None and concrete[0] is not method.cls and attr in concrete[0].methods \
                        and self._derives(*concrete, method.cls, depth):
                    return FuncRef(concrete[0].methods[attr], concrete[1], concrete[0], f"{concrete[0].node.name}.{attr}")
                return self.instance_attr(method.cls, scope.mod, attr, depth)
        if attr == "value" and isinstance(node.value, ast.Attribute):  # Enum.MEMBER.value: what MEMBER is set to
            owner = self.eval(node.value.value, scope, depth)
            if isinstance(owner, ClassRef) and _is_enum(owner.cls):
                return self.class_attr(owner.cls, owner.mod, node.value.attr, depth)
        if isinstance(base, Imported):
            q = f"{base.qualname}.{attr}"
            resolved = self.project.resolve_symbol(q)
            if resolved is not None and resolved[1] is not None:
                self.deps.add(resolved[0].path)
                v = self.module_name(resolved[1], resolved[0], depth)
                if v is not None:
                    return v
            written = self._set_on_import(node, scope, depth)
            return written if written is not None else Imported(q)
        if isinstance(base, Client):
            return dataclasses.replace(base, path=base.path + (attr,))
        if isinstance(base, Instance):
            v = self.instance_attr(base.cls, base.mod, attr, depth, base.ctor)
            if v is None and "__getattr__" in base.cls.methods:
                proxied = self._proxied(base, depth)
                return self.attribute(proxied, attr, node, scope, depth) if proxied is not None else None
            return v
        if isinstance(base, ClassRef):
            return self.class_attr(base.cls, base.mod, attr, depth)
        if isinstance(base, DictVal):
            return None
        return None

    def _set_on_import(self, node: ast.Attribute, scope: Scope, depth: int) -> Value:
        """`Settings.llm` after the module set `Settings.llm = OpenAI(…)` on the imported object (a library's
        global settings): the last such module-level write before the read, any for a read in a function
        (it runs after the module's statements). None when the module writes none."""
        if not isinstance(node.value, ast.Name):
            return None
        before = scope.line if scope.func is None else 10**9
        writes = [(line, value) for line, key, value in scope.mod.subscripts.get(node.value.id, ())
                  if isinstance(key, ast.Constant) and key.value == node.attr and line < before]
        return self.eval(writes[-1][1], Scope(scope.mod, None, writes[-1][0]), depth) if writes else None

    def _proxied(self, inst: Instance, depth: int) -> Value:
        """What a lazy-import proxy stands for: an instance of a class whose `__getattr__` returns
        `getattr(<target>, name)`, the target a module the class imports (`importlib.import_module(
        "litellm")` on first use) or a client it builds, else the SDK module its constructor names
        (`LazyModule("openai")`)."""
        method = inst.cls.methods["__getattr__"]
        for sub in iter_statements(method.body):  # type: ignore[attr-defined]
            value = sub.value if isinstance(sub, ast.Return) else None
            if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == "getattr" \
                    and len(value.args) >= 2:
                target = self.eval(value.args[0], self.method_scope(inst.mod, inst.cls, method, sub.lineno), depth + 1)
                if isinstance(target, (Imported, Client)):
                    return target
        if inst.ctor is not None and inst.ctor[0].args:
            name = self.eval(inst.ctor[0].args[0], inst.ctor[1], depth + 1)
            if isinstance(name, Const) and isinstance(name.value, str) and \
                    name.value.split(".", 1)[0] in sdks.SDK_ROOT_PACKAGES:
                return Imported(name.value)
        return None

    def instance_attr(self, cls: ClassInfo, mod: ModuleInfo, attr: str, depth: int,
                      ctor: tuple[ast.Call, Scope] | None = None) -> Value:
        """`self.attr`: assignments in `__init__` first (what every instance has), then other methods,
        then base classes; a client wins over other values (`self.client = client or OpenAI()`)."""
        assigns = cls.self_attrs.get(attr)
        if assigns:
            ordered = sorted(assigns, key=lambda a: (getattr(a[2], "name", "") != "__init__", a[0]))
            first: Value = None
            for line, value, method in ordered:
                mscope = self.method_scope(mod, cls, method, line)
                v = self.eval(value, mscope, depth)
                if v is None and ctor is not None and isinstance(value, ast.Name):
                    v = self._ctor_argument(method, value.id, ctor, depth)
                if isinstance(v, Const) and v.how == "literal":
                    v = Const(v.value, f"{mod.path}:{line}", "constant")
                # a client made in a branch the known values do not take is not the one sent
                if isinstance(v, Client) and not (len(assigns) > 1 and self._not_taken(
                        method.body, value, mscope.func, mod, depth, strings=True)):  # type: ignore[arg-type]
                    return v
                if first is None:
                    first = v
            if first is not None or attr not in cls.attrs:
                found = first if first is not None else self._inherited_attr(cls, mod, attr, depth)
                factories = _self_methods_called(assigns, cls) if found is None and ctor is None else frozenset()
                # `self.client = self.create_client()` that only subclasses' overrides make: theirs
                if factories:
                    return self._subclass_client(cls, mod, attr, depth, factories)
                # `self.llm = None` in a base class, the client each subclass sets: theirs
                if isinstance(found, Const) and found.value is None and ctor is None:
                    return self._subclass_client(cls, mod, attr, depth) or found
                return found
        v = self.class_attr(cls, mod, attr, depth)
        if v is None or isinstance(v, Const) and v.value is None:   # a field declared `runtime: Any` (= None)
            v = self._handed_to_base(cls, mod, attr, depth) or v
        if v is None and attr in cls.methods:
            v = FuncRef(cls.methods[attr], mod, cls, f"{cls.node.name}.{attr}")
        if isinstance(v, FuncRef) and shaped_sites.is_property(v.node):  # `self.client` a @property returns
            return self._returns(v, depth + 1)
        if isinstance(v, FuncRef):
            return v
        if v is None:
            v = self._inherited_attr(cls, mod, attr, depth, ctor)
        return v if v is not None or ctor is not None else self._subclass_client(cls, mod, attr, depth)

    def _handed_to_base(self, cls: ClassInfo, mod: ModuleInfo, attr: str, depth: int) -> Client | None:
        """A field that the `__init__` of the class or of a base sets by handing it to its own base
        (`super().__init__(runtime=runtime_client or boto3.client("bedrock-runtime"))`: how a pydantic
        model sets a field it declares `runtime: Any`): the client that value is. Only a client: a model
        handed on so is model resolution's to follow."""
        if depth > MAX_DEPTH:
            return None
        init = cls.methods.get("__init__")
        for call in self._super_init_calls(init) if init is not None else ():
            value = next((kw.value for kw in call.keywords if kw.arg == attr), None)   # type: ignore[attr-defined]
            v = self.eval(value, self.method_scope(mod, cls, init, call.lineno), depth + 1) if value is not None else None
            if isinstance(v, Client):
                return v
        for base in cls.node.bases:
            b = self.eval(base, Scope(mod, None, cls.node.lineno), depth + 1)
            if isinstance(b, ClassRef) and b.cls is not cls:
                found = self._handed_to_base(b.cls, b.mod, attr, depth + 1)
                if found is not None:
                    return found
        return None

    def _super_init_calls(self, init: ast.AST) -> list[ast.Call]:
        found = self._super_inits.get(init)
        if found is None:
            found = self._super_inits[init] = [n for n in ast.walk(init) if _super_init(n)]  # type: ignore[misc]
        return found

    def _subclass_client(self, cls: ClassInfo, mod: ModuleInfo, attr: str, depth: int,
                         factories: frozenset[str] = frozenset()) -> Value:
        """`self.client` that only subclasses bind (a base class's method runs on their instances): the
        SDK client a subclass in the package sets it to, or makes through its override of one of the
        `factories` the class's own assignment calls. Only a client: any other value stays unknown."""
        if depth > (MAX_DEPTH // 2 if factories else 1) or self._concrete is not None:
            return None
        key = (id(cls.node), attr)
        if key in self._subclass_clients:
            self._cuts += self._subclass_clients[key] is None   # a cycle, or known to be unknown
            return self._subclass_clients[key]
        self._subclass_clients[key] = None   # a cycle through the subclasses reads as unknown
        from llmsight.analysis.model_resolution import subclass_files

        found: Value = None
        for path in subclass_files(self, mod, cls.node.name)[:_MAX_SUBCLASS_FILES]:
            smod = self.project.load(path)
            for sub in (smod.classes.values() if smod is not None else ()):
                if sub.node is cls.node or (attr not in sub.self_attrs and factories.isdisjoint(sub.methods)):
                    continue
                bases = [self.eval(b, Scope(smod, None, sub.node.lineno), depth + 1) for b in sub.node.bases]
                if not any(isinstance(b, ClassRef) and b.cls.node is cls.node for b in bases):
                    continue
                self.deps.add(smod.path)   # the cached result of the base class's file depends on it
                if attr in sub.self_attrs:
                    v = self.instance_attr(sub, smod, attr, depth + 1)
                else:
                    self._concrete = (sub, smod)
                    try:
                        v = self.instance_attr(cls, mod, attr, depth + 1)
                    finally:
                        self._concrete = None
                if isinstance(v, Client):
                    found = v
                    break
            if found is not None:
                break
        self._subclass_clients[key] = found
        return found

    def _ctor_argument(self, method: ast.AST, param: str, ctor: tuple[ast.Call, Scope], depth: int) -> Value:
        """`self.client = client` in `__init__(self, client)`, for an instance made by `Chat(OpenAI())`."""
        if getattr(method, "name", "") != "__init__":
            return None
        call, scope = ctor
        names = [a.arg for a in method.args.posonlyargs + method.args.args][1:]  # type: ignore[attr-defined]
        for kw in call.keywords:
            if kw.arg == param:
                return self.eval(kw.value, scope, depth)
        if param in names and names.index(param) < len(call.args):
            arg = call.args[names.index(param)]
            return None if isinstance(arg, ast.Starred) else self.eval(arg, scope, depth)
        return None

    def _inherited_attr(self, cls: ClassInfo, mod: ModuleInfo, attr: str, depth: int,
                        ctor: tuple[ast.Call, Scope] | None = None,
                        super_init: tuple[ast.Call, Scope] | None = None) -> Value:
        """`self.client` set in a base class's `__init__` (project classes), or an attribute of the SDK
        client a class derives from (`class ImageToText(ChatOpenAI)`: `self.invoke` is its request). An
        instance built by `ctor` of a class that keeps the SDK class's construction (no `__init__`, no
        class-level fields of its own) is a client made by that call (`Tuned(model_name=m)`: the model
        and options it binds are the client's). A class whose own `__init__` hands the SDK class its
        arguments (`super().__init__(model=model, **kwargs)`) fixes the model by that call, the nearest
        such to the SDK class (its other options stay unknown: the instance is made elsewhere)."""
        if depth > MAX_DEPTH:
            return None
        if "__init__" in cls.methods or any(how != "def" for found in cls.attrs.values() for *_b, how in found):
            ctor = None
        init = cls.methods.get("__init__")
        if init is not None:   # an `__init__` that does not hand its arguments on hides its subclasses' call
            handed = next(iter(self._super_init_calls(init)), None)
            super_init = (handed, self.method_scope(mod, cls, init, handed.lineno)) if handed is not None else None
        for base in cls.node.bases:
            b = self.eval(base, Scope(mod, None, cls.node.lineno), depth + 1)
            if isinstance(b, ClassRef) and b.cls is not cls:
                outer, self._concrete = self._concrete, self._concrete or (cls, mod)
                try:
                    v = self.instance_attr(b.cls, b.mod, attr, depth + 1) if attr in b.cls.self_attrs \
                        else self._inherited_attr(b.cls, b.mod, attr, depth + 1, ctor, super_init)
                finally:
                    self._concrete = outer
                if v is not None:
                    return v
            kind = self.client_class(b.qualname) if isinstance(b, Imported) else None
            if kind is not None:
                return Client(kind, b.qualname, *ctor, path=(attr,)) if ctor is not None else \
                    Client(kind, b.qualname, made_elsewhere=True, path=(attr,), model_from=super_init)
        return None

    def _derives(self, cls: ClassInfo, mod: ModuleInfo, base: ClassInfo, depth: int) -> bool:
        """`cls` is `base` or a project subclass of it."""
        if cls is base:
            return True
        if depth > MAX_DEPTH:
            return False
        for node in cls.node.bases:
            b = self.eval(node, Scope(mod, None, cls.node.lineno), depth + 1)
            if isinstance(b, ClassRef) and b.cls is not cls and self._derives(b.cls, b.mod, base, depth + 1):
                return True
        return False

    def class_attr(self, cls: ClassInfo, mod: ModuleInfo, attr: str, depth: int) -> Value:
        bindings = cls.attrs.get(attr)
        if bindings:
            line, value, how = bindings[-1]
            scope = Scope(mod, None, line)
            if how == "annotation":
                return self._from_annotation(value, scope, depth)
            if how == "def":
                return FuncRef(value, mod, cls, f"{cls.node.name}.{attr}")
            v = self.eval(value, scope, depth)
            if isinstance(v, Const):
                return Const(v.value, f"{mod.path}:{line}", "settings" if v.how == "literal" else v.how)
            if v is None and how == "annassign":   # `client: ClientV2 = field(kw_only=True)`: the client it is typed
                typed = next((self._from_annotation(s.annotation, scope, depth) for s in cls.node.body
                              if isinstance(s, ast.AnnAssign) and s.lineno == line), None)
                return typed if isinstance(typed, Client) else None
            return v
        for base in cls.node.bases:
            b = self.eval(base, Scope(mod, None, cls.node.lineno), depth)
            if isinstance(b, ClassRef) and b.cls is not cls:
                v = self.class_attr(b.cls, b.mod, attr, depth)
                if v is not None:
                    return v
        return None

    def subscript(self, node: ast.Subscript, scope: Scope, depth: int) -> Value:
        base = self.eval(node.value, scope, depth)
        key = self.eval(node.slice, scope, depth)
        if isinstance(base, DictVal) and isinstance(key, Const):
            item = self.dict_item(base, key.value, depth)
            if item is not None:
                return self.eval(item[0], item[1], depth)
        if isinstance(base, ListVal) and isinstance(key, Const) and isinstance(key.value, int):
            elts = getattr(base.node, "elts", [])
            if -len(elts) <= key.value < len(elts):
                return self.eval(elts[key.value], base.scope, depth)
        if isinstance(base, Imported) and self.client_class(base.qualname) is not None:
            return base   # a generic client class given its type parameters (`Agent[Context](…)`) is the class
        return None

    # ---- dicts -----------------------------------------------------------------------------------
    def dict_items(self, d: DictVal, depth: int = 0) -> dict[str, tuple[ast.AST, Scope]]:
        """Literal keys of a dict value, including later `d["k"] = v` / `d.update(...)` in its function."""
        out: dict[str, tuple[ast.AST, Scope]] = {}
        node = d.node
        if isinstance(node, ast.Dict):
            for k, v in zip(node.keys, node.values):
                if k is None:  # {**other}
                    inner = self.eval(v, d.scope, depth + 1)
                    if isinstance(inner, DictVal):
                        out.update(self.dict_items(inner, depth + 1))
                    continue
                kv = self.eval(k, d.scope, depth + 1)
                if isinstance(kv, Const) and isinstance(kv.value, str):
                    out[kv.value] = (v, d.scope)
        elif isinstance(node, ast.Call):
            for kw in node.keywords:
                if kw.arg:
                    out[kw.arg] = (kw.value, d.scope)
                else:
                    inner = self.eval(kw.value, d.scope, depth + 1)
                    if isinstance(inner, DictVal):
                        out.update(self.dict_items(inner, depth + 1))
        func = d.scope.func
        if d.name and func is not None:
            for line, key, value in func.subscripts.get(d.name, ()):
                if isinstance(key, ast.Call):  # d.update(...)
                    for kw in key.keywords:
                        if kw.arg:
                            out[kw.arg] = (kw.value, Scope(d.scope.mod, func, line))
                    for arg in key.args:
                        inner = self.eval(arg, Scope(d.scope.mod, func, line), depth + 1)
                        if isinstance(inner, DictVal):
                            out.update(self.dict_items(inner, depth + 1))
                    continue
                kv = self.eval(key, Scope(d.scope.mod, func, line), depth + 1)
                if isinstance(kv, Const) and isinstance(kv.value, str):
                    out[kv.value] = (value, Scope(d.scope.mod, func, line))
        return out

    def dict_item(self, d: DictVal, key: Any, depth: int = 0) -> tuple[ast.AST, Scope] | None:
        return self.dict_items(d, depth).get(key) if isinstance(key, str) else None

    # ---- calls -----------------------------------------------------------------------------------
    def client_class(self, qualname: str) -> sdks.ClientKind | None:
        kind = sdks.CLIENT_CLASSES.get(qualname)
        if kind is not None:
            return kind
        root, _, last = qualname.partition(".")
        simple = qualname.rsplit(".", 1)[-1]
        if root.startswith("langchain") or root in ("langchain",):
            if simple in sdks.LANGCHAIN_CHAT_CLASSES or simple.startswith("Chat") and simple[4:5].isupper():
                return sdks.LANGCHAIN_CHAT  # every LangChain integration names its chat model Chat<Provider>
            if simple in sdks.LANGCHAIN_EMBEDDING_CLASSES:
                return sdks.LANGCHAIN_EMBEDDINGS
        # `from openai.lib.azure import AzureOpenAI`, `anthropic._client.Anthropic`…
        return _CLASSES_BY_PACKAGE.get((root, simple))

    def call(self, node: ast.Call, scope: Scope, depth: int) -> Value:
        func = self.eval(node.func, scope, depth)
        if isinstance(func, Imported):
            q = func.qualname
            if is_env_read(q):
                default = env_read_default(q, node)
                d = self.eval(default, scope, depth) if default is not None else None
                if isinstance(d, Const):
                    return Const(d.value, d.origin or f"{scope.mod.path}:{node.lineno}", "env-default")
                return None
            if q in _ENV_READER_CLASSES:   # `env = Env()`: its calls and `.str(…)` read the environment
                return Imported(q + "()")
            kind = self.client_class(q)
            if kind is not None:
                return Client(kind, q, node, scope)
            if q in sdks.INSTRUCTOR_FACTORIES:
                return shaped_sites.instructed_client(self, q, node, scope, depth)
            factory = sdks.CLIENT_FACTORIES.get(q)
            if factory is not None:
                return self._factory(factory, q, node, scope, depth)
            if q.rsplit(".", 1)[-1] in _FIELD_FUNCS or q in _FIELD_FUNCS:
                return self._field_default(node, scope, depth)
            if _runs_a_chain(q):
                return self._chain_model(node, scope, depth)
            if q in _FACTORY_OWNERS:  # boto3.Session(...): its `.client("bedrock-runtime")` is a factory
                return Imported(q)
            if _is_import_helper(q):  # importlib.import_module("anthropic")
                return self._module_named_by(node, scope, depth)
            if q in shaped_sites.CASTS and node.args:  # `cast(BaseLanguageModel, llm)`: what the type says
                return self._from_annotation(node.args[0], scope, depth) or (
                    self.eval(node.args[1], scope, depth) if len(node.args) > 1 else None)
            if q in ("json.dumps", "json.loads", "str", "dict.copy"):
                return self.eval(node.args[0], scope, depth) if node.args else None
            if q in ("dict",):
                return DictVal(node, scope)
            return None
        if isinstance(func, Client):
            return self._client_call(func, node, scope, depth)
        if isinstance(func, ClassRef):
            return Instance(func.cls, func.mod, (node, scope))
        if isinstance(func, FuncRef):
            if _is_import_helper(func.qualname or ""):  # a project's require_dependency("anthropic")
                found = self._module_named_by(node, scope, depth)
                if found is not None:
                    return found
            return self._returns(func, depth, (node, scope))
        if func is None and isinstance(node.func, ast.Name):
            if node.func.id == "__import__":  # ollama = __import__("ollama")
                found = self._module_named_by(node, scope, depth)
                if found is not None:
                    return found
            if node.func.id == "dict":
                return DictVal(node, scope)
            if node.func.id in ("str", "int", "float") and node.args:
                return self.eval(node.args[0], scope, depth)
        if func is None and isinstance(node.func, ast.Attribute) and node.func.attr == "assign" and any(
                q.startswith(sdks.LANGCHAIN_PACKAGES) for q in scope.mod.imports.values()):
            return self._chain_model(node, scope, depth)  # RunnableParallel({...}).assign(answer=prompt | llm)
        if isinstance(node.func, ast.Attribute) and node.func.attr in ("get", "pop", "setdefault") and len(node.args) >= 1:
            base = self.eval(node.func.value, scope, depth)
            key = self.eval(node.args[0], scope, depth)
            if isinstance(base, DictVal) and isinstance(key, Const):
                item = self.dict_item(base, key.value, depth)
                if item is not None:
                    return self.eval(item[0], item[1], depth)
            if len(node.args) >= 2:  # config.get("model", "gpt-4o") on an unknown mapping
                d = self.eval(node.args[1], scope, depth)
                if isinstance(d, Const):
                    return Const(d.value, d.origin or f"{scope.mod.path}:{node.lineno}", "env-default")
                if isinstance(d, ClassRef) or isinstance(d, Imported) and self.client_class(d.qualname) is not None:
                    return d   # CLASSES.get(cfg.provider(), OpenAIEmbeddings): the fallback class
        if isinstance(node.func, ast.Attribute) and node.func.attr in ("startswith", "endswith"):
            return self._string_test(node, scope, depth)   # `self.is_x = model.startswith("x/")`: a known flag
        if isinstance(node.func, ast.Attribute) and node.func.attr in ("copy",):
            return self.eval(node.func.value, scope, depth)
        return None

    def _chain_model(self, node: ast.Call, scope: Scope, depth: int) -> Value:
        """The chat model a LangChain chain, agent or composed runnable runs: the first argument (by
        position, keyword, or as a branch of a dict or `**branches`) that is one."""
        for arg in [*node.args, *(kw.value for kw in node.keywords)]:
            v = self.eval(arg, scope, depth)
            branches = [self.eval(n, s, depth) for n, s in self._dict_values(v, depth)] if isinstance(v, DictVal) else [v]
            found = next((b for b in branches if isinstance(b, Client) and b.kind is sdks.LANGCHAIN_CHAT), None)
            if found is not None:
                return found
        return None

    def _dict_values(self, d: DictVal, depth: int) -> list[tuple[ast.AST, Scope]]:
        """Every value put in a dict, under literal keys or computed ones (`chains[f"chunk{i}"] = …`)."""
        values = list(self.dict_items(d, depth).values())
        func = d.scope.func
        if d.name and func is not None:
            values += [(value, Scope(d.scope.mod, func, line)) for line, key, value in func.subscripts.get(d.name, ())
                       if not isinstance(key, ast.Call)]
        return values

    def _module_named_by(self, node: ast.Call, scope: Scope, depth: int) -> Value:
        """The module an import call names by its first argument, when that is a known string."""
        name = self.eval(node.args[0], scope, depth) if node.args else None
        return Imported(name.value) if isinstance(name, Const) and isinstance(name.value, str) else None

    def _factory(self, factory, q: str, node: ast.Call, scope: Scope, depth: int) -> Value:
        kind, service = factory
        if service is not None:
            arg = node.args[0] if node.args else next((k.value for k in node.keywords if k.arg == "service_name"), None)
            v = self.eval(arg, scope, depth)
            if not isinstance(v, Const):
                return None
            if v.value != service:   # another service: "bedrock-agent-runtime" makes requests, "s3" never
                kind = sdks.AWS_SERVICE_CLIENTS.get(v.value)  # type: ignore[assignment]
                if kind is None:
                    return Imported(f"{q}({v.value!r})")
        return Client(kind, q, node, scope)

    def _field_default(self, node: ast.Call, scope: Scope, depth: int) -> Value:
        """`Field("m")`, `Field(default=x)`; `default_factory=Cls` (or `lambda: Cls()`) makes the instance
        `= Cls()` would."""
        for kw in node.keywords:
            made = kw.value.args[0] if kw.arg == "default" and _attrs_factory(kw.value) else kw.value
            if kw.arg == "default" and made is kw.value:
                return self.eval(kw.value, scope, depth)
            if kw.arg in ("default", "default_factory", "factory"):   # attrs: `default=Factory(f)`, `factory=f`
                if isinstance(made, ast.Lambda):
                    return self.eval(made.body, scope, depth)
                factory = self.eval(made, scope, depth)
                return Instance(factory.cls, factory.mod) if isinstance(factory, ClassRef) else None
        if node.args and not (isinstance(node.args[0], ast.Constant) and node.args[0].value is Ellipsis):
            return self.eval(node.args[0], scope, depth)
        return None

    def _client_call(self, client: Client, node: ast.Call, scope: Scope, depth: int) -> Value:
        path = tuple(p for p in client.path if p not in sdks.TRANSPARENT_SEGMENTS)
        dotted = ".".join(path)
        if not path:
            return None  # calling the client itself (LangChain llm(...)) is a request, not a value
        if path[-1] in client.kind.option_methods:
            fallback, models = client.fallback, client.fallback_models
            if path[-1] == "with_fallbacks":
                fallback = "langchain-with_fallbacks"
                models = models + self._fallback_models(node, scope, depth)
            return dataclasses.replace(client, options=client.options + ((node, scope),), path=path[:-1],
                                       fallback=fallback, fallback_models=models)
        derived = sdks.DERIVED_CLIENTS.get((client.kind.sdk, dotted))
        if derived is not None:
            return dataclasses.replace(client, kind=derived, path=(), model_from=(node, scope))
        if dotted == "client" and client.kind.sdk == "bedrock":  # session.client("bedrock-runtime")
            return self._factory(sdks.CLIENT_FACTORIES["boto3.client"], "boto3.client", node, scope, depth)
        return None

    def _fallback_models(self, node: ast.Call, scope: Scope, depth: int) -> tuple[str, ...]:
        out = []
        for arg in node.args[:1]:
            lst = self.eval(arg, scope, depth)
            if isinstance(lst, ListVal):
                for elt in lst.node.elts:  # type: ignore[attr-defined]
                    v = self.eval(elt, lst.scope, depth)
                    if isinstance(v, Client):
                        m = self.client_model(v, depth)
                        if isinstance(m, Const) and isinstance(m.value, str):
                            out.append(m.value)
        return tuple(out)

    def client_model(self, client: Client, depth: int = 0) -> Value:
        """The model a client value is bound to (LangChain, GenerativeModel, chats.create)."""
        src = client.model_from or ((client.ctor, client.ctor_scope) if client.ctor is not None else None)
        if src is None or src[1] is None:
            return None
        call, scope = src
        kind = client.kind
        names = ("model", "model_name", "model_id", "deployment_name", "azure_deployment", "repo_id")
        given = model_keyword(call.keywords, names)
        if given is not None:
            return self.eval(given.value, scope, depth)
        pos = 0 if kind.model_pos == 0 or client.cls.endswith("init_chat_model") else None
        if pos is not None and len(call.args) > pos:
            return self.eval(call.args[pos], scope, depth)
        return None

    def _returns(self, func: FuncRef, depth: int, call: tuple[ast.Call, Scope] | None = None) -> Value:
        """Value a factory returns (`def get_client(): return OpenAI(...)`), its parameters bound to the
        call's arguments (`def build(cls): return cls(**kw)` called as `build(anthropic.Anthropic)`)."""
        node = func.node
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return None
        if call is None or id(node) in self._calls or not has_parameters(node):
            # a function without parameters returns the same at every call: no binding, so one memo serves all
            return self._returned(func, node, depth)
        self._calls[id(node)] = call
        try:
            return self._returned(func, node, depth)
        finally:
            del self._calls[id(node)]

    def _call_argument(self, func: FuncInfo, name: str, depth: int) -> Value:
        call, scope = self._calls[id(func.node)]
        for kw in call.keywords:
            if kw.arg == name:
                return self.eval(kw.value, scope, depth)
        args = func.node.args  # type: ignore[attr-defined]
        names = [a.arg for a in args.posonlyargs + args.args]
        if func.cls is not None and names and not any(
                isinstance(d, ast.Name) and d.id == "staticmethod" for d in func.node.decorator_list):  # type: ignore[attr-defined]
            names = names[1:]  # self / cls
        if name in names and names.index(name) < len(call.args):
            arg = call.args[names.index(name)]
            return None if isinstance(arg, ast.Starred) else self.eval(arg, scope, depth)
        return _MISSING  # type: ignore[return-value]

    def _returned(self, func: FuncRef, node: ast.FunctionDef | ast.AsyncFunctionDef, depth: int) -> Value:
        cls = func.cls or func.mod.class_of_method(node)
        fi = func.mod.func_info(node, func.qualname or node.name, None, cls)
        found: Value = None
        returns = [sub for sub in iter_statements(node.body) if isinstance(sub, ast.Return) and sub.value is not None]
        for sub in returns:
            v = self.eval(sub.value, Scope(func.mod, fi, sub.lineno), depth)
            # `if use_async: return AsyncOpenAI()`: not the client when the call's flag goes the other way
            if isinstance(v, Client) and (len(returns) == 1 or not self._not_taken(node.body, sub, fi, func.mod, depth)):
                return v
            found = found or (v if not isinstance(v, Client) else None)
        # functools.lru_cache'd singletons and `global _client; _client = OpenAI(); return _client`:
        # assignments to a name the function returns
        if found is None:
            returned = {sub.value.id for sub in iter_statements(node.body)
                        if isinstance(sub, ast.Return) and isinstance(sub.value, ast.Name)}
            for name in returned:
                for line, value, how in fi.bindings.get(name, ()):
                    if how == "assign" and isinstance(value, ast.Call):
                        v = self.eval(value, Scope(func.mod, fi, line), depth)
                        if isinstance(v, Client):
                            return v
        return found

    def _not_taken(self, body: list[ast.stmt], target: ast.stmt, fi: FuncInfo, mod: ModuleInfo, depth: int,
                   strings: bool = False) -> bool:
        """Whether `target` sits in a branch of an `if` whose test is known and goes the other way (with
        `strings`, also a substring or prefix test on a known string: `if "gemini" in name.lower():`)."""
        for stmt in body:
            if not (stmt.lineno <= target.lineno <= (stmt.end_lineno or stmt.lineno)):
                continue
            if isinstance(stmt, ast.If):
                in_body = bool(stmt.body) and stmt.body[0].lineno <= target.lineno <= (stmt.body[-1].end_lineno or 0)
                tscope = Scope(mod, fi, stmt.lineno)
                test = self._string_test(stmt.test, tscope, depth) if strings else None
                test = test if test is not None else self.eval(stmt.test, tscope, depth)
                if isinstance(test, Const) and bool(test.value) != in_body:
                    return True
                return self._not_taken(stmt.body if in_body else stmt.orelse, target, fi, mod, depth, strings)
            if isinstance(stmt, ast.Match):
                subject = self.eval(stmt.subject, Scope(mod, fi, stmt.lineno), depth)
                taken = _case_taken(stmt.cases, subject.value) if isinstance(subject, Const) else None
                for case in stmt.cases:
                    if case.body and case.body[0].lineno <= target.lineno <= (case.body[-1].end_lineno or 0):
                        return taken is not None and case is not taken or \
                            self._not_taken(case.body, target, fi, mod, depth, strings)
                return False
            for name in ("body", "orelse", "finalbody"):
                if getattr(stmt, name, None) and self._not_taken(getattr(stmt, name), target, fi, mod, depth, strings):
                    return True
            return any(self._not_taken(h.body, target, fi, mod, depth, strings) for h in getattr(stmt, "handlers", ()))
        return False

    def branch_not_taken(self, func: FuncInfo | None, mod: ModuleInfo, node: ast.AST, depth: int) -> bool:
        """Whether `node` sits in an `if` branch or `match` case the project's defaults do not take."""
        body = getattr(func.node, "body", None) if func is not None else mod.tree.body
        return isinstance(body, list) and self._not_taken(body, node, func, mod, depth, strings=True)  # type: ignore[arg-type]

    def _string_test(self, test: ast.expr, scope: Scope, depth: int) -> Const | None:
        """`"lit" in x` / `not in`, `x.startswith(…)` / `endswith` with `x` a known string, through
        `.lower()`-like calls on it."""
        if isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], (ast.In, ast.NotIn)) \
                and isinstance(test.left, ast.Constant) and isinstance(test.left.value, str):
            subject, literal = test.comparators[0], test.left.value
            check = (lambda text: literal in text) if isinstance(test.ops[0], ast.In) else (lambda text: literal not in text)
        elif isinstance(test, ast.Call) and isinstance(test.func, ast.Attribute) and test.func.attr in ("startswith", "endswith") \
                and len(test.args) == 1 and not test.keywords:
            arg = test.args[0]
            if isinstance(arg, ast.Tuple):
                affix: Any = tuple(e.value for e in arg.elts if isinstance(e, ast.Constant))
            else:
                known = self.eval(arg, scope, depth)
                affix = known.value if isinstance(known, Const) else None
            if not isinstance(affix, (str, tuple)) or isinstance(arg, ast.Tuple) and len(affix) != len(arg.elts):
                return None
            subject, method = test.func.value, test.func.attr
            check = lambda text: getattr(text, method)(affix)  # noqa: E731
        else:
            return None
        folds = []
        while isinstance(subject, ast.Call) and isinstance(subject.func, ast.Attribute) \
                and subject.func.attr in _STR_METHODS and not subject.args and not subject.keywords:
            folds.append(subject.func.attr)
            subject = subject.func.value
        value = self.eval(subject, scope, depth)
        if not (isinstance(value, Const) and isinstance(value.value, str)):
            return None
        text = value.value
        for fold in reversed(folds):
            text = getattr(text, fold)()
        try:
            return Const(check(text), value.origin, value.how)
        except TypeError:   # a tuple holding something other than strings
            return None


def _case_taken(cases: list[ast.match_case], value: Any) -> ast.match_case | None:
    """The `case` of a `match` on a known value that runs: the first whose pattern is literals the value is
    one of, or a bare capture / `_`; None when a guard or another pattern comes first (not judged here)."""
    for case in cases:
        if case.guard is not None:
            return None
        pattern = case.pattern
        options = pattern.patterns if isinstance(pattern, ast.MatchOr) else [pattern]
        if isinstance(pattern, ast.MatchAs) and pattern.pattern is None:
            return case
        if not all(isinstance(o, ast.MatchValue) and isinstance(o.value, ast.Constant) for o in options):
            return None
        if any(o.value.value == value for o in options):  # type: ignore[attr-defined]
            return case
    return None


_MISSING = object()
_COMPARISONS = {ast.Eq: lambda a, b: a == b, ast.NotEq: lambda a, b: a != b,
                ast.Is: lambda a, b: a is b, ast.IsNot: lambda a, b: a is not b}
# str methods a substring test is decided through (`"gemini" in name.lower()`)
_STR_METHODS = frozenset({"lower", "upper", "casefold", "strip"})


# client classes by (top-level package, class name), for the same class imported from another module
# (the first entry of a pair wins)
_CLASSES_BY_PACKAGE: dict[tuple[str, str], sdks.ClientKind] = {
    (q.split(".", 1)[0], q.rsplit(".", 1)[-1]): kind for q, kind in reversed(list(sdks.CLIENT_CLASSES.items()))}
# classes whose methods are client factories (`boto3.Session(...).client("bedrock-runtime")`)
_FACTORY_OWNERS = frozenset(q.rsplit(".", 1)[0] for q in sdks.CLIENT_FACTORIES if q.rsplit(".", 2)[-2][:1].isupper())


def _self_methods_called(assigns: list[tuple[int, ast.AST, ast.AST]], cls: ClassInfo) -> frozenset[str]:
    """Methods of `cls` the assigned values call on `self` (`self.client = client or self.create_client()`)."""
    return frozenset(n.func.attr for _line, value, _m in assigns for n in ast.walk(value)
                     if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr in cls.methods
                     and isinstance(n.func.value, ast.Name) and n.func.value.id == "self")


def _runs_a_chain(qualname: str) -> bool:
    """A LangChain/LangGraph callable whose result runs the model or chain handed to it."""
    last = qualname.rsplit(".", 1)[-1]
    return qualname.startswith(sdks.LANGCHAIN_PACKAGES) and (
        last in sdks.LANGCHAIN_LLM_HOLDERS or last.startswith(sdks.LANGCHAIN_HOLDER_PREFIX))


def _is_import_helper(qualname: str) -> bool:
    """`importlib.import_module`, and project helpers that import a module named by their first
    argument (`import_dependency("google.generativeai")`, `require_dependency("anthropic")`)."""
    last = qualname.rsplit(".", 1)[-1].lower()
    return qualname == "importlib.import_module" or ("import" in last or "require" in last) and (
        "dependency" in last or "module" in last or "package" in last or last.startswith(("lazy_", "try_")))


def _attrs_factory(node: ast.AST) -> bool:
    """`Factory(make)` / `attrs.Factory(make)`: an attrs default made by calling `make` for each instance."""
    return isinstance(node, ast.Call) and bool(node.args) and (
        node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")) == "Factory"


def _enclosing_method(func: FuncInfo, name: str) -> FuncInfo | None:
    """The method whose first parameter `name` is, seen from `func` (that method or a function nested in
    it that does not rebind `name`); None when `name` is not an instance there."""
    while func is not None:
        if func.cls is not None:
            args = getattr(func.node, "args", None)
            first = args.args[0].arg if args is not None and args.args else None
            return func if first == name else None
        if name in func.params or func.bindings.get(name):
            return None
        func = func.parent
    return None


def _is_classmethod_cls(node: ast.AST, name: str) -> bool:
    """`cls` in `@classmethod def make(cls, ...)`: the class itself."""
    args = getattr(node, "args", None)
    return bool(args and args.args and args.args[0].arg == name and any(
        isinstance(d, ast.Name) and d.id == "classmethod" for d in getattr(node, "decorator_list", ())))


def _is_enum(cls: ClassInfo) -> bool:
    """A class derived from `Enum`, `StrEnum`, `IntEnum`… (by the base's name)."""
    return any((b.attr if isinstance(b, ast.Attribute) else getattr(b, "id", "")).endswith("Enum") for b in cls.node.bases)



def _isinstance_guard(func: ast.AST, name: str) -> tuple[list[ast.expr], int] | None:
    """The classes a function's top-level check admits parameter `name` as, and the check's line: `if not
    isinstance(name, A | (A, B)): … raise`, or `assert isinstance(name, …)`. None when no such check."""
    for stmt in getattr(func, "body", ()):
        test = stmt.test if isinstance(stmt, ast.Assert) else stmt.test.operand if isinstance(stmt, ast.If) \
            and isinstance(stmt.test, ast.UnaryOp) and isinstance(stmt.test.op, ast.Not) \
            and any(isinstance(s, ast.Raise) for s in stmt.body) else None
        if isinstance(test, ast.Call) and isinstance(test.func, ast.Name) and test.func.id == "isinstance" \
                and len(test.args) == 2 and isinstance(test.args[0], ast.Name) and test.args[0].id == name:
            types = test.args[1]
            return (list(types.elts) if isinstance(types, ast.Tuple) else [types]), stmt.lineno
    return None


def _super_init(node: ast.AST) -> bool:
    """`super().__init__(…)` (`super(Cls, self).__init__(…)` too): a class handing its base its arguments."""
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "__init__" \
        and isinstance(node.func.value, ast.Call) and getattr(node.func.value.func, "id", None) == "super"


def has_parameters(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Whether a call can bind anything in it: without parameters it returns the same at every call."""
    a = node.args
    return bool(a.posonlyargs or a.args or a.kwonlyargs or a.vararg or a.kwarg)
