"""Models fitted from traffic, per model and per (model, site) where a site has enough rows (design §6).

Nothing here assumes a distribution family: TTFT, output throughput and token counts are kept as
empirical quantile grids (`GRID` + 1 points from min to max; the replay draws from them by inverse-CDF
lookup with linear interpolation), rates are counts over counts, and the prefill cost per input token
is a robust two-group line (median TTFT of the top input quartile minus that of the bottom quartile,
over the difference of their median input sizes). Throughput is `output_tokens / (latency - ttft)`
on successful rows.

TTFT is missing from most real exports (only streamed calls can have one, and few exporters write it).
A successful row without one gets a TTFT modelled from its total duration and output tokens: a
two-group line of latency over output tokens (median latency of the top output quartile minus the
bottom quartile's, over their median output difference: the decode time per token; the line at no
output: the base time), per (model, site) where that pair has `MIN_DECODE_ROWS` such rows and a
spread of output sizes, else per model; the row's latency is split between TTFT and decode in the
proportion the line gives a call of its size (`modelled_ttft`). So a replayed attempt re-draws a
latency whose distribution is the observed one, and every replayed call has a latency. Fits resting
on such rows say so (`ModelFit.latency`).

Models the traffic never saw (a scenario's target or fallback) get grids built from
`llmsight.knowledge.priors` and are labelled `prior: ...`; they are used only where traffic is missing.
Quality: an eval results file (`model,feature,score`) when given, else the traffic's `quality`
column, else the quality prior.

Errors: a row is a call as the application saw it, after its client's own retries (an OpenAI client
retries twice by default), unless the traffic says how many attempts each call took (`attempt` above 1,
from HTTP attempt spans): a call of k attempts failed k - 1 times before its last, so a (model, site)
pair with attempts counts its failed attempts over its attempts. Given each site's client retries N (`client_retries`, from the code), a site's
call-level rate p_call becomes a per-attempt rate p_attempt = p_call^(1/(N+1)) — assuming attempts
fail independently (a call fails when all N+1 of its attempts do) — pooled per model over its sites
by calls; a call replayed at a site with retries N' then fails at p_attempt^(N'+1) (`Fits.error_rate`).
So a switch does not carry a retrying site's near-zero rate to a site that does not retry.
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
MIN_DECODE_ROWS = 50       # rows without TTFT a (model, site) pair needs for a decode rate of its own
MODELLED_TTFT_FLOOR = 0.1  # a decode line's base time is at least this share of its low group's latency
MEASURED, MODELLED = "traffic", "traffic (no TTFT: modelled from duration and output tokens)"

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
    latency: str = MEASURED     # where TTFT and throughput come from: MEASURED, MODELLED or the prior's source

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
    attempt_error: dict[str, float] = field(default_factory=dict)    # model -> per-attempt error rate
    client_retries: dict[str, int] = field(default_factory=dict)    # site -> its client's own retries
    error_basis: dict[str, str] = field(default_factory=dict)       # model -> how its attempt rate was derived
    # (model, site) -> (decode ms per output token, base ms), for pairs whose successful rows lack a
    # TTFT (their TTFT is `modelled_ttft`)
    decode: dict[tuple[str, str | None], tuple[float, float]] = field(default_factory=dict)

    def key_for(self, model: str, site: str | None) -> str:
        return f"{model}|{site}" if (model, site) in self.site_keys else f"{model}|{ANY}"

    def get(self, model: str, site: str | None = None) -> ModelFit | None:
        return self.models.get(self.key_for(model, site))

    def error_rate(self, model: str, site: str | None) -> float | None:
        """The rate at which a call on `model` at `site` fails after the site's client retries: the
        site's own measurement when it has its own fit, else the model's per-attempt rate through the
        site's retries (see the module docstring)."""
        f = self.get(model, site)
        if f is None or f.site != ANY or model not in self.attempt_error:
            return None if f is None else f.error_rate
        return self.attempt_error[model] ** (self.client_retries.get(site or "", 0) + 1)

    def quality_of(self, model: str, feature: str | None) -> tuple[float, int, str] | None:
        return self.quality.get((model, feature or ANY)) or self.quality.get((model, ANY))


