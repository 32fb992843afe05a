"""The one engine entry: CLI, language server, notebook and CI call these functions and nothing else.

Importing this module is cheap (no litellm, no libcst); analysis modules load on first use.
"""
from __future__ import annotations

import gc
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Sequence

from llmsight import __version__
from llmsight.config import Config, ConfigError, load_config, parse_config
from llmsight.records import CallSite, CheckResult, Diagnostic, Estimate, FileError, Fix

if TYPE_CHECKING:
    from llmsight.analysis.apply import SourceFile
    from llmsight.analysis.cache import ScanCache
    from llmsight.analysis.engine import Env, FileResult

__all__ = ["check", "check_source", "price", "rules", "explain", "select_rules", "ConfigError", "Config",
           "load_config", "estimate_sites", "apply_fixes", "project_root", "price_data_version",
           "model_alternatives", "candidate_models", "recommendable", "ingest", "IngestError", "diff", "simulate",
           "ScenarioPoint", "ScenarioRunner", "pareto_front", "scenario_fix", "fix_texts", "write_fix", "set_model_fix"]


def project_root(paths: Sequence[str | Path]) -> Path:
    from llmsight.analysis.engine import find_root

    return find_root([Path(p) for p in paths])


def select_rules(config: Config, select: Iterable[str] | None = (), ignore: Iterable[str] | None = (),
                 traffic: bool = False) -> tuple:
    """Rule classes to run, as ruff picks them: `select` (prefixes allowed: `LLM00`; default: the default rule
    set) plus `extend_select`, minus `ignore`; an opt-in rule only when named by its full code; traffic rules
    need traffic."""
    from llmsight.analysis.rules import all_rules

    chosen_select = tuple(select or ()) or config.select
    chosen_ignore = tuple(ignore or ()) + config.ignore

    def matches(rule, patterns: Iterable[str]) -> bool:
        wanted = [p.strip().upper() for p in patterns]
        if rule.opt_in:
            return rule.code in wanted
        return any(rule.code.startswith(p) or p == "ALL" for p in wanted)

    if any(not p.strip() for p in chosen_select + config.extend_select + chosen_ignore):  # "" prefixes every code
        raise ConfigError("an empty rule selector in select/extend-select/ignore would match every rule; name "
                          "codes or prefixes (LLM001, LLM00) or ALL")
    out = []
    for r in all_rules():
        chosen = matches(r, chosen_select) if chosen_select else not r.opt_in
        if not (chosen or matches(r, config.extend_select)) or matches(r, chosen_ignore):
            continue
        if r.needs_traffic and not traffic:
            continue
        out.append(r)
    return tuple(out)


def _fingerprint(config: Config, rule_codes: Sequence[str], price_data: str) -> str:
    import datetime

    blob = json.dumps([__version__, _code_identity(), repr(config), list(rule_codes), price_data,
                       datetime.date.today().isoformat()], default=str)
    return hashlib.sha1(blob.encode()).hexdigest()


def _code_identity() -> list[tuple[str, int, int]]:
    """Size and mtime of the analysis code and its data (`cache.code_identity`)."""
    import llmsight.analysis
    import llmsight.knowledge
    from llmsight.analysis.cache import code_identity

    return code_identity((Path(__file__).parent, Path(llmsight.analysis.__file__).parent,
                          Path(llmsight.knowledge.__file__).parent))


def price_data_version() -> str:
    """Which price data estimates use; a warm check whose estimates are all cached never reads the map."""
    from llmsight.knowledge.catalog import base_price_data

    return base_price_data()


@dataclass
class _Scan:
    results: list["FileResult"]
    files_scanned: int
    files_skipped: int
    errors: list[FileError]
    cache: "ScanCache"      # saved by the caller, once the results' estimates are kept in it


