"""Which models can reach a call site, and how: the model set a careful reader would name.

The evaluator (`evaluate.py`) answers "what is this value" once. A model is often one of several — a
default, then literals other callers pass, per-branch literals, alias-table entries, a project config file —
so this module follows the same code but keeps every string that can reach the site, each with the hops
that led to it (file:line), and when none can be known, the reason.

What it follows: local and module bindings (an `if x is None: x = DEFAULT` after `x = x or …` included),
parameters (their default, the arguments of the call being followed, and the literals every caller in the
package passes), `self.x` on the concrete class (assignments in `__init__` whose parameters are bound by
`super().__init__(…)` in subclasses or by the constructions, class attributes overridden in subclasses,
config-class fields — dataclass, pydantic, attrs, NamedTuple, msgspec — bound by constructor keywords),
`os.getenv`/`os.environ`, `.get(k, default)`, `getattr(o, "x", default)`, enum `.value`, alias tables
indexed by a key, argparse/click/typer option defaults, values returned by project functions, and the
project's `.env` templates and config files (`project_config.py`). Work per site is bounded.
"""
from __future__ import annotations

import ast
import bisect
import os
import re
from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Iterable, Iterator

from llmsight.analysis import (config_reads, enums, held_writes, notebook, object_writes, preference_lists, settings_flow,
                               setter_flow, string_ops)
from llmsight.analysis.catalog_names import SELF_HOSTED_PREFIXES
from llmsight.analysis.branch_guards import Comparison, admits, comparisons, rebound_after, tests_around
from llmsight.analysis.evaluate import (MAX_BUILT_LENGTH, ClassRef, Const, DictVal, Evaluator, FuncRef, Imported, Instance,
                                        ListVal, Scope, env_read_default, has_parameters, is_env_read, model_keyword)
from llmsight.analysis.modules import ClassInfo, FuncInfo, ModuleInfo, reaches, split_lines
from llmsight.analysis.project import MAX_PROJECT_FILE_BYTES, NotReadable, read_bounded, real_path
from llmsight.analysis.project_config import ProjectConfig, annotated_class, is_placeholder
from llmsight.records import Hop, ModelCandidate

EVAL_BUDGET = 200         # evaluator steps per object looked up (a callee, a receiver, a dict)
MAX_STEPS = 1500          # evaluations per site; a deeper site keeps what was found by then
MAX_CALLERS = 8           # calls followed per parameter
MAX_CALLER_FILES = 24     # files parsed to find them, nearest first
MAX_CALLER_DEPTH = 3      # "parameter <- caller's argument" hops in a row
DEEP_CALLER_DEPTH = 6     # the same through dicts and constructions, for a site left with no model (only then)
DEEP_MAX_STEPS = 400      # its budget of evaluations: a deep chain is narrow, a wide one is given up
DEEP_MAX_MODELS = 4       # models a deeper walk may name: one that fans out into more is guessing
MAX_VALUES = 24           # candidates kept per expression
_DEFAULT_REACHES = frozenset({"config-default", "env-default", "cli-default", "base-class"})   # a setting's default
# library functions that call the function handed to them with the arguments after it
_FORWARDERS = frozenset({"asyncio.to_thread", "functools.partial", "anyio.to_thread.run_sync",
                         "starlette.concurrency.run_in_threadpool"})
MAX_SUBCLASSES = 24
MAX_PACKAGE_FILES = 4000
MAX_SOURCE_BYTES = MAX_PROJECT_FILE_BYTES
_SKIP_DIRS = frozenset({"tests", "test", "testing", "examples", "example", "docs", "__pycache__", "node_modules",
                        "build", "dist", "site-packages"})
_FIELD_FUNCS = ("Field", "field", "attrib", "ib", "Param")
_STR_METHODS = frozenset({"strip", "lstrip", "rstrip", "lower", "upper", "replace", "removeprefix", "removesuffix",
                          "casefold", "title", "capitalize"})
_SPLIT_METHODS = frozenset({"split", "rsplit", "partition", "rpartition"})
_CONFIG_DECORATORS = ("dataclass", "define", "frozen", "mutable", "attr.s", "attr.attrs", "dataclass_json")
_CONFIG_BASES = {"BaseModel": "pydantic", "BaseSettings": "settings", "NamedTuple": "namedtuple",
                 "Struct": "msgspec", "SQLModel": "pydantic", "BaseConfig": "pydantic"}
_DEFINITION = re.compile(rb"(def|class)[ \t]+(\w+)[ \t]*(?:\(([^)]*)\))?")
# the same, one keyword each: led by a literal the regex engine skips to in C (it tries the alternation at
# every `d` and `c`, 5x slower)
_DEFINITIONS = tuple(re.compile(keyword + _DEFINITION.pattern[len(rb"(def|class)"):]) for keyword in (rb"def", rb"class"))
_WORD = re.compile(rb"\w+")
_BOUND_TO = re.compile(rb"\.(\w+)[ \t]*=[ \t]*$")             # before a name: `obj.attr = f`
# before a name: a local bound to it, or to it or another (`fn = f`, `fn = g if cached else f`, `fn = g or f`)
_PICKED_BY = re.compile(rb"[ \t]*(\w+)[ \t]*=[ \t]*(?:[^=\n]*[ \t](?:else|or)[ \t]+)?$")
_MODEL_NAME = re.compile(r"^[^\s]{1,200}$")
_BARE_WORD = re.compile(r"[A-Za-z_]{2,40}")   # a provider's name has no digit, dash or slash
# defaults that stand for "no model" (`data.get("name", "unknown")` reading a response), never one to price
_NOT_MODELS = frozenset({"unknown", "none", "null", "default", "n/a", "auto", "model", "string", "str", "test"})


@dataclass(frozen=True)
class Cand:
    value: str
    reach: str                      # records.MODEL_REACHES
    origin: str                     # "path:line" where the string is written
    chain: tuple[Hop, ...] = ()     # from the expression evaluated down to the string
    default: bool = True            # reached with the project's defaults (False: another value it can send)


@dataclass(frozen=True)
class Vals:
    """What an expression can be: model-like strings, whether it is None/"" with the project's defaults
    (an `or` falls through), whether some path holds a value known only at run time, and the first
    reason a value could not be known."""

    cands: tuple[Cand, ...] = ()
    unset: bool = False
    opaque: bool = False
    why: str | None = None
    ruled_out: bool = False   # the guards around the read admit none of the models the code names, or a write hides them
    # None only in an object built bare: a constructor parameter's default that every construction in the
    # package overrides (`x or "model"` still gives that stated default; `x or other_setting` does not)
    bare: bool = False

    @property
    def has_default(self) -> bool:
        return any(c.default for c in self.cands)


def _opaque(why: str) -> Vals:
    return Vals(opaque=True, why=why)


def _tag(vals: Vals, reach: str | None, hop: Hop | None) -> Vals:
    """The hop prepended to every candidate's chain; `reach` names the first mechanism above a literal."""
    if not vals.cands:
        return vals
    cands = tuple(replace(c, reach=reach if reach and c.reach == "literal" else c.reach,
                          chain=((hop,) + c.chain) if hop else c.chain) for c in vals.cands)
    return replace(vals, cands=cands)


def _alternatives(vals: Vals) -> Vals:
    return replace(vals, cands=tuple(replace(c, default=False) for c in vals.cands))


def _without_placeholders(vals: Vals) -> Vals:
    """A subclass's value less placeholders its user must replace (`id: str = "not-provided"`): no model
    a base-class method it runs sends, which would fail at the provider until set."""
    kept = tuple(c for c in vals.cands if not is_placeholder(c.value))
    return vals if len(kept) == len(vals.cands) else replace(vals, cands=kept)


def _union(*parts: Vals) -> Vals:
    seen: dict[str, Cand] = {}
    for p in parts:
        for c in p.cands:
            if c.value not in seen:
                seen[c.value] = c
            elif c.default and not seen[c.value].default:
                seen[c.value] = replace(seen[c.value], default=True)
    cands = sorted(seen.values(), key=lambda c: not c.default)[:MAX_VALUES]  # stable: defaults first
    return Vals(tuple(cands), any(p.unset for p in parts), any(p.opaque for p in parts),
                next((p.why for p in parts if p.why), None), bare=any(p.bare for p in parts))


def _or(first: Vals, then: Vals) -> Vals:
    """`first or then`: `then` is reached when `first` can be None (or is only known at run time)."""
    if first.has_default and not first.unset:
        return first
    merged = _union(then, first) if first.unset else _union(first, then)
    return replace(merged, unset=then.unset, opaque=first.opaque or then.opaque)


def _later(before: Vals, conditional: Vals, guarded: bool = False) -> Vals:
    """A value, then a conditional re-binding of it: `if model is None: model = DEFAULT` gives the default
    when the value is None by default; otherwise the re-binding is another value the code can send —
    unless `guarded` (it only runs when the value is unset) and the value never is."""
    if guarded and before.has_default and not before.unset:
        return before
    if before.unset or not before.has_default:
        merged = _union(conditional, before) if before.unset else _union(before, conditional)
        return replace(merged, unset=conditional.unset, opaque=before.opaque or conditional.opaque)
    return replace(_union(before, _alternatives(conditional)), unset=before.unset and conditional.unset)


def _branches(parts: list[Vals]) -> Vals:
    """Values of alternative branches: the first branch with a default keeps it, the others are ones the
    code can send."""
    out: list[Vals] = []
    found = False
    for p in parts:
        out.append(_alternatives(p) if found else p)
        found = found or p.has_default
    return _union(*out) if out else Vals()


@dataclass(frozen=True)
class Ctx:
    """What is bound while evaluating: the concrete class of `self` and the call that built it, the calls
    whose arguments bind function parameters (innermost first), and how many caller hops were taken."""

    self_cls: tuple[ClassInfo, ModuleInfo] | None = None
    ctor: tuple[ast.Call, Scope, "Ctx"] | None = None
    calls: tuple[tuple[int, ast.Call, Scope, "Ctx"], ...] = ()
    depth: int = 0
    skip: frozenset[int] = frozenset()   # `self.x = …` assignments being evaluated (`self.x = self.x.lower()`)
    # a call through `self` reached method `name` of class C: `self` is a C or a subclass that runs it
    receiver: tuple[ClassInfo, str] | None = None

    @cached_property
    def key(self) -> tuple:
        """Identity of what is bound (memo key): results differ per concrete class, construction and
        bound call, and per what bound the caller's own parameters."""
        return (id(self.self_cls[0]) if self.self_cls else 0,
                (id(self.ctor[0]), self.ctor[2].key) if self.ctor else 0,
                tuple((fid, id(call), cctx.key) for fid, call, _s, cctx in self.calls), self.depth, self.skip,
                (id(self.receiver[0].node), self.receiver[1]) if self.receiver else 0)


def _definitions_in(text: bytes) -> list[tuple[int, bytes, bytes, bytes | None]]:
    """What `_DEFINITION.finditer(text)` finds, as (start, keyword, name, bases): the matches of each keyword's
    expression merged by position, one that starts inside the match before it dropped as finditer skips it."""
    found = sorted((m.start(), m.end(), keyword, m.group(1), m.group(2))
                   for keyword, regex in zip((b"def", b"class"), _DEFINITIONS) for m in regex.finditer(text))
    out, end = [], 0
    for start, stop, keyword, name, bases in found:
        if start >= end:
            out.append((start, keyword, name, bases))
            end = stop
    return out


_INLINE_FLAGS = re.compile(rb"\(\?[aiLmsux]+\)")


def _searchers(literal: bytes, pattern: bytes) -> list["re.Pattern[bytes] | _WordLed"]:
    """Expressions a text matches one of exactly where it matches `pattern`: its top-level alternatives
    (`|` outside groups and classes, unescaped), each with the pattern's leading flags and led by the
    literal where it can be (`_literal_led`): an alternation with a `\\b`-led branch is tried at every
    position, its branches searched one by one skip to their literals."""
    flags = _INLINE_FLAGS.match(pattern)
    head = flags.group(0) if flags else b""
    body = pattern[len(head):]
    branches, depth, start, i = [], 0, 0, 0
    while i < len(body):
        c = body[i:i + 1]
        if c == b"\\":
            i += 1
        elif c == b"[":   # a class: its first member may be `]` (or an escape), `^` before it negates
            i += 2 if body[i + 1:i + 2] == b"^" else 1
            i += 2 if body[i:i + 1] == b"\\" else 1
            while i < len(body) and body[i:i + 1] != b"]":
                i += 2 if body[i:i + 1] == b"\\" else 1
        elif c == b"(":
            depth += 1
        elif c == b")":
            depth -= 1
        elif c == b"|" and depth == 0:
            branches.append(body[start:i])
            start = i + 1
        i += 1
    branches.append(body[start:])
    tail = pattern[2 + len(literal):]
    if len(branches) == 1 and pattern == rb"\b" + literal + tail and _WORD.fullmatch(literal) and _NAME_FREE.fullmatch(tail) \
            and not tail.startswith((b"*", b"+", b"?", b"{")):
        return [_WordLed(literal, re.compile(tail))]
    return [re.compile(head + _literal_led(literal, branch)) for branch in branches]


_NAME_FREE = re.compile(rb"(?:\\[^A-Za-z0-9_]|\\s|[^\\A-Za-z0-9_])*")   # a tail naming nothing: `\s*\(`


class _WordLed:
    """`\\bname<tail>` where the tail names nothing (`\\s*\\(`, `\\s*[,)]`, most of the searches): the same
    answer as that regex's `search`, found as each place `name` starts a word (`bytes.find`, in C) with the
    tail matched there; the tail is compiled once for every name (a regex per name cost ~0.5 ms to compile,
    ~5% of a cold scan)."""

    __slots__ = ("name", "tail")

    def __init__(self, name: bytes, tail: re.Pattern[bytes]):
        self.name, self.tail = name, tail

    def search(self, text: bytes) -> bool:
        i = text.find(self.name)
        while i != -1:
            if not _word_byte(text, i - 1) and self.tail.match(text, i + len(self.name)):
                return True
            i = text.find(self.name, i + 1)
        return False


def _literal_led(literal: bytes, pattern: bytes) -> bytes:
    """`\\bname…` written `name(?<=\\bname)…`: the same matches, led by a literal the regex engine skips to
    in C (it tries a `\\b`-led pattern at every position, ~10x slower). A pattern with an alternation, or a
    literal that is not plain text, is left as it is."""
    head = rb"\b" + literal
    if pattern.startswith(head) and b"|" not in pattern and re.escape(literal) == literal:
        return literal + rb"(?<=" + head + rb")" + pattern[len(head):]
    return pattern


class PackageIndex:
    """The Python files of each top-level directory and their bytes, searched with regular expressions
    before anything is parsed (callers, subclasses, option definitions). Shared by every analysis of a
    root in the process (an editor analyses a buffer per keystroke); each new project re-checks the
    files of a directory (names, sizes, mtimes) the first time it uses it."""

    def __init__(self, root: Path):
        self.root = root
        self._files: dict[Path, list[Path]] = {}
        self._stamps: dict[Path, dict[Path, tuple[int, int]]] = {}
        self._texts: dict[Path, bytes] = {}
        self._found: dict[tuple[Path, bytes], list[Path]] = {}
        self._held: dict[tuple[Path, bytes], list[Path]] = {}
        self._blobs: dict[Path, tuple[list[Path], bytes, list[int]]] = {}
        self._defs: dict[Path, dict[str, tuple[int, list[tuple[Path, tuple[str, ...]]]]]] = {}
        self._bases: dict[Path, dict[str, list[Path]]] = {}

    def revalidate(self, top: Path) -> None:
        """Forget what was read of `top` when its files changed since (one walk and a stat per file)."""
        if top in self._files and self._listing(top) != self._stamps.get(top):
            for path in self._files.pop(top):
                self._texts.pop(path, None)
            for cache in (self._blobs, self._defs, self._bases, self._stamps):
                cache.pop(top, None)
            self._found = {k: v for k, v in self._found.items() if k[0] != top}
            self._held = {k: v for k, v in self._held.items() if k[0] != top}

    def _listing(self, top: Path) -> dict[Path, tuple[int, int]]:
        stamps: dict[Path, tuple[int, int]] = {}
        for dirpath, dirnames, filenames in os.walk(top):
            dirnames[:] = sorted(d for d in dirnames if top != self.root and d not in _SKIP_DIRS
                                 and not d.startswith(".") and not d.endswith(".egg-info"))
            for name in sorted(filenames):
                if name.endswith(".py") and not name.startswith("test_") and not name.endswith("_test.py") \
                        and name != "conftest.py":
                    path = Path(dirpath, name)
                    try:
                        st = path.lstat()
                    except OSError:
                        continue
                    stamps[path] = (st.st_size, st.st_mtime_ns)
            if len(stamps) > MAX_PACKAGE_FILES:
                break
        return stamps

    def top_of(self, mod: ModuleInfo) -> Path:
        """The directory whose files may call into `mod`: its top-level directory under the project root
        (or under `src/`, `lib/`), namespace packages included; the root itself for a file at the root."""
        path = Path(mod.path) if os.path.isabs(mod.path) else self.root / mod.path
        try:
            parts = path.relative_to(self.root).parts
        except ValueError:
            return path.parent
        depth = 2 if len(parts) > 2 and parts[0] in ("src", "lib") else 1
        return self.root.joinpath(*parts[:depth]) if len(parts) > depth else self.root

    def files(self, top: Path) -> list[Path]:
        """The package's Python files (tests, examples and docs left out): the whole tree below a top
        directory, only the files themselves at the project root."""
        found = self._files.get(top)
        if found is None:
            stamps = self._stamps[top] = self._listing(top)
            found = self._files[top] = list(stamps)[:MAX_PACKAGE_FILES]
        return found

    def text(self, path: Path) -> bytes:
        data = self._texts.get(path)
        if data is None:
            try:
                data = read_bounded(path, MAX_SOURCE_BYTES)
            except NotReadable:
                data = b""  # not a regular file, or too large: the scan reports it if it is scanned
            self._texts[path] = data
        return data

    def search(self, top: Path, literal: bytes, pattern: bytes) -> list[Path]:
        """Files of the package whose text matches `pattern` (a bytes regular expression), looked for
        only in the files holding `literal` (`bytes.find` runs in C; a `\\b`-led pattern does not)."""
        key = (top, pattern)
        found = self._found.get(key)
        if found is None:
            regexes = _searchers(literal, pattern)
            found = self._found[key] = [f for f in self.holding(top, literal)
                                        if any(regex.search(self.text(f)) for regex in regexes)]
        return found

    def holding(self, top: Path, literal: bytes) -> list[Path]:
        """Files of the package whose text holds `literal`: one C search over the package, shared by the
        patterns looked for with the same literal."""
        key = (top, literal)
        found = self._held.get(key)
        if found is None:
            files, blob, starts = self._blob(top)
            found = []
            i = blob.find(literal)
            while i != -1:
                k = bisect.bisect_right(starts, i) - 1
                found.append(files[k])
                i = blob.find(literal, starts[k + 1]) if k + 1 < len(starts) else -1
            self._held[key] = found
        return found

    def _blob(self, top: Path) -> tuple[list[Path], bytes, list[int]]:
        """The package's texts joined (NUL-separated), with each file's start offset."""
        found = self._blobs.get(top)
        if found is None:
            files = self.files(top)
            starts, offset = [], 0
            for f in files:
                starts.append(offset)
                offset += len(self.text(f)) + 1
            found = self._blobs[top] = (files, b"\0".join(self.text(f) for f in files), starts)
        return found

    def definitions(self, top: Path) -> dict[str, tuple[int, list[tuple[Path, tuple[str, ...]]]]]:
        """Every `def`/`class` name of the package: how many times it is defined, and for classes the
        files and base names (one pass over the texts, then lookups)."""
        found = self._defs.get(top)
        if found is None:
            found = self._defs[top] = {}
            for path in self.files(top):
                text = self.text(path)
                for start, keyword, name_bytes, bases in _definitions_in(text):
                    before = text[start - 1:start]
                    if before and (before.isalnum() or before == b"_"):
                        continue  # `undef x`, `subclass y`: not a definition
                    name = name_bytes.decode("ascii", "replace")
                    count, classes = found.get(name, (0, []))
                    if keyword == b"class":
                        classes = classes + [(path, tuple(w.decode("ascii", "replace") for w in _WORD.findall(bases or b"")))]
                    found[name] = (count + 1, classes)
        return found

    def subclass_files(self, top: Path, name: str) -> list[Path]:
        """Files defining a class whose bases mention `name`."""
        bases = self._bases.get(top)
        if bases is None:
            bases = self._bases[top] = {}
            for _count, classes in self.definitions(top).values():
                for path, words in classes:
                    for word in set(words):
                        if path not in bases.setdefault(word, []):
                            bases[word].append(path)
        return sorted(bases.get(name, ()))


@dataclass
class ProjectState:
    """What model resolution learns about one project (kept on it): results keyed by node ids, which
    are only unique while that project's trees live, the package files it re-checked, its config files."""

    index: PackageIndex
    config_files: ProjectConfig
    memo: dict[tuple, tuple] = field(default_factory=dict)   # ModelResolver._values results
    mro: dict[int, tuple[ast.AST, list, set[str]]] = field(default_factory=dict)   # class id -> (node, MRO, files)
    # calls found to reach a function or class, with the files they are in (for the cache's deps)
    calls: dict[tuple[int, str], tuple[list[tuple[ast.Call, Scope]], list[str]]] = field(default_factory=dict)
    checked: set[Path] = field(default_factory=set)           # top directories re-validated
    # an `__init__`'s `super().__init__(…)` calls, by its node id (with the node, which keeps the id unique)
    super_inits: dict[int, tuple[ast.AST, list[ast.Call]]] = field(default_factory=dict)
    # a parameterless function's first call per caller context (kept with the node and context: ids stay unique)
    first_call: dict[tuple, tuple] = field(default_factory=dict)

    def top(self, mod: ModuleInfo) -> Path:
        top = self.index.top_of(mod)
        if top not in self.checked:
            self.checked.add(top)
            self.index.revalidate(top)
        return top


_PACKAGES: dict[Path, PackageIndex] = {}


def _package_index(root: Path) -> PackageIndex:
    index = _PACKAGES.get(root)
    if index is None:
        index = _PACKAGES[root] = PackageIndex(root)
    return index


def share_texts(root: Path, texts: Iterable[tuple[str, bytes]]) -> None:
    """Hand the package index of `root` the (relative path, bytes) of files a scan already read (before it
    forks), so that searching the package for callers and subclasses does not read them again."""
    index = _package_index(real_path(root))
    for rel, data in texts:
        if rel.endswith(".py") and len(data) <= MAX_SOURCE_BYTES:
            index._texts.setdefault(index.root / rel, data)


def _state(ev: Evaluator) -> ProjectState:
    found = ev.project.indexes.get("model_resolution")
    if found is None:
        root = ev.project.root
        found = ev.project.indexes["model_resolution"] = ProjectState(_package_index(root), ProjectConfig(root))
    return found  # type: ignore[return-value]


def subclass_files(ev: Evaluator, mod: ModuleInfo, name: str) -> list[Path]:
    """Files of `mod`'s package defining a class whose bases mention `name` (the package text index model
    resolution keeps), for discovery's `self.x` bound only in subclasses."""
    state = _state(ev)
    return state.index.subclass_files(state.top(mod), name)


def _provider_name(value: str) -> bool:
    """`openai`, `gemini`: a provider the price data names and no row of it is called, so a value that
    names a provider rather than a model (`provider="openai"` flowing into a model variable)."""
    return bool(_BARE_WORD.fullmatch(value)) and value.lower() in _provider_names()


