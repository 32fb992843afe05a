"""Prices and context windows: the JSON map shipped inside the installed litellm package (design §4).

The file is located with importlib and read as JSON; litellm itself is never imported, so the CLI and
the language server start fast and stay offline. A model the installed map no longer lists (retired
models real code still names) is priced from `data/last_listed_prices.json`: the last row an older
litellm release listed for it (scripts/last_listed_prices.py), read only when a lookup misses, and every
such price names the release it comes from (`ModelInfo.listed_in`). `Catalog.cost` follows litellm's `cost_per_token`
for text tokens: cache reads and writes, `*_above_<N>k_tokens` tiers, `tiered_pricing` tables and
reasoning tokens (`tests/knowledge/test_cost_parity.py` checks every chat model against litellm).

Token semantics (design §2): `input_tokens` includes cached reads and cache writes; `output_tokens`
includes reasoning tokens.
"""
from __future__ import annotations

import fnmatch
import json
import os
import re
import threading
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping

from llmsight.config import ConfigError
from llmsight.knowledge import LITELLM_DIR_ENV, litellm_dirs

if TYPE_CHECKING:
    from llmsight.config import Config

PRICE_MAP_FILE = "model_prices_and_context_window_backup.json"
# What the file is called upstream; `price_data` names it so users can find the same data.
PRICE_MAP_NAME = "model_prices_and_context_window.json"

_RATE_PREFIXES = ("input_cost_per_token", "output_cost_per_token",
                  "cache_read_input_token_cost", "cache_creation_input_token_cost")
# `<prefix>_above_<N>[k]_tokens` with no service-tier / batch suffix: the standard long-context tiers.
_THRESHOLD_KEY = re.compile(r"^(%s)_above_(\d+(?:\.\d+)?k?)_tokens$" % "|".join(_RATE_PREFIXES))
# Providers whose long-context tier starts at the threshold itself (litellm: `_INCLUSIVE_THRESHOLD_PROVIDERS`).
_INCLUSIVE_THRESHOLD_PROVIDERS = frozenset({"xai"})
# Providers whose unpriced cache reads litellm bills at a share of the input rate
# (litellm `FIREWORKS_AI_DEFAULT_CACHE_READ_RATE_RATIO`, applied in `apply_provider_cache_read_default`).
_DEFAULT_CACHE_READ_SHARE = {"fireworks_ai": 0.5}


class PriceDataError(ConfigError):
    """The price map, a prices override file or the model map is unusable; the message names the file and
    what to do. A ConfigError, so every face reports it as one (exit 2, no traceback)."""


@dataclass(frozen=True)
class Usage:
    """Tokens of one call. `cached_input_tokens` and `cache_write_input_tokens` are part of
    `input_tokens`; `reasoning_tokens` is part of `output_tokens` (design §2)."""

    input_tokens: int = 0
    output_tokens: int = 0
    cached_input_tokens: int = 0
    cache_write_input_tokens: int = 0
    reasoning_tokens: int = 0

    def problems(self) -> list[tuple[str, str]]:
        """(field, why) for every inconsistency; empty when the usage is valid."""
        out = [(name, "must not be negative") for name in ("input_tokens", "output_tokens", "cached_input_tokens",
                                                           "cache_write_input_tokens", "reasoning_tokens")
               if getattr(self, name) < 0]
        if self.cached_input_tokens + self.cache_write_input_tokens > self.input_tokens:
            out.append(("cached_input_tokens", "cached plus cache-write tokens are part of the input and cannot "
                                               f"exceed input_tokens ({self.input_tokens})"))
        if self.reasoning_tokens > self.output_tokens:
            out.append(("reasoning_tokens", f"reasoning tokens are part of the output and cannot exceed "
                                            f"output_tokens ({self.output_tokens})"))
        return out

    @property
    def uncached_input_tokens(self) -> int:
        return max(self.input_tokens - self.cached_input_tokens - self.cache_write_input_tokens, 0)

    @property
    def visible_output_tokens(self) -> int:
        return max(self.output_tokens - self.reasoning_tokens, 0)


@dataclass(frozen=True)
class Cost:
    """USD per component; `input` is the uncached, non-write part of the input, `output` excludes reasoning."""

    input: float = 0.0
    cached_input: float = 0.0
    cache_write: float = 0.0
    output: float = 0.0
    reasoning: float = 0.0
    total: float = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "total", self.input + self.cached_input + self.cache_write + self.output
                           + self.reasoning)

    def as_dict(self) -> dict[str, float]:
        return {"input": self.input, "cached_input": self.cached_input, "cache_write": self.cache_write,
                "output": self.output, "reasoning": self.reasoning, "total": self.total}


