"""What the model rules (LLM005, LLM007-009, LLM011) share: the call's model as the catalog knows it,
where a resolved literal sits in the file being checked, provider prefixes, and self-hosted endpoints.

A fix edits a literal only in the file being checked. When the value was resolved from another module
(`Setting.origin` names that file), the fix is display-only and its title says where to change it.
"""
from __future__ import annotations

import ast
import bisect
import collections
import datetime
import re
from dataclasses import dataclass
from typing import Iterator
from urllib.parse import urlparse

from llmsight.analysis import sdks
from llmsight.analysis.catalog_names import AZURE_CLASSES as _AZURE_CLASSES
from llmsight.analysis.catalog_names import HOST_PROVIDERS, catalog_entry, colon_route
from llmsight.analysis.catalog_names import self_hosted
from llmsight.analysis.catalog_names import client_class as _client_class
from llmsight.analysis.context import FileContext
from llmsight.analysis.fixes import replace_node
from llmsight.records import CallSite, Edit, Fix, Setting

# keywords (and dict keys) that name a model on a request or a client constructor
MODEL_KEYWORDS = frozenset({"model", "model_name", "model_id", "modelId", "deployment_name", "azure_deployment",
                            "repo_id"})
# hosts of hosted providers: a base_url elsewhere is a self-hosted server or a proxy
# hosts of providers the price data prices (catalog_names' one host table), and the clouds whose regional hosts
# serve them (`us-central1-aiplatform.googleapis.com`, `bedrock-runtime.us-east-1.amazonaws.com`, GitHub Models)
PROVIDER_HOSTS = (*HOST_PROVIDERS, "googleapis.com", "amazonaws.com", "models.inference.ai.azure.com")
# keywords (and dict keys) capping the output, across SDKs
CAP_KEYWORDS = frozenset({"max_tokens", "max_completion_tokens", "max_output_tokens", "num_predict", "maxTokens",
                          "max_tokens_to_sample", "max_new_tokens", "maxTokenCount", "max_gen_len",
                          "maxOutputTokens"})
# client classes and factories the SDK tables know; a class used like an OpenAI client that is not
# the openai package's (`zhipuai.ZhipuAI`, or one discovery inferred from the request path) belongs to
# another provider, with its own model names
_OTHER_PROVIDER_CLIENTS = frozenset(q.rsplit(".", 1)[-1] for q, kind in sdks.CLIENT_CLASSES.items()
                                    if kind.sdk == "openai" and q.split(".", 1)[0] != "openai")
_KNOWN_CLIENTS = frozenset({q.rsplit(".", 1)[-1] for q in (*sdks.CLIENT_CLASSES, *sdks.CLIENT_FACTORIES)}
                           | sdks.LANGCHAIN_CHAT_CLASSES | sdks.LANGCHAIN_EMBEDDING_CLASSES) - _OTHER_PROVIDER_CLIENTS
_BASE_URL_KEYWORDS = ("base_url", "api_base", "endpoint", "host", "azure_endpoint")


def today() -> datetime.date:
    """The date lifecycle rules compare with: the one place tests replace to fix "now"."""
    return datetime.date.today()


def split_provider(model: str) -> tuple[str, str]:
    """(`openai/`, `gpt-4o`) for `openai/gpt-4o`, (`openai:`, `gpt-4o`) for pydantic-ai's `openai:gpt-4o`;
    (``, `gpt-4o`) for a bare name."""
    route, bare = colon_route(model)
    if route is not None:
        return model[:-len(bare)], bare
    prefix, sep, bare = model.rpartition("/")
    return (prefix + sep, bare) if sep else ("", model)


_BEDROCK_ID = re.compile(r"^(?:(?:us|eu|apac|au|jp|global|us-gov|ca)\.)?"
                         r"(?:anthropic|amazon|meta|mistral|cohere|ai21|deepseek|openai|qwen|writer)\."
                         r"(?P<core>.+?)(?:-v\d+(?::\d+)?)?$")


def is_bedrock_id(model: str) -> bool:
    return bool(_BEDROCK_ID.match(split_provider(model)[1]))


def lifecycle_names(model: str) -> list[str]:
    """Names the lifecycle tables may know a model by: as written, without provider prefix, and a
    Bedrock id's provider model (`anthropic.claude-3-sonnet-20240229-v1:0` -> `claude-3-sonnet-20240229`)."""
    bare = split_provider(model)[1]
    m = _BEDROCK_ID.match(bare)
    return list(dict.fromkeys([model, bare] + ([m.group("core")] if m else [])))


def model_name(site: CallSite) -> str | None:
    """The model string the call sends, when discovery resolved it."""
    v = site.model.value
    return v.strip() if isinstance(v, str) and v.strip() else None


# litellm provider prefix of an SDK's models, and of OpenAI-compatible hosts reached with the openai SDK


