"""Seeded synthetic traffic in the canonical row format (design §6), for examples, tests and benchmarks.

Each call site has a traffic share, its models, prompt and answer sizes and a client timeout; each
model has a TTFT distribution (log-normal base plus prefill time per uncached input token), an output
throughput distribution (log-logistic), an error rate, a rate of calls that hang until the client
gives up, a quality score and the snapshots a floating alias served over time. Everything is drawn
with numpy from one seed, so the same arguments give the same rows.

The parameters are known exactly (`ModelProfile.ttft_quantile`, `throughput_quantile`), which is what
the tests compare the fitted models against; the fits themselves assume no distribution family.
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from pathlib import Path
from statistics import NormalDist
from typing import Sequence

import numpy as np
import pyarrow as pa

from llmsight.simulator.store import CALL_COLUMNS

ERROR_TYPES = ("RateLimitError", "InternalServerError", "APIConnectionError")


@dataclass(frozen=True)
class ModelProfile:
    name: str
    provider: str
    ttft_ms: float                 # median TTFT with no input to prefill
    ttft_sigma: float              # log-space spread of that TTFT
    prefill_ms_per_1k: float       # extra TTFT per 1,000 uncached input tokens
    tokens_per_s: float            # median output throughput
    tps_shape: float               # log-logistic shape: quantile p is median * (p / (1 - p)) ** shape
    error_rate: float
    hang_rate: float               # calls that never answer: they end at the client timeout
    quality: float
    quality_sd: float = 0.05
    reasoning_share: float = 0.0   # part of the output that is reasoning tokens
    snapshots: tuple[tuple[float, str], ...] = ()   # (from this fraction of the time span, response model)

    def ttft_quantile(self, p: float, uncached_input_tokens: float = 0.0) -> float:
        return (self.ttft_ms * math.exp(self.ttft_sigma * NormalDist().inv_cdf(p))
                + self.prefill_ms_per_1k * uncached_input_tokens / 1000)

    def throughput_quantile(self, p: float) -> float:
        return self.tokens_per_s * (p / (1 - p)) ** self.tps_shape

    def response_model_at(self, fraction: float) -> str:
        current = self.name
        for start, snapshot in self.snapshots:
            if fraction >= start:
                current = snapshot
        return current


@dataclass(frozen=True)
class SiteProfile:
    code_file: str
    code_line: int
    code_function: str
    feature: str
    models: tuple[tuple[str, float], ...]   # (model, share of this site's calls)
    weight: float = 1.0                      # share of all traffic
    operation: str = "chat"
    input_tokens: float = 1200               # median prompt size
    input_sigma: float = 0.6
    output_tokens: float = 300               # median answer size
    output_sigma: float = 0.7
    max_tokens: int | None = None
    prefix_tokens: int = 0                   # static prompt prefix that provider caching can serve
    cache_hit_rate: float = 0.0
    cache_writes: bool = False               # Anthropic-style: a miss writes the prefix to the cache
    timeout_s: float = 60.0
    scored: bool = True                      # rows carry a quality score
    tenants: tuple[str, ...] = ("acme", "globex", "initech")


MODELS: dict[str, ModelProfile] = {m.name: m for m in (
    ModelProfile("gpt-4o", "openai", 420, 0.35, 60, 85, 0.18, 0.006, 0.002, 0.86,
                 snapshots=((0.0, "gpt-4o-2024-08-06"), (0.6, "gpt-4o-2024-11-20"))),
    ModelProfile("gpt-4o-mini", "openai", 330, 0.35, 45, 95, 0.18, 0.004, 0.001, 0.845,
                 snapshots=((0.0, "gpt-4o-mini-2024-07-18"),)),
    ModelProfile("gpt-4.1", "openai", 450, 0.35, 55, 80, 0.18, 0.005, 0.002, 0.87),
    ModelProfile("gpt-4.1-mini", "openai", 350, 0.3, 40, 100, 0.15, 0.004, 0.001, 0.83),
    ModelProfile("o4-mini", "openai", 2500, 0.5, 60, 110, 0.2, 0.01, 0.004, 0.89, reasoning_share=0.6),
    ModelProfile("claude-sonnet-4-5", "anthropic", 900, 0.4, 80, 65, 0.2, 0.012, 0.003, 0.9),
    ModelProfile("claude-haiku-4-5", "anthropic", 500, 0.35, 50, 110, 0.18, 0.008, 0.002, 0.84),
    ModelProfile("gemini-2.5-flash", "gemini", 600, 0.4, 40, 160, 0.2, 0.01, 0.002, 0.83),
    ModelProfile("text-embedding-3-small", "openai", 150, 0.3, 15, 1.0, 0.1, 0.002, 0.0005, 1.0),
)}

SITES: tuple[SiteProfile, ...] = (
    SiteProfile("app/chat.py", 18, "SupportChat.answer", "chat", (("gpt-4o", 0.85), ("gpt-4o-mini", 0.15)),
                weight=0.45, input_tokens=1800, output_tokens=260, prefix_tokens=1100, cache_hit_rate=0.35,
                timeout_s=30.0),
    SiteProfile("app/summarize.py", 15, "summarize_tickets", "summarize", (("claude-sonnet-4-5", 1.0),),
                weight=0.15, input_tokens=3500, output_tokens=520, max_tokens=800, prefix_tokens=1500,
                cache_hit_rate=0.6, cache_writes=True, timeout_s=60.0),
    SiteProfile("app/embed.py", 10, "embed_articles", "search", (("text-embedding-3-small", 1.0),),
                weight=0.3, operation="embedding", input_tokens=600, output_tokens=0, timeout_s=20.0, scored=False),
    SiteProfile("app/embed.py", 16, "classify", "search", (("gpt-4.1-mini", 1.0),),
                weight=0.1, input_tokens=250, output_tokens=12, output_sigma=0.3, timeout_s=20.0),
)


def generate(n: int, seed: int = 0, sites: Sequence[SiteProfile] = SITES,
             models: dict[str, ModelProfile] | None = None, start: dt.datetime = dt.datetime(2026, 11, 1),
             days: float = 7.0, config=None) -> pa.Table:
    """`n` canonical rows over `days` from `start`, drawn from `sites` and `models` with `seed`."""
    from llmsight.simulator.prices import price_rows

    models = {**MODELS, **(models or {})}
    rng = np.random.default_rng(seed)
    weights = np.array([s.weight for s in sites], dtype=float)
    site_idx = rng.choice(len(sites), size=n, p=weights / weights.sum())
    fraction = np.sort(rng.random(n))
    ts = np.datetime64(start, "us") + (fraction * days * 86_400e6).astype("timedelta64[us]")

    cols: dict[str, np.ndarray] = {
        "model": np.empty(n, dtype=object), "response_model": np.empty(n, dtype=object),
        "provider": np.empty(n, dtype=object), "operation": np.empty(n, dtype=object),
        "code_file": np.empty(n, dtype=object), "code_function": np.empty(n, dtype=object),
        "feature": np.empty(n, dtype=object), "tenant": np.empty(n, dtype=object),
        "status": np.full(n, "ok", dtype=object), "error_type": np.full(n, None, dtype=object),
    }
    for name in ("input_tokens", "output_tokens", "cached_input_tokens", "cache_write_input_tokens",
                 "reasoning_tokens", "code_line"):
        cols[name] = np.zeros(n, dtype=np.int64)
    for name in ("latency_ms", "ttft_ms", "quality", "cost_usd"):
        cols[name] = np.full(n, np.nan)

    model_names: list[str] = []
    for i, site in enumerate(sites):
        rows = np.flatnonzero(site_idx == i)
        if rows.size == 0:
            continue
        shares = np.array([s for _, s in site.models], dtype=float)
        pick = rng.choice(len(site.models), size=rows.size, p=shares / shares.sum())
        for j, (model_name, _) in enumerate(site.models):
            sel = rows[pick == j]
            if sel.size:
                model_names.append(model_name)
                _draw(rng, cols, sel, site, models[model_name], fraction[sel])

    prices, _ = price_rows(model_names, config)
    for name in set(model_names):
        row = prices.get(name)
        sel = cols["model"] == name
        if row is None:
            continue
        cols["cost_usd"][sel] = row.cost(cols["input_tokens"][sel], cols["output_tokens"][sel],
                                         cols["cached_input_tokens"][sel], cols["cache_write_input_tokens"][sel],
                                         cols["reasoning_tokens"][sel])

    trace = rng.integers(0, 2**63 - 1, size=n, dtype=np.int64)
    arrays = {
        "ts": pa.array(ts), "trace_id": pa.array([f"{t:016x}" for t in trace]),
        **{k: pa.array(v, type=pa.string()) for k, v in cols.items() if v.dtype == object},
        **{k: pa.array(v, type=pa.int64()) for k, v in cols.items() if v.dtype == np.int64},
        **{k: pa.array(v, type=pa.float64(), mask=np.isnan(v)) for k, v in cols.items() if v.dtype == np.float64},
        "attempt": pa.array(np.ones(n, dtype=np.int32)),
    }
    return pa.table({name: arrays[name] for name, _ in CALL_COLUMNS})


def _draw(rng: np.random.Generator, cols: dict[str, np.ndarray], sel: np.ndarray, site: SiteProfile,
          model: ModelProfile, fraction: np.ndarray) -> None:
    k = sel.size
    cols["model"][sel] = model.name
    cols["provider"][sel] = model.provider
    cols["response_model"][sel] = [model.response_model_at(f) for f in fraction] if model.snapshots else model.name
    cols["operation"][sel] = site.operation
    cols["code_file"][sel] = site.code_file
    cols["code_line"][sel] = site.code_line
    cols["code_function"][sel] = site.code_function
    cols["feature"][sel] = site.feature
    cols["tenant"][sel] = np.array(site.tenants, dtype=object)[rng.integers(0, len(site.tenants), size=k)]

    inp = np.maximum(np.rint(site.input_tokens * np.exp(site.input_sigma * rng.standard_normal(k))), 1)
    if site.prefix_tokens:
        inp = np.maximum(inp, site.prefix_tokens + 1)
    hit = rng.random(k) < site.cache_hit_rate
    cached = np.where(hit, site.prefix_tokens, 0)
    write = np.where(~hit & site.cache_writes, site.prefix_tokens, 0)
    if site.operation == "embedding":
        out = np.zeros(k)
    else:
        out = np.maximum(np.rint(site.output_tokens * np.exp(site.output_sigma * rng.standard_normal(k))), 1)
        if site.max_tokens:
            out = np.minimum(out, site.max_tokens)
    ttft = (model.ttft_ms * np.exp(model.ttft_sigma * rng.standard_normal(k))
            + model.prefill_ms_per_1k * (inp - cached) / 1000)
    p = rng.uniform(1e-6, 1 - 1e-6, size=k)
    tps = model.tokens_per_s * (p / (1 - p)) ** model.tps_shape
    latency = ttft + out / tps * 1000

    error = rng.random(k) < model.error_rate
    hang = ~error & (rng.random(k) < model.hang_rate)
    timeout = ~error & (hang | (latency > site.timeout_s * 1000))
    ok = ~error & ~timeout
    latency = np.where(timeout, site.timeout_s * 1000, latency)
    latency = np.where(error, ttft * rng.uniform(0.2, 1.0, size=k), latency)

    cols["input_tokens"][sel] = np.where(error, 0, inp)
    cols["cached_input_tokens"][sel] = np.where(ok, cached, 0)
    cols["cache_write_input_tokens"][sel] = np.where(ok, write, 0)
    cols["output_tokens"][sel] = np.where(ok, out, 0)
    cols["reasoning_tokens"][sel] = np.where(ok, np.rint(out * model.reasoning_share), 0)
    cols["latency_ms"][sel] = latency
    cols["ttft_ms"][sel] = np.where(ok, ttft, np.nan)
    status = np.where(error, "error", np.where(timeout, "timeout", "ok")).astype(object)
    cols["status"][sel] = status
    cols["error_type"][sel] = np.where(
        error, np.array(ERROR_TYPES, dtype=object)[rng.integers(0, len(ERROR_TYPES), size=k)],
        np.where(timeout, "Timeout", None))
    if site.scored:
        q = np.clip(model.quality + model.quality_sd * rng.standard_normal(k), 0, 1)
        cols["quality"][sel] = np.where(ok, q, np.nan)


def write(table: pa.Table, path: str | Path) -> Path:
    """Write rows as JSONL (`.jsonl`), Parquet (`.parquet`) or CSV (`.csv`), by suffix."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        import pyarrow.parquet as pq

        pq.write_table(table, path)
    elif suffix == ".csv":
        import pyarrow.csv as pacsv

        pacsv.write_csv(table, path)
    elif suffix in (".jsonl", ".json"):
        import json

        with path.open("w", encoding="utf-8") as fh:
            for row in table.to_pylist():
                row["ts"] = row["ts"].isoformat(timespec="milliseconds") + "Z" if row["ts"] else None
                fh.write(json.dumps({k: v for k, v in row.items() if v is not None}, separators=(",", ":")) + "\n")
    else:
        raise ValueError(f"{path}: unknown output format {suffix!r}; use .jsonl, .parquet or .csv")
    return path


def to_store(table: pa.Table, db: str | Path, source_file: str = "generated"):
    """Insert generated rows into a traffic store (created if missing); returns the open connection."""
    from llmsight.simulator.store import insert_rows, open_store

    con = open_store(db)
    insert_rows(con, table, source_file)
    return con