@dataclass(frozen=True)
class Rates:
    """Per-token USD rates that apply to one call (after long-context tiers)."""

    input: float
    output: float
    cache_read: float
    cache_write: float
    reasoning: float
    tier: str | None = None     # e.g. "above 200k input tokens"


@dataclass(frozen=True)
class ModelInfo:
    name: str                               # the catalog key the lookup resolved to
    provider: str | None
    mode: str | None                        # chat | completion | responses | embedding | ...
    input_cost_per_token: float | None
    output_cost_per_token: float | None
    max_input_tokens: int | None
    max_output_tokens: int | None
    cache_read_input_token_cost: float | None = None
    cache_creation_input_token_cost: float | None = None
    output_cost_per_reasoning_token: float | None = None
    supports_prompt_caching: bool = False
    supports_reasoning: bool = False
    deprecation_date: str | None = None
    requested: str | None = None            # what the caller asked for, when it differs from `name`
    via: str | None = None                  # how it resolved: "config.models", "provider prefix", ...
    listed_in: str | None = None            # the older litellm release the row comes from (installed map lacks it)
    alias_of: str | None = None             # the map serves this name as another row (`alias_of`/`aliases`)
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def context_window(self) -> int | None:
        return self.max_input_tokens

    @property
    def has_token_prices(self) -> bool:
        """False for rows billed only per second, per character or by commitment: their token cost is 0."""
        return (self.input_cost_per_token is not None or self.output_cost_per_token is not None
                or isinstance(self.raw.get("tiered_pricing"), list))

    @property
    def has_character_prices(self) -> bool:
        """A row billed per character of text instead of per token (OpenAI's tts-1, Vertex's PaLM and MedLM
        rows, the TTS providers'): `character_cost` prices it."""
        return not self.has_token_prices and any(_number(self.raw.get(k)) is not None for k in _CHARACTER_RATES)

    def rates(self, usage: Usage) -> Rates:
        return rates_for(self.raw, usage, self.provider)

    def price_steps(self) -> list[tuple[int, Rates]]:
        """The whole price schedule as steps: `(n, rates)` applies to calls with more than n input tokens,
        until the next step. Lets a vectorised engine (the simulator's SQL) price any usage exactly."""
        return price_steps(self.raw, self.provider)


# what a call does, as the price data's `mode` and the analysis's operation name it: a row prices only
# calls of its own kind (an embedding row never prices a chat request of the same name)
_KINDS = {**dict.fromkeys(("chat", "completion", "responses", "batch"), "chat"), "embedding": "embedding",
          **dict.fromkeys(("image", "image_generation", "image_edit"), "image"),
          **dict.fromkeys(("audio", "audio_transcription", "audio_speech"), "audio"), "rerank": "rerank"}


def call_kind(mode_or_operation: str | None) -> str | None:
    """chat, embedding, image, audio or rerank for a row's `mode` or a site's operation; the name itself
    for any other mode (moderation, ocr…); None when unstated."""
    return _KINDS.get(mode_or_operation, mode_or_operation) if mode_or_operation else None


def generates_text(info: ModelInfo) -> bool:
    """Whether a row's model answers in text, which an output-token cap bounds: a chat, completion or Responses
    row, a row of no stated mode, or any row that bills output text tokens (an image model that writes text
    too, `gemini-2.5-flash-image`); not an embedding, image, video, speech, rerank or moderation row, which
    a method serving every kind of model (Bedrock's `invoke_model`, Replicate's `run`) may reach."""
    return not info.mode or call_kind(info.mode) == "chat" or bool(info.output_cost_per_token)


@lru_cache(maxsize=1)
def _media_families() -> tuple[tuple[str, str], ...]:
    """(glob, kind) rows of `data/media_models.csv`, each with its source."""
    import csv
    from importlib import resources

    text = resources.files("llmsight.knowledge").joinpath("data/media_models.csv").read_text(encoding="utf-8")
    return tuple((row["pattern"], row["kind"]) for row in csv.DictReader(text.splitlines()))


def media_model_kind(model: str) -> str | None:
    """`image`, `video` or `audio` for a model of a family that answers only in media (FLUX, SDXL, Kling, Veo,
    MusicGen…: `data/media_models.csv`, from Replicate's collections), matched on `owner/name` without a
    `replicate/` prefix or `:version`; None for any other name. For models the price data has no row for."""
    name = model.strip().lower().split(":", 1)[0].removeprefix("replicate/")
    return next((kind for pattern, kind in _media_families() if fnmatch.fnmatchcase(name, pattern)), None)


