"""Editor settings (initializationOptions / workspace/didChangeConfiguration) and per-project config.

Settings arrive as `{"llmsight": {...}}` (VS Code's configuration section) or flat; keys are the
VS Code names (`trafficDb`, `select`, `ignore`, `debounceMs`, `inlayHints`, `codeLens`,
`diagnosticMode`, `estimateDiagnostics`). A project's
`[tool.llmsight]` config is re-read when its `pyproject.toml` changes (mtime), so editing the config
takes effect without restarting the server.
"""
from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from llmsight.config import Config, ConfigError, load_config

DEFAULT_DEBOUNCE_MS = 150
DIAGNOSTIC_MODES = ("openFiles", "workspace")


@dataclass(frozen=True)
class Settings:
    traffic_db: str | None = None
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    debounce_ms: int = DEFAULT_DEBOUNCE_MS
    inlay_hints: bool = True
    code_lens: bool = True
    diagnostic_mode: str = "openFiles"   # or "workspace": also the files not open, via `llmsight.api.check`
    estimate_diagnostics: bool = False   # each site's estimate as a hint diagnostic, for clients without inlay
                                         # hints (JupyterLab; `llm-lint lsp --estimate-diagnostics`)

    def updated(self, raw: Any) -> tuple["Settings", list[str]]:
        """These settings with the recognised keys of `raw` applied, plus a message per bad value."""
        if not isinstance(raw, dict):
            return self, []
        if isinstance(raw.get("llmsight"), dict):
            raw = raw["llmsight"]
        problems: list[str] = []
        changes: dict[str, Any] = {}

        def codes(key: str) -> tuple[str, ...] | None:
            value = raw[key]
            if isinstance(value, str):
                value = [v for v in value.replace(",", " ").split() if v]
            if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
                return tuple(v.strip().upper() for v in value if v.strip())
            problems.append(f"setting llmsight.{key} must be a list of rule codes like [\"LLM001\"], got {value!r}")
            return None

        if "trafficDb" in raw:
            value = raw["trafficDb"]
            if value is None or isinstance(value, str):
                changes["traffic_db"] = value or None
            else:
                problems.append(f"setting llmsight.trafficDb must be a path string, got {value!r}")
        for key, attr in (("select", "select"), ("ignore", "ignore")):
            if key in raw and (value := codes(key)) is not None:
                changes[attr] = value
        if "debounceMs" in raw:
            value = raw["debounceMs"]
            if isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value <= 10_000:
                changes["debounce_ms"] = int(value)
            else:
                problems.append(f"setting llmsight.debounceMs must be a number of milliseconds 0..10000, got {value!r}")
        if "diagnosticMode" in raw:
            if raw["diagnosticMode"] in DIAGNOSTIC_MODES:
                changes["diagnostic_mode"] = raw["diagnosticMode"]
            else:
                problems.append(f"setting llmsight.diagnosticMode must be one of {', '.join(DIAGNOSTIC_MODES)}, "
                                f"got {raw['diagnosticMode']!r}")
        for key, attr in (("inlayHints", "inlay_hints"), ("codeLens", "code_lens"),
                          ("estimateDiagnostics", "estimate_diagnostics")):
            if key in raw:
                if isinstance(raw[key], bool):
                    changes[attr] = raw[key]
                else:
                    problems.append(f"setting llmsight.{key} must be true or false, got {raw[key]!r}")
        return replace(self, **changes), problems


def _mtime(path: Path) -> int | None:
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return None


@dataclass
class _Loaded:
    stamp: int | None
    config: Config
    error: str | None


@dataclass
class ProjectConfigs:
    """`[tool.llmsight]` per project root, reloaded when pyproject.toml's mtime changes."""

    _cache: dict[Path, _Loaded] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self, root: Path) -> tuple[Config, str | None]:
        """The config for `root` and, when the file is broken, the error (defaults are used then)."""
        stamp = _mtime(root / "pyproject.toml")
        with self._lock:
            loaded = self._cache.get(root)
            if loaded is not None and loaded.stamp == stamp:
                return loaded.config, loaded.error
        try:
            config, error = load_config(root), None
        except ConfigError as exc:
            config, error = Config(), f"{root / 'pyproject.toml'}: {exc}; using default settings until it is fixed"
        with self._lock:
            self._cache[root] = _Loaded(stamp, config, error)
        return config, error

    def clear(self) -> None:
        with self._lock:
            self._cache.clear()


def traffic_stamp(path: Path | None) -> int | None:
    """Changes whenever the traffic database is rewritten (DuckDB writes its file and a .wal)."""
    if path is None:
        return None
    stamps = [_mtime(path), _mtime(path.with_name(path.name + ".wal"))]
    return hash(tuple(stamps))
