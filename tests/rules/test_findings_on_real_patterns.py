"""Findings the corpus audit showed false or misleading (docs/model-rules.md, "Precision on real code"),
each as the general pattern real code uses: a value the rule cannot see is reported as nothing, a figure
comes from what the code sets, a loop is judged by what it really repeats."""
from __future__ import annotations

import textwrap
from pathlib import Path

from llmsight import api


def check(tmp_path: Path, source: str, select: list[str], name: str = "app.py"):
    text = textwrap.dedent(source).lstrip("\n")
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    result = api.check_source(text, str(path), root=tmp_path, select=select, config={}, with_estimates=False)
    assert not result.errors, result.errors
    return result


def messages(result, code: str) -> list[str]:
    return [d.message for d in result.diagnostics if d.code == code]


# ---- LLM001 -------------------------------------------------------------------------------------------------

def test_timeout_taken_from_callers_kwargs_is_unknown(tmp_path):
    result = check(tmp_path, """
        import anthropic
        async def complete(prompt, **kwargs):
            timeout = kwargs.pop("timeout", None)
            client = anthropic.AsyncAnthropic(timeout=timeout)
            return await client.messages.create(model="claude-sonnet-4-5", max_tokens=500,
                                                messages=[{"role": "user", "content": prompt}])
        """, ["LLM001"])
    assert messages(result, "LLM001") == []


def test_timeout_parameter_defaulting_to_none_is_the_callers_value(tmp_path):
    result = check(tmp_path, """
        from openai import AsyncOpenAI
        async def complete(prompt, timeout: int | None = None):
            kwargs = {}
            if timeout is not None:
                kwargs["timeout"] = timeout
            client = AsyncOpenAI()
            return await client.chat.completions.create(model="gpt-4o-mini", max_tokens=500,
                                                        messages=[{"role": "user", "content": prompt}], **kwargs)
        """, ["LLM001"])
    assert not any("disables" in m or "forever" in m for m in messages(result, "LLM001"))


def test_timeout_field_defaulting_to_none_still_disables_it(tmp_path):
    result = check(tmp_path, """
        from dataclasses import dataclass
        from openai import OpenAI
        @dataclass
        class Chat:
            model: str = "gpt-4o-mini"
            timeout: float | None = None
            def ask(self, prompt):
                client = OpenAI(timeout=self.timeout)
                return client.chat.completions.create(model=self.model, max_tokens=300,
                                                      messages=[{"role": "user", "content": prompt}])
        """, ["LLM001"])
    assert any("timeout=None disables the timeout" in m for m in messages(result, "LLM001"))


def test_retries_quoted_are_the_clients(tmp_path):
    result = check(tmp_path, """
        import anthropic
        client = anthropic.Anthropic(max_retries=5)
        client.messages.create(model="claude-sonnet-4-5", max_tokens=500, messages=[])
        """, ["LLM001"])
    [message] = messages(result, "LLM001")
    assert "retries 5 times (max_retries=5)" in message and "about 60 min" in message, message


def test_sdk_without_known_defaults_quotes_no_figure(tmp_path):
    result = check(tmp_path, """
        from vertexai.language_models import TextGenerationModel
        model = TextGenerationModel.from_pretrained("text-bison@002")
        model.predict("hello", max_output_tokens=256)
        """, ["LLM001"])
    [message] = messages(result, "LLM001")
    assert "requests" not in message and "httpx" not in message and "does not know" in message, message


def test_aiohttp_default_timeout_is_named(tmp_path):
    result = check(tmp_path, """
        import aiohttp
        async def ask(payload):
            async with aiohttp.ClientSession() as session:
                async with session.post("https://api.openai.com/v1/chat/completions", json=payload) as r:
                    return await r.json()
        """, ["LLM001"])
    [message] = messages(result, "LLM001")
    assert "aiohttp" in message and "300 s" in message and "requests" not in message, message


# ---- LLM004 -------------------------------------------------------------------------------------------------


def test_unknown_http_api_gets_no_output_cap_advice(tmp_path):
    result = check(tmp_path, """
        import requests
        def decide(host, state):
            body = {"model": "jev-latest", "state": state, "questions": {"done": "bool"}}
            return requests.post(f"{host}/v1/systemone", json=body, timeout=10).json()
        def generate(host, prompt):
            return requests.post(f"{host}/lollms_generate", json={"prompt": prompt}, timeout=10).text
        """, ["LLM004"])
    assert messages(result, "LLM004") == []


