"""Recognising API keys in string literals, and masking them in any text llmsight shows or stores.

A literal is a key when it matches a provider's key format (`sk-ant-…`, `AIza…`, `gsk_…`, AWS access
key ids…) or, where the code names it as a credential (`api_key=`, `OPENAI_API_KEY = …`, an
`Authorization` header), when it is long and random enough. Placeholders (`sk-...`, `your-api-key`,
`<KEY>`, repeated or sequential characters) are not keys.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass


@dataclass(frozen=True)
class KeyKind:
    label: str              # "OpenAI API key": what messages call it (never any character of it)
    env: str | None         # the environment variable the provider's SDK reads
    pattern: re.Pattern[str] | None = None


def _kind(label: str, env: str | None, pattern: str) -> KeyKind:
    return KeyKind(label, env, re.compile(pattern))


# most specific first: `sk-ant-` and `sk-or-` before OpenAI's `sk-`
PROVIDER_KEYS: tuple[KeyKind, ...] = (
    _kind("Anthropic API key", "ANTHROPIC_API_KEY", r"sk-ant-[A-Za-z0-9_\-]{32,}"),
    _kind("OpenRouter API key", "OPENROUTER_API_KEY", r"sk-or-v1-[0-9a-f]{32,}"),
    _kind("OpenAI API key", "OPENAI_API_KEY", r"sk-(?:proj|svcacct|admin)-[A-Za-z0-9_\-]{32,}"),
    _kind("OpenAI API key", "OPENAI_API_KEY", r"sk-[A-Za-z0-9]{32,}"),
    _kind("Google API key", "GOOGLE_API_KEY", r"AIza[0-9A-Za-z_\-]{35}"),
    _kind("Groq API key", "GROQ_API_KEY", r"gsk_[A-Za-z0-9]{32,}"),
    _kind("xAI API key", "XAI_API_KEY", r"xai-[A-Za-z0-9]{32,}"),
    _kind("Hugging Face token", "HF_TOKEN", r"hf_[A-Za-z0-9]{30,}"),
    _kind("Perplexity API key", "PERPLEXITY_API_KEY", r"pplx-[A-Za-z0-9]{32,}"),
    _kind("Replicate API token", "REPLICATE_API_TOKEN", r"r8_[A-Za-z0-9]{30,}"),
    _kind("Fireworks API key", "FIREWORKS_API_KEY", r"fw_[A-Za-z0-9]{20,}"),
    _kind("LangSmith API key", "LANGSMITH_API_KEY", r"lsv2_(?:pt|sk)_[A-Za-z0-9_]{32,}"),
    _kind("AWS access key ID", "AWS_ACCESS_KEY_ID", r"(?:AKIA|ASIA)[A-Z0-9]{16}"),
)
KEY_PREFIXES = ("sk-", "AIza", "gsk_", "xai-", "hf_", "pplx-", "r8_", "fw_", "lsv2_", "AKIA", "ASIA")
_ANY_PROVIDER = re.compile("|".join(f"(?:{k.pattern.pattern})" for k in PROVIDER_KEYS if k.pattern))
# words that only placeholders contain
_PLACEHOLDER = re.compile(r"your|xxxx|\.\.\.|example|placeholder|dummy|fake|sample|redacted|changeme|insert|replace"
                          r"|here|<|>|\{|\}|\$|\*|test|demo|secret_?key|api_?key|todo|none|null", re.I)
_SEQUENCES = ("0123456789", "abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def entropy(text: str) -> float:
    """Shannon entropy in bits per character."""
    if not text:
        return 0.0
    counts = Counter(text)
    return -sum(c / len(text) * math.log2(c / len(text)) for c in counts.values())


def _sequential(text: str) -> bool:
    """`1234567890abcdef…`-style filler: most neighbours are consecutive characters."""
    steps = sum(1 for a, b in zip(text, text[1:]) if any(a + b in s for s in _SEQUENCES))
    return steps > len(text) * 0.4


def looks_random(text: str, min_length: int = 20, min_entropy: float = 3.5) -> bool:
    """Long, varied, non-placeholder text: what a generated credential looks like."""
    if len(text) < min_length or any(c.isspace() for c in text) or _PLACEHOLDER.search(text):
        return False
    classes = sum(1 for test in (str.isdigit, str.islower, str.isupper) if any(test(c) for c in text))
    return classes >= 2 and entropy(text) >= min_entropy and not _sequential(text)


def provider_key(text: str) -> KeyKind | None:
    """The provider whose key format `text` is exactly, if it is a real-looking key."""
    if not text.startswith(KEY_PREFIXES):
        return None
    for kind in PROVIDER_KEYS:
        m = kind.pattern.fullmatch(text) if kind.pattern else None
        if m is not None:
            body = re.sub(r"^[A-Za-z]+[-_](?:[A-Za-z0-9]+[-_])?", "", text) if kind.env != "AWS_ACCESS_KEY_ID" else text[4:]
            if looks_random(body, min_length=16, min_entropy=3.0):
                return kind
    return None


def contains_provider_key(text: str) -> KeyKind | None:
    """A provider key anywhere inside a longer string (a URL's `?key=`, a header, a shell line)."""
    if not any(p in text for p in KEY_PREFIXES):
        return None
    for m in _ANY_PROVIDER.finditer(text):
        kind = provider_key(m.group(0))
        if kind is not None:
            return kind
    return None


# `api_key="…"`, `"Authorization": "Bearer …"`, `aws_secret_access_key='…'`: a literal given to a
# credential-named keyword or key, whatever its format
_CREDENTIAL_LITERAL = re.compile(
    r"""(?P<name>\b\w*(?:api_?key|secret|token|password|authorization)\w*['"]?\s*[=:]\s*)"""
    r"""(?P<quote>['"])(?P<value>[^'"\n]{8,})(?P=quote)""", re.IGNORECASE)


def redact(text: str) -> str:
    """`text` with every provider-format key, and every literal given to a credential-named keyword,
    replaced by `<redacted>`: for outputs built from source text (diffs, call-site expressions, caches)."""
    if any(p in text for p in KEY_PREFIXES):
        text = _ANY_PROVIDER.sub(lambda m: "<redacted>" if provider_key(m.group(0)) else m.group(0), text)
    if _CREDENTIAL_LITERAL.search(text) is None:
        return text
    return _CREDENTIAL_LITERAL.sub(
        lambda m: m.group(0) if m.group("value") == "<redacted>" else f"{m.group('name')}{m.group('quote')}<redacted>{m.group('quote')}",
        text)
