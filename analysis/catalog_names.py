"""Which price-data row a call's model is: the name as the code writes it, tried with the provider prefix
its SDK, client class or host implies. One lookup for the rules (LLM005, LLM009…) and the estimates, so
a site the rules know is also priced."""
from __future__ import annotations

from urllib.parse import urlparse

from llmsight.records import CallSite

_SDK_PREFIXES = {"groq": "groq", "together": "together_ai", "mistral": "mistral", "google": "gemini",
                 "ollama": "ollama", "voyage": "voyage", "azure-ai-inference": "azure_ai"}
_HOST_PREFIXES = {"openai.azure.com": "azure", "openrouter.ai": "openrouter", "api.deepseek.com": "deepseek",
                  "api.perplexity.ai": "perplexity",
                  "api.fireworks.ai": "fireworks_ai", "api.together.xyz": "together_ai",
                  "api.together.ai": "together_ai", "api.groq.com": "groq", "api.mistral.ai": "mistral",
                  "api.x.ai": "xai"}


AZURE_CLASSES = ("AzureOpenAI", "AsyncAzureOpenAI", "AzureChatOpenAI")


def client_class(site: CallSite) -> str:
    return (site.client_expr or "").split("(", 1)[0].rsplit(".", 1)[-1]


def catalog_entry(catalog, site: CallSite, model: str):
    """The catalog entry for the call's model, trying the provider prefix its SDK or host implies
    (`groq.Groq()` with `openai/gpt-oss-120b` is `groq/openai/gpt-oss-120b`)."""
    prefixes = [_SDK_PREFIXES.get(site.sdk)]
    if client_class(site).startswith(AZURE_CLASSES):
        prefixes.append("azure")
    if site.sdk == "google" and "vertex" in (site.client_expr or "").lower():
        prefixes = ["vertex_ai"]   # genai.Client(vertexai=True), vertexai.GenerativeModel
    host = (urlparse(site.endpoint).hostname or "") if site.endpoint and "://" in site.endpoint else ""
    prefixes += [p for h, p in _HOST_PREFIXES.items() if host == h or host.endswith("." + h)]
    # google-genai and the Gemini REST API take `models/gemini-2.0-flash` as well as the bare name
    names = (model, model[len("models/"):]) if model.startswith("models/") else (model,)
    for name in names:
        for prefix in prefixes:
            if prefix and not name.startswith(prefix + "/"):
                info = catalog.lookup(f"{prefix}/{name}")
                if info is not None:
                    return info
        info = catalog.lookup(name)
        if info is not None:
            return info
    return None
