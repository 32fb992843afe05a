"""Settings made indirectly (issue 12 item 2): options set through config objects, built-up and
splatted dicts and client-level `with_options`/`http_client=` count as set for LLM001/LLM004/LLM005
and give the site its values; a `**kwargs` that cannot be followed leaves a setting unknown
(`unresolved`), never absent, and the rules then say nothing."""
from __future__ import annotations

import textwrap
import time
from pathlib import Path

from llmsight import api
from llmsight.records import CallSite

RULES = ["LLM001", "LLM004", "LLM005"]


def check(tmp_path: Path, source: str, *, estimates: bool = False):
    text = textwrap.dedent(source).lstrip("\n")
    path = tmp_path / "app.py"
    path.write_text(text, encoding="utf-8")
    result = api.check_source(text, str(path), root=tmp_path, select=RULES, config={}, with_estimates=estimates)
    assert not result.errors, result.errors
    return result


def site_at(result, line: int) -> CallSite:
    [site] = [s for s in result.call_sites if s.span.start_line == line]
    return site


def codes_at(result, line: int) -> set[str]:
    return {d.code for d in result.diagnostics if d.span.start_line == line}


def test_genai_config_object_in_a_variable_sets_cap_and_timeout(tmp_path):
    result = check(tmp_path, """
        from google import genai
        from google.genai import types
        client = genai.Client()
        cfg = types.GenerateContentConfig(max_output_tokens=512, http_options=types.HttpOptions(timeout=20_000))
        client.models.generate_content(model="gemini-2.5-flash", contents="hi", config=cfg)
    """)
    site = site_at(result, 5)
    assert (site.max_tokens.value, site.max_tokens.source, site.max_tokens.origin) == (512, "call", "app.py:4")
    assert (site.timeout.value, site.timeout.source) == (20.0, "call")   # HttpOptions counts ms; records seconds
    assert codes_at(result, 5) == set()


def test_http_client_timeout_counts_for_openai_and_anthropic(tmp_path):
    result = check(tmp_path, """
        import anthropic
        import httpx
        from openai import OpenAI
        ac = anthropic.Anthropic(http_client=anthropic.DefaultHttpxClient(timeout=httpx.Timeout(20.0, connect=5.0)))
        ac.messages.create(model="claude-sonnet-4-5", max_tokens=100, messages=[])
        http = httpx.Client(timeout=15)
        oc = OpenAI(http_client=http)
        oc.chat.completions.create(model="gpt-4o", messages=[], max_tokens=5)
        bare = OpenAI(http_client=httpx.Client())
        bare.chat.completions.create(model="gpt-4o", messages=[], max_tokens=5)
    """)
    assert (site_at(result, 5).timeout.value, site_at(result, 5).timeout.source) == (20.0, "client")
    assert (site_at(result, 8).timeout.value, site_at(result, 8).timeout.source) == (15, "client")
    # httpx's own default is not taken by the SDK: its 600 s stay, and LLM001 still says so
    assert site_at(result, 10).timeout.source == "sdk-default"
    assert codes_at(result, 5) == codes_at(result, 8) == set() and codes_at(result, 10) == {"LLM001"}


def test_dict_built_updated_and_splatted_gives_values_and_stream(tmp_path):
    result = check(tmp_path, """
        import litellm
        BASE = {"temperature": 0, "num_retries": 3}
        def ask(messages):
            params = {**BASE, "model": "gpt-4o-mini", "messages": messages}
            params["max_tokens"] = 300
            params.update(timeout=20)
            params["stream"] = True
            return litellm.completion(**params)
        def ask_dict(messages):
            return litellm.completion(**dict(model="gpt-4o-mini", messages=messages, max_completion_tokens=99))
    """)
    site = site_at(result, 8)
    assert (site.max_tokens.value, site.timeout.value, site.retries.value, site.stream) == (300, 20, 3, True)
    assert site.model.value == "gpt-4o-mini"
    assert site_at(result, 10).max_tokens.value == 99
    assert codes_at(result, 8) == set() and codes_at(result, 10) == {"LLM001"}


