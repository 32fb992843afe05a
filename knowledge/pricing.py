"""Quotes for `llm-lint price`: what one call costs on each model, with the facts a user needs next to it
(context window, alias target, deprecation, which price data). Faces format; this module decides."""
from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Sequence

from llmsight.knowledge.catalog import (Catalog, Cost, ModelInfo, Rates, Usage, as_characters, billing_units,
                                        bills_output_text, character_cost, no_token_price, search_price)
from llmsight.knowledge.models import AliasInfo, Deprecation, alias_info, deprecation

if TYPE_CHECKING:
    from llmsight.config import Config


@dataclass(frozen=True)
class Quote:
    requested: str                      # the model as the user wrote it
    model: str | None                   # the catalog row it resolved to; None when unknown
    provider: str | None = None
    mode: str | None = None
    cost: Cost | None = None
    rates: Rates | None = None
    context_window: int | None = None
    max_output_tokens: int | None = None
    alias: AliasInfo | None = None
    deprecation: Deprecation | None = None
    suggestions: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    price_data: str = ""

    @property
    def found(self) -> bool:
        return self.model is not None

    def as_dict(self) -> dict[str, Any]:
        dep = self.deprecation
        return {
            "requested": self.requested, "model": self.model, "found": self.found, "provider": self.provider,
            "mode": self.mode,
            "cost": self.cost.as_dict() if self.cost else None,
            "rates_per_token": None if self.rates is None else {
                "input": self.rates.input, "cached_input": self.rates.cache_read,
                "cache_write": self.rates.cache_write, "output": self.rates.output,
                "reasoning": self.rates.reasoning, "tier": self.rates.tier},
            "context_window": self.context_window, "max_output_tokens": self.max_output_tokens,
            "alias": None if self.alias is None else {"snapshot": self.alias.snapshot, "source": self.alias.source,
                                                      "date": self.alias.date or None},
            "deprecation": None if dep is None else {
                "date": dep.date.isoformat() if dep.date else None, "kind": dep.kind, "passed": dep.passed(),
                "successor": dep.successor, "successor_chain": list(dep.successor_chain), "source": dep.source},
            "suggestions": list(self.suggestions), "notes": list(self.notes), "price_data": self.price_data,
        }


def last_listed_note(info: ModelInfo, config: "Config | None" = None) -> str | None:
    """For a price from a row the installed price data no longer holds: the litellm release it was last
    listed in and, where a deprecation row dates it, when the model was retired; None for an installed row."""
    if info.listed_in is None:
        return None
    dep = deprecation(info.requested or info.name, config)
    retired = f"; retired on {dep.date.isoformat()}" if dep is not None and dep.passed() else ""
    return (f"last listed price, litellm {info.listed_in}{retired} (the installed price data no longer "
            f"lists {info.name})")


def _notes(catalog: Catalog, info, usage: Usage, alias: AliasInfo | None, dep: Deprecation | None,
           config: "Config | None") -> list[str]:
    notes: list[str] = []
    listed = last_listed_note(info, config)
    if listed:
        notes.append(listed)
    if info.via == "config.models":
        notes.append(f"{info.requested} is mapped to {info.name} by [tool.llmsight.models]")
    elif info.alias_of:
        notes.append(f"the price map serves {info.name} as {info.alias_of}")
    if info.name in catalog.overridden:
        notes.append("prices from the project's prices override")
    per_search = search_price(info.raw)
    if per_search:
        notes.append(f"one search per call at ${per_search:g} (the price data's input_cost_per_query)")
    uncounted = [unit for unit in billing_units(info.raw) if not unit.endswith("token")
                 and not (unit == "query" and per_search) and not (unit == "character" and info.has_character_prices)]
    if info.has_character_prices:
        notes.append(_characters_note(info, usage))
    elif not info.has_token_prices and not per_search:
        notes.append(f"{no_token_price(info.name, uncounted)}, so its token cost shows as $0; add its token prices "
                     "with `prices`")
    elif uncounted:
        notes.append(f"{info.name} also bills per {', per '.join(uncounted)}; only its per-token prices are counted")
    if info.max_input_tokens and usage.input_tokens > info.max_input_tokens:
        notes.append(f"{usage.input_tokens:,} input tokens exceed the context window of {info.max_input_tokens:,}")
    if info.max_output_tokens and usage.output_tokens > info.max_output_tokens:
        notes.append(f"{usage.output_tokens:,} output tokens exceed the output limit of {info.max_output_tokens:,}")
    if usage.reasoning_tokens and not info.supports_reasoning:
        notes.append(f"{info.name} is not listed as a reasoning model; reasoning tokens billed as output")
    if alias is not None:
        target = f"today {alias.snapshot}" if alias.snapshot else "no dated snapshot"
        notes.append(f"floating alias ({target}; {alias.source}): pin a snapshot so behaviour does not move")
    if dep is not None:
        notes.append(_deprecation_note(dep))
    return notes