@lru_cache(maxsize=1)
def _provider_names() -> frozenset[str]:
    from llmsight.knowledge.catalog import Catalog
    return Catalog.load().provider_names


def _models_only(vals: Vals) -> Vals:
    """The candidates that can be models: model-like strings, less a provider's bare name the code reaches
    through a variable, a parameter or a setting (one written on the request itself stays, for the rules
    to flag)."""
    provider = [c for c in vals.cands if c.chain and _provider_name(c.value)]
    kept = tuple(c for c in vals.cands if looks_like_model(c.value) and c not in provider)
    if not provider or kept:
        return replace(vals, cands=kept)
    return replace(vals, cands=kept, ruled_out=True, why=vals.why or f"`{provider[0].value}` names a provider, not a model")


# SDKs whose client speaks only its vendor's API, and the provider prefixes that vendor's models carry: a
# model another provider's or a local server's prefix names (`openai/gpt-4.1-mini`, `ollama/llama3.1`
# reaching `anthropic.Anthropic()`) is never sent there. The openai SDK is not one: gateways serve every
# provider's models through it, prefixed.
_VENDOR_PREFIXES = {"anthropic": ("anthropic",), "cohere": ("cohere", "cohere_chat"), "mistral": ("mistral",),
                    "voyage": ("voyage",)}


# openai clients that go to OpenAI's own API unless a base URL sends them elsewhere
_OPENAI_API_CLIENTS = frozenset({"openai.OpenAI", "openai.AsyncOpenAI"})
_OPENAI_BASE_URL_ENV = "OPENAI_BASE_URL"    # what the SDK reads when no base_url is passed


def sendable(candidates: tuple, sdk: str | None, openai_api: bool = False) -> tuple[tuple, str]:
    """The candidates a site of `sdk` can send, less models prefixed with another provider when the SDK
    speaks only its vendor's API (an openai client too when `openai_api`: one no base URL sends to a
    gateway); and why none, when every one was such a model."""
    own = _VENDOR_PREFIXES.get(sdk or "") or (("openai",) if openai_api and sdk == "openai" else None)
    if own is None:
        return candidates, ""
    foreign = [c for c in candidates if "/" in c.value and c.value.split("/", 1)[0].lower() not in own
               and c.value.split("/", 1)[0].lower() in _provider_names() | SELF_HOSTED_PREFIXES]
    kept = tuple(c for c in candidates if c not in foreign)
    why = "" if kept or not foreign else (
        f"the models reaching this call name other providers ({', '.join(c.value for c in foreign[:3])}, "
        f"{foreign[0].origin}), which the {sdk} SDK does not send to; the model it sends is set elsewhere")
    return kept, why


def looks_like_model(value: str) -> bool:
    """One token, not a URL or a bare provider prefix."""
    return bool(_MODEL_NAME.match(value)) and not value.endswith("/") and "://" not in value \
        and value.lower() not in _NOT_MODELS


