"""Model lifecycle: floating aliases and their snapshots, deprecations and successors, prompt-cache minimums.

Sources, in order:
- the price map itself (litellm): `alias_of` rows, `deprecation_date` / `successor_model` /
  `deprecation_source`, `prompt_cache_min_tokens`, and dated rows next to an undated name;
- curated CSVs in `knowledge/data/` (aliases.csv, deprecations.csv, cache_min_tokens.csv), one row per
  fact with its source and the date it was recorded. They cover what the map does not say: which dated
  snapshot a provider's alias points at today, and models retired so long ago the map dropped them.
"""
from __future__ import annotations

import csv
import datetime as dt
import fnmatch
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING

from llmsight.knowledge.catalog import PRICE_MAP_NAME, Catalog

if TYPE_CHECKING:
    from llmsight.config import Config

# A dated suffix: -2024-08-06, -20241022, optionally followed by a Bedrock version (-v1:0).
_DATED = re.compile(r"^(?P<base>.+?)-(?P<date>\d{4}-\d{2}-\d{2}|20\d{6})(?P<version>-v\d+(?::\d+)?)?$")
# Suffixes that pin a build without a calendar date: gpt-4-0613, gpt-3.5-turbo-0125, gemini-1.5-pro-002.
_PINNED = re.compile(r"-(\d{4}|0\d\d)(-v\d+(:\d+)?)?$")


@dataclass(frozen=True)
class AliasInfo:
    alias: str
    snapshot: str | None        # None: the alias floats and no dated snapshot names today's target
    source: str
    date: str


@dataclass(frozen=True)
class Deprecation:
    date: dt.date | None        # shutdown / deprecation date
    successor: str | None       # first successor in the chain that is not itself past its date
    source: str
    successor_chain: tuple[str, ...] = ()
    note: str | None = None
    kind: str = "deprecation"   # "deprecation" (the map's deprecation_date) or "shutdown" (curated retirement)

    def passed(self, today: dt.date | None = None) -> bool:
        return self.date is not None and self.date <= (today or dt.date.today())

    def within(self, days: int, today: dt.date | None = None) -> bool:
        """Past, or due within `days` (the config's deprecation window)."""
        return self.date is not None and self.date <= (today or dt.date.today()) + dt.timedelta(days=days)


def _rows(name: str) -> list[dict[str, str]]:
    text = resources.files("llmsight.knowledge").joinpath(f"data/{name}").read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


@lru_cache(maxsize=1)
def _curated_aliases() -> dict[str, AliasInfo]:
    return {r["alias"]: AliasInfo(r["alias"], r["snapshot"] or None, r["source"], r["date"])
            for r in _rows("aliases.csv")}


@lru_cache(maxsize=1)
def _curated_deprecations() -> dict[str, dict[str, str]]:
    return {r["model"]: r for r in _rows("deprecations.csv")}


@lru_cache(maxsize=1)
def _cache_minimums() -> tuple[tuple[str, int, str], ...]:
    return tuple((r["pattern"], int(r["min_tokens"]), r["source"]) for r in _rows("cache_min_tokens.csv"))


def _bare(model: str) -> str:
    return model.strip().rsplit("/", 1)[-1]


def _catalog(config: "Config | None") -> Catalog:
    return Catalog.load(config)


@lru_cache(maxsize=4)
def _dated_snapshots(catalog: Catalog) -> dict[str, tuple[str, ...]]:
    """Undated name -> its dated rows in the map, newest first (`claude-sonnet-4-5` -> `...-20250929`)."""
    found: dict[str, list[tuple[str, str]]] = {}
    names = catalog.names()
    for name in names:
        m = _DATED.match(name)
        if m and not m.group("version") and m.group("base") in names:
            found.setdefault(m.group("base"), []).append((m.group("date").replace("-", ""), name))
    return {base: tuple(n for _, n in sorted(rows, reverse=True)) for base, rows in found.items()}


def is_pinned(model: str) -> bool:
    """A dated or build-numbered name that does not move."""
    bare = _bare(model)
    return bool(_DATED.match(bare) or _PINNED.search(bare))


def alias_info(model: str | None, config: "Config | None" = None) -> AliasInfo | None:
    """What a floating alias points at today, and who says so; None for pinned or unknown-to-float names."""
    if not isinstance(model, str) or not model.strip() or is_pinned(model):
        return None
    catalog = _catalog(config)
    info = catalog.lookup(model)
    if info is not None and info.via == "config.models":
        return None     # a deployment fixes its model version where it is deployed, not in the code
    bare = _bare(model)
    for name in (bare, _bare(info.name) if info is not None else bare):
        curated = _curated_aliases().get(name)
        if curated is not None:
            return curated
    if info is not None and info.alias_of:
        return AliasInfo(bare, _bare(info.alias_of), f"litellm price map `alias_of` ({catalog.price_data})", "")
    dated = _dated_snapshots(catalog).get(info.name if info is not None else bare)
    if dated:
        return AliasInfo(bare, _bare(dated[0]), "derived: newest dated snapshot of this name in the price map", "")
    if bare.endswith("-latest"):
        return AliasInfo(bare, None, "name ends in -latest", "")
    return None


