"""Find the LLM call sites of one parsed file and resolve what each request says.

One traversal collects candidate calls with their context (enclosing function, loop, try, await);
only calls whose callee could be a request (method name in the SDK tables, or an imported name) are
evaluated. Everything SDK-specific comes from `sdks.py`.
"""
from __future__ import annotations

import ast
import bisect
import dataclasses
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from llmsight.analysis import agent_frameworks, sdks, settings_flow, shaped_sites
from llmsight.analysis.catalog_names import host_provider
from llmsight.analysis.context import (HANDED_RUNNERS, PER_ITEM_MAPPERS, RunnerElsewhere, parse_pragma,
                                       per_item_mapper, per_item_runner)
from llmsight.analysis.evaluate import (MAX_BUILT_LENGTH, ClassRef, Client, Const, DictVal, Evaluator, FuncRef,
                                        Imported, Instance, ListVal, Scope, model_keyword)
from llmsight.analysis.model_resolution import ModelResolver, sendable, to_candidates
from llmsight.analysis.modules import ClassInfo, FuncInfo, ModuleInfo, split_lines
from llmsight.analysis.project import rel_path
from llmsight.analysis.secrets import redact
from llmsight.config import Config
from llmsight.knowledge.sdk_defaults import defaults_for
from llmsight.records import CallSite, Hop, ModelCandidate, ModelSetting, Prompt, Setting

_ASYNC_RUNNERS = {"asyncio.to_thread", "anyio.to_thread.run_sync", "starlette.concurrency.run_in_threadpool",
                  "fastapi.concurrency.run_in_threadpool"}