@dataclass
class ModelResolver:
    """Model sets for the sites of one file. What an expression can be is memoised for the process
    (`PackageIndex.memo`), with the project files it read, so the files that reach the same base class
    or settings module do not follow it again; each entry keeps its nodes alive, so ids stay unique."""

    ev: Evaluator
    _active: set = field(default_factory=set)
    _steps: int = 0
    _cut: bool = False                                    # a cycle was cut: the result is partial
    _depth_limit: int = MAX_CALLER_DEPTH                  # caller hops followed in a row in this pass
    _depth_cut: bool = False                              # a path was cut at that depth (a deeper pass may add)
    _collect: list[set[str]] = field(default_factory=list)  # files read by the evaluations under way
    _site_method: str = ""   # the method the site is in: an object built only to call another never reaches it
    _tables: setter_flow.TableKeys | None = None   # the keys that build the class a setter's caller is followed for
    # the module's helpers (defined below) that setter_flow calls on the resolver
    _self_class_of = staticmethod(lambda node, scope: _self_class(node, scope))
    _argument_of = staticmethod(lambda func, name, call: _argument_of(func, name, call))

    def __post_init__(self) -> None:
        self.state = _state(self.ev)
        self.index, self.config_files = self.state.index, self.state.config_files
        self.reader = settings_flow.Reader(self.ev)   # the keys of the mappings a request splats

    # ---- entry ---------------------------------------------------------------------------------------
    def resolve(self, node: ast.AST, scope: Scope, site: tuple[ast.AST, Scope] | None = None) -> Vals:
        """The models `node` can be; `site`, the request call, narrows them by the tests that decide
        whether it runs."""
        self._site_method = _method_name(site[1] if site is not None else scope)   # `node` may be read in `__init__`
        vals = self._deepening(lambda: self._values(node, scope, Ctx()))
        return self._by_partner(node, scope, self._narrow(node, scope, _models_only(vals), site))

    def resolve_splat(self, node: ast.AST, scope: Scope, keys: tuple[str, ...]) -> Vals:
        """The model inside `**node`: a dict built in the code, or for a function's own `**kwargs`, the
        keyword its callers pass (through their own `**kwargs` too)."""
        self._site_method = _method_name(scope)
        return _models_only(self._deepening(lambda: self._splat(node, scope, keys, Ctx())))

    def _deepening(self, run) -> Vals:
        """`run()` following callers `MAX_CALLER_DEPTH` hops up; when that finds no model and cut a path
        at that depth, again `DEEP_CALLER_DEPTH` hops up with `DEEP_MAX_STEPS` steps: only the sites still
        unresolved pay for the deeper walk (an agent built through five layers of `engine_params`). The
        deeper walk's models are kept only when they are a few, the default among them: a walk that far
        up that fans out through alias tables and every caller names models the site cannot all send."""
        self._steps, self._depth_limit, self._depth_cut = 0, MAX_CALLER_DEPTH, False
        self._active.clear()
        vals = run()
        if vals.cands or not self._depth_cut:
            return vals
        self._steps, self._depth_limit = MAX_STEPS - DEEP_MAX_STEPS, DEEP_CALLER_DEPTH
        self._active.clear()
        try:
            deeper = run()
        finally:
            self._depth_limit = MAX_CALLER_DEPTH
        return deeper if deeper.has_default and len(deeper.cands) <= DEEP_MAX_MODELS else vals

    def reaches_openai_api(self, client) -> bool:
        """An `OpenAI()`/`AsyncOpenAI()` the code builds with no base URL (no `base_url=`, no `**options`
        or `*args` that may hold one, none in `with_options`, and no OPENAI_BASE_URL the project sets in its
        code or config files) talks to OpenAI's API only: models another provider's prefix names never go
        there, as they never go to a single-vendor SDK."""
        if client.made_elsewhere or client.ctor is None or client.ctor_scope is None \
                or client.cls not in _OPENAI_API_CLIENTS:
            return False
        calls = [client.ctor, *(call for call, _ in client.options)]
        if any(kw.arg in (None, "base_url") for call in calls for kw in call.keywords) \
                or any(isinstance(arg, ast.Starred) for call in calls for arg in call.args):
            return False
        return not self.config_files.env(_OPENAI_BASE_URL_ENV) and not self.index.holding(
            self.state.top(client.ctor_scope.mod), _OPENAI_BASE_URL_ENV.encode())

    def resolve_default_text(self, node: ast.AST, scope: Scope) -> str | None:
        """The one string `node` holds with the project's defaults, whatever it looks like: discovery reads a
        base URL through it (`os.getenv("X_BASE_URL", self.base_url)` returned by a helper method, a settings
        field). None when it can be several or none is known."""
        self._steps = 0
        self._active.clear()
        self._site_method = _method_name(scope)
        found = {c.value for c in self._values(node, scope, Ctx()).cands if c.default}
        return found.pop() if len(found) == 1 else None

    def arguments_passed(self, func: FuncInfo, mod: ModuleInfo, name: str) -> list[tuple[ast.AST, Scope]]:
        """What the package's calls of `func` pass for parameter `name` (the call graph callers' literals
        are followed on): discovery types a client a helper receives from another module with it."""
        found = [(_argument_of(func, name, call), cscope) for call, cscope in self.calls_of(func, mod)]
        return [(arg, cscope) for arg, cscope in found if arg is not None and arg is not _STARRED]

    def calls_of(self, func: FuncInfo, mod: ModuleInfo) -> list[tuple[ast.Call, Scope]]:
        """The package's calls of `func` (at most MAX_CALLERS), each with its scope; the files they are in
        become the analysis's dependencies."""
        self._site_method = _method_name(Scope(mod, func, 0))
        return self._callers_of(func, mod)[:MAX_CALLERS]

    def built_by_subclasses(self, receiver: ast.AST, site: Scope, made: Scope | None) -> bool:
        """The client `receiver` (`self.llm…`) a method uses is bound by subclasses of the method's class:
        built in one (discovery typed it by that one), or re-bound by one that runs the method. A base-class
        method runs on the instances of every subclass that does not override it, each with its own client,
        so the site's model set is theirs and the class's own (`resolve_built_client`)."""
        owner, maker = _method_class(site), _method_class(made) if made is not None else None
        while isinstance(receiver, ast.Attribute) and _self_class(receiver.value, site) is None:
            receiver = receiver.value
        if owner is None or not isinstance(receiver, ast.Attribute):
            return False
        if maker is not None and maker.node is not owner.node:
            return any(c.node is owner.node for c, _m in self._mro_of(maker, made.mod))  # type: ignore[union-attr]
        method = _method_name(site)
        return any(receiver.attr in sub.self_attrs and self._runs_inherited((sub, smod), method, owner)
                   for sub, smod in self._subclasses(owner, site.mod))

    def resolve_built_client(self, receiver: ast.AST, scope: Scope, keys: tuple[str, ...],
                             site: tuple[ast.AST, Scope] | None = None) -> Vals | None:
        """The model of a client discovery saw only being used (`self.llm.invoke(…)`): the model keyword,
        or the key of a `**kwargs` passed, of each SDK client construction that reaches the receiver
        (the longest part of it that constructions reach); None when none is found."""
        self._site_method = _method_name(scope)
        first: list[Vals | None] = []

        def run() -> Vals:
            found = self._built_client(receiver, scope, keys, site)
            first.append(found)
            return found or Vals()
        vals = self._deepening(run)
        return vals if vals.cands or first[0] is not None else None

    def _built_client(self, receiver: ast.AST, scope: Scope, keys: tuple[str, ...],
                      site: tuple[ast.AST, Scope] | None) -> Vals | None:
        node = receiver
        while True:
            parts = []
            for call, cscope, cctx in self._made_by(node, scope, Ctx())[:MAX_VALUES]:
                callee = self._callee(call, cscope)
                if not (isinstance(callee, Imported) and self.ev.client_class(callee.qualname) is not None):
                    continue
                named = model_keyword(call.keywords, keys)
                given = named.value if named is not None else None
                splats = [kw.value for kw in call.keywords if kw.arg is None]
                vals = self._values(given, cscope, cctx) if given is not None else \
                    _union(*(self._splat(v, cscope, keys, cctx) for v in splats)) if splats else \
                    _opaque(f"`{_text(cscope.mod, call)}` names no model")
                parts.append(_tag(vals, None, Hop(f"{_text(scope.mod, node)} = {_text(cscope.mod, call)}",
                                                  _at(cscope.mod, call))))
            if parts:
                return self._narrow(node, scope, _models_only(_branches(parts)), site)
            if not isinstance(node, ast.Attribute) or _self_class(node.value, scope) is not None:
                return None
            node = node.value

    # ---- branch guards -----------------------------------------------------------------------------------
    def _narrow(self, node: ast.AST, scope: Scope, vals: Vals, site: tuple[ast.AST, Scope] | None = None) -> Vals:
        """The model set cut down by the tests that decide whether `node` is read — `if self.model in
        self._code_models:`, `elif model.startswith("o1")`, `if model not in SUPPORTED: raise` before it —
        and whether the request `site` runs, when they test the same expression (the same name in the same
        function, or the same `self.` attribute of the class): a careful reader does not name a model the
        branch never sends. When they admit none of the models the code names, the branch runs for values
        set elsewhere: the guard's own literals when one lists every value it admits (`in (…)`, `==`), else
        no model and why."""
        if not vals.cands or not isinstance(node, (ast.Name, ast.Attribute, ast.Subscript)):
            return vals
        reads = [(node, scope)]
        if site is not None and site[0] is not node and (site[1].func is scope.func or (
                isinstance(node, ast.Attribute) and _self_class(node.value, scope) is not None
                and _self_class(node.value, site[1]) is _self_class(node.value, scope))):
            reads.append(site)
        subject, seen, guards = ast.dump(node), set(), []
        for read, rscope in reads:
            body = getattr(rscope.func.node if rscope.func is not None else rscope.mod.tree, "body", None)
            if not isinstance(body, list):   # a lambda
                continue
            for test, holds in tests_around(body, read):
                if id(test) in seen:
                    continue
                seen.add(id(test))
                guards += [(guard, rscope) for comparison in comparisons(test, holds)
                           if ast.dump(comparison.subject) == subject and not rebound_after(body, comparison.subject, test, read)
                           for guard in [self._guard(comparison, rscope)] if guard is not None]
        cands, cutting = vals.cands, []
        for (comparison, members, _listed), gscope in guards:
            kept = tuple(c for c in cands if admits(comparison, c.value, members))
            if len(kept) < len(cands):
                cutting.append((comparison, gscope))
            cands = kept
        if not cutting:
            return vals
        if cands:
            for comparison, gscope in reversed(cutting):
                cands = _tag(Vals(cands), None, self._guard_hop(comparison, gscope)).cands
            return replace(vals, cands=cands)
        for (comparison, _members, listed), gscope in reversed(guards):
            only = tuple(c for c in listed.cands if looks_like_model(c.value)
                         and all(admits(g[0], c.value, g[1]) for g, _s in guards))
            if only:
                return Vals(tuple(replace(c, default=False, chain=(self._guard_hop(comparison, gscope, only=True),) + c.chain)
                                  for c in only))
        comparison, gscope = cutting[-1]
        test, at = _text(gscope.mod, comparison.test), _at(gscope.mod, comparison.test)
        names = ", ".join(c.value for c in vals.cands[:3])
        return Vals(opaque=True, ruled_out=True,
                    why=f"the branch at {at} runs only when `{test}`{'' if comparison.test_holds else ' is false'}, "
                        f"which no model the code names ({names}) passes")

    def _guard(self, comparison: Comparison, scope: Scope) -> tuple[Comparison, frozenset[str], Vals] | None:
        """A comparison that can be judged on strings: with the members of the collection it tests and the
        values it lists when it admits only those (a true `in` or `==`, not lowercased); None when a
        member known only at run time may be the value."""
        if comparison.kind == "in":
            listed, members, complete = self._members(comparison.operand, scope)
            if comparison.holds and not (complete and members):
                return None
        else:
            members, operand = frozenset(), comparison.operand
            listed = Vals((Cand(operand.value, "literal", _at(scope.mod, operand)),)) \
                if comparison.kind == "eq" else Vals()  # type: ignore[attr-defined]
        return comparison, members, listed if comparison.holds and not comparison.folded else Vals()

    @staticmethod
    def _bound_set(operand: ast.AST, scope: Scope) -> ast.Set | None:
        """The set literal a name or a `self.` class attribute is bound to, when bound once (the evaluator
        follows lists and tuples, not sets)."""
        bindings: list | None = None
        if isinstance(operand, ast.Name):
            func = scope.func
            while func is not None and operand.id not in func.bindings and operand.id not in func.params:
                func = func.parent
            bindings = scope.mod.bindings.get(operand.id) if func is None else func.bindings.get(operand.id)
        elif isinstance(operand, ast.Attribute):
            cls = _self_class(operand.value, scope)
            bindings = cls.attrs.get(operand.attr) if cls is not None else None
        values = [value for _line, value, how in bindings or () if how in ("assign", "annassign")]
        return values[0] if len(values) == len(bindings or ()) == 1 and isinstance(values[0], ast.Set) else None

    @staticmethod
    def _guard_hop(comparison: Comparison, scope: Scope, only: bool = False) -> Hop:
        what = ": the branch runs only for these" if only else ""
        return Hop(f"narrowed by the guard `{_text(scope.mod, comparison.test)}`{what}", _at(scope.mod, comparison.test))

    def _members(self, operand: ast.AST, scope: Scope) -> tuple[Vals, frozenset[str], bool]:
        """The strings of a collection a guard tests membership in (a list/tuple/set literal, a name or
        attribute bound to one, a dict's keys): the first ones as candidates, all of them, and whether
        that is all it can hold."""
        operand = self._bound_set(operand, scope) or operand
        if isinstance(operand, (ast.List, ast.Tuple, ast.Set)):
            elts, escope = operand.elts, scope
        else:
            obj = self._object(operand, scope)
            if isinstance(obj, DictVal):
                items = self._items(obj)
                keys = getattr(obj.node, "keys", None)
                listed = [Cand(k, "literal", _at(vscope.mod, value)) for k, (value, vscope) in items.items()]
                return (Vals(tuple(listed[:MAX_VALUES])), frozenset(items),
                        isinstance(keys, list) and None not in keys)
            if not (isinstance(obj, ListVal) and isinstance(obj.node, (ast.List, ast.Tuple))):
                return Vals(), frozenset(), False
            elts, escope = obj.node.elts, obj.scope
        parts = [self._values(e, escope, Ctx()) for e in elts if not isinstance(e, ast.Starred)]
        complete = len(parts) == len(elts) and all(p.cands and not p.opaque and not p.unset for p in parts)
        return _union(*parts), frozenset(c.value for p in parts for c in p.cands), complete

    def _splat(self, node: ast.AST, scope: Scope, keys: tuple[str, ...], ctx: Ctx) -> Vals:
        """The value under `keys` (the first held) of the mapping `node` is: the keys settings flow reads
        (dicts built, updated, spread, returned by helpers, held in `self.`), then for the part it cannot
        see, what the callers pass (a dict parameter, a function's own `**kwargs`). In a method of a class
        whose subclasses run it, each subclass's own properties and attributes count (`**self._params` with
        `_default_params` overridden to add the model)."""
        self._steps += 1
        if self._steps > MAX_STEPS:
            return _opaque("too deep to follow within llmsight's per-site budget")
        if isinstance(node, (ast.BoolOp, ast.IfExp)) and not isinstance(getattr(node, "op", None), ast.And):
            return self._splat_alternatives(node, scope, keys, ctx)
        method_cls = _method_class(scope)
        if ctx.self_cls is None and method_cls is not None:
            first, *rest = self._runners(method_cls, scope, ctx)
            return _union(self._splat(node, scope, keys, replace(ctx, self_cls=first)),
                          *(_without_placeholders(self._splat(node, scope, keys, replace(ctx, self_cls=c))) for c in rest))
        outer, self.reader.concrete = self.reader.concrete, ctx.self_cls
        try:
            mapping = self._evaluate(self.reader.read, node, scope, default=None)
        finally:
            self.reader.concrete = outer
        if mapping is None:
            return _opaque(f"`**{_text(scope.mod, node)}` is too deep to follow")
        for key in keys:
            if key in mapping.items:
                value, vscope = mapping.items[key]
                return _tag(self._values(value, vscope, ctx), None,
                            Hop(f"{key}: {_text(vscope.mod, value)}", _at(vscope.mod, value)))
        if mapping.opaque is None:
            return Vals(why=f"`{_text(scope.mod, node)}` holds no `{keys[0]}`")
        part, pscope = mapping.opaque
        if isinstance(part, ast.Name):
            func = pscope.func
            while func is not None and part.id not in func.params:
                func = func.parent
            kwarg = getattr(getattr(func.node, "args", None), "kwarg", None) if func is not None else None
            if kwarg is not None and kwarg.arg == part.id:
                return self._kwarg(func, pscope.mod, keys, ctx)  # type: ignore[arg-type]
            if func is not None:   # a dict passed in by the callers
                return self._dict_param(func, pscope.mod, part.id, keys, ctx)
        text = _text(pscope.mod, part) if part is not None else _text(scope.mod, node)
        return _opaque(f"`{keys[0]}` may be in `{text}`, which is built at run time")

    def _splat_alternatives(self, node: ast.BoolOp | ast.IfExp, scope: Scope, keys: tuple[str, ...], ctx: Ctx) -> Vals:
        """`**(params or self.params)`, `**(a if c else b)`: the key in each side, taken like a value's
        `or` and branches — the side after `or` counts when the one before can hold no such key (a
        parameter nobody passes, left None), not when every caller passes a dict that holds it."""
        if isinstance(node, ast.IfExp):
            body, orelse = self._splat(node.body, scope, keys, ctx), self._splat(node.orelse, scope, keys, ctx)
            return _or(body, orelse) if _tests_itself(node.test, node.body) else _branches([body, orelse])
        acc = self._splat(node.values[0], scope, keys, ctx)
        for operand in node.values[1:]:
            acc = _or(acc, self._splat(operand, scope, keys, ctx))
        return acc

    def _dict_param(self, func: FuncInfo, mod: ModuleInfo, name: str, keys: tuple[str, ...], ctx: Ctx) -> Vals:
        """`**params` where `params` is a parameter: the key in the dict each caller passes (the
        constructions of the instance being followed, for an `__init__`)."""
        calls = [(call, cscope, cctx) for fid, call, cscope, cctx in ctx.calls if fid == id(func.node)]
        if not calls and getattr(func.node, "name", "") == "__init__" and func.cls is not None and ctx.self_cls is not None:
            calls = self._construction_calls(ctx.self_cls, func.cls, ctx)[0]
        if not calls:
            if self._too_deep(ctx):
                return Vals(why=f"`{name}` comes from callers too far up to follow")
            calls = [(call, cscope, self._caller_ctx(func, call, cscope, ctx)) for call, cscope in self._callers_of(func, mod)]
        found = []
        default = func.params.get(name, (None, None))[1]
        defaulted = False
        for call, cscope, cctx in calls:
            arg = _argument_of(func, name, call)
            if isinstance(arg, ast.AST):
                found.append(_tag(self._splat(arg, cscope, keys, cctx), "callers",
                                  Hop(f"{_callee_text(cscope.mod, call)}({name}={_text(cscope.mod, arg)})", _at(cscope.mod, call))))
            defaulted = defaulted or arg is None
        if defaulted and default is not None:   # a call that leaves the parameter's default (`None`: no key)
            found.append(self._splat(default, Scope(mod, func.parent, getattr(func.node, "lineno", 0)), keys, ctx))
        return _union(*found) if found else _opaque(f"no caller of `{func.qualname}` passes `{name}`")

    def _kwarg(self, func: FuncInfo, mod: ModuleInfo, keys: tuple[str, ...], ctx: Ctx) -> Vals:
        """A key of a function's `**kwargs`: what the call being followed, else every caller, passes."""
        for fid, call, cscope, cctx in ctx.calls:
            if fid == id(func.node):
                return self._passed(call, cscope, cctx, keys)
        if self._too_deep(ctx):
            return Vals()
        found = [self._passed(call, cscope, self._caller_ctx(func, call, cscope, ctx), keys)
                 for call, cscope in self._callers_of(func, mod)]
        return _union(*found) if found else Vals(why=f"no caller of `{func.qualname}` passes `{keys[0]}`")

    def _passed(self, call: ast.Call, scope: Scope, ctx: Ctx, keys: tuple[str, ...]) -> Vals:
        for kw in call.keywords:
            if kw.arg in keys:
                return _tag(self._values(kw.value, scope, ctx), "callers",
                            Hop(f"{_callee_text(scope.mod, call)}({kw.arg}={_text(scope.mod, kw.value)})", _at(scope.mod, call)))
        for kw in call.keywords:
            if kw.arg is None:
                vals = self._splat(kw.value, scope, keys, ctx)
                if vals.cands:
                    return _tag(vals, "callers", Hop(f"{_callee_text(scope.mod, call)}(**{_text(scope.mod, kw.value)})",
                                                     _at(scope.mod, call)))
        return Vals(why=f"`{_callee_text(scope.mod, call)}(…)` at {scope.mod.path}:{call.lineno} passes no `{keys[0]}`")

    def _values(self, node: ast.AST | None, scope: Scope, ctx: Ctx) -> Vals:
        if node is None:
            return _opaque("nothing is passed")
        self._steps += 1
        if self._steps > MAX_STEPS:
            return _opaque("too deep to follow within llmsight's per-site budget")
        key = (id(node), id(scope.func), scope.line, ctx.key, self._site_method, self._tables, self._depth_limit)
        found = self.state.memo.get(key)
        if found is not None:
            for path in found[1]:
                self._dep(path)
            self._depth_cut = self._depth_cut or found[5]
            return found[0]
        if key in self._active:
            self._cut = True
            return Vals()  # a cycle: the other path holds whatever this one finds
        self._active.add(key)
        outer_cut, self._cut = self._cut, False
        outer_depth_cut, self._depth_cut = self._depth_cut, False
        self._collect.append(set())
        try:
            vals = self._eval(node, scope, ctx)
        except RecursionError:
            vals = _opaque("too deeply nested to follow")
        finally:
            self._active.discard(key)
            deps = self._collect.pop()
            if self._collect:
                self._collect[-1].update(deps)
        if self._steps <= MAX_STEPS and not self._cut:
            # the refs keep the ids unique
            self.state.memo[key] = (vals, frozenset(deps), node, scope, ctx, self._depth_cut)
        self._cut = outer_cut or self._cut
        self._depth_cut = outer_depth_cut or self._depth_cut
        return vals

    def _dep(self, path: str) -> None:
        """A project file the result depends on (the scan cache re-checks the site when it changes)."""
        self.ev.deps.add(path)
        if self._collect:
            self._collect[-1].add(path)

    def _eval(self, node: ast.AST, scope: Scope, ctx: Ctx) -> Vals:
        # enum members, `str` wrappers around them; the first available of a preference list; str.format and %;
        # a field of a local object the function wrote before reading it
        held = enums.model_values(self, node, scope, ctx) or preference_lists.model_values(self, node, scope, ctx) \
            or string_ops.model_values(self, node, scope, ctx) or object_writes.model_values(self, node, scope, ctx)
        if held is not None:
            return held
        if isinstance(node, ast.Constant):
            if isinstance(node.value, str) and node.value:
                return Vals((Cand(node.value, "literal", _at(scope.mod, node)),))
            if node.value is None or node.value == "":
                return Vals(unset=True, why="it is None")
            return _opaque(f"`{node.value!r}` is not a model name")
        if isinstance(node, ast.Name):
            return self._name(node.id, scope, ctx)
        if isinstance(node, ast.Attribute):
            return self._attribute(node, scope, ctx)
        if isinstance(node, ast.Call):
            return self._call(node, scope, ctx)
        if isinstance(node, ast.Subscript):
            return self._subscript(node, scope, ctx)
        if isinstance(node, ast.BoolOp):
            if isinstance(node.op, ast.And):
                return self._values(node.values[-1], scope, ctx)
            acc = self._values(node.values[0], scope, ctx)
            for operand in node.values[1:]:
                stated = acc.bare and _stated_default(operand, scope)   # the class's own default, built bare
                acc = _or(replace(acc, unset=True) if stated else acc, self._values(operand, scope, ctx))
            return acc
        if isinstance(node, ast.IfExp):
            body, orelse = self._values(node.body, scope, ctx), self._values(node.orelse, scope, ctx)
            if _tests_itself(node.test, node.body):  # `x if x else DEFAULT`
                return _or(body, orelse)
            test = self._evaluate(self.ev.eval, node.test, scope, default=None) if self._defaults_decide(ctx) else None
            return _branches([orelse, body] if isinstance(test, Const) and not test.value else [body, orelse])
        if isinstance(node, ast.JoinedStr):
            return self._concat([v.value if isinstance(v, ast.FormattedValue) and v.format_spec is None else v
                                 for v in node.values], scope, ctx)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add) and setter_flow.collection_items(node.left):
            return self._joined(node, scope, ctx)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            return self._concat([node.left, node.right], scope, ctx)
        if isinstance(node, (ast.Await, ast.NamedExpr)):
            return self._values(node.value, scope, ctx)
        items = setter_flow.collection_items(node)
        if items is not None:
            return self._collection(node, items, scope, ctx)
        return _opaque(f"`{_text(scope.mod, node)}` is computed at run time")

    def _joined(self, node: ast.BinOp, scope: Scope, ctx: Ctx) -> Vals:
        """`[model] + fallbacks`: the literal list's items, then the other operand's, which come after them
        (`x[0]` is never one) and are other models the code sends when the list's first is the default."""
        head = self._values(node.left, scope, ctx)
        tail = _tag(self._values(node.right, scope, ctx), None,
                    Hop(setter_flow.item_hop(len(node.left.elts), _text(scope.mod, node)), _at(scope.mod, node.right)))  # type: ignore[attr-defined]
        return _union(head, _alternatives(tail) if head.has_default else tail)

    def _concat(self, parts: list[ast.AST], scope: Scope, ctx: Ctx) -> Vals:
        """Strings built from parts (`f"{provider}/{model}"`, `"openai/" + name`): every combination."""
        combos: list[tuple[str, str, tuple[Hop, ...], bool, str]] = [("", "", (), True, "literal")]
        for part in parts:
            if isinstance(part, ast.Constant) and isinstance(part.value, str):
                combos = [(s + part.value, o, ch, d, r) for s, o, ch, d, r in combos]
                continue
            if isinstance(part, ast.FormattedValue):
                return _opaque("a formatted value with a format spec")
            vals = self._values(part, scope, ctx)
            if not vals.cands:
                return replace(vals, unset=False, opaque=True,
                               why=vals.why or f"`{_text(scope.mod, part)}` is computed at run time")
            if len(vals.cands) > 1 and len(combos) > 1:
                # `f"{provider}/{model}"` with both varying: which goes with which is only known at run time
                return _opaque(f"`{_text(scope.mod, part)}` and the parts before it vary together")
            combos = [(s + c.value, o or c.origin, ch + c.chain, d and c.default, r if r != "literal" else c.reach)
                      for s, o, ch, d, r in combos for c in vals.cands][:MAX_VALUES]
            if any(len(s) > MAX_BUILT_LENGTH or len(ch) > MAX_BUILT_LENGTH for s, _o, ch, *_ in combos):   # doubling chains
                return _opaque("a string built longer than any model name or URL")
        return Vals(tuple(Cand(s, r, o or _at(scope.mod, parts[0]), ch, d) for s, o, ch, d, r in combos))

    # ---- names -----------------------------------------------------------------------------------------
    def _name(self, name: str, scope: Scope, ctx: Ctx) -> Vals:
        func, line = scope.func, scope.line
        while func is not None:
            bindings = func.bindings.get(name)
            if bindings:
                found = self._bound(name, bindings, scope.mod, func, line, ctx)
                if found is not None:
                    return found
            if name in func.params:
                return self._param(name, func, scope.mod, ctx)
            func, line = func.parent, 10**9
        body = _class_body_binding(scope, name) if scope.func is None else None
        if body is not None:   # `model = field(default=DEFAULT_MODEL)` under the class's own `DEFAULT_MODEL = …`
            found = self._bound(name, body, scope.mod, None, line, ctx)
            if found is not None:
                return found
        bindings = scope.mod.bindings.get(name)
        if bindings:
            found = self._global_at_calls(name, bindings, scope, ctx) if scope.func is not None and len(bindings) > 1 \
                else None
            if found is None:
                found = self._bound(name, bindings, scope.mod, None, line if scope.func is None else 10**9, ctx)
            if found is not None and (found.cands or name not in scope.mod.imports):
                return found
        if name in scope.mod.imports:
            return self._imported(scope.mod.imports[name], scope, ctx)
        return _opaque(f"`{name}` is not defined in this file")

    def _global_at_calls(self, name: str, bindings, scope: Scope, ctx: Ctx) -> Vals | None:
        """A module global that a module function reads, at each of the module's own top-level calls of that
        function, when those are all its callers (a notebook's `MODEL = "a"` then `ask()` in one cell,
        `MODEL = "b"` then `ask()` in a later one: the first call sends a, the second b); None otherwise."""
        outer = scope.func
        while outer.parent is not None:
            outer = outer.parent
        if outer.cls is not None:
            return None
        callers = self._callers_of(outer, scope.mod)[:MAX_CALLERS]
        if not callers or any(cscope.func is not None or cscope.mod is not scope.mod for _call, cscope in callers):
            return None
        parts = [self._bound(name, bindings, scope.mod, None, line, ctx) for line in sorted({c.lineno for c, _s in callers})]
        return _branches([p for p in parts if p is not None]) if any(p is not None for p in parts) else None

    def _imported(self, qualname: str, scope: Scope, ctx: Ctx) -> Vals:
        resolved = self.ev.project.resolve_symbol(qualname)
        if resolved is None or resolved[1] is None:
            return _opaque(f"`{qualname}` comes from outside the project")
        mod, name = resolved
        self._dep(mod.path)
        return self._name(name, Scope(mod, None, 10**9), Ctx(depth=ctx.depth))

    def _bound(self, name: str, bindings, mod: ModuleInfo, func: FuncInfo | None, line: int, ctx: Ctx) -> Vals | None:
        """A name's value at `line`: the last binding that always runs before it, then the conditional
        ones after it (`if model is None: model = DEFAULT`, per-branch literals)."""
        before = [b for b in bindings if b[0] < line]  # `model = model or X`: the right side sees the earlier one
        if not before:
            if func is not None and name in func.params:
                return None
            before = list(bindings)
        blocks = func.blocks if func is not None else mod.blocks
        chosen = []
        dominated = False
        for b in reversed(before):
            reach, always = reaches(blocks.get(id(b[1]), ()), line)
            if not reach:
                continue  # another branch of an `if` the use is in
            chosen.append(b)
            if always:
                dominated = True
                break
        if not chosen:
            return None
        chosen.reverse()
        parts = [self._binding_value(name, b, mod, func, ctx) for b in chosen]
        guards = [_guards(blocks, b[1], name) for b in chosen]
        if dominated:
            acc, rest = parts[0], list(zip(parts[1:], guards[1:], chosen[1:]))
        elif func is not None and name in func.params:
            acc, rest = self._param(name, func, mod, ctx), list(zip(parts, guards, chosen))
        else:
            return _branches(self._taken_first(parts, chosen, mod, func, ctx))
        for later, guarded, binding in rest:
            acc = self._rebound(name, binding, acc, later, mod, func) or _later(acc, later, guarded)
        return acc

    @staticmethod
    def _defaults_decide(ctx: Ctx) -> bool:
        """Whether a test is judged on the project's defaults: not while a call or construction being
        followed binds the parameters it may read (the evaluator sees only the defaults)."""
        return not ctx.calls and ctx.ctor is None

    def _taken_first(self, parts: list[Vals], chosen: list, mod: ModuleInfo, func: FuncInfo | None, ctx: Ctx) -> list[Vals]:
        """Alternative bindings with those in an `if` branch or `match` case the defaults do not take last
        (`match provider:` with `provider="openai"`: the openai case gives the default)."""
        if len(parts) < 2 or not self._defaults_decide(ctx):
            return parts
        skipped = [self._evaluate(self.ev.branch_not_taken, func, mod, b[1], 0, default=False) for b in chosen]
        return [p for p, s in zip(parts, skipped) if not s] + [p for p, s in zip(parts, skipped) if s]

    def _rebound(self, name: str, binding, acc: Vals, later: Vals, mod: ModuleInfo, func: FuncInfo | None) -> Vals | None:
        """`if model.startswith("azure/"): model = model[6:]`: the values the test around a re-binding admits
        are replaced by it, the others stay; None when no test there can be judged on the name's strings."""
        line, value, _how = binding
        body = getattr(func.node, "body", None) if func is not None else mod.tree.body
        if not acc.cands or not isinstance(body, list):
            return None
        scope = Scope(mod, func, line)
        guards = [g for test, holds in tests_around(body, value) for c in comparisons(test, holds)
                  if isinstance(c.subject, ast.Name) and c.subject.id == name
                  for g in [self._guard(c, scope)] if g is not None]
        if not guards:
            return None
        kept = tuple(c for c in acc.cands if not all(admits(g[0], c.value, g[1]) for g in guards))
        replaced = [c for c in acc.cands if c not in kept]
        if not replaced:
            return replace(acc, opaque=acc.opaque or later.opaque)   # none of the known values takes the branch
        taken = later if any(c.default for c in replaced) else _alternatives(later)
        merged = _union(Vals(kept), taken)
        return replace(merged, unset=acc.unset, opaque=acc.opaque or later.opaque, why=acc.why or later.why)

    def _binding_value(self, name: str, binding, mod: ModuleInfo, func: FuncInfo | None, ctx: Ctx) -> Vals:
        line, value, how = binding
        scope = Scope(mod, func, line)
        if how == "for":   # `for model in ("a", "b")`, `in names.split(";")`, `in prefs` (a list passed in)
            return _tag(self._iterated(value, scope, ctx), "constant",
                        Hop(f"for {name} in {_text(mod, value)}", f"{mod.path}:{line}"))
        if how == "unpack" and isinstance(value, ast.Subscript):   # `model, err = parse(data, "model", DEFAULT)`
            vals = self._values(value, scope, ctx)
            return _tag(vals, "constant", Hop(f"{name} = item {getattr(value.slice, 'value', '?')} of {_text(mod, value.value)}",
                                              f"{mod.path}:{line}"))
        if how == "unpack" and isinstance(value, ast.Name):   # `for i, (model, dep) in enumerate(zip(ms, ds))`
            unpacked = self._unpacked_in_loop(name, mod, func, line, ctx)
            if unpacked is not None:
                return unpacked
        if how not in ("assign", "annassign"):
            return _opaque(f"`{name}` is bound by a `{how}` statement at {mod.path}:{line}")
        vals = self._values(value, scope, ctx)
        return _tag(vals, "constant", Hop(f"{name} = {_text(mod, value)}", f"{mod.path}:{line}"))

    def _unpacked_in_loop(self, name: str, mod: ModuleInfo, func: FuncInfo | None, line: int, ctx: Ctx) -> Vals | None:
        """The values `name` takes where a `for` on `line` unpacks it from each item: its column of the
        iterable (`enumerate(xs)`'s second, `zip(xs, ys)`'s n-th, a literal list of pairs), followed through
        locals the pairs were bound to (`chain = tuple(zip(xs, ys))`); None when that is no such loop."""
        body = func.node.body if func is not None else mod.tree.body   # type: ignore[attr-defined]
        loop = _loop_at(body, line) if isinstance(body, list) else None
        path = _target_path(loop.target, name) if loop is not None else None
        if not path:
            return None
        parts = []
        for iterated, node, scope in self._columns(loop.iter, path, mod, func, line, 0):
            if node is None:
                parts.append(_opaque(f"`{name}` is unpacked from `{_text(mod, loop.iter)}`, built at run time"))
            else:
                parts.append(self._iterated(node, scope, ctx) if iterated else self._values(node, scope, ctx))
        hop = Hop(f"for {_text(mod, loop.target)} in {_text(mod, loop.iter)}", f"{mod.path}:{line}")
        return _tag(_union(*parts), "constant", hop)

    def _columns(self, iterable: ast.AST, path: tuple[int, ...], mod: ModuleInfo, func: FuncInfo | None, line: int,
                 hops: int) -> list[tuple[bool, ast.AST | None, Scope]]:
        """Where the parts `path` picks out of each item of `iterable` are: (True, an iterable whose items
        they are) or (False, one such part), each with the scope to read it in; None for one that cannot
        be known."""
        scope = Scope(mod, func, line)
        while True:
            if isinstance(iterable, ast.Call) and isinstance(iterable.func, ast.Name) and not iterable.keywords \
                    and iterable.func.id in ("tuple", "list") and len(iterable.args) == 1:
                iterable = iterable.args[0]    # `tuple(zip(xs, ys))` holds what `zip(xs, ys)` yields
            elif not path:
                return [(True, iterable, scope)]
            elif isinstance(iterable, ast.Call) and isinstance(iterable.func, ast.Name) and iterable.args \
                    and not any(isinstance(a, ast.Starred) for a in iterable.args) \
                    and (iterable.func.id, path[0]) in (("enumerate", 1), *(("zip", i) for i in range(len(iterable.args)))):
                iterable, path = iterable.args[0 if iterable.func.id == "enumerate" else path[0]], path[1:]
            elif isinstance(iterable, (ast.List, ast.Tuple, ast.Set)) and iterable.elts:   # `[("o3-mini", "east"), …]`
                return [(False, _part(item, path), scope) for item in iterable.elts[:MAX_VALUES]]
            elif isinstance(iterable, ast.Call) and isinstance(iterable.func, ast.Attribute) and not iterable.args \
                    and (iterable.func.attr == "values" or iterable.func.attr == "items" and path[0] == 1) \
                    and isinstance(table := self._object(iterable.func.value, scope), DictVal):
                rest = path if iterable.func.attr == "values" else path[1:]   # `for name, (provider, model) in T.items()`
                return [(False, _part(value, rest), vscope) for value, vscope in list(self._items(table).values())[:MAX_VALUES]]
            elif isinstance(iterable, ast.Name) and hops < 3 and not (func is not None and iterable.id in func.params):
                local = func is not None and iterable.id in func.bindings   # else a module global
                owner, before = (func, line) if local else (None, 10**9)
                bindings = (func.bindings if local else mod.bindings).get(iterable.id, [])   # type: ignore[union-attr]
                earlier = [b for b in bindings if b[0] < before and b[2] in ("assign", "annassign")][:4]
                return [c for b in earlier for c in self._columns(b[1], path, mod, owner, b[0], hops + 1)] \
                    or [(False, None, scope)]
            else:
                return [(False, None, scope)]

    def _iterated(self, iterable: ast.AST, scope: Scope, ctx: Ctx) -> Vals:
        """Every value a loop over `iterable` takes: the items of a literal list/tuple/set, or the parts of
        strings split by a literal separator (`"a;b".split(";")`)."""
        if isinstance(iterable, (ast.List, ast.Tuple, ast.Set)) and not any(isinstance(e, ast.Starred) for e in iterable.elts):
            return _union(*(self._values(e, scope, ctx) for e in iterable.elts)) if iterable.elts else Vals()
        if isinstance(iterable, ast.Call) and isinstance(iterable.func, ast.Attribute) \
                and iterable.func.attr in _SPLIT_METHODS and not iterable.keywords \
                and all(isinstance(a, ast.Constant) and isinstance(a.value, (str, int)) for a in iterable.args):
            vals = self._values(iterable.func.value, scope, ctx)
            args = [a.value for a in iterable.args]   # type: ignore[attr-defined]
            try:
                cands = [replace(c, value=part) for c in vals.cands
                         for part in getattr(c.value, iterable.func.attr)(*args) if part.strip()]
            except (TypeError, ValueError):
                return _opaque(f"`{_text(scope.mod, iterable)}` is computed at run time")
            return replace(vals, cands=tuple(cands))
        return self._item_of(iterable, scope, ctx) or _opaque(f"`{_text(scope.mod, iterable)}` is iterated at run time")

    # ---- collections and setters (setter_flow) ---------------------------------------------------------
    def _collection(self, node: ast.AST, items: list[ast.AST], scope: Scope, ctx: Ctx) -> Vals:
        """A literal list of names stands for its items, the first MAX_VALUES of them (an empty one for no
        model, like None)."""
        if not items:
            return Vals(unset=True, why=f"`{_text(scope.mod, node)}` is empty")
        return _union(*(_tag(self._values(e, scope, ctx), None, Hop(setter_flow.item_hop(i, _text(scope.mod, node)),
                                                                    _at(scope.mod, e))) for i, e in enumerate(items[:MAX_VALUES])))

    def _picked(self, collection: ast.AST, fallback: ast.AST | None, scope: Scope, ctx: Ctx) -> Vals:
        """`next(cycle(names))`, `random.choice(names)`: each item of the collection, then the fallback."""
        vals = self._values(collection, scope, ctx)
        return _union(vals, _alternatives(self._values(fallback, scope, ctx))) if fallback is not None else vals

    def _item_of(self, collection: ast.AST, scope: Scope, ctx: Ctx, index: int | None = None) -> Vals | None:
        """The items of a collection known by its items (`for m in self.models`; `names[0]`, the item at
        that place of each literal list), None when it is not one (a string's characters are not models)."""
        vals = self._values(collection, scope, ctx)
        cands = tuple(c for c in vals.cands if setter_flow.at_index(c.chain, index))
        return replace(vals, cands=cands) if cands else None

    def _argument_for(self, func: FuncInfo, arg: ast.AST, call: ast.Call, cscope: Scope, ctx: Ctx,
                      cctx: Ctx | None = None) -> Vals:
        """A call's argument for a parameter of `func`; when the call builds its object through a table of
        classes (`PROVIDERS[name](key, model)`) or is a method call on such an object
        (`WRITERS[kind](key).use_models(names)`), the tables read on the way are read at the keys that
        build the class being followed."""
        cls = ctx.self_cls[0] if ctx.self_cls is not None else func.cls
        keys = None
        if cls is not None:
            keys = setter_flow.table_keys(self, call, cscope, cls)
            if keys is None and isinstance(call.func, ast.Attribute):
                keys = setter_flow.table_keys(self, call.func.value, cscope, cls)
        outer, self._tables = self._tables, keys or self._tables
        try:
            return self._values(arg, cscope, cctx if cctx is not None else Ctx(depth=ctx.depth + 1))
        finally:
            self._tables = outer

    # ---- parameters ----------------------------------------------------------------------------------
    def _param(self, name: str, func: FuncInfo, mod: ModuleInfo, ctx: Ctx) -> Vals:
        fnode = func.node
        for fid, call, cscope, cctx in ctx.calls:
            if fid == id(fnode):
                return self._argument_or_default(name, func, mod, ctx, call, cscope, cctx)
        if getattr(fnode, "name", "") == "__init__" and func.cls is not None and ctx.self_cls is not None:
            calls, searched = self._construction_calls(ctx.self_cls, func.cls, ctx)
            if calls or not searched:
                found = [self._argument_or_default(name, func, mod, ctx, call, cscope, cctx)
                         for call, cscope, cctx in calls]
                default = self._param_default(name, func, mod, ctx)
                if not searched:
                    return _union(*found) if found else default
                if default.has_default:
                    return _union(default, _alternatives(_union(*found)))
                # the default (None) is what a construction leaving it gives; when every one passes it, only bare
                passed = _union(*found)
                return replace(_union(passed, default), unset=passed.unset, bare=default.unset and not passed.unset) \
                    if found else default
        default = self._param_default(name, func, mod, ctx)
        if default.has_default and ctx.depth > 0:
            return default  # other callers' literals are looked for at the site's own level only
        callers = self._from_callers(name, func, mod, ctx)
        if default.has_default:
            return replace(_union(default, _alternatives(callers)), unset=default.unset)
        if callers.cands:
            return replace(_union(callers, default), unset=default.unset and callers.unset, why=default.why or callers.why)
        return replace(default, why=default.why or callers.why)

    def _argument_or_default(self, name: str, func: FuncInfo, mod: ModuleInfo, ctx: Ctx, call: ast.Call,
                             cscope: Scope, cctx: Ctx) -> Vals:
        arg = _argument_of(func, name, call)
        if arg is _STARRED:
            return self._through_splat(name, call, cscope, cctx)
        if arg is None:
            return self._param_default(name, func, mod, ctx)
        vals = self._defaults_off_branch(self._argument_for(func, arg, call, cscope, ctx, cctx), call, cscope, cctx)
        vals = self._paired_by_guard(vals, arg, call, cscope)
        return _tag(vals, "callers", Hop(f"{_callee_text(cscope.mod, call)}({name}={_text(cscope.mod, arg)})",
                                         _at(cscope.mod, call)))

    def _paired_by_guard(self, vals: Vals, arg: ast.AST, call: ast.Call, cscope: Scope) -> Vals:
        """`if s.provider == "ollama": return LocalEngine(s.model)` then `RemoteEngine(s.model)`: a model written
        together with the setting the branch tests (`self.provider, self.model = "ollama", "llama3"`, two
        statements of one block, two field defaults of one class) reaches the call only where the tests
        around it admit that setting's value — tested by `==` or `in` a literal collection, on the field or
        on a local bound to it (`provider, model = s.provider, s.model`)."""
        read = _field_read(arg, cscope) if len(vals.cands) > 1 and cscope.func is not None else None
        if read is None:
            return vals
        guards = []
        for test, holds in tests_around(getattr(cscope.func.node, "body", []), call):   # type: ignore[union-attr]
            for c in comparisons(test, holds):
                tested = _field_read(c.subject, cscope)
                members = _literal_members(c.operand) if c.kind == "in" else None
                if tested is not None and tested[0] == read[0] and tested[1] != read[1] \
                        and (c.kind == "eq" or members is not None):
                    guards.append((c, tested[1], members))
        if not guards:
            return vals
        kept = _admitted_by_partner(vals.cands, guards, lambda c, attr: self._written_with(c, attr, read[1]))
        if not kept or len(kept) == len(vals.cands):
            return vals
        if not any(c.default for c in kept):
            kept[0] = replace(kept[0], default=True)
        return replace(vals, cands=tuple(kept))

    def _by_partner(self, node: ast.AST, scope: Scope, vals: Vals) -> Vals:
        """`provider, model = ROUTES[kind]` then `if provider == "anthropic": …create(model=model)` (or
        `route[0] == …` with `model=route[1]`): the models whose literal pair names a value the tests around
        the read admit for its partner; the set follows the pairs, not every model of the table."""
        part = _tuple_part(node, scope) if len(vals.cands) > 1 and scope.func is not None else None
        body = getattr(scope.func.node, "body", None) if part is not None else None   # type: ignore[union-attr]
        if part is None or not isinstance(body, list):
            return vals
        guards = []
        for test, holds in tests_around(body, node):
            for c in comparisons(test, holds):
                tested = _tuple_part(c.subject, scope)
                members = _literal_members(c.operand) if c.kind == "in" else None
                if tested is not None and tested[0] == part[0] and tested[1] != part[1] \
                        and (c.kind != "in" or members is not None):
                    guards.append((c, tested[1], members))
        if not guards:
            return vals
        kept = tuple(_admitted_by_partner(vals.cands, guards, lambda c, index: self._pair_item(c, part[1], index)))
        return replace(vals, cands=kept) if kept and len(kept) < len(vals.cands) else vals

    def _pair_item(self, cand: Cand, at: int, index: int) -> str | None:
        """The string at `index` of the literal tuple whose item `at` is `cand`'s model, where it is written."""
        path, _, line = cand.origin.rpartition(":")
        mod = self.ev.project.load(self.ev.project.root / path) if line.isdigit() else None
        found = _statement_at(mod.tree.body, int(line)) if mod is not None else None
        for tup in ast.walk(found[1]) if found is not None else ():
            if isinstance(tup, ast.Tuple) and tup.lineno <= int(line) <= (tup.end_lineno or tup.lineno) \
                    and len(tup.elts) > max(at, index) and isinstance(tup.elts[at], ast.Constant) \
                    and tup.elts[at].value == cand.value:
                item = tup.elts[index]
                return item.value if isinstance(item, ast.Constant) and isinstance(item.value, str) else None
        return None

    def _written_with(self, cand: Cand, attr: str, model_attr: str) -> str | None:
        """The literal `attr` is given where `cand`'s model is written to `model_attr`: the same tuple
        assignment, or another statement of its block (a class's field defaults, an `if` body)."""
        path, _, line = cand.origin.rpartition(":")
        mod = self.ev.project.load(self.ev.project.root / path) if line.isdigit() else None
        found = _statement_at(mod.tree.body, int(line)) if mod is not None else None
        if found is None:
            return None
        block, stmt = found
        if isinstance(stmt, ast.Assign) and isinstance(stmt.targets[0], ast.Tuple) and isinstance(stmt.value, ast.Tuple):
            return next((v.value for t, v in zip(stmt.targets[0].elts, stmt.value.elts)
                         if _target_name(t) == attr and isinstance(v, ast.Constant) and isinstance(v.value, str)), None)
        if _assigned(stmt)[0] != model_attr:
            return None
        return next((value.value for name, value in map(_assigned, block)
                     if name == attr and isinstance(value, ast.Constant) and isinstance(value.value, str)), None)

    def _defaults_off_branch(self, vals: Vals, call: ast.Call, cscope: Scope, cctx: Ctx) -> Vals:
        """What a call passes, less the settings' defaults when the call sits in a branch the defaults do not
        take (`elif cfg.provider == "anthropic": AnthropicAdapter(cfg.model)` with provider defaulting to
        "openai"): whoever takes it configures the setting the branch tests, and the model with it; a model
        the branch itself names stays."""
        if not any(c.reach in _DEFAULT_REACHES for c in vals.cands) or cctx.calls or cctx.ctor is not None \
                or not self._evaluate(self.ev.branch_not_taken, cscope.func, cscope.mod, call, 0, default=False):
            return vals
        kept = tuple(c for c in vals.cands if c.reach not in _DEFAULT_REACHES)
        why = (f"`{_callee_text(cscope.mod, call)}(…)` at {_at(cscope.mod, call)} runs only when the settings are not "
               "the defaults: the model is the one the user configures with them")
        return replace(vals, cands=kept, why=vals.why if kept else why)

    def _through_splat(self, name: str, call: ast.Call, cscope: Scope, cctx: Ctx) -> Vals:
        """A parameter a call may set inside `**d`: the key `name` of that dict."""
        for kw in call.keywords:
            if kw.arg is None:
                vals = self._splat(kw.value, cscope, (name,), cctx)
                if vals.cands:
                    return _tag(vals, "callers", Hop(f"{_callee_text(cscope.mod, call)}(**{_text(cscope.mod, kw.value)})",
                                                     _at(cscope.mod, call)))
        return _opaque(f"`{name}` is passed through *args/**kwargs at {cscope.mod.path}:{call.lineno}")

    def _param_default(self, name: str, func: FuncInfo, mod: ModuleInfo, ctx: Ctx) -> Vals:
        fnode = func.node
        qual = func.qualname
        annotation, default = func.params.get(name, (None, None))
        scope = Scope(mod, func.parent, getattr(fnode, "lineno", 0))
        option = self._click_option_default(fnode, name, scope, ctx) or self._interact_value(fnode, name, scope, ctx)
        if option is not None:
            return option
        typer_option = _typer_option(annotation, default)
        if typer_option is not None:
            cli = _cli_call_default(typer_option) if typer_option is default else default
            vals = _opaque(f"`{name}` is a required option") if cli is None or cli is _ELLIPSIS else \
                self._values(cli, scope, ctx)
            where = default if default is not None else typer_option
            return self._option_env(typer_option, _tag(vals, "cli-default", Hop(f"{name}: {_text(mod, where)}",
                                                                                 _at(mod, where))))
        if default is None:
            return _opaque(f"parameter `{name}` of `{qual}` has no default")
        vals = self._values(default, scope, ctx)
        if vals.unset and not vals.cands:
            return replace(vals, why=f"parameter `{name}` of `{qual}` defaults to None")
        return _tag(vals, None, Hop(f"{name}={_text(mod, default)}", _at(mod, default)))

    def _click_option_default(self, fnode: ast.AST, name: str, scope: Scope, ctx: Ctx) -> Vals | None:
        """`@click.option("--model", default="gpt-4o")` over `def main(model)`."""
        deco = _click_option(fnode, name)
        if deco is None:
            return None
        default = _keyword(deco, "default")
        if default is None:
            return self._option_env(deco, _opaque(f"option `{(_option_names(deco) or [name])[0]}` has no default"))
        return self._option_env(deco, _tag(self._values(default, scope, ctx), "cli-default",
                                           Hop(_text(scope.mod, deco), _at(scope.mod, deco))))

    def _interact_value(self, fnode: ast.AST, name: str, scope: Scope, ctx: Ctx) -> Vals | None:
        """`@interact(model=["a", "b"])` over `def run(model)` (ipywidgets): the value the control it builds
        shows first, which it calls the function with; None without such a decorator naming `name`."""
        for deco in getattr(fnode, "decorator_list", ()):
            callee = self._callee(deco, scope) if isinstance(deco, ast.Call) else None
            abbreviation = _keyword(deco, name) if isinstance(callee, Imported) and notebook.is_interact(callee.qualname) \
                else None
            if abbreviation is None:
                continue
            widget = self._callee(abbreviation, scope) if isinstance(abbreviation, ast.Call) else None
            shown = notebook.widget_shown_value(widget.qualname, abbreviation) if isinstance(widget, Imported) \
                else notebook.interact_shown_value(abbreviation)
            return None if shown is None else _tag(self._values(shown, scope, ctx), "constant",
                                                  Hop(_text(scope.mod, deco), _at(scope.mod, deco)))
        return None

    def _option_env(self, option: ast.Call, default: Vals) -> Vals:
        """A click/typer option's `envvar="MODEL"` (or a list of names): the variable, when the project's
        `.env` templates set it, wins over the option's default."""
        names = next((_literal_strings(kw.value) for kw in option.keywords if kw.arg == "envvar"), ())
        return _later(default, _union(*(self._env_values(n) for n in names))) if names else default

    def _too_deep(self, ctx: Ctx) -> bool:
        """Whether `ctx` took as many caller hops as this pass follows, for the flows of one object handed
        down: a dict of settings (`**params`, `engine_params`) and the constructions that bind an
        `__init__` (recorded: a deeper pass may see more). A bare parameter's callers fan out at every
        hop, and stay at `MAX_CALLER_DEPTH` (`_from_callers`)."""
        if ctx.depth < self._depth_limit:
            return False
        self._depth_cut = True
        return True

    def _from_callers(self, name: str, func: FuncInfo, mod: ModuleInfo, ctx: Ctx) -> Vals:
        if not isinstance(func.node, (ast.FunctionDef, ast.AsyncFunctionDef)) or ctx.depth >= MAX_CALLER_DEPTH:
            return Vals()
        found = []
        for call, cscope in self._callers_of(func, mod)[:MAX_CALLERS]:
            if self._tables is not None and enums.builds_another_class(self, func, call, cscope, self._tables):
                continue   # `create(Platform.LOCAL, …)` while following the class `Platform.OPENAI` builds
            arg = _argument_of(func, name, call)
            if arg is None:   # the default: None for a caller of `f(model=None)` that leaves it out
                found.append(Vals(unset=True))
                continue
            if arg is _STARRED:
                found.append(self._through_splat(name, call, cscope, self._caller_ctx(func, call, cscope, ctx)))
                continue
            vals = self._argument_for(func, arg, call, cscope, ctx, self._caller_ctx(func, call, cscope, ctx))
            found.append(_tag(vals, "callers", Hop(f"{_callee_text(cscope.mod, call)}({name}={_text(cscope.mod, arg)})",
                                                    _at(cscope.mod, call))))
        return _union(*found) if found else Vals()

    def _caller_ctx(self, func: FuncInfo, call: ast.Call, cscope: Scope, ctx: Ctx) -> Ctx:
        """The context a caller of `func` is evaluated in, one hop up. A call through `self`
        (`self._complete(self.model)` in a base class) runs on the same object: the concrete class being
        followed, else an instance of `func`'s class or of a subclass that runs `func` — never a sibling
        that overrides it."""
        if func.cls is None or _self_receiver_class(call, cscope) is None:
            return Ctx(depth=ctx.depth + 1)
        if ctx.self_cls is not None:
            return Ctx(self_cls=ctx.self_cls, ctor=ctx.ctor, depth=ctx.depth + 1)
        return Ctx(depth=ctx.depth + 1, receiver=(func.cls, getattr(func.node, "name", "")))

    # ---- callers ----------------------------------------------------------------------------------------
    def _callers_of(self, func: FuncInfo, mod: ModuleInfo) -> list[tuple[ast.Call, Scope]]:
        """Calls in the package that reach `func` (constructions, for an `__init__`)."""
        name = getattr(func.node, "name", "")
        if name == "__init__" and func.cls is not None:
            return self._constructions(func.cls, mod)
        fnode = func.node
        return self._calls_to(name, mod, b"def" if func.cls is None else b"method", lambda t: isinstance(t, FuncRef) and (
            t.node is fnode or self._same_interface(t, func, mod)), fnode, func.cls)

    def _same_interface(self, target: FuncRef, func: FuncInfo, mod: ModuleInfo) -> bool:
        """A call resolved to a base class's method of the same name (`provider: BaseProvider`,
        `provider.complete(…)`): which override runs depends on the object, so it may be this one. A call
        resolved to a sibling class's method is that sibling's."""
        if target.cls is None or func.cls is None or getattr(target.node, "name", None) != getattr(func.node, "name", ""):
            return False
        return any(c.node is target.cls.node for c, _m in self._mro_of(func.cls, mod)[1:])

    def _constructions(self, cls: ClassInfo, mod: ModuleInfo) -> list[tuple[ast.Call, Scope]]:
        """Constructions of `cls` in the package, minus those whose object only has another method called
        on it when the site is a method of the class (`OpenAIModel(model=m).load_model()` never reaches the
        site's `generate`; `Worker(params).build()` may build the object whose method the site is)."""
        calls = self._calls_to(cls.node.name, mod, b"class",
                               lambda t: isinstance(t, ClassRef) and self._inherits_init(t, cls), cls.node)
        built, paths = setter_flow.table_constructions(self, cls, mod) if not calls else ([], [])   # `PROVIDERS[name](…)`
        for path in paths:
            self._dep(path)
        calls = calls + built + [(call, scope) for call, cfunc in mod.calls_named("cls") if cfunc is not None   # a classmethod's cls(…)
                         for scope in [Scope(mod, cfunc, call.lineno)]
                         if isinstance(ref := self._callee(call, scope), ClassRef) and ref.cls.node is cls.node]
        if not any(self._site_method in c.methods for c, _m in self._mro_of(cls, mod)):
            return calls
        return [(call, scope) for call, scope in calls
                if _chained_method(scope.mod, call) in (None, self._site_method)]

    def _calls_to(self, name: str, mod: ModuleInfo, kind: bytes, accept, target: ast.AST,
                  owner: ClassInfo | None = None) -> list[tuple[ast.Call, Scope]]:
        """Calls of `name` in the package that `accept` the callee of (for a method of `owner`, also calls
        on an object a factory may build as an `owner`); a receiver llmsight cannot resolve counts when the
        package defines `name` only once. Found once per process."""
        if not name.isidentifier():
            return []
        key = (id(target), name)
        cached = self.state.calls.get(key)
        if cached is None:
            cached = self.state.calls[key] = self._find_calls(name, mod, kind, accept, owner)
        calls, paths = cached
        for path in paths:
            self._dep(path)
        return calls

    def _find_calls(self, name: str, mod: ModuleInfo, kind: bytes, accept,
                    owner: ClassInfo | None = None) -> tuple[list[tuple[ast.Call, Scope]], list[str]]:
        top = self.state.top(mod)
        out: list[tuple[ast.Call, Scope]] = []
        paths: list[str] = []
        home = self.ev.project.root / mod.path
        # a call from another file names what it imports: the class, or the module of a function (a
        # method is called on an object, whose file need not name anything)
        short = (mod.modname or "").rsplit(".", 1)[-1].encode()
        names = [(name, name.encode() if kind == b"class" else short if kind == b"def" else b"", None)]
        if kind == b"def":
            names += self._aliases(top, name, short)
        here = home.parts
        for called, named, lone in names:
            literal = called.encode()
            unique: bool | None = None
            found = [f for f in self.index.search(top, literal, rb"\b" + literal + rb"\s*\(")
                     if f == home or not named or self.index.text(f).count(named) >= (2 if kind == b"class" else 1)]
            unindexed = home not in found   # a notebook is not in the package's text index: its cells call it too
            if unindexed:
                found.append(home)
            for path in sorted(found, key=lambda f: -_shared_prefix(f.parts, here))[:MAX_CALLER_FILES]:
                cmod = mod if unindexed and path == home else self.ev.project.load(path)
                if cmod is None:
                    continue
                for call, cfunc in cmod.calls_named(called):
                    cscope = Scope(cmod, cfunc, call.lineno)
                    target = self._callee(call, cscope)
                    if target is None:
                        if unique is None:
                            unique = lone if lone is not None else self.index.definitions(top).get(called, (0, []))[0] == 1 \
                                or (owner is not None and self._one_interface(called, owner, mod))
                        ok = unique or (owner is not None and self._object_may_be(call, cscope, owner, mod))
                    else:
                        ok = accept(target) or (owner is not None and self._object_may_be(call, cscope, owner, mod)) \
                            or (called != name and _binds_to(call, cscope, name))
                    if ok and (owner is None or self._self_may_be(call, cscope, owner, mod)):
                        paths.append(cmod.path)
                        out.append((call, cscope))
                        if len(out) >= MAX_CALLERS:
                            return out, paths
        if kind != b"class":
            self._handed_calls(name, top, here, accept, out, paths)
        return out, paths

    def _handed_calls(self, name: str, top: Path, here: tuple[str, ...], accept,
                      out: list[tuple[ast.Call, Scope]], paths: list[str]) -> None:
        """Calls that reach function `name` through a wrapper it is handed to, each added to `out` as the
        call it amounts to: `retry(self._body, n)(**kw)` (the wrapper's result called with the arguments)
        and `self._call(self._body, **kw)`, `asyncio.to_thread(fn, x)`, `partial(fn, model=m)` (a wrapper
        that calls what it is handed with the arguments after it)."""
        literal = name.encode()
        found = self.index.search(top, literal, rb"\b" + literal + rb"\s*[,)]")
        for path in sorted(found, key=lambda f: -_shared_prefix(f.parts, here))[:MAX_CALLER_FILES]:
            cmod = self.ev.project.load(path)
            for call, cfunc in cmod.calls_handing(name) if cmod is not None else ():
                cscope = Scope(cmod, cfunc, call.lineno)
                as_call = self._handed_as_call(call, name, cscope)
                if as_call is not None and accept(self._callee(as_call, cscope)):
                    paths.append(cmod.path)
                    out.append((as_call, cscope))
                elif as_call is None:
                    for inner, wscope in self._wrapper_calls_handed(call, name, cscope, accept):
                        paths += [cmod.path, wscope.mod.path]
                        out.append((inner, wscope))
                if len(out) >= MAX_CALLERS:
                    del out[MAX_CALLERS:]
                    return

    def _wrapper_calls_handed(self, call: ast.Call, name: str, scope: Scope, accept) -> list[tuple[ast.Call, Scope]]:
        """`retry_with_fallbacks(self._predict)` where the project wrapper calls its parameter with values of
        its own (`for model in models: await f(model)`): each such call is a call of the handed function,
        its arguments read in the wrapper."""
        index, ref = next(((i, a) for i, a in enumerate(call.args) if _names_ref(a, name)), (0, None))
        found = _handed_param(call, index, self._callee(call, scope)) if ref is not None else None
        if found is None or not accept(self._callee(ast.copy_location(ast.Call(func=ref, args=[], keywords=[]), call), scope)):
            return []
        wrapper, param = found
        fi = wrapper.mod.func_info(wrapper.node, wrapper.qualname or wrapper.node.name, None, wrapper.cls)
        return [(ast.copy_location(ast.Call(func=ref, args=n.args, keywords=n.keywords), n), Scope(wrapper.mod, fi, n.lineno))
                for n in ast.walk(wrapper.node) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
                and n.func.id == param and not any(isinstance(a, ast.Starred) for a in n.args)
                and all(k.arg is not None for k in n.keywords)][:MAX_CALLERS]

    def _handed_as_call(self, call: ast.Call, name: str, scope: Scope) -> ast.Call | None:
        """The call of the handed function that `call` amounts to (see `_handed_calls`); None when the
        wrapper is not known to pass it the arguments after it."""
        inner = call.func if isinstance(call.func, ast.Call) else None
        refs = [a for a in inner.args + [k.value for k in inner.keywords] if _names_ref(a, name)] if inner else []
        handed = [(i, a) for i, a in enumerate(call.args) if _names_ref(a, name)]
        if refs:
            ref, args, keywords = refs[0], call.args, call.keywords
        elif handed and self._forwards(call, handed[0][0], scope):
            (index, ref), keywords = handed[0], call.keywords
            args = call.args[index + 1:]
        else:
            return None
        return ast.copy_location(ast.Call(func=ref, args=list(args), keywords=list(keywords)), call)

    def _forwards(self, wrapper: ast.Call, index: int, scope: Scope) -> bool:
        """`wrapper` calls its argument at `index` with the arguments after it: a known forwarder, or a
        project function that calls that parameter with `*args`/`**kwargs`."""
        f = wrapper.func
        if isinstance(f, ast.Attribute) and (f.attr, index) in (("run_in_executor", 1), ("submit", 0)):
            return True
        callee = self._callee(wrapper, scope)
        if isinstance(callee, Imported):
            return callee.qualname in _FORWARDERS and index == 0
        found = _handed_param(wrapper, index, callee)
        if found is None:
            return False
        callee, param = found
        return any(isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == param
                   and (any(isinstance(a, ast.Starred) for a in n.args) or any(k.arg is None for k in n.keywords))
                   for n in ast.walk(callee.node))

    def _self_may_be(self, call: ast.Call, scope: Scope, owner: ClassInfo, mod: ModuleInfo) -> bool:
        """`self.m(…)`/`super().m(…)` in a method of class C runs on a C: it may reach a method of `owner`
        only when one of the two classes derives from the other, never when they are siblings."""
        caller = _self_receiver_class(call, scope)
        if caller is None or caller.node is owner.node:
            return True
        return any(c.node is owner.node for c, _m in self._mro_of(caller, scope.mod)) or \
            any(c.node is caller.node for c, _m in self._mro_of(owner, mod))

    def _aliases(self, top: Path, name: str, module: bytes) -> list[tuple[str, bytes, bool]]:
        """Other names the package calls function `name` by, as (name, text a calling file must hold,
        whether a receiver llmsight cannot resolve counts): `from .m import name as alias` (its calls
        resolve to the function) and `obj.alias = name` (an unresolved `x.alias(…)` is the function when
        the package binds nothing else to `.alias` and defines no `alias`). Only the places the name is
        written are looked at."""
        literal = name.encode()
        out: list[tuple[str, bytes, bool]] = []
        for path in self.index.holding(top, literal):
            text = self.index.text(path)
            for i, m in _written_at(text, literal):
                if _word_byte(text, i - 1) or len(out) >= MAX_VALUES:
                    continue
                start = text.rfind(b"\n", 0, i) + 1
                if m.group(1) is not None:
                    if b"import" in text[start:i]:
                        out.append((m.group(1).decode(), module, False))
                    continue
                before = _logical_head(text, start, i)
                bound = _BOUND_TO.search(before) if m.end() == len(text) or text[m.end():m.end() + 1] in b"\r\n#" else None
                local = None if bound else _PICKED_BY.match(before)
                alias = (bound or local).group(1).decode() if bound or local else None
                if alias is not None and alias != name and all(alias != a for a, _n, _l in out):
                    # a local name a call reads is checked where it is called (`_binds_to`)
                    out.append((alias, b"", self._sole_binding(top, alias, literal) if bound else False))
        return out

    def _sole_binding(self, top: Path, attr: str, literal: bytes) -> bool:
        """No `def attr` in the package and every `.attr = …` in it binds the name `literal`."""
        assigned = rb"\." + attr.encode() + rb"[ \t]*=(?!=)[ \t]*(\w*)"
        return attr not in self.index.definitions(top) and all(
            set(re.findall(assigned, self.index.text(f))) == {literal}
            for f in self.index.search(top, ("." + attr).encode(), assigned))

    def _one_interface(self, name: str, owner: ClassInfo, mod: ModuleInfo) -> bool:
        """Every `def name` in the package is a method of a class deriving from the topmost class of
        `owner`'s that defines it (`TTSProvider.generate_audio` and its overrides): a call of `name` on an
        object llmsight cannot resolve is a call through that interface, so it may reach `owner`'s."""
        defining = [c for c, _m in self._mro_of(owner, mod) if name in c.methods]
        if not defining:
            return False
        root, top = defining[-1].node, self.state.top(mod)
        seen = 0
        for path in self.index.search(top, b"def", rb"\bdef\s+" + name.encode() + rb"\s*\("):
            m = self.ev.project.load(path)
            if m is None or name in m.functions:
                return False
            for c in m.classes.values():
                if name in c.methods:
                    seen += 1
                    if not any(b.node is root for b, _m in self._mro_of(c, m)):
                        return False
        return seen == self.index.definitions(top).get(name, (0, []))[0]

    def _factory_may_make(self, call: ast.Call, scope: Scope, owner: ClassInfo) -> bool:
        """`provider.complete(…)` where `provider = get_provider(…)` (or the call itself) and a return of
        that project function builds an `owner` (or a subclass): which class the object is depends on
        the branch the factory takes, so the call may reach `owner`'s method."""
        receiver = call.func.value if isinstance(call.func, ast.Attribute) else None
        if receiver is not None and setter_flow.table_keys(self, receiver, scope, owner) is not None:
            return True   # `TABLE[key](…).m(…)`: the table builds an `owner`
        if isinstance(receiver, ast.Name) and scope.func is not None:
            bindings = scope.func.bindings.get(receiver.id) or []
            receiver = bindings[0][1] if len(bindings) == 1 and bindings[0][2] == "assign" else None
        if not isinstance(receiver, ast.Call):
            return False
        factory = self._callee(receiver, scope)
        if not isinstance(factory, FuncRef) or not isinstance(factory.node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return False
        fi = factory.mod.func_info(factory.node, factory.qualname or factory.node.name, None, factory.cls)
        for ret in _returns(factory.node):
            made = self._object(ret.value.func if isinstance(ret.value, ast.Call) else ret.value,
                                Scope(factory.mod, fi, ret.lineno))
            if isinstance(made, ClassRef) and any(c.node is owner.node for c, _m in self._mro_of(made.cls, made.mod)):
                return True
        return False

    def _object_may_be(self, call: ast.Call, scope: Scope, owner: ClassInfo, mod: ModuleInfo) -> bool:
        """The object a method is called on may be an `owner`: a factory may build one, or a caller inject one."""
        return self._factory_may_make(call, scope, owner) or self._injected_may_be(call, scope, owner, mod)

    def _injected_may_be(self, call: ast.Call, scope: Scope, owner: ClassInfo, mod: ModuleInfo) -> bool:
        """`self.handler.m(…)` where `self.handler = handler()` (or `= handler`), or `handler.m(…)`, and the
        parameter is typed with a base class of `owner` (`handler: partial[Base] = Default`, `type[Base]`,
        `Base`): its default is one choice, a caller may inject any subclass, so the call may reach `owner`'s."""
        receiver = call.func.value if isinstance(call.func, ast.Attribute) else None
        if isinstance(receiver, ast.Attribute) and (cls := _self_class(receiver.value, scope)) is not None:
            bound = [(value, method) for _line, value, method in cls.self_attrs.get(receiver.attr, ())]
        elif isinstance(receiver, ast.Name) and scope.func is not None:
            bound = [(receiver, scope.func.node)]
        else:
            return False
        bases = {c.node.name for c, _m in self._mro_of(owner, mod)[1:]}
        for value, method in bound:
            value = value.func if isinstance(value, ast.Call) else value
            if bases and isinstance(value, ast.Name) and _annotated_class_name(method, value.id) in bases:
                return True
        return False

    def _callee(self, call: ast.Call, scope: Scope):
        return self._object(call.func, scope)

    def _inherits_init(self, target: ClassRef, cls: ClassInfo) -> bool:
        """Constructing `target` runs `cls.__init__`: it is `cls`, or a subclass that defines no `__init__`
        of its own before reaching `cls`."""
        for c, _m in self._mro_of(target.cls, target.mod):
            if c.node is cls.node:
                return True
            if "__init__" in c.methods:
                return False
        return False

    def _construction_calls(self, concrete: tuple[ClassInfo, ModuleInfo], cls: ClassInfo | None,
                            ctx: Ctx) -> tuple[list[tuple[ast.Call, Scope, Ctx]], bool]:
        """Calls whose arguments bind `cls.__init__` (None: the generated `__init__` of a config class)
        for an instance of `concrete`: `super().__init__(…)` in the nearest subclass `__init__`, else the
        known construction, else every construction in the package (then the bool is True)."""
        mro = self._mro_of(*concrete)
        below = mro
        if cls is not None:
            idx = next((i for i, (c, _m) in enumerate(mro) if c.node is cls.node), None)
            if idx is None:
                return [], False
            below = mro[:idx]
        for c, cm in reversed(below):
            init = c.methods.get("__init__")
            if init is None:
                continue
            fi = cm.func_info(init, f"{c.node.name}.__init__", None, c)
            supers = self.state.super_inits.get(id(init))
            if supers is None:   # a walk of the whole `__init__`, asked again for every path through it
                supers = self.state.super_inits[id(init)] = (init, _super_init_calls(init))
            return [(call, Scope(cm, fi, call.lineno), ctx) for call in supers[1]], False
        if ctx.ctor is not None:
            return [ctx.ctor], False
        if self._too_deep(ctx):
            return [], True
        calls = [(call, cscope, Ctx(depth=ctx.depth + 1)) for call, cscope in self._constructions(*concrete)]
        return calls, True

    # ---- classes ----------------------------------------------------------------------------------------
    def _mro_of(self, cls: ClassInfo, mod: ModuleInfo) -> list[tuple[ClassInfo, ModuleInfo]]:
        """Project classes in method resolution order (depth-first, left to right, each once)."""
        found = self.state.mro.get(id(cls.node))
        if found is not None:
            for path in found[2]:
                self._dep(path)
            return found[1]
        out: list[tuple[ClassInfo, ModuleInfo]] = []
        read: set[str] = set()
        self.state.mro[id(cls.node)] = (cls.node, out, read)  # a cycle sees the partial list
        self._collect.append(read)
        try:
            self._linearise(cls, mod, out)
        finally:
            self._collect.pop()
            for path in read:
                self._dep(path)
        return out

    def _linearise(self, cls: ClassInfo, mod: ModuleInfo, out: list[tuple[ClassInfo, ModuleInfo]]) -> None:
        seen = set()
        stack = [(cls, mod)]
        while stack and len(out) < 32:
            c, m = stack.pop(0)
            if id(c.node) in seen:
                continue
            seen.add(id(c.node))
            out.append((c, m))
            bases = []
            for base in c.node.bases:
                b = self._object(base, Scope(m, None, c.node.lineno))
                if isinstance(b, ClassRef):
                    bases.append((b.cls, b.mod))
            stack[0:0] = bases

    def _config_kind(self, cls: ClassInfo, mod: ModuleInfo) -> str | None:
        """dataclass | attrs | pydantic | settings | namedtuple | msgspec, following project bases."""
        for c, m in self._mro_of(cls, mod):
            for deco in c.node.decorator_list:
                target = deco.func if isinstance(deco, ast.Call) else deco
                v = self._object(target, Scope(m, None, c.node.lineno))
                qual = v.qualname if isinstance(v, Imported) else _text(m, target)
                if qual.rsplit(".", 1)[-1] in _CONFIG_DECORATORS or qual in _CONFIG_DECORATORS:
                    return "attrs" if qual.startswith(("attr", "attrs")) else "dataclass"
            for base in c.node.bases:
                v = self._object(base, Scope(m, None, c.node.lineno))
                qual = v.qualname if isinstance(v, Imported) else ""
                kind = _CONFIG_BASES.get(qual.rsplit(".", 1)[-1]) if qual else None
                if kind is not None:
                    return kind
        return None

    def _subclasses(self, cls: ClassInfo, mod: ModuleInfo) -> list[tuple[ClassInfo, ModuleInfo]]:
        """The package's classes derived from `cls`, directly or through others (a subclass of a subclass
        runs the base's methods too), nearest first."""
        out: list[tuple[ClassInfo, ModuleInfo]] = []
        top = self.state.top(mod)
        seen = {id(cls.node)}
        bases = [cls]
        for base in bases:   # grows while it runs: each found class's own subclasses are searched in turn
            names = self._class_names(top, base.node.name)
            for path in sorted({p for name in names for p in self.index.subclass_files(top, name)}):
                smod = self.ev.project.load(path)
                if smod is None:
                    continue
                for sub in smod.classes.values():
                    if id(sub.node) in seen or not any(n in _text(smod, b) for b in sub.node.bases for n in names):
                        continue
                    if any(c.node is base.node for c, _m in self._mro_of(sub, smod)[1:]):
                        seen.add(id(sub.node))
                        self._dep(smod.path)
                        out.append((sub, smod))
                        bases.append(sub)
                        if len(out) >= MAX_SUBCLASSES:
                            return out
        return out

    def _class_names(self, top: Path, name: str) -> list[str]:
        """`name` and the names files of the package import that class as (`from .base import Embedder as
        Base`, then `class Hosted(Base)`), found once per package."""
        key = ("class-names", top, name)
        found = self.state.memo.get(key)
        if found is None:
            found = self.state.memo[key] = (
                [name] + [alias for alias, imported, _l in self._aliases(top, name, b"import") if imported], None)
        return found[0]

    def _self_attr(self, attr: str, method_cls: ClassInfo, scope: Scope, ctx: Ctx) -> Vals:
        """`self.attr` in a method of `method_cls`: on the concrete class being followed, else on that
        class and each subclass in the package (a base-class method runs for all of them)."""
        if ctx.self_cls is not None and any(c.node is method_cls.node for c, _m in self._mro_of(*ctx.self_cls)):
            return self._instance_attr(ctx.self_cls, attr, ctx)
        first, *rest = self._runners(method_cls, scope, ctx)
        own = self._instance_attr(first, attr, Ctx(self_cls=first, depth=ctx.depth))
        subs = [_without_placeholders(self._instance_attr(sub, attr, Ctx(self_cls=sub, depth=ctx.depth))) for sub in rest]
        if not subs:
            return own
        # the class's own value is the default; subclasses' values are others it sends (all of them when
        # the class itself sets none: an abstract base) and never replace what it sets, even None
        sets = any(attr in c.self_attrs or attr in c.attrs for c, _m in self._mro_of(*first))
        return _union(own, *(_alternatives(s) if sets else s for s in subs))

    def _runners(self, method_cls: ClassInfo, scope: Scope, ctx: Ctx) -> list[tuple[ClassInfo, ModuleInfo]]:
        """The classes whose instances run the method of `method_cls` at `scope`, the one whose value is the
        default first: the class and each subclass in the package that does not override the method. When
        a call through `self` reached this from method `m` of class C (`ctx.receiver`), only C and its
        subclasses that run C's `m`: a sibling that overrides `m` never makes that call."""
        method = _method_name(scope)
        runners = [(method_cls, scope.mod)] + [sub for sub in self._subclasses(method_cls, scope.mod)
                                               if self._runs_inherited(sub, method, method_cls)]
        if ctx.receiver is None:
            return runners
        cls, called = ctx.receiver
        return [c for c in runners if self._runs_inherited(c, called, cls)] or runners

    def _runs_inherited(self, sub: tuple[ClassInfo, ModuleInfo], method: str, owner: ClassInfo) -> bool:
        """An instance of `sub` runs `owner`'s `method`: no class between them overrides it, or each one
        that does calls `super().method(…)`."""
        for c, _m in self._mro_of(*sub):
            if c.node is owner.node:
                return True
            if method in c.methods and not self._extends(c.methods[method]):
                return False
        return False

    def _extends(self, method: ast.AST) -> bool:
        """The override calls `super().<its name>(…)` (found once per method)."""
        key = ("extends", id(method))
        found = self.state.memo.get(key)
        if found is None:
            found = self.state.memo[key] = (_calls_super(method, getattr(method, "name", "")), method)
        return found[0]

    def _instance_attr(self, concrete: tuple[ClassInfo, ModuleInfo], attr: str, ctx: Ctx) -> Vals:
        """An instance attribute: what `__init__` assigns (most derived first; one that always runs hides
        the class-level value), else the class-level default or config field (bound by constructor
        keywords), then what other methods assign, as other values the code can send."""
        mro = self._mro_of(*concrete)
        inits: tuple[Vals, bool] | None = None
        others: list[Vals] = []
        for c, cm in mro:
            for method_name, assigns in _self_assignments(c, attr, ctx.skip).items():
                vals, always = self._assignments(attr, assigns, c, cm, method_name, ctx)
                if method_name == "__init__":
                    if inits is None:
                        inits = (_tag(vals, "self-attr" if c is concrete[0] else "base-class", None), always)
                else:
                    others.append(_tag(vals, "self-attr", None))
        declared = None if inits is not None and inits[1] else self._class_level(concrete, attr, ctx)
        if inits is None and declared is None:
            if not others:
                return self._set_by_name(concrete, attr, ctx) or \
                    _opaque(f"`self.{attr}` is never set in `{concrete[0].node.name}`")
            return _union(*others)   # set only by other methods (a setter), which must run before any use
        if inits is None:
            main = declared
        elif declared is None:
            main = inits[0]
        else:
            main = _later(declared, inits[0])
        if not others:
            return main  # type: ignore[return-value]
        # a setter's values are the defaults when construction leaves the attribute unset (`self.model = None`)
        if main.unset and not main.has_default:  # type: ignore[union-attr]
            return replace(_union(main, *others), unset=all(o.unset for o in others))
        return _union(main, *(_alternatives(o) for o in others))  # type: ignore[arg-type]

    def _set_by_name(self, concrete: tuple[ClassInfo, ModuleInfo], attr: str, ctx: Ctx) -> Vals | None:
        """A mapping spread onto the instance by name (`for key, value in config.items(): setattr(self,
        key.lower(), value)`): the mapping's value under the key that names `attr` (`SMART_LLM` for
        `smart_llm` through `.lower()`), as the settings flow reads it (a dict the callers pass, a helper
        returns or a module constant holds). None when no class of the instance does that."""
        for c, cm in self._mro_of(*concrete):
            found = self.state.memo.get(("setattr-loops", id(c.node)))
            if found is None:   # searched once per class
                found = self.state.memo[("setattr-loops", id(c.node))] = (
                    [(method, *loop) for method in c.methods.values() for loop in _setattr_loops(method)], c.node)
            for method, loop, key, value in found[0]:
                name = _spread_key(attr, key, loop.target.elts[0].id)  # type: ignore[attr-defined]
                if name is None:
                    continue
                fi = cm.func_info(method, f"{c.node.name}.{getattr(method, 'name', '')}", None, c)
                scope = Scope(cm, fi, loop.lineno)
                vals = self._splat(loop.iter.func.value, scope, (name,),  # type: ignore[attr-defined]
                                   Ctx(self_cls=concrete, depth=ctx.depth, skip=ctx.skip))
                if vals.cands:
                    return _tag(vals, "config-default", Hop(f"setattr(self, {_text(cm, key)}, {_text(cm, value)}) "
                                                            f"for {name!r}", f"{cm.path}:{loop.lineno}"))
        return None

    def _assignments(self, attr: str, assigns: list[tuple[int, ast.AST, ast.AST]], cls: ClassInfo, mod: ModuleInfo,
                     method_name: str, ctx: Ctx) -> tuple[Vals, bool]:
        """The value a method leaves in an attribute, and whether an assignment always runs."""
        method = assigns[0][2]
        fi = mod.func_info(method, f"{cls.node.name}.{method_name}", None, cls)
        parts = []
        acc: Vals | None = None
        for line, value, _m in sorted(assigns, key=lambda a: a[0]):
            # its right side sees the attributes as they were before this statement
            inner = replace(ctx, skip=ctx.skip | {id(v) for found in cls.self_attrs.values()
                                                  for ln, v, m in found if m is method and ln >= line})
            vals = _tag(self._values(value, Scope(mod, fi, line), inner),
                        None, Hop(f"self.{attr} = {_text(mod, value)}", f"{mod.path}:{line}"))
            if not fi.blocks.get(id(value)):
                acc, parts = vals, []
            else:
                parts.append((vals, _guards(fi.blocks, value, f"self.{attr}")))
        if acc is None:
            return _branches([v for v, _g in parts]), False
        for later, guarded in parts:
            acc = _later(acc, later, guarded)
        return acc, True

    def _class_level(self, concrete: tuple[ClassInfo, ModuleInfo], attr: str, ctx: Ctx) -> Vals | None:
        """A class attribute or field (most derived first), a property, or None when none declares it."""
        mro = self._mro_of(*concrete)
        kind = self._config_kind(*concrete)
        for c, cm in mro:
            bindings = c.attrs.get(attr)
            if bindings:
                line, value, how = bindings[-1]
                scope = Scope(cm, None, line)
                overridden = c is not concrete[0] or any(attr in b.attrs for b, _m in mro[1:])
                reach = "base-class" if overridden else "config-default"
                hop = Hop(f"{attr} = {_text(cm, value)}" if how != "annotation" else f"{attr}: {_text(cm, value)}",
                          f"{cm.path}:{line}")
                if how == "def":
                    return self._property(value, c, cm, ctx)
                if how == "annotation":
                    default = Vals(why=f"field `{attr}` of `{c.node.name}` has no default")
                    default = replace(default, opaque=True)
                else:
                    default = _tag(self._field_default(value, scope, ctx), reach, hop)
                if kind is None:
                    return default
                return self._field(concrete, attr, default, kind, ctx)
            method = c.methods.get(attr)
            if method is not None:
                return self._property(method, c, cm, ctx)
        if kind is not None:
            return self._field(concrete, attr, None, kind, ctx)
        return None

    def _property(self, method: ast.AST, cls: ClassInfo, mod: ModuleInfo, ctx: Ctx) -> Vals | None:
        if not any(_text(mod, d).rsplit(".", 1)[-1] in ("property", "cached_property")
                   for d in getattr(method, "decorator_list", ())):
            return None
        return self._returned(FuncRef(method, mod, cls, f"{cls.node.name}.{method.name}"), None, ctx)  # type: ignore[attr-defined]

    def _field_default(self, value: ast.AST, scope: Scope, ctx: Ctx) -> Vals:
        """`x: str = "m"`, `Field("m")`, `Field(default="m")`, `field(default_factory=lambda: "m")`."""
        if isinstance(value, ast.Call):
            callee = value.func.attr if isinstance(value.func, ast.Attribute) else getattr(value.func, "id", "")
            if callee in _FIELD_FUNCS:
                for kw in value.keywords:
                    if kw.arg == "default":
                        return self._values(kw.value, scope, ctx)
                    if kw.arg == "default_factory" and isinstance(kw.value, ast.Lambda):
                        return self._values(kw.value.body, scope, ctx)
                if value.args and not (isinstance(value.args[0], ast.Constant) and value.args[0].value is Ellipsis):
                    return self._values(value.args[0], scope, ctx)
                return _opaque("a field with no default")
        return self._values(value, scope, ctx)

    def _field(self, concrete: tuple[ClassInfo, ModuleInfo], attr: str, default: Vals | None, kind: str,
               ctx: Ctx) -> Vals:
        """A config-class field: the constructor keyword (or position) that sets it, else its default;
        a settings class also reads the environment variable named after it."""
        calls, searched = self._construction_calls(concrete, None, ctx)
        order = self._field_order(concrete) if kind in ("dataclass", "attrs", "namedtuple", "msgspec") else []
        passed = []
        for call, cscope, cctx in calls:
            arg = next((kw.value for kw in call.keywords if kw.arg == attr), None)
            if arg is None and attr in order and order.index(attr) < len(call.args):
                arg = call.args[order.index(attr)]
                arg = None if isinstance(arg, ast.Starred) else arg
            if arg is None:
                splat = [kw.value for kw in call.keywords if kw.arg is None]
                vals = self._splat(splat[0], cscope, (attr,), cctx) if splat else Vals()
                if vals.cands or vals.opaque:   # a dict that holds no such key leaves the default
                    passed.append(_tag(vals, "callers" if searched else None, Hop(
                        f"{_callee_text(cscope.mod, call)}(**{_text(cscope.mod, splat[0])})", _at(cscope.mod, call))))
                continue
            passed.append(_tag(self._values(arg, cscope, cctx), "callers" if searched else None,
                               Hop(f"{_callee_text(cscope.mod, call)}({attr}={_text(cscope.mod, arg)})", _at(cscope.mod, call))))
        base = default if default is not None else _opaque(f"`{attr}` is not declared on `{concrete[0].node.name}`")
        if kind == "settings":
            base = _later(base, _union(*(self._env_values(n) for n in self._settings_env_names(concrete, attr))))
        if not passed:
            return base
        if searched:
            return _union(base, _alternatives(_union(*passed))) if base.has_default else _union(*passed, base)
        exact = _union(*passed)
        return exact if len(passed) == len(calls) else _union(exact, _alternatives(base))

    def _field_order(self, concrete: tuple[ClassInfo, ModuleInfo]) -> list[str]:
        names: list[str] = []
        for c, _m in reversed(self._mro_of(*concrete)):
            for stmt in c.node.body:
                if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.target.id not in names:
                    names.append(stmt.target.id)
        return names

    def _settings_env_names(self, concrete: tuple[ClassInfo, ModuleInfo], attr: str) -> tuple[str, ...]:
        """The variables pydantic-settings reads a field from (case-insensitive): the field's alias
        (`Field(validation_alias="M")`, `AliasChoices("A", "B")`, `alias=`, v1's `env=`), which no prefix
        applies to, else `<env_prefix><field>`."""
        mro = self._mro_of(*concrete)
        for c, _m in mro:
            declared = next((s.value for s in c.node.body if isinstance(s, ast.AnnAssign)
                             and isinstance(s.target, ast.Name) and s.target.id == attr), None)
            if isinstance(declared, ast.Call) and _callee_name(declared) in _FIELD_FUNCS:
                given = {kw.arg: _literal_strings(kw.value) for kw in declared.keywords}
                aliases = given.get("validation_alias") or given.get("alias") or given.get("env")
                if aliases:
                    return tuple(a.upper() for a in aliases)
            if declared is not None:
                break
        return (self._settings_env_name(mro, attr),)

    def _settings_env_name(self, mro: list[tuple[ClassInfo, ModuleInfo]], attr: str) -> str:
        """pydantic-settings reads `<env_prefix><field>` (case-insensitive)."""
        for c, m in mro:
            for stmt in c.node.body:
                calls = [stmt.value] if isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Call) else []
                if isinstance(stmt, ast.ClassDef) and stmt.name == "Config":
                    for inner in stmt.body:
                        if isinstance(inner, ast.Assign) and any(getattr(t, "id", "") == "env_prefix" for t in inner.targets):
                            v = self._object(inner.value, Scope(m, None, inner.lineno))
                            if isinstance(v, Const) and isinstance(v.value, str):
                                return (v.value + attr).upper()
                for call in calls:
                    for kw in call.keywords:
                        if kw.arg == "env_prefix":
                            v = self._object(kw.value, Scope(m, None, stmt.lineno))
                            if isinstance(v, Const) and isinstance(v.value, str):
                                return (v.value + attr).upper()
        return attr.upper()

    # ---- attributes ------------------------------------------------------------------------------------
    def _attribute(self, node: ast.Attribute, scope: Scope, ctx: Ctx) -> Vals:
        method_cls = _self_class(_instance_of_class(node.value), scope)   # `type(self).X` reads as `self.X`
        if method_cls is not None:
            return self._self_attr(node.attr, method_cls, scope, ctx)
        shown = self._widget_value(node.value, scope, ctx) if node.attr == "value" else None
        if shown is not None:   # `model=picker.value` of an ipywidgets control
            return shown
        filled = self._filled_in(node, scope, ctx)
        if filled is not None:
            return filled
        base = self._object(node.value, scope)
        if base is None or isinstance(base, Instance):
            built = self._attribute_of_built(node, scope, ctx)
            if built is not None:
                return built
        if isinstance(base, Instance):
            ctor = (base.ctor[0], base.ctor[1], Ctx(depth=ctx.depth)) if base.ctor else None
            vals = self._instance_attr((base.cls, base.mod), node.attr, Ctx(self_cls=(base.cls, base.mod), ctor=ctor,
                                                                            depth=ctx.depth))
            if ctor is None:   # an object known only by its class: any the package builds, then fills in
                vals = self._filled_at_run_time(base.cls, base.mod, node.attr, vals, scope.mod, ctx)
            found = None if vals.cands else self._config_file_key(_key_path(node), base.cls.node.name)
            return found if found is not None else vals
        if isinstance(base, ClassRef):
            return self._class_attr(base, node.attr, ctx)
        if node.attr == "value" and isinstance(node.value, ast.Attribute):  # Enum.MEMBER.value
            owner = self._object(node.value.value, scope)
            if isinstance(owner, ClassRef):
                return self._class_attr(owner, node.value.attr, ctx)
        if isinstance(base, Imported):
            v = self._object(node, scope)
            if isinstance(v, Const) and isinstance(v.value, str) and v.value:
                return Vals((Cand(v.value, "constant", v.origin or _at(scope.mod, node),
                                  (Hop(_text(scope.mod, node), v.origin),)),))
            resolved = self.ev.project.resolve_symbol(f"{base.qualname}.{node.attr}")
            if resolved is not None and resolved[1] is not None:
                self._dep(resolved[0].path)
                return self._name(resolved[1], Scope(resolved[0], None, 10**9), Ctx(depth=ctx.depth))
            return _opaque(f"`{_text(scope.mod, node)}` comes from outside the project")
        if base is None:
            return self._unresolved(node, scope, ctx)
        found = self._config_file_key(_key_path(node))   # on a field left None, set from the config files
        return found if found is not None else _opaque(f"`{_text(scope.mod, node)}` is not a string llmsight can follow")

    def _filled_at_run_time(self, cls: ClassInfo, mod: ModuleInfo, attr: str, built: Vals, reader: ModuleInfo,
                            ctx: Ctx) -> Vals:
        """A field the package's constructions can leave empty (`model: str | None = None`), read on an
        object known only by its class (a parameter annotated `cfg: GenConfig`): `built` (what they give)
        and the values the package writes into that field of such objects later (`cfg.model =
        config.app.planning_llm`); empty only if some construction leaving it so is not followed by a
        write in its function. Writes are looked for in the class's package and the `reader`'s (a shared
        package's class that the application fills in)."""
        if not built.unset or self._too_deep(ctx):
            return built
        writes = self._field_writes(cls, {self.state.top(mod), self.state.top(reader)}, attr)[:MAX_VALUES]
        inner = Ctx(depth=ctx.depth + 1)
        filled = _union(*(_tag(self._values(value, wscope, inner), "callers", Hop(
            f"{target}.{attr} = {_text(wscope.mod, value)}", _at(wscope.mod, value))) for target, value, wscope in writes))
        if not filled.cands:
            return built
        written = {(id(wscope.func), target) for target, _value, wscope in writes}
        left_empty = any(_keyword(call, attr) is None and (id(cscope.func), _assigned_name(call, cscope)) not in written
                         for call, cscope in self._constructions(cls, mod))
        merged = _union(built, filled)
        return replace(merged, unset=left_empty, why=merged.why if left_empty else None)

    def _field_writes(self, cls: ClassInfo, tops: set[Path], attr: str) -> list[tuple[str, ast.AST, Scope]]:
        """`name.attr = value` in the package's functions where `name` holds an object of `cls` (built
        there, or a parameter annotated with it): the name, the value and where it is written. Found once
        per process."""
        key = ("field-writes", id(cls.node), attr, tuple(sorted(tops)))
        if key in self.state.memo:
            out, paths, _node = self.state.memo[key]
            for path in paths:
                self._dep(path)
            return list(out)
        out: list[tuple[str, ast.AST, Scope]] = []
        literal = f".{attr}".encode()
        found = [f for top in sorted(tops) for f in self.index.search(top, literal, re.escape(literal) + rb"\s*=[^=]")]
        paths = []
        for path in found[:MAX_CALLER_FILES]:
            wmod = self.ev.project.load(path)
            if wmod is None:
                continue
            self._dep(wmod.path)
            paths.append(wmod.path)
            for fi in _functions_of(wmod):
                for name, writes in fi.subscripts.items():
                    for line, key, value in writes:
                        if not (isinstance(key, ast.Constant) and key.value == attr) or value is key:
                            continue
                        where = Scope(wmod, fi, line)
                        obj = self._object(ast.copy_location(ast.Name(name, ast.Load()), value), where)
                        if isinstance(obj, Instance) and obj.cls.node is cls.node:
                            out.append((name, value, where))
        self.state.memo[key] = (tuple(out), tuple(paths), cls.node)   # the node keeps its id unique
        return out

    def _widget_value(self, node: ast.AST, scope: Scope, ctx: Ctx) -> Vals | None:
        """The value an ipywidgets control bound to the name `node` shows until the user changes it (a
        notebook's model picker); None when the name's last binding before the read builds no control."""
        if not isinstance(node, ast.Name):
            return None
        func = scope.func
        while func is not None and node.id not in func.bindings:
            func = func.parent
        line = scope.line if func is scope.func else 10**9
        bound = next((b for b in reversed((func.bindings if func is not None else scope.mod.bindings).get(node.id, ()))
                      if b[0] < line), None)
        if bound is None or bound[2] != "assign" or not isinstance(bound[1], ast.Call):
            return None
        call, where = bound[1], Scope(scope.mod, func, bound[0])
        callee = self._callee(call, where)
        shown = notebook.widget_shown_value(callee.qualname, call) if isinstance(callee, Imported) else None
        if shown is None:
            return None
        return _tag(self._values(shown, where, ctx), "constant",
                    Hop(f"{node.id} = {_text(scope.mod, call)}", _at(scope.mod, call)))

    def _attribute_of_built(self, node: ast.Attribute, scope: Scope, ctx: Ctx) -> Vals | None:
        """`x.attr` where `x` holds objects of project classes built elsewhere (`self.config.model` with
        `self.config = config or make_config(…)`): the attribute of each object the constructions that
        reach `x` build, bound by their arguments; None when no construction is found."""
        parts = []
        for call, cscope, cctx in self._made_by(node.value, scope, ctx)[:MAX_VALUES]:
            ref = self._callee(call, cscope)
            if isinstance(ref, ClassRef):
                parts.append(_tag(self._instance_attr((ref.cls, ref.mod), node.attr, Ctx(
                    self_cls=(ref.cls, ref.mod), ctor=(call, cscope, cctx), depth=cctx.depth)), None,
                    Hop(f"{_text(scope.mod, node.value)} = {_text(cscope.mod, call)}", _at(cscope.mod, call))))
        return _branches(parts) if parts else None

    def _filled_in(self, node: ast.AST, scope: Scope, ctx: Ctx) -> Vals | None:
        """`self.config.model` (or `self.config["model"]`) when construction writes to it (`held_writes`): on
        the instance's class (for a base-class method, on its class and each subclass that runs it, as
        `_self_attr`), what the object's construction gives, then each write as it runs. None when no class
        involved writes it (one cached text search of the package decides for most reads)."""
        read = held_writes.held_read(node)
        method_cls = _self_class(read[0], scope) if read is not None else None
        if method_cls is None:
            return None
        path = read[1]  # type: ignore[index]
        literal, pattern = held_writes.write_search(path)
        mro = self._mro_of(method_cls, scope.mod)
        if not any(self.index.search(top, literal, pattern) for top in {self.state.top(m) for _c, m in mro}):
            return None
        if ctx.self_cls is not None and any(c.node is method_cls.node for c, _m in self._mro_of(*ctx.self_cls)):
            concretes = [ctx.self_cls]
        else:
            concretes = self._runners(method_cls, scope, ctx)
        writes = [[w for w in held_writes.construction_writes(self._mro_of(*c), path, self.state.memo)
                   if id(w.value) not in ctx.skip] for c in concretes]
        if not any(writes):
            return None
        parts = [self._after_writes(node, scope, c, found, path, ctx if c is ctx.self_cls else
                                    Ctx(self_cls=c, depth=ctx.depth, skip=ctx.skip))
                 for c, found in zip(concretes, writes)]
        own = parts[0]   # a subclass's value is one more the method sends, all of them when the class gives none
        if len(parts) == 1:
            return own
        return _union(own, *(_alternatives(p) if own.has_default else p for p in parts[1:]))

    def _after_writes(self, node: ast.AST, scope: Scope, concrete: tuple[ClassInfo, ModuleInfo],
                      writes: list[held_writes.Write], path: str, ctx: Ctx) -> Vals:
        """The value construction gives `node`, then each write in turn: one that always runs replaces it
        (its right side reads the value before it: `self.config.model = self.config.model or "m"`), a
        fill-in under `if not self.config.model:` is the value when the object's own can be None or is
        the user's (`**config`), any other conditional write one more value the code can send."""
        acc = self._values(node, scope, replace(ctx, skip=ctx.skip | {id(w.value) for w in writes}))
        for k, w in enumerate(writes):
            fi = w.mod.func_info(w.method, f"{w.owner.node.name}.{getattr(w.method, 'name', '')}", None, w.owner)
            inner = replace(ctx, skip=ctx.skip | {id(later.value) for later in writes[k:]})
            vals = _tag(self._values(w.value, Scope(w.mod, fi, w.line), inner),
                        "self-attr" if w.owner is concrete[0] else "base-class",
                        Hop(f"self.{path} = {_text(w.mod, w.value)}", f"{w.mod.path}:{w.line}"))
            # a value always written that names no model hides the object's own (the evaluator's too)
            acc = (vals if vals.cands else replace(vals, ruled_out=True)) if w.always else _later(acc, vals, w.fills_in)
        return acc

    def _made_by(self, node: ast.AST, scope: Scope, ctx: Ctx) -> list[tuple[ast.Call, Scope, Ctx]]:
        """The calls whose result `node` can hold, followed through names, `self.` attributes (every
        assignment in the class), `a or b`, parameters (the calls being followed, else the callers) and
        project functions' returns: the constructions of objects that reach an expression."""
        self._steps += 1
        if self._steps > MAX_STEPS:
            return []
        if isinstance(node, (ast.Await, ast.NamedExpr)):
            return self._made_by(node.value, scope, ctx)
        if isinstance(node, (ast.BoolOp, ast.IfExp)):
            parts = node.values if isinstance(node, ast.BoolOp) else [node.body, node.orelse]
            return [m for part in parts for m in self._made_by(part, scope, ctx)]
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):   # LangChain `prompt | llm | parser`
            return self._made_by(node.left, scope, ctx) + self._made_by(node.right, scope, ctx)
        if isinstance(node, ast.Call):
            callee = self._callee(node, scope)
            if isinstance(callee, ClassRef) or isinstance(callee, Imported) and self.ev.client_class(callee.qualname):
                return [(node, scope, ctx)]
            if isinstance(callee, FuncRef) and isinstance(callee.node, (ast.FunctionDef, ast.AsyncFunctionDef)) \
                    and id(callee.node) not in {fid for fid, *_rest in ctx.calls}:
                fi = callee.mod.func_info(callee.node, callee.qualname or callee.node.name, None, callee.cls)
                inner = replace(ctx, calls=((id(callee.node), node, scope, ctx),) + ctx.calls)
                return [m for ret in _returns(callee.node) for m in self._made_by(ret.value, Scope(callee.mod, fi, ret.lineno), inner)]
            return []
        if isinstance(node, ast.Attribute):
            cls = _self_class(node.value, scope)
            if cls is None:   # `self.computer.interpreter`: the attribute of each object `self.computer` holds
                return [m for call, cscope, cctx in self._made_by(node.value, scope, ctx)[:MAX_VALUES]
                        for ref in [self._callee(call, cscope)] if isinstance(ref, ClassRef)
                        for m in self._assigned_made_by((ref.cls, ref.mod), node.attr,
                                                        Ctx(self_cls=(ref.cls, ref.mod), ctor=(call, cscope, cctx),
                                                            depth=cctx.depth))]
            known = ctx.self_cls is not None and any(c.node is cls.node for c, _m in self._mro_of(*ctx.self_cls))
            # a base-class method runs on each subclass that does not override it
            return [m for concrete in ([ctx.self_cls] if known else self._runners(cls, scope, ctx))  # type: ignore[list-item]
                    for m in self._assigned_made_by(concrete, node.attr, Ctx(
                        self_cls=concrete, ctor=ctx.ctor if known else None, depth=ctx.depth), ctx.skip)]
        cls = _self_class(node, scope)
        if cls is not None:   # `Tool(self)` in a method: the object it runs on, as the package builds it
            if ctx.ctor is not None:
                return [ctx.ctor]
            concrete = ctx.self_cls or (cls, scope.mod)
            return [] if self._too_deep(ctx) else [
                (call, cscope, Ctx(depth=ctx.depth + 1)) for call, cscope in self._constructions(*concrete)]
        if isinstance(node, ast.Name):
            func, before = scope.func, scope.line
            while func is not None:
                bindings = func.bindings.get(node.id)
                # `config = config or Config()`: its right side reads the parameter, not itself
                if bindings and node.id in func.params:
                    bindings = [b for b in bindings if b[0] < before]
                # `if config is None: config = Config()`: what the callers pass, else that
                passed = self._made_by_param(node.id, func, scope.mod, ctx) if node.id in func.params and (
                    not bindings or all(_guards(func.blocks, value, node.id) for _l, value, _h in bindings)) else []
                if bindings:
                    return passed + [m for line, value, how in bindings if how in ("assign", "annassign")
                                     for m in self._made_by(value, Scope(scope.mod, func, line), ctx)]
                if node.id in func.params:
                    return passed
                func, before = func.parent, 10**9
            return self._made_by_global(node.id, scope.mod, ctx)
        return []

    def _assigned_made_by(self, concrete: tuple[ClassInfo, ModuleInfo], attr: str, inner: Ctx,
                          skip: frozenset[int] = frozenset()) -> list[tuple[ast.Call, Scope, Ctx]]:
        """The constructions the class's methods assign to `self.attr`, for an object of `concrete`."""
        out = []
        for c, cm in self._mro_of(*concrete):
            for method_name, assigns in _self_assignments(c, attr, skip).items():
                fi = cm.func_info(assigns[0][2], f"{c.node.name}.{method_name}", None, c)
                out += [m for line, value, _m in assigns for m in self._made_by(value, Scope(cm, fi, line), inner)]
        return out

    def _made_by_global(self, name: str, mod: ModuleInfo, ctx: Ctx, hops: int = 4) -> list[tuple[ast.Call, Scope, Ctx]]:
        """Constructions a module-level name holds (`WRITER = AgentSpec(…)`), also one imported from another
        project module (`from .agents import WRITER`)."""
        bindings = mod.bindings.get(name)
        if bindings:
            return [m for line, value, how in bindings if how in ("assign", "annassign")
                    for m in self._made_by(value, Scope(mod, None, line), ctx)]
        resolved = self.ev.project.resolve_symbol(mod.imports[name]) if name in mod.imports and hops else None
        if resolved is None or resolved[1] is None:
            return []
        self._dep(resolved[0].path)
        return self._made_by_global(resolved[1], resolved[0], ctx, hops - 1)

    def _made_by_param(self, name: str, func: FuncInfo, mod: ModuleInfo, ctx: Ctx) -> list[tuple[ast.Call, Scope, Ctx]]:
        """Constructions that reach a parameter: the arguments of the calls that bind it, and its default."""
        calls = [(call, cscope, cctx) for fid, call, cscope, cctx in ctx.calls if fid == id(func.node)]
        if not calls and getattr(func.node, "name", "") == "__init__" and func.cls is not None and ctx.self_cls is not None:
            calls = self._construction_calls(ctx.self_cls, func.cls, ctx)[0]
        elif not calls and not self._too_deep(ctx):
            calls = [(call, cscope, self._caller_ctx(func, call, cscope, ctx)) for call, cscope in self._callers_of(func, mod)]
        out = []
        for call, cscope, cctx in calls:
            arg = _argument_of(func, name, call)
            if isinstance(arg, ast.AST):
                out += self._made_by(arg, cscope, cctx)
        default = func.params.get(name, (None, None))[1]
        if default is not None:
            out += self._made_by(default, Scope(mod, func.parent, getattr(func.node, "lineno", 0)), ctx)
        return out

    def _class_attr(self, ref: ClassRef, attr: str, ctx: Ctx) -> Vals:
        for c, cm in self._mro_of(ref.cls, ref.mod):
            bindings = c.attrs.get(attr)
            if bindings:
                line, value, how = bindings[-1]
                if how not in ("assign", "annassign"):
                    break
                vals = self._field_default(value, Scope(cm, None, line), ctx)
                return _tag(vals, "config-default" if c is ref.cls else "base-class",
                            Hop(f"{c.node.name}.{attr} = {_text(cm, value)}", f"{cm.path}:{line}"))
        return _opaque(f"`{ref.cls.node.name}.{attr}` is not set in the class")

    def _unresolved(self, node: ast.AST, scope: Scope, ctx: Ctx) -> Vals:
        """An attribute or key of an object llmsight cannot see: an argparse option of that name, else the
        same key in the project's config files."""
        loaded = self._loaded_config(node, scope)
        if loaded is not None:
            return loaded
        path = _key_path(node)
        text = _text(scope.mod, node)
        dest = _parsed_dest(node, scope)
        if dest is not None:
            option = self._argparse_default(dest, scope, ctx)
            if option is not None:
                return option
        owner = annotated_class(node.value, scope.func) if isinstance(node, ast.Attribute) else None
        found = self._config_file_key(path, owner)
        return found if found is not None else _opaque(f"`{text}` is set at run time{self.config_files.unread_note()}")

    def _loaded_config(self, node: ast.AST, scope: Scope) -> Vals | None:
        """A key of a dict a project function loads from the package's data file (`config_reads`): the
        whole key path from the file's root, in the files the loader reads."""
        found = config_reads.loaded_key(self, node, scope, _self_class, _argument_of)
        return self._config_file_key(found[0], files=found[1]) if found is not None else None

    def _config_file_key(self, path: tuple[str, ...] | None, owner: str | None = None,
                         files: frozenset[str] = frozenset()) -> Vals | None:
        """The values the project's config files (those named `files`, when given) give the key path a
        settings object or loaded dict is read at (`ProjectConfig.key`), each file a candidate; None when
        they give none."""
        if not path:
            return None
        found = self.config_files.key(path, owner, anywhere=_names_model(path[-1]))
        if files:
            found = [v for v in found if os.path.basename(v.where.rsplit(":", 1)[0]) in files]
        if not found:
            return None
        self._depend_on_config(found)
        return Vals(tuple(Cand(v.value, "project-config-file", v.where, (Hop(f"{v.key} = {v.value}", v.where),),
                               default=i == 0) for i, v in enumerate(found)))

    def _argparse_default(self, dest: str, scope: Scope, ctx: Ctx) -> Vals | None:
        """`args.model` of `parser.add_argument("--model", default=…)` in this package."""
        found = self._argparse_option(dest, scope)
        if found is None:
            return None
        call, cscope = found
        default = _keyword(call, "default")
        hop = Hop(_text(cscope.mod, call), _at(cscope.mod, call))
        if default is None:
            return _opaque(f"option `{(_option_names(call) or [dest])[0]}` has no default")
        vals = _tag(self._values(default, cscope, Ctx(depth=ctx.depth)), "cli-default", hop)
        choices = _keyword(call, "choices")
        if isinstance(choices, (ast.List, ast.Tuple)):
            vals = _union(vals, _alternatives(_tag(_union(*(self._values(e, cscope, ctx) for e in choices.elts)),
                                                   "cli-default", hop)))
        return vals

    def _argparse_option(self, dest: str, scope: Scope) -> tuple[ast.Call, Scope] | None:
        """The `add_argument(…)` call in this package, nearest `scope` first, that binds `dest`."""
        top = self.state.top(scope.mod)
        flag = ("--" + dest.replace("_", "-")).encode()
        pattern = rb"add_argument\([^)]*(?:" + re.escape(flag) + rb"|" + re.escape(("--" + dest).encode()) + \
            rb"|dest\s*=\s*['\"]" + dest.encode() + rb"['\"])"
        here = Path(scope.mod.path).parts
        nearest_first = sorted(self.index.search(top, b"add_argument", pattern), key=lambda f: -_shared_prefix(f.relative_to(
            self.ev.project.root).parts if f.is_relative_to(self.ev.project.root) else f.parts, here))
        for path in nearest_first:
            amod = self.ev.project.load(path)
            if amod is None:
                continue
            for call, cfunc in amod.calls_named("add_argument"):
                explicit = _keyword(call, "dest")
                explicit = explicit.value if isinstance(explicit, ast.Constant) else None
                if (explicit or _option_dest(_option_names(call))) == dest:
                    self._dep(amod.path)
                    return call, Scope(amod, cfunc, call.lineno)
        return None

    def option_default(self, node: ast.AST, scope: Scope) -> tuple[ast.AST, Scope] | None:
        """Where the default of the command-line option `node` reads is written: `args.max_tokens` or
        `vars(args)["max_tokens"]` of `add_argument("--max-tokens", default=256)` in the package, or a
        parameter of a click command or a typer option. Discovery reads the numeric settings the evaluator
        cannot see through it (an output cap, a timeout); None when `node` reads no such option."""
        self._steps = 0
        self._active.clear()
        func = scope.func
        if isinstance(node, ast.Name) and func is not None and node.id in func.params and node.id not in func.bindings:
            fscope = Scope(scope.mod, func.parent, getattr(func.node, "lineno", 0))
            deco = _click_option(func.node, node.id)
            if deco is not None:
                default = _keyword(deco, "default")
                return (default, fscope) if default is not None else None
            annotation, default = func.params[node.id]
            option = _typer_option(annotation, default)
            cli = None if option is None else _cli_call_default(option) if option is default else default
            return None if cli is None or cli is _ELLIPSIS else (cli, fscope)
        dest = _parsed_dest(node, scope)
        if dest is None or isinstance(node, ast.Attribute) and self._object(node.value, scope) is not None:
            return None
        found = self._argparse_option(dest, scope)
        default = _keyword(found[0], "default") if found is not None else None
        return (default, found[1]) if default is not None else None

    # ---- calls and subscripts ------------------------------------------------------------------------------
    def _call(self, node: ast.Call, scope: Scope, ctx: Ctx) -> Vals:
        f = node.func
        if isinstance(f, ast.Name) and f.id == "getattr" and len(node.args) >= 2:
            attr = node.args[1]
            found = Vals()
            if isinstance(attr, ast.Constant) and isinstance(attr.value, str):
                synthetic = ast.Attribute(value=node.args[0], attr=attr.value, ctx=ast.Load())
                ast.copy_location(synthetic, node)
                found = self._attribute(synthetic, scope, ctx)
            if len(node.args) >= 3:
                default = _tag(self._values(node.args[2], scope, ctx), "env-default", Hop(_text(scope.mod, node), _at(scope.mod, node)))
                return _or(found if found.cands else replace(found, unset=True), default)
            return found
        if isinstance(f, ast.Name) and f.id == "str" and len(node.args) == 1:
            return self._values(node.args[0], scope, ctx)
        callee = self._callee(node, scope)
        if isinstance(callee, Imported) and is_env_read(callee.qualname):
            return self._env_values_of(node.args[0] if node.args else None, env_read_default(callee.qualname, node),
                                       scope, ctx)
        if isinstance(callee, FuncRef):
            return self._returned(self._dispatched(callee, node, scope, ctx), node, ctx, scope)
        picked = setter_flow.picked_from(node, callee)
        if picked is not None:
            return self._picked(*picked, scope, ctx)
        if isinstance(f, ast.Attribute):
            if f.attr in _STR_METHODS:
                return self._str_method(f, node, scope, ctx)
            if f.attr == "get":
                filled = self._filled_in(node, scope, ctx)
                if filled is not None:
                    return filled
            if f.attr in ("get", "pop", "setdefault") and node.args:
                default = node.args[1] if len(node.args) > 1 else next(
                    (kw.value for kw in node.keywords if kw.arg == "default"), None)
                return self._mapping_get(f.value, node.args[0], default, node, scope, ctx)
        return _opaque(f"`{_text(scope.mod, node)}` is computed at run time")

    def _dispatched(self, fr: FuncRef, call: ast.Call, scope: Scope, ctx: Ctx) -> FuncRef:
        """`self.m(…)` on an instance of a subclass runs the subclass's override (`if not self.config.model:
        self.config.model = self._default_model()` in a base `__init__`, each provider overriding it)."""
        f = call.func
        owner = _self_class(f.value, scope) if isinstance(f, ast.Attribute) else None
        if owner is None or ctx.self_cls is None:
            return fr
        mro = self._mro_of(*ctx.self_cls)
        if not any(c.node is owner.node for c, _m in mro):
            return fr
        for c, cm in mro:
            method = c.methods.get(f.attr)  # type: ignore[union-attr]
            if method is not None:
                return fr if method is fr.node else FuncRef(method, cm, c, f"{c.node.name}.{f.attr}")  # type: ignore[union-attr]
        return fr

    def _returned(self, fr: FuncRef, call: ast.Call | None, ctx: Ctx, scope: Scope | None = None,
                  item: int | None = None) -> Vals:
        """What a project function returns (item `item` of the tuples it returns, when given), its
        parameters bound to this call's arguments; a method called on `self` keeps the concrete class,
        one called on an instance takes that instance's."""
        node = fr.node
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return _opaque("a lambda")
        cls = fr.cls or fr.mod.class_of_method(node)
        inner = Ctx(depth=ctx.depth)
        if cls is not None:
            receiver = call.func.value if call is not None and isinstance(call.func, ast.Attribute) else None
            own = _self_class(receiver, scope) if receiver is not None and scope is not None else None
            if receiver is None or own is not None:
                # `self.helper()` in a subclass's method: the helper's own `self.` calls run the subclass's
                # overrides (a base's `return self._default_model()` reaches each subclass's literal)
                receiving = (own, scope.mod) if own is not None and scope is not None else (cls, fr.mod)
                inner = Ctx(self_cls=ctx.self_cls or receiving, ctor=ctx.ctor, calls=ctx.calls, depth=ctx.depth)
            elif scope is not None:
                obj = self._object(receiver, scope)
                if isinstance(obj, Instance):
                    ctor = (obj.ctor[0], obj.ctor[1], Ctx(depth=ctx.depth)) if obj.ctor else None
                    inner = Ctx(self_cls=(obj.cls, obj.mod), ctor=ctor, depth=ctx.depth)
        if call is not None and scope is not None:
            if not has_parameters(node):
                # the call binds nothing: every call of it is bound as the first one, so the memo serves them all
                _n, call, scope, _c = self.state.first_call.setdefault((id(node), ctx.key), (node, call, scope, ctx))
            inner = replace(inner, calls=((id(node), call, scope, ctx),) + inner.calls)
        fi = fr.mod.func_info(node, fr.qualname or node.name, None, cls)
        parts = []
        for ret in _returns(node):
            returned = ret.value
            if item is not None:
                if isinstance(returned, ast.BinOp) and isinstance(returned.op, ast.Add) \
                        and setter_flow.collection_items(returned.left) and 0 <= item < len(returned.left.elts):
                    returned = returned.left   # `([model] + fallbacks)[0]`: the literal list's item
                elts = returned.elts if isinstance(returned, (ast.Tuple, ast.List)) else ()
                if not -len(elts) <= item < len(elts) or any(isinstance(e, ast.Starred) for e in elts):
                    parts.append(_opaque(f"`{fi.qualname}` returns `{_text(fr.mod, returned)}`, not a tuple"))
                    continue
                returned = elts[item]
            vals = self._values(returned, Scope(fr.mod, fi, ret.lineno), inner)
            if isinstance(returned, (ast.Name, ast.Attribute)) and vals.cands \
                    and ast.dump(returned) in self._dispatched_on(node):
                # `if model.startswith("azure/"): return c, model[6:]` … `else: return c, model`: the models
                # the tests around this return admit; none when every known one takes another branch (not
                # the guard's own literals: the dispatch is followed for the models that reach it)
                narrowed = self._narrow(returned, Scope(fr.mod, fi, ret.lineno), vals)
                known = {c.value for c in vals.cands}
                if not any(c.value in known for c in narrowed.cands):
                    continue
                vals = replace(narrowed, cands=tuple(c for c in narrowed.cands if c.value in known))
            parts.append(_tag(vals, None, Hop(f"return {_text(fr.mod, ret.value)}", _at(fr.mod, ret))))
        if not parts:
            return _opaque(f"`{fi.qualname}` returns nothing llmsight can read")
        out = _union(*parts)
        return replace(out, unset=out.unset and not out.has_default)

    def _dispatched_on(self, func: ast.FunctionDef | ast.AsyncFunctionDef) -> frozenset[str]:
        """The expressions (as `ast.dump`) a function dispatches its returns on: tested around two of its
        returns or more (`if model.startswith("azure/"): return … elif model.startswith("openai/"): return …
        else: return …`)."""
        key = ("dispatch", id(func))
        found = self.state.memo.get(key)
        if found is None:
            counts: dict[str, int] = {}
            for ret in _returns(func):
                for subject in {ast.dump(c.subject) for test, holds in tests_around(func.body, ret)
                                for c in comparisons(test, holds)}:
                    counts[subject] = counts.get(subject, 0) + 1
            found = self.state.memo[key] = (frozenset(s for s, n in counts.items() if n > 1), func)  # func keeps its id
        return found[0]

    def _str_method(self, f: ast.Attribute, node: ast.Call, scope: Scope, ctx: Ctx) -> Vals:
        args = []
        for a in node.args:
            if not (isinstance(a, ast.Constant) and isinstance(a.value, str)):
                return _opaque(f"`{_text(scope.mod, node)}` is computed at run time")
            args.append(a.value)
        vals = self._values(f.value, scope, ctx)
        try:
            cands = tuple(replace(c, value=getattr(c.value, f.attr)(*args)) for c in vals.cands)
        except (TypeError, ValueError):
            return _opaque(f"`{_text(scope.mod, node)}` is computed at run time")
        return replace(vals, cands=tuple(c for c in cands if c.value))

    def _mapping_get(self, base_node: ast.AST, key_node: ast.AST, default_node: ast.AST | None, node: ast.AST,
                     scope: Scope, ctx: Ctx) -> Vals:
        """`d.get("k", default)`: the dict's entry when the dict is known, else the default, or the key in
        the project's config files; `super().get(k)` in a dict subclass reads the constructor's keywords."""
        default = Vals(unset=True, why=f"`{_text(scope.mod, node)}` is None unless set") if default_node is None else \
            _tag(self._values(default_node, scope, ctx), "env-default", Hop(_text(scope.mod, node), _at(scope.mod, node)))
        mapping = self._mapping(base_node, scope, ctx)
        keys = self._values(key_node, scope, ctx)
        if mapping is not None:
            if not keys.cands and default_node is not None and not default.cands:
                # `ALIASES.get(name, name)` with a name known only at run time passes most names through
                return _opaque(f"`{_text(scope.mod, node)}` depends on a key known only at run time")
            found = self._lookup(mapping, key_node, scope, ctx)
            if found is not None:
                return _or(found, default) if keys.cands else _union(default, _alternatives(found))
        # a dict without the key may be only the fallback (`self.config = config or {}`): the dict a caller
        # passes, or the data file it is loaded from, may hold it
        loaded = self._loaded_config(node, scope)
        if loaded is not None:
            return _or(loaded, default)
        passed = self._param_key(base_node, key_node, scope, ctx)
        if passed is not None and passed.cands:
            return _or(passed, default)
        if default.cands or mapping is not None:
            return default
        if keys.cands and len(keys.cands) == 1:
            found = self._config_file_key((_key_path(base_node) or ()) + (keys.cands[0].value,))
            if found is not None:
                return found
        return replace(default, opaque=True, why=default.why or f"`{_text(scope.mod, node)}` is set at run time")

    def _mapping(self, base_node: ast.AST, scope: Scope, ctx: Ctx) -> DictVal | None:
        if isinstance(base_node, ast.Call) and isinstance(base_node.func, ast.Name) and base_node.func.id == "super" \
                and ctx.ctor is not None:
            return DictVal(ctx.ctor[0], ctx.ctor[1])
        obj = self._object(base_node, scope)
        if isinstance(obj, DictVal):
            return obj
        if isinstance(obj, Instance) and obj.ctor is not None and any(
                _text(m, b) in ("dict", "Dict", "UserDict") for c, m in self._mro_of(obj.cls, obj.mod) for b in c.node.bases):
            return DictVal(obj.ctor[0], obj.ctor[1])
        return None

    def _lookup(self, mapping: DictVal, key_node: ast.AST, scope: Scope, ctx: Ctx) -> Vals | None:
        """`table[key]`: the entry of each key the key can be; every entry when the key is unknown (an
        alias table); None when the table does not hold the key."""
        keys = self._values(key_node, scope, ctx)
        items = self._items(mapping)
        taken = self._tables.reading(frozenset(items)) if self._tables is not None else None
        if taken is not None:   # read at the keys that build the class being followed
            keys = Vals(tuple(Cand(k, "alias-table", _at(scope.mod, key_node)) for k in sorted(taken)))
        if keys.cands:
            parts = []
            for k in keys.cands:
                item = items.get(k.value)
                if item is not None:
                    vals = _tag(self._values(item[0], item[1], ctx), "alias-table" if k.reach != "literal" else None,
                                Hop(f"[{k.value!r}] -> {_text(item[1].mod, item[0])}", _at(item[1].mod, item[0])))
                    parts.append(vals if k.default else _alternatives(vals))
            return _union(*parts) if parts else None
        if not items:
            return None
        parts = [_tag(self._values(v, s, ctx), "alias-table", Hop(f"[{k!r}] -> {_text(s.mod, v)}", _at(s.mod, v)))
                 for k, (v, s) in list(items.items())[:MAX_VALUES]]
        return _branches(parts)

    def _subscript(self, node: ast.Subscript, scope: Scope, ctx: Ctx) -> Vals:
        filled = self._filled_in(node, scope, ctx)
        if filled is not None:
            return filled
        value = node.value
        index = _int_of(node.slice)
        split, sscope = (self._split_bound(value, scope) or (value, scope)) if index is not None else (value, scope)
        # "provider/model".split("/")[1], or `parts = name.split("/", 1)` then `parts[1]`
        if isinstance(split, ast.Call) and isinstance(split.func, ast.Attribute) and split.func.attr in _SPLIT_METHODS \
                and index is not None:
            args = [a.value for a in split.args if isinstance(a, ast.Constant) and isinstance(a.value, (str, int))]
            if len(args) == len(split.args) and not split.keywords:
                vals = self._narrow(split.func.value, sscope, self._values(split.func.value, sscope, ctx))
                out = []
                for c in vals.cands:
                    parts = getattr(c.value, split.func.attr)(*args)
                    if -len(parts) <= index < len(parts) and parts[index]:
                        out.append(replace(c, value=parts[index]))
                return _tag(replace(vals, cands=tuple(out)), None, None if split is value else
                            Hop(f"{_text(scope.mod, value)} = {_text(sscope.mod, split)}", _at(sscope.mod, split)))
        if isinstance(node.slice, ast.Slice):   # `model[len("azure/"):]`: the same slice of each string
            bounds = [None if b is None else _int_of(b) for b in (node.slice.lower, node.slice.upper, node.slice.step)]
            given = [b for b in (node.slice.lower, node.slice.upper, node.slice.step) if b is not None]
            if sum(b is not None for b in bounds) == len(given) and bounds[2] != 0:
                # narrowed by the test around it (`if model.startswith("azure/"): model = model[6:]`)
                vals = self._narrow(value, scope, self._values(value, scope, ctx))
                cut = slice(*bounds)
                return replace(vals, cands=tuple(replace(c, value=c.value[cut]) for c in vals.cands if c.value[cut]))
        if isinstance(value, ast.Call) and isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, int):
            callee = self._callee(value, scope)
            if isinstance(callee, FuncRef):   # `parse(...)[0]`: that item of each tuple the function returns
                return self._returned(callee, value, ctx, scope, item=node.slice.value)
        base = self._object(value, scope)
        if isinstance(base, Imported) and base.qualname in ("os.environ", "environ"):
            return self._env_values_of(node.slice, None, scope, ctx)
        mapping = self._mapping(value, scope, ctx)
        if mapping is not None:
            found = self._lookup(mapping, node.slice, scope, ctx)
            return found if found is not None else _opaque(f"`{_text(scope.mod, node)}` is not in the table")
        if isinstance(base, ListVal) and isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, int):
            elts = getattr(base.node, "elts", [])
            if -len(elts) <= node.slice.value < len(elts):
                return self._values(elts[node.slice.value], base.scope, ctx)
        item = self._item_of(value, scope, ctx, index) if index is not None else None
        if item is not None:   # `names[0]` of a list known by its items
            return item
        if base is None:
            passed = self._param_key(value, node.slice, scope, ctx)
            return passed if passed is not None and passed.cands else self._unresolved(node, scope, ctx)
        return _opaque(f"`{_text(scope.mod, node)}` is set at run time")

    @staticmethod
    def _split_bound(name: ast.AST, scope: Scope) -> tuple[ast.Call, Scope] | None:
        """The `x.split(…)` call a local name was last bound to before `scope.line`, when it was."""
        if not isinstance(name, ast.Name) or scope.func is None:
            return None
        before = [b for b in scope.func.bindings.get(name.id, ()) if b[0] < scope.line]
        if not before or before[-1][2] != "assign":
            return None
        line, value, _how = before[-1]
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr in _SPLIT_METHODS:
            return value, Scope(scope.mod, scope.func, line)
        return None

    def _param_key(self, base: ast.AST, key: ast.AST, scope: Scope, ctx: Ctx) -> Vals | None:
        """`params["model"]` on a mapping the evaluator does not know (a parameter, a `**kwargs`, a dict
        held in `self.`): what `_splat` finds under that key; None for a key that is not a literal."""
        if not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
            return None
        return self._splat(base, scope, (key.value,), ctx)

    # ---- environment ------------------------------------------------------------------------------------
    def _env_values_of(self, name_node: ast.AST | None, default_node: ast.AST | None, scope: Scope, ctx: Ctx) -> Vals:
        names = self._values(name_node, scope, ctx) if name_node is not None else Vals()
        name = names.cands[0].value if len(names.cands) == 1 else None
        # what the module sets before the read runs: all its top-level statements for a read in a function
        sets = [s for s in _env_sets(scope.mod).get(name or "", ()) if scope.func is not None or s[0] < scope.line]
        assigned = [s for s in sets if s[1]]
        if assigned:   # `os.environ["M"] = v` / `%env M=v`: the last one is what the read gets
            line, _, value = assigned[-1]
            return _tag(self._values(value, Scope(scope.mod, None, line), ctx), "env-default",
                        Hop(f"${name} set to {_text(scope.mod, value)}", _at(scope.mod, value)))
        default_scope = scope
        if default_node is None and sets:   # `os.environ.setdefault("M", v)` earlier: v unless the environment has M
            default_node, default_scope = sets[-1][2], Scope(scope.mod, None, sets[-1][0])
        default = Vals(unset=True) if default_node is None else _tag(
            self._values(default_node, default_scope, ctx), "env-default",
            Hop(f"${name or '?'} (default {_text(scope.mod, default_node)})", _at(scope.mod, default_node)))
        if name is None:
            return default if default.cands else _opaque("an environment variable whose name is computed")
        from_files = self._env_values(name)
        if default.cands:
            return _union(default, _alternatives(from_files))
        if from_files.cands:
            return from_files
        return replace(default, why=f"environment variable `{name}` has no default in the code or the project's config files")

    def _env_values(self, name: str) -> Vals:
        found = self.config_files.env(name)
        self._depend_on_config(found)
        return Vals(tuple(Cand(v.value, "project-config-file", v.where, (Hop(f"{name}={v.value}", v.where),), i == 0)
                          for i, v in enumerate(found)), unset=not found)

    def _depend_on_config(self, found: Iterable) -> None:
        for v in found:
            self._dep(v.where.rsplit(":", 1)[0])

    def _object(self, node: ast.AST, scope: Scope):
        """The single value the evaluator gives (an instance, class, dict, module…), within a budget."""
        return self._evaluate(self.ev.eval, node, scope, default=None)

    def _items(self, d: DictVal) -> dict[str, tuple[ast.AST, Scope]]:
        return self._evaluate(self.ev.dict_items, d, default={})

    def _evaluate(self, fn, *args, default):
        """`fn(*args)` on the evaluator, bounded, with every file it reads recorded as a dependency."""
        outer, self.ev.deps = self.ev.deps, set()
        try:
            with self.ev.bounded(EVAL_BUDGET):
                return fn(*args)
        except RecursionError:
            return default
        finally:
            read, self.ev.deps = self.ev.deps, outer
            for path in read:
                self._dep(path)


