"""Requests an agent framework or router makes for the code, read the way a reader of the code reads them.

- pydantic-ai: `Agent("openai:gpt-4o")` or `Agent(model=OpenAIModel("gpt-4o"))`; its `run`/`run_sync`/
  `run_stream`/`iter` are the requests (the tables are in sdks.py). A model object is named as pydantic-ai
  names it, `provider:model` (`openai:gpt-4o-mini`), so the provider prefix picks the price row.
- The OpenAI Agents SDK: `Runner.run(agent, input)` sends the request of the agent it is given, with that
  agent's `model=` (a string, or an `OpenAIChatCompletionsModel`/`LitellmModel` naming one).
- litellm's `Router(model_list=[{"model_name": alias, "litellm_params": {"model": …}}])`: a request naming an
  alias is sent to one of the deployments the alias maps to, so its model set is theirs.

Discovery (discover.py) calls these where a request's client, model or defaults are decided.
"""
from __future__ import annotations

import ast
import dataclasses

from llmsight.analysis import sdks
from llmsight.analysis.evaluate import Client, Const, DictVal, ListVal, Scope
from llmsight.analysis.model_resolution import Cand, Vals
from llmsight.records import Hop

# pydantic-ai model classes -> the provider prefix pydantic-ai names their models with
_PYDANTIC_AI_MODEL_PREFIXES = {
    "OpenAIModel": "openai", "OpenAIChatModel": "openai", "OpenAIResponsesModel": "openai",
    "AnthropicModel": "anthropic", "GeminiModel": "google-gla", "GoogleModel": "google-gla", "GroqModel": "groq",
    "MistralModel": "mistral", "CohereModel": "cohere", "BedrockConverseModel": "bedrock",
    "OpenRouterModel": "openrouter"}
# a model object's `provider=` that sends it elsewhere: the provider's name (`provider="deepseek"`,
# `provider=OllamaProvider(…)`); a provider given a base URL of its own is a host llmsight cannot name
_PROVIDER_SUFFIX = "Provider"
_MODEL_OBJECTS = (sdks.PYDANTIC_AI_MODEL, sdks.OPENAI_AGENTS_MODEL)
_FALLBACK = ".FallbackModel"
# why an agent whose run names no model has none llmsight can know
_NO_MODEL = {
    "openai-agents": "the agent names no model, so the Agents SDK sends its default: the `OPENAI_DEFAULT_MODEL` "
                     "environment variable, else the installed SDK's built-in default (it changes between releases)",
    "pydantic-ai": "the agent names no model and the run passes none (pydantic-ai takes it as "
                   "`Agent(\"provider:model\")` or `run(…, model=…)`)",
}


def no_model_reason(sdk: str) -> str | None:
    """Why a framework's request names no model, where the framework says where it comes from."""
    return _NO_MODEL.get(sdk)


def run_by_runner(ev, req):
    """`Runner.run(agent, input)`: the request of the agent it is given (positional or `starting_agent=`),
    with that agent's model and settings; an agent llmsight cannot see is one with no model known."""
    node = _argument(req.keywords, ("starting_agent",), req.args)
    agent = ev.eval(node, req.scope) if node is not None else None
    if not (isinstance(agent, Client) and agent.kind is sdks.OPENAI_AGENT):
        agent = Client(sdks.OPENAI_AGENT, "agents.Agent")
    # `agent.clone(model=…)`: the last clone naming a model fixes it
    cloned = next((made for made in reversed(agent.options) if _argument(made[0].keywords, ("model",)) is not None), None)
    return dataclasses.replace(req, client=dataclasses.replace(agent, model_from=cloned) if cloned else agent)


def model_object_vals(builder, found: tuple[ast.AST, Scope]) -> Vals | None:
    """The models a framework's model object names (`OpenAIModel("gpt-4o")`, `LitellmModel(model=…)`), as the
    framework names them, when `found` (an agent's or run's `model=`) is one; else None. A pydantic-ai
    `FallbackModel(first, *others)` names each of its models, the first the default."""
    node, scope = found
    if builder.req.client.kind.sdk not in sdks.FRAMEWORK_DEFAULTS_UNKNOWN or isinstance(node, ast.Constant):
        return None
    made = builder.ev.eval(node, scope)
    if not (isinstance(made, Client) and any(made.kind is k for k in _MODEL_OBJECTS) and made.ctor is not None):
        return None
    ctor, at = made.ctor, made.ctor_scope
    if made.cls.endswith(_FALLBACK):
        parts = [model_object_vals(builder, (arg, at)) or builder.disc.resolver.resolve(arg, at) for arg in ctor.args[:8]]
        cands = tuple(c if i == 0 else dataclasses.replace(c, default=False)
                      for i, part in enumerate(parts) for c in part.cands)
        return Vals(cands=cands, why=next((p.why for p in parts if p.why), None))
    inner = _argument(ctor.keywords, (made.kind.model_param, "model"), ctor.args)
    if inner is None:
        return Vals(why=f"`{made.cls.rsplit('.', 1)[-1]}(…)` names no model")
    vals = builder.disc.resolver.resolve(inner, at, site=(builder.req.call, builder.req.scope))
    prefix = _model_prefix(builder.ev, made) if made.kind is sdks.PYDANTIC_AI_MODEL else None
    if prefix is None:
        return vals
    return dataclasses.replace(vals, cands=tuple(
        c if ":" in c.value else dataclasses.replace(c, value=f"{prefix}:{c.value}") for c in vals.cands))


