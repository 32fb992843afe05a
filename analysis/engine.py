"""Scan a tree: collect files, skip those that cannot call an LLM, analyse the rest on both cores.

The prefilter is a superset test: a file is skipped only if it mentions no SDK import root, provider
endpoint or configured wrapper, and calls no method named like a request. Names that candidate
modules export bound to SDK callables (`from app.llm import ask`) are looked for in a second pass.
"""
from __future__ import annotations

import ast
import gc
import os
import re
import stat
import sys
import traceback
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Iterator, Sequence

from llmsight.analysis.modules import (ModuleInfo, lone_cr_as_lf, module_name_for, namespace_name, package_root_for,
                                      split_lines)
from llmsight.analysis.notebook import NotebookError, read_notebook
from llmsight.analysis.project import (NotReadable, Project, check_regular, decode_source, describe_os_error,
                                       read_bounded, real_path, rel_path)
from llmsight.analysis.syntax import parse_source
from llmsight.config import Config, ConfigError
from llmsight.records import CallSite, Diagnostic, FileError, Span

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

    from llmsight.analysis.evaluate import Evaluator


def __getattr__(name: str):
    """`ProcessPoolExecutor` on first use: concurrent.futures imports multiprocessing (~20 ms, 4% of a warm
    run), which only a scan that forks needs."""
    if name == "ProcessPoolExecutor":
        from concurrent.futures import ProcessPoolExecutor

        globals()[name] = ProcessPoolExecutor
        return ProcessPoolExecutor
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


MAX_FILE_BYTES = 5_000_000          # Python source, and a notebook's code cells
MAX_NOTEBOOK_BYTES = 50_000_000     # a notebook's JSON, outputs included
SKIP_DIRS = frozenset({".git", ".hg", ".svn", ".venv", "venv", "env", ".env", "node_modules", "__pycache__",
                       ".tox", ".nox", ".mypy_cache", ".pytest_cache", ".ruff_cache", "site-packages",
                       ".llmsight", ".ipynb_checkpoints", "build", "dist", ".eggs"})
# LLM000 is reported by the engine itself, not by a rule class
PARSE_ERROR = ("LLM000", "parse-error")


def _prefilter_patterns(extra_names: Iterable[str] = ()) -> list[re.Pattern[bytes]]:
    """Patterns led by a literal (`import`, `from`, `.`), which the regex engine skips to quickly.

    Raw HTTP needs no host pattern: such a request is a `.post(`/`.request(`/`.stream(` call (the
    method pattern) or a function imported from requests/httpx/aiohttp (the import patterns).
    """
    from llmsight.analysis import sdks

    roots = "|".join(sorted({r.split(".")[-1] for r in sdks.SDK_IMPORT_ROOTS} | {"langchain\\w*", "genai", "google"}))
    methods = sdks.call_suffix_pattern({"to_thread", "run_in_executor"})
    patterns = [
        r"from\s+(?:%s)\b" % roots,
        r"import\s+(?:[\w.]+\s*,\s*)*(?:%s)\b" % roots,
        r"\.(?:%s)\s*[(,)]" % methods,   # called, or handed to a call (`partial(client.converse, **kw)`)
    ]
    names = sorted({re.escape(n) for n in extra_names if n})
    if names:
        patterns.append(r"\b(?:%s)\b" % "|".join(names))
    return [re.compile(p.encode()) for p in patterns]


def find_root(paths: Sequence[Path]) -> Path:
    """Nearest directory above the scanned paths holding pyproject.toml or .git, else the cwd."""
    resolved = [real_path(p) for p in paths] or [Path.cwd().resolve()]
    common = Path(os.path.commonpath([str(p) for p in resolved]))
    start = common if os.path.isdir(common) else common.parent
    for d in (start, *start.parents):
        # os.path, not Path: a directory we may not read (chmod 000) is no root, not a PermissionError
        if os.path.isfile(d / "pyproject.toml") or os.path.exists(d / ".git"):
            return d
    cwd = Path.cwd().resolve()
    # paths are reported relative to the root, so a cwd that does not contain them cannot be it
    return cwd if start == cwd or cwd in start.parents else start