def test_kwargs_parameter_leaves_settings_unknown_and_rules_silent(tmp_path):
    result = check(tmp_path, """
        from openai import OpenAI
        client = OpenAI()
        def ask(messages, **kwargs):
            return client.chat.completions.create(model="gpt-4o-mini", messages=messages, **kwargs)
    """)
    site = site_at(result, 4)
    for setting in (site.max_tokens, site.timeout):
        assert (setting.value, setting.source, setting.expr) == (None, "unresolved", "**kwargs")
    assert site.stream is None  # the caller may turn streaming on
    assert result.diagnostics == []


def test_keys_set_on_a_kwargs_parameter_are_seen(tmp_path):
    result = check(tmp_path, """
        import litellm
        def ask(messages, **kwargs):
            kwargs["max_tokens"] = 256
            return litellm.completion(model="gpt-4o-mini", messages=messages, **kwargs)
    """)
    site = site_at(result, 4)
    assert (site.max_tokens.value, site.max_tokens.source) == (256, "call")
    assert site.timeout.source == "unresolved"


def test_opaque_parts_of_a_built_dict(tmp_path):
    result = check(tmp_path, """
        import litellm
        def merged(messages, extra):
            params = {"model": "gpt-4o-mini", "messages": messages}
            params.update(extra)
            return litellm.completion(**params)
        def filtered(messages, options):
            params = {k: v for k, v in options.items() if v is not None}
            return litellm.completion(model="gpt-4o-mini", messages=messages, **params)
        def keyed(messages, name):
            params = {"model": "gpt-4o-mini", "messages": messages}
            params[name] = 100
            return litellm.completion(**params)
    """)
    assert site_at(result, 5).max_tokens.expr == "**extra"
    for line in (5, 8, 12):
        assert site_at(result, line).max_tokens.source == "unresolved"
        assert codes_at(result, line) == set()


def test_instance_dicts_helpers_and_properties(tmp_path):
    result = check(tmp_path, """
        from openai import OpenAI
        class Model:
            def __init__(self, generation_kwargs=None):
                self.client = OpenAI(timeout=30)
                self.generation_kwargs = generation_kwargs or {}
                self.defaults = {"temperature": 0}
            def _request(self, prompt):
                return {"model": "gpt-4o", "messages": [prompt], "max_completion_tokens": 99}
            @property
            def caps(self):
                return {"max_tokens": 10}
            def user_kwargs(self, p):
                return self.client.chat.completions.create(model="gpt-4o", messages=[p], **self.generation_kwargs)
            def visible_defaults(self, p):
                return self.client.chat.completions.create(model="gpt-4o", messages=[p], **self.defaults)
            def helper(self, p):
                return self.client.chat.completions.create(**self._request(p))
            def prop(self, p):
                return self.client.chat.completions.create(model="gpt-4o", messages=[p], **self.caps)
    """)
    assert site_at(result, 13).max_tokens.source == "unresolved" and codes_at(result, 13) == set()
    assert site_at(result, 15).max_tokens.source == "absent" and codes_at(result, 15) == {"LLM004"}
    assert site_at(result, 17).max_tokens.value == 99
    assert site_at(result, 19).max_tokens.value == 10


def test_closure_sees_the_dict_its_method_built(tmp_path):
    result = check(tmp_path, """
        from google import genai
        class Chat:
            def __init__(self, config=None, max_output_tokens=8096):
                self.config = config
                self.max_output_tokens = max_output_tokens
            async def ask(self, contents):
                config: dict = {}
                if self.config:
                    config = self.config.copy()
                if self.max_output_tokens is not None:
                    config["max_output_tokens"] = self.max_output_tokens
                async def call():
                    return await genai.Client().aio.models.generate_content(model="gemini-2.5-flash",
                                                                            contents=contents, config=config)
                return await call()
    """)
    site = site_at(result, 13)
    assert (site.max_tokens.value, site.max_tokens.source) == (8096, "call")
    assert "LLM004" not in codes_at(result, 13)


