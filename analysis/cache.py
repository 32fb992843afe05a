"""Per-file results kept between runs, so a warm re-check reads almost nothing.

The cache is the user's, never the scanned tree's: a pull request could commit one there to run code
(a pickle) or to forge results. It lives in `$LLMSIGHT_CACHE_DIR`, else `$XDG_CACHE_HOME/llmsight`, else
`~/.cache/llmsight`, one directory per project root (the sha256 of its path), created mode 0700 and used
only while it is a private directory of this user. Each is one versioned JSON document of bounded size;
records are rebuilt field by field with their types checked, so a cache that is corrupt, of another
version or tampered with is ignored (the run starts cold) — never trusted, never executed.

A file's entry is reused when its bytes are unchanged (size+mtime, else sha1) and every project file
its result depended on (constants, settings, factories in other modules) is unchanged too. Entries
are keyed by a fingerprint of everything else that changes results: llmsight's version, the
config, the selected rules, the price data and the date (deprecation windows move daily).
"""
from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import os
import re
import shutil
import stat
import tempfile
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from llmsight.analysis.engine import MAX_FILE_BYTES, FileResult
from llmsight.analysis.project import NotReadable, read_bounded
from llmsight.records import Estimate, to_json

CACHE_FORMAT = "llmsight-scan-cache"
CACHE_VERSION = 2
CACHE_FILE = f"scan-v{CACHE_VERSION}.json"
MAX_CACHE_BYTES = 128_000_000   # larger is not written (and not read): the run is just not cached
MAX_PROJECTS = 100              # project caches kept; the least recently written go first
_PROJECT_DIR = re.compile(r"[0-9a-f]{64}")


@dataclass
class Entry:
    size: int
    mtime_ns: int
    sha: str
    result: FileResult | None                        # None: skipped by the prefilter
    deps: dict[str, tuple[int, int, str]] = field(default_factory=dict)   # abs path -> (size, mtime, sha)
    # the static estimates of the result's sites by site id, once a run without traffic made them (they
    # depend only on the site and what the fingerprint covers); None: not made for this result yet
    estimates: dict[str, Estimate] | None = None


def sha1(data: bytes) -> str:
    return hashlib.sha1(data).hexdigest()


def cache_home() -> Path | None:
    """Where project caches go: the override, else the XDG cache directory (an absolute path, as the
    XDG spec requires), else ~/.cache; None without a home (never a path relative to the scanned tree)."""
    override = os.environ.get("LLMSIGHT_CACHE_DIR")
    if override:
        return Path(override)
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    if os.path.isabs(xdg):
        return Path(xdg, "llmsight")
    home = os.path.expanduser("~")
    return Path(home, ".cache", "llmsight") if os.path.isabs(home) else None


def code_identity(packages) -> list[tuple[str, int, int]]:
    """Size and mtime of the code and data files of `packages` (directories) and their subdirectories: an
    editable install (or a patched one) changes results without changing `__version__`, and a stale
    cached result must not outlive the code."""
    out = []
    for package in packages:
        for directory in (package, *(d for d in package.iterdir() if d.is_dir() and d.name != "__pycache__")):
            for entry in os.scandir(directory):
                if entry.is_file() and entry.name.endswith((".py", ".json", ".csv", ".jsonl")):
                    st = entry.stat()
                    out.append((f"{directory.name}/{entry.name}", st.st_size, st.st_mtime_ns))
    return sorted(out)


def project_dir(root: Path) -> Path | None:
    home = cache_home()
    return home / hashlib.sha256(os.fsencode(str(root))).hexdigest() if home is not None else None


def _private_dir(path: Path) -> bool:
    """Create `path` (and a missing parent) mode 0700; True when it is a real directory of this user that
    no one else can write, so nothing in it was planted by another account."""
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        path.mkdir(mode=0o700, exist_ok=True)
        st = os.lstat(path)
    except (OSError, RuntimeError):   # no home, read-only file system, a loop in the configured path
        return False
    return stat.S_ISDIR(st.st_mode) and st.st_uid == os.geteuid() and not st.st_mode & 0o022