def model_sites(ctx: FileContext, operations: tuple[str, ...] = ()) -> Iterator[tuple[CallSite, str, ast.Call]]:
    """(site, model, request call) for every site of the file whose model string is resolved and one its SDK
    can send, optionally only for some operations (chat, embedding…)."""
    for site in ctx.sites:
        model = model_name(site)
        call = ctx.call_nodes.get(site.id)
        if model is not None and call is not None and (not operations or site.operation in operations) \
                and not _another_vendors(ctx, site, model):
            yield site, model, call


# SDKs that speak only their vendor's API, and the price data's providers of the models they can send (the
# Anthropic SDK's Bedrock and Vertex clients included)
_VENDOR_PROVIDERS = {"anthropic": ("anthropic", "bedrock", "vertex_ai"), "cohere": ("cohere",),
                     "google": ("gemini", "vertex_ai", "google"), "mistral": ("mistral", "codestral"),
                     "voyage": ("voyage",)}


def _another_vendors(ctx: FileContext, site: CallSite, model: str) -> bool:
    """The model is another vendor's (an OpenAI default reaching the Anthropic branch of a provider switch, where
    the user configures the model with the provider): the call never sends it, so no model rule judges it."""
    own = _VENDOR_PROVIDERS.get(site.sdk)
    if own is None:
        return False
    from llmsight.knowledge.catalog import Catalog

    catalog = Catalog.load(ctx.config)
    info = catalog_entry(catalog, site, model) or catalog.lookup(model)   # by its own name when the SDK's prefix finds none
    return info is not None and bool(info.provider) and not info.provider.startswith(own)


def origin_of(setting: Setting) -> tuple[str, int] | None:
    if not setting.origin:
        return None
    path, _, line = setting.origin.rpartition(":")
    return (path, int(line)) if line.isdigit() else None


def where_defined(ctx: FileContext, setting: Setting) -> str | None:
    """`path:line` (notebooks: `path cell N line M`, N counted from 1) of the value's definition."""
    found = origin_of(setting)
    if found is None:
        return None
    path, line = found
    if path == ctx.path and ctx.srcmap.cell_starts:
        cell, in_cell = ctx.srcmap.cell_of_line(line)
        return f"{path} cell {cell + 1} line {in_cell}"  # people count cells from 1; `cell` is 0-based
    return f"{path}:{line}"


def _same_value(node: ast.AST, value) -> bool:
    return isinstance(node, ast.Constant) and type(node.value) is type(value) and node.value == value


def _statements_at(tree: ast.AST, line: int) -> list[ast.stmt]:
    """The statements whose lines hold `line`, in `ast.walk` order; only the branches holding the line are
    visited (a walk of the whole tree per site made a file of 40 sites cost seconds)."""
    found: list[ast.stmt] = []
    queue = collections.deque([tree])
    while queue:
        for child in _children_near(queue.popleft(), line):
            start = getattr(child, "lineno", None)
            if isinstance(child, ast.expr) or start is not None and not start <= line <= (child.end_lineno or start):
                continue
            if isinstance(child, ast.stmt):
                found.append(child)
            queue.append(child)
    return found


def _children_near(node: ast.AST, line: int) -> Iterator[ast.AST]:
    """`ast.iter_child_nodes(node)`, of a block of statements only those whose lines may hold `line`: a
    block is in line order, so they are found by bisection (a site in a function of 4,000 statements does
    not go through all of them, once per site)."""
    for name in node._fields:
        value = getattr(node, name, None)
        if isinstance(value, ast.AST):
            yield value
        elif isinstance(value, list):
            if value and isinstance(value[0], ast.stmt):
                # statements hold no lines in common but a boundary one: their ends ascend as their starts do
                value = value[bisect.bisect_left(value, line, key=lambda s: s.end_lineno or s.lineno):
                              bisect.bisect_right(value, line, key=_first_line)]
            yield from (item for item in value if isinstance(item, ast.AST))


def _constants_on(root: ast.AST, line: int, value) -> list[ast.Constant]:
    """The constants under `root` equal to `value` and written on `line` (in no set order), visiting only
    the statements whose lines hold it."""
    found, stack = [], [root]
    while stack:
        node = stack.pop()
        if _same_value(node, value) and node.lineno == line:  # type: ignore[attr-defined]
            found.append(node)
        stack.extend(child for child in _children_near(node, line)
                     if not isinstance(child, ast.stmt) or _first_line(child) <= line <= (child.end_lineno or child.lineno))
    return found


def _first_line(stmt: ast.stmt) -> int:
    """Where a statement's text starts: a decorated definition's at its first decorator."""
    decorators = getattr(stmt, "decorator_list", None)
    return decorators[0].lineno if decorators else stmt.lineno


