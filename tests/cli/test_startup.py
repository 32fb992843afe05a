"""Start-up stays lean (design §10): a whole `llm-lint check` never imports litellm, and the traffic
stack (DuckDB, pyarrow) loads only for commands that use traffic."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_check_never_imports_litellm_or_the_traffic_stack():
    probe = ("import sys, io, contextlib\n"
             "from llmsight.cli import main\n"
             "with contextlib.redirect_stdout(io.StringIO()):\n"
             "    main(['check', 'examples/app', '--exit-zero', '--no-cache'])\n"
             "print(sorted(m for m in ('litellm', 'duckdb', 'pyarrow') if m in sys.modules))")
    proc = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"
