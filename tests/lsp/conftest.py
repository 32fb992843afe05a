"""Fixtures of the language-server tests; the client helpers are in lsp_client.py."""
from __future__ import annotations

from pathlib import Path

import pytest

from lsp_client import SAMPLE


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project root (pyproject.toml) holding the sample app.py."""
    (tmp_path / "pyproject.toml").write_text("[project]\nname = \"demo\"\n", encoding="utf-8")
    (tmp_path / "app.py").write_text(SAMPLE, encoding="utf-8")
    return tmp_path
