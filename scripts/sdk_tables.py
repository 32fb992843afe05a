"""Derive each SDK's request methods from the SDK packages themselves (issue 12 item 3).

Walks the installed SDK packages' source with `ast` (nothing of an SDK is imported) from each client
class through its resources (`client.chat.completions`, `client.aio.models`, `client.batch.jobs`) to
the methods that issue an HTTP request or open a websocket — directly (`self._post(...)`,
`self._api_client.request(...)`, `self.do_request(...)`, `httpx_client.request(...)`,
`self._client._pipeline.run(...)`, `requestor.request(...)`) or through other methods and helper
functions of the package. Bedrock's operations come from botocore's service model. Every method is
then classified by the hand-kept table `CLASSIFICATION` below as model-invoking (an operation:
chat, responses, embedding, …) or management (files, model lists, batch retrieval: not call sites);
a method the table does not cover stops the run, so a new SDK endpoint is a decision, not a guess.

Writes knowledge/data/sdk_requests.json with the SDK versions it came from; analysis/sdks.py reads it.
The SDKs are pinned in pyproject's `sdk-tables` extra; install them in a virtualenv of their own, never the
project's (the script needs nothing else, and refuses SDK versions other than the pins):

    python -m venv /tmp/sdkvenv && /tmp/sdkvenv/bin/pip install $(python scripts/sdk_tables.py --pins)
    /tmp/sdkvenv/bin/python scripts/sdk_tables.py            # rewrite the data file
    /tmp/sdkvenv/bin/python scripts/sdk_tables.py --check    # exit 1 when the data and the SDKs differ

To move to a new SDK release: change its pin, install it, rerun, and classify what the run names.
"""
from __future__ import annotations

import argparse
import ast
import fnmatch
import gzip
import importlib.metadata
import json
import re
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "knowledge" / "data" / "sdk_requests.json"
MANAGEMENT = "management"

# Calls that issue a request, by how the callee is written (matched against the end of its dotted text).
_STAINLESS = ("._post", "._get", "._put", "._patch", "._delete", "._get_api_list", "._request")


@dataclass(frozen=True)
class SdkSpec:
    """Where an SDK lives and how its requests look. `clients` maps the public name of each client
    (or module used as one) to where it is defined, `module:Class` (`module:` for a module)."""

    sdk: str                       # llmsight's name for it (CallSite.sdk)
    distribution: str              # the PyPI distribution, pinned in pyproject's `sdk-tables` extra
    package: str                   # the import package walked
    clients: dict[str, str]
    primitives: tuple[str, ...]    # callee suffixes that send an HTTP request
    websockets: tuple[str, ...] = ()  # callee names (or `*`-patterns) that open a websocket session


SPECS: tuple[SdkSpec, ...] = (
    SdkSpec("openai", "openai", "openai", {
        "openai.OpenAI": "openai._client:OpenAI", "openai.AsyncOpenAI": "openai._client:AsyncOpenAI",
        "openai.AzureOpenAI": "openai.lib.azure:AzureOpenAI", "openai.AsyncAzureOpenAI": "openai.lib.azure:AsyncAzureOpenAI",
    }, _STAINLESS, ("*ConnectionManager",)),
    SdkSpec("anthropic", "anthropic", "anthropic", {
        "anthropic.Anthropic": "anthropic._client:Anthropic", "anthropic.AsyncAnthropic": "anthropic._client:AsyncAnthropic",
        "anthropic.AnthropicBedrock": "anthropic.lib.bedrock._client:AnthropicBedrock",
        "anthropic.AsyncAnthropicBedrock": "anthropic.lib.bedrock._client:AsyncAnthropicBedrock",
        "anthropic.AnthropicVertex": "anthropic.lib.vertex._client:AnthropicVertex",
        "anthropic.AsyncAnthropicVertex": "anthropic.lib.vertex._client:AsyncAnthropicVertex",
    }, _STAINLESS),
    SdkSpec("google", "google-genai", "google.genai", {
        "google.genai.Client": "google.genai.client:Client",
    }, ("_api_client.request", "_api_client.request_streamed", "_api_client.async_request",
        "_api_client.async_request_streamed", "_api_client.upload_file", "_api_client.async_upload_file",
        "_api_client.download_file", "_api_client.async_download_file", ".do_request", ".do_request_async"),
        ("ws_connect", "*WebSocketConnectionContext")),
    SdkSpec("mistral", "mistralai", "mistralai.client", {
        "mistralai.client.Mistral": "mistralai.client.sdk:Mistral",
    }, (".do_request", ".do_request_async")),
    SdkSpec("cohere", "cohere", "cohere", {
        "cohere.Client": "cohere.client:Client", "cohere.AsyncClient": "cohere.client:AsyncClient",
        "cohere.ClientV2": "cohere.client_v2:ClientV2", "cohere.AsyncClientV2": "cohere.client_v2:AsyncClientV2",
    }, ("httpx_client.request", "httpx_client.stream")),
    SdkSpec("voyage", "voyageai", "voyageai", {
        "voyageai.Client": "voyageai.client:Client", "voyageai.AsyncClient": "voyageai.client_async:AsyncClient",
        "voyageai": "voyageai:",
    }, ("requestor.request", "requestor.arequest")),
    SdkSpec("groq", "groq", "groq", {
        "groq.Groq": "groq._client:Groq", "groq.AsyncGroq": "groq._client:AsyncGroq",
    }, _STAINLESS),
    SdkSpec("together", "together", "together", {
        "together.Together": "together._client:Together", "together.AsyncTogether": "together._client:AsyncTogether",
    }, _STAINLESS, ("*ConnectionManager",)),
    SdkSpec("azure-ai-inference", "azure-ai-inference", "azure.ai.inference", {
        "azure.ai.inference.ChatCompletionsClient": "azure.ai.inference._patch:ChatCompletionsClient",
        "azure.ai.inference.EmbeddingsClient": "azure.ai.inference._patch:EmbeddingsClient",
        "azure.ai.inference.ImageEmbeddingsClient": "azure.ai.inference._patch:ImageEmbeddingsClient",
        "azure.ai.inference.aio.ChatCompletionsClient": "azure.ai.inference.aio._patch:ChatCompletionsClient",
        "azure.ai.inference.aio.EmbeddingsClient": "azure.ai.inference.aio._patch:EmbeddingsClient",
        "azure.ai.inference.aio.ImageEmbeddingsClient": "azure.ai.inference.aio._patch:ImageEmbeddingsClient",
    }, ("_pipeline.run", ".send_request")),
    SdkSpec("volcengine", "volcengine-ark-runtime", "volcenginesdkarkruntime", {
        "volcenginesdkarkruntime.Ark": "volcenginesdkarkruntime._client:Ark",
        "volcenginesdkarkruntime.AsyncArk": "volcenginesdkarkruntime._client:AsyncArk",
    }, _STAINLESS + ("._post_without_retry",)),   # batch chat's request
    SdkSpec("fireworks", "fireworks-ai", "fireworks", {
        "fireworks.Fireworks": "fireworks._client:Fireworks", "fireworks.AsyncFireworks": "fireworks._client:AsyncFireworks",
    }, _STAINLESS),
)
BEDROCK = ("bedrock", "botocore", "bedrock-runtime")   # (sdk, distribution, service)

