"""What a request says about the code that sent it: the request signature both sides know (issue 13).

Traffic without a code location still names the provider, the operation and the model it asked for,
and most exporters record some request settings: the output cap, temperature, stream, tool names,
the response format, the span's name, the service; with content capture on (off by default in the
OTel GenAI instrumentations), the prompt too. The code states the same things at the call. A row and
a site agree, disagree or cannot tell on each attribute (`compare`); the mapping keeps a site as long
as nothing disagrees.

A row's value is the request as sent. NULL is "the export did not say" unless other rows of the same
model in the file the row came from record that attribute (`captured`): the exporter writes it when the
request sets it, so NULL there means "not set", which a site that sets it disagrees with. Such a
mapping is inferred, and has medium confidence.

Traffic columns (optional; the mapping reads the ones a table has):
`request_max_tokens` (integer), `request_temperature` (number), `request_stream` (boolean),
`request_tools` (tool names, sorted, joined by `,`), `response_format` (`text`, `json`, `json_object`,
`json_schema`), `prompt_fingerprint` (`prompt_fingerprint` of the request's first instruction: the
system prompt or instructions, else the first message, else the prompt), `span_name`, `service`.
"""
from __future__ import annotations

import ast
import functools
import hashlib
from dataclasses import dataclass
from typing import Any

from llmsight.analysis.syntax import parse_source
from llmsight.simulator.store import REQUEST_COLUMNS as _STORED

REQUEST_COLUMNS = tuple(name for name, _ in _STORED)
PREFIX_CHARS = 48          # characters of the normalised first instruction a fingerprint covers


class _Marker:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


UNKNOWN = _Marker("UNKNOWN")      # the side cannot tell
NOT_SET = _Marker("NOT_SET")      # the request does not carry the setting

# Provider names as exporters write them (`gen_ai.provider.name`, the older `gen_ai.system`,
# OpenInference `llm.provider`, LiteLLM's `custom_llm_provider`) -> one family name.
_PROVIDER_NAMES = {
    "az.ai.openai": "azure", "azure.ai.openai": "azure", "azure_openai": "azure", "azure": "azure",
    "azure.ai.inference": "azure", "azure_ai": "azure",
    "gcp.gemini": "google", "gcp.vertex_ai": "google", "gcp.gen_ai": "google", "gemini": "google",
    "vertex_ai": "google", "vertexai": "google", "google": "google", "google_genai": "google",
    "aws.bedrock": "bedrock", "bedrock": "bedrock", "amazon_bedrock": "bedrock",
    "mistral_ai": "mistral", "mistralai": "mistral", "mistral": "mistral",
    "together_ai": "together", "together": "together", "voyageai": "voyage", "voyage": "voyage",
    "cohere": "cohere", "groq": "groq", "ollama": "ollama", "openai": "openai", "anthropic": "anthropic",
}
# The providers an SDK's requests can be recorded under (its own, and the clouds that host its models).
_SDK_PROVIDERS = {
    "openai": {"openai", "azure"}, "anthropic": {"anthropic", "bedrock", "google"}, "google": {"google"},
    "bedrock": {"bedrock"}, "mistral": {"mistral"}, "groq": {"groq"}, "cohere": {"cohere"},
    "ollama": {"ollama"}, "together": {"together"}, "voyage": {"voyage"}, "azure-ai-inference": {"azure"},
}
_OPERATIONS = {"responses": "chat", "text_completion": "completion", "embeddings": "embedding",
               "generate_content": "chat"}
_INSTRUCTION_KEYWORDS = ("system", "instructions", "system_instruction")


def provider_family(name: Any) -> str | None:
    if not isinstance(name, str) or not name:
        return None
    name = name.strip().lower()
    return _PROVIDER_NAMES.get(name, name)


def operation_family(name: Any) -> str | None:
    return _OPERATIONS.get(name, name) if isinstance(name, str) and name else None


def model_name(model: Any) -> str | None:
    """A model name as both sides compare it: without a routing prefix (`openai/gpt-4o`), lower case."""
    return model.rsplit("/", 1)[-1].strip().lower() if isinstance(model, str) and model.strip() else None


def prompt_fingerprint(text: Any) -> str | None:
    """16 hex digits naming the first `PREFIX_CHARS` characters of a text, whitespace runs as one space
    (what an exporter that captured the prompt and the code's literal prefix both give)."""
    if not isinstance(text, str):
        return None
    norm = " ".join(text.split())
    return hashlib.sha256(norm[:PREFIX_CHARS].encode("utf-8")).hexdigest()[:16] if norm else None


def tool_names(names: Any) -> str | None:
    """Tool names as the `request_tools` column holds them: sorted, unique, joined by `,`."""
    if not isinstance(names, (list, tuple, set, frozenset)):
        return None
    clean = sorted({n for n in names if isinstance(n, str) and n})
    return ",".join(clean) if clean else None


