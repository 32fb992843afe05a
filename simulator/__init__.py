"""Traffic replay (design §6): ingest into DuckDB, fit, replay scenarios, figures.

Importing the package sets the allocators up for the replay (`memory.tune_allocators`: numpy's freed
arrays stay in one heap, in small pages, for the next scenario instead of going back to the OS): it
must happen before DuckDB's threads and the figures thread first allocate, and every use of the
simulator imports this package first.
"""
from llmsight.simulator.memory import tune_allocators

tune_allocators()