_SYNC_TO_ASYNC = {"asgiref.sync.sync_to_async", "sync_to_async", "asyncer.asyncify", "anyio.to_thread.run_sync"}
_LOOPS = (ast.For, ast.AsyncFor, ast.While, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


# methods that run the function handed to them on a thread (`asyncio.to_thread(f, …)`, `loop.run_in_executor(None, f)`)
_THREAD_RUNNERS = frozenset({"to_thread", "run_in_executor", "run_sync", "run_in_threadpool"})
# `.create(` and also `.embed_query)` / `.create,`: a request method handed to another call to run
_METHOD_CALL = re.compile(r"\.%s\s*[(,)]" % sdks.call_suffix_pattern(_THREAD_RUNNERS))

# calls that run the function they are given with the keywords they are given
_KEYWORD_FORWARDERS = frozenset({"to_thread", "run_in_threadpool", "submit", "partial", "sync_to_async", "asyncify"})


def _request_reference(node: ast.AST, bound: frozenset[str] = frozenset()) -> bool:
    """`client.embeddings.create` / `completion` written without a call: named like a request method, or a
    name `bound` to one (`fn = client.chat.completions.create if chat else client.completions.create`)."""
    return isinstance(node, ast.Attribute) and (node.attr in sdks.REQUEST_METHOD_NAMES or node.attr in bound) \
        or isinstance(node, ast.Name) and (node.id in sdks.REQUEST_METHOD_NAMES or node.id in bound)


def hands_over_request(call: ast.Call) -> bool:
    """A call handed a request method to run that does not pass its own keywords on to it
    (`df.text.apply(embeddings.embed_query)`, `map(client.embeddings.create, xs)`): a keyword a fix adds
    to it would not reach the request."""
    f = call.func
    name = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else None
    return name not in _KEYWORD_FORWARDERS and name not in sdks.REQUEST_METHOD_NAMES \
        and any(_request_reference(a) for a in call.args) and not _forwards_request(call)


# keywords only a request takes: a call handed the request method with one of them passes them on (`json=`:
# an HTTP client's `post` handed to a retry wrapper with the request body)
_REQUEST_KEYWORDS = frozenset({"model", "messages", "contents", "modelId", "input", "prompt", "texts", "json"})


def _forwards_request(call: ast.Call, bound: frozenset[str] = frozenset()) -> bool:
    """A retry or rate-limit wrapper given the request method first and the request's own keywords
    after it (`self.retryer(self.client.completion, model=…, messages=…)`, `Retrying(…)(fn, **kw)`,
    `retry(fn, **params)`): it calls the method with them."""
    return bool(call.args) and _request_reference(call.args[0], bound) \
        and any(kw.arg is None or kw.arg in _REQUEST_KEYWORDS for kw in call.keywords)


_SDK_ROOTS = sdks.SDK_ROOT_PACKAGES | {"google", "asgiref", "asyncio", "anyio", "functools", "starlette", "fastapi",
                                       "urllib"}


def _word_offsets(source: str, name: str, call: bool = False) -> list[int]:
    """Offsets of `name` as a whole word (with `call`, only where it is called or handed to a call:
    `(`, `,` or `)` follows). `str.find` scans in C; a `\b`-led regex alternation of many names tries
    every position and dominated discovery time. An empty name matches nowhere (`find("")` would never
    advance)."""
    if not name:
        return []
    out, find, n = [], source.find, len(name)
    i = find(name)
    while i != -1:
        j = i + n
        if (i == 0 or not (source[i - 1].isalnum() or source[i - 1] == "_")) and source[j:j + 1] != "_" \
                and not source[j:j + 1].isalnum() and (not call or source[j:j + 40].lstrip(" \t")[:1] in ("(", ",", ")")):
            out.append(i)
        i = find(name, j)
    return out


_ASSIGNED_NAME = re.compile(r"[ \t]*(?:self\.)?(\w+)[ \t]*(?::[^=\n]*)?=[^=]")
# a request method referred to, not called, at the end of an assignment or of an `x if c else` branch
_METHOD_REFERENCE = re.compile(r"\.%s[ \t]*(?:$|#|if\b|else\b)" % sdks.call_suffix_pattern(), re.MULTILINE)


def _bound_request_names(source: str) -> frozenset[str]:
    """Names (and `self.` attributes) a statement binds to a request method, in any scope: `create =
    self._client.messages.create`, `fn = c.chat.completions.create if chat else c.completions.create`,
    `raw = c.chat.completions.with_raw_response.create`, a value opened on the line before (`fn = (`).
    Called later (`fn(**kw)`) or handed to a wrapper (`retry(fn, **kw)`), the method is the request.
    Textual, like `_local_aliases`."""
    out, opened = set(), {}
    for m in _METHOD_REFERENCE.finditer(source):
        assigned = _assignment_at(source, m.start(), opened)
        if assigned is not None:
            out.add(assigned.group(1))
    return frozenset(out)


def _local_aliases(source: str, callables: set[str]) -> set[str]:
    """Names (and `self.` attributes) assigned an expression naming an SDK callable (`_completion =
    _completion or acompletion`, `fn = acompletion if is_async else completion`, `self.llm = ChatOpenAI(…)`,
    called later as `self.llm(…)`), in any scope: textual, so no function is indexed. Only the lines that
    mention a callable are looked at, and the line before one when it opens the value (`self.llm = (`)."""
    out: set[str] = set()
    opened: dict[int, re.Match | None] = {}   # line start -> the assignment the line before opens, once per line
    for name in callables:
        for off in _word_offsets(source, name):
            assigned = _assignment_at(source, off, opened)
            if assigned is not None:
                out.add(assigned.group(1))
    return out - callables


def _assignment_at(source: str, off: int, opened: dict[int, re.Match | None]) -> re.Match | None:
    """The assignment whose value holds offset `off`: one on its line, or one the line before opens
    (`self.llm = (`, `fn = (`), kept in `opened` by line start."""
    start = source.rfind("\n", 0, off) + 1
    assigned = _ASSIGNED_NAME.match(source, start, off)
    if assigned is None and start > 1:
        if start not in opened:
            previous = source.rfind("\n", 0, start - 1) + 1
            line = source[previous:start - 1].rstrip(" \t")
            opened[start] = _ASSIGNED_NAME.match(line) if line.endswith(("(", "=", "\\")) else None
        assigned = opened[start]
    return assigned


def candidate_lines(source: str, names: set[str]) -> list[int]:
    """Sorted line numbers holding a `.request_method(` or a call of one of `names` (imports, wrappers).

    Line numbers come from counting newlines between sorted hits (in C)."""
    offsets = {m.start() for m in _METHOD_CALL.finditer(source)}
    for name in names:
        offsets.update(_word_offsets(source, name, call=True))
    return _lines_of(source, offsets)


def _lines_of(source: str, offsets) -> list[int]:
    """Sorted distinct line numbers of offsets into `source`, counting newlines between sorted hits (in C)."""
    lines, line, previous = [], 1, 0
    for off in sorted(offsets):
        line += source.count("\n", previous, off)
        previous = off
        if not lines or lines[-1] != line:
            lines.append(line)
    return lines


@dataclass
class Candidate:
    call: ast.Call
    funcs: tuple[FuncInfo, ...]
    loop: ast.AST | None
    tries: tuple[tuple[ast.Try, str], ...]   # enclosing try statements and which part (body|handler|other)
    awaited: bool


@dataclass
class Found:
    """A discovered request before it becomes a record (keeps the nodes rules and fixes need)."""

    site: CallSite
    call: ast.Call
    client_call: ast.Call | None
    loop: ast.AST | None
    tries: tuple[tuple[ast.Try, str], ...]


@dataclass
class Request:
    client: Client
    method: sdks.Method
    call: ast.Call            # the request call (args live here)
    args: list[ast.AST]
    keywords: list[ast.keyword]
    scope: Scope
    endpoint: str | None = None
    sdk: str | None = None    # overrides client.kind.sdk (raw HTTP to a known provider)
    via_wrapper: str | None = None
    callee: ast.AST | None = None  # what the site calls as written (`ask`, not asyncio.to_thread)
    # a configured wrapper's call point: keywords it passes override the inner request's
    outer_keywords: tuple[tuple[ast.keyword, Scope], ...] = ()
    streams_response: bool = False  # through `with_streaming_response`: read as it arrives
    # where the request is written when that is not the candidate call: the call a lambda handed to an
    # executor makes (`run_in_executor(None, lambda: client.invoke_model(…))`); the site and its pragma are there
    written: ast.Call | None = None


class FileDiscovery:
    def __init__(self, mod: ModuleInfo, evaluator: Evaluator, config: Config, wrappers: dict[str, str] | None = None,
                 exports: frozenset[str] = frozenset()):
        self.mod = mod
        self.ev = evaluator
        self.config = config
        self.candidates: list[Candidate] = []
        self.wrappers = wrappers or {}  # last name -> qualified name
        self._interesting_names = set(mod.imports) | set(self.wrappers) | sdks.REQUEST_METHOD_NAMES
        callables = self._callable_imports(exports)
        self._bound_requests = _bound_request_names(mod.source)
        aliases = self._request_aliases() | _local_aliases(mod.source, callables) | self._bound_requests
        self._interesting_names |= aliases
        self._callable_names = callables | aliases
        roots = {q.split(".", 1)[0] for q in mod.imports.values()}
        called = {name for root in roots & sdks.CALLED_CLIENT_CLASSES.keys() for name in sdks.CALLED_CLIENT_CLASSES[root]}
        gated = {name for root in roots & sdks.IMPORT_GATED_CALLS.keys() for name in sdks.IMPORT_GATED_CALLS[root]}
        called |= gated
        self._interesting_names |= gated
        self._lines = candidate_lines(mod.source, callables | set(self.wrappers) | aliases | called)
        self._global_lms: dict[str, list[tuple[int, Client]]] = {}
        self._url_steps = _MAX_URL_STEPS   # steps left for the request URL being read (`_request_urls`)
        self._url_arguments: dict[int, tuple[dict[str, ast.expr], Scope, int]] = {}   # a helper's, as one call passes
        self._per_item_callers: dict[tuple[int, int], ast.AST | None] = {}

    @cached_property
    def settings(self) -> settings_flow.Reader:
        """Follows `**params`, config objects and built-up dicts to the settings they hold (one reader
        per file, so its sites share what it has read)."""
        return settings_flow.Reader(self.ev)

    def _request_aliases(self) -> set[str]:
        """Names bound to a request method: module globals (`completion = client.chat.completions.create`)
        and instance attributes (`self.embed_fn = litellm.embedding`, `self.llm_embedding = embedding`)."""
        def is_request(value: ast.AST) -> bool:
            if isinstance(value, ast.Attribute):
                return value.attr in sdks.REQUEST_METHOD_NAMES
            return isinstance(value, ast.Name) and self.mod.imports.get(value.id, "").split(".", 1)[0] in _SDK_ROOTS \
                and self.mod.imports[value.id].rsplit(".", 1)[-1] in sdks.REQUEST_METHOD_NAMES

        names = {name for name, bindings in self.mod.bindings.items() if any(is_request(v) for _, v, _ in bindings)}
        for cls in self.mod.classes.values():
            names.update(attr for attr, assigns in cls.self_attrs.items() if any(is_request(v) for _, v, _ in assigns))
        return names

    def _callable_imports(self, exports: frozenset[str]) -> set[str]:
        """Imported names a bare call could make a request through: SDK names, and names other
        project modules export bound to SDK callables or models (`exports`, found by the engine)."""
        return {name for name, qual in self.mod.imports.items()
                if qual.split(".", 1)[0] in _SDK_ROOTS or qual.rsplit(".", 1)[-1] in exports}

    # ---- traversal -------------------------------------------------------------------------------
    # Statements are walked with their context (function, class, loop, try); expressions are only
    # descended into on lines a regex flags as holding a possible request, so most of a file is
    # never visited node by node.
    def collect(self) -> None:
        if self._lines:
            self._walk(self.mod.tree.body, (), None, None, ())

    @cached_property
    def lines(self) -> list[str]:
        return split_lines(self.mod.source)

    @cached_property
    def resolver(self) -> ModelResolver:
        """Model sets of this file's sites (built when the first site needs one)."""
        return ModelResolver(self.ev)

    def _hit(self, first: int, last: int) -> bool:
        i = bisect.bisect_left(self._lines, first)
        return i < len(self._lines) and self._lines[i] <= last

    def _walk(self, nodes, funcs: tuple[FuncInfo, ...], klass: ClassInfo | None, loop, tries) -> None:
        for node in nodes:
            if self._hit(node.lineno, node.end_lineno or node.lineno):
                self._statement(node, funcs, klass, loop, tries)

    def _statement(self, node: ast.stmt, funcs, klass, loop, tries) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for d in node.decorator_list + node.args.defaults + [x for x in node.args.kw_defaults if x is not None]:
                self._expr(d, funcs, loop, tries, False)
            parent = funcs[-1] if funcs else None
            qual = f"{parent.qualname}.{node.name}" if parent else (f"{klass.node.name}.{node.name}" if klass else node.name)
            fi = self.mod.func_info(node, qual, parent, klass if parent is None else None)
            self._walk(node.body, funcs + (fi,), None, None, ())
        elif isinstance(node, ast.ClassDef):
            info = self.mod.classes.get(node.name) if not funcs else None
            if info is None or info.node is not node:
                info = ClassInfo.build(node)
            for child in node.bases + node.decorator_list:
                self._expr(child, funcs, loop, tries, False)
            self._walk(node.body, funcs, info, loop, tries)
        elif isinstance(node, (ast.For, ast.AsyncFor)):
            self._expr(node.iter, funcs, loop, tries, False)
            self._walk(node.body, funcs, klass, node, tries)
            self._walk(node.orelse, funcs, klass, loop, tries)
        elif isinstance(node, ast.While):
            self._expr(node.test, funcs, node, tries, False)
            self._walk(node.body, funcs, klass, node, tries)
            self._walk(node.orelse, funcs, klass, loop, tries)
        elif isinstance(node, ast.Try) or type(node).__name__ == "TryStar":
            self._walk(node.body, funcs, klass, loop, tries + ((node, "body"),))  # type: ignore[attr-defined]
            for h in node.handlers:  # type: ignore[attr-defined]
                self._walk(h.body, funcs, klass, loop, tries + ((node, "handler"),))
            self._walk(node.orelse + node.finalbody, funcs, klass, loop, tries + ((node, "other"),))  # type: ignore[attr-defined]
        elif isinstance(node, (ast.If,)):
            self._expr(node.test, funcs, loop, tries, False)
            self._walk(node.body, funcs, klass, loop, tries)
            self._walk(node.orelse, funcs, klass, loop, tries)
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            for item in node.items:
                self._expr(item.context_expr, funcs, loop, tries, False)
            self._walk(node.body, funcs, klass, loop, tries)
        elif isinstance(node, ast.Match):
            self._expr(node.subject, funcs, loop, tries, False)
            for case in node.cases:
                self._walk(case.body, funcs, klass, loop, tries)
        else:
            for child in ast.iter_child_nodes(node):
                self._expr(child, funcs, loop, tries, False)

    def _expr(self, node: ast.AST, funcs, loop, tries, awaited: bool) -> None:
        if not self._hit(getattr(node, "lineno", 0), getattr(node, "end_lineno", None) or 10**9):
            return
        if isinstance(node, ast.Call):
            mapper = per_item_mapper(node)   # what `df.text.apply(…)`, `pool.map(…)` are handed runs per item
            if self._maybe_request(node) or self._callback(node) is not None:
                self.candidates.append(Candidate(node, funcs, (mapper and self._callback(node)) or loop, tries, awaited))
            self._expr(node.func, funcs, loop, tries, False)
            for child in node.args:
                self._expr(child, funcs, node if mapper else loop, tries, False)
            for kw in node.keywords:
                self._expr(kw.value, funcs, node if mapper else loop, tries, False)
        elif isinstance(node, ast.Await):
            self._expr(node.value, funcs, loop, tries, True)
        elif isinstance(node, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            for gen in node.generators:
                self._expr(gen.iter, funcs, loop, tries, False)
                for cond in gen.ifs:
                    self._expr(cond, funcs, node, tries, False)
            for e in ([node.key, node.value] if isinstance(node, ast.DictComp) else [node.elt]):
                self._expr(e, funcs, node, tries, False)
        else:
            for child in ast.iter_child_nodes(node):
                self._expr(child, funcs, loop, tries, False)

    def per_item_caller(self, func: FuncInfo, hops: int = 3) -> ast.AST | None:
        """Where this module runs `func` once per item: a call of it in a `for` loop or a comprehension
        (`asyncio.gather(*[one(q) for q in batch])`), or `func` handed to a per-item mapper
        (`pool.map(one, items)`, `df.text.apply(self.summarize)`), directly or through up to `hops` callers
        run so. That call or reference, for LLM006 to judge the loop around it; None when none does."""
        key = (id(func.node), hops)
        if key not in self._per_item_callers:
            self._per_item_callers[key] = None   # a recursive function: not found through itself
            self._per_item_callers[key] = self._find_per_item_caller(func, hops)
        return self._per_item_callers[key]

    @cached_property
    def _handed_to_mappers(self) -> dict[tuple[str, bool], list[tuple[ast.AST, FuncInfo | None]]]:
        """The functions this module hands its per-item mappers, by (name, method?) as `_refers_to` reads
        them (`f`; `self.f`, `cls.f`), each reference with its enclosing function: indexed once, not walked
        again for every helper `per_item_caller` asks about."""
        out: dict[tuple[str, bool], list[tuple[ast.AST, FuncInfo | None]]] = {}
        for m in sorted(PER_ITEM_MAPPERS | HANDED_RUNNERS):
            for c, caller in self.mod.calls_named(m):
                for a in c.args:
                    key = (a.id, False) if isinstance(a, ast.Name) else (a.attr, True) if isinstance(a, ast.Attribute) \
                        and isinstance(a.value, ast.Name) and a.value.id in ("self", "cls") else None
                    if key is not None:
                        out.setdefault(key, []).append((a, caller))
        return out

    def _find_per_item_caller(self, func: FuncInfo, hops: int) -> ast.AST | None:
        name = getattr(func.node, "name", None)
        if name is None or hops == 0:
            return None
        method = func.cls is not None and func.parent is None
        refs = [(c, caller) for c, caller in self.mod.calls_named(name) if _refers_to(c.func, name, method)]
        refs += self._handed_to_mappers.get((name, method), [])
        if method:
            refs = [(node, caller) for node, caller in refs if self._may_dispatch(caller, func.cls)]
        runs = []
        for node, caller in refs:
            body = caller.node.body if caller is not None else self.mod.tree.body  # type: ignore[attr-defined]
            runner = per_item_runner(body, node) if isinstance(body, list) else None
            if runner is not None:   # over data first: `for attempt in range(3)` may be a retry loop
                runs.append((isinstance(runner, (ast.For, ast.AsyncFor)) and _over_range(runner), node))
        if runs:
            return min(runs, key=lambda r: r[0])[1]
        for _node, caller in refs:
            found = self.per_item_caller(caller, hops - 1) if caller is not None and caller.node is not func.node else None
            if found is not None:
                return found
        return None

    def per_item_caller_elsewhere(self, func: FuncInfo) -> RunnerElsewhere | None:
        """A call in another module of the package that runs `func`, or a function of this module calling it,
        once per item (`for d in docs: summarize(d)` in a jobs module, the request in an llm module), for
        LLM006: the callers model resolution finds (nearest files first, bounded), one hop into each; a method only
        when the package defines its name once."""
        name = getattr(func.node, "name", None)
        if name is None or func.parent is not None:
            return None
        helpers = [func] + [c for _call, c in self.mod.calls_named(name) if c is not None and c.parent is None
                            and c.node is not func.node and _refers_to(_call.func, name, func.cls is not None)
                            and (func.cls is None or self._may_dispatch(c, func.cls))][:2]
        defined = self.resolver.index.definitions(self.resolver.state.top(self.mod))
        for helper in helpers:
            if helper.cls is not None and defined.get(getattr(helper.node, "name", ""), (0,))[0] != 1:
                continue   # a method several classes define: telling which one a call elsewhere runs takes type
                           # inference per call (~8 % of a scan's CPU on the corpus), so only unique names are followed
            for call, scope in self.resolver.calls_of(helper, self.mod):
                body = scope.func.node.body if scope.func is not None else scope.mod.tree.body  # type: ignore[attr-defined]
                if scope.mod is not self.mod and isinstance(body, list) and per_item_runner(body, call) is not None:
                    return RunnerElsewhere(call, scope.mod)
        return None

    def _may_dispatch(self, caller: FuncInfo | None, target: ClassInfo) -> bool:
        """`self.name(…)` in `caller` may run `target`'s method `name`: the caller is in that class, or in one
        that inherits from it or that it inherits from (by the bases written in this file); a sibling class's
        method of the same name is that sibling's own."""
        while caller is not None and caller.cls is None:
            caller = caller.parent
        if caller is None or caller.cls is None or caller.cls.node is target.node:
            return True
        return self._inherits(caller.cls, target.node.name) or self._inherits(target, caller.cls.node.name)

    def _inherits(self, cls: ClassInfo, base: str, depth: int = 8) -> bool:
        """`cls` names `base` among its bases, directly or through classes of this file up to `depth` levels
        above it. Level by level, each class read once: a lattice of classes with many bases each is not
        walked path by path (width ** depth)."""
        level, seen = [cls], {id(cls.node)}
        for _ in range(depth + 1):
            parents = []
            for c in level:
                for b in c.node.bases:
                    name = b.attr if isinstance(b, ast.Attribute) else b.id if isinstance(b, ast.Name) else None
                    if name == base:
                        return True
                    parent = self.mod.classes.get(name) if name else None
                    if parent is not None and id(parent.node) not in seen:
                        seen.add(id(parent.node))
                        parents.append(parent)
            level = parents
        return False

    def _maybe_request(self, call: ast.Call) -> bool:
        f = call.func
        if isinstance(f, ast.Attribute):
            return f.attr in sdks.REQUEST_METHOD_NAMES or f.attr in self.wrappers or f.attr in self._interesting_names \
                or f.attr in _THREAD_RUNNERS
        if isinstance(f, ast.Name):
            return f.id in self._interesting_names or _runs_in_executor(f)
        return isinstance(f, ast.Call)

    def _callback(self, call: ast.Call) -> ast.expr | None:
        """The request method a call is handed to run, not called where it is written:
        `df.text.apply(embeddings.embed_query)`, `map(client.embeddings.create, batches)`,
        `pool.submit(client.chat.completions.create, **kw)`."""
        if shaped_sites.only_refers(call):
            return None
        for arg in call.args:
            if _request_reference(arg, self._bound_requests) and (
                    isinstance(arg, ast.Attribute) or arg.id in self._callable_names):  # type: ignore[attr-defined]
                return arg
        return None

    # ---- resolution ------------------------------------------------------------------------------
    def resolve(self, cand: Candidate) -> Request | None:
        scope = Scope(self.mod, cand.funcs[-1] if cand.funcs else None, cand.call.lineno)
        call = cand.call
        func_node = call.func
        args, keywords = list(call.args), list(call.keywords)
        # asyncio.to_thread(client.chat.completions.create, model=…) and sync_to_async(f)(…)
        if isinstance(func_node, ast.Call):
            inner = self.ev.eval(func_node.func, scope)
            if isinstance(inner, Imported) and (inner.qualname in _SYNC_TO_ASYNC or inner.qualname.endswith("sync_to_async")) and func_node.args:
                func_node = func_node.args[0]
            elif (req := self._called_client(self.ev.eval(func_node, scope), call, args, keywords, scope)) is not None:
                return req  # `dspy.Predict(sig)(question=…)`
            elif not _forwards_request(call, self._bound_requests):   # `Retrying(…)(client.completion, model=…)` is found below
                return None
        else:
            callee = self.ev.eval(func_node, scope) if isinstance(func_node, ast.Attribute) \
                and func_node.attr in _THREAD_RUNNERS else None
            if isinstance(callee, Imported) and callee.qualname in _ASYNC_RUNNERS and args:
                func_node, args = args[0], args[1:]
            elif _runs_in_executor(func_node) and len(args) >= 2:   # (executor, fn, *args), a project's helper too
                func_node, args = args[1], args[2:]
            elif isinstance(func_node, ast.Attribute) and func_node.attr == "submit" and args and \
                    self._callback(call) is args[0]:  # an executor passes on the arguments after the function
                func_node, args = args[0], args[1:]
        if isinstance(func_node, ast.Call):  # functools.partial(f, **kw)
            inner = self.ev.eval(func_node.func, scope)
            if isinstance(inner, Imported) and inner.qualname == "functools.partial" and func_node.args:
                keywords = list(func_node.keywords) + keywords
                args = list(func_node.args[1:]) + args
                func_node = func_node.args[0]
        ran = shaped_sites.lambda_call(func_node) if func_node is not call.func else None
        if ran is not None:   # run_in_executor(None, lambda: client.invoke_model(…)): the call the lambda makes
            func_node, args, keywords = ran.func, list(ran.args), list(ran.keywords)
        wrapper = self._wrapper(func_node, scope)
        if wrapper is not None:
            req = self._wrapper_request(wrapper, ran or call, args, keywords, scope)
        else:
            req = self._resolve_callee(func_node, cand, ran or call, args, keywords, scope)
        if req is not None and ran is not None:
            req.written = ran
        if req is None and func_node is call.func:
            # handed to another call as a callback: that call's own arguments are not the request's, unless
            # it is a wrapper given the request's keywords to call it with
            func_node = self._callback(call)
            forwarded = func_node is not None and func_node is args[0] and _forwards_request(call, self._bound_requests)
            req = self._resolve_callee(func_node, cand, call, args[1:] if forwarded else [],
                                       keywords if forwarded else [], scope) if func_node is not None else None
        if req is not None and req.callee is None:
            req.callee = func_node
        return req

    def _resolve_callee(self, func_node, cand: Candidate, call, args, keywords, scope) -> Request | None:
        if isinstance(func_node, ast.Attribute):
            base = self.ev.eval(func_node.value, scope)
            req = self._request_on(base, func_node.attr, call, args, keywords, scope)
            if req is None and (base is None or isinstance(base, Instance)):  # self.completion = litellm.completion
                callee = self.ev.eval(func_node, scope)
                if isinstance(callee, Imported) and self._sdk_name(callee.qualname):
                    return self._module_request(callee.qualname, call, args, keywords, scope)
                if (req := self._called_client(callee, call, args, keywords, scope)) is not None:
                    return req  # `self.llm(messages)`
                if isinstance(callee, Client) and callee.path:  # `self.invoke` in a subclass of ChatOpenAI
                    *receiver, attr = callee.path
                    return self._request_on(dataclasses.replace(callee, path=tuple(receiver)), attr, call, args,
                                            keywords, scope)
            unresolved = base is None or isinstance(base, Const) and base.value is None  # `client=None` default
            passed = self._passed_client(func_node, scope) if req is None and unresolved else None
            if passed is not None:
                req = self._request_on(passed, func_node.attr, call, args, keywords, scope)
            if req is None and unresolved:   # of the clients constructions pass, one whose own request it is first
                found = [r for c in self._constructed_clients(func_node, scope)
                         if (r := self._request_on(c, func_node.attr, call, args, keywords, scope)) is not None]
                req = next((r for r in found if shaped_sites.own_request(r.client.kind, r.method)), found[0] if found else None)
            if req is None and unresolved and func_node.attr in sdks.LLAMAINDEX_ENGINE_CALLS \
                    and "llama_index" in self._imported_roots:
                req = self._engine_query(func_node, call, args, keywords, scope)
            if req is None and (unresolved or isinstance(base, Imported) and not self._sdk_name(base.qualname)):
                req = self._inferred_request(func_node, cand.awaited, call, args, keywords, scope) \
                    or self._shaped_request(func_node, cand.awaited, call, args, keywords, scope)
            return req
        if isinstance(func_node, ast.Name):
            v = self.ev.eval(func_node, scope)
            if isinstance(v, Imported):
                return self._module_request(v.qualname, call, args, keywords, scope)
            if (req := self._called_client(v, call, args, keywords, scope)) is not None:
                return req  # `llm(messages)`, `qa(question=…)`
            if isinstance(v, Client) and v.path:  # completion = client.chat.completions.create; completion(...)
                *receiver, attr = v.path
                return self._request_on(dataclasses.replace(v, path=tuple(receiver)), attr, call, args, keywords, scope)
        return None

    def _called_client(self, value, call, args, keywords, scope: Scope) -> Request | None:
        """The request of calling `value` when it is a client whose call is one (a LangChain model's
        `llm(messages)`, a DSPy LM or module). A module that names no model of its own prompts the LM its
        framework's global setting names in this module: the request goes to that LM, with its settings."""
        if not isinstance(value, Client) or value.path or "__call__" not in value.kind.methods:
            return None
        method = value.kind.methods["__call__"]
        if value.kind.sdk in sdks.GLOBAL_LM_SETTERS and value.kind.model_param is None:
            if self._package_lm_class(value.kind.sdk):
                return None
            value = self._global_lm(value.kind.sdk, scope.line) or value
        return Request(value, method, call, args, keywords, scope)

    def _package_lm_class(self, sdk: str) -> bool:
        """Whether the package defines its own LM class on the framework's (`class Model(dspy.OpenAI)`)."""
        bases = "|".join(sdks.FRAMEWORK_LM_BASES[sdk])
        return self._package_defines(rb"class\s+\w+\s*\((?:[\w.]+\.)?(?:%s)\s*[,)]" % bases.encode(), sdk.encode())

    def _package_defines(self, pattern: bytes, literal: bytes = b"def") -> bool:
        """Whether a module of the package (this one included) matches `pattern`, a definition (`def embed_query(`,
        `class Model(dspy.OpenAI)`), looked for in the files holding `literal`."""
        found = self.resolver.index.search(self.resolver.state.top(self.mod), literal, pattern)
        for path in found[:1]:
            self.ev.deps.add(rel_path(path, self.ev.project.root))
        return bool(found)

    def _global_lm(self, sdk: str, line: int) -> Client | None:
        """The LM set for all of `sdk`'s modules (`dspy.configure(lm=dspy.LM(…))`, `with dspy.context(lm=lm)`):
        in this module the last set at or before `line`, else the last; else the one LM the package's other
        modules set (its entry point configures what every module prompts), when only one is set there."""
        if sdk not in self._global_lms:
            found = self._lms_set_in(self.mod, sdk)
            if not found:
                setters, keyword = sdks.GLOBAL_LM_SETTERS[sdk]
                names = "|".join(sorted({q.rsplit(".", 1)[-1] for q in setters}))
                pattern = rb"\b(?:%s)\s*\(\s*%s\s*=" % (names.encode(), keyword.encode())
                paths = [p for p in self.resolver.index.search(self.resolver.state.top(self.mod), sdk.encode(), pattern)
                         if rel_path(p, self.ev.project.root) != self.mod.path]
                others = [(lm, mod) for p in paths[:4] if (mod := self.ev.project.load(p)) is not None
                          for _at, lm in self._lms_set_in(mod, sdk)]
                if len(others) == 1:
                    self.ev.deps.add(others[0][1].path)
                    found = [(0, others[0][0])]
            self._global_lms[sdk] = found
        found = self._global_lms[sdk]
        return next((lm for at, lm in reversed(found) if at <= line), found[-1][1] if found else None)

    def _lms_set_in(self, mod: ModuleInfo, sdk: str) -> list[tuple[int, Client]]:
        """The LMs `mod` sets for `sdk`'s modules, by line."""
        setters, keyword = sdks.GLOBAL_LM_SETTERS[sdk]
        found = []
        for name in {q.rsplit(".", 1)[-1] for q in setters}:
            for set_call, func in mod.calls_named(name):
                scope = Scope(mod, func, set_call.lineno)
                callee = self.ev.eval(set_call.func, scope)
                value = next((kw.value for kw in set_call.keywords if kw.arg == keyword), None)
                lm = self.ev.eval(value, scope) if isinstance(callee, Imported) and callee.qualname in setters \
                    and value is not None else None
                if isinstance(lm, Client) and lm.kind.sdk == sdk and lm.ctor is not None:
                    found.append((set_call.lineno, lm))
        return sorted(found, key=lambda f: f[0])

    def _request_on(self, base, attr: str, call, args, keywords, scope) -> Request | None:
        if isinstance(base, Client) and not base.path and attr == "send" and args \
                and not base.kind.methods.keys().isdisjoint(sdks.SOCKET_REQUEST_EVENTS.values()):
            return self._socket_event(base, call, args[0], scope)
        if isinstance(base, Client):
            path = tuple(p for p in base.path + (attr,) if p not in sdks.TRANSPARENT_SEGMENTS)
            method = base.kind.methods.get(".".join(path)) or sdks.async_twin(base.kind, path)
            if method is None:
                return None
            if base.kind.sdk == "http":
                return self._http_request(base, method, call, args, keywords, scope)
            pipeline = next((p for p in sdks.PIPELINES if p[0] is base.kind), None)
            if pipeline is not None:
                return self._pipeline_request(base, pipeline, method, call, args, keywords, scope)
            return Request(base, method, call, args, keywords, scope,
                           streams_response=not sdks.STREAMING_SEGMENTS.isdisjoint(base.path))
        if isinstance(base, Imported):
            return self._module_request(f"{base.qualname}.{attr}", call, args, keywords, scope)
        if isinstance(base, ClassRef):
            sdk_class = self._sdk_class_base(base, attr)
            return self._module_request(f"{sdk_class}.{attr}", call, args, keywords, scope) if sdk_class else None
        return None

    def _sdk_class_base(self, ref: ClassRef, attr: str, depth: int = 0,
                        searched: dict[int, int] | None = None) -> str | None:
        """The SDK class used through its class methods (`dashscope.Generation`) that a project class derives
        from, directly or through project classes none of which defines `attr`: `Sub.call(…)` is its `call`.
        A class already searched from as shallow a depth found none (`searched`): a lattice of classes with
        many bases each is not walked path by path (width ** depth), nor a cycle of bases."""
        searched = {} if searched is None else searched
        if depth > 4 or attr in ref.cls.methods or searched.get(id(ref.cls.node), depth + 1) <= depth:
            return None
        searched[id(ref.cls.node)] = depth
        for b in ref.cls.node.bases:
            v = self.ev.eval(b, Scope(ref.mod, None, ref.cls.node.lineno))
            if isinstance(v, Imported) and v.qualname in sdks.MODULE_CLIENTS:
                return v.qualname
            found = self._sdk_class_base(v, attr, depth + 1, searched) if isinstance(v, ClassRef) else None
            if found:
                return found
        return None

    def _socket_event(self, socket: Client, call: ast.Call, event: ast.expr, scope: Scope) -> Request | None:
        """`connection.send({"type": "response.create", "model": …})` on a socket client: the request that
        `connection.response.create(model=…)` sends, its settings read from the event (written there or built
        before); another event (`response.cancel`) is none."""
        if isinstance(event, ast.Starred):
            return None
        splat = [ast.keyword(arg=None, value=event)]
        kind = self.settings.keywords(splat, scope).get("type")
        value = self.ev.eval(*kind) if kind is not None else None
        path = sdks.SOCKET_REQUEST_EVENTS.get(value.value) if isinstance(value, Const) and isinstance(value.value, str) else None
        method = socket.kind.methods.get(path) if path is not None else None
        return Request(socket, method, call, [], splat, scope) if method is not None else None

    def _engine_query(self, func_node: ast.Attribute, call, args, keywords, scope: Scope) -> Request | None:
        """`engine.query(…)` on a LlamaIndex query engine the receiver's name was last bound to in its scope
        (`index.as_query_engine(…)`, `CitationQueryEngine.from_args(index)`): a request to the engine's `llm=`,
        else to `Settings.llm` as this module sets it, else to an LLM llmsight cannot see."""
        receiver = func_node.value
        func, made = scope.func, receiver if isinstance(receiver, ast.Call) else None
        while isinstance(receiver, ast.Name):
            bindings = func.bindings if func is not None else self.mod.bindings
            before = [value for line, value, how in bindings.get(receiver.id, ())
                      if how in ("assign", "annassign") and (func is not scope.func or line <= scope.line)]
            if before or func is None:
                made = before[-1] if before else None
                break
            func = func.parent
        if not isinstance(made, ast.Call) or not _builds_engine(made.func):
            return None
        made_scope = Scope(self.mod, func, made.lineno)
        llm = next((self.ev.eval(kw.value, made_scope) for kw in made.keywords if kw.arg == "llm"), None)
        if not isinstance(llm, Client):
            llm = self._settings_llm(scope.line)
        client = llm if isinstance(llm, Client) and llm.kind is sdks.LLAMAINDEX_LLM else \
            Client(sdks.LLAMAINDEX_QUERY_ENGINE, "llama-index query engine", made_elsewhere=True)
        return Request(client, sdks.LLAMAINDEX_QUERY_ENGINE.methods[func_node.attr], call, args, keywords, scope)

    def _settings_llm(self, line: int) -> Client | None:
        """The LLM a module-level `Settings.llm = …` sets last at or before `line` (else the last one)."""
        holder, attr = sdks.LLAMAINDEX_GLOBAL_LLM
        found = [(stmt.lineno, stmt.value) for stmt in self.mod.tree.body if isinstance(stmt, ast.Assign)
                 and any(isinstance(t, ast.Attribute) and t.attr == attr and isinstance(t.value, ast.Name)
                         and t.value.id == holder for t in stmt.targets)]
        value = next((v for at, v in reversed(found) if at <= line), found[-1][1] if found else None)
        llm = self.ev.eval(value, Scope(self.mod, None, line)) if value is not None else None
        return llm if isinstance(llm, Client) else None

    def _pipeline_request(self, pipeline: Client, spec, method: sdks.Method, call, args, keywords, scope) -> Request | None:
        """A pipeline's run is the request of the component added to it in this module that makes one (a
        generator before a ranker before an embedder), with that component's model and settings; a pipeline
        with none (local models only, or built where llmsight cannot see) is not a site."""
        _kind, adder, position, keyword, kinds = spec
        found: list[Client] = []
        for add, func in self.mod.calls_named(adder):
            add_scope = Scope(self.mod, func, add.lineno)
            target = self.ev.eval(add.func.value, add_scope) if isinstance(add.func, ast.Attribute) else None
            if not isinstance(target, Client) or target.ctor is not pipeline.ctor:
                continue
            node = add.args[position] if len(add.args) > position else next(
                (kw.value for kw in add.keywords if kw.arg == keyword), None)
            component = self.ev.eval(node, add_scope) if node is not None else None
            if isinstance(component, Client) and any(component.kind is k for k in kinds):
                found.append(component)
        component = next((c for k in kinds for c in found if c.kind is k), None)
        if component is None:
            return None
        asked = component.kind.methods["run"]
        return Request(component, dataclasses.replace(method, operation=asked.operation, max_tokens=asked.max_tokens),
                       call, args, keywords, scope)

    def _sdk_name(self, qualname: str) -> bool:
        return qualname.split(".", 1)[0] in _SDK_ROOTS

    @cached_property
    def _imported_roots(self) -> frozenset[str]:
        quals = set(self.mod.imports.values())
        roots = {root for root, *_ in sdks.INFERRED_RECEIVERS
                 if any(q == root or q.startswith(root + ".") for q in quals)}
        if any(q.startswith(sdks.LANGCHAIN_IMPORT_PREFIX) for q in quals):
            roots.add(sdks.LANGCHAIN_IMPORT_PREFIX)
        return frozenset(roots)

    def _keyword_names(self, keywords, scope) -> set[str]:
        """Keywords a call passes, `**params` dicts built in the same function included."""
        names = {kw.arg for kw in keywords if kw.arg}
        for kw in keywords:
            if kw.arg is None:
                d = self.ev.eval(kw.value, scope)
                if isinstance(d, DictVal):
                    names.update(str(k) for k in self.ev.dict_items(d))
        return names

    def _inferred_request(self, func_node: ast.Attribute, awaited: bool, call, args, keywords, scope) -> Request | None:
        """A request on a receiver we could not resolve, recognised by its SDK-specific path (sdks.INFERRED_RECEIVERS)."""
        roots = self._imported_roots | {sdks.SIGNATURE_KEYWORDS[k] for k in self._keyword_names(keywords, scope)
                                        if k in sdks.SIGNATURE_KEYWORDS}
        if not roots:
            return None
        node, names = shaped_sites.attribute_chain(func_node)
        receiver_text = ".".join(([node.id] if isinstance(node, ast.Name) else []) + names)
        for root, sync, async_, paths in sdks.INFERRED_RECEIVERS:
            if root not in roots:
                continue
            for i in range(len(names)):  # longest path first: `chat.completions.create`, not `completions.create`
                path = ".".join(p for p in names[i:] if p not in sdks.TRANSPARENT_SEGMENTS)
                if path not in paths:
                    continue
                receiver = ".".join(names[:i]).lower() or receiver_text.split(".", 1)[0].lower()
                if "." not in path and sync.sdk != "http" and not ("client" in receiver or root.rsplit(".", 1)[-1] in receiver
                                                                   or any(w in receiver for w in sdks.INFERRED_RECEIVER_WORDS.get(root, ()))):
                    break
                kind = async_ if awaited else sync
                client = Client(kind, f"{root} (inferred)", made_elsewhere=True)
                if kind.sdk == "http":
                    return self._http_request(client, kind.methods[path], call, args, keywords, scope)
                return Request(client, kind.methods[path], call, args, keywords, scope,
                               streams_response=not sdks.STREAMING_SEGMENTS.isdisjoint(names[i:]))
        receiver = receiver_text.rsplit(".", 1)[0].rsplit(".", 1)[-1].lower()
        for kind, calls, words, own in sdks.LANGCHAIN_INFERRED if sdks.LANGCHAIN_IMPORT_PREFIX in roots else ():
            if func_node.attr in calls and any(w in receiver for w in words) and not (own and self._package_defines(own)):
                client = Client(kind, "langchain (inferred)", made_elsewhere=True)
                return Request(client, kind.methods[func_node.attr], call, args, keywords, scope)
        return None

    def _shaped_request(self, func_node: ast.Attribute, awaited: bool, call, args, keywords, scope) -> Request | None:
        """A request on a receiver nothing types, by an SDK's distinctive request path and keywords
        (shaped_sites): `self.client.embeddings.create(input=…, model=…)` on a client handed in untyped."""
        names = shaped_sites.attribute_chain(func_node)[1]
        opaque = any(kw.arg is None and not isinstance(self.ev.eval(kw.value, scope), DictVal) for kw in keywords)
        shape = shaped_sites.request_shape(names, self._keyword_names(keywords, scope), opaque, awaited)
        if shape is None:
            return None
        kind, path, start = shape
        client = Client(kind, f"{kind.sdk} (inferred from the request)", made_elsewhere=True)
        return Request(client, kind.methods[path], call, args, keywords, scope,
                       streams_response=not sdks.STREAMING_SEGMENTS.isdisjoint(names[start:]))

    def _module_request(self, qualname: str, call, args, keywords, scope) -> Request | None:
        parts = qualname.split(".")
        for i in range(len(parts) - 1, 0, -1):
            kind = sdks.MODULE_CLIENTS.get(".".join(parts[:i]))
            if kind is None:
                continue
            method = kind.methods.get(".".join(parts[i:]))
            if method is None:
                return None
            client = Client(kind, ".".join(parts[:i]))
            if kind.sdk == "http":
                return self._http_request(client, method, call, args, keywords, scope)
            req = Request(client, method, call, args, keywords, scope)
            return agent_frameworks.run_by_runner(self.ev, req) if kind is sdks.OPENAI_AGENTS_RUNNER else req
        return None

    def _http_request(self, client: Client, method: sdks.Method, call, args, keywords, scope) -> Request | None:
        # `client.request("POST", url)` / `client.stream("POST", url=…)`: the HTTP method comes first
        position = 1 if any(method is client.kind.methods.get(m) for m in sdks.HTTP_METHOD_FIRST) else 0
        url_node = args[position] if len(args) > position else next((k.value for k in keywords if k.arg == "url"), None)
        if client.kind is sdks.HTTP_URLLIB:   # urlopen(Request(url, data=…)) / urlopen(url, data)
            made = self._urllib_request(url_node, scope)
            if made is not None:
                args, keywords = list(made.args), list(made.keywords) + keywords
            url_node = args[0] if args else next((k.value for k in keywords if k.arg == "url"), None)
            if len(args) > 1 and not isinstance(args[1], ast.Starred):
                keywords = [*keywords, ast.keyword(arg="data", value=args[1])]
        urls = self._request_urls(url_node, scope)
        urls = self._on_client_base(client, urls) or urls
        counting = [u for u in urls if any(w in u.split("?", 1)[0].lower() for w in sdks.HTTP_TOKEN_COUNT_PATH_WORDS)]
        if counting and len(counting) == len(urls):
            return None
        urls = [u for u in urls if u not in counting]
        if method.operation == "realtime":   # a socket opened: a session only on a realtime endpoint
            url = next((u for u in urls if _realtime_socket(u)), None)
            if url is None:
                return None
            method, keywords = _with_query_model(method, url_node, keywords, scope)
            return Request(client, method, call, args, keywords, scope, sdk="http",
                           endpoint=_redact_url(self._with_base(url, url_node, scope)))
        for url in urls:
            operation = _provider_operation(url)
            if operation is not None:
                m = sdks.Method(operation, method.stream, method.is_async or client.kind.is_async, method.model_param,
                                None, method.max_tokens, method.prompt, model_aliases=method.model_aliases)
                if operation == "realtime":   # the WebRTC call POST
                    m, keywords = _with_query_model(m, url_node, keywords, scope)
                return Request(client, m, call, args, keywords, scope, sdk="http",
                               endpoint=_redact_url(self._with_base(url, url_node, scope)))
        # a URL from configuration (`os.getenv("LLM_ENDPOINT")`) that is sent a chat-completions or rerank body
        operation = self._body_operation(keywords, scope) if url_node is not None and not any(
            u.startswith("/") for u in urls) else None
        if operation is not None:
            m = sdks.Method(operation, method.stream, method.is_async or client.kind.is_async, method.model_param,
                            None, method.max_tokens, method.prompt, model_aliases=method.model_aliases)
            return Request(client, m, call, args, keywords, scope, sdk="http")
        return None

    def _urllib_request(self, node, scope: Scope) -> ast.Call | None:
        """The `urllib.request.Request(url, data=…)` that `urlopen` is handed, written there or assigned to the
        name it is handed before the call."""
        node = _assigned_before(node, scope)
        made = self.ev.eval(node.func, scope) if isinstance(node, ast.Call) else None
        return node if isinstance(made, Imported) and made.qualname == "urllib.request.Request" else None

    def _on_client_base(self, client: Client, urls: list[str]) -> list[str]:
        """A path posted on a client made with `base_url=` (`httpx.AsyncClient(base_url=settings.api_base)`,
        then `.post("/chat/completions")`): the URLs it reaches, joined as httpx joins them."""
        base = next((k.value for k in client.ctor.keywords if k.arg == "base_url"), None) \
            if client.ctor is not None and client.ctor_scope is not None else None
        relative = [u for u in urls if "://" not in u and not u.startswith("{}")]
        if base is None or not relative:
            return []
        bases = self._request_urls(base, client.ctor_scope) or ["{}"]
        return [b.rstrip("/") + "/" + u.lstrip("/") for b in bases[:4] for u in relative[:4]]

    def _with_base(self, url: str, url_node, scope: Scope) -> str:
        """A provider request's URL whose base is unknown (`{}/chat/completions`) with the base a helper method
        returns or a settings field holds (`os.getenv("X_BASE_URL", self.base_url)`), read as a model is:
        the project's defaults. Only for these sites, so discovery pays for no other URL."""
        if not url.startswith("{}") or url_node is None:
            return url
        text = self.resolver.resolve_default_text(url_node, scope)
        return text if text and "://" in text and text.endswith(url[2:]) else url

    def _body_operation(self, keywords, scope: Scope) -> str | None:
        """What the request's JSON body (`json=`, or `data=json.dumps(...)`) asks for, by the keys it has: read
        as request settings are (a helper's returned dict, `{**base, …}`, `json.dumps(body).encode()`)."""
        for kw in keywords:
            if kw.arg in ("json", "data", "content"):
                keys = self.settings.read(kw.value, scope).items.keys()
                for shape, operation in sdks.REQUEST_BODY_SHAPES:
                    if shape <= keys:
                        return operation
        return None

    def _request_urls(self, node, scope: Scope) -> list[str]:
        """What a request's URL can be: the first `_MAX_URLS` candidates, none (unknown) when finding them
        would take more than `_MAX_URL_STEPS` steps (values built from values, assigned again and again)."""
        self._url_steps = _MAX_URL_STEPS
        urls = self._urls_of(node, scope, 0)
        return urls[:_MAX_URLS] if self._url_steps >= 0 else []

    def _urls_of(self, node, scope: Scope, depth: int) -> list[str]:
        """What a URL expression can be, as far as it is static (unknown parts read `{}`): literals,
        f-strings, `a + b`, `x or "https://…"`, names bound locally or at module level, and a helper's
        parameter through the arguments its callers in this file pass (`fetch(url=JINA_URL)`). A candidate
        longer than any URL (`MAX_BUILT_LENGTH`, as the evaluator bounds built strings) is none: a hostile
        f-string repeating a long constant must not be built."""
        if node is None or depth > 4:
            return []
        if self._url_steps <= 0:
            self._url_steps = -1
            return []
        self._url_steps -= 1
        return [u for u in self._urls_built(node, scope, depth) if len(u) <= MAX_BUILT_LENGTH]

    def _urls_built(self, node, scope: Scope, depth: int) -> list[str]:
        if isinstance(node, ast.JoinedStr):   # each field's candidates (the first four), combined
            urls = [""]
            for i, v in enumerate(node.values):
                inner = [str(v.value)] if isinstance(v, ast.Constant) else \
                    self._urls_of(v.value, scope, depth + 1) if isinstance(v, ast.FormattedValue) else []
                inner = _configured_base(inner) if i == 0 and isinstance(v, ast.FormattedValue) else inner
                urls = [u + p for u in urls for p in (inner[:4] or ["{}"]) if len(u) + len(p) <= MAX_BUILT_LENGTH]
                urls = urls[:_MAX_URLS]
                if not urls:
                    return []
            return urls
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            lefts = self._urls_of(node.left, scope, depth + 1) or ["{}"]
            lefts = lefts if isinstance(node.left, ast.Constant) else _configured_base(lefts)
            rights = self._urls_of(node.right, scope, depth + 1) or ["{}"]
            return [a + b for a in lefts[:4] for b in rights[:4]]
        if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or):
            return [u for v in node.values for u in self._urls_of(v, scope, depth + 1)]
        if isinstance(node, ast.IfExp):
            return self._urls_of(node.body, scope, depth + 1) + self._urls_of(node.orelse, scope, depth + 1)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):  # "%s/openai/deployments/%s" % (…)
            return [_PERCENT_FIELD.sub("{}", u) for u in self._urls_of(node.left, scope, depth + 1)]
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr in ("rstrip", "lstrip", "strip"):  # f"{self.base_url.rstrip('/')}/v1/chat/completions"
                chars = node.args[0].value if node.args and isinstance(node.args[0], ast.Constant) \
                    and isinstance(node.args[0].value, str) else None
                return [getattr(u, node.func.attr)(chars) for u in self._urls_of(node.func.value, scope, depth + 1)]
            if node.func.attr == "format":  # "{}/chat/completions?api-version={}".format(…)
                return [_FORMAT_FIELD.sub("{}", u) for u in self._urls_of(node.func.value, scope, depth + 1)]
            if node.func.attr == "join" and isinstance(node.func.value, ast.Constant) and node.args \
                    and isinstance(node.args[0], (ast.List, ast.Tuple)):  # "/".join([base, "v1", "embeddings"])
                parts = [(self._urls_of(e, scope, depth + 1) or ["{}"])[0] for e in node.args[0].elts]
                return [str(node.func.value.value).join(parts)]
        if isinstance(node, ast.Call) and len(node.args) == 2:
            joiner = self.ev.eval(node.func, scope)
            if isinstance(joiner, Imported) and joiner.qualname.endswith("urljoin"):  # urljoin(endpoint, "openai/…")
                bases = self._urls_of(node.args[0], scope, depth + 1) or ["{}"]
                return [b.rstrip("/") + "/" + p.lstrip("/") for b in bases[:4]
                        for p in self._urls_of(node.args[1], scope, depth + 1)[:4]]
        if isinstance(node, ast.Call) and (returned := self._urls_returned(node, scope, depth)):
            return returned
        v = self.ev.eval(node, scope)
        if isinstance(v, Const) and isinstance(v.value, str) and not v.value.startswith("/"):
            return [v.value]
        # a path alone may have been built on an empty configured base (`self.url = cfg.api_base + "/embeddings"`):
        # read how the value is built
        followed = self._urls_of_name(node, scope, depth) if isinstance(node, ast.Name) else \
            self._urls_of_self_attr(node.attr, scope, depth) if isinstance(node, ast.Attribute) \
            and isinstance(node.value, ast.Name) and node.value.id == "self" else []
        return followed or ([v.value] if isinstance(v, Const) and isinstance(v.value, str) else [])

    def _urls_returned(self, call: ast.Call, scope: Scope, depth: int) -> list[str]:
        """What a project function returns for this call's arguments (`api_url(self.base_url, "v1/chat")`,
        `self._endpoint("embeddings")`): its first two `return`s read with each parameter as passed here."""
        ref = self.ev.eval(call.func, scope)
        fnode = ref.node if isinstance(ref, FuncRef) else None
        if not isinstance(fnode, (ast.FunctionDef, ast.AsyncFunctionDef)) or id(fnode) in self._url_arguments:
            return []
        names = [a.arg for a in fnode.args.posonlyargs + fnode.args.args]
        if ref.cls is not None and names and not any(isinstance(d, ast.Name) and d.id == "staticmethod"
                                                    for d in fnode.decorator_list):
            names = names[1:]
        passed = {n: a for n, a in zip(names, call.args) if not isinstance(a, ast.Starred)}
        passed.update((kw.arg, kw.value) for kw in call.keywords if kw.arg)
        returns = [r for r in ast.walk(fnode) if isinstance(r, ast.Return) and r.value is not None][:2]
        info = ref.mod.func_info(fnode, ref.qualname or fnode.name, None, ref.cls)
        self._url_arguments[id(fnode)] = (passed, scope, depth)
        try:
            return [u for r in returns for u in self._urls_of(r.value, Scope(ref.mod, info, r.lineno), depth + 1)]
        finally:
            del self._url_arguments[id(fnode)]

    def _urls_of_self_attr(self, attr: str, scope: Scope, depth: int) -> list[str]:
        """`self.url`: what the class's methods assign it (`self.url = f"{base_url}/v1/chat/completions"`), or
        what its property of that name returns."""
        func = scope.method
        cls = func.cls if func is not None else None
        if cls is None:
            return []
        out = [url for line, value, method in cls.self_attrs.get(attr, ())[:8]
               for url in self._urls_of(value, self.ev.method_scope(scope.mod, cls, method, line), depth + 1)]
        prop = cls.methods.get(attr)
        if not out and isinstance(prop, (ast.FunctionDef, ast.AsyncFunctionDef)) and shaped_sites.is_property(prop):
            out = [url for ret in ast.walk(prop) if isinstance(ret, ast.Return) and ret.value is not None
                   for url in self._urls_of(ret.value, self.ev.method_scope(scope.mod, cls, prop, ret.lineno), depth + 1)]
        return out

    def _urls_of_name(self, node: ast.Name, scope: Scope, depth: int) -> list[str]:
        func = scope.func
        while True:
            bindings = func.bindings if func is not None else scope.mod.bindings
            limit = scope.line if func is scope.func else 10**9
            before = [b for b in bindings.get(node.id, ()) if b[0] <= limit and b[2] in ("assign", "annassign")]
            if before:
                line, value, _ = before[-1]
                return self._urls_of(value, Scope(scope.mod, func, line), depth + 1) if value is not node else []
            if func is not None and id(func.node) in self._url_arguments and node.id in func.params:
                passed, caller, at = self._url_arguments[id(func.node)]   # read for one call (`_urls_returned`)
                arg, default = passed.get(node.id), func.params[node.id][1]
                return self._urls_of(arg, caller, at + 1) if arg is not None else \
                    self._urls_of(default, Scope(scope.mod, func.parent, scope.line), depth + 1)
            if func is not None and node.id in func.params:
                _, default = func.params[node.id]
                found = self._urls_of(default, Scope(scope.mod, func.parent, scope.line), depth + 1) if default else []
                found += self._urls_from_callers(func, node.id, depth)
                if func.parent is None and not any(map(_provider_operation, found)):
                    # a module's helper function the package calls from other modules (they import it), or a
                    # method subclasses there call (`self._request("/chat/completions", body)`)
                    found += [url for arg, caller in self.resolver.arguments_passed(func, scope.mod, node.id)
                              if caller.mod is not self.mod for url in self._urls_of(arg, caller, depth + 1)]
                return found
            if func is None:
                return []
            func = func.parent

    def _urls_from_callers(self, func: FuncInfo, param: str, depth: int) -> list[str]:
        return [url for arg, scope in self._caller_arguments(func, param) for url in self._urls_of(arg, scope, depth + 1)]

    def _caller_arguments(self, func: FuncInfo, param: str) -> list[tuple[ast.AST, Scope]]:
        """What the calls of `func` in this file (the first 16) pass for `param`, by keyword or position,
        each with the caller's scope."""
        fnode = func.node
        names = [a.arg for a in fnode.args.posonlyargs + fnode.args.args]  # type: ignore[attr-defined]
        if func.cls is not None and names:
            names = names[1:]
        out: list[tuple[ast.AST, Scope]] = []
        for call, caller in self.mod.calls_named(getattr(fnode, "name", ""))[:16]:
            arg = next((kw.value for kw in call.keywords if kw.arg == param), None)
            if arg is None and param in names and names.index(param) < len(call.args):
                arg = call.args[names.index(param)]
            if arg is not None and not isinstance(arg, ast.Starred):
                out.append((arg, Scope(self.mod, caller, call.lineno)))
        return out

    def _passed_client(self, func_node: ast.Attribute, scope: Scope) -> Client | None:
        """The client a helper's parameter receives from its callers in this file
        (`def invoke_with_timeout(self, chain, inputs)` called with chains over a chat model), with the
        attributes the request reads on it."""
        path: list[str] = []
        node = func_node.value
        while isinstance(node, ast.Attribute):
            path.append(node.attr)
            node = node.value
        func = scope.func
        if not isinstance(node, ast.Name) or func is None or node.id not in func.params or func.params[node.id][0]:
            return None
        # this file's calls first, then, for a path only SDK requests have, the package's (`probe(client, m)`
        # called with `self.openai_client` from a module that builds it)
        distinctive = ".".join([*reversed(path), func_node.attr]) in sdks.DOTTED_REQUEST_PATHS
        for passed in (lambda: self._caller_arguments(func, node.id),
                       lambda: self.resolver.arguments_passed(func, self.mod, node.id) if distinctive else []):
            for arg, caller in passed():
                v = self.ev.eval(arg, caller)
                if isinstance(v, Client):
                    return dataclasses.replace(v, path=v.path + tuple(reversed(path)))
        return None

    def _constructed_clients(self, func_node: ast.Attribute, scope: Scope):
        """`self.client.create(…)` where `__init__` stores a parameter in `self.client`: the clients the
        package's constructions of the class pass for it (`Wrapper(instructor.from_genai(client), m)` in another
        module), with the attributes the request reads on them; the first eight constructions."""
        root, names = shaped_sites.attribute_chain(func_node.value)
        func = scope.method
        cls = func.cls if func is not None and isinstance(root, ast.Name) and root.id == "self" and names else None
        init = cls.methods.get("__init__") if cls is not None else None
        param = next((v.id for _line, v, m in cls.self_attrs.get(names[0], ()) if m is init and isinstance(v, ast.Name)),
                     None) if init is not None else None
        if param is None:
            return
        info = self.mod.func_info(init, f"{cls.node.name}.__init__", None, cls)
        for arg, caller in self.resolver.arguments_passed(info, self.mod, param)[:8] if param in info.params else ():
            v = self.ev.eval(arg, caller)
            if isinstance(v, Client):
                yield dataclasses.replace(v, path=v.path + tuple(names[1:]))

    # ---- configured wrappers -------------------------------------------------------------------
    def _wrapper(self, func_node, scope) -> str | None:
        if not self.wrappers:
            return None
        name = func_node.attr if isinstance(func_node, ast.Attribute) else getattr(func_node, "id", None)
        if name not in self.wrappers:
            return None
        target = self.wrappers[name]
        v = self.ev.eval(func_node, scope)
        if isinstance(v, Imported) and v.qualname == target:
            return target
        if isinstance(v, FuncRef):
            qual = f"{v.mod.modname}.{v.qualname}" if v.mod.modname else v.qualname
            if qual == target or qual.endswith("." + target) or target.endswith("." + v.qualname):
                return target
        return None

    def _wrapper_request(self, wrapper: str, call, args, keywords, scope) -> Request | None:
        inner = self._wrapper_inner(wrapper, scope)
        if inner is None:
            client = Client(sdks.OPENAI, wrapper)
            method = sdks.Method("chat", None, False, "model", None, ("max_tokens",), ("messages", "prompt"), 0)
            return Request(client, method, call, args, keywords, scope, via_wrapper=wrapper)
        inner.via_wrapper, inner.callee = wrapper, call.func
        inner.outer_keywords = tuple((kw, scope) for kw in keywords if kw.arg)
        return inner

    def _wrapper_inner(self, wrapper: str, scope) -> Request | None:
        v = self.ev.eval(ast.parse(wrapper.rsplit(".", 1)[-1], mode="eval").body, scope)
        if not isinstance(v, FuncRef):
            resolved = self.ev.project.resolve_symbol(wrapper)
            if resolved is None or resolved[1] is None:
                return None
            v = self.ev.module_name(resolved[1], resolved[0], 0)
            if not isinstance(v, FuncRef):
                return None
        sub = FileDiscovery(v.mod, self.ev, self.config)
        fi = v.mod.func_info(v.node, v.qualname, None, v.cls)
        sub._walk(v.node.body, (fi,), None, None, ())  # type: ignore[attr-defined]
        for cand in sub.candidates:
            req = sub.resolve(cand)
            if req is not None:
                return req
        return None


