"""Static estimates: what a call costs and how long it takes when there is no traffic to learn from.

Input tokens are the prompt's literal parts (dynamic parts not counted, or `default_input_tokens` from
config when set). An embedding's cost is all the text it is sent: text known only at run time counts as
`default_input_tokens`, else as the input-size prior (`knowledge.priors.input_prior`: one text of a default
splitter chunk, priced per text, said so); speech of run-time text has no sourced prior and no cost without
`default_input_tokens`, never $0. A rerank row billed per search (`input_cost_per_query`) is one search per
call. Output tokens are the expected output: the output prior for the model, operation and the task the
prompt's literal text names (`knowledge/data/output_priors.csv`, each row with its source); never more than the call's cap (`default_output_tokens` is LLM005's assumption, not an estimate's).
The cap (else the model's output limit) is the upper bound of the cost's `range` (basis `output-cap`);
a site whose model set holds several priced models gets the `model-set` range instead. `Metric.low/high` stay confidence
intervals, which a static estimate has none of. Latency comes from the model family's prior.
"""
from __future__ import annotations

import dataclasses
from typing import NamedTuple

from llmsight.analysis.catalog_names import price_entry, unpriced_reason
from llmsight.config import Config
from llmsight.records import CallSite, Estimate, Metric, ModelSetting, Range


def expected_output(site: CallSite, model: str | None) -> tuple[int, int, str | None]:
    """(output tokens expected, of which hidden reasoning billed as output, where that comes from)."""
    from llmsight.knowledge.priors import output_prior

    if site.operation in ("embedding", "rerank"):   # vectors and scores: no text generated
        return 0, 0, None
    cap = _cap(site)
    prior = output_prior(model, site.operation, site.prompt.task)
    tokens, reasoning = prior.output_tokens + prior.reasoning_tokens, prior.reasoning_tokens
    what = f"{prior.task} prompt" if prior.task != "*" else "a call"
    hidden = f", {reasoning:,} of them hidden reasoning" if reasoning else ""
    basis = f"{tokens:,} tokens expected for {what}{hidden} ({prior.source}, {prior.date})"
    if cap is not None and tokens > cap:
        return cap, min(reasoning, cap), f"at the cap ({cap:,}; {basis} exceed it)"
    return tokens, reasoning, basis


def _cap(site: CallSite) -> int | None:
    value = site.max_tokens.value
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


class StandIn(NamedTuple):
    """Tokens that stand for a call's text known only at run time, and how the estimate says so."""

    tokens: int
    label: str      # `default_input_tokens=800`, `1,000 tokens per text`
    why: str        # where the figure comes from and how to replace it
    basis: str      # what a per-token cost rests on
    counted: str    # what a per-character cost rests on
    per_text: bool = False  # the input-size prior: the cost is per text


def _stand_in(site: CallSite, config: Config) -> StandIn | None:
    """`default_input_tokens` when set, else the input-size prior of a call whose whole cost is the text it
    is sent (an embedding); None when the prompt has no run-time part or neither applies."""
    from llmsight.knowledge.priors import input_prior

    if not site.prompt.dynamic:
        return None
    if config.default_input_tokens is not None:
        return StandIn(config.default_input_tokens, f"default_input_tokens={config.default_input_tokens}",
                       "prompt has dynamic parts", "prompt tokens", "default_input_tokens in characters")
    prior = input_prior(site.operation)
    if prior is None:
        return None
    replace = "set default_input_tokens to replace it"
    return StandIn(prior.tokens, f"{prior.tokens:,} tokens expected per text",
                   f"input-size prior: {prior.source}, {prior.date}; a list of texts costs this for each text; {replace}",
                   f"the input-size prior of {prior.tokens:,} tokens per text ({replace})",
                   f"the input-size prior of {prior.tokens:,} tokens per text in characters ({replace})", per_text=True)


