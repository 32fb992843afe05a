"""LLM003: a generating request with no fallback model, so a provider outage fails the feature."""
from __future__ import annotations

import ast
import re
from typing import Iterable

from llmsight.analysis import libcst as cst

from llmsight.analysis.context import FileContext
from llmsight.analysis.fixes import narrowed_edit
from llmsight.analysis.modules import iter_statements
from llmsight.analysis.rules._sdk_fixes import (
    GENERATING_OPERATIONS, client_call, constructor_text, keyword_fix, sdk_defaults,
)
from llmsight.analysis.rules._traffic import EXAMPLE_TRAFFIC, percent, traffic_sites
from llmsight.analysis.rules.base import Invalid, Rule, Valid
from llmsight.analysis.rules import model_helpers
from llmsight.analysis.rules.model_helpers import MODEL_KEYWORDS, model_name
from llmsight.knowledge.recommend import judge
from llmsight.records import CallSite, Diagnostic, Fix

_PROVIDERS = {"openai": "OpenAI", "anthropic": "Anthropic", "google": "Google", "bedrock": "Bedrock",
              "groq": "Groq", "cohere": "Cohere", "mistral": "Mistral", "together": "Together"}
# the exception a try/except fallback catches, per SDK
_SDK_ERRORS = {"openai": "openai.APIError", "anthropic": "anthropic.APIError", "google": "google.genai.errors.APIError",
               "bedrock": "botocore.exceptions.ClientError", "groq": "groq.APIError", "cohere": "cohere.core.ApiError",
               "mistral": "mistralai.models.SDKError", "together": "together.error.TogetherException",
               "http": "requests.RequestException"}


