"""A helper dispatching its returns on the model through 300 branches (`if model == "m0": return c,
model[1:]` …): each return's model set is cut by the tests around it, and whether the model is assigned after
a test is read from one index of the body's stores, not a walk of the whole body per test and return
(cubic: 100 branches took 8.5 CPU-s, 1,000 did not finish in 15 CPU-minutes)."""

BRANCHES = 300


def _dispatch() -> str:
    branches = "\n".join(f'    if model == "m{i}":\n        return client, model[{i % 5}:]' for i in range(BRANCHES))
    return (f"import openai\nclient = openai.OpenAI()\ndef pick(model):\n{branches}\n    return client, model\n"
            "def ask():\n    c, m = pick('gpt-4o')\n    return c.chat.completions.create(model=m, messages=[])\n")


def test_a_dispatch_of_many_branches_costs_about_linear_time(checked_in_child):
    (sites, models), cpu, _peak = checked_in_child(
        _dispatch(), "[len(result.call_sites), [c.value for c in result.call_sites[0].model.candidates]]")
    assert sites == 1
    assert models[0] == "gpt-4o"   # the final return's; each branch adds what its test admits
    assert cpu < 8, f"{cpu:.1f} CPU-s"
