"""Neovim (Debian's 0.7.2) as a real LSP client: editors/nvim/lua/llmsight.lua starts the server with
vim.lsp.start_client; diagnostics arrive in vim.diagnostic, a quick-fix applies and clears its finding."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SAMPLE = (REPO / "tests" / "lsp" / "sample" / "app.py").read_text(encoding="utf-8")
ENV = {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True"}


def neovim() -> str:
    """nvim from PATH, else Debian's package (apt-get update once, then install)."""
    found = shutil.which("nvim")
    if found:
        return found
    if shutil.which("apt-get") is None:
        pytest.skip("Neovim is not installed and apt-get is not available to install it")
    subprocess.run(["apt-get", "update"], check=True, capture_output=True, timeout=600)
    subprocess.run(["apt-get", "install", "-y", "neovim"], check=True, capture_output=True, timeout=600,
                   env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
    found = shutil.which("nvim")
    assert found, "apt-get install neovim did not provide nvim"
    return found


def test_neovim_shows_diagnostics_and_applies_a_quick_fix(tmp_path):
    nvim = neovim()
    (tmp_path / "pyproject.toml").write_text("[project]\nname = \"demo\"\n", encoding="utf-8")
    (tmp_path / "app.py").write_text(SAMPLE, encoding="utf-8")
    report = json.loads(subprocess.run(
        [sys.executable, "-m", "llmsight", "check", "app.py", "--format", "json", "--no-cache", "--exit-zero"],
        cwd=tmp_path, env=ENV, capture_output=True, text=True, timeout=120, check=True).stdout)
    out = tmp_path / "nvim.json"
    done = subprocess.run([nvim, "--headless", "-u", "NONE", "app.py", "-c",
                           f"luafile {REPO / 'tests' / 'editors' / 'nvim_quickfix.lua'}"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120,
                          env={**ENV, "LLMSIGHT_REPO": str(REPO), "LLMSIGHT_PYTHON": sys.executable,
                               "LLMSIGHT_OUT": str(out)})
    seen = json.loads(out.read_text(encoding="utf-8"))
    assert seen.get("error") is None, seen["error"] + done.stderr
    assert seen["client_started"] and seen["got_diagnostics"]

    # vim.diagnostic columns are byte offsets: the server's UTF-16 ranges went through Neovim's conversion
    lines = SAMPLE.splitlines()
    expected = sorted((d["code"], d["line"] - 1, len(lines[d["line"] - 1][: d["col"] - 1].encode()), d["message"])
                      for d in report["diagnostics"])
    got = sorted((d["code"], d["lnum"], d["col"], d["message"]) for d in seen["before"])
    assert got == expected

    fixed_line = seen["fixed_line"]
    assert "[LLM001]" in seen["action_title"]
    assert "timeout=" in "\n".join(seen["fixed_text"]) and "timeout=" not in lines[fixed_line]
    compile(seen["buffer"], "app.py", "exec")
    assert seen["cleared"], "the LLM001 on the fixed line did not go away"
    assert seen["after"] == len(seen["before"]) - 1
