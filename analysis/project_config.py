"""The project's own non-Python configuration, where models often live: `.env.example`-style files,
docker-compose `environment:` blocks, and config files anywhere in the project tree — YAML, TOML and JSON
named `*config*`/`*settings*` (`conversation_config.yaml`), every TOML file a package ships
(`settings/configuration.toml` read by dynaconf, `configs/<profile>.toml`), and YAML/JSON under a
`config`/`configs`/`conf`/`settings` directory.

Read as data, never executed: a small line reader for `.env` and YAML (mappings, scalars and `- KEY=value`
lists; anchors, tags and block scalars are skipped), `tomllib` and `json` for the rest. Bounded: a few
directories deep, a hundred files, each under a size limit; walked once per project on the first lookup (a
project whose sites never need them never reads them), each file parsed once, when a lookup wants a key it
states. A file that does not parse is skipped and named, with the parser's reason, in `unread`. The values
are what the code reads when it asks for an environment variable or a key, with the file and line they
come from; where several files (profiles) set the key, each value is a candidate.
"""
from __future__ import annotations

import ast
import bisect
import itertools
import json
import os
import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path

from llmsight.analysis.project import NotReadable, read_bounded
from llmsight.analysis.secrets import redact

MAX_CONFIG_FILE_BYTES = 256_000
MAX_CONFIG_FILES = 96
MAX_DEPTH = 4            # directories below the project root that are searched
MAX_LEAVES = 5000        # string values kept per file
SKIP_DIRS = frozenset({".git", ".hg", ".svn", ".venv", "venv", "env", "node_modules", "__pycache__", ".tox",
                       ".nox", "site-packages", "build", "dist", ".eggs", "tests", "test", "docs", ".llmsight"})
# `.env` itself is the user's own (and holds their keys); the templates the project ships are read
_ENV_TEMPLATE = re.compile(r"^(?:\.env\.[\w.-]+|[\w.-]*\.env\.example|env\.example|example\.env|sample\.env)$", re.I)
_CONFIG_FILE = re.compile(r"^[\w.-]*(?:config|settings)[\w.-]*\.(?:ya?ml|toml|json)$", re.I)
_DATA_FILE = re.compile(r"^[\w.-]+\.(?:ya?ml|json)$", re.I)
_TOML_FILE = re.compile(r"^[\w.-]+\.toml$", re.I)
# directories whose YAML/JSON files are configuration (elsewhere they are often data, CI or API specs)
CONFIG_DIRS = frozenset({"config", "configs", "conf", "settings", "profiles", "presets"})
# TOML files of build tools, never where an application keeps its models
TOOL_TOMLS = frozenset({"pyproject.toml", "cargo.toml", "ruff.toml", ".ruff.toml", "poetry.toml", "pixi.toml",
                        "rustfmt.toml", "taplo.toml", "typos.toml", "_typos.toml", "netlify.toml", "mypy.toml",
                        "uv.toml", "hatch.toml", "pdm.toml", "setup.toml", "codecov.toml", "towncrier.toml"})
_COMPOSE_FILE = re.compile(r"^(?:docker-)?compose[\w.-]*\.ya?ml$", re.I)
_ENV_LINE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.]*)\s*=\s*(.*?)\s*$")
_COMPOSE_DEFAULT = re.compile(r"^\$\{[A-Za-z_][A-Za-z0-9_]*:?-([^}]*)\}$")
# greedy, and tried only on a line `_yaml_key` finds a key could open: a lazy key or value with `\s*` after it
# backtracks quadratically over a long run of spaces (a 64 kB line took seconds); both are stripped after
_YAML_KEY = re.compile(r"^(\s*)(?:-\s+)?([\"']?)([^\"':#][^:#]*)\2\s*:(?:\s+(.*))?$")
_LINE_KEY = re.compile(r"""\s*["']?([\w-]+)["']?\s*[=:]""")   # a line opening with `key =`, `"key":`
_PLACEHOLDER = re.compile(r"^(?:<.*>|\{.*\}|\$\{[^}]*\}|your[-_].*|change[-_]?me|replace[-_]?me|not[-_]?(?:provided|set|"
                          r"specified|configured)|xxx+|\.\.\.|todo|none|null|~)$", re.I)


