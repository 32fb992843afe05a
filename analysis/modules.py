"""Per-file facts the evaluator needs, and the project index that finds other modules' files.

`ModuleInfo` is built once per parsed file: imports (name → qualified name), top-level bindings,
functions and classes (class attributes and `self.x = …` assignments of every method). Function
bodies are indexed lazily (`FuncInfo`), only when an evaluation looks inside them.
"""
from __future__ import annotations

import ast
import bisect
import re
from dataclasses import dataclass, field
from pathlib import Path

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")
_LONE_CR = re.compile(r"\r(?!\n)")
_LONE_CR_BYTES = re.compile(rb"\r(?!\n)")


def lone_cr_as_lf(text: str) -> str:
    """A lone \r ends a line for Python (old Mac files); as \n, for code that counts \n. Same length, so
    offsets and columns hold; \r\n is left alone."""
    return _LONE_CR.sub("\n", text) if "\r" in text else text


def split_lines(text: str, keepends: bool = False) -> list[str]:
    """Lines as Python's tokenizer counts them: only \n, \r\n and \r end a line (`str.splitlines`
    also splits on form feeds and other separators, shifting every line number after them)."""
    if "\r" not in text:  # the common case, in C
        lines = text.split("\n")
        last = lines.pop()
        if keepends:
            lines = [line + "\n" for line in lines]
        if last:
            lines.append(last)
        return lines
    lines = _LINE.findall(text)
    return lines if keepends else [line.rstrip("\r\n") for line in lines]


def source_segment(lines: list[str], node: ast.AST) -> str:
    """`ast.get_source_segment` on pre-split lines (keepends): the stdlib re-splits the whole file on
    every call, which dominated discovery time on large files. Columns are UTF-8 byte offsets."""
    try:
        sl, el = node.lineno - 1, node.end_lineno - 1  # type: ignore[attr-defined]
        sc, ec = node.col_offset, node.end_col_offset  # type: ignore[attr-defined]
    except AttributeError:
        return ""
    if sl < 0 or el >= len(lines) or ec is None:
        return ""

    def cut(line: str, start: int | None, end: int | None) -> str:
        if line.isascii():
            return line[start:end]
        return line.encode("utf-8")[start:end].decode("utf-8", errors="replace")

    if sl == el:
        return cut(lines[sl], sc, ec)
    return cut(lines[sl], sc, None) + "".join(lines[sl + 1:el]) + cut(lines[el], None, ec)


# (line, value node, how: assign|annassign|with|for|walrus|augassign|unpack). A `for` binding's value is the
# loop's iterable (its target when that is not a plain name); an `unpack` binding's is `value[i]`, the
# element the name takes of a value that is not a literal tuple (`model, err = parse(...)`)
Binding = tuple[int, ast.AST, str]


def _element(value: ast.AST, index: int) -> ast.AST:
    return ast.copy_location(ast.Subscript(value=value, slice=ast.copy_location(ast.Constant(index), value),
                                           ctx=ast.Load()), value)


def _bind_targets(target: ast.AST, value: ast.AST | None, line: int, how: str, out: dict[str, list[Binding]]) -> None:
    if isinstance(target, ast.Name):
        out.setdefault(target.id, []).append((line, value if value is not None else target, how))
    elif isinstance(target, (ast.Tuple, ast.List)):
        values = value.elts if isinstance(value, (ast.Tuple, ast.List)) and len(value.elts) == len(target.elts) else None
        starred = any(isinstance(e, ast.Starred) for e in target.elts)
        for i, elt in enumerate(target.elts):
            element = _element(value, i) if value is not None and how != "for" and not starred else None
            _bind_targets(elt, values[i] if values else element, line, how if values else "unpack", out)
    elif isinstance(target, ast.Starred):
        _bind_targets(target.value, None, line, "unpack", out)


