"""Hand DuckDB's freed memory back to the OS between the stages of a replay's preparation.

DuckDB on Linux allocates through its own jemalloc, which keeps freed pages for about a second so the
next query can reuse them without faulting them in again. That is right while scenarios run back to
back, but each stage of `Simulation.prepare` (coded rows, fits, prepared rows) frees hundreds of MB
that nothing reuses soon: kept, they add up to the process's peak memory. Purging after each stage
keeps the peak at what is in use (1.1 GB -> 0.85 GB on a million calls) and leaves the scenarios'
reuse alone. Best effort: where DuckDB has no jemalloc (macOS, Windows) this does nothing.
"""
from __future__ import annotations

import ctypes
from functools import lru_cache

ALL_ARENAS = 4096          # jemalloc's MALLCTL_ARENAS_ALL


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