# ---- request → record ---------------------------------------------------------------------------------

_FORMAT_FIELD = re.compile(r"\{[^{}]*\}")
_MAX_URLS = 16   # candidate URLs of one request kept (a hostile file must not multiply them unbounded)
_MAX_URL_STEPS = 2_000   # `_urls_of` steps for one request's URL
_PERCENT_FIELD = re.compile(r"%(?:\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[sdifr]")


def _builds_engine(func: ast.AST) -> bool:
    """`index.as_query_engine`, `CitationQueryEngine.from_args`, `RetrieverQueryEngine(…)`, chat engines alike."""
    if isinstance(func, ast.Attribute) and func.attr in sdks.LLAMAINDEX_ENGINE_FACTORIES:
        return True
    named = func.value if isinstance(func, ast.Attribute) else func
    name = named.attr if isinstance(named, ast.Attribute) else named.id if isinstance(named, ast.Name) else ""
    return name.endswith(sdks.LLAMAINDEX_ENGINE_CLASSES)


def _batch_line_body(node: ast.AST) -> ast.expr | None:
    """The request body of a batch input line, `{"custom_id": …, "body": {…}}` or `dict(custom_id=…, body=…)`."""
    if isinstance(node, ast.Dict):
        items = {k.value: v for k, v in zip(node.keys, node.values) if isinstance(k, ast.Constant)}
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "dict":
        items = {kw.arg: kw.value for kw in node.keywords if kw.arg}
    else:
        return None
    return items.get("body") if "custom_id" in items else None