def static_estimate(site: CallSite, config: Config) -> Estimate:
    from llmsight.knowledge.catalog import Catalog, Usage, character_cost, cost_of, search_price, served_operation
    from llmsight.knowledge.pricing import last_listed_note
    from llmsight.knowledge.priors import static_latency

    model = site.model.value if isinstance(site.model.value, str) else None
    catalog = Catalog.load(config)
    info = price_entry(catalog, site, model) if model else None
    operation = served_operation(site.operation, info)
    if operation != site.operation:   # an embedding model through Bedrock's invoke_model: estimated as an embedding
        site = dataclasses.replace(site, operation=operation)
    notes: list[str] = []
    input_tokens = site.prompt.static_tokens
    stand_in = _stand_in(site, config)
    if stand_in is not None:
        input_tokens = max(input_tokens, stand_in.tokens)
        notes.append(f"input: {stand_in.label} ({stand_in.why})")
    elif site.prompt.dynamic:
        notes.append("input: literal prompt parts only (dynamic parts not counted)")
    output_tokens, reasoning, output_basis = expected_output(site, model)
    if output_basis:
        notes.append(f"output: {output_basis}")
    usage = Usage(input_tokens=input_tokens, output_tokens=output_tokens, reasoning_tokens=reasoning)
    spread = _model_set_range(site, catalog, input_tokens)
    characters = _characters(site, stand_in, info, output_tokens) if info is not None and info.has_character_prices \
        else None
    per_search = search_price(info.raw) if info is not None and site.operation == "rerank" else None
    unsized = _run_time_input(site, stand_in, site.prompt.static_tokens, output_tokens, "token", info.name) \
        if info is not None and characters is None and not per_search else None
    if unsized:
        spread = None   # every model of the set would read $0 too
    if info is None or isinstance(characters, str) or unsized or (characters is None and not info.has_token_prices):
        unknown = site.model.unknown if isinstance(site.model, ModelSetting) else None
        reason = (f"model not resolved: {unknown}" if unknown else "model not resolved") if model is None \
            else characters if isinstance(characters, str) else unsized or unpriced_reason(catalog, site, model, info)
        return Estimate(site.id, model if spread is None else None, input_tokens, output_tokens,
                        Metric(None, source="static", prior=reason), source="static", notes=tuple(notes + [reason]),
                        range=spread)
    listed = last_listed_note(info, config)
    if listed:
        notes.append(f"price: {listed}")
    listed_price = f" at litellm {info.listed_in}'s last listed price" if info.listed_in else ""
    if characters is not None:
        input_chars, output_chars, basis, counted = characters
        notes = [n for n in notes if not n.startswith("input:")] + counted   # said again in characters
        cost = character_cost(info.raw, input_chars, output_chars)
        inputs = f"{basis} at the per-character price"
    elif per_search:
        cost = cost_of(info.raw, usage, info.provider)
        cost = dataclasses.replace(cost, input=cost.input + per_search)
        inputs = "one search per call at the per-search price"
        notes = [n for n in notes if not n.startswith("input:")]   # billed per search, not per token
        notes.append(f"input: one search per call at ${per_search:g} (the price data's input_cost_per_query; "
                     "the query and documents are not billed per token)")
    else:
        cost = cost_of(info.raw, usage, info.provider)
        inputs = (stand_in.basis if stand_in is not None else "literal prompt tokens (dynamic parts not counted)"
                  if site.prompt.dynamic else "prompt tokens") + (" and expected output" if output_basis else "")
    if spread is None and characters is None and not per_search:
        spread = _output_cap_range(site, info, usage, cost.total, notes)
    breakdown = {"input": cost.input, "cached_input": cost.cached_input, "cache_write": cost.cache_write,
                 "output": cost.output, "reasoning": cost.reasoning}
    volume = config.volumes.get(site.id) or (config.volumes.get(site.feature) if site.feature else None)
    per_month = Metric(cost.total * volume, source="static", prior="configured volume") if volume else None
    p50 = p95 = p99 = ttft = None
    if site.operation in ("chat", "completion", "responses"):
        lat = static_latency(model, output_tokens - reasoning)   # the prior's TTFT holds hidden reasoning
        prior = f"latency prior for {lat.pattern} ({lat.source}, {lat.date})"
        p50, p95, p99 = (Metric(v, source="prior", prior=prior) for v in (lat.p50, lat.p95, lat.p99))
        ttft = Metric(lat.ttft, source="prior", prior=prior)
    return Estimate(
        site_id=site.id, model=model, input_tokens=input_tokens, output_tokens=output_tokens,
        cost_per_call=Metric(cost.total, source="static", prior=f"{inputs}{listed_price}"),
        cost_breakdown=breakdown, cost_per_month=per_month, calls_per_month=volume,
        latency_p50_s=p50, latency_p95_s=p95, latency_p99_s=p99, ttft_s=ttft, source="static", notes=tuple(notes),
        range=spread, per_text_tokens=stand_in.tokens if stand_in is not None and stand_in.per_text else None,
    )


