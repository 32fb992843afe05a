"""Replay traffic under what-if scenarios, in vectorised SQL (design §6).

One query per scenario computes every row's outcome: the scenario's changes apply to rows in scope
(`site=`/`feature=`), every other row keeps what was observed. `Simulation.run` asks it only for the
rows the scenario can change (`Replay.touched`) and takes the rest from the baseline. Randomness is
`uniform(row_id, seed, k)`, integer arithmetic modulo the prime 2^31-1 with two squaring rounds
(portable SQL, and the same numbers in Python — `uniform` below), so results repeat across threads,
runs and engines.

Semantics, one rule per key (the pure-Python `reference.py` implements the same rules row by row):

* `model`: attempts are re-drawn from the target's fit (error with its error rate; TTFT and
  throughput by inverse-CDF lookup in its empirical grids); input re-tokenised by the tokenizer ratio.
* `max_tokens=N`: output capped at N; a capped answer counts as truncated (quality 0); decode time
  scales with the output kept.
* `trim_input=N`: input capped at N; TTFT shrinks by the fitted prefill time per uncached token.
* `timeout=T`: an attempt whose latency (with `stream`: whose TTFT) exceeds T ends as a timeout at T
  and bills its input tokens. A row observed as a timeout stays one (traffic cannot show how long it
  would have taken), now ending at T.
* `retries=R`: R extra attempts after a failed one (OpenAI `max_retries` meaning), re-drawn from the
  fit, with exponential backoff `min(0.5 s * 2^(j-2), 8 s) * (1 - 0.25 u)` before attempt j.
* `fallback=M`: after the retries are exhausted, up to R+1 attempts on M with the same policy.
* `response_cache_hit_rate=h`: a fraction h of calls is served free in `CACHE_LATENCY_MS`.
* `prompt_cache_hit_rate=h`: a fraction h bills the site's static prefix at the cached-input rate
  (and skips its prefill); the rest have no cache reads.
* `batch=true`: batch rates; latency is the batch window; no timeouts or retries.
* `stream=true`: the user-facing latency is the TTFT of the answer (after any failed attempts).

Every attempt is priced from the catalog (`prices.py`); an observed model the catalog does not know
keeps its logged `cost_usd` when unchanged.
"""
from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

import numpy as np

from llmsight.simulator.figures import (BIN_SPAN, BLOCKS, BOOTSTRAP, ERROR, GROUP_KINDS, MANTISSA_SHIFT, OK, QUANTILES,
                                        TIMEOUT, Distribution, Groups, Outcomes, ScenarioResult, assemble, column,
                                        distinct, fixed_point_sql, from_fixed, one_blas_thread, rank_cells)
from llmsight.simulator.fit import ANY, GRID, Fits, modelled_ttft_sql
from llmsight.simulator.memory import release_freed_memory
from llmsight.simulator.prices import COLUMNS as PRICE_COLUMNS
from llmsight.simulator.scenario import BASELINE, Scenario
from llmsight.simulator.store import COLUMNS, TOKEN_COLUMNS

if TYPE_CHECKING:
    from concurrent.futures import Future

    import duckdb

    from llmsight.simulator.prepared import PreparedTraffic, SummaryCache

PRIME = 2147483647
CACHE_LATENCY_MS = 50.0
BATCH_WINDOW_MS = 86_400_000.0
BACKOFF_BASE_MS = 500.0
BACKOFF_MAX_MS = 8000.0
BACKOFF_JITTER = 0.25
PIPELINE = 3              # scenarios whose figures may wait for the second thread while DuckDB replays the next
MAX_TENANTS = 1000        # tenants with figures of their own (most calls first); the others are pooled
OTHER_TENANTS = "(other tenants)"
TTFT_FLOOR = 0.1          # prefill savings never take TTFT below this share of the drawn TTFT
DRAW_RESPONSE_CACHE, DRAW_PROMPT_CACHE, DRAW_INPUT, DRAW_OUTPUT, DRAW_SAMPLE = 1, 2, 3, 4, 6


def attempt_draw(attempt: int, j: int) -> int:
    """Draw number of the j-th uniform (0 error, 1 TTFT, 2 throughput, 3 jitter) of an attempt."""
    return 10 * attempt + j


# the draws every scenario may use, computed once with the prepared rows (name -> draw number)
ROW_DRAWS = {"u_resp": DRAW_RESPONSE_CACHE, "u_prompt": DRAW_PROMPT_CACHE, "u_err1": attempt_draw(1, 0),
             "u_ttft1": attempt_draw(1, 1), "u_tps1": attempt_draw(1, 2)}


def uniform(row_id: int, seed: int, k: int) -> float:
    """The replay's uniform in [0, 1) for (row, seed, draw); `uniform_sql` computes the same number."""
    h = ((row_id % PRIME) * 48271 + (seed % PRIME) * 16807 + k * 69621 + 12345) % PRIME
    h = (h * h + 1013904223 + k) % PRIME
    h = (h * 48271 + k * 2147 + 11) % PRIME
    h = (h * h + 2654435761 % PRIME) % PRIME
    return h / PRIME


def uniform_sql(row_id: str, seed: int, k: int | str) -> str:
    """One SQL expression for `uniform` (the hash state repeats in it: use `uniform_stages` for many rows)."""
    h = _STAGES[0].format(row=row_id, c=(seed % PRIME) * 16807 + 12345, k=f"({k})")
    for stage in _STAGES[1:]:
        h = stage.format(h=f"({h})", k=f"({k})")
    return f"(CAST({h} AS DOUBLE) / {PRIME}.0)"


_STAGES = (
    "((({row}) % {P}) * 48271 + {c} + {k} * 69621) % {P}".replace("{P}", str(PRIME)),
    "({h} * {h} + 1013904223 + {k}) % {P}".replace("{P}", str(PRIME)),
    "({h} * 48271 + {k} * 2147 + 11) % {P}".replace("{P}", str(PRIME)),
    "({h} * {h} + %d) %% %d" % (2654435761 % PRIME, PRIME),
)


def uniform_stages(row_id: str, seed: int, draws: dict[str, int | str], prefix: str = "",
                   as_hash: bool = False) -> list[list[str]]:
    """SELECT lists of two successive CTEs computing `uniform` into columns named by `draws` (name -> draw
    number, or an SQL expression of one): each squaring round reads its input twice, so it gets a CTE of
    its own, with the linear step before it written into it (a CTE fewer is less planning: the planner's
    work grows faster than the number of nested CTEs). With `as_hash`, the columns hold the final hash
    (an INTEGER, `uniform` times PRIME): half the bytes of a DOUBLE, for draws stored with the prepared rows."""
    c = (seed % PRIME) * 16807 + 12345
    first, second = [], []
    for n, k in draws.items():
        start = _STAGES[0].format(row=row_id, c=c, k=f"({k})")
        first.append(_STAGES[1].format(h=f"({start})", k=f"({k})") + f" AS {prefix}_h_{n}")
        final = _STAGES[3].format(h=f"({_STAGES[2].format(h=f'{prefix}_h_{n}', k=f'({k})')})")
        second.append(f"CAST({final} AS {'INTEGER' if as_hash else 'DOUBLE'}){'' if as_hash else f' / {PRIME}.0'} AS {n}")
    return [first, second]


# what the prepared rows keep of the coded base rows (names live in the dimension tables)
BASE_COLUMNS = ["row_id", "grp", "model_c", "site_c", "feature_c", "tenant_c", "st", "input_tokens", "output_tokens",
                "cached_input_tokens", "cache_write_input_tokens", "reasoning_tokens", "latency_ms", "ttft_ms",
                "quality", "cost_usd"]
METRIC_CODES = {"ttft": 0, "tps": 1, "in": 2, "out": 3}
# the prepared rows' columns and types (`Replay.prepared_rows_sql`): a cached summary must have exactly these
ROW_TYPES = {"row_id": "BIGINT", "grp": "INTEGER", "model_c": "INTEGER", "site_c": "INTEGER", "feature_c": "INTEGER",
             "tenant_c": "INTEGER", "st": "TINYINT", **{c: "INTEGER" for c in TOKEN_COLUMNS}, "latency_ms": "DOUBLE",
             "ttft_ms": "DOUBLE", "quality": "DOUBLE", "cost_usd": "DOUBLE", "ri": "INTEGER", "blk": "TINYINT",
             "obs_prefill": "DOUBLE", "ttft_o": "DOUBLE", "eff_in": "INTEGER", "eff_out": "INTEGER", "qbase": "DOUBLE",
             "oc_full": "DOUBLE", "oc_input": "DOUBLE", **{f"h_{name[2:]}": "INTEGER" for name in ROW_DRAWS}}


@dataclass
class Codes:
    """Dense integer codes of the names in the traffic (joins on integers are what keeps replay fast)."""

    models: dict[str, int]
    sites: dict[str, int]
    features: dict[str, int]
    tenants: dict[str, int]

    def grid_key(self, model_c: int, site_c: int, metric_c: int, qi: int) -> int:
        return ((model_c * (len(self.sites) + 1) + site_c + 1) * 4 + metric_c) * GRID + qi

    def target_key(self, site_c: int, observed_c: int, model_c: int) -> int:
        return (site_c * len(self.models) + observed_c) * len(self.models) + model_c

    def target_key_sql(self, site: str, observed: str, model: str) -> str:
        n = len(self.models)
        return f"((({site}) * {n} + ({observed})) * {n} + ({model}))"

    def quality_key(self, model_c: int, feature_c: int) -> int:
        return model_c * (len(self.features) + 1) + feature_c + 1

    def quality_key_sql(self, model: str, feature: str) -> str:
        return f"({model}) * {len(self.features) + 1} + ({feature}) + 1"