def _provider_operation(url: str) -> str | None:
    """The operation a URL requests from a provider: a known host on a request path (the endpoint table's,
    or any host of the host→provider table on a path that names a request), or an OpenAI-/Anthropic-
    compatible path on any host."""
    if url.startswith("/"):
        return None  # a route path (`@app.post("/v1/chat/completions")` serves requests, it makes none)
    path = url.split("?", 1)[0].rstrip("/")
    host, _, after_host = path.split("://", 1)[-1].partition("/")
    after_host = after_host.lower()
    requested = any(w in after_host for w in sdks.HTTP_REQUEST_PATH_WORDS)
    operation = next((o for n, _, o in sdks.HTTP_ENDPOINTS if n in url and (
        not after_host or "{}" in after_host
        or any(w in n + "/" + after_host for w in sdks.HTTP_REQUEST_PATH_WORDS))), None) or next(
        (o for n, _, o in sdks.HTTP_PATH_SUFFIXES if path.endswith(n)), None) or next(
        (o for n, o in sdks.AZURE_DEPLOYMENT_PATHS if path.endswith(n) and "/openai/deployments/" in path), None) or (
        "chat" if requested and "://" in url and host_provider(host.rsplit("@", 1)[-1].split(":", 1)[0].lower()) else None)
    if operation is None:
        return None
    # an OpenAI-compatible path names what a multi-purpose host (OpenRouter, Groq…) is asked for
    media = next((o for n, o in sdks.AZURE_DEPLOYMENT_PATHS if path.endswith(n) and o in ("audio", "image")), None)
    return "embedding" if "embed" in url else "rerank" if "rerank" in url else media or operation


