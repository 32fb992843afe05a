"""Which price-data row a call's model is: the name as the code writes it, tried with the provider prefix
its SDK, client class or host implies. One lookup for the rules (LLM005, LLM009…) and the estimates, so
a site the rules know is also priced; and, for a site it cannot price, the one-line reason why (a model
the user serves has no per-token price, a retired model has left the price data, …)."""
from __future__ import annotations

import dataclasses
import ipaddress
import re
from urllib.parse import urlparse

from llmsight.analysis import sdks
from llmsight.knowledge.catalog import call_kind
from llmsight.records import CallSite

_SDK_PREFIXES = {"groq": "groq", "together": "together_ai", "mistral": "mistral", "google": "gemini",
                 "ollama": "ollama", "voyage": "voyage", "azure-ai-inference": "azure_ai", "vertexai": "vertex_ai",
                 "xai": "xai", "watsonx": "watsonx", "oci": "oci", "cohere": "cohere", "bedrock": "bedrock",
                 "typesafe": "typesafe", "elevenlabs": "elevenlabs", "huggingface": "huggingface", "pinecone": "pinecone",
                 "qianfan": "qianfan", "aurelio": "aurelio", "dashscope": "dashscope", "volcengine": "volcengine",
                 "replicate": "replicate", "fireworks": "fireworks_ai"}
