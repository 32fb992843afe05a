"""Keys read from a dict that a project function loads from one of the package's own data files.

`self.config = load_config()` (where `load_config` `yaml.safe_load`s the package's `config.yaml`), then
`cfg = self.config.get("summarizer", {})` and `cfg.get("llm_model")`: a careful reader follows the dict
back to the loader and reads `summarizer.llm_model` in that file — the whole key path from the file's
root, not only the last key, which several tables may set. This module walks a read back to the loader
(through `.get(k, …)`, `[k]`, `x or {}`, local names bound once and `self.` attributes of the class) and
names the files the loader reads; `project_config.ProjectConfig` has their values.
"""
from __future__ import annotations

import ast
import os

from llmsight.analysis.evaluate import ClassRef, FuncRef, Scope

MAX_HOPS = 24     # expressions looked at per read
MAX_CALLERS = 4   # calls followed for a parameter
# functions that turn a file or its text into nested dicts
_LOADERS = frozenset({"yaml.safe_load", "yaml.load", "yaml.full_load", "yaml.unsafe_load", "json.load", "json.loads",
                      "tomllib.load", "tomllib.loads", "toml.load", "toml.loads", "tomli.load", "tomli.loads"})
_DATA_SUFFIXES = (".yaml", ".yml", ".json", ".toml")


def loaded_key(res, node: ast.AST, scope: Scope, self_class, argument_of) -> tuple[tuple[str, ...], frozenset[str]] | None:
    """(the key path from the loaded file's root, the base names of the files the loader reads — empty
    when it names none) of a read like `cfg.get("llm_model")` or `conf["speech"]["openai"]["model"]`;
    None when the dict is not one a project loader returns. `res` is the model resolver (its bounded
    evaluator and call graph); `self_class(node, scope)` the class of a method's `self`, and
    `argument_of(func, name, call)` what a call passes for a parameter."""
    if _key_read(node) is None:   # `args.model`, `self.model`: no key of a dict is read
        return None
    return _walk(res, node, scope, (), [MAX_HOPS], self_class, argument_of)


def _walk(res, node: ast.AST, scope: Scope, keys: tuple[str, ...], budget: list[int], self_class,
          argument_of) -> tuple[tuple[str, ...], frozenset[str]] | None:
    """The dict `node` reads back to its loader: each alternative that can hold it (`a or b`, the
    assignments of a `self.` attribute, the callers' arguments for a parameter) until one leads there."""
    while budget[0] > 0:
        budget[0] -= 1
        read = _key_read(node)
        if read is not None:
            keys = (read[0],) + keys
            node = read[1]
            continue
        if isinstance(node, ast.Call) and _qualname(node.func, scope.mod.imports) in _LOADERS:
            return (keys, _opened(node, scope)) if keys else None   # `CONF = json.load(fh)` written in place
        if isinstance(node, ast.Call):
            files = _loader_files(res, res._callee(node, scope), node)
            return (keys, files) if files is not None and keys else None
        alternatives = _sources(res, node, scope, self_class, argument_of)
        for value, vscope in alternatives:
            found = _walk(res, value, vscope, keys, budget, self_class, argument_of)
            if found is not None:
                return found
        return None
    return None


def _sources(res, node: ast.AST, scope: Scope, self_class, argument_of) -> list[tuple[ast.AST, Scope]]:
    """What `node` holds: the operands of `a or b`, the value a local name is assigned (or for a
    parameter, the arguments the package's calls pass), the assignments of a `self.` attribute."""
    if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or):
        return [(v, scope) for v in node.values]
    if isinstance(node, ast.Name):
        func = scope.func
        while func is not None and node.id not in func.params and not func.bindings.get(node.id):
            func = func.parent
        if func is not None and node.id in func.params and not func.bindings.get(node.id):
            calls = res._callers_of(func, scope.mod)[:MAX_CALLERS]
            passed = [(argument_of(func, node.id, call), cscope) for call, cscope in calls]
            return [(arg, cscope) for arg, cscope in passed if isinstance(arg, ast.AST)]
        bindings = func.bindings.get(node.id) if func is not None else scope.mod.bindings.get(node.id)
        return [(value, Scope(scope.mod, func, line)) for line, value, how in bindings or () if how == "assign"]
    if isinstance(node, ast.Attribute) and (cls := self_class(node.value, scope)) is not None:
        return [(value, res.ev.method_scope(scope.mod, cls, method, line))
                for line, value, method in cls.self_attrs.get(node.attr, ())]
    return []


