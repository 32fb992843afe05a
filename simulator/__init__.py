"""Traffic replay (design §6): ingest into DuckDB, fit, replay scenarios, figures.

Importing the package sets glibc's allocator up for the replay (`memory.reuse_freed_heap`: numpy's
freed arrays stay in one heap for the next scenario instead of going back to the OS): it must happen
before DuckDB's threads and the figures thread first allocate, and every use of the simulator imports
this package first.
"""
from llmsight.simulator.memory import reuse_freed_heap

reuse_freed_heap()
