"""LLM006 on real loops: data loops fire, retry/agent/chain loops do not, and LLM002 and LLM006 split
a retry loop nested in a data loop between them."""
from __future__ import annotations

import textwrap

import pytest

from llmsight import api

HEAD = """
import asyncio
import time
from openai import AsyncOpenAI, OpenAI
client = OpenAI()
aclient = AsyncOpenAI()
"""

CASES = {
    "for-over-data": ("""
        def run(items):
            for item in items:
                client.chat.completions.create(model="gpt-4o-mini", messages=[item])
        """, True),
    "dict-comprehension": ("""
        def run(items):
            return {k: client.responses.create(model="gpt-4.1-mini", input=v) for k, v in items.items()}
        """, True),
    "call-in-loop-iterable-only": ("""
        def run():
            for chunk in client.chat.completions.create(model="gpt-4o-mini", messages=[], stream=True):
                print(chunk)
        """, False),
    "growing-conversation": ("""
        def chat(messages, turns):
            for turn in turns:
                messages.append({"role": "user", "content": turn})
                reply = client.chat.completions.create(model="gpt-4o-mini", messages=messages)
                messages.append(reply.choices[0].message)
        """, False),
    "history-rebuilt-from-itself": ("""
        def chat(history, turns):
            for turn in turns:
                reply = client.chat.completions.create(model="gpt-4o-mini", messages=history)
                history = history + [reply.choices[0].message]
        """, False),
    "fresh-prompt-per-item": ("""
        def run(docs):
            for doc in docs:
                messages = [{"role": "user", "content": doc}]
                client.chat.completions.create(model="gpt-4o-mini", messages=messages)
        """, True),
    "retry-until-valid": ("""
        def ask(q):
            for attempt in range(3):
                reply = client.chat.completions.create(model="gpt-4o-mini", messages=[q])
                if reply.choices[0].message.content:
                    return reply
        """, False),
    "while-polling": ("""
        def run(queue):
            while queue:
                client.chat.completions.create(model="gpt-4o-mini", messages=[queue.pop()])
        """, False),
    "gather-list": ("""
        async def run(items):
            return await asyncio.gather(*[aclient.chat.completions.create(model="gpt-4o-mini", messages=[i])
                                          for i in items])
        """, True),
}


def findings(tmp_path, source: str, select=("LLM006",)):
    text = HEAD + textwrap.dedent(source)
    path = tmp_path / "app.py"
    path.write_text(text)
    result = api.check_source(text, str(path), root=tmp_path, select=list(select), with_estimates=False)
    assert not result.errors, result.errors
    return result.diagnostics


@pytest.mark.parametrize("name", CASES)
def test_loops(tmp_path, name):
    body, fires = CASES[name]
    found = findings(tmp_path, body)
    assert bool(found) == fires, [d.message for d in found]
    if fires:
        assert len(found) == 1
        assert found[0].severity == "info"
        assert [f.applicability for f in found[0].fixes] == ["display-only"]


def test_gather_fan_out_says_bound_the_concurrency(tmp_path):
    [d] = findings(tmp_path, CASES["gather-list"][0])
    assert "bound the concurrency" in d.message and "OpenAI's Batch API costs 50% less" in d.message


def test_retry_loop_inside_data_loop_is_reported_once_by_each_rule(tmp_path):
    found = findings(tmp_path, """
        def run(items):
            for item in items:
                for attempt in range(3):
                    try:
                        client.chat.completions.create(model="gpt-4o-mini", messages=[item])
                        break
                    except Exception:
                        time.sleep(1)
        """, select=("LLM002", "LLM006"))
    by_code = {d.code: d for d in found}
    assert sorted(by_code) == ["LLM002", "LLM006"] and len(found) == 2
    assert "per item of a loop" in by_code["LLM006"].message
    assert by_code["LLM002"].span.start_line == by_code["LLM006"].span.start_line - 2


@pytest.mark.parametrize("source", [
    """
    def lines_of(prompt):
        return list(map(str.strip, client.chat.completions.create(model="gpt-4o-mini", messages=[prompt]).choices))
    """,
    """
    def ask(q):
        return client.chat.completions.create(model="gpt-4o-mini", messages=[q])
    def words(q):
        return list(map(str.upper, ask(q).choices[0].message.content.split()))
    """,
    """
    def ask(q):
        return client.chat.completions.create(model="gpt-4o-mini", messages=[q])
    def tagged(df, q):
        return df["text"].apply(str.lower, args=(ask(q),))
    """,
], ids=["request-in-the-items", "helper-in-the-items", "helper-in-args"])
def test_what_a_mapper_is_handed_besides_its_callable_runs_once(tmp_path, source):
    """`map(f, items)` runs `f` per item; `items` (and a pandas `args=`) are evaluated once."""
    assert findings(tmp_path, source) == []


@pytest.mark.parametrize("call", ["pool.apply(ask, (q,))", "pool.apply(ask, args=(q,))"])
def test_a_process_pools_apply_runs_its_function_once(tmp_path, call):
    """`Pool.apply(f, args)` runs `f` once (pandas' `.apply(f)` runs it per row)."""
    assert findings(tmp_path, f"""
    from multiprocessing import Pool
    def ask(q):
        return client.chat.completions.create(model="gpt-4o-mini", messages=[q])
    def once(q):
        with Pool(2) as pool:
            return {call}
    """) == []
