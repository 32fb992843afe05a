"""LLM009: the model name is not in the price data and not mapped in config."""
from __future__ import annotations

import dataclasses
import re
from typing import Iterable

from llmsight.analysis.context import FileContext
from llmsight.analysis.rules.base import Invalid, Rule, Valid
from llmsight.analysis.secrets import is_masked
from llmsight.analysis.catalog_names import catalog_entry
from llmsight.analysis.rules.model_helpers import endpoint_of, lifecycle_names, model_sites, where_defined
from llmsight.records import Diagnostic, Fix


class UnknownModel(Rule):
    """## What it does
    Reports a call whose model name (as resolved from a literal, constant, default argument or
    `os.getenv` default) is neither in the price data nor mapped in `[tool.llmsight.models]`. When a
    known name is one or two edits away (`gpt-4-o`), it asks whether that was meant; any other name (a
    Hugging Face `org/name` id, a self-hosted, fine-tuned or newer model) is reported at `info` as a call
    llmsight cannot price, never as a misspelling. A bare word with no version, size or provider
    (`gptme`, `default`) is not reported as unpriced: such a value is far more often a provider name,
    a placeholder or a role the code maps later than a model. Speech and image requests are not
    reported: they are priced per character, second or image and have no context window to check.

    Names llmsight's lifecycle tables know (retired models, aliases of retired snapshots) are left to
    LLM008 and LLM007. Models served by the user are not reported: Ollama calls, litellm `ollama/`, `hosted_vllm/`,
    `lm_studio/`… models, local LangChain models (`ChatOllama`, `LlamaCpp`), and OpenAI-compatible
    clients whose `base_url` is not a known provider (vLLM, a proxy, `localhost`). Nor are calls
    through another provider's OpenAI-style SDK (`ZhipuAI()`…), whose names are that provider's. Their names are the
    user's own; map them to a catalog model (or add a price) to get estimates for them.

    ## Why is this bad
    A misspelt model (`gpt-4-o`) fails every request with a 404 at run time; a name llmsight does not
    know cannot be priced, so cost estimates, budgets and context checks skip the call.
    An Azure deployment name is never in the price data: it must be mapped to the model it serves.

    ## Example
    ```python
    client.chat.completions.create(model="gpt-4-o", messages=messages)
    ```

    ## Use instead
    ```python
    client.chat.completions.create(model="gpt-4o", messages=messages)
    ```
    or, for a deployment or self-hosted name, in `pyproject.toml`:
    ```toml
    [tool.llmsight.models]
    prod-chat = "gpt-4o"
    ```

    ## Fix safety
    The suggestions are display-only: the closest name by spelling is not necessarily the model
    you meant.
    """

    code = "LLM009"
    name = "unknown-model"
    severity = "warning"
    summary = "Model name is not in the price data nor mapped in [tool.llmsight.models]"

    VALID = [
        Valid("""
            from openai import OpenAI
            OpenAI().chat.completions.create(model="gpt-4o", messages=[])
        """),
        Valid("""
            import ollama
            ollama.chat("my-finetune:7b", messages=[{"role": "user", "content": "Hi"}])
        """),
        Valid("""
            from openai import OpenAI
            client = OpenAI(base_url="http://localhost:8000/v1", api_key="none")
            client.chat.completions.create(model="Qwen/Qwen2.5-7B-Instruct-local", messages=[])
        """),
        Valid("""
            from openai import AzureOpenAI
            client = AzureOpenAI(azure_endpoint="https://acme.openai.azure.com", api_version="2024-06-01")
            client.chat.completions.create(model="prod-chat", messages=[])
        """, config={"models": {"prod-chat": "gpt-4o"}}),
        Valid("""
            import litellm
            litellm.completion(model="hosted_vllm/my-model", messages=[], api_base="http://gpu-box:8000")
        """),
        Valid("""
            from openai import OpenAI
            PROVIDER_ALIASES = {"acme.ai": "acme"}
            OpenAI().chat.completions.create(model=PROVIDER_ALIASES["acme.ai"], messages=[])
        """),
    ]
    INVALID = [
        Invalid("""
            from openai import OpenAI
            OpenAI().chat.completions.create(model="gpt-4-o", messages=[])
        """, message="did you mean `gpt-4o`"),
        Invalid("""
            import anthropic
            MODEL = "claude-sonet-4-5"
            anthropic.Anthropic().messages.create(model=MODEL, max_tokens=100, messages=[])
        """, message="`claude-sonnet-4-5`"),
        Invalid("""
            import litellm
            litellm.completion(model="openai/gpt4o", messages=[])
        """, message="`openai/gpt-4o`"),
        Invalid("""
            from openai import AzureOpenAI
            client = AzureOpenAI(azure_endpoint="https://acme.openai.azure.com", api_version="2024-06-01")
            client.chat.completions.create(model="prod-chat", messages=[])
        """, message="[tool.llmsight.models]"),
        Invalid("""
            import litellm
            litellm.completion(model="together_ai/Qwen/Qwen2.5-72B-Instruct-Turbo-v9", messages=[])
        """, message="cannot price this call"),
        Invalid("""
            import litellm
            litellm.completion(model="meta-llama/Llama-3.1-8B-Instruct", messages=[])
        """, message="map it to the catalog model it matches"),
    ]

    def check(self, ctx: FileContext) -> Iterable[Diagnostic]:
        from llmsight.knowledge.catalog import Catalog
        from llmsight.knowledge.models import deprecation, snapshot_for

        catalog = Catalog.load(ctx.config)
        for site, model, call in model_sites(ctx):
            if site.operation in _PRICED_OTHERWISE:
                continue    # speech and images are priced per character, second or image, and have no context window
            if is_masked(model):
                continue  # a key in model position: LLM010 reports where it is; there is no name to suggest
            endpoint = endpoint_of(ctx, site)
            if endpoint.kind in ("self-hosted", "other") or catalog_entry(catalog, site, model) is not None:
                continue
            if any(deprecation(n, ctx.config) is not None for n in lifecycle_names(model)) \
                    or snapshot_for(model, ctx.config):
                continue  # a real name the price data dropped (retired, or an alias): LLM007/LLM008 cover it
            where = where_defined(ctx, site.model)
            defined = f" (set at {where})" if where else ""
            mapping = f'`"{model}" = "<catalog model>"` under [tool.llmsight.models]'
            if endpoint.kind == "azure" and model not in ctx.config.models:
                message = (f"`{model}`{defined} is an Azure deployment name llmsight cannot price or size; map it "
                           f"to the model it serves with {mapping}")
                yield ctx.diagnostic(self, call, message, site)
                continue
            mapped = ctx.config.models.get(model)
            if mapped is not None:   # the map names a model the price data does not know
                suggestions = catalog.suggest(mapped)
                hint = f"; did you mean {', '.join(f'`{s}`' for s in suggestions)}?" if suggestions else ""
                message = (f"`{model}`{defined} is mapped to `{mapped}` in [tool.llmsight.models], which is not in "
                           f"the price data ({catalog.price_data}){hint} Fix the mapping or add a price for it")
                yield ctx.diagnostic(self, call, message, site,
                                     [Fix(f"Map `{model}` to `{s}`", (), "display-only") for s in suggestions])
                continue
            typos = [] if hub_shaped(model, catalog) else near_misses(model, catalog.suggest(model))
            if typos:
                message = (f"`{model}`{defined} is not in the price data ({catalog.price_data}): did you mean "
                           f"{', '.join(f'`{s}`' for s in typos)}? A misspelt model fails every request; if the "
                           f"name is right, map it with {mapping} or add its price")
                yield ctx.diagnostic(self, call, message, site, [Fix(f"Use `{s}`", (), "display-only") for s in typos])
                continue
            if _VERSIONLESS.fullmatch(model):
                continue    # `gptme`, `default`, `local`: a provider, placeholder or role, not a model to map
            # a name that is no near miss of a known one (a Hugging Face id, a self-hosted or fine-tuned model, a
            # provider's newer model): it is not priced, and nothing says it is wrong
            message = (f"`{model}`{defined} is not in the price data ({catalog.price_data}), so llmsight cannot "
                       f"price this call or check its context window; map it to the catalog model it matches "
                       f"with {mapping}, or add its price")
            diag = ctx.diagnostic(self, call, message, site)
            yield diag if self.code in ctx.config.severity else dataclasses.replace(diag, severity="info")


