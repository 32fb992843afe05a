"""Models fitted from traffic, per model and per (model, site) where a site has enough rows (design §6).

Nothing here assumes a distribution family: TTFT, output throughput and token counts are kept as
empirical quantile grids (`GRID` + 1 points from min to max; the replay draws from them by inverse-CDF
lookup with linear interpolation), rates are counts over counts, and the prefill cost per input token
is a robust two-group line (median TTFT of the top input quartile minus that of the bottom quartile,
over the difference of their median input sizes). Throughput is `output_tokens / (latency - ttft)`
on successful rows that report a TTFT.

Models the traffic never saw (a scenario's target or fallback) get grids built from
`llmsight.knowledge.priors` and are labelled `prior: ...`; they are used only where traffic is missing.
Quality: an eval results file (`model,feature,score`) when given, else the traffic's `quality`
column, else the quality prior.
"""
from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field
from pathlib import Path
from statistics import NormalDist
from typing import Iterable

GRID = 200                 # quantile grid resolution: points at 0, 1/GRID, ..., 1
MIN_SITE_ROWS = 500        # a (model, site) pair gets its own latency fit from this many successful rows
ANY = "*"                  # site (or feature) wildcard in fit keys
PRIOR_TPS_SIGMA_SHARE = 0.5   # prior throughput spread: half the prior's log-space latency spread
DEFAULT_PRIOR_ERROR_RATE = 0.01

METRICS = ("ttft", "tps", "in", "out")


class FitError(Exception):
    """Traffic or an eval file cannot be fitted; the message says what is wrong and where."""


@dataclass
class ModelFit:
    key: str                    # fit key: "<model>|<site>" or "<model>|*"
    model: str
    site: str
    n: int                      # rows
    n_ok: int
    error_rate: float           # status = error, over all rows
    timeout_rate: float         # status = timeout, over all rows
    prefill_ms_per_token: float
    source: str                 # "traffic" or "prior: <pattern> (<source>, <date>)"
    quantiles: dict[str, list[float]] = field(default_factory=dict)   # metric -> GRID + 1 values

    def quantile(self, metric: str, u: float) -> float | None:
        """Inverse empirical CDF at u in [0, 1), linear between grid points (what the SQL computes)."""
        grid = self.quantiles.get(metric)
        if not grid:
            return None
        i = min(int(math.floor(u * GRID)), GRID - 1)
        return grid[i] + (grid[i + 1] - grid[i]) * (u * GRID - i)


@dataclass
class Fits:
    models: dict[str, ModelFit]                       # key -> fit
    quality: dict[tuple[str, str], tuple[float, int, str]]   # (model, feature|*) -> (score, n, source)
    site_keys: set[tuple[str, str]]                   # (model, site) pairs with their own fit

    def key_for(self, model: str, site: str | None) -> str:
        return f"{model}|{site}" if (model, site) in self.site_keys else f"{model}|{ANY}"

    def get(self, model: str, site: str | None = None) -> ModelFit | None:
        return self.models.get(self.key_for(model, site))

    def quality_of(self, model: str, feature: str | None) -> tuple[float, int, str] | None:
        return self.quality.get((model, feature or ANY)) or self.quality.get((model, ANY))


def _probs() -> str:
    return "[" + ", ".join(repr(i / GRID) for i in range(GRID + 1)) + "]"


