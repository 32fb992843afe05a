"""Suite-wide set-up: llmsight's scan cache lives in the user's cache directory (never in the scanned
tree), so the suite points XDG_CACHE_HOME at a directory of its own; the tests and every CLI or
language server they start leave the real ~/.cache alone."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile

import pytest

os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="llmsight-test-cache-")


_CHILD_CHECK = """
import json, resource, sys
from llmsight import api
result = api.check([sys.argv[1]], use_cache=False, jobs=1, with_estimates=False)
usage = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps([{report}, usage.ru_utime + usage.ru_stime, usage.ru_maxrss]))
"""


@pytest.fixture
def checked_in_child(tmp_path):
    """`check(source, report)`: `source` written to app.py and checked with llmsight in a child process, so
    its CPU time and peak memory are the check's alone (the bound tests of hostile input); returns (the
    child's `report` expression over `result`, CPU seconds, peak RSS in kB)."""
    def check(source: str, report: str, timeout: int = 300):
        path = tmp_path / "app.py"
        path.write_text(source)
        out = subprocess.run([sys.executable, "-c", _CHILD_CHECK.format(report=report), str(path)],
                             capture_output=True, text=True, timeout=timeout)
        assert out.returncode == 0, out.stderr[-2000:]
        return tuple(json.loads(out.stdout.splitlines()[-1]))
    return check
