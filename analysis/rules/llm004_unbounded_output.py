"""LLM004: a generating request with no output cap, in the parameter its API actually reads."""
from __future__ import annotations

import ast
import re
from typing import Iterable

from llmsight.analysis.context import FileContext
from llmsight.analysis.rules._sdk_fixes import (
    GENERATING_OPERATIONS, add_to_mapping_argument, client_call, constructor_text, google_flavour, keyword_fix,
    parents, suggested_max_tokens,
)
from llmsight.analysis.rules.base import Invalid, Rule, Valid
from llmsight.analysis.catalog_names import catalog_entry
from llmsight.analysis.rules.model_helpers import endpoint_of, model_name
from llmsight.records import CallSite, Diagnostic, Fix

# OpenAI reasoning models: the cap counts hidden reasoning tokens, so a small one can leave no answer
_REASONING = re.compile(r"(?:^|/)(?:o\d|gpt-5)", re.I)
REASONING_MAX_TOKENS = 4096
# LangChain chat model class -> its constructor's output-cap keyword (ChatAnthropic defaults to 1024)
_LANGCHAIN_CAP = {
    **dict.fromkeys(("ChatOpenAI", "AzureChatOpenAI", "ChatGroq", "ChatMistralAI", "ChatTogether", "ChatDeepSeek",
                     "ChatXAI", "ChatFireworks", "ChatLiteLLM", "ChatCohere", "ChatBedrockConverse",
                     "ChatPerplexity"), "max_tokens"),
    **dict.fromkeys(("ChatGoogleGenerativeAI", "ChatVertexAI"), "max_output_tokens"),
    **dict.fromkeys(("ChatOllama", "OllamaLLM", "Ollama"), "num_predict"),
}
_LANGCHAIN_CAPPED_BY_DEFAULT = frozenset({"ChatAnthropic", "ChatAnthropicVertex"})


