"""LLM011: a large static prompt prefix that the provider's prompt cache cannot reuse."""
from __future__ import annotations

import ast
from typing import Iterable

from llmsight.analysis.context import FileContext
from llmsight.analysis.fixes import replace_node
from llmsight.analysis.rules.base import Invalid, Rule, Valid
from llmsight.analysis.catalog_names import catalog_entry
from llmsight.analysis.rules.model_helpers import model_sites, split_provider
from llmsight.records import CallSite, Diagnostic, Fix

# prompts big enough to cache, built when the class is defined (examples are literal source)
_BIG = '"""' + "word " * 1500 + '"""'          # ~1,500 tokens: above 1,024, below Haiku's minimum
_CACHED = '[{"type": "text", "text": %s, "cache_control": {"type": "ephemeral"}}]'
_OPERATIONS = ("chat", "completion", "responses")


def _n(x: int) -> str:
    return f"{x:,}"


def _is_anthropic(site: CallSite, model: str, info) -> bool:
    """Anthropic models take explicit `cache_control` marks (through their SDK, litellm or LangChain)."""
    if site.sdk == "anthropic":
        return True
    provider = (info.provider or "") if info is not None else ""
    return provider == "anthropic" or (site.sdk in ("litellm", "langchain")
                                       and split_provider(model)[1].startswith("claude"))


