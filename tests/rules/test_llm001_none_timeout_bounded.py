"""300 requests in one function of 4,000 statements, each sending `timeout=t` where `t = None` was bound at the
function's top: LLM001 asks whether that None is a caller's once per origin, not a walk of the whole function
per site and per question (was 22.9 CPU-s, 1.1 after)."""

SITES, STATEMENTS = 300, 4000


def _long_function() -> str:
    lines = ["from openai import OpenAI", "", "client = OpenAI()", "", "def big(msgs):", "    t = None"]
    lines += [f"    v{i} = msgs[{i % 7}]" for i in range(STATEMENTS)]
    lines += ["    client.chat.completions.create(model='gpt-4o', messages=msgs, timeout=t)"] * SITES
    return "\n".join(lines) + "\n"


def test_none_timeout_bound_once_costs_about_linear_time(checked_in_child):
    messages, cpu, _peak = checked_in_child(
        _long_function(), '[d.message for d in result.diagnostics if d.code == "LLM001"]')
    assert messages == ["timeout=None disables the timeout: the OpenAI SDK waits forever on a hung request"] * SITES
    assert cpu < 8, f"{cpu:.1f} CPU-s"