def served_operation(operation: str, info: ModelInfo | None) -> str:
    """What a call does, given the row its model prices at: its own operation, except that a chat or
    completion method serving every kind of model (Bedrock's `invoke_model`) embeds when it reaches an
    embedding row and reranks when it reaches a rerank row."""
    kind = call_kind(info.mode) if info is not None else None
    return kind if call_kind(operation) == "chat" and kind in ("embedding", "rerank") else operation


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def _int(value: Any) -> int | None:
    n = _number(value)
    return int(n) if n is not None else None


def _threshold_tokens(text: str) -> float:
    return float(text[:-1]) * 1000 if text.endswith("k") else float(text)


def _tier_range(tier: Any) -> tuple[float, float] | None:
    rng = tier.get("range") if isinstance(tier, dict) else None
    if not isinstance(rng, (list, tuple)) or len(rng) != 2:
        return None
    low, high = _number(rng[0]), _number(rng[1])
    return (low, high) if low is not None and high is not None else None


def _select_tier(table: Any, input_tokens: int) -> Mapping[str, Any] | None:
    """litellm `tiered_pricing`: the tier with start < input <= end prices every token of the call;
    above the highest range the last tier applies."""
    if not isinstance(table, list) or not table or input_tokens <= 0:
        return None
    ranged = sorted(((r, t) for t in table if (r := _tier_range(t)) is not None), key=lambda rt: rt[0][0])
    if not ranged:
        return None
    tier = next((t for (low, high), t in ranged if low < input_tokens <= high), ranged[-1][1])
    return tier if "input_cost_per_token" in tier else None


def rates_for(raw: Mapping[str, Any], usage: Usage, provider: str | None = None) -> Rates:
    """The per-token rates litellm's `generic_cost_per_token` applies to this usage.

    Long-context tiers: every `<rate>_above_<N>_tokens` key whose N the input exceeds overrides that
    rate for the whole call, lowest N first so the highest crossed tier wins. A missing cache rate bills
    as ordinary input. Reasoning tokens use `output_cost_per_reasoning_token` when the map has one,
    else the output rate.
    """
    prompt = usage.input_tokens
    tier_row = _select_tier(raw.get("tiered_pricing"), prompt)
    if tier_row is not None:
        inp = _number(tier_row.get("input_cost_per_token")) or 0.0
        out = _number(tier_row.get("output_cost_per_token"))
        out = out if out is not None else (_number(raw.get("output_cost_per_token")) or 0.0)
        read = _number(tier_row.get("cache_read_input_token_cost"))
        write = _number(tier_row.get("cache_creation_input_token_cost"))
        reasoning = _number(tier_row.get("output_cost_per_reasoning_token"))
        if reasoning is None:
            reasoning = _number(tier_row.get("output_cost_per_token"))
        if reasoning is None:
            reasoning = _number(raw.get("output_cost_per_reasoning_token"))
        return Rates(inp, out, inp if read is None else read, inp if write is None else write,
                     out if reasoning is None else reasoning, tier=_tier_label(tier_row))

    inp = _number(raw.get("input_cost_per_token")) or 0.0
    out = _number(raw.get("output_cost_per_token")) or 0.0
    if out == 0.0 and _number(raw.get("output_cost_per_image_token")) is not None:
        out = _number(raw.get("output_cost_per_image_token")) or 0.0
    read = _number(raw.get("cache_read_input_token_cost"))
    if read is None and provider in _DEFAULT_CACHE_READ_SHARE and "input_cost_per_token" in raw:
        read = inp * _DEFAULT_CACHE_READ_SHARE[provider]
    write = _number(raw.get("cache_creation_input_token_cost"))
    inclusive = provider in _INCLUSIVE_THRESHOLD_PROVIDERS
    thresholds = sorted({m.group(2) for k, v in raw.items() if v is not None and (m := _THRESHOLD_KEY.match(k))},
                        key=_threshold_tokens)
    crossed = None
    for t in thresholds:
        n = _threshold_tokens(t)
        if prompt > n or (inclusive and prompt == n):
            crossed = t
            inp = _override(raw, f"input_cost_per_token_above_{t}_tokens", inp)
            out = _override(raw, f"output_cost_per_token_above_{t}_tokens", out)
            read = _override(raw, f"cache_read_input_token_cost_above_{t}_tokens", read)
            write = _override(raw, f"cache_creation_input_token_cost_above_{t}_tokens", write)
    reasoning = _number(raw.get("output_cost_per_reasoning_token"))
    return Rates(inp, out, inp if read is None else read, inp if write is None else write,
                 out if reasoning is None else reasoning,
                 tier=f"above {crossed} input tokens" if crossed else None)