def check_paths(paths: Sequence[Path]) -> None:
    """ConfigError naming the first path given to scan that cannot be: missing, a symlink loop, a directory
    that cannot be listed, a FIFO or device (opening one blocks or never ends)."""
    for p in paths:
        try:
            st = os.stat(p)
            if stat.S_ISDIR(st.st_mode):
                with os.scandir(p):
                    pass
            else:
                check_regular(st, sys.maxsize)
        except FileNotFoundError as exc:
            raise ConfigError(f"{p}: no such file or directory; check the path") from exc
        except OSError as exc:
            raise ConfigError(f"{p}: {describe_os_error(exc)}") from exc
        except NotReadable as exc:
            raise ConfigError(f"{p}: {exc}; pass Python files or directories") from exc


def collect_files(paths: Sequence[Path], root: Path, config: Config, errors: list[FileError]) -> list[Path]:
    """The .py and .ipynb files under `paths` (a file named there is taken whatever its suffix), in walk
    order. Symlinks are not followed out of the given paths: a link to a file elsewhere (another
    checkout, /dev/zero) is reported in `errors`, never read; linked directories are not entered."""
    bounds = [real_path(p) for p in paths]
    out: list[Path] = []
    for p in paths:
        if not os.path.isdir(p):
            out.append(p)
            continue
        stack = [str(p)]
        while stack:
            directory = stack.pop()
            try:
                with os.scandir(directory) as listing:
                    entries = sorted(listing, key=lambda e: e.name)
            except OSError as exc:
                errors.append(FileError(rel_path(directory, root), describe_os_error(exc)))
                continue
            subdirs = []
            for e in entries:
                if e.is_dir(follow_symlinks=False):
                    if e.name not in SKIP_DIRS and not e.name.startswith(".") and not e.name.endswith(".egg-info"):
                        subdirs.append(e.path)
                elif e.name.endswith((".py", ".ipynb")) and not (e.is_symlink() and os.path.isdir(e.path)):
                    _collect_file(e, root, config, bounds, out, errors)
            stack.extend(reversed(subdirs))
    return out


def _collect_file(e: os.DirEntry, root: Path, config: Config, bounds: list[Path], out: list[Path],
                  errors: list[FileError]) -> None:
    link = e.is_symlink()   # from the listing: a file that is no link is resolved without an lstat
    own = rel_path(e.path, root, follow_link=False) if link or config.exclude else ""
    if config.exclude and (config.is_excluded(own) or link and config.is_excluded(rel_path(e.path, root))):
        return
    if link and not _inside(real_path(e.path), bounds):
        errors.append(FileError(own, "a symlink to a file outside the scanned paths; not followed (scan the "
                                     "target's own directory if it belongs to this project)"))
        return
    out.append(Path(e.path))


def _inside(path: Path, bounds: list[Path]) -> bool:
    return any(path == b or b in path.parents for b in bounds)


@dataclass
class FileResult:
    path: str
    sites: list[CallSite] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    error: FileError | None = None
    deps: tuple[str, ...] = ()      # other project files whose content this result depends on
    exports: tuple[str, ...] = ()   # module-level names bound to SDK callables or models


@dataclass
class Env:
    """Per-process state of one scan (inherited by forked workers)."""

    root: Path
    config: Config
    rules: tuple = ()
    wrappers: dict[str, str] = field(default_factory=dict)
    traffic: object | None = None
    project: Project | None = None
    exports: frozenset[str] = frozenset()   # names project modules bind to SDK callables or models

    _packages: dict[str, str | None] = field(default_factory=dict)

    def get_project(self) -> Project:
        if self.project is None:
            self.project = Project(self.root)
        return self.project

    def module_name(self, path: Path) -> tuple[str | None, bool]:
        """Dotted name of a file; its package root becomes a search root (cached per directory)."""
        directory = str(path.parent)
        if directory not in self._packages:
            init = path.parent / "__init__.py"
            self._packages[directory] = module_name_for(init)[0] if init.is_file() else namespace_name(
                real_path(path.parent), self.get_project().root)
            self.get_project().add_search_root(package_root_for(path))
        pkg = self._packages[directory]
        if path.name == "__init__.py":
            return pkg, True
        return (f"{pkg}.{path.stem}" if pkg else path.stem), False


