"""Recognising API keys in string literals, and masking them in any text llmsight shows or stores.

A literal is a key when it matches a provider's key format (`sk-ant-…`, `AIza…`, `gsk_…`, AWS access
key ids…) or, where the code names it as a credential (`api_key=`, `OPENAI_API_KEY = …`, an
`Authorization` header), when it is long and random enough. Placeholders (`sk-...`, `your-api-key`,
`<KEY>`, repeated or sequential characters) are not keys.
"""
from __future__ import annotations

import hashlib
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
    _kind("GitHub token", "GITHUB_TOKEN", r"github_pat_[A-Za-z0-9_]{40,}"),
    _kind("GitHub token", "GITHUB_TOKEN", r"gh[pousr]_[A-Za-z0-9]{36,}"),
    _kind("AWS access key ID", "AWS_ACCESS_KEY_ID", r"(?:AKIA|ASIA)[A-Z0-9]{16}"),
)
KEY_PREFIXES = ("sk-", "AIza", "gsk_", "xai-", "hf_", "pplx-", "r8_", "fw_", "lsv2_", "github_pat_", "ghp_", "gho_",
                "ghu_", "ghs_", "ghr_", "AKIA", "ASIA")
_ANY_PROVIDER = re.compile("|".join(f"(?:{k.pattern.pattern})" for k in PROVIDER_KEYS if k.pattern))
# marks only placeholders and templates contain, wherever they are
_PLACEHOLDER_MARK = re.compile(r"xxxx|\.\.\.|<|>|\{|\}|\$|\*", re.I)
# words placeholders are made of; a generated key's random part holds some by chance ("…TestHERE…")
_PLACEHOLDER_WORD = re.compile(r"your|example|placeholder|dummy|fake|sample|redacted|changeme|insert|replace"
                               r"|here|test|demo|secret_?key|api_?key|todo|none|null", re.I)
_SEQUENCES = ("0123456789", "abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
# a credential of no known format shown outside a credential context: a long base64 run mixing upper
# case, lower case and digits (AWS secret access keys and the like); hex digests and paths do not mix all three
_RANDOM_RUN = re.compile(r"(?<![A-Za-z0-9+/])[A-Za-z0-9+/]{40,}")
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}")
# `api_key="…"`, `"Authorization": "Bearer …"`, `aws_secret_access_key='…'`: a literal given to a
# credential-named keyword or key, whatever its format
_CREDENTIAL_LITERAL = re.compile(
    r"""(?P<name>\b\w*(?:api_?key|secret|token|password|authorization)\w*['"]?\s*[=:]\s*)"""
    r"""(?P<quote>['"])(?P<value>[^'"\n]{8,})(?P=quote)""", re.IGNORECASE)
_CREDENTIAL_WORDS = ("api_key", "apikey", "secret", "token", "password", "authorization")
# a URL's credentials: `user:password@` before the host, and a query parameter named like a credential
# (`?access_token=…`, `&api_key=…`), whatever the value's format
_URL_USERINFO = re.compile(r"://(?P<info>[^/\s@'\"?#]{1,256})@")
_QUERY_CREDENTIAL = re.compile(
    rf"(?P<name>[?&;][\w.-]{{0,64}}?(?:{'|'.join(_CREDENTIAL_WORDS)})[\w.-]{{0,64}}=)(?P<value>(?!\{{)[^&#\s'\"]+)",
    re.IGNORECASE)
# what any text `redact` changes contains, in RE2 syntax: DuckDB and Arrow pre-select values with it
KEY_HINT = "|".join([*map(re.escape, KEY_PREFIXES), "eyJ", "[A-Za-z0-9+/]{40}", "://[^/@]{1,256}@",
                     f"(?i:{'|'.join(_CREDENTIAL_WORDS)})"])
# the same test in Python, fastest in three parts: prefixes, long runs (in long text), words (in lower case)
_PREFIX_HINT = re.compile("|".join([*map(re.escape, KEY_PREFIXES), "eyJ"]))
_RUN_HINT = re.compile("[A-Za-z0-9+/]{40}")
_WORD_HINT = re.compile("|".join(_CREDENTIAL_WORDS))


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
    if _PLACEHOLDER_WORD.search(text) or _PLACEHOLDER_MARK.search(text):
        return False
    return _random(text, min_length, min_entropy, min_classes=2)