def fit(con, source: str = "sim_rows", min_site_rows: int = MIN_SITE_ROWS, eval_file: str | Path | None = None,
        extra_models: Iterable[str] = (), client_retries: dict[str, int] | None = None) -> Fits:
    """Fit every model in `source` (a relation with the canonical columns plus `site_id`), per model and
    per (model, site) with at least `min_site_rows` successful rows reporting a TTFT; add prior-based
    fits for `extra_models` the traffic lacks.

    The quantile grids are `quantile_cont` at GRID + 1 points (an aggregate keeps raw values, not
    sorted lists: a million rows fit in a fraction of the memory). The prefill line joins the medians
    of the quarter of calls with the fewest uncached input tokens to those of the quarter with the most."""
    ok = "status = 'ok'"
    points = "[" + ", ".join(repr(i / GRID) for i in range(GRID + 1)) + "]"
    ends = ", ".join(f"median({col}) FILTER (WHERE r.uncached {op} h.split[{i}]) AS {col[0]}_{end}"
                     for end, op, i in (("lo", "<=", 1), ("hi", ">=", 2)) for col in ("uncached", "ttft_ms"))
    # a model-wide fit takes all its rows, a site's fit that site's (two equi-joins: an OR would not hash)
    per_fit_ends = "\n            UNION ALL\n            ".join(
        f"SELECT h.model, h.site, {ends} FROM r JOIN h ON h.model = r.model AND {rows_of} "
        "WHERE r.timed GROUP BY h.model, h.site" for rows_of in (f"h.site = '{ANY}'", "h.site = r.site_id"))
    rates = _decode_rates(con, source)
    decode = None
    if rates:
        from llmsight.simulator.replay import create_table

        decode = "fit_decode"
        create_table(con, decode, [("model", "VARCHAR"), ("site_id", "VARCHAR"), ("ms_per_token", "DOUBLE"),
                                   ("base_ms", "DOUBLE")],
                     [(model, site, *line) for (model, site), line in rates.items()])
    ttft = "s.ttft_ms" if decode is None else (
        f"CASE WHEN s.ttft_ms IS NOT NULL THEN s.ttft_ms WHEN s.{ok} AND s.latency_ms IS NOT NULL "
        f"THEN {modelled_ttft_sql('s.latency_ms', 's.output_tokens', 'd.ms_per_token', 'd.base_ms')} END")
    decode_join = "" if decode is None else \
        f" LEFT JOIN {decode} d ON d.model = s.model AND d.site_id IS NOT DISTINCT FROM s.site_id"
    rows = con.execute(f"""
        WITH t AS (
            SELECT s.model, s.site_id, s.status, s.input_tokens, s.output_tokens, s.cached_input_tokens,
                   s.latency_ms, s.ttft_ms IS NULL AS modelled, {ttft} AS ttft_ms
            FROM {source} s{decode_join} WHERE s.model IS NOT NULL),
        r AS (
            SELECT model, site_id, status, input_tokens, output_tokens, ttft_ms,
                   CASE WHEN {ok} AND ttft_ms IS NOT NULL AND output_tokens > 0 AND latency_ms > ttft_ms
                        THEN output_tokens / ((latency_ms - ttft_ms) / 1000.0) END AS tps,
                   input_tokens - cached_input_tokens AS uncached, {ok} AND ttft_ms IS NOT NULL AS timed,
                   {ok} AND ttft_ms IS NOT NULL AND modelled AS modelled
            FROM t),
        g AS (
            SELECT model, CASE WHEN grouping(site_id) = 1 THEN '{ANY}' ELSE site_id END AS site,
                   grouping(site_id) = 0 AND site_id IS NULL AS null_site, count(*) AS n,
                   count(*) FILTER (WHERE {ok}) AS n_ok, count(*) FILTER (WHERE timed) AS n_timed,
                   count(*) FILTER (WHERE modelled) AS n_modelled,
                   avg(CASE WHEN status = 'error' THEN 1.0 ELSE 0.0 END) AS error_rate,
                   avg(CASE WHEN status = 'timeout' THEN 1.0 ELSE 0.0 END) AS timeout_rate,
                   quantile_cont(ttft_ms, {points}) FILTER (WHERE timed) AS ttft,
                   quantile_cont(tps, {points}) FILTER (WHERE tps IS NOT NULL) AS tps,
                   quantile_cont(input_tokens, {points}) FILTER (WHERE {ok}) AS inp,
                   quantile_cont(output_tokens, {points}) FILTER (WHERE {ok}) AS outp,
                   quantile_disc(uncached, [0.25, 0.75]) FILTER (WHERE timed) AS split
            FROM r GROUP BY GROUPING SETS ((model), (model, site_id))),
        h AS (
            SELECT * FROM g WHERE NOT null_site AND (site = '{ANY}' OR n_timed >= {int(min_site_rows)})),
        e AS ({per_fit_ends})
        SELECT h.model, h.site, n, n_ok, n_timed, n_modelled, error_rate, timeout_rate,
               CASE WHEN u_hi - u_lo >= 1 THEN greatest((t_hi - t_lo) / (u_hi - u_lo), 0.0) ELSE 0.0 END AS prefill,
               ttft, tps, inp, outp
        FROM h LEFT JOIN e ON e.model = h.model AND e.site = h.site ORDER BY h.model, h.site""").fetchall()
    if decode is not None:
        con.execute(f"DROP TABLE {decode}")
    models: dict[str, ModelFit] = {}
    for model, site, n, n_ok, n_timed, n_modelled, err, tout, prefill, *grids in rows:
        key = f"{model}|{site}"
        quantiles = {metric: [float(v) for v in grid] for metric, grid in zip(METRICS, grids) if grid}
        latency = MEASURED if not n_modelled else MODELLED if n_modelled == n_timed else \
            f"traffic ({n_modelled / n_timed:.0%} of TTFTs modelled from duration and output tokens)"
        models[key] = ModelFit(key, model, site, int(n), int(n_ok), float(err), float(tout), float(prefill),
                               "traffic", quantiles, latency)
    retries = {site: n for site, n in (client_retries or {}).items() if n}
    attempt_error, fits_basis = _attempt_error_rates(con, source, retries)
    fits = Fits(models, {}, {(f.model, f.site) for f in models.values() if f.site != ANY}, attempt_error, retries,
                fits_basis, rates)
    fits.quality = _quality(con, source, eval_file, {f.model for f in fits.models.values()} | set(extra_models))
    missing = sorted({m for m in extra_models if m} - {f.model for f in fits.models.values()})
    for model in missing:
        add_prior_fit(fits, model)
    return fits