_PRICED_OTHERWISE = frozenset({"audio", "image"})
# a bare word with no version, size or provider (`gptme`): model names carry one (`gpt-4o`, `llama3`, `sonar-pro`)
_VERSIONLESS = re.compile(r"[A-Za-z]+")
# litellm prefixes that name a Hugging Face hub model (`huggingface/meta-llama/Llama-3-8B`)
_HUB_PREFIXES = frozenset({"huggingface", "hf", "hf_hub"})


def hub_shaped(model: str, catalog) -> bool:
    """An `org/name` id of a model hub (Hugging Face) or a server's own namespace, not a provider route:
    its prefix is no provider of the price data, or a provider prefix is followed by an `org/name`."""
    prefix, sep, _bare = model.partition("/")
    if not sep:
        return False
    if prefix.lower() in _HUB_PREFIXES or model.count("/") > 1:
        return True
    head = prefix.lower() + "/"
    return not any(name.lower().startswith(head) for name in catalog.names())


def near_misses(model: str, suggestions: list[str]) -> list[str]:
    """The suggestions one or two edits away from the name (one for short names): a likely typo. A name
    further from every known one is more likely a real model the price data lacks."""
    bare = model.rpartition("/")[2].lower()
    limit = 1 if len(bare) < 8 else 2
    return [s for s in suggestions if 0 < _edits(bare, s.rpartition("/")[2].lower()) <= limit]


def _edits(a: str, b: str) -> int:
    """Levenshtein distance (insertions, deletions, substitutions)."""
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]
