"""What a rule sees of one file: its tree, its call sites, positions, config and knowledge.

Analysis runs on CPython's `ast` (fast); fixes are libcst edits of the affected node's source text
(see `fixes.py`). Columns from `ast` are UTF-8 byte offsets; `span_of` converts them to code points.
For a notebook, `source` is the virtual module made of its code cells and `cell_of_line` maps back.
"""
from __future__ import annotations

import ast
import bisect
import functools
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterable

from llmsight.analysis.modules import source_segment, split_lines
from llmsight.analysis.syntax import parse_source
from llmsight.config import Config
from llmsight.records import CallSite, Diagnostic, Fix, Span

if TYPE_CHECKING:
    from llmsight.analysis.rules.base import Rule

_NOQA = re.compile(r"#\s*noqa(?::\s*(?P<codes>[A-Za-z0-9_, ]+))?")
_PRAGMA = re.compile(r"#\s*llmsight:(?P<body>[^#]*)")
_DIRECTIVE = re.compile(r"\s*(?P<name>ignore|model|feature)\s*(?:\[(?P<codes>[A-Za-z0-9_, ]*)\]|=\s*(?P<value>[^,\s]+))?\s*,?")


@dataclass(frozen=True)
class Pragma:
    """A `# llmsight: …` comment: `ignore` / `ignore[CODES]`, `model=a|b` (the models a call sends, for
    a call whose model llmsight cannot know), `feature=NAME`; directives separated by commas."""

    ignore: frozenset[str] | None = None   # codes to suppress; empty: every code
    models: tuple[str, ...] = ()
    feature: str | None = None


def parse_pragma(text: str) -> Pragma | None:
    """The `# llmsight:` directives on one line, None when it has none. One parser for every directive,
    so `# llmsight: ignore[LLM001], model=gpt-4o` reads the same wherever it is used."""
    if "llmsight" not in text:
        return None
    ignore: set[str] | None = None
    models: tuple[str, ...] = ()
    feature = None
    found = False
    for m in _PRAGMA.finditer(text):
        body, pos = m.group("body"), 0
        while pos < len(body):
            d = _DIRECTIVE.match(body, pos)
            if d is None or d.end() == pos:
                break
            pos = d.end()
            name, value = d.group("name"), d.group("value")
            if name == "ignore":
                codes = {c.strip().upper() for c in (d.group("codes") or "").split(",") if c.strip()}
                ignore = set() if not codes or ignore == set() else (ignore or set()) | codes
                found = True
            elif name == "model" and value:
                models = tuple(v for v in value.split("|") if v)
                found = True
            elif name == "feature" and value:
                feature, found = value, True
    return Pragma(frozenset(ignore) if ignore is not None else None, models, feature) if found else None


@dataclass
class SourceMap:
    """Lines of the analysed text and how they map to the file the user sees."""

    lines: list[str]
    # notebooks: sorted virtual start lines of each code cell, its cell index and first real line
    cell_starts: list[int] = field(default_factory=list)
    cell_index: list[int] = field(default_factory=list)
    # virtual line -> columns the cell's text has there before what is analysed (IPython's dedent)
    col_shifts: dict[int, int] = field(default_factory=dict)

    def cell_of_line(self, line: int) -> tuple[int | None, int]:
        """(cell index, line within cell) for a virtual line; (None, line) for plain files."""
        if not self.cell_starts:
            return None, line
        i = bisect.bisect_right(self.cell_starts, line) - 1
        return self.cell_index[i], line - self.cell_starts[i] + 1

    def virtual_line(self, cell: int | None, line: int) -> int:
        """Inverse of `cell_of_line`."""
        if cell is None or not self.cell_starts:
            return line
        return self.cell_starts[self.cell_index.index(cell)] + line - 1

    def col_to_codepoints(self, line: int, byte_col: int) -> int:
        """Code-point column in the line the user sees, from a UTF-8 byte column of the analysed line."""
        text = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        shift = self.col_shifts.get(line, 0) if self.col_shifts else 0
        if text.isascii():
            return byte_col + shift
        return len(text.encode("utf-8")[:byte_col].decode("utf-8", errors="ignore")) + shift