def _price(p, tag: str, batch: str) -> str:
    """Catalog price of the billed tokens `{tag}_bin, _bout, _bcached, _bwrite, _breason` at the rates
    of the price columns `{p}in_rate`, ... (`p` a table alias with its dot), or of one model's
    `PriceRow` written in as constants (see `prices.PriceRow.cost`: long-context tier, then batch scaling)."""
    if not isinstance(p, str):
        row = p
        constants = {**{c: getattr(row, c) for c in PRICE_COLUMNS[1:]},
                     "batch_in_scale": row.batch_scale[0], "batch_out_scale": row.batch_scale[1]}
        return _price_of(lambda name: "NULL" if constants[name] is None else f"CAST({float(constants[name])!r} AS DOUBLE)",
                         tag, batch)
    return _price_of(lambda name: f"{p}{name}", tag, batch)


def _price_of(rate, tag: str, batch: str) -> str:
    """`_price` with `rate(name)` giving the SQL of each rate."""
    def total(prefix: str) -> str:
        rin, rc, rw, rout, rr = (rate(f"{prefix}{r}_rate") for r in ("in", "cached", "write", "out", "reason"))
        if batch != "FALSE":
            si = f"(CASE WHEN {batch} THEN {rate('batch_in_scale')} ELSE 1.0 END)"
            so = f"(CASE WHEN {batch} THEN {rate('batch_out_scale')} ELSE 1.0 END)"
            rin, rc, rw, rout, rr = (f"({rin} * {si})", f"({rc} * {si})", f"({rw} * {si})", f"({rout} * {so})",
                                     f"({rr} * {so})")
        return (f"(({tag}_bin - {tag}_bcached - {tag}_bwrite) * {rin} + {tag}_bcached * {rc} "
                f"+ {tag}_bwrite * {rw} + ({tag}_bout - {tag}_breason) * {rout} + {tag}_breason * {rr})")

    tier = rate("tier_above")
    if tier == "NULL":                    # a model without a long-context tier
        return total("")
    return f"(CASE WHEN {tier} IS NOT NULL AND {tag}_bin > {tier} THEN {total('tier_')} ELSE {total('')} END)"


def _case(branches: list[tuple[str, str]], default: str) -> str:
    """CASE over the (condition, value) branches whose condition is not the constant FALSE: a scenario
    key that is not set costs no per-row work."""
    live = [f"WHEN {cond} THEN {value}" for cond, value in branches if cond != "FALSE"]
    return f"CASE {' '.join(live)} ELSE {default} END" if live else default


def _changes_tokens(s: Scenario) -> bool:
    """Whether a scenario changes an observed call's token counts (trim, cap, prompt cache)."""
    return s.trim_input is not None or s.max_tokens is not None or s.prompt_cache_hit_rate is not None


def _billed(tag: str, status: str, bill_errors: bool) -> list[str]:
    """Tokens an attempt is billed for: all when ok, the input when it timed out, none for an error
    (observed errors keep whatever usage was logged)."""
    out = []
    for col, part in (("in", "input"), ("cached", "input"), ("write", "input"), ("out", "output"),
                      ("reason", "output")):
        timeout = f"{tag}_{col}" if part == "input" else "0"
        error = f"{tag}_{col}" if bill_errors else "0"
        out.append(f"CASE {status} WHEN {OK} THEN {tag}_{col} WHEN {TIMEOUT} THEN {timeout} ELSE {error} END "
                   f"AS {tag}_b{col}")
    return out


@dataclass
class Tables:
    """Names of the temp tables a replay joins (built by `Simulation.prepare` / `load_tables`)."""

    rows: str = "sim_rows"            # prepared rows every scenario reads
    prices: str = "sim_prices"
    targets: str = "sim_targets"      # (site, observed model, model replayed) -> what an attempt draws from
    grids: str = "sim_grid"           # grid key -> v, dv (quantile grid point and step to the next)
    quality: str = "sim_quality"
    prefix: str = "sim_prefix"
    src: str = "sim_src"              # the source with each row's site id
    base: str = "sim_base"            # rows with integer codes
    groups: str = "sim_groups"        # (site, feature, tenant) combinations: grp -> codes
    dim: str = "sim_dim_{}"           # name <-> code of models, sites, features, tenants

    @classmethod
    def named(cls, prefix: str) -> "Tables":
        """Tables of one Simulation, so several can share a connection."""
        return cls(**{f: getattr(cls, f).replace("sim_", f"{prefix}_", 1) for f in cls.__dataclass_fields__})


class _Query:
    """A chain of CTEs adding columns to the first one's. Each group of columns (with the joins it reads)
    goes into the earliest CTE after those defining the columns it reads, so independent steps (a retry
    chain's attempts, a switch's drawn and observed outcomes) share CTEs: DuckDB's planning time grows
    much faster than the number of nested CTEs (a retry chain planned as 33 took longer than replaying
    its rows), and it runs on one thread before any row is read."""

    def __init__(self, name: str, first: str):
        self.name, self.first = name, f"{name}0 AS ({first})"
        self.levels: list[tuple[list[str], list[str]]] = []     # per CTE after the first: columns, joins
        self.level_of: dict[str, int] = {}                      # column -> the CTE defining it (0: the first)

    @property
    def last(self) -> str:
        """The last CTE: it holds every column."""
        return f"{self.name}{len(self.levels)}"

    def add(self, cols: list[str], joins: str = "") -> "_Query":
        """Columns, and the joins (whose conditions read only earlier columns) their expressions read."""
        level = 1 + max((self.level_of.get(name, 0) for name in _names(cols + [joins])), default=0)
        while len(self.levels) < level:
            self.levels.append(([], []))
        columns, join_list = self.levels[level - 1]
        columns += cols
        join_list += [joins] if joins else []
        self.level_of.update((_column_name(c), level) for c in cols)
        return self

    def uniforms(self, row_id: str, seed: int, draws: dict[str, int | str], as_hash: bool = False) -> "_Query":
        if draws:
            for cols in uniform_stages(row_id, seed, draws, self.name, as_hash):
                self.add(cols)
        return self

    def sql(self) -> str:
        ctes = [self.first]
        for i, (cols, joins) in enumerate(self.levels, start=1):
            source = f"{self.name}{i - 1}"
            ctes.append(f"{self.name}{i} AS (SELECT {source}.*, {', '.join(cols)} FROM {source}{''.join(joins)})")
        return ",\n".join(ctes)


def _names(texts: list[str]) -> set[str]:
    """Every identifier in SQL texts (a superset of the columns they read)."""
    return set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", " ".join(texts)))


def _column_name(col: str) -> str:
    """The name a SELECT-list entry defines (`expr AS name`, `alias.name` or `name`)."""
    return col.rsplit(" AS ", 1)[1].strip() if " AS " in col else col.rsplit(".", 1)[-1].strip()


