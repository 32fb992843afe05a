"""LLM002 on real retry loops: which loops are retry loops, and the fixed loop really backs off."""
from __future__ import annotations

import textwrap
import types

import pytest

from llmsight import api
from llmsight.analysis.fixes import apply_edits


def diagnostics(tmp_path, source: str, code: str = "LLM002"):
    path = tmp_path / "app.py"
    text = textwrap.dedent(source).lstrip("\n")
    path.write_text(text)
    result = api.check_source(text, str(path), root=tmp_path, select=[code], with_estimates=False)
    assert not result.errors, result.errors
    return text, [d for d in result.diagnostics if d.code == code]


HEAD = """
import time
import openai
client = openai.OpenAI(api_key="placeholder")
"""

CASES = {
    # (loop source, expected: None = no finding, else a message substring)
    "constant-sleep-guarded-while-true": ("""
        def ask(messages):
            attempts = 0
            while True:
                try:
                    return client.chat.completions.create(model="gpt-4o", messages=messages)
                except openai.APIError:
                    attempts += 1
                    if attempts > 3:
                        raise
                    time.sleep(1)
        """, "waits a constant 1 s"),
    "flag-loop-without-sleep": ("""
        def ask(messages):
            done = False
            while not done:
                try:
                    reply = client.chat.completions.create(model="gpt-4o", messages=messages)
                    done = True
                except openai.APIError:
                    pass
            return reply
        """, "never gives up"),
    "linear-backoff": ("""
        def ask(messages):
            for attempt in range(1, 4):
                try:
                    return client.chat.completions.create(model="gpt-4o", messages=messages)
                except openai.APIError:
                    time.sleep(attempt * 5)
        """, None),
    "backoff-helper": ("""
        def ask(messages):
            for attempt in range(4):
                try:
                    return client.chat.completions.create(model="gpt-4o", messages=messages)
                except openai.APIError:
                    time.sleep(compute_backoff(attempt))
        """, None),
    "handler-reraises": ("""
        def ask(messages):
            for attempt in range(4):
                try:
                    return client.chat.completions.create(model="gpt-4o", messages=messages)
                except openai.APIError:
                    log("failed")
                    raise
        """, None),
    "loop-over-data-is-not-retry": ("""
        def ask_all(prompts):
            out = []
            for i in range(len(prompts)):
                try:
                    out.append(client.chat.completions.create(model="gpt-4o", messages=[prompts[i]]))
                except openai.APIError:
                    out.append(None)
            return out
        """, None),
    "repair-loop-feeds-the-error-back": ("""
        def ask(messages):
            for attempt in range(3):
                try:
                    reply = client.chat.completions.create(model="gpt-4o", messages=messages)
                    return parse(reply)
                except ValueError as err:
                    messages.append({"role": "user", "content": f"Invalid JSON: {err}. Try again."})
        """, None),
    "arguments-rebuilt-each-turn": ("""
        def ask(state):
            while True:
                arguments = state.create_arguments()
                try:
                    return client.chat.completions.create(**arguments)
                except openai.APIStatusError as error:
                    if not state.recovers_from(error):
                        raise
        """, None),
    "counter-bumped-in-handler-is-still-a-retry": ("""
        def ask(messages):
            retries = 0
            while retries < 3:
                try:
                    return client.chat.completions.create(model="gpt-4o", messages=messages)
                except openai.APIError:
                    retries += 1
        """, "retries immediately"),
    "inner-retry-in-outer-data-loop": ("""
        def ask_all(prompts):
            for p in prompts:
                for attempt in range(3):
                    try:
                        client.chat.completions.create(model="gpt-4o", messages=[p])
                        break
                    except openai.RateLimitError:
                        time.sleep(10)
        """, "waits a constant 10 s"),
}


@pytest.mark.parametrize("name", CASES)
def test_retry_loops(tmp_path, name):
    body, expected = CASES[name]
    _, found = diagnostics(tmp_path, HEAD + textwrap.dedent(body))
    if expected is None:
        assert found == [], [d.message for d in found]
    else:
        assert len(found) == 1, [d.message for d in found]
        assert expected in found[0].message


