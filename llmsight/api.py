"""The one engine entry: CLI, language server, notebook and CI call these functions and nothing else.

Importing this module is cheap (no litellm, no libcst); analysis modules load on first use.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Sequence

from llmsight import __version__
from llmsight.config import Config, ConfigError, load_config, parse_config
from llmsight.records import CallSite, CheckResult, Diagnostic, Estimate, FileError

if TYPE_CHECKING:
    from llmsight.analysis.engine import Env, FileResult

__all__ = ["check", "check_source", "price", "rules", "explain", "select_rules", "ConfigError", "Config",
           "load_config", "estimate_sites", "apply_fixes", "project_root"]


def project_root(paths: Sequence[str | Path]) -> Path:
    from llmsight.analysis.engine import find_root

    return find_root([Path(p) for p in paths])


def select_rules(config: Config, select: Iterable[str] | None = (), ignore: Iterable[str] | None = (),
                 traffic: bool = False) -> tuple:
    """Rule classes to run: `select` (prefixes allowed: `LLM00`) minus `ignore`; traffic rules need traffic."""
    from llmsight.analysis.rules import all_rules

    chosen_select = tuple(select or ()) or config.select
    chosen_ignore = tuple(ignore or ()) + config.ignore

    def matches(code: str, patterns: Iterable[str]) -> bool:
        return any(code.startswith(p.strip().upper()) or p.strip().upper() == "ALL" for p in patterns)

    out = []
    for r in all_rules():
        if chosen_select and not matches(r.code, chosen_select):
            continue
        if matches(r.code, chosen_ignore):
            continue
        if r.needs_traffic and not traffic:
            continue
        out.append(r)
    return tuple(out)


def _fingerprint(config: Config, rule_codes: Sequence[str], price_data: str) -> str:
    import datetime

    blob = json.dumps([__version__, repr(config), list(rule_codes), price_data, datetime.date.today().isoformat()],
                      default=str)
    return hashlib.sha1(blob.encode()).hexdigest()


def price_data_version() -> str:
    from llmsight.knowledge.catalog import Catalog

    return Catalog.load().price_data


@dataclass
class _Scan:
    results: list["FileResult"]
    files_scanned: int
    files_skipped: int
    errors: list[FileError]


def _scan(env: "Env", files: list[Path], use_cache: bool, price_data: str, jobs: int | None) -> _Scan:
    """Analyse what changed since the cached run; reuse the rest.

    Stage 1 analyses files the prefilter keeps. Stage 2 looks for names that analysed modules export
    bound to SDK callables (`from app.llm import ask`) and analyses the files that call them.
    """
    from llmsight.analysis import cache as cache_mod
    from llmsight.analysis.engine import mentions, prefilter
    from llmsight.analysis.project import rel_path

    root = env.root
    cache = cache_mod.ScanCache(root, _fingerprint(env.config, [r.code for r in env.rules], price_data), use_cache)
    errors: list[FileError] = []
    data_of: dict[str, tuple[Path, bytes]] = {}   # files read in this run
    results: dict[str, FileResult] = {}
    skipped: set[str] = set()
    fresh: set[str] = set()
    seen: set[str] = set()
    for f in files:
        rel = rel_path(f, root)
        if rel in seen:
            continue
        seen.add(rel)
        key = cache_mod.stat_key(f)
        if key is None:
            errors.append(FileError(rel, "cannot read (vanished or no permission); check the path"))
            continue
        entry = cache.entries.get(rel)
        if entry is None or (entry.size, entry.mtime_ns) != key or not cache_mod.deps_unchanged(entry.deps):
            try:
                data = f.read_bytes()
            except OSError as exc:
                errors.append(FileError(rel, f"cannot read ({exc.strerror or exc}); check permissions"))
                continue
            if entry is None or entry.sha != cache_mod.sha1(data) or not cache_mod.deps_unchanged(entry.deps):
                data_of[rel] = (f, data)
                fresh.add(rel)
                cache.entries[rel] = cache_mod.Entry(key[0], key[1], cache_mod.sha1(data), None)
                cache.dirty = True
                continue
            entry.size, entry.mtime_ns = key
            cache.dirty = True
        if entry.result is None:
            skipped.add(rel)
        else:
            results[rel] = entry.result

    candidates = prefilter({rel: data_of[rel][1] for rel in fresh}, env.wrappers) if fresh else set()
    analysed = _analyze_paths(env, data_of, candidates, jobs)
    skipped |= fresh - candidates
    results.update(analysed)

    exports = frozenset(n for r in results.values() for n in r.exports)
    if exports != frozenset(cache.exports):
        pool = skipped | set(results)        # every file was checked without these names
    else:
        pool = fresh                          # only new text can mention the known names
    if exports and pool:
        for rel in pool - data_of.keys():
            try:
                data_of[rel] = (root / rel, (root / rel).read_bytes())
            except OSError:
                continue
        second = mentions({rel: data_of[rel][1] for rel in pool if rel in data_of}, exports)
        if second:
            env.exports = exports
            again = _analyze_paths(env, data_of, second, jobs)
            results.update(again)
            analysed.update(again)
            skipped -= second

    for rel, r in analysed.items():
        entry = cache.entries.get(rel)
        if entry is None:
            key = cache_mod.stat_key(root / rel) or (0, 0)
            entry = cache.entries[rel] = cache_mod.Entry(key[0], key[1], cache_mod.sha1(data_of[rel][1]), None)
        entry.result = r
        entry.deps = cache_mod.dep_record(p if Path(p).is_absolute() else root / p for p in r.deps)
        cache.dirty = True
    if exports != frozenset(cache.exports):
        cache.exports = tuple(sorted(exports))
        cache.dirty = True
    for rel in [rel for rel in cache.entries if rel not in seen and not (root / rel).exists()]:
        del cache.entries[rel]
        cache.dirty = True
    cache.save()
    ordered = [results[rel] for rel in sorted(results)]
    return _Scan(ordered, len(ordered), len(skipped), errors)


def _analyze_paths(env: "Env", data_of: dict[str, tuple[Path, bytes]], chosen: set[str],
                   jobs: int | None) -> dict[str, "FileResult"]:
    from llmsight.analysis.engine import FileResult, analyze_many, decode_file

    items = []
    out: dict[str, FileResult] = {}
    for rel in sorted(chosen):
        f, data = data_of[rel]
        text, err = decode_file(data, rel)
        if err is not None:
            out[rel] = FileResult(rel, error=err)
        else:
            items.append((str(f), rel, text))
    out.update((r.path, r) for r in analyze_many(env, items, jobs))
    return out


def check(paths: Sequence[str | Path] = (".",), *, config: Config | None = None, config_file: str | Path | None = None,
          select: Iterable[str] = (), ignore: Iterable[str] = (), traffic: str | Path | None = None,
          use_cache: bool = True, jobs: int | None = None, with_estimates: bool = True) -> CheckResult:
    """Analyse files and directories: call sites, diagnostics, static (or traffic) estimates."""
    from llmsight.analysis.engine import Env, collect_files, find_root

    path_objs = [Path(p) for p in paths] or [Path(".")]
    root = find_root(path_objs)
    if config is None:
        config = load_config(root, Path(config_file) if config_file else None)
    traffic_view = _open_traffic(traffic or config.traffic, root)
    rules_ = select_rules(config, select, ignore, traffic=traffic_view is not None)
    wrappers = {w.rsplit(".", 1)[-1]: w for w in config.wrappers}
    env = Env(root=root, config=config, rules=rules_, wrappers=wrappers, traffic=traffic_view)
    errors: list[FileError] = []
    files = collect_files(path_objs, root, config, errors)
    price_data = price_data_version()
    scan = _scan(env, files, use_cache, price_data, jobs)
    return _assemble(root, config, scan.results, errors + scan.errors, scan.files_scanned, scan.files_skipped,
                     price_data, traffic_view, with_estimates)


def check_source(source: str, path: str = "example.py", *, config: Config | dict | None = None,
                 root: str | Path | None = None, select: Iterable[str] = (), ignore: Iterable[str] = (),
                 traffic: str | Path | None = None, with_estimates: bool = True) -> CheckResult:
    """Analyse one in-memory buffer (an editor's unsaved text, a notebook cell, a rule example)."""
    from llmsight.analysis.engine import Env, analyze_source, find_root

    root_path = Path(root).resolve() if root else find_root([Path(path)]) if Path(path).exists() else Path.cwd().resolve()
    if isinstance(config, dict):
        config = parse_config(config, "<inline config>")
    elif config is None:
        config = load_config(root_path)
    traffic_view = _open_traffic(traffic or config.traffic, root_path)
    rules_ = select_rules(config, select, ignore, traffic=traffic_view is not None)
    env = Env(root=root_path, config=config, rules=rules_,
              wrappers={w.rsplit(".", 1)[-1]: w for w in config.wrappers}, traffic=traffic_view)
    abs_path = (root_path / path) if not Path(path).is_absolute() else Path(path)
    from llmsight.analysis.project import rel_path

    rel = rel_path(abs_path, root_path)
    result = analyze_source(env, abs_path if abs_path.exists() else None, rel, source, path.endswith(".ipynb"))
    errors = [result.error] if result.error else []
    return _assemble(root_path, config, [result], errors, 1, 0, price_data_version(), traffic_view, with_estimates)


def _open_traffic(traffic: str | Path | None, root: Path):
    if not traffic:
        return None
    try:
        from llmsight.simulator.view import open_traffic  # type: ignore[import-not-found]
    except ImportError as exc:
        raise ConfigError(f"--traffic needs the simulator ({exc}); install llmsight[sim]") from exc
    return open_traffic(Path(traffic) if Path(traffic).is_absolute() else root / traffic)


def _assemble(root: Path, config: Config, results: list["FileResult"], errors: list[FileError], scanned: int,
              skipped: int, price_data: str, traffic_view, with_estimates: bool) -> CheckResult:
    sites: list[CallSite] = []
    diags: list[Diagnostic] = []
    for r in results:
        sites.extend(r.sites)
        diags.extend(r.diagnostics)
        if r.error is not None and r.error not in errors:
            errors.append(r.error)

    def pos(span):
        return (span.path, -1 if span.cell is None else span.cell, span.start_line, span.start_col)

    sites.sort(key=lambda s: pos(s.span))
    diags.sort(key=lambda d: (pos(d.span), d.code))
    estimates = estimate_sites(sites, config, traffic_view) if with_estimates else {}
    return CheckResult(version=__version__, price_data=price_data, root=root.as_posix(), call_sites=sites,
                       diagnostics=diags, estimates=estimates, files_scanned=scanned, files_skipped=skipped,
                       errors=sorted(errors, key=lambda e: (e.path, e.line or 0)))


def estimate_sites(sites: Sequence[CallSite], config: Config, traffic_view=None) -> dict[str, Estimate]:
    from llmsight.analysis.estimates import static_estimate

    out = {}
    for s in sites:
        est = None
        if traffic_view is not None:
            est = traffic_view.estimate(s, config)
        out[s.id] = est or static_estimate(s, config)
    return out


def apply_fixes(paths: Sequence[str | Path], *, unsafe: bool = False, diff_only: bool = False, **check_kwargs):
    """`--fix` / `--diff`: apply (or show) fixes in rounds until nothing more applies."""
    from llmsight.analysis.apply import fix_paths

    return fix_paths(paths, unsafe=unsafe, diff_only=diff_only, **check_kwargs)


def price(models: Sequence[str], usage, config: Config | None = None):
    from llmsight.knowledge.pricing import quote

    return quote(models, usage, config)


def rules():
    from llmsight.analysis.rules import all_rules

    return all_rules()


def explain(code: str):
    from llmsight.analysis.rules import rule_by_code

    return rule_by_code(code)



# ---- editor support ----

@dataclass(frozen=True)
class Alternative:
    """Another model for one call site, estimated the same way as the site itself."""

    model: str
    cost_per_call: float
    latency_p95_s: float | None
    quality: float | None
    source: str          # which estimate/prior the figures come from


_NOT_A_SWAP = ("ft:", "preview", "latest", "search", "audio", "realtime", "computer-use", "transcribe", "tts")


def model_alternatives(site: CallSite, config: Config, limit: int = 5) -> list[Alternative]:
    """Models of the site's provider that no other candidate beats on cost, p95 and quality at once
    (the Pareto front), cheapest first; the current model is excluded. Static priors only: the
    simulator replays traffic for a chosen scenario (`llm-lint simulate`)."""
    import dataclasses
    import datetime

    from llmsight.analysis.estimates import static_estimate
    from llmsight.knowledge.catalog import Catalog
    from llmsight.knowledge.priors import quality_prior
    from llmsight.records import Setting

    catalog = Catalog.load(config)
    current = catalog.lookup(site.model.value) if isinstance(site.model.value, str) else None
    if current is None or site.operation not in ("chat", "completion", "responses"):
        return []
    today = datetime.date.today().isoformat()
    rows: list[Alternative] = []
    for name in sorted(catalog.names()):
        info = catalog.lookup(name)
        if (info is None or info.provider != current.provider or info.mode != current.mode or "/" in name
                or any(word in name for word in _NOT_A_SWAP) or info.name == current.name
                or (info.deprecation_date or "9999") <= today):
            continue
        quality = quality_prior(name)
        if quality is None:
            continue
        est = static_estimate(dataclasses.replace(site, model=Setting(name, repr(name), "call")), config)
        if est.cost_per_call.value is None:
            continue
        p95 = est.latency_p95_s.value if est.latency_p95_s else None
        rows.append(Alternative(name, est.cost_per_call.value, p95, quality[0], f"priors ({quality[1]}, {quality[2]})"))

    def beaten(a: Alternative, b: Alternative) -> bool:   # b at least as good everywhere, better somewhere
        pa, pb = a.latency_p95_s or 0.0, b.latency_p95_s or 0.0
        qa, qb = a.quality or 0.0, b.quality or 0.0
        return (b.cost_per_call <= a.cost_per_call and pb <= pa and qb >= qa
                and (b.cost_per_call, pb, -qb) != (a.cost_per_call, pa, -qa))

    same: dict[tuple, Alternative] = {}   # a dated snapshot priced like its alias: keep the shorter name
    for a in rows:
        key = (a.cost_per_call, a.latency_p95_s, a.quality)
        if key not in same or len(a.model) < len(same[key].model):
            same[key] = a
    rows = list(same.values())
    front = [a for a in rows if not any(beaten(a, b) for b in rows)]
    return sorted(front, key=lambda a: (a.cost_per_call, a.latency_p95_s or 0.0))[:limit]


# ---- traffic: ingest / diff ----
class IngestError(Exception):
    """Traffic input that cannot be used at all (bad store, unknown format); the CLI exits 2."""


def ingest(files: Sequence[str | Path], db: str | Path | None = None, fmt: str = "auto", *, progress: bool = False,
           max_examples: int = 20, root: str | Path | None = None):
    """Load traffic files into the store (default `.llmsight/traffic.duckdb` under the project root)."""
    from llmsight.simulator import ingest as ingest_mod, store

    try:
        con = store.open_store(db, root=root or project_root(["."]))
    except store.StoreError as exc:
        raise IngestError(str(exc)) from exc
    try:
        return ingest_mod.ingest(files, con, fmt, show_progress=progress, max_examples=max_examples)
    except ingest_mod.IngestError as exc:
        raise IngestError(str(exc)) from exc
    finally:
        con.close()


def diff(base_ref: str, paths: Sequence[str | Path] = (".",), traffic: str | Path | None = None,
         config: Config | None = None):
    """Compare every call site's monthly cost and p95 between the working tree and a git ref."""
    from llmsight.simulator.diff import diff_against

    return diff_against(base_ref, paths, traffic=traffic, config=config)