def is_placeholder(value: str) -> bool:
    """A value the user must replace (`your-model-here`, `not-provided`, `<model>`, `changeme`), empty too."""
    return not value.strip() or bool(_PLACEHOLDER.match(value.strip()))


@dataclass(frozen=True)
class ConfigValue:
    value: str
    where: str                  # "path:line", relative to the project root
    provider: str | None = None  # the `provider` its table names (`[embedding] provider = "ollama"`)
    key: str = ""               # where in its file: "embedding.base_model"


@dataclass
class ProjectConfig:
    """Environment variables and keys the project's own config files set, found on first use."""

    root: Path
    _env: dict[str, list[ConfigValue]] | None = None
    _keys: list[tuple[tuple[str, ...], ConfigValue]] = field(default_factory=list)
    unread: list[str] = field(default_factory=list)   # "path: why" of each config file skipped
    _providers: dict[str, str] = field(default_factory=dict)   # "path:line" of a value -> its table's provider
    # structured files not parsed yet: (order, path relative to the root, text); each is parsed when a
    # lookup wants a key it states (most packaged TOML is prompts, never read for a model)
    _pending: list[tuple[int, str, str]] = field(default_factory=list)
    _asked: set[str] = field(default_factory=set)   # keys the pending files were searched for
    _table_bound: dict[str, str] = field(default_factory=dict)   # "path:line" -> the table it is sent for
    _parsed: dict[int, list[tuple[tuple[str, ...], ConfigValue]]] = field(default_factory=dict)

    def env(self, name: str) -> list[ConfigValue]:
        """Values the project's `.env` templates and compose files give variable `name`."""
        self._load()
        assert self._env is not None
        return self._env.get(name, []) or self._env.get(name.upper(), [])

    def key(self, path: tuple[str, ...], owner: str | None = None, anywhere: bool = True) -> list[ConfigValue]:
        """String values at a key path read from a settings object or a loaded dict, matched at the end of
        each file's own key path, ignoring case, the longest part of two keys or more first:
        `self.config.app.audio_lm` answers `[app] audio_lm`, `get_settings().config.model` and
        `settings.get("config.model")` answer `[config] model`. Read on an instance of config class
        `owner`, then the table named after the class (`config.base_model` on an `EmbeddingConfig` answers
        `[embedding] base_model`). A path of one key answers that key when `anywhere` (the caller knows it
        names a model), as `_bare_key` says. One value per distinct string, the file nearest the project
        root first."""
        want = tuple(k.lower() for part in path for k in part.split(".") if k)
        if not want:
            return []
        self._load()
        self._parse_stating(want[-1])
        for n in range(len(want), 1, -1):
            found = [v for keys, v in self._keys if len(keys) >= n and keys[-n:] == want[-n:]]
            if found:
                return _distinct(found)
        table = table_name(owner) if owner else ""
        found = [v for keys, v in self._keys if len(keys) >= 2 and keys[-1] == want[-1]
                 and keys[-2].replace("_", "") == table] if table else []
        if not found and anywhere and len(want) == 1:
            found = self._bare_key(want[0])
        return _distinct(found)

    def _bare_key(self, key: str) -> list[ConfigValue]:
        """A key read without its table (`provider_cfg["model"]`, the table picked at run time): the
        config files' value when they set it in one place; when each table that sets it has its own
        name (`openai: {model: …}`, `anthropic: {model: …}`), all of them, each kept only for a site of
        the SDK its table is named after (`for_sdk`); else none (`[ocr] model` and `[summary] model`)."""
        found = [(keys, v) for keys, v in self._keys if keys[-1] == key]
        paths = {keys for keys, _v in found}
        if len(paths) == 1:
            return [v for _keys, v in found]
        tables = {keys[-2] for keys in paths if len(keys) >= 2}
        if len(tables) < len(paths):
            return []
        self._table_bound.update({v.where: keys[-2] for keys, v in found})
        return [v for _keys, v in found]

    def unread_note(self) -> str:
        """"; config files not read: a.toml (why)", for a reason that may lie in a file llmsight skipped."""
        if not self.unread:
            return ""
        more = f" and {len(self.unread) - 2} more" if len(self.unread) > 2 else ""
        return "; config files not read: " + ", ".join(self.unread[:2]) + more

    # ---- reading -------------------------------------------------------------------------------
    def _load(self) -> None:
        """Walk the files once: `.env` templates and compose files are read now, the others kept to parse
        on demand."""
        if self._env is not None:
            return
        self._env = {}
        for order, path in enumerate(self._files()):
            rel = path.relative_to(self.root).as_posix()
            try:
                text = _read(path)
            except NotReadable as exc:
                self.unread.append(f"{rel}: {exc}")
                continue
            except UnicodeDecodeError:
                self.unread.append(f"{rel}: not UTF-8 text")
                continue
            if _ENV_TEMPLATE.match(path.name):
                self._add_env(_env_lines(text), rel)
            elif _COMPOSE_FILE.match(path.name):
                self._add_env(_compose_environment(text), rel)
            else:
                self._pending.append((order, rel, text))

    def _parse_stating(self, key: str) -> None:
        """Parse the pending files that state `key` as a key (`key =`, `key:`, `"key":`), then list every
        parsed value in file order with its table's provider."""
        if key in self._asked:
            return
        self._asked.add(key)
        stated = re.compile(re.escape(key) + r"[\"']?[ \t]*[=:]", re.I)   # a literal first: a fast scan
        due = [item for item in self._pending if any(
            m.start() == 0 or item[2][m.start() - 1] in " \t\r\n{,.\"'" for m in stated.finditer(item[2]))]
        if not due:
            return
        taken = {item[0] for item in due}
        self._pending = [item for item in self._pending if item[0] not in taken]
        for order, rel, text in due:
            try:
                if rel.lower().endswith((".yaml", ".yml")):
                    leaves = _yaml_leaves(text)
                else:
                    leaves = _structured_leaves(text, "toml" if rel.lower().endswith(".toml") else "json")
            except ValueError as exc:   # TOMLDecodeError and JSONDecodeError are ValueErrors
                self.unread.append(f"{rel}: {str(exc).splitlines()[0][:160]}")
                continue
            except RecursionError:
                self.unread.append(f"{rel}: nested too deeply to read")
                continue
            self._parsed[order] = _keyed(leaves, rel)
        self._keys = _with_inherited_providers([kv for order in sorted(self._parsed) for kv in self._parsed[order]])
        self._providers = {v.where: v.provider for _keys, v in self._keys if v.provider}

    def for_sdk(self, candidates: tuple, sdk: str | None, site_class: ast.ClassDef | None = None) -> tuple[tuple, str]:
        """The model candidates a site of `sdk` can send, and why none when the config files gave only
        others'. A config table that names its provider (`[embedding] provider = "ollama"`) is sent only
        by code for that provider: when the site's class refuses every other one (`if config.provider !=
        "litellm": raise` in its `__init__`), only tables naming an admitted provider; else, when some
        table names this SDK, not those naming another. A bare key's value from a table named after a
        provider (`_bare_key`) is kept only for that provider's SDK. Candidates carry `value`, `origin`,
        `reach`."""
        kept = tuple(c for c in candidates if c.origin not in self._table_bound
                     or (sdk and _serves(self._table_bound[c.origin], sdk)))
        providers = {c.origin: self._providers.get(c.origin) for c in kept if c.reach == "project-config-file"}
        admitted = admitted_providers(site_class) if site_class is not None and any(providers.values()) else frozenset()
        if admitted:
            kept = tuple(c for c in kept if not providers.get(c.origin) or providers[c.origin].lower() in admitted)
        elif sdk and any(_serves(p, sdk) for p in providers.values() if p):
            kept = tuple(c for c in kept if not providers.get(c.origin) or _serves(providers[c.origin], sdk))
        if kept or not candidates:
            return kept, ""
        if admitted:
            named = sorted({p for p in providers.values() if p})
            return kept, (f"the project's config files set this model only for providers {', '.join(named)} "
                          f"({candidates[0].origin}), and `{site_class.name}` accepts only {', '.join(sorted(admitted))}")
        tables = sorted({self._table_bound[c.origin] for c in candidates if c.origin in self._table_bound})
        return kept, (f"the key is set in several tables of the project's config files ({', '.join(tables)}: "
                      f"{candidates[0].origin}), none named after this call's SDK ({sdk})")

    def _add_env(self, found: list[tuple[str, str, int]], rel: str) -> None:
        assert self._env is not None
        for var, value, line in found:
            value = _usable(value)
            if value is not None:
                self._env.setdefault(var, []).append(ConfigValue(value, f"{rel}:{line}"))

    def _files(self) -> list[Path]:
        """The config files, the shallowest first (a package's default file before its profiles)."""
        out: list[tuple[int, Path]] = []
        base_depth = len(self.root.parts)
        for dirpath, dirnames, filenames in os.walk(self.root):
            depth = len(Path(dirpath).parts) - base_depth
            dirnames[:] = sorted(d for d in dirnames if depth < MAX_DEPTH and d not in SKIP_DIRS
                                 and not d.startswith(".") and not d.endswith(".egg-info"))
            in_config_dir = Path(dirpath).name.lower() in CONFIG_DIRS and depth > 0
            for name in sorted(filenames):
                if _is_config_file(name, in_config_dir):
                    path = Path(dirpath, name)
                    if not path.is_symlink():
                        out.append((depth, path))
                        if len(out) >= MAX_CONFIG_FILES:
                            break
            if len(out) >= MAX_CONFIG_FILES:
                break
        return [path for _depth, path in sorted(out, key=lambda item: item[0])]


