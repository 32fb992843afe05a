"""The project index: finds the file of `app.settings` and parses it once, on demand.

Cross-file resolution (design §3) asks this for `from app.settings import MODEL`; files that import
no SDK are parsed only when some candidate file refers to them.
"""
from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from llmsight.analysis.modules import ModuleInfo, module_name_for
from llmsight.analysis.syntax import parse_source

MAX_PROJECT_FILE_BYTES = 2_000_000
MAX_STAR_DEPTH = 4   # chains of `from m import *` followed (each module's names come from the next)
_UNSEEN = object()


def decode_source(data: bytes) -> str:
    """Decode like Python does (BOM, PEP 263 cookie, else UTF-8).

    Raises ValueError for binary data and UnicodeDecodeError/SyntaxError for bad encodings.
    """
    if b"\0" in data[:8192]:
        raise ValueError("binary file (contains NUL bytes)")
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    if b"coding" in data[:200]:
        import io
        import tokenize
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        return data.decode(encoding)
    return data.decode("utf-8")


class NotReadable(Exception):
    """A file llmsight does not read; the message says why and what to do."""


_KINDS = {stat.S_IFIFO: "a FIFO", stat.S_IFCHR: "a character device", stat.S_IFBLK: "a block device",
          stat.S_IFSOCK: "a socket", stat.S_IFDIR: "a directory"}


def _too_large(size: int, limit: int) -> NotReadable:
    return NotReadable(f"file is {size / 1e6:.1f} MB, over the {limit / 1e6:g} MB limit (generated code?); "
                       "add it to [tool.llmsight] exclude")


def check_regular(st: os.stat_result, limit: int) -> None:
    """NotReadable unless `st` is a regular file of at most `limit` bytes, saying what it is instead."""
    if not stat.S_ISREG(st.st_mode):
        kind = _KINDS.get(stat.S_IFMT(st.st_mode), "not a file")
        raise NotReadable(f"not a regular file ({kind}); not read")
    if st.st_size > limit:
        raise _too_large(st.st_size, limit)


def describe_os_error(exc: OSError) -> str:
    """Why a file could not be opened, and what to do."""
    if isinstance(exc, FileNotFoundError):
        return "cannot read (vanished, or a dangling link); check the path"
    if exc.errno == errno.ELOOP:
        return "cannot read (a symlink loop); fix or remove the link"
    return f"cannot read ({exc.strerror or exc}); check its permissions"


def read_bounded(path: Path | str, limit: int) -> bytes:
    """A regular file's bytes, never more than `limit`: stat first (a FIFO would block the open, a link to
    /dev/zero never ends), open without blocking, check the opened file again (it may have been swapped
    meanwhile) and read at most limit + 1 bytes (it may be growing). Raises NotReadable."""
    try:
        check_regular(os.stat(path), limit)
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        raise NotReadable(describe_os_error(exc)) from exc
    with open(fd, "rb") as fh:
        try:
            check_regular(os.fstat(fd), limit)
            data = fh.read(limit + 1)
        except OSError as exc:
            raise NotReadable(describe_os_error(exc)) from exc
    if len(data) > limit:
        raise _too_large(len(data), limit)
    return data


def real_path(path: Path | str) -> Path:
    """`Path.resolve()` that never raises: a symlink loop in a hostile tree stays as far as it resolves.
    Directories are resolved once each (`os.path.realpath` stats every component: a scan resolves each
    file it analyses or loads several times); the file itself is resolved only when it is a link."""
    text = os.fspath(path)
    directory, name = os.path.split(os.path.abspath(text))
    if name in ("", ".", "..") or ".." in text.split(os.sep):   # `link/..` is the link target's parent
        return Path(os.path.realpath(text))
    full = os.path.join(_real_dir(directory), name)
    return Path(os.path.realpath(full) if os.path.islink(full) else full)


@lru_cache(maxsize=4096)
def _real_dir(directory: str) -> str:
    return os.path.realpath(directory)


