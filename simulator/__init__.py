"""Traffic replay (design §6): ingest into DuckDB, fit, replay scenarios, figures.

DuckDB's allocator (jemalloc) keeps freed pages for about a second before returning them; the stages of
a replay free hundreds of MB each (fits, prepared rows), so the process would hold them all at once and
its peak memory would be their sum. Freed pages go back at once instead (unless DUCKDB_JE_MALLOC_CONF
is already set). It only takes effect before DuckDB's first allocation, hence here: every use of DuckDB
in llmsight imports this package first.
"""
import os

os.environ.setdefault("DUCKDB_JE_MALLOC_CONF", "dirty_decay_ms:0,muzzy_decay_ms:0")
