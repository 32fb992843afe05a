"""Whole-tree speed of `llm-lint check .` against CPython `ast.parse`, and a never-crashes sweep (design §10).

Times the command as a user runs it: `llm-lint check .` with default flags in a fresh process, from process
start to its last byte of output, in a tree of real LLM applications — each labelled corpus project's scanned
paths (corpus/projects.toml, fetched on first use) copied side by side under one pyproject.toml, its excludes
kept, like a monorepo. Beside each run, a fresh process reads and `ast.parse`s the same .py files. Cold runs
get an empty cache directory (`XDG_CACHE_HOME` pointed at a new temporary directory, as on a fresh
machine); warm runs reuse one a first run filled. Prints the median wall and CPU times and the ratios:
cold ÷ ast.parse, warm ÷ ast.parse (each the median over runs paired with the baseline run just before
them), warm ÷ cold (the ratio of those two). Goals (wall clock): cold ≤ 1.0× ast.parse, warm ≤ 0.1× cold.

    python bench/scan.py                     # timing, 3 runs each
    python bench/scan.py --runs 5
    python bench/scan.py --robustness        # also scan corpus + this venv's site-packages, count errors
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "corpus"))
import fetch  # noqa: E402  (corpus/ is a folder of scripts)

# The baseline: what the cheapest possible whole-tree pass costs in a fresh interpreter. A file that does
# not parse (newer syntax, broken file) costs its failed parse, as it does in `check`.
BASELINE = """
import ast, sys
for path in open(sys.argv[1], encoding="utf-8").read().splitlines():
    with open(path, "rb") as fh:
        try:
            ast.parse(fh.read(), path)
        except (SyntaxError, ValueError):
            pass
"""
# The command a user types; the console script is what `pip install llmsight` puts on PATH.
LLM_LINT = Path(sys.executable).with_name("llm-lint")


class BenchError(Exception):
    """A run that failed; the benchmark's figures would be wrong."""


@dataclass
class Run:
    seconds: float          # wall clock, process start to its last byte of output
    cpu: float              # user + system time of the process and its workers
    returncode: int
    stderr: str
    report: dict | None     # the JSON report (robustness runs)
    output: str = ""        # what the user sees (timing runs)


def timed(cmd: list[str], env: dict[str, str] | None = None, cwd: Path | None = None,
          ) -> tuple[subprocess.CompletedProcess, float, float]:
    """Run a fresh process to completion, reading its output to the end: (result, wall seconds, CPU
    seconds of it and its children)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return proc, wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def tool_env(cache_home: Path) -> dict[str, str]:
    """The user's environment with its cache in `cache_home` (the XDG default, no llmsight override)."""
    env = dict(os.environ, XDG_CACHE_HOME=str(cache_home), LITELLM_LOCAL_MODEL_COST_MAP="True")
    for name in ("NO_COLOR", "LLMSIGHT_CACHE_DIR"):
        env.pop(name, None)
    return env


def llm_lint() -> list[str]:
    return [str(LLM_LINT)] if LLM_LINT.exists() else [sys.executable, "-m", "llmsight"]


def run_user_check(tree: Path, cache_home: Path) -> Run:
    """`llm-lint check .` in the tree, default flags, its report read from stdout as a user's terminal would."""
    proc, seconds, cpu = timed([*llm_lint(), "check", "."], tool_env(cache_home), cwd=tree)
    return Run(seconds, cpu, proc.returncode, proc.stderr, None, proc.stdout)


def run_check(paths: list[Path], cache_home: Path, *extra: str) -> Run:
    """One `llm-lint check PATHS --format json --exit-zero` in a fresh process (the robustness sweep)."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as out:
        out_path = Path(out.name)
    cmd = [*llm_lint(), "check", *map(str, paths), "--format", "json", "--exit-zero", "-o", str(out_path), *extra]
    proc, seconds, cpu = timed(cmd, tool_env(cache_home))
    try:
        report = json.loads(out_path.read_text(encoding="utf-8")) if proc.returncode in (0, 1) else None
    except (OSError, ValueError):
        report = None
    out_path.unlink(missing_ok=True)
    return Run(seconds, cpu, proc.returncode, proc.stderr, report)


def run_baseline(file_list: Path) -> Run:
    proc, seconds, cpu = timed([sys.executable, "-c", BASELINE, str(file_list)])
    if proc.returncode != 0:
        raise BenchError(f"the ast.parse baseline failed:\n{proc.stderr[-3000:]}")
    return Run(seconds, cpu, proc.returncode, proc.stderr, None)


def build_tree(projects: list[fetch.Project], dest: Path) -> None:
    """Each project's scanned paths under dest/<name>/ (its .py and .ipynb files only), one pyproject.toml
    at the top whose `exclude` keeps each project's excludes: one tree, as a monorepo checkout is."""
    excludes = []
    for project in projects:
        for path in project.paths:
            source = project.root / path
            if source.is_dir():
                shutil.copytree(source, dest / project.name / path, symlinks=True, ignore=_not_source)
            elif source.is_file():
                (dest / project.name / path).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, dest / project.name / path)
        excludes += [f"{project.name}/{glob}" for glob in project.exclude]
    (dest / "pyproject.toml").write_text(f"[project]\nname = \"corpus-tree\"\n\n[tool.llmsight]\n"
                                         f"exclude = {json.dumps(excludes)}\n", encoding="utf-8")