def collect_bindings(body: list[ast.stmt], out: dict[str, list[Binding]],
                     subscripts: dict[str, list[tuple[int, ast.AST, ast.AST]]] | None = None) -> None:
    """Name bindings made by statements of one scope (not descending into nested defs/classes)."""
    stack = list(reversed(body))
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Assign):
            for t in node.targets:
                if subscripts is not None and isinstance(t, ast.Subscript) and isinstance(t.value, ast.Name):
                    subscripts.setdefault(t.value.id, []).append((node.lineno, t.slice, node.value))
                elif subscripts is not None and isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) \
                        and t.value.id not in ("self", "cls"):
                    # `cfg.max_output_tokens = 100` on a config object sets that key as `d["k"] = v` does
                    key = ast.copy_location(ast.Constant(t.attr), t)
                    subscripts.setdefault(t.value.id, []).append((node.lineno, key, node.value))
                _bind_targets(t, node.value, node.lineno, "assign", out)
        elif isinstance(node, ast.AnnAssign):
            if node.value is not None:
                _bind_targets(node.target, node.value, node.lineno, "annassign", out)
            elif isinstance(node.target, ast.Name):
                out.setdefault(node.target.id, []).append((node.lineno, node.annotation, "annotation"))
        elif isinstance(node, ast.AugAssign):
            _bind_targets(node.target, None, node.lineno, "augassign", out)
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            for item in node.items:
                if item.optional_vars is not None:
                    _bind_targets(item.optional_vars, item.context_expr, node.lineno, "with", out)
            stack.extend(reversed(node.body))
        elif isinstance(node, (ast.For, ast.AsyncFor)):
            _bind_targets(node.target, node.iter if isinstance(node.target, ast.Name) else None, node.lineno, "for", out)
            stack.extend(reversed(node.body + node.orelse))
        elif isinstance(node, (ast.If, ast.While)):
            stack.extend(reversed(node.body + node.orelse))
        elif isinstance(node, ast.Try) or type(node).__name__ == "TryStar":
            for h in node.handlers:  # type: ignore[attr-defined]
                stack.extend(reversed(h.body))
            stack.extend(reversed(node.body + node.orelse + node.finalbody))  # type: ignore[attr-defined]
        elif isinstance(node, ast.Match):
            for case in reversed(node.cases):   # bindings in line order: the first case's first
                stack.extend(reversed(case.body))
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            out.setdefault(node.name, []).append((node.lineno, node, "def"))
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call) and subscripts is not None:
            # `params.update(max_tokens=…)` / `params.update({...})`
            call = node.value
            if isinstance(call.func, ast.Attribute) and call.func.attr == "update" and isinstance(call.func.value, ast.Name):
                subscripts.setdefault(call.func.value.id, []).append((node.lineno, call, call))


# statement types holding nested statements, and where (simple statements, most of a file, hold none)
_BLOCKS: dict[type, tuple[str, ...]] = {
    t: tuple(f for f in ("body", "orelse", "finalbody", "handlers", "cases") if f in t._fields)
    for t in (getattr(ast, name) for name in ("FunctionDef", "AsyncFunctionDef", "ClassDef", "For", "AsyncFor",
                                               "While", "If", "With", "AsyncWith", "Try", "TryStar", "Match")
              if hasattr(ast, name))
}


def iter_statements(body: list[ast.stmt], lines: list[int] | None = None):
    """Every statement under `body`, nested blocks and defs included, without visiting expressions; with
    `lines` (sorted), blocks are entered only where they span one of them."""
    stack = list(reversed(body))
    blocks = _BLOCKS
    while stack:
        node = stack.pop()
        yield node
        names = blocks.get(type(node), ())
        if names and lines is not None and not spans_line(node, lines):
            continue
        for name in names:
            if name in ("handlers", "cases"):
                for clause in getattr(node, name):
                    stack.extend(reversed(clause.body))
            else:
                stack.extend(reversed(getattr(node, name)))


