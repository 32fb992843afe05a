"""LLM007: the model is a floating alias that the provider re-points without notice."""
from __future__ import annotations

from typing import Iterable

from llmsight.analysis.context import FileContext
from llmsight.analysis.rules import model_helpers
from llmsight.analysis.rules.base import Invalid, Rule, Valid
from llmsight.analysis.rules.llm008_deprecated_model import upcoming_deprecation
from llmsight.analysis.rules.model_helpers import (
    endpoint_of, model_fix, model_sites, split_provider, where_defined, with_prefix,
)
from llmsight.records import Diagnostic


class FloatingAlias(Rule):
    """## What it does
    Reports a call whose model is a floating alias — a name the provider points at a new snapshot
    from time to time (`gpt-4o`, `claude-3-5-sonnet-latest`, `gemini-1.5-pro-latest`, any `*-latest`) —
    and names the dated snapshot it points to today. The model may come from a literal, a module
    constant, a default argument or an `os.getenv("X", "gpt-4o")` default, in this file or another.

    Models served by the user (Ollama, vLLM and other self-hosted endpoints) and Azure deployments
    (which pin a version in the deployment) are not reported, nor aliases that are retired or retire
    within `deprecation_window_days`: LLM008 reports those, naming the alias, with a successor (one finding
    per model, so a `noqa: LLM007` cannot hide a retirement). A probe — no prompt, a one-token cap, as a
    key check sends — is not reported: its answer is never used.

    ## Why is this bad
    When the alias moves, the model answering your prompts changes under unchanged code: outputs,
    formatting, refusals, latency and sometimes price shift, evaluations stop describing production,
    and nothing in your repository records when it happened.

    ## Example
    ```python
    client.chat.completions.create(model="gpt-4o", messages=messages)
    ```

    ## Use instead
    ```python
    client.chat.completions.create(model="gpt-4o-2024-08-06", messages=messages)
    ```

    ## Fix safety
    Unsafe: the pinned snapshot is the alias's target as llmsight's alias table knows it, which may
    lag the provider; pinning also means you stop receiving upgrades until you move the pin yourself.
    The literal is edited where it is written when that is in the checked file (keeping its quotes and
    any provider prefix such as `openai/`); otherwise the fix is display-only and names the file.
    """

    code = "LLM007"
    name = "floating-alias"
    severity = "warning"
    summary = "Model is a floating alias (e.g. gpt-4o, *-latest) that can change without notice"

    VALID = [
        Valid("""
            import requests
            def key_works(key):
                return requests.post("https://api.anthropic.com/v1/messages", headers={"x-api-key": key},
                                     json={"model": "claude-haiku-4-5", "max_tokens": 1, "messages": []},
                                     timeout=10).status_code == 200
        """),
        Valid("""
            from openai import OpenAI
            OpenAI().chat.completions.create(model="gpt-4o-2024-08-06", messages=[])
        """),
        Valid("""
            import ollama
            ollama.chat("llama3:latest", messages=[])
        """),
        Valid("""
            import os
            import litellm
            litellm.completion(model=os.environ["CHAT_MODEL"], messages=[])
        """),
    ]
    # live aliases with no retirement date, so the examples do not expire (see `today()` in model_helpers)
    INVALID = [
        Invalid("""
            from openai import OpenAI
            client = OpenAI()
            client.chat.completions.create(model="gpt-5.4", messages=[])
        """, expected_fix="""
            from openai import OpenAI
            client = OpenAI()
            client.chat.completions.create(model="gpt-5.4-2026-03-05", messages=[])
        """, message="`gpt-5.4-2026-03-05`"),
        Invalid("""
            import litellm
            MODEL = 'openai/gpt-5.4-mini'
            def ask(q):
                return litellm.completion(model=MODEL, messages=[{"role": "user", "content": q}])
        """, expected_fix="""
            import litellm
            MODEL = 'openai/gpt-5.4-mini-2026-03-17'
            def ask(q):
                return litellm.completion(model=MODEL, messages=[{"role": "user", "content": q}])
        """),
        Invalid("""
            import os
            import anthropic
            def ask(q, model=os.getenv("MODEL", "claude-opus-4-7")):
                return anthropic.Anthropic().messages.create(model=model, max_tokens=500, messages=[])
        """, expected_fix="""
            import os
            import anthropic
            def ask(q, model=os.getenv("MODEL", "claude-opus-4-7-20260416")):
                return anthropic.Anthropic().messages.create(model=model, max_tokens=500, messages=[])
        """),
        Invalid("""
            from openai import AsyncOpenAI
            async def ask(q, model="gpt-5.4"):
                return await AsyncOpenAI().responses.create(model=model, input=q)
        """, expected_fix="""
            from openai import AsyncOpenAI
            async def ask(q, model="gpt-5.4-2026-03-05"):
                return await AsyncOpenAI().responses.create(model=model, input=q)
        """),
        Invalid("""
            from langchain_openai import ChatOpenAI
            llm = ChatOpenAI(model="gpt-5.2", temperature=0)
            llm.invoke("hi")
        """, message="`gpt-5.2-2025-12-11`"),
        Invalid("""
            from google import genai
            genai.Client().models.generate_content(model="gemini-flash-latest", contents="Hi")
        """, message="not in llmsight's alias table"),
    ]

    def check(self, ctx: FileContext) -> Iterable[Diagnostic]:
        from llmsight.knowledge.models import deprecation, is_floating_alias, snapshot_for

        now = model_helpers.today()
        for site, model, call in model_sites(ctx):
            if endpoint_of(ctx, site).kind != "provider" or _is_probe(site):
                continue
            bare = split_provider(model)[1]
            alias = next((m for m in (model, bare) if is_floating_alias(m, ctx.config)), None)
            if alias is None:
                continue
            snapshot = snapshot_for(alias, ctx.config)
            # pinning a retiring model helps nobody: LLM008 reports it, naming the alias, with a successor
            # (one finding per model, whichever of the two codes a `noqa` names)
            if upcoming_deprecation(ctx, site, model) is not None or any(
                    (d := deprecation(m, ctx.config, today=now)) is not None and d.passed(now)
                    for m in (alias, snapshot) if m):
                continue
            where = where_defined(ctx, site.model)
            defined = f" (set at {where})" if where else ""
            target = f"today it points to `{snapshot}`" if snapshot else "its target is not in llmsight's alias table"
            message = (f"`{model}`{defined} is a floating alias: {target}, and the provider re-points it to newer "
                       "snapshots without notice, so outputs, quality, latency and price can change under "
                       "unchanged code; pin a dated snapshot")
            fixes = []
            if snapshot:
                pinned = with_prefix(model, snapshot)
                fixes.append(model_fix(ctx, site, pinned, f"Pin `{pinned}`"))
            yield ctx.diagnostic(self, call, message, site, fixes)


def _is_probe(site) -> bool:
    """A request with no prompt and a one-token cap checks a key or a connection: its answer is never used,
    so what the alias points to cannot matter."""
    cap = site.max_tokens.value
    return (isinstance(cap, int) and not isinstance(cap, bool) and cap <= 1
            and site.prompt.static_tokens == 0 and not site.prompt.dynamic)