@dataclass(frozen=True)
class SiteRequest:
    """What the code says its request carries (UNKNOWN where it cannot be read statically)."""

    providers: frozenset[str] | None          # None: any (litellm, a custom endpoint, ...)
    operation: str | None
    models: frozenset[str] | None             # normalised names of the site's model set; None: unknown
    max_tokens: Any = UNKNOWN
    temperature: Any = UNKNOWN
    stream: Any = UNKNOWN
    tools: Any = UNKNOWN                      # `tool_names` text, NOT_SET or UNKNOWN
    response_format: Any = UNKNOWN
    prompt: Any = UNKNOWN                     # `prompt_fingerprint`, or UNKNOWN
    names: frozenset[str] = frozenset()       # function, its qualified parts and feature: what a span or service may be named


def site_request(site: Any, source: str | None = None) -> SiteRequest:
    """The request signature of a call site, from the site's record and, given its file's `source`,
    the literal keywords of the call."""
    models = [getattr(site.model, "value", None), *(getattr(c, "value", None)
                                                    for c in getattr(site.model, "candidates", ()) or ())]
    models = {m for m in map(model_name, models) if m}
    providers = None if site.endpoint else _SDK_PROVIDERS.get(site.sdk)
    if site.sdk == "litellm":       # `anthropic/claude-...` names the provider
        prefixes = {provider_family(m.split("/", 1)[0]) for m in _raw_models(site) if "/" in m}
        providers = frozenset(prefixes) if prefixes and len(prefixes) == len(_raw_models(site)) else None
    names = {part.lower() for part in (site.function or "").replace("<locals>", "").split(".") if part}
    if site.feature:
        names.add(site.feature.lower())
    fields = _call_fields(site, source) if source is not None else {}
    return SiteRequest(
        providers=frozenset(providers) if providers else None,
        operation=operation_family(site.operation),
        models=frozenset(models) or None,
        max_tokens=_setting(site.max_tokens),
        temperature=fields.get("temperature", UNKNOWN),
        stream=UNKNOWN if site.stream is None else (True if site.stream else NOT_SET),
        tools=fields.get("tools", UNKNOWN),
        response_format=fields.get("response_format", UNKNOWN),
        prompt=fields.get("prompt", UNKNOWN),
        names=frozenset(names),
    )


def _raw_models(site: Any) -> set[str]:
    values = [getattr(site.model, "value", None), *(getattr(c, "value", None)
                                                    for c in getattr(site.model, "candidates", ()) or ())]
    return {v for v in values if isinstance(v, str) and v}


def _setting(setting: Any) -> Any:
    """A resolved cap as sent: its value when the code sets it, NOT_SET when it sends none (absent, or an
    SDK default applied server-side), UNKNOWN when the code sets it by an expression we cannot read."""
    source = getattr(setting, "source", "unresolved")
    if source in ("absent", "sdk-default"):
        return NOT_SET
    value = getattr(setting, "value", None)
    return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else UNKNOWN


# --------------------------------------------------------------------------------- the call's keywords
def _call_fields(site: Any, source: str) -> dict[str, Any]:
    """Temperature, tools, response format and the first instruction's fingerprint, as the call writes
    them (literals, or module constants they name); a keyword not written is NOT_SET, and a call that
    passes `**kwargs` leaves every keyword it does not write UNKNOWN."""
    module = _module(source)
    call = _call_at(module[0], site.span) if module else None
    if call is None:
        return {}
    constants = module[1]
    keywords = {k.arg: k.value for k in call.keywords if k.arg}
    absent = UNKNOWN if any(k.arg is None for k in call.keywords) else NOT_SET
    out: dict[str, Any] = {}
    temperature = _literal(keywords.get("temperature"), constants) if "temperature" in keywords else absent
    out["temperature"] = float(temperature) if isinstance(temperature, (int, float)) and not isinstance(
        temperature, bool) else temperature if temperature in (NOT_SET, UNKNOWN) else UNKNOWN
    out["tools"] = _tools(keywords["tools"], constants) if "tools" in keywords else absent
    if "response_format" in keywords:
        out["response_format"] = _response_format(keywords["response_format"], constants)
    elif "text_format" in keywords:          # the Responses API's `parse(text_format=Model)`
        out["response_format"] = "json_schema"
    else:
        out["response_format"] = absent
    out["prompt"] = _first_instruction(keywords, constants)
    return out