def _scan(env: "Env", files: list[Path], use_cache: bool, price_data: str, jobs: int | None) -> _Scan:
    """Analyse what changed since the cached run; reuse the rest.

    Stage 1 analyses files the prefilter keeps. Stage 2 looks for names that analysed modules export
    bound to SDK callables (`from app.llm import ask`) and analyses the files that call them. A file
    that is not a regular file of bounded size is never opened; it is reported in `errors`. When the bytes
    to read alone pay for workers, they are forked first and each process reads its own share
    (`read_and_analyze`); else this process reads them and `analyze_many` decides.
    """
    from llmsight.analysis import cache as cache_mod
    from llmsight.analysis.engine import (imported_names, mentions, prefilter_test, read_and_analyze, read_scanned,
                                          size_limit)
    from llmsight.analysis.project import NotReadable, check_regular, describe_os_error, rel_path

    root = env.root
    cache = cache_mod.ScanCache(root, _fingerprint(env.config, [r.code for r in env.rules], price_data), use_cache)
    errors: list[FileError] = []
    data_of: dict[str, tuple[Path, bytes]] = {}   # files read in this run
    results: dict[str, FileResult] = {}
    skipped: set[str] = set()
    fresh: set[str] = set()
    seen: set[str] = set()
    stamps = cache_mod.Stamps()   # the dependencies' stat and sha1, taken once in this run

    def unreadable(f: Path, rel: str, exc: NotReadable) -> None:
        # a link is named as found: its target may be missing, or anywhere
        errors.append(FileError(rel_path(f, root, follow_link=False) if os.path.islink(f) else rel, str(exc)))

    pending: list[tuple[Path, str, tuple[int, int]]] = []   # files whose bytes this run reads
    for f in files:
        rel = rel_path(f, root)
        if rel in seen:
            continue
        seen.add(rel)
        try:
            st = os.stat(f)
            check_regular(st, size_limit(f))
        except OSError as exc:
            unreadable(f, rel, NotReadable(describe_os_error(exc)))
            continue
        except NotReadable as exc:
            unreadable(f, rel, exc)
            continue
        key = st.st_size, st.st_mtime_ns
        entry = cache.entries.get(rel)
        if entry is None or (entry.size, entry.mtime_ns) != key or not cache_mod.deps_unchanged(entry.deps, stamps):
            pending.append((f, rel, key))
        elif entry.result is None:
            skipped.add(rel)
        else:
            results[rel] = entry.result

    can_call = prefilter_test(env.wrappers)

    def examine(rel: str, data: bytes) -> tuple[str, bool, bool]:
        """A file read: its sha1, whether it changed since its cached result, whether to analyse it."""
        sha = cache_mod.sha1(data)
        entry = cache.entries.get(rel)
        new = entry is None or entry.sha != sha or not cache_mod.deps_unchanged(entry.deps, stamps)
        return sha, new, new and can_call(data)

    def record(f: Path, rel: str, key: tuple[int, int], sha: str, new: bool, data: bytes | None) -> None:
        cache.dirty = True
        if new:
            fresh.add(rel)
            cache.entries[rel] = cache_mod.Entry(key[0], key[1], sha, None)
            if data is not None:
                data_of[rel] = (f, data)
            return
        entry = cache.entries[rel]   # touched, same bytes: its result stands
        entry.size, entry.mtime_ns = key
        if entry.result is None:
            skipped.add(rel)
        else:
            results[rel] = entry.result

    reads = read_and_analyze(env, [(str(f), rel, key[0]) for f, rel, key in pending], examine, jobs)
    if reads is None:   # read here; analyze_many decides on workers
        candidates = set()
        for f, rel, key in pending:
            try:
                data = read_scanned(f)
            except NotReadable as exc:
                unreadable(f, rel, exc)
                continue
            sha, new, analyse = examine(rel, data)
            record(f, rel, key, sha, new, data)
            if analyse:
                candidates.add(rel)
        if candidates:
            from llmsight.analysis.model_resolution import share_texts
            share_texts(root, ((rel, data) for rel, (_f, data) in data_of.items()))
        analysed = _analyze_paths(env, data_of, candidates, jobs)
    else:               # the workers forked before reading, and each process read its own chunks
        by_path = {r.path: r for r in reads}
        analysed = {}
        for f, rel, key in pending:
            r = by_path[rel]
            if r.sha is None:
                unreadable(f, rel, NotReadable(r.error or "cannot read"))
                continue
            record(f, rel, key, r.sha, r.new, r.data)
            if r.result is not None:
                analysed[rel] = r.result
        candidates = set(analysed)
    skipped |= fresh - candidates
    results.update(analysed)

    exports = frozenset(n for r in results.values() for n in r.exports)
    if exports != frozenset(cache.exports):
        pool = skipped | set(results)        # every file was checked without these names
    else:
        pool = fresh                          # only new text can mention the known names
    if exports and pool:
        imports_of = {r.path: r.imports for r in reads or () if r.sha is not None and r.path in pool}
        for rel in pool - imports_of.keys() - data_of.keys():
            try:
                data_of[rel] = (root / rel, read_scanned(root / rel))
            except NotReadable:
                continue
        imports_of.update((rel, imported_names(data_of[rel][1])) for rel in pool - imports_of.keys() if rel in data_of)
        second = mentions(imports_of, exports)
        path_of = {rel: f for f, rel, _key in pending}
        for rel in second - data_of.keys():   # read by a worker, whose bytes stayed there
            try:
                data_of[rel] = (path_of[rel], read_scanned(path_of[rel]))
            except NotReadable:
                second.discard(rel)   # gone since: its first-stage result stands
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
        entry.deps = cache_mod.dep_record((p if Path(p).is_absolute() else root / p for p in r.deps), stamps)
        entry.estimates = None
        cache.dirty = True
    if exports != frozenset(cache.exports):
        cache.exports = tuple(sorted(exports))
        cache.dirty = True
    for rel in [rel for rel in cache.entries if rel not in seen and not (root / rel).exists()]:
        del cache.entries[rel]
        cache.dirty = True
    ordered = [results[rel] for rel in sorted(results)]
    return _Scan(ordered, len(ordered), len(skipped), errors, cache)


def _analyze_paths(env: "Env", data_of: dict[str, tuple[Path, bytes]], chosen: set[str],
                   jobs: int | None) -> dict[str, "FileResult"]:
    from llmsight.analysis.engine import analyze_many, decode_file, unanalysed

    items = []
    out: dict[str, FileResult] = {}
    for rel in sorted(chosen):
        f, data = data_of[rel]
        text, err = decode_file(data, rel)
        if err is not None:
            out[rel] = unanalysed(err)
        else:
            items.append((str(f), rel, text))
    if items:
        out.update((r.path, r) for r in analyze_many(env, items, jobs))
    return out


def check(paths: Sequence[str | Path] = (".",), *, config: Config | None = None, config_file: str | Path | None = None,
          select: Iterable[str] = (), ignore: Iterable[str] = (), traffic: str | Path | None = None,
          use_cache: bool = True, jobs: int | None = None, with_estimates: bool = True) -> CheckResult:
    """Analyse files and directories: call sites, diagnostics, static (or traffic) estimates. A file that
    could not be analysed is an LLM000 error; a path that cannot be scanned at all raises ConfigError."""
    from llmsight.analysis.engine import Env, check_paths, collect_files, find_root, keep_workers, unanalysed

    path_objs = [Path(p) for p in paths] or [Path(".")]
    check_paths(path_objs)
    root = find_root(path_objs)
    if config is None:
        config = load_config(root, Path(config_file) if config_file else None)
    traffic_path = _traffic_path(traffic or config.traffic, root)
    traffic_view = _open_traffic(traffic_path, config, root)
    rules_ = select_rules(config, select, ignore, traffic=traffic_view is not None)
    wrappers = {w.rsplit(".", 1)[-1]: w for w in config.wrappers}
    env = Env(root=root, config=config, rules=rules_, wrappers=wrappers, traffic=traffic_view)
    errors: list[FileError] = []
    files = collect_files(path_objs, root, config, errors)
    price_data = price_data_version()
    # traffic-based findings (LLM012-016) and fix values depend on the traffic, so its identity keys the cache;
    # the static estimates kept in it depend on a prices file's content
    from llmsight.knowledge.catalog import prices_file

    identity = price_data + _file_identity(traffic_path) + _file_identity(prices_file(config))
    with keep_workers():   # the second stage sends the workers' files back to them
        scan = _scan(env, files, use_cache, identity, jobs)
    unread = [unanalysed(e) for e in errors + scan.errors]
    whole_project = any(p.resolve() == Path(root).resolve() for p in path_objs)
    static = with_estimates and traffic_view is None    # static estimates are kept with the cached results
    try:
        result = _assemble(root, config, scan.results + unread, [], scan.files_scanned, scan.files_skipped, price_data,
                           traffic_view, with_estimates, whole_project, scan.cache.estimates() if static else {})
        if static:
            scan.cache.keep_estimates(result.estimates)
    finally:   # the analyses are kept even when estimating failed (an unreadable prices file)
        scan.cache.save()
    return result


