"""Agent frameworks that make the request for the code: a pydantic-ai `Agent`'s run family (the model its
`provider:name` string or model object names, priced at that provider's row), the OpenAI Agents SDK's
`Runner.run…(agent, …)` (the agent's `model=`), and a litellm `Router`'s requests, whose model set is the
deployments the alias maps to in `model_list`. Settings these frameworks take elsewhere than where the code
can see are unknown, never missing: no LLM001/LLM004 on them."""
from __future__ import annotations

import json
import textwrap
from pathlib import Path

import jsonschema
import pytest

from llmsight import api
from llmsight.analysis.catalog_names import catalog_entry
from llmsight.formats import json_
from llmsight.knowledge.catalog import Catalog
from site_lines import line_of, sites_by_line

PYDANTIC_AI = '''
from pydantic_ai import Agent
from pydantic_ai.models.openai import OpenAIModel
from pydantic_ai.settings import ModelSettings

support = Agent("openai:gpt-4o", system_prompt="Be brief.")
capped = Agent("google-gla:gemini-2.0-flash", model_settings={"timeout": 30, "max_tokens": 200})
LIMITS = ModelSettings(timeout=20, max_tokens=300)
routed = Agent(model="groq:llama-3.1-8b-instant", model_settings=LIMITS)


def answer(question):
    return support.run_sync(question)


async def answer_with(question):
    return await support.run(question, model="anthropic:claude-3-5-sonnet-latest")


async def stream(question):
    async with support.run_stream(question) as result:
        return await result.get_output()


def quick(question):
    return capped.run_sync(question)


def fast(question):
    return routed.run_sync(question)


class Helper:
    def __init__(self):
        self.agent = Agent(model=OpenAIModel("gpt-4o-mini"))

    async def walk(self, question):
        async with self.agent.iter(question) as run:
            return run


class Agentish:
    def run_sync(self, question):
        return question


def not_an_agent(question):
    return Agentish().run_sync(question)
'''

AGENTS_SDK = '''
from agents import Agent, Runner, RunConfig
from agents.extensions.models.litellm_model import LitellmModel

triage = Agent(name="triage", instructions="Route the question.", model="gpt-4o-mini")
plain = Agent(name="plain", instructions="Answer.")
claude = Agent(name="claude", instructions="Answer.", model=LitellmModel(model="anthropic/claude-3-5-sonnet-20240620"))


async def route(question):
    return await Runner.run(triage, question)


def route_sync(question):
    return Runner.run_sync(triage, question)


def route_streamed(question):
    return Runner.run_streamed(starting_agent=triage, input=question)


async def default_model(question):
    return await Runner.run(plain, question)


async def overridden(question):
    return await Runner.run(plain, question, run_config=RunConfig(model="gpt-4o"))


async def through_litellm(question):
    return await Runner.run(claude, question)
'''

ROUTER = '''
from litellm import Router

model_list = [
    {"model_name": "chat", "litellm_params": {"model": "azure/gpt-4o", "api_base": "https://x.openai.azure.com"}},
    {"model_name": "chat", "litellm_params": {"model": "gpt-4o"}},
    {"model_name": "embed", "litellm_params": {"model": "text-embedding-3-small"}},
]
router = Router(model_list=model_list)


def ask(messages):
    return router.completion(model="chat", messages=messages)


async def embed(texts):
    return await router.aembedding(model="embed", input=texts)


def unknown_alias(messages):
    return router.completion(model="not-listed", messages=messages)
'''


def _row(site) -> str | None:
    info = catalog_entry(Catalog.load(None), site, site.model.value)
    return info.name if info is not None else None


# ---- pydantic-ai -------------------------------------------------------------------------------------------
# VALID: the run family on an agent bound to a module global or a `self.` attribute
def test_pydantic_ai_runs_are_sites_with_the_agents_model():
    sites = sites_by_line(PYDANTIC_AI)
    sync = sites[line_of(PYDANTIC_AI, "return support.run_sync(")]
    assert (sync.sdk, sync.operation, sync.is_async, sync.model.value) == ("pydantic-ai", "chat", False, "openai:gpt-4o")
    assert _row(sync) == "gpt-4o"
    streamed = sites[line_of(PYDANTIC_AI, "support.run_stream(")]
    assert (streamed.stream, streamed.is_async) == (True, True)
    walked = sites[line_of(PYDANTIC_AI, "self.agent.iter(")]
    assert (walked.model.value, walked.is_async) == ("openai:gpt-4o-mini", True)
    assert _row(walked) == "gpt-4o-mini"