def test_langchain_model_kwargs_and_constructor_splat(tmp_path):
    result = check(tmp_path, """
        from langchain_openai import ChatOpenAI
        llm = ChatOpenAI(model="o4-mini", model_kwargs={"max_completion_tokens": 4000}, timeout=30)
        llm.invoke("hi")
        def build(**model_kwargs):
            return ChatOpenAI(model="gpt-4o", **model_kwargs).invoke("hi")
    """)
    assert (site_at(result, 3).max_tokens.value, site_at(result, 3).max_tokens.source) == (4000, "client")
    assert site_at(result, 5).max_tokens.source == site_at(result, 5).timeout.source == "unresolved"
    assert result.diagnostics == []


def test_with_options_on_the_client(tmp_path):
    result = check(tmp_path, """
        from openai import OpenAI
        client = OpenAI().with_options(timeout=12, max_retries=1)
        client.chat.completions.create(model="gpt-4o", messages=[], max_completion_tokens=50)
        def ask(opts):
            return OpenAI().with_options(**opts).chat.completions.create(model="gpt-4o", messages=[], max_tokens=5)
    """)
    site = site_at(result, 3)
    assert (site.timeout.value, site.timeout.source, site.retries.value) == (12, "client", 1)
    assert site_at(result, 5).timeout.source == "unresolved"
    assert result.diagnostics == []


def test_settings_a_request_cannot_carry_are_still_missing(tmp_path):
    # boto3 takes its read timeout only from the client's botocore Config
    result = check(tmp_path, """
        import boto3
        runtime = boto3.client("bedrock-runtime")
        def ask(args):
            return runtime.converse(modelId="amazon.nova-lite-v1:0", messages=[], **args)
    """)
    site = site_at(result, 4)
    assert site.timeout.source == "sdk-default" and site.max_tokens.source == "unresolved"
    assert codes_at(result, 4) == {"LLM001"}


def test_cohere_request_options_timeout(tmp_path):
    result = check(tmp_path, """
        import cohere
        co = cohere.ClientV2()
        co.chat(model="command-r-plus", messages=[], max_tokens=100, request_options={"timeout_in_seconds": 25})
    """)
    assert (site_at(result, 3).timeout.value, site_at(result, 3).timeout.source) == (25, "call")


def test_bedrock_config_object_in_a_variable(tmp_path):
    result = check(tmp_path, """
        import boto3
        from botocore.config import Config
        settings = {"read_timeout": 45, "retries": {"max_attempts": 4}}
        runtime = boto3.client("bedrock-runtime", config=Config(**settings))
        inference = {"maxTokens": 700}
        runtime.converse(modelId="amazon.nova-lite-v1:0", messages=[], inferenceConfig=inference)
    """)
    site = site_at(result, 6)
    assert (site.timeout.value, site.retries.value, site.max_tokens.value) == (45, 3, 700)
    assert result.diagnostics == []


def test_indirect_cap_feeds_the_estimate(tmp_path):
    result = check(tmp_path, """
        from openai import OpenAI
        def ask(messages):
            params = {"model": "gpt-4o-mini", "messages": messages, "timeout": 20}
            params["max_completion_tokens"] = 321
            return OpenAI().chat.completions.create(**params)
    """, estimates=True)
    [estimate] = result.estimates.values()
    # the cap bounds the range (the estimate itself prices the expected output, issue 14)
    assert estimate.range.basis == "output-cap" and "output: up to 321 tokens (the call's cap)" in estimate.notes


