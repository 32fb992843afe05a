"""LLM001: a request with no explicit timeout, so the SDK's default (often 10 minutes, or none) applies."""
from __future__ import annotations

import ast
from typing import Iterable

from llmsight.analysis.context import FileContext
from llmsight.analysis.fixes import set_call_keywords
from llmsight.analysis.rules._sdk_fixes import (
    callee_name, client_call, constructor_text, ensure_import, google_flavour, keyword, keyword_fix, number,
    sdk_defaults, sdk_name, set_dict_keys, suggested_timeout,
)
from llmsight.analysis.rules.base import Invalid, Rule, Valid
from llmsight.knowledge.sdk_defaults import SdkDefaults, knows_defaults
from llmsight.records import CallSite, Diagnostic, Fix

# SDKs whose request methods take `timeout=` (seconds) per call
_CALL_TIMEOUT_SDKS = frozenset({"openai", "anthropic", "groq", "together", "litellm", "http"})
# LangChain chat models whose constructor takes `timeout=` (seconds)
_LANGCHAIN_TIMEOUT_CLASSES = frozenset({
    "ChatOpenAI", "AzureChatOpenAI", "ChatAnthropic", "ChatGroq", "ChatMistralAI", "ChatGoogleGenerativeAI",
    "ChatTogether", "ChatDeepSeek", "ChatXAI", "ChatFireworks", "ChatLiteLLM", "ChatPerplexity",
})
_EXPLICIT = frozenset({"call", "client", "unresolved"})
# SDKs where a stated `timeout=None` turns the timeout off (Stainless clients hand it to httpx, where None
# means no limit; so do requests and ollama's httpx client); litellm reads None as "use request_timeout"
_NONE_DISABLES = frozenset({"openai", "anthropic", "groq", "together", "http", "ollama"})


