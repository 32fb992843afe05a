"""Which call site produced each traffic row (design §6).

In order of trust:
1. code location (a stamped row): `code_file` matches the site's path by suffix (traffic records
   absolute or deploy-relative paths), and `code_line` falls inside the call's span → `location`;
   the line moved but `code_function` names the site's function (or, without it, the function that
   encloses `code_line` in today's source, when `root` is given) → the nearest site in that function
   → `function`; the file has a single site → `file`;
2. feature tag: the one site with that feature (or the one with that feature and model) → `feature`;
3. model within the file named by `code_file`: the one site there calling that model → `model`;
4. request signature (rows with no code location: almost every existing trace) → `signature`: what
   the row and the code both say of the request (`signature.Request`). A site stays a candidate unless
   something contradicts it; the row goes to the one candidate left, or to the one candidate its
   function, span or service name names. Rows several sites fit equally are `ambiguous` and stay
   unmapped, listed with those sites: they are never guessed or split by assumption.
Rows that match nothing are not dropped: they stay in `calls` and are listed, grouped, with the reason.
Every mapping carries its confidence (`high`, `medium`, `low`) and, by signature, the evidence.

The work is done once per distinct combination of the columns it reads, not per row, then joined back
to the rows in SQL.
"""
from __future__ import annotations

import ast
import functools
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

import duckdb
import pyarrow as pa

from llmsight.analysis.syntax import parse_source
from llmsight.records import CallSite
from llmsight.simulator import signature
from llmsight.simulator.signature import REQUEST_COLUMNS

MATCH_KINDS = ("location", "function", "file", "feature", "model", "signature")
STAMP_KEYS = ("code_file", "code_line", "code_function", "feature")
_KEYS = (*STAMP_KEYS, "model")
# What the mapping reads of a row, when the table has it (the store's `calls` has the first eight).
MAPPING_KEYS = (*_KEYS, "provider", "operation", "status", "source_file", *REQUEST_COLUMNS)
_CONFIDENCE = {"location": "high", "function": "high", "file": "medium", "feature": "high", "model": "medium"}
TOP_UNMATCHED = 5


def group_keys(con: duckdb.DuckDBPyConnection, table: str) -> tuple[str, ...]:
    """The columns of `MAPPING_KEYS` that `table` has, which is what its rows are grouped by."""
    present = {d[0] for d in con.execute(f"SELECT * FROM {table} LIMIT 0").description}
    return tuple(k for k in MAPPING_KEYS if k in present)


@dataclass(frozen=True)
class Unmatched:
    """Rows with one request signature that no site took, and why (ambiguous: the sites that fit)."""

    rows: int
    signature: str
    reason: str
    candidates: tuple[str, ...] = ()


