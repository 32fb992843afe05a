"""Which models llmsight may recommend for a call site: one rule for every face that names another model
(LLM003's fallback, LLM012, LLM016, `api.model_alternatives` behind the explorer, the report and the
language server's "switch model" action).

A model may be recommended for a site when it is
- allowed: named in `allowed_models`, or served by a provider in `allowed_providers`, when those are set;
- lasting: not deprecated, and not retiring within `deprecation_window_days` (advice that LLM008 would
  flag on the next run is no advice);
- of the same operation kind: the catalog's mode of the site's model (an embedding stays an embedding);
- callable by the site's client: same provider, unless the call goes through a layer that routes to any
  provider (litellm, OpenRouter, LangChain `init_chat_model`). A model of another provider is still
  shown, as needing a client change, and a fix that writes it is never applied automatically.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable

from llmsight.knowledge.catalog import Catalog, ModelInfo

if TYPE_CHECKING:
    from llmsight.config import Config
    from llmsight.records import CallSite

# the catalog's providers as people name them (litellm splits Google and Bedrock by API)
_FAMILIES = {"vertex_ai": "google", "gemini": "google", "cohere_chat": "cohere", "text-completion-openai": "openai",
             "azure": "openai", "azure_ai": "azure-ai", "bedrock_converse": "bedrock"}
_FAMILY_NAMES = {"openai": "OpenAI", "anthropic": "Anthropic", "google": "Google", "bedrock": "Bedrock",
                 "cohere": "Cohere", "mistral": "Mistral", "groq": "Groq", "together_ai": "Together AI",
                 "voyage": "Voyage AI", "deepseek": "DeepSeek", "xai": "xAI"}
# the provider an SDK's client reaches when the catalog does not know the site's model
_SDK_FAMILIES = {"openai": "openai", "anthropic": "anthropic", "google": "google", "bedrock": "bedrock",
                 "cohere": "cohere", "mistral": "mistral", "groq": "groq", "together": "together_ai",
                 "voyage": "voyage"}
# operations whose catalog mode a candidate must share; `completion`/`responses` requests use chat models
_OPERATION_MODES = {"chat": "chat", "completion": "chat", "responses": "chat", "embedding": "embedding"}


@dataclass(frozen=True)
class Verdict:
    """What the recommender says of one model for one site."""

    model: str
    refused: str | None = None              # why it is never recommended here (None: it may be)
    client_change: str | None = None        # why the site's client cannot send it as is (shown, never applied)

    @property
    def allowed(self) -> bool:
        return self.refused is None


def current_date() -> datetime.date:
    """The date retirements are compared with (tests replace it)."""
    return datetime.date.today()


def provider_family(provider: str | None) -> str | None:
    """`vertex_ai-language-models` and `gemini` are both Google; `azure` serves OpenAI's models."""
    if not provider:
        return None
    head = provider.split("-", 1)[0]
    return _FAMILIES.get(provider) or _FAMILIES.get(head) or head


def provider_label(family: str | None) -> str:
    return _FAMILY_NAMES.get(family or "", family or "another provider")


def routes_any_provider(site: "CallSite") -> str | None:
    """The multi-provider layer the call goes through (the model name alone picks the provider), if any."""
    if site.sdk == "litellm":
        return "litellm"
    if "openrouter.ai" in (site.endpoint or ""):
        return "OpenRouter"
    if site.sdk == "langchain" and "init_chat_model" in (site.client_expr or ""):
        return "LangChain init_chat_model"
    return None


def site_model_info(site: "CallSite", catalog: Catalog) -> ModelInfo | None:
    model = site.model.value
    return catalog_entry_for(site, model.strip(), catalog) if isinstance(model, str) and model.strip() else None


def _retiring(name: str, config: "Config", today: datetime.date) -> str | None:
    """Why `name` retires too soon to recommend (its own date or its alias's snapshot's), else None."""
    from llmsight.knowledge.models import deprecation, snapshot_for

    for candidate in dict.fromkeys(n for n in (name, snapshot_for(name, config)) if n):
        dep = deprecation(candidate, config, today=today)
        if dep is None or dep.date is None:
            continue
        days = (dep.date - today).days
        if days <= config.deprecation_window_days:
            when = "was retired on" if days <= 0 else f"retires in {days} days, on"
            return f"{when} {dep.date.isoformat()} (window: {config.deprecation_window_days} days)"
    return None


def judge(site: "CallSite", model: str, config: "Config | None", *, today: datetime.date | None = None,
          catalog: Catalog | None = None) -> Verdict:
    """Whether `model` may be recommended for `site`, and whether the site's client can send it."""
    from llmsight.config import Config

    config = config or Config()
    catalog = catalog or Catalog.load(config)
    today = today or current_date()
    info = catalog_entry_for(site, model, catalog)
    family = provider_family(info.provider if info else None)
    if config.allowed_models or config.allowed_providers:
        named = model in config.allowed_models or (info is not None and info.name in config.allowed_models)
        if not named and not (family and family in {provider_family(p) for p in config.allowed_providers}):
            return Verdict(model, refused="not in allowed_models / allowed_providers")
    retiring = _retiring(info.name if info else model, config, today)
    if retiring:
        return Verdict(model, refused=retiring)
    current = site_model_info(site, catalog)
    wanted_mode = (current.mode if current and current.mode else None) or _OPERATION_MODES.get(site.operation)
    if info is not None and info.mode and wanted_mode and _OPERATION_MODES.get(info.mode, info.mode) != \
            _OPERATION_MODES.get(wanted_mode, wanted_mode):
        return Verdict(model, refused=f"a {info.mode} model; this site makes {site.operation} requests")
    layer = routes_any_provider(site)
    here = provider_family(current.provider) if current else _SDK_FAMILIES.get(site.sdk)
    if layer or (family and family == here):
        return Verdict(model)
    there = f"served by {provider_label(family)}" if family else "of a provider llmsight cannot tell"
    client = f"this call uses the {provider_label(here)} client" if here else \
        "llmsight cannot tell which provider this call's client reaches"
    return Verdict(model, client_change=f"needs a client change: `{model}` is {there}; {client}")


def operation_kind(model: str, config: "Config | None" = None) -> str | None:
    """The kind of request a model serves (`chat` for chat/completion/responses models, `embedding`…);
    None when the catalog does not know it."""
    info = Catalog.load(config).lookup(model)
    return _OPERATION_MODES.get(info.mode, info.mode) if info is not None and info.mode else None


def catalog_entry_for(site: "CallSite", model: str, catalog: Catalog) -> ModelInfo | None:
    """The catalog row of a candidate, read with the prefix the site's SDK or host implies."""
    from llmsight.analysis.catalog_names import catalog_entry

    return catalog_entry(catalog, site, model)


def recommendable(site: "CallSite", models: Iterable[str], config: "Config | None", *,
                  today: datetime.date | None = None) -> list[Verdict]:
    """The verdicts of the models that may be recommended (same-client ones and client changes), in order."""
    catalog = Catalog.load(config)
    verdicts = (judge(site, m, config, today=today, catalog=catalog) for m in dict.fromkeys(models))
    return [v for v in verdicts if v.allowed]


def prior_evidence(model: str) -> str | None:
    """`quality prior 0.82 (source, date)` for a model ranked without traffic or evals."""
    from llmsight.knowledge.priors import quality_prior

    found = quality_prior(model)
    return f"quality prior {found[0]:.2f} ({found[1]}, {found[2]})" if found else None
