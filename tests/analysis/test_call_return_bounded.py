"""A helper returning a constant picked by a 40-level chain of 51-way conditionals, called at 300 sites:
each call binds nothing, so the model is resolved once, not again per site (was 62 CPU-s and 6.2 GB)."""


WIDTH, LEVELS, SITES = 51, 40, 300


def _pathological_source() -> str:
    models = [f"gpt-4o-mini-{i}" for i in range(WIDTH)]
    lines = ["import os", "from openai import OpenAI", "client = OpenAI()",
             "c = os.environ.get('A')", "d = os.environ.get('B')",
             "X1 = " + " else ".join(f'"{m}" if c == "{i}"' for i, m in enumerate(models[:-1])) + f' else "{models[-1]}"']
    for level in range(2, LEVELS + 1):
        lines.append(f"X{level} = " + " else ".join(f'X{level - 1} if d == "{i}"' for i in range(WIDTH - 1))
                     + f" else X{level - 1}")
    lines.append(f"def model():\n    return X{LEVELS}")
    lines += [f"def ask{i}(p):\n    return client.chat.completions.create(model=model(), messages=[{{'role': 'user', "
              f"'content': p}}])" for i in range(SITES)]
    return "\n".join(lines) + "\n"


def test_parameterless_helper_called_at_many_sites_is_resolved_once(checked_in_child):
    (sites, models, errors), cpu, peak_kb = checked_in_child(_pathological_source(), (
        "[len(result.call_sites), [c.value for c in result.call_sites[0].model.candidates], "
        "[str(e) for e in result.errors]]"), timeout=120)
    assert not errors
    assert sites == SITES
    assert models == [f"gpt-4o-mini-{i}" for i in range(WIDTH)][:len(models)] and models
    assert cpu < 10, f"{cpu:.1f} CPU-s"
    assert peak_kb < 500 * 1024, f"{peak_kb / 1024:.0f} MB"