def _parse_error(rel: str, line: int, col: int, cell: int | None, message: str) -> tuple[Diagnostic, FileError]:
    span = Span(rel, line, col, line, col + 1, cell)
    where = f"cell {cell + 1} " if cell is not None else ""  # people count cells from 1; `cell` is 0-based
    skips = "reads only the statements of this cell that parse" if cell is not None else "skips this file"
    text = f"{message} ({where}line {line}); llmsight {skips} until it parses"
    return (Diagnostic(PARSE_ERROR[0], PARSE_ERROR[1], "error", text, span),
            FileError(rel, text, line, col))


def unanalysed(err: FileError) -> FileResult:
    """A file the scan could not analyse, as an LLM000 error: it fails the check unless excluded, so an
    unreadable, oversized or undecodable file cannot hide a call site behind "All checks passed!"."""
    return FileResult(err.path, diagnostics=[_not_analysed(err)], error=err)


def _not_analysed(err: FileError) -> Diagnostic:
    line, col = err.line or 1, err.col or 1
    return Diagnostic(PARSE_ERROR[0], PARSE_ERROR[1], "error", f"not analysed: {err.message}",
                      Span(err.path, line, col, line, col + 1))


def analyze_source(env: Env, abs_path: Path | None, rel: str, text: str, is_notebook: bool = False) -> FileResult:
    """Discovery and rules on one file's text (the buffer an editor holds, or the file on disk)."""
    # imported here: the language server imports this module for its file readers, not for analysis
    from llmsight.analysis.context import FileContext, SourceMap
    from llmsight.analysis.discover import discover
    from llmsight.analysis.evaluate import Evaluator

    result = FileResult(rel)
    srcmap_cells: tuple[list[int], list[int], dict[int, int]] = ([], [], {})
    if is_notebook:
        try:
            nb = read_notebook(text)
        except NotebookError as exc:
            result.error = FileError(rel, str(exc))
            result.diagnostics.append(Diagnostic(PARSE_ERROR[0], PARSE_ERROR[1], "error", str(exc), Span(rel, 1, 1, 1, 1)))
            return result
        if len(nb.text) > MAX_FILE_BYTES:   # outputs do not count: a notebook of plots is analysed
            return unanalysed(FileError(rel, f"notebook code is {len(nb.text) / 1e6:.1f} MB, over the "
                                             f"{MAX_FILE_BYTES / 1e6:g} MB limit; add it to [tool.llmsight] exclude"))
        if nb.skipped is not None:  # not an error: nothing in it is Python to check
            result.diagnostics.append(Diagnostic(PARSE_ERROR[0], PARSE_ERROR[1], "info", f"not analysed: {nb.skipped}",
                                                 Span(rel, 1, 1, 1, 1)))
        for cell, line, col, msg in nb.cell_errors:
            d, e = _parse_error(rel, line, col, cell, f"SyntaxError: {msg}")
            result.diagnostics.append(d)
            result.error = result.error or e
        text = nb.text
        srcmap_cells = (nb.cell_starts, nb.cell_index, nb.col_shifts)
    else:
        text = lone_cr_as_lf(text)
    project = env.get_project()
    mod = project.parsed(abs_path, text) if abs_path is not None and not is_notebook else None
    if mod is None:
        try:
            tree = parse_source(text)
        except SyntaxError as exc:
            d, e = _parse_error(rel, exc.lineno or 1, exc.offset or 1, None, f"SyntaxError: {exc.msg}")
            result.diagnostics.append(d)
            result.error = e
            return result
        except (ValueError, RecursionError, MemoryError) as exc:
            return unanalysed(FileError(rel, f"cannot parse ({type(exc).__name__}: {exc})"))
        modname, is_pkg = env.module_name(abs_path) if abs_path is not None and not is_notebook else (None, False)
        mod = ModuleInfo.build(rel, modname, tree, text, is_pkg)
        project.follow_star_imports(mod, abs_path)
        if abs_path is not None and not is_notebook:
            project.register(mod, abs_path)
    tree = mod.tree
    srcmap = SourceMap(split_lines(text) or [""], *srcmap_cells)
    ev = Evaluator(project)
    ctx = FileContext(path=rel, source=text, tree=tree, srcmap=srcmap, config=env.config, traffic=env.traffic)

    def segment(node, m=mod):
        return m.segment(node)

    found = discover(mod, ev, env.config, segment, ctx.span_of, env.wrappers, env.exports)
    for f in found:
        ctx.sites.append(f.site)
        ctx.call_nodes[f.site.id] = f.call
        if f.client_call is not None:
            ctx.client_nodes[f.site.id] = f.client_call
        if f.loop is not None:
            ctx.loop_nodes[f.site.id] = f.loop
    result.sites = list(ctx.sites)
    for rule_cls in env.rules:
        try:
            for d in rule_cls().check(ctx):
                line = srcmap.virtual_line(d.span.cell, d.span.start_line)
                if not ctx.suppressed(d.code, line):
                    result.diagnostics.append(d)
        except Exception as exc:  # a rule bug must not lose the other findings
            tb = traceback.extract_tb(exc.__traceback__)[-1]
            result.error = FileError(rel, f"internal error in rule {rule_cls.code} ({type(exc).__name__}: {exc} "
                                          f"at {Path(tb.filename).name}:{tb.lineno}); please report it")
            result.diagnostics.append(_not_analysed(result.error))
    self_path = project.real(abs_path).as_posix() if abs_path is not None else None
    result.deps = tuple(sorted(d for d in ev.deps | mod.star_files if d != rel and d != self_path))
    result.exports = _exports(mod, ev)
    return result