# ---- helpers ---------------------------------------------------------------------------------------------

_ENV_MAGICS = ("env", "set_env")


def _env_sets(mod: ModuleInfo) -> dict[str, list[tuple[int, bool, ast.AST]]]:
    """Environment variables the module's top-level statements set, each as (line, whether it overrides
    the environment, value) in line order: `os.environ["M"] = v` and a notebook's `%env M=v` / `%env M v`
    (IPython's `get_ipython().run_line_magic("env", "M=v")`) override it, `os.environ.setdefault("M", v)`
    only fills it in. Computed once per module."""
    found = _ENV_SETS.get(id(mod.tree))
    if found is not None and found[0] is mod.tree:
        return found[1]
    sets: dict[str, list[tuple[int, bool, ast.AST]]] = {}
    stack = list(reversed(mod.tree.body))
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Assign):
            for t in node.targets:
                if isinstance(t, ast.Subscript) and _is_environ(t.value, mod) and isinstance(t.slice, ast.Constant) \
                        and isinstance(t.slice.value, str):
                    sets.setdefault(t.slice.value, []).append((node.lineno, True, node.value))
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call) and isinstance(node.value.func, ast.Attribute):
            call, func = node.value, node.value.func
            args = [a.value for a in call.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
            if func.attr == "setdefault" and _is_environ(func.value, mod) and len(call.args) == 2 and args[:1]:
                sets.setdefault(args[0], []).append((node.lineno, False, call.args[1]))
            elif func.attr == "run_line_magic" and len(args) == 2 and args[0] in _ENV_MAGICS:
                key, eq, value = args[1].partition("=") if "=" in args[1] else args[1].partition(" ")
                if eq and key.strip() and value.strip():
                    sets.setdefault(key.strip(), []).append(
                        (node.lineno, True, ast.copy_location(ast.Constant(value.strip()), call)))
        elif isinstance(node, (ast.If, ast.With, ast.AsyncWith, ast.Try)) or type(node).__name__ == "TryStar":
            for block in ("body", "orelse", "finalbody"):
                stack.extend(reversed(getattr(node, block, [])))
            for handler in getattr(node, "handlers", []):
                stack.extend(reversed(handler.body))
    sets = {k: sorted(v, key=lambda s: s[0]) for k, v in sets.items()}
    if len(_ENV_SETS) > 512:
        _ENV_SETS.clear()
    _ENV_SETS[id(mod.tree)] = (mod.tree, sets)
    return sets


_ENV_SETS: dict[int, tuple[ast.Module, dict[str, list[tuple[int, bool, ast.AST]]]]] = {}


def _is_environ(node: ast.AST, mod: ModuleInfo) -> bool:
    """`os.environ` (or `environ` imported from os)."""
    if isinstance(node, ast.Attribute) and node.attr == "environ" and isinstance(node.value, ast.Name):
        return mod.imports.get(node.value.id) == "os"
    return isinstance(node, ast.Name) and mod.imports.get(node.id) == "os.environ"

_STARRED = object()
_ELLIPSIS = object()


def _at(mod: ModuleInfo, node: ast.AST) -> str:
    return f"{mod.path}:{getattr(node, 'lineno', 0)}"


def _text(mod: ModuleInfo, node: ast.AST) -> str:
    text = " ".join(mod.segment(node).split()) if hasattr(node, "lineno") else ""
    return text if len(text) <= 80 else text[:77] + "..."


def _callee_text(mod: ModuleInfo, call: ast.Call) -> str:
    return _text(mod, call.func)


def _guards(blocks: dict, value: ast.AST, name: str) -> bool:
    """The assignment of `value` sits in an `if not name:` (or `is None`, or an `and` of such tests) branch."""
    levels = blocks.get(id(value), ())
    return bool(levels) and name in levels[-1][4]


def _int_of(node: ast.AST) -> int | None:
    """A literal integer index or bound: `1`, `-1`, `len("azure/")`."""
    if isinstance(node, ast.Constant) and isinstance(node.value, int) and not isinstance(node.value, bool):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        inner = _int_of(node.operand)
        return -inner if inner is not None else None
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "len" and len(node.args) == 1 \
            and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
        return len(node.args[0].value)
    return None


def _stated_default(node: ast.AST, scope: Scope) -> bool:
    """A literal or a module-level name (`DEFAULT_MODEL`): a default the code states, not another setting."""
    if isinstance(node, ast.Constant):
        return True
    func = scope.func
    while isinstance(node, ast.Name) and func is not None:
        if node.id in func.params or node.id in func.bindings:
            return False
        func = func.parent
    return isinstance(node, ast.Name)


def _statement_at(body: list[ast.stmt], line: int) -> tuple[list[ast.stmt], ast.stmt] | None:
    """The innermost statement spanning `line`, with the block it sits in."""
    for stmt in body:
        if stmt.lineno <= line <= (stmt.end_lineno or stmt.lineno):
            for field in ("body", "orelse", "finalbody"):
                inner = getattr(stmt, field, None)
                found = _statement_at(inner, line) if isinstance(inner, list) and inner and isinstance(inner[0], ast.stmt) else None
                if found is not None:
                    return found
            return body, stmt
    return None


def _loop_at(body: list[ast.stmt], line: int) -> ast.For | ast.AsyncFor | None:
    """The `for` statement of this scope that starts on `line`."""
    for stmt in body:
        if not stmt.lineno <= line <= (stmt.end_lineno or stmt.lineno) \
                or isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        if isinstance(stmt, (ast.For, ast.AsyncFor)) and stmt.lineno == line:
            return stmt
        blocks = [getattr(stmt, f, None) for f in ("body", "orelse", "finalbody")] + [
            h.body for h in getattr(stmt, "handlers", ())] + [c.body for c in getattr(stmt, "cases", ())]
        for block in blocks:
            found = _loop_at(block, line) if isinstance(block, list) else None
            if found is not None:
                return found
    return None


def _part(item: ast.AST, path: tuple[int, ...]) -> ast.AST | None:
    """The element of a literal (nested) tuple at `path`; None when the item is no such literal."""
    for index in path:
        if not isinstance(item, (ast.Tuple, ast.List)) or len(item.elts) <= index                 or any(isinstance(e, ast.Starred) for e in item.elts):
            return None
        item = item.elts[index]
    return item


def _target_path(target: ast.AST, name: str) -> tuple[int, ...] | None:
    """The item indexes leading to `name` in an unpacking target (`i, (model, dep)`: model is (1, 0))."""
    if isinstance(target, ast.Name):
        return () if target.id == name else None
    if isinstance(target, (ast.Tuple, ast.List)) and not any(isinstance(e, ast.Starred) for e in target.elts):
        for i, elt in enumerate(target.elts):
            found = _target_path(elt, name)
            if found is not None:
                return (i, *found)
    return None


def _field_read(node: ast.AST, scope: Scope) -> tuple[str, str] | None:
    """(the object's text, the field) a read names: `s.model`, or a local the function binds once to it
    (`model = s.model`, `provider, model = s.provider, s.model`)."""
    if isinstance(node, ast.Name) and scope.func is not None and node.id not in scope.func.params:
        bound = scope.func.bindings.get(node.id, ())
        node = bound[0][1] if len(bound) == 1 and bound[0][2] == "assign" else node
    return (_text(scope.mod, node.value), node.attr) if isinstance(node, ast.Attribute) else None


def _tuple_part(node: ast.AST, scope: Scope) -> tuple[object, int] | None:
    """(the tuple read, the index) when `node` is one item of a tuple: `route[1]` (a name), or a local the
    function binds once by unpacking (`provider, model = ROUTES[kind]`: `model` is item 1 of that read)."""
    if isinstance(node, ast.Name) and scope.func is not None and node.id not in scope.func.params:
        bound = scope.func.bindings.get(node.id, ())
        value = bound[0][1] if len(bound) == 1 and bound[0][2] == "unpack" else None
        if isinstance(value, ast.Name):   # `for provider, model in PAIRS:`
            loop = _loop_at(getattr(scope.func.node, "body", []), bound[0][0])
            path = _target_path(loop.target, node.id) if loop is not None else None
            return (id(loop), path[0]) if path is not None and len(path) == 1 else None
        node = value if value is not None else node
    if not (isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant)
            and type(node.slice.value) is int and node.slice.value >= 0):
        return None
    base = node.value
    return (("name", base.id) if isinstance(base, ast.Name) else id(base)), node.slice.value