def _override(raw: Mapping[str, Any], key: str, current: float | None) -> float | None:
    value = _number(raw.get(key))
    return current if value is None else value


def _tier_label(tier: Mapping[str, Any]) -> str | None:
    bounds = _tier_range(tier)
    return f"tier {int(bounds[0])}-{int(bounds[1])} input tokens" if bounds and bounds[0] > 0 else None


def price_steps(raw: Mapping[str, Any], provider: str | None = None) -> list[tuple[int, Rates]]:
    """Breakpoints of `rates_for` over input size: the map's `_above_<N>_tokens` thresholds (N-1 for
    providers whose tier starts at N) and `tiered_pricing` range starts; steps that change nothing merge."""
    inclusive = provider in _INCLUSIVE_THRESHOLD_PROVIDERS
    points = {0}
    for key, value in raw.items():
        m = _THRESHOLD_KEY.match(key)
        if m and value is not None:
            n = int(_threshold_tokens(m.group(2)))
            points.add(n - 1 if inclusive else n)
    table = raw.get("tiered_pricing")
    if isinstance(table, list):
        points.update(int(r[0]) for t in table if (r := _tier_range(t)) is not None)
    steps: list[tuple[int, Rates]] = []
    for n in sorted(points):
        rates = rates_for(raw, Usage(input_tokens=n + 1), provider)
        if not steps or _rate_values(steps[-1][1]) != _rate_values(rates):
            steps.append((n, rates))
    return steps


def _rate_values(r: Rates) -> tuple[float, ...]:
    return r.input, r.output, r.cache_read, r.cache_write, r.reasoning


# a Replicate version id: the 64-hex id of one build of a model (`owner/name:<id>`, `predictions.create(version=…)`)
REPLICATE_VERSION = "[0-9a-f]{64}"
_REPLICATE_PINNED = re.compile(rf"^(replicate/[^:]+):{REPLICATE_VERSION}$")
_SUGGESTED_MAX = 4096   # did-you-mean answers kept per catalog


_CHARACTER_RATES = ("input_cost_per_character", "output_cost_per_character")


def as_characters(tokens: int) -> int:
    """Tokens as characters at the ratio knowledge/tokens.py documents (about 4 per token), for rows billed
    per character when only a token count is known."""
    from llmsight.knowledge.tokens import FALLBACK_CHARS_PER_TOKEN

    return round(tokens * FALLBACK_CHARS_PER_TOKEN)


def bills_output_text(raw: Mapping[str, Any]) -> bool:
    """A per-character row that bills the text returned too (PaLM, MedLM), not only the text sent (speech)."""
    return _number(raw.get("output_cost_per_character")) is not None


def character_cost(raw: Mapping[str, Any], input_characters: int, output_characters: int) -> Cost:
    """USD for a call a row bills per character, as litellm's `generic_cost_per_character`: the text sent
    at `input_cost_per_character`, the text returned at `output_cost_per_character` (speech rows have none:
    their output is audio)."""
    return Cost(input=input_characters * (_number(raw.get("input_cost_per_character")) or 0.0),
                output=output_characters * (_number(raw.get("output_cost_per_character")) or 0.0))


# words that qualify a billing unit rather than name it: `_batches`, `_flex`, a resolution (`second_1080p`, `image_1K`)
_UNIT_QUALIFIER = re.compile(r"^(?:batches|flex|priority|\d.*)$")


def billing_units(raw: Mapping[str, Any]) -> list[str]:
    """What a row bills per, from its non-zero `<part>_cost_per_<unit>` prices, tiers and qualifiers left out:
    `token`, `image`, `second`, `query`, `character`, `audio token`…, sorted."""
    units = set()
    for key, value in raw.items():
        if "_cost_per_" not in key or _number(value) in (None, 0.0):
            continue
        words = []
        for word in key.split("_cost_per_", 1)[1].split("_above_")[0].rsplit("per_", 1)[-1].split("_"):
            if _UNIT_QUALIFIER.match(word):
                break
            words.append(word)
        if words:
            units.add(" ".join(words))
    return sorted(units)


def no_token_price(name: str, units: list[str]) -> str:
    """Why a row's token cost is $0, as a quote's note and a call site's unpriced reason both say it:
    `no per-token price: the price data bills <name> per image, per second` (`has no rate for <name>`)."""
    billed = f"bills {name} per {', per '.join(units)}" if units else f"has no rate for {name}"
    return f"no per-token price: the price data {billed}"


def search_price(raw: Mapping[str, Any]) -> float | None:
    """USD per search of a row that bills reranking per query (`input_cost_per_query`: Cohere's and
    Bedrock's rerank rows, whose per-token prices are 0), else None."""
    price = _number(raw.get("input_cost_per_query"))
    return price or None