def _is_str_expr(node: ast.AST) -> bool:
    """A string built only from literals (`"..."`, `"a" + "b"`, `"word " * 3`)."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _is_str_expr(node.left) and _is_str_expr(node.right)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
        return any(_is_str_expr(text) and isinstance(count, ast.Constant) and isinstance(count.value, int)
                   for text, count in ((node.left, node.right), (node.right, node.left)))
    return False


def _module_string(ctx: FileContext, name: str) -> bool:
    """`name` is bound once at module level in this file, to a string built from literals."""
    values = [stmt.value for stmt in ctx.tree.body
              if isinstance(stmt, (ast.Assign, ast.AnnAssign)) and stmt.value is not None
              and any(isinstance(t, ast.Name) and t.id == name
                      for t in (stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]))]
    return len(values) == 1 and _is_str_expr(values[0])


class CacheablePrefix(Rule):
    """## What it does
    Finds requests whose prompt has a static part large enough for the provider's prompt cache
    (the per-model minimum from the price data or llmsight's table: 1,024 tokens for OpenAI models
    and Claude Sonnet, 2,048-4,096 for Claude Haiku and some Opus models) that the cache cannot reuse:

    - the static part comes after dynamic content (an f-string field, a variable, a user message),
      so the prefix differs on every call and neither OpenAI's automatic caching nor an Anthropic
      cache breakpoint ever matches it;
    - on Anthropic models, the static prefix (system prompt first) carries no `cache_control` mark,
      and Anthropic caches only marked prefixes.

    ## Why is this bad
    Cached input costs a fraction of the normal rate (OpenAI 10-50 %, Anthropic 10 %) and shortens
    time to first token. A large system prompt re-sent uncached on every call pays full price for the
    same tokens again and again.

    ## Example
    ```python
    client.messages.create(model="claude-sonnet-4-5", max_tokens=500, system=LONG_INSTRUCTIONS,
                           messages=[{"role": "user", "content": question}])
    ```

    ## Use instead
    ```python
    client.messages.create(model="claude-sonnet-4-5", max_tokens=500,
                           system=[{"type": "text", "text": LONG_INSTRUCTIONS,
                                    "cache_control": {"type": "ephemeral"}}],
                           messages=[{"role": "user", "content": question}])
    ```
    For OpenAI, put the static instructions first and the per-request content after them.

    ## Fix safety
    Adding `cache_control` to an Anthropic `system=` string (a literal, or a module constant built
    from literals, which becomes a one-block list) or to the last block of a `system=[...]` list is
    unsafe: cache writes cost 25 % more than plain input, which only pays off when the prefix is
    reused within the cache lifetime (5 minutes). Reordering a prompt changes what the model sees,
    so it is display-only, as is marking a prefix that is not a plain `system=` prompt.
    """

    code = "LLM011"
    name = "cacheable-prefix"
    severity = "warning"
    summary = "Large static prompt prefix the provider's prompt cache cannot reuse (order, cache_control)"

    VALID = [
        Valid("""
            import anthropic
            anthropic.Anthropic().messages.create(
                model="claude-sonnet-4-5", max_tokens=500,
                system=[{"type": "text", "text": %s, "cache_control": {"type": "ephemeral"}}],
                messages=[{"role": "user", "content": "Hi"}])
        """ % _BIG),
        # below Haiku's cache minimum: nothing to cache
        Valid("""
            import anthropic
            anthropic.Anthropic().messages.create(model="claude-haiku-4-5", max_tokens=500, system=%s,
                                                  messages=[{"role": "user", "content": "Hi"}])
        """ % _BIG),
        # static instructions first, the per-request part after: OpenAI caches the prefix by itself
        Valid("""
            from openai import OpenAI
            def ask(question):
                return OpenAI().chat.completions.create(model="gpt-4o", messages=[
                    {"role": "system", "content": %s},
                    {"role": "user", "content": question}])
        """ % _BIG),
        Valid("""
            from openai import OpenAI
            def ask(question):
                return OpenAI().chat.completions.create(model="gpt-4o", messages=[
                    {"role": "user", "content": f"Answer briefly: {question}"}])
        """),
    ]
    INVALID = [
        Invalid("""
            import anthropic
            client = anthropic.Anthropic()
            def ask(question):
                return client.messages.create(model="claude-sonnet-4-5", max_tokens=500, system=%s,
                                              messages=[{"role": "user", "content": question}])
        """ % _BIG, expected_fix="""
            import anthropic
            client = anthropic.Anthropic()
            def ask(question):
                return client.messages.create(model="claude-sonnet-4-5", max_tokens=500, system=%s,
                                              messages=[{"role": "user", "content": question}])
        """ % (_CACHED % _BIG), message="cache_control"),
        Invalid("""
            import anthropic
            SYSTEM = %s
            def ask(question):
                return anthropic.Anthropic().messages.create(
                    model="claude-sonnet-4-5", max_tokens=500, system=SYSTEM,
                    messages=[{"role": "user", "content": question}])
        """ % _BIG, expected_fix="""
            import anthropic
            SYSTEM = %s
            def ask(question):
                return anthropic.Anthropic().messages.create(
                    model="claude-sonnet-4-5", max_tokens=500, system=%s,
                    messages=[{"role": "user", "content": question}])
        """ % (_BIG, _CACHED % "SYSTEM")),
        Invalid("""
            import anthropic
            def ask(question):
                return anthropic.Anthropic().messages.create(
                    model="claude-sonnet-4-5", max_tokens=500,
                    system=[
                        {"type": "text", "text": "You are a support agent."},
                        {"type": "text", "text": %s},
                    ],
                    messages=[{"role": "user", "content": question}])
        """ % _BIG, expected_fix="""
            import anthropic
            def ask(question):
                return anthropic.Anthropic().messages.create(
                    model="claude-sonnet-4-5", max_tokens=500,
                    system=[
                        {"type": "text", "text": "You are a support agent."},
                        {"type": "text", "text": %s, "cache_control": {"type": "ephemeral"}},
                    ],
                    messages=[{"role": "user", "content": question}])
        """ % _BIG),
        Invalid("""
            from openai import OpenAI
            def ask(user, question):
                return OpenAI().chat.completions.create(model="gpt-4o", messages=[
                    {"role": "system", "content": f"The user is {user}.\\n" + %s},
                    {"role": "user", "content": question}])
        """ % _BIG, message="after dynamic content"),
        Invalid("""
            import litellm
            def ask(question):
                return litellm.completion(model="anthropic/claude-sonnet-4-5", messages=[
                    {"role": "system", "content": %s},
                    {"role": "user", "content": question}])
        """ % _BIG, message="no `cache_control`"),
    ]

    def check(self, ctx: FileContext) -> Iterable[Diagnostic]:
        from llmsight.knowledge.catalog import Catalog
        from llmsight.knowledge.models import cache_min_tokens

        catalog = Catalog.load(ctx.config)
        for site, model, call in model_sites(ctx, _OPERATIONS):
            info = catalog_entry(catalog, site, model)
            names = [model, split_provider(model)[1]] + ([info.name] if info is not None else [])
            minimum = next((m for m in (cache_min_tokens(n, ctx.config) for n in names) if m), None)
            if minimum is None:
                continue
            prompt = site.prompt
            leading, after = prompt.largest_static_prefix_tokens, prompt.dynamic_before_static_tokens or 0
            anthropic = _is_anthropic(site, model, info)
            saving = _saving(info, max(leading, after))
            if after >= minimum and leading < minimum:
                message = (f"About {_n(after)} static prompt tokens come after dynamic content, so the prefix "
                           f"differs on every call and the prompt cache ({_n(minimum)}-token minimum for {model}) "
                           f"never reuses them{saving}; put the static text first and the per-request content "
                           "after it")
                yield ctx.diagnostic(self, call, message, site, [
                    Fix("Move the dynamic content after the static prefix", (), "display-only")])
            elif anthropic and leading >= minimum and not prompt.has_cache_control:
                message = (f"The static prompt prefix (about {_n(leading)} tokens, over the {_n(minimum)}-token "
                           f"cache minimum for {model}) has no `cache_control` mark, and Anthropic caches only "
                           f"marked prefixes{saving}; mark the system prompt with "
                           '`"cache_control": {"type": "ephemeral"}`')
                yield ctx.diagnostic(self, call, message, site, [self._mark_system(ctx, site, call)])

    def _mark_system(self, ctx: FileContext, site: CallSite, call: ast.Call) -> Fix:
        title = 'Mark the system prompt with cache_control {"type": "ephemeral"}'
        system = next((kw.value for kw in call.keywords if kw.arg == "system"), None)
        if site.sdk != "anthropic" or system is None:
            return Fix(title, (), "display-only")
        if _is_str_expr(system) or isinstance(system, ast.Name) and _module_string(ctx, system.id):
            return Fix(title, (replace_node(ctx, system, _CACHED % ctx.segment(system)),), "unsafe")
        last = system.elts[-1] if isinstance(system, ast.List) and system.elts else None
        if isinstance(last, ast.Dict) and None not in last.keys:   # a list of text blocks: mark the last one
            body = ctx.segment(last)[:-1].rstrip()
            marked = body + ("" if body.endswith(",") else ",") + ' "cache_control": {"type": "ephemeral"}}'
            return Fix(title, (replace_node(ctx, last, marked),), "unsafe")
        return Fix(title, (), "display-only")


def _saving(info, tokens: int) -> str:
    """`(cached reads would save about $X per call)` when the price data has both rates."""
    if info is None or info.input_cost_per_token is None or info.cache_read_input_token_cost is None:
        return ""
    per_call = tokens * (info.input_cost_per_token - info.cache_read_input_token_cost)
    return f" (cached reads would save about ${per_call:.4f} per call)" if per_call > 0 else ""
