"""`[tool.llmsight]` configuration (design §7).

Unknown keys and wrong types are a `ConfigError` naming the file and key: a typo in a budget must not
silently turn the gate off.
"""
from __future__ import annotations

import fnmatch
import keyword
import re
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any


class ConfigError(Exception):
    """Broken configuration; the CLI exits 2 with this message."""


@dataclass(frozen=True)
class Config:
    select: tuple[str, ...] = ()                  # empty: the default rule set (every rule but the opt-in ones)
    extend_select: tuple[str, ...] = ()           # added to `select` (or to the default set); names opt-in rules
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
    allowed_models: tuple[str, ...] = ()          # when set (or allowed_providers), the only models recommended
    allowed_providers: tuple[str, ...] = ()       # providers (openai, anthropic, google…) recommended models come from
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


_TUPLE_KEYS = {"select", "extend_select", "ignore", "wrappers", "exclude", "allowed_models", "allowed_providers"}
_DICT_KEYS = {"severity", "models", "features", "budgets", "slos", "volumes"}
_ALIASES = {"deprecation-window-days": "deprecation_window_days"}
_SEVERITIES = ("error", "warning", "info", "hint")

_WHOLE_NUMBERS = {"default_retries", "default_max_tokens", "default_output_tokens", "default_input_tokens",
                  "deprecation_window_days"}
# the lowest and highest value each number may take (inclusive) and its unit: NaN, infinities, 1e308
# and negative counts would otherwise reach estimates and fixes (`timeout=nan` written into code)
_RANGES: dict[str, tuple[float, float, str]] = {
    "default_timeout": (0.001, 86_400, " seconds"),
    "default_retries": (0, 100, ""),
    "default_max_tokens": (1, 10_000_000, " tokens"),
    "default_output_tokens": (1, 10_000_000, " tokens"),
    "default_input_tokens": (0, 10_000_000, " tokens"),
    "deprecation_window_days": (0, 3_650, " days"),
    "error_rate_threshold": (0, 1, " (a fraction)"),
    "quality_tolerance": (0, 1, " (a fraction)"),
    "budgets": (0, 1e12, " USD per month"),
    "slos": (0.001, 86_400, " seconds"),
    "volumes": (0, 1e15, " calls per month"),
}
# a rule code or a prefix of codes (`LLM001`, `LLM00`, `LLM`)
_SELECTOR = re.compile(r"LLM\d{0,3}")
# how model names are spelled: `gpt-4o-mini`, `bedrock/anthropic.claude-v2:1`, `ft:gpt-4o:org::id`
_MODEL_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/@+\-]{0,199}")
# litellm's provider names: `openai`, `vertex_ai`, `together_ai`, `text-completion-openai`
_PROVIDER_NAME = re.compile(r"[a-z][a-z0-9_\-]{0,63}")


def _shown(value: Any) -> str:
    """A bad value as the message shows it: short (a 4,000-digit integer is a config error, not a page)."""
    text = repr(value) if not isinstance(value, int) or abs(value) < 10 ** 30 else "a number of over 30 digits"
    return text if len(text) <= 60 else text[:57] + "..."


def _number(key: str, value: Any, where: str) -> int | float:
    """`key` (`budgets.chat` for a table's entry) as a number in its range."""
    field_name = key.split(".", 1)[0]
    low, high, unit = _RANGES[field_name]
    integer = field_name in _WHOLE_NUMBERS
    kinds = "a whole number" if integer else "a number"
    if isinstance(value, bool) or not isinstance(value, int if integer else (int, float)):
        raise ConfigError(f"{where}: `{key}` must be {kinds}, got {_shown(value)}")
    # compared before any float() conversion: a huge TOML integer overflows a float
    if not low <= value <= high:  # NaN fails every comparison
        raise ConfigError(f"{where}: `{key}` must be {kinds} from {low:g} to {high:g}{unit}, got {_shown(value)}")
    return value if integer else float(value)


def _text(key: str, value: Any, where: str, what: str = "a non-empty string") -> str:
    """A string that is not empty and holds no NUL (a path with a NUL cannot be opened)."""
    if not isinstance(value, str) or not value.strip() or "\0" in value:
        raise ConfigError(f"{where}: `{key}` must be {what}, got {_shown(value)}")
    return value