class ScanCache:
    def __init__(self, root: Path, fingerprint: str, enabled: bool = True):
        self.root = str(root)
        self.fingerprint = fingerprint
        self.entries: dict[str, Entry] = {}
        self.exports: tuple[str, ...] = ()
        self.dirty = False
        self._loaded: dict[str, tuple[Entry, tuple, dict]] = {}   # rel -> entry as loaded, its parts, its JSON
        self.directory = project_dir(root) if enabled else None
        self.is_new = self.directory is not None and not self.directory.exists()
        if self.directory is not None and not _private_dir(self.directory):
            self.directory = None
        if self.directory is not None:
            self._load()

    @property
    def path(self) -> Path | None:
        return self.directory / CACHE_FILE if self.directory is not None else None

    def _load(self) -> None:
        try:
            doc = json.loads(read_bounded(self.path, MAX_CACHE_BYTES))
            if not (isinstance(doc, dict) and doc.get("format") == CACHE_FORMAT and doc.get("version") == CACHE_VERSION
                    and doc.get("root") == self.root and doc.get("fingerprint") == self.fingerprint):
                return
            entries = decode(dict[str, Entry], doc.get("entries"))
            exports = decode(tuple[str, ...], doc.get("exports"))
        except (NotReadable, ValueError, RecursionError):   # absent, unreadable, corrupt or forged: start cold
            return
        self.entries, self.exports = entries, exports
        self._loaded = {rel: (e, _parts(e), doc["entries"][rel]) for rel, e in entries.items()}

    def estimates(self) -> dict[str, Estimate]:
        """The static estimates kept with the entries' results, by site id."""
        return {site: est for entry in self.entries.values() if entry.estimates for site, est in entry.estimates.items()}

    def keep_estimates(self, estimates: dict[str, Estimate]) -> None:
        """Keep each result's static estimates (`estimates`, by site id) with it: a warm run reads them
        instead of pricing every site again."""
        for entry in self.entries.values():
            if entry.estimates is None and entry.result is not None and entry.result.sites:
                kept = {s.id: estimates[s.id] for s in entry.result.sites if s.id in estimates}
                if len(kept) == len(entry.result.sites):
                    entry.estimates = kept
                    self.dirty = True

    def save(self) -> None:
        if self.directory is None or not self.dirty:
            return
        body = self._encode()
        if len(body) > MAX_CACHE_BYTES:
            return
        try:
            fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".scan-", suffix=".tmp")   # mode 0600
            with os.fdopen(fd, "wb") as fh:
                fh.write(body)
            os.replace(tmp, self.directory / CACHE_FILE)
        except OSError:
            return   # a full disk still gets its results, just no cache
        if self.is_new:
            _prune(self.directory.parent, MAX_PROJECTS)

    def _encode(self) -> bytes:
        """The document, one entry at a time: an entry holding a value JSON cannot give back as it was
        (a bytes or complex constant in a setting) is left out, and that file is analysed again next run."""
        entries = []
        for rel, entry in self.entries.items():
            try:
                entries.append(f"{json.dumps(rel)}:{json.dumps(self._json_of(rel, entry), separators=(',', ':'))}")
            except (TypeError, ValueError):
                continue
        head = json.dumps({"format": CACHE_FORMAT, "version": CACHE_VERSION, "root": self.root,
                           "fingerprint": self.fingerprint, "exports": list(self.exports)})
        return f"{head[:-1]}, \"entries\": {{{','.join(entries)}}}}}".encode()

    def _json_of(self, rel: str, entry: Entry) -> Any:
        """The entry's JSON: as loaded while the scan left it alone (most of a re-check after an edit)."""
        loaded = self._loaded.get(rel)
        if loaded is not None:
            same, parts, raw = loaded
            if same is entry and all(now is then for now, then in zip(_parts(entry), parts)) and \
                    (entry.size, entry.mtime_ns) == (raw["size"], raw["mtime_ns"]):
                return raw
        return to_json(entry)


def _parts(entry: Entry) -> tuple:
    """What a scan may replace in an entry: while each is the object loaded, the JSON as loaded holds it."""
    return entry.result, entry.deps, entry.estimates