def _admitted_by_partner(cands: tuple[Cand, ...], guards: list, partner_of) -> list[Cand]:
    """The candidates whose partner (`partner_of(cand, key)`: the provider written with the model, None when
    unknown) every guard `(comparison, key, members)` admits; each partner is looked up once per candidate,
    not once per guard (a read under hundreds of `if provider == …: raise` walked its table per test)."""
    kept = []
    for cand in cands:
        partners = {key: partner_of(cand, key) for key in dict.fromkeys(key for _g, key, _m in guards)}
        if all(partners[key] is None or admits(g, partners[key], members) for g, key, members in guards):
            kept.append(cand)
    return kept


def _literal_members(node: ast.AST) -> frozenset[str] | None:
    """The strings of a literal tuple, list or set of strings (`("ollama", "local")`)."""
    elts = node.elts if isinstance(node, (ast.Tuple, ast.List, ast.Set)) else None
    if not elts or not all(isinstance(e, ast.Constant) and isinstance(e.value, str) for e in elts):
        return None
    return frozenset(e.value for e in elts)   # type: ignore[attr-defined]


def _instance_of_class(node: ast.AST) -> ast.AST:
    """`x` for `type(x)` and `x.__class__`, whose attributes are the class attributes `x` reads; else `node`."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "type" \
            and len(node.args) == 1 and not node.keywords:
        return node.args[0]
    if isinstance(node, ast.Attribute) and node.attr == "__class__":
        return node.value
    return node


def _class_body_binding(scope: Scope, name: str) -> list | None:
    """The bindings of `name` in the body of the class whose statement `scope` reads at, made before it:
    a class body sees its own earlier names first (its methods do not)."""
    for cls in scope.mod.classes.values():
        node = cls.node
        if name in cls.attrs and node.lineno < scope.line <= (node.end_lineno or node.lineno):
            earlier = [b for b in cls.attrs[name] if b[0] < scope.line]
            return earlier or None
    return None


def _target_name(node: ast.AST) -> str | None:
    return node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else None


def _assigned(stmt: ast.stmt) -> tuple[str | None, ast.AST | None]:
    """(the name or attribute one plain assignment binds, its value): `provider: str = "x"`, `self.provider = "x"`."""
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
        return _target_name(stmt.targets[0]), stmt.value
    if isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
        return _target_name(stmt.target), stmt.value
    return None, None


def _names_ref(node: ast.AST, name: str) -> bool:
    """`name` or `x.name` (a function handed on, not called)."""
    return isinstance(node, ast.Name) and node.id == name or isinstance(node, ast.Attribute) and node.attr == name


def _binds_to(call: ast.Call, scope: Scope, name: str) -> bool:
    """`fn(…)` where the calling function binds the local `fn` to `name`, alone or as one branch of an
    `if`/`or` (`fn = cached_completion if cache else completion`)."""
    if not isinstance(call.func, ast.Name) or scope.func is None:
        return False
    return any(how == "assign" and any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(value))
               and not any(isinstance(n, ast.Call) for n in ast.walk(value))
               for _line, value, how in scope.func.bindings.get(call.func.id, ()))


# after a name: `name as alias`, or `name` ending a line (its `if`, a comment)
_WRITTEN_TAIL = re.compile(rb"(?:[ \t]+as[ \t]+(\w+)|(?=[ \t]+if[ \t])|[ \t]*(?:#[^\n]*)?$)", re.M)


def _written_at(text: bytes, name: bytes) -> Iterator[tuple[int, re.Match[bytes]]]:
    """Where `name` followed by `_WRITTEN_TAIL` is written, and that tail's match (its group 1 the alias), as
    `finditer` of `name + tail` finds them (no overlaps): each place `name` is found (`bytes.find`, in C)
    tried in turn, with one expression for every name rather than one compiled per name."""
    i = text.find(name)
    while i != -1:
        m = _WRITTEN_TAIL.match(text, i + len(name))
        if m:
            yield i, m
        i = text.find(name, m.end() if m else i + 1)


def _word_byte(text: bytes, i: int) -> bool:
    """Whether `text[i]` is part of an identifier (False outside the text)."""
    return 0 <= i < len(text) and (text[i:i + 1].isalnum() or text[i] == 95)


def _logical_head(text: bytes, start: int, i: int) -> bytes:
    """The text before offset `i` on its line; when that holds no `=` and the line before opens a
    parenthesis (a formatter wraps `fn = (\n    cached if cache else plain\n)`), that line's head joined
    to it. One line back only."""
    before = text[start:i]
    if b"=" in before or start < 2:
        return before
    previous = text[text.rfind(b"\n", 0, start - 1) + 1:start - 1].rstrip()
    return previous[:-1] + b" " + before.lstrip() if previous.endswith(b"(") else before


def _names_model(key: str) -> bool:
    """A key or attribute that holds a model setting (`model`, `llm_name`, `deployment`, `engine`)."""
    key = key.lower()
    return any(word in key for word in ("model", "llm", "deployment", "engine"))


def _tests_itself(test: ast.AST, body: ast.AST) -> bool:
    """`x if x else D`, also `x.split("/")[-1] if x else D`: the body is the tested value or made from it."""
    tested = ast.dump(test)
    while True:
        if ast.dump(body) == tested:
            return True
        if isinstance(body, ast.Subscript):
            body = body.value
        elif isinstance(body, ast.Call) and isinstance(body.func, ast.Attribute):
            body = body.func.value
        else:
            return False


def _self_class(node: ast.AST, scope: Scope) -> ClassInfo | None:
    """The class of a method when `node` is its first parameter (`self`), else None."""
    if not isinstance(node, ast.Name):
        return None
    func = scope.func
    while func is not None and func.cls is None:
        if node.id in func.params:
            return None
        func = func.parent
    if func is None or func.cls is None:
        return None
    args = getattr(func.node, "args", None)
    first = args.args[0].arg if args is not None and args.args else None
    if node.id != first or any(getattr(d, "id", "") in ("staticmethod", "classmethod") for d in func.node.decorator_list):  # type: ignore[attr-defined]
        return None
    return func.cls


_CHAINED = re.compile(r"\s*\.\s*(\w+)\s*\(")


def _chained_method(mod: ModuleInfo, call: ast.Call) -> str | None:
    """The method called straight on a call's result (`Cls(...).load_model()` -> "load_model")."""
    end, col = getattr(call, "end_lineno", None), getattr(call, "end_col_offset", None)
    if end is None or col is None:
        return None
    if mod._lines is None:
        mod._lines = split_lines(mod.source, keepends=True)
    if not 0 < end <= len(mod._lines):
        return None
    rest = mod._lines[end - 1].encode("utf-8")[col:].decode("utf-8", errors="replace")
    m = _CHAINED.match(rest)
    return m.group(1) if m else None