class UnboundedOutput(Rule):
    """## What it does
    Flags a chat, completion or Responses request that sets no output cap, and names the parameter
    its API reads: `max_completion_tokens` for OpenAI chat (o-series models reject `max_tokens`, and
    the cap includes reasoning tokens), `max_output_tokens` for the Responses API and google-genai
    (inside `config=`), `inferenceConfig={"maxTokens": N}` for Bedrock Converse,
    `options={"num_predict": N}` for Ollama, `max_tokens` for litellm, Mistral, Cohere and most
    LangChain chat models, `input={"max_tokens": N}` for Replicate (the cap goes inside `input=`, as
    the model's schema names it). Anthropic requires `max_tokens` and iFlytek Spark's `ChatSparkLLM`
    caps every request at 2048 by default, so this rule never fires there. Nor where the model answers
    with no text, through a method that serves every kind of model: Bedrock's `invoke_model` of an
    embedding or image model (its price row says so), Replicate's `run` of an image, video or audio
    model (a media-only family such as FLUX, SDXL, Kling or Veo, or an `input=` holding keys such as
    `aspect_ratio`, `width`, `num_outputs`, `fps`).

    A cap counts wherever the code sets it: in a config object held in a variable
    (`cfg = GenerateContentConfig(max_output_tokens=…)`), in a dict built up and splatted
    (`params["max_tokens"] = …`, `.update(…)`, `{**base, …}`, `dict(…)`, a helper that returns it),
    or in LangChain's `model_kwargs={…}`. When a `**kwargs` the rule cannot follow (a parameter, a
    dict handed in by the caller) could carry it, nothing is reported: the cap is unknown, not missing.
    The same holds for a LangChain chat model the code is handed (a parameter or attribute whose
    construction it never sees): the cap is set where the model is built.

    ## Why is this bad
    Output tokens cost 4-8× input tokens and set the latency. Without a cap, a looping or rambling
    generation runs to the model's maximum (16k-100k tokens): one such call can cost as much as
    thousands of normal ones and hold the user for minutes. A cap also makes cost estimates bounded.

    ## Example
    ```python
    client.chat.completions.create(model="gpt-4o-mini", messages=messages)
    ```

    ## Use instead
    ```python
    client.chat.completions.create(model="gpt-4o-mini", messages=messages, max_completion_tokens=1024)
    ```

    ## Fix safety
    Unsafe: answers longer than the cap are cut off (`finish_reason == "length"`). The value is
    `default_max_tokens` from `[tool.llmsight]`, else the p99 output tokens seen in traffic
    (`--traffic`) plus 25%, else 1024 (4096 for reasoning models, whose cap includes reasoning).
    Where the cap belongs in a config object built elsewhere, or in a raw JSON body, the fix is
    display-only.
    """

    code = "LLM004"
    name = "unbounded-output"
    severity = "warning"
    summary = "Chat/completion request without an output cap (max_completion_tokens, max_output_tokens, …)"

    VALID = [
        Valid("""
            from langchain_core.language_models import BaseChatModel
            class Agent:
                def __init__(self, llm: BaseChatModel):
                    self.llm = llm
                def ask(self, prompt: str) -> str:
                    return self.llm.invoke(prompt).content
        """),
        Valid("""
            from openai import OpenAI
            client = OpenAI()
            client.chat.completions.create(model="gpt-4o", messages=[], max_tokens=300)
        """),
        Valid("""
            import anthropic
            anthropic.Anthropic().messages.create(model="claude-sonnet-4-5", max_tokens=1024, messages=[])
        """),
        Valid("""
            from google import genai
            from google.genai import types
            client = genai.Client()
            client.models.generate_content(model="gemini-2.5-flash", contents="hi",
                                           config=types.GenerateContentConfig(max_output_tokens=256))
        """),
        Valid("""
            import ollama
            ollama.chat("llama3.1", messages=[], options={"num_predict": 200})
        """),
        Valid("""
            from openai import OpenAI
            OpenAI().embeddings.create(model="text-embedding-3-small", input=["x"])
        """),
        Valid("""
            import json
            import boto3
            boto3.client("bedrock-runtime").invoke_model(modelId="anthropic.claude-3-haiku-20240307-v1:0",
                                                         body=json.dumps(request))
        """),
        Valid("""
            from langchain_anthropic import ChatAnthropic
            ChatAnthropic(model="claude-3-5-haiku-latest").invoke("hi")
        """),
        # settings made indirectly: a config object held in a variable
        Valid("""
            from google import genai
            from google.genai import types
            client = genai.Client()
            cfg = types.GenerateContentConfig(temperature=0, max_output_tokens=800)
            client.models.generate_content(model="gemini-2.5-flash", contents="hi", config=cfg)
        """),
        # a dict built up, merged and splatted
        Valid("""
            from openai import OpenAI
            client = OpenAI()
            BASE = {"temperature": 0}
            def ask(messages, stream):
                params = {**BASE, "model": "gpt-4o-mini", "messages": messages}
                if stream:
                    params["stream"] = True
                params["max_completion_tokens"] = 600
                return client.chat.completions.create(**params)
        """),
        # a helper method that builds the request
        Valid("""
            import litellm
            class Agent:
                def _request(self, messages):
                    return dict(model="gpt-4o-mini", messages=messages, max_tokens=500)
                def run(self, messages):
                    return litellm.completion(**self._request(messages))
        """),
        Valid("""
            from langchain_openai import ChatOpenAI
            ChatOpenAI(model="o4-mini", model_kwargs={"max_completion_tokens": 4000}).invoke("hi")
        """),
        # keyword arguments handed in by the caller may hold the cap: unknown, so not reported
        Valid("""
            from openai import OpenAI
            class Model:
                def __init__(self, generation_kwargs=None):
                    self.client = OpenAI()
                    self.generation_kwargs = generation_kwargs or {}
                def generate(self, prompt):
                    return self.client.chat.completions.create(model="gpt-4o-mini", messages=[prompt],
                                                               **self.generation_kwargs)
        """),
    ]
    INVALID = [
        Invalid("""
            from openai import OpenAI
            client = OpenAI()
            client.chat.completions.create(model="gpt-4o-mini", messages=[])
        """, expected_fix="""
            from openai import OpenAI
            client = OpenAI()
            client.chat.completions.create(model="gpt-4o-mini", messages=[], max_completion_tokens=1024)
        """, message="max_completion_tokens"),
        Invalid("""
            from openai import OpenAI
            OpenAI().responses.create(model="o4-mini", input="plan the trip")
        """, expected_fix="""
            from openai import OpenAI
            OpenAI().responses.create(model="o4-mini", input="plan the trip", max_output_tokens=4096)
        """, message="reasoning"),
        Invalid("""
            from google import genai
            from google.genai import types
            client = genai.Client()
            client.models.generate_content(model="gemini-2.5-flash", contents="hi",
                                           config=types.GenerateContentConfig(temperature=0))
        """, expected_fix="""
            from google import genai
            from google.genai import types
            client = genai.Client()
            client.models.generate_content(model="gemini-2.5-flash", contents="hi",
                                           config=types.GenerateContentConfig(temperature=0, max_output_tokens=1024))
        """, message="max_output_tokens"),
        Invalid("""
            import boto3
            runtime = boto3.client("bedrock-runtime")
            runtime.converse(modelId="amazon.nova-lite-v1:0", messages=[], inferenceConfig={"temperature": 0.2})
        """, expected_fix="""
            import boto3
            runtime = boto3.client("bedrock-runtime")
            runtime.converse(modelId="amazon.nova-lite-v1:0", messages=[], inferenceConfig={"temperature": 0.2, "maxTokens": 500})
        """, message="inferenceConfig", config={"default_max_tokens": 500}),
        Invalid("""
            import ollama
            ollama.chat("llama3.1", messages=[])
        """, expected_fix="""
            import ollama
            ollama.chat("llama3.1", messages=[], options={"num_predict": 1024})
        """, message="num_predict"),
        Invalid("""
            import litellm
            litellm.completion(model="gpt-4o-mini", messages=[])
        """, expected_fix="""
            import litellm
            litellm.completion(model="gpt-4o-mini", messages=[], max_tokens=1024)
        """, message="max_tokens"),
        Invalid("""
            from langchain_openai import ChatOpenAI
            llm = ChatOpenAI(model="gpt-4o")
            llm.invoke("hi")
        """, expected_fix="""
            from langchain_openai import ChatOpenAI
            llm = ChatOpenAI(model="gpt-4o", max_tokens=1024)
            llm.invoke("hi")
        """, message="max_tokens"),
        Invalid("""
            from openai import OpenAI
            client = OpenAI(base_url="http://vllm.internal:8000/v1", api_key="unused")
            client.chat.completions.create(model="meta-llama/Llama-3.1-8B-Instruct", messages=[])
        """, expected_fix="""
            from openai import OpenAI
            client = OpenAI(base_url="http://vllm.internal:8000/v1", api_key="unused")
            client.chat.completions.create(model="meta-llama/Llama-3.1-8B-Instruct", messages=[], max_tokens=1024)
        """, message="set max_tokens"),
        Invalid("""
            import json
            import boto3
            runtime = boto3.client("bedrock-runtime")
            runtime.invoke_model(modelId="us.meta.llama3-1-70b-instruct-v1:0", body=json.dumps({"prompt": "hi"}))
        """, message="set max_gen_len in the JSON body"),
        Invalid("""
            import requests
            requests.post("https://api.openai.com/v1/chat/completions", json={"model": "gpt-4o", "messages": []}, timeout=30)
        """, message="output cap"),
        # a config built from a dict that is fully visible and holds no cap
        Invalid("""
            from google import genai
            from google.genai import types
            client = genai.Client()
            def extract(prompt, schema):
                config_params = {"response_mime_type": "application/json", "response_schema": schema}
                if prompt:
                    config_params["system_instruction"] = prompt
                return client.models.generate_content(model="gemini-2.5-flash", contents=prompt,
                                                      config=types.GenerateContentConfig(**config_params))
        """, message="max_output_tokens"),
        Invalid("""
            import litellm
            def ask(messages):
                params = {"model": "gpt-4o-mini", "messages": messages}
                params.update(temperature=0)
                return litellm.completion(**params)
        """, message="set max_tokens"),
    ]

    def check(self, ctx: FileContext) -> Iterable[Diagnostic]:
        for site in ctx.sites:
            if site.operation not in GENERATING_OPERATIONS or site.max_tokens.source != "absent" or site.via_wrapper:
                continue
            if site.sdk == "anthropic" or (site.sdk == "bedrock" and "anthropic." in (model_name(site) or "")):
                continue  # Anthropic's API (also on Bedrock) rejects a request without max_tokens
            if site.sdk in _NO_OUTPUT_CAP or site.sdk == "http" and _http_cap(site) is None:
                continue  # an API whose output cap llmsight could not name
            call = ctx.call_nodes.get(site.id)
            if call is None or not _answers_in_text(site, ctx, call):
                continue    # no call, or an embedding, image or video model reached by a method serving every kind
            ctor = client_call(ctx, site)
            cls = (site.client_expr or "").split("(", 1)[0].rsplit(".", 1)[-1]
            if site.sdk == "sparkai":
                continue  # sparkai's ChatSparkLLM caps every request (max_tokens=2048 by default)
            if site.sdk == "langchain" and (cls in _LANGCHAIN_CAPPED_BY_DEFAULT or not site.client_expr):
                continue    # capped by default, or a model handed in: its cap is set where it is built
            param = self._parameter(site, ctx, cls)
            fix = self._fix(site, ctx, call, ctor, cls, param)
            yield ctx.diagnostic(self, call, self._message(site, ctx, param), site, (fix,))

    @staticmethod
    def _parameter(site: CallSite, ctx: FileContext, cls: str) -> str:
        """Where this request's API reads its output cap, as people write it."""
        if site.operation == "responses":
            return "max_output_tokens"
        if site.sdk in ("openai", "groq") and site.operation == "chat" and ".ChatCompletion." not in f".{site.api}":
            # OpenAI-compatible servers elsewhere (vLLM, Perplexity, DeepSeek…) all read max_tokens
            return "max_completion_tokens" if site.sdk == "groq" or _openai_host(ctx, site) else "max_tokens"
        if site.sdk == "google":
            return "config.max_output_tokens" if google_flavour(ctx, site) == "genai" \
                else "generation_config.max_output_tokens"
        if site.sdk == "bedrock":
            return "inferenceConfig.maxTokens" if "converse" in site.api else _bedrock_body_cap(model_name(site))
        if site.sdk == "ollama":
            return "options.num_predict"
        if site.sdk == "langchain":
            return _LANGCHAIN_CAP.get(cls, "max_tokens")
        if site.sdk == "http":
            return _http_cap(site) or "max_tokens in the JSON body"
        if site.sdk == "replicate":   # inside `input=`, as the model's own schema names it (Meta's: max_tokens)
            return "input.max_tokens"
        return "max_tokens"

    @staticmethod
    def _message(site: CallSite, ctx: FileContext, param: str) -> str:
        model = model_name(site)
        runs_to = "the model's maximum output"
        if model:
            from llmsight.knowledge.catalog import Catalog

            info = catalog_entry(Catalog.load(ctx.config), site, model)
            if info is not None and info.max_output_tokens:
                runs_to = f"{model}'s maximum of {info.max_output_tokens:,} tokens"
                if info.output_cost_per_token:
                    cost = info.max_output_tokens * info.output_cost_per_token
                    runs_to += f" (${cost:.2f} per call)" if cost >= 0.1 else f" (${cost:.2g} per call)"
        shown = {"inferenceConfig.maxTokens": 'inferenceConfig={"maxTokens": N}',
                 "options.num_predict": 'options={"num_predict": N}',
                 "config.max_output_tokens": "max_output_tokens in config=",
                 "generation_config.max_output_tokens": "max_output_tokens in generation_config="}.get(param, param)
        text = f"no output cap: a runaway generation can run to {runs_to}; set {shown}"
        if model and _REASONING.search(model) and site.sdk in ("openai", "litellm", "langchain"):
            text += " (the cap includes reasoning tokens; o-series models reject max_tokens)" \
                if param == "max_completion_tokens" else " (the cap includes reasoning tokens)"
        return text

    @staticmethod
    def _fix(site: CallSite, ctx: FileContext, call: ast.Call, ctor: ast.Call | None, cls: str, param: str) -> Fix:
        n, why = suggested_max_tokens(site, ctx)
        model = model_name(site) or ""
        if why.startswith("llmsight's default") and _REASONING.search(model):
            n, why = REASONING_MAX_TOKENS, "llmsight's default for reasoning models; set default_max_tokens to change it"
        title = f"Cap the output at {n} tokens with {param} ({why})"
        if site.sdk == "http" or param.endswith("in the JSON body"):
            return Fix(title, (), "display-only")
        if "." in param:
            arg, key = param.split(".")
            return add_to_mapping_argument(ctx, call, arg, key, str(n), title)
        if site.sdk == "langchain":
            if ctor is None or cls not in _LANGCHAIN_CAP:
                return Fix(f"{title} where the chat model is constructed", (), "display-only")
            return keyword_fix(ctx, ctor, {param: str(n)},
                               f"Add `{param}={n}` to `{constructor_text(ctx, ctor)}` ({why})")
        return keyword_fix(ctx, call, {param: str(n)}, f"Add `{param}={n}` to the call ({why})")