def spans_line(node: ast.AST, lines: list[int]) -> bool:
    """Whether `node`'s lines include one of `lines` (sorted); a node without a position may."""
    first = getattr(node, "lineno", None)
    if first is None:
        return True
    k = bisect.bisect_left(lines, first)
    return k < len(lines) and lines[k] <= (getattr(node, "end_lineno", None) or first)


def lines_holding(source: str, word: str) -> list[int]:
    """Sorted numbers of the lines holding `word` (`str.find` and newline counts, in C), lines counted as
    Python counts them."""
    source = lone_cr_as_lf(source)

    def found():
        i = source.find(word)
        while i != -1:
            yield i
            i = source.find(word, i + len(word))
    return _line_numbers(source, "\n", found())


def lines_matching(text: bytes, pattern: bytes) -> list[int]:
    """Sorted numbers of the lines a regular expression matches on (where each match starts) in a file's
    bytes, lines counted as `lines_holding` counts them."""
    text = _LONE_CR_BYTES.sub(b"\n", text) if b"\r" in text else text
    return _line_numbers(text, b"\n", (m.start() for m in re.finditer(pattern, text)))


def _line_numbers(text, newline, offsets) -> list[int]:
    """The line of each offset (ascending) of `text`, each line once: newlines counted between offsets."""
    out: list[int] = []
    line, previous = 1, 0
    for i in offsets:
        line += text.count(newline, previous, i)
        previous = i
        if not out or out[-1] != line:
            out.append(line)
    return out


# compound statements whose body may not run (a binding inside one does not replace earlier ones)
_CONDITIONAL = tuple(getattr(ast, n) for n in ("If", "For", "AsyncFor", "While", "Match") if hasattr(ast, n))


# (branch first line, last line, statement first line, last line, the names an `if not NAME:` branch tests)
Branches = tuple[tuple[int, int, int, int, tuple[str, ...]], ...]


def conditional_blocks(body: list[ast.stmt]) -> dict[int, Branches]:
    """For each assignment value under `body` that only runs in some executions (an `if`/`else` branch,
    a loop body, an `except` handler, a `case`), the branches it sits in, outermost first, each with the
    compound statement holding it and, for the body of `if not x:` / `if x is None:`, the tested names;
    keyed by `id(value)`. Assignments not in the map run whenever the function does (`try` and `with`
    bodies count as running). Nested defs are not entered."""
    out: dict[int, Branches] = {}

    def span(stmts: list[ast.stmt]) -> tuple[int, int]:
        return stmts[0].lineno, max(getattr(x, "end_lineno", None) or x.lineno for x in stmts)

    def visit(stmts: list[ast.stmt], levels: Branches) -> None:
        for node in stmts:
            whole = (node.lineno, getattr(node, "end_lineno", None) or node.lineno)
            if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None and levels:
                out[id(node.value)] = levels
            elif isinstance(node, _CONDITIONAL):
                parts = [case.body for case in node.cases] if isinstance(node, ast.Match) else [node.body, node.orelse]  # type: ignore[attr-defined]
                tested = unset_test(node.test) if isinstance(node, ast.If) else ()
                for i, part in enumerate(parts):
                    if part:
                        visit(part, levels + (span(part) + whole + (tested if i == 0 else (),),))
            elif isinstance(node, ast.Try) or type(node).__name__ == "TryStar":
                visit(node.body, levels)  # type: ignore[attr-defined]
                for part in [h.body for h in node.handlers] + [node.orelse]:  # type: ignore[attr-defined]
                    if part:
                        visit(part, levels + (span(part) + whole + ((),),))
                visit(node.finalbody, levels)  # type: ignore[attr-defined]
            elif isinstance(node, (ast.With, ast.AsyncWith)):
                visit(node.body, levels)

    visit(body, ())
    return out