def _exports(mod: ModuleInfo, ev: Evaluator) -> tuple[str, ...]:
    """Module-level names other files may call as requests (`from app.llm import ask; ask(...)`):
    names bound to an SDK request function or to a client/model object."""
    from llmsight.analysis import sdks
    from llmsight.analysis.evaluate import Client, Imported

    names = []
    for name in set(mod.bindings) | set(mod.imports):
        bindings = mod.bindings.get(name)
        if bindings and bindings[-1][2] not in ("assign", "annassign"):
            continue
        if not bindings and mod.imports[name].split(".", 1)[0] not in sdks.SDK_ROOT_PACKAGES:
            continue  # a project import: the module it comes from exports it itself, if at all
        if bindings and isinstance(bindings[-1][1], (ast.Constant, ast.JoinedStr, ast.List, ast.Dict, ast.Tuple)):
            continue
        v = ev.module_name(name, mod, 0)
        if isinstance(v, Client) and not v.path or isinstance(v, Imported) and _is_request_function(v.qualname):
            names.append(name)
    return tuple(sorted(names))


def _is_request_function(qualname: str) -> bool:
    from llmsight.analysis import sdks

    module, _, func = qualname.rpartition(".")
    kind = sdks.MODULE_CLIENTS.get(module)
    return kind is not None and func in kind.methods


def size_limit(path: Path | str) -> int:
    """Bytes read of a scanned file at most: a notebook's code limit applies after its outputs are dropped."""
    return MAX_NOTEBOOK_BYTES if str(path).endswith(".ipynb") else MAX_FILE_BYTES


def read_scanned(path: Path | str) -> bytes:
    """A scanned file's bytes (raises NotReadable: not a regular file, over its size limit, unreadable)."""
    return read_bounded(path, size_limit(path))


def read_scanned_text(path: Path | str) -> str | None:
    """A Python file's text as the scan reads it (bounded, decoded like Python), or None where the scan
    would report it as not analysed (faces that map positions in files the editor has not opened)."""
    try:
        return decode_source(read_scanned(path))
    except (NotReadable, UnicodeDecodeError, SyntaxError, LookupError, ValueError):
        return None