def _random(text: str, min_length: int, min_entropy: float, min_classes: int) -> bool:
    if len(text) < min_length or any(c.isspace() for c in text):
        return False
    classes = sum(1 for test in (str.isdigit, str.islower, str.isupper) if any(test(c) for c in text))
    return classes >= min_classes and entropy(text) >= min_entropy and not _sequential(text)


def _random_part(body: str, aws: bool) -> bool:
    """A provider key's random part: no placeholder mark, and random once placeholder words are taken
    out (an AWS key id is upper case and digits, possibly letters only)."""
    if _PLACEHOLDER_MARK.search(body):
        return False
    rest = _PLACEHOLDER_WORD.sub("", body)
    return _random(rest, 12 if aws else 16, 3.0, 1 if aws else 2) and len(rest) >= len(body) * 0.6


def provider_key(text: str) -> KeyKind | None:
    """The provider whose key format `text` is exactly, if it is a real-looking key."""
    if not text.startswith(KEY_PREFIXES):
        return None
    for kind in PROVIDER_KEYS:
        m = kind.pattern.fullmatch(text) if kind.pattern else None
        if m is not None:
            aws = kind.env == "AWS_ACCESS_KEY_ID"
            body = text[4:] if aws else re.sub(r"^[A-Za-z]+[-_](?:[A-Za-z0-9]+[-_])?", "", text)
            if _random_part(body, aws):
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


def masked(key: str) -> str:
    """`[redacted:1a2b3c4d]`: the same key always reads the same (distinct tenants stay distinct groups,
    a model named by a key in code and in traffic still match), and nothing of it can be read back."""
    return f"[redacted:{hashlib.sha256(key.encode('utf-8', 'surrogatepass')).hexdigest()[:8]}]"


def _mask_once(value: str) -> str:
    """`masked(value)`, leaving a value that already is one (or holds one) as it is."""
    return value if "[redacted:" in value else masked(value)


def is_masked(text: str) -> bool:
    """A value `masked` produced: a key, not a name to look up, suggest or map."""
    return text.startswith("[redacted:") and text.endswith("]")


def _random_token(text: str) -> bool:
    """A long base64 run that mixes upper case, lower case and digits and is random (not a path)."""
    return _random(text, 40, 4.0, 3)


def _may_hold_key(text: str) -> bool:
    if _PREFIX_HINT.search(text) or (len(text) >= 40 and _RUN_HINT.search(text)):
        return True
    if "://" in text and "@" in text:
        return True
    return _WORD_HINT.search(text.lower()) is not None


def redact(text: str) -> str:
    """`text` with every key in it masked (`masked`): provider-format keys, long random tokens, JWTs, and
    literals given to a credential-named keyword. For every value from source or traffic that is shown
    or stored (records, caches, the traffic store, reports)."""
    if not _may_hold_key(text):
        return text
    if any(p in text for p in KEY_PREFIXES):
        text = _ANY_PROVIDER.sub(lambda m: masked(m.group(0)) if provider_key(m.group(0)) else m.group(0), text)
    if len(text) >= 40:
        text = _RANDOM_RUN.sub(lambda m: masked(m.group(0)) if _random_token(m.group(0)) else m.group(0), text)
    if "eyJ" in text:
        text = _JWT.sub(lambda m: masked(m.group(0)), text)
    if "://" in text and "@" in text:
        text = _URL_USERINFO.sub(lambda m: f"://{_mask_once(m.group('info'))}@", text)
    if "=" in text:
        text = _QUERY_CREDENTIAL.sub(lambda m: m.group("name") + _mask_once(m.group("value")), text)
    if "'" not in text and '"' not in text:
        return text
    return _CREDENTIAL_LITERAL.sub(
        lambda m: m.group(0) if m.group("value").startswith("[redacted:")
        else f"{m.group('name')}{m.group('quote')}{masked(m.group('value'))}{m.group('quote')}", text)