def check_source(source: str, path: str = "example.py", *, config: Config | dict | None = None,
                 root: str | Path | None = None, select: Iterable[str] = (), ignore: Iterable[str] = (),
                 traffic: str | Path | None = None, with_estimates: bool = True,
                 exports: Iterable[str] = ()) -> CheckResult:
    """Analyse one in-memory buffer (an editor's unsaved text, a notebook cell, a rule example).

    `exports`: names project modules bind to SDK callables (`from app.llm import ask; ask(...)`), which a
    whole-project scan finds; a superset only costs time."""
    from llmsight.analysis.engine import Env, analyze_source, find_root

    root_path = Path(root).resolve() if root else find_root([Path(path)]) if Path(path).exists() else Path.cwd().resolve()
    if isinstance(config, dict):
        config = parse_config(config, "<inline config>")
    elif config is None:
        config = load_config(root_path)
    traffic_view = _open_traffic(_traffic_path(traffic or config.traffic, root_path), config, root_path)
    _bind_project(traffic_view, root_path, config)
    rules_ = select_rules(config, select, ignore, traffic=traffic_view is not None)
    env = Env(root=root_path, config=config, rules=rules_,
              wrappers={w.rsplit(".", 1)[-1]: w for w in config.wrappers}, traffic=traffic_view,
              exports=frozenset(exports))
    abs_path = (root_path / path) if not Path(path).is_absolute() else Path(path)
    from llmsight.analysis.project import rel_path

    rel = rel_path(abs_path, root_path)
    # no collection while the tree is alive: it has no cycles, and a full collection over it costs an
    # editor tens of milliseconds at random keystrokes; refcounting frees it when done
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        result = analyze_source(env, abs_path if abs_path.exists() else None, rel, source, path.endswith(".ipynb"))
    finally:
        if gc_was_enabled:
            gc.enable()
    errors = [result.error] if result.error else []
    return _assemble(root_path, config, [result], errors, 1, 0, price_data_version(), traffic_view, with_estimates)


def _bind_project(traffic_view, root: Path, config: Config) -> None:
    """A buffer's traffic maps as `check` maps the project's (request signatures included, which need
    every site of the project to tell a row's site from the others): the project's sites are found once
    per traffic view (the scan cache makes it cheap) and bound to it."""
    if traffic_view is None or traffic_view.complete or not root.is_dir():
        return
    import dataclasses

    sites = check([root], config=dataclasses.replace(config, traffic=None), with_estimates=False).call_sites
    traffic_view.bind(sites, complete=True)


def same_findings(previous_source: str, source: str, previous: CheckResult) -> bool:
    """True when `previous` (the result of `check_source` on `previous_source`) is also `source`'s: the two
    differ only in comments no rule reads and trailing whitespace, outside multi-line expressions and the
    nodes a fix rewrites. An editor asks this per keystroke before re-analysing a buffer."""
    from llmsight.analysis.context import comment_only_change

    return comment_only_change(previous_source, source, (e.span for d in previous.diagnostics for f in d.fixes
                                                         for e in f.edits))


def _traffic_path(traffic: str | Path | None, root: Path) -> Path | None:
    """A traffic source; relative paths (from config) are relative to the project root."""
    if not traffic:
        return None
    return Path(traffic) if Path(traffic).is_absolute() else root / traffic


def _file_identity(path: Path | None) -> str:
    try:
        stat = path.stat() if path is not None else None
    except OSError:
        return str(path)
    return "" if stat is None else f"|{path.resolve()}:{stat.st_size}:{stat.st_mtime_ns}"


def _open_traffic(traffic: Path | None, config: Config, root: Path | None = None):
    if traffic is None:
        return None
    try:
        from llmsight.simulator.view import open_traffic  # type: ignore[import-not-found]
    except ImportError as exc:
        raise ConfigError(f"--traffic needs the simulator ({exc}); install llmsight[sim]") from exc
    return open_traffic(traffic, config, root=root)


def _assemble(root: Path, config: Config, results: list["FileResult"], errors: list[FileError], scanned: int,
              skipped: int, price_data: str, traffic_view, with_estimates: bool,
              whole_project: bool = False, known: dict[str, Estimate] | None = None) -> CheckResult:
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
    estimates = estimate_sites(sites, config, traffic_view, whole_project, known) if with_estimates else {}
    return CheckResult(version=__version__, price_data=price_data, root=root.as_posix(), call_sites=sites,
                       diagnostics=diags, estimates=estimates, files_scanned=scanned, files_skipped=skipped,
                       errors=sorted(errors, key=lambda e: (e.path, e.line or 0)))


def traffic_mapping(traffic: str | Path | None, config: Config, root: Path) -> list[str]:
    """How the traffic `check` used mapped to its call sites (rows mapped and by what, ambiguous and
    unmatched rows, the largest unmatched signatures); empty without traffic."""
    path = _traffic_path(traffic or config.traffic, root)
    report = _open_traffic(path, config, root).mapping_report() if path is not None else None
    return report.lines() if report is not None else []