# ---- the kept table: which request methods invoke a model, and as what operation ----------------------
# Per SDK, (pattern over the method path, operation or MANAGEMENT); the first pattern that matches wins.
# Batch creation is `batch` (priced at the batch rate); a websocket session is `realtime`. Management
# namespaces are named one by one, never `*`: a namespace an SDK release adds stops the run until
# someone decides what it is.
_LISTING = ("*.list", "*.list_*", "*.retrieve", "*.retrieve_*", "*.get", "*.get_*", "*.delete", "*.delete_*",
            "*.cancel", "*.cancel_*", "*.update", "*.update_*", "*.results", "*.content", "*.download*",
            "*.upload*", "*.count", "*.count_tokens", "*.compute_tokens")
# a Stainless client's own raw-request helpers (`client.post(path, …)`): no resource, no operation
_RAW = ("get", "post", "put", "patch", "delete", "request", "get_api_list")


def _management(*namespaces: str) -> tuple[tuple[str, str], ...]:
    return tuple((n if n in _RAW else f"{n}.*", MANAGEMENT) for n in namespaces)


_READS = tuple((p, MANAGEMENT) for p in _LISTING)   # reading, changing or deleting what exists


CLASSIFICATION: dict[str, tuple[tuple[str, str], ...]] = {
    "openai": _READS + (
        ("*chat.completions.create", "chat"), ("*chat.completions.parse", "chat"), ("*chat.completions.stream", "chat"),
        ("completions.create", "completion"),
        ("*responses.create", "responses"), ("*responses.parse", "responses"), ("*responses.stream", "responses"),
        ("*responses.compact", "responses"), ("*responses.connect", "realtime"),
        ("embeddings.create", "embedding"),
        ("images.*", "image"), ("videos.create", "image"), ("videos.create_and_poll", "image"), ("videos.edit", "image"),
        ("videos.extend", "image"), ("videos.remix", "image"),
        ("audio.speech.create", "audio"), ("audio.transcriptions.create", "audio"), ("audio.translations.create", "audio"),
        ("*realtime.connect", "realtime"), ("realtime.translations.connect", "realtime"), ("live.connect", "realtime"),
        ("batches.create", "batch"),
        # Assistants: a run invokes the assistant's model
        ("beta.threads.create_and_run*", "chat"), ("beta.threads.runs.create*", "chat"),
        ("beta.threads.runs.stream", "chat"), ("beta.threads.runs.submit_tool_outputs*", "chat"),
        ("moderations.create", MANAGEMENT),   # free, and not a model the user prices
    ) + _management(*_RAW, "admin", "audio", "batches", "beta.agents", "beta.assistants", "beta.chat", "beta.chatkit",
                    "beta.realtime", "beta.responses", "beta.threads", "chat", "containers", "content_provenance_checks", "conversations",
                    "decisions", "evals", "files", "fine_tuning", "live", "models", "realtime", "responses", "safety",
                    "skills", "uploads", "vector_stores", "videos", "webhooks"),
    "anthropic": _READS + (
        ("messages.batches.create", "batch"), ("beta.messages.batches.create", "batch"),
        ("messages.create", "chat"), ("messages.stream", "chat"), ("messages.parse", "chat"),
        ("beta.messages.create", "chat"), ("beta.messages.stream", "chat"), ("beta.messages.parse", "chat"),
        ("completions.create", "completion"),
    ) + _management(*_RAW, "beta.agents", "beta.compliance", "beta.deployment_runs", "beta.deployments", "beta.dreams",
                    "beta.environments", "beta.files", "beta.memory_stores", "beta.models", "beta.organization",
                    "beta.sessions", "beta.skills", "beta.tunnels", "beta.user_profiles", "beta.vaults", "files",
                    "models", "organization", "skills", "user_profiles"),
    "google": _READS + (
        ("*models.generate_content", "chat"), ("*models.generate_content_stream", "chat"),
        ("*models.embed_content", "embedding"),
        ("*models.generate_images", "image"), ("*models.edit_image", "image"), ("*models.upscale_image", "image"),
        ("*models.recontext_image", "image"), ("*models.segment_image", "image"), ("*models.generate_videos", "image"),
        ("*interactions.create", "responses"), ("*interactions.connect", "realtime"), ("*live.connect", "realtime"),
        ("*batches.create", "batch"), ("*batches.create_embeddings", "batch"),
    ) + tuple((f"{aio}{n}.*", MANAGEMENT) for aio in ("", "aio.") for n in (
        "agents", "auth_tokens", "caches", "credentials", "decisions", "environments", "file_search_stores", "files",
        "interactions.auth_tokens", "operations", "triggers", "tunings", "voices", "webhooks")),
    "mistral": _READS + (
        ("chat.complete*", "chat"), ("chat.stream*", "chat"), ("chat.parse*", "chat"),
        ("fim.complete*", "completion"), ("fim.stream*", "completion"),
        ("agents.complete*", "chat"), ("agents.stream*", "chat"),
        ("embeddings.create*", "embedding"), ("classifiers.*", "embedding"),
        ("ocr.process*", "image"),
        ("audio.transcriptions.*", "audio"), ("audio.speech.*", "audio"),
        ("responses.create*", "responses"), ("responses.stream*", "responses"),
        ("beta.conversations.start*", "chat"), ("beta.conversations.append*", "chat"),
        ("beta.conversations.restart*", "chat"), ("beta.conversations.run*", "chat"),
        ("batch.jobs.create*", "batch"),
        ("responses.count_input_tokens*", MANAGEMENT),
    ) + _management("audio.agents", "audio.sessions", "audio.voices", "beta.agents", "beta.connectors", "beta.context",
                    "beta.libraries", "beta.observability", "beta.prompts", "beta.rag", "beta.service_accounts",
                    "beta.skills", "beta.triggers", "beta.users", "beta.webhooks", "events", "files", "models",
                    "realtime.sessions", "workflows"),
    "cohere": _READS + (
        ("*chat", "chat"), ("*chat_stream", "chat"), ("*parse", "chat"),
        ("*generate", "completion"), ("*generate_stream", "completion"),
        ("*embed", "embedding"), ("*embed_stream", "embedding"), ("*rerank", "rerank"),
        ("*classify", "embedding"), ("*summarize", "completion"),
        ("audio.transcriptions.create", "audio"),
        ("batches.create", "batch"), ("embed_jobs.create", "batch"),
        ("tokenize", MANAGEMENT), ("detokenize", MANAGEMENT),
    ) + _management("connectors", "datasets", "finetuning", "models"),
    "voyage": _READS + (
        ("embed", "embedding"), ("contextualized_embed", "embedding"), ("multimodal_embed", "embedding"),
        ("video_embed", "embedding"), ("get_embedding*", "embedding"), ("aget_embedding*", "embedding"),
        ("rerank", "rerank"),
    ),
    "groq": _READS + (
        ("chat.completions.create", "chat"), ("embeddings.create", "embedding"), ("audio.*", "audio"),
        ("batches.create", "batch"),
    ) + _management("files", "models"),
    "together": _READS + (
        ("chat.completions.create", "chat"), ("completions.create", "completion"),
        ("embeddings.create", "embedding"), ("images.generate", "image"), ("videos.create", "image"),
        ("audio.speech.create", "audio"), ("audio.transcriptions.create", "audio"), ("audio.translations.create", "audio"),
        ("rerank.create", "rerank"), ("batches.create", "batch"), ("beta.realtime.connect", "realtime"),
    ) + _management("audio", "beta.jig", "clusters", "endpoints", "evals", "files", "fine_tuning", "models",
                    "organization", "post_training", "projects"),
    "azure-ai-inference": _READS + (
        ("complete", "chat"), ("embed", "embedding"), ("get_model_info", MANAGEMENT), ("send_request", MANAGEMENT),
    ),
    "volcengine": (
        ("chat.completions.create", "chat"), ("bot_chat.completions.create", "chat"),
        ("context.completions.create", "chat"), ("batch_chat.completions.create", "chat"),
        ("responses.create", "responses"), ("embeddings.create", "embedding"),
        ("multimodal_embeddings.create", "embedding"), ("images.generate", "image"),
        ("content_generation.tasks.create", "image"),   # video generation
        # batch inference: one request, served from the batch pool (`client.batch.chat.completions.create`)
        ("batch.chat.completions.create", "chat"), ("batch.embeddings.create", "embedding"),
        ("batch.multimodal_embeddings.create", "embedding"),
        ("beta.chat.completions.parse", "chat"), ("post_without_retry", MANAGEMENT),   # a raw-request helper
    ) + _READS + _management(*_RAW, "context", "files", "tokenization"),
    "fireworks": (
        ("chat.completions.create", "chat"), ("completions.create", "completion"), ("messages.create", "chat"),
        ("batch_inference_jobs.create", "batch"),
    ) + _READS + _management(*_RAW, "accounts", "api_keys", "batch_inference_jobs", "datasets", "deployment_shape_versions",
                             "deployment_shapes", "deployments", "dpo_jobs", "evaluation_jobs", "evaluators", "lora",
                             "models", "reinforcement_fine_tuning_jobs", "reinforcement_fine_tuning_steps", "secrets",
                             "supervised_fine_tuning_jobs", "users"),
    "bedrock": (
        ("invoke_model", "chat"), ("invoke_model_with_response_stream", "chat"),
        ("invoke_model_with_bidirectional_stream", "realtime"),
        ("converse", "chat"), ("converse_stream", "chat"), ("start_async_invoke", "batch"),
        ("apply_guardrail", MANAGEMENT), ("invoke_guardrail_checks", MANAGEMENT), ("count_tokens", MANAGEMENT),
        ("get_async_invoke", MANAGEMENT), ("list_async_invokes", MANAGEMENT),
    ),
}


