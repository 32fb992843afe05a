"""Token counts offline, from the tiktoken files litellm ships (design §4).

litellm bundles `cl100k_base`, `o200k_base` and `p50k_base` in `litellm/litellm_core_utils/tokenizers`
under tiktoken's cache names (sha1 of the download URL). We point `TIKTOKEN_CACHE_DIR` there while an
encoding loads, and only ask tiktoken for an encoding whose file is present, so no count ever reaches the
network.

Which encoding: OpenAI models use their own (o200k_base for gpt-4o / gpt-4.1 / gpt-4.5 / gpt-5 / o-series
/ chatgpt-4o, cl100k_base for gpt-4 / gpt-3.5 / embeddings, p50k_base for the davinci-era completion
models). Other providers publish no offline tokenizer, so their text is counted with cl100k_base, as
litellm's own `token_counter` does by default; treat those counts as approximate.

Fallback: when no encoding file can be loaded (litellm missing or trimmed), a count is
`ceil(len(text) / 4)`, OpenAI's published rule of thumb of about four characters of English per token.
"""
from __future__ import annotations

import hashlib
import math
import os
import re
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any

from llmsight.knowledge import litellm_dirs

FALLBACK_CHARS_PER_TOKEN = 4.0
DEFAULT_ENCODING = "cl100k_base"
_URLS = {
    "o200k_base": "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken",
    "cl100k_base": "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken",
    "p50k_base": "https://openaipublic.blob.core.windows.net/encodings/p50k_base.tiktoken",
}
# Most specific first; matched against the bare model name (provider prefix and `ft:` removed).
_FAMILY_ENCODINGS = (
    (re.compile(r"^(gpt-4o|chatgpt-4o|gpt-4\.1|gpt-4\.5|gpt-5|gpt-oss|o1|o3|o4|codex-mini|computer-use)"), "o200k_base"),
    (re.compile(r"^(gpt-4|gpt-3\.5|gpt-35|text-embedding|davinci-002|babbage-002)"), "cl100k_base"),
    (re.compile(r"^(text-davinci|code-davinci|code-cushman|text-curie|text-babbage|text-ada|davinci|curie)"),
     "p50k_base"),
)
# Fixed mixed text (prose, code, JSON) for tokenizer_ratio: a ratio of counts over the same text.
_REFERENCE_TEXT = (
    "You are a helpful assistant. Summarise the customer's message in two sentences and list any order "
    "numbers you find. If the message is not about an order, answer with the single word NONE.\n\n"
    "def total(items: list[dict]) -> float:\n    return sum(i['price'] * i.get('qty', 1) for i in items)\n\n"
    '{"order_id": "A-10293", "status": "shipped", "items": [{"sku": "KB-88", "qty": 2}], "eta": "2025-03-14"}\n'
    "The quick brown fox jumps over the lazy dog; naïve café déjà vu — 東京 42 % 3.14159 https://example.com/a?b=c\n"
)

_LOCK = threading.Lock()


def tokenizer_dir() -> Path | None:
    """litellm's bundled tokenizer folder (`litellm_dirs`: the installed package or $LLMSIGHT_LITELLM_DIR)."""
    for location in litellm_dirs():
        folder = location / "litellm_core_utils" / "tokenizers"
        if folder.is_dir():
            return folder
    return None


def encoding_name(model: str | None) -> str:
    """The tiktoken encoding that counts this model's tokens (cl100k_base when the model has none locally)."""
    if not model:
        return DEFAULT_ENCODING
    bare = model.strip().lower().rsplit("/", 1)[-1]
    if bare.startswith("ft:"):
        bare = bare[3:]
    for pattern, name in _FAMILY_ENCODINGS:
        if pattern.match(bare):
            return name
    return DEFAULT_ENCODING


def has_exact_tokenizer(model: str | None) -> bool:
    """True when the count is the provider's own tokenizer (OpenAI families), not an approximation."""
    if not model:
        return False
    bare = model.strip().lower().rsplit("/", 1)[-1].removeprefix("ft:")
    return any(p.match(bare) for p, _ in _FAMILY_ENCODINGS)


@lru_cache(maxsize=None)
def _encoding(name: str) -> Any | None:
    """The tiktoken Encoding, loaded once from litellm's files; None when the file is not there."""
    folder = tokenizer_dir()
    url = _URLS.get(name)
    if folder is None or url is None or not (folder / hashlib.sha1(url.encode()).hexdigest()).is_file():
        return None
    with _LOCK:
        previous = os.environ.get("TIKTOKEN_CACHE_DIR")
        os.environ["TIKTOKEN_CACHE_DIR"] = str(folder)
        try:
            import tiktoken

            return tiktoken.get_encoding(name)
        except Exception:   # a corrupt or mismatched file: fall back rather than fail a scan
            return None
        finally:
            if previous is None:
                os.environ.pop("TIKTOKEN_CACHE_DIR", None)
            else:
                os.environ["TIKTOKEN_CACHE_DIR"] = previous


def fallback_count(text: str) -> int:
    return math.ceil(len(text) / FALLBACK_CHARS_PER_TOKEN)


def count_tokens(text: str, model: str | None = None) -> int:
    """Tokens of `text` as `model` would count them (see the module docstring for approximations)."""
    if not text:
        return 0
    enc = _encoding(encoding_name(model))
    if enc is None:
        return fallback_count(text)
    return len(enc.encode(text, disallowed_special=()))


def tokenizer_ratio(model_a: str | None, model_b: str | None) -> float:
    """How many tokens `model_b` needs per token of `model_a` for the same text (re-pricing across models)."""
    a, b = encoding_name(model_a), encoding_name(model_b)
    if a == b:
        return 1.0
    return _ratio(a, b)


@lru_cache(maxsize=None)
def _ratio(a: str, b: str) -> float:
    enc_a, enc_b = _encoding(a), _encoding(b)
    if enc_a is None or enc_b is None:
        return 1.0
    return len(enc_b.encode(_REFERENCE_TEXT)) / len(enc_a.encode(_REFERENCE_TEXT))