@dataclass
class Replay:
    """Builds the per-row SQL of a scenario over the prepared tables (see the module docstring)."""

    codes: Codes
    seed: int = 0
    tables: Tables = field(default_factory=Tables)
    prices: dict = field(default_factory=dict)     # model -> PriceRow (the catalog's, for constants)
    kinds: dict = field(default_factory=dict)      # model -> operation kind (chat, embedding…) when the catalog knows

    def _named_price(self, model: str, tag: str, batch: str) -> str:
        """`_price` of one model's billed tokens at its catalog rates, written in as constants; NULL (the
        logged cost is unknown for a switched call) when the catalog has no price for it."""
        row = self.prices.get(model)
        return "NULL" if row is None else _price(row, tag, batch)

    def _lookup(self, alias: str, base: str, u: str) -> str:
        """Join the grid point below `u` of the grid starting at key `base` (a `targets` column)."""
        qi = f"least(CAST(floor({u} * {GRID}) AS INTEGER), {GRID - 1})"
        return f" LEFT JOIN {self.tables.grids} {alias} ON {alias}.k = {base} + {qi}"

    def _target(self, q: "_Query", alias: str, model: str, observed: str = "obs_model") -> None:
        """Columns `{alias}_ratio, _rate, _prefill, _tbase, _pbase`: what an attempt on `model` draws
        from, for a row observed on `observed` at its site (one join on a small table)."""
        q.add([f"coalesce({alias}.ratio, 1.0) AS {alias}_ratio", f"{alias}.error_rate AS {alias}_rate",
               f"coalesce({alias}.prefill, 0.0) AS {alias}_prefill", f"{alias}.tbase AS {alias}_tbase",
               f"{alias}.pbase AS {alias}_pbase"],
              f" LEFT JOIN {self.tables.targets} {alias} ON {alias}.k = "
              f"{self.codes.target_key_sql('site_c', observed, model)}")

    @staticmethod
    def _value(alias: str, u: str) -> str:
        return f"({alias}.v + {alias}.dv * ({u} * {GRID} - {alias}.qi))"

    def _model(self, name: str | None) -> str:
        return "NULL" if name is None else str(self.codes.models[name])

    def _tokens(self, s: Scenario, q: _Query, tag: str, inp: str, out: str, ratio: str | None) -> None:
        """Columns `{tag}_in, _cached, _write, _out, _reason` after re-tokenising (`ratio`), trimming,
        prompt caching and the output cap, and `{tag}_dunc`, the change in uncached input tokens."""
        scaled = [(inp, "in1"), ("obs_cached", "cached1"), ("obs_write", "write1")]
        scaled = [(name, expr if ratio is None else f"round({expr} * {ratio})") for expr, name in scaled]
        # an untrimmed input is the scaled one, written out again rather than read from the CTE before
        in_ = "" if s.trim_input is None else \
            f"(CASE WHEN scoped THEN least({tag}_in1, {s.trim_input}) ELSE {tag}_in1 END)"
        q.add([f"{expr} AS {tag}_{name}" for name, expr in scaled + ([] if in_ else [("in", scaled[0][1])])])
        if in_:
            q.add([f"{in_} AS {tag}_in"])
        if s.prompt_cache_hit_rate is None:
            q.add([f"least({tag}_cached1, {tag}_in) AS {tag}_cached"])
        else:
            q.add([f"least({tag}_cached1, {tag}_in) AS {tag}_cached2"])
            q.add([f"CASE WHEN NOT scoped THEN {tag}_cached2 WHEN hit_prompt "
                   f"THEN least({tag}_in, greatest({tag}_cached2, prefix)) ELSE 0 END AS {tag}_cached"])
        write = f"least({tag}_write1, {tag}_in - {tag}_cached)"
        if s.prompt_cache_hit_rate is not None:
            write = f"CASE WHEN scoped AND hit_prompt THEN 0 ELSE {write} END"
        q.add([f"{write} AS {tag}_write", f"({tag}_in - {tag}_cached) - ({tag}_in1 - {tag}_cached1) AS {tag}_dunc"])
        out2 = out if s.max_tokens is None else f"CASE WHEN scoped THEN least({out}, {s.max_tokens}) ELSE {out} END"
        q.add([f"{out2} AS {tag}_out"])
        q.add([f"least(obs_reason, {tag}_out) AS {tag}_reason"])

    def _draw_attempt(self, q: _Query, fit: str, tag: str, u: tuple[str, str, str], st: str, ttft: str,
                      lat: str) -> None:
        """An attempt re-drawn from the fit `_target` joined as `fit`: error with its rate, else TTFT and
        decode time from the empirical grids. Adds columns `st`, `ttft`, `lat`."""
        u_err, u_ttft, u_tps = u
        joins = self._lookup(f"{fit}_t", f"{fit}_tbase", u_ttft) + self._lookup(f"{fit}_p", f"{fit}_pbase", u_tps)
        q.add([f"{u_err} < {fit}_rate AS {fit}_err",
               f"{self._value(f'{fit}_t', u_ttft)} AS {fit}_ttft_d", f"{self._value(f'{fit}_p', u_tps)} AS {fit}_tps"],
              joins)
        q.add([f"greatest({fit}_ttft_d + {fit}_prefill * {tag}_dunc, {TTFT_FLOOR} * {fit}_ttft_d) AS {fit}_ttft"])
        q.add([f"CASE WHEN {fit}_err THEN {ERROR} ELSE {OK} END AS {st}",
               f"CASE WHEN {fit}_err THEN NULL ELSE {fit}_ttft END AS {ttft}",
               f"CASE WHEN {fit}_err THEN {fit}_ttft WHEN {tag}_out > 0 AND {fit}_tps > 0 "
               f"THEN {fit}_ttft + {tag}_out / {fit}_tps * 1000.0 ELSE {fit}_ttft END AS {lat}"])

    def _timeout(self, s: Scenario, q: _Query, st: str, ttft: str, lat: str, out_st: str, out_lat: str) -> None:
        if s.timeout is None or s.batch:
            q.add([f"{st} AS {out_st}", f"{lat} AS {out_lat}"])
            return
        t = s.timeout * 1000.0
        check = f"coalesce({ttft}, {lat})" if s.stream else lat
        over = f"(scoped AND {st} <> {TIMEOUT} AND {check} > {t})"
        q.add([f"CASE WHEN {over} THEN {TIMEOUT} ELSE {st} END AS {out_st}",
               f"CASE WHEN {over} OR (scoped AND {st} = {TIMEOUT}) THEN {t} ELSE {lat} END AS {out_lat}"])

    def _same_kind(self, s: Scenario, column: str) -> str:
        """Rows a model switch may act on: unless the scenario names a site or feature, only rows observed on
        a model of the target's operation kind (`model=gpt-4o-mini` leaves the embedding calls alone)."""
        kind = self.kinds.get(s.model)
        if kind is None or s.site is not None or s.feature is not None:
            return "TRUE"
        other = sorted(code for m, code in self.codes.models.items() if self.kinds.get(m) not in (None, kind))
        return f"{column} NOT IN ({', '.join(map(str, other))})" if other else "TRUE"

    def _scope(self, s: Scenario) -> str:
        if s.site is not None:
            return f"(site_c = {self.codes.sites.get(s.site, -2)})"
        if s.feature is not None:
            return f"(feature_c = {self.codes.features.get(s.feature, -2)})"
        return "TRUE"

    def touched(self, s: Scenario) -> str:
        """The prepared rows (a predicate over their columns) whose outcome a scenario can change: every
        other row comes out exactly as in the baseline, so a replay need only compute these. Each key
        names the rows it acts on; a row none of them names passes every step unchanged."""
        t = None if s.timeout is None or s.batch else s.timeout * 1000.0
        acts = [f"model_c <> {self._model(s.model)} AND {self._same_kind(s, 'model_c')}" if s.model is not None else None,
                "TRUE" if s.batch else None,
                f"st = {OK}" if s.stream else None,
                f"st <> {OK}" if (s.retries or 0) > 0 or s.fallback is not None else None,
                f"CAST(h_resp AS DOUBLE) / {PRIME}.0 < {s.response_cache_hit_rate!r}"
                if s.response_cache_hit_rate is not None else None,
                f"CAST(h_prompt AS DOUBLE) / {PRIME}.0 < {s.prompt_cache_hit_rate!r} OR cached_input_tokens > 0"
                if s.prompt_cache_hit_rate is not None else None,
                f"input_tokens > {s.trim_input}" if s.trim_input is not None else None,
                # the cap applies to the observed output, and to the drawn size of a retried failure
                f"greatest(output_tokens, eff_out) > {s.max_tokens}" if s.max_tokens is not None else None,
                f"st = {TIMEOUT} OR latency_ms > {t!r} OR ttft_ms > {t!r}" if t is not None else None]
        if _changes_tokens(s):
            # token counts that contradict each other (ingest rejects them; another source may not) are
            # mended by any token step
            acts.append("reasoning_tokens > output_tokens "
                        "OR cached_input_tokens + cache_write_input_tokens > input_tokens")
        acts = [a for a in acts if a is not None]
        return f"{self._scope(s)} AND ({' OR '.join(f'({a})' for a in acts)})" if acts else "FALSE"

    def final_sql(self, s: Scenario, narrow: bool = False, touched_only: bool = False) -> str:
        """Per-row outcome: row_id, site_c, feature_c, tenant_c, model_c, status (code), latency_ms,
        ttft_ms, cost_usd, quality, truncated, attempts; `narrow`: only what `figures` reads
        (`OUTCOME_COLUMNS`: the row's combination and bootstrap block instead of its id and codes) and
        the row's index `ri` in the prepared rows; `touched_only`: narrow, only for the rows the scenario
        can change (`touched`), with `ri` and the outcome (the rest are the baseline's)."""
        t = self.tables
        narrow = narrow or touched_only
        switch = s.model is not None
        chain = not s.batch and ((s.retries or 0) > 0 or s.fallback is not None)
        batch = "scoped" if s.batch else "FALSE"
        q = _Query("r", f"""
  SELECT row_id, ri, grp, blk, site_c, feature_c, tenant_c, model_c AS obs_model, st AS obs_status,
         input_tokens AS obs_in, output_tokens AS obs_out, cached_input_tokens AS obs_cached,
         cache_write_input_tokens AS obs_write, reasoning_tokens AS obs_reason, latency_ms AS obs_lat,
         ttft_ms AS obs_ttft, quality AS obs_quality, cost_usd AS obs_cost, obs_prefill, ttft_o,
         eff_in, eff_out, qbase, oc_full, oc_input, {', '.join(f'h_{n[2:]}' for n in ROW_DRAWS)},
         {"TRUE" if touched_only else self._scope(s)} AS scoped
  FROM {t.rows}{f" WHERE {self.touched(s)}" if touched_only else ""}""")
        draws = [name for name, used in (("u_resp", s.response_cache_hit_rate is not None),
                                         ("u_prompt", s.prompt_cache_hit_rate is not None),
                                         ("u_err1", switch), ("u_ttft1", switch), ("u_tps1", switch)) if used]
        if draws:
            q.add([f"CAST(h_{name[2:]} AS DOUBLE) / {PRIME}.0 AS {name}" for name in draws])
        target = (f"CASE WHEN scoped AND {self._same_kind(s, 'obs_model')} THEN {self._model(s.model)} ELSE obs_model END"
                  if switch else "obs_model")
        hit_resp = (f"(scoped AND u_resp < {s.response_cache_hit_rate})" if s.response_cache_hit_rate is not None
                    else "FALSE")
        cols = [f"{target} AS model1", f"{hit_resp} AS hit_resp"]
        joins = ""
        if s.prompt_cache_hit_rate is not None:
            cols += [f"(scoped AND u_prompt < {s.prompt_cache_hit_rate}) AS hit_prompt", "coalesce(px.prefix, 0) AS prefix"]
            joins += f" LEFT JOIN {t.prefix} px ON px.site = site_c"
        q.add(cols, joins)
        if switch:
            q.add(["model1 <> obs_model AS changed"])
            self._target(q, "m1", "model1")
        else:
            q.add(["FALSE AS changed"])
        # attempt 1 with the observed outcome, adjusted for the token changes
        if _changes_tokens(s):
            self._tokens(s, q, "o", "obs_in", "obs_out", None)
            q.add([f"CASE WHEN obs_status = {OK} THEN greatest(ttft_o + obs_prefill * o_dunc, {TTFT_FLOOR} * ttft_o) "
                   "END AS o_ttft"])
            # a row whose tokens did not change keeps its latency to the bit (no rounding through the ratio)
            q.add([f"CASE WHEN obs_status <> {OK} OR (o_dunc = 0 AND o_out = obs_out) THEN obs_lat "
                   "ELSE o_ttft + (CASE WHEN obs_out > 0 THEN (obs_lat - ttft_o) * o_out / obs_out "
                   "ELSE obs_lat - ttft_o END) END AS o_lat"])
        else:   # the observed tokens and times as they are
            q.add(["obs_in AS o_in", "obs_cached AS o_cached", "obs_write AS o_write", "obs_out AS o_out",
                   "obs_reason AS o_reason", f"CASE WHEN obs_status = {OK} THEN ttft_o END AS o_ttft",
                   "obs_lat AS o_lat"])
        if switch or chain:
            self._tokens(s, q, "e", "eff_in", "eff_out", "m1_ratio" if switch else None)
        if s.max_tokens is None:
            q.add(["FALSE AS truncated"])
        else:
            q.add([f"(scoped AND {'eff_out' if switch or chain else 'obs_out'} > {s.max_tokens}) AS truncated"])
        if switch:
            self._draw_attempt(q, "m1", "e", ("u_err1", "u_ttft1", "u_tps1"), "d_st", "d_ttft", "d_lat")
            q.add(["CASE WHEN changed THEN d_st ELSE obs_status END AS st0",
                   "CASE WHEN changed THEN d_ttft ELSE o_ttft END AS ttft0",
                   "CASE WHEN changed THEN d_lat ELSE o_lat END AS lat0"])
        else:
            q.add(["obs_status AS st0", "o_ttft AS ttft0", "o_lat AS lat0"])
        self._timeout(s, q, "st0", "ttft0", "lat0", "status1", "lat1")
        if _changes_tokens(s) or s.batch:
            q.add(_billed("o", "status1", True) + (_billed("e", "status1", False) if switch else []))
            cost_o = f"(CASE WHEN po.model IS NULL THEN obs_cost ELSE {_price('po.', 'o', batch)} END)"
            observed = f" LEFT JOIN {t.prices} po ON po.model = obs_model"
        else:   # the observed tokens at the observed prices: computed with the prepared rows
            if switch:
                q.add(_billed("e", "status1", False))
            cost_o, observed = f"(CASE WHEN status1 = {TIMEOUT} THEN oc_input ELSE oc_full END)", ""
        if switch:     # a changed row is on the scenario's model: its prices are constants
            q.add([f"CASE WHEN NOT changed THEN {cost_o} ELSE {self._named_price(s.model, 'e', batch)} END AS cost1"],
                  observed)
        else:
            q.add([f"{cost_o} AS cost1"], observed)
        keep = ["row_id", "ri", "grp", "blk", "site_c", "feature_c", "tenant_c", "obs_model", "obs_quality", "qbase", "truncated",
                "hit_resp", "scoped", "model1", "status1", "lat1", "ttft0", "cost1"]
        if chain:
            keep += ["obs_cached", "obs_write", "obs_reason", "eff_in", "eff_out"]
            keep += ["hit_prompt", "prefix"] if s.prompt_cache_hit_rate is not None else []
        # a narrow relation before the chain branches off it (a CTE read twice is materialised whole)
        h = f"{q.name}n"
        body = q.sql() + f",\n{h} AS (SELECT {', '.join(keep)} FROM {q.last})"
        if chain:
            x = self._chain_sql(s, h, keep)
        else:
            x = f"""
x AS (SELECT {h}.*, model1 AS fmodel, status1 AS fstatus, lat1 AS flat,
             CASE WHEN status1 = {OK} THEN ttft0 END AS fttft, cost1 AS fcost, 1 AS fattempts, 0.0 AS fprior
      FROM {h})"""
        may_switch = switch or s.fallback is not None
        q_shift = ("CASE WHEN x.fmodel = x.obs_model THEN coalesce(x.obs_quality, x.qbase) "
                   "WHEN x.obs_quality IS NOT NULL AND x.qbase IS NOT NULL THEN x.obs_quality - x.qbase + qf.q "
                   "ELSE qf.q END") if may_switch else "coalesce(x.obs_quality, x.qbase)"
        quality_join = (f"\nLEFT JOIN {t.quality} qf ON qf.k = {self.codes.quality_key_sql('x.fmodel', 'x.feature_c')}"
                        if may_switch else "")
        head = ("x.ri" if touched_only else "x.ri, x.grp, x.blk") if narrow else \
            "x.row_id, x.site_c, x.feature_c, x.tenant_c, x.fmodel AS model_c"
        # numpy takes NaN for a missing value far faster than a masked (NULL) column
        missing = "'NaN'::DOUBLE" if narrow else "NULL"

        def nan(expr: str) -> str:
            return f"coalesce({expr}, {missing})" if narrow else expr

        hit = "x.hit_resp" if s.response_cache_hit_rate is not None else "FALSE"
        served = "" if hit == "FALSE" else " AND NOT x.hit_resp"       # answered by the model, not the cache
        truncated = f"x.truncated{served}" if s.max_tokens is not None else "FALSE"
        latency = _case([(hit, str(CACHE_LATENCY_MS)), ("x.scoped" if s.batch else "FALSE", str(BATCH_WINDOW_MS)),
                         (f"x.scoped AND x.fstatus = {OK}" if s.stream else "FALSE",
                          "x.fprior + coalesce(x.fttft, x.flat - x.fprior)")], "x.flat")
        quality = _case([(f"x.fstatus <> {OK}{served}", missing), (truncated, "0.0"), ("x.qv IS NULL", missing)],
                        "greatest(least(x.qv, 1.0), 0.0)")
        tail = "" if narrow else f",\n       {_case([(hit, '0')], 'x.fattempts')} AS attempts"
        return f"""WITH {body},{x}
SELECT {head},
       CAST({_case([(hit, str(OK))], 'x.fstatus')} AS TINYINT) AS status,
       {latency} AS latency_ms,
       {_case([(hit, str(CACHE_LATENCY_MS))], nan('x.fttft'))} AS ttft_ms,
       {_case([(hit, '0.0')], nan('x.fcost'))} AS cost_usd,
       {quality} AS quality,
       {truncated} AS truncated{tail}
FROM (SELECT x.*, {q_shift} AS qv FROM x{quality_join}) x"""

    def prepared_rows_sql(self, base: str) -> str:
        """The rows every scenario reads: `base` plus what depends only on the observed row and the seed
        (its fit key, prefill and median TTFT, token sizes drawn for failed rows, quality baseline),
        computed once instead of in every scenario."""
        t = self.tables
        q = _Query("e", f"SELECT b.*, g.grp FROM {base} b JOIN {t.groups} g ON g.site_c = b.site_c "
                        "AND g.feature_c = b.feature_c AND g.tenant_c = b.tenant_c")
        q.uniforms("row_id", self.seed, {"u_in": DRAW_INPUT, "u_out": DRAW_OUTPUT})
        q.uniforms("row_id", self.seed, {f"h_{name[2:]}": k for name, k in ROW_DRAWS.items()}, as_hash=True)
        # the observed attempt's TTFT: measured, else modelled from its duration and output (`fit`), else
        # no later than the fit's median
        modelled = modelled_ttft_sql("latency_ms", "output_tokens", "mo.decode", "mo.decode_base")
        q.add(["coalesce(mo.prefill, 0.0) AS obs_prefill", "mo.ibase", "mo.obase",
               f"coalesce(ttft_ms, CASE WHEN mo.decode IS NOT NULL THEN {modelled} END, "
               "least(latency_ms, mo.ttft_p50)) AS ttft_o"],
              f" LEFT JOIN {t.targets} mo ON mo.k = {self.codes.target_key_sql('site_c', 'model_c', 'model_c')}")
        q.add([f"CASE WHEN st = {OK} OR input_tokens > 0 THEN input_tokens "
               f"ELSE coalesce(round({self._value('gi', 'u_in')}), 0) END AS eff_in",
               f"CASE WHEN st = {OK} THEN output_tokens ELSE coalesce(round({self._value('go', 'u_out')}), 0) END AS eff_out",
               "qo.q AS qbase"],
              self._lookup("gi", "ibase", "u_in") + self._lookup("go", "obase", "u_out")
              + f" LEFT JOIN {t.quality} qo ON qo.k = {self.codes.quality_key_sql('model_c', 'feature_c')}")
        # the observed tokens re-priced, billed in full (ok, error) or for the input only (timeout)
        q.add([f"{col} AS {tag}_b{part}" for tag, out in (("bf", True), ("bi", False))
               for part, col in (("in", "input_tokens"), ("cached", "cached_input_tokens"),
                                 ("write", "cache_write_input_tokens"), ("out", "output_tokens" if out else "0"),
                                 ("reason", "reasoning_tokens" if out else "0"))])
        q.add([f"CASE WHEN po.model IS NULL THEN cost_usd ELSE {_price('po.', tag, 'FALSE')} END AS {name}"
               for tag, name in (("bf", "oc_full"), ("bi", "oc_input"))],
              f" LEFT JOIN {t.prices} po ON po.model = model_c")
        keep = ["CAST(row_number() OVER () - 1 AS INTEGER) AS ri", f"CAST(row_id % {BLOCKS} AS TINYINT) AS blk",
                "obs_prefill", "ttft_o", "eff_in",
                "eff_out", "qbase", "oc_full", "oc_input",
                *(f"h_{name[2:]}" for name in ROW_DRAWS)]
        # token counts fit 32 bits (no context window comes near 2^31): a million rows take 30 MB less
        columns = [f"CAST(least({c}, 2147483647) AS INTEGER) AS {c}"
                   if c.endswith("_tokens") or c in ("eff_in", "eff_out") else c for c in BASE_COLUMNS + keep]
        return f"WITH {q.sql()} SELECT {', '.join(columns)} FROM {q.last}"

    def _chain_sql(self, s: Scenario, h: str, columns: list[str]) -> str:
        """CTEs ending in `x`: a row whose first attempt failed gets its extra attempts (retries, then
        fallback) as columns, attempt j counting only when every attempt before it failed; the other
        rows of `h` pass through. Row-local: no window, no grouping, no join back."""
        per_model = 1 + (s.retries or 0)
        last = per_model * (2 if s.fallback else 1)
        attempts = range(2, last + 1)
        failed = f"scoped AND NOT hit_resp AND status1 <> {OK}"
        q = _Query("a", f"SELECT * FROM {h} WHERE {failed}")
        q.uniforms("row_id", self.seed, {f"ua_{n}_{j}": attempt_draw(j, k) for j in attempts
                                         for k, n in enumerate(("err", "ttft", "tps", "jitter"))})
        for j in attempts:
            jj = j if j <= per_model else j - per_model
            on_fallback = j > per_model
            model = self._model(s.fallback) if on_fallback else "model1"
            # the model by name when every row tries the same one (its prices are constants then); a switch that
            # leaves rows of another operation kind on their own model is priced per row
            every_row = self._same_kind(s, "model1") == "TRUE"
            name = s.fallback if on_fallback else s.model if every_row else None
            backoff = min(BACKOFF_BASE_MS * 2 ** (jj - 2), BACKOFF_MAX_MS) if jj >= 2 else 0.0
            q.add([f"{backoff!r} * (1 - {BACKOFF_JITTER} * ua_jitter_{j}) AS backoff_{j}"])
            self._target(q, f"m{j}", model)
            self._tokens(s, q, f"f{j}", "eff_in", "eff_out", f"m{j}_ratio")
            self._draw_attempt(q, f"m{j}", f"f{j}", (f"ua_err_{j}", f"ua_ttft_{j}", f"ua_tps_{j}"),
                               f"st0_{j}", f"ttft0_{j}", f"lat0_{j}")
            self._timeout(s, q, f"st0_{j}", f"ttft0_{j}", f"lat0_{j}", f"st_{j}", f"lat_{j}")
            q.add(_billed(f"f{j}", f"st_{j}", False))
            if name is not None:
                q.add([f"{self._named_price(name, f'f{j}', 'FALSE')} AS cost_{j}"])
            else:
                q.add([f"CASE WHEN pa{j}.model IS NULL THEN NULL ELSE {_price(f'pa{j}.', f'f{j}', 'FALSE')} END AS cost_{j}"],
                      f" LEFT JOIN {self.tables.prices} pa{j} ON pa{j}.model = {model}")

        def until_ok(value) -> str:
            """The sum of `value(j)` over the attempts that count."""
            total = value(last)
            for j in reversed(attempts[:-1]):
                total = f"{value(j)} + CASE WHEN st_{j} = {OK} THEN 0.0 ELSE {total} END"
            return total

        def final(value, otherwise: str) -> str:
            """`value(j)` of the first attempt that answered, else `otherwise`."""
            return _case([(f"st_{j} = {OK}", value(j)) for j in attempts], otherwise)

        clat = until_ok(lambda j: f"(backoff_{j} + lat_{j})")
        fmodel = final(lambda j: "model1" if j <= per_model else self._model(s.fallback),
                       "model1" if last <= per_model else self._model(s.fallback))
        return q.sql() + f""",
x AS (
  SELECT {h}.*, model1 AS fmodel, status1 AS fstatus, lat1 AS flat,
         CASE WHEN status1 = {OK} THEN ttft0 END AS fttft, cost1 AS fcost, 1 AS fattempts, 0.0 AS fprior
  FROM {h} WHERE NOT ({failed})
  UNION ALL
  SELECT {', '.join(columns)}, {fmodel} AS fmodel, {final(lambda j: str(OK), f"st_{last}")} AS fstatus,
         lat1 + {clat} AS flat, {final(lambda j: f"ttft0_{j}", "NULL")} AS fttft,
         cost1 + {until_ok(lambda j: f"coalesce(cost_{j}, 0.0)")} AS fcost,
         1 + {final(lambda j: str(j - 1), str(last - 1))} AS fattempts,
         lat1 + {clat} - {final(lambda j: f"lat_{j}", f"lat_{last}")} AS fprior
  FROM {q.last})"""


