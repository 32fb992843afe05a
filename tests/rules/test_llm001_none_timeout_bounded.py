"""300 requests in one function of 4,000 statements, each sending `timeout=t` where `t = None` was bound at the
function's top: LLM001 asks whether that None is a caller's once per origin, not a walk of the whole function
per site and per question (was 22.9 CPU-s, 1.1 after)."""
import json
import subprocess
import sys

SITES, STATEMENTS = 300, 4000


def _long_function() -> str:
    lines = ["from openai import OpenAI", "", "client = OpenAI()", "", "def big(msgs):", "    t = None"]
    lines += [f"    v{i} = msgs[{i % 7}]" for i in range(STATEMENTS)]
    lines += ["    client.chat.completions.create(model='gpt-4o', messages=msgs, timeout=t)"] * SITES
    return "\n".join(lines) + "\n"


def test_none_timeout_bound_once_costs_about_linear_time(tmp_path):
    """In a child process: its CPU time is the check's alone."""
    path = tmp_path / "app.py"
    path.write_text(_long_function())
    out = subprocess.run([sys.executable, "-c", _CHECK, str(path)], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    messages, cpu = json.loads(out.stdout.splitlines()[-1])
    assert messages == ["timeout=None disables the timeout: the OpenAI SDK waits forever on a hung request"] * SITES
    assert cpu < 8, f"{cpu:.1f} CPU-s"


_CHECK = """
import json, resource, sys
from llmsight import api
result = api.check([sys.argv[1]], use_cache=False, jobs=1, with_estimates=False)
usage = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps([[d.message for d in result.diagnostics if d.code == "LLM001"], usage.ru_utime + usage.ru_stime]))
"""