def annotated_class(base: ast.AST, func) -> str | None:
    """The class a parameter is annotated with, when `base` is that parameter (`config: EmbeddingConfig`,
    `Optional[...]`, `... | None`, a string annotation): the config class a read on it is declared on."""
    while isinstance(base, ast.Name) and func is not None:
        if base.id in func.params:
            annotation = func.params[base.id][0]
            while isinstance(annotation, ast.Subscript):
                annotation = annotation.slice
            if isinstance(annotation, ast.BinOp):
                annotation = annotation.left
            if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
                return annotation.value.split("[")[0].split("|")[0].strip().rsplit(".", 1)[-1] or None
            if isinstance(annotation, ast.Attribute):
                return annotation.attr
            return annotation.id if isinstance(annotation, ast.Name) else None
        if func.bindings.get(base.id):
            return None
        func = func.parent
    return None


def admitted_providers(cls: ast.ClassDef) -> frozenset[str]:
    """The providers a class's `__init__` accepts when it refuses the others: `if config.provider !=
    "litellm": raise …`, `if provider not in ("openai", "azure"): raise …` (lower-cased)."""
    init = next((n for n in cls.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == "__init__"), None)
    admitted: set[str] = set()
    for node in ast.walk(init) if init is not None else ():
        if not (isinstance(node, ast.If) and node.body and isinstance(node.body[0], ast.Raise)
                and isinstance(node.test, ast.Compare) and len(node.test.ops) == 1
                and isinstance(node.test.ops[0], (ast.NotEq, ast.NotIn))):
            continue
        subject, other = node.test.left, node.test.comparators[0]
        name = subject.attr if isinstance(subject, ast.Attribute) else getattr(subject, "id", "")
        if name.lower() != "provider":
            continue
        items = other.elts if isinstance(other, (ast.Tuple, ast.List, ast.Set)) else [other]
        admitted.update(i.value.lower() for i in items if isinstance(i, ast.Constant) and isinstance(i.value, str))
    return frozenset(admitted)


