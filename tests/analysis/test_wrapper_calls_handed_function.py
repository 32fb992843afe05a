"""A function handed to a project wrapper that calls it with values of its own (`retry_with_fallbacks(
self._predict)` where the wrapper runs `for model in MODELS: return await f(model)`) is called with those
values, read in the wrapper: the model a fallback loop tries reaches the request (issue 12)."""
from __future__ import annotations

import pytest
from site_lines import line_of, models_at, scan_project

RETRY = '''
    MODELS = ["gpt-4o-mini", "gpt-4.1"]


    async def with_fallbacks(f, attempts=2):
        for model in MODELS:
            try:
                return await f(model)
            except Exception:
                continue


    async def forwarding(f, *args):
        return await f(*args)
    '''

TOOL = '''
    from openai import AsyncOpenAI

    from bot.retry import forwarding, with_fallbacks


    class Tool:
        async def run(self):
            return await with_fallbacks(self._predict)

        async def _predict(self, model):
            return await AsyncOpenAI().chat.completions.create(model=model, messages=[])


    class Other:
        async def run(self):
            return await forwarding(self._ask, "o3-mini")

        async def _ask(self, model):
            return await AsyncOpenAI().chat.completions.create(model=model, messages=[])
    '''


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    return scan_project(tmp_path_factory.mktemp("handed") / "p",
                        {"bot/__init__.py": "", "bot/retry.py": RETRY, "bot/tool.py": TOOL})


def test_the_wrapper_calls_the_handed_function_with_its_loop_values(result):
    site = line_of(TOOL, "create(model=model")
    assert sorted(models_at(result, "bot/tool.py", site)) == ["gpt-4.1", "gpt-4o-mini"]


def test_a_forwarding_wrapper_passes_the_arguments_after_the_function(result):
    site = [i for i, line in enumerate(TOOL.splitlines(), 1) if "create(model=model" in line][-1]
    assert models_at(result, "bot/tool.py", site) == ["o3-mini"]