def dotted_name(node: ast.AST) -> str:
    """`self.model` / `model` as text; "" for anything else."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = dotted_name(node.value)
        return f"{base}.{node.attr}" if base else ""
    return ""


def unset_test(test: ast.AST) -> tuple[str, ...]:
    """The names `if not x:`, `if x is None:`, `if x == "":` tests for being unset; of an `and`, each
    conjunct's (`if client is None and model is None:` runs only when both are)."""
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And):
        return tuple(name for value in test.values for name in unset_test(value))
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        name = dotted_name(test.operand)
        return (name,) if name else ()
    if isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], (ast.Is, ast.Eq)) \
            and isinstance(test.comparators[0], ast.Constant) and test.comparators[0].value in (None, ""):
        name = dotted_name(test.left)
        return (name,) if name else ()
    return ()


def reaches(branches: Branches, line: int) -> tuple[bool, bool]:
    """(can an assignment in `branches` reach a use on `line`, does it always run before that use): an
    assignment in one branch of an `if` does not reach a use in another branch of it."""
    always = True
    for first, last, stmt_first, stmt_last, _tested in branches:
        inside = first <= line <= last
        if not inside:
            if stmt_first <= line <= stmt_last:
                return False, False
            always = False
    return True, always


def _self_targets(target: ast.AST, value: ast.AST, self_name: str) -> list[tuple[str, ast.AST]]:
    """(attribute, value) pairs an assignment to `self.x` or `self.a, self.b = …` makes; an unpacked
    value that is not a literal tuple is read as `value[i]` (a node made for it, placed on `value`)."""
    if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id == self_name:
        return [(target.attr, value)]
    if not isinstance(target, (ast.Tuple, ast.List)) or any(isinstance(e, ast.Starred) for e in target.elts):
        return []
    out = []
    for i, elt in enumerate(target.elts):
        if isinstance(value, (ast.Tuple, ast.List)) and len(value.elts) == len(target.elts):
            part: ast.AST = value.elts[i]
        else:
            part = ast.copy_location(ast.Subscript(value=value, slice=ast.Constant(i), ctx=ast.Load()), value)
            part.end_lineno, part.end_col_offset = value.end_lineno, value.end_col_offset  # type: ignore[attr-defined]
            ast.copy_location(part.slice, value)  # type: ignore[attr-defined]
        out.extend(_self_targets(elt, part, self_name))
    return out


@dataclass
class ClassInfo:
    node: ast.ClassDef
    attrs: dict[str, list[Binding]] = field(default_factory=dict)
    methods: dict[str, ast.AST] = field(default_factory=dict)
    _self_attrs: dict[str, list[tuple[int, ast.AST, ast.AST]]] | None = None

    @classmethod
    def build(cls, node: ast.ClassDef) -> "ClassInfo":
        info = cls(node)
        collect_bindings(node.body, info.attrs)
        for stmt in node.body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                info.methods[stmt.name] = stmt
        return info

    @property
    def self_attrs(self) -> dict[str, list[tuple[int, ast.AST, ast.AST]]]:
        """`self.x = …` in any method: (line, value, method), indexed on first use."""
        if self._self_attrs is None:
            found: dict[str, list[tuple[int, ast.AST, ast.AST]]] = {}
            for method in self.methods.values():
                self_name = method.args.args[0].arg if method.args.args else "self"  # type: ignore[attr-defined]
                for stmt in iter_statements(method.body):  # type: ignore[attr-defined]
                    if isinstance(stmt, ast.Assign):
                        targets, value = stmt.targets, stmt.value
                    elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
                        targets, value = [stmt.target], stmt.value
                    else:
                        continue
                    for t in targets:
                        for attr, part in _self_targets(t, value, self_name):
                            found.setdefault(attr, []).append((stmt.lineno, part, method))
            self._self_attrs = found
        return self._self_attrs


