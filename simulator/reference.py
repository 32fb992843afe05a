"""A row-by-row Python replay of the rules in `replay.py`, written from the rules, not from the SQL.

It exists to check the SQL: tests run both over the same rows, fits, prices and draws and compare
every row's outcome for every scenario key. It is slow by design (plain loops) and never used to
produce figures.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from llmsight.simulator.replay import (BACKOFF_BASE_MS, BACKOFF_JITTER, BACKOFF_MAX_MS, BATCH_WINDOW_MS,
                                       CACHE_LATENCY_MS, DRAW_INPUT, DRAW_OUTPUT, DRAW_PROMPT_CACHE,
                                       DRAW_RESPONSE_CACHE, OK, TIMEOUT, TTFT_FLOOR, Simulation, attempt_draw,
                                       uniform)
from llmsight.simulator.fit import modelled_ttft
from llmsight.simulator.scenario import Scenario


@dataclass
class Outcome:
    model: str
    status: str
    latency_ms: float
    ttft_ms: float | None
    cost_usd: float | None
    quality: float | None
    truncated: bool
    attempts: int


def _round(x: float) -> float:
    """SQL ROUND: half away from zero."""
    return float(math.floor(abs(x) + 0.5)) * (1 if x >= 0 else -1)


@dataclass
class _Tokens:
    inp: float
    cached: float
    write: float
    out: float
    reason: float
    dunc: float          # change in uncached input tokens the scenario caused


class ReferenceReplay:
    """Replays rows of a prepared `Simulation` (its fits, prices, token ratios and prompt prefixes)."""

    def __init__(self, sim: Simulation):
        self.sim = sim
        self.fits = sim.fits
        self.seed = sim.seed
        t = sim.tables
        self.prefixes = dict(sim.con.execute(f"SELECT ds.name, p.prefix FROM {t.prefix} p "
                                             f"JOIN {t.dim.format('site')} ds ON ds.code = p.site").fetchall())
        self.ratios = sim.ratios

    def rows(self) -> list[dict]:
        t = self.sim.tables
        cur = self.sim.con.execute(f"""
            SELECT r.*, dm.name AS model, ds.name AS site_id, df.name AS feature,
                   CASE r.st WHEN {OK} THEN 'ok' WHEN {TIMEOUT} THEN 'timeout' ELSE 'error' END AS status
            FROM {t.rows} r JOIN {t.dim.format('model')} dm ON dm.code = r.model_c
            JOIN {t.dim.format('site')} ds ON ds.code = r.site_c
            LEFT JOIN {t.dim.format('feature')} df ON df.code = r.feature_c ORDER BY r.row_id""")
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r)) for r in cur.fetchall()]

    # ------------------------------------------------------------------------------------------
    def _tokens(self, s: Scenario, row: dict, scoped: bool, inp: float, out: float, ratio: float | None,
                hit_prompt: bool, prefix: float) -> _Tokens:
        cached0, write0 = row["cached_input_tokens"], row["cache_write_input_tokens"]
        if ratio is None:
            in1, cached1, write1 = inp, cached0, write0
        else:
            in1, cached1, write1 = _round(inp * ratio), _round(cached0 * ratio), _round(write0 * ratio)
        new_in = min(in1, s.trim_input) if scoped and s.trim_input is not None else in1
        cached = min(cached1, new_in)
        if s.prompt_cache_hit_rate is not None and scoped:
            cached = min(new_in, max(cached, prefix)) if hit_prompt else 0
        write = 0 if (s.prompt_cache_hit_rate is not None and scoped and hit_prompt) else min(write1, new_in - cached)
        new_out = min(out, s.max_tokens) if scoped and s.max_tokens is not None else out
        return _Tokens(new_in, cached, write, new_out, min(row["reasoning_tokens"], new_out),
                       (new_in - cached) - (in1 - cached1))

    def _price(self, model: str, tok: _Tokens, status: str, bill_errors: bool, batch: bool) -> float | None:
        price = self.sim.prices.get(model)
        if price is None:
            return None
        if status == "ok":
            return price.cost(tok.inp, tok.out, tok.cached, tok.write, tok.reason, batch=batch)
        if status == "timeout":
            return price.cost(tok.inp, 0, tok.cached, tok.write, 0, batch=batch)
        if bill_errors:
            return price.cost(tok.inp, tok.out, tok.cached, tok.write, tok.reason, batch=batch)
        return 0.0

    def _draw(self, model: str, site: str, tok: _Tokens, u_err: float, u_ttft: float, u_tps: float):
        fit = self.fits.get(model, site)
        ttft_d = fit.quantile("ttft", u_ttft)
        tps = fit.quantile("tps", u_tps)
        ttft = max(ttft_d + fit.prefill_ms_per_token * tok.dunc, TTFT_FLOOR * ttft_d)
        if u_err < self.fits.error_rate(model, site):
            return "error", None, ttft
        decode = tok.out / tps * 1000.0 if tok.out > 0 and tps is not None and tps > 0 else 0.0
        return "ok", ttft, ttft + decode

    @staticmethod
    def _timeout(s: Scenario, scoped: bool, st: str, ttft: float | None, lat: float) -> tuple[str, float]:
        if s.timeout is None or s.batch:
            return st, lat
        t = s.timeout * 1000.0
        check = (ttft if ttft is not None else lat) if s.stream else lat
        over = scoped and st != "timeout" and check > t
        if over or (scoped and st == "timeout"):
            return ("timeout" if over else st), t
        return st, lat

    # ------------------------------------------------------------------------------------------
    def replay(self, s: Scenario, rows: list[dict] | None = None) -> dict[int, Outcome]:
        return {row["row_id"]: self.replay_row(s, row) for row in (rows if rows is not None else self.rows())}

    def replay_row(self, s: Scenario, row: dict) -> Outcome:
        rid, site, model = row["row_id"], row["site_id"], row["model"]

        def u(k: int) -> float:
            return uniform(rid, self.seed, k)

        scoped = (site == s.site) if s.site is not None else (row["feature"] == s.feature) if s.feature is not None else True
        status, inp, out = row["status"], row["input_tokens"], row["output_tokens"]
        obs_fit = self.fits.get(model, site)
        eff_in = inp if status == "ok" or inp > 0 else _round(obs_fit.quantile("in", u(DRAW_INPUT)) or 0)
        eff_out = out if status == "ok" else _round(obs_fit.quantile("out", u(DRAW_OUTPUT)) or 0)
        hit_resp = scoped and s.response_cache_hit_rate is not None and u(DRAW_RESPONSE_CACHE) < s.response_cache_hit_rate
        hit_prompt = scoped and s.prompt_cache_hit_rate is not None and u(DRAW_PROMPT_CACHE) < s.prompt_cache_hit_rate
        prefix = self.prefixes.get(site, 0)
        model1 = s.model if scoped and s.model is not None and self._same_kind(s, model) else model
        changed = model1 != model
        batch = bool(s.batch) and scoped
        chain = not s.batch and ((s.retries or 0) > 0 or s.fallback is not None)

        obs_tok = self._tokens(s, row, scoped, inp, out, None, hit_prompt, prefix)
        truncated = scoped and s.max_tokens is not None and (eff_out if s.model is not None or chain else out) > s.max_tokens
        if changed:
            tok = self._tokens(s, row, scoped, eff_in, eff_out, self.ratios.get((model, model1), 1.0), hit_prompt, prefix)
            st0, ttft0, lat0 = self._draw(model1, site, tok, u(attempt_draw(1, 0)), u(attempt_draw(1, 1)),
                                          u(attempt_draw(1, 2)))
        else:
            tok = obs_tok
            lat_obs = row["latency_ms"]
            p50 = obs_fit.quantile("ttft", 0.5) if obs_fit else None
            decode = self.fits.decode.get((model, site))
            ttft_o = row["ttft_ms"] if row["ttft_ms"] is not None else \
                modelled_ttft(lat_obs, row["output_tokens"], *decode) if decode is not None else \
                min(lat_obs, p50) if p50 is not None else lat_obs
            st0 = status
            if status == "ok":
                ttft0 = max(ttft_o + obs_fit.prefill_ms_per_token * obs_tok.dunc, TTFT_FLOOR * ttft_o)
                lat0 = ttft0 + ((lat_obs - ttft_o) * obs_tok.out / out if out > 0 else lat_obs - ttft_o)
            else:
                ttft0, lat0 = None, lat_obs
        status1, lat1 = self._timeout(s, scoped, st0, ttft0, lat0)
        if changed:
            cost1 = self._price(model1, tok, status1, False, batch)
        else:
            cost1 = self._price(model1, tok, status1, True, batch)
            if cost1 is None:
                cost1 = row["cost_usd"]

        fmodel, fstatus, flat, fcost, attempts, prior = model1, status1, lat1, cost1, 1, 0.0
        fttft = ttft0 if status1 == "ok" else None
        if chain and scoped and not hit_resp and status1 != "ok":
            per_model = 1 + (s.retries or 0)
            last = per_model * (2 if s.fallback else 1)
            spent, extra_cost, n = 0.0, 0.0, 0
            for att in range(2, last + 1):
                amodel = model1 if att <= per_model else s.fallback
                jj = att if att <= per_model else att - per_model
                ratio = self.ratios.get((model, amodel), 1.0) if amodel != model else 1.0
                atok = self._tokens(s, row, scoped, eff_in, eff_out, ratio, hit_prompt, prefix)
                backoff = (min(BACKOFF_BASE_MS * 2 ** (jj - 2), BACKOFF_MAX_MS)
                           * (1 - BACKOFF_JITTER * u(attempt_draw(att, 3))) if jj >= 2 else 0.0)
                st, ttft, lat = self._draw(amodel, site, atok, u(attempt_draw(att, 0)), u(attempt_draw(att, 1)),
                                           u(attempt_draw(att, 2)))
                st, lat = self._timeout(s, scoped, st, ttft, lat)
                cost = self._price(amodel, atok, st, False, False)
                prior = lat1 + spent + backoff
                spent += backoff + lat
                extra_cost += cost or 0.0
                n += 1
                fmodel, fstatus, fttft = amodel, st, (ttft if st == "ok" else None)
                if st == "ok":
                    break
            flat, attempts = lat1 + spent, 1 + n
            fcost = None if cost1 is None else cost1 + extra_cost

        if hit_resp:
            latency = CACHE_LATENCY_MS
        elif batch:
            latency = BATCH_WINDOW_MS
        elif s.stream and scoped and fstatus == "ok":
            latency = prior + (fttft if fttft is not None else flat - prior)
        else:
            latency = flat
        quality = None
        if hit_resp or fstatus == "ok":
            if truncated and not hit_resp:
                quality = 0.0
            else:
                q_obs, base = row["quality"], self._quality(model, row["feature"])
                if fmodel == model:
                    q = q_obs if q_obs is not None else base
                elif q_obs is not None and base is not None:
                    target = self._quality(fmodel, row["feature"])
                    q = None if target is None else q_obs - base + target
                else:
                    q = self._quality(fmodel, row["feature"])
                quality = None if q is None else max(min(q, 1.0), 0.0)
        return Outcome(
            model=fmodel, status="ok" if hit_resp else fstatus, latency_ms=latency,
            ttft_ms=CACHE_LATENCY_MS if hit_resp else fttft, cost_usd=0.0 if hit_resp else fcost,
            quality=quality, truncated=truncated and not hit_resp, attempts=0 if hit_resp else attempts)

    def _same_kind(self, s: Scenario, model: str) -> bool:
        """A model switch acts on a row of the target's operation kind, or on any row of the site or feature
        the scenario names (a chat model never replaces an embedding call unless asked)."""
        from llmsight.knowledge.recommend import operation_kind

        if s.site is not None or s.feature is not None:
            return True
        target, own = operation_kind(s.model, self.sim.config), operation_kind(model, self.sim.config)
        return target is None or own is None or target == own

    def _quality(self, model: str, feature: str | None) -> float | None:
        q = self.fits.quality_of(model, feature)
        return q[0] if q is not None else None