def estimate_sites(sites: Sequence[CallSite], config: Config, traffic_view=None,
                   whole_project: bool = False, known: dict[str, Estimate] | None = None) -> dict[str, Estimate]:
    """Each site's estimate: from its traffic rows, else static. `whole_project`: `sites` are every site of
    the project, so rows without a code location may map by their request signature. `known`: static
    estimates already made for these sites under the same config and prices (a warm scan's)."""
    from llmsight.analysis.estimates import static_estimate

    out = {}
    if traffic_view is not None:            # a row belongs to one site among all of them, not the first that fits
        traffic_view.bind(sites, complete=whole_project)
    for s in sites:
        est = None
        if traffic_view is not None:
            est = traffic_view.estimate(s, config)
        out[s.id] = est or (known or {}).get(s.id) or static_estimate(s, config)
        if traffic_view is not None:        # how the traffic mapped, said even when no row maps to this site
            out[s.id] = traffic_view.annotate(s, out[s.id])
    return out


def apply_fixes(paths: Sequence[str | Path], *, unsafe: bool = False, diff_only: bool = False, **check_kwargs):
    """`--fix` / `--diff`: apply (or show) fixes in rounds until nothing more applies.

    The scan only picks the files with fixable findings: each is then read once and analysed again on
    exactly those bytes, so edits never land on text other than the one they were computed on."""
    from llmsight.analysis.apply import applicable_fixes, fix_files, imported_names

    first = check(paths, with_estimates=False, **check_kwargs)
    root = Path(first.root)
    config_file = check_kwargs.get("config_file")
    config = check_kwargs.get("config") or load_config(root, Path(config_file) if config_file else None)
    options = dict(root=root, config=config, select=check_kwargs.get("select", ()),
                   ignore=check_kwargs.get("ignore", ()), traffic=check_kwargs.get("traffic"), with_estimates=False)

    def analyse(text: str, path: Path) -> list[Diagnostic]:
        # every imported name may be one a project module exports: the scan's stage-2 sites are found again
        return check_source(text, str(path), exports=imported_names(text, path.suffix == ".ipynb"),
                            **options).diagnostics

    files = {d.span.path for d, _ in applicable_fixes(first.diagnostics, unsafe)}
    return fix_files(sorted(files), root, [Path(p) for p in paths] or [Path(".")], analyse, unsafe=unsafe,
                     diff_only=diff_only)


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

_NOT_A_SWAP = ("ft:", "preview", "latest", "search", "audio", "realtime", "computer-use", "transcribe", "tts")


def _swap_candidates(site: CallSite, config: Config) -> list[str]:
    """Priced models of the site's provider and operation kind that have a quality prior to rank by, and
    the allowed models, as far as the recommender (`knowledge.recommend`) lets them be recommended."""
    from llmsight.knowledge.catalog import Catalog
    from llmsight.knowledge.priors import quality_prior
    from llmsight.knowledge.recommend import provider_family, recommendable, site_model_info

    catalog = Catalog.load(config)
    current = site_model_info(site, catalog)
    if current is None or site.operation not in ("chat", "completion", "responses"):
        return []
    family = provider_family(current.provider)
    # the name tests first: building a catalog entry for each of its thousands of names cost a server's
    # first hover ~50 ms
    names = [name for name in sorted(catalog.names())
             if "/" not in name and not any(word in name for word in _NOT_A_SWAP) and quality_prior(name) is not None
             and (info := catalog.lookup(name)) is not None and provider_family(info.provider) == family
             and info.mode == current.mode and info.name != current.name]
    names += [m for m in config.allowed_models if m != current.name]
    return [v.model for v in recommendable(site, names, config)]


def recommendable(site: CallSite, model: str, config: Config) -> bool:
    """Whether llmsight may recommend `model` for `site` and its client can send it as written: not
    retiring within the deprecation window, allowed, same operation kind, same provider unless the call
    goes through a multi-provider layer (`knowledge.recommend.judge` says why not)."""
    from llmsight.knowledge.recommend import judge

    verdict = judge(site, model, config)
    return verdict.allowed and verdict.client_change is None


def candidate_models(site: CallSite, config: Config, extra: Sequence[str] = ()) -> list[str]:
    """Models worth comparing for a site (the explorer's and the report's): `extra` as given, then the
    alternatives `model_alternatives` ranks and the configured `fallback_model`, those two only when the
    site's client can send them and the recommender allows them; never the site's own model."""
    current = site.model.value if isinstance(site.model.value, str) else None
    found = [a.model for a in model_alternatives(site, config) if not a.client_change]
    fallback = config.fallback_model if config.fallback_model and recommendable(site, config.fallback_model,
                                                                                  config) else None
    return [m for m in dict.fromkeys((*extra, *found, fallback)) if m and m != current]


def model_alternatives(site: CallSite, config: Config, limit: int = 5, *, traffic: str | Path | None = None,
                       root: str | Path = ".") -> list["ScenarioPoint"]:
    """Other models for a site that nothing — the code as written included — beats on cost, p95, error
    rate and quality at once (`pareto_front`), cheapest first. With `traffic` the site's rows are replayed
    (`ScenarioRunner`); without, or when no rows map to the site, static priors rank them."""
    candidates = _swap_candidates(site, config)
    if not candidates:
        return []
    changes = [{}] + [{"model": m} for m in candidates]
    try:
        points = ScenarioRunner(site, config, traffic, root).run_many(changes)
    except ConfigError:
        if traffic is None:
            raise
        points = ScenarioRunner(site, config, None, root).run_many(changes)
    def figures(p: "ScenarioPoint") -> tuple:
        return p.cost_per_call, p.latency_p95_s, p.error_rate, p.quality

    same: dict[tuple, int] = {figures(points[0]): 0}   # a snapshot priced like its alias is no alternative;
    for i, p in enumerate(points[1:], 1):               # of two such candidates keep the shorter name
        key = figures(p)
        if key not in same or (same[key] != 0 and len(p.model or "") < len(points[same[key]].model or "")):
            same[key] = i
    kept = [points[0]] + [points[i] for i in sorted(same.values()) if i != 0]
    front = [kept[i] for i in pareto_front(kept) if i != 0]
    ranked = sorted(front, key=lambda p: (p.cost_per_call, p.latency_p95_s or 0.0))[:limit]
    return [_with_evidence(p, site, config) for p in ranked]


