"""Static estimates: what a call costs and how long it takes when there is no traffic to learn from.

Input tokens are the prompt's literal parts (a lower bound when parts are dynamic, or
`default_input_tokens` from config when set); output tokens are the call's cap, else
`default_output_tokens`. Latency comes from the model family's prior. Every figure says so.
"""
from __future__ import annotations

from llmsight.analysis.catalog_names import catalog_entry, unpriced_reason
from llmsight.config import Config
from llmsight.records import CallSite, Estimate, Metric, ModelSetting, Range


def static_estimate(site: CallSite, config: Config) -> Estimate:
    from llmsight.knowledge.catalog import Catalog, Usage, cost_of
    from llmsight.knowledge.priors import static_latency

    model = site.model.value if isinstance(site.model.value, str) else None
    notes: list[str] = []
    input_tokens = site.prompt.static_tokens
    if site.prompt.dynamic:
        if config.default_input_tokens is not None:
            input_tokens = max(input_tokens, config.default_input_tokens)
            notes.append(f"input: default_input_tokens={config.default_input_tokens} (prompt has dynamic parts)")
        else:
            notes.append("input: literal prompt parts only (dynamic parts not counted)")
    # a cost from literal parts of a prompt with dynamic parts is a floor: low = value, no high
    lower_bound = site.prompt.dynamic and config.default_input_tokens is None
    if site.operation == "embedding":
        output_tokens = 0
    elif isinstance(site.max_tokens.value, int) and site.max_tokens.value > 0:
        output_tokens = site.max_tokens.value
        notes.append(f"output: at the cap ({output_tokens})")
    else:
        output_tokens = config.default_output_tokens
        why = "cap set at run time" if site.max_tokens.source == "unresolved" else "no cap"
        notes.append(f"output: default_output_tokens={output_tokens} ({why})")
    catalog = Catalog.load(config)
    info = catalog_entry(catalog, site, model) if model else None
    usage = Usage(input_tokens=input_tokens, output_tokens=output_tokens)
    spread = _model_set_range(site, catalog, usage)
    if info is None:
        unknown = site.model.unknown if isinstance(site.model, ModelSetting) else None
        reason = (f"model not resolved: {unknown}" if unknown else "model not resolved") if model is None \
            else unpriced_reason(catalog, site, model)
        return Estimate(site.id, model if spread is None else None, input_tokens, output_tokens,
                        Metric(None, source="static", prior=reason), source="static", notes=tuple(notes + [reason]),
                        range=spread)
    cost = cost_of(info.raw, usage, info.provider)
    breakdown = {"input": cost.input, "cached_input": cost.cached_input, "cache_write": cost.cache_write,
                 "output": cost.output, "reasoning": cost.reasoning}
    volume = config.volumes.get(site.id) or (config.volumes.get(site.feature) if site.feature else None)
    per_month = Metric(cost.total * volume, low=cost.total * volume if lower_bound else None, source="static",
                       prior="configured volume") if volume else None
    p50 = p95 = p99 = ttft = None
    if site.operation in ("chat", "completion", "responses"):
        lat = static_latency(model, output_tokens)
        prior = f"latency prior for {lat.pattern} ({lat.source}, {lat.date})"
        p50, p95, p99 = (Metric(v, source="prior", prior=prior) for v in (lat.p50, lat.p95, lat.p99))
        ttft = Metric(lat.ttft, source="prior", prior=prior)
    return Estimate(
        site_id=site.id, model=model, input_tokens=input_tokens, output_tokens=output_tokens,
        cost_per_call=Metric(cost.total, low=cost.total if lower_bound else None, source="static",
                             prior="literal prompt tokens (a lower bound: dynamic parts not counted) and output cap"
                             if lower_bound else "literal prompt tokens and output cap"),
        cost_breakdown=breakdown, cost_per_month=per_month, calls_per_month=volume,
        latency_p50_s=p50, latency_p95_s=p95, latency_p99_s=p99, ttft_s=ttft, source="static", notes=tuple(notes),
        range=spread,
    )


def _model_set_range(site: CallSite, catalog, usage) -> Range | None:
    """Cost per call from the cheapest to the priciest model of the site's model set (models missing from
    the price data are left out; None with fewer than two priced models)."""
    candidates = site.model.candidates if isinstance(site.model, ModelSetting) else ()
    from llmsight.knowledge.catalog import cost_of

    entries = (catalog_entry(catalog, site, c.value) for c in candidates)
    costs = [cost_of(info.raw, usage, info.provider).total for info in entries if info is not None]
    return Range(min(costs), max(costs), "model-set") if len(costs) >= 2 else None
