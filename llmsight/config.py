"""`[tool.llmsight]` configuration (design §7).

Unknown keys and wrong types are a `ConfigError` naming the file and key: a typo in a budget must not
silently turn the gate off.
"""
from __future__ import annotations

import fnmatch
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any


class ConfigError(Exception):
    """Broken configuration; the CLI exits 2 with this message."""


@dataclass(frozen=True)
class Config:
    select: tuple[str, ...] = ()                  # empty: all rules
    ignore: tuple[str, ...] = ()
    severity: dict[str, str] = field(default_factory=dict)   # code -> error|warning|info|hint
    wrappers: tuple[str, ...] = ()                # qualified names of user functions that call an LLM
    exclude: tuple[str, ...] = ()                 # globs (relative to root) not scanned
    default_timeout: float | None = None          # seconds: fixes use it; LLM001 counts it as "config"
    default_retries: int | None = None
    default_max_tokens: int | None = None         # output cap a fix inserts when traffic is absent
    default_output_tokens: int = 500              # static estimate when a call has no output cap
    default_input_tokens: int | None = None       # static estimate for prompts with dynamic parts
    fallback_model: str | None = None
    deprecation_window_days: int = 90
    models: dict[str, str] = field(default_factory=dict)      # deployment name -> catalog model
    prices: str | dict | None = None              # prices file (JSON/TOML, litellm map format) or inline table
    features: dict[str, str] = field(default_factory=dict)    # glob -> feature tag
    budgets: dict[str, float] = field(default_factory=dict)   # feature or site id -> USD per month
    slos: dict[str, float] = field(default_factory=dict)      # feature or site id -> p95 seconds
    volumes: dict[str, float] = field(default_factory=dict)   # feature or site id -> calls per month
    traffic: str | None = None
    fail_on: str = "hint"                         # lowest severity that makes `check` exit 1
    error_rate_threshold: float = 0.02
    quality_tolerance: float = 0.02
    source: str | None = None                     # file the config came from

    def feature_for(self, rel_path: str) -> str | None:
        for pattern, tag in self.features.items():
            if fnmatch.fnmatch(rel_path, pattern):
                return tag
        return None

    def is_excluded(self, rel_path: str) -> bool:
        return any(fnmatch.fnmatch(rel_path, p) or fnmatch.fnmatch(rel_path, p.rstrip("/") + "/*")
                   for p in self.exclude)

    def with_overrides(self, **kwargs: Any) -> "Config":
        return replace(self, **{k: v for k, v in kwargs.items() if v is not None})


_TUPLE_KEYS = {"select", "ignore", "wrappers", "exclude"}
_DICT_KEYS = {"severity", "models", "features", "budgets", "slos", "volumes"}
_ALIASES = {"deprecation-window-days": "deprecation_window_days"}


def _coerce(key: str, value: Any, where: str) -> Any:
    spec = {f.name: f for f in fields(Config)}[key]
    if key in _TUPLE_KEYS:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{where}: `{key}` must be a list of strings")
        return tuple(value)
    if key in _DICT_KEYS:
        if not isinstance(value, dict):
            raise ConfigError(f"{where}: `{key}` must be a table")
        if key == "severity":
            bad = {k: v for k, v in value.items() if v not in ("error", "warning", "info", "hint")}
            if bad:
                raise ConfigError(f"{where}: severity for {', '.join(bad)} must be error, warning, info or hint")
        if key in ("budgets", "slos", "volumes"):
            for k, v in value.items():
                if not isinstance(v, (int, float)) or isinstance(v, bool) or v < 0:
                    raise ConfigError(f"{where}: `{key}.{k}` must be a non-negative number, got {v!r}")
        return dict(value)
    if key == "prices" and isinstance(value, dict):
        return dict(value)                        # inline [tool.llmsight.prices] table; checked by the catalog
    t = spec.type if isinstance(spec.type, str) else str(spec.type)
    if "float" in t and isinstance(value, (int, float)) and not isinstance(value, bool):
        if value <= 0 and key in ("default_timeout",):
            raise ConfigError(f"{where}: `{key}` must be positive")
        return float(value)
    if "int" in t and isinstance(value, int) and not isinstance(value, bool):
        return value
    if "str" in t and isinstance(value, str):
        if key == "fail_on" and value not in ("error", "warning", "info", "hint"):
            raise ConfigError(f"{where}: `fail_on` must be error, warning, info or hint")
        return value
    raise ConfigError(f"{where}: `{key}` has the wrong type ({type(value).__name__})")


def parse_config(table: dict[str, Any], where: str) -> Config:
    known = {f.name for f in fields(Config)} - {"source"}
    kwargs: dict[str, Any] = {}
    for raw_key, value in table.items():
        key = _ALIASES.get(raw_key, raw_key.replace("-", "_"))
        if key not in known:
            import difflib

            close = difflib.get_close_matches(key, sorted(known), n=1)
            hint = f"did you mean `{close[0]}`?" if close else f"known: {', '.join(sorted(known))}"
            raise ConfigError(f"{where}: unknown key `{raw_key}` in [tool.llmsight] ({hint})")
        kwargs[key] = _coerce(key, value, where)
    return Config(source=where, **kwargs)


def load_config(root: Path, explicit: Path | None = None) -> Config:
    """Config from `--config FILE`, else the project root's pyproject.toml, else defaults."""
    path = explicit or (root / "pyproject.toml")
    if not path.is_file():
        if explicit:
            raise ConfigError(f"{explicit}: config file not found")
        return Config()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc}); fix the file or pass --config") from exc
    table = data.get("tool", {}).get("llmsight") if path.name == "pyproject.toml" or "tool" in data else data
    if table is None:
        return Config()
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.llmsight] must be a table")
    return parse_config(table, str(path))