def table_name(class_name: str) -> str:
    """The table a config class is loaded from, by name, without underscores (compared with table names
    without theirs): `EmbeddingConfig` -> "embedding", `LLMSettings` -> "llm", `RAGAgentConfig` -> "ragagent"."""
    return re.sub(r"(?:Config|Settings|Options|Params|Conf)$", "", class_name).lower()


def _is_config_file(name: str, in_config_dir: bool) -> bool:
    if "secret" in name.lower():   # the user's keys, never their models
        return False
    if _ENV_TEMPLATE.match(name) or _CONFIG_FILE.match(name) or _COMPOSE_FILE.match(name):
        return True
    if _TOML_FILE.match(name):
        return name.lower() not in TOOL_TOMLS
    return in_config_dir and bool(_DATA_FILE.match(name))


def _keyed(found: list[tuple[tuple[str, ...], str, int]], rel: str) -> list[tuple[tuple[str, ...], ConfigValue]]:
    """A file's usable values under their lower-cased key paths, each with its table's `provider`."""
    providers = {keys[:-1]: value for keys, value, _line in found if keys[-1].lower() == "provider"}
    out = []
    for keys, value, line in found:
        value = _usable(value)
        if value is not None:
            out.append((tuple(k.lower() for k in keys),
                        ConfigValue(value, f"{rel}:{line}", providers.get(keys[:-1]), ".".join(keys))))
    return out