class MissingTimeout(Rule):
    """## What it does
    Flags an LLM request that states no timeout, on the call or on its client, and says what the SDK
    does instead: the OpenAI and Anthropic SDKs wait up to 600 s per read (connect 5 s) and retry
    twice, so one hung request can hold a worker for half an hour; google-genai and Ollama have no
    timeout at all; litellm waits 6000 s; boto3's bedrock-runtime client 60 s per read with up to
    5 attempts; `requests` waits forever and `httpx` gives up after 5 s. Calls of a configured
    wrapper are not flagged: the request inside the wrapper is.

    A timeout counts wherever the code sets it: in a dict splatted into the call or the client
    (`**params`, built with `params["timeout"] = …`, `.update(…)`, `{**base, …}` or a helper that
    returns it), in a config object held in a variable (`GenerateContentConfig(http_options=…)`), on
    the `http_client=` an OpenAI-style client is given (`DefaultHttpxClient(timeout=…)`), through
    `with_options(timeout=…)`, on the SDK module a module-level request uses (`openai.timeout = 30`,
    `litellm.request_timeout = 60`), or in the `litellm_params` of every litellm `Router` deployment
    the request can reach. When a `**kwargs` the rule cannot follow (a parameter, a dict handed
    in) could carry it, nothing is reported: the timeout is unknown, not missing. A stated
    `timeout=None` is no timeout: the OpenAI and Anthropic SDKs then wait forever; a `None` that only
    stands for "not given" in what a caller hands in (a parameter's default, `kwargs.pop("timeout", None)`)
    is the caller's to decide, and not reported. The retries quoted are the client's own `max_retries`
    when it sets them; for an SDK whose defaults llmsight does not know, no figure is quoted.

    ## Why is this bad
    A provider incident turns into your incident: threads, connections and users wait on requests
    that will never answer. A timeout sized to the real latency (about twice the p99) fails fast and
    lets retries, fallbacks or an error message take over. A stream with a per-read timeout never
    times out in total, so streaming calls need it too.

    ## Example
    ```python
    from openai import OpenAI

    client = OpenAI()
    client.chat.completions.create(model="gpt-4o-mini", messages=messages)
    ```

    ## Use instead
    ```python
    client.chat.completions.create(model="gpt-4o-mini", messages=messages, timeout=30)
    ```
    The fix puts the timeout where the SDK takes it: `timeout=` on the call (OpenAI, Anthropic, Groq,
    Together, litellm, requests, httpx), on the constructor (LangChain chat models, `ollama.Client`,
    Cohere), `http_options={"timeout": MILLISECONDS}` on `genai.Client`, `timeout_ms=` for Mistral,
    and `config=Config(read_timeout=…)` on `boto3.client("bedrock-runtime")`.

    ## Fix safety
    Unsafe: a request that used to succeed slowly now fails. The value is twice the p99 latency seen
    in traffic (`--traffic`), else `default_timeout` from `[tool.llmsight]`, else 30 s. Where the
    timeout belongs on a client made in another file, or the call passes `**kwargs`, the fix is
    display-only.
    """

    code = "LLM001"
    name = "missing-timeout"
    severity = "warning"
    summary = "LLM request without an explicit timeout (SDK default: up to 600 s per read, or none)"

    VALID = [
        Valid("""
            from openai import OpenAI
            client = OpenAI(timeout=20, max_retries=3)
            client.chat.completions.create(model="gpt-4o-mini", messages=[])
        """),
        Valid("""
            import anthropic
            client = anthropic.Anthropic()
            client.messages.create(model="claude-sonnet-4-5", max_tokens=512, messages=[], timeout=45.0)
        """),
        Valid("""
            from google import genai
            from google.genai import types
            client = genai.Client(http_options=types.HttpOptions(timeout=30_000))
            client.models.generate_content(model="gemini-2.5-flash", contents="hi")
        """),
        Valid("""
            import boto3
            from botocore.config import Config
            runtime = boto3.client("bedrock-runtime", config=Config(read_timeout=30))
            runtime.converse(modelId="anthropic.claude-3-haiku-20240307-v1:0", messages=[])
        """),
        Valid("""
            import requests
            requests.post("https://api.openai.com/v1/chat/completions", json={"model": "gpt-4o"}, timeout=TIMEOUT)
        """),
        Valid("""
            from langchain_openai import ChatOpenAI
            llm = ChatOpenAI(model="gpt-4o", timeout=30)
            llm.invoke("hi")
        """),
        Valid("""
            from openai import OpenAI
            client = OpenAI()
            client.embeddings.create(model="text-embedding-3-small", input=["a"])  # llmsight: ignore[LLM001]
        """),
        # settings made indirectly: a per-request config object held in a variable
        Valid("""
            from google import genai
            from google.genai import types
            client = genai.Client()
            cfg = types.GenerateContentConfig(max_output_tokens=512, http_options=types.HttpOptions(timeout=20_000))
            client.models.generate_content(model="gemini-2.5-flash", contents="hi", config=cfg)
        """),
        # the SDK takes the timeout of the httpx client it is given
        Valid("""
            import anthropic
            import httpx
            client = anthropic.Anthropic(http_client=anthropic.DefaultHttpxClient(timeout=httpx.Timeout(30.0, connect=5.0)))
            client.messages.create(model="claude-sonnet-4-5", max_tokens=512, messages=[])
        """),
        # a dict built up and splatted
        Valid("""
            import litellm
            def ask(messages):
                params = {"model": "gpt-4o-mini", "messages": messages}
                params.update(timeout=20, max_tokens=400)
                return litellm.completion(**params)
        """),
        # `**kwargs` handed in by the caller may carry the timeout: unknown, so not reported
        Valid("""
            from openai import OpenAI
            client = OpenAI()
            def ask(messages, **kwargs):
                return client.chat.completions.create(model="gpt-4o-mini", messages=messages, **kwargs)
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
            client.chat.completions.create(model="gpt-4o-mini", messages=[], timeout=30)
        """, message="the OpenAI SDK waits up to 600 s per read (connect 5 s)"),
        Invalid("""
            import anthropic
            client = anthropic.AsyncAnthropic()
            async def ask(messages):
                return await client.messages.create(
                    model="claude-sonnet-4-5",
                    max_tokens=1024,
                    messages=messages,
                )
        """, expected_fix="""
            import anthropic
            client = anthropic.AsyncAnthropic()
            async def ask(messages):
                return await client.messages.create(
                    model="claude-sonnet-4-5",
                    max_tokens=1024,
                    messages=messages,
                    timeout=45,
                )
        """, message="retries twice", config={"default_timeout": 45}),
        Invalid("""
            from google import genai
            client = genai.Client()
            client.models.generate_content(model="gemini-2.5-flash", contents="hi")
        """, expected_fix="""
            from google import genai
            client = genai.Client(http_options={"timeout": 30000})
            client.models.generate_content(model="gemini-2.5-flash", contents="hi")
        """, message="has no timeout at all"),
        Invalid("""
            import litellm
            litellm.completion("gpt-4o-mini", messages=[{"role": "user", "content": "hi"}])
        """, expected_fix="""
            import litellm
            litellm.completion("gpt-4o-mini", messages=[{"role": "user", "content": "hi"}], timeout=30)
        """, message="6000 s"),
        Invalid("""
            import boto3
            runtime = boto3.client("bedrock-runtime", region_name="us-east-1")
            runtime.converse(modelId="amazon.nova-lite-v1:0", messages=[])
        """, expected_fix="""
            import boto3
            from botocore.config import Config
            runtime = boto3.client("bedrock-runtime", region_name="us-east-1", config=Config(read_timeout=30, retries={"max_attempts": 3, "mode": "standard"}))
            runtime.converse(modelId="amazon.nova-lite-v1:0", messages=[])
        """, message="60 s per read"),
        Invalid("""
            import ollama
            client = ollama.Client(host="http://gpu-box:11434")
            client.chat("llama3.1", messages=[])
        """, expected_fix="""
            import ollama
            client = ollama.Client(host="http://gpu-box:11434", timeout=30)
            client.chat("llama3.1", messages=[])
        """, message="no timeout"),
        Invalid("""
            from langchain_openai import ChatOpenAI
            llm = ChatOpenAI(model="gpt-4o")
            chain = prompt | llm
            chain.invoke({"q": "hi"})
        """, expected_fix="""
            from langchain_openai import ChatOpenAI
            llm = ChatOpenAI(model="gpt-4o", timeout=30)
            chain = prompt | llm
            chain.invoke({"q": "hi"})
        """, message="LangChain's ChatOpenAI"),
        Invalid("""
            import requests
            requests.post("https://api.anthropic.com/v1/messages", json={"model": "claude-3-5-haiku-latest"})
        """, expected_fix="""
            import requests
            requests.post("https://api.anthropic.com/v1/messages", json={"model": "claude-3-5-haiku-latest"}, timeout=30)
        """, message="requests has no default timeout"),
        Invalid("""
            import google.generativeai as genai
            model = genai.GenerativeModel("gemini-1.5-flash")
            model.generate_content("hi")
        """, expected_fix="""
            import google.generativeai as genai
            model = genai.GenerativeModel("gemini-1.5-flash")
            model.generate_content("hi", request_options={"timeout": 30})
        """, message="the google-generativeai SDK"),
        Invalid("""
            import httpx
            async def ask(payload):
                async with httpx.AsyncClient() as http:
                    return await http.post("https://api.openai.com/v1/responses", json=payload)
        """, expected_fix="""
            import httpx
            async def ask(payload):
                async with httpx.AsyncClient() as http:
                    return await http.post("https://api.openai.com/v1/responses", json=payload, timeout=30)
        """, message="httpx times out after 5 s"),
        Invalid("""
            import ollama
            ollama.chat("llama3.1", messages=[])
        """, message="the Ollama client has no timeout: a hung model waits forever"),
        # the splatted dict is fully visible and holds no timeout
        Invalid("""
            import litellm
            def ask(messages):
                params = dict(model="gpt-4o-mini", messages=messages)
                params["max_tokens"] = 400
                return litellm.completion(**params)
        """, message="6000 s"),
        # boto3 takes its read timeout only from the client: a `**kwargs` on the request cannot hold one
        Invalid("""
            import boto3
            runtime = boto3.client("bedrock-runtime")
            def ask(args):
                return runtime.converse(modelId="amazon.nova-lite-v1:0", messages=[], **args)
        """, message="60 s per read"),
        # `timeout=None` is no timeout: the fix replaces it
        Invalid("""
            import anthropic
            client = anthropic.Anthropic()
            client.messages.create(model="claude-sonnet-4-5", max_tokens=512, messages=[], timeout=None)
        """, expected_fix="""
            import anthropic
            client = anthropic.Anthropic()
            client.messages.create(model="claude-sonnet-4-5", max_tokens=512, messages=[], timeout=30)
        """, message="timeout=None disables the timeout: the Anthropic SDK waits forever"),
        # an httpx client with httpx's own default timeout: the SDK keeps its 600 s
        Invalid("""
            import httpx
            from openai import OpenAI
            client = OpenAI(http_client=httpx.Client(follow_redirects=True))
            client.chat.completions.create(model="gpt-4o-mini", messages=[], max_tokens=300)
        """, message="600 s per read"),
    ]

    def check(self, ctx: FileContext) -> Iterable[Diagnostic]:
        for site in ctx.sites:
            if site.timeout.source in _EXPLICIT and not _stated_none(site, ctx) or site.via_wrapper:
                continue  # a wrapper's settings live inside it, where its own request is checked
            if site.operation == "realtime":
                continue  # a long-lived session: its openers take no request timeout (`realtime.connect`, a socket)
            call = ctx.call_nodes.get(site.id)
            if call is None:
                continue
            yield ctx.diagnostic(self, call, self._message(site, ctx), site, (self._fix(site, ctx, call),))

    @staticmethod
    def _message(site: CallSite, ctx: FileContext) -> str:
        d = sdk_defaults(site)
        name = sdk_name(site, ctx)
        if _stated_none(site, ctx) and site.sdk in _NONE_DISABLES:
            return f"timeout=None disables the timeout: {name} waits forever on a hung request"
        if site.sdk != "http" and not knows_defaults(site.sdk):
            return (f"no timeout: this request states none, so {name}'s own default applies, which llmsight "
                    f"does not know; set one sized to this call")
        stated = "timeout=None keeps the default" if _stated_none(site, ctx) else "no timeout"
        retries, count = _retries(site, d)
        if site.sdk == "http" and d.timeout_s is None:
            waits = "has no default timeout: a hung request waits forever"
        elif site.sdk == "http":
            return (f"no explicit timeout: {name} {d.timeout_text}, not sized to this call"
                    f"{', too short for most generations' if d.timeout_s < 60 else ''}; it {d.retries_text}")
        elif site.sdk == "google" and google_flavour(ctx, site) == "vertexai":
            return "no timeout: this Vertex AI request states none, so a hung request waits as long as the transport does"
        else:
            waits = d.timeout_text
        worst = ""
        if d.timeout_s is not None and count and d.timeout_s * (count + 1) >= 120:
            worst = f", so a hung request can take about {d.timeout_s * (count + 1) / 60:.0f} min"
        return f"{stated}: {name} {waits}; it {retries}{worst}"

    def _fix(self, site: CallSite, ctx: FileContext, call: ast.Call) -> Fix:
        seconds, why = suggested_timeout(site, ctx)
        s = number(seconds)
        ctor = client_call(ctx, site)
        cls = callee_name(ctor) if ctor is not None else None
        if site.sdk in _CALL_TIMEOUT_SDKS:
            param = "request_timeout" if ".ChatCompletion." in f".{site.api}" or ".Completion." in f".{site.api}" else "timeout"
            return keyword_fix(ctx, call, {param: s}, f"Add `{param}={s}` to the call ({why})",
                               replace=_stated_none(site, ctx))
        if site.sdk == "mistral":
            ms = number(seconds * 1000)
            return keyword_fix(ctx, call, {"timeout_ms": ms}, f"Add `timeout_ms={ms}` to the call ({why})")
        if site.sdk == "langchain":
            if ctor is not None and cls in _LANGCHAIN_TIMEOUT_CLASSES:
                return keyword_fix(ctx, ctor, {"timeout": s}, f"Add `timeout={s}` to `{constructor_text(ctx, ctor)}` ({why})",
                                   replace=_stated_none(site, ctx))
            return Fix(f"Set the chat model's request timeout to {s} s where it is constructed ({why})", (), "display-only")
        if site.sdk in ("ollama", "cohere"):
            if ctor is not None:
                return keyword_fix(ctx, ctor, {"timeout": s}, f"Add `timeout={s}` to `{constructor_text(ctx, ctor)}` ({why})",
                                   replace=_stated_none(site, ctx))
            return Fix(f"Make the request through a client with a timeout: `{'ollama.Client' if site.sdk == 'ollama' else 'cohere.Client'}"
                       f"(timeout={s})` ({why})", (), "display-only")
        if site.sdk == "google":
            return self._google_fix(site, ctx, call, ctor, seconds, why)
        if site.sdk == "bedrock":
            return self._bedrock_fix(ctx, ctor, s, why)
        return Fix(f"Set a {s} s timeout on this request ({why})", (), "display-only")

    @staticmethod
    def _google_fix(site: CallSite, ctx: FileContext, call: ast.Call, ctor: ast.Call | None, seconds: float,
                    why: str) -> Fix:
        flavour = google_flavour(ctx, site)
        if flavour == "generativeai":
            # the legacy SDK takes the timeout per request, in seconds
            title = f"Add `request_options={{\"timeout\": {number(seconds)}}}` to the call ({why})"
            if keyword(call, "request_options") is None:
                return keyword_fix(ctx, call, {"request_options": f'{{"timeout": {number(seconds)}}}'}, title)
            return Fix(title, (), "display-only")
        if flavour == "vertexai":
            return Fix(f"Set a {number(seconds)} s timeout on the Vertex AI request ({why})", (), "display-only")
        ms = number(seconds * 1000)
        title = f"Add `http_options={{\"timeout\": {ms}}}` (milliseconds) to `genai.Client(...)` ({why})"
        if ctor is None:
            return Fix(title, (), "display-only")
        existing = keyword(ctor, "http_options")
        if existing is None:
            return keyword_fix(ctx, ctor, {"http_options": f'{{"timeout": {ms}}}'}, title)
        if isinstance(existing.value, ast.Dict) and None not in existing.value.keys:
            return Fix(title, (set_dict_keys(ctx, existing.value, {"timeout": ms}),), "unsafe")
        if isinstance(existing.value, ast.Call):
            return Fix(title, (set_call_keywords(ctx, existing.value, {"timeout": ms}, replace=False),), "unsafe")
        return Fix(title, (), "display-only")

    @staticmethod
    def _bedrock_fix(ctx: FileContext, ctor: ast.Call | None, s: str, why: str) -> Fix:
        title = f"Pass `config=Config(read_timeout={s}, retries={{\"max_attempts\": 3, \"mode\": \"standard\"}})` " \
                f"to the bedrock-runtime client ({why})"
        if ctor is None:
            return Fix(title, (), "display-only")
        existing = keyword(ctor, "config")
        if existing is None:
            config_name, import_ = ensure_import(ctx, "botocore.config", "Config", alias="BotoConfig", near=ctor)
            value = f'{config_name}(read_timeout={s}, retries={{"max_attempts": 3, "mode": "standard"}})'
            return keyword_fix(ctx, ctor, {"config": value}, title, (import_,))
        if isinstance(existing.value, ast.Call):
            return Fix(title, (set_call_keywords(ctx, existing.value, {"read_timeout": s}, replace=False),), "unsafe")
        return Fix(title, (), "display-only")