def test_diagnostic_sits_on_the_loop_header_and_is_suppressible(tmp_path):
    source = HEAD + textwrap.dedent(CASES["inner-retry-in-outer-data-loop"][0])
    text, found = diagnostics(tmp_path, source)
    header = text.splitlines().index("        for attempt in range(3):") + 1
    assert (found[0].span.start_line, found[0].span.end_line) == (header, header)
    suppressed = text.replace("for attempt in range(3):", "for attempt in range(3):  # noqa: LLM002")
    _, again = diagnostics(tmp_path, suppressed)
    assert again == []


def fake_client(create):
    """Stands in for the provider: `client.chat.completions.create` is `create`."""
    return types.SimpleNamespace(chat=types.SimpleNamespace(completions=types.SimpleNamespace(create=create)))


def test_fixed_loop_backs_off_exponentially_with_jitter(tmp_path):
    """Run the fixed code: the SDK call fails four times, then succeeds; sleeps must double and stay capped."""
    text, found = diagnostics(tmp_path, HEAD + textwrap.dedent("""
        def ask(messages):
            for attempt in range(6):
                try:
                    return client.chat.completions.create(model="gpt-4o", messages=messages)
                except Exception:
                    time.sleep(20)
        """))
    fix = found[0].fixes[0]
    assert fix.applicability == "unsafe"
    fixed, skipped = apply_edits(text, fix.edits)
    assert not skipped and "import random\n" in fixed

    namespace: dict = {}
    exec(compile(fixed, "app.py", "exec"), namespace)
    slept: list[float] = []
    namespace["time"] = types.SimpleNamespace(sleep=slept.append)
    failures = iter(range(4))

    def create(**_):
        if next(failures, None) is not None:
            raise RuntimeError("429 rate limited")
        return "ok"

    namespace["client"] = fake_client(create)
    assert namespace["ask"]([]) == "ok"
    assert [int(s) for s in slept] == [20, 40, 60, 60]
    assert all(0 <= s - int(s) < 1 for s in slept), slept
    _, again = diagnostics(tmp_path, fixed)
    assert again == []


def test_async_loop_without_sleep_gets_an_awaited_backoff_before_continue(tmp_path):
    import asyncio

    text, found = diagnostics(tmp_path, """
        import openai
        client = openai.AsyncOpenAI(api_key="placeholder")
        async def ask(messages):
            retries = 0
            while retries < 4:
                try:
                    return await client.chat.completions.create(model="gpt-4o", messages=messages)
                except openai.APIError:
                    retries += 1
                    continue
        """)
    [d] = found
    assert "retries immediately" in d.message
    fixed, skipped = apply_edits(text, d.fixes[0].edits)
    assert not skipped
    assert "            retries += 1\n" \
           "            await asyncio.sleep(min(2 ** retries, 60) + random.uniform(0, 1))\n" \
           "            continue\n" in fixed
    assert fixed.startswith("import asyncio\nimport random\n\nimport openai\n")  # isort's sections

    namespace: dict = {}
    exec(compile(fixed, "app.py", "exec"), namespace)
    slept: list[float] = []

    async def fake_sleep(seconds):
        slept.append(seconds)

    namespace["asyncio"] = types.SimpleNamespace(sleep=fake_sleep)
    failures = iter(range(3))

    class APIError(Exception):
        pass

    async def create(**_):
        if next(failures, None) is not None:
            raise APIError("overloaded")
        return "ok"

    namespace["openai"] = types.SimpleNamespace(APIError=APIError)
    namespace["client"] = fake_client(create)
    assert asyncio.run(namespace["ask"]([])) == "ok"
    assert [int(s) for s in slept] == [2, 4, 8]
    _, again = diagnostics(tmp_path, fixed)
    assert again == []


def test_interrupt_handler_is_not_a_retry(tmp_path):
    _, found = diagnostics(tmp_path, HEAD + textwrap.dedent("""
        def ask(messages):
            for attempt in range(3):
                try:
                    return client.chat.completions.create(model="gpt-4o", messages=messages)
                except KeyboardInterrupt:
                    print("bye")
        """))
    assert found == []