@dataclass
class FuncInfo:
    node: ast.AST  # FunctionDef | AsyncFunctionDef | Lambda
    qualname: str
    parent: "FuncInfo | None"
    cls: ClassInfo | None
    bindings: dict[str, list[Binding]] = field(default_factory=dict)
    subscripts: dict[str, list[tuple[int, ast.AST, ast.AST]]] = field(default_factory=dict)
    params: dict[str, tuple[ast.AST | None, ast.AST | None]] = field(default_factory=dict)  # name -> (annotation, default)
    _blocks: dict[int, Branches] | None = None

    @property
    def blocks(self) -> dict[int, Branches]:
        """`conditional_blocks` of the body, computed on first use."""
        if self._blocks is None:
            body = self.node.body if isinstance(self.node.body, list) else []  # type: ignore[attr-defined]
            self._blocks = conditional_blocks(body)
        return self._blocks

    @classmethod
    def build(cls, node: ast.AST, qualname: str, parent: "FuncInfo | None", klass: ClassInfo | None) -> "FuncInfo":
        info = cls(node, qualname, parent, klass)
        args: ast.arguments = node.args  # type: ignore[attr-defined]
        positional = args.posonlyargs + args.args
        defaults: list[ast.AST | None] = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
        for a, d in zip(positional, defaults):
            info.params[a.arg] = (a.annotation, d)
        for a, d in zip(args.kwonlyargs, args.kw_defaults):
            info.params[a.arg] = (a.annotation, d)
        for a in (args.vararg, args.kwarg):
            if a is not None:
                info.params[a.arg] = (None, None)
        body = node.body if isinstance(node.body, list) else []  # type: ignore[attr-defined]
        collect_bindings(body, info.bindings, info.subscripts)
        return info


