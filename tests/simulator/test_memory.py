"""DuckDB's freed memory goes back to the OS when a replay's preparation asks for it (Linux, where
DuckDB allocates through its jemalloc); elsewhere the call is a harmless no-op. numpy's freed arrays
stay in the process, in small pages, unless `LLMSIGHT_TUNE_ALLOCATORS=0`."""
from __future__ import annotations

import os
import subprocess
import sys

import duckdb
import pytest

from llmsight.simulator.memory import _mallctl, release_freed_memory


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096 / 1e6


@pytest.mark.skipif(not sys.platform.startswith("linux") or _mallctl() is None, reason="DuckDB without jemalloc")
def test_purging_returns_what_a_big_query_freed():
    con = duckdb.connect()
    con.execute("SET threads = 1")
    release_freed_memory()
    before = _rss_mb()
    # a hash aggregate of 5 million groups: a few hundred MB of hash table, all freed when the query ends
    con.execute("SELECT count(*) FROM (SELECT i % 5000000 AS k, count(*) FROM range(20000000) t(i) GROUP BY k)").fetchall()
    kept = _rss_mb()
    release_freed_memory()
    after = _rss_mb()
    assert kept - before > 100, f"the query did not grow the process ({before:.0f} -> {kept:.0f} MB)"
    assert after < before + 0.5 * (kept - before), f"{before:.0f} -> {kept:.0f} -> {after:.0f} MB"
    con.close()


def test_release_is_safe_to_call_any_time():
    release_freed_memory()
    release_freed_memory()


_ALLOCATE_ON_A_THREAD = """
import resource, threading
import llmsight.simulator  # noqa: F401  (sets the allocator up)
import numpy as np
from numpy._core.multiarray import _set_madvise_hugepage

_set_madvise_hugepage(False)   # page faults counted in pages of one size either way

def work():
    for _ in range(40):      # the sizes a scenario's figures allocate and free, again and again
        arrays = [np.ones(n) for n in (1_000_000, 300_000, 2_500_000, 700_000, 4_000_000)]
        del arrays

faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
thread = threading.Thread(target=work)
thread.start()
thread.join()
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's allocator")
def test_numpy_reuses_freed_arrays_instead_of_faulting_them_in_again():
    def page_faults(keep: str) -> int:
        env = {**os.environ, "LLMSIGHT_TUNE_ALLOCATORS": keep}
        out = subprocess.run([sys.executable, "-c", _ALLOCATE_ON_A_THREAD], capture_output=True, text=True,
                             env=env, check=True)
        return int(out.stdout.split()[-1])

    kept, default = page_faults("1"), page_faults("0")
    assert kept * 4 < default, f"{kept} page faults with the freed heap kept, {default} without"


_HUGE_PAGE_REQUEST = """
import llmsight.simulator  # noqa: F401
from numpy._core.multiarray import _set_madvise_hugepage
print(_set_madvise_hugepage(False))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="transparent huge pages are Linux's")
@pytest.mark.parametrize("tune, asks", [("1", "False"), ("0", "True")])
def test_numpy_stops_asking_for_huge_pages_unless_told_to_leave_it(tune, asks):
    env = {**os.environ, "LLMSIGHT_TUNE_ALLOCATORS": tune}
    env.pop("NUMPY_MADVISE_HUGEPAGE", None)
    out = subprocess.run([sys.executable, "-c", _HUGE_PAGE_REQUEST], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.split()[-1] == asks