def output_characters(info: ModelInfo, output_tokens: int) -> int:
    """Characters a per-character row bills for `output_tokens` of returned text: the tokens in characters
    where the row bills output text (PaLM, MedLM), 0 where it returns audio (speech). A quote and a static
    estimate both count output this way."""
    return as_characters(output_tokens) if bills_output_text(info.raw) else 0


def _characters(info: ModelInfo, usage: Usage) -> tuple[int, int]:
    """(input, output) characters a quote's tokens stand for on a row billed per character."""
    return as_characters(usage.input_tokens), output_characters(info, usage.output_tokens)


def _cost(catalog: Catalog, requested: str, info: ModelInfo, usage: Usage) -> Cost:
    """One call's cost: per character on a row billed so, else per token, plus one search on a row billed per
    search (a rerank: as a static estimate counts it)."""
    if info.has_character_prices:
        return character_cost(info.raw, *_characters(info, usage))
    cost = catalog.cost(requested, usage)
    per_search = search_price(info.raw)
    return dataclasses.replace(cost, input=cost.input + per_search) if per_search else cost


def _characters_note(info: ModelInfo, usage: Usage) -> str:
    from llmsight.knowledge.tokens import FALLBACK_CHARS_PER_TOKEN

    chars, output = _characters(info, usage)
    returned = f" and {usage.output_tokens:,} output tokens as {output:,}" if output else ""
    return (f"billed per character: {usage.input_tokens:,} input tokens counted as {chars:,} characters{returned} "
            f"({FALLBACK_CHARS_PER_TOKEN:g} characters per token)")


def _deprecation_note(dep: Deprecation, today: dt.date | None = None) -> str:
    when = dep.date.isoformat() if dep.date else "(date unknown)"
    past = dep.passed(today)
    if dep.kind == "shutdown":
        state = "retired" if past else "shuts down"
    else:
        state = "deprecated since" if past else "deprecated from"
    successor = f"; successor {dep.successor}" if dep.successor else ""
    return f"{state} {when}{successor} ({dep.source})"


def quote(models: Sequence[str], usage: Usage, config: "Config | None" = None) -> list[Quote]:
    """One quote per requested model, in order; unknown models carry did-you-mean suggestions."""
    problems = usage.problems()
    if problems:
        name, why = problems[0]
        raise ValueError(f"{name}: {why}")
    catalog = Catalog.load(config)
    out: list[Quote] = []
    for requested in models:
        info = catalog.lookup(requested)
        if info is None:
            dep = deprecation(requested, config)
            notes = (f"not in the price data; {_deprecation_note(dep)}",) if dep else ()
            out.append(Quote(requested, None, deprecation=dep, suggestions=tuple(catalog.suggest(requested)),
                             notes=notes, price_data=catalog.price_data))
            continue
        alias = alias_info(requested, config)
        dep = deprecation(requested, config)
        out.append(Quote(
            requested=requested, model=info.name, provider=info.provider, mode=info.mode,
            cost=_cost(catalog, requested, info, usage), rates=info.rates(usage),
            context_window=info.max_input_tokens, max_output_tokens=info.max_output_tokens,
            alias=alias, deprecation=dep, notes=tuple(_notes(catalog, info, usage, alias, dep, config)),
            price_data=catalog.price_data,
        ))
    return out
