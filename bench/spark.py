"""Spark against DuckDB on the same generated Parquet (issue 15 item 4): N canonical rows (default
10,000,000; a million calls a day, hive-partitioned as `day=YYYY-MM-DD/`), then the bench's 20 scenarios
replayed by each engine in a fresh process — DuckDB embedded (`read_parquet`), Spark through
`simulate --engine spark`'s code path (a local session `local[*]`, or a cluster with --remote
sc://host:15002) — printing wall and CPU seconds of each (Spark's session start on its own line), and
the first scenarios' all-traffic cost per month from both, which must agree.

    python bench/simulate.py is the single-machine bench; this one is about the distributed engine:
    python bench/spark.py                       # 10,000,000 rows, local Spark
    python bench/spark.py --rows 1000000 --remote sc://spark.internal:15002

CPU seconds are this process's (Python and DuckDB's threads) plus, for a local Spark session, its JVM's
(read from /proc before the session stops); a cluster's CPU is not counted. Peak memory is the resident
high-water mark of the process and of the local JVM. `--spark-conf key=value` (repeatable) sets the
session as `simulate --spark-conf` does, e.g. spark.driver.memory=512m to show a small heap suffices.
"""
from __future__ import annotations

import argparse
import datetime as dt
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


def cpu_seconds(jvm_pid: int | None = None) -> float:
    """CPU seconds of this process, and of a local Spark session's JVM (its `jvm_pid`)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    jvm = 0.0
    if jvm_pid is not None:
        fields = Path(f"/proc/{jvm_pid}/stat").read_text().rsplit(")", 1)[1].split()
        jvm = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return own.ru_utime + own.ru_stime + jvm


def peak_mb(pid: int | None = None) -> float:
    """Resident high-water mark of a process (this one by default), in MB."""
    status = Path(f"/proc/{pid or 'self'}/status").read_text()
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:"))) / 1024


def replay(engine: str, parquet: Path, remote: str | None, conf: list[str]) -> dict:
    from simulate import SCENARIOS

    from llmsight.simulator.replay import Simulation
    from llmsight.simulator.scenario import BASELINE, parse_scenario

    out: dict = {}
    jvm_pid = None
    wall, cpu = time.perf_counter(), cpu_seconds()
    if engine == "duckdb":
        import duckdb

        con, source = duckdb.connect(), f"read_parquet('{parquet}/*/*.parquet', hive_partitioning = true)"
    else:
        from llmsight.simulator.spark import SparkConnection, load_traffic, session, spark_settings

        spark = session(remote, conf=spark_settings(conf))
        jvm_pid = None if remote else int(spark.sparkContext._jvm.java.lang.ProcessHandle.current().pid())
        out["session"] = time.perf_counter() - wall
        con, source = SparkConnection(spark), load_traffic(spark, parquet)
    start = time.perf_counter()
    results = Simulation(con, source, seed=0).run([BASELINE, *map(parse_scenario, SCENARIOS)])
    out["replay"] = time.perf_counter() - start
    out["wall"], out["cpu"] = time.perf_counter() - wall, cpu_seconds(jvm_pid) - cpu
    out["peak_mb"] = peak_mb() + (peak_mb(jvm_pid) if jvm_pid else 0.0)
    if engine == "spark":
        spark.stop()
    out["check"] = [r.total.cost_per_month.value for r in results[:4]]
    out["calls"] = results[0].total.calls
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--remote", help="Spark Connect URL of a cluster (default: a local session)")
    parser.add_argument("--spark-conf", action="append", default=[], metavar="KEY=VALUE",
                        help="a setting of the Spark session, as `simulate --spark-conf` takes it")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(replay(args.child[0], Path(args.child[1]), args.remote, args.spark_conf)))
        return

    from llmsight.simulator.generate import generate, write

    with tempfile.TemporaryDirectory() as tmp:
        parquet = Path(tmp) / "calls"
        parquet.mkdir()
        t0 = time.perf_counter()
        for i, start in enumerate(range(0, args.rows, CHUNK)):      # a million calls a day, one directory each
            day = dt.datetime(2026, 11, 1) + dt.timedelta(days=i)
            (parquet / f"day={day:%Y-%m-%d}").mkdir()
            write(generate(min(CHUNK, args.rows - start), seed=100 + i, start=day, days=1.0),
                  parquet / f"day={day:%Y-%m-%d}" / "part-0.parquet")
        size = sum(f.stat().st_size for f in parquet.glob("*/*.parquet"))
        print(f"generated {args.rows:,} canonical rows in {time.perf_counter() - t0:.0f} s ({size / 1e6:.0f} MB Parquet)")
        runs = {}
        for engine in ("duckdb", "spark"):
            argv = [sys.executable, __file__, "--child", engine, str(parquet)] + (["--remote", args.remote] if args.remote else []) \
                + [f"--spark-conf={setting}" for setting in args.spark_conf]
            done = subprocess.run(argv, capture_output=True, text=True)
            if done.returncode != 0:
                raise SystemExit(f"{engine} failed:\n{done.stderr[-3000:]}")
            runs[engine] = json.loads(done.stdout.strip().splitlines()[-1])
    d, s = runs["duckdb"], runs["spark"]
    print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; Spark: {args.remote or 'local[*]'}")
    print(f"\n{'20 scenarios over ' + format(args.rows, ',') + ' rows':<40}{'wall':>10}{'CPU':>10}{'peak RSS':>12}")
    print(f"{'DuckDB (embedded)':<40}{d['wall']:>8.1f} s{d['cpu']:>8.1f} s{d['peak_mb']:>9.0f} MB")
    print(f"{'Spark, session start':<40}{s['session']:>8.1f} s")
    print(f"{'Spark, read + prepare + replay + figures':<40}{s['wall'] - s['session']:>8.1f} s")
    print(f"{'Spark, whole':<40}{s['wall']:>8.1f} s{s['cpu']:>8.1f} s{s['peak_mb']:>9.0f} MB   "
          f"({s['wall'] / d['wall']:.1f}x DuckDB; {' '.join(args.spark_conf) or 'default settings'})")
    same = d["calls"] == s["calls"] and all(abs(a - b) <= 1e-9 * abs(a) for a, b in zip(d["check"], s["check"]))
    print(f"\nall-traffic cost/month of the baseline and first scenarios: DuckDB {[round(v, 2) for v in d['check']]}, "
          f"Spark {[round(v, 2) for v in s['check']]} ({'the same' if same else 'DIFFERENT'})")


if __name__ == "__main__":
    main()
