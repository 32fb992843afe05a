"""Common real-code patterns probed on small made-up projects (issue 12): the model a careful reader
says each request sends under the project's defaults, and no LLM001 where the timeout is set where the
SDK reads it. Strict xfails are patterns llmsight does not follow yet; the reason says what it reports."""
from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from llmsight import api


def scan(tmp_path: Path, files: dict[str, str], select=("NONE",)):
    (tmp_path / "pyproject.toml").write_text("[project]\nname='x'\n")
    for rel, text in files.items():
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(textwrap.dedent(text), encoding="utf-8")
    return api.check([tmp_path], select=list(select), use_cache=False, with_estimates=False)


def site_at(result, path: str, line: int):
    sites = [s for s in result.call_sites if s.span.path == path and s.span.start_line == line]
    assert len(sites) == 1, [(s.span.path, s.span.start_line) for s in result.call_sites]
    return sites[0]


def models_at(result, path: str, line: int) -> set[str]:
    return {c.value for c in site_at(result, path, line).model.candidates}


def codes_at(result, path: str, line: int) -> set[str]:
    return {d.code for d in result.diagnostics if d.span.path == path and d.span.start_line == line}


def test_model_constant_from_a_star_import(tmp_path):
    result = scan(tmp_path, {
        "app/__init__.py": "",
        "app/constants.py": 'DEFAULT_MODEL = "gpt-4o-mini"\n',
        "app/chat.py": """
            from openai import OpenAI
            from .constants import *
            def ask(q):
                return OpenAI().chat.completions.create(model=DEFAULT_MODEL, messages=[q])
            """})
    assert models_at(result, "app/chat.py", 5) == {"gpt-4o-mini"}


def test_nested_pydantic_settings_made_by_default_factory(tmp_path):
    result = scan(tmp_path, {"app/llm.py": """
        from openai import OpenAI
        from pydantic import BaseModel, Field
        from pydantic_settings import BaseSettings
        class LLMSettings(BaseModel):
            model: str = "gpt-4o"
        class Settings(BaseSettings):
            llm: LLMSettings = Field(default_factory=LLMSettings)
        settings = Settings()
        def ask(q):
            return OpenAI().chat.completions.create(model=settings.llm.model, messages=[q])
        """})
    assert models_at(result, "app/llm.py", 11) == {"gpt-4o"}


def test_nested_dataclass_made_by_default_factory(tmp_path):
    result = scan(tmp_path, {"app/llm.py": """
        from dataclasses import dataclass, field
        from openai import OpenAI
        @dataclass
        class ModelConfig:
            model: str = "gpt-4.1"
        @dataclass
        class AppConfig:
            llm: ModelConfig = field(default_factory=ModelConfig)
        config = AppConfig()
        def ask(q):
            return OpenAI().chat.completions.create(model=config.llm.model, messages=[q])
        """})
    assert models_at(result, "app/llm.py", 12) == {"gpt-4.1"}


def test_nested_pydantic_settings_with_an_instance_default(tmp_path):
    result = scan(tmp_path, {"app/llm.py": """
        from openai import OpenAI
        from pydantic import BaseModel
        from pydantic_settings import BaseSettings
        class LLMSettings(BaseModel):
            model: str = "gpt-4o"
        class Settings(BaseSettings):
            llm: LLMSettings = LLMSettings()
        settings = Settings()
        def ask(q):
            return OpenAI().chat.completions.create(model=settings.llm.model, messages=[q])
        """})
    assert models_at(result, "app/llm.py", 11) == {"gpt-4o"}


def test_settings_field_with_validation_alias_reads_the_env_example(tmp_path):
    result = scan(tmp_path, {
        ".env.example": "OPENAI_MODEL=gpt-4.1-mini\n",
        "app/llm.py": """
            from openai import OpenAI
            from pydantic import Field
            from pydantic_settings import BaseSettings
            class Settings(BaseSettings):
                chat_model: str = Field("gpt-4o-mini", validation_alias="OPENAI_MODEL")
            settings = Settings()
            def ask(q):
                return OpenAI().chat.completions.create(model=settings.chat_model, messages=[q])
            """})
    assert models_at(result, "app/llm.py", 9) == {"gpt-4o-mini", "gpt-4.1-mini"}


def test_settings_fields_read_the_variables_their_aliases_name(tmp_path):
    """`AliasChoices` reads any of its names; an alias replaces the field's own name and its prefix."""
    result = scan(tmp_path, {
        ".env.example": "LLM_MODEL=o4-mini\nAPP_SUMMARY_MODEL=gpt-4.1\n",
        "app/llm.py": """
            from openai import OpenAI
            from pydantic import AliasChoices, Field
            from pydantic_settings import BaseSettings, SettingsConfigDict
            class Settings(BaseSettings):
                model_config = SettingsConfigDict(env_prefix="APP_")
                chat_model: str = Field(default="gpt-4o", validation_alias=AliasChoices("CHAT_MODEL", "LLM_MODEL"))
                summary_model: str = Field("gpt-4o-mini", alias="SUMMARIZER")
            settings = Settings()
            def ask(q):
                OpenAI().chat.completions.create(model=settings.chat_model, messages=[q])
                OpenAI().chat.completions.create(model=settings.summary_model, messages=[q])
            """})
    assert models_at(result, "app/llm.py", 11) == {"gpt-4o", "o4-mini"}
    assert models_at(result, "app/llm.py", 12) == {"gpt-4o-mini"}