# Keys of a Replicate `input=` that only image, video and audio models take (flux-schnell's aspect_ratio,
# num_outputs, output_format, megapixels; SDXL's width, height, guidance_scale, negative_prompt, scheduler;
# video models' fps, num_frames, duration): such a request returns media, not text
_MEDIA_INPUT_KEYS = frozenset({
    "aspect_ratio", "width", "height", "num_outputs", "num_inference_steps", "guidance_scale", "guidance",
    "negative_prompt", "output_format", "output_quality", "megapixels", "go_fast", "scheduler", "lora_scale",
    "prompt_strength", "refine", "image_size", "fps", "num_frames", "duration", "resolution"})


def _answers_in_text(site: CallSite, ctx: FileContext, call: ast.Call) -> bool:
    """Whether the request's model answers in text an output cap bounds: its price row says so
    (`generates_text`); with no row, a Replicate request to a media-only family (`media_model_kind`) or whose
    `input=` holds media-only keys does not."""
    from llmsight.knowledge.catalog import Catalog, generates_text, media_model_kind

    model = model_name(site)
    info = catalog_entry(Catalog.load(ctx.config), site, model) if model else None
    if info is not None:
        return generates_text(info)
    return not (site.sdk == "replicate" and (model and media_model_kind(model)
                                             or _MEDIA_INPUT_KEYS & _input_keys(ctx, call)))


