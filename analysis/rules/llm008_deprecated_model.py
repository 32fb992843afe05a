"""LLM008: the model's deprecation date has passed or falls within the configured window."""
from __future__ import annotations

import dataclasses
import datetime
from typing import Iterable

from llmsight.analysis.context import FileContext
from llmsight.analysis.rules import model_helpers
from llmsight.analysis.rules.base import Invalid, Rule, Valid
from llmsight.analysis.catalog_names import catalog_entry
from llmsight.analysis.rules.model_helpers import (
    endpoint_of, is_bedrock_id, lifecycle_names, model_fix, model_sites, split_provider, where_defined,
    with_prefix,
)
from llmsight.records import Diagnostic, Fix


def _as_date(value) -> datetime.date | None:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _lasting_successor(deprecation, successor: str | None, config, now: datetime.date, window: int) -> str | None:
    """The first successor in the chain that is not itself retiring within the window (a fix to a
    model that would be flagged again is no fix)."""
    seen: set[str] = set()
    while successor and successor not in seen:
        seen.add(successor)
        nxt = deprecation(successor, config, today=now)
        when = _as_date(nxt.date) if nxt is not None and nxt.date is not None else None
        if when is None or (when - now).days > window or not nxt.successor:
            return successor
        successor = nxt.successor
    return successor



def upcoming_deprecation(ctx: FileContext, site, model: str) -> tuple[object, datetime.date] | None:
    """The deprecation of the site's model (or of the snapshot its alias points to) whose date has passed or
    falls within `deprecation_window_days`, and that date; None for a self-hosted or unknown endpoint."""
    from llmsight.knowledge.catalog import Catalog
    from llmsight.knowledge.models import deprecation, snapshot_for

    if endpoint_of(ctx, site).kind in ("self-hosted", "other"):
        return None
    now = model_helpers.today()
    info = catalog_entry(Catalog.load(ctx.config), site, model)   # azure/<model> on Azure, groq/<model> on Groq…
    # an alias is as retired as the snapshot it points to
    names = dict.fromkeys(([info.name] if info is not None else []) + lifecycle_names(model)
                          + [snapshot_for(model, ctx.config)])
    names.pop(None, None)
    dep = next((d for d in (deprecation(n, ctx.config, today=now) for n in names) if d is not None), None)
    when = _as_date(dep.date) if dep is not None else None
    if when is None or (when - now).days > ctx.config.deprecation_window_days:
        return None
    return dep, when


class DeprecatedModel(Rule):
    """## What it does
    Reports a call whose model has reached its deprecation (shutdown) date — an error — or reaches it
    within `deprecation_window_days` (default 90) — a warning — and names the provider's successor.
    Dates and successors come from llmsight's lifecycle table and the price data, each with its source.

    ## Why is this bad
    After the date the provider rejects the model and every request fails; before it, there is a
    migration to test (prompts, output format, price) that is better done on your schedule than on
    the provider's.

    ## Example
    ```python
    client.chat.completions.create(model="gpt-3.5-turbo-0301", messages=messages)
    ```

    ## Use instead
    ```python
    client.chat.completions.create(model="gpt-3.5-turbo", messages=messages)
    ```

    ## Fix safety
    Unsafe: the successor answers differently and may cost differently. The literal is replaced where
    it is written when that is in the checked file, keeping quotes and any provider prefix; otherwise
    the fix is display-only and names the file. A successor that is itself retiring within the window
    is skipped for the next one in its chain. On Azure OpenAI the code names a deployment, and
    Azure's own retirement dates apply: the fix (display-only) says which model to deploy.
    """

    code = "LLM008"
    name = "deprecated-model"
    severity = "error"
    summary = "Model's deprecation date has passed or is within deprecation_window_days"

    VALID = [
        Valid("""
            from openai import OpenAI
            OpenAI().chat.completions.create(model="gpt-5.4", messages=[])
        """),
        Valid("""
            import anthropic
            anthropic.Anthropic().messages.create(model="claude-sonnet-4-6", max_tokens=500, messages=[])
        """),
        Valid("""
            import ollama
            ollama.chat("llama2", messages=[])
        """),
    ]
    # successors depend on today's date (a successor that is itself retiring is skipped), so these
    # examples check the message; tests/rules/test_model_rules.py checks fixes with an injected date
    INVALID = [
        Invalid("""
            from openai import OpenAI
            OpenAI().chat.completions.create(model="gpt-3.5-turbo-0301", messages=[])
        """, message="reached its deprecation date on 2024-09-13"),
        Invalid("""
            import anthropic
            MODEL = 'claude-2.0'
            anthropic.Anthropic().messages.create(model=MODEL, max_tokens=500, messages=[])
        """, message="2025-07-21"),
        Invalid("""
            import os
            import litellm
            litellm.completion(model=os.getenv("LLM_MODEL", "openai/text-davinci-003"), messages=[])
        """, message="2024-01-04"),
        Invalid("""
            from google import genai
            genai.Client().models.generate_content(model="gemini-1.0-pro", contents="Hi")
        """, message="2025-02-15"),
    ]

    def check(self, ctx: FileContext) -> Iterable[Diagnostic]:
        from llmsight.knowledge.models import deprecation, is_floating_alias, snapshot_for

        now = model_helpers.today()
        window = ctx.config.deprecation_window_days
        for site, model, call in model_sites(ctx):
            found = upcoming_deprecation(ctx, site, model)
            if found is None:
                continue
            dep, when = found
            endpoint = endpoint_of(ctx, site).kind
            days = (when - now).days
            where = where_defined(ctx, site.model)
            defined = f" (set at {where})" if where else ""
            # one finding for a retiring alias: this one names the alias (LLM007 leaves it to this rule)
            alias = next((m for m in (model, split_provider(model)[1]) if is_floating_alias(m, ctx.config)), None)
            snapshot = snapshot_for(alias, ctx.config) if alias else None
            if alias:
                defined += (f", a floating alias that today points to `{snapshot}`," if snapshot
                            else ", a floating alias,")
            source = f" ({dep.source})" if getattr(dep, "source", None) else ""
            target = _lasting_successor(deprecation, dep.successor, ctx.config, now, window)
            successor = f"; move to `{target}`" if target else ""
            if days <= 0:
                message = (f"`{model}`{defined} reached its deprecation date on {when.isoformat()}{source}: "
                           f"the provider rejects it, so these requests fail{successor}")
            else:
                message = (f"`{model}`{defined} is deprecated on {when.isoformat()}{source}, in {days} day"
                           f"{'s' if days != 1 else ''} (window: {window}); after that every request fails"
                           f"{successor}")
            fixes = []
            if target and endpoint == "azure":   # the code names a deployment: deploy the successor first
                fixes.append(Fix(f"Deploy `{split_provider(target)[1]}` and use that deployment", (), "display-only"))
            elif target and is_bedrock_id(model):   # Bedrock names models by its own ids
                fixes.append(Fix(f"Switch to the Bedrock model id of `{split_provider(target)[1]}`", (),
                                 "display-only"))
            elif target:
                new = with_prefix(model, target)
                fixes.append(model_fix(ctx, site, new, f"Switch to `{new}`"))
            diag = ctx.diagnostic(self, call, message, site, fixes)
            if days > 0 and self.code not in ctx.config.severity:
                diag = dataclasses.replace(diag, severity="warning")
            yield diag