def _model_prefix(ev, made: Client) -> str | None:
    """The `provider:` pydantic-ai names a model object's model with: its `provider=` when that names one
    (`"deepseek"`, `OllamaProvider(…)` without a base URL of its own), else its class's provider."""
    provider = _argument(made.ctor.keywords, ("provider",))  # type: ignore[union-attr]
    if provider is None:
        return _PYDANTIC_AI_MODEL_PREFIXES.get(made.cls.rsplit(".", 1)[-1])
    if isinstance(provider, ast.Call):
        func = provider.func
        name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        if not name.endswith(_PROVIDER_SUFFIX) or _argument(provider.keywords, ("base_url",)) is not None:
            return None
        return name[:-len(_PROVIDER_SUFFIX)].lower() or None
    named = ev.eval(provider, made.ctor_scope)
    return named.value if isinstance(named, Const) and isinstance(named.value, str) and named.value else None


def router_deployments(builder, found: tuple[ast.AST, Scope], vals: Vals) -> Vals:
    """A litellm Router request's model set: the deployments (`litellm_params.model`) of the `model_list`
    entries whose `model_name` is the alias the request names; unchanged when the list holds none of them
    or cannot be read."""
    client = builder.req.client
    if client.kind is not sdks.LITELLM_ROUTER or client.ctor is None:
        return vals
    table = _model_list(builder, client.ctor, client.ctor_scope)
    if not table:
        return vals
    named = builder.ev.eval(*found)
    aliases = [named.value] if isinstance(named, Const) and isinstance(named.value, str) else \
        [c.value for c in vals.cands]
    cands: dict[str, Cand] = {}
    for alias in aliases:
        for deployed in table.get(alias, ()):
            hop = Hop(f"model_list: {alias!r} -> {deployed.value}", deployed.origin)
            cands.setdefault(deployed.value, dataclasses.replace(deployed, reach="alias-table",
                                                                 chain=(hop,) + deployed.chain))
    return dataclasses.replace(vals, cands=tuple(cands.values()), why=None) if cands else vals


def router_deployment_setting(builder, names: tuple[str, ...], model: tuple[ast.AST, Scope] | None
                              ) -> tuple[ast.AST, Scope] | None:
    """A setting (`timeout`) that every deployment a litellm Router request can reach states in its
    `litellm_params` (those of the alias the request names, or all when the alias cannot be read): the
    largest when all are numbers, else the first; None when one of them states none or the list cannot
    be read whole."""
    client = builder.req.client
    if client.kind is not sdks.LITELLM_ROUTER or client.ctor is None:
        return None
    deployments = _deployments(builder.ev, client.ctor, client.ctor_scope)
    named = builder.ev.eval(*model) if model is not None else None
    if isinstance(named, Const) and isinstance(named.value, str) and any(a == named.value for a, _ in deployments):
        deployments = [(a, p) for a, p in deployments if a in (named.value, None)]  # an unread alias may be it
    stated = [next((p[n] for n in names if n in p), None) if p is not None else None for _, p in deployments]
    if not stated or None in stated:
        return None
    values = [builder.ev.eval(*found) for found in stated]
    if all(isinstance(v, Const) and isinstance(v.value, (int, float)) and not isinstance(v.value, bool) for v in values):
        return max(zip(stated, values), key=lambda pair: pair[1].value)[0]
    return stated[0]


def _deployments(ev, ctor: ast.Call, scope: Scope | None
                 ) -> list[tuple[str | None, dict[str, tuple[ast.AST, Scope]] | None]]:
    """(alias, litellm_params keys) of each entry of a Router's `model_list` (the first 64), None for a part
    that cannot be read; empty when the list cannot be."""
    node = _argument(ctor.keywords, ("model_list",), ctor.args)
    listed = ev.eval(node, scope) if node is not None and scope is not None else None
    if not isinstance(listed, ListVal) or not isinstance(listed.node, (ast.List, ast.Tuple)):
        return []
    out = []
    for elt in listed.node.elts[:64]:
        entry = ev.eval(elt, listed.scope)
        alias = _item(ev, entry, "model_name")
        params = _item(ev, entry, "litellm_params")
        out.append((alias.value if isinstance(alias, Const) and isinstance(alias.value, str) else None,
                    ev.dict_items(params) if isinstance(params, DictVal) else None))
    return out


def _model_list(builder, ctor: ast.Call, scope: Scope | None) -> dict[str, list[Cand]]:
    """alias -> the models of its deployments, in list order, for a Router's `model_list` (the first 64
    entries) that the evaluator can read."""
    table: dict[str, list[Cand]] = {}
    for alias, params in _deployments(builder.ev, ctor, scope):
        if alias is not None and params is not None and "model" in params:
            table.setdefault(alias, []).extend(builder.disc.resolver.resolve(*params["model"]).cands)
    return table


def _item(ev, d, key: str):
    item = ev.dict_item(d, key) if isinstance(d, DictVal) else None
    return ev.eval(*item) if item is not None else None


def _argument(keywords: list[ast.keyword], names: tuple[str | None, ...], args: list[ast.expr] | None = None
              ) -> ast.AST | None:
    """What a call passes under one of `names`, else (when `args` are given) its first positional argument
    (`Runner.run(agent)` or `starting_agent=agent`); None when neither."""
    found = next((kw.value for kw in keywords if kw.arg is not None and kw.arg in names), None)
    return found if found is not None or not args else args[0]