def _known_codes() -> list[str]:
    from llmsight.analysis.rules import RULE_MODULES  # the codes, without importing the rules

    return sorted(RULE_MODULES)


def _check_item(key: str, item: str, where: str) -> None:
    selector = item.strip().upper()
    if key in ("select", "extend_select", "ignore") and not (selector == "ALL" or _SELECTOR.fullmatch(selector) and any(
            code.startswith(selector) for code in _known_codes())):
        raise ConfigError(f"{where}: `{key}` entry {_shown(item)} is not a rule code or prefix "
                          "(LLM001, LLM00, ALL); see `llm-lint rules`")
    if key == "wrappers" and not all(part.isidentifier() and not keyword.iskeyword(part) for part in item.split(".")):
        raise ConfigError(f"{where}: `wrappers` entry {_shown(item)} is not a dotted Python name "
                          "(like app.llm.ask or app.Client.complete)")
    if key == "allowed_models" and not _MODEL_NAME.fullmatch(item):
        raise ConfigError(f"{where}: `allowed_models` entry {_shown(item)} is not a model name like gpt-4o-mini")
    if key == "allowed_providers" and not _PROVIDER_NAME.fullmatch(item):
        raise ConfigError(f"{where}: `allowed_providers` entry {_shown(item)} is not a provider name like openai, "
                          "anthropic or google")


def _coerce(key: str, value: Any, where: str) -> Any:
    if key in _TUPLE_KEYS:
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list):
            raise ConfigError(f"{where}: `{key}` must be a list of strings")
        for item in items:
            _check_item(key, _text(key, item, where, "a list of non-empty strings"), where)
        return tuple(items)
    if key in _DICT_KEYS:
        if not isinstance(value, dict):
            raise ConfigError(f"{where}: `{key}` must be a table")
        for k, v in value.items():
            _text(f"{key} key", k, where)
            entry = f"{key}.{_shown(k)[1:-1]}"
            if key == "severity":
                if k not in _known_codes():
                    raise ConfigError(f"{where}: `severity` key {_shown(k)} is not a rule code; see `llm-lint rules`")
                if v not in _SEVERITIES:
                    raise ConfigError(f"{where}: `{entry}` must be error, warning, info or hint")
            elif key in _RANGES:
                _number(entry, v, where)
            elif key == "features":
                _text(entry, v, where)                # `models` entries are checked by the catalog
        return dict(value)
    if key in _RANGES:
        return _number(key, value, where)
    if key == "prices" and isinstance(value, dict):
        return dict(value)                        # inline [tool.llmsight] prices table; checked by the catalog
    if key == "fail_on":
        if value not in _SEVERITIES:
            raise ConfigError(f"{where}: `fail_on` must be error, warning, info or hint")
        return value
    if key == "fallback_model" and not (isinstance(value, str) and _MODEL_NAME.fullmatch(value)):
        raise ConfigError(f"{where}: `fallback_model` must be a model name like gpt-4o-mini, got {_shown(value)}")
    return _text(key, value, where, "a non-empty string (a path)" if key in ("traffic", "prices") else "a string")


def parse_config(table: dict[str, Any], where: str) -> Config:
    known = {f.name for f in fields(Config)} - {"source"}
    kwargs: dict[str, Any] = {}
    for raw_key, value in table.items():
        key = _ALIASES.get(raw_key, raw_key.replace("-", "_")) if isinstance(raw_key, str) else ""
        if key not in known:
            import difflib

            close = difflib.get_close_matches(key, sorted(known), n=1)
            hint = f"did you mean `{close[0]}`?" if close else f"known: {', '.join(sorted(known))}"
            raise ConfigError(f"{where}: unknown key `{_shown(raw_key)[1:-1]}` in [tool.llmsight] ({hint})")
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
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror or exc}); check the path") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        # ValueError: an integer of over 4,300 digits; RecursionError: arrays nested thousands deep
        raise ConfigError(f"{path}: not valid TOML ({_shown(str(exc))}); fix the file or pass --config") from exc
    table = data.get("tool", {}).get("llmsight") if path.name == "pyproject.toml" or "tool" in data else data
    if table is None:
        return Config()
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.llmsight] must be a table")
    return parse_config(table, str(path))