_ARROW_TYPES = {"VARCHAR": "string", "INTEGER": "int32", "BIGINT": "int64", "DOUBLE": "float64"}


def create_table(con, name: str, columns: list[tuple[str, str]], rows: list[tuple]) -> None:
    """(Re)create a small temp table from Python rows in one batch (DuckDB's executemany is slow): numpy
    columns DuckDB scans as they are (building Arrow arrays imports pandas, 0.2 s of every run), or one
    Arrow table for an engine that takes only Arrow."""
    if getattr(con, "engine", "duckdb") == "duckdb":
        data = {col: np.array([r[i] for r in rows], dtype=object) for i, (col, _) in enumerate(columns)}
    else:
        import pyarrow as pa

        data = pa.table({col: pa.array([r[i] for r in rows], type=getattr(pa, _ARROW_TYPES[kind])())
                         for i, (col, kind) in enumerate(columns)})
    con.register("_sim_incoming", data)
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT "
                    f"{', '.join(f'CAST({col} AS {kind}) AS {col}' for col, kind in columns)} FROM _sim_incoming")
    finally:
        con.unregister("_sim_incoming")


def load_tables(con: "duckdb.DuckDBPyConnection", codes: Codes, fits: Fits, prices: dict,
                ratios: dict[tuple[str, str], float], prefixes: dict[str, float],
                pairs: Sequence[tuple[str, str]], tables: Tables = Tables()) -> None:
    """Create the small lookup tables the per-row SQL joins, keyed by integer codes (`pairs`: the
    (site, model) pairs the traffic has)."""
    m, sites = codes.models, codes.sites

    def site_code(site: str) -> int:
        return -1 if site == ANY else sites[site]

    def table(name: str, columns: str, rows: list[tuple]) -> None:
        create_table(con, name, [tuple(c.split()) for c in columns.split(", ")], rows)

    table(tables.prices, "model INTEGER, " + ", ".join(f"{c} DOUBLE" for c in PRICE_COLUMNS[1:])
          + ", batch_in_scale DOUBLE, batch_out_scale DOUBLE",
          [(m[name], *row.as_tuple()[1:], *row.batch_scale) for name, row in prices.items() if name in m])
    fitted = [f for f in fits.models.values() if f.model in m and (f.site == ANY or f.site in sites)]
    targets = []
    for site, observed in pairs:
        site_c, observed_c = sites[site], m[observed]
        for model, model_c in m.items():
            own = (model, site) in fits.site_keys
            key = site_c if own else -1
            f = fits.models.get(f"{model}|{site if own else ANY}")
            targets.append((codes.target_key(site_c, observed_c, model_c),
                            1.0 if model == observed else ratios.get((observed, model), 1.0),
                            fits.error_rate(model, site), None if f is None else f.prefill_ms_per_token,
                            None if f is None else f.quantile("ttft", 0.5),
                            *(fits.decode.get((observed, site), (None, None)) if model == observed else (None, None)),
                            *(codes.grid_key(model_c, key, METRIC_CODES[metric], 0) for metric in METRIC_CODES)))
    table(tables.targets, "k BIGINT, ratio DOUBLE, error_rate DOUBLE, prefill DOUBLE, ttft_p50 DOUBLE, decode DOUBLE, "
          "decode_base DOUBLE, "
          "tbase BIGINT, "
          "pbase BIGINT, ibase BIGINT, obase BIGINT", targets)
    table(tables.grids, "k BIGINT, qi INTEGER, v DOUBLE, dv DOUBLE",
          [(codes.grid_key(m[f.model], site_code(f.site), METRIC_CODES[metric], i), i, grid[i],
            grid[i + 1] - grid[i])
           for f in fitted for metric, grid in f.quantiles.items() for i in range(GRID)])
    table(tables.prefix, "site INTEGER, prefix DOUBLE",
          [(sites[site], tokens) for site, tokens in prefixes.items() if site in sites])
    features = [(None, -1)] + list(codes.features.items())
    table(tables.quality, "k BIGINT, q DOUBLE",
          [(codes.quality_key(m[model], fc), q[0]) for model in m for feat, fc in features
           if (q := fits.quality_of(model, feat)) is not None])