def _prune(home: Path, keep: int) -> None:
    """Keep the `keep` most recently written project caches (checks of many temporary trees, a test run,
    would otherwise pile up); only directories named like ours, holding only our files, are removed."""
    try:
        projects = [d for d in home.iterdir() if _PROJECT_DIR.fullmatch(d.name) and not d.is_symlink()]
        projects.sort(key=lambda d: d.stat().st_mtime_ns, reverse=True)
    except OSError:
        return
    for d in projects[keep:]:
        try:
            if all(f.name == CACHE_FILE or f.name.startswith(".scan-") for f in d.iterdir()):
                shutil.rmtree(d)
        except OSError:
            continue


class Malformed(ValueError):
    """Cached data that does not have the shape of the record it claims to be."""


_JSON_SCALARS = (str, int, float, bool, type(None))


def decode(kind: Any, data: Any) -> Any:
    """`data` (parsed JSON, as `records.to_json` wrote it) rebuilt as `kind`, a record dataclass or a
    container of them, checking every value against the field's annotation. Raises Malformed."""
    return _decoder(kind)(data)


@functools.cache
def _decoder(kind: Any) -> Callable[[Any], Any]:
    """A function decoding `kind`, built once per type: a warm run decodes every cached record."""
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if kind is Any:
        return _scalar
    if origin in (typing.Union, types.UnionType):
        return _union(args)
    if origin is typing.Literal:
        return functools.partial(_literal, frozenset(args))
    if origin is tuple and not (len(args) == 2 and args[1] is Ellipsis):
        return functools.partial(_fixed_tuple, tuple(_decoder(a) for a in args))
    if origin in (tuple, list):
        return functools.partial(_sequence, origin, _kept(args[0]), _decoder(args[0]))
    if origin is dict:
        return functools.partial(_mapping, _kept(args[0]), _decoder(args[0]), _kept(args[1]), _decoder(args[1]))
    if dataclasses.is_dataclass(kind):
        return functools.partial(_record, kind)
    return functools.partial(_float if kind is float else _exact, kind)


@functools.cache
def _kept(kind: Any) -> frozenset[type]:
    """The JSON types whose values `kind` takes as they are, so that checking the type is all their decoding
    does (most values in a cache: a warm run decodes every cached record)."""
    if kind is Any:
        return frozenset(_JSON_SCALARS)
    if kind is float:
        return frozenset((float, int))
    if kind in (str, int, bool, type(None)):
        return frozenset((kind,))
    if typing.get_origin(kind) in (typing.Union, types.UnionType):
        return frozenset().union(*map(_kept, typing.get_args(kind)))
    return frozenset()


def _scalar(data: Any) -> Any:
    if type(data) not in _JSON_SCALARS:
        raise Malformed(f"expected a scalar, got {type(data).__name__}")
    return data


def _union(args: tuple) -> Callable[[Any], Any]:
    optional = type(None) in args
    arms = [_decoder(a) for a in args if a is not type(None)]

    def decode_union(data: Any) -> Any:
        if data is None and optional:
            return None
        for arm in arms:
            try:
                return arm(data)
            except Malformed:
                continue
        raise Malformed(f"{data!r:.40} is none of {args}")
    return decode_union


def _literal(allowed: frozenset, data: Any) -> Any:
    if type(data) is not str or data not in allowed:
        raise Malformed(f"{data!r:.40} is not one of {sorted(allowed)}")
    return data


def _list(data: Any) -> list:
    if type(data) is not list:
        raise Malformed(f"expected a list, got {type(data).__name__}")
    return data


def _fixed_tuple(items: tuple, data: Any) -> tuple:
    if len(_list(data)) != len(items):
        raise Malformed(f"expected {len(items)} items, got {len(data)}")
    return tuple(item(x) for item, x in zip(items, data))


def _sequence(container: type, kept: frozenset[type], item: Callable[[Any], Any], data: Any) -> Any:
    return container([x if type(x) in kept else item(x) for x in _list(data)])