def _with_inherited_providers(keys: list[tuple[tuple[str, ...], ConfigValue]]) -> list[tuple[tuple[str, ...], ConfigValue]]:
    """A profile that does not name its table's `provider` keeps the one the first file that does (the
    default, nearest the root) names."""
    first: dict[tuple[str, ...], str] = {}
    for path, v in keys:
        if v.provider:
            first.setdefault(path[:-1], v.provider)
    return [(path, v if v.provider or path[:-1] not in first else replace(v, provider=first[path[:-1]]))
            for path, v in keys]


def _serves(provider: str, sdk: str) -> bool:
    """`provider = "azure_openai"` is served by the openai SDK, `"litellm"` by litellm."""
    norm = re.sub(r"[^a-z0-9]", "", provider.lower())
    return bool(norm) and re.sub(r"[^a-z0-9]", "", sdk.lower()) in norm


def _distinct(found: list[ConfigValue]) -> list[ConfigValue]:
    seen: set[str] = set()
    return [v for v in found if not (v.value in seen or seen.add(v.value))]


def _read(path: Path) -> str:
    """A regular file's text, bounded (a FIFO or device named like a config file is not opened)."""
    return read_bounded(path, MAX_CONFIG_FILE_BYTES).decode("utf-8-sig")


def _usable(value: str) -> str | None:
    """A value that can name a model: one token, no placeholder; keys that slipped in are masked."""
    value = _unquote(value)
    if not value or len(value) > 200 or any(c.isspace() for c in value) or is_placeholder(value):
        return None
    return redact(value)


def _unquote(value: str) -> str:
    """A scalar without its quotes or its trailing ` # comment`."""
    value = value.strip()
    if value[:1] in ("'", '"'):
        end = value.find(value[0], 1)
        if end > 0:
            return value[1:end]
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
        m = _yaml_key(line)
        if m is None:
            if stripped.startswith("- ") and stack:   # an item of a block sequence of scalars
                while stack and stack[-1][0] > level:
                    stack.pop()
                out.extend((tuple(k for _, k in stack), item, line_no) for item in _flow_items(stripped[2:]))
            continue
        level = len(m.group(1)) + (2 if line.lstrip().startswith("- ") else 0)
        while stack and stack[-1][0] >= level:
            stack.pop()
        key, value = m.group(3).strip(), (m.group(4) or "").strip()
        path = tuple(k for _, k in stack) + (key,)
        if not value:
            stack.append((level, key))
        elif value[0] in "|>":
            block_indent = level
        elif value[0] == "[" or value[0] == "{":
            out.extend((path + (k,) if k else path, item, line_no) for k, item in _flow_collection(value))
        elif value[0] not in "&*!":
            out.append((path, value, line_no))
    return out