def _configured_base(urls: list[str]) -> list[str]:
    """A URL's leading part read from a value, not written: empty (`api_base: str = ""`, a setting the user
    must fill) it is still an address, not the start of a route path (`"" + "/embeddings"`)."""
    return [u or "{}" for u in urls]


_QUERY_MODEL = re.compile(r"[?&](?:model|deployment)=([^&{}#]*)")


def _with_query_model(method: sdks.Method, url_node, keywords: list, scope: Scope) -> tuple[sdks.Method, list]:
    """A realtime session's model rides in its URL's query (`?model=…`, an Azure `deployment=…`): the request
    gains a `model` keyword standing for that field, literal or formatted (`?model={self.deployment}`)."""
    node = _assigned_before(url_node, scope) if isinstance(url_node, ast.Name) else url_node
    parts = node.values if isinstance(node, ast.JoinedStr) else [node] if node is not None else []
    for i, part in enumerate(parts):
        if not (isinstance(part, ast.Constant) and isinstance(part.value, str)):
            continue
        for m in _QUERY_MODEL.finditer(part.value):
            model = ast.copy_location(ast.Constant(m.group(1)), part) if m.group(1) else \
                parts[i + 1].value if m.end() == len(part.value) and i + 1 < len(parts) \
                and isinstance(parts[i + 1], ast.FormattedValue) else None
            if model is not None:
                return dataclasses.replace(method, model_param="model", model_aliases=()), \
                    [*keywords, ast.keyword(arg="model", value=model)]
    return method, keywords