def _with_evidence(point: "ScenarioPoint", site: CallSite, config: Config) -> "ScenarioPoint":
    """A recommended point saying what its quality rests on and whether the site's client can send it."""
    import dataclasses

    from llmsight.knowledge.recommend import judge, prior_evidence

    if point.prior:
        evidence = point.prior
    elif point.source == "traffic" and point.quality is not None:
        evidence = f"quality replayed over this site's traffic (n={point.n:,})" if point.n else "quality from traffic"
    else:
        evidence = prior_evidence(point.model or "") or "no quality evidence"
    verdict = judge(site, point.model or "", config)
    return dataclasses.replace(point, evidence=evidence, client_change=verdict.client_change)


# ---- traffic: ingest / diff ----
class IngestError(Exception):
    """Traffic input that cannot be used at all (bad store, unknown format); the CLI exits 2."""


def ingest(files: Sequence[str | Path], db: str | Path | None = None, fmt: str = "auto", *, progress: bool = False,
           max_examples: int = 20, root: str | Path | None = None, progress_min_bytes: int = 0):
    """Load traffic files into the store (default `.llmsight/traffic.duckdb` under the project root)."""
    from llmsight.simulator import ingest as ingest_mod, store

    path = Path(db) if db else store.default_db_path(root or project_root(["."]))
    try:
        con = store.open_store(path)
    except store.StoreError as exc:
        raise IngestError(str(exc)) from exc
    try:
        report = ingest_mod.ingest(files, con, fmt, show_progress=progress, max_examples=max_examples,
                                   progress_min_bytes=progress_min_bytes)
        report.store = str(path)
        return report
    except ingest_mod.IngestError as exc:
        raise IngestError(str(exc)) from exc
    finally:
        con.close()


def diff(base_ref: str, paths: Sequence[str | Path] = (".",), traffic: str | Path | None = None,
         config: Config | None = None):
    """Compare every call site's monthly cost and p95 between the working tree and a git ref."""
    from llmsight.simulator.diff import diff_against

    return diff_against(base_ref, paths, traffic=traffic, config=config)


# ---- notebook support ----
# What the notebook explorer and the HTML report show: one call site under what-if changes, the Pareto
# front of those scenarios, and a chosen scenario as a code edit. Traffic runs through the simulator's
# traffic view (`llmsight.simulator.view`, replaying the rows mapped to the site); without traffic the
# static estimate is recomputed with the changes it can express, labelled "priors".

EXPLORE_KEYS = ("model", "max_tokens", "trim_input", "timeout", "fallback", "response_cache_hit_rate")


@dataclass(frozen=True)
class ScenarioPoint:
    """One site under one set of changes (`{}` = the code as written)."""

    site_id: str
    changes: tuple[tuple[str, object], ...]
    model: str | None
    cost_per_call: float | None
    cost_per_month: float | None
    latency_p50_s: float | None
    latency_p95_s: float | None
    latency_p99_s: float | None
    error_rate: float | None
    quality: float | None
    source: str                 # "traffic" (replayed rows) or "priors" (static estimate)
    n: int | None = None
    notes: tuple[str, ...] = ()
    prior: str | None = None            # replayed rows on a model the traffic never saw: the priors used
    evidence: str | None = None         # what a recommended model's quality rests on (traffic, eval file, prior)
    client_change: str | None = None    # why the site's client cannot send this model as is (never auto-applied)

    @property
    def label(self) -> str:
        return ", ".join(f"{k}={v}" for k, v in self.changes) or "as written"


def _clean_changes(changes: dict) -> tuple[tuple[str, object], ...]:
    unknown = sorted(set(changes) - set(EXPLORE_KEYS))
    if unknown:
        raise ValueError(f"unknown scenario key(s) {', '.join(unknown)}; use {', '.join(EXPLORE_KEYS)}")
    return tuple((k, changes[k]) for k in EXPLORE_KEYS if changes.get(k) not in (None, "", 0, 0.0))