def _shared_prefix(a: tuple[str, ...], b: tuple[str, ...]) -> int:
    """Path components two paths share from the start (the file itself counts most)."""
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n + (a == b)


def _setattr_loops(method: ast.AST) -> Iterable[tuple[ast.For, ast.AST, ast.AST]]:
    """`for k, v in m.items(): … setattr(self, <key from k>, v)` in a method, as (loop, key, value): each
    item of the mapping becomes the attribute its key names."""
    args = getattr(method, "args", None)
    self_name = args.args[0].arg if args is not None and args.args else None
    for loop in ast.walk(method):
        if not (isinstance(loop, ast.For) and isinstance(loop.target, ast.Tuple) and len(loop.target.elts) == 2
                and all(isinstance(e, ast.Name) for e in loop.target.elts) and isinstance(loop.iter, ast.Call)
                and isinstance(loop.iter.func, ast.Attribute) and loop.iter.func.attr == "items"):
            continue
        for node in ast.walk(loop):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "setattr" and len(node.args) == 3 \
                    and getattr(node.args[0], "id", None) == self_name:
                yield loop, node.args[1], node.args[2]


def _spread_key(attr: str, key: ast.AST, loop_key: str) -> str | None:
    """The mapping key that `setattr(self, key, …)` turns into attribute `attr`: `k` itself, `k.lower()`
    (`SMART_LLM` for `smart_llm`, keys written in capitals) or `k.upper()`; None for any other key."""
    if isinstance(key, ast.Name):
        return attr if key.id == loop_key else None
    if isinstance(key, ast.Call) and not key.args and isinstance(key.func, ast.Attribute) \
            and getattr(key.func.value, "id", None) == loop_key:
        return {"lower": attr.upper(), "upper": attr.lower()}.get(key.func.attr)
    return None