def _realtime_socket(url: str) -> bool:
    """A WebSocket URL of a realtime endpoint (`wss://api.openai.com/v1/realtime?model=…`, an Azure resource's
    `…/openai/realtime?deployment=…`, `{base}/realtime`)."""
    return url.split("?", 1)[0].rstrip("/").lower().endswith("/realtime")


def _assigned_before(node: ast.AST, scope: Scope) -> ast.AST | None:
    """For a name, the value last assigned to it at or before the scope's line in its function (in the
    module at module level), None when none is; any other node as it is."""
    if not isinstance(node, ast.Name):
        return node
    bindings = scope.func.bindings if scope.func is not None else scope.mod.bindings
    before = [value for line, value, how in bindings.get(node.id, ()) if line <= scope.line and how == "assign"]
    return before[-1] if before else None


# what a web framework's request object reads its body with (Starlette/FastAPI, Flask, aiohttp, Django)
_BODY_READS = frozenset({"json", "body", "get_json", "get_data", "read", "stream", "text"})


def _serves_request(param: str, func: FuncInfo) -> bool:
    """`param` is the request a route serves: named so, or annotated with a `…Request` class."""
    annotation = func.params[param][0]
    name = annotation.attr if isinstance(annotation, ast.Attribute) else annotation.id \
        if isinstance(annotation, ast.Name) else ""
    return param in ("request", "req") or name.endswith("Request")


def _with_remedy(why: str | None, site_id: str, span) -> str:
    """Why no model is known, and the one line that tells llmsight."""
    where = f"cell {span.cell + 1} line {span.start_line}" if span.cell is not None else f"line {span.start_line}"
    return (f"{why or 'the model is set at run time'}; to price this call, add `# llmsight: model=<name>` at the "
            f"end of {where}, or `\"{site_id}\" = \"<name>\"` under [tool.llmsight.models]")


_CLIENT_MODEL_KEYWORDS = ("model", "model_name", "model_id", "deployment_name", "azure_deployment", "repo_id")


def _where(found: tuple[ast.AST, Scope]) -> str:
    node, scope = found
    return f"{scope.mod.path}:{getattr(node, 'lineno', 0)}"


def _project_relative(path: str | None, root) -> str | None:
    """`path` relative to the project root when it lies inside (origins are project paths, not where the
    user's checkout sits), else as given."""
    if not path:
        return path
    try:
        return Path(path).resolve().relative_to(root).as_posix()
    except (ValueError, OSError, RuntimeError):
        return path


def _redact_url(url: str) -> str:
    """Drop query strings (Google-style `?key=...` URLs carry API keys) and credentials before the host
    (`https://user:password@host/…`), and mask keys elsewhere in it."""
    scheme, sep, rest = url.split("?", 1)[0].partition("://")
    host, slash, path = rest.partition("/")
    return redact(f"{scheme}{sep}{host.rsplit('@', 1)[-1]}{slash}{path}" if sep else scheme)