# routes that serve other providers' models at those providers' prices (OpenRouter; Azure AI Foundry's
# model inference endpoint, which serves OpenAI's, Mistral's, Meta's… models as deployed)
_ROUTERS = frozenset({"openrouter", "azure_ai"})
# the one host -> provider table: the price-data prefix of the provider a base URL or request URL reaches
# (a host or any subdomain of it)
HOST_PROVIDERS = {
    "api.openai.com": "openai", "openai.azure.com": "azure", "cognitiveservices.azure.com": "azure",
    "services.ai.azure.com": "azure_ai", "api.anthropic.com": "anthropic",
    "generativelanguage.googleapis.com": "gemini", "api.cohere.ai": "cohere", "api.cohere.com": "cohere",
    "api.mistral.ai": "mistral", "api.voyageai.com": "voyage", "openrouter.ai": "openrouter",
    "api.deepseek.com": "deepseek", "api.perplexity.ai": "perplexity", "api.fireworks.ai": "fireworks_ai",
    "api.together.xyz": "together_ai", "api.together.ai": "together_ai", "api.groq.com": "groq", "api.x.ai": "xai",
    "api.cerebras.ai": "cerebras", "dashscope.aliyuncs.com": "dashscope", "dashscope-intl.aliyuncs.com": "dashscope",
    "integrate.api.nvidia.com": "nvidia_nim", "api.jina.ai": "jina_ai", "api.typesafe.ai": "typesafe",
    "open.bigmodel.cn": "bigmodel", "api.z.ai": "zai", "api.moonshot.cn": "moonshot", "api.moonshot.ai": "moonshot",
    "ark.cn-beijing.volces.com": "volcengine", "api.deepinfra.com": "deepinfra", "api.novita.ai": "novita",
    "api.hyperbolic.xyz": "hyperbolic", "api.sambanova.ai": "sambanova", "api.lambda.ai": "lambda_ai",
    "api.lambdalabs.com": "lambda_ai", "api.studio.nebius.ai": "nebius", "api.studio.nebius.com": "nebius",
    "api.featherless.ai": "featherless_ai", "api.friendli.ai": "friendliai", "api.ai21.com": "ai21",
    "api.minimax.io": "minimax", "api.minimaxi.com": "minimax", "api.llama.com": "meta_llama",
    "router.huggingface.co": "huggingface", "api-inference.huggingface.co": "huggingface",
}
# SDKs and client classes whose own provider's rows are bare names: the route of a client pointed at a
# host the table does not know (a gateway forwards the provider's own models at its price; any other
# provider's model there has no price llmsight can know)
_OWN_ROWS_OF_SDK = {"openai": "openai", "anthropic": "anthropic"}
_OWN_ROWS_OF_CLASS = {"ChatOpenAI": "openai", "OpenAIEmbeddings": "openai", "ChatAnthropic": "anthropic"}
# client classes (LangChain's and the SDKs') that say which provider serves the model
_CLASS_PREFIXES = {
    "ChatGroq": "groq", "ChatMistralAI": "mistral", "MistralAIEmbeddings": "mistral", "VoyageEmbeddings": "voyage",
    "VoyageAIEmbeddings": "voyage", "ChatGoogleGenerativeAI": "gemini", "GoogleGenerativeAIEmbeddings": "gemini",
    "ChatVertexAI": "vertex_ai", "VertexAIEmbeddings": "vertex_ai", "ChatAnthropicVertex": "vertex_ai",
    "ChatTogether": "together_ai", "TogetherEmbeddings": "together_ai", "ChatFireworks": "fireworks_ai",
    "FireworksEmbeddings": "fireworks_ai", "ChatDeepSeek": "deepseek", "ChatXAI": "xai", "ChatPerplexity": "perplexity",
    "ChatBedrock": "bedrock", "ChatBedrockConverse": "bedrock", "BedrockChat": "bedrock", "BedrockEmbeddings": "bedrock",
    "ChatCerebras": "cerebras", "ChatNVIDIA": "nvidia_nim", "NVIDIAEmbeddings": "nvidia_nim", "ZhipuAI": "bigmodel",
    "ChatCohere": "cohere", "CohereEmbeddings": "cohere", "BedrockClient": "bedrock", "BedrockClientV2": "bedrock",
    # DashScope (Qwen), Moonshot and Replicate through LangChain and LlamaIndex
    **dict.fromkeys(("ChatTongyi", "Tongyi", "DashScopeEmbeddings", "DashScope", "DashScopeEmbedding"), "dashscope"),
    "MoonshotChat": "moonshot", "ChatMoonshot": "moonshot", "Replicate": "replicate",
    # the anthropic package's clients of Claude on Vertex AI and Amazon Bedrock (`claude-…@2025…`, `anthropic.claude-…`)
    **{f"{aio}Anthropic{cloud}": route for aio in ("", "Async") for cloud, route in (("Vertex", "vertex_ai"),
                                                                                     ("Bedrock", "bedrock"))},
    # LlamaIndex's provider classes
    "MistralAI": "mistral", "MistralAIEmbedding": "mistral", "Gemini": "gemini", "GeminiEmbedding": "gemini",
    "GoogleGenAI": "gemini", "GoogleGenAIEmbedding": "gemini", "Vertex": "vertex_ai", "TogetherLLM": "together_ai",
    "Fireworks": "fireworks_ai", "DeepSeek": "deepseek", "OpenRouter": "openrouter", "Perplexity": "perplexity",
    "BedrockConverse": "bedrock", "BedrockEmbedding": "bedrock", "CohereEmbedding": "cohere",
    "VoyageEmbedding": "voyage",
    # Haystack's provider components: `MistralChatGenerator`, `CohereTextEmbedder`, `JinaRanker`…
    **{f"{provider}{kind}": route for provider, route in (
        ("Mistral", "mistral"), ("Cohere", "cohere"), ("GoogleAIGemini", "gemini"), ("GoogleGenAI", "gemini"),
        ("VertexAIGemini", "vertex_ai"), ("AnthropicVertex", "vertex_ai"), ("AmazonBedrock", "bedrock"),
        ("Nvidia", "nvidia_nim"), ("Jina", "jina_ai"), ("OpenRouter", "openrouter"), ("Together", "together_ai"),
        ("MetaLlama", "meta_llama"), ("Voyage", "voyage"), ("Watsonx", "watsonx"), ("HuggingFaceAPI", "huggingface"))
       for kind in ("ChatGenerator", "Generator", "TextEmbedder", "DocumentEmbedder", "Ranker")},
}
# litellm provider prefixes that always mean a model served by the user (no catalog entry expected)
SELF_HOSTED_PREFIXES = frozenset({"ollama", "ollama_chat", "hosted_vllm", "vllm", "lm_studio", "llamafile",
                                  "xinference", "openai_like", "custom_openai", "triton", "oobabooga",
                                  "petals", "huggingface_local"})