class NoFallback(Rule):
    """## What it does
    Flags a chat, completion or Responses request that has no fallback: no litellm `fallbacks=[...]`
    or Router `fallbacks`, no LangChain `.with_fallbacks([...])`, and no `try`/`except` whose handler
    calls another model. The message says what happens when the provider fails. Embeddings and
    local Ollama models are not flagged.

    ## Why is this bad
    Every provider has outages, regional incidents, 429 storms and 529 "overloaded" periods. The
    SDK's retries hide blips of seconds, not incidents of minutes to hours; with a single model the
    feature is down for as long as the provider is. A fallback to another model (or provider) keeps
    it up at slightly different quality.

    Opt-in: many applications accept their provider's availability (a CLI, a library whose user picks
    the model), so on real code most of its findings are not worth acting on. Turn it on with
    `extend-select = ["LLM003"]` (or `--extend-select LLM003`); selecting the prefix `LLM` does not.
    The message states the evidence: the retries the request has, and with `--traffic` how often its
    calls failed.

    ## Example
    ```python
    response = litellm.completion(model="gpt-4o", messages=messages)
    ```

    ## Use instead
    ```python
    response = litellm.completion(model="gpt-4o", messages=messages, fallbacks=["claude-haiku-4-5"])
    ```
    With LangChain: `ChatOpenAI(model="gpt-4o").with_fallbacks([ChatOpenAI(model="gpt-4o-mini")])`.
    With a provider SDK: catch its API error and call a second model, of the same SDK.

    ## Fix safety
    Unsafe: on failure the answer comes from another model. A fix is offered only when
    `fallback_model` is set in `[tool.llmsight]`: `fallbacks=[...]` on a litellm call, or
    `.with_fallbacks([...])` on a LangChain chat model built in the same file (same class, same
    settings, other model; only when the catalog puts both models at the same provider). For the provider
    SDKs the suggestion (a try/except to the fallback model) is display-only. The fallback model goes
    through the recommender every face uses: one retiring within `deprecation_window_days`, outside
    `allowed_models`/`allowed_providers` or of another operation kind is not suggested, and one of another
    provider is shown as needing a client change, never written. The severity is
    `info`: many applications accept the provider's availability; raise it in `[tool.llmsight.severity]`
    where they do not.
    """

    code = "LLM003"
    name = "no-fallback"
    severity = "info"
    summary = "Request with no fallback model: a provider outage fails the feature"
    opt_in = True

    VALID = [
        Valid("""
            import litellm
            litellm.completion(model="gpt-4o", messages=[], fallbacks=["claude-haiku-4-5"])
        """),
        Valid("""
            import openai
            client = openai.OpenAI()
            def ask(messages):
                try:
                    return client.chat.completions.create(model="gpt-4o", messages=messages)
                except openai.APIError:
                    return client.chat.completions.create(model="gpt-4o-mini", messages=messages)
        """),
        Valid("""
            from langchain_openai import ChatOpenAI
            llm = ChatOpenAI(model="gpt-4o").with_fallbacks([ChatOpenAI(model="gpt-4o-mini")])
            llm.invoke("hi")
        """),
        Valid("""
            from openai import OpenAI
            OpenAI().embeddings.create(model="text-embedding-3-small", input=["a"])
        """),
        Valid("""
            from litellm import Router
            router = Router(model_list=models, fallbacks=[{"gpt-4o": ["claude-3-5-sonnet"]}])
            router.completion(model="gpt-4o", messages=[])
        """),
    ]
    INVALID = [
        Invalid("""
            import litellm
            litellm.completion(model="gpt-4o", messages=[])
        """, expected_fix="""
            import litellm
            litellm.completion(model="gpt-4o", messages=[], fallbacks=["claude-haiku-4-5"])
        """, message="fails", config={"fallback_model": "claude-haiku-4-5"}),
        Invalid("""
            from langchain_openai import ChatOpenAI
            llm = ChatOpenAI(model="gpt-4o", temperature=0)
            llm.invoke("hi")
        """, expected_fix="""
            from langchain_openai import ChatOpenAI
            llm = ChatOpenAI(model="gpt-4o", temperature=0).with_fallbacks([ChatOpenAI(model="gpt-5.4-mini", temperature=0)])
            llm.invoke("hi")
        """, config={"fallback_model": "gpt-5.4-mini"}),
        Invalid("""
            import anthropic
            client = anthropic.Anthropic()
            client.messages.create(model="claude-sonnet-4-5", max_tokens=512, messages=[])
        """, message="when Anthropic has an outage, rate-limits or is overloaded, this request fails and the "
                     "feature fails with it; evidence: only the SDK's default 2 retries, no traffic given"),
        Invalid("""
            # llmsight: feature=flaky
            import litellm
            litellm.completion(model="gpt-4o-mini", messages=[], num_retries=0)
        """, message="evidence: retries turned off, ",
            config={"traffic": EXAMPLE_TRAFFIC}),
        Invalid("""
            from google import genai
            client = genai.Client()
            def ask(q):
                try:
                    return client.models.generate_content(model="gemini-2.5-flash", contents=q)
                except Exception:
                    return None
        """, message="when Google has an outage"),
        Invalid("""
            import boto3
            runtime = boto3.client("bedrock-runtime")
            runtime.converse(modelId="anthropic.claude-3-5-sonnet-20240620-v1:0", messages=[])
        """, message="Bedrock"),
    ]

    def check(self, ctx: FileContext) -> Iterable[Diagnostic]:
        observed = {site.id: st.figures for site, _call, st in traffic_sites(ctx)}
        for site in ctx.sites:
            if site.operation not in GENERATING_OPERATIONS or site.fallback != "none" or site.sdk == "ollama" \
                    or site.via_wrapper:
                continue
            call = ctx.call_nodes.get(site.id)
            if call is None or _is_fallback_call(ctx, call):
                continue
            evidence = f"{_retries_evidence(site)}, {_traffic_evidence(ctx, site, observed)}"
            message = f"{self._message(site)}; evidence: {evidence}"
            yield ctx.diagnostic(self, call, message, site, (self._fix(site, ctx, call),))

    @staticmethod
    def _message(site: CallSite) -> str:
        model = model_name(site)
        provider = _PROVIDERS.get(site.sdk)
        who = provider or (f"the provider of {model}" if model else "the provider")
        return (f"no fallback: when {who} has an outage, rate-limits or is overloaded, this request fails"
                f" and the feature fails with it")

    def _fix(self, site: CallSite, ctx: FileContext, call: ast.Call) -> Fix:
        fallback = ctx.config.fallback_model
        if not fallback:
            return Fix("Add a fallback model (configure fallback_model in [tool.llmsight] for an automatic fix)", (),
                       "display-only")
        if fallback == model_name(site):
            return Fix(f"fallback_model {fallback!r} is this call's own model; choose another one", (), "display-only")
        verdict = judge(site, fallback, ctx.config, today=model_helpers.today())
        if verdict.refused:
            return Fix(f"Add a fallback model: fallback_model {fallback!r} is not one to recommend here "
                       f"({verdict.refused})", (), "display-only")
        if verdict.client_change:
            return Fix(f"Fall back to {fallback} in an except handler ({verdict.client_change})", (), "display-only")
        if site.sdk == "litellm" and "Router" in (site.client_expr or ""):
            group = model_name(site) or "MODEL_GROUP"
            return Fix(f'Add fallbacks=[{{"{group}": ["{fallback}"]}}] to the Router (with {fallback} in its '
                       f'model_list)', (), "display-only")
        if site.sdk == "litellm":
            return keyword_fix(ctx, call, {"fallbacks": f"[{fallback!r}]".replace("'", '"')},
                               f"Fall back to {fallback} with fallbacks=[...]")
        if site.sdk == "langchain":
            return self._langchain_fix(site, ctx, fallback)
        error = _SDK_ERRORS.get(site.sdk, "the SDK's API error")
        return Fix(f"Wrap the call in try/except {error} and repeat it with model={fallback!r}", (), "display-only")

    @staticmethod
    def _langchain_fix(site: CallSite, ctx: FileContext, fallback: str) -> Fix:
        title = f"Add .with_fallbacks([...]) to the chat model with model={fallback!r}"
        ctor = client_call(ctx, site)
        if ctor is None:
            return Fix(f"{title} where it is constructed", (), "display-only")
        if any(k.arg and re.search(r"key|token|secret", k.arg, re.I) and isinstance(k.value, ast.Constant)
               for k in ctor.keywords):
            return Fix(f"{title} (after moving the key literal out of the constructor)", (), "display-only")
        text = ctx.segment(ctor)
        fallback_ctor = _with_model(text, fallback)
        if fallback_ctor is None:
            return Fix(title, (), "display-only")
        new = f"{text}.with_fallbacks([{fallback_ctor}])"
        return Fix(f"Fall back to {fallback} with {constructor_text(ctx, ctor)}.with_fallbacks([...]) "
                   f"(the result is a Runnable: bind tools before adding fallbacks)",
                   (narrowed_edit(ctx, ctor, text, new),), "unsafe")