class ScenarioRunner:
    """Scenarios of one call site. With traffic, the rows the simulator maps to the site are replayed
    (`simulator.view.TrafficView.replay`, the view `check(traffic=...)` uses, cached per traffic source);
    without, the static estimate is recomputed on priors."""

    def __init__(self, site: CallSite, config: Config, traffic: str | Path | None = None, root: str | Path = ".",
                 sites: Sequence[CallSite] = ()):
        self.site, self.config = site, config
        self.traffic = _traffic_path(traffic, Path(root))
        self.root = Path(root)
        self.sites = tuple(sites)   # every site of the project: a row maps to one of them, not to the nearest match

    @property
    def source(self) -> str:
        return "traffic" if self.traffic is not None else "priors"

    def _view(self):
        view = _open_traffic(self.traffic, self.config, self.root)   # the view `check(traffic=...)` opened, when it did
        if not getattr(view, "replays", True):
            raise ConfigError(f"{self.traffic}: a summary from `simulate --write-summary` holds figures, not rows to "
                              "replay scenarios on; explore with the traffic itself")
        view.bind((*self.sites, self.site), complete=bool(self.sites))
        if view.site(self.site) is None:
            raise ConfigError(f"{self.traffic}: no traffic rows map to {self.site.span.path}:{self.site.span.start_line} "
                              "(rows need code_file/code_line or a feature tag; see the instrumentation helpers)")
        return view

    def prepare(self, models: Iterable[str] = ()) -> None:
        """Map and fit the site's traffic, with `models` as scenario targets (one pass for all of them)."""
        if self.traffic is not None:
            self.run_many([{"model": m} for m in models] or [{}])

    def run(self, changes: dict | None = None) -> ScenarioPoint:
        return self.run_many([changes or {}])[0]

    def run_many(self, changes: Sequence[dict]) -> list[ScenarioPoint]:
        cleaned = [_clean_changes(dict(c)) for c in changes]
        if self.traffic is None:
            return [self._static(c) for c in cleaned]
        from llmsight.simulator.scenario import Scenario

        view = self._view()
        figures = view.replay(self.site, [Scenario(name=", ".join(f"{k}={v}" for k, v in c) or "baseline", **dict(c))
                                          for c in cleaned])
        from llmsight.simulator.site_figures import cost_per_month, monthly_volume

        value = (lambda m: None if m is None else m.value)
        points = []
        for clean, fig in zip(cleaned, figures):
            per_call = value(fig.cost_per_call)
            per_month = value(cost_per_month(fig, *monthly_volume(self.site, self.config, fig.calls_per_day)))
            model = dict(clean).get("model") or view.site(self.site).model
            points.append(ScenarioPoint(self.site.id, clean, model, per_call, per_month, value(fig.latency_p50_s),
                                        value(fig.latency_p95_s), value(fig.latency_p99_s), value(fig.error_rate),
                                        value(fig.quality), "traffic", fig.calls,
                                        tuple(n for n in view.notes if model and model in n),
                                        prior=next((m.prior for m in (fig.latency_p95_s, fig.quality)
                                                    if m is not None and m.source == "prior" and m.prior), None)))
        return points

    def _static(self, clean: tuple) -> ScenarioPoint:
        import dataclasses

        from llmsight.analysis.estimates import static_estimate
        from llmsight.knowledge.priors import quality_prior
        from llmsight.records import Setting

        ch = dict(clean)
        site, config, notes = self.site, self.config, []
        if "model" in ch:
            site = dataclasses.replace(site, model=Setting(ch["model"], repr(ch["model"]), "call"))
        if "max_tokens" in ch:
            site = dataclasses.replace(site, max_tokens=Setting(int(ch["max_tokens"]), str(ch["max_tokens"]), "call"))
        if "trim_input" in ch:
            n = int(ch["trim_input"])
            site = dataclasses.replace(site, prompt=dataclasses.replace(site.prompt, static_tokens=min(site.prompt.static_tokens, n)))
            if config.default_input_tokens is not None:
                config = dataclasses.replace(config, default_input_tokens=min(config.default_input_tokens, n))
        est = static_estimate(site, config)
        keep = 1.0 - float(ch.get("response_cache_hit_rate", 0.0))
        scale = (lambda v: None if v is None else v * keep)
        p50, p95, p99 = (m.value if m else None for m in (est.latency_p50_s, est.latency_p95_s, est.latency_p99_s))
        if "timeout" in ch:
            t = float(ch["timeout"])
            p50, p95, p99 = (None if v is None else min(v, t) for v in (p50, p95, p99))
            notes.append("priors: a call slower than the timeout ends at it (no retry or error model without traffic)")
        if keep < 1.0:
            notes.append("priors: cache hits are free; latency percentiles are those of the misses")
        if "fallback" in ch:
            notes.append("priors: a fallback changes only error handling; its effect needs traffic")
        q = quality_prior(est.model) if est.model else None
        per_month = est.cost_per_month.value if est.cost_per_month else None
        return ScenarioPoint(self.site.id, clean, est.model, scale(est.cost_per_call.value), scale(per_month),
                             p50, p95, p99, None, q[0] if q else None, "priors", None, tuple(est.notes) + tuple(notes))


def pareto_front(points: Sequence[ScenarioPoint], with_quality: bool = True) -> list[int]:
    """Indices of the points no other point beats on every objective at once: the simulator's front
    (`simulator.pareto`: monthly cost, p95, error rate, quality), or cost and p95 alone. A point without
    a cost or a p95 is on no front; an unknown error rate or quality counts as equal everywhere."""
    from llmsight.simulator.pareto import front

    def objectives(p: ScenarioPoint) -> tuple[float | None, ...]:
        cost = p.cost_per_month if p.cost_per_month is not None else p.cost_per_call
        if not with_quality:
            return cost, p.latency_p95_s
        return cost, p.latency_p95_s, p.error_rate or 0.0, -(p.quality or 0.0)

    return front([objectives(p) for p in points])


