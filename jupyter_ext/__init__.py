"""llmsight in Jupyter: `%load_ext llmsight.jupyter` adds `%llm_lint` and `%%llm_cost`;
`llmsight.jupyter.explore(...)` opens the trade-off explorer (needs ipywidgets)."""
from __future__ import annotations


def load_ipython_extension(ipython) -> None:
    from llmsight.jupyter.magics import LlmsightMagics

    ipython.register_magics(LlmsightMagics)


def explore(*args, **kwargs):
    """See `llmsight.jupyter.explorer.Explorer`."""
    from llmsight.jupyter.explorer import Explorer

    return Explorer(*args, **kwargs)


__all__ = ["load_ipython_extension", "explore"]
