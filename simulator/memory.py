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
numpy also asks the kernel for transparent huge pages for every array over 4 MB; where the kernel
compacts memory to find one when it is first touched (THP `defrag` set to `madvise`, the usual
default), those first touches stall: 0.5-0.6 s of system time in the first 20 scenarios on a VM, for
nothing once the heap's pages are reused. `small_pages_for_arrays` turns that request off.
"""
from __future__ import annotations

import ctypes
import os
import sys
from functools import lru_cache

ALL_ARENAS = 4096          # jemalloc's MALLCTL_ARENAS_ALL
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD, M_ARENA_MAX = -1, -3, -8     # glibc's mallopt parameters
TUNE_VARIABLE = "LLMSIGHT_TUNE_ALLOCATORS"                      # "0": leave glibc's and numpy's defaults alone


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
def tune_allocators() -> None:
    """Set the process up for back-to-back scenarios (unless `LLMSIGHT_TUNE_ALLOCATORS=0`); once per
    process, before other threads allocate (threads that already have their own heap keep it)."""
    if os.environ.get(TUNE_VARIABLE) != "0":
        reuse_freed_heap()
        small_pages_for_arrays()


def reuse_freed_heap() -> None:
    """Have glibc keep freed blocks for reuse: arrays from one heap (not a fresh mmap each, not a heap
    per thread), trimmed only above 1 GB of free memory at its top; elsewhere than glibc, nothing."""
    if not sys.platform.startswith("linux"):
        return
    mallopt = getattr(ctypes.CDLL(None), "mallopt", None)
    if mallopt is not None:
        for parameter, value in ((M_ARENA_MAX, 1), (M_MMAP_THRESHOLD, 256 << 20), (M_TRIM_THRESHOLD, 1 << 30)):
            mallopt(parameter, value)


def small_pages_for_arrays() -> None:
    """Stop numpy asking for transparent huge pages (a private switch, `numpy._core` in numpy 2, `numpy.core`
    before; a numpy without it is left as it is)."""
    import numpy as np

    multiarray = getattr(getattr(np, "_core", None) or getattr(np, "core", None), "multiarray", None)
    switch = getattr(multiarray, "_set_madvise_hugepage", None)
    if switch is not None:
        switch(False)
