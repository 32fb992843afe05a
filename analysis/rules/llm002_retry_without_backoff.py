"""LLM002: a hand-written retry loop around a request that does not back off, or never gives up."""
from __future__ import annotations

import ast
from types import SimpleNamespace
from typing import Iterable

from llmsight.analysis.context import FileContext
from llmsight.analysis.fixes import insert_before_line, replace_node
from llmsight.analysis.rules._loops import RetryLoop, handler_retries, loop_around, retry_loop
from llmsight.analysis.rules._sdk_fixes import Imports, ensure_import, file_binds, sdk_defaults, sdk_name
from llmsight.analysis.rules.base import Invalid, Rule, Valid
from llmsight.records import CallSite, Diagnostic, Edit, Fix

MAX_BACKOFF_S = 60


class RetryWithoutBackoff(Rule):
    """## What it does
    Flags a hand-written retry loop around an LLM request (`for attempt in range(N)`, `while True`,
    `while retries < N` with a `try`/`except` that goes round again) that retries at once, sleeps a
    constant time between attempts, or never gives up. Loops whose sleep grows with the attempt
    (`2 ** attempt`, `delay *= 2`, `attempt * 5`, or a name the loop sets from such an expression:
    `delay = base * factor ** attempt`), honour the error's retry-after, or call a backoff helper are
    fine, and so are tenacity/backoff decorators.

    ## Why is this bad
    Rate limits (429) and overloads (529/503) clear only when callers slow down. Immediate or
    constant-interval retries from every worker arrive in lockstep and keep the provider saturated,
    burning quota and your own retry budget; an unbounded loop turns an outage into a hang. The SDKs
    already retry (OpenAI and Anthropic twice, with exponential backoff and jitter), so a loop
    around them multiplies attempts: 3 loop attempts × 3 SDK attempts = 9 requests.

    ## Example
    ```python
    for attempt in range(5):
        try:
            return client.chat.completions.create(model="gpt-4o", messages=messages)
        except openai.RateLimitError:
            time.sleep(2)
    ```

    ## Use instead
    ```python
    for attempt in range(5):
        try:
            return client.chat.completions.create(model="gpt-4o", messages=messages)
        except openai.RateLimitError:
            time.sleep(min(2 * 2 ** attempt, 60) + random.uniform(0, 1))
    ```
    Or drop the loop and let the SDK retry: `OpenAI(max_retries=5)`, `litellm.completion(num_retries=5)`,
    botocore `Config(retries={"mode": "adaptive"})`, LangChain `.with_retry()`, or tenacity's
    `@retry(wait=wait_random_exponential(max=60), stop=stop_after_attempt(5))`.

    ## Fix safety
    Unsafe: retries wait longer, so a failing request takes longer to give up. When the loop has an
    attempt counter, the fix rewrites a constant sleep into capped exponential backoff with jitter,
    or adds such a sleep (`await asyncio.sleep` in async code) at the end of each retrying handler
    (adding `import random`); loops with no bound or no counter get a display-only suggestion.
    Suppress with a comment on the loop's first line.
    """

    code = "LLM002"
    name = "retry-without-backoff"
    severity = "warning"
    summary = "Hand-written retry loop with no or constant backoff, or no bound"

    VALID = [
        Valid("""
            import time
            import openai
            client = openai.OpenAI()
            def ask(messages):
                for attempt in range(5):
                    try:
                        return client.chat.completions.create(model="gpt-4o", messages=messages)
                    except openai.RateLimitError:
                        time.sleep(2 ** attempt)
        """),
        Valid("""
            import time
            from litellm import completion, RateLimitError
            def ask(messages, base_delay=2, factor=2, attempts=3):
                for attempt in range(attempts):
                    try:
                        return completion(model="gpt-4o", messages=messages)
                    except RateLimitError:
                        if attempt == attempts - 1:
                            raise
                        delay = base_delay * (factor ** attempt)
                        time.sleep(delay)
        """),
        Valid("""
            import asyncio
            import anthropic
            client = anthropic.AsyncAnthropic()
            async def ask(messages):
                delay = 1.0
                retries = 0
                while retries < 4:
                    try:
                        return await client.messages.create(model="claude-sonnet-4-5", max_tokens=256, messages=messages)
                    except anthropic.APIStatusError:
                        retries += 1
                        await asyncio.sleep(delay)
                        delay *= 2
        """),
        Valid("""
            from tenacity import retry, stop_after_attempt, wait_random_exponential
            import litellm
            @retry(wait=wait_random_exponential(max=60), stop=stop_after_attempt(5))
            def ask(messages):
                return litellm.completion(model="gpt-4o-mini", messages=messages)
        """),
        Valid("""
            import time
            from openai import OpenAI
            client = OpenAI()
            def summarise(docs):
                for doc in docs:
                    try:
                        client.chat.completions.create(model="gpt-4o-mini", messages=[doc])
                    except Exception:
                        time.sleep(1)
        """),
        Valid("""
            import time
            import openai
            client = openai.OpenAI()
            def ask(messages):
                for attempt in range(3):
                    try:
                        return client.chat.completions.create(model="gpt-4o", messages=messages)
                    except openai.RateLimitError as err:
                        time.sleep(float(err.response.headers.get("retry-after", 1)))
        """),
    ]
    INVALID = [
        Invalid("""
            import time
            import openai
            client = openai.OpenAI()
            def ask(messages):
                for attempt in range(5):
                    try:
                        return client.chat.completions.create(model="gpt-4o", messages=messages)
                    except openai.RateLimitError:
                        time.sleep(2)
        """, expected_fix="""
            import random
            import time
            import openai
            client = openai.OpenAI()
            def ask(messages):
                for attempt in range(5):
                    try:
                        return client.chat.completions.create(model="gpt-4o", messages=messages)
                    except openai.RateLimitError:
                        time.sleep(min(2 * 2 ** attempt, 60) + random.uniform(0, 1))
        """, message="waits a constant 2 s"),
        Invalid("""
            import anthropic
            client = anthropic.Anthropic()
            def ask(messages):
                for _ in range(3):
                    try:
                        response = client.messages.create(model="claude-sonnet-4-5", max_tokens=512, messages=messages)
                        break
                    except Exception as exc:
                        print("retrying", exc)
                return response
        """, expected_fix="""
            import random
            import time

            import anthropic
            client = anthropic.Anthropic()
            def ask(messages):
                for _ in range(3):
                    try:
                        response = client.messages.create(model="claude-sonnet-4-5", max_tokens=512, messages=messages)
                        break
                    except Exception as exc:
                        print("retrying", exc)
                        time.sleep(min(2 ** _, 60) + random.uniform(0, 1))
                return response
        """, message="retries immediately"),
        Invalid("""
            import asyncio
            import litellm
            async def ask(messages):
                while True:
                    try:
                        return await litellm.acompletion(model="gpt-4o-mini", messages=messages)
                    except Exception:
                        await asyncio.sleep(5)
        """, message="never gives up"),
        Invalid("""
            import time
            import boto3
            runtime = boto3.client("bedrock-runtime")
            RETRY_DELAY = 3
            def ask(messages):
                retries = 0
                while retries < 5:
                    try:
                        return runtime.converse(modelId="amazon.nova-lite-v1:0", messages=messages)
                    except Exception:
                        retries += 1
                        time.sleep(RETRY_DELAY)
        """, expected_fix="""
            import random
            import time
            import boto3
            runtime = boto3.client("bedrock-runtime")
            RETRY_DELAY = 3
            def ask(messages):
                retries = 0
                while retries < 5:
                    try:
                        return runtime.converse(modelId="amazon.nova-lite-v1:0", messages=messages)
                    except Exception:
                        retries += 1
                        time.sleep(min(RETRY_DELAY * 2 ** retries, 60) + random.uniform(0, 1))
        """, message="waits a constant"),
    ]

    def check(self, ctx: FileContext) -> Iterable[Diagnostic]:
        reported: set[int] = set()
        for site in ctx.sites:
            call = ctx.call_nodes.get(site.id)
            if call is None or not site.in_loop:
                continue
            loop, function = loop_around(ctx, call)
            found = retry_loop(loop, call, function) if loop is not None else None
            if found is None or found.decorated or id(found.loop) in reported:
                continue
            problem = self._problem(found, ctx)
            if problem is None:
                continue
            reported.add(id(found.loop))
            message = f"hand-written retry loop {problem}{self._sdk_note(site, ctx)}"
            yield ctx.diagnostic(self, _header(found.loop), message, site, (self._fix(ctx, site, found),))

    @staticmethod
    def _problem(found: RetryLoop, ctx: FileContext) -> str | None:
        if not found.bounded:
            return "never gives up: an outage becomes a hang that keeps hitting the provider"
        if not found.sleeps:
            return "retries immediately: every attempt lands while the rate limit or outage is still on"
        if not found.growing:
            sleep = found.sleeps[0]
            arg = ctx.segment(sleep.args[0]) if sleep.args else ""
            value = _constant_value(sleep.args[0], ctx) if sleep.args else None
            wait = f"a constant {value:g} s" if value is not None else f"a constant `{arg}`"
            return f"waits {wait} between attempts: clients retry in lockstep and keep the provider saturated"
        return None

    @staticmethod
    def _sdk_note(site: CallSite, ctx: FileContext) -> str:
        d = sdk_defaults(site)
        if site.retries.source == "sdk-default" and d.retries:
            return f"; {sdk_name(site, ctx)} already {d.retries_text}, so each attempt may be {d.retries + 1} requests"
        return ""

    def _fix(self, ctx: FileContext, site: CallSite, found: RetryLoop) -> Fix:
        knob = _sdk_knob(site)
        advice = f"Back off exponentially with jitter, capped at {MAX_BACKOFF_S} s" + (f", or {knob}" if knob else "")
        if not found.bounded or found.counter is None or (found.sleeps and found.constant_sleep is None):
            return Fix(advice, (), "display-only")
        if Imports.of(ctx).local_name_for("random") is None and file_binds(ctx.tree, "random"):
            return Fix(advice, (), "display-only")
        near = found.constant_sleep or found.loop
        random_name, import_random = ensure_import(ctx, "random", near=near)
        jitter = f"{random_name}.uniform(0, 1)"
        sleep = found.constant_sleep
        if sleep is not None:
            base = ctx.segment(sleep.args[0])
            if isinstance(sleep.args[0], (ast.BinOp, ast.BoolOp, ast.IfExp, ast.Lambda, ast.NamedExpr)):
                base = f"({base})"
            edits = [replace_node(ctx, sleep.args[0], f"min({base} * 2 ** {found.counter}, {MAX_BACKOFF_S}) + {jitter}")]
            title = f"Sleep min({base} × 2^{found.counter}, {MAX_BACKOFF_S}) s plus up to 1 s of jitter"
        else:
            inserted = self._sleep_in_handlers(ctx, found, jitter)
            if inserted is None:
                return Fix(advice, (), "display-only")
            edits = inserted
            title = f"Sleep min(2^{found.counter}, {MAX_BACKOFF_S}) s plus up to 1 s of jitter before retrying"
        return Fix(title, tuple(e for e in [import_random, *edits] if e is not None), "unsafe")

    @staticmethod
    def _sleep_in_handlers(ctx: FileContext, found: RetryLoop, jitter: str) -> list[Edit | None] | None:
        """Edits adding a backoff sleep at the end of every handler that retries (before a final
        `continue`), plus the import of `time`/`asyncio`; None when a handler's layout does not allow it."""
        module, prefix = ("asyncio", "await ") if found.in_async else ("time", "")
        sleep_name = Imports.of(ctx).local_name_for(f"{module}.sleep")
        edits: list[Edit | None] = []
        if sleep_name is None:
            module_name, import_module = ensure_import(ctx, module, near=found.loop)
            sleep_name = f"{module_name}.sleep"
            edits.append(import_module)
        statement = f"{prefix}{sleep_name}(min(2 ** {found.counter}, {MAX_BACKOFF_S}) + {jitter})"
        for handler in found.attempt.handlers:
            if not handler_retries(handler):
                continue
            last = handler.body[-1]
            before_continue = isinstance(last, ast.Continue)
            indent = ctx.lines[last.lineno - 1][:last.col_offset]
            if indent.strip() or last.lineno == handler.lineno:
                return None  # `except X: pass` on one line
            line = last.lineno if before_continue else (last.end_lineno or last.lineno) + 1
            edits.append(insert_before_line(ctx, line, f"{indent}{statement}\n"))
        return edits