def _not_source(directory: str, names: list[str]) -> list[str]:
    return [n for n in names if not n.endswith((".py", ".ipynb")) and not os.path.isdir(os.path.join(directory, n))]


def python_files(paths: list[Path]) -> list[Path]:
    """The .py files `check` itself collects from these paths (same skipped directories and excludes)."""
    from llmsight import api
    from llmsight.analysis.engine import collect_files

    root = api.project_root(paths)
    return [f for f in collect_files(paths, root, api.load_config(root), []) if f.suffix == ".py"]


def count_lines(files: list[Path]) -> int:
    total = 0
    for f in files:
        try:
            with open(f, "rb") as fh:
                total += fh.read().count(b"\n")
        except OSError:     # a tree being changed under us (pip in another shell) must not stop the count
            continue
    return total


def check_runs(label: str, results: list[Run]) -> None:
    for r in results:
        if r.returncode not in (0, 1) or "Traceback" in r.stderr:
            raise BenchError(f"{label} run failed (exit {r.returncode}):\n{r.stderr[-3000:]}")


def median(runs: list[Run], attr: str = "seconds") -> float:
    return statistics.median(getattr(r, attr) for r in runs)


def digest(run: Run) -> str:
    return hashlib.sha1(run.output.encode()).hexdigest()[:12]


def bench(tree: Path, runs: int) -> dict:
    """Median fresh-process times of ast.parse, cold `llm-lint check .` and warm over a tree.

    Each check run is paired with a baseline run right before it, so that load from other processes on
    the machine hits both sides of a ratio alike; CPU times are reported too, as they barely move with load.
    """
    baselines: list[Run] = []
    cold_runs: list[Run] = []
    warm_runs: list[Run] = []
    files = python_files([tree])
    lines = count_lines(files)
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        file_list = Path(tmp, "files.txt")
        file_list.write_text("\n".join(map(str, files)), encoding="utf-8")
        for i in range(runs):
            baselines.append(run_baseline(file_list))
            cold_runs.append(run_user_check(tree, Path(tmp, f"cold-{i}")))   # a cache directory never used
            print(f"  run {i + 1}: ast.parse {baselines[-1].seconds:.2f} s, cold {cold_runs[-1].seconds:.2f} s",
                  file=sys.stderr)
        warm_home = Path(tmp, "warm")
        first = run_user_check(tree, warm_home)          # fills the cache (a user's first run)
        for i in range(runs):
            baselines.append(run_baseline(file_list))
            warm_runs.append(run_user_check(tree, warm_home))
            print(f"  run {i + 1}: ast.parse {baselines[-1].seconds:.2f} s, warm {warm_runs[-1].seconds:.2f} s",
                  file=sys.stderr)
    check_runs("cold", cold_runs)
    check_runs("first", [first])
    check_runs("warm", warm_runs)
    seen = [digest(r) for r in [*cold_runs, first, *warm_runs]]
    if len(set(seen)) > 1:
        # Timings stay meaningful; the reports do not agree (cache bug, or the code was edited mid-run).
        print(f"warning: the reports differ between runs (sha1 of stdout: {seen})", file=sys.stderr)
    cold_base, warm_base = baselines[:runs], baselines[runs:]
    cold_ratio, warm_ratio = paired(cold_runs, cold_base), paired(warm_runs, warm_base)
    cold_cpu_ratio, warm_cpu_ratio = paired(cold_runs, cold_base, "cpu"), paired(warm_runs, warm_base, "cpu")
    return {"files": len(files), "lines": lines, "runs": runs, "command": "llm-lint check .",
            "ast_parse_s": median(baselines), "cold_s": median(cold_runs), "first_s": first.seconds,
            "warm_s": median(warm_runs), "cold_ratio": cold_ratio, "warm_ratio": warm_ratio,
            "warm_over_cold": warm_ratio / cold_ratio,
            "ast_parse_cpu_s": median(baselines, "cpu"), "cold_cpu_s": median(cold_runs, "cpu"),
            "warm_cpu_s": median(warm_runs, "cpu"), "cold_cpu_ratio": cold_cpu_ratio, "warm_cpu_ratio": warm_cpu_ratio,
            "summary": cold_runs[0].output.strip().splitlines()[-1:], "consistent": len(set(seen)) == 1,
            "load": (load_before, os.getloadavg()[0])}


