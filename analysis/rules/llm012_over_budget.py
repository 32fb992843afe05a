"""LLM012: a site's or feature's monthly cost, measured from traffic, is above its budget."""
from __future__ import annotations

from typing import Iterable

from llmsight.analysis.context import FileContext
from llmsight.analysis.rules._traffic import EXAMPLE_TRAFFIC, interval, money, sites_with_limit
from llmsight.analysis.rules.base import Invalid, Rule, Valid
from llmsight.records import Diagnostic, Fix


class OverBudget(Rule):
    """## What it does
    Compares each call site's monthly cost with `budgets` in `[tool.llmsight]` (keyed by site id or by
    feature). The cost comes from traffic: every observed call re-priced from the catalog, times the
    configured `volumes` for the site or feature, else the observed calls per day × 30. A feature's
    budget is compared with the traffic of the whole feature. The message gives the 95% bootstrap
    interval and the number of calls behind it.

    ## Why is this bad
    A budget that is only checked on the invoice is checked a month late. Seeing the overrun at the
    call that causes it, with cheaper options replayed over the same traffic, makes it a code review
    item instead of a finance one.

    ## Example
    ```toml
    [tool.llmsight]
    budgets = { chat = 400.0 }      # USD per month
    ```
    ```python
    # llmsight: feature=chat
    client.chat.completions.create(model="gpt-4o", messages=messages)   # traffic: $850/month
    ```

    ## Use instead
    Pick one of the cheaper models the fix lists (each replayed over this site's traffic), cap the
    output, or cache; `llm-lint simulate --scenario ...` compares more options.

    ## Fix safety
    Display-only: the fixes list cheaper models within `quality_tolerance`, with their replayed monthly
    cost and quality. Switching models changes behaviour; LLM016 offers the switch as an edit.
    """

    code = "LLM012"
    name = "over-budget"
    severity = "warning"
    summary = "Monthly cost from traffic exceeds the site's or feature's budget"
    needs_traffic = True

    VALID = [
        Valid("""
            # llmsight: feature=costly
            from openai import OpenAI
            OpenAI().chat.completions.create(model="gpt-4o", messages=[])
        """, config={"traffic": EXAMPLE_TRAFFIC, "budgets": {"costly": 5000.0}}),
        Valid("""
            # llmsight: feature=costly
            from openai import OpenAI
            OpenAI().chat.completions.create(model="gpt-4o", messages=[])
        """, config={"traffic": EXAMPLE_TRAFFIC}),
    ]
    INVALID = [
        Invalid("""
            # llmsight: feature=costly
            from openai import OpenAI
            OpenAI().chat.completions.create(model="gpt-4o", messages=[])
        """, config={"traffic": EXAMPLE_TRAFFIC, "budgets": {"costly": 100.0}}, message="over the budget of $100"),
        Invalid("""
            # llmsight: feature=abtest
            from openai import OpenAI
            OpenAI().chat.completions.create(model="gpt-4o", messages=[])
        """, config={"traffic": EXAMPLE_TRAFFIC, "budgets": {"abtest": 1.0}, "volumes": {"abtest": 100000}},
            message="`gpt-5.4-mini`"),
    ]

    def check(self, ctx: FileContext) -> Iterable[Diagnostic]:
        for site, call, st, scope, budget in sites_with_limit(ctx, ctx.config.budgets):
            metric = self._monthly(ctx, site, scope)
            if metric is None or metric.value is None or metric.value <= budget:
                continue
            message = (f"{scope} costs {money(metric.value)}/month{interval(metric, money)} from traffic, "
                       f"over the budget of {money(budget)}/month")
            cheaper = ctx.traffic.cheaper_models(site, ctx.config.quality_tolerance)
            if cheaper:
                best = cheaper[0]
                message += (f"; `{best.model}` would cost {money(best.cost_per_call * metric.value / st.figures.cost_per_call.value)}"
                            f"/month at quality {best.quality:.2f} (replayed over this site's traffic; quality from "
                            f"{best.quality_source})")
            fixes = [Fix(f"Switch to `{c.model}`: {money(c.cost_per_call)}/call at quality {c.quality:.2f} "
                         f"(replayed over this site's traffic; quality from {c.quality_source})"
                         + (f"; {c.client_change}" if c.client_change else ""), (), "display-only") for c in cheaper]
            if not fixes:
                fixes = [Fix("Compare options with `llm-lint simulate --scenario ...` (cheaper model, max_tokens, "
                             "prompt_cache_hit_rate, batch)", (), "display-only")]
            yield ctx.diagnostic(self, call, message, site, fixes)

    @staticmethod
    def _monthly(ctx: FileContext, site, scope: str):
        if scope.startswith("site"):
            est = ctx.traffic.estimate(site, ctx.config)
            return est.cost_per_month if est is not None else None
        return ctx.traffic.feature_cost_per_month(site.feature, ctx.config)