# ---------------------------------------------------------------------------------------------- running
def _inverse(codes: dict[str, int]) -> dict[int, str]:
    return {v: k for k, v in codes.items()}


def _bin_sql(x: str) -> str:
    """SQL of `figures.value_bins` without a double's bits: its exponent (log2, corrected at powers of
    two) and the top five bits of its mantissa, exactly as the bits shifted give them."""
    return (f"((e + 1023) * {1 << (52 - MANTISSA_SHIFT)} "
            f"+ CAST(floor(({x} / pow(2.0, e) - 1.0) * {float(1 << (52 - MANTISSA_SHIFT))!r}) AS BIGINT))")


def _binned_sql(out: str) -> str:
    """CTEs ending in `binned`: each latency (col 0) and TTFT (col 1) of `out` with its row's combination,
    block and bin (`figures.value_bins`, without a double's bits: the exponent, corrected at powers of
    two, and the top bits of the mantissa)."""
    return f"""v AS (SELECT 0 AS col, grp, blk, latency_ms AS v FROM {out} WHERE latency_ms IS NOT NULL
              UNION ALL SELECT 1 AS col, grp, blk, ttft_ms AS v FROM {out} WHERE ttft_ms IS NOT NULL),
        x AS (SELECT *, greatest(v, 1.0) AS x FROM v),
        e0 AS (SELECT *, CAST(floor(log2(x)) AS INTEGER) AS e0 FROM x),
        e AS (SELECT *, e0 - CASE WHEN pow(2.0, e0) > x THEN 1 ELSE 0 END
                           + CASE WHEN pow(2.0, e0 + 1) <= x THEN 1 ELSE 0 END AS e FROM e0),
        binned AS (SELECT col, grp, blk, v, {_bin_sql('x')} AS bin FROM e)"""


