"""A one-file project laid out like an unpacked sdist under a temporary corpus cache, for the corpus tests."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "corpus"))
import fetch  # noqa: E402


@pytest.fixture
def tiny_corpus_project(tmp_path, monkeypatch):
    """make(app) -> (project whose tiny/app.py holds `app`, an empty labels folder)."""
    monkeypatch.setattr(fetch, "CACHE_DIR", tmp_path / "cache")

    def make(app: str):
        project = fetch.Project(name="tiny", version="1.0", sdist="tiny-1.0.tar.gz", sha256="0" * 64,
                                paths=("tiny",))
        (project.root / "tiny").mkdir(parents=True)
        (project.root / "pyproject.toml").write_text("[project]\nname = 'tiny'\n")
        (project.root / "tiny" / "app.py").write_text(app)
        labels = tmp_path / "labels"
        labels.mkdir()
        return project, labels

    return make