def test_ollama_native_api_cap_is_num_predict(tmp_path):
    result = check(tmp_path, """
        import requests
        def generate(prompt):
            payload = {"model": "llama3.1", "prompt": prompt, "stream": False}
            return requests.post("http://localhost:11434/api/generate", json=payload, timeout=60).json()
        """, ["LLM004"])
    [message] = messages(result, "LLM004")
    assert "num_predict" in message and "max_tokens" not in message, message


# ---- LLM006 -------------------------------------------------------------------------------------------------

def test_self_call_reaches_only_its_own_class(tmp_path):
    result = check(tmp_path, """
        from openai import OpenAI
        class Sampler:
            def request(self, prompt):
                return prompt.upper()
            def __call__(self, prompt, n):
                return [self.request(prompt) for _ in range(n)]
        class Remote:
            def __init__(self):
                self.client = OpenAI(timeout=20)
            def request(self, prompt):
                return self.client.chat.completions.create(model="gpt-4o-mini", max_tokens=100,
                                                           messages=[{"role": "user", "content": prompt}])
        """, ["LLM006"])
    assert messages(result, "LLM006") == []


def test_chunk_taken_in_the_loop_is_a_batch(tmp_path):
    result = check(tmp_path, """
        from openai import OpenAI
        client = OpenAI(timeout=20)
        def embed(texts, size=64):
            vectors = []
            for i in range(0, len(texts), size):
                chunk = texts[i:i + size]
                vectors += client.embeddings.create(model="text-embedding-3-small", input=chunk).data
            return vectors
        """, ["LLM006"])
    assert messages(result, "LLM006") == []


def test_batch_completion_per_chunk_is_a_batch(tmp_path):
    result = check(tmp_path, """
        import litellm
        def summarise(docs, size=8):
            out = []
            for i in range(0, len(docs), size):
                batch = docs[i:i + size]
                out += litellm.batch_completion(model="gpt-4o-mini", timeout=30, max_tokens=200,
                                                messages=[[{"role": "user", "content": d}] for d in batch])
            return out
        """, ["LLM006"])
    assert messages(result, "LLM006") == []


def test_tasks_gathered_through_a_name_fan_out(tmp_path):
    result = check(tmp_path, """
        import asyncio
        from openai import AsyncOpenAI
        client = AsyncOpenAI(timeout=20)
        async def run(prompts):
            tasks = [client.chat.completions.create(model="gpt-4o-mini", max_tokens=50,
                                                    messages=[{"role": "user", "content": p}]) for p in prompts]
            return await asyncio.gather(*tasks)
        """, ["LLM006"])
    [message] = messages(result, "LLM006")
    assert "fans out one request per item at once" in message, message


def test_call_before_return_in_a_loop_runs_once(tmp_path):
    result = check(tmp_path, """
        from openai import OpenAI
        client = OpenAI(timeout=20)
        def answer(messages):
            stream = client.chat.completions.create(model="gpt-4o-mini", max_tokens=500, messages=messages,
                                                    stream=True)
            for chunk in stream:
                if chunk.choices[0].finish_reason == "tool_calls":
                    messages.append({"role": "tool", "content": "done"})
                    yield from answer(messages)
                    return
                yield chunk
        def first(items):
            for item in items:
                if item.ready:
                    return client.chat.completions.create(model="gpt-4o-mini", max_tokens=50, messages=[item.msg])
        """, ["LLM006"])
    assert messages(result, "LLM006") == []


# ---- LLM006: helpers run per item from another module, and functions handed to a pool ----------------------

def check_tree(tmp_path: Path, files: dict[str, str]):
    for name, source in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source).lstrip("\n"), encoding="utf-8")
    result = api.check([tmp_path], select=["LLM006"], use_cache=False, with_estimates=False)
    assert not result.errors, result.errors
    return {(d.span.path, d.span.start_line): d.message for d in result.diagnostics if d.code == "LLM006"}


LLM_MODULE = """
    from openai import OpenAI
    client = OpenAI(timeout=20)
    def summarize(text):
        return client.chat.completions.create(model="gpt-4o-mini", max_tokens=100,
                                              messages=[{"role": "user", "content": text}])
    """