def literal_node(ctx: FileContext, site: CallSite, setting: Setting, keywords=MODEL_KEYWORDS,
                 positional: bool = True) -> ast.Constant | None:
    """The literal in this file that gives `setting` its value, or None when it lives elsewhere.

    Without an origin the literal is written on the request (or its client constructor): the value of
    one of `keywords` (nested in a config object or dict too), or with `positional` the first
    positional argument. With an origin in this file, it is the literal with
    that value on the origin line (a module constant, default argument or `os.getenv` default).
    """
    value = setting.value
    if value is None or isinstance(value, bool):
        return None
    found = origin_of(setting)
    if found is not None:
        path, line = found
        if path != ctx.path:
            return None
        stmts = _statements_at(ctx.tree, line)
        if not stmts:
            return None
        innermost = max(stmts, key=lambda n: n.lineno)
        # the literals on the line, else any in the statement (a whole walk only then: a parameter's default
        # reaching 400 sites of a 4,000-statement function walked it 400 times, 18 CPU-s)
        chosen = _constants_on(innermost, line, value) or [n for n in ast.walk(innermost) if _same_value(n, value)]
        return chosen[0] if len(chosen) == 1 else None  # type: ignore[return-value]
    for holder in (ctx.call_nodes.get(site.id), ctx.client_nodes.get(site.id)):
        if holder is None:
            continue
        for node in ast.walk(holder):  # keywords and dict keys, also nested (`config=Config(...)`, `json={...}`)
            if isinstance(node, ast.keyword) and node.arg in keywords and _same_value(node.value, value):
                return node.value  # type: ignore[return-value]
            if isinstance(node, ast.Dict):
                for k, v in zip(node.keys, node.values):
                    if isinstance(k, ast.Constant) and k.value in keywords and _same_value(v, value):
                        return v  # type: ignore[return-value]
        if positional and holder.args and _same_value(holder.args[0], value):
            return holder.args[0]  # type: ignore[return-value]
    return None


def replace_literal(ctx: FileContext, node: ast.Constant, new_value: str | int) -> Edit | None:
    """Edit giving a literal a new value in its own quote style; None when it is not a plain literal
    (implicit concatenation, escapes) so rewriting it could change more than the value."""
    text = ctx.segment(node)
    if isinstance(new_value, int):
        return replace_node(ctx, node, str(new_value)) if text.replace("_", "").isdigit() else None
    old = node.value
    if not isinstance(old, str) or not old or text.count(old) != 1:
        return None
    head, _, tail = text.partition(old)
    if not re.fullmatch(r"[rRuU]?(['\"]{1,3})", head) or tail != head.lstrip("rRuU"):
        return None
    return replace_node(ctx, node, head + new_value + tail)


def model_fix(ctx: FileContext, site: CallSite, new_model: str, title: str) -> Fix:
    """Unsafe fix setting the call's model literal to `new_model`, or display-only naming where the
    value is defined when that is not in this file (or not a plain literal)."""
    node = literal_node(ctx, site, site.model)
    edit = replace_literal(ctx, node, new_model) if node is not None else None
    if edit is not None:
        return Fix(title, (edit,), "unsafe")
    where = where_defined(ctx, site.model)
    return Fix(f"{title} (in {where})" if where else title, (), "display-only")


def with_prefix(model: str, new_bare: str) -> str:
    """`new_bare` with the provider prefix `model` was written with (`openai/gpt-4o` keeps `openai/`; a
    prefix the catalog adds, as in `azure/gpt-5.1`, is dropped when the code wrote none)."""
    prefix, _ = split_provider(model)
    return new_bare if prefix and new_bare.startswith(prefix) else prefix + split_provider(new_bare)[1]


# ---- self-hosted endpoints --------------------------------------------------------------------------

@dataclass(frozen=True)
class Endpoint:
    kind: str          # "self-hosted" | "azure" | "other" (another provider's SDK) | "provider"
    detail: str        # what made us decide, for messages


def _host_kind(url: str) -> str:
    host = (urlparse(url if "://" in url else f"http://{url}").hostname or "").lower()
    if host.endswith(("openai.azure.com", "cognitiveservices.azure.com")):
        return "azure"
    if any(host == h or host.endswith("." + h) or host == h.split(".", 1)[-1] for h in PROVIDER_HOSTS):
        return "provider"
    return "self-hosted"


def _call_base_url(ctx: FileContext, site: CallSite) -> str | None:
    call = ctx.call_nodes.get(site.id)
    for kw in call.keywords if call is not None else ():
        if kw.arg in _BASE_URL_KEYWORDS and isinstance(kw.value, ast.Constant) and isinstance(kw.value.value, str):
            return kw.value.value
    return None


def endpoint_of(ctx: FileContext, site: CallSite) -> Endpoint:
    """Where the request goes, as far as deciding whether the catalog should know its model."""
    model = model_name(site) or ""
    prefix = model.split("/", 1)[0] if "/" in model else ""
    served = self_hosted(site, model)
    if served:
        return Endpoint("self-hosted", served)
    client = _client_class(site)
    if client and client not in _KNOWN_CLIENTS and client.isidentifier():
        return Endpoint("other", f"a {client} client")
    url = site.endpoint or _call_base_url(ctx, site)
    if url:
        kind = _host_kind(url)
        if kind != "provider":
            return Endpoint(kind, f"served at {url}")
    if prefix == "azure" or client.startswith(_AZURE_CLASSES):
        return Endpoint("azure", "an Azure OpenAI deployment")
    if site.sdk == "azure-ai-inference":   # `model=` names a deployment of the Foundry resource
        return Endpoint("azure", "an Azure AI Foundry deployment")
    return Endpoint("provider", "")