def _stated_none(site: CallSite, ctx: FileContext) -> bool:
    """The call or its client states the timeout as `None` (the value, not an expression we cannot read), and
    not as the None that stands for "not given" in what a caller hands in: a parameter's default or a lookup in
    the function's `**kwargs` (`kwargs.pop("timeout", None)`), whose real value the caller decides."""
    setting = site.timeout
    if setting.source not in ("call", "client") or setting.value is not None:
        return False
    return (setting.expr or "").strip() == "None" or not _callers_value(ctx, setting.origin)


def _callers_value(ctx: FileContext, origin: str | None) -> bool:
    """Whether the value found at `origin` (`path:line`, in this file) is a caller's: a parameter's default, or
    a name its function binds from a parameter or its `**kwargs`. Once per origin: every site sending the same
    value asks, up to three times each."""
    return ctx.memo(f"llm001-callers-value-{origin}", lambda: _reads_callers_value(ctx, origin))


def _reads_callers_value(ctx: FileContext, origin: str | None) -> bool:
    path, _, line_text = (origin or "").rpartition(":")
    if path != ctx.path or not line_text.isdigit():
        return False
    line = int(line_text)
    func = max((f for f in _functions(ctx) if f.lineno <= line <= (f.end_lineno or f.lineno)),
               key=lambda f: f.lineno, default=None)
    if func is None:
        return False
    if line < func.body[0].lineno:
        return True   # in the signature: a parameter's default
    params = {a.arg for a in (*func.args.posonlyargs, *func.args.args, *func.args.kwonlyargs)}
    bound_at, from_kwargs = ctx.memo(f"llm001-bindings-{id(func)}", lambda: _bindings(func))
    bound = bound_at.get(line, set())
    return bool(bound & params or bound & from_kwargs)