@dataclass
class ModuleInfo:
    path: str                 # POSIX, relative to the project root (or absolute outside it)
    modname: str | None       # dotted module name, when it is inside a package / search root
    tree: ast.Module
    source: str
    imports: dict[str, str] = field(default_factory=dict)
    star_imports: list[str] = field(default_factory=list)   # modules of `from m import *`, absolute
    star_files: set[str] = field(default_factory=set)   # the files those names came from (cache dependencies)
    bindings: dict[str, list[Binding]] = field(default_factory=dict)
    # module-level `d[k] = v` / `d.update(...)` by dict name (a notebook builds its request dicts there)
    subscripts: dict[str, list[tuple[int, ast.AST, ast.AST]]] = field(default_factory=dict)
    classes: dict[str, ClassInfo] = field(default_factory=dict)
    functions: dict[str, ast.AST] = field(default_factory=dict)
    _funcs: dict[int, FuncInfo] = field(default_factory=dict)
    _lines: list[str] | None = None
    _blocks: dict[int, Branches] | None = None
    _calls: dict[str, list[tuple[ast.Call, FuncInfo | None]]] | None = None

    @property
    def blocks(self) -> dict[int, Branches]:
        """`conditional_blocks` of the module body, computed on first use."""
        if self._blocks is None:
            self._blocks = conditional_blocks(self.tree.body)
        return self._blocks

    def calls_named(self, name: str) -> list[tuple[ast.Call, FuncInfo | None]]:
        """Calls of `name(...)` / `x.name(...)` in this module, each with its enclosing function. Only the
        statements spanning a line where the text has `name(` are entered (found with `str.find`)."""
        if self._calls is None:
            self._calls = {}
        found = self._calls.get(name)
        if found is None:
            found = self._calls[name] = self._find_calls(name)
        return found

    def calls_handing(self, name: str) -> list[tuple[ast.Call, FuncInfo | None]]:
        """Calls that pass `name` / `x.name` itself as an argument (`retry(self._body)`, `to_thread(fn, …)`),
        each with its enclosing function; when the call's result is called at once (`retry(self._body)(
        **kw)`), that outer call instead."""
        if self._calls is None:
            self._calls = {}
        found = self._calls.get("," + name)
        if found is None:
            found = self._calls["," + name] = self._find_calls(name, handed=True)
        return found

    def _find_calls(self, name: str, handed: bool = False) -> list[tuple[ast.Call, FuncInfo | None]]:
        source, lines, i = self.source, [], self.source.find(name)
        line, counted = 1, 0   # newlines counted from the previous hit on, not from the start at each
        while i != -1:
            j = i + len(name)
            if (i == 0 or not (source[i - 1].isalnum() or source[i - 1] == "_")) \
                    and source[j:j + 40].lstrip(" \t\r\n").startswith((",", ")") if handed else "("):
                line += source.count("\n", counted, i)
                counted = i
                lines.append(line)
            i = source.find(name, j)
        if not lines:
            return []
        out: list[tuple[ast.Call, FuncInfo | None]] = []

        def hit(node: ast.AST) -> bool:
            k = bisect.bisect_left(lines, node.lineno)  # type: ignore[attr-defined]
            return k < len(lines) and lines[k] <= (getattr(node, "end_lineno", None) or node.lineno)  # type: ignore[attr-defined]

        def named(f: ast.AST) -> bool:
            return (f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else None) == name

        def hands(node: ast.AST) -> bool:
            return isinstance(node, ast.Call) and any(named(a) for a in node.args + [k.value for k in node.keywords])

        def calls_in(expr: ast.AST, func: FuncInfo | None) -> None:
            inner: set[int] = set()
            for node in ast.walk(expr):
                if not isinstance(node, ast.Call) or id(node) in inner:
                    continue
                if not handed:
                    if named(node.func):
                        out.append((node, func))
                elif hands(node.func):
                    inner.add(id(node.func))
                    out.append((node, func))
                elif hands(node):
                    out.append((node, func))

        def walk(stmts: list[ast.stmt], func: FuncInfo | None, klass: ClassInfo | None) -> None:
            for node in stmts:
                if not hit(node):
                    continue
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    for expr in node.decorator_list + node.args.defaults + [d for d in node.args.kw_defaults if d]:
                        calls_in(expr, func)
                    qual = f"{func.qualname}.{node.name}" if func else (f"{klass.node.name}.{node.name}" if klass else node.name)
                    walk(node.body, self.func_info(node, qual, func, klass if func is None else None), None)
                elif isinstance(node, ast.ClassDef):
                    for expr in node.bases + node.decorator_list:
                        calls_in(expr, func)
                    info = self.classes.get(node.name) if func is None else None
                    walk(node.body, func, info if info is not None and info.node is node else ClassInfo.build(node))
                else:
                    for field_name, value in ast.iter_fields(node):
                        if field_name in ("body", "orelse", "finalbody"):
                            walk(value, func, klass)
                        elif field_name in ("handlers", "cases"):
                            for clause in value:
                                if isinstance(clause, ast.match_case) and clause.guard is not None:
                                    calls_in(clause.guard, func)
                                walk(clause.body, func, klass)
                        elif isinstance(value, ast.AST):
                            calls_in(value, func)
                        elif isinstance(value, list):
                            for item in value:
                                if isinstance(item, ast.AST):
                                    calls_in(item, func)

        walk(self.tree.body, None, None)
        out.sort(key=lambda c: (c[0].lineno, c[0].col_offset))
        return out

    def segment(self, node: ast.AST) -> str:
        if self._lines is None:
            self._lines = split_lines(self.source, keepends=True)
        return source_segment(self._lines, node)

    @classmethod
    def build(cls, path: str, modname: str | None, tree: ast.Module, source: str, is_package: bool = False) -> "ModuleInfo":
        info = cls(path, modname, tree, source)
        package = modname if is_package else (modname.rsplit(".", 1)[0] if modname and "." in modname else "")
        # an import statement's lines hold its keyword: blocks without the text `import` are not entered
        for node in iter_statements(tree.body, lines_holding(source, "import")):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        info.imports[alias.asname] = alias.name
                    else:
                        root = alias.name.split(".")[0]
                        info.imports.setdefault(root, root)
                        info.imports.setdefault(alias.name, alias.name)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = package.split(".") if package else []
                    keep = len(parts) - (node.level - 1)
                    prefix = ".".join(parts[:keep]) if keep > 0 else ""
                    base = ".".join(p for p in (prefix, base) if p)
                for alias in node.names:
                    if alias.name != "*":
                        info.imports[alias.asname or alias.name] = f"{base}.{alias.name}" if base else alias.name
                    elif base:
                        info.star_imports.append(base)
        collect_bindings(tree.body, info.bindings, info.subscripts)
        for stmt in tree.body:
            if isinstance(stmt, ast.ClassDef):
                info.classes[stmt.name] = ClassInfo.build(stmt)
            elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                info.functions[stmt.name] = stmt
        return info

    def exported_names(self) -> dict[str, str]:
        """What `from <this module> import *` binds, each name with the qualified name it stands for: the
        names of a literal `__all__`, else the public top-level names (as Python does)."""
        declared = _literal_all(self.tree.body)
        names = declared if declared is not None else [
            n for n in dict.fromkeys([*self.bindings, *self.classes, *self.functions, *self.imports])
            if not n.startswith("_") and "." not in n]
        return {n: self.imports.get(n) or f"{self.modname}.{n}" for n in names} if self.modname else {}

    def func_info(self, node: ast.AST, qualname: str, parent: FuncInfo | None, klass: ClassInfo | None) -> FuncInfo:
        key = id(node)
        found = self._funcs.get(key)
        if found is None:
            found = self._funcs[key] = FuncInfo.build(node, qualname, parent, klass)
        return found

    def class_of_method(self, func: ast.AST) -> ClassInfo | None:
        for c in self.classes.values():
            if func in c.methods.values():
                return c
        return None