@functools.lru_cache(maxsize=32)
def _module(source: str) -> tuple[dict[int, list[ast.Call]], dict[str, ast.AST]] | None:
    """A file's calls by first line and its module-level constants, parsed once for all its sites."""
    try:
        tree = parse_source(source)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return None
    calls: dict[int, list[ast.Call]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            calls.setdefault(node.lineno, []).append(node)
    constants = {t.id: node.value for node in tree.body if isinstance(node, ast.Assign)
                 for t in node.targets if isinstance(t, ast.Name)}
    return calls, constants


def _call_at(calls_by_line: dict[int, list[ast.Call]], span: Any) -> ast.Call | None:
    """The call the site's span covers: starting at its first line and column, ending on its last line."""
    calls = [n for n in calls_by_line.get(span.start_line, ()) if n.end_lineno == span.end_line]
    exact = [n for n in calls if n.col_offset == span.start_col - 1]
    chosen = exact or calls
    return max(chosen, key=lambda n: (n.end_col_offset or 0) - n.col_offset) if chosen else None


def _literal(node: ast.AST | None, constants: dict[str, ast.AST]) -> Any:
    if isinstance(node, ast.Name) and node.id in constants:
        node = constants[node.id]
    try:
        return ast.literal_eval(node) if node is not None else UNKNOWN
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return UNKNOWN


def _tools(node: ast.AST, constants: dict[str, ast.AST]) -> Any:
    """Tool names of a literal list: OpenAI's `{"type": "function", "function": {"name": ...}}`,
    Anthropic's `{"name": ...}`, or functions passed by name (Gemini); UNKNOWN for anything else."""
    if isinstance(node, ast.Name) and node.id in constants:
        node = constants[node.id]
    if not isinstance(node, (ast.List, ast.Tuple)):
        return UNKNOWN
    names = []
    for element in node.elts:
        if isinstance(element, ast.Name) and element.id not in constants:
            names.append(element.id)
            continue
        value = _literal(element, constants)
        name = value.get("name") or (value.get("function") or {}).get("name") if isinstance(value, dict) else None
        if not isinstance(name, str):
            return UNKNOWN
        names.append(name)
    return tool_names(names) or NOT_SET


def _response_format(node: ast.AST, constants: dict[str, ast.AST]) -> Any:
    value = _literal(node, constants)
    if isinstance(value, dict) and isinstance(value.get("type"), str):
        return value["type"].lower()
    if isinstance(node, (ast.Name, ast.Attribute)) and value is UNKNOWN:
        return "json_schema"             # a schema class (`parse(response_format=Answer)`)
    return UNKNOWN


def _first_instruction(keywords: dict[str, ast.AST], constants: dict[str, ast.AST]) -> Any:
    """Fingerprint of the first instruction the call sends, when its literal text reaches `PREFIX_CHARS`
    characters or is the whole text: `system`/`instructions`, else the first message's content, else
    `prompt`/`input` as a string."""
    node = next((keywords[k] for k in _INSTRUCTION_KEYWORDS if k in keywords), None)
    if node is None and "messages" in keywords:
        messages = keywords["messages"]
        if isinstance(messages, ast.Name) and messages.id in constants:
            messages = constants[messages.id]
        first = messages.elts[0] if isinstance(messages, (ast.List, ast.Tuple)) and messages.elts else None
        if isinstance(first, ast.Dict):
            node = next((v for k, v in zip(first.keys, first.values)
                         if isinstance(k, ast.Constant) and k.value == "content"), None)
    if node is None:
        node = next((keywords[k] for k in ("prompt", "input") if k in keywords), None)
    if isinstance(node, ast.Name) and node.id in constants:
        node = constants[node.id]
    if isinstance(node, (ast.List, ast.Tuple)) and node.elts and isinstance(node.elts[0], ast.Dict):
        block = node.elts[0]            # content blocks (Anthropic's cached system prompt): the first one's text
        node = next((v for k, v in zip(block.keys, block.values) if isinstance(k, ast.Constant) and k.value == "text"),
                    None)
        if isinstance(node, ast.Name) and node.id in constants:
            node = constants[node.id]
    text, whole = _literal_prefix(node)
    if text is None or not (whole or len(" ".join(text.split())) >= PREFIX_CHARS):
        return UNKNOWN
    return prompt_fingerprint(text) or UNKNOWN


def _literal_prefix(node: ast.AST | None) -> tuple[str | None, bool]:
    """(the literal text a string expression starts with, whether that is all of it)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value, True
    if isinstance(node, ast.JoinedStr):
        parts = []
        for value in node.values:
            if not (isinstance(value, ast.Constant) and isinstance(value.value, str)):
                return "".join(parts), False
            parts.append(value.value)
        return "".join(parts), True
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult) and isinstance(node.left, ast.Constant) \
            and isinstance(node.left.value, str) and isinstance(node.right, ast.Constant) \
            and type(node.right.value) is int and 0 <= node.right.value:
        return node.left.value * min(node.right.value, PREFIX_CHARS), node.right.value <= PREFIX_CHARS
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, whole = _literal_prefix(node.left)
        if left is None or not whole:
            return left, False
        right, whole = _literal_prefix(node.right)
        return left + (right or ""), whole and right is not None
    return None, False


# --------------------------------------------------------------------------------- row against site
def row_value(column: str, value: Any, captured: bool) -> Any:
    """A row's value for `compare`: NULL is NOT_SET where the row's file records the column, else UNKNOWN."""
    if value is None:
        return NOT_SET if captured and column in _INFERABLE else UNKNOWN
    try:
        if column == "request_max_tokens":
            return int(value)
        if column == "request_temperature":
            return float(value)
    except (TypeError, ValueError, OverflowError):
        return UNKNOWN               # a table not typed like the store's: says nothing, never fails the mapping
    if column == "request_stream":
        return True if value in (True, 1, "true", "True") else NOT_SET
    if column == "response_format":
        return str(value).lower()
    return value


_INFERABLE = {"request_max_tokens", "request_temperature", "request_stream", "request_tools", "response_format"}


@dataclass(frozen=True)
class Comparison:
    contradiction: str | None        # why the site cannot have sent the row, or None
    agreements: tuple[str, ...]      # attributes both sides state and agree on
    unset: tuple[str, ...]           # attributes neither sets (the row's NULL read as "not set")
    named: bool                      # the row's function, span or service name is the site's
    against: str | None = None       # the attribute that contradicts


def compare(site: SiteRequest, row: dict[str, Any]) -> Comparison:
    """Compare a site with a row (`provider`, `operation`, `model` and the `REQUEST_COLUMNS` as given
    by `row_value`)."""
    agreements: list[str] = []
    unset: list[str] = []
    provider = provider_family(row.get("provider"))
    if provider and site.providers is not None:
        if provider not in site.providers:
            return Comparison(f"provider {provider} (the code calls {'/'.join(sorted(site.providers))})", (), (), False,
                              "provider")
        agreements.append("provider")
    operation = operation_family(row.get("operation"))
    if operation and site.operation:
        if operation != site.operation:
            return Comparison(f"operation {operation} (the code's is {site.operation})", (), (), False, "operation")
        agreements.append("operation")
    model = model_name(row.get("model"))
    if model and site.models is not None:
        if model not in site.models:
            return Comparison(f"model {model}", (), (), False, "model")
        agreements.append("model")
    for name, column, mine in (("max_tokens", "request_max_tokens", site.max_tokens),
                               ("temperature", "request_temperature", site.temperature),
                               ("stream", "request_stream", site.stream),
                               ("tools", "request_tools", site.tools),
                               ("response_format", "response_format", site.response_format),
                               ("prompt", "prompt_fingerprint", site.prompt)):
        theirs = row.get(column, UNKNOWN)
        if theirs is UNKNOWN or mine is UNKNOWN:
            continue
        if not _same(name, mine, theirs):
            return Comparison(f"{name} {_shown(theirs)} (the code's is {_shown(mine)})", (), (), False, name)
        (unset if theirs is NOT_SET or mine is NOT_SET else agreements).append(name)
    names = {str(row[c]).lower().rsplit(".", 1)[-1] for c in ("code_function", "span_name", "service")
             if isinstance(row.get(c), str) and row.get(c)}
    return Comparison(None, tuple(agreements), tuple(unset), bool(names & site.names))


# Values exporters write for a setting the request did not set (OpenLIT records temperature 1.0, the
# providers' default, and max_tokens -1): a site that sets nothing agrees with them.
_UNSET_AS = {"temperature": (1.0,), "max_tokens": (-1,)}


def _same(name: str, mine: Any, theirs: Any) -> bool:
    if mine is NOT_SET and theirs in _UNSET_AS.get(name, ()):
        return True
    if name == "temperature" and isinstance(mine, float) and isinstance(theirs, float):
        return abs(mine - theirs) < 1e-6
    if name == "response_format":
        mine, theirs = ("text" if v is NOT_SET else v for v in (mine, theirs))
        return mine == theirs or "json" in (mine, theirs) and str(mine).startswith("json") and str(theirs).startswith("json")
    return mine == theirs


def _shown(value: Any) -> str:
    return "not set" if value is NOT_SET else str(value)


def describe(row: dict[str, Any]) -> str:
    """A row signature in words, for the unmatched list: `openai chat gpt-4o max_tokens=256 tools=a,b`."""
    parts = [str(row[k]) for k in ("provider", "operation", "model") if row.get(k)]
    for column, label in (("request_max_tokens", "max_tokens"), ("request_temperature", "temperature"),
                          ("request_stream", "stream"), ("request_tools", "tools"),
                          ("response_format", "response_format"), ("span_name", "span"), ("service", "service"),
                          ("code_file", "file"), ("feature", "feature")):
        if row.get(column) is not None:
            parts.append(f"{label}={row[column]}")
    return " ".join(parts) or "(no model or request attributes)"