def scenario_fix(site: CallSite, changes: dict, *, config: Config | None = None, root: str | Path | None = None,
                 source: str | None = None) -> Fix:
    """The code edit for a scenario's model / timeout / output cap / fallback, built the way the rules
    build their fixes (LLM008's model switch, LLM001's timeout, LLM004's cap, LLM003's fallback); trim
    and cache are suggestions (display-only). Edits are in the site's file (`source` = its current text,
    else read from disk under `root`), or in the file defining the model constant."""
    import dataclasses

    from llmsight.analysis.engine import Env, analyze_source
    from llmsight.analysis.rules.base import Rule
    from llmsight.analysis.rules.llm001_missing_timeout import MissingTimeout
    from llmsight.analysis.rules.llm003_no_fallback import NoFallback
    from llmsight.analysis.rules.llm004_unbounded_output import UnboundedOutput
    from llmsight.analysis.rules.model_helpers import (literal_node, model_fix, origin_of,
                                                          replace_literal, with_prefix)

    ch = dict(_clean_changes(changes))
    if not ch:
        return Fix("No change", (), "display-only")
    root_path = Path(root or ".").resolve()
    config = config or load_config(root_path)
    unwritable = _unwritable_models(site, ch, config)
    for key in unwritable:
        ch.pop(key)
    path = site.span.path
    if source is None:
        source = _project_text(root_path, path)
    fixes: list[Fix] = []

    def rule_fix(ctx, s, rule, field_name: str, value, otherwise: str) -> None:
        """The fix `rule` offers for this site when the config holds the scenario's value (its title says the
        value is the scenario's, not the config's)."""
        sub = dataclasses.replace(ctx, config=dataclasses.replace(ctx.config, **{field_name: value}))
        found = [dataclasses.replace(f, title=f.title.replace(f"{field_name} from config", "the scenario's value"))
                 for d in rule().check(sub) if d.site_id == s.id for f in d.fixes]
        fixes.extend(found or [Fix(otherwise, (), "display-only")])

    def keyword_or_rule(ctx, s, setting, value: int | float, keywords: tuple[str, ...], rule, field_name: str) -> None:
        node = literal_node(ctx, s, setting, keywords, positional=False) if setting.source in ("call", "client") else None
        edit = replace_literal(ctx, node, int(value)) if node is not None and float(value).is_integer() else None
        if edit is not None:
            fixes.append(Fix(f"Set {keywords[0]}={value:g}", (edit,), "unsafe"))
        else:
            rule_fix(ctx, s, rule, field_name, value, f"Set {keywords[0]}={value:g} where the request is configured")

    def edits_in(rel: str, text: str, check) -> None:
        """Run `check(ctx)` on one file of the project, the way a rule sees it."""
        class _ScenarioEdits(Rule):
            code, name, summary = "LLM900", "scenario", "scenario edits"

            def check(self, ctx):
                check(ctx)
                return []

        env = Env(root=root_path, config=config, rules=(_ScenarioEdits,),
                  wrappers={w.rsplit(".", 1)[-1]: w for w in config.wrappers})
        analyze_source(env, root_path / rel, rel, text, rel.endswith(".ipynb"))

    def at_call(ctx) -> None:
        s = next((x for x in ctx.sites if x.id == site.id), None)
        if s is None:
            return
        if "model" in ch and origin[0] in (None, path):
            fixes.append(model_fix(ctx, s, with_prefix(current, ch["model"]), f"Switch model to {ch['model']}"))
        if "timeout" in ch:
            keyword_or_rule(ctx, s, s.timeout, float(ch["timeout"]), ("timeout", "request_timeout"), MissingTimeout,
                            "default_timeout")
        if "max_tokens" in ch:
            keyword_or_rule(ctx, s, s.max_tokens, int(ch["max_tokens"]),
                            ("max_tokens", "max_completion_tokens", "max_output_tokens", "num_predict", "maxTokens"),
                            UnboundedOutput, "default_max_tokens")
        if "fallback" in ch:
            rule_fix(ctx, s, NoFallback, "fallback_model", ch["fallback"],
                     f"Fall back to {ch['fallback']} where the request's errors are handled (no automatic edit here)")

    def at_origin(ctx) -> None:   # the model is a constant in another file: switch it there
        fixes.append(model_fix(ctx, site, with_prefix(current, ch["model"]),
                               f"Switch model to {ch['model']} (in {site.model.origin}, for every use of it)"))

    current = site.model.value if isinstance(site.model.value, str) else str(ch.get("model", ""))
    origin = origin_of(site.model) or (None, 0)
    edits_in(path, source, at_call)
    if "model" in ch and origin[0] not in (None, path):
        try:
            edits_in(origin[0], _project_text(root_path, origin[0]), at_origin)
        except ConfigError:
            fixes.append(Fix(f"Switch model to {ch['model']} (in {site.model.origin})", (), "display-only"))
    titles = [f.title for f in fixes] + list(unwritable.values())
    if "trim_input" in ch:
        titles.append(f"Trim the prompt to {ch['trim_input']} tokens where it is built (not a one-line edit)")
    if "response_cache_hit_rate" in ch:
        titles.append(f"Cache responses (expected hit rate {ch['response_cache_hit_rate']:g}; not a one-line edit)")
    edits = tuple(e for f in fixes for e in f.edits)
    return Fix("; ".join(titles), edits, "unsafe" if edits else "display-only")



def _fix_sources(fix: Fix, root: str | Path) -> dict[str, tuple["SourceFile", str]]:
    """{path: (the file as read, its text after the fix)}: read as `--fix` reads (no symlink out of `root`,
    the file's own encoding), edits applied as `--fix` applies them (line endings kept, a notebook's cells)."""
    from llmsight.analysis.apply import FixRefused, apply_round, read_source_file

    groups: dict[str, dict[int | None, list]] = {}
    for e in fix.edits:
        groups.setdefault(e.span.path, {}).setdefault(e.span.cell, []).append(e)
    out = {}
    for path, by_cell in groups.items():
        try:
            source = read_source_file(Path(root) / path, [Path(root)], path.endswith(".ipynb"))
        except FixRefused as exc:
            raise ConfigError(f"{path}: {exc}") from exc
        new, _ = apply_round(source.text, path.endswith(".ipynb"), [(None, tuple(edits)) for edits in by_cell.values()])
        out[path] = (source, new)
    return out


def _project_text(root: Path, rel: str) -> str:
    """A project file's text read as `--fix` reads it (its own encoding; no symlink out of `root`)."""
    from llmsight.analysis.apply import FixRefused, read_source_file

    try:
        return read_source_file(root / rel, [root], rel.endswith(".ipynb")).text
    except FixRefused as exc:
        raise ConfigError(f"{rel}: {exc}") from exc


def _unwritable_models(site: CallSite, ch: dict, config: Config) -> dict[str, str]:
    """{scenario key: why its model is not written into the code} for the `model`/`fallback` the
    recommender refuses for this site (retiring, not allowed, another operation kind) or that the site's
    client cannot send (another provider without a multi-provider layer): shown, never applied."""
    from llmsight.knowledge.recommend import judge

    out = {}
    for key in ("model", "fallback"):
        if key in ch:
            verdict = judge(site, str(ch[key]), config)
            why = verdict.refused or verdict.client_change
            if why:
                out[key] = f"Not written: {key} {ch[key]} ({why})"
    return out


def fix_texts(fix: Fix, root: str | Path = ".") -> dict[str, tuple[str, str]]:
    """{path: (old text, new text)} of the files a fix edits, applied as `--fix` applies edits (notebook
    edits to the cell they name, the notebook written back as JSON); nothing is written."""
    return {path: (source.text, new) for path, (source, new) in _fix_sources(fix, root).items()}


