"""Which call site produced each traffic row (design §6).

In order of trust:
1. code location: `code_file` matches the site's path by suffix (traffic records absolute or
   deploy-relative paths), and `code_line` falls inside the call's span → `location`;
   the line moved but `code_function` names the site's function (or, without it, the function that
   encloses `code_line` in today's source, when `root` is given) → the nearest site in that function
   → `function`; the file has a single site → `file`;
2. feature tag: the one site with that feature (or the one with that feature and model) → `feature`;
3. model within the file named by `code_file`: the one site there calling that model → `model`.
Rows that match nothing are not dropped: they stay in `calls` and are listed, grouped, with the reason.

The work is done once per distinct (file, line, function, feature, model) combination, not per row,
then joined back to the rows in SQL.
"""
from __future__ import annotations

import ast
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

import duckdb
import pyarrow as pa

from llmsight.records import CallSite

MATCH_KINDS = ("location", "function", "file", "feature", "model")
_KEYS = ("code_file", "code_line", "code_function", "feature", "model")


@dataclass
class MappingReport:
    rows: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)     # match kind -> rows
    unmatched: int = 0
    by_site: dict[str, int] = field(default_factory=dict)     # site id -> rows


def _norm_path(path: str) -> str:
    path = path.replace("\\", "/")
    while path.startswith("./"):
        path = path[2:]
    return path


def _suffix_match(traffic_path: str, site_path: str) -> int:
    """Length of the matching path suffix at a `/` boundary (0: no match)."""
    a, b = _norm_path(traffic_path).split("/"), _norm_path(site_path).split("/")
    n = 0
    while n < min(len(a), len(b)) and a[-1 - n] == b[-1 - n]:
        n += 1
    return n if n == min(len(a), len(b)) or n >= 2 else 0


def _norm_function(name: str | None) -> str | None:
    if not name:
        return None
    return ".".join(part for part in name.split(".") if part != "<locals>")


def _same_function(traffic: str | None, site: str | None) -> bool:
    a, b = _norm_function(traffic), _norm_function(site)
    if not a or not b:
        return False
    return a == b or a.endswith("." + b) or b.endswith("." + a)


def _norm_model(model: object) -> str | None:
    if not isinstance(model, str) or not model:
        return None
    return model.rsplit("/", 1)[-1].lower()


def _function_ranges(source: str) -> list[tuple[int, int, str]]:
    """(first line, last line, qualified name) of every function in a module."""
    ranges: list[tuple[int, int, str]] = []

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                name = f"{prefix}{child.name}"
                if not isinstance(child, ast.ClassDef):
                    ranges.append((child.lineno, child.end_lineno or child.lineno, name))
                visit(child, name + ".")
            else:
                visit(child, prefix)

    visit(ast.parse(source), "")
    return ranges


class _Matcher:
    def __init__(self, sites: Sequence[CallSite], root: Path | None = None) -> None:
        self.root = root
        self.functions: dict[str, list[tuple[int, int, str]]] = {}
        self.files_cache: dict[str, list[CallSite]] = {}
        self.sites = list(sites)
        self.by_path: dict[str, list[CallSite]] = defaultdict(list)
        self.by_feature: dict[str, list[CallSite]] = defaultdict(list)
        for site in self.sites:
            self.by_path[site.span.path].append(site)
            if site.feature:
                self.by_feature[site.feature].append(site)

    def file_sites(self, code_file: str) -> list[CallSite]:
        """Sites of the one project file that `code_file` names (best suffix match; ties match none)."""
        if code_file not in self.files_cache:
            scored = [(_suffix_match(code_file, path), path) for path in self.by_path]
            best = max((score for score, _ in scored), default=0)
            paths = [path for score, path in scored if score == best] if best else []
            self.files_cache[code_file] = self.by_path[paths[0]] if len(paths) == 1 else []
        return self.files_cache[code_file]

    def match(self, code_file, code_line, code_function, feature, model) -> tuple[str | None, str, str]:
        """(site id, match kind, reason when unmatched)."""
        reasons = []
        in_file: list[CallSite] = []
        if code_file:
            in_file = self.file_sites(code_file)
            if not in_file:
                reasons.append(f"no call site in a file matching {code_file}")
            else:
                if not code_function and code_line is not None:
                    code_function = self.enclosing_function(in_file[0].span.path, code_line)
                found = self._by_location(in_file, code_line, code_function)
                if found:
                    return found[0], found[1], ""
                reasons.append(f"{code_file}:{code_line or '?'} is not inside a call site"
                               + (f" or function {code_function}" if code_function else ""))
        if feature:
            candidates = self.by_feature.get(feature, [])
            if len(candidates) > 1 and model:
                candidates = [s for s in candidates if _norm_model(s.model.value) == _norm_model(model)]
            if len(candidates) == 1:
                return candidates[0].id, "feature", ""
            reasons.append(f"feature {feature!r} matches {len(candidates)} call sites")
        if in_file and model:
            same_model = [s for s in in_file if _norm_model(s.model.value) == _norm_model(model)]
            if len(same_model) == 1:
                return same_model[0].id, "model", ""
            reasons.append(f"model {model!r} matches {len(same_model)} call sites in the file")
        if not code_file and not feature:
            reasons.append("no code location or feature (instrument with LlmsightSpanProcessor/LlmsightCallback)")
        return None, "", "; ".join(reasons)

    def enclosing_function(self, path: str, line: int) -> str | None:
        """Innermost function around `line` in today's source of `path` (needs `root`)."""
        if self.root is None:
            return None
        if path not in self.functions:
            try:
                self.functions[path] = _function_ranges((self.root / path).read_text(encoding="utf-8"))
            except (OSError, SyntaxError, ValueError, UnicodeDecodeError):
                self.functions[path] = []
        around = [r for r in self.functions[path] if r[0] <= line <= r[1]]
        return max(around, key=lambda r: r[0])[2] if around else None

    @staticmethod
    def _by_location(in_file: list[CallSite], line, function) -> tuple[str, str] | None:
        if line is not None:
            inside = [s for s in in_file if s.span.start_line <= line <= s.span.end_line]
            if inside:
                return min(inside, key=lambda s: s.span.end_line - s.span.start_line).id, "location"
        same_function = [s for s in in_file if _same_function(function, s.function)]
        if same_function:
            nearest = min(same_function, key=lambda s: abs(s.span.start_line - (line or s.span.start_line)))
            return nearest.id, "function"
        if len(in_file) == 1 and not function:
            return in_file[0].id, "file"
        return None


