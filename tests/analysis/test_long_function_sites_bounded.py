"""400 request sites in one function of 4,000 statements, each sending the function's parameter default:
the model fix finds that literal on its line for each site without walking the whole function again
(was 18 CPU-s: a walk of the function per site)."""
import json
import subprocess
import sys

STATEMENTS, EVERY = 4000, 10


def _long_function() -> str:
    lines = ["from openai import OpenAI", "", "client = OpenAI()", "", "def big(prompt, model='gpt-4o'):"]
    for i in range(STATEMENTS):
        if i % EVERY == 0:
            lines.append(f"    r{i} = client.chat.completions.create(model=model, messages=[{{'role': 'user', "
                         f"'content': prompt + str({i})}}])")
        else:
            lines.append(f"    x{i} = prompt + 'a{i}'")
    lines.append("    return r0")
    return "\n".join(lines) + "\n"


def test_many_sites_in_one_long_function_cost_about_linear_time(tmp_path):
    """In a child process: its CPU time is the check's alone."""
    path = tmp_path / "app.py"
    path.write_text(_long_function())
    out = subprocess.run([sys.executable, "-c", _CHECK, str(path)], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    sites, fixed, errors, cpu = json.loads(out.stdout.splitlines()[-1])
    assert not errors
    assert sites == STATEMENTS // EVERY
    assert fixed == sites   # every site's fix edits the default on the `def` line
    assert cpu < 8, f"{cpu:.1f} CPU-s"


_CHECK = """
import json, resource, sys
from llmsight import api
result = api.check([sys.argv[1]], use_cache=False, jobs=1, with_estimates=False)
usage = resource.getrusage(resource.RUSAGE_SELF)
fixed = sum(1 for d in result.diagnostics for f in d.fixes if any(e.span.start_line == 5 for e in f.edits))
print(json.dumps([len(result.call_sites), fixed, [str(e) for e in result.errors], usage.ru_utime + usage.ru_stime]))
"""
