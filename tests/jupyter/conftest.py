"""Shared fixtures: a real IPython shell with the extension loaded, and a small project on disk."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from nb_helpers import CHAT

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    (root / "app").mkdir(parents=True)
    (root / "pyproject.toml").write_text('[project]\nname = "p"\n\n[tool.llmsight]\n'
                                         'volumes = { chat = 100000 }\nbudgets = { chat = 1.0 }\n'
                                         'features = { "app/chat.py" = "chat" }\n')
    (root / "app" / "chat.py").write_text(CHAT)
    return root


@pytest.fixture
def shell(tmp_path: Path, monkeypatch):
    """The real InteractiveShell singleton, reset, in a temp cwd, with `%load_ext llmsight.jupyter`."""
    from IPython.core.interactiveshell import InteractiveShell

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    sh = InteractiveShell.instance()
    sh.reset(new_session=True)
    sh.user_ns.pop("__session__", None)
    sh.run_cell("%load_ext llmsight.jupyter", store_history=True)
    yield sh
    sh.reset(new_session=True)


@pytest.fixture(scope="session")
def traffic_db(tmp_path_factory) -> Path:
    from nb_helpers import make_traffic

    return make_traffic(tmp_path_factory.mktemp("traffic") / "traffic.duckdb")


@pytest.fixture
def app(tmp_path: Path) -> Path:
    from nb_helpers import copy_app

    return copy_app(tmp_path / "app")
