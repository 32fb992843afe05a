"""400 request sites in one function of 4,000 statements, each sending the function's parameter default:
the model fix finds that literal on its line for each site without walking the whole function again
(was 18 CPU-s: a walk of the function per site)."""

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


def test_many_sites_in_one_long_function_cost_about_linear_time(checked_in_child):
    (sites, fixed, errors), cpu, _peak = checked_in_child(_long_function(), (
        "[len(result.call_sites), sum(1 for d in result.diagnostics for f in d.fixes "
        "if any(e.span.start_line == 5 for e in f.edits)), [str(e) for e in result.errors]]"))
    assert not errors
    assert sites == STATEMENTS // EVERY
    assert fixed == sites   # every site's fix edits the default on the `def` line
    assert cpu < 8, f"{cpu:.1f} CPU-s"