def decode_file(data: bytes, rel: str) -> tuple[str | None, FileError | None]:
    """A file's text, or an error that says what is wrong and what to do."""
    try:
        return decode_source(data), None
    except UnicodeDecodeError as exc:
        return None, FileError(rel, f"not valid {exc.encoding} (byte {exc.start}); save it as UTF-8 or declare "
                                    "its encoding with a `# -*- coding: … -*-` line")
    except (SyntaxError, LookupError) as exc:
        return None, FileError(rel, f"bad encoding declaration ({exc}); fix the `coding:` line")
    except ValueError as exc:
        return None, FileError(rel, f"{exc}; not Python source — exclude it in [tool.llmsight]")


# ---- parallel scan ----------------------------------------------------------------------------------------
_ENV: Env | None = None
# Analysis this process would still have to do (CPU seconds, estimated from what it has done so far) above
# which a second process pays: a worker costs its fork, the modules it parses again and the results it sends
# back, which on shorter work is about what it saves.
FORK_PAYS_S = 1.0
PROBE_S = 0.1   # CPU seconds of analysis timed before deciding
FASTEST_BYTES_PER_S = 8_000_000   # CPython parses about this much source per second; analysing it is slower
_CHUNKS: list[list[tuple[str, str, str]]] = []
_NEXT = None    # shared [front, back] chunk indices: the parent takes chunks from the front, workers from the back
# within `keep_workers`: the workers of the scan's first `analyze_many` and the files they analysed
_KEEP = False
_POOL: ProcessPoolExecutor | None = None
_WORKER_FILES: set[str] = set()


@contextmanager
def keep_workers() -> Iterator[None]:
    """Within: the workers the first `analyze_many` forks stay, and a later call (the scan's second stage,
    files that import names the first found exported) sends them the files they analysed, whose modules
    they have parsed. They are stopped on the way out."""
    global _KEEP, _POOL
    if _KEEP:   # an outer scan keeps them
        yield
        return
    _KEEP = True
    try:
        yield
    finally:
        _KEEP = False
        if _POOL is not None:
            _POOL.shutdown()
        _POOL = None
        _WORKER_FILES.clear()


def processes(jobs: int | None) -> int:
    """Processes a scan may use: `--jobs`, at most the cores this process may run on (default: all)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(1, min(jobs or cores, cores))


def _import_analysis() -> None:
    """Import the modules `analyze_source` loads on first use (before forking: workers inherit them), and
    what both processes of a tree that pays a worker load anyway: libcst, which fix edits load on first
    use (0.15 CPU-s each), and the default tokenizer, which counts the prompts of every model outside
    OpenAI's families (0.14 CPU-s each)."""
    import libcst  # noqa: F401

    from llmsight.analysis import context, discover, evaluate  # noqa: F401
    from llmsight.knowledge.tokens import count_tokens

    count_tokens(" ")


def _analyze_one(abs_path: str, rel: str, text: str) -> FileResult:
    assert _ENV is not None
    try:
        return analyze_source(_ENV, Path(abs_path), rel, text, abs_path.endswith(".ipynb"))
    except RecursionError:
        return unanalysed(FileError(rel, "too deeply nested to analyse; skipped"))
    except Exception as exc:  # never let one file take the scan down
        return unanalysed(FileError(rel, f"internal error ({type(exc).__name__}: {exc}); please report it"))


def _claim(front: bool) -> int:
    """The next chunk from the front (this process) or the back (a worker); -1 once they meet."""
    if _NEXT is None:
        return -1
    with _NEXT.get_lock():
        if _NEXT[0] > _NEXT[1]:
            return -1
        end = 0 if front else 1
        i = _NEXT[end]
        _NEXT[end] += 1 if front else -1
    return i


def _analyze_list(items: list[tuple[str, str, str]], exports: frozenset[str]) -> list[FileResult]:
    """A kept worker: analyse these items with the exports the parent found since the fork."""
    assert _ENV is not None
    _ENV.exports = exports
    return [_analyze_one(*item) for item in items]


def _drain(reading: bool = False) -> list[FileResult] | list[Read]:
    """A forked worker: analyse chunks (`reading`: read, then analyse) until none is left (its state is the
    parent's at the fork)."""
    gc.disable()
    gc.freeze()   # the inherited project index: never walked, so its pages stay shared with the parent
    return _claimed(front=False, reading=reading)