def _header(loop: ast.AST) -> SimpleNamespace:
    """Position of the loop's header (`for attempt in range(5)` / `while True`) for the diagnostic."""
    end = loop.iter if isinstance(loop, (ast.For, ast.AsyncFor)) else loop.test  # type: ignore[attr-defined]
    return SimpleNamespace(lineno=loop.lineno, col_offset=loop.col_offset,  # type: ignore[attr-defined]
                           end_lineno=end.end_lineno, end_col_offset=end.end_col_offset)


def _constant_value(node: ast.AST, ctx: FileContext) -> float | None:
    """A sleep argument's number: a literal, or a module constant assigned once."""
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
        return float(node.value)
    if isinstance(node, ast.Name):
        values = [s.value for s in ctx.tree.body if isinstance(s, ast.Assign)
                  and any(isinstance(t, ast.Name) and t.id == node.id for t in s.targets)]
        if len(values) == 1:
            return _constant_value(values[0], ctx) if isinstance(values[0], ast.Constant) else None
    return None


def _sdk_knob(site: CallSite) -> str | None:
    """How the call's own SDK retries with backoff, for the suggestion."""
    return {
        "openai": "drop the loop and set max_retries=N on the client (the SDK backs off with jitter)",
        "anthropic": "drop the loop and set max_retries=N on the client (the SDK backs off with jitter)",
        "groq": "drop the loop and set max_retries=N on the client",
        "together": "drop the loop and set max_retries=N on the client",
        "cohere": "drop the loop and set max_retries=N on the client",
        "litellm": "drop the loop and pass num_retries=N (litellm backs off exponentially)",
        "bedrock": 'drop the loop and use Config(retries={"mode": "adaptive", "max_attempts": N}) on the client',
        "langchain": "drop the loop and use max_retries=N on the chat model or .with_retry()",
        "google": "drop the loop and set http_options retry_options on genai.Client",
    }.get(site.sdk, "use tenacity: @retry(wait=wait_random_exponential(max=60), stop=stop_after_attempt(N))")