def _retries_evidence(site: CallSite) -> str:
    """What stands between a provider error and a failed feature: the retries this request has."""
    retries = site.retries
    if retries.source in ("call", "client", "config") and retries.resolved:
        return f"{retries.value} retries ({retries.expr or retries.source})" if retries.value else "retries turned off"
    if retries.source != "sdk-default":
        return "retries unknown"
    default = sdk_defaults(site).retries
    return f"only the SDK's default {default} retries" if default else "no retries (the SDK does not retry)"


def _traffic_evidence(ctx: FileContext, site: CallSite, observed: dict) -> str:
    """How often this site's calls failed in traffic, when traffic is given and maps to it."""
    if ctx.traffic is None:
        return "no traffic given (--traffic shows how often its calls fail)"
    figures = observed.get(site.id)
    if figures is None or figures.error_rate.value is None:
        return "no traffic rows for this site"
    return (f"{percent(figures.error_rate.value)} of its calls failed in traffic "
            f"({percent(figures.timeout_rate)} timeouts)")


def _tries_of(ctx: FileContext) -> tuple[ast.Try, ...]:
    """The file's try statements, found once for all its call sites."""
    return ctx.memo("tries", lambda: tuple(stmt for stmt in iter_statements(ctx.tree.body) if isinstance(stmt, ast.Try)))


def _is_fallback_call(ctx: FileContext, call: ast.Call) -> bool:
    """A request in an `except` handler whose `try` makes another request: it is the fallback."""
    requests = {id(n) for n in ctx.call_nodes.values()} - {id(call)}
    for stmt in _tries_of(ctx):
        for handler in stmt.handlers:
            if handler.lineno <= call.lineno <= (handler.end_lineno or handler.lineno) \
                    and any(n is call for n in ast.walk(handler)) \
                    and any(id(n) in requests for s in stmt.body for n in ast.walk(s)):
                return True
    return False


def _with_model(ctor_text: str, model: str) -> str | None:
    """The constructor's source with its model keyword set to `model` (None when it names none)."""
    try:
        node = cst.parse_expression(ctor_text)
    except cst.ParserSyntaxError:
        return None
    if not isinstance(node, cst.Call):
        return None
    args = list(node.args)
    for i, arg in enumerate(args):
        if arg.keyword is not None and arg.keyword.value in MODEL_KEYWORDS:
            quote = arg.value.quote if isinstance(arg.value, cst.SimpleString) else '"'
            args[i] = arg.with_changes(value=cst.SimpleString(f"{quote}{model}{quote}"))
            return cst.Module([]).code_for_node(node.with_changes(args=args))
    return None