@dataclass
class SiteBuilder:
    disc: FileDiscovery
    req: Request
    segment: Any  # callable(ast node) -> source text
    span_of: Any  # callable(ast node) -> Span in this file
    origins: list[str] = field(default_factory=list)

    @property
    def ev(self) -> Evaluator:
        return self.disc.ev

    # args by keyword or dotted path ("config.max_output_tokens", "json.model", "body.max_tokens")
    @property
    def settings(self) -> settings_flow.Reader:
        return self.disc.settings

    def _call_keywords(self) -> dict[str, tuple[ast.AST, Scope]]:
        out = self.settings.keywords(self.req.keywords, self.req.scope)
        out.update((kw.arg, (kw.value, scope)) for kw, scope in self.req.outer_keywords)
        body = next((out[k] for k in ("data", "content") if k in out), None) if self.req.sdk == "http" else None
        if body is not None:   # `data=json.dumps({"model": …})`: the JSON body sent as text
            out.setdefault("json", body)
        return out

    def _option_keywords(self) -> list[dict[str, tuple[ast.AST, Scope]]]:
        """Keywords stated on the client: constructor first, then with_options/bind calls in order."""
        client = self.req.client
        calls = ([(client.ctor, client.ctor_scope)] if client.ctor is not None else []) + list(client.options)
        if client.model_from is not None:
            calls.append(client.model_from)
        layers = [self.settings.keywords(call.keywords, scope) for call, scope in calls]
        module_settings = self._module_settings(client.cls) if client.ctor is None and client.cls in sdks.MODULE_CLIENTS else {}
        return [module_settings, *layers] if module_settings else layers

    def _module_settings(self, module: str) -> dict[str, tuple[ast.AST, Scope]]:
        """Settings written on an SDK module used as the client, at module level (`openai.timeout = 30`,
        `litellm.request_timeout = 60`): the module's client reads them at request time."""
        mod, scope = self.disc.mod, self.req.scope
        before = scope.line if scope.func is None else 10**9  # a function runs after the module's statements
        return {key.value: (value, Scope(mod, None, line))
                for alias, qual in mod.imports.items() if qual == module
                for line, key, value in mod.subscripts.get(alias, ())
                if line < before and isinstance(key, ast.Constant) and isinstance(key.value, str)}

    def _dig(self, root: tuple[ast.AST, Scope], rest: list[str]) -> tuple[ast.AST, Scope] | None:
        return self.settings.dig(root, rest)

    def _find(self, names: tuple[str, ...], layers: list[dict]) -> tuple[tuple[ast.AST, Scope], str] | None:
        return self.settings.lookup(names, layers)[0]

    def _unseen(self, names: tuple[str, ...], layers: list[dict]) -> Setting | None:
        """A setting none of `layers` states but a part of them we cannot see may: unknown, not absent."""
        return settings_flow.unseen_setting(self.settings.lookup(names, layers)[1]) if names else None

    def setting(self, found: tuple[ast.AST, Scope] | None, source: str, *, number: bool = False) -> Setting:
        node, scope = found  # type: ignore[misc]
        v = self.ev.eval(node, scope)
        if number and not isinstance(v, Const):  # httpx.Timeout(60.0, connect=5.0), args.max_tokens
            v = self._timeout_object(node, scope) or self._option_default(node, scope) or v
        expr = redact(" ".join(self.segment(node, scope.mod).split()))[:200]
        if isinstance(v, Const) and (not number or isinstance(v.value, (int, float)) or v.value is None):
            value = redact(v.value) if isinstance(v.value, str) else v.value  # a key where a model goes
            if number and isinstance(value, bool):
                value = None
            origin = v.origin or (settings_flow.written_apart(node, scope, self._holders) if number else None)
            return Setting(value=value, expr=expr, source=source, origin=origin)
        return Setting(value=None, expr=expr, source="unresolved")  # stated, by an expression we cannot evaluate

    @property
    def _holders(self) -> list[tuple[ast.AST | None, Scope | None]]:
        """Where settings are written directly: the request and its client's constructor."""
        return [(self.req.call, self.req.scope), (self.req.client.ctor, self.req.client.ctor_scope)]

    def _option_default(self, node, scope) -> Const | None:
        """`max_tokens=args.max_tokens`: the number a command-line option gives by default."""
        found = self.disc.resolver.option_default(node, scope)
        v = self.ev.eval(*found) if found is not None else None
        if not isinstance(v, Const) or not isinstance(v.value, (int, float)) or isinstance(v.value, bool):
            return None
        return v if v.origin else Const(v.value, f"{found[1].mod.path}:{found[0].lineno}", v.how)

    def _timeout_object(self, node, scope) -> Const | None:
        """httpx.Timeout(30.0, connect=5) / Timeout(read=60): the read timeout is what bounds a response."""
        if not isinstance(node, ast.Call):
            return None
        for kw in node.keywords:
            if kw.arg in ("read", "timeout", "total"):
                v = self.ev.eval(kw.value, scope)
                if isinstance(v, Const):
                    return v
        if node.args:
            v = self.ev.eval(node.args[0], scope)
            if isinstance(v, Const):
                return v
        return None

    # ---- the record ------------------------------------------------------------------------------
    def build(self, site_id: str, span, function: str | None, cand: Candidate,
              feature: str | None) -> tuple[CallSite, ast.Call | None]:
        req, method, kind = self.req, self.req.method, self.req.client.kind
        call_kw = self._call_keywords()
        client_layers = self._option_keywords()
        sdk = req.sdk or kind.sdk

        model = self._user_model(site_id, span, req.written or cand.call) or self._model(call_kw, client_layers)
        if model.value is None:
            model = dataclasses.replace(model, unknown=_with_remedy(model.unknown, site_id, span))
        cap_names = method.max_tokens
        found = self._find(cap_names, [call_kw]) if cap_names else None
        if found:
            max_tokens = self.setting(found[0], "call", number=True)
        else:
            found = self._find(kind.max_tokens, list(reversed(client_layers))) if kind.max_tokens else None
            if found is None and cap_names:  # `.bind(max_tokens=…)` on LangChain, config on a chat session
                found = self._find(cap_names, list(reversed(client_layers)))
            max_tokens = self.setting(found[0], "client", number=True) if found else (
                self._unseen(cap_names + kind.max_tokens, [call_kw, *client_layers]) or Setting(
                    source="unresolved" if kind.sdk in sdks.FRAMEWORK_DEFAULTS_UNKNOWN else "absent"))

        defaults = defaults_for(sdk, req.client.cls)
        timeout = self._limit(kind.timeout + (("timeout",) if sdk == "http" else ()), call_kw, client_layers,
                              self.disc.config.default_timeout, defaults.timeout_s, sdk in sdks.REQUEST_TIMEOUT_SDKS)
        if timeout.source in ("sdk-default", "config"):  # a litellm Router's deployments may each state one
            pos = method.model_pos if method.model_pos is not None and len(req.args) > method.model_pos else None
            deployed = agent_frameworks.router_deployment_setting(
                self, kind.timeout, call_kw.get("model") or ((req.args[pos], req.scope) if pos is not None else None))
            timeout = self.setting(deployed, "client", number=True) if deployed is not None else timeout
        if kind.timeout_unit == "ms" and timeout.source in ("call", "client") \
                and isinstance(timeout.value, (int, float)) and not isinstance(timeout.value, bool):
            # google-genai HttpOptions and Mistral's timeout_ms count milliseconds (google-generativeai's
            # request_options and every other SDK count seconds); records count seconds
            timeout = dataclasses.replace(timeout, value=timeout.value / 1000)
        retries = self._limit(kind.retries, call_kw, client_layers, self.disc.config.default_retries, defaults.retries,
                              sdk in sdks.REQUEST_RETRIES_SDKS)

        stream = True if req.streams_response else method.stream
        if stream is None:
            s = call_kw.get("stream")
            if s is None:
                stream = None if settings_flow.OPAQUE in call_kw else False  # `**kwargs` may turn it on
            else:
                v = self.ev.eval(*s)
                stream = v.value if isinstance(v, Const) and isinstance(v.value, bool) else None

        fallback, fallback_models = req.client.fallback, req.client.fallback_models
        if "fallbacks" in call_kw and sdk == "litellm":
            fallback = "litellm-fallbacks"
            fallback_models = fallback_models + self._model_list(call_kw["fallbacks"])
        elif req.client.cls.endswith("Router") and req.client.ctor is not None and any(
                kw.arg == "fallbacks" for kw in req.client.ctor.keywords):
            fallback = "router"

        prompt = PromptReader(self, model.value if isinstance(model.value, str) else None).read(method, call_kw, req.args)
        in_try = any(part == "body" and t.handlers for t, part in cand.tries)
        client_span_node = req.client.ctor if req.client.ctor is not None and req.client.ctor_scope is not None \
            and req.client.ctor_scope.mod is self.disc.mod else None
        operation = method.operation
        if method.task_param in call_kw:  # `client.post(json=…, task="feature-extraction")`
            task = self.ev.eval(*call_kw[method.task_param])
            if isinstance(task, Const) and isinstance(task.value, str):
                operation = sdks.TASK_OPERATIONS.get(task.value, operation)
        return CallSite(
            id=site_id, span=span, sdk=sdk,
            api=redact(" ".join(self.segment(req.callee or req.call.func, self.disc.mod).split()))[:200],
            operation=operation, is_async=bool(method.is_async or kind.is_async or cand.awaited),
            stream=stream, model=model, max_tokens=max_tokens, timeout=timeout, retries=retries,
            fallback=fallback, fallback_models=fallback_models, in_loop=cand.loop is not None, in_try=in_try,
            prompt=prompt, function=function, feature=feature,
            client_span=self.span_of(client_span_node) if client_span_node is not None else None,
            client_expr=(redact(" ".join(self.segment(client_span_node, self.disc.mod).split()))[:200]
                         if client_span_node is not None else None),
            endpoint=req.endpoint or self._base_url(call_kw, client_layers), via_wrapper=req.via_wrapper,
        ), client_span_node

    def _model(self, call_kw, client_layers) -> ModelSetting:
        req, method = self.req, self.req.method
        if method.model_param:
            # a dotted alias is another key of the same body (`json.model_id`), read when the first has none
            for path in (method.model_param, *(name for name in method.model_aliases if "." in name)):
                head, *rest = path.split(".")
                if head not in call_kw:
                    continue
                found = self._dig(call_kw[head], rest) if rest else call_kw[head]
                if found:
                    return self._model_setting(found, "call")
                if len(rest) == 1:   # `json=payload`, a dict the callers pass: the key in theirs
                    vals = self.disc.resolver.resolve_splat(*call_kw[head], tuple(rest))
                    if vals.cands:
                        return self._model_setting(call_kw[head], "call", vals)
                    passed = self._passed_body_model(call_kw[head], rest)
                    if passed is not None:
                        return passed
            alias = next((name for name in method.model_aliases if name in call_kw), None)
            if alias is not None:
                return self._model_setting(call_kw[alias], "call")
            if method.model_pos is not None and len(req.args) > method.model_pos:
                return self._model_setting((req.args[method.model_pos], req.scope), "call")
        v = self.ev.client_model(req.client)
        if v is not None or req.client.ctor is not None or req.client.model_from is not None:
            src = req.client.model_from or (req.client.ctor, req.client.ctor_scope)
            call, scope = src
            if isinstance(req.call.func, ast.Attribute) and self.disc.resolver.built_by_subclasses(
                    req.call.func.value, req.scope, scope):   # a base-class method: every subclass's client too
                found = self._built_client_model(every_subclass=True)
                if found is not None:
                    return found
            given = model_keyword(call.keywords, (*_CLIENT_MODEL_KEYWORDS, req.client.kind.model_param))  # `spark_llm_domain=`
            if given is not None:
                return self._model_setting((given.value, scope), "client")
            if call.args and (req.client.kind.model_pos == 0 or req.client.cls.endswith("init_chat_model")):
                return self._model_setting((call.args[0], scope), "client")
            for layer in client_layers:
                if "model" in layer:
                    return self._model_setting(layer["model"], "client")
        return self._splatted_model() or self._built_client_model() or self._batch_lines_model() or \
            ModelSetting(source="absent", unknown=self._absent_reason(call_kw))

    def _passed_body_model(self, found: tuple[ast.AST, Scope], rest: list[str]) -> ModelSetting | None:
        """A helper's request body that is its parameter (`def _post(url, payload): requests.post(url,
        json=payload)`): the models of the dicts its callers pass (in this file; for a module-level helper,
        also in the package's other modules), with the first such key as the expression."""
        node, scope = found
        func = scope.func
        if not isinstance(node, ast.Name) or func is None or node.id not in func.params:
            return None
        passed = self.disc._caller_arguments(func, node.id)
        if func.cls is None and func.parent is None:
            passed += [(arg, caller) for arg, caller in self.disc.resolver.arguments_passed(func, scope.mod, node.id)
                       if caller.mod is not scope.mod]
        keys = [key for arg, caller in passed[:8] if (key := self._dig((arg, caller), rest)) is not None]
        if not keys:
            return None
        parts = [self.disc.resolver.resolve(*key, site=(self.req.call, self.req.scope)) for key in keys]
        merged: dict[str, Any] = {}
        for cand in (c for part in parts for c in part.cands):
            merged.setdefault(cand.value, cand)
        vals = dataclasses.replace(parts[0], cands=tuple(merged.values()))
        return self._model_setting(keys[0], "call", vals)

    def _batch_lines_model(self) -> ModelSetting | None:
        """A batch created from an uploaded JSONL file (`batches.create(input_file_id=…)`): the model of the
        request lines the same class (else module) builds, `{"custom_id": …, "body": {"model": …}}`."""
        req = self.req
        if req.method.operation != "batch":
            return None
        cls = req.scope.func.cls if req.scope.func is not None else None
        mod = req.scope.mod
        funcs = list(cls.methods.values()) if cls is not None else \
            [n for n in mod.tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
        for func in funcs:
            for node in ast.walk(func):
                body = _batch_line_body(node)
                if body is None:
                    continue
                fi = self.ev.method_scope(mod, cls, func, node.lineno).func if cls is not None else \
                    mod.func_info(func, func.name, None, None)  # type: ignore[attr-defined]
                scope = Scope(mod, fi, node.lineno)
                vals = self.disc.resolver.resolve_splat(body, scope, ("model",))
                if vals.cands:
                    return self._model_setting((body, scope), "call", vals)
        return None

    def _built_client_model(self, every_subclass: bool = False) -> ModelSetting | None:
        """A client made where discovery cannot see it (`self.llm.invoke(…)`), or by each subclass of the
        class whose method uses it: the model of the client constructions model resolution finds reaching
        the receiver."""
        func = self.req.call.func
        if not (self.req.client.made_elsewhere or every_subclass) or not isinstance(func, ast.Attribute):
            return None
        vals = self.disc.resolver.resolve_built_client(func.value, self.req.scope, _CLIENT_MODEL_KEYWORDS,
                                                       site=(self.req.call, self.req.scope))
        return self._model_setting((func.value, self.req.scope), "client", vals) if vals is not None else None

    def _splatted_model(self) -> ModelSetting | None:
        """The model inside `**kwargs` on the request or the client: a dict built in the code, or what the
        callers of the enclosing function pass."""
        req = self.req
        client = req.client
        calls = [(req.keywords, req.scope, (req.method.model_param.split(".")[0],) if req.method.model_param else (), "call")]
        for call, scope in ([(client.ctor, client.ctor_scope)] if client.ctor is not None else []) + list(client.options):
            calls.append((call.keywords, scope, _CLIENT_MODEL_KEYWORDS, "client"))
        for keywords, scope, names, source in calls:
            for kw in keywords:
                if kw.arg is None and names and scope is not None:
                    vals = self.disc.resolver.resolve_splat(kw.value, scope, names)
                    if vals.cands:
                        return self._model_setting((kw.value, scope), source, vals)
        return None

    def _model_setting(self, found: tuple[ast.AST, Scope], source: str, vals=None) -> ModelSetting:
        """The model stated at `found` with its model set: every model that can reach the site, the
        default first, the hops to the default, or why none can be known."""
        plain = self.setting(found, source)
        vals = vals or agent_frameworks.model_object_vals(self, found)   # `Agent(model=OpenAIModel("gpt-4o"))`
        if vals is None:
            vals = self.disc.resolver.resolve(*found, site=(self.req.call, self.req.scope))
        else:
            plain = Setting(None, plain.expr, source)
        vals = agent_frameworks.router_deployments(self, found, vals)   # a Router alias: its deployments' models
        # models of config tables for a provider this site's class refuses or its SDK is not, are not sent here
        func = self.req.scope.method
        sdk = self.req.sdk or self.req.client.kind.sdk
        candidates, others = self.disc.resolver.config_files.for_sdk(
            to_candidates(vals), sdk, func.cls.node if func is not None else None)
        candidates, foreign = sendable(   # nor models another provider's prefix names
            candidates, sdk, self.disc.resolver.reaches_openai_api(self.req.client))
        others = others or foreign
        if not candidates and not vals.ruled_out and not foreign and isinstance(plain.value, str) and plain.value:
            candidates = (ModelCandidate(plain.value, plain.origin or _where(found), "literal"),)
        if not candidates:
            why = others or vals.why
            return ModelSetting(value=plain.value if plain.value == "" else None, expr=plain.expr,
                                source=plain.source, origin=plain.origin,
                                unknown=redact(why) if why else "the model is set at run time")
        first = candidates[0]
        cand = next((c for c in vals.cands if c.value == first.value), None)
        chain = (Hop(plain.expr or "", _where(found)),) + (cand.chain if cand is not None else ())
        origin = plain.origin if plain.origin and plain.value == first.value else first.origin   # where the default is written
        return ModelSetting(value=redact(first.value), expr=plain.expr, source=source, origin=origin,
                            candidates=tuple(dataclasses.replace(c, value=redact(c.value)) for c in candidates),
                            chain=tuple(Hop(redact(h.step), h.at) for h in chain))  # hops quote source lines

    def _absent_reason(self, call_kw) -> str:
        if any(kw.arg is None for kw in self.req.keywords):
            return "the model is passed inside `**kwargs` that llmsight cannot follow"
        if agent_frameworks.no_model_reason(self.req.client.kind.sdk):
            return agent_frameworks.no_model_reason(self.req.client.kind.sdk)
        if self.req.client.made_elsewhere:
            return "the client is made where llmsight cannot see, so the model it carries is unknown"
        forwarded = self._forwarded_body() if self.req.sdk == "http" else None
        if forwarded is not None:
            return (f"the body is the incoming request's (`{forwarded}`), forwarded as it comes: the model is the one "
                    "the proxied client sends")
        if self.req.client.kind.sdk in sdks.GLOBAL_LM_SETTERS and self.req.client.kind.model_param is None:
            setters, keyword = sdks.GLOBAL_LM_SETTERS[self.req.client.kind.sdk]
            return f"the request goes to the LM `{min(setters)}({keyword}=…)` sets, which this file does not set"
        return "the request names no model"

    def _forwarded_body(self) -> str | None:
        """A proxy route's body read from the request it serves (`body = await request.json()`, then
        `client.post(url, json=body)`): the text of that read, else None."""
        func = self.req.scope.func
        for kw in self.req.keywords if func is not None else ():
            value = _assigned_before(kw.value, self.req.scope) if kw.arg in ("json", "data", "content") else None
            value = value.value if isinstance(value, ast.Await) else value
            receiver = value.func.value if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) \
                and value.func.attr in _BODY_READS else None
            if isinstance(receiver, ast.Name) and receiver.id in func.params and _serves_request(receiver.id, func):
                return self.segment(value)
        return None

    def _user_model(self, site_id: str, span, call: ast.Call) -> ModelSetting | None:
        """The models the user states for this site: `# llmsight: model=a|b` on the call's first line, or
        `[tool.llmsight.models]` keyed by the site id or `path:line`. They override what the code says."""
        lines = self.disc.lines
        pragma = parse_pragma(lines[call.lineno - 1]) if 0 < call.lineno <= len(lines) else None
        if pragma is not None and pragma.models:
            models, origin = pragma.models, f"{self.disc.mod.path}:{call.lineno}"
        else:
            mapped = self.disc.config.models.get(site_id) or self.disc.config.models.get(f"{span.path}:{span.start_line}")
            if not mapped:
                return None
            models = tuple(m.strip() for m in mapped.split("|") if m.strip())
            origin = _project_relative(self.disc.config.source, self.disc.ev.project.root) or "[tool.llmsight.models]"
        if not models:
            return None
        return ModelSetting(value=models[0], expr=" | ".join(models), source="config", origin=origin,
                            candidates=tuple(ModelCandidate(m, origin, "user", i == 0) for i, m in enumerate(models)),
                            chain=(Hop("set by the user for this site", origin),))

    def _limit(self, names, call_kw, client_layers, config_value, sdk_value, per_request: bool = True) -> Setting:
        for layers, source in (([call_kw], "call"), (list(reversed(client_layers)), "client")):
            found = self._find(names, layers) if names else None
            if found:
                setting = self.setting(found[0], source, number=True)
                if found[1].endswith("max_attempts") and isinstance(setting.value, int):  # botocore counts the first try
                    setting = dataclasses.replace(setting, value=max(setting.value - 1, 0))
                return setting
        # a `**kwargs` on the request counts only where the SDK takes the setting per request
        unseen = self._unseen(names, ([call_kw] if per_request else []) + client_layers)
        if unseen is not None:
            return unseen
        if self.req.client.made_elsewhere and not client_layers:
            # the client was built where we cannot see: it may carry the setting
            return Setting(value=None, expr=None, source="unresolved")
        if config_value is not None:
            return Setting(value=config_value, expr=None, source="config")
        if self.req.client.kind.sdk in sdks.FRAMEWORK_DEFAULTS_UNKNOWN:   # the provider client it builds decides
            return Setting(value=None, expr=None, source="unresolved")
        return Setting(value=sdk_value, expr=None, source="sdk-default")

    def _model_list(self, found) -> tuple[str, ...]:
        v = self.ev.eval(*found)
        out = []
        if isinstance(v, ListVal):
            for elt in v.node.elts:  # type: ignore[attr-defined]
                m = self.ev.eval(elt, v.scope)
                if isinstance(m, Const) and isinstance(m.value, str):
                    out.append(m.value)
                elif isinstance(m, DictVal):  # {"model": ...}
                    item = self.ev.dict_item(m, "model")
                    mv = self.ev.eval(*item) if item else None
                    if isinstance(mv, Const) and isinstance(mv.value, str):
                        out.append(mv.value)
        return tuple(map(redact, out))

    def _base_url(self, call_kw, client_layers) -> str | None:
        """Where the request goes: the call's own base URL (litellm's `api_base=`), else its client's under the
        SDKs' and frameworks' keywords (LangChain's `openai_api_base`, `anthropic_api_url`)."""
        found = self._find(("api_base", "base_url"), [call_kw]) or self._find(
            ("base_url", "azure_endpoint", "api_base", "openai_api_base", "anthropic_api_url", "host", "endpoint_url"),
            list(reversed(client_layers)))
        if not found:
            return None
        v = self.ev.eval(*found[0])
        if isinstance(v, Const) and isinstance(v.value, str):
            return _redact_url(v.value)
        # read as a model is (an environment variable the project's .env.example or config files set, …), and
        # kept only where it names a provider's host: the route a price takes, never a guess that it is local
        text = self.disc.resolver.resolve_default_text(*found[0])
        host = (urlparse(text).hostname or "").lower() if text and "://" in text else ""
        return _redact_url(text) if host and host_provider(host) else None


