"""The project's own non-Python configuration, where models often live: `.env.example`-style files,
`config*.yaml|yml|toml|json` and docker-compose `environment:` blocks.

Read as data, never executed: a small line reader for `.env` and YAML (mappings, scalars and `- KEY=value`
lists; anchors, tags and block scalars are skipped), `tomllib` and `json` for the rest. Bounded: files near
the project root only, a few dozen of them, each under a size limit. The values are what the code reads
when it asks for an environment variable or a key, with the file and line they come from.
"""
from __future__ import annotations

import json
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from llmsight.analysis.project import NotReadable, read_bounded
from llmsight.analysis.secrets import redact

MAX_CONFIG_FILE_BYTES = 256_000
MAX_CONFIG_FILES = 48
MAX_DEPTH = 3            # directories below the project root that are searched
SKIP_DIRS = frozenset({".git", ".hg", ".svn", ".venv", "venv", "env", "node_modules", "__pycache__", ".tox",
                       ".nox", "site-packages", "build", "dist", ".eggs", "tests", "test", "docs", ".llmsight"})
# `.env` itself is the user's own (and holds their keys); the templates the project ships are read
_ENV_TEMPLATE = re.compile(r"^(?:\.env\.[\w.-]+|[\w.-]*\.env\.example|env\.example|example\.env|sample\.env)$", re.I)
_CONFIG_FILE = re.compile(r"^config[\w.-]*\.(?:ya?ml|toml|json)$", re.I)
_COMPOSE_FILE = re.compile(r"^(?:docker-)?compose[\w.-]*\.ya?ml$", re.I)
_ENV_LINE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.]*)\s*=\s*(.*?)\s*$")
_COMPOSE_DEFAULT = re.compile(r"^\$\{[A-Za-z_][A-Za-z0-9_]*:?-([^}]*)\}$")
_YAML_KEY = re.compile(r"^(\s*)(?:-\s+)?([\"']?)([^\"':#][^:#]*?)\2\s*:(?:\s+(.*?))?\s*$")
_PLACEHOLDER = re.compile(r"^(?:<.*>|\{.*\}|\$\{[^}]*\}|your[-_].*|change[-_]?me|xxx+|\.\.\.|todo|none|null|~)$", re.I)


@dataclass(frozen=True)
class ConfigValue:
    value: str
    where: str          # "path:line", relative to the project root


@dataclass
class ProjectConfig:
    """Environment variables and keys the project's own config files set, found on first use."""

    root: Path
    _env: dict[str, list[ConfigValue]] | None = None
    _keys: list[tuple[tuple[str, ...], ConfigValue]] = field(default_factory=list)

    def env(self, name: str) -> list[ConfigValue]:
        """Values the project's `.env` templates and compose files give variable `name`."""
        self._load()
        assert self._env is not None
        return self._env.get(name, []) or self._env.get(name.upper(), [])

    def key(self, path: tuple[str, ...]) -> list[ConfigValue]:
        """String values at a key path (`("llm", "model")`) in the config files, matched at the end of
        each file's own path and ignoring case (`[config] model = …` answers `("config", "model")`)."""
        self._load()
        want = tuple(p.lower() for p in path)
        n = len(want)
        return [v for keys, v in self._keys if len(keys) >= n and tuple(k.lower() for k in keys[-n:]) == want]

    # ---- reading -------------------------------------------------------------------------------
    def _load(self) -> None:
        if self._env is not None:
            return
        self._env = {}
        for path in self._files():
            try:
                text = _read(path)
            except (NotReadable, UnicodeDecodeError):
                continue
            rel = path.relative_to(self.root).as_posix()
            name = path.name
            if _ENV_TEMPLATE.match(name):
                self._add_env(_env_lines(text), rel)
            elif _COMPOSE_FILE.match(name):
                self._add_env(_compose_environment(text), rel)
            elif name.lower().endswith((".yaml", ".yml")):
                self._add_keys(_yaml_leaves(text), rel)
            elif name.lower().endswith(".toml"):
                self._add_keys(_structured_leaves(text, "toml"), rel)
            else:
                self._add_keys(_structured_leaves(text, "json"), rel)

    def _add_env(self, found: list[tuple[str, str, int]], rel: str) -> None:
        assert self._env is not None
        for var, value, line in found:
            value = _usable(value)
            if value is not None:
                self._env.setdefault(var, []).append(ConfigValue(value, f"{rel}:{line}"))

    def _add_keys(self, found: list[tuple[tuple[str, ...], str, int]], rel: str) -> None:
        for keys, value, line in found:
            value = _usable(value)
            if value is not None:
                self._keys.append((keys, ConfigValue(value, f"{rel}:{line}")))

    def _files(self) -> list[Path]:
        out: list[Path] = []
        base_depth = len(self.root.parts)
        for dirpath, dirnames, filenames in os.walk(self.root):
            depth = len(Path(dirpath).parts) - base_depth
            dirnames[:] = sorted(d for d in dirnames if depth < MAX_DEPTH and d not in SKIP_DIRS
                                 and not d.startswith(".") and not d.endswith(".egg-info"))
            for name in sorted(filenames):
                if _ENV_TEMPLATE.match(name) or _CONFIG_FILE.match(name) or _COMPOSE_FILE.match(name):
                    path = Path(dirpath, name)
                    if not path.is_symlink():
                        out.append(path)
                        if len(out) >= MAX_CONFIG_FILES:
                            return out
        return out


