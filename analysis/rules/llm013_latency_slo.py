"""LLM013: the p95 latency measured from traffic is above the site's or feature's SLO."""
from __future__ import annotations

from typing import Iterable

from llmsight.analysis.context import FileContext
from llmsight.analysis.rules._traffic import EXAMPLE_TRAFFIC, interval, seconds, sites_with_limit
from llmsight.analysis.rules.base import Invalid, Rule, Valid
from llmsight.analysis.rules.model_helpers import model_fix
from llmsight.records import Diagnostic, Fix


class LatencySlo(Rule):
    """## What it does
    Compares each call site's p95 latency with `slos` in `[tool.llmsight]` (seconds, keyed by site id or
    feature). The p95 comes from the site's traffic (when the code now names another model than the
    traffic saw, from that traffic replayed on the code's model), with a 95% bootstrap interval. The
    fixes are scenarios replayed over the same rows: streaming, and faster models seen in the traffic
    whose quality is within `quality_tolerance`.

    ## Why is this bad
    The slowest 5% of requests are the ones users notice and time out on; a p95 over the SLO is an
    incident that has not been filed yet.

    ## Example
    ```toml
    [tool.llmsight]
    slos = { summarize = 12.0 }
    ```
    ```python
    # llmsight: feature=summarize
    client.messages.create(model="claude-sonnet-4-5", max_tokens=1024, messages=messages)  # p95 17 s
    ```

    ## Use instead
    ```python
    # llmsight: feature=summarize
    client.messages.create(model="claude-haiku-4-5", max_tokens=1024, messages=messages)   # p95 9 s
    ```

    ## Fix safety
    Unsafe: a model switch changes answers and cost; it is offered only for a model that meets the SLO
    in the replay with quality within `quality_tolerance`, and only where the model literal is in this
    file. Streaming (`stream=True`) changes how the response is read, so it is display-only.
    """

    code = "LLM013"
    name = "latency-slo"
    severity = "warning"
    summary = "p95 latency from traffic exceeds the site's or feature's SLO"
    needs_traffic = True

    VALID = [
        Valid("""
            # llmsight: feature=slow
            import anthropic
            anthropic.Anthropic().messages.create(model="claude-sonnet-4-5", max_tokens=1024, messages=[])
        """, config={"traffic": EXAMPLE_TRAFFIC, "slos": {"slow": 60.0}}),
        Valid("""
            # llmsight: feature=slow
            import anthropic
            anthropic.Anthropic().messages.create(model="claude-haiku-4-5", max_tokens=1024, messages=[])
        """, config={"traffic": EXAMPLE_TRAFFIC, "slos": {"slow": 12.0}}),
    ]
    INVALID = [
        Invalid("""
            # llmsight: feature=slow
            import anthropic
            anthropic.Anthropic().messages.create(model="claude-sonnet-4-5", max_tokens=1024, messages=[])
        """, expected_fix="""
            # llmsight: feature=slow
            import anthropic
            anthropic.Anthropic().messages.create(model="claude-haiku-4-5", max_tokens=1024, messages=[])
        """, config={"traffic": EXAMPLE_TRAFFIC, "slos": {"slow": 12.0}, "quality_tolerance": 0.1},
            message="over the SLO of 12.0 s"),
        Invalid("""
            # llmsight: feature=slow
            import anthropic
            anthropic.Anthropic().messages.create(model="claude-sonnet-4-5", max_tokens=1024, messages=[])
        """, config={"traffic": EXAMPLE_TRAFFIC, "slos": {"slow": 1.0}}, message="p95"),
    ]

    def check(self, ctx: FileContext) -> Iterable[Diagnostic]:
        from llmsight.simulator.scenario import Scenario

        for site, call, st, scope, slo in sites_with_limit(ctx, ctx.config.slos):
            p95 = st.figures.latency_p95_s
            if p95 is None or p95.value is None or p95.value <= slo:
                continue
            message = f"p95 latency {seconds(p95.value)}{interval(p95, seconds)} from traffic is over the SLO of " \
                      f"{seconds(slo)} for {scope}"
            fixes = []
            quality = st.figures.quality.value if st.figures.quality else None
            faster = sorted((c for c in ctx.traffic.alternatives(site, ctx.config.quality_tolerance)
                             if c.latency_p95_s is not None and c.latency_p95_s <= slo), key=lambda c: c.latency_p95_s)
            for c in faster:
                fixes.append(model_fix(ctx, site, c.model, f"Switch to `{c.model}` (replayed p95 {seconds(c.latency_p95_s)}, "
                                       f"quality {c.quality:.2f})"))
            streamed = ctx.traffic.replay(site, [Scenario(name="stream=true", stream=True)])
            if streamed and streamed[0].latency_p95_s.value is not None and site.stream is not True:
                fixes.append(Fix(f"Stream the response (stream=True): time to first token p95 "
                                 f"{seconds(streamed[0].latency_p95_s.value)} (replayed)", (), "display-only"))
            if quality is not None and not faster:
                message += "; no model seen in the traffic meets it within the quality tolerance"
            yield ctx.diagnostic(self, call, message, site, fixes)