@dataclass
class FileContext:
    path: str                      # POSIX, relative to the project root
    source: str
    tree: ast.Module
    srcmap: SourceMap
    config: Config
    sites: list[CallSite] = field(default_factory=list)
    # site id -> the ast.Call of the request, and of the client constructor when it is in this file
    call_nodes: dict[str, ast.Call] = field(default_factory=dict)
    client_nodes: dict[str, ast.Call] = field(default_factory=dict)
    # site id -> enclosing loop / try node, when any
    loop_nodes: dict[str, ast.AST] = field(default_factory=dict)
    parents: dict[ast.AST, ast.AST] = field(default_factory=dict)
    traffic: object | None = None  # simulator view, when --traffic is given
    _source_lines: list[str] | None = None
    _memo: dict = field(default_factory=dict)

    def memo(self, key: str, compute):
        """A per-file fact several rules ask for (imports, try statements), computed once. Kept here,
        not in a global cache: a cache keyed by tree keeps whole syntax trees alive, and every full
        garbage collection then walks them."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    @property
    def lines(self) -> list[str]:
        return self.srcmap.lines

    # ---- positions ---------------------------------------------------------------------------
    def span_of(self, node: ast.AST) -> Span:
        """1-based code-point span of an ast node (in cell coordinates for notebooks)."""
        sl, el = node.lineno, node.end_lineno or node.lineno  # type: ignore[attr-defined]
        sc = self.srcmap.col_to_codepoints(sl, node.col_offset) + 1  # type: ignore[attr-defined]
        ec = self.srcmap.col_to_codepoints(el, node.end_col_offset or 0) + 1  # type: ignore[attr-defined]
        return self.make_span(sl, sc, el, ec)

    def make_span(self, start_line: int, start_col: int, end_line: int, end_col: int) -> Span:
        cell, sl = self.srcmap.cell_of_line(start_line)
        _, el = self.srcmap.cell_of_line(end_line)
        return Span(self.path, sl, start_col, el, end_col, cell)

    def segment(self, node: ast.AST) -> str:
        if self._source_lines is None:
            self._source_lines = split_lines(self.source, keepends=True)
        return source_segment(self._source_lines, node)

    def parent(self, node: ast.AST) -> ast.AST | None:
        return self.parents.get(node)

    def ancestors(self, node: ast.AST) -> Iterable[ast.AST]:
        p = self.parents.get(node)
        while p is not None:
            yield p
            p = self.parents.get(p)

    # ---- suppression -------------------------------------------------------------------------
    def suppressed(self, code: str, line: int) -> bool:
        """`# llmsight: ignore[CODE]` / `# noqa: CODE` (or bare forms) on the given virtual line."""
        if not 0 < line <= len(self.lines):
            return False
        text = self.lines[line - 1]
        if "#" not in text:
            return False
        pragma = parse_pragma(text)
        if pragma is not None and pragma.ignore is not None and (not pragma.ignore or code.upper() in pragma.ignore):
            return True
        for m in _NOQA.finditer(text):
            codes = m.group("codes")
            if codes is None or code.upper() in {c.strip().upper() for c in codes.split(",")}:
                return True
        return False

    # ---- reporting ---------------------------------------------------------------------------
    def diagnostic(self, rule: "type[Rule] | Rule", node: ast.AST, message: str,
                   site: CallSite | None = None, fixes: Iterable[Fix] = ()) -> Diagnostic:
        severity = self.config.severity.get(rule.code, rule.severity)
        return Diagnostic(code=rule.code, name=rule.name, severity=severity,  # type: ignore[arg-type]
                          message=message, span=self.span_of(node),
                          site_id=site.id if site else None, fixes=tuple(fixes))


# ---- what repeats a request ------------------------------------------------------------------------------
# calls that run the callable they are handed once per item: pandas' and polars' `.apply`/`.map`/
# `.map_elements`, tqdm's `.progress_apply`/`.progress_map`/`thread_map`, the builtin `map`, executors' and
# pools' `map`/`imap`/`starmap`
PER_ITEM_MAPPERS = frozenset({"apply", "map", "applymap", "map_elements", "progress_apply", "progress_map",
                              "parallel_apply", "thread_map", "process_map", "imap", "imap_unordered", "starmap"})
# calls that run the callable they are handed once, now (a pool's `submit`/`apply_async`, `asyncio.to_thread`,
# `loop.run_in_executor`, anyio's `run_sync`/`start_soon`): in a loop, once per item
HANDED_RUNNERS = frozenset({"submit", "apply_async", "to_thread", "run_in_executor", "run_sync", "start_soon", "spawn"})


@dataclass(frozen=True)
class RunnerElsewhere:
    """A call in another module of the project that runs a site's function once per item (`for d in docs:
    summarize(d)` in a jobs module, the request in an llm module): the call and its module (a ModuleInfo)."""

    node: ast.AST
    mod: object


def per_item_mapper(node: ast.AST | None) -> bool:
    """`df["text"].apply(f)`, `map(f, xs)`, `pool.imap(f, xs)`: a call that runs what it is handed per item.
    Not a process pool's `apply(f, (x,))`, which runs `f` once (its arguments a tuple, its receiver a pool)."""
    if not isinstance(node, ast.Call) or not node.args:
        return False
    f = node.func
    name = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""
    if name == "apply" and isinstance(f, ast.Attribute):
        receiver = f.value.id if isinstance(f.value, ast.Name) else f.value.attr if isinstance(f.value, ast.Attribute) else ""
        if len(node.args) > 1 and isinstance(node.args[1], ast.Tuple) or "pool" in receiver.lower():
            return False
    return name in PER_ITEM_MAPPERS


def per_item_callable(node: ast.AST | None) -> ast.expr | None:
    """What a per-item mapper runs once per item: its first argument, the callable (`map(f, xs)`,
    `df.text.apply(lambda t: …)`); its other arguments (the items, `args=`) are evaluated once."""
    return node.args[0] if per_item_mapper(node) else None  # type: ignore[union-attr]


def per_item_runner(body: list[ast.stmt], target: ast.AST) -> ast.AST | None:
    """The innermost `for` loop, comprehension or per-item mapper in `body` that runs `target` (a call, or a
    function handed to a mapper) once per item of its data; None when none does. Nested functions are not
    entered, a lambda only as what a mapper runs. `while` loops (agents, REPLs, polling) repeat, but not per
    item. Only the nodes whose lines hold `target`'s first line are entered (statement lists by bisection):
    a caller asks once per call of a helper, so a walk of the whole body each time would be quadratic."""
    line = target.lineno  # type: ignore[attr-defined]
    stack: list[tuple[ast.AST, ast.AST | None]] = [(n, None) for n in _statements_at(body, line)]
    while stack:
        node, runner = stack.pop()
        if node is target:
            return runner
        if getattr(node, "lineno", line) > line or (getattr(node, "end_lineno", None) or line) < line:
            continue
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        if isinstance(node, (ast.For, ast.AsyncFor)):
            stack += [(node.target, runner), (node.iter, runner), *((s, runner) for s in _statements_at(node.orelse, line)),
                      *((s, node) for s in _statements_at(node.body, line))]
        elif isinstance(node, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            first, *rest = node.generators
            stack += [(first.iter, runner), *((n, node) for g in rest for n in (g.iter, *g.ifs)), *((c, node) for c in first.ifs),
                      *((e, node) for e in ([node.key, node.value] if isinstance(node, ast.DictComp) else [node.elt]))]
        elif (handed := per_item_callable(node)) is not None:
            once = [node.func, *node.args[1:], *(k.value for k in node.keywords)]   # type: ignore[attr-defined]
            stack += [*((c, runner) for c in once), (handed.body if isinstance(handed, ast.Lambda) else handed, node)]
        else:
            for _name, value in ast.iter_fields(node):
                if isinstance(value, list) and value and isinstance(value[0], ast.stmt):
                    stack += [(s, runner) for s in _statements_at(value, line)]
                else:
                    stack += [(c, runner) for c in (value if isinstance(value, list) else [value]) if isinstance(c, ast.AST)]
    return None


def _statements_at(body: list[ast.stmt], line: int) -> list[ast.stmt]:
    """The statements of `body` (in source order) whose lines hold `line`: several when they share it
    (`a(); b()`)."""
    i = bisect.bisect_right(body, line, key=lambda s: s.lineno)
    j = i
    while j > 0 and (body[j - 1].end_lineno or body[j - 1].lineno) >= line:
        j -= 1
    return body[j:i]


# ---- edits that cannot change findings ------------------------------------------------------------------
# comments rules read: suppressions, pragmas, and provider keys (LLM010 reports a key in a comment)
_READ_COMMENT = re.compile(r"noqa|llmsight", re.IGNORECASE)


def comment_only_change(old: str, new: str, protected: Iterable[Span] = ()) -> bool:
    """True when `new` differs from `old` only in comments no rule reads and in trailing whitespace, on
    lines outside any expression spanning several lines and outside `protected` spans (a fix rewrites a
    node's whole text, comments included): the syntax tree and every position are then the same, so
    `old`'s findings are `new`'s (an editor re-checks a buffer per keystroke; typing a comment is free).
    False whenever unsure."""
    frame = _multiline_lines(old)   # the first call for a text parses it (so a caller may prepare it)
    old_lines, new_lines = split_lines(old), split_lines(new)
    if frame is None or len(old_lines) != len(new_lines):
        return False
    changed = [i for i, (a, b) in enumerate(zip(old_lines, new_lines)) if a != b]
    if changed and changed[0] < 2:   # an encoding declaration may sit on lines 1-2
        return False
    guarded = [(s.start_line, s.end_line) for s in protected if s.cell is None]
    for i in changed:
        line = i + 1
        if line in frame or any(start <= line <= end for start, end in guarded):
            return False
        a, b = _code_and_comment(old_lines[i]), _code_and_comment(new_lines[i])
        if a is None or b is None or a[0] != b[0] or not _inert(a[1]) or not _inert(b[1]):
            return False
    return True


def _inert(comment: str) -> bool:
    from llmsight.analysis.secrets import contains_provider_key

    return not comment or (_READ_COMMENT.search(comment) is None and contains_provider_key(comment) is None)


def _code_and_comment(line: str) -> tuple[str, str] | None:
    """(the line's code without trailing whitespace, its comment) from Python's tokenizer; None when the
    line does not tokenize alone."""
    import io
    import tokenize

    try:
        for tok in tokenize.generate_tokens(io.StringIO(line + "\n").readline):
            if tok.type == tokenize.COMMENT:
                return line[:tok.start[1]].rstrip(), tok.string
    except (tokenize.TokenError, SyntaxError):
        return None
    return line.rstrip(), ""


@functools.lru_cache(maxsize=4)
def _multiline_lines(source: str) -> frozenset[int] | None:
    """Lines (1-based) where a comment belongs to a node's source text or a `#` may be string text: inside
    an expression or simple statement spanning several lines, or a compound statement's multi-line
    header. None when the source does not parse."""
    try:
        tree = parse_source(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    lines: set[int] = set()
    stack: list[ast.AST] = [tree]
    while stack:
        for node in ast.iter_child_nodes(stack.pop()):
            start, end = getattr(node, "lineno", None), getattr(node, "end_lineno", None)
            if start is None or end is None:
                stack.append(node)   # match_case, arguments, withitem, comprehension: look inside
                continue
            if end == start:
                continue
            body = getattr(node, "body", None)
            if isinstance(node, ast.expr) or not isinstance(body, list):
                lines.update(range(start, end + 1))   # a whole multi-line expression or simple statement
                continue
            header_end = _header_end(node)
            if header_end > start:
                lines.update(range(start, header_end + 1))
            stack.append(node)
    return frozenset(lines)


_BLOCKS = frozenset({"body", "orelse", "handlers", "finalbody", "cases"})


def _header_end(node: ast.AST) -> int:
    """The last line of a compound statement's header (`def f(a,\n b):`), its blocks left out."""
    end = node.lineno
    for name, value in ast.iter_fields(node):
        if name not in _BLOCKS:
            for child in value if isinstance(value, list) else (value,):
                if isinstance(child, ast.AST):
                    end = max([end, *(getattr(n, "end_lineno", None) or end for n in ast.walk(child))])
    return end
