"""Start one of llmsight's modules in a new Python process without importing the project's code.

`python -m MODULE` puts the working directory first on `sys.path`; editors and JupyterLab start the
server in the user's project, so a repository holding its own `llmsight/` package (or a fake `duckdb`)
would be imported in place of the installed one. These commands drop that entry before anything is
imported (what `python -P` does, on every Python llmsight supports).
"""
from __future__ import annotations


def module_argv(python: str, module: str, *args: str) -> list[str]:
    """The argv that runs `python -m module args…` with the working directory off `sys.path`."""
    start = f"import sys; del sys.path[0]; import runpy; runpy.run_module({module!r}, run_name='__main__', alter_sys=True)"
    return [python, "-c", start, *args]
