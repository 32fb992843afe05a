"""LLM014: the traffic's error and timeout rate at a site is above `error_rate_threshold`."""
from __future__ import annotations

from typing import Iterable

from llmsight.analysis.context import FileContext
from llmsight.analysis.rules._sdk_fixes import keyword_fix
from llmsight.analysis.rules._traffic import EXAMPLE_TRAFFIC, interval, percent, traffic_sites
from llmsight.analysis.rules.base import Invalid, Rule, Valid
from llmsight.records import Diagnostic, Fix

RETRIES = 2
EXPLICIT = ("call", "client", "config")


class HighErrorRate(Rule):
    """## What it does
    Reports a call site whose traffic shows more failed calls (errors and timeouts) than
    `error_rate_threshold` (default 2%) while the code has no explicit retry setting or no fallback.
    The message splits errors from timeouts and gives what retries and a fallback would achieve,
    replayed over the site's own rows.

    ## Why is this bad
    Every failed call is a failed user request unless the code retries it or falls back to another
    model; provider errors (rate limits, overload, timeouts) are frequent enough that production
    code has to plan for them.

    ## Example
    ```python
    # llmsight: feature=flaky
    litellm.completion(model="gpt-4o-mini", messages=messages)   # 12% of calls fail in traffic
    ```

    ## Use instead
    ```python
    # llmsight: feature=flaky
    litellm.completion(model="gpt-4o-mini", messages=messages, num_retries=2, fallbacks=["gpt-4o"])
    ```

    ## Fix safety
    Unsafe: retries add latency and cost, a fallback model answers differently. On litellm calls the fix
    adds `num_retries` and, with `fallback_model` configured, `fallbacks`; for other SDKs it is
    display-only with the replayed effect (retries belong on the client: `max_retries=` for
    OpenAI/Anthropic).
    """

    code = "LLM014"
    name = "high-error-rate"
    severity = "warning"
    summary = "Error/timeout rate in traffic above error_rate_threshold with no retries or fallback"
    needs_traffic = True

    VALID = [
        Valid("""
            # llmsight: feature=flaky
            import litellm
            litellm.completion(model="gpt-4o-mini", messages=[], num_retries=2, fallbacks=["gpt-4o"])
        """, config={"traffic": EXAMPLE_TRAFFIC}),
        Valid("""
            # llmsight: feature=costly
            import litellm
            litellm.completion(model="gpt-4o", messages=[])
        """, config={"traffic": EXAMPLE_TRAFFIC}),
        Valid("""
            # llmsight: feature=flaky
            import litellm
            litellm.completion(model="gpt-4o-mini", messages=[])
        """, config={"traffic": EXAMPLE_TRAFFIC, "error_rate_threshold": 0.5}),
    ]
    INVALID = [
        Invalid("""
            # llmsight: feature=flaky
            import litellm
            litellm.completion(model="gpt-4o-mini", messages=[])
        """, expected_fix="""
            # llmsight: feature=flaky
            import litellm
            litellm.completion(model="gpt-4o-mini", messages=[], num_retries=2, fallbacks=["gpt-4o"])
        """, config={"traffic": EXAMPLE_TRAFFIC, "fallback_model": "gpt-4o"}, message="of calls failed"),
        Invalid("""
            # llmsight: feature=flaky
            from openai import OpenAI
            OpenAI().chat.completions.create(model="gpt-4o-mini", messages=[])
        """, config={"traffic": EXAMPLE_TRAFFIC}, message="with 2 retries"),
    ]

    def check(self, ctx: FileContext) -> Iterable[Diagnostic]:
        from llmsight.simulator.scenario import Scenario

        threshold = ctx.config.error_rate_threshold
        for site, call, st in traffic_sites(ctx):
            rate = st.figures.error_rate
            has_retries = site.retries.source in EXPLICIT and bool(site.retries.value)
            has_fallback = site.fallback != "none"
            if rate.value is None or rate.value <= threshold or (has_retries and has_fallback):
                continue
            timeouts = st.figures.timeout_rate
            message = (f"{percent(rate.value)}{interval(rate, percent)} of calls failed in traffic "
                       f"({percent(timeouts)} timeouts), over the threshold of {percent(threshold)}")
            fallback = ctx.config.fallback_model
            scenarios = [Scenario(name="retries", retries=RETRIES)]
            if fallback:
                scenarios.append(Scenario(name="fallback", retries=RETRIES, fallback=fallback))
            replayed = ctx.traffic.replay(site, scenarios)
            if replayed:
                message += f"; with {RETRIES} retries the replay fails {percent(replayed[0].error_rate.value)}"
                if fallback:
                    message += f", with a fallback to `{fallback}` {percent(replayed[1].error_rate.value)}"
            yield ctx.diagnostic(self, call, message, site, [self._fix(ctx, site, call, has_retries, has_fallback)])

    @staticmethod
    def _fix(ctx: FileContext, site, call, has_retries: bool, has_fallback: bool) -> Fix:
        fallback = ctx.config.fallback_model
        if site.sdk == "litellm":
            kwargs = {} if has_retries else {"num_retries": str(RETRIES)}
            if fallback and not has_fallback:
                kwargs["fallbacks"] = f"[{fallback!r}]".replace("'", '"')
            if kwargs:
                title = " and ".join(f"{k}={v}" for k, v in kwargs.items())
                return keyword_fix(ctx, call, kwargs, f"Add {title}")
        where = "the client (`max_retries=`)" if site.sdk in ("openai", "anthropic") else "the request"
        return Fix(f"Retry failed calls ({RETRIES} retries with backoff) on {where}"
                   + (f" and fall back to `{fallback}`" if fallback else ""), (), "display-only")
