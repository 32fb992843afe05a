"""LLM015: traffic shows the model behind a call changing over time."""
from __future__ import annotations

from typing import Iterable

from llmsight.analysis.context import FileContext
from llmsight.analysis.rules._traffic import EXAMPLE_TRAFFIC, traffic_sites
from llmsight.analysis.rules.base import Invalid, Rule, Valid
from llmsight.analysis.rules.model_helpers import model_fix, model_name, with_prefix
from llmsight.records import Diagnostic


class ModelDrift(Rule):
    """## What it does
    Reads the response model (`gen_ai.response.model`) of a site's traffic hour by hour and reports a call
    whose requested model was answered by different snapshots over time — the provider moved an alias
    such as `gpt-4o` to a new snapshot — while the code still names the moving model.

    ## Why is this bad
    A new snapshot answers differently: formats, refusals, lengths and cost per answer change on the
    provider's schedule, without a deploy to roll back. Evaluations run against the old snapshot no
    longer describe production.

    ## Example
    ```python
    client.chat.completions.create(model="gpt-4o", messages=messages)
    # traffic: gpt-4o-2024-08-06 until 2026-11-05 13:00, then gpt-4o-2024-11-20
    ```

    ## Use instead
    ```python
    client.chat.completions.create(model="gpt-4o-2024-11-20", messages=messages)
    ```

    ## Fix safety
    Unsafe: it pins the snapshot the traffic shows last, which is what production runs today; pinning
    means snapshot upgrades become your decision (LLM008 reports the pinned one's deprecation). The
    literal is replaced where it is written when that is in this file; otherwise display-only.
    """

    code = "LLM015"
    name = "model-drift"
    severity = "warning"
    summary = "Traffic shows the served model snapshot changing over time for a floating model name"
    needs_traffic = True

    VALID = [
        Valid("""
            # llmsight: feature=drifting
            from openai import OpenAI
            OpenAI().chat.completions.create(model="gpt-4o-2024-11-20", messages=[])
        """, config={"traffic": EXAMPLE_TRAFFIC}),
        Valid("""
            # llmsight: feature=flaky
            from openai import OpenAI
            OpenAI().chat.completions.create(model="gpt-4o-mini", messages=[])
        """, config={"traffic": EXAMPLE_TRAFFIC}),
    ]
    INVALID = [
        Invalid("""
            # llmsight: feature=drifting
            from openai import OpenAI
            OpenAI().chat.completions.create(model="gpt-4o", messages=[])
        """, expected_fix="""
            # llmsight: feature=drifting
            from openai import OpenAI
            OpenAI().chat.completions.create(model="gpt-4o-2024-11-20", messages=[])
        """, config={"traffic": EXAMPLE_TRAFFIC}, message="then `gpt-4o-2024-11-20`"),
        Invalid("""
            # llmsight: feature=drifting
            import litellm
            litellm.completion(model="openai/gpt-4o", messages=[])
        """, expected_fix="""
            # llmsight: feature=drifting
            import litellm
            litellm.completion(model="openai/gpt-4o-2024-11-20", messages=[])
        """, config={"traffic": EXAMPLE_TRAFFIC}, message="`gpt-4o-2024-08-06` until"),
    ]

    def check(self, ctx: FileContext) -> Iterable[Diagnostic]:
        for site, call, st in traffic_sites(ctx):
            model = model_name(site)
            if model is None:
                continue
            requested = {m for _, m, _, _ in st.response_models}
            bare = model.split("/", 1)[-1]
            runs = self._runs([(day, served, n) for day, asked, served, n in st.response_models
                               if asked in (model, bare) or asked.split("/", 1)[-1] == bare])
            if len(runs) < 2 or bare in {served for served, _, _, _ in runs} or not requested:
                continue
            story = ", then ".join(f"`{served}` from {first}" + (f" until {last}" if i < len(runs) - 1 else "")
                                   if i else f"`{served}` until {last}"
                                   for i, (served, first, last, _) in enumerate(runs))
            latest = runs[-1][0]
            message = (f"`{model}` is a moving name: traffic shows it answered by {story} "
                       f"({sum(n for *_, n in runs):,} calls)")
            yield ctx.diagnostic(self, call, message, site,
                                 [model_fix(ctx, site, with_prefix(model, latest), f"Pin `{latest}`")])

    @staticmethod
    def _runs(days: list[tuple[str, str, int]]) -> list[tuple[str, str, str, int]]:
        """(served model, first hour, last hour, calls) for each stretch in which one snapshot served most calls."""
        per_day: dict[str, dict[str, int]] = {}
        for day, served, n in days:
            per_day.setdefault(day, {})[served] = per_day.setdefault(day, {}).get(served, 0) + n
        runs: list[list] = []
        for day in sorted(per_day):
            counts = per_day[day]
            top = max(sorted(counts), key=counts.get)
            if runs and runs[-1][0] == top:
                runs[-1][2] = day
                runs[-1][3] += sum(counts.values())
            else:
                runs.append([top, day, day, sum(counts.values())])
        return [tuple(r) for r in runs]