@dataclass
class MappingReport:
    """How traffic rows found their call sites: the one summary every face shows (`lines`)."""

    rows: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)     # match kind -> rows
    unmatched: int = 0                                         # rows no site took (ambiguous included)
    by_site: dict[str, int] = field(default_factory=dict)     # site id -> rows
    ambiguous: int = 0                                         # of `unmatched`: rows several sites fit equally
    by_confidence: dict[str, int] = field(default_factory=dict)
    by_evidence: dict[str, int] = field(default_factory=dict)  # signature evidence ("provider+model+max_tokens") -> rows
    site_evidence: dict[str, dict[str, int]] = field(default_factory=dict)   # site id -> how its rows mapped -> rows
    # site id -> (ambiguous rows this site fits among others, the most sites such rows fit)
    site_ambiguous: dict[str, tuple[int, int]] = field(default_factory=dict)
    top_unmatched: list[Unmatched] = field(default_factory=list)

    @property
    def mapped(self) -> int:
        return self.rows - self.unmatched

    def lines(self, top: int = TOP_UNMATCHED) -> list[str]:
        """What every face says of the mapping: rows mapped and how, ambiguous and unmatched rows, and the
        largest unmatched signatures with the reason (so a user can fix them)."""
        if not self.rows:
            return ["traffic: no rows"]
        how = ", ".join(f"{n:,} by {_KIND_WORDS.get(k, k)}" for k, n in sorted(self.by_kind.items(), key=lambda kv: -kv[1]))
        sure = ", ".join(f"{n:,} {c}" for c, n in sorted(self.by_confidence.items(), key=lambda kv: _ORDER[kv[0]]))
        out = [f"traffic: {self.mapped:,} of {self.rows:,} rows mapped to call sites"
               + (f" ({how}; confidence {sure})" if how else "")
               + f"; {self.unmatched - self.ambiguous:,} matched no call site"
               + (f", {self.ambiguous:,} fit several equally (left unmapped)" if self.ambiguous else "")]
        if self.by_evidence:
            out.append("traffic: by request signature: " + ", ".join(
                f"{evidence} {n:,}" for evidence, n in sorted(self.by_evidence.items(), key=lambda kv: -kv[1])[:4]))
        for u in self.top_unmatched[:top]:
            out.append(f"traffic: unmapped {u.rows:,} rows {u.signature}: {u.reason}")
        return out

    def site_line(self, site_id: str) -> str:
        """How the rows of one site mapped (or that none did), for that site's hover and estimate."""
        how = self.site_evidence.get(site_id)
        shared, sites = self.site_ambiguous.get(site_id, (0, 0))
        also = (f"; {shared:,} more rows fit it and {sites - 1} other call site{'s' if sites > 2 else ''} equally "
                "(not counted: stamp the calls to tell them apart)") if shared else ""
        if not how:
            return f"traffic: no row maps to this call site (estimate from priors){also}"
        return "traffic: rows mapped " + ", ".join(
            f"{n:,} by {evidence}" for evidence, n in sorted(how.items(), key=lambda kv: -kv[1])) + also


_KIND_WORDS = {"location": "code location", "function": "function", "file": "file", "feature": "feature tag",
               "model": "model in file", "signature": "request signature"}
_ORDER = {"high": 0, "medium": 1, "low": 2}


@dataclass(frozen=True)
class Match:
    site_id: str | None
    kind: str = ""
    reason: str = ""
    confidence: str | None = None
    evidence: str | None = None                 # signature evidence, `+`-joined
    candidates: tuple[str, ...] = ()            # ambiguous: the sites that fit equally


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

    visit(parse_source(source), "")
    return ranges