def _calls_super(method: ast.AST, name: str) -> bool:
    """The method calls `super().name(…)` (`super(Cls, self).name(…)` too): an override that extends it."""
    return any(isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == name
               and isinstance(n.func.value, ast.Call) and isinstance(n.func.value.func, ast.Name)
               and n.func.value.func.id == "super" for n in ast.walk(method))


def _self_receiver_class(call: ast.Call, scope: Scope) -> ClassInfo | None:
    """The class of the method making `call` when it is a call through `self.m(…)` or `super().m(…)`."""
    receiver = call.func.value if isinstance(call.func, ast.Attribute) else None
    on_self = isinstance(receiver, ast.Name) and receiver.id == "self" or (
        isinstance(receiver, ast.Call) and isinstance(receiver.func, ast.Name) and receiver.func.id == "super")
    return scope.func.cls if on_self and scope.func is not None else None


def _method_class(scope: Scope) -> ClassInfo | None:
    """The class of the method a scope is in (through nested functions)."""
    func = scope.method
    return func.cls if func is not None else None


def _method_name(scope: Scope) -> str:
    """The name of the method a scope is in (through nested functions)."""
    func = scope.method
    return getattr(func.node, "name", "") if func is not None else ""


def _self_assignments(cls: ClassInfo, attr: str, skip: frozenset[int]) -> dict[str, list[tuple[int, ast.AST, ast.AST]]]:
    """`self.attr = …` in the class's methods by method name, minus the ones being evaluated."""
    by_method: dict[str, list[tuple[int, ast.AST, ast.AST]]] = {}
    for line, value, method in cls.self_attrs.get(attr, ()):
        if id(value) in skip:
            continue
        by_method.setdefault(getattr(method, "name", ""), []).append((line, value, method))
    return by_method