class PromptReader:
    """Static parts of a request's prompt, in order, to count tokens and see what is dynamic."""

    def __init__(self, builder: SiteBuilder, model: str | None = None):
        self.b = builder
        self.model = model  # picks the tokenizer; the SDK's family when the model is not known
        self.parts: list[tuple[bool, str]] = []   # (static?, text)
        self.cache_control = False

    def read(self, method: sdks.Method, call_kw, args) -> Prompt:
        roots = []
        for name in method.prompt:
            head, *rest = name.split(".")
            if head in call_kw:
                found = self.b._dig(call_kw[head], rest) if rest else call_kw[head]
                if found:
                    roots.append(found)
        if not roots and method.prompt_pos is not None and len(args) > method.prompt_pos:
            roots.append((args[method.prompt_pos], self.b.req.scope))
        for node, scope in roots:
            self._collect(node, scope, 0)
        if not roots:
            return Prompt(dynamic=True) if method.prompt else Prompt()
        return self._summarise()

    def _collect(self, node, scope: Scope, depth: int) -> None:
        if depth > 12 or node is None:
            self.parts.append((False, ""))
            return
        ev = self.b.ev
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            self.parts.append((True, node.value))
            return
        if isinstance(node, ast.JoinedStr):
            for v in node.values:
                if isinstance(v, ast.Constant):
                    self.parts.append((True, str(v.value)))
                else:
                    self._collect(v.value, scope, depth + 1)  # type: ignore[attr-defined]
            return
        if isinstance(node, (ast.List, ast.Tuple)):
            for elt in node.elts:
                self._collect(elt, scope, depth + 1)
            return
        if isinstance(node, ast.Dict):
            before = len(self.parts)
            for k, v in zip(node.keys, node.values):
                key = k.value if isinstance(k, ast.Constant) else None
                if key == "cache_control":
                    self.cache_control = True
                elif key in ("content", "text", "parts", "system", "prompt", "input", "message") or k is None:
                    self._collect(v, scope, depth + 1)
            if len(self.parts) == before and not any(
                    isinstance(k, ast.Constant) and k.value == "role" for k in node.keys):
                self.parts.append((False, ""))  # template variables and other run-time input
            return
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            self._collect(node.left, scope, depth + 1)
            self._collect(node.right, scope, depth + 1)
            return
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
            self._collect(node.func.value, scope, depth + 1)  # template literal parts; fields are dynamic
            self.parts.append((False, ""))
            return
        if isinstance(node, ast.Name):
            v = ev.eval(node, scope)
            if isinstance(v, Const) and isinstance(v.value, str):
                self.parts.append((True, v.value))
                return
            if isinstance(v, (ListVal, DictVal)):
                self._collect(v.node, v.scope, depth + 1)
                return
        self.parts.append((False, ""))

    def _summarise(self) -> Prompt:
        from llmsight.knowledge.priors import prompt_task
        from llmsight.knowledge.tokens import count_tokens

        model = self.model or self.b.req.client.cls
        static_text = "".join(t for s, t in self.parts if s)
        dynamic = any(not s for s, _ in self.parts)
        # leading static run, and the largest static run after the first dynamic part
        runs: list[tuple[bool, str]] = []
        for s, t in self.parts:
            if runs and runs[-1][0] == s:
                runs[-1] = (s, runs[-1][1] + t)
            else:
                runs.append((s, t))
        leading = runs[0][1] if runs and runs[0][0] else ""
        after = [t for i, (s, t) in enumerate(runs) if s and i > 0]
        largest_after = max(after, key=len) if after and dynamic else ""
        tokens = count_tokens(static_text, model) if static_text else 0
        return Prompt(
            static_tokens=tokens, dynamic=dynamic, static_chars=len(static_text),
            dynamic_before_static_tokens=count_tokens(largest_after, model) if largest_after else None,
            largest_static_prefix_tokens=count_tokens(leading, model) if leading else 0,
            has_cache_control=self.cache_control, task=prompt_task(static_text) if static_text else None,
        )


def feature_of(lines: list[str], call_line: int, def_line: int | None, header_feature: str | None) -> str | None:
    for line in (call_line, call_line - 1, def_line, (def_line - 1) if def_line else None):
        if line and 0 < line <= len(lines):
            pragma = parse_pragma(lines[line - 1])
            if pragma is not None and pragma.feature:
                return pragma.feature
    return header_feature


def header_feature_of(lines: list[str]) -> str | None:
    for text in lines[:30]:
        stripped = text.strip()
        if stripped and not stripped.startswith("#"):
            if not stripped.startswith(('"""', "'''", "from __future__")):
                break
        pragma = parse_pragma(text)
        if pragma is not None and pragma.feature:
            return pragma.feature
    return None


def discover(mod: ModuleInfo, evaluator: Evaluator, config: Config, segment, span_of,
             wrappers: dict[str, str] | None = None, exports: frozenset[str] = frozenset()) -> list[Found]:
    """All call sites of one module, in source order, with stable ids (path::qualname#ordinal)."""
    disc = FileDiscovery(mod, evaluator, config, wrappers, exports)
    disc.collect()
    header = header_feature_of(split_lines(mod.source)) if "llmsight" in mod.source else None
    lines = split_lines(mod.source) if header or "llmsight" in mod.source else []
    path_feature = config.feature_for(mod.path)
    out: list[Found] = []
    ordinals: dict[str, int] = {}
    seen: set[int] = set()
    for cand in disc.candidates:
        try:
            req = disc.resolve(cand)
        except RecursionError:
            req = None
        # one site per request: `sync_to_async(client.embeddings.create)(...)` is also a call handed the method
        if req is None or id(cand.call) in seen or id(req.callee) in seen:
            continue
        seen.update((id(cand.call), id(req.callee)))
        func = cand.funcs[-1] if cand.funcs else None
        if cand.loop is None and func is not None:   # a helper the module, or another, calls once per item
            cand.loop = disc.per_item_caller(func) or disc.per_item_caller_elsewhere(func)
        qual = func.qualname if func else "<module>"
        ordinals[qual] = ordinals.get(qual, 0) + 1
        site_id = f"{mod.path}::{qual}#{ordinals[qual]}"
        def_line = getattr(func.node, "lineno", None) if func else None
        written = req.written or cand.call
        feature = (feature_of(lines, written.lineno, def_line, header) if lines else None) or path_feature
        feature = redact(feature) if feature else None
        builder = SiteBuilder(disc, req, segment, span_of)
        site, client_call = builder.build(site_id, span_of(written), func.qualname if func else None, cand, feature)
        out.append(Found(site, written, client_call, cand.loop, cand.tries))
    _link_try_fallbacks(out)
    return out


def _runs_in_executor(func: ast.expr) -> bool:
    """`loop.run_in_executor`, or a project's own `run_in_executor(executor, fn, *args)` helper written
    after it (called bare or on a module): it runs `fn` with the arguments after it."""
    return isinstance(func, ast.Attribute) and func.attr == "run_in_executor" \
        or isinstance(func, ast.Name) and func.id == "run_in_executor"


def _over_range(loop: ast.For | ast.AsyncFor) -> bool:
    return isinstance(loop.iter, ast.Call) and isinstance(loop.iter.func, ast.Name) and loop.iter.func.id == "range"


def _refers_to(node: ast.AST, name: str, method: bool) -> bool:
    """`node` names function `name`, or for a method `self.name`/`cls.name`."""
    if method:
        return isinstance(node, ast.Attribute) and node.attr == name and isinstance(node.value, ast.Name) \
            and node.value.id in ("self", "cls")
    return isinstance(node, ast.Name) and node.id == name


def _link_try_fallbacks(found: list[Found]) -> None:
    """A request in a try body whose except handler makes another request has a fallback."""
    import dataclasses

    for f in found:
        if f.site.fallback != "none":
            continue
        for t, part in f.tries:
            if part != "body":
                continue
            alternates = [g for g in found if g is not f and any(t2 is t and p2 == "handler" for t2, p2 in g.tries)]
            if alternates:
                models = tuple(str(g.site.model.value) for g in alternates if g.site.model.value)
                f.site = dataclasses.replace(f.site, fallback="try-except-alternate", fallback_models=models)
                break