# LangChain classes (and similar) that talk to a local model server
SELF_HOSTED_CLASSES = ("ChatOllama", "Ollama", "OllamaLLM", "LlamaCpp", "HuggingFacePipeline", "VLLM",
                       "ChatLlamaCpp", "OllamaEmbeddings")
# SDKs of servers the user runs: Ollama, a TGI server, Xinference
_SELF_HOSTED_SDKS = {"ollama": "an Ollama model", "tgi": "a model on the user's TGI server",
                     "xinference": "a model the user launched on Xinference"}


AZURE_CLASSES = ("AzureOpenAI", "AsyncAzureOpenAI", "AzureChatOpenAI")

# `provider:model` names (pydantic-ai's `Agent("openai:gpt-4o")`, LangChain's `init_chat_model("anthropic:…")`):
# the price-data prefix of the provider before the colon
_COLON_PROVIDERS = {
    **dict.fromkeys(("openai", "openai-chat", "openai-responses"), "openai"), "anthropic": "anthropic",
    **dict.fromkeys(("google-gla", "google", "google_genai", "gemini"), "gemini"),
    **dict.fromkeys(("google-vertex", "google-cloud", "google_vertexai", "vertexai"), "vertex_ai"),
    "groq": "groq", **dict.fromkeys(("mistral", "mistralai"), "mistral"), "cohere": "cohere",
    **dict.fromkeys(("bedrock", "bedrock_converse"), "bedrock"), "deepseek": "deepseek",
    **dict.fromkeys(("grok", "xai"), "xai"), "openrouter": "openrouter", "together": "together_ai",
    "fireworks": "fireworks_ai", "cerebras": "cerebras", "huggingface": "huggingface", "ollama": "ollama",
    **dict.fromkeys(("azure", "azure_openai"), "azure"), "perplexity": "perplexity"}


def colon_route(model: str) -> tuple[str | None, str]:
    """(price-data prefix, model name) of a `provider:model` name; (None, model) for any other name (a
    Bedrock id's `…-v1:0` or Ollama's `llama3:8b` keep their colon)."""
    provider, colon, name = model.partition(":")
    route = _COLON_PROVIDERS.get(provider) if colon and name else None
    return (route, name) if route else (None, model)


def compatible_api(site: CallSite) -> str | None:
    """The SDK whose API a raw HTTP request's path is (`…/chat/completions`: OpenAI's, `…/v1/messages`:
    Anthropic's): to a host the table does not know, it is priced as that SDK pointed there is."""
    path = (site.endpoint or "").split("?", 1)[0].rstrip("/") if site.sdk == "http" else ""
    return next((api for suffix, api, _op in sdks.HTTP_PATH_SUFFIXES if path.endswith(suffix)), None)


def client_class(site: CallSite) -> str:
    return (site.client_expr or "").split("(", 1)[0].rsplit(".", 1)[-1]


def catalog_entry(catalog, site: CallSite, model: str):
    """The catalog entry for the call's model, trying the provider prefix its SDK or host implies
    (`groq.Groq()` with `openai/gpt-oss-120b` is `groq/openai/gpt-oss-120b`); a batch creation is priced
    at the row's batch rates where the price data has them."""
    info = _named_entry(catalog, site, model)
    return _at_batch_rates(info) if info is not None and site.operation == "batch" else info


_BATCH = "_batches"


def _at_batch_rates(info):
    """The row with each `<rate>_batches` of the price data in place of `<rate>` (OpenAI's and Anthropic's
    Batch APIs bill half the standard rates; litellm's map holds them); unchanged where it has none."""
    batch = {k[:-len(_BATCH)]: v for k, v in info.raw.items() if k.endswith(_BATCH)}
    if not batch:
        return info
    raw = {k: v for k, v in info.raw.items() if not k.endswith(_BATCH)}
    raw.update(batch)
    rates = {f: batch[f] for f in ("input_cost_per_token", "output_cost_per_token", "cache_read_input_token_cost",
                                   "cache_creation_input_token_cost") if isinstance(batch.get(f), (int, float))}
    return dataclasses.replace(info, raw=raw, via=f"{info.via}, batch rates" if info.via else "batch rates", **rates)