def _claimed(front: bool, reading: bool) -> list:
    """Chunks claimed from the front (this process) or the back (a worker), analysed (`reading`: read first)."""
    out: list = []
    i = _claim(front)
    while i != -1:
        out.extend(_one_chunk(_CHUNKS[i], front, reading))
        i = _claim(front)
    return out


def _one_chunk(chunk: list[tuple], here: bool, reading: bool) -> list:
    """A chunk analysed (`reading`: read first) by this process (`here`, which keeps new files' bytes) or a worker."""
    return _read_chunk(chunk, keep=here) if reading else [_analyze_one(*item) for item in chunk]


def _chunks(items: list[tuple], parts: int,
            size: Callable[[tuple], int] = lambda item: len(item[2])) -> list[list[tuple]]:
    """Items (abs path, rel path, text or byte count) packed into about `parts` chunks of `size` in path order.
    Whole directories stay together and neighbours follow each other: modules of a package import each
    other, and a process parses a module once."""
    groups: dict[str, list[tuple]] = {}
    for it in items:
        groups.setdefault(os.path.dirname(it[1]), []).append(it)
    target = sum(map(size, items)) / parts
    chunks: list[list[tuple]] = []
    done = 0.0
    for _directory, group in sorted(groups.items()):
        if not chunks or done >= target:
            chunks.append([])
            done = 0.0
        chunks[-1].extend(group)
        done += sum(map(size, group))
    return chunks


@contextmanager
def _gc_paused(freeze: bool) -> Iterator[None]:
    """The cycle collector off within: syntax trees hold no reference cycles, and collecting while millions
    of nodes live is pure cost. With `freeze`, what lives on the way out is frozen: a whole-tree scan leaves
    millions of live objects (the project index), which the first collection after re-enabling would walk
    (seconds) to find no cycles."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            if freeze:
                gc.freeze()
            gc.enable()


def analyze_many(env: Env, items: list[tuple[str, str, str]], jobs: int | None = None) -> list[FileResult]:
    """Analyse (abs path, rel path, text) items; workers join only when the work measured so far says they pay.

    When the whole work at the pace of `ast.parse` (faster than any analysis) would take over FORK_PAYS_S,
    workers are forked at once. Otherwise this process starts on the first chunks in path order, timing its
    pace (the first chunk pays one-time loads), and forks when the rest at that pace would take over
    FORK_PAYS_S. It goes on from the front of the list, the workers from the back, until they meet: each
    process mostly reads its own packages (parsing their modules once), the two finish together, and workers
    inherit what was loaded and parsed before the fork. A small tree never pays for a process.
    """
    global _ENV
    import time

    _ENV = env
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 20_000))  # deeply nested generated code
    if _POOL is not None:
        return _analyze_shared(env, items)
    workers = processes(jobs) - 1
    chunks = _chunks(items, 32) if workers else [items]
    remaining = sum(len(t) for _, _, t in items)
    results: list[FileResult] = []
    with _gc_paused(freeze=len(items) > 50):
        can_fork = workers > 0 and len(chunks) > 2
        started, measured, first = None, 0, 0
        # what is left at ast.parse's pace (analysis is slower): when even that pays a worker, fork before
        # analysing anything, so that no chunk is analysed while the second core waits
        left_s = remaining / FASTEST_BYTES_PER_S
        probing = can_fork and left_s <= FORK_PAYS_S
        while probing and first < len(chunks):
            chunk = chunks[first]
            first += 1
            results.extend(_analyze_one(*item) for item in chunk)
            size = sum(len(t) for _, _, t in chunk)
            remaining -= size
            if started is None:
                started = time.process_time()
            else:
                measured += size
            elapsed = time.process_time() - started
            timed = measured > 0 and (elapsed >= PROBE_S or len(chunks) - first <= 1)
            # until timed, the pace is taken as ast.parse's: a lower bound of what is left
            left_s = remaining * (elapsed / measured if timed else 1 / FASTEST_BYTES_PER_S)
            if not timed and left_s <= FORK_PAYS_S:
                continue
            probing = False
        if can_fork and left_s > FORK_PAYS_S:
            results.extend(_with_workers(chunks, first, workers, reading=False))
        else:
            results.extend(_analyze_one(*item) for chunk in chunks[first:] for item in chunk)
    return results


def _with_workers(chunks: list[list[tuple]], first: int, workers: int, reading: bool) -> list:
    """Fork `workers` that claim chunks from the back while this process claims them from `first` on, until
    they meet; everyone's results. Within `keep_workers` the workers stay for the scan's next stage. When a
    worker dies (killed, out of memory), the pool is broken and this process does the chunks the workers
    claimed and whose results did not come back: no file is lost, and the report is one process's."""
    global _CHUNKS, _NEXT, _POOL
    import multiprocessing
    from concurrent.futures.process import BrokenProcessPool

    pool: ProcessPoolExecutor | None = None
    try:
        _import_analysis()   # the workers inherit the modules analysis loads on first use
        _CHUNKS, _NEXT = chunks, multiprocessing.get_context("fork").Array("l", [first, len(chunks) - 1])
        gc.freeze()   # what the workers inherit is shared with them, not copied page by page
        executor = sys.modules[__name__].ProcessPoolExecutor   # as tests may replace it
        pool = executor(max_workers=workers, mp_context=multiprocessing.get_context("fork"))
        futures = [pool.submit(_drain, reading) for _ in range(workers)]
        out = _claimed(front=True, reading=reading)
        broken = False
        for future in futures:
            try:
                done = future.result()
            except BrokenProcessPool:
                broken = True
                continue
            _WORKER_FILES.update(r.path for r in done if not reading or r.result is not None)
            out.extend(done)
        if broken:   # the workers' chunks are those from where this process stopped; a chunk is one process's
            returned = {r.path for r in out}
            for chunk in chunks[_NEXT[0]:]:
                if chunk[0][1] not in returned:
                    out.extend(_one_chunk(chunk, True, reading))
        elif _KEEP:
            _POOL, pool = pool, None
        return out
    finally:
        if pool is not None:
            pool.shutdown()
        _NEXT, _CHUNKS = None, []