def test_helper_run_per_item_from_another_module(tmp_path):
    found = check_tree(tmp_path, {"app/__init__.py": "", "app/llm.py": LLM_MODULE, "app/jobs.py": """
        from app.llm import summarize
        def nightly(docs):
            for doc in docs:
                doc.summary = summarize(doc.text)
        """})
    [(where, message)] = found.items()
    assert where == ("app/llm.py", 4)
    assert "one call after another" in message and "(through `summarize(doc.text)` at app/jobs.py:4)" in message


def test_helper_called_once_from_another_module_is_no_loop(tmp_path):
    found = check_tree(tmp_path, {"app/__init__.py": "", "app/llm.py": LLM_MODULE, "app/jobs.py": """
        from app.llm import summarize
        def digest(docs):
            return summarize("\\n".join(d.text for d in docs))
        """})
    assert found == {}


def test_function_submitted_to_a_pool_per_item_fans_out(tmp_path):
    found = check_tree(tmp_path, {"app.py": """
        import asyncio
        from concurrent.futures import ThreadPoolExecutor
        from openai import OpenAI
        client = OpenAI(timeout=20)
        def one(doc):
            return client.chat.completions.create(model="gpt-4o-mini", max_tokens=100, messages=[doc])
        def run(docs):
            with ThreadPoolExecutor(4) as pool:
                futures = []
                for doc in docs:
                    futures.append(pool.submit(one, doc))
            return [f.result() for f in futures]
        async def run_async(docs):
            return [await asyncio.to_thread(one, doc) for doc in docs]
        def run_once(doc):
            with ThreadPoolExecutor(1) as pool:
                return pool.submit(one, doc).result()
        """})
    [(where, message)] = found.items()
    assert where == ("app.py", 6)
    assert "fans out one request per item at once" in message and "`pool.submit(one, doc)` at line 11" in message


def test_request_over_what_the_loop_accumulates_depends_on_previous(tmp_path):
    result = check(tmp_path, """
        from openai import AsyncOpenAI
        client = AsyncOpenAI(timeout=20)
        async def partials(stream):
            pcm = bytearray()
            async for frame in stream:
                pcm.extend(frame)
                audio = ("partial.wav", bytes(pcm))
                text = await client.audio.transcriptions.create(model="whisper-1", file=audio)
                yield text
        """, ["LLM006"])
    assert messages(result, "LLM006") == []


def test_no_batch_api_advice_for_requests_batch_apis_do_not_take(tmp_path):
    result = check(tmp_path, """
        from openai import OpenAI
        client = OpenAI(timeout=20)
        def transcribe_all(clips):
            return [client.audio.transcriptions.create(model="whisper-1", file=clip) for clip in clips]
        """, ["LLM006"])
    [message] = messages(result, "LLM006")
    assert "Batch API" not in message and "run them concurrently (bounded)" in message, message


# ---- LLM002 -------------------------------------------------------------------------------------------------

def test_sleep_imported_under_another_name_is_backoff(tmp_path):
    result = check(tmp_path, """
        from asyncio import sleep as asleep
        from openai import AsyncOpenAI, OpenAIError
        client = AsyncOpenAI(timeout=20)
        async def embed(docs, max_retries=3):
            for j in range(max_retries + 1):
                try:
                    return await client.embeddings.create(model="text-embedding-3-small", input=docs)
                except OpenAIError:
                    if j < max_retries:
                        await asleep(2 ** j)
                    else:
                        raise
        """, ["LLM002"])
    assert messages(result, "LLM002") == []


# ---- model rules --------------------------------------------------------------------------------------------

def test_another_vendors_model_reaching_a_vendor_sdk_is_not_judged(tmp_path):
    result = check(tmp_path, """
        import anthropic
        import cohere
        from openai import OpenAI
        DEFAULT_MODEL = "gpt-3.5-turbo"
        def complete(provider="openai", model=DEFAULT_MODEL):
            if provider == "anthropic":
                return anthropic.Anthropic(timeout=20).messages.create(model=model, max_tokens=300, messages=[])
            if provider == "cohere":
                return cohere.ClientV2(timeout=20).chat(model=model, max_tokens=300, messages=[])
            return OpenAI(timeout=20).chat.completions.create(model=model, max_tokens=300, messages=[])
        """, ["LLM007", "LLM008", "LLM009"])
    assert {d.span.start_line for d in result.diagnostics} <= {10}, [(d.span.start_line, d.message) for d in result.diagnostics]