def test_pydantic_ai_model_passed_to_run_wins_and_its_prefix_names_the_price_row():
    sites = sites_by_line(PYDANTIC_AI)
    site = sites[line_of(PYDANTIC_AI, 'model="anthropic:claude-3-5-sonnet-latest"')]
    assert site.model.value == "anthropic:claude-3-5-sonnet-latest"
    assert _row(site) == "claude-3-5-sonnet-latest"
    assert _row(sites[line_of(PYDANTIC_AI, "return capped.run_sync(")]) == "gemini/gemini-2.0-flash"
    assert _row(sites[line_of(PYDANTIC_AI, "return routed.run_sync(")]) == "groq/llama-3.1-8b-instant"


def test_pydantic_ai_model_settings_give_timeout_and_output_cap_else_they_are_unknown():
    sites = sites_by_line(PYDANTIC_AI)
    capped = sites[line_of(PYDANTIC_AI, "return capped.run_sync(")]
    assert (capped.timeout.value, capped.max_tokens.value) == (30, 200)
    routed = sites[line_of(PYDANTIC_AI, "return routed.run_sync(")]
    assert (routed.timeout.value, routed.max_tokens.value) == (20, 300)
    bare = sites[line_of(PYDANTIC_AI, "return support.run_sync(")]
    assert (bare.timeout.source, bare.max_tokens.source, bare.retries.source) == ("unresolved",) * 3


FALLBACK = '''
from pydantic_ai import Agent
from pydantic_ai.models.anthropic import AnthropicModel
from pydantic_ai.models.fallback import FallbackModel
from pydantic_ai.models.openai import OpenAIModel
from pydantic_ai.providers.deepseek import DeepSeekProvider

either = Agent(FallbackModel(OpenAIModel("gpt-4o"), AnthropicModel("claude-3-5-haiku-latest"), "groq:llama-3.1-8b-instant"))
deep = Agent(OpenAIModel("deepseek-chat", provider=DeepSeekProvider(api_key=KEY)))


def ask(question):
    return either.run_sync(question)


def ask_deep(question):
    return deep.run_sync(question)
'''


def test_a_fallback_model_names_each_model_and_a_provider_names_the_route():
    sites = sites_by_line(FALLBACK)
    either = sites[line_of(FALLBACK, "either.run_sync(")].model
    assert [(c.value, c.default) for c in either.candidates] == [
        ("openai:gpt-4o", True), ("anthropic:claude-3-5-haiku-latest", False), ("groq:llama-3.1-8b-instant", False)]
    deep = sites[line_of(FALLBACK, "deep.run_sync(")]
    assert deep.model.value == "deepseek:deepseek-chat" and _row(deep) == "deepseek/deepseek-chat"


# INVALID: a project class with a method of the same name is no agent
def test_a_run_sync_of_a_project_class_is_not_a_site():
    sites = sites_by_line(PYDANTIC_AI)
    assert line_of(PYDANTIC_AI, "return Agentish().run_sync(") not in sites
    assert len(sites) == 6


def test_no_missing_timeout_or_output_cap_is_reported_where_the_framework_decides():
    result = api.check_source(textwrap.dedent(PYDANTIC_AI), "app.py", select=["LLM001", "LLM004"])
    assert result.call_sites and not result.diagnostics


# ---- OpenAI Agents SDK -----------------------------------------------------------------------------------------
def test_runner_calls_are_sites_with_the_agents_model():
    sites = sites_by_line(AGENTS_SDK)
    run = sites[line_of(AGENTS_SDK, "return await Runner.run(triage")]
    assert (run.sdk, run.operation, run.is_async, run.model.value) == ("openai-agents", "chat", True, "gpt-4o-mini")
    assert _row(run) == "gpt-4o-mini"
    sync = sites[line_of(AGENTS_SDK, "Runner.run_sync(triage")]
    assert (sync.is_async, sync.model.value) == (False, "gpt-4o-mini")
    streamed = sites[line_of(AGENTS_SDK, "Runner.run_streamed(")]
    assert (streamed.stream, streamed.model.value) == (True, "gpt-4o-mini")
    assert sites[line_of(AGENTS_SDK, "Runner.run(claude")].model.value == "anthropic/claude-3-5-sonnet-20240620"
    assert sites[line_of(AGENTS_SDK, "run_config=RunConfig(")].model.value == "gpt-4o"