class _Matcher:
    def __init__(self, sites: Sequence[CallSite], root: Path | None = None, by_signature: bool = True) -> None:
        self.root, self.by_signature = root, by_signature
        self.functions: dict[str, list[tuple[int, int, str]]] = {}
        self.files_cache: dict[str, list[CallSite]] = {}
        self.foreign_cache: dict[str, bool] = {}
        self.sites = list(sites)
        self.by_path: dict[str, list[CallSite]] = defaultdict(list)
        self.by_feature: dict[str, list[CallSite]] = defaultdict(list)
        self.sources: dict[str, str | None] = {}
        for site in self.sites:
            self.by_path[site.span.path].append(site)
            if site.feature:
                self.by_feature[site.feature].append(site)

    @functools.cached_property
    def requests(self) -> dict[str, signature.SiteRequest]:
        """Each site's request signature (read when the first row needs one: stamped rows never do)."""
        return {site.id: signature.site_request(site, self._source(site)) for site in self.sites}

    @functools.cached_property
    def by_model(self) -> dict[str | None, list[CallSite]]:
        """Sites by each model of their model set; None: sites whose model the code does not tell."""
        index: dict[str | None, list[CallSite]] = defaultdict(list)
        for site in self.sites:
            for model in self.requests[site.id].models or (None,):
                index[model].append(site)
        return index

    def _source(self, site: CallSite) -> str | None:
        """Today's text of the site's file, read once (a notebook cell's text is not at its path)."""
        if self.root is None or site.span.cell is not None:
            return None
        if site.span.path not in self.sources:
            try:
                self.sources[site.span.path] = (self.root / site.span.path).read_text(encoding="utf-8")
            except (OSError, ValueError, UnicodeDecodeError):
                self.sources[site.span.path] = None
        return self.sources[site.span.path]

    def file_sites(self, code_file: str) -> list[CallSite]:
        """Sites of the one project file that `code_file` names (best suffix match; ties match none)."""
        if code_file not in self.files_cache:
            scored = [(_suffix_match(code_file, path), path) for path in self.by_path]
            best = max((score for score, _ in scored), default=0)
            paths = [path for score, path in scored if score == best] if best else []
            self.files_cache[code_file] = self.by_path[paths[0]] if len(paths) == 1 else []
        return self.files_cache[code_file]

    def foreign_file(self, code_file: str) -> bool:
        """`code_file` matches no project file with call sites at all (a tie between two is not foreign:
        the row's request signature may still tell them apart)."""
        if code_file not in self.foreign_cache:
            self.foreign_cache[code_file] = not any(_suffix_match(code_file, path) for path in self.by_path)
        return self.foreign_cache[code_file]

    def match(self, row: dict[str, Any], captured: frozenset[str] = frozenset()) -> Match:
        """The site of a group of rows with these values: by what the row was stamped with, else by its
        request signature (`captured`: the request columns the row's file records)."""
        stamped, reasons = self._by_stamp(row)
        if stamped is not None:
            return stamped
        if row.get("code_file") and self.foreign_file(row["code_file"]):
            # stamped in a file this project does not have: another service's call, or code that moved;
            # a signature that fits a site here would be a guess
            return Match(None, "", "; ".join([*reasons, "that file is not in this project (another service, "
                                              "or moved code: re-stamp it)"]))
        if not self.by_signature:
            return Match(None, "", "; ".join([*reasons, "its request signature is matched when the whole project is "
                                              "checked (`llm-lint check` on the project root)"]))
        found = self._by_signature(row, captured)
        if found.site_id is None and found.reason:
            reasons.append(found.reason)
        return found if found.site_id is not None else Match(None, found.kind, "; ".join(reasons), candidates=found.candidates)

    def _by_stamp(self, row: dict[str, Any]) -> tuple[Match | None, list[str]]:
        code_file, code_line, code_function = row.get("code_file"), row.get("code_line"), row.get("code_function")
        feature, model = row.get("feature"), row.get("model")
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
                    return Match(found[0], found[1], confidence=_CONFIDENCE[found[1]]), []
                reasons.append(f"{code_file}:{code_line or '?'} is not inside a call site"
                               + (f" or function {code_function}" if code_function else ""))
        if feature:
            candidates = self.by_feature.get(feature, [])
            if len(candidates) > 1 and model:
                candidates = [s for s in candidates if _norm_model(s.model.value) == _norm_model(model)]
            if len(candidates) == 1:
                return Match(candidates[0].id, "feature", confidence=_CONFIDENCE["feature"]), []
            reasons.append(f"feature {feature!r} matches {len(candidates)} call sites")
        if in_file and model:
            same_model = [s for s in in_file if _norm_model(s.model.value) == _norm_model(model)]
            if len(same_model) == 1:
                return Match(same_model[0].id, "model", confidence=_CONFIDENCE["model"]), []
            reasons.append(f"model {model!r} matches {len(same_model)} call sites in the file")
        if not code_file and not feature:
            reasons.append("no code location or feature (instrument with LlmsightSpanProcessor/LlmsightCallback)")
        return None, reasons

    def _fits(self, row: dict[str, Any], captured: frozenset[str]) -> tuple[list, Counter]:
        """Sites nothing in the row contradicts, with their comparison; and why the others do not fit."""
        values = {**row, **{c: signature.row_value(c, row.get(c), c in captured) for c in REQUEST_COLUMNS}}
        model = signature.model_name(row.get("model"))
        pool = self.by_model.get(model, []) + self.by_model.get(None, []) if model else self.sites
        fits, why_not = [], Counter()
        for site in pool:
            comparison = signature.compare(self.requests[site.id], values)
            if comparison.contradiction is None:
                fits.append((site, comparison))
            else:
                why_not[comparison.contradiction] += 1
        if model and len(pool) < len(self.sites):
            why_not[f"model {model}"] += len(self.sites) - len(pool)
        return fits, why_not

    def _against(self, site: CallSite, row: dict[str, Any], captured: frozenset[str]) -> str | None:
        values = {**row, **{c: signature.row_value(c, row.get(c), c in captured) for c in REQUEST_COLUMNS}}
        return signature.compare(self.requests[site.id], values).against

    def _by_signature(self, row: dict[str, Any], captured: frozenset[str]) -> Match:
        fits, why_not = self._fits(row, captured)
        named = [fit for fit in fits if fit[1].named]
        chosen = fits[0] if len(fits) == 1 else named[0] if len(named) == 1 else None
        if chosen is None and not fits:
            common = ", ".join(f"{why}: {n} site{'s' if n > 1 else ''}" for why, n in why_not.most_common(2))
            return Match(None, "", f"no call site sends this request ({common})" if common else "no call sites")
        if chosen is None:
            ids = tuple(sorted(site.id for site, _ in (named or fits)))
            return Match(None, "ambiguous", f"fits {len(ids)} call sites equally ({', '.join(ids[:3])}"
                         f"{', …' if len(ids) > 3 else ''}): nothing this export records tells them apart", candidates=ids)
        site, comparison = chosen
        # NULL read as "not set" decided it when, read as unknown, other sites would fit as well
        others = [s for s, _ in self._fits(row, frozenset())[0] if s.id != site.id] if comparison.unset else []
        decisive = {self._against(s, row, captured) for s in others} - {None}
        inferred = len(fits) == 1 and bool(others)
        evidence = [*comparison.agreements, *(f"no {name}" for name in comparison.unset if name in decisive),
                    *(["name"] if len(fits) > 1 else [])]
        confidence = ("low" if "model" not in comparison.agreements
                      else "medium" if inferred or len(fits) > 1 else "high")
        return Match(site.id, "signature", confidence=confidence, evidence="+".join(evidence) or "nothing contradicts")

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
             root: str | Path | None = None, weight: str | None = None, by_signature: bool = True) -> MappingReport:
    """Create TEMP tables `site_rows(row_id, site_id, match_kind, confidence)` and `unmatched_groups`
    for `table` (which needs `row_id` and `model`, and is read for any other `MAPPING_KEYS` it has).

    `root` (the project root the sites' paths are relative to) lets rows that carry a line but no
    function name find the function enclosing that line in today's source, and lets request signatures
    read the call's literal keywords (temperature, tools, response format, prompt prefix). `weight`: a
    column of `table` holding how many calls each of its rows stands for (a table of groups), else 1.
    `by_signature=False` maps stamped rows only: a request signature fits one site only among all the
    project's sites, so it waits until they are all known.
    """
    matcher = _Matcher(list(sites), Path(root) if root is not None else None, by_signature)
    keys = group_keys(con, table)
    listed = ", ".join(keys)
    con.execute(f"CREATE OR REPLACE TEMP TABLE _map_groups AS SELECT row_number() OVER () AS gid, * FROM "
                f"(SELECT {listed}, {f'SUM({weight})' if weight else 'COUNT(*)'} AS n FROM {table} GROUP BY ALL)")
    captured = _captured(con, table, keys)
    cursor = con.execute(f"SELECT gid, {listed}, n FROM _map_groups")
    names = [d[0] for d in cursor.description]
    groups = [dict(zip(names, values)) for values in cursor.fetchall()]
    matches = [matcher.match(g, captured.get((g.get("source_file"), g.get("model")), frozenset())
                             if g.get("status") in (None, "ok") else frozenset()) for g in groups]
    columns = {"gid": [g["gid"] for g in groups], "site_id": [m.site_id for m in matches],
               "match_kind": [m.kind or None for m in matches], "confidence": [m.confidence for m in matches],
               "reason": [m.reason or None for m in matches]}
    con.register("_site_map", pa.table(columns, schema=pa.schema(
        [("gid", pa.int64()), *((name, pa.string()) for name in columns if name != "gid")])))
    try:
        join = " AND ".join(f"c.{k} IS NOT DISTINCT FROM g.{k}" for k in keys)
        con.execute(f"CREATE OR REPLACE TEMP TABLE site_rows AS SELECT c.row_id, m.site_id, m.match_kind, m.confidence "
                    f"FROM {table} c JOIN _map_groups g ON {join} JOIN _site_map m ON m.gid = g.gid "
                    f"WHERE m.site_id IS NOT NULL").fetchall()
        con.execute(f"CREATE OR REPLACE TEMP TABLE unmatched_groups AS SELECT {', '.join(f'g.{k}' for k in keys)}, "
                    f"g.n AS rows, m.reason FROM _map_groups g JOIN _site_map m ON m.gid = g.gid "
                    f"WHERE m.site_id IS NULL").fetchall()
    finally:
        con.unregister("_site_map")
        con.execute("DROP TABLE IF EXISTS _map_groups")
    return _report(groups, matches)