def _input_keys(ctx: FileContext, call: ast.Call) -> set[str]:
    """The literal keys of the call's `input=`: a dict written there, or one the enclosing function binds to
    the name passed (`payload = {…}`, `payload["width"] = …`)."""
    value = next((k.value for k in call.keywords if k.arg == "input"), None)
    if isinstance(value, ast.Dict):
        return _literal_keys(value)
    if not isinstance(value, ast.Name):
        return set()
    scope = parents(ctx, call).get(call)
    while scope is not None and not isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Module)):
        scope = ctx.parents.get(scope)
    if scope is None:
        return set()
    return ctx.memo(f"llm004-dict-keys-{id(scope)}", lambda: _dict_keys_bound(scope)).get(value.id, set())


def _dict_keys_bound(scope: ast.AST) -> dict[str, set[str]]:
    """The literal keys a function (or module) gives each name (`payload = {…}`, `payload["width"] = …`): one
    walk per scope, not one per request in it."""
    keys: dict[str, set[str]] = {}
    for node in ast.walk(scope):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Dict):
            for t in node.targets:
                if isinstance(t, ast.Name):
                    keys.setdefault(t.id, set()).update(_literal_keys(node.value))
        elif isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Store) and isinstance(node.value, ast.Name) \
                and isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str):
            keys.setdefault(node.value.id, set()).add(node.slice.value)
    return keys


