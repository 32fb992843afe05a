"""Memory between the stages of a replay: hand DuckDB's back to the OS, keep numpy's for reuse.

DuckDB on Linux allocates through its own jemalloc, which keeps freed pages for about a second so the
next query can reuse them without faulting them in again. That is right while scenarios run back to
back, but each stage of `Simulation.prepare` (coded rows, fits, prepared rows) frees hundreds of MB
that nothing reuses soon: kept, they add up to the process's peak memory. Purging after each stage
keeps the peak at what is in use (1.1 GB -> 0.85 GB on a million calls) and leaves the scenarios'
reuse alone. Best effort: where DuckDB has no jemalloc (macOS, Windows) this does nothing.

numpy's side is the opposite: every scenario allocates and frees arrays of the same sizes (a column of a
million rows, a mask, a histogram), and glibc by default gives each big block back to the OS when it is
freed (its own mmap) and trims its heaps eagerly, so the next scenario faults the same pages in again:
~200k page faults per 20 scenarios, a second of system time on a VM. `reuse_freed_heap` keeps them in
one heap instead (40k), at the price of the process holding its high-water mark of numpy memory.
"""
from __future__ import annotations

import ctypes
import os
import sys
from functools import lru_cache

ALL_ARENAS = 4096          # jemalloc's MALLCTL_ARENAS_ALL
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD, M_ARENA_MAX = -1, -3, -8     # glibc's mallopt parameters
KEEP_HEAP_VARIABLE = "LLMSIGHT_KEEP_FREED_HEAP"                  # "0": leave glibc's defaults alone


@lru_cache(maxsize=1)
def _mallctl():
    try:
        import _duckdb

        return ctypes.CDLL(_duckdb.__file__).duckdb_je_mallctl
    except (ImportError, OSError, AttributeError):
        return None


def release_freed_memory() -> None:
    """Return the pages DuckDB's allocator holds but does not use."""
    mallctl = _mallctl()
    if mallctl is not None:
        mallctl(f"arena.{ALL_ARENAS}.purge".encode(), None, None, None, ctypes.c_size_t(0))


@lru_cache(maxsize=1)
def reuse_freed_heap() -> None:
    """Have glibc keep freed blocks for reuse: arrays from one heap (not a fresh mmap each, not a heap
    per thread), trimmed only above 1 GB of free memory at its top. Once per process, before other
    threads allocate (threads that already have their own heap keep it); elsewhere than glibc, nothing."""
    if not sys.platform.startswith("linux") or os.environ.get(KEEP_HEAP_VARIABLE) == "0":
        return
    mallopt = getattr(ctypes.CDLL(None), "mallopt", None)
    if mallopt is not None:
        for parameter, value in ((M_ARENA_MAX, 1), (M_MMAP_THRESHOLD, 256 << 20), (M_TRIM_THRESHOLD, 1 << 30)):
            mallopt(parameter, value)