def _bindings(func: ast.FunctionDef | ast.AsyncFunctionDef) -> tuple[dict[int, set[str]], set[str]]:
    """The names `func` assigns, by line, and those it assigns from a lookup in its `**kwargs`
    (`timeout = kwargs.pop("timeout", None)`): one walk of the function, not one per origin."""
    kwargs = func.args.kwarg.arg if func.args.kwarg else None
    bound_at: dict[int, set[str]] = {}
    from_kwargs: set[str] = set()
    for node in ast.walk(func):
        if not isinstance(node, ast.Assign):
            continue
        names = {t.id for t in node.targets if isinstance(t, ast.Name)}
        bound_at.setdefault(node.lineno, set()).update(names)
        value = node.value
        if kwargs is not None and isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) \
                and value.func.attr in ("pop", "get") and isinstance(value.func.value, ast.Name) \
                and value.func.value.id == kwargs:
            from_kwargs |= names
    return bound_at, from_kwargs


def _functions(ctx: FileContext) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    return ctx.memo("llm001-functions", lambda: [n for n in ast.walk(ctx.tree)
                                                 if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))])


def _retries(site: CallSite, d: SdkDefaults) -> tuple[str, int | None]:
    """How the request retries, as the message says it, and how many times (None when the code sets a count
    llmsight cannot read, or one in a form the SDK's default knob does not name)."""
    setting = site.retries
    if setting.source in ("call", "client"):
        if isinstance(setting.value, int) and d.retries_param in ("max_retries", "num_retries"):
            n = setting.value
            times = "does not retry" if n == 0 else "retries once" if n == 1 else f"retries {n} times"
            return f"{times} ({d.retries_param}={n})", n
        return "retries as the code sets it", None
    if setting.source == "unresolved" and setting.expr:
        return "retries as the code sets it", None
    return d.retries_text, d.retries