def _decode_rates(con, source: str) -> dict[tuple[str, str | None], tuple[float, float]]:
    """(decode ms per output token, base ms) of each (model, site) pair whose successful rows lack a
    TTFT: the two-group line of latency over output tokens (see the module docstring); the base is the
    line's latency at no output, at least `MODELLED_TTFT_FLOOR` of the low group's median latency.
    (0, 1) when no line can be drawn: the TTFT is then the whole latency."""
    ok = "status = 'ok' AND ttft_ms IS NULL AND latency_ms IS NOT NULL"
    ends = ", ".join(f"median({col}) FILTER (WHERE d.output_tokens {op} g.split[{i}]) AS {name}"
                     for op, i, end in (("<=", 1, "lo"), (">=", 2, "hi"))
                     for col, name in (("d.output_tokens", f"o_{end}"), ("d.latency_ms", f"l_{end}")))
    per_fit = "\n        UNION ALL\n        ".join(
        f"SELECT g.model, g.site_id, g.every_site, g.n, {ends} FROM g JOIN d ON d.model = g.model AND {rows_of} "
        "GROUP BY ALL" for rows_of in ("g.every_site", "d.site_id = g.site_id"))
    pairs = con.execute(f"SELECT DISTINCT model, site_id FROM {source} WHERE model IS NOT NULL AND {ok}").fetchall()
    if not pairs:
        return {}
    lines = con.execute(f"""
        WITH d AS (SELECT model, site_id, latency_ms, output_tokens FROM {source}
                   WHERE model IS NOT NULL AND {ok} AND output_tokens > 0),
        g AS (SELECT model, site_id, grouping(site_id) = 1 AS every_site, count(*) AS n,
                     quantile_disc(output_tokens, [0.25, 0.75]) AS split
              FROM d GROUP BY GROUPING SETS ((model), (model, site_id)))
        {per_fit}""").fetchall()
    line = {}
    for model, site, every, n, o_lo, l_lo, o_hi, l_hi in lines:
        if o_hi - o_lo >= 1 and (every or n >= MIN_DECODE_ROWS):
            rate = max((l_hi - l_lo) / (o_hi - o_lo), 0.0)
            line[(model, None if every else site)] = (rate, max(l_lo - o_lo * rate, MODELLED_TTFT_FLOOR * l_lo, 1e-9))
    return {(model, site): line.get((model, site)) or line.get((model, None)) or (0.0, 1.0) for model, site in pairs}


