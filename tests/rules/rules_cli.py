"""Run `llm-lint` in a fresh process on a project written to disk (what a user does)."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path


def write_project(root: Path, files: dict[str, str], config: str = "") -> Path:
    (root / "pyproject.toml").write_text(f"[project]\nname = 'app'\n\n[tool.llmsight]\n{config}\n", encoding="utf-8")
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root


def llm_lint(root: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True", "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-m", "llmsight", *args], cwd=root, env=env, capture_output=True,
                          text=True, timeout=120)