def _grouped_quantiles(con, out: str, tables: Tables, groups: Groups,
                       columns: list[tuple[dict, tuple[float, ...]]]) -> list[dict[str, Distribution]]:
    """Exact `quantile_cont` of each column of `out` per group of every kind, the way `figures.distributions`
    finds them in rows: the bin of each wanted rank from the column's histogram (`columns`: its counts per
    (grp, blk, bin) and the quantiles wanted), then the engine ranks the values of those bins only and hands
    over the wanted order statistics; no engine sorts all the rows, and only those values leave it.
    Returns per column {kind: its `Distribution`}, with the histogram's counts per block for the bootstrap."""
    kinds = {kind: groups.keys(kind)[0] for kind in GROUP_KINDS}
    wanted, cells, located = set(), set(), []
    for col, (histogram, probs) in enumerate(columns):
        grp, blk, bins, counts = (column(histogram[name], np.int64) for name in ("grp", "blk", "bin", "n"))
        for k, (kind, key_of) in enumerate(kinds.items()):
            cell, inverse = distinct(key_of[grp] * BIN_SPAN + bins, return_inverse=True)
            per_block = np.zeros((len(cell), BLOCKS), dtype=np.int64)
            np.add.at(per_block, (inverse, blk), counts)
            ranks = rank_cells(cell, per_block.sum(axis=1), probs)
            wanted.update((col, k, c // BIN_SPAN, c % BIN_SPAN, rank)
                          for c, rank in zip(cell[ranks.at].ravel().tolist(), ranks.offset.ravel().tolist()))
            entries = np.flatnonzero(np.isin(inverse, ranks.at))       # the (grp, bin) counts of the wanted cells
            cells.update(zip([col] * len(entries), grp[entries].tolist(), bins[entries].tolist(), [k] * len(entries),
                             key_of[grp[entries]].tolist()))
            located.append((col, kind, k, ranks, cell, per_block))
    need, ranked = f"{tables.rows}_need", f"{tables.rows}_cells"
    create_table(con, ranked, [(name, "BIGINT") for name in ("col", "grp", "bin", "kind", "k")], sorted(cells))
    create_table(con, need, [(name, "BIGINT") for name in ("col", "kind", "k", "bin", "r")], sorted(wanted))
    try:
        picked = con.execute(f"""
            WITH {_binned_sql(out)},
            r AS (SELECT c.col, c.kind, c.k, c.bin, b.v,
                         row_number() OVER (PARTITION BY c.col, c.kind, c.k, c.bin ORDER BY b.v) - 1 AS r
                  FROM binned b JOIN {ranked} c ON c.col = b.col AND c.grp = b.grp AND c.bin = b.bin)
            SELECT r.col, r.kind, r.k, r.bin, r.r, r.v FROM r JOIN {need} n
            ON n.col = r.col AND n.kind = r.kind AND n.k = r.k AND n.bin = r.bin AND n.r = r.r""").fetchall()
    finally:
        for name in (ranked, need):
            con.execute(f"DROP TABLE {name}")
    value = {tuple(int(x) for x in row[:5]): float(row[5]) for row in picked}
    results: list[dict[str, Distribution]] = [{} for _ in columns]
    for col, kind, k, ranks, cell, per_block in located:
        order_statistics = np.array([value[(col, k, int(c // BIN_SPAN), int(c % BIN_SPAN), int(r))]
                                     for c, r in zip(cell[ranks.at].ravel(), ranks.offset.ravel())])
        quantiles = ranks.interpolated(order_statistics.reshape(ranks.at.shape)).tolist()
        keys = ranks.present.tolist()
        results[col][kind] = Distribution(dict(zip(keys, quantiles)), dict(zip(keys, ranks.sizes.tolist())),
                                          ranks.present, cell % BIN_SPAN, per_block, ranks.first, ranks.last)
    return results


def aggregated_figures(con, outcomes: str, tables: Tables, groups: Groups, seed: int, days: float,
                       bootstrap: int = BOOTSTRAP, estimated: tuple[np.ndarray, str] | None = None):
    """Figures of a replay's per-row outcomes (`outcomes`, narrow: grp, blk, status, latency_ms, ...)
    computed by the engine as grouped aggregates — counts and fixed-point sums per (combination, block),
    latency histogram counts per (combination, bin, block), exact percentiles per group of each kind —
    and assembled by `figures.assemble` (the same bootstrap, the same numbers as from the rows): only
    aggregates leave the engine."""
    out = f"{tables.rows}_outcomes"
    clean = ", ".join(f"CASE WHEN isnan({c}) THEN NULL ELSE {c} END AS {c}"
                      for c in ("latency_ms", "ttft_ms", "cost_usd", "quality"))
    con.execute(f"CREATE OR REPLACE TEMP TABLE {out} AS SELECT o.grp, o.blk, o.status, o.truncated, {clean} "
                f"FROM ({outcomes}) o")
    try:
        per_cell = cell_totals(con, out, len(groups.site) * BLOCKS)
        both = con.execute(f"WITH {_binned_sql(out)} SELECT col, grp, blk, bin, count(*) AS n FROM binned "
                           "GROUP BY col, grp, blk, bin").fetchnumpy()
        latency = column(both["col"], np.int64) == 0
        histogram, ttft_histogram = ({name: np.asarray(values)[rows] for name, values in both.items()}
                                     for rows in (latency, ~latency))
        lat_all, ttft_all = _grouped_quantiles(con, out, tables, groups,
                                               [(histogram, QUANTILES), (ttft_histogram, (0.5,))])
    finally:
        con.execute(f"DROP TABLE {out}")
    with one_blas_thread():
        return assemble(groups, per_cell, lat_all, ttft_all, seed, days, "traffic", bootstrap, estimated)


CELL_COUNTS = ("n", "err", "tout", "trunc", "qn")


def cell_totals(con, outcomes: str, n_cells: int) -> dict[str, np.ndarray]:
    """Counts and fixed-point sums of the outcomes table `outcomes` per (combination, block) cell, as
    `assemble` takes them. The sums are of 38-digit decimals, read as whole numbers: a cell's 2^27 rows
    pass an int64, where Spark's BIGINT sum wraps silently without ANSI mode and DuckDB's HUGEINT reaches
    numpy as a double; below that, the same bits as `fixed_totals` of the rows."""
    sums = [f"sum(CAST({part} AS DECIMAL(38, 0)))" for name in ("cost_usd", "quality") for part in fixed_point_sql(name)]
    rows = con.execute(f"""
        SELECT grp, blk, count(*), count(*) FILTER (WHERE status <> {OK}), count(*) FILTER (WHERE status = {TIMEOUT}),
               count(*) FILTER (WHERE truncated), count(quality), {', '.join(sums)}
        FROM {outcomes} GROUP BY grp, blk""").fetchall()
    grp, blk, *counts, cost_high, cost_low, quality_high, quality_low = zip(*rows) if rows else [()] * 11
    cell = np.asarray(grp, dtype=np.int64) * BLOCKS + np.asarray(blk, dtype=np.int64)
    per_cell = {}
    for name, values in [*zip(CELL_COUNTS, counts), ("cost", from_fixed(_whole(cost_high, cost_low))),
                         ("qs", from_fixed(_whole(quality_high, quality_low)))]:
        per_cell[name] = np.zeros(n_cells)
        per_cell[name][cell] = np.asarray(values, dtype=np.float64)
    return per_cell


def _whole(*parts) -> list[list[int]]:
    """An engine's decimal sums as Python ints (exact at any size)."""
    return [[int(v) for v in part] for part in parts]


def days_covered(con, rows: str) -> float:
    """Days the traffic spans (at least one hour): the denominator of cost per day, from whole microseconds
    (epoch seconds as doubles lose bits in the difference, differently in each engine)."""
    span = con.execute(f"SELECT epoch_us(max(ts)) - epoch_us(min(ts)) FROM {rows}").fetchall()[0][0]
    return max(int(span or 0) / 86_400_000_000, 1 / 24)


class Simulation:
    """Fits, lookup tables and scenario runs over one traffic relation.

    `source` is a table, view or table function (`read_parquet('dir/**/*.parquet', hive_partitioning=true)`)
    with the canonical columns; `site_sql` is the SQL expression over it (alias `c`) giving each row's
    site id (default: `code_file:code_line`), or `site_map` a table `(row_id, site_id)` from the
    row-to-site mapping.
    """

    _instances = 0

    def __init__(self, con, source: str = "calls", seed: int = 0, config=None, site_sql: str | None = None,
                 site_map: str | None = None, eval_file=None, prefixes: dict[str, float] | None = None,
                 min_site_rows: int | None = None, bootstrap: int = BOOTSTRAP, sample: int | None = None,
                 max_tenants: int | None = MAX_TENANTS, sample_rate: float = 1.0,
                 client_retries: dict[str, int | None] | None = None, cache: "SummaryCache | None" = None,
                 aggregate: bool | None = None):
        if not 0.0 < sample_rate <= 1.0:
            from llmsight.config import ConfigError

            raise ConfigError(f"sample rate must be above 0 and at most 1 (the share of calls traced), got {sample_rate}")
        self.con, self.seed, self.config = con, seed, config
        self.db = con                      # the connection holding the prepared tables (the summary cache's on a hit)
        self.name, self.source = source, canonical_relation(con, source)
        # end-user ids as tenants give tens of thousands of groups nobody reads one by one, each costing
        # bootstrap matrices and histogram cells: beyond the busiest `max_tenants` (None: all), pooled
        self.max_tenants = max_tenants
        # results never depend on row order (sums are fixed point, draws hash the row id), so
        # DuckDB need not buffer a million-row scenario table to keep it: less memory, faster replays
        # (a store's connection, `store.connect`, allows no SET: a read-only one has this set already)
        on_duckdb = getattr(con, "engine", "duckdb") == "duckdb"     # `spark.SparkConnection` has no settings
        if on_duckdb and con.execute("SELECT current_setting('preserve_insertion_order') "
                                     "AND NOT current_setting('lock_configuration')").fetchall()[0][0]:
            con.execute("SET preserve_insertion_order = false")
        self.sample = sample          # replay a seeded uniform sample of about this many rows (None: all)
        self.fraction = 1.0
        # head-sampled traces hold this share of the calls made: per-day figures are scaled back up
        self.sample_rate = sample_rate
        self.site_sql = site_sql or DEFAULT_SITE_SQL
        self.site_map, self.eval_file = site_map, eval_file
        self.static_prefixes = dict(prefixes or {})
        self.min_site_rows = min_site_rows
        # site -> its client's own retries (from the code): observed error rates are after them
        self.client_retries = {site: n for site, n in (client_retries or {}).items() if isinstance(n, int) and n > 0}
        self.bootstrap = bootstrap
        Simulation._instances += 1
        self.tables = Tables.named(f"sim{Simulation._instances}")
        self.replay: Replay | None = None
        self._baseline: tuple[Replay, Outcomes] | None = None    # see `baseline`
        self.fits: Fits | None = None
        self.codes: Codes | None = None
        self.prices: dict = {}
        self.ratios: dict[tuple[str, str], float] = {}   # tokenizer ratios (observed, target model)
        self.notes: list[str] = []
        self.days = 1.0
        self.cache = cache                 # the summary cache (`prepared`), None: prepare from the traffic
        # figures from the engine's grouped aggregates (`aggregated_figures`), not from rows fetched here:
        # the default on a distributed engine, where rows stay on the cluster
        self.aggregate = not on_duckdb if aggregate is None else aggregate
        self.prepared: PreparedTraffic | None = None
        self._cache_key: str | None = None
        self._owned = None                 # the summary cache's connection, when the preparation came from it
        self._baseline_columns: dict | None = None   # the baseline's outcome columns in row order (`_fetch_baseline`)

    def prepare(self, scenarios: Sequence[Scenario] = ()) -> None:
        """Materialise the rows with integer codes, fit the models, build the lookup tables: what the
        traffic alone decides once per Simulation (read from the summary cache when it has it), then
        what the scenarios' target models add."""
        if self.prepared is None:
            self.prepared = self._cached() or self._prepare_traffic()
        self._add_targets(sorted({m for s in scenarios for m in s.models()}))

    def _settings(self) -> dict:
        """What shapes a preparation besides the rows and the code (the summary cache's key)."""
        from llmsight.simulator.prepared import file_digest

        return {"seed": self.seed, "sample": self.sample, "max_tenants": self.max_tenants, "site_sql": self.site_sql,
                "eval": [self.eval_file and str(self.eval_file), file_digest(self.eval_file)],
                "config": repr(self.config), "prefixes": sorted(self.static_prefixes.items()),
                "min_site_rows": self.min_site_rows, "client_retries": sorted(self.client_retries.items())}

    def _cached(self) -> "PreparedTraffic | None":
        """The traffic's preparation from the summary cache: its tables become this Simulation's, read
        through the cache's connection (`db`; the traffic is not read again)."""
        if self.cache is None or (self.eval_file is not None and not Path(self.eval_file).is_file()):
            return None
        self._cache_key = self.cache.key(self.con, self.source, self.site_map, self._settings())
        hit = self.cache.load(self._cache_key, ROW_TYPES)
        if hit is None:
            return None
        from llmsight.simulator.prepared import GROUPS_TABLE, ROWS_TABLE

        self.db, prepared, self._baseline_columns = hit
        self._owned = self.db
        self.tables = dataclasses.replace(self.tables, rows=f"summary.{ROWS_TABLE}", groups=f"summary.{GROUPS_TABLE}")
        return prepared

    def _prepare_traffic(self) -> "PreparedTraffic":
        """Code the traffic's names, fit its models, build the prepared rows and the combinations, replay
        the baseline; saved to the summary cache."""
        from llmsight.simulator import fit as fit_mod
        from llmsight.simulator.prepared import GROUPS_TABLE, ROWS_TABLE, FitsRecord, PreparedTraffic
        from llmsight.simulator.prices import price_rows

        con, t = self.con, self.tables
        site = self.site_sql if self.site_map is None else f"coalesce(m.site_id, {self.site_sql})"
        join = "" if self.site_map is None else f" LEFT JOIN {self.site_map} m ON m.row_id = c.row_id"
        where = "c.model IS NOT NULL"
        fraction = 1.0
        if self.sample:
            total = con.execute(f"SELECT count(*) FROM {self.source} c WHERE {where}").fetchall()[0][0]
            fraction = min(1.0, self.sample / total) if total else 1.0
            if fraction < 1.0:
                where += f" AND {uniform_sql('c.row_id', self.seed, DRAW_SAMPLE)} < {fraction!r}"
        con.execute(f"CREATE OR REPLACE TEMP VIEW {t.src} AS SELECT c.*, {site} AS site_id "
                    f"FROM {self.source} c{join} WHERE {where}")
        distinct = con.execute(f"""SELECT list(DISTINCT model), list(DISTINCT site_id), list(DISTINCT feature),
                                         list(DISTINCT tenant) FROM {t.src}""").fetchall()[0]
        observed, sites, features, tenants = (sorted(v for v in (col or []) if v is not None) for col in distinct)
        if not observed:
            from llmsight.config import ConfigError

            raise ConfigError(f"{self.name}: no calls to replay (no rows with a model); ingest traffic first")
        notes: list[str] = []
        tenants, other_tenant = self._pooled_tenants(tenants, notes)
        codes = Codes(*({name: i for i, name in enumerate(names)} for names in (observed, sites, features, tenants)))
        for name, values in (("model", observed), ("site", sites), ("feature", features), ("tenant", tenants)):
            create_table(con, t.dim.format(name), [("name", "VARCHAR"), ("code", "INTEGER")],
                         [(v, i) for i, v in enumerate(values)])
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE {t.base} AS
            SELECT s.row_id, s.ts, s.model, s.site_id, s.feature, s.tenant, s.status,
                   dm.code AS model_c, ds.code AS site_c, coalesce(df.code, -1) AS feature_c,
                   coalesce(dt.code, CASE WHEN s.tenant IS NULL THEN -1 ELSE {other_tenant} END) AS tenant_c,
                   CAST(CASE s.status WHEN 'ok' THEN {OK} WHEN 'timeout' THEN {TIMEOUT} ELSE {ERROR} END AS TINYINT) AS st,
                   {', '.join(f'coalesce(s.{c}, 0) AS {c}' for c in TOKEN_COLUMNS)},
                   s.latency_ms, s.ttft_ms, s.quality, s.cost_usd, s.attempt
            FROM {t.src} s JOIN {t.dim.format('model')} dm ON dm.name = s.model
            JOIN {t.dim.format('site')} ds ON ds.name = s.site_id
            LEFT JOIN {t.dim.format('feature')} df ON df.name = s.feature
            LEFT JOIN {t.dim.format('tenant')} dt ON dt.name = s.tenant""")
        release_freed_memory()              # each stage's freed memory goes back before the next
        kwargs = {} if self.min_site_rows is None else {"min_site_rows": self.min_site_rows}
        fits = fit_mod.fit(con, t.base, eval_file=self.eval_file, client_retries=self.client_retries, **kwargs)
        release_freed_memory()
        prefixes = dict(con.execute(f"SELECT site_id, median(cached_input_tokens) FROM {t.base} "
                                    "WHERE cached_input_tokens > 0 GROUP BY site_id").fetchall())
        for site_id, tokens in self.static_prefixes.items():
            prefixes.setdefault(site_id, tokens)
        pairs = [(sites[s], observed[m]) for s, m in
                 con.execute(f"SELECT DISTINCT site_c, model_c FROM {t.base}").fetchall()]
        prices, _ = price_rows(observed, self.config)
        load_tables(con, codes, fits, prices, {}, prefixes, pairs, t)
        days = days_covered(con, t.base)
        con.execute(f"CREATE OR REPLACE TEMP TABLE {t.groups} AS SELECT CAST(row_number() OVER "
                    "(ORDER BY site_c, feature_c, tenant_c) - 1 AS INTEGER) AS grp, site_c, feature_c, tenant_c "
                    f"FROM (SELECT DISTINCT site_c, feature_c, tenant_c FROM {t.base})")
        replay = Replay(codes, self.seed, t, prices)
        con.execute(f"CREATE OR REPLACE TEMP TABLE {t.rows} AS {replay.prepared_rows_sql(t.base)}")
        con.execute(f"DROP TABLE {t.base}")
        release_freed_memory()
        prepared = PreparedTraffic(observed, sites, features, tenants, FitsRecord.of(fits), prefixes, pairs, days,
                                   fraction, notes)
        if self.cache is not None and self._cache_key is not None:
            self.cache.save(self._cache_key, con, prepared, {ROWS_TABLE: t.rows, GROUPS_TABLE: t.groups},
                            self._fetch_baseline(replay))
        return prepared

    def _add_targets(self, targets: list[str]) -> None:
        """Codes, prior fits, prices, tokenizer ratios, lookup tables and notes for the observed models
        and the scenarios' `targets` (coded after the observed ones: the prepared rows keep their codes)."""
        from llmsight.knowledge.recommend import operation_kind
        from llmsight.simulator import fit as fit_mod
        from llmsight.simulator.prices import last_listed_notes, price_rows

        con, t, p = self.db, self.tables, self.prepared
        models = p.models + [m for m in targets if m not in p.models]
        self.codes = codes = Codes(*({name: i for i, name in enumerate(names)}
                                     for names in (models, p.sites, p.features, p.tenants)))
        self.fits = fits = p.fits.fits()
        for model in sorted(set(targets) - {f.model for f in fits.models.values()}):
            fit_mod.add_prior_fit(fits, model)
        for name, values in (("model", models), ("site", p.sites), ("feature", p.features), ("tenant", p.tenants)):
            create_table(con, t.dim.format(name), [("name", "VARCHAR"), ("code", "INTEGER")],
                         [(v, i) for i, v in enumerate(values)])
        prices, unknown = price_rows(models, self.config)
        self.notes = list(p.notes)
        self.notes += [f"{m}: not in the price data; its logged cost_usd is used while unchanged" for m in unknown]
        self.notes += last_listed_notes(prices, self.config)
        self.notes += [f"{m}: not in the traffic; latency and errors from {f.source}"
                       for m in targets if (f := fits.get(m)) is not None and f.source != "traffic"]
        self.notes += [fits.error_basis[m] for m in models if m in fits.error_basis]
        modelled = sorted(f.model for f in fits.models.values() if f.site == ANY and f.latency != fit_mod.MEASURED)
        if modelled:
            self.notes.append(f"no TTFT in the traffic of {', '.join(modelled)}: each call's TTFT is modelled from its "
                              "duration and output tokens (what re-drawn attempts and stream=true rest on)")
        assumed = {m: q[2] for m in models if (q := fits.quality_of(m, None)) and q[2].startswith("prior")}
        if assumed:
            sources = " / ".join(sorted(set(assumed.values())))
            self.notes.append(f"quality not measured for {', '.join(assumed)}: each model's {sources} score, the same "
                              "for every call (add a quality column to the traffic, or --eval results)")
        self.ratios = _token_ratios(p.models, targets, self.cache)
        load_tables(con, codes, fits, prices, self.ratios, p.prefixes, p.pairs, t)
        self.fraction = p.fraction
        # a sample covers the same days with fewer calls: per-day figures scale back up through the days
        self.days = p.days * self.share
        if self.sample_rate < 1.0:
            self.notes.append(f"traces head-sampled at {self.sample_rate:.4g}: calls per day, cost per day and per "
                              f"month are scaled by 1/{self.sample_rate:.4g}; n counts the recorded calls")
        if self.fraction < 1.0:
            self.notes.append(f"replayed a seeded sample of {self.fraction:.1%} of the calls; per-day and per-month "
                              "figures are scaled back up, intervals reflect the sample")
        self.prices = prices
        self.replay = Replay(codes, self.seed, t, prices, {m: k for m in models if (k := operation_kind(m, self.config))})
        combos = con.execute(f"SELECT site_c, feature_c, tenant_c FROM {t.groups} ORDER BY grp").fetchnumpy()
        names = {"site": _inverse(codes.sites), "feature": _inverse(codes.features), "tenant": _inverse(codes.tenants)}
        self.groups = Groups(*(np.asarray(combos[c]) for c in ("site_c", "feature_c", "tenant_c")), names)

    def close(self) -> None:
        """Close the summary cache's connection, if the preparation came from it."""
        if self._owned is not None:
            self._owned.close()
            self._owned = None

    @property
    def share(self) -> float:
        """The share of the calls made that the replayed rows are (a `sample` of head-sampled traces)."""
        return self.fraction * self.sample_rate

    def _pooled_tenants(self, tenants: list[str], notes: list[str]) -> tuple[list[str], int]:
        """The tenant names to give codes, and the code of every other tenant (-1: none pooled): past
        `max_tenants`, the busiest keep their own and the rest share `OTHER_TENANTS` (and a note says so)."""
        if not self.max_tenants or len(tenants) <= self.max_tenants:
            return tenants, -1
        kept = sorted(name for (name,) in self.con.execute(
            f"SELECT tenant FROM {self.tables.src} WHERE tenant IS NOT NULL GROUP BY tenant "
            f"ORDER BY count(*) DESC, tenant LIMIT {int(self.max_tenants)}").fetchall())
        notes.append(f"{len(tenants):,} tenants: figures of their own for the {len(kept):,} with the most calls, "
                          f"the other {len(tenants) - len(kept):,} together as {OTHER_TENANTS!r}")
        return [*kept, OTHER_TENANTS], len(kept)

    def _ready(self, scenarios: Sequence[Scenario]) -> Replay:
        if self.replay is None or any(m not in self.codes.models for s in scenarios for m in s.models()):
            self.prepare(scenarios)
        return self.replay

    def rows(self, scenario: Scenario):
        """Per-row outcomes of one scenario with names, not codes (tests, the notebook explorer)."""
        sql = self._ready([scenario]).final_sql(scenario)
        t = self.tables
        return self.db.sql(f"""
            SELECT o.row_id, ds.name AS site_id, df.name AS feature, dt.name AS tenant, dm.name AS model,
                   CASE o.status WHEN {OK} THEN 'ok' WHEN {ERROR} THEN 'error' ELSE 'timeout' END AS status,
                   o.latency_ms, o.ttft_ms, o.cost_usd, o.quality, o.truncated, o.attempts
            FROM ({sql}) o JOIN {t.dim.format('site')} ds ON ds.code = o.site_c
            JOIN {t.dim.format('model')} dm ON dm.code = o.model_c
            LEFT JOIN {t.dim.format('feature')} df ON df.code = o.feature_c
            LEFT JOIN {t.dim.format('tenant')} dt ON dt.code = o.tenant_c""")

    def baseline(self) -> Outcomes:
        """The baseline's per-row outcomes (row `ri` of the prepared rows at index `ri`), summarised:
        computed once per preparation, a scenario's figures are these updated by the rows it changes."""
        replay = self._ready([])
        current = self._current_baseline(replay)
        return current if current is not None else self._summarise_baseline(replay, self._fetch_baseline(replay))

    def _current_baseline(self, replay: Replay) -> Outcomes | None:
        """The baseline summary of this preparation, if it was computed."""
        return self._baseline[1] if self._baseline is not None and self._baseline[0] is replay else None

    def _fetch_baseline(self, replay: Replay) -> dict:
        """The baseline's outcome columns, row `ri` of the prepared rows at index `ri`: replayed once per
        preparation (the baseline replays no target model), or read with the summary."""
        if self._baseline_columns is None:
            fetched = self.db.execute(replay.final_sql(BASELINE, narrow=True)).fetchnumpy()
            ri = column(fetched.pop("ri"), np.int64)
            columns = {}
            for name, values in fetched.items():
                values = column(values, values.dtype)
                columns[name] = np.empty(len(ri), dtype=values.dtype)
                columns[name][ri] = values
            self._baseline_columns = columns
        return self._baseline_columns

    def _summarise_baseline(self, replay: Replay, columns: dict) -> Outcomes:
        self._baseline = (replay, Outcomes(columns, self.groups))
        return self._baseline[1]

    def run(self, scenarios: Sequence[Scenario]) -> list[ScenarioResult]:
        """Each scenario hands over only the rows it changes (`Replay.touched`), as numpy columns; they
        update the baseline's summaries and the figures are computed on a second thread while DuckDB
        replays the next scenario (one scenario's columns wait at most). The baseline is summarised on
        that thread too, while DuckDB replays the first scenario."""
        from concurrent.futures import ThreadPoolExecutor

        replay = self._ready(scenarios)
        if self.aggregate:
            return [ScenarioResult(s, self._aggregated(replay, s)) for s in scenarios]
        results: list[ScenarioResult] = []
        with ThreadPoolExecutor(1, thread_name_prefix="llmsight-figures") as pool:
            current = self._current_baseline(replay)
            base = pool.submit(lambda: current) if current is not None else \
                pool.submit(self._summarise_baseline, replay, self._fetch_baseline(replay))
            pending = []
            for s in scenarios:
                # `execute`, not `sql`: a relation binds its query once more before it runs (a third of the
                # planning of the twenty replays of a bench run)
                changed = None if replay.touched(s) == "FALSE" else \
                    self.db.execute(replay.final_sql(s, touched_only=True)).fetchnumpy()
                while len(pending) >= PIPELINE:
                    done, future = pending.pop(0)
                    results.append(ScenarioResult(done, future.result()))
                pending.append((s, pool.submit(self._figures, base, changed, self._prior(s))))
            results += [ScenarioResult(done, future.result()) for done, future in pending]
        return results

    def _figures(self, base: "Future[Outcomes]", changed: dict | None, prior: str | None = None):
        """Figures of the baseline with the `changed` rows (`ri` and their outcome columns) replaced
        (`base` is done: the one worker runs its tasks in order); `prior`: see `_prior`."""
        outcomes = base.result()
        change = None if changed is None else outcomes.change(column(changed.pop("ri"), np.int64), changed)
        return outcomes.figures(self.seed, self.days, bootstrap=self.bootstrap, changed=change, prior=prior)

    def _aggregated(self, replay: Replay, s: Scenario):
        """One scenario's figures from the engine's aggregates; the combinations it replayed on a prior are
        those holding a row it can change (`Replay.touched`)."""
        prior, estimated = self._prior(s), None
        if prior is not None and replay.touched(s) != "FALSE":
            touched = self.db.execute(f"SELECT DISTINCT grp FROM {self.tables.rows} WHERE {replay.touched(s)}").fetchall()
            estimated = (np.asarray([g for (g,) in touched], dtype=np.int64), prior) if touched else None
        return aggregated_figures(self.db, replay.final_sql(s, narrow=True), self.tables, self.groups, self.seed,
                                  self.days, self.bootstrap, estimated)

    def _prior(self, scenario: Scenario) -> str | None:
        """What a scenario's replayed calls rest on besides the traffic: the prior of each model it
        replays on that the traffic never saw (their figures are estimates, never `traffic`)."""
        priors = [f"{m}: {f.source}" for m in sorted(scenario.models())
                  if (f := self.fits.get(m)) is not None and f.source != "traffic"]
        return "; ".join(priors) or None


DEFAULT_SITE_SQL = "coalesce(c.code_file || ':' || CAST(c.code_line AS VARCHAR), c.feature, c.model)"


def canonical_relation(con, source: str) -> str:
    """`source` with every canonical column and a `row_id`: Parquet written with the documented columns
    has no bookkeeping and may leave optional columns out. A missing column is NULL; a missing `row_id`
    is each row's rank in the order of all its canonical values, so the same rows get the same ids
    (and the same draws) however the files are split or read; identical rows replay identically."""
    present = {d[0] for d in con.execute(f"SELECT * FROM {source} LIMIT 0").description}
    missing = [f"CAST(NULL AS {kind}) AS {name}" for name, kind in COLUMNS if name not in present]
    if "row_id" not in present:
        order = ", ".join(f"{name} NULLS LAST" for name, _ in COLUMNS if name in present)
        missing.append(f"CAST(row_number() OVER (ORDER BY {order}) AS BIGINT) AS row_id")
    return f"(SELECT *, {', '.join(missing)} FROM {source})" if missing else source


def _token_ratios(observed: Sequence[str], targets: Sequence[str],
                  cache: "SummaryCache | None" = None) -> dict[tuple[str, str], float]:
    """Tokenizer ratios of (observed, target) pairs; with a `cache`, those of tokenizer pairs seen before
    are read from it (loading a tokenizer takes longer than a whole replay)."""
    from llmsight.knowledge.tokens import encoding_name, tokenizer_ratio

    pairs = {(a, b): (encoding_name(a), encoding_name(b)) for a in observed for b in targets if a != b}
    known = cache.tokenizer_ratios() if cache is not None else {}
    missing = {encodings: models for models, encodings in pairs.items() if encodings not in known}
    for encodings, (a, b) in missing.items():
        known[encodings] = tokenizer_ratio(a, b)
    if missing and cache is not None:
        cache.save_tokenizer_ratios(known)
    return {models: known[encodings] for models, encodings in pairs.items()}