def _named_entry(catalog, site: CallSite, model: str):
    route, model = colon_route(model)
    kind = call_kind(site.operation)
    if route is not None:   # the name says which provider serves it
        return _lookup(catalog, [route], (model,), None, kind)
    prefixes = [_SDK_PREFIXES.get(site.sdk), _CLASS_PREFIXES.get(client_class(site))]
    if client_class(site).startswith(AZURE_CLASSES):
        prefixes.append("azure")
    if site.sdk == "google" and "vertex" in (site.client_expr or "").lower():
        prefixes = ["vertex_ai"]   # genai.Client(vertexai=True), vertexai.GenerativeModel
    elif site.sdk == "google":
        prefixes.append("palm")    # the Gemini API served the PaLM models too (`models/text-bison-001`)
    host = _host(site)
    prefixes += [host_provider(host)]
    unknown_host = _unknown_host(site)
    if unknown_host:   # the client's own provider, and one the model's own prefix names (`anthropic/claude-…`)
        prefixes += [_OWN_ROWS_OF_SDK.get(site.sdk) or _OWN_ROWS_OF_SDK.get(compatible_api(site)),
                     _OWN_ROWS_OF_CLASS.get(client_class(site)), model.split("/", 1)[0] if "/" in model else None]
    # google-genai and the Gemini REST API take `models/gemini-2.0-flash` as well as the bare name
    names = (model, model[len("models/"):]) if model.startswith("models/") else (model,)
    if site.sdk == "fireworks" and "/" not in model:   # `LLM("llama-v3p1-8b-instruct")` sends Fireworks' own model
        names += (f"accounts/fireworks/models/{model}",)
    return _lookup(catalog, [p for p in prefixes if p], names, unknown_host, kind)


def _lookup(catalog, routes: list[str], names: tuple[str, ...], unknown_host: str | None, kind: str | None):
    """The first row of a name tried with each route's prefix, then bare, that the routes' providers serve:
    the installed price data first; a model it no longer lists is priced at its last listed row. A row of
    the site's kind first (litellm's last listed `gemini/gemini-1.5-flash` is an embedding row: a chat
    request is priced from the chat row of the same model); a row of another kind only when the name has
    none of the site's kind, as a method that serves every kind (Bedrock's `invoke_model` of an embedding
    model, `generate_content` of an image model) sends what the model does."""
    for wanted in dict.fromkeys((kind, None)):
        for last_listed in (False, True):
            for name in names:
                tries = [f"{p}/{name}" for p in routes if not name.startswith(p + "/")] + [name]
                for tried in tries:
                    info = catalog.lookup(tried, last_listed)
                    if info is not None and _served_by(info, routes, unknown_host) \
                            and _prices_kind(catalog, info, wanted):
                        return info
    return None


def _prices_kind(catalog, info, kind: str | None) -> bool:
    """Whether the row prices calls of the kind (`call_kind`): a row of another mode does not; an unstated
    mode, the project's own mapping or price row, or `kind=None` (any row) does."""
    return kind is None or not info.mode or info.via == "config.models" or info.name in catalog.overridden \
        or call_kind(info.mode) == kind


def _host(site: CallSite) -> str:
    return ((urlparse(site.endpoint).hostname or "") if site.endpoint and "://" in site.endpoint else "").lower()


def host_provider(host: str) -> str | None:
    """The price-data prefix of the provider a host serves (HOST_PROVIDERS), else None."""
    return next((p for h, p in HOST_PROVIDERS.items() if host == h or host.endswith("." + h)), None)


def _unknown_host(site: CallSite) -> str | None:
    """The site's host when it is a public one no provider of the table serves (a gateway, a provider the
    price data does not know), else None."""
    host = _host(site)
    return host if host and "{" not in host and host_provider(host) is None and not _local_host(site.endpoint or "") \
        else None


def _served_by(info, routes: list[str], strict: bool | str | None = False) -> bool:
    """Whether the row is the price of the provider the call reaches: when the SDK, client class or host
    names the provider, another provider's row for the same name never prices the call (a router such as
    OpenRouter serves every provider's models); `strict`, on a host no provider is known for, no row
    prices it unless a route names its provider. The project's own mapping or price row always does."""
    from llmsight.knowledge.recommend import provider_family

    provider = info.provider
    if info.via == "config.models" or not provider:
        return True
    if not routes or _ROUTERS.intersection(routes):
        return not (strict and not routes)
    return any(provider == r or provider.startswith((r + "_", r + "-")) or provider_family(provider) == provider_family(r)
               for r in routes)