def _yaml_key(line: str) -> re.Match[str] | None:
    """`_YAML_KEY` on a line whose first `:` ends a key: no `#` before it, a space or the line's end after."""
    colon = line.find(":")
    if colon < 0 or "#" in line[:colon] or line[colon + 1:colon + 2].strip():
        return None
    return _YAML_KEY.match(line)


def _flow_collection(value: str) -> list[tuple[str, str]]:
    """The scalars of a one-line flow sequence or mapping (`[a, "b"]`, `{model: x, temperature: 0}`) as
    (key or "", value); nothing for a nested or unfinished one."""
    value = value.split(" #", 1)[0].strip()
    closing = "]" if value[0] == "[" else "}"
    inner = value[1:-1]
    if not value.endswith(closing) or any(c in inner for c in "[]{}"):
        return []
    if closing == "]":
        return [("", item) for item in _flow_items(inner)]
    pairs = [part.partition(":") for part in inner.split(",")]
    return [(_unquote(k), v.strip()) for k, sep, v in pairs if sep and _unquote(k)]


def _flow_items(text: str) -> list[str]:
    """The comma-separated scalars of a flow sequence's inside, or the one scalar of a `- item` line."""
    return [item.strip() for item in text.split(",") if item.strip() and item.strip()[0] not in "&*!{[|>"]


def _structured_leaves(text: str, kind: str) -> list[tuple[tuple[str, ...], str, int]]:
    """String leaves of a TOML or JSON document with their key paths (a list of strings gives each of
    them at the list's key: `fallback_models = ["a", "b"]`); raises ValueError when it does not parse."""
    data = tomllib.loads(text) if kind == "toml" else json.loads(text)
    lines = _Lines(text)
    out: list[tuple[tuple[str, ...], str, int]] = []
    stack: list[tuple[tuple[str, ...], object]] = [((), data)]
    while stack and len(out) < MAX_LEAVES:
        keys, node = stack.pop()
        if isinstance(node, dict):
            stack.extend((keys + (str(k),), v) for k, v in reversed(list(node.items())))
        elif isinstance(node, str) and keys:
            out.append((keys, node, lines.line_of(keys[-1], node)))
        elif isinstance(node, list) and keys and all(isinstance(item, str) for item in node):
            out.extend((keys, item, lines.line_of(keys[-1], item)) for item in node[:MAX_LEAVES])
    return out


class _Lines:
    """Where a value is stated (TOML and JSON parsers do not keep lines), from one pass that indexes the
    lines opening with a key; the items of a list under a key are looked for from the last one found."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        self.joined = "\n".join(self.lines)    # searched in C: a hostile file of values no line holds
        self.offsets = list(itertools.accumulate((len(line) + 1 for line in self.lines), initial=0))
        self.stating: dict[str, list[int]] = {}
        self.after: dict[str, int] = {}   # key -> the line its last list item was found on
        for i, line in enumerate(self.lines):
            m = _LINE_KEY.match(line)
            if m:
                self.stating.setdefault(m.group(1), []).append(i)

    def line_of(self, key: str, value: str) -> int:
        """The line stating `key` with `value`, else the first with `value` from the last item found under
        `key` (a list's items on the lines below it), else from the first line naming `key` (an inline
        table, a dotted key)."""
        lines = self.lines
        starts = self.stating.get(key, ())
        found = next((i for i in starts if value in lines[i]), None)
        if found is None:
            start = self.after.get(key)
            if start is None:   # not a default argument: that scan would run on every item of a list
                start = starts[0] if starts else next((i for i, line in enumerate(lines) if key in line), 0)
            found = self._first_line_with(value, start, len(lines))
            if found is None:
                found = self._first_line_with(value, 0, start)
                found = start if found is None else found
            self.after[key] = found
        return found + 1

    def _first_line_with(self, value: str, first: int, stop: int) -> int | None:
        """The first of lines[first:stop] holding `value` (a value with a line break is on no line)."""
        if "\n" in value or first >= stop:
            return None
        at = self.joined.find(value, self.offsets[first], self.offsets[stop] - 1)
        return None if at < 0 else bisect.bisect_right(self.offsets, at) - 1