def test_self_referencing_and_long_chains_end(tmp_path):
    chain = "\n".join(f"    d{i} = {{**d{i - 1}, 'k{i}': {i}}}" for i in range(1, 80))
    result = check(tmp_path, f"""
import litellm
def loop(messages):
    a = {{"model": "gpt-4o-mini"}}
    a = {{**a, "messages": messages, "max_tokens": 9}}
    return litellm.completion(**a)
def helper():
    return helper()
def recursive(messages):
    return litellm.completion(model="gpt-4o-mini", messages=messages, **helper())
def chained(messages):
    d0 = {{"model": "gpt-4o-mini", "messages": messages}}
{chain}
    return litellm.completion(**d79)
""")
    assert site_at(result, 5).max_tokens.value == 9
    assert site_at(result, 9).max_tokens.source == "unresolved"
    assert site_at(result, 91).max_tokens.source == "unresolved"  # too long a chain to follow: unknown


def test_arguments_a_helper_is_called_with_reach_its_dict(tmp_path):
    result = check(tmp_path, """
        import anthropic
        class Chat:
            def __init__(self):
                self.client = anthropic.Anthropic(timeout=60)
            def _kwargs(self, messages, stream=False, cap=100):
                return {"model": "claude-sonnet-4-5", "messages": messages, "stream": stream, "max_tokens": cap}
            def plain(self, m):
                return self.client.messages.create(**self._kwargs(m))
            def streamed(self, m):
                return self.client.messages.create(**self._kwargs(m, stream=True))
            def capped(self, m):
                return self.client.messages.create(**self._kwargs(m, False, 222))
    """)
    assert (site_at(result, 8).stream, site_at(result, 8).max_tokens.value) == (False, 100)
    assert site_at(result, 10).stream is True
    assert site_at(result, 12).max_tokens.value == 222


def test_keys_set_on_an_instance_dict_in_any_method(tmp_path):
    result = check(tmp_path, """
        import ollama
        class Translator:
            def __init__(self):
                self.client = ollama.Client(timeout=30)
                self.options = {"temperature": 0}
            def prepare(self, text):
                self.options["num_predict"] = len(text) * 5
            def translate(self, text):
                return self.client.chat("llama3.1", messages=[text], options=self.options)
    """)
    cap = site_at(result, 9).max_tokens
    assert (cap.expr, cap.source) == ("len(text) * 5", "unresolved")  # stated, by a run-time expression
    assert result.diagnostics == []


def test_many_updates_and_sites_stay_linear(tmp_path):
    # every method adds a key to the instance dict and makes a request with it: read once per class,
    # and a mapping bigger than any request's settings is not read further (unknown, not absent)
    methods = "".join(f"""
    def m{i}(self, p):
        self.params["k{i}"] = {i}
        return self.client.chat.completions.create(model="gpt-4o", messages=[p], **self.params)
""" for i in range(1000))
    source = 'from openai import OpenAI\nclass Big:\n    def __init__(self):\n        self.client = OpenAI()\n' \
             '        self.params = {"temperature": 0}\n' + methods
    started = time.perf_counter()
    result = check(tmp_path, source)
    assert time.perf_counter() - started < 30  # reading self.params at each site anew took minutes
    assert len(result.call_sites) == 1000
    assert {s.max_tokens.source for s in result.call_sites} == {"unresolved"}


def test_instance_dict_set_in_a_base_class(tmp_path):
    result = check(tmp_path, """
        from openai import OpenAI
        class Base:
            def __init__(self):
                self.client = OpenAI()
                self.options = {"temperature": 0}
        class Middle(Base):
            pass
        class Zhipu(Middle):
            def translate(self, text):
                return self.client.chat.completions.create(model="glm-4", messages=[text], **self.options)
        class Tuned(Base):
            def __init__(self, options):
                super().__init__()
                self.options = options
            def translate(self, text):
                return self.client.chat.completions.create(model="glm-4", messages=[text], **self.options)
    """)
    assert site_at(result, 10).max_tokens.source == "absent" and codes_at(result, 10) == {"LLM001", "LLM004"}
    assert site_at(result, 16).max_tokens.source == "unresolved" and codes_at(result, 16) == set()
