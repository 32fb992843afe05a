"""Whole-tree speed of `llm-lint check` against CPython `ast.parse`, and a never-crashes sweep (design §10).

Runs the CLI as a user would — a fresh process per run — over the pinned corpus (corpus/projects.toml,
fetched on first use), and a fresh process that reads and `ast.parse`s the same .py files. Prints the
median of each, and the ratios: cold (`--no-cache`) ÷ ast.parse, warm (content-hash cache filled)
÷ ast.parse, warm ÷ cold. Goals: cold ≤ 1.0, warm ≤ 0.1.

    python bench/scan.py                     # timing, 3 runs each
    python bench/scan.py --runs 5
    python bench/scan.py --robustness        # also scan corpus + this venv's site-packages, count errors
"""
from __future__ import annotations

import argparse
import json
import os
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


class BenchError(Exception):
    """A run that failed; the benchmark's figures would be wrong."""


@dataclass
class Run:
    seconds: float
    returncode: int
    stderr: str
    report: dict | None


def tool_env(cache_dir: Path) -> dict[str, str]:
    env = dict(os.environ, LLMSIGHT_CACHE_DIR=str(cache_dir), LITELLM_LOCAL_MODEL_COST_MAP="True")
    env.pop("NO_COLOR", None)
    return env


def run_check(paths: list[Path], cache_dir: Path, *extra: str) -> Run:
    """One `python -m llmsight check PATHS --format json --exit-zero` in a fresh process."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as out:
        out_path = Path(out.name)
    cmd = [sys.executable, "-m", "llmsight", "check", *map(str, paths), "--format", "json", "--exit-zero",
           "-o", str(out_path), *extra]
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=tool_env(cache_dir), capture_output=True, text=True)
    seconds = time.perf_counter() - start
    try:
        report = json.loads(out_path.read_text(encoding="utf-8")) if proc.returncode in (0, 1) else None
    except (OSError, ValueError):
        report = None
    out_path.unlink(missing_ok=True)
    return Run(seconds, proc.returncode, proc.stderr, report)


def run_baseline(file_list: Path) -> float:
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", BASELINE, str(file_list)], capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise BenchError(f"the ast.parse baseline failed:\n{proc.stderr[-3000:]}")
    return seconds


def python_files(paths: list[Path]) -> list[Path]:
    """The .py files `check` itself collects from these paths (same skipped directories and excludes)."""
    from llmsight import api
    from llmsight.analysis.engine import collect_files

    root = api.project_root(paths)
    return [f for f in collect_files(paths, root, api.Config(), []) if f.suffix == ".py"]


def count_lines(files: list[Path]) -> int:
    total = 0
    for f in files:
        try:
            with open(f, "rb") as fh:
                total += fh.read().count(b"\n")
        except OSError:     # a tree being changed under us (pip in another shell) must not stop the count
            continue
    return total


def fingerprint(report: dict) -> tuple[int, int, int]:
    """What must not differ between a cold and a warm run."""
    return len(report["call_sites"]), len(report["diagnostics"]), len(report["errors"])


def median_run(label: str, runs: int, once) -> tuple[float, list[Run]]:
    results = []
    for i in range(runs):
        results.append(once())
        print(f"  {label} run {i + 1}: {results[-1].seconds:.2f} s", file=sys.stderr)
    return statistics.median(r.seconds for r in results), results


def check_runs(label: str, results: list[Run]) -> None:
    for r in results:
        if r.returncode != 0 or r.report is None:
            raise BenchError(f"{label} run failed (exit {r.returncode}):\n{r.stderr[-3000:]}")


def bench(paths: list[Path], runs: int) -> dict:
    """Median fresh-process times of ast.parse, cold check and warm check over the .py files under paths."""
    files = python_files(paths)
    lines = count_lines(files)
    with tempfile.TemporaryDirectory() as tmp:
        file_list = Path(tmp, "files.txt")
        file_list.write_text("\n".join(map(str, files)), encoding="utf-8")
        cache = Path(tmp, "cache")
        baseline = statistics.median(run_baseline(file_list) for _ in range(runs))
        print(f"  ast.parse median: {baseline:.2f} s", file=sys.stderr)
        cold, cold_runs = median_run("cold", runs, lambda: run_check(paths, cache, "--no-cache"))
        check_runs("cold", cold_runs)
        first = run_check(paths, cache)          # fills the cache (a user's first cached run)
        check_runs("first cached", [first])
        warm, warm_runs = median_run("warm", runs, lambda: run_check(paths, cache))
        check_runs("warm", warm_runs)
    expected = fingerprint(cold_runs[0].report)
    seen = [fingerprint(r.report) for r in [*cold_runs, first, *warm_runs]]
    if any(f != expected for f in seen):
        # Timings stay meaningful; the results do not agree (cache bug, or the code was edited mid-run).
        print(f"warning: (call sites, diagnostics, errors) differ between runs: {seen}", file=sys.stderr)
    return {"files": len(files), "lines": lines,
            "runs": runs, "ast_parse_s": baseline, "cold_s": cold, "first_cached_s": first.seconds,
            "warm_s": warm, "cold_ratio": cold / baseline, "warm_ratio": warm / baseline,
            "warm_over_cold": warm / cold, "call_sites": expected[0], "diagnostics": expected[1],
            "consistent": all(f == expected for f in seen)}


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
    print(f"{r['files']} files, {r['lines']:,} lines; median of {r['runs']} fresh-process runs each; "
          f"{r['call_sites']} call sites, {r['diagnostics']} diagnostics")
    print(f"ast.parse baseline   {r['ast_parse_s']:7.2f} s")
    print(f"check cold           {r['cold_s']:7.2f} s   ratio {r['cold_ratio']:.2f}  (goal <= 1.0)")
    print(f"check first cached   {r['first_cached_s']:7.2f} s   (empty cache, writes it)")
    print(f"check warm           {r['warm_s']:7.2f} s   ratio {r['warm_ratio']:.2f}  (goal <= 0.1)")
    print(f"warm / cold          {r['warm_over_cold']:.3f}")
    if not r["consistent"]:
        print("warning: runs disagreed on the number of call sites or diagnostics (see stderr)")


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
        projects = fetch.ensure(log=lambda m: print(m, file=sys.stderr))
        if not args.robustness_only:
            out["bench"] = {"projects": [f"{p.name}=={p.version}" for p in projects],
                            **bench([p for project in projects for p in project.scan_paths()], args.runs)}
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
