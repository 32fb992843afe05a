"""Content-hash cache of per-file results, so a warm re-check reads almost nothing.

A file's entry is reused when its bytes are unchanged (size+mtime, else sha1) and every project file
its result depended on (constants, settings, factories in other modules) is unchanged too. Entries
are keyed by a fingerprint of everything else that changes results: llmsight's version, the
config, the selected rules, the price data and the date (deprecation windows move daily).
"""
from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CACHE_VERSION = 1


@dataclass
class Entry:
    size: int
    mtime_ns: int
    sha: str
    result: Any | None                              # FileResult, or None: skipped by the prefilter
    deps: dict[str, tuple[int, int, str]] = field(default_factory=dict)   # abs path -> (size, mtime, sha)


def sha1(data: bytes) -> str:
    return hashlib.sha1(data).hexdigest()


def cache_dir(root: Path) -> Path:
    env = os.environ.get("LLMSIGHT_CACHE_DIR")
    return Path(env) if env else root / ".llmsight" / "cache"


class ScanCache:
    def __init__(self, root: Path, fingerprint: str, enabled: bool = True):
        self.path = cache_dir(root) / f"scan-v{CACHE_VERSION}.pickle"
        self.fingerprint = fingerprint
        self.enabled = enabled
        self.entries: dict[str, Entry] = {}
        self.exports: tuple[str, ...] = ()
        self.dirty = False
        if enabled:
            self._load()

    def _load(self) -> None:
        try:
            with open(self.path, "rb") as fh:
                data = pickle.load(fh)
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError):
            return
        if isinstance(data, dict) and data.get("fingerprint") == self.fingerprint:
            self.entries = data.get("entries", {})
            self.exports = tuple(data.get("exports", ()))

    def save(self) -> None:
        if not (self.enabled and self.dirty):
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            gitignore = self.path.parent.parent / ".gitignore"
            if self.path.parent.parent.name == ".llmsight" and not gitignore.exists():
                gitignore.write_text("# created by llmsight\n*\n")
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".scan-")
            with os.fdopen(fd, "wb") as fh:
                pickle.dump({"fingerprint": self.fingerprint, "entries": self.entries, "exports": self.exports},
                            fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, self.path)
        except OSError:
            pass  # a read-only tree still gets its results, just no cache


def stat_key(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns


def file_sha(path: Path) -> str | None:
    try:
        return sha1(path.read_bytes())
    except OSError:
        return None


def deps_unchanged(deps: dict[str, tuple[int, int, str]]) -> bool:
    for p, (size, mtime, sha) in deps.items():
        key = stat_key(Path(p))
        if key is None:
            return False
        if key != (size, mtime) and file_sha(Path(p)) != sha:
            return False
    return True


def dep_record(paths: Any) -> dict[str, tuple[int, int, str]]:
    out = {}
    for p in paths:
        path = Path(p)
        key, sha = stat_key(path), file_sha(path)
        if key is not None and sha is not None:
            out[str(path)] = (key[0], key[1], sha)
    return out