def cost_of(raw: Mapping[str, Any], usage: Usage, provider: str | None = None) -> Cost:
    r = rates_for(raw, usage, provider)
    return Cost(
        input=usage.uncached_input_tokens * r.input,
        cached_input=usage.cached_input_tokens * r.cache_read,
        cache_write=usage.cache_write_input_tokens * r.cache_write,
        output=usage.visible_output_tokens * r.output,
        reasoning=usage.reasoning_tokens * r.reasoning,
    )


# ---------------------------------------------------------------------------------------------- loading

@lru_cache(maxsize=1)
def price_map_path() -> Path:
    """Where litellm keeps its bundled price map (`litellm_dirs`: the installed package or $LLMSIGHT_LITELLM_DIR)."""
    locations = litellm_dirs()
    if not locations:
        raise PriceDataError("litellm is not installed, so there is no price map; run `pip install litellm`")
    for location in locations:
        candidate = location / PRICE_MAP_FILE
        if candidate.is_file():
            return candidate
    if os.environ.get(LITELLM_DIR_ENV):
        raise PriceDataError(f"{LITELLM_DIR_ENV}={locations[0]} has no {PRICE_MAP_FILE}; unset it or point it at a "
                             "folder holding litellm's data files")
    raise PriceDataError(f"the installed litellm has no {PRICE_MAP_FILE}; reinstall litellm (`pip install -U litellm`)")


def base_price_data() -> str:
    """What a catalog without project overrides names as its `price_data` (which litellm's price map),
    known without reading the ~3 MB map."""
    return f"litellm {litellm_version()} {PRICE_MAP_NAME}"


def litellm_version() -> str:
    """The installed litellm's version, read from its dist-info folder name next to the package
    (importing importlib.metadata alone costs ~40 ms), else from importlib.metadata."""
    site = price_map_path().parent.parent
    versions = [d.name[len("litellm-"):-len(".dist-info")] for d in site.glob("litellm-*.dist-info")
                if (d / "METADATA").is_file()]
    if len(versions) == 1:      # several: a stale folder; ask importlib.metadata which one is live
        return versions[0]
    import importlib.metadata

    try:
        return importlib.metadata.version("litellm")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


_LOCK = threading.Lock()
_BASE: dict[tuple[str, int], tuple[dict[str, dict[str, Any]], dict[str, str]]] = {}
_CATALOGS: dict[Any, "Catalog"] = {}


def _read_base(path: Path) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
    """(entries, alias -> canonical name), read once per file version."""
    key = (str(path), path.stat().st_mtime_ns)
    cached = _BASE.get(key)
    if cached is None:
        try:
            loaded = json.loads(path.read_bytes())
        except (OSError, ValueError) as exc:
            raise PriceDataError(f"{path}: cannot read the price map ({exc}); reinstall litellm") from exc
        entries = {k: v for k, v in loaded.items() if isinstance(v, dict) and k != "sample_spec"}
        cached = _expand_aliases(entries)
        _BASE.clear()
        _BASE[key] = cached
    return cached


def _expand_aliases(entries: dict[str, dict[str, Any]]) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
    """Serve `alias_of` rows and `aliases` lists as their owner, as litellm's `_expand_model_aliases` does:
    an alias never shadows a real row, the first owner of an alias wins, a pointer to nothing is dropped."""
    pointers = {name: info["alias_of"] for name, info in entries.items() if isinstance(info.get("alias_of"), str)}
    owners: dict[str, str] = {}
    for name, info in entries.items():
        aliases = info.get("aliases")
        if name in pointers or not isinstance(aliases, list):
            continue
        for alias in aliases:
            if isinstance(alias, str) and not (alias in entries and alias not in pointers) and alias not in owners:
                owners[alias] = name
    for alias, target in pointers.items():
        if target in entries and target not in pointers and alias not in owners:
            owners[alias] = target
    served = {name: info for name, info in entries.items() if name not in pointers}
    for alias, owner in owners.items():
        served[alias] = served[owner]
    return served, owners


LAST_LISTED_FILE = "last_listed_prices.json"


@dataclass(frozen=True)
class _Table:
    """Rows by name plus their lower-case index, for one source of rows."""

    entries: Mapping[str, Mapping[str, Any]]
    lower: Mapping[str, str]

    @classmethod
    def of(cls, entries: Mapping[str, Mapping[str, Any]]) -> "_Table":
        return cls(entries, {k.lower(): k for k in entries})