def _read(path: Path) -> str:
    """A regular file's text, bounded (a FIFO or device named like a config file is not opened)."""
    return read_bounded(path, MAX_CONFIG_FILE_BYTES).decode("utf-8-sig")


def _usable(value: str) -> str | None:
    """A value that can name a model: one token, no placeholder; keys that slipped in are masked."""
    value = _unquote(value)
    if not value or len(value) > 200 or any(c.isspace() for c in value) or _PLACEHOLDER.match(value):
        return None
    return redact(value)


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value.split(" #", 1)[0].strip()


def _env_lines(text: str) -> list[tuple[str, str, int]]:
    out = []
    for line_no, line in enumerate(text.splitlines(), 1):
        if line.lstrip().startswith("#"):
            continue
        m = _ENV_LINE.match(line)
        if m:
            out.append((m.group(1), m.group(2), line_no))
    return out


def _compose_environment(text: str) -> list[tuple[str, str, int]]:
    """`environment:` entries of a compose file: `- KEY=value` lists and `KEY: value` mappings; a
    `${KEY:-default}` value gives its default."""
    out = []
    indent: int | None = None
    for line_no, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        level = len(line) - len(line.lstrip())
        if stripped.rstrip(":").strip() == "environment" and stripped.endswith(":"):
            indent = level
            continue
        if indent is None:
            continue
        if level <= indent:
            indent = None
            continue
        item = stripped[1:].strip() if stripped.startswith("-") else stripped
        if "=" in item and (stripped.startswith("-") or ":" not in item.split("=", 1)[0]):
            var, _, value = item.partition("=")
        elif ":" in item:
            var, _, value = item.partition(":")
        else:
            continue
        value = _unquote(value)
        default = _COMPOSE_DEFAULT.match(value)
        out.append((_unquote(var).strip(), default.group(1) if default else value, line_no))
    return out


def _yaml_leaves(text: str) -> list[tuple[tuple[str, ...], str, int]]:
    """Scalar leaves of a YAML document's nested mappings, with their key paths and lines."""
    out = []
    stack: list[tuple[int, str]] = []   # (indent, key) of the open mappings
    block_indent: int | None = None     # inside a `|` / `>` block scalar
    for line_no, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if not stripped or stripped.startswith(("#", "---", "...")):
            continue
        level = len(line) - len(line.lstrip())
        if block_indent is not None:
            if level > block_indent:
                continue
            block_indent = None
        m = _YAML_KEY.match(line)
        if m is None:
            continue
        level = len(m.group(1)) + (2 if line.lstrip().startswith("- ") else 0)
        while stack and stack[-1][0] >= level:
            stack.pop()
        key, value = m.group(3).strip(), (m.group(4) or "").strip()
        if not value:
            stack.append((level, key))
        elif value[0] in "|>":
            block_indent = level
        elif value[0] not in "&*!{[":
            out.append((tuple(k for _, k in stack) + (key,), value, line_no))
    return out


def _structured_leaves(text: str, kind: str) -> list[tuple[tuple[str, ...], str, int]]:
    try:
        data = tomllib.loads(text) if kind == "toml" else json.loads(text)
    except (tomllib.TOMLDecodeError, json.JSONDecodeError, RecursionError, ValueError):
        return []
    lines = text.splitlines()
    out: list[tuple[tuple[str, ...], str, int]] = []
    stack: list[tuple[tuple[str, ...], object]] = [((), data)]
    while stack and len(out) < 5000:
        keys, node = stack.pop()
        if isinstance(node, dict):
            stack.extend((keys + (str(k),), v) for k, v in reversed(list(node.items())))
        elif isinstance(node, str) and keys:
            out.append((keys, node, _line_of(lines, keys[-1], node)))
    return out


def _line_of(lines: list[str], key: str, value: str) -> int:
    """The first line that states `key` with `value` (TOML and JSON parsers do not keep lines)."""
    for i, line in enumerate(lines, 1):
        if key in line and value in line:
            return i
    return 1