def rel_path(path: Path | str, root: Path, follow_link: bool = True) -> str:
    """POSIX path relative to `root` (symlinks resolved; a link itself not, without `follow_link`), else
    absolute. Directories are resolved once each: resolving every file's full path (an lstat per
    component) was a third of a warm run."""
    directory, name = os.path.split(os.path.abspath(path))
    full = os.path.join(_real_dir(directory), name)
    if follow_link and os.path.islink(full):
        full = os.path.realpath(full)
    prefix = str(root).rstrip(os.sep) + os.sep
    rel = full[len(prefix):] if full.startswith(prefix) else full
    return rel.replace(os.sep, "/")


@dataclass
class Project:
    root: Path
    search_roots: list[Path] = field(default_factory=list)
    _modules: dict[str, ModuleInfo | None] = field(default_factory=dict)   # modname -> info
    _by_path: dict[Path, ModuleInfo | None] = field(default_factory=dict)
    _files: dict[str, Path] = field(default_factory=dict)   # modname -> its file, once found
    _misses: dict[str, int] = field(default_factory=dict)   # modname -> how many search roots do not hold it
    _listings: dict[str, frozenset[str]] = field(default_factory=dict)
    _symbols: dict[str, tuple[ModuleInfo, str | None] | None] = field(default_factory=dict)   # resolve_symbol's answers
    _loaded: dict[Path, ModuleInfo | None] = field(default_factory=dict)   # load() by the path as asked
    _packages: dict[str, tuple[str, ...]] = field(default_factory=dict)   # module_name_for's package directories
    _real: dict[Path, Path] = field(default_factory=dict)   # real_path of the files asked about
    _starring: list[Path] = field(default_factory=list)   # files whose star imports are being followed
    # indexes other analyses build on first use and keep for the process (model resolution's callers)
    indexes: dict[str, object] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.root = real_path(self.root)
        roots = [self.root, self.root / "src", self.root / "lib"]
        self.search_roots = [r for r in dict.fromkeys(roots + self.search_roots) if r.is_dir()]

    def add_search_root(self, directory: Path) -> None:
        directory = real_path(directory)
        if directory not in self.search_roots and directory.is_dir():
            self.search_roots.append(directory)
            self._symbols.clear()   # a name no root held may be in this one

    def register(self, info: ModuleInfo, path: Path) -> None:
        """Make an already-parsed file (the one being analysed) known without re-parsing it."""
        real = self.real(path)
        if real in self._by_path:   # an edited buffer replaces the module read from disk
            self._loaded.clear()
        self._by_path[real] = info
        if info.modname:
            if self._modules.get(info.modname, info) is not info:   # kept answers may name the module it replaces
                self._symbols.clear()
            self._modules[info.modname] = info

    def parsed(self, path: Path, source: str) -> ModuleInfo | None:
        """The module already parsed for this path, if it was parsed from the same text."""
        info = self._by_path.get(self.real(path))
        return info if info is not None and info.source == source else None

    def real(self, path: Path) -> Path:
        """`real_path` of a file, resolved once (an analysed file is asked about several times)."""
        found = self._real.get(path)
        if found is None:
            found = self._real[path] = real_path(path)
        return found

    # ---- module lookup ---------------------------------------------------------------------------
    def _listing(self, directory: str) -> frozenset[str]:
        """Names in a directory, listed once: module lookups are set membership, not stat calls."""
        names = self._listings.get(directory)
        if names is None:
            try:
                names = frozenset(os.listdir(directory))
            except OSError:
                names = frozenset()
            self._listings[directory] = names
        return names

    def file_for(self, modname: str) -> Path | None:
        """The file of a module under the first search root that holds it. A name not found is looked for
        again only in the roots added since: a scan adds a root per package it enters (67 on a tree of 30
        projects), and SDK names (`openai.OpenAI`) are asked for all along."""
        found = self._files.get(modname)
        if found is not None:
            return found
        checked = self._misses.get(modname, 0)
        if checked == len(self.search_roots):
            return None
        parts = modname.split(".")
        for r in self.search_roots[checked:]:
            d = str(r)
            for part in parts[:-1]:
                if part not in self._listing(d):
                    d = ""
                    break
                d = os.path.join(d, part)
            if not d:
                continue
            names = self._listing(d)
            last = parts[-1]
            if last + ".py" in names:
                found = Path(d, last + ".py")
            elif last in names and "__init__.py" in self._listing(os.path.join(d, last)):
                found = Path(d, last, "__init__.py")
            if found:
                self._files[modname] = found
                self._misses.pop(modname, None)
                return found
        self._misses[modname] = len(self.search_roots)
        return None

    def module(self, modname: str) -> ModuleInfo | None:
        if modname in self._modules:
            return self._modules[modname]
        path = self.file_for(modname)
        info = self.load(path) if path is not None else None
        self._modules[modname] = info
        return info

    def load(self, path: Path) -> ModuleInfo | None:
        """The parsed module of a file (parsed once; callers ask for the same files many times, so the
        answer is kept by the path as asked too, which spares resolving it again)."""
        info = self._loaded.get(path, _UNSEEN)
        if info is not _UNSEEN:
            return info  # type: ignore[return-value]
        self._loaded[path] = info = self._load(self.real(path))
        return info

    def _load(self, path: Path) -> ModuleInfo | None:
        if path in self._by_path:
            return self._by_path[path]
        info = None
        try:
            source = decode_source(read_bounded(path, MAX_PROJECT_FILE_BYTES))
            tree = parse_source(source)
            modname, is_pkg = module_name_for(path, self._packages, self.root)
            info = ModuleInfo.build(rel_path(path, self.root), modname, tree, source, is_pkg)
            self.follow_star_imports(info, path)
        except (NotReadable, SyntaxError, ValueError, UnicodeDecodeError, LookupError, RecursionError):
            info = None  # the name stays unresolved; the file itself is reported when it is scanned
        self._by_path[path] = info
        return info

    def follow_star_imports(self, info: ModuleInfo, path: Path | None) -> None:
        """`from .constants import *`: the names a project module exports are bound as if imported by name
        (a name the file binds itself keeps its own binding). Followed through chains of star imports up to
        MAX_STAR_DEPTH deep; a module already being followed (a cycle) gives nothing."""
        if not info.star_imports or len(self._starring) >= MAX_STAR_DEPTH:
            return
        self._starring.append(self.real(path) if path is not None else Path(info.path))
        try:
            for base in info.star_imports:
                found = self.file_for(base)
                if found is None or self.real(found) in self._starring:
                    continue
                star = self.module(base)
                if star is not None:
                    info.star_files |= {star.path, *star.star_files}
                for name, qualname in (star.exported_names() if star is not None else {}).items():
                    if name not in info.bindings and name not in info.classes and name not in info.functions:
                        info.imports.setdefault(name, qualname)
        finally:
            self._starring.pop()

    def resolve_symbol(self, qualname: str) -> tuple[ModuleInfo, str | None] | None:
        """Split `app.settings.MODEL` into (module app.settings, "MODEL") when the module is ours.

        Returns (module, None) when the whole name is a project module. SDK and stdlib names, which
        have no file under the search roots, return None and stay symbolic. Answers are kept: the
        evaluator asks for the same names once per site that uses them.
        """
        found = self._symbols.get(qualname, _UNSEEN)
        if found is _UNSEEN:
            found = self._symbols[qualname] = self._resolve_symbol(qualname)
        return found  # type: ignore[return-value]

    def _resolve_symbol(self, qualname: str) -> tuple[ModuleInfo, str | None] | None:
        parts = qualname.split(".")
        for i in range(len(parts), 0, -1):
            modname = ".".join(parts[:i])
            if self.file_for(modname) is None:
                continue
            info = self.module(modname)
            if info is None:
                return None
            rest = parts[i:]
            if not rest:
                return info, None
            if len(rest) == 1:
                return info, rest[0]
            return None  # attribute of an attribute: resolved by the evaluator step by step
        return None