def test_settings_field_with_env_prefix_reads_the_env_example(tmp_path):
    result = scan(tmp_path, {
        ".env.example": "APP_CHAT_MODEL=gpt-4.1\n",
        "app/llm.py": """
            from openai import OpenAI
            from pydantic_settings import BaseSettings, SettingsConfigDict
            class Settings(BaseSettings):
                model_config = SettingsConfigDict(env_prefix="APP_")
                chat_model: str = "gpt-4o-mini"
            settings = Settings()
            def ask(q):
                return OpenAI().chat.completions.create(model=settings.chat_model, messages=[q])
            """})
    assert models_at(result, "app/llm.py", 9) == {"gpt-4o-mini", "gpt-4.1"}


def test_env_default_set_by_a_setdefault_statement(tmp_path):
    result = scan(tmp_path, {"app/llm.py": """
        import os
        from openai import OpenAI
        os.environ.setdefault("SUMMARY_MODEL", "gpt-4.1-nano")
        def ask(q):
            return OpenAI().chat.completions.create(model=os.environ["SUMMARY_MODEL"], messages=[q])
        """})
    assert models_at(result, "app/llm.py", 6) == {"gpt-4.1-nano"}


def test_router_deployment_timeout_counts_as_set(tmp_path):
    result = scan(tmp_path, {"app/llm.py": """
        from litellm import Router
        router = Router(model_list=[
            {"model_name": "default", "litellm_params": {"model": "gpt-4o-mini", "timeout": 30}},
        ])
        def ask(q):
            return router.completion(model="default", messages=[q], max_tokens=50)
        """}, select=["LLM001"])
    assert models_at(result, "app/llm.py", 7) == {"gpt-4o-mini"}
    assert "LLM001" not in codes_at(result, "app/llm.py", 7)


def test_module_client_timeout_set_on_the_openai_module(tmp_path):
    result = scan(tmp_path, {"app/llm.py": """
        import openai
        openai.timeout = 30
        def ask(q):
            return openai.chat.completions.create(model="gpt-4o-mini", messages=[q], max_tokens=5)
        """}, select=["LLM001"])
    assert "LLM001" not in codes_at(result, "app/llm.py", 5)


def test_request_in_a_helper_fanned_out_by_gather_over_a_comprehension(tmp_path):
    result = scan(tmp_path, {"app/llm.py": """
        import asyncio
        from openai import AsyncOpenAI
        client = AsyncOpenAI()
        async def one(q):
            return await client.chat.completions.create(model="gpt-4o-mini", messages=[q])
        async def many(batches):
            out = []
            for batch in batches:
                out += await asyncio.gather(*[one(q) for q in batch])
            return out
        """}, select=["LLM006"])
    assert site_at(result, "app/llm.py", 6).in_loop
    assert "LLM006" in codes_at(result, "app/llm.py", 6)


def test_helpers_run_per_item_by_their_callers(tmp_path):
    """A generator under gather, a method called in a comprehension two calls up, a function a thread pool
    maps: one request per item. Not: a retry loop, an agent loop that feeds each reply back, batches."""
    result = scan(tmp_path, {"app/llm.py": """
        import asyncio
        from concurrent.futures import ThreadPoolExecutor
        from itertools import batched
        from openai import AsyncOpenAI, OpenAI
        aclient, client = AsyncOpenAI(), OpenAI()
        async def classify(text):
            return await aclient.chat.completions.create(model="gpt-4o-mini", messages=[text])
        async def classify_all(texts):
            return await asyncio.gather(*(classify(t) for t in texts))
        class Labeler:
            def _ask(self, q):
                return client.chat.completions.create(model="gpt-4.1", messages=[q])
            def label(self, row):
                return self._ask(row["text"])
            def label_all(self, rows):
                return [self.label(r) for r in rows]
        def tag(t):
            return client.chat.completions.create(model="gpt-4o", messages=[t])
        def tag_all(items):
            with ThreadPoolExecutor(8) as pool:
                return list(pool.map(tag, items))
        def reply(messages):
            return client.chat.completions.create(model="o4-mini", messages=messages)
        def agent(messages):
            for step in range(8):
                messages.append(reply(messages))
        def ask_with_retries(q):
            for attempt in range(3):
                try:
                    return client.chat.completions.create(model="gpt-4o-mini", messages=[q])
                except Exception:
                    continue
        def embed(chunk):
            return client.embeddings.create(model="text-embedding-3-small", input=list(chunk))
        def embed_all(texts):
            return [embed(chunk) for chunk in batched(texts, 64)]
        """}, select=["LLM006"])
    for line in (8, 13, 19):
        assert site_at(result, "app/llm.py", line).in_loop
        assert "LLM006" in codes_at(result, "app/llm.py", line), line
    assert "at once" in next(d.message for d in result.diagnostics if d.span.start_line == 19)
    for line in (24, 31, 35):
        assert "LLM006" not in codes_at(result, "app/llm.py", line), line


