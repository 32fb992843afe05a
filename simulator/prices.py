"""Per-token prices as a table the replay SQL joins, built from the catalog (design §4, §6).

The catalog's `cost` is linear in each token class below a model's long-context threshold, so one row
of rates per model (plus the rates above its threshold, when the map has one) re-prices any usage in
SQL exactly as `Catalog.cost` does. Batch rates come from the map's `*_batches` keys, else half the
standard rate (OpenAI's and Anthropic's batch discount), and say so.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable

import numpy as np

if TYPE_CHECKING:
    from llmsight.config import Config

BATCH_DISCOUNT = 0.5
_INPUT_TIER = re.compile(r"^input_cost_per_token_above_(\d+(?:\.\d+)?)(k?)_tokens$")

COLUMNS = ("model", "in_rate", "cached_rate", "write_rate", "out_rate", "reason_rate",
           "tier_above", "tier_in_rate", "tier_cached_rate", "tier_write_rate", "tier_out_rate", "tier_reason_rate",
           "batch_in_rate", "batch_out_rate")


@dataclass(frozen=True)
class PriceRow:
    model: str
    in_rate: float
    cached_rate: float
    write_rate: float
    out_rate: float
    reason_rate: float
    tier_above: float | None      # input tokens above which the tier rates apply (None: no tier)
    tier_in_rate: float
    tier_cached_rate: float
    tier_write_rate: float
    tier_out_rate: float
    tier_reason_rate: float
    batch_in_rate: float
    batch_out_rate: float
    batch_assumed: bool           # the map has no batch rates: BATCH_DISCOUNT applied

    def as_tuple(self) -> tuple:
        return tuple(getattr(self, c) for c in COLUMNS)

    def cost(self, input_tokens, output_tokens, cached=0, write=0, reasoning=0, batch: bool = False):
        """What the replay SQL computes for one attempt (scalars or numpy arrays, elementwise)."""
        base = self._cost((self.in_rate, self.cached_rate, self.write_rate, self.out_rate, self.reason_rate),
                          input_tokens, output_tokens, cached, write, reasoning, batch)
        if self.tier_above is None:
            return base
        tier = self._cost((self.tier_in_rate, self.tier_cached_rate, self.tier_write_rate, self.tier_out_rate,
                           self.tier_reason_rate), input_tokens, output_tokens, cached, write, reasoning, batch)
        if isinstance(input_tokens, np.ndarray):
            return np.where(input_tokens > self.tier_above, tier, base)
        return tier if input_tokens > self.tier_above else base

    def _cost(self, rates, inp, out, cached, write, reasoning, batch):
        rin, rc, rw, rout, rr = rates
        if batch:
            scale_in, scale_out = self.batch_scale
            rin, rc, rw, rout, rr = rin * scale_in, rc * scale_in, rw * scale_in, rout * scale_out, rr * scale_out
        return (inp - cached - write) * rin + cached * rc + write * rw + (out - reasoning) * rout + reasoning * rr

    @property
    def batch_scale(self) -> tuple[float, float]:
        """Batch rate over standard rate, for input and for output (applied to every token class)."""
        return (self.batch_in_rate / self.in_rate if self.in_rate else 0.0,
                self.batch_out_rate / self.out_rate if self.out_rate else 0.0)


def _tier_threshold(raw: dict) -> float | None:
    found = []
    for key in raw:
        m = _INPUT_TIER.match(key)
        if m and raw[key] is not None:
            found.append(float(m.group(1)) * (1000 if m.group(2) else 1))
    return min(found) if found else None


def price_row(model: str, config: "Config | None" = None) -> PriceRow | None:
    """Rates of one model as the catalog prices it; None when the catalog does not know the model."""
    from llmsight.knowledge.catalog import Catalog, Usage

    info = Catalog.load(config).lookup(model)
    if info is None:
        return None
    base = info.rates(Usage(input_tokens=1))
    above = _tier_threshold(dict(info.raw))
    tier = info.rates(Usage(input_tokens=int(above) + 1)) if above is not None else base
    raw = info.raw
    batch_in = raw.get("input_cost_per_token_batches")
    batch_out = raw.get("output_cost_per_token_batches")
    assumed = batch_in is None or batch_out is None
    return PriceRow(
        model=model, in_rate=base.input, cached_rate=base.cache_read, write_rate=base.cache_write,
        out_rate=base.output, reason_rate=base.reasoning, tier_above=above,
        tier_in_rate=tier.input, tier_cached_rate=tier.cache_read, tier_write_rate=tier.cache_write,
        tier_out_rate=tier.output, tier_reason_rate=tier.reasoning,
        batch_in_rate=float(batch_in) if batch_in is not None else base.input * BATCH_DISCOUNT,
        batch_out_rate=float(batch_out) if batch_out is not None else base.output * BATCH_DISCOUNT,
        batch_assumed=assumed,
    )


def price_rows(models: Iterable[str], config: "Config | None" = None) -> tuple[dict[str, PriceRow], list[str]]:
    """(rows by model, models the catalog does not know)."""
    rows, unknown = {}, []
    for m in sorted({m for m in models if m}):
        row = price_row(m, config)
        if row is None:
            unknown.append(m)
        else:
            rows[m] = row
    return rows, unknown


def last_listed_notes(models: Iterable[str], config: "Config | None" = None) -> list[str]:
    """One note per priced model the installed price data no longer lists: which release's price it is."""
    from llmsight.knowledge.catalog import Catalog
    from llmsight.knowledge.pricing import last_listed_note

    catalog = Catalog.load(config)
    return [f"{m}: {note}" for m in sorted(models)
            if (info := catalog.lookup(m)) is not None and (note := last_listed_note(info, config))]
