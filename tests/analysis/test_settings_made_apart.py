"""Settings a request reads from somewhere other than its call or constructor: the SDK module's own
attributes, a litellm Router's deployments, a config object's attributes; and where they do not reach."""
from __future__ import annotations

import textwrap
from pathlib import Path

from llmsight import api


def scan(tmp_path: Path, source: str, select: list[str]):
    (tmp_path / "pyproject.toml").write_text("[project]\nname='x'\n")
    (tmp_path / "app.py").write_text(textwrap.dedent(source), encoding="utf-8")
    result = api.check([tmp_path], select=select, use_cache=False, with_estimates=False)
    sites = {s.span.start_line: s for s in result.call_sites}
    flagged = {d.span.start_line for d in result.diagnostics}
    return sites, flagged


def test_module_settings_count_only_for_requests_that_run_after_them(tmp_path):
    sites, flagged = scan(tmp_path, """
        import litellm
        import openai
        litellm.request_timeout = 45
        litellm.num_retries = 3
        def ask(q):
            return litellm.completion(model="gpt-4o-mini", messages=[q], max_tokens=5)
        openai.chat.completions.create(model="gpt-4o-mini", messages=[], max_tokens=5)
        openai.timeout = 20
        openai.chat.completions.create(model="gpt-4o-mini", messages=[], max_tokens=5)
        """, ["LLM001"])
    assert (sites[7].timeout.value, sites[7].retries.value) == (45, 3)
    assert sites[10].timeout.value == 20
    assert flagged == {8}  # the request made before `openai.timeout = 20` runs without it


def test_router_timeout_needs_every_deployment_the_request_can_reach(tmp_path):
    sites, flagged = scan(tmp_path, """
        from litellm import Router
        router = Router(model_list=[
            {"model_name": "default", "litellm_params": {"model": "gpt-4o-mini", "timeout": 30}},
            {"model_name": "default", "litellm_params": {"model": "gpt-4o", "timeout": 60}},
            {"model_name": "big", "litellm_params": {"model": "gpt-4.1"}},
        ])
        def ask(q, name):
            router.completion(model="default", messages=[q], max_tokens=50)
            router.completion(model="big", messages=[q], max_tokens=50)
            router.completion(model=name, messages=[q], max_tokens=50)
        """, ["LLM001"])
    assert sites[9].timeout.value == 60  # the longest a request can wait
    assert flagged == {10, 11}


def test_google_timeout_units(tmp_path):
    sites, _ = scan(tmp_path, """
        from google import genai
        from google.genai import types
        import google.generativeai as legacy
        client = genai.Client(http_options=types.HttpOptions(timeout=30_000))
        client.models.generate_content(model="gemini-2.5-flash", contents="hi")
        legacy.GenerativeModel("gemini-1.5-flash").generate_content("hi", request_options={"timeout": 30})
        """, ["LLM001"])
    assert sites[6].timeout.value == 30
    assert sites[7].timeout.value == 30


def test_loops_that_still_send_one_request_per_item(tmp_path):
    _, flagged = scan(tmp_path, """
        from itertools import batched
        from openai import OpenAI
        client = OpenAI()
        def embed(texts, docs):
            for chunk in batched(texts, 64):
                for t in chunk:
                    client.embeddings.create(model="text-embedding-3-small", input=t)
            for doc in docs:
                doc = client.chat.completions.create(model="gpt-4o-mini", messages=[doc])
        """, ["LLM006"])
    assert flagged == {8, 10}  # one text per request inside the batch; the loop variable is not the last reply
