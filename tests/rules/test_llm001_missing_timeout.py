"""LLM001 through the real CLI: messages name the SDK default, fixes land only with --unsafe-fixes,
--diff writes nothing, suppression comments work, and fixes of two rules on one call compose."""
from __future__ import annotations

import json

from rules_cli import llm_lint, write_project

APP = '''
import anthropic
from openai import OpenAI

client = OpenAI()
claude = anthropic.Anthropic()


def answer(question):
    reply = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": question}],
    )
    client.embeddings.create(model="text-embedding-3-small", input=[question])  # noqa: LLM001
    claude.messages.create(model="claude-sonnet-4-5", max_tokens=300, messages=[], timeout=20)
    return reply
'''


def findings(root, *args):
    run = llm_lint(root, "check", "--format", "json", "--no-cache", *args)
    assert run.returncode in (0, 1), run.stderr
    return [d for d in json.loads(run.stdout)["diagnostics"] if d["code"] == "LLM001"]


def test_reports_the_sdk_default_and_honours_suppression(tmp_path):
    write_project(tmp_path, {"app.py": APP})
    found = findings(tmp_path, "--select", "LLM001")
    assert [d["line"] for d in found] == [9]
    assert "the OpenAI SDK waits up to 600 s per read" in found[0]["message"]
    assert "retries twice" in found[0]["message"]
    assert found[0]["severity"] == "warning"
    assert [f["applicability"] for f in found[0]["fixes"]] == ["unsafe"]


def test_fix_needs_unsafe_fixes_and_diff_writes_nothing(tmp_path):
    write_project(tmp_path, {"app.py": APP})
    before = (tmp_path / "app.py").read_text()

    safe = llm_lint(tmp_path, "check", "--select", "LLM001", "--fix", "--no-cache")
    assert safe.returncode == 1
    assert (tmp_path / "app.py").read_text() == before

    diff = llm_lint(tmp_path, "check", "--select", "LLM001", "--diff", "--unsafe-fixes", "--no-cache")
    assert diff.returncode == 1
    assert "+        timeout=30,\n" in diff.stdout
    changed = [line for line in diff.stdout.splitlines() if line[:1] in "+-" and line[:3] not in ("+++", "---")]
    assert changed == ["+        timeout=30,"], diff.stdout
    assert (tmp_path / "app.py").read_text() == before

    fixed = llm_lint(tmp_path, "check", "--select", "LLM001", "--fix", "--unsafe-fixes", "--no-cache")
    assert fixed.returncode == 0, fixed.stdout
    after = (tmp_path / "app.py").read_text()
    assert after == before.replace('        messages=[{"role": "user", "content": question}],\n',
                                   '        messages=[{"role": "user", "content": question}],\n        timeout=30,\n')
    assert findings(tmp_path, "--select", "LLM001") == []


def test_config_default_timeout_is_the_fix_value(tmp_path):
    write_project(tmp_path, {"app.py": APP}, config="default_timeout = 12.5")
    llm_lint(tmp_path, "check", "--select", "LLM001", "--fix", "--unsafe-fixes", "--no-cache")
    assert "        timeout=12.5,\n" in (tmp_path / "app.py").read_text()


def test_timeout_and_output_cap_fixes_compose_on_one_call(tmp_path):
    write_project(tmp_path, {"app.py": '''
        from openai import OpenAI
        OpenAI().chat.completions.create(model="gpt-4o-mini", messages=[])
    '''})
    run = llm_lint(tmp_path, "check", "--select", "LLM001,LLM004", "--fix", "--unsafe-fixes", "--no-cache")
    assert run.returncode == 0, run.stdout
    assert (tmp_path / "app.py").read_text() == (
        "from openai import OpenAI\n"
        'OpenAI().chat.completions.create(model="gpt-4o-mini", messages=[], timeout=30, max_completion_tokens=1024)\n'
    )


def test_bedrock_fix_imports_botocore_config_once(tmp_path):
    write_project(tmp_path, {"app.py": '''
        import boto3
        runtime = boto3.client("bedrock-runtime")
        def a():
            return runtime.converse(modelId="amazon.nova-lite-v1:0", messages=[])
        def b():
            return runtime.converse(modelId="amazon.nova-pro-v1:0", messages=[])
    '''})
    run = llm_lint(tmp_path, "check", "--select", "LLM001", "--fix", "--unsafe-fixes", "--no-cache")
    assert run.returncode == 0, run.stdout
    text = (tmp_path / "app.py").read_text()
    assert text.count("from botocore.config import Config\n") == 1
    assert 'boto3.client("bedrock-runtime", config=Config(read_timeout=30, retries={"max_attempts": 3, ' \
           '"mode": "standard"}))' in text
    compile(text, "app.py", "exec")


def test_notebook_cells_are_fixed_in_place(tmp_path):
    cells = [
        {"cell_type": "markdown", "metadata": {}, "source": ["# demo"]},
        {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
         "source": ["from openai import OpenAI\n", "client = OpenAI()"]},
        {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
         "source": ["%time\n", "client.chat.completions.create(model=\"gpt-4o\", messages=[])"]},
    ]
    nb = {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    write_project(tmp_path, {"demo.ipynb": json.dumps(nb)})
    found = findings(tmp_path, "--select", "LLM001")
    assert [(d["cell"], d["line"]) for d in found] == [(2, 2)]
    llm_lint(tmp_path, "check", "--select", "LLM001", "--fix", "--unsafe-fixes", "--no-cache")
    fixed = json.loads((tmp_path / "demo.ipynb").read_text())
    assert "".join(fixed["cells"][2]["source"]) == \
        '%time\nclient.chat.completions.create(model="gpt-4o", messages=[], timeout=30)'


def test_fix_values_come_from_traffic(tmp_path):
    """With --traffic, the timeout is twice the site's measured p99 latency and the output cap its p99
    output tokens plus 25% (examples/app against the simulator's seeded traffic)."""
    import math
    import shutil
    from pathlib import Path

    from llmsight import api
    from llmsight.simulator import generate, store
    from llmsight.simulator.view import open_traffic

    app = tmp_path / "app"
    shutil.copytree(Path(__file__).parents[2] / "examples" / "app", app,
                    ignore=shutil.ignore_patterns(".llmsight", "__pycache__"))
    db = tmp_path / "traffic.duckdb"
    con = store.open_store(db)
    store.insert_rows(con, generate.generate(3000, seed=5), "generator")
    con.close()

    result = api.check([app], traffic=db, use_cache=False, select=["NONE"])
    chat = next(s for s in result.call_sites if s.span.path == "app/chat.py" and s.operation == "chat")
    view = open_traffic(db)
    view.bind(result.call_sites)
    timeout = max(5, math.ceil(view.p99_latency_s(chat) * 2))
    cap = math.ceil(view.p99_output_tokens(chat) * 1.25)

    diff = llm_lint(app, "check", "--select", "LLM001,LLM004", "--traffic", str(db), "--diff", "--unsafe-fixes",
                    "--no-cache")
    chat_part = diff.stdout.split("+++ b/app/chat.py", 1)[1].split("--- a/", 1)[0]
    assert f"+            timeout={timeout},\n" in chat_part
    assert f"+            max_completion_tokens={cap},\n" in chat_part