def _opened(call: ast.Call, scope: Scope) -> frozenset[str]:
    """The base names of the data files a loader call reads: those written in its arguments or in what a
    name it is passed is bound to (`with open("config.json") as fh: json.load(fh)`)."""
    parts = list(call.args) + [kw.value for kw in call.keywords]
    bindings = scope.func.bindings if scope.func is not None else scope.mod.bindings
    parts += [value for arg in parts if isinstance(arg, ast.Name)
              for _line, value, _how in bindings.get(arg.id, ()) if value is not None]
    return frozenset(os.path.basename(sub.value) for part in parts for sub in ast.walk(part)
                     if isinstance(sub, ast.Constant) and isinstance(sub.value, str)
                     and sub.value.lower().endswith(_DATA_SUFFIXES))


def _key_read(node: ast.AST) -> tuple[str, ast.AST] | None:
    """`d["k"]` or `d.get("k", …)`: ("k", d)."""
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str):
        return node.slice.value, node.value
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get" and node.args \
            and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
        return node.args[0].value, node.func.value
    return None


def _loader_files(res, callee, call: ast.Call, depth: int = 0) -> frozenset[str] | None:
    """The base names of the data files a project function or class loads (the file names written in it,
    its parameters' defaults and the call's literal arguments), when it calls a YAML/JSON/TOML loader, or
    a project function or class that does (`def load_config(): return Config()`, a class whose `get`
    reads the dict it loaded, a `_read_yaml(path)` helper); None when `callee` is neither."""
    if isinstance(callee, ClassRef):
        node, mod = callee.cls.node, callee.mod
    elif isinstance(callee, FuncRef) and isinstance(callee.node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        node, mod = callee.node, callee.mod
    else:
        return None
    passed = {os.path.basename(a.value) for a in list(call.args) + [kw.value for kw in call.keywords]
              if isinstance(a, ast.Constant) and isinstance(a.value, str) and a.value.lower().endswith(_DATA_SUFFIXES)}
    key = ("config_reads.loader", id(node), depth)
    found = res.state.memo.get(key)
    if found is None:
        found = res.state.memo[key] = (_loads(res, node, mod, depth), node)
    return None if found[0] is None else found[0] | passed


def _loads(res, node: ast.AST, mod, depth: int) -> frozenset[str] | None:
    names: set[str] = set()
    calls = []
    for sub in ast.walk(node):
        if isinstance(sub, ast.Call):
            calls.append(sub)
        elif isinstance(sub, ast.Constant) and isinstance(sub.value, str) and sub.value.lower().endswith(_DATA_SUFFIXES):
            names.add(os.path.basename(sub.value))
    if any(_qualname(c.func, mod.imports) in _LOADERS for c in calls):
        return frozenset(names)
    if depth >= 2:
        return None
    for sub in calls:   # a project function or class called by its module-level name
        inner = _loader_files(res, res._callee(sub, Scope(mod, None, sub.lineno)), sub, depth + 1)
        if inner is not None:
            return frozenset(names | inner)
    return None


def _qualname(func: ast.AST, imports: dict[str, str]) -> str:
    """`yaml.safe_load` for `yaml.safe_load(…)` or `safe_load(…)` imported from yaml."""
    parts: list[str] = []
    while isinstance(func, ast.Attribute):
        parts.insert(0, func.attr)
        func = func.value
    if not isinstance(func, ast.Name):
        return ""
    return ".".join([imports.get(func.id, func.id)] + parts)