@lru_cache(maxsize=1)
def _last_listed() -> _Table:
    """The last row an older litellm release listed for each model the installed map dropped
    (`data/last_listed_prices.json`, written by scripts/last_listed_prices.py). Read on the first lookup
    the installed map misses."""
    from importlib import resources

    try:
        text = resources.files("llmsight.knowledge").joinpath(f"data/{LAST_LISTED_FILE}").read_bytes()
    except OSError:
        return _Table.of({})
    return _read_last_listed(text)


def _read_last_listed(text: bytes) -> _Table:
    """The rows of a last-listed data file: JSON only, each row naming its release, every price a
    non-negative number. A damaged file prices nothing from it rather than stopping the analysis."""
    try:
        loaded = json.loads(text)
    except (ValueError, RecursionError):
        return _Table.of({})
    models = loaded.get("models") if isinstance(loaded, dict) else None
    if not isinstance(models, dict):
        return _Table.of({})
    return _Table.of({name: row for name, row in models.items() if isinstance(row, dict) and _sound_row(row)})


def _sound_row(row: Mapping[str, Any]) -> bool:
    """Names its release; every scalar price is a non-negative number (tables such as
    `search_context_cost_per_query` are not rates and are left as they are)."""
    return isinstance(row.get("listed_in"), str) and all(
        (n := _number(v)) is not None and n >= 0 for k, v in row.items()
        if "cost" in k and isinstance(v, (int, float, str)))


def _prices_source(config: "Config | None") -> Any:
    return getattr(config, "prices", None) if config is not None else None


def _config_root(config: "Config | None") -> Path:
    source = getattr(config, "source", None)
    if source and Path(source).is_file():
        return Path(source).resolve().parent
    return Path.cwd()


def _prices_path(prices: str, config: "Config | None") -> Path:
    path = Path(prices)
    return path if path.is_absolute() else _config_root(config) / path


def prices_file(config: "Config | None") -> Path | None:
    """The prices file `config` names, where the catalog reads it; None for none or an inline table."""
    prices = _prices_source(config)
    return _prices_path(prices, config) if isinstance(prices, str) else None


def _prices_file_version(prices: Any, config: "Config | None") -> tuple[str, int] | None:
    """Where a prices file is and when it changed, so an edited file is re-read (language server)."""
    if not isinstance(prices, str):
        return None
    path = _prices_path(prices, config)
    try:
        return str(path), path.stat().st_mtime_ns
    except OSError:
        return str(path), -1


def _read_prices(prices: Any, config: "Config | None") -> tuple[dict[str, dict[str, Any]], str]:
    """(overrides in the litellm map format, label for `price_data`), from an inline table or a JSON/TOML
    file relative to the project root; errors name the full path."""
    if isinstance(prices, Mapping):
        table, where = dict(prices), "config prices"
        label = where
    else:
        path = _prices_path(str(prices), config)
        where, label = str(path), str(prices)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise PriceDataError(f"{path}: cannot read the prices file ({exc.strerror or exc}); "
                                 "fix `prices` in [tool.llmsight]") from exc
        try:
            if path.suffix.lower() == ".toml":
                import tomllib

                table = tomllib.loads(text)
            else:
                table = json.loads(text)
        except ValueError as exc:
            raise PriceDataError(f"{path}: not valid {'TOML' if path.suffix.lower() == '.toml' else 'JSON'} "
                                 f"({exc}); fix the prices file") from exc
    if not isinstance(table, dict):
        raise PriceDataError(f"{where}: prices must map model names to tables of prices")
    out: dict[str, dict[str, Any]] = {}
    for model, entry in table.items():
        if not isinstance(entry, dict):
            raise PriceDataError(f"{where}: `{model}` must be a table of prices such as "
                                 "{input_cost_per_token = 2.5e-06, output_cost_per_token = 1e-05}")
        for key, value in entry.items():
            if ("cost" in key or key.startswith("max_")) and (_number(value) is None or _number(value) < 0):
                raise PriceDataError(f"{where}: `{model}.{key}` must be a non-negative number, got {value!r}")
        out[str(model)] = dict(entry)
    return out, label