def _literal_keys(node: ast.Dict) -> set[str]:
    return {k.value for k in node.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)}


def _openai_host(ctx: FileContext, site: CallSite) -> bool:
    """The request goes to OpenAI itself (or Azure OpenAI), not an OpenAI-compatible server."""
    endpoint = endpoint_of(ctx, site)
    if endpoint.kind == "azure":
        return True
    url = site.endpoint or ""
    if url:
        return endpoint.kind == "provider" and "api.openai.com" in url
    ctor = client_call(ctx, site)  # a base_url we cannot read points somewhere else
    return endpoint.kind == "provider" and not (ctor is not None and any(
        k.arg in ("base_url", "api_base") for k in ctor.keywords))


# SDKs whose requests take no output cap: TypeSafe's decision models answer typed questions
_NO_OUTPUT_CAP = frozenset({"typesafe"})
# raw-HTTP APIs whose output cap llmsight knows, by the end of the URL's path; an API of its own (a LoLLMs
# server, a decision API) gets no advice it cannot vouch for
_HTTP_CAPS = (("/chat/completions", "max_tokens in the JSON body"), ("/completions", "max_tokens in the JSON body"),
              ("/responses", "max_output_tokens in the JSON body"),
              ("/api/generate", "options.num_predict in the JSON body"),
              ("/api/chat", "options.num_predict in the JSON body"),
              (":generateContent", "generationConfig.maxOutputTokens in the JSON body"),
              (":streamGenerateContent", "generationConfig.maxOutputTokens in the JSON body"))


def _http_cap(site: CallSite) -> str | None:
    """Where the raw-HTTP API the site posts to reads its output cap; None for an API llmsight does not know."""
    path = (site.endpoint or "").split("?", 1)[0].rstrip("/")
    return next((param for suffix, param in _HTTP_CAPS if path.endswith(suffix)), None)


# Bedrock invoke_model: the output cap's key in each model family's JSON body
_BEDROCK_BODY_CAPS = (("meta.", "max_gen_len"), ("amazon.titan", "textGenerationConfig.maxTokenCount"),
                      ("amazon.nova", "inferenceConfig.max_new_tokens"), ("ai21.", "max_tokens"),
                      ("cohere.", "max_tokens"), ("mistral.", "max_tokens"))


def _bedrock_body_cap(model: str | None) -> str:
    bare = (model or "").split(":")[0]
    if bare.startswith(("us.", "eu.", "apac.")):  # cross-region inference profiles
        bare = bare.split(".", 1)[1]
    key = next((k for prefix, k in _BEDROCK_BODY_CAPS if bare.startswith(prefix)), "the model's max-tokens key")
    return f"{key} in the JSON body"
