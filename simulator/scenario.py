"""What-if scenarios: `"model=gpt-4o-mini,timeout=20"` parsed into a `Scenario` (design §6-7).

Keys (comma-separated `key=value`, combinable): model, max_tokens, trim_input (tokens), timeout (s, up to a day),
retries, fallback (model), response_cache_hit_rate (0..1), prompt_cache_hit_rate (0..1),
batch (true/false), stream (true/false), and the scope: site (a call-site id, or `path:line`) or
feature. An unknown key or a bad value is a `ScenarioError` naming the key.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass

MAX_RETRIES = 10
MAX_TIMEOUT_S = 86_400.0            # a day: no call the store holds lasts longer
KEYS = ("model", "max_tokens", "trim_input", "timeout", "retries", "fallback", "response_cache_hit_rate",
        "prompt_cache_hit_rate", "batch", "stream", "site", "feature")
_TRUE = {"true", "yes", "1", "on"}
_FALSE = {"false", "no", "0", "off"}


class ScenarioError(ValueError):
    """A scenario string the user must fix (the CLI exits 2 with this message)."""


@dataclass(frozen=True)
class Scenario:
    name: str = "baseline"
    model: str | None = None
    max_tokens: int | None = None
    trim_input: int | None = None
    timeout: float | None = None              # seconds
    retries: int | None = None
    fallback: str | None = None
    response_cache_hit_rate: float | None = None
    prompt_cache_hit_rate: float | None = None
    batch: bool | None = None
    stream: bool | None = None
    site: str | None = None
    feature: str | None = None

    @property
    def is_identity(self) -> bool:
        return all(getattr(self, k) is None for k in KEYS if k not in ("site", "feature"))

    def changes(self) -> dict:
        return {k: v for k, v in asdict(self).items() if k != "name" and v is not None}

    def models(self) -> set[str]:
        return {m for m in (self.model, self.fallback) if m}


BASELINE = Scenario()


def _int(key: str, value: str, low: int, high: int | None = None) -> int:
    try:
        n = int(value)
    except ValueError:
        raise ScenarioError(f"scenario key `{key}` needs a whole number, got {value!r}") from None
    if n < low or (high is not None and n > high):
        bound = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise ScenarioError(f"scenario key `{key}` must be {bound}, got {n}")
    return n


def _float(key: str, value: str, low: float, high: float, strict_low: bool = False) -> float:
    try:
        x = float(value)
    except ValueError:
        raise ScenarioError(f"scenario key `{key}` needs a number, got {value!r}") from None
    if not math.isfinite(x) or (x <= low if strict_low else x < low) or x > high:
        bound = f"greater than {low:g} and at most {high:g}" if strict_low else f"between {low:g} and {high:g}"
        raise ScenarioError(f"scenario key `{key}` must be {bound}, got {value}")
    return x


def _bool(key: str, value: str) -> bool:
    v = value.strip().lower()
    if v in _TRUE:
        return True
    if v in _FALSE:
        return False
    raise ScenarioError(f"scenario key `{key}` needs true or false, got {value!r}")


def parse_scenario(text: str, catalog=None) -> Scenario:
    """Parse `key=value,...`; `catalog` (optional) checks that model names are known."""
    values: dict = {}
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        key, sep, value = part.partition("=")
        key, value = key.strip().lower().replace("-", "_"), value.strip()
        if not sep:
            raise ScenarioError(f"scenario part {part!r} is not key=value (known keys: {', '.join(KEYS)})")
        if key not in KEYS:
            raise ScenarioError(f"unknown scenario key `{key}` (known keys: {', '.join(KEYS)})")
        if key in values:
            raise ScenarioError(f"scenario key `{key}` is given twice")
        if not value:
            raise ScenarioError(f"scenario key `{key}` has no value")
        if key in ("model", "fallback"):
            if catalog is not None and catalog.lookup(value, last_listed=False) is None:   # never a retired model
                hint = catalog.suggest(value) if hasattr(catalog, "suggest") else []
                raise ScenarioError(f"scenario key `{key}`: model {value!r} is not in the price data"
                                    + (f" (did you mean {', '.join(hint)}?)" if hint else ""))
            values[key] = value
        elif key in ("max_tokens", "trim_input"):
            values[key] = _int(key, value, 1)
        elif key == "retries":
            values[key] = _int(key, value, 0, MAX_RETRIES)
        elif key == "timeout":
            values[key] = _float(key, value, 0.0, MAX_TIMEOUT_S, strict_low=True)
        elif key in ("response_cache_hit_rate", "prompt_cache_hit_rate"):
            values[key] = _float(key, value, 0.0, 1.0)
        elif key in ("batch", "stream"):
            values[key] = _bool(key, value)
        else:
            values[key] = value
    if values.get("site") and values.get("feature"):
        raise ScenarioError("scenario keys `site` and `feature` cannot be combined; scope by one of them")
    if not values:
        raise ScenarioError("empty scenario; give key=value pairs such as model=gpt-4o-mini,timeout=20")
    return Scenario(name=",".join(p.strip() for p in text.split(",") if p.strip()), **values)