def _literal_all(body: list[ast.stmt]) -> list[str] | None:
    """The names of a module's `__all__ = [...]` / `(...)` of string literals; None when it has none such."""
    found = None
    for stmt in body:
        targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target] if isinstance(stmt, ast.AnnAssign) else []
        if any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets):
            v = stmt.value  # type: ignore[attr-defined]
            found = [e.value for e in v.elts] if isinstance(v, (ast.List, ast.Tuple)) and all(
                isinstance(e, ast.Constant) and isinstance(e.value, str) for e in v.elts) else None
    return found


def module_name_for(path: Path, packages: dict[str, tuple[str, ...]] | None = None,
                    root: Path | None = None) -> tuple[str | None, bool]:
    """Dotted module name from the package layout (walk up while `__init__.py` exists); a module of a namespace
    package is named from the project `root` (`namespace_name`). `packages` keeps what was found per directory
    for a caller naming many modules of the same packages."""
    package = ".".join(_package_parts(path.parent, {} if packages is None else packages))
    if not package and root is not None:
        package = namespace_name(path.parent, root) or ""
    parts = (*((package,) if package else ()), *(() if path.name == "__init__.py" else (path.stem,)))
    return (".".join(parts) or None), path.name == "__init__.py"


def namespace_name(directory: Path, root: Path) -> str | None:
    """The dotted name of a directory without `__init__.py` (a PEP 420 namespace package) as Python names it with
    the project root, or its `src/`/`lib/`, on the path (`svc/beta` is `svc.beta`): a relative import in it then
    reaches its sibling, not a module of the same name elsewhere. None at those roots, outside them, or when a
    part is no identifier."""
    for base in (root / "src", root / "lib", root):
        try:
            parts = directory.relative_to(base).parts
        except ValueError:
            continue
        return ".".join(parts) if parts and all(p.isidentifier() for p in parts) else None
    return None


def _package_parts(d: Path, packages: dict[str, tuple[str, ...]]) -> tuple[str, ...]:
    """Names of the package directories ending at `d`, outermost first (none when `d` holds no `__init__.py`)."""
    key = str(d)
    found = packages.get(key)
    if found is None:
        if not (d / "__init__.py").is_file():
            found = ()
        elif d.parent == d:
            found = (d.name,)
        else:
            found = (*_package_parts(d.parent, packages), d.name)
        packages[key] = found
    return found


def package_root_for(path: Path) -> Path:
    d = path.parent
    while (d / "__init__.py").is_file() and d.parent != d:
        d = d.parent
    return d