def _local_host(url: str) -> str | None:
    """The host of a URL on the user's machine or network (localhost, a private address, a bare service
    name such as `ollama:11434` in docker-compose), else None."""
    if not url or "://" not in url:
        return None
    host = (urlparse(url).hostname or "").lower()
    if not host or "{" in host:
        return None
    if host == "localhost" or host.endswith((".local", ".internal", ".localhost")) or "." not in host:
        return host
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return None
    return host if address.is_private or address.is_loopback or address.is_unspecified else None


def self_hosted(site: CallSite, model: str | None) -> str | None:
    """What makes the site's model one the user serves (no per-token price), or None."""
    if site.sdk in _SELF_HOSTED_SDKS:
        return _SELF_HOSTED_SDKS[site.sdk]
    route = colon_route(model)[0] if model else None   # `ollama:llama3.2`
    prefix = route or (model.split("/", 1)[0] if model and "/" in model else "")
    if prefix in SELF_HOSTED_PREFIXES:
        return f"a `{prefix}/` model"
    if client_class(site) in SELF_HOSTED_CLASSES:
        return f"a {client_class(site)} model"
    if model == "tgi":   # TGI's OpenAI-compatible Messages API takes this fixed name
        return "a model on the user's TGI server"
    host = _local_host(site.endpoint or "")
    return f"served at {host}" if host else None


def price_entry(catalog, site: CallSite, model: str):
    """The row that prices the call (`catalog_entry`), none for a model the user serves whose row lists no
    token price: litellm's $0 `ollama/…` rows say nothing of what serving it costs, so the site reads
    "self-hosted", not free. A priced row (a provider's model behind a local proxy) or the user's own
    mapping still prices it."""
    info = catalog_entry(catalog, site, model)
    if info is None or info.via == "config.models" or info.input_cost_per_token or info.output_cost_per_token:
        return info
    return None if self_hosted(site, model) else info


def unpriced_reason(catalog, site: CallSite, model: str, info) -> str:
    """Why the site's resolved model has no price: a model the user serves, a row billed by some other
    unit than tokens, one retired from service (and so from the price data), or a name the price data
    does not hold. `info` is the caller's `price_entry` row (None when none): past the self-hosted case
    it is the `catalog_entry` row."""
    from llmsight.knowledge.catalog import REPLICATE_VERSION, billing_units, no_token_price
    from llmsight.knowledge.models import deprecation

    served = self_hosted(site, model)
    if served:
        return f"self-hosted: no per-token price ({served} `{model}`)"
    host = _host(site)
    if client_class(site).startswith(AZURE_CLASSES) or host.endswith(".openai.azure.com") \
            or site.sdk == "azure-ai-inference":
        return (f"`{model}` names an Azure deployment, not a model: map it to the model it serves under "
                f"[tool.llmsight.models] (\"{model}\" = \"<model>\")")
    if info is not None and not info.has_token_prices:
        return f"{no_token_price(info.name, billing_units(info.raw))}; add its token prices with `prices`"
    if site.sdk == "replicate" and re.fullmatch(REPLICATE_VERSION, model):
        return (f"`{model}` is a Replicate version id, which names a build, not a model: map it to its model under "
                f"[tool.llmsight.models] (\"{model}\" = \"replicate/<owner>/<name>\")")
    unknown_host = _unknown_host(site)
    if unknown_host and info is None:
        return (f"`{model}` is sent to {unknown_host}, a host the price data names no provider for: map it to the "
                f"model it serves under [tool.llmsight.models] (\"{model}\" = \"<model>\") or add its price with "
                f"`prices`")
    retired = deprecation(model)
    if retired is not None and retired.date is not None and retired.passed():
        successor = f"; its successor is {retired.successor}" if retired.successor else ""
        return f"model {model!r} retired on {retired.date.isoformat()}, so the price data no longer lists it{successor}"
    return f"model {model!r} not in the price data ({catalog.price_data})"
