"""Notebook explorer speed (design §10): slider change → redrawn plot, with 100,000 traffic rows.

Builds 100k rows with the simulator's seeded generator (sites of examples/app) in a DuckDB store,
opens the explorer on the chat site and moves the timeout slider to values not seen before (each move
replays the site's rows through the simulator and redraws the SVG plot and the table) and then back
to seen ones (cached). Printed beside one full simulator pass over all rows in the same run: fit +
replay + bootstrap for every site, what `llm-lint simulate` does for one scenario. Goal: ≤ 200 ms.

    python bench/explore.py [--rows 100000] [--moves 12]
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
REPO = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--moves", type=int, default=12)
    args = parser.parse_args()

    from llmsight import api
    from llmsight.jupyter import explore
    from llmsight.simulator import generate, store
    from llmsight.simulator.replay import Simulation
    from llmsight.simulator.scenario import Scenario

    work = Path(tempfile.mkdtemp(prefix="llmsight-bench-explore-"))
    try:
        app = shutil.copytree(REPO / "examples" / "app", work / "app", ignore=shutil.ignore_patterns(".llmsight"))
        db = work / "traffic.duckdb"
        con = store.open_store(db)
        store.insert_rows(con, generate.generate(args.rows, seed=11), "bench")
        con.close()

        t0 = time.perf_counter()
        ex = explore(app, traffic=db, site="app/chat.py:18", debounce=0)
        ex.widget
        opened = time.perf_counter() - t0
        slider = ex._w["timeout"]
        fresh, cached = [], []
        values = [3 + i for i in range(args.moves)]
        for v in values:
            t = time.perf_counter()
            slider.value = v
            fresh.append((time.perf_counter() - t) * 1000)
            assert ex.scenario == {"timeout": v} and f"timeout={v}" in ex._w["table"].value
        for v in values:
            t = time.perf_counter()
            slider.value = v
            cached.append((time.perf_counter() - t) * 1000)
        n = ex.points[0].n

        config = api.load_config(app)
        con = store.open_store(db, read_only=True)
        t = time.perf_counter()
        Simulation(con, config=config).run([Scenario(timeout=8.0)])
        full = (time.perf_counter() - t) * 1000
        con.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)

    def p95(xs):
        return sorted(xs)[max(0, int(round(0.95 * len(xs))) - 1)]

    print(f"traffic rows: {args.rows:,} (chat site: {n:,}); explorer opened in {opened:.2f} s (fits + candidate models)")
    print(f"slider change -> redrawn plot, new scenario:  median {statistics.median(fresh):6.0f} ms   "
          f"p95 {p95(fresh):6.0f} ms   (goal <= 200 ms)")
    print(f"slider change -> redrawn plot, seen scenario: median {statistics.median(cached):6.1f} ms   "
          f"p95 {p95(cached):6.1f} ms")
    print(f"one full simulator pass (all {args.rows:,} rows, fit + replay + bootstrap): {full:6.0f} ms   "
          f"ratio slider/full = {statistics.median(fresh) / full:.2f}")
    return 0 if statistics.median(fresh) <= 200 else 1


if __name__ == "__main__":
    sys.exit(main())