def _captured(con: duckdb.DuckDBPyConnection, table: str, keys: Sequence[str]) -> dict[tuple, frozenset[str]]:
    """The request columns that some row of the same model and source file records (all of `table` is one
    file without `source_file`), read from the grouped rows. Per model: an exporter may record a setting
    under one spelling only (openai-v2 records `max_tokens`, not `max_completion_tokens`), so a model
    whose rows never carry it says nothing by its NULL. Only successful calls count, and only theirs
    NULLs are read: exporters write failed calls with fewer attributes (OpenLIT)."""
    inferable = [c for c in REQUEST_COLUMNS if c in keys]
    if not inferable:
        return {}
    by = "source_file" if "source_file" in keys else "NULL"
    counts = ", ".join(f"count({c}) > 0" for c in inferable)
    ok = "status IS NULL OR status = 'ok'" if "status" in keys else "true"
    return {(row[0], row[1]): frozenset(c for c, seen in zip(inferable, row[2:]) if seen)
            for row in con.execute(f"SELECT {by}, model, {counts} FROM _map_groups "
                                   f"WHERE {ok} GROUP BY 1, 2").fetchall()}


def _report(groups: list[dict], matches: list[Match]) -> MappingReport:
    report = MappingReport(rows=sum(g["n"] for g in groups))
    unmatched: Counter = Counter()    # keyed by candidates too: two groups that read alike may not share them
    for group, m in zip(groups, matches):
        n = group["n"]
        if m.site_id is None:
            report.unmatched += n
            report.ambiguous += n if m.kind == "ambiguous" else 0
            unmatched[(signature.describe(group), m.reason, tuple(m.candidates))] += n
            for site_id in m.candidates:
                shared, sites = report.site_ambiguous.get(site_id, (0, 0))
                report.site_ambiguous[site_id] = (shared + n, max(sites, len(m.candidates)))
            continue
        _add(report.by_kind, m.kind, n)
        _add(report.by_site, m.site_id, n)
        _add(report.by_confidence, m.confidence, n)
        how = _KIND_WORDS[m.kind] + (f" ({m.evidence})" if m.evidence else "")
        _add(report.site_evidence.setdefault(m.site_id, {}), f"{how}, confidence {m.confidence}", n)
        if m.evidence:
            _add(report.by_evidence, m.evidence, n)
    ranked = sorted(unmatched.items(), key=lambda item: (-item[1], item[0]))    # ties in a stable order
    report.top_unmatched = [Unmatched(n, text, reason, candidates)
                            for (text, reason, candidates), n in ranked[:TOP_UNMATCHED]]
    return report


def _add(counts: dict, key: Any, n: int) -> None:
    counts[key] = counts.get(key, 0) + n


def unmatched_summary(con: duckdb.DuckDBPyConnection, limit: int = 10) -> list[dict]:
    """The largest groups of rows no site matched (after `map_rows`), with the reason."""
    cursor = con.execute(f"SELECT {', '.join(_KEYS)}, rows, reason FROM unmatched_groups "
                         "ORDER BY rows DESC, code_file NULLS LAST, code_line LIMIT ?", [limit])
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]
