"""VS Code: `npm test` in editors/vscode (npm ci from the committed lock file first). It builds everything
it tests: tsc and esbuild, the bundled server (scripts/bundle.py: wheels for CPython 3.10-3.13 from PyPI,
cached across runs), the linux-x64 .vsix with vsce, a virtualenv without llmsight; then the Node tests
(test/*.test.js) run the extension against stubs of VS Code and of the Python extension's API, and the
server it would spawn through the protocol stack vscode-languageclient uses."""
from __future__ import annotations

import fcntl
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
EXT = REPO / "editors" / "vscode"

pytestmark = pytest.mark.skipif(shutil.which("node") is None or shutil.which("npm") is None,
                                reason="Node.js and npm are needed for the VS Code extension")


def npm(*args: str, env: dict[str, str] | None = None, timeout: int = 300) -> subprocess.CompletedProcess:
    done = subprocess.run(["npm", *args], cwd=EXT, capture_output=True, text=True, timeout=timeout, env=env)
    assert done.returncode == 0, f"npm {' '.join(args)} failed:\n{done.stdout[-6000:]}\n{done.stderr[-3000:]}"
    return done


@pytest.fixture(scope="module")
def node_modules() -> Path:
    """`npm ci` unless node_modules already matches the committed package-lock.json (one installer at a
    time: pytest-xdist may run tests of this module in different workers)."""
    installed = EXT / "node_modules" / ".package-lock.json"
    lock = EXT / "package-lock.json"
    with open(EXT / ".npm-ci.lock", "w") as guard:
        fcntl.flock(guard, fcntl.LOCK_EX)
        if not installed.exists() or installed.stat().st_mtime < lock.stat().st_mtime:
            npm("ci", "--no-audit", "--no-fund")
    return EXT / "node_modules"


def test_npm_test_builds_the_bundled_vsix_and_its_server_answers(node_modules):
    env = {**os.environ,
           "PYTHON": sys.executable,                  # runs scripts/bundle.py (pip download from PyPI)
           # the tests' virtualenv is made from it, without llmsight; its duckdb and pyarrow serve the traffic test
           "LLMSIGHT_TEST_PYTHON": sys.executable,
           # vsce's secret scan takes minutes on the bundle's ~2,000 files (it grows with their square); the
           # release build (`npm run package`) keeps it on
           "VSCE_FLAGS": "--allow-package-all-secrets"}
    done = npm("test", env=env, timeout=600)
    passed = re.search(r"^# pass (\d+)$", done.stdout, re.M)
    failed = re.search(r"^# fail (\d+)$", done.stdout, re.M)
    assert passed and failed and failed.group(1) == "0", done.stdout[-6000:]
    skipped = re.search(r"^# skipped (\d+)$", done.stdout, re.M)
    assert int(passed.group(1)) >= 17 and skipped and skipped.group(1) == "0", done.stdout[-6000:]
    assert (EXT / "llmsight-linux-x64.vsix").is_file()


def test_bundle_holds_what_the_server_imports():
    """bundle-requirements.txt pins every dependency of llmsight and of its `lsp` extra except litellm,
    whose data files are vendored instead."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    needed = project["dependencies"] + project["optional-dependencies"]["lsp"]
    names = {re.split(r"[<>=!~ ;\[]", spec, maxsplit=1)[0].lower() for spec in needed} - {"litellm"}
    lines = [line.split("#", 1)[0].strip() for line in (EXT / "bundle-requirements.txt").read_text().splitlines()]
    pinned = {line.split("==", 1)[0].lower() for line in lines if "==" in line}
    assert names <= pinned, f"not bundled: {sorted(names - pinned)}"
    assert all("==" in line for line in lines if line), "every bundled requirement is pinned"