def map_rows(con: duckdb.DuckDBPyConnection, sites: Iterable[CallSite], table: str = "calls",
             root: str | Path | None = None) -> MappingReport:
    """Create TEMP tables `site_rows(row_id, site_id, match_kind)` and `unmatched_groups` for `table`.

    `root` (the project root the sites' paths are relative to) lets rows that carry a line but no
    function name find the function enclosing that line in today's source.
    """
    matcher = _Matcher(list(sites), Path(root) if root is not None else None)
    keys = ", ".join(_KEYS)
    groups = con.execute(f"SELECT {keys}, COUNT(*) FROM {table} GROUP BY ALL").fetchall()
    columns: dict[str, list] = {k: [] for k in (*_KEYS, "site_id", "match_kind", "reason", "n")}
    for group in groups:
        site_id, kind, reason = matcher.match(*group[:5])
        for key, value in zip(_KEYS, group[:5]):
            columns[key].append(value)
        columns["site_id"].append(site_id)
        columns["match_kind"].append(kind or None)
        columns["reason"].append(reason or None)
        columns["n"].append(group[5])
    schema = pa.schema([("code_file", pa.string()), ("code_line", pa.int32()), ("code_function", pa.string()),
                        ("feature", pa.string()), ("model", pa.string()), ("site_id", pa.string()),
                        ("match_kind", pa.string()), ("reason", pa.string()), ("n", pa.int64())])
    con.register("_site_map", pa.table(columns, schema=schema))
    try:
        join = " AND ".join(f"c.{k} IS NOT DISTINCT FROM m.{k}" for k in _KEYS)
        con.execute(f"CREATE OR REPLACE TEMP TABLE site_rows AS SELECT c.row_id, m.site_id, m.match_kind "
                    f"FROM {table} c JOIN _site_map m ON {join} WHERE m.site_id IS NOT NULL").fetchall()
        con.execute(f"CREATE OR REPLACE TEMP TABLE unmatched_groups AS SELECT {keys}, n AS rows, reason "
                    f"FROM _site_map WHERE site_id IS NULL").fetchall()
    finally:
        con.unregister("_site_map")
    report = MappingReport(rows=sum(columns["n"]))
    for site_id, kind, n in zip(columns["site_id"], columns["match_kind"], columns["n"]):
        if site_id is None:
            report.unmatched += n
        else:
            report.by_kind[kind] = report.by_kind.get(kind, 0) + n
            report.by_site[site_id] = report.by_site.get(site_id, 0) + n
    return report


def unmatched_summary(con: duckdb.DuckDBPyConnection, limit: int = 10) -> list[dict]:
    """The largest groups of rows no site matched (after `map_rows`), with the reason."""
    cursor = con.execute(f"SELECT {', '.join(_KEYS)}, rows, reason FROM unmatched_groups "
                         "ORDER BY rows DESC, code_file NULLS LAST, code_line LIMIT ?", [limit])
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]
