"""Spark against DuckDB on the same generated Parquet (issue 15 item 4): N canonical rows (default
10,000,000, written as one Parquet file per million), then the bench's 20 scenarios replayed by each
engine in a fresh process — DuckDB embedded (`read_parquet`), Spark through `simulate --engine spark`'s
code path (a local session `local[*]`, or a cluster with --remote sc://host:15002) — printing wall and
CPU seconds of each (Spark's session start on its own line), and the first scenarios' all-traffic cost
per month from both, which must agree.

    python bench/simulate.py is the single-machine bench; this one is about the distributed engine:
    python bench/spark.py                       # 10,000,000 rows, local Spark
    python bench/spark.py --rows 1000000 --remote sc://spark.internal:15002

CPU seconds are this process's (Python and DuckDB's threads); a local Spark's JVM is a child process
and its CPU is counted after it exits (RUSAGE_CHILDREN), a cluster's is not counted at all.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
sys.path.insert(0, str(Path(__file__).parent))

CHUNK = 1_000_000


def cpu_seconds() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def replay(engine: str, parquet: Path, remote: str | None) -> dict:
    from simulate import SCENARIOS

    from llmsight.simulator.replay import Simulation
    from llmsight.simulator.scenario import BASELINE, parse_scenario

    out: dict = {}
    wall, cpu = time.perf_counter(), cpu_seconds()
    if engine == "duckdb":
        import duckdb

        con, source = duckdb.connect(), f"read_parquet('{parquet}/*.parquet')"
    else:
        from llmsight.simulator.spark import SparkConnection, load_traffic, session

        spark = session(remote)
        con, source = SparkConnection(spark), load_traffic(spark, parquet)
        out["session"] = time.perf_counter() - wall
    start = time.perf_counter()
    results = Simulation(con, source, seed=0).run([BASELINE, *map(parse_scenario, SCENARIOS)])
    out["replay"] = time.perf_counter() - start
    if engine == "spark":
        spark.stop()
    out["wall"], out["cpu"] = time.perf_counter() - wall, cpu_seconds() - cpu
    out["check"] = [r.total.cost_per_month.value for r in results[:4]]
    out["calls"] = results[0].total.calls
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--remote", help="Spark Connect URL of a cluster (default: a local session)")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(replay(args.child[0], Path(args.child[1]), args.remote)))
        return

    from llmsight.simulator.generate import generate, write

    with tempfile.TemporaryDirectory() as tmp:
        parquet = Path(tmp) / "calls"
        parquet.mkdir()
        t0 = time.perf_counter()
        for i, start in enumerate(range(0, args.rows, CHUNK)):
            write(generate(min(CHUNK, args.rows - start), seed=100 + i), parquet / f"part-{i:04d}.parquet")
        size = sum(f.stat().st_size for f in parquet.iterdir())
        print(f"generated {args.rows:,} canonical rows in {time.perf_counter() - t0:.0f} s ({size / 1e6:.0f} MB Parquet)")
        runs = {}
        for engine in ("duckdb", "spark"):
            argv = [sys.executable, __file__, "--child", engine, str(parquet)] + (["--remote", args.remote] if args.remote else [])
            done = subprocess.run(argv, capture_output=True, text=True)
            if done.returncode != 0:
                raise SystemExit(f"{engine} failed:\n{done.stderr[-3000:]}")
            runs[engine] = json.loads(done.stdout.strip().splitlines()[-1])
    d, s = runs["duckdb"], runs["spark"]
    print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; Spark: {args.remote or 'local[*]'}")
    print(f"\n{'20 scenarios over ' + format(args.rows, ',') + ' rows':<40}{'wall':>10}{'CPU':>10}")
    print(f"{'DuckDB (embedded)':<40}{d['wall']:>8.1f} s{d['cpu']:>8.1f} s")
    print(f"{'Spark, session start':<40}{s['session']:>8.1f} s")
    print(f"{'Spark, prepare + replay + figures':<40}{s['replay']:>8.1f} s")
    print(f"{'Spark, whole':<40}{s['wall']:>8.1f} s{s['cpu']:>8.1f} s   ({s['wall'] / d['wall']:.1f}x DuckDB)")
    same = d["calls"] == s["calls"] and all(abs(a - b) <= 1e-9 * abs(a) for a, b in zip(d["check"], s["check"]))
    print(f"\nall-traffic cost/month of the baseline and first scenarios: DuckDB {[round(v, 2) for v in d['check']]}, "
          f"Spark {[round(v, 2) for v in s['check']]} ({'the same' if same else 'DIFFERENT'})")


if __name__ == "__main__":
    main()