@dataclass
class Read:
    """A file a scan that forked before reading has read: its sha1 (None when it could not be read, `error`
    says why), its result when analysed, its bytes in the process that keeps them (the parent) and the
    names it imports (a worker's bytes stay in the worker)."""

    path: str
    sha: str | None
    new: bool = False                  # changed since its cached result (or none is cached)
    error: str | None = None
    result: FileResult | None = None
    data: bytes | None = None
    imports: frozenset[bytes] = frozenset()   # its `imported_names`, for the scan's second stage


# About half of an LLM application's bytes pass the prefilter (53% on the corpus tree): what reading decides.
CANDIDATE_SHARE = 0.5
# (sha1, whether the bytes are new since the cached result, whether they are to be analysed) of a file read
Examine = Callable[[str, bytes], tuple[str, bool, bool]]
_EXAMINE: Examine | None = None


def read_and_analyze(env: Env, files: list[tuple[str, str, int]], examine: Examine,
                     jobs: int | None = None) -> list[Read] | None:
    """Read (abs path, rel path, size) files and analyse those `examine` picks, with workers forked before
    anything is read when the bytes alone say they pay (their share the prefilter keeps, at the pace of
    `ast.parse`, over FORK_PAYS_S): each process reads, hashes, prefilters and analyses the chunks it claims,
    so the reading is shared too. None when they do not: the caller reads, and `analyze_many` decides.
    The parent keeps the bytes of the files it read, new ones only."""
    global _ENV, _EXAMINE
    workers = processes(jobs) - 1
    chunks = _chunks(files, 32, size=lambda f: f[2])
    if workers < 1 or _POOL is not None or len(chunks) <= 2 or \
            sum(f[2] for f in files) * CANDIDATE_SHARE / FASTEST_BYTES_PER_S <= FORK_PAYS_S:
        return None
    _ENV, _EXAMINE = env, examine
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 20_000))  # deeply nested generated code
    try:
        with _gc_paused(freeze=True):
            return _with_workers(chunks, 0, workers, reading=True)
    finally:
        _EXAMINE = None


