"""A module calling a helper 30,000 times (2 MB): finding those calls counts each one's line from the
previous one, not from the file's start (that made it quadratic: ~10 CPU-s)."""
import ast
import time

from llmsight.analysis.modules import ModuleInfo

CALLS = 30_000


def test_calls_of_a_name_in_a_large_module_cost_about_linear_time():
    source = "def ask(model):\n    return model\n" + "".join(
        f"r{i} = ask('m-{i % 50}')  # {'x' * 40}\n" for i in range(CALLS))
    mod = ModuleInfo.build("app.py", "app", ast.parse(source), source)
    start = time.process_time()
    calls = mod.calls_named("ask")
    cpu = time.process_time() - start
    assert len(calls) == CALLS
    assert [c.lineno for c, _func in calls[:3]] == [3, 4, 5] and calls[-1][0].lineno == CALLS + 2
    assert cpu < 2.5, f"{cpu:.1f} CPU-s"