def snapshot_for(model: str | None, config: "Config | None" = None) -> str | None:
    """Today's dated snapshot behind a floating alias (`gpt-4o` -> `gpt-4o-2024-08-06`); None if not an alias."""
    info = alias_info(model, config)
    if info is None or info.snapshot is None:
        return None
    prefix = model.strip()[: -len(_bare(model))] if isinstance(model, str) else ""
    return prefix + info.snapshot


def is_floating_alias(model: str | None, config: "Config | None" = None) -> bool:
    """True for names the provider repoints silently: `gpt-4o`, `claude-sonnet-4-5`, `*-latest`."""
    return alias_info(model, config) is not None


def _parse_date(text: object) -> dt.date | None:
    if not isinstance(text, str):
        return None
    try:
        return dt.date.fromisoformat(text.strip()[:10])
    except ValueError:
        return None


def _map_facts(info, catalog: Catalog) -> tuple[dt.date | None, str | None, str | None]:
    """(date, successor, source) a price-map row states; the source names the release of a last-listed row."""
    if info is None:
        return None, None, None
    date = _parse_date(info.raw.get("deprecation_date"))
    successor = info.raw.get("successor_model") if isinstance(info.raw.get("successor_model"), str) else None
    if not (date or successor):
        return None, None, None
    listed = f"litellm {info.listed_in} {PRICE_MAP_NAME}" if info.listed_in else catalog.price_data
    return date, successor, info.raw.get("deprecation_source") or f"litellm price map ({listed})"


def _facts(name: str, catalog: Catalog) -> tuple[dt.date | None, str | None, str, str | None, str] | None:
    """(date, successor, source, note, kind) for one name from the installed map, the curated table, and
    last the row an older release listed (the curated table is kept for models the map dropped)."""
    curated = _curated_deprecations().get(_bare(name)) or _curated_deprecations().get(name)
    date, successor, source = _map_facts(catalog.lookup(name, last_listed=False), catalog)
    note = None
    kind = "deprecation"
    if curated is not None:
        if date is None:
            date, source, note = _parse_date(curated["shutdown_date"]), curated["source"], curated.get("note") or None
            kind = "shutdown"
        if successor is None and curated["successor"]:
            successor = curated["successor"]
            note = note or curated.get("note") or None
    if date is None and successor is None:
        date, successor, source = _map_facts(catalog.lookup(name), catalog)
    if date is None and successor is None:
        return None
    return date, successor, source or "", note, kind


def deprecation(model: str | None, config: "Config | None" = None, today: dt.date | None = None) -> Deprecation | None:
    """Deprecation date and a successor that is still served (the chain is followed past retired ones)."""
    if not isinstance(model, str) or not model.strip():
        return None
    catalog = _catalog(config)
    facts = _facts(model, catalog)
    if facts is None:
        return None
    date, successor, source, note, kind = facts
    today = today or dt.date.today()
    chain: list[str] = []
    seen = {model, _bare(model)}
    while successor and successor not in seen:
        chain.append(successor)
        seen.add(successor)
        nxt = _facts(successor, catalog)
        if nxt is None or nxt[0] is None or nxt[0] > today or not nxt[1]:
            break
        successor = nxt[1]
    return Deprecation(date=date, successor=chain[-1] if chain else None, source=source,
                       successor_chain=tuple(chain), note=note, kind=kind)


def cache_min_tokens(model: str | None, config: "Config | None" = None) -> int | None:
    """Smallest prompt prefix the provider caches: the map's `prompt_cache_min_tokens`, else the curated
    per-family table (Anthropic 1024 Sonnet/Opus, 2048 Haiku; OpenAI automatic caching 1024)."""
    if not isinstance(model, str) or not model.strip():
        return None
    info = _catalog(config).lookup(model)
    if info is not None:
        value = info.raw.get("prompt_cache_min_tokens")
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
            return int(value)
    name = (info.name if info is not None else model).lower()
    for pattern, minimum, _source in _cache_minimums():
        if fnmatch.fnmatchcase(name, pattern):
            return minimum
    return None


def did_you_mean(model: str, config: "Config | None" = None, n: int = 3) -> list[str]:
    """Close catalog names for an unknown model, keeping the provider prefix the user wrote."""
    return _catalog(config).suggest(model, n)