def test_fan_out_bounded_by_a_semaphore_is_not_told_to_bound_it(tmp_path):
    result = scan(tmp_path, {"app/llm.py": """
        import asyncio
        from openai import AsyncOpenAI
        client = AsyncOpenAI()
        limit = asyncio.Semaphore(8)
        async def one(q):
            async with limit:
                return await client.chat.completions.create(model="gpt-4o-mini", messages=[q])
        async def many(qs):
            return await asyncio.gather(*[one(q) for q in qs])
        """}, select=["LLM006"])
    [finding] = [d for d in result.diagnostics if d.code == "LLM006"]
    assert "as many at once as `limit` allows" in finding.message and "semaphore" not in finding.message


def test_gather_over_a_comprehension_of_requests(tmp_path):
    result = scan(tmp_path, {"app/llm.py": """
        import asyncio
        from openai import AsyncOpenAI
        client = AsyncOpenAI()
        async def many(qs):
            return await asyncio.gather(*[client.chat.completions.create(model="gpt-4o-mini", messages=[q]) for q in qs])
        """}, select=["LLM006"])
    assert site_at(result, "app/llm.py", 6).is_async
    assert "LLM006" in codes_at(result, "app/llm.py", 6)


def test_model_default_of_a_click_option_threaded_through_two_functions(tmp_path):
    result = scan(tmp_path, {"app/cli.py": """
        import click
        from openai import OpenAI
        def call_model(client, prompt, model):
            return client.chat.completions.create(model=model, messages=[prompt])
        def run(prompt, model):
            return call_model(OpenAI(), prompt, model)
        @click.command()
        @click.option("--model", default="gpt-4.1-nano", show_default=True)
        @click.argument("prompt")
        def main(prompt, model):
            run(prompt, model)
        """})
    assert models_at(result, "app/cli.py", 5) == {"gpt-4.1-nano"}


def test_alias_key_from_argparse_default_indexes_an_alias_table(tmp_path):
    result = scan(tmp_path, {"app/cli.py": """
        import argparse
        from openai import OpenAI
        ALIASES = {"mini": "gpt-4o-mini", "big": "gpt-4.1"}
        def summarize(client, text, model):
            return client.chat.completions.create(model=ALIASES[model], messages=[text])
        def main():
            ap = argparse.ArgumentParser()
            ap.add_argument("--model", choices=sorted(ALIASES), default="mini")
            summarize(OpenAI(), "a", ap.parse_args().model)
        """})
    assert models_at(result, "app/cli.py", 6) == {"gpt-4o-mini"}


def test_enum_member_value_and_dict_get_with_default(tmp_path):
    result = scan(tmp_path, {"app/llm.py": """
        from enum import Enum
        from openai import OpenAI
        class Model(str, Enum):
            GPT4O = "gpt-4o"
        MODELS = {"fast": "gpt-4o-mini", "smart": "gpt-4.1"}
        DEFAULT = "gpt-4o-mini"
        client = OpenAI()
        def ask(q):
            return client.chat.completions.create(model=Model.GPT4O.value, messages=[q])
        def ask_named(q, name="fast"):
            return client.chat.completions.create(model=MODELS.get(name, DEFAULT), messages=[q])
        """})
    assert models_at(result, "app/llm.py", 10) == {"gpt-4o"}
    assert models_at(result, "app/llm.py", 12) == {"gpt-4o-mini"}


def test_provider_class_loaded_by_dotted_path_keeps_its_model_default(tmp_path):
    result = scan(tmp_path, {
        "app/__init__.py": "",
        "app/registry.py": """
            import importlib
            PROVIDERS = {"openai": "app.providers.OpenAIProvider"}
            def load(name, **kw):
                module_name, cls_name = PROVIDERS[name].rsplit(".", 1)
                return getattr(importlib.import_module(module_name), cls_name)(**kw)
            """,
        "app/providers.py": """
            from openai import OpenAI
            class OpenAIProvider:
                def __init__(self, model="gpt-4o-mini"):
                    self.model = model
                    self.client = OpenAI()
                def ask(self, q):
                    return self.client.chat.completions.create(model=self.model, messages=[q])
            """})
    assert models_at(result, "app/providers.py", 8) == {"gpt-4o-mini"}


