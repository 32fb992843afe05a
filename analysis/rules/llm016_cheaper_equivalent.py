"""LLM016: a cheaper model answered this site's kind of request as well, within the quality tolerance."""
from __future__ import annotations

from typing import Iterable

from llmsight.analysis.context import FileContext
from llmsight.analysis.rules._traffic import EXAMPLE_TRAFFIC, money, traffic_sites
from llmsight.analysis.rules.base import Invalid, Rule, Valid
from llmsight.analysis.rules.model_helpers import model_fix, model_name, with_prefix
from llmsight.records import Diagnostic, Fix


class CheaperEquivalent(Rule):
    """## What it does
    Replays the site's traffic on every other model seen in the traffic that has quality scores (a
    `quality` column, or an eval results file `model,feature,score`) and reports the cheapest one
    whose quality is within `quality_tolerance` (default 0.02) of the site's and whose monthly cost
    is lower. Only models llmsight may recommend for the site are compared: not retiring within
    `deprecation_window_days`, in `allowed_models`/`allowed_providers` when set, of the same operation
    kind; a model of another provider is named as needing a client change (unless the call goes
    through litellm, OpenRouter or LangChain's `init_chat_model`). Costs are the catalog prices of the replayed calls (re-tokenised across tokenizer
    families); quality shifts each scored call by the difference of the models' mean scores.

    ## Why is this bad
    Paying for a larger model where a smaller one scores the same on your own traffic is the most
    common avoidable LLM cost; A/B traffic or evals already hold the evidence.

    ## Example
    ```python
    # llmsight: feature=abtest
    client.chat.completions.create(model="gpt-4o", messages=messages)   # gpt-5.4-mini scores 0.85 vs 0.86
    ```

    ## Use instead
    ```python
    # llmsight: feature=abtest
    client.chat.completions.create(model="gpt-5.4-mini", messages=messages)
    ```

    ## Fix safety
    Unsafe: another model answers differently, and the quality scores are averages. The literal is
    replaced where it is written when that is in this file; otherwise the fix is display-only.
    """

    code = "LLM016"
    name = "cheaper-equivalent"
    severity = "info"
    summary = "A cheaper model in the traffic scores within quality_tolerance of this site's"
    needs_traffic = True

    VALID = [
        Valid("""
            # llmsight: feature=abtest
            from openai import OpenAI
            OpenAI().chat.completions.create(model="gpt-5.4-mini", messages=[])
        """, config={"traffic": EXAMPLE_TRAFFIC}),
        Valid("""
            # llmsight: feature=abtest
            from openai import OpenAI
            OpenAI().chat.completions.create(model="gpt-4o", messages=[])
        """, config={"traffic": EXAMPLE_TRAFFIC, "quality_tolerance": 0.0}),
    ]
    INVALID = [
        Invalid("""
            # llmsight: feature=abtest
            from openai import OpenAI
            OpenAI().chat.completions.create(model="gpt-4o", messages=[])
        """, expected_fix="""
            # llmsight: feature=abtest
            from openai import OpenAI
            OpenAI().chat.completions.create(model="gpt-5.4-mini", messages=[])
        """, config={"traffic": EXAMPLE_TRAFFIC}, message="`gpt-5.4-mini` scores"),
        Invalid("""
            # llmsight: feature=abtest
            import litellm
            MODEL = "openai/gpt-4o"
            litellm.completion(model=MODEL, messages=[])
        """, expected_fix="""
            # llmsight: feature=abtest
            import litellm
            MODEL = "openai/gpt-5.4-mini"
            litellm.completion(model=MODEL, messages=[])
        """, config={"traffic": EXAMPLE_TRAFFIC}, message="cheaper"),
    ]

    def check(self, ctx: FileContext) -> Iterable[Diagnostic]:
        for site, call, st in traffic_sites(ctx):
            model = model_name(site)
            cheaper = ctx.traffic.cheaper_models(site, ctx.config.quality_tolerance, limit=1)
            if model is None or not cheaper:
                continue
            best, now = cheaper[0], st.figures
            saving = 1 - best.cost_per_call / now.cost_per_call.value if now.cost_per_call.value else 0.0
            message = (f"`{best.model}` scores {best.quality:.2f} against {now.quality.value:.2f} for this site's "
                       f"traffic and is {saving:.0%} cheaper ({money(best.cost_per_call * 1000)} vs "
                       f"{money(now.cost_per_call.value * 1000)} per 1,000 calls, replayed; "
                       f"quality from {best.quality_source})")
            new = with_prefix(model, best.model)
            if best.client_change:
                message += f"; {best.client_change}"
                fix = Fix(f"Switch to `{best.model}` ({best.client_change})", (), "display-only")
            else:
                fix = model_fix(ctx, site, new, f"Switch to `{new}`")
            yield ctx.diagnostic(self, call, message, site, [fix])