def _attempt_error_rates(con, source: str, client_retries: dict[str, int]) -> tuple[dict[str, float], dict[str, str]]:
    """Per-attempt error rate of each model (see the module docstring), and for the models seen behind
    retrying clients, a line saying how it was derived: a (model, site) pair whose calls say their
    attempts (some `attempt` above 1) counts failed attempts (each before a call's last, and the last when
    the call failed) over attempts; any other pair's rate is a call's after the site's client retries,
    taken back to one attempt's under independence."""
    has_attempt = "attempt" in {d[0] for d in con.execute(f"SELECT * FROM {source} LIMIT 0").description}
    pairs = con.execute(f"""
        SELECT model, site_id, count(*), count(*) FILTER (WHERE status = 'error'),
               {"coalesce(max(attempt), 1) > 1, sum(coalesce(attempt, 1))" if has_attempt else "FALSE, count(*)"}
        FROM {source} WHERE model IS NOT NULL GROUP BY model, site_id""").fetchall()
    calls: dict[str, int] = {}
    weighted: dict[str, float] = {}
    behind: dict[str, dict[int, list[int]]] = {}   # model -> client retries -> [calls, failed calls] behind them
    for model, site, n, errors, attempts, tried in pairs:
        retries = 0 if attempts else client_retries.get(site, 0)
        calls[model] = calls.get(model, 0) + n
        rate = (errors + tried - n) / tried if attempts else (errors / n) ** (1.0 / (retries + 1))
        weighted[model] = weighted.get(model, 0.0) + n * rate
        if retries:
            seen = behind.setdefault(model, {}).setdefault(retries, [0, 0])
            seen[0] += n
            seen[1] += errors
    rates = {model: weighted[model] / calls[model] for model in calls}
    basis = {}
    for model, by_retries in behind.items():
        basis[model] = (f"{model}: error rate observed after client retries ({'/'.join(map(str, sorted(by_retries)))}); "
                        f"per attempt {rates[model]:.2%} = p_call^(1/(N+1)) assuming attempts fail independently, "
                        "replayed through each site's own retries")
        if not any(failed for _, failed in by_retries.values()):
            # no failed call behind retries says little per attempt: the rule of three bounds p_call by 3/n
            bound = max((3 / n) ** (1 / (retries + 1)) for retries, (n, _) in by_retries.items())
            basis[model] += (f" (no call failed behind them: the per-attempt rate could be up to {bound:.0%}; "
                             "traces with HTTP attempt spans would tell)")
    return rates, basis


def modelled_ttft_sql(latency: str, output: str, ms_per_token: str, base_ms: str) -> str:
    """SQL of the TTFT of a successful call without one (`modelled_ttft`)."""
    return f"({latency} * {base_ms} / ({base_ms} + {output} * {ms_per_token}))"


def modelled_ttft(latency: float, output: float, ms_per_token: float, base_ms: float) -> float:
    """The call's latency split in the proportion the fitted line gives its size (base against base plus
    decode): a slow call is taken to be slow in both phases, so neither TTFT nor throughput carries the
    other's spread."""
    return latency * base_ms / (base_ms + output * ms_per_token)


def add_prior_fit(fits: Fits, model: str) -> ModelFit:
    """A model the traffic never saw: TTFT and throughput grids from its family prior, labelled so.

    The error rate is the traffic's overall rate (the prior has none); prefill is the median of the
    fitted models' slopes.
    """
    from llmsight.knowledge.priors import latency_prior

    prior = latency_prior(model)
    observed = [f for f in fits.models.values() if f.site == ANY and f.source == "traffic"]
    total = sum(f.n for f in observed)
    err = sum(fits.attempt_error.get(f.model, f.error_rate) * f.n for f in observed) / total if total \
        else DEFAULT_PRIOR_ERROR_RATE
    slopes = sorted(f.prefill_ms_per_token for f in observed)
    prefill = slopes[len(slopes) // 2] if slopes else 0.0
    nd = NormalDist()
    z = [nd.inv_cdf(min(max(i / GRID, 0.001), 0.999)) for i in range(GRID + 1)]
    ttft = [prior.ttft_s * 1000 * math.exp(prior.sigma * zi) for zi in z]
    tps = [prior.tokens_per_s * math.exp(PRIOR_TPS_SIGMA_SHARE * prior.sigma * zi) for zi in z]
    fits.attempt_error[model] = err
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
    """Mean quality per (model, feature) and per model: the traffic's fixed-point sums over their counts,
    so the same rows give the same bits whatever order the engine's threads add them in. The sums are of
    38-digit decimals, as whole numbers here: a model's 2^27 scored rows pass an int64 (Spark's BIGINT sum
    wraps silently without ANSI mode, and DuckDB's HUGEINT sum did not fit numpy's int64). Scores outside
    0..1, which ingest refuses (NaN, inf, 1e20 in a store written by other means), are left out: one
    would not fit the fixed point."""
    from llmsight.simulator.figures import fixed_point_sql, from_fixed     # figures imports this module

    out: dict[tuple[str, str], tuple[float, int, str]] = {}
    high, low = (f"sum(CAST({part} AS DECIMAL(38, 0)))" for part in fixed_point_sql("quality"))
    for model, feature, high_sum, low_sum, n in con.execute(f"""
            SELECT model, CASE WHEN grouping(feature) = 1 THEN '{ANY}' ELSE feature END, {high}, {low}, count(*)
            FROM {source} WHERE quality BETWEEN 0 AND 1 AND status = 'ok'
            GROUP BY GROUPING SETS ((model, feature), (model))""").fetchall():
        if feature is not None:
            out[(model, feature)] = (float(from_fixed((int(high_sum), int(low_sum)))) / n, int(n), "traffic")
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
