"""jupyterlab-lsp server spec: JupyterLab starts `llm-lint lsp --estimate-diagnostics` for Python notebooks
and files and shows its diagnostics next to the other language servers. jupyterlab-lsp requests no inlay
hints and no code actions, so each call's estimate comes as a hint-severity diagnostic (only for this
spec; other clients keep inlay hints) and quick-fixes are applied with `%llm_lint --fix`.

Registered as the `jupyter_lsp_spec_v1` entry point `llmsight` (pyproject.toml), which jupyter-lsp
discovers on its own; `server_config()` gives the same spec for a `jupyter_server_config.py` when
entry points are not an option (see docs/notebooks.md).
"""
from __future__ import annotations

import sys

from llmsight.launch import module_argv

KEY = "llmsight"


def _spec_version() -> int:
    try:
        from jupyter_lsp.schema import SPEC_VERSION
    except ImportError:          # the spec is plain data; jupyter-lsp validates it when it loads it
        return 2
    return SPEC_VERSION


def server_config(python: str | None = None) -> dict:
    """The spec of one language server, keyed by its name (`LanguageServerManager.language_servers`)."""
    return {KEY: {
        # never the notebook folder's code; jupyterlab-lsp shows no inlay hints: estimates come as hints
        "argv": module_argv(python or sys.executable, "llmsight", "lsp", "--estimate-diagnostics"),
        "languages": ["python"],
        "version": _spec_version(),
        "display_name": "llmsight (LLM call cost, latency and reliability)",
        "mime_types": ["text/python", "text/x-ipython"],
        "env": {"PYTHONUNBUFFERED": "1", "LITELLM_LOCAL_MODEL_COST_MAP": "True"},
        "requires_documents_on_disk": False,     # the server analyses the buffers it is sent
        "install": {"pip": "pip install 'llmsight[lsp,jupyter]' jupyterlab-lsp"},
        "urls": {"home": "https://github.com/llmsight/llmsight"},
    }}


def spec(manager=None) -> dict:
    """The `jupyter_lsp_spec_v1` entry point: jupyter-lsp calls it with its manager."""
    return server_config()


def is_installed(manager=None) -> bool:
    """jupyter-lsp skips servers whose command is missing; ours runs from this interpreter."""
    try:
        import pygls  # noqa: F401
    except ImportError:
        return False
    return True


spec.is_installed = is_installed  # type: ignore[attr-defined]