def test_lcel_chain_built_in_init_from_a_provider_table(tmp_path):
    result = scan(tmp_path, {"app/chain.py": """
        from langchain_openai import ChatOpenAI
        from langchain_anthropic import ChatAnthropic
        from langchain_core.prompts import ChatPromptTemplate
        from langchain_core.output_parsers import StrOutputParser
        PROVIDERS = {"openai": ChatOpenAI, "anthropic": ChatAnthropic}
        DEFAULT_MODELS = {"openai": "gpt-4o-mini", "anthropic": "claude-3-5-haiku-latest"}
        def make_llm(provider="openai", model=None):
            return PROVIDERS[provider](model=model or DEFAULT_MODELS[provider])
        class Summarizer:
            def __init__(self, provider="openai"):
                self.chain = ChatPromptTemplate.from_template("{text}") | make_llm(provider) | StrOutputParser()
            def run(self, text):
                return self.chain.invoke({"text": text})
        """})
    assert models_at(result, "app/chain.py", 14) == {"gpt-4o-mini"}


def default_models_at(result, path: str, line: int) -> set[str]:
    return {c.value for c in site_at(result, path, line).model.candidates if c.default}


def test_default_candidate_of_a_conditional_on_a_parameter_default(tmp_path):
    result = scan(tmp_path, {"app/llm.py": """
        from openai import OpenAI
        def ask(q, fast: bool = False):
            model = "gpt-4o-mini" if fast else "gpt-4.1"
            return OpenAI().chat.completions.create(model=model, messages=[q])
        """})
    assert models_at(result, "app/llm.py", 5) == {"gpt-4o-mini", "gpt-4.1"}
    assert default_models_at(result, "app/llm.py", 5) == {"gpt-4.1"}


def test_default_candidate_of_a_match_on_a_parameter_default(tmp_path):
    result = scan(tmp_path, {"app/llm.py": """
        from openai import OpenAI
        def ask(q, provider="openai"):
            match provider:
                case "openai":
                    model = "gpt-4o-mini"
                case _:
                    model = "gpt-4.1"
            return OpenAI().chat.completions.create(model=model, messages=[q])
        """})
    assert default_models_at(result, "app/llm.py", 9) == {"gpt-4o-mini"}


def test_llamaindex_global_settings_llm_called_directly(tmp_path):
    result = scan(tmp_path, {"app/rag.py": """
        from llama_index.core import Settings
        from llama_index.llms.openai import OpenAI
        Settings.llm = OpenAI(model="gpt-4o-mini")
        def ask(q):
            return Settings.llm.complete(q)
        """})
    assert models_at(result, "app/rag.py", 6) == {"gpt-4o-mini"}


def test_llamaindex_global_settings_embed_model_and_a_later_llm(tmp_path):
    """The embedding model set on `Settings`, and a module-level read gets the LLM set last before it."""
    result = scan(tmp_path, {"app/rag.py": """
        from llama_index.core import Settings
        from llama_index.embeddings.openai import OpenAIEmbedding
        from llama_index.llms.anthropic import Anthropic
        from llama_index.llms.openai import OpenAI
        Settings.embed_model = OpenAIEmbedding(model="text-embedding-3-large")
        Settings.llm = OpenAI(model="gpt-4o-mini")
        Settings.llm = Anthropic(model="claude-3-5-haiku-latest")
        warmup = Settings.llm.complete("hi")
        def embed(text):
            return Settings.embed_model.get_text_embedding(text)
        """})
    assert models_at(result, "app/rag.py", 9) == {"claude-3-5-haiku-latest"}
    assert models_at(result, "app/rag.py", 11) == {"text-embedding-3-large"}


def test_get_with_fallback_on_a_loaded_json_config_reads_the_file(tmp_path):
    result = scan(tmp_path, {
        "config.json": '{"model": "gpt-4.1-mini", "temperature": 0}\n',
        "app/llm.py": """
            import json
            from openai import OpenAI
            with open("config.json") as fh:
                CONF = json.load(fh)
            def ask(q):
                return OpenAI().chat.completions.create(model=CONF.get("model", "gpt-4o"), messages=[q])
            """})
    assert "gpt-4.1-mini" in default_models_at(result, "app/llm.py", 7)


def test_google_generativeai_request_options_timeout_is_in_seconds(tmp_path):
    result = scan(tmp_path, {"app/llm.py": """
        import google.generativeai as genai
        model = genai.GenerativeModel("gemini-1.5-flash")
        def ask(q):
            return model.generate_content(q, request_options={"timeout": 30})
        """})
    assert site_at(result, "app/llm.py", 5).timeout.value == 30