def classify(sdk: str, path: str) -> str | None:
    """The operation of a request method, MANAGEMENT, or None when the kept table does not say."""
    for pattern, category in CLASSIFICATION.get(sdk, ()):
        if fnmatch.fnmatchcase(path, pattern):
            return category
    return None


# ---- reading a package's source ------------------------------------------------------------------

@dataclass
class Module:
    name: str
    tree: ast.Module
    bindings: dict[str, str] = field(default_factory=dict)   # name -> absolute dotted target
    stars: list[str] = field(default_factory=list)            # `from x import *` modules, in order
    defs: dict[str, ast.AST] = field(default_factory=dict)    # top-level classes and functions


@dataclass(frozen=True)
class ClassRef:
    module: Module
    node: ast.ClassDef

    @property
    def key(self) -> str:
        return f"{self.module.name}.{self.node.name}"


@dataclass(frozen=True)
class FuncRef:
    module: Module
    node: ast.FunctionDef | ast.AsyncFunctionDef
    cls: ClassRef | None

    @property
    def key(self) -> str:
        return f"{self.cls.key if self.cls else self.module.name}.{self.node.name}@{self.node.lineno}"


class Package:
    """The source of one installed package, parsed on demand; names resolved through its imports."""

    def __init__(self, distribution: str, package: str):
        dist = importlib.metadata.distribution(distribution)
        self.version = dist.version
        self.package = package
        self.root = Path(str(dist.locate_file(package.replace(".", "/"))))
        if not self.root.is_dir():
            raise SystemExit(f"sdk_tables: {distribution} {self.version} has no folder {package.replace('.', '/')}")
        self._modules: dict[str, Module | None] = {}

    def module(self, name: str) -> Module | None:
        if name in self._modules:
            return self._modules[name]
        self._modules[name] = None
        if name != self.package and not name.startswith(self.package + "."):
            return None
        rel = self.root.joinpath(*name[len(self.package) + 1:].split(".")) if name != self.package else self.root
        path = next((p for p in (rel / "__init__.py", rel.with_suffix(".py")) if p.is_file()), None)
        if path is None:
            return None
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        mod = Module(name, tree)
        is_pkg = path.name == "__init__.py"

        def bind(node: ast.Import | ast.ImportFrom, last_wins: bool) -> None:
            pairs = []
            if isinstance(node, ast.ImportFrom):
                base = _absolute(name, is_pkg, node.module, node.level)
                for alias in node.names:
                    if alias.name == "*":
                        mod.stars.append(base)
                    else:
                        pairs.append((alias.asname or alias.name, f"{base}.{alias.name}"))
            else:
                pairs = [(a.asname, a.name) if a.asname else (a.name.split(".")[0],) * 2 for a in node.names]
            for local, target in pairs:
                if last_wins:
                    mod.bindings[local] = target
                else:
                    mod.bindings.setdefault(local, target)

        # module-level statements (in `if TYPE_CHECKING:` and `try:` too) bind in order, the last wins;
        # imports inside functions (lazy resource properties) fill in the names still free
        top = list(tree.body)
        while top:
            node = top.pop(0)
            if isinstance(node, (ast.If, ast.Try)):
                top[:0] = node.body + getattr(node, "orelse", []) + [s for h in getattr(node, "handlers", []) for s in h.body]
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                bind(node, True)
            elif isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
                mod.defs[node.name] = node
                mod.bindings.pop(node.name, None)
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)) and node.col_offset > 0:
                bind(node, False)
        self._modules[name] = mod
        return mod

    def resolve(self, dotted: str, depth: int = 0) -> ClassRef | FuncRef | Module | None:
        """What an absolute dotted name is: a class, a function or a module of this package."""
        if depth > 12 or not (dotted == self.package or dotted.startswith(self.package + ".")):
            return None
        mod = self.module(dotted)
        if mod is not None:
            return mod
        parent, _, attr = dotted.rpartition(".")
        owner = self.resolve(parent, depth + 1)
        if isinstance(owner, Module):
            return self.lookup(owner, attr, depth + 1)
        if isinstance(owner, ClassRef):
            return self.method(owner, attr)
        return None

    def lookup(self, mod: Module, name: str, depth: int = 0) -> ClassRef | FuncRef | Module | None:
        node = mod.defs.get(name)
        if isinstance(node, ast.ClassDef):
            return ClassRef(mod, node)
        if node is not None:
            return FuncRef(mod, node, None)  # type: ignore[arg-type]
        if name in mod.bindings:
            return self.resolve(mod.bindings[name], depth + 1)
        for star in mod.stars:
            star_mod = self.module(star)
            if star_mod is not None and star_mod is not mod:
                found = self.lookup(star_mod, name, depth + 1)
                if found is not None:
                    return found
        return self.module(f"{mod.name}.{name}")

    def expr(self, mod: Module, node: ast.AST) -> ClassRef | FuncRef | Module | None:
        """What a name or attribute chain in `mod` refers to."""
        if isinstance(node, ast.Constant) and isinstance(node.value, str):  # a string annotation
            try:
                node = ast.parse(node.value, mode="eval").body
            except SyntaxError:
                return None
        if isinstance(node, ast.Subscript):  # Generic[...], Optional[X]
            if isinstance(node.value, (ast.Name, ast.Attribute)) and _text(node.value).split(".")[-1] == "Optional":
                return self.expr(mod, node.slice)
            return self.expr(mod, node.value)
        if isinstance(node, ast.Name):
            return self.lookup(mod, node.id)
        if isinstance(node, ast.Attribute):
            owner = self.expr(mod, node.value)
            if isinstance(owner, Module):
                return self.lookup(owner, node.attr)
            if isinstance(owner, ClassRef):
                return self.method(owner, node.attr)
        return None

    # ---- classes -----------------------------------------------------------------------------
    def mro(self, cls: ClassRef) -> list[ClassRef]:
        out: list[ClassRef] = []
        stack = [cls]
        while stack:
            c = stack.pop(0)
            if any(c.key == o.key for o in out):
                continue
            out.append(c)
            for base in c.node.bases:
                b = self.expr(c.module, base)
                if isinstance(b, ClassRef):
                    stack.append(b)
        return out

    def members(self, cls: ClassRef) -> dict[str, list[tuple[ClassRef, ast.AST]]]:
        """Every name the class (or a base) defines: methods (all overloads) and annotated attributes."""
        out: dict[str, list[tuple[ClassRef, ast.AST]]] = {}
        for c in self.mro(cls):
            for node in c.node.body:
                name = node.name if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) else (
                    node.target.id if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) else None)
                if name is None or (name in out and out[name][0][0].key != c.key):
                    continue
                out.setdefault(name, []).append((c, node))
        return out

    def method(self, cls: ClassRef, name: str) -> FuncRef | None:
        defs = [(c, n) for c, n in self.members(cls).get(name, ()) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
        if not defs:
            return None
        impl = next(((c, n) for c, n in reversed(defs) if not _decorated(n, "overload")), defs[-1])
        return FuncRef(impl[0].module, impl[1], impl[0])  # type: ignore[arg-type]

    def attribute_type(self, cls: ClassRef, attr: str) -> ClassRef | None:
        """The class of `self.<attr>`: a class annotation, or a `self.<attr> = Class(...)` in any method."""
        for c, node in self.members(cls).get(attr, ()):
            if isinstance(node, ast.AnnAssign):
                t = self.expr(c.module, node.annotation)
                if isinstance(t, ClassRef):
                    return t
        for c in self.mro(cls):
            for node in ast.walk(c.node):
                if isinstance(node, ast.Assign) and any(
                        isinstance(t, ast.Attribute) and t.attr == attr and _text(t.value) == "self" for t in node.targets):
                    t = self.value_type(c, node.value)
                    if t is not None:
                        return t
        return None

    def value_type(self, cls: ClassRef | None, node: ast.AST, mod: Module | None = None) -> ClassRef | None:
        mod = mod or (cls.module if cls else None)
        if mod is None:
            return None
        if isinstance(node, ast.Call):
            if _text(node.func).split(".")[-1] == "cast" and node.args:  # typing.cast(T, value)
                t = self.expr(mod, node.args[0])
                return t if isinstance(t, ClassRef) else None
            t = self.expr(mod, node.func)
            return t if isinstance(t, ClassRef) else None
        if isinstance(node, ast.Attribute) and _text(node.value) == "self" and cls is not None:
            return self.attribute_type(cls, node.attr)
        return None

    def resource_type(self, cls: ClassRef, name: str, nodes: list[ast.AST]) -> ClassRef | None:
        """The class a member gives when it is a sub-resource (`client.chat`): a property's or a lazy
        attribute's type."""
        owner, node = nodes[-1]
        if isinstance(node, ast.AnnAssign):
            t = self.expr(owner.module, node.annotation)
            return t if isinstance(t, ClassRef) else None
        if not _is_property(node):
            return None
        if node.returns is not None:
            t = self.expr(owner.module, node.returns)
            if isinstance(t, ClassRef):
                return t
        for ret in ast.walk(node):
            if isinstance(ret, ast.Return) and ret.value is not None:
                t = self.value_type(owner, ret.value)
                if t is not None:
                    return t
        return None


def _absolute(modname: str, is_pkg: bool, target: str | None, level: int) -> str:
    if level == 0:
        return target or ""
    parts = modname.split(".")
    base = parts if is_pkg else parts[:-1]
    base = base[:len(base) - (level - 1)] if level > 1 else base
    return ".".join(base + ([target] if target else []))


def _text(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_text(node.value)}.{node.attr}"
    if isinstance(node, ast.Call):
        return _text(node.func) + "()"
    return "?"


def _decorated(node: ast.AST, name: str) -> bool:
    return any(_text(d.func if isinstance(d, ast.Call) else d).split(".")[-1] == name
               for d in getattr(node, "decorator_list", ()))


def _is_property(node: ast.AST) -> bool:
    return _decorated(node, "property") or _decorated(node, "cached_property")


# ---- which functions issue requests -------------------------------------------------------------

class RequestFinder:
    """Whether a function issues a request, directly or through what it calls (memoised, cycle-safe)."""

    def __init__(self, pkg: Package, spec: SdkSpec):
        self.pkg, self.spec = pkg, spec
        self._memo: dict[str, frozenset[str]] = {}

    def transports(self, fn: FuncRef) -> frozenset[str]:
        """`http` and/or `websocket` when `fn` sends requests; empty when it sends none."""
        key = fn.key
        if key in self._memo:
            return self._memo[key]
        self._memo[key] = frozenset()  # a cycle adds nothing
        found: set[str] = set()
        params = _param_types(fn)
        for call in ast.walk(fn.node):
            if not isinstance(call, ast.Call):
                continue
            if any(fnmatch.fnmatchcase(_text(call.func).rsplit(".", 1)[-1], w) for w in self.spec.websockets):
                found.add("websocket")
            # what is called, and what is handed on to be called (`partial(self._post, …)`); names
            # used as types (`cast_to=ChatCompletion`) are never followed, so type modules stay unread
            for node in [call.func, *(a for a in call.args if _handed_on(a, params))]:
                if isinstance(node, ast.Attribute) and any(("." + _text(node)).endswith(p) for p in self.spec.primitives):
                    found.add("http")
                elif isinstance(node, (ast.Attribute, ast.Name)):
                    for target in self._targets(fn, node, params):
                        found |= self.transports(target)
            if len(found) == 2:
                break
        self._memo[key] = frozenset(found)
        return self._memo[key]

    def _targets(self, fn: FuncRef, node: ast.AST, params: dict[str, ast.AST]) -> list[FuncRef]:
        pkg = self.pkg
        if isinstance(node, ast.Name):
            if node.id in params or node.id in ("self", "cls"):
                return []
            t = pkg.lookup(fn.module, node.id)
            return [t] if isinstance(t, FuncRef) else []
        assert isinstance(node, ast.Attribute)
        base = node.value
        owner: ClassRef | None = None
        if isinstance(base, ast.Name) and base.id in ("self", "cls") and fn.cls is not None:
            owner = fn.cls
        elif isinstance(base, ast.Call) and _text(base.func) == "super" and fn.cls is not None:
            bases = pkg.mro(fn.cls)[1:]
            found = next((m for b in bases if (m := pkg.method(b, node.attr)) is not None), None)
            return [found] if found is not None else []
        elif isinstance(base, ast.Name) and base.id in params:  # `resource: Completions` in a helper function
            t = pkg.expr(fn.module, params[base.id])
            owner = t if isinstance(t, ClassRef) else None
        elif isinstance(base, ast.Attribute) and _text(base.value) == "self" and fn.cls is not None:
            owner = pkg.attribute_type(fn.cls, base.attr)
        elif isinstance(base, (ast.Name, ast.Attribute)):
            t = pkg.expr(fn.module, base)
            if isinstance(t, Module):
                f = pkg.lookup(t, node.attr)
                return [f] if isinstance(f, FuncRef) else []
            owner = t if isinstance(t, ClassRef) else None
        if owner is None:
            return []
        m = pkg.method(owner, node.attr)
        return [m] if m is not None and not _is_property(m.node) else []


def _handed_on(arg: ast.AST, params: dict[str, ast.AST]) -> bool:
    """An argument that is a method of the instance or of a parameter (`partial(self._post, …)`,
    `to_thread(resource.create, …)`): the callee may call it."""
    return isinstance(arg, ast.Attribute) and isinstance(arg.value, ast.Name) and (
        arg.value.id in ("self", "cls") or arg.value.id in params)


def _param_types(fn: FuncRef) -> dict[str, ast.AST]:
    """Annotated parameters (a helper function's `self: Runs` too; a method's own `self` is its class)."""
    args = fn.node.args
    return {a.arg: a.annotation for a in args.posonlyargs + args.args + args.kwonlyargs
            if a.annotation is not None and (fn.cls is None or a.arg not in ("self", "cls"))}


# ---- walking a client --------------------------------------------------------------------------------
_NOT_RESOURCES = frozenset({"with_raw_response", "with_streaming_response", "with_options", "copy", "qs",
                            "auth_headers", "default_headers", "default_query", "platform_headers", "custom_auth"})
_MAX_DEPTH = 6


def walk_client(pkg: Package, finder: RequestFinder, where: str) -> dict[str, dict]:
    """Request methods reachable from a client class (or module), by path, with what they take."""
    modname, _, clsname = where.partition(":")
    mod = pkg.module(modname)
    if mod is None:
        raise SystemExit(f"sdk_tables: no module {modname} in {pkg.package} {pkg.version}")
    out: dict[str, dict] = {}
    if not clsname:
        for name, node in mod.defs.items():
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and not name.startswith("_"):
                _record(out, name, FuncRef(mod, node, None), finder)
        for name in mod.bindings:
            target = pkg.lookup(mod, name)
            if isinstance(target, FuncRef) and not name.startswith("_") and name not in out:
                _record(out, name, target, finder)
        return out
    cls = pkg.lookup(mod, clsname)
    if not isinstance(cls, ClassRef):
        raise SystemExit(f"sdk_tables: no class {where} in {pkg.package} {pkg.version}")
    _walk(pkg, finder, cls, (), out, (cls.key,))
    return out


def _walk(pkg: Package, finder: RequestFinder, cls: ClassRef, path: tuple[str, ...], out: dict, seen: tuple[str, ...]) -> None:
    for name, nodes in sorted(pkg.members(cls).items()):
        if name.startswith("_") or name in _NOT_RESOURCES:
            continue
        sub = pkg.resource_type(cls, name, nodes)
        if sub is not None:
            if sub.key not in seen and len(path) < _MAX_DEPTH:
                _walk(pkg, finder, sub, path + (name,), out, seen + (sub.key,))
            continue
        fn = pkg.method(cls, name)
        if fn is not None and not _is_property(fn.node) and not _decorated(fn.node, "staticmethod"):
            overloads = [n for c, n in nodes if c.key == fn.cls.key and isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]  # type: ignore[union-attr]
            _record(out, ".".join(path + (name,)), fn, finder, overloads)


def _record(out: dict, path: str, fn: FuncRef, finder: RequestFinder, overloads: list[ast.AST] | None = None) -> None:
    """Note a request method: async or not, its positional parameters (of the implementation) and every
    keyword any of its overloads takes, whether it streams, and its transport when not plain HTTP."""
    transports = finder.transports(fn)
    if not transports:
        return
    args = fn.node.args
    positional = [a.arg for a in args.posonlyargs + args.args if a.arg not in ("self", "cls")]
    params: dict[str, None] = {}
    for node in [fn.node] + (overloads or []):
        a = node.args  # type: ignore[attr-defined]
        params.update((p.arg, None) for p in a.posonlyargs + a.args + a.kwonlyargs if p.arg not in ("self", "cls"))
    name = path.rsplit(".", 1)[-1]
    entry: dict = {"async": isinstance(fn.node, ast.AsyncFunctionDef), "positional": positional, "params": list(params),
                   # a streaming helper (`stream`, `chat_stream`), a `stream=` flag decided at run time, or neither
                   "stream": True if "stream" in name else None if "stream" in params else False}
    if transports == {"websocket"}:
        entry["transport"] = "websocket"
    out[path] = entry


# ---- Bedrock: botocore's service model -----------------------------------------------------------------

def bedrock_operations() -> tuple[str, dict[str, dict]]:
    """Operations of botocore's newest `bedrock-runtime` model: python name → what it takes."""
    dist = importlib.metadata.distribution(BEDROCK[1])
    folder = Path(str(dist.locate_file(f"botocore/data/{BEDROCK[2]}")))
    newest = max(p for p in folder.iterdir() if p.is_dir())
    model_file = next(p for p in (newest / "service-2.json", newest / "service-2.json.gz") if p.exists())
    raw = model_file.read_bytes()
    model = json.loads(gzip.decompress(raw) if model_file.suffix == ".gz" else raw)
    shapes = model["shapes"]
    out = {}
    for name, op in model["operations"].items():
        members = list(shapes.get(op.get("input", {}).get("shape", ""), {}).get("members", {}))
        output = shapes.get(op.get("output", {}).get("shape", ""), {})
        streams = any(shapes.get(m["shape"], {}).get("eventstream") for m in output.get("members", {}).values())
        out[_snake(name)] = {"async": False, "positional": [], "params": members, "stream": streams}
    return dist.version, out


def _snake(name: str) -> str:
    """botocore's `xform_name` for operation names (`InvokeModelWithResponseStream` → `invoke_model_with_response_stream`)."""
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


# ---- the data file -------------------------------------------------------------------------------------

def sdk_section(sdk: str, unclassified: list[str]) -> dict:
    """One SDK's part of the data, from the installed package (methods the kept table does not
    classify are appended to `unclassified`).

    `requests`: each model-invoking method by path with its operation and signature (the same path on
    several clients has one signature); `management`: the request methods that are not call sites;
    `clients`: for each client the model-invoking paths it has, true where the method is `async def`,
    and where the class is defined when that is another module."""
    if sdk == BEDROCK[0]:
        version, ops = bedrock_operations()
        return _classified(sdk, BEDROCK[1], version, {f"boto3.client('{BEDROCK[2]}')": ops}, {}, unclassified)
    spec = next(s for s in SPECS if s.sdk == sdk)
    pkg = Package(spec.distribution, spec.package)
    finder = RequestFinder(pkg, spec)
    found = {public: walk_client(pkg, finder, where) for public, where in spec.clients.items()}
    defined = {public: where.replace(":", ".").rstrip(".") for public, where in spec.clients.items()}
    return _classified(sdk, spec.distribution, pkg.version, found, defined, unclassified)


def generate() -> tuple[dict, list[str]]:
    """The data and the request methods the kept table does not classify."""
    unclassified: list[str] = []
    sdks = {sdk: sdk_section(sdk, unclassified) for sdk in [s.sdk for s in SPECS] + [BEDROCK[0]]}
    return {"_comment": "Generated by scripts/sdk_tables.py from the SDK versions named here; do not edit.",
            "sdks": sdks}, unclassified


def _classified(sdk: str, distribution: str, version: str, found: dict[str, dict[str, dict]],
                defined: dict[str, str], unclassified: list[str]) -> dict:
    requests: dict[str, dict] = {}
    management: set[str] = set()
    clients: dict[str, dict] = {}
    for client, methods in found.items():
        paths: dict[str, bool] = {}
        for path, entry in sorted(methods.items()):
            category = classify(sdk, path)
            if category is None:
                unclassified.append(f"{sdk}: {client}.{path}")
            elif category == MANAGEMENT:
                management.add(path)
            else:
                paths[path] = entry["async"]
                signature = {k: v for k, v in entry.items() if k != "async"}
                known = requests.setdefault(path, {"operation": category, **signature})
                known["params"] = list(dict.fromkeys(known["params"] + signature["params"]))
        clients[client] = {"requests": paths}
        if defined.get(client, client) != client:
            clients[client]["defined_in"] = defined[client]
    return {"distribution": distribution, "version": version, "requests": requests,
            "management": sorted(management), "clients": clients}


def dump(data: dict) -> str:
    """JSON with one line per method and per client, so an SDK update reads as a short diff."""
    lines = ["{", f' "_comment": {json.dumps(data["_comment"])},', ' "sdks": {']
    sdk_items = list(data["sdks"].items())
    for i, (sdk, v) in enumerate(sdk_items):
        lines.append(f"  {json.dumps(sdk)}: {{")
        lines.append(f'   "distribution": {json.dumps(v["distribution"])}, "version": {json.dumps(v["version"])},')
        for key in ("requests", "clients"):
            lines.append(f"   {json.dumps(key)}: {{")
            items = sorted(v[key].items())
            lines += [f"    {json.dumps(k)}: {json.dumps(e, sort_keys=True)}{',' if j < len(items) - 1 else ''}"
                      for j, (k, e) in enumerate(items)]
            lines.append("   },")
        lines.append(f'   "management": {json.dumps(v["management"])}')
        lines.append("  }" + ("," if i < len(sdk_items) - 1 else ""))
    lines += [" }", "}"]
    return "\n".join(lines) + "\n"


def pins() -> dict[str, str]:
    """The `sdk-tables` extra of pyproject.toml: distribution → pinned version."""
    extra = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["optional-dependencies"]
    return dict(req.split("==", 1) for req in extra["sdk-tables"])


def unpinned() -> list[str]:
    """Installed SDKs whose version is not the pin (or that are missing), as `name installed≠pin` lines."""
    out = []
    for name, version in pins().items():
        try:
            installed = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            installed = "missing"
        if installed != version:
            out.append(f"{name} {installed} (pinned {version})")
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="compare with the data file instead of writing it")
    ap.add_argument("--pins", action="store_true", help="print the pinned SDKs as pip requirements")
    args = ap.parse_args(argv)
    if args.pins:
        print(" ".join(f"{name}=={version}" for name, version in pins().items()))
        return 0
    wrong = unpinned()
    if wrong:
        print("sdk_tables: install the pinned SDKs first (pip install $(python scripts/sdk_tables.py --pins)): "
              + ", ".join(wrong), file=sys.stderr)
        return 2
    data, unclassified = generate()
    if unclassified:
        print("sdk_tables: request methods the kept table (CLASSIFICATION in scripts/sdk_tables.py) does not "
              "classify; add a pattern for each:\n  " + "\n  ".join(unclassified), file=sys.stderr)
        return 1
    text = dump(data)
    if args.check:
        same = DATA.is_file() and DATA.read_text(encoding="utf-8") == text
        print("sdk_tables: data matches the installed SDKs" if same else
              f"sdk_tables: {DATA.relative_to(ROOT)} differs from the installed SDKs; rerun without --check")
        return 0 if same else 1
    DATA.write_text(text, encoding="utf-8")
    counts = ", ".join(f"{s} {v['version']}: {len(v['requests'])}" for s, v in data["sdks"].items())
    print(f"sdk_tables: wrote {DATA.relative_to(ROOT)} (model-invoking methods per SDK: {counts})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