def _characters(site: CallSite, stand_in: StandIn | None, info, output_tokens: int) \
        -> tuple[int, int, str, list[str]] | str:
    """For a row billed per character: (input characters, output characters, what the count is, notes), or
    why the call cannot be priced. The input is the literal text's characters; text known only at run time
    counts as its stand-in (`default_input_tokens`, else an embedding's input-size prior) at the documented
    characters per token. Output text (the PaLM rows) is the expected output tokens in characters; speech
    returns audio, so speech of run-time text with no stand-in is not priced, never $0."""
    from llmsight.knowledge.catalog import as_characters
    from llmsight.knowledge.pricing import output_characters
    from llmsight.knowledge.tokens import FALLBACK_CHARS_PER_TOKEN

    per_token = f"{FALLBACK_CHARS_PER_TOKEN:g} characters per token"
    output_chars = output_characters(info, output_tokens)
    chars, notes, counted = site.prompt.static_chars, [], "the input text's characters"
    unsized = _run_time_input(site, stand_in, chars, output_chars, "character", info.name)
    if unsized:
        return unsized
    if not site.prompt.dynamic:
        notes.append(f"input: {chars:,} characters")
    elif stand_in is not None:
        chars, counted = max(chars, as_characters(stand_in.tokens)), stand_in.counted
        notes.append(f"input: {chars:,} characters ({stand_in.label} at {per_token}; {stand_in.why})")
    else:
        counted = "the input text's literal characters (dynamic parts not counted)"
        notes.append(f"input: {chars:,} literal characters (dynamic parts not counted)")
    if output_chars:
        notes.append(f"output: {output_chars:,} characters ({output_tokens:,} expected tokens at {per_token})")
    return chars, output_chars, counted + (" and expected output" if output_chars else ""), notes


def _run_time_input(site: CallSite, stand_in: StandIn | None, literal: int, output: int, unit: str,
                    name: str) -> str | None:
    """Why a call billed only for what it is sent (speech, a rerank billed per token) is not priced: that text
    is known only at run time, has no literal part and nothing stands in for it (no `default_input_tokens`, no
    input-size prior for its kind). Never $0/call."""
    if not site.prompt.dynamic or literal or output or stand_in is not None:
        return None
    return (f"cost depends on input size: the price data bills {name} per {unit} of the text it is sent, known "
            "only at run time; set default_input_tokens to price it")


def _output_cap_range(site: CallSite, info, usage, expected: float, notes: list[str]) -> Range | None:
    """Cost per call from the expected output up to the call's cap, else the model's output limit."""
    from llmsight.knowledge.catalog import cost_of

    bound = _cap(site) or (info.max_output_tokens if site.max_tokens.source != "unresolved" else None)
    if site.operation == "embedding" or not bound or bound <= usage.output_tokens:
        return None
    why = "the call's cap" if _cap(site) else "the model's output limit: no cap"
    notes.append(f"output: up to {bound:,} tokens ({why})")
    high = cost_of(info.raw, dataclasses.replace(usage, output_tokens=bound), info.provider).total
    return Range(expected, high, "output-cap")


def _model_set_range(site: CallSite, catalog, input_tokens: int) -> Range | None:
    """Cost per call from the cheapest to the priciest model of the site's model set, each at its own
    expected output (models missing from the price data are left out; None with fewer than two priced)."""
    from llmsight.knowledge.catalog import Usage, cost_of

    candidates = site.model.candidates if isinstance(site.model, ModelSetting) else ()
    costs = []
    for c in candidates:
        info = price_entry(catalog, site, c.value)
        if info is not None and info.has_token_prices:
            output, reasoning, _ = expected_output(site, c.value)
            usage = Usage(input_tokens=input_tokens, output_tokens=output, reasoning_tokens=reasoning)
            costs.append(cost_of(info.raw, usage, info.provider).total)
    return Range(min(costs), max(costs), "model-set") if len(costs) >= 2 else None