def write_fix(fix: Fix, root: str | Path = ".", previewed: dict[str, str] | None = None) -> list[str]:
    """Write a fix's edits the way `--fix` writes (`analysis.apply.write_source_file`: the file's encoding
    and line endings, an atomic replace, refused when the file changed since it was read). `previewed`
    ({path: text} from `fix_texts`) refuses a file that changed since its diff was shown."""
    from llmsight.analysis.apply import FixRefused, write_source_file

    planned = _fix_sources(fix, root)
    for path, (source, _) in planned.items():
        if previewed is not None and previewed.get(path) != source.text:
            raise ConfigError(f"{path}: changed since the fix was previewed; preview it again")
    written = []
    for path, (source, new) in planned.items():
        try:
            write_source_file(source, new)
        except FixRefused as exc:
            raise ConfigError(f"{path}: {exc}" + (f" (already written: {', '.join(written)})" if written else "")) \
                from exc
        written.append(path)
    return written

def _read_site_text(root: Path, path: str, cell: int | None) -> str | None:
    """A project file's text as a site's span counts its lines (a notebook: the cell's source)."""
    try:
        text = (root / path).read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read ({getattr(exc, 'strerror', None) or exc}) to set the model") from exc
    if cell is None:
        return text
    from llmsight.analysis.notebook import cell_source
    try:
        return cell_source(json.loads(text)["cells"][cell])
    except (ValueError, KeyError, IndexError, TypeError, RecursionError) as exc:
        raise ConfigError(f"{path}: cell {cell + 1} is not readable ({exc}); re-check the notebook") from exc


def set_model_fix(site: CallSite, models: str | Sequence[str], *, where: str = "pragma", root: str | Path = ".",
                  config: Config | None = None, read=None) -> Fix:
    """The edit that tells llmsight which models `site` sends ("Set model for this site"): the pragma
    `# llmsight: model=a|b` on the call's first line (`where="pragma"`), or `"<site id>" = "a|b"` under
    `[tool.llmsight.models]` of the project's config (`where="config"`). Nothing is written: apply it
    with `fix_texts` or as an editor's workspace edit. `read(path, cell)` gives a file's current text
    (an editor's unsaved buffer); a file that does not exist reads as None."""
    from llmsight.analysis import site_model_edit

    root = Path(root)
    names = site_model_edit.model_names(models)
    read = read or (lambda path, cell: _read_site_text(root, path, cell))
    shown = "|".join(names)
    if where == "pragma":
        text = read(site.span.path, site.span.cell)
        if text is None:
            raise ConfigError(f"{site.span.path}: not found; save the file before setting its model")
        edit = site_model_edit.pragma_edit(text, site.span, names)
        return Fix(f"Set model {shown} for this call (# llmsight: model=…)", (edit,), "safe")
    if where != "config":
        raise ConfigError(f"where={str(where)[:40]!r}: say pragma (a comment on the call) or config ([tool.llmsight.models])")
    config = config if config is not None else load_config(root)
    source = Path(config.source) if config.source else root / "pyproject.toml"
    try:
        rel = source.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        rel = str(source)
    text = read(rel, None)
    edit = site_model_edit.config_edit(text or "", rel, site.id, names)
    return Fix(f"Set model {shown} for {site.id} in {rel}", (edit,), "safe")


# ---- traffic: simulate ----
def simulate(paths: Sequence[str | Path] = (), traffic: str | Path | None = None, scenarios: Sequence = (), *,
             config: Config | None = None, config_file: str | Path | None = None, seed: int = 0,
             eval_file: str | Path | None = None, sample: int | None = None, tenants: int | None = None,
             sample_rate: float | None = None, use_cache: bool = True, engine: str = "duckdb",
             spark_remote: str | None = None, spark_conf: Sequence[str] = (),
             write_summary: str | Path | None = None):
    """Replay traffic under what-if scenarios (`"model=gpt-4o-mini,timeout=20"` or `Scenario` objects).

    With `paths`, rows map to the call sites found there. The first result is always the baseline.
    Tenants past the `tenants` busiest (default 1,000; 0: no limit) are reported together as one.
    `sample_rate`: the share of calls head-sampled traces hold (counts and cost per day scale by 1/rate);
    None: the rate the traces' samplers recorded, else 1.
    `use_cache`: reuse (and keep) the scan of `paths` and the summary of the traffic's preparation in the user's
    cache directory; False reads and writes no cache.
    `engine="spark"`: replay in Apache Spark (a local session, or Spark Connect at `spark_remote`) over Parquet
    files, directories, globs or a table name; DuckDB is the default. `spark_conf`: the session's settings as
    "key=value" (memory, parallelism, shuffle, scratch space: `simulator.spark.spark_settings`).
    `write_summary`: also write the baseline's figures per site and feature to this JSON file, which `check`,
    the language server and `diff` read as their traffic (`simulator.summary`).
    Raises `ConfigError` for bad traffic or config and `llmsight.simulator.scenario.ScenarioError`
    (a ValueError naming the key) for a bad scenario."""
    from llmsight.simulator.simulate import simulate as run

    root = project_root(list(paths) or ["."])
    if config is None:
        config = load_config(root, Path(config_file) if config_file else None)
    traffic = traffic or (str(root / config.traffic) if config.traffic else None)
    if traffic is None:
        raise ConfigError("no traffic: pass --traffic DB (a store from `llm-lint ingest`, or a traffic file) "
                          "or set `traffic` in [tool.llmsight]")
    sites = check(paths, config=config, with_estimates=False, use_cache=use_cache).call_sites if paths else None
    whole_project = any(Path(p).resolve() == root.resolve() for p in paths)
    report = run(traffic, scenarios, sites=sites, root=root, whole_project=whole_project, config=config, seed=seed,
                 eval_file=eval_file, price_data=price_data_version(), sample=sample, sample_rate=sample_rate,
                 use_cache=use_cache, engine=engine, spark_remote=spark_remote, spark_conf=spark_conf,
                 **({} if tenants is None else {"max_tenants": tenants}))
    if write_summary:
        from llmsight.simulator.summary import write_summary as save

        try:
            save(report, write_summary, engine)
        except OSError as exc:
            raise ConfigError(f"{write_summary}: cannot write the summary ({exc.strerror or exc})") from exc
    return report
