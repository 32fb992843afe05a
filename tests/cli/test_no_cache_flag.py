"""`--no-cache` reads and writes no cache at all: not the scan cache, not the simulator's summaries or
tokenizer ratios. Real subprocesses with their own cache directory, which must stay empty."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
TRAFFIC = REPO / "tests" / "fixtures" / "traffic" / "litellm_payloads.jsonl"


def _run(cache: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True", "NO_COLOR": "1", "LLMSIGHT_CACHE_DIR": str(cache)}
    return subprocess.run([sys.executable, "-m", "llmsight", *args], capture_output=True, text=True, env=env,
                          cwd=cwd, timeout=300)


def _cached_files(cache: Path) -> list[str]:
    return sorted(str(p.relative_to(cache)) for p in cache.rglob("*") if p.is_file())


@pytest.fixture
def project(tmp_path):
    root = tmp_path / "app"
    shutil.copytree(REPO / "examples" / "app", root)
    return root


def test_check_writes_its_scan_cache_without_the_flag(project, tmp_path):
    """The control: the cache directory this file watches is where a scan keeps its results."""
    cache = tmp_path / "cache"
    done = _run(cache, project, "check", "--exit-zero", ".")
    assert done.returncode == 0, done.stderr
    assert _cached_files(cache)


@pytest.mark.parametrize("command", [
    ("check", "--no-cache", "--exit-zero", "--traffic", str(TRAFFIC), "."),
    ("simulate", "--no-cache", "--traffic", str(TRAFFIC), "--scenario", "model=gpt-4o-mini", "."),
], ids=["check", "simulate"])
def test_no_cache_leaves_the_cache_directory_empty(project, tmp_path, command):
    cache = tmp_path / "cache"
    done = _run(cache, project, *command)
    assert done.returncode == 0, done.stderr
    assert _cached_files(cache) == []