def test_an_agent_without_a_model_is_unknown_and_says_where_the_default_comes_from():
    site = sites_by_line(AGENTS_SDK)[line_of(AGENTS_SDK, "Runner.run(plain, question)")]
    assert site.model.value is None
    assert "OPENAI_DEFAULT_MODEL" in site.model.unknown


GENERIC_AND_CLONED = '''
from dataclasses import dataclass
from agents import Agent, Runner


@dataclass
class Context:
    user: str


typed = Agent[Context](name="typed", instructions="Answer.", model="gpt-4.1-mini")
cheaper = typed.clone(model="gpt-4o-mini")


async def run_typed(question):
    return await Runner.run(typed, question, context=Context("u"))


async def run_cheaper(question):
    return await Runner.run(cheaper, question, context=Context("u"))
'''


def test_a_generic_agent_and_a_clone_with_another_model_are_followed():
    sites = sites_by_line(GENERIC_AND_CLONED)
    assert sites[line_of(GENERIC_AND_CLONED, "Runner.run(typed")].model.value == "gpt-4.1-mini"
    assert sites[line_of(GENERIC_AND_CLONED, "Runner.run(cheaper")].model.value == "gpt-4o-mini"


# ---- litellm Router ------------------------------------------------------------------------------------------
def test_router_alias_is_the_deployments_it_maps_to():
    sites = sites_by_line(ROUTER)
    chat = sites[line_of(ROUTER, 'model="chat"')]
    assert [c.value for c in chat.model.candidates] == ["azure/gpt-4o", "gpt-4o"]
    assert chat.model.value == "azure/gpt-4o" and _row(chat) == "azure/gpt-4o"
    embed = sites[line_of(ROUTER, 'model="embed"')]
    assert (embed.operation, embed.is_async, embed.model.value) == ("embedding", True, "text-embedding-3-small")


def test_router_alias_the_model_list_does_not_hold_stays_as_written():
    sites = sites_by_line(ROUTER)
    assert sites[line_of(ROUTER, 'model="not-listed"')].model.value == "not-listed"


# the schema the package ships, and the repository's `schema/` that the docs link to
SCHEMAS = [Path(__file__).resolve().parents[2] / "llmsight" / "schema" / "check.v1.json",
           Path(__file__).parents[2] / "schema" / "check.v1.json"]


@pytest.mark.parametrize("schema", SCHEMAS, ids=["package", "repository"])
def test_agent_framework_sites_validate_against_both_schema_copies(schema, tmp_path):
    (tmp_path / "pyproject.toml").write_text("[project]\nname='x'\n")
    (tmp_path / "pyd.py").write_text(textwrap.dedent(PYDANTIC_AI), encoding="utf-8")
    (tmp_path / "oa.py").write_text(textwrap.dedent(AGENTS_SDK), encoding="utf-8")
    report = json.loads(json_.render(api.check([tmp_path], use_cache=False)))
    assert {"pydantic-ai", "openai-agents"} <= {s["sdk"] for s in report["call_sites"]}
    jsonschema.validate(report, json.loads(schema.read_text(encoding="utf-8")))


def test_a_fix_switching_the_model_keeps_the_provider_prefix():
    source = textwrap.dedent('''
        from pydantic_ai import Agent
        agent = Agent("anthropic:claude-3-5-sonnet-latest")


        def answer(question):
            return agent.run_sync(question)
    ''')
    (retired,) = api.check_source(source, "app.py", select=["LLM008"]).diagnostics   # retired 2025-10-22
    written = [edit.new_text for fix in retired.fixes for edit in fix.edits]
    assert written and all(text.startswith('"anthropic:') for text in written), written