def fit(con, source: str = "sim_rows", min_site_rows: int = MIN_SITE_ROWS, eval_file: str | Path | None = None,
        extra_models: Iterable[str] = ()) -> Fits:
    """Fit every model in `source` (a relation with the canonical columns plus `site_id`) into the temp
    tables `sim_fit_q` and `sim_fit_m`; add prior-based fits for `extra_models` the traffic lacks."""
    probs = _probs()
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE sim_fit_rows AS
        SELECT model, site_id, status, input_tokens, output_tokens, cached_input_tokens, ttft_ms,
               CASE WHEN status = 'ok' AND ttft_ms IS NOT NULL AND output_tokens > 0 AND latency_ms > ttft_ms
                    THEN output_tokens / ((latency_ms - ttft_ms) / 1000.0) END AS tps,
               input_tokens - cached_input_tokens AS uncached
        FROM {source} WHERE model IS NOT NULL""")
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE sim_fit_groups AS
        SELECT model, '{ANY}' AS site_id FROM sim_fit_rows GROUP BY model
        UNION ALL
        SELECT model, site_id FROM sim_fit_rows WHERE site_id IS NOT NULL GROUP BY model, site_id
        HAVING count(*) FILTER (WHERE status = 'ok' AND ttft_ms IS NOT NULL) >= {int(min_site_rows)}""")
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE sim_fit_keyed AS
        SELECT g.model || '|' || g.site_id AS fkey, g.model, g.site_id AS site, r.*  EXCLUDE (model, site_id)
        FROM sim_fit_groups g JOIN sim_fit_rows r
          ON r.model = g.model AND (g.site_id = '{ANY}' OR r.site_id = g.site_id)""")
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE sim_fit_m AS
        WITH q AS (
            SELECT fkey,
                   quantile_cont(uncached, 0.25) FILTER (WHERE status = 'ok' AND ttft_ms IS NOT NULL) AS u25,
                   quantile_cont(uncached, 0.75) FILTER (WHERE status = 'ok' AND ttft_ms IS NOT NULL) AS u75
            FROM sim_fit_keyed GROUP BY fkey),
        halves AS (
            SELECT k.fkey,
                   median(k.ttft_ms) FILTER (WHERE k.uncached <= q.u25) AS t_low,
                   median(k.ttft_ms) FILTER (WHERE k.uncached >= q.u75) AS t_high,
                   median(k.uncached) FILTER (WHERE k.uncached <= q.u25) AS n_low,
                   median(k.uncached) FILTER (WHERE k.uncached >= q.u75) AS n_high
            FROM sim_fit_keyed k JOIN q USING (fkey)
            WHERE k.status = 'ok' AND k.ttft_ms IS NOT NULL GROUP BY k.fkey)
        SELECT k.fkey, any_value(k.model) AS model, any_value(k.site) AS site, count(*) AS n,
               count(*) FILTER (WHERE k.status = 'ok') AS n_ok,
               avg(CASE WHEN k.status = 'error' THEN 1.0 ELSE 0.0 END) AS error_rate,
               avg(CASE WHEN k.status = 'timeout' THEN 1.0 ELSE 0.0 END) AS timeout_rate,
               coalesce(any_value(CASE WHEN h.n_high - h.n_low >= 1
                                       THEN greatest((h.t_high - h.t_low) / (h.n_high - h.n_low), 0.0) END), 0.0)
                   AS prefill_ms_per_token,
               'traffic' AS source
        FROM sim_fit_keyed k LEFT JOIN halves h USING (fkey) GROUP BY k.fkey""")
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE sim_fit_q AS
        WITH grids AS (
            SELECT fkey, 'ttft' AS metric,
                   quantile_cont(ttft_ms, {probs}) FILTER (WHERE status = 'ok' AND ttft_ms IS NOT NULL) AS g
            FROM sim_fit_keyed GROUP BY fkey
            UNION ALL
            SELECT fkey, 'tps', quantile_cont(tps, {probs}) FILTER (WHERE tps IS NOT NULL)
            FROM sim_fit_keyed GROUP BY fkey
            UNION ALL
            SELECT fkey, 'in', quantile_cont(input_tokens, {probs}) FILTER (WHERE status = 'ok')
            FROM sim_fit_keyed GROUP BY fkey
            UNION ALL
            SELECT fkey, 'out', quantile_cont(output_tokens, {probs}) FILTER (WHERE status = 'ok')
            FROM sim_fit_keyed GROUP BY fkey),
        points AS (
            SELECT fkey, metric, CAST(i - 1 AS INTEGER) AS qi, g[i] AS v, g[i + 1] AS v_next
            FROM grids, range(1, {GRID + 1}) AS t(i) WHERE g IS NOT NULL)
        SELECT * FROM points""")
    for table in ("sim_fit_rows", "sim_fit_keyed", "sim_fit_groups"):
        con.execute(f"DROP TABLE IF EXISTS {table}")
    fits = load_fits(con)
    fits.quality = _quality(con, source, eval_file, {f.model for f in fits.models.values()} | set(extra_models))
    missing = sorted({m for m in extra_models if m} - {f.model for f in fits.models.values()})
    for model in missing:
        add_prior_fit(fits, model)
    return fits


def load_fits(con) -> Fits:
    models: dict[str, ModelFit] = {}
    for key, model, site, n, n_ok, err, tout, prefill, source in con.execute(
            "SELECT fkey, model, site, n, n_ok, error_rate, timeout_rate, prefill_ms_per_token, source "
            "FROM sim_fit_m").fetchall():
        models[key] = ModelFit(key, model, site, int(n), int(n_ok), float(err), float(tout), float(prefill), source)
    for key, metric, qi, v, v_next in con.execute(
            "SELECT fkey, metric, qi, v, v_next FROM sim_fit_q ORDER BY fkey, metric, qi").fetchall():
        grid = models[key].quantiles.setdefault(metric, [])
        grid.append(v)
        if qi == GRID - 1:
            grid.append(v_next)
    site_keys = {(f.model, f.site) for f in models.values() if f.site != ANY}
    return Fits(models, {}, site_keys)


def add_prior_fit(fits: Fits, model: str) -> ModelFit:
    """A model the traffic never saw: TTFT and throughput grids from its family prior, labelled so.

    The error rate is the traffic's overall rate (the prior has none); prefill is the median of the
    fitted models' slopes.
    """
    from llmsight.knowledge.priors import latency_prior

    prior = latency_prior(model)
    observed = [f for f in fits.models.values() if f.site == ANY and f.source == "traffic"]
    total = sum(f.n for f in observed)
    err = sum(f.error_rate * f.n for f in observed) / total if total else DEFAULT_PRIOR_ERROR_RATE
    slopes = sorted(f.prefill_ms_per_token for f in observed)
    prefill = slopes[len(slopes) // 2] if slopes else 0.0
    nd = NormalDist()
    z = [nd.inv_cdf(min(max(i / GRID, 0.001), 0.999)) for i in range(GRID + 1)]
    ttft = [prior.ttft_s * 1000 * math.exp(prior.sigma * zi) for zi in z]
    tps = [prior.tokens_per_s * math.exp(PRIOR_TPS_SIGMA_SHARE * prior.sigma * zi) for zi in z]
    fit_ = ModelFit(f"{model}|{ANY}", model, ANY, 0, 0, err, 0.0, prefill,
                    f"prior: {prior.pattern} ({prior.source}, {prior.date})", {"ttft": ttft, "tps": tps})
    fits.models[fit_.key] = fit_
    if (model, ANY) not in fits.quality:
        from llmsight.knowledge.priors import quality_prior

        q = quality_prior(model)
        if q is not None:
            fits.quality[(model, ANY)] = (q[0], 0, f"prior ({q[1]}, {q[2]})")
    return fit_


def read_eval_file(path: str | Path) -> list[tuple[str, str, float]]:
    """Rows `model,feature,score` (score 0..1; feature may be empty or `*` for every feature)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise FitError(f"{path}: cannot read the eval results ({exc.strerror or exc})") from exc
    reader = csv.DictReader(text.splitlines())
    missing = {"model", "score"} - set(reader.fieldnames or [])
    if missing:
        raise FitError(f"{path}: eval results need columns model,feature,score (missing {', '.join(sorted(missing))})")
    rows = []
    for number, row in enumerate(reader, start=2):
        try:
            score = float(row["score"])
        except (TypeError, ValueError):
            raise FitError(f"{path}:{number}: score must be a number between 0 and 1, got {row['score']!r}") from None
        if not 0 <= score <= 1 or not row["model"]:
            raise FitError(f"{path}:{number}: need a model and a score between 0 and 1")
        rows.append((row["model"].strip(), (row.get("feature") or ANY).strip() or ANY, score))
    return rows


def _quality(con, source: str, eval_file, models: set[str]) -> dict[tuple[str, str], tuple[float, int, str]]:
    out: dict[tuple[str, str], tuple[float, int, str]] = {}
    for model, feature, q, n in con.execute(f"""
            SELECT model, CASE WHEN grouping(feature) = 1 THEN '{ANY}' ELSE feature END, avg(quality),
                   count(quality)
            FROM {source} WHERE quality IS NOT NULL AND status = 'ok'
            GROUP BY GROUPING SETS ((model, feature), (model))""").fetchall():
        if feature is not None:
            out[(model, feature)] = (float(q), int(n), "traffic")
    if eval_file:
        scores: dict[tuple[str, str], list[float]] = {}
        for model, feature, score in read_eval_file(eval_file):
            scores.setdefault((model, feature), []).append(score)
        for key, values in scores.items():
            out[key] = (sum(values) / len(values), len(values), f"eval: {Path(eval_file).name}")
    from llmsight.knowledge.priors import quality_prior

    for model in models:
        if (model, ANY) not in out and (q := quality_prior(model)) is not None:
            out[(model, ANY)] = (q[0], 0, f"prior ({q[1]}, {q[2]})")
    return out