def _handed_param(wrapper: ast.Call, index: int, callee) -> tuple[FuncRef, str] | None:
    """The project function `wrapper` calls (`callee`, what its callee evaluates to) and the name of the
    parameter its argument at `index` binds; None for another callee or no such parameter."""
    if not isinstance(callee, FuncRef) or not isinstance(callee.node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return None
    params = [a.arg for a in callee.node.args.posonlyargs + callee.node.args.args]
    if callee.cls is not None and isinstance(wrapper.func, ast.Attribute) and params:
        params = params[1:]   # `self._call(fn, …)`: the bound method's `self` is not passed
    return (callee, params[index]) if index < len(params) else None


def _annotated_class_name(func: ast.AST, param: str) -> str | None:
    """The class a parameter of `func` is annotated with, looking through `type[…]`, `partial[…,]`,
    `Optional[…]`, `X | None` and a string annotation: `handler: partial[Base,]` -> "Base"."""
    args = getattr(func, "args", None)
    every = args.posonlyargs + args.args + args.kwonlyargs if isinstance(args, ast.arguments) else []
    node = next((a.annotation for a in every if a.arg == param), None)
    while True:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            node = _parsed_annotation(node.value)
        elif isinstance(node, ast.Subscript):
            node = node.slice
        elif isinstance(node, ast.Tuple) and node.elts:
            node = node.elts[0]
        elif isinstance(node, ast.BinOp):
            node = node.left
        else:
            break
    return node.attr if isinstance(node, ast.Attribute) else node.id if isinstance(node, ast.Name) else None


def _parsed_annotation(text: str) -> ast.expr | None:
    try:
        return ast.parse(text, mode="eval").body
    except SyntaxError:
        return None


def _returns(node: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.Return]:
    """Return statements of a function with a value, nested functions and classes excluded."""
    out = []
    stack: list[ast.stmt] = list(node.body)
    while stack:
        stmt = stack.pop()
        if isinstance(stmt, ast.Return):
            if stmt.value is not None:
                out.append(stmt)
        elif not isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            for part in ("body", "orelse", "finalbody"):
                stack.extend(getattr(stmt, part, None) or ())
            for clause in list(getattr(stmt, "handlers", ())) + list(getattr(stmt, "cases", ())):
                stack.extend(clause.body)
    return sorted(out, key=lambda r: r.lineno)


def _super_init_calls(init: ast.AST) -> list[ast.Call]:
    """`super().__init__(…)`, `super(X, self).__init__(…)` and `Base.__init__(self, …)` in an `__init__`."""
    out = []
    for node in ast.walk(init):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "__init__":
            out.append(node)
    return out


def _argument_of(func: FuncInfo, name: str, call: ast.Call):
    """The argument node `call` passes for parameter `name`, None when not passed, _STARRED when it may
    be inside `*args`/`**kwargs`."""
    for kw in call.keywords:
        if kw.arg == name:
            return kw.value
    args = getattr(func.node, "args", None)
    if args is None:
        return None
    names = [a.arg for a in args.posonlyargs + args.args]
    is_method = func.cls is not None and not any(getattr(d, "id", "") == "staticmethod"
                                                 for d in getattr(func.node, "decorator_list", ()))
    # `Base.__init__(self, x)` passes self explicitly; `obj.m(x)`, `super().__init__(x)`, `Cls(x)` do not
    explicit_self = is_method and isinstance(call.func, ast.Attribute) and call.func.attr == getattr(func.node, "name", "") \
        and not (isinstance(call.func.value, ast.Call) and getattr(call.func.value.func, "id", "") == "super") \
        and call.func.attr == "__init__"
    if is_method and not explicit_self and names:
        names = names[1:]
    positional = list(call.args)
    if name in names:
        i = names.index(name)
        starred = next((j for j, a in enumerate(positional) if isinstance(a, ast.Starred)), None)
        if starred is not None and starred <= i:
            return _STARRED
        if i < len(positional):
            return positional[i]
    if any(kw.arg is None for kw in call.keywords):
        return _STARRED
    return None


def _option_dest(names: list[str]) -> str | None:
    """The parameter an argparse/click option binds: an explicit name, else the longest flag."""
    plain = [n for n in names if not n.startswith("-") and n.isidentifier()]
    if plain:
        return plain[0]
    flags = sorted((n for n in names if n.startswith("-")), key=lambda n: (not n.startswith("--"), -len(n)))
    return flags[0].lstrip("-").replace("-", "_") if flags else None


def _callee_name(call: ast.Call) -> str:
    return call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", "")


def _literal_strings(node: ast.AST) -> tuple[str, ...]:
    """The strings written in `"M"`, `["A", "B"]` or `AliasChoices("A", "B")` (names of variables or keys)."""
    if isinstance(node, ast.Constant):
        return (node.value,) if isinstance(node.value, str) and node.value else ()
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        return tuple(s for e in node.elts for s in _literal_strings(e))
    if isinstance(node, ast.Call) and _callee_name(node) == "AliasChoices":
        return tuple(s for a in node.args for s in _literal_strings(a))
    return ()


def _functions_of(mod: ModuleInfo) -> Iterable[FuncInfo]:
    """Every function of a module, methods and nested ones too (routes a method defines), each within the
    one enclosing it."""
    stack: list[tuple[ast.AST, ClassInfo | None, FuncInfo | None, str]] = [(mod.tree, None, None, "")]
    while stack:
        node, owner, parent, prefix = stack.pop()
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                fi = mod.func_info(child, prefix + child.name, parent, owner)
                yield fi
                stack.append((child, None, fi, f"{prefix}{child.name}."))
            elif isinstance(child, ast.ClassDef):
                stack.append((child, mod.classes.get(child.name) if parent is None else None, parent, f"{prefix}{child.name}."))
            elif isinstance(child, _HOLD_DEFINITIONS):   # an expression or simple statement holds none: not walked
                stack.append((child, owner, parent, prefix))


_HOLD_DEFINITIONS = tuple(getattr(ast, name) for name in ("For", "AsyncFor", "While", "If", "With", "AsyncWith", "Try",
                                                           "TryStar", "Match", "excepthandler", "match_case")
                          if hasattr(ast, name))


def _assigned_name(call: ast.Call, scope: Scope) -> str | None:
    """The local name `call`'s result is bound to in its function (`cfg = GenConfig()`), if any."""
    bindings = scope.func.bindings.items() if scope.func is not None else ()
    return next((name for name, found in bindings for _line, value, _how in found if value is call), None)


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((kw.value for kw in call.keywords if kw.arg == name), None)


def _option_names(call: ast.Call) -> list[str]:
    """The names an option call is given: `add_argument("-m", "--model")` -> ["-m", "--model"]."""
    return [a.value for a in call.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]


def _click_option(fnode: ast.AST, name: str) -> ast.Call | None:
    """The `@click.option(…)`/`@click.argument(…)` over a command that binds parameter `name`."""
    for deco in getattr(fnode, "decorator_list", ()):
        if isinstance(deco, ast.Call) and _callee_name(deco) in ("option", "argument") \
                and _option_dest(_option_names(deco)) == name:
            return deco
    return None


def _parsed_dest(node: ast.AST, scope: Scope) -> str | None:
    """The option a read of parsed command-line arguments names: `args.x`, or `vars(args)["x"]` directly
    or through a local bound to `vars(…)`."""
    if isinstance(node, ast.Attribute):
        return node.attr
    if not (isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str)):
        return None
    value = node.value
    if isinstance(value, ast.Name) and scope.func is not None:
        bound = scope.func.bindings.get(value.id) or []
        value = bound[0][1] if len(bound) == 1 else value
    is_vars = isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == "vars"
    return node.slice.value if is_vars else None


def _typer_option(annotation: ast.AST | None, default: ast.AST | None) -> ast.Call | None:
    """The `typer.Option(…)` of a parameter: its default, or the metadata of `Annotated[str, Option(…)]`."""
    if isinstance(default, ast.Call) and _callee_name(default) in ("Option", "Argument"):
        return default
    if isinstance(annotation, ast.Subscript) and isinstance(annotation.slice, ast.Tuple) \
            and (getattr(annotation.value, "id", None) or getattr(annotation.value, "attr", None)) == "Annotated":
        return next((m for m in annotation.slice.elts[1:] if isinstance(m, ast.Call)
                     and _callee_name(m) in ("Option", "Argument")), None)
    return None


def _cli_call_default(default: ast.AST):
    """The default of `typer.Option("gpt-4o", "--model")` / `Option(default=…)` as a parameter default;
    _ELLIPSIS for a required one; None when `default` is not such a call."""
    if not isinstance(default, ast.Call):
        return None
    name = default.func.attr if isinstance(default.func, ast.Attribute) else getattr(default.func, "id", "")
    if name not in ("Option", "Argument"):
        return None
    for kw in default.keywords:
        if kw.arg == "default":
            return kw.value
    if default.args:
        first = default.args[0]
        if isinstance(first, ast.Constant) and first.value is Ellipsis:
            return _ELLIPSIS
        if not (isinstance(first, ast.Constant) and isinstance(first.value, str) and first.value.startswith("-")):
            return first
    return _ELLIPSIS


def _key_path(node: ast.AST) -> tuple[str, ...] | None:
    """The names and literal keys read from an unknown object: `get_settings().config.model` ->
    ("config", "model"); `cfg["llm"]["model"]` -> ("llm", "model")."""
    keys: list[str] = []
    while True:
        if isinstance(node, ast.Attribute):
            keys.append(node.attr)
            node = node.value
        elif isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str):
            keys.append(node.slice.value)
            node = node.value
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get" \
                and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
            keys.append(node.args[0].value)
            node = node.func.value
        else:
            break
    keys.reverse()
    keys = [k for k in keys if k not in ("self", "cls")]
    return tuple(keys) or None


def to_candidates(vals: Vals) -> tuple[ModelCandidate, ...]:
    return tuple(ModelCandidate(c.value, c.origin, c.reach, c.default) for c in vals.cands)
