"""VS Code: the extension builds with tsc and packages into a .vsix with @vscode/vsce (npm ci from the
committed lock file), and the server answers VS Code's client capabilities through the same
vscode-languageserver-protocol stack vscode-languageclient uses (Node test)."""
from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import pytest_lsp

REPO = Path(__file__).resolve().parents[2]
EXT = REPO / "editors" / "vscode"
ENV = {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
SAMPLE = (REPO / "tests" / "lsp" / "sample" / "app.py").read_text(encoding="utf-8")

pytestmark = pytest.mark.skipif(shutil.which("node") is None or shutil.which("npm") is None,
                                reason="Node.js and npm are needed for the VS Code extension")


def npm(*args: str, timeout: int = 300) -> subprocess.CompletedProcess:
    done = subprocess.run(["npm", *args], cwd=EXT, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"npm {' '.join(args)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


@pytest.fixture(scope="module")
def node_modules() -> Path:
    """`npm ci` unless node_modules already matches the committed package-lock.json (one installer at a
    time: pytest-xdist may run both tests of this module in different workers)."""
    installed = EXT / "node_modules" / ".package-lock.json"
    lock = EXT / "package-lock.json"
    with open(EXT / ".npm-ci.lock", "w") as guard:
        fcntl.flock(guard, fcntl.LOCK_EX)
        if not installed.exists() or installed.stat().st_mtime < lock.stat().st_mtime:
            npm("ci", "--no-audit", "--no-fund")
    return EXT / "node_modules"


def test_extension_compiles_and_packages_into_a_vsix(node_modules):
    npm("run", "compile")
    vsix = EXT / "llmsight.vsix"
    vsix.unlink(missing_ok=True)
    npm("run", "package")
    with zipfile.ZipFile(vsix) as z:
        names = set(z.namelist())
        manifest = json.loads(z.read("extension/package.json"))
    assert "extension/out/extension.js" in names
    assert any(n.startswith("extension/node_modules/vscode-languageclient/") for n in names)
    assert not any(n.startswith("extension/src/") or n.startswith("extension/test/") for n in names)
    settings = manifest["contributes"]["configuration"]["properties"]
    assert {"llmsight.interpreter", "llmsight.trafficDb", "llmsight.select", "llmsight.ignore"} <= set(settings)
    assert manifest["main"] == "./out/extension.js"


def test_server_speaks_to_the_vscode_protocol_stack(node_modules, tmp_path):
    (tmp_path / "pyproject.toml").write_text("[project]\nname = \"demo\"\n", encoding="utf-8")
    (tmp_path / "app.py").write_text(SAMPLE, encoding="utf-8")
    report = subprocess.run([sys.executable, "-m", "llmsight", "check", "app.py", "--format", "json", "--no-cache",
                             "--exit-zero"], cwd=tmp_path, env=ENV, capture_output=True, text=True, timeout=120)
    assert report.returncode == 0, report.stderr
    (tmp_path / "expected.json").write_text(report.stdout, encoding="utf-8")
    caps = Path(pytest_lsp.__file__).parent / "clients" / "visual_studio_code_v1.65.2.json"
    done = subprocess.run(["node", "--test", "test/protocol.test.js"], cwd=EXT, capture_output=True, text=True,
                          timeout=180,
                          env={**ENV, "LLMSIGHT_PYTHON": sys.executable, "LLMSIGHT_PROJECT": str(tmp_path),
                               "LLMSIGHT_CAPS": str(caps), "LLMSIGHT_EXPECTED": str(tmp_path / "expected.json")})
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    assert "# pass 1" in done.stdout