def test_gemini_chat_request_is_not_priced_from_an_embedding_row(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[project]\nname='x'\n")
    (tmp_path / "llm.py").write_text(textwrap.dedent("""
        import google.generativeai as genai
        model = genai.GenerativeModel("gemini-1.5-flash", generation_config={"max_output_tokens": 100})
        def ask(q):
            return model.generate_content("Summarise the following text in one line.")
        """))
    result = api.check([tmp_path], select=["NONE"], use_cache=False)
    [site] = result.call_sites
    estimate = result.estimates[site.id]
    assert estimate.output_tokens > 0 and estimate.cost_breakdown["output"] > 0


def test_get_on_a_config_dict_a_caller_passes(tmp_path):
    result = scan(tmp_path, {
        "app/__init__.py": "",
        "app/agent.py": """
            from openai import OpenAI
            class Agent:
                def __init__(self, config=None):
                    self.config = config or {}
                    self.llm_config = {"model": self.config.get("model", "gpt-4o"), "temperature": 0}
                def run(self, q):
                    return OpenAI().chat.completions.create(messages=[q], **self.llm_config)
            """,
        "app/main.py": """
            from .agent import Agent
            def main():
                Agent(config={"model": "gpt-4.1-mini"}).run("z")
            """})
    assert "gpt-4.1-mini" in models_at(result, "app/agent.py", 8)


def test_request_per_row_of_a_pandas_apply(tmp_path):
    result = scan(tmp_path, {"app/enrich.py": """
        from openai import OpenAI
        client = OpenAI()
        def enrich(df):
            df["summary"] = df["text"].apply(lambda t: client.chat.completions.create(model="gpt-4o-mini", messages=[t]))
            return df
        """}, select=["LLM006"])
    assert "LLM006" in codes_at(result, "app/enrich.py", 5)


def test_requests_per_row_of_other_mappers(tmp_path):
    """`.map(lambda …)`, tqdm's `.progress_apply(helper)`, a bound method handed to `.apply`, builtin `map`."""
    result = scan(tmp_path, {"app/enrich.py": """
        from langchain_openai import OpenAIEmbeddings
        from openai import OpenAI
        client = OpenAI()
        embeddings = OpenAIEmbeddings(model="text-embedding-3-small")
        def summarize(text):
            return client.chat.completions.create(model="gpt-4o-mini", messages=[text])
        def enrich(df):
            df["title"] = df["text"].map(lambda t: client.chat.completions.create(model="gpt-4.1", messages=[t]))
            df["summary"] = df["text"].progress_apply(summarize)
            df["vector"] = df["text"].apply(embeddings.embed_query)
            return list(map(lambda t: client.chat.completions.create(model="o4-mini", messages=[t]), df["text"]))
        """}, select=["LLM006"])
    for line in (7, 9, 11, 12):
        assert "LLM006" in codes_at(result, "app/enrich.py", line), line


def notebook(cells: list[str]) -> str:
    import json
    return json.dumps({"cells": [{"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
                                  "source": textwrap.dedent(c).strip("\n")} for c in cells],
                       "metadata": {"kernelspec": {"name": "python3", "language": "python"}},
                       "nbformat": 4, "nbformat_minor": 5})


def test_notebook_helper_called_with_another_model_in_a_later_cell(tmp_path):
    result = scan(tmp_path, {"demo.ipynb": notebook([
        """
        from openai import OpenAI
        client = OpenAI()
        def get_completion(prompt, model="gpt-4o-mini"):
            return client.chat.completions.create(model=model, messages=[{"role": "user", "content": prompt}])
        """,
        'print(get_completion("hi"))',
        'print(get_completion("hi", model="gpt-4o"))',
    ])})
    [site] = result.call_sites
    assert {c.value for c in site.model.candidates} == {"gpt-4o-mini", "gpt-4o"}


def test_legacy_completion_engine_names_the_model(tmp_path):
    result = scan(tmp_path, {"app/legacy.py": """
        import openai
        def ask(q):
            return openai.Completion.create(engine="text-davinci-003", prompt=q, max_tokens=5)
        """})
    assert models_at(result, "app/legacy.py", 4) == {"text-davinci-003"}


@pytest.mark.parametrize("keyword", ["engine", "deployment_id"])
def test_legacy_azure_chat_completion_names_its_deployment(tmp_path, keyword):
    result = scan(tmp_path, {"app/legacy.py": f"""
        import openai
        openai.api_type = "azure"
        def ask(q):
            return openai.ChatCompletion.create({keyword}="gpt-35-turbo", messages=[q])
        """})
    assert models_at(result, "app/legacy.py", 5) == {"gpt-35-turbo"}


def test_async_client_opened_by_async_with(tmp_path):
    result = scan(tmp_path, {"app/llm.py": """
        from openai import AsyncOpenAI
        async def ask(q):
            async with AsyncOpenAI(timeout=60) as client:
                return await client.chat.completions.create(model="gpt-4o-mini", messages=[q], max_tokens=100)
        """}, select=["LLM001", "LLM004"])
    site = site_at(result, "app/llm.py", 5)
    assert site.is_async and site.timeout.value == 60
    assert models_at(result, "app/llm.py", 5) == {"gpt-4o-mini"}
    assert codes_at(result, "app/llm.py", 5) == set()


def test_config_field_defaulting_to_an_env_var_through_a_lambda_factory(tmp_path):
    result = scan(tmp_path, {"app/llm.py": """
        import os
        from dataclasses import dataclass, field
        from openai import OpenAI
        @dataclass
        class LLMConfig:
            model: str = field(default_factory=lambda: os.getenv("CHAT_MODEL", "gpt-4o"))
        cfg = LLMConfig()
        def ask(q):
            return OpenAI().chat.completions.create(model=cfg.model, messages=[q])
        """})
    assert models_at(result, "app/llm.py", 10) == {"gpt-4o"}


def test_init_chat_model_with_a_provider_prefix_is_priced(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[project]\nname='x'\n")
    (tmp_path / "chat.py").write_text(textwrap.dedent("""
        from langchain.chat_models import init_chat_model
        llm = init_chat_model("openai:gpt-4o-mini", timeout=30, max_tokens=300)
        def ask(q):
            return llm.invoke(q)
        """))
    result = api.check([tmp_path], select=["LLM001", "LLM004"], use_cache=False)
    [site] = result.call_sites
    assert site.sdk == "langchain" and not result.diagnostics
    assert result.estimates[site.id].cost_per_call.value > 0


def test_client_from_an_lru_cached_getter_keeps_its_timeout(tmp_path):
    result = scan(tmp_path, {"app/llm.py": """
        import functools
        from openai import OpenAI
        MODEL = "gpt-4o-mini"
        @functools.lru_cache(maxsize=1)
        def get_client() -> OpenAI:
            return OpenAI(timeout=60)
        def ask(q):
            return get_client().chat.completions.create(model=MODEL, messages=[q], max_tokens=100)
        """}, select=["LLM001"])
    assert site_at(result, "app/llm.py", 9).timeout.value == 60
    assert models_at(result, "app/llm.py", 9) == {"gpt-4o-mini"}
    assert codes_at(result, "app/llm.py", 9) == set()


def test_timeout_none_on_the_client_is_no_timeout(tmp_path):
    result = scan(tmp_path, {"app/llm.py": """
        from openai import OpenAI
        client = OpenAI(timeout=None)
        def ask(q):
            return client.chat.completions.create(model="gpt-4o-mini", messages=[q], max_tokens=5)
        """}, select=["LLM001"])
    assert "LLM001" in codes_at(result, "app/llm.py", 5)
    assert any("timeout=None disables the timeout" in d.message for d in result.diagnostics)


def test_env_var_assigned_in_an_earlier_notebook_cell(tmp_path):
    result = scan(tmp_path, {"demo.ipynb": notebook([
        'import os\nos.environ["CHAT_MODEL"] = "gpt-4o"',
        "from openai import OpenAI\nclient = OpenAI()",
        'r = client.chat.completions.create(model=os.environ["CHAT_MODEL"], messages=[])',
    ])})
    [site] = result.call_sites
    assert {c.value for c in site.model.candidates} == {"gpt-4o"}


def test_env_var_set_by_an_env_magic(tmp_path):
    result = scan(tmp_path, {"demo.ipynb": notebook([
        "%env LLM_MODEL=gpt-4.1-mini",
        "import os\nfrom openai import OpenAI\nclient = OpenAI()",
        'r = client.chat.completions.create(model=os.getenv("LLM_MODEL"), messages=[])',
    ])})
    [site] = result.call_sites
    assert {c.value for c in site.model.candidates} == {"gpt-4.1-mini"}


def test_env_var_assigned_at_module_level_is_read_later_in_the_module(tmp_path):
    """A function reads what the module set when it was imported; a read at module level only what was set
    before it."""
    result = scan(tmp_path, {"app/llm.py": """
        from os import environ
        import os
        from openai import OpenAI
        early = OpenAI().chat.completions.create(model=os.getenv("APP_MODEL", "gpt-4o-mini"), messages=[])
        environ["APP_MODEL"] = "gpt-4.1"
        def ask(q):
            return OpenAI().chat.completions.create(model=os.getenv("APP_MODEL"), messages=[q])
        """})
    assert models_at(result, "app/llm.py", 5) == {"gpt-4o-mini"}
    assert models_at(result, "app/llm.py", 8) == {"gpt-4.1"}


def estimate_at(tmp_path: Path, source: str):
    (tmp_path / "pyproject.toml").write_text("[project]\nname='x'\n")
    (tmp_path / "llm.py").write_text(textwrap.dedent(source))
    result = api.check([tmp_path], select=["NONE"], use_cache=False)
    [site] = result.call_sites
    return result.estimates[site.id]


def test_anthropic_vertex_model_is_priced_from_vertex_rows(tmp_path):
    estimate = estimate_at(tmp_path, """
        from anthropic import AnthropicVertex
        client = AnthropicVertex(region="us-east5", project_id="p")
        def ask(q):
            return client.messages.create(model="claude-sonnet-4-5@20250929", max_tokens=10, messages=[q])
        """)
    assert estimate.cost_per_call.value


@pytest.mark.parametrize("source", [
    """
    from anthropic import AsyncAnthropicVertex
    client = AsyncAnthropicVertex(region="europe-west1", project_id="p")
    async def ask(q):
        return await client.messages.create(model="claude-3-5-haiku@20241022", max_tokens=10, messages=[q])
    """,
    """
    import anthropic
    MODEL = "anthropic.claude-3-5-sonnet-20241022-v2:0"
    client = anthropic.AnthropicBedrock(aws_region="us-west-2")
    def ask(q):
        return client.messages.create(model=MODEL, max_tokens=10, messages=[q])
    """], ids=["async-vertex", "bedrock-constant"])
def test_anthropic_cloud_clients_are_priced_from_their_cloud_rows(tmp_path, source):
    assert estimate_at(tmp_path, source).cost_per_call.value


def test_cohere_rerank_is_priced_per_search(tmp_path):
    estimate = estimate_at(tmp_path, """
        import cohere
        co = cohere.ClientV2()
        def rank(q, docs):
            return co.rerank(model="rerank-v3.5", query=q, documents=docs)
        """)
    assert estimate.cost_per_call.value


def test_click_option_envvar_reads_the_env_example(tmp_path):
    result = scan(tmp_path, {
        ".env.example": "MODEL=gpt-4.1\n",
        "app/cli.py": """
            import click
            from openai import OpenAI
            @click.command()
            @click.option("--model", envvar="MODEL", default="gpt-4o-mini")
            def main(model):
                OpenAI().chat.completions.create(model=model, messages=[])
            """})
    assert models_at(result, "app/cli.py", 7) == {"gpt-4o-mini", "gpt-4.1"}


def test_typer_option_envvar_reads_the_env_example(tmp_path):
    """typer's `envvar=` in an `Annotated` option or an `Option(...)` default, one name or a list."""
    result = scan(tmp_path, {
        ".env.example": "LLM_MODEL=o4-mini\n",
        "app/cli.py": """
            from typing import Annotated
            import typer
            from openai import OpenAI
            app = typer.Typer()
            @app.command()
            def chat(model: Annotated[str, typer.Option(envvar="LLM_MODEL")] = "gpt-4o-mini"):
                OpenAI().chat.completions.create(model=model, messages=[])
            @app.command()
            def summarize(model: str = typer.Option("gpt-4.1", envvar=["SUMMARY_MODEL", "LLM_MODEL"])):
                OpenAI().chat.completions.create(model=model, messages=[])
            """})
    assert models_at(result, "app/cli.py", 8) == {"gpt-4o-mini", "o4-mini"}
    assert models_at(result, "app/cli.py", 11) == {"gpt-4.1", "o4-mini"}


def test_argparse_default_for_the_output_cap(tmp_path):
    result = scan(tmp_path, {"app/cli.py": """
        import argparse
        from openai import OpenAI
        def main():
            p = argparse.ArgumentParser()
            p.add_argument("--model", default="gpt-4o-mini")
            p.add_argument("--max-tokens", type=int, default=256)
            a = p.parse_args()
            OpenAI().chat.completions.create(model=a.model, messages=[], max_tokens=a.max_tokens)
        """})
    site = site_at(result, "app/cli.py", 9)
    assert {c.value for c in site.model.candidates} == {"gpt-4o-mini"}
    assert site.max_tokens.value == 256


def test_cli_option_defaults_for_numeric_settings(tmp_path):
    """The same through `vars(args)`, a click command's parameter and a typer option; a timeout too."""
    result = scan(tmp_path, {"app/cli.py": """
        import argparse
        import click
        import typer
        from openai import OpenAI
        def main():
            parser = argparse.ArgumentParser()
            parser.add_argument("--max_tokens", type=int, default=300)
            parser.add_argument("--request-timeout", dest="timeout", type=float, default=45.0)
            opts = vars(parser.parse_args())
            OpenAI().chat.completions.create(model="gpt-4o", messages=[], max_tokens=opts["max_tokens"], timeout=opts["timeout"])
        @click.command()
        @click.option("--max-tokens", type=int, default=512)
        def chat(max_tokens):
            OpenAI().chat.completions.create(model="gpt-4o", messages=[], max_tokens=max_tokens)
        def summarize(max_tokens: int = typer.Option(128, "--max-tokens")):
            OpenAI().chat.completions.create(model="gpt-4o", messages=[], max_tokens=max_tokens)
        """})
    assert site_at(result, "app/cli.py", 11).max_tokens.value == 300
    assert site_at(result, "app/cli.py", 11).timeout.value == 45.0
    assert site_at(result, "app/cli.py", 15).max_tokens.value == 512
    assert site_at(result, "app/cli.py", 17).max_tokens.value == 128


BATCHED_EMBEDDING_LOOPS = {
    "slices": """
        for i in range(0, len(texts), 100):
            vectors += client.embeddings.create(model="text-embedding-3-small", input=texts[i:i + 100]).data
        """,
    "itertools.batched": """
        for chunk in batched(texts, 64):
            vectors += client.embeddings.create(model="text-embedding-3-small", input=list(chunk)).data
        """,
}


@pytest.mark.parametrize("loop", BATCHED_EMBEDDING_LOOPS.values(), ids=BATCHED_EMBEDDING_LOOPS.keys())
def test_embeddings_already_batched_are_not_one_per_item(tmp_path, loop):
    body = textwrap.indent(textwrap.dedent(loop).strip("\n"), "    ")
    result = scan(tmp_path, {"app/embed.py": "from itertools import batched\nfrom openai import OpenAI\n"
                             "client = OpenAI()\ndef embed_all(texts):\n    vectors = []\n" + body + "\n    return vectors\n"},
                  select=["LLM006"])
    assert "LLM006" not in codes_at(result, "app/embed.py", 7)


def test_refinement_loop_feeding_the_last_reply_back(tmp_path):
    result = scan(tmp_path, {"app/refine.py": """
        from openai import OpenAI
        client = OpenAI()
        def refine(draft):
            for _ in range(3):
                draft = client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": draft}]).choices[0].message.content
            return draft
        """}, select=["LLM006"])
    assert "LLM006" not in codes_at(result, "app/refine.py", 6)


def test_output_cap_assigned_to_a_config_object_attribute(tmp_path):
    result = scan(tmp_path, {"app/gen.py": """
        from google import genai
        from google.genai import types
        client = genai.Client()
        def ask(q, system):
            cfg = types.GenerateContentConfig(system_instruction=system)
            cfg.max_output_tokens = 100
            return client.models.generate_content(model="gemini-2.0-flash", contents=q, config=cfg)
        """}, select=["LLM004"])
    assert "LLM004" not in codes_at(result, "app/gen.py", 8)


def test_config_instances_reach_only_the_objects_they_are_passed_to(tmp_path):
    result = scan(tmp_path, {
        "app/__init__.py": "",
        "app/agent.py": """
            from pydantic import BaseModel
            from openai import OpenAI
            class AgentSpec(BaseModel):
                name: str
                model: str
            class Runner:
                def __init__(self, spec: AgentSpec):
                    self.spec = spec
                def run(self, q):
                    return OpenAI().chat.completions.create(model=self.spec.model, messages=[q])
            def run_spec(spec: AgentSpec, q):
                return OpenAI().chat.completions.create(model=spec.model, messages=[q])
            """,
        "app/main.py": """
            from .agent import AgentSpec, Runner, run_spec
            WRITER = AgentSpec(name="writer", model="gpt-4.1")
            CRITIC = AgentSpec(name="critic", model="gpt-4o-mini")
            def main():
                Runner(WRITER).run("x")
                Runner(CRITIC).run("y")
                run_spec(AgentSpec(name="z", model="o4-mini"), "z")
            """})
    assert models_at(result, "app/agent.py", 11) == {"gpt-4.1", "gpt-4o-mini"}
    assert models_at(result, "app/agent.py", 13) == {"o4-mini"}


def test_config_instances_imported_from_a_settings_module(tmp_path):
    """Module-level config objects another module imports and hands to a client class: each reaches only
    the objects built with it."""
    result = scan(tmp_path, {
        "app/__init__.py": "",
        "app/presets.py": """
            from dataclasses import dataclass
            @dataclass
            class ModelConfig:
                model: str = "gpt-4o-mini"
                temperature: float = 0.0
            FAST = ModelConfig()
            SMART = ModelConfig(model="gpt-4.1")
            EVAL = ModelConfig(model="o3")
            """,
        "app/llm.py": """
            from openai import OpenAI
            class Chat:
                def __init__(self, config):
                    self.config = config
                    self.client = OpenAI()
                def ask(self, q):
                    return self.client.chat.completions.create(model=self.config.model, messages=[q])
            """,
        "app/main.py": """
            from .llm import Chat
            from .presets import FAST, SMART
            def main():
                return Chat(FAST).ask("a"), Chat(SMART).ask("b")
            """})
    assert models_at(result, "app/llm.py", 8) == {"gpt-4o-mini", "gpt-4.1"}


def test_request_after_a_time_line_magic(tmp_path):
    result = scan(tmp_path, {"demo.ipynb": notebook([
        "from openai import OpenAI\nclient = OpenAI()",
        "%time r = client.chat.completions.create(model='gpt-4o-mini', messages=[])",
        "%timeit -n1 client.embeddings.create(model='text-embedding-3-small', input='x')",
    ])})
    assert {s.operation for s in result.call_sites} == {"chat", "embedding"}


def test_request_after_a_time_line_magic_keeps_its_cell_columns(tmp_path):
    """Columns count code points in the cell as written: the magic and its options come before the call."""
    result = scan(tmp_path, {"demo.ipynb": notebook([
        "from openai import OpenAI\nclient = OpenAI()",
        "if True:\n    %timeit -n 3 -r1 client.embeddings.create(model='é', input='ü')  # é",
    ])})
    [site] = result.call_sites
    assert (site.span.cell, site.span.start_line, site.span.start_col, site.span.end_col) == (1, 2, 22, 68)