def paired(runs: list[Run], baselines: list[Run], attr: str = "seconds") -> float:
    """Median of each run's time over the baseline run right before it: load that drifts during the bench
    (other jobs starting or ending) cancels out of each pair."""
    return statistics.median(getattr(r, attr) / getattr(b, attr) for r, b in zip(runs, baselines))


def robustness(paths: list[Path]) -> dict:
    """One all-rules cold run over large real trees: exit 0/1 only, errors reported, never a traceback."""
    files = python_files(paths)
    lines = count_lines(files)
    with tempfile.TemporaryDirectory() as tmp:
        run = run_check(paths, Path(tmp), "--no-cache")
    crashed = run.returncode not in (0, 1) or "Traceback" in run.stderr or run.report is None
    errors = run.report["errors"] if run.report else []
    return {"paths": [str(p) for p in paths], "files": len(files), "lines": lines,
            "seconds": run.seconds, "exit_code": run.returncode, "file_errors": len(errors),
            "parse_errors": sum(d["code"] == "LLM000" for d in run.report["diagnostics"]) if run.report else 0,
            "files_analysed": run.report["summary"]["files_scanned"] if run.report else 0,
            "call_sites": len(run.report["call_sites"]) if run.report else 0,
            "diagnostics": len(run.report["diagnostics"]) if run.report else 0,
            "error_samples": [f"{e['path']}: {e['message']}" for e in errors[:10]],
            "tracebacks": run.stderr.count("Traceback"), "crashed": crashed,
            "stderr_tail": run.stderr[-2000:] if crashed else ""}


def print_bench(r: dict) -> None:
    print(f"corpus: {', '.join(r['projects'])}")
    print(f"`{r['command']}` in a tree of {r['files']} .py files, {r['lines']:,} lines; median of {r['runs']} "
          f"fresh-process runs each; load average {r['load'][0]:.1f} before, {r['load'][1]:.1f} after")
    print("                     wall      ratio        CPU       ratio")
    print(f"ast.parse baseline   {r['ast_parse_s']:6.2f} s   1          {r['ast_parse_cpu_s']:6.2f} s   1")
    print(f"check cold           {r['cold_s']:6.2f} s   {r['cold_ratio']:5.2f}      {r['cold_cpu_s']:6.2f} s   "
          f"{r['cold_cpu_ratio']:5.2f}   (goal: wall ratio <= 1.0)")
    print(f"check warm           {r['warm_s']:6.2f} s   {r['warm_ratio']:5.2f}      {r['warm_cpu_s']:6.2f} s   "
          f"{r['warm_cpu_ratio']:5.2f}   ")
    print(f"check first cached   {r['first_s']:6.2f} s   (empty cache, writes it)")
    print(f"warm / cold          {r['warm_over_cold']:.3f}   (goal: <= 0.1)")
    if not r["consistent"]:
        print("warning: the runs' reports differ (see stderr)")


def print_robustness(r: dict) -> None:
    verdict = "CRASHED" if r["crashed"] else "no crash"
    print(f"robustness: {r['files']} files ({r['files_analysed']} analysed past the prefilter; {r['call_sites']} "
          f"call sites, {r['diagnostics']} diagnostics), {r['lines']:,} lines in {r['seconds']:.1f} s: exit {r['exit_code']}, "
          f"{r['file_errors']} file errors and {r['parse_errors']} parse errors reported, {r['tracebacks']} tracebacks "
          f"— {verdict}")
    for sample in r["error_samples"]:
        print(f"  {sample}")
    if r["crashed"]:
        print(r["stderr_tail"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="fresh-process runs per measurement (median)")
    parser.add_argument("--robustness", action="store_true",
                        help="also scan the whole corpus plus --extra trees and count errors vs crashes")
    parser.add_argument("--robustness-only", action="store_true", help="skip the timing")
    parser.add_argument("--extra", action="append", type=Path,
                        help="large real tree for --robustness (default: this interpreter's site-packages)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    out: dict = {}
    try:
        # labelled projects only: one pinned but not yet labelled may be a held-out set, which is measured
        # blind before anything runs on it
        projects = fetch.ensure([p for p in fetch.load_projects() if p.labelled], log=lambda m: print(m, file=sys.stderr))
        if not args.robustness_only:
            with tempfile.TemporaryDirectory() as tmp:
                tree = Path(tmp, "tree")
                build_tree(projects, tree)
                out["bench"] = {"projects": [f"{p.name}=={p.version}" for p in projects], **bench(tree, args.runs)}
        if args.robustness or args.robustness_only:
            whole_projects = sorted({project.root for project in projects})
            out["robustness"] = robustness(whole_projects + (args.extra or [Path(sysconfig.get_paths()["purelib"])]))
    except (fetch.FetchError, BenchError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(out, indent=2))
    else:
        if "bench" in out:
            print_bench(out["bench"])
        if "robustness" in out:
            print_robustness(out["robustness"])
    return 1 if out.get("robustness", {}).get("crashed") else 0


if __name__ == "__main__":
    sys.exit(main())
