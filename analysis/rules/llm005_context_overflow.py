"""LLM005: the prompt plus the output cap do not fit the model's context window."""
from __future__ import annotations

from typing import Iterable

from llmsight.analysis.context import FileContext
from llmsight.analysis.rules import model_helpers
from llmsight.analysis.rules.base import Invalid, Rule, Valid
from llmsight.analysis.catalog_names import catalog_entry
from llmsight.analysis.rules.model_helpers import (
    CAP_KEYWORDS, literal_node, model_sites, replace_literal, where_defined, with_prefix,
)
from llmsight.records import CallSite, Diagnostic, Fix

_OPERATIONS = ("chat", "completion", "responses", "embedding")
# a prompt big enough to matter, built when the class is defined (examples are literal source)
_BIG = '"""' + "word " * 9000 + '"""'
# a prompt that fits gpt-4's 8,192-token window, but not with default_output_tokens (500) added
_NEAR_FULL = '"""' + "word " * 7900 + '"""'


def _n(x: int) -> str:
    return f"{x:,}"


class ContextOverflow(Rule):
    """## What it does
    Adds up the tokens of the prompt's literal parts and the output cap (`max_tokens`,
    `max_completion_tokens`, `max_output_tokens`, `num_predict`, … — or `default_output_tokens` from
    the config when the call sets none) and compares them with the model's context window from the
    price data. Also reports a cap above the model's own output limit. Deployment names mapped in
    `[tool.llmsight.models]` are checked against the model they map to.

    ## Why is this bad
    A request that does not fit is rejected (`context_length_exceeded`, HTTP 400) or, with some
    providers, silently truncated — and the literal parts are only a lower bound, so run-time content
    makes it worse. A cap above the output limit is rejected on every call.

    ## Example
    ```python
    client.chat.completions.create(model="gpt-4o", messages=messages, max_tokens=100000)
    ```

    ## Use instead
    ```python
    client.chat.completions.create(model="gpt-4o", messages=messages, max_tokens=16384)
    ```
    or trim the prompt, or move to a model with a larger window.

    ## Fix safety
    Lowering the cap is unsafe: answers longer than the new cap are cut off. When the prompt alone
    does not fit, the fix only names the cheapest model of the same provider whose window fits
    (display-only): another model answers differently and costs differently.
    """

    code = "LLM005"
    name = "context-overflow"
    severity = "error"
    summary = "Static prompt tokens plus the output cap exceed the model's context window or output limit"

    VALID = [
        Valid("""
            from openai import OpenAI
            client = OpenAI()
            client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "Hi"}],
                                           max_tokens=1000)
        """),
        Valid("""
            import anthropic
            client = anthropic.Anthropic()
            client.messages.create(model="claude-sonnet-4-5", max_tokens=64000,
                                   messages=[{"role": "user", "content": "Summarise the report."}])
        """),
        # the cap is only known at run time
        Valid("""
            import litellm
            def ask(cap):
                return litellm.completion(model="gpt-4", messages=[{"role": "user", "content": "Hi"}], max_tokens=cap)
        """),
        # a deployment name mapped to a model with a large window
        Valid("""
            from openai import AzureOpenAI
            client = AzureOpenAI(azure_endpoint="https://acme.openai.azure.com", api_version="2024-06-01")
            client.chat.completions.create(model="prod-chat", messages=[{"role": "user", "content": "Hi"}],
                                           max_tokens=8000)
        """, config={"models": {"prod-chat": "gpt-4o"}}),
        # the cap comes with the caller's `**kwargs`: no output size is assumed for it
        Valid("""
            from openai import OpenAI
            client = OpenAI()
            SYSTEM = %s
            def ask(**kwargs):
                return client.chat.completions.create(model="gpt-4", messages=[{"role": "system", "content": SYSTEM}],
                                                      **kwargs)
        """ % _NEAR_FULL),
    ]
    INVALID = [
        Invalid("""
            from openai import OpenAI
            client = OpenAI()
            client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "Hi"}],
                                           max_tokens=100000)
        """, expected_fix="""
            from openai import OpenAI
            client = OpenAI()
            client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "Hi"}],
                                           max_tokens=16384)
        """, message="above gpt-4o's output limit of 16,384 tokens"),
        Invalid("""
            import anthropic
            client = anthropic.Anthropic()
            MAX_TOKENS = 128000
            client.messages.create(model="claude-sonnet-4-5", max_tokens=MAX_TOKENS,
                                   messages=[{"role": "user", "content": "Write the whole book."}])
        """, expected_fix="""
            import anthropic
            client = anthropic.Anthropic()
            MAX_TOKENS = 64000
            client.messages.create(model="claude-sonnet-4-5", max_tokens=MAX_TOKENS,
                                   messages=[{"role": "user", "content": "Write the whole book."}])
        """, message="output limit of 64,000"),
        Invalid("""
            from google import genai
            from google.genai import types
            client = genai.Client()
            client.models.generate_content(model="gemini-2.5-flash", contents="Hi",
                                           config=types.GenerateContentConfig(max_output_tokens=100000))
        """, expected_fix="""
            from google import genai
            from google.genai import types
            client = genai.Client()
            client.models.generate_content(model="gemini-2.5-flash", contents="Hi",
                                           config=types.GenerateContentConfig(max_output_tokens=65536))
        """),
        # the prompt alone is larger than gpt-4's 8,192-token window
        Invalid("""
            from openai import OpenAI
            client = OpenAI()
            SYSTEM = %s
            client.chat.completions.create(model="gpt-4", max_tokens=500,
                                           messages=[{"role": "system", "content": SYSTEM}])
        """ % _BIG, message="context window of 8,192 tokens"),
        # a cap set in a config object held in a variable: the fix lowers it where it is written
        Invalid("""
            from google import genai
            from google.genai import types
            client = genai.Client()
            cfg = types.GenerateContentConfig(temperature=0, max_output_tokens=100000)
            client.models.generate_content(model="gemini-2.5-flash", contents="Hi", config=cfg)
        """, expected_fix="""
            from google import genai
            from google.genai import types
            client = genai.Client()
            cfg = types.GenerateContentConfig(temperature=0, max_output_tokens=65536)
            client.models.generate_content(model="gemini-2.5-flash", contents="Hi", config=cfg)
        """, message="output limit of 65,536"),
    ]

    def check(self, ctx: FileContext) -> Iterable[Diagnostic]:
        from llmsight.knowledge.catalog import Catalog

        catalog = Catalog.load(ctx.config)
        for site, model, _call in model_sites(ctx, _OPERATIONS):
            info = catalog_entry(catalog, site, model)
            if info is None:
                continue  # LLM009 reports unknown models
            diag = self._check_site(ctx, catalog, site, model, info)
            if diag is not None:
                yield diag

    def _check_site(self, ctx: FileContext, catalog, site: CallSite, model: str, info) -> Diagnostic | None:
        from llmsight.knowledge.catalog import generates_text

        window, out_limit = info.max_input_tokens, info.max_output_tokens
        cap = site.max_tokens.value if isinstance(site.max_tokens.value, int) and site.max_tokens.value > 0 else None
        # a cap set where we cannot see it (`**kwargs`, a dict handed in) is not assumed to be the default
        unseen_cap = site.max_tokens.source == "unresolved"
        no_text = site.operation == "embedding" or not generates_text(info)   # vectors, images: no output counted
        output = 0 if no_text or (cap is None and unseen_cap) else (cap or ctx.config.default_output_tokens)
        prompt = site.prompt.static_tokens
        shown = info.name if info.name == model else f"{model} ({info.name})"
        problems = []
        if cap is not None and out_limit and cap > out_limit:
            problems.append(f"the output cap {_n(cap)} is above {shown}'s output limit of {_n(out_limit)} tokens, "
                            "so every call is rejected")
        overflow = bool(window) and prompt + output > window
        if overflow:
            what = f"output cap {_n(cap)}" if cap else (
                "no output" if no_text
                else f"an output cap set at run time ({site.max_tokens.expr})" if unseen_cap
                else f"{_n(output)} expected output tokens (default_output_tokens; the call sets no cap)")
            dyn = " (literal parts only; run-time content adds more)" if site.prompt.dynamic else ""
            problems.append(f"the prompt's {_n(prompt)} static tokens{dyn} plus {what} make {_n(prompt + output)}, "
                            f"over {shown}'s context window of {_n(window)} tokens")
        if not problems:
            return None
        fixes = []
        room = [x for x in (out_limit, (window - prompt) if window else None) if x is not None]
        target = min(room) if room else None
        if cap is not None and target is not None and 0 < target < cap:
            fixes.append(self._lower_cap(ctx, site, cap, target))
        if overflow and (prompt >= window or cap is None):
            bigger = _cheapest_larger(catalog, info, prompt + output)
            if bigger is not None:
                fixes.append(Fix(f"Switch to `{with_prefix(model, bigger.name)}` ({_n(bigger.max_input_tokens)}-token "
                                 f"window, the cheapest {info.provider} model that fits)", (), "display-only"))
        message = "; ".join(problems)
        return ctx.diagnostic(self, ctx.call_nodes[site.id], message[0].upper() + message[1:] + ".", site, fixes)

    def _lower_cap(self, ctx: FileContext, site: CallSite, cap: int, target: int) -> Fix:
        title = f"Lower the output cap from {_n(cap)} to {_n(target)}"
        node = literal_node(ctx, site, site.max_tokens, CAP_KEYWORDS, positional=False)
        edit = replace_literal(ctx, node, target) if node is not None else None
        if edit is not None:
            return Fix(title, (edit,), "unsafe")
        where = where_defined(ctx, site.max_tokens)
        return Fix(f"{title} (in {where})" if where else title, (), "display-only")


def _cheapest_larger(catalog, info, needed: int):
    """The cheapest current model of the same provider and mode whose window holds `needed` tokens."""
    today = model_helpers.today().isoformat()
    best = None
    for name in catalog.names():
        m = catalog.lookup(name)
        if (m is None or m.provider != info.provider or m.mode != info.mode or not m.max_input_tokens
                or m.max_input_tokens < needed or m.input_cost_per_token is None or name.startswith("ft:")
                or (m.deprecation_date and m.deprecation_date <= today)):
            continue
        key = (m.input_cost_per_token, m.output_cost_per_token or 0.0, name)
        if best is None or key < best[0]:
            best = (key, m)
    return best[1] if best else None