def _read_chunk(chunk: list[tuple[str, str, int]], keep: bool) -> list[Read]:
    """Read a chunk's files, hand the new ones' bytes to the package text index (as a scan that reads
    before forking does with all of them), then analyse those picked."""
    from llmsight.analysis.model_resolution import share_texts

    assert _ENV is not None and _EXAMINE is not None
    reads, picked, fresh = [], [], []
    for abs_path, rel, _size in chunk:
        try:
            data = read_scanned(abs_path)
        except NotReadable as exc:
            reads.append(Read(rel, None, error=str(exc)))
            continue
        sha, new, analyse = _EXAMINE(rel, data)
        reads.append(Read(rel, sha, new, data=data if keep and new else None, imports=imported_names(data)))
        if new:
            fresh.append((rel, data))
        if analyse:
            picked.append((reads[-1], abs_path, data))
    share_texts(_ENV.root, fresh)
    for read, abs_path, data in picked:
        text, err = decode_file(data, read.path)
        read.result = unanalysed(err) if err is not None else _analyze_one(abs_path, read.path, text)
    return reads


def _analyze_shared(env: Env, items: list[tuple[str, str, str]]) -> list[FileResult]:
    """A later stage of a scan whose workers were kept: each file goes to the process that analysed it
    in the first stage (and parsed its modules), the new ones to this process."""
    theirs = [item for item in items if item[1] in _WORKER_FILES]
    assert _POOL is not None
    future = _POOL.submit(_analyze_list, theirs, env.exports) if theirs else None
    with _gc_paused(freeze=False):
        results = [_analyze_one(*item) for item in items if item[1] not in _WORKER_FILES]
    return results + (future.result() if future is not None else [])


# led by the literal `from`, which the regex engine skips to in C; that it starts a line (after \n or a lone \r,
# as for Python, and indentation) is checked at each hit
_FROM_IMPORT = re.compile(rb"from[ \t]+[\w.]+[ \t]+import[ \t]+")
_REST_OF_LINE = re.compile(rb"[^\r\n]*")
_WORD = re.compile(rb"\w+")


def _starts_line(data: bytes, i: int) -> bool:
    j = i
    while j > 0 and data[j - 1] in b" \t":
        j -= 1
    return j == 0 or data[j - 1] in b"\n\r"


def imported_names(data: bytes) -> frozenset[bytes]:
    """The names a file imports with `from m import a, b` (a statement at a line start): discovery follows
    an exported request function or client only through such an import, so a file that merely uses the
    word (`client`, `llm`) is not re-analysed. Taken by the process that reads the file."""
    # The names run to the `)` of a `(` list, else to the line's end. The `)` is looked for only when one
    # follows: a regex trying `\([^)]*\)` at each unclosed `(` scanned to the end of the file each time
    # (a 0.5 MB file of `from a import (` lines took 9 CPU-s; the 5 MB a file may have, ~15 minutes).
    last_close = data.rfind(b")")
    words: set[bytes] = set()
    pos = 0
    while (m := _FROM_IMPORT.search(data, pos)) is not None:
        start = m.end()
        if start < last_close and data.startswith(b"(", start):
            pos = data.index(b")", start) + 1
        else:
            pos = _REST_OF_LINE.match(data, start).end()
        if _starts_line(data, m.start()):
            words.update(_WORD.findall(data, start, pos))
    return frozenset(words)


def mentions(imports: dict[str, frozenset[bytes]], names: Iterable[str]) -> set[str]:
    """Files that import one of `names` (`from app.llm import ask`), from each file's `imported_names`."""
    wanted = {n.encode() for n in names}
    return {k for k, got in imports.items() if not wanted.isdisjoint(got)}


def prefilter_test(extra_names: Iterable[str] = ()) -> Callable[[bytes], bool]:
    """Whether a file's bytes can hold a call site (the superset test of the module docstring)."""
    patterns = _prefilter_patterns(extra_names)
    return lambda data: any(p.search(data) for p in patterns)