class Catalog:
    """The price map plus the project's deployment names and price overrides."""

    def __init__(self, entries: dict[str, dict[str, Any]], price_data: str,
                 models: Mapping[str, str] | None = None, overridden: frozenset[str] = frozenset(),
                 aliases: Mapping[str, str] | None = None):
        self._entries = entries
        self.aliases = dict(aliases or {})      # alias name in the map -> the row it is served as
        self._looked_up: dict[tuple[str, bool], ModelInfo | None] = {}
        self._suggested: dict[tuple[str, int], tuple[str, ...]] = {}    # difflib is slow; a scan repeats names
        self.price_data = price_data
        self._models = dict(models or {})
        self.overridden = overridden

    @classmethod
    def load(cls, config: "Config | None" = None) -> "Catalog":
        """The catalog for this config, built once per process (the map is ~3 MB of JSON)."""
        prices = _prices_source(config)
        models = dict(getattr(config, "models", None) or {})
        bad = [k for k, v in models.items() if not isinstance(v, str) or not v.strip()]
        if bad:
            raise PriceDataError(f"{getattr(config, 'source', None) or 'config'}: [tool.llmsight.models] must map "
                                 f"names to catalog model names (strings); `{bad[0]}` does not")
        key = (json.dumps(prices, sort_keys=True, default=str) if isinstance(prices, Mapping) else prices,
               tuple(sorted(models.items())), _prices_file_version(prices, config))
        with _LOCK:
            path = price_map_path()
            base, aliases = _read_base(path)
            cache_key = (key, str(path), path.stat().st_mtime_ns)
            catalog = _CATALOGS.get(cache_key)
            if catalog is not None:
                return catalog
            price_data = base_price_data()
            entries = base
            overridden: frozenset[str] = frozenset()
            if prices:
                extra, label = _read_prices(prices, config)
                entries = dict(base)
                for name, entry in extra.items():
                    merged = dict(base.get(name, {}))
                    merged.update(entry)
                    merged.setdefault("mode", "chat")
                    entries[name] = merged
                overridden = frozenset(extra)
                price_data += f" + {len(extra)} override(s) from {label}"
            catalog = cls(entries, price_data, models, overridden, aliases)
            _CATALOGS[cache_key] = catalog
            return catalog

    # -------------------------------------------------------------------------------------- lookup

    def names(self) -> set[str]:
        return set(self._entries)

    @cached_property
    def _installed(self) -> _Table:
        return _Table.of(self._entries)

    def _resolve(self, model: str, table: _Table | None = None) -> tuple[str, str | None] | None:
        """(key in `table`, how) for a model string as code writes it; `table` defaults to the installed
        map (with the project's overrides)."""
        table = self._installed if table is None else table
        entries = table.entries
        model = model.strip()
        if not model:
            return None
        seen = set()
        how = None
        while model in self._models and model not in seen:     # deployment name -> catalog model
            seen.add(model)
            model, how = self._models[model], "config.models"
        if model in entries:
            return model, how
        prefix, _, rest = model.partition("/")
        if rest:
            if rest in self._models and rest not in seen:       # azure/<deployment>, hosted_vllm/<name>
                return self._resolve_mapped(rest, table)
            if rest in entries:
                return rest, how or "provider prefix"
            # bedrock/converse/<id>, vertex_ai/anthropic/<id>: try the last segment too
            last = model.rsplit("/", 1)[1]
            if last in entries:
                return last, how or "provider prefix"
            if f"{prefix}/{last}" in entries:
                return f"{prefix}/{last}", how or "provider prefix"
        # a Replicate version, `replicate/<owner>/<name>:<64-hex id>`, pins a build of the model its row prices
        pinned = _REPLICATE_PINNED.match(model)
        if pinned and pinned.group(1) in entries:
            return pinned.group(1), how or "a version of the model"
        # an OpenAI fine-tune, `ft:<base>:<org>[:<suffix>]:<id>`, is billed at the price of `ft:<base>`
        fine_tune = re.match(r"^(?:openai/)?(ft:[^:/]+):", model)
        if fine_tune and fine_tune.group(1) in entries:
            return fine_tune.group(1), how or "fine-tune of its base model"
        bedrock = re.match(r"^(?:arn:aws:bedrock:[^/]+/)?(?:(?:us|eu|apac|au|jp|global|us-gov|ca)\.)?"
                           r"((?:anthropic|amazon|meta|mistral|cohere|ai21|deepseek|openai|qwen|writer)\..+)$", model)
        if bedrock and bedrock.group(1) in entries:
            return bedrock.group(1), how or "bedrock inference profile"
        lowered = table.lower.get(model.lower())
        if lowered is not None:
            return lowered, how or "case-insensitive"
        return None

    def _resolve_mapped(self, deployment: str, table: _Table) -> tuple[str, str | None] | None:
        found = self._resolve(deployment, table)
        return (found[0], "config.models") if found else None

    def lookup(self, model: str | None, last_listed: bool = True) -> ModelInfo | None:
        """The catalog row for a model as code writes it; None when unknown. A model the installed map
        lacks is looked up in the last-listed rows of older releases unless `last_listed` is False.
        Memoised: rules and the language server ask about the same names over and over."""
        if not isinstance(model, str):
            return None
        key = (model, last_listed)
        try:
            return self._looked_up[key]
        except KeyError:
            if len(self._looked_up) > 100_000:     # an editor session typing names: stay bounded
                self._looked_up.clear()
            info = self.lookup(model, False) if last_listed else self._build_info(model)
            if info is None and last_listed:
                info = self._build_info(model, _last_listed())
            self._looked_up[key] = info
            return info

    def _build_info(self, model: str, table: _Table | None = None) -> ModelInfo | None:
        found = self._resolve(model, table)
        if found is None:
            return None
        key, how = found
        raw = (self._installed if table is None else table).entries[key]
        return ModelInfo(
            name=key,
            provider=raw.get("litellm_provider"),
            mode=raw.get("mode"),
            input_cost_per_token=_number(raw.get("input_cost_per_token")),
            output_cost_per_token=_number(raw.get("output_cost_per_token")),
            max_input_tokens=_int(raw.get("max_input_tokens")),
            max_output_tokens=_int(raw.get("max_output_tokens") or raw.get("max_tokens")),
            cache_read_input_token_cost=_number(raw.get("cache_read_input_token_cost")),
            cache_creation_input_token_cost=_number(raw.get("cache_creation_input_token_cost")),
            output_cost_per_reasoning_token=_number(raw.get("output_cost_per_reasoning_token")),
            supports_prompt_caching=bool(raw.get("supports_prompt_caching")),
            supports_reasoning=bool(raw.get("supports_reasoning")),
            deprecation_date=raw.get("deprecation_date") if isinstance(raw.get("deprecation_date"), str) else None,
            requested=model if model != key else None,
            via=how,
            alias_of=self.aliases.get(key) if table is None else None,
            listed_in=None if table is None else raw["listed_in"],
            raw=raw,
        )

    def cost(self, model: str, usage: Usage) -> Cost:
        """USD for one call; KeyError when the model is not in the catalog."""
        info = self.lookup(model)
        if info is None:
            raise KeyError(model)
        return cost_of(info.raw, usage, info.provider)

    def context_window(self, model: str) -> int | None:
        info = self.lookup(model)
        return info.max_input_tokens if info else None

    @cached_property
    def provider_names(self) -> frozenset[str]:
        """The providers the rows name (`litellm_provider`: `openai`, `gemini`, `together_ai`…), lower-cased,
        less any that is also a row's name under some prefix (Ollama serves a model called `mistral`)."""
        providers = {raw["litellm_provider"].lower() for raw in self._entries.values()
                     if isinstance(raw.get("litellm_provider"), str)}
        return frozenset(providers - {name.rsplit("/", 1)[-1].lower() for name in self._entries})

    # -------------------------------------------------------------------------------- did-you-mean

    @cached_property
    def _by_prefix(self) -> dict[str, list[str]]:
        """Bare names grouped by provider prefix ("" = the map's unprefixed names)."""
        groups: dict[str, list[str]] = {}
        for name in self._entries:
            prefix, _, rest = name.rpartition("/")
            groups.setdefault(prefix.lower(), []).append(rest or name)
        return groups

    def suggest(self, model: str, n: int = 3) -> list[str]:
        """Close catalog names for an unknown model, keeping the provider prefix the user wrote."""
        if not isinstance(model, str) or not model.strip():
            return []
        key = (model, n)
        if key not in self._suggested:
            if len(self._suggested) >= _SUGGESTED_MAX:   # a long-lived server sees every name typed
                self._suggested.clear()
            self._suggested[key] = tuple(self._close_names(model, n))
        return list(self._suggested[key])

    def _close_names(self, model: str, n: int) -> list[str]:
        import difflib

        prefix, _, bare = model.strip().rpartition("/")
        query = bare.lower()
        pools: list[tuple[str, list[str]]] = []
        if prefix and prefix.lower() in self._by_prefix:
            pools.append((prefix + "/", self._by_prefix[prefix.lower()]))
        pools.append(("", self._by_prefix.get("", [])))
        out: list[str] = []
        for shown_prefix, pool in pools:
            lowered = {p.lower(): p for p in pool}
            for match in difflib.get_close_matches(query, list(lowered), n=n, cutoff=0.6):
                name = shown_prefix + lowered[match]
                if prefix and not shown_prefix and self._resolve(f"{prefix}/{name}"):
                    name = f"{prefix}/{name}"   # `openai/gpt-4oo` -> `openai/gpt-4o`, which resolves
                if name not in out and name != model:
                    out.append(name)
            if len(out) >= n:
                break
        if len(out) < n:
            everything = {k.lower(): k for k in self._entries}
            for match in difflib.get_close_matches(model.lower(), list(everything), n=n, cutoff=0.6):
                if everything[match] not in out:
                    out.append(everything[match])
        return out[:n]