def _mapping(kept_key: frozenset[type], key: Callable[[Any], Any], kept_value: frozenset[type],
             value: Callable[[Any], Any], data: Any) -> dict:
    if type(data) is not dict:
        raise Malformed(f"expected an object, got {type(data).__name__}")
    return {k if type(k) in kept_key else key(k): v if type(v) in kept_value else value(v) for k, v in data.items()}


def _exact(kind: type, data: Any) -> Any:
    if type(data) is not kind:
        raise Malformed(f"expected {kind.__name__}, got {type(data).__name__}")
    return data


def _float(kind: type, data: Any) -> float:
    """A float, or an int as written: `to_json` wrote the record's own int (a token count where a float
    may be), and a report shows `13` and `13.0` differently, so a cached record must give back which."""
    if type(data) is int:
        return data
    return _exact(kind, data)


def _record(kind: type, data: Any) -> Any:
    """The record class among `kind` and its subclasses (a `ModelSetting` where a `Setting` is declared)
    whose fields are exactly the keys: `to_json` writes every field, so the keys name the class."""
    if type(data) is not dict:
        raise Malformed(f"expected a {kind.__name__} object, got {type(data).__name__}")
    for cls, fields, plain in _record_classes(kind):
        if len(data) != len(fields):
            continue
        values = {}
        for name, kept, field_decoder in fields:   # as many keys as fields, and each a field: the same keys
            try:
                value = data[name]
            except KeyError:
                break
            values[name] = value if type(value) in kept else field_decoder(value)
        else:
            if not plain:
                return cls(**values)
            record = object.__new__(cls)
            record.__dict__.update(values)
            return record
    raise Malformed(f"not a {kind.__name__}: fields {sorted(data)[:12]}")


@functools.cache
def _record_classes(kind: type) -> tuple[tuple[type, tuple[tuple[str, frozenset[type], Callable], ...], bool], ...]:
    """`kind` and its record subclasses, each with (name, types kept as they are, decoder) per field (from
    its evaluated annotations) and whether its `__init__` only stores the fields (all of them, no
    `__post_init__`, instances with a `__dict__`): such a record is built by filling its `__dict__`, which
    skips a frozen dataclass's `object.__setattr__` per field."""
    hints = typing.get_type_hints(kind)
    fields = dataclasses.fields(kind)
    plain = all(f.init for f in fields) and not hasattr(kind, "__post_init__") and "__slots__" not in vars(kind)
    own = (kind, tuple((f.name, _kept(hints[f.name]), _decoder(hints[f.name])) for f in fields), plain)
    return (own, *(c for sub in kind.__subclasses__() if dataclasses.is_dataclass(sub) for c in _record_classes(sub)))


def stat_key(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns


def file_sha(path: Path) -> str | None:
    try:
        return sha1(read_bounded(path, MAX_FILE_BYTES))
    except NotReadable:
        return None


class Stamps:
    """Size, mtime and sha1 of the project files results depend on, each taken once per run: a settings
    module a thousand files import is one stat and one hash, not one per result that names it."""

    def __init__(self) -> None:
        self._keys: dict[str, tuple[int, int] | None] = {}
        self._shas: dict[str, str | None] = {}

    def key(self, path: str) -> tuple[int, int] | None:
        if path not in self._keys:
            self._keys[path] = stat_key(Path(path))
        return self._keys[path]

    def sha(self, path: str) -> str | None:
        if path not in self._shas:
            self._shas[path] = file_sha(Path(path))
        return self._shas[path]


def deps_unchanged(deps: dict[str, tuple[int, int, str]], stamps: Stamps | None = None) -> bool:
    stamps = stamps or Stamps()
    for p, (size, mtime, sha) in deps.items():
        key = stamps.key(p)
        if key is None:
            return False
        if key != (size, mtime) and stamps.sha(p) != sha:
            return False
    return True


def dep_record(paths: Any, stamps: Stamps | None = None) -> dict[str, tuple[int, int, str]]:
    stamps = stamps or Stamps()
    out = {}
    for p in paths:
        path = str(Path(p))
        key, sha = stamps.key(path), stamps.sha(path)
        if key is not None and sha is not None:
            out[path] = (key[0], key[1], sha)
    return out
