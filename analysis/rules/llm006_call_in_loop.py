"""LLM006: one request per item of a loop or comprehension, where a batch, concurrency or a cache would do."""
from __future__ import annotations

import ast
from typing import Iterable

from llmsight.analysis.context import HANDED_RUNNERS, FileContext, RunnerElsewhere, SourceMap
from llmsight.analysis.modules import split_lines
from llmsight.analysis.rules._loops import COMPREHENSIONS, LOOPS, depends_on_previous, repeating_loop, walk_local
from llmsight.analysis.rules._sdk_fixes import callee_name, parents, sdk_name
from llmsight.analysis.rules.base import Invalid, Rule, Valid
from llmsight.records import CallSite, Diagnostic, Fix

# providers with an asynchronous batch API at half the price (results within 24 h)
BATCH_APIS = {
    "openai": "OpenAI's Batch API", "anthropic": "Anthropic's Message Batches API",
    "google": "Gemini's Batch Mode", "bedrock": "Bedrock batch inference",
}
# embedding requests that take a list of inputs
_LIST_INPUT = {"openai": "input=[...]", "litellm": "input=[...]", "google": "contents=[...]",
               "cohere": "texts=[...]", "ollama": "input=[...]", "mistral": "inputs=[...]",
               "langchain": "embed_documents([...])", "together": "input=[...]"}


# what providers' batch APIs take: chat, completions, Responses and embeddings (not audio, images, rerank)
_BATCHABLE = frozenset({"chat", "completion", "responses", "embedding"})
# request methods that take a list of requests and send them at once
_BATCH_METHODS = frozenset({"batch_completion", "abatch_completion", "batch", "abatch"})
# iterables of batches: itertools.batched, more_itertools.chunked/ichunked, and the usual helper names
_BATCHERS = frozenset({"batched", "chunked", "ichunked", "batch", "batches", "chunks", "chunk_list", "iter_batches"})


class CallInLoop(Rule):
    """## What it does
    Flags an LLM request made once per item of a `for` loop or a comprehension, and says what is
    cheaper or faster for that SDK: the provider's batch API (OpenAI, Anthropic, Gemini and Bedrock
    batches cost 50% less when results can wait up to 24 h), bounded concurrency instead of one call
    after another, one embedding request for a whole list, or caching repeated prompts. For a fan-out
    through `asyncio.gather(...)` or a thread pool it suggests bounding the concurrency; when the
    request already runs under a semaphore or rate limiter (`async with sem:`), it names that limit and
    suggests only the batch API.
    A per-item mapper is a loop (`df["text"].apply(lambda t: …)`, `.map`, `.progress_apply`, `map(f, xs)`,
    `pool.map`), and a request in a helper counts when the module runs the helper once per item
    (`asyncio.gather(*[one(x) for x in xs])`, `for row in rows: process(row)`, `pool.map(process, rows)`,
    `pool.submit(process, row)` in a loop, up to three calls up), or another module of the project does
    (`for d in docs: summarize(d)` in a jobs module; a method only when the package defines its name once);
    the finding names that call, and its file when it is another.

    Not flagged: retry loops (LLM002's business, including `for attempt in range(3)` loops that stop
    on success), `while` loops (agent loops, chat REPLs, polling), loops where each request
    depends on the previous one (a conversation that grows, a prompt made from the last reply,
    `draft = create(…draft…)`, a stream's growing buffer), loops that return or break right after the
    request (it runs once), and embedding or `batch_completion` loops whose requests each take a batch (a
    slice `texts[i:i + 100]`, a `chunk` the loop slices, or `for chunk in batched(texts, 64)`).
    The severity is `info`: a short loop is often fine; raise it in `[tool.llmsight.severity]`.

    ## Why is this bad
    N sequential requests take N × the latency; the same N requests concurrently take about one,
    and through a batch API cost half. Embedding one text per request pays the round trip N times
    and hits the requests-per-minute limit long before the tokens-per-minute one.

    ## Example
    ```python
    summaries = [client.chat.completions.create(model="gpt-4o-mini", messages=[m]) for m in docs]
    ```

    ## Use instead
    ```python
    # latency: bounded concurrency
    async with asyncio.TaskGroup() as tg: ...
    # cost: the Batch API (JSONL of requests, 50% off, results within 24 h)
    client.batches.create(input_file_id=file.id, endpoint="/v1/chat/completions", completion_window="24h")
    ```

    ## Fix safety
    Display-only: batching, concurrency and caching change how the code is structured.
    """

    code = "LLM006"
    name = "call-in-loop"
    severity = "info"
    summary = "Request per loop item: consider the batch API (50% off), concurrency or caching"

    VALID = [
        Valid("""
            from openai import OpenAI
            client = OpenAI()
            client.embeddings.create(model="text-embedding-3-small", input=texts)
        """),
        Valid("""
            import time
            from openai import OpenAI
            client = OpenAI()
            def ask(messages):
                for attempt in range(3):
                    try:
                        return client.chat.completions.create(model="gpt-4o", messages=messages)
                    except Exception:
                        time.sleep(2 ** attempt)
        """),
        Valid("""
            import anthropic
            client = anthropic.Anthropic()
            def agent(messages, tools):
                for step in range(10):
                    reply = client.messages.create(model="claude-sonnet-4-5", max_tokens=1024, messages=messages, tools=tools)
                    messages.append({"role": "assistant", "content": reply.content})
                    if reply.stop_reason != "tool_use":
                        return reply
        """),
        Valid("""
            import ollama
            while True:
                question = input("> ")
                print(ollama.chat("llama3.1", messages=[{"role": "user", "content": question}]))
        """),
        Valid("""
            import litellm
            def refine(draft):
                for _ in range(3):
                    reply = litellm.completion(model="gpt-4o-mini", messages=[{"role": "user", "content": draft}])
                    draft = reply.choices[0].message.content
                return draft
        """),
        # each request already embeds a batch of texts
        Valid("""
            from openai import OpenAI
            client = OpenAI()
            def embed(texts):
                vectors = []
                for i in range(0, len(texts), 100):
                    vectors += client.embeddings.create(model="text-embedding-3-small", input=texts[i:i + 100]).data
                return vectors
        """),
    ]
    INVALID = [
        Invalid("""
            from openai import OpenAI
            client = OpenAI()
            def summarise(docs):
                return [client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": d}])
                        for d in docs]
        """, message="OpenAI's Batch API costs 50% less"),
        Invalid("""
            import anthropic
            client = anthropic.Anthropic()
            def label(tickets):
                out = {}
                for t in tickets:
                    out[t.id] = client.messages.create(model="claude-3-5-haiku-latest", max_tokens=50, messages=[t.as_message()])
                return out
        """, message="Message Batches API"),
        Invalid("""
            from openai import OpenAI
            client = OpenAI()
            def embed(texts):
                return [client.embeddings.create(model="text-embedding-3-small", input=t).data[0].embedding for t in texts]
        """, message="input=[...]"),
        Invalid("""
            import asyncio
            from google import genai
            client = genai.Client()
            async def run(prompts):
                return await asyncio.gather(*(client.aio.models.generate_content(model="gemini-2.5-flash", contents=p)
                                              for p in prompts))
        """, message="bound the concurrency"),
        Invalid("""
            import boto3
            runtime = boto3.client("bedrock-runtime")
            for row in rows:
                runtime.converse(modelId="amazon.nova-lite-v1:0", messages=[row])
        """, message="Bedrock batch inference"),
        Invalid("""
            from langchain_openai import ChatOpenAI
            llm = ChatOpenAI(model="gpt-4o-mini")
            answers = [llm.invoke(q) for q in questions]
        """, message="call .batch(inputs"),
        Invalid("""
            from openai import OpenAI
            client = OpenAI()
            def summarize(text):
                return client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": text}])
            def summarize_all(df):
                df["summary"] = df["text"].apply(summarize)
        """, message="once per item of `apply(…)`"),
    ]

    def check(self, ctx: FileContext) -> Iterable[Diagnostic]:
        for site in ctx.sites:
            call = ctx.call_nodes.get(site.id)
            if call is None or not site.in_loop:
                continue
            loop, repeated, where = repeating_loop(ctx, call), call, ctx   # `where`: the file the loop is in
            runner = ctx.loop_nodes.get(site.id)
            if loop is None and isinstance(runner, RunnerElsewhere):
                # the function is called per item in another module of the project (discovery)
                where = ctx.memo(f"llm006-module-{id(runner.mod)}", lambda m=runner.mod: _module_context(ctx, m))
                loop, repeated = repeating_loop(where, runner.node), runner.node
            elif loop is None and runner is not None and not any(a is runner for a in ctx.ancestors(call)):
                # the function the request is in is called per item, or handed to a mapper (discovery)
                loop, repeated = repeating_loop(ctx, runner), runner
            if loop is None or isinstance(loop, ast.While) or isinstance(repeated, ast.Call) and depends_on_previous(where, loop, repeated) \
                    or _takes_many(site) and _embeds_a_batch(loop, repeated if isinstance(repeated, ast.Call) else call):
                continue
            concurrent = isinstance(loop, COMPREHENSIONS) and _gathered(where, loop) or _pooled(where, loop) \
                or _handed_to_pool(where, repeated)
            said = self._message(site, ctx, loop, concurrent, _limiter(ctx, call) if concurrent else None)
            if said is None:
                continue
            message, advice = said
            shown = _handing_call(where, repeated) or repeated
            if where is not ctx:
                message += f" (through `{where.segment(shown)}` at {where.path}:{shown.lineno})"
            elif repeated is not call and not any(a is call for a in ctx.ancestors(repeated)):
                message += f" (through `{ctx.segment(shown)}` at line {ctx.span_of(shown).start_line})"
            yield ctx.diagnostic(self, call, message, site, (Fix(advice, (), "display-only"),))

    @staticmethod
    def _message(site: CallSite, ctx: FileContext, loop: ast.AST, concurrent: bool,
                 limiter: str | None = None) -> tuple[str, str] | None:
        """`concurrent`: the requests run at once; `limiter`: the semaphore that bounds them, as written; None
        when there is nothing to advise."""
        where = "a comprehension" if isinstance(loop, COMPREHENSIONS) else "a loop" if not isinstance(loop, ast.Call) else \
            f"`{ctx.segment(loop.func).rsplit('.', 1)[-1]}(…)`"   # a per-item mapper: `df.text.apply(…)`
        batch = BATCH_APIS.get(site.sdk)
        batch_text = "" if site.operation not in _BATCHABLE else \
            f"{batch} costs 50% less when results can wait (up to 24 h)" if batch else \
            "a provider batch API (50% off at OpenAI and Anthropic) suits work that can wait"
        if site.operation == "embedding":
            arg = _LIST_INPUT.get(site.sdk, "a list of inputs")
            text = (f"one embedding request per item of {where}: pass the items as {arg} to embed many in one "
                    f"request (fewer round trips, far below the requests-per-minute limit)")
            return text, f"Embed the whole list in one request with {arg}, in chunks if it is large"
        if limiter is not None:
            if not batch_text:
                return None   # bounded already, and no batch API takes this kind of request: nothing to advise
            text = (f"fans out one request per item through {sdk_name(site, ctx)}, as many at once as `{limiter}` "
                    f"allows: {batch_text}")
            return text, "Send them as a batch job when the results can wait"
        if concurrent:
            text = (f"fans out one request per item at once through {sdk_name(site, ctx)}: bound the concurrency "
                    f"(a semaphore) to stay under the rate limit{'; ' + batch_text if batch_text else ''}")
            return text, "Limit concurrent requests with asyncio.Semaphore" + (", or send them as a batch job" if batch_text else "")
        if site.sdk == "langchain":
            concurrently = 'call .batch(inputs, config={"max_concurrency": N}) to run them concurrently'
        else:
            concurrently = "run them concurrently (bounded)"
        if not batch_text:
            text = (f"{sdk_name(site, ctx)} is called once per item of {where}, one call after another: "
                    f"{concurrently} or cache repeated inputs")
            return text, f"{concurrently[0].upper()}{concurrently[1:]}, or cache repeated inputs"
        text = (f"{sdk_name(site, ctx)} is called once per item of {where}, one call after another: {batch_text}; "
                f"otherwise {concurrently} or cache repeated prompts")
        return text, f"Batch the requests (batch API), {concurrently}, or cache repeated prompts"


def _takes_many(site: CallSite) -> bool:
    """A request that takes many inputs at once: an embedding of a list, or a batch method (litellm's
    `batch_completion`, LangChain's `.batch`), which a loop over chunks feeds a chunk at a time."""
    return site.operation == "embedding" or site.api.rsplit(".", 1)[-1] in _BATCH_METHODS


def _embeds_a_batch(loop: ast.AST, call: ast.Call) -> bool:
    """Each request already takes many inputs: its input is a slice (`texts[i:i + 100]`), a name the loop binds
    to one (`chunk = texts[i:i + size]`), or the loop walks batches (`for chunk in batched(texts, 64)`,
    `chunked(…)`) that the request reads."""
    arguments = [*call.args, *(k.value for k in call.keywords)]
    if any(isinstance(n, ast.Subscript) and isinstance(n.slice, ast.Slice) for a in arguments for n in ast.walk(a)):
        return True
    read = {n.id for a in arguments for n in ast.walk(a) if isinstance(n, ast.Name)}
    if isinstance(loop, (ast.For, ast.AsyncFor)) and read & {
            t.id for n in walk_local(loop.body) if isinstance(n, ast.Assign) and isinstance(n.value, ast.Subscript)
            and isinstance(n.value.slice, ast.Slice) for t in n.targets if isinstance(t, ast.Name)}:
        return True
    for target, iterable in [(loop.target, loop.iter)] if isinstance(loop, (ast.For, ast.AsyncFor)) else \
            [(g.target, g.iter) for g in getattr(loop, "generators", ())]:
        batches = any(isinstance(n, ast.Call) and (n.func.attr if isinstance(n.func, ast.Attribute) else
                                                   getattr(n.func, "id", "")) in _BATCHERS for n in ast.walk(iterable))
        if batches and read & {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}:
            return True
    return False


def _limiter(ctx: FileContext, call: ast.AST) -> str | None:
    """The `async with semaphore:` (or rate limiter) the request runs under in its function, as written."""
    for node in ctx.ancestors(call):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            return None
        if isinstance(node, (ast.With, ast.AsyncWith)):
            for item in node.items:
                text = ctx.segment(item.context_expr)
                if any(word in text.lower() for word in ("sem", "limit")):
                    return text
    return None


def _module_context(ctx: FileContext, mod) -> FileContext:
    """A context for reading the loop in another module of the project (a ModuleInfo) as this file's loops are."""
    return FileContext(path=mod.path, source=mod.source, tree=mod.tree, srcmap=SourceMap(split_lines(mod.source) or [""]),
                       config=ctx.config)


def _handing_call(ctx: FileContext, node: ast.AST) -> ast.Call | None:
    """The call a function is handed to, to run now (`pool.submit(f, x)`, `asyncio.to_thread(f, x)`)."""
    runner = parents(ctx, node).get(node)
    return runner if isinstance(runner, ast.Call) and any(a is node for a in runner.args) \
        and callee_name(runner) in HANDED_RUNNERS else None


def _handed_to_pool(ctx: FileContext, node: ast.AST) -> bool:
    """`pool.submit(f, x)`, `loop.run_in_executor(None, f, x)` not awaited on the spot: the function handed
    runs in a pool while the loop goes on, so the requests run at once."""
    runner = _handing_call(ctx, node)
    return runner is not None and not isinstance(ctx.parents.get(runner), ast.Await)


def _pooled(ctx: FileContext, loop: ast.AST) -> bool:
    """A per-item mapper of a thread or process pool (`executor.map(f, xs)`, `pool.imap(…)`, tqdm's
    `thread_map`): the requests run at once, not one after another."""
    if not isinstance(loop, ast.Call):
        return False
    texts = [ctx.segment(loop.func)]
    receiver = loop.func.value if isinstance(loop.func, ast.Attribute) else None
    if isinstance(receiver, ast.Name):   # `with ThreadPoolExecutor(8) as ex: ex.map(…)`
        scope = next((a for a in ctx.ancestors(loop) if isinstance(a, (ast.FunctionDef, ast.AsyncFunctionDef))), ctx.tree)
        texts += _bindings(ctx, scope).get(receiver.id, [])
    text = " ".join(texts).lower()
    return text.endswith(("thread_map", "process_map")) or any(w in text for w in ("pool", "executor"))


def _bindings(ctx: FileContext, scope: ast.AST) -> dict[str, list[str]]:
    """What each name is bound to in `scope` (`x = …`, `with … as x`), as written: read once per scope for
    the file, not once per mapped request (a walk each time was quadratic in a module of such requests)."""
    def read() -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for node in ast.walk(scope):
            bound = [(i.optional_vars, i.context_expr) for i in node.items] if isinstance(node, (ast.With, ast.AsyncWith)) \
                else [(t, node.value) for t in node.targets] if isinstance(node, ast.Assign) else []
            for target, value in bound:
                if isinstance(target, ast.Name):
                    out.setdefault(target.id, []).append(ctx.segment(value))
        return out
    return ctx.memo(f"llm006-bindings-{id(scope)}", read)


def _gathered(ctx: FileContext, comp: ast.AST) -> bool:
    """`asyncio.gather(*(… for …))` / `gather(*[…])`, or `tasks = [… for …]` then `gather(*tasks)` in the same
    function: the comprehension builds concurrent tasks."""
    up = parents(ctx, comp)
    node = up.get(comp)
    if isinstance(node, ast.Starred):
        node = up.get(node)
    if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
        name = node.targets[0].id
        scope = next((a for a in ctx.ancestors(node) if isinstance(a, (ast.FunctionDef, ast.AsyncFunctionDef))), ctx.tree)
        return any(_is_gather(n) and any(isinstance(a, ast.Name) and a.id == name for arg in n.args
                                         for a in [arg.value if isinstance(arg, ast.Starred) else arg])
                   for n in walk_local(scope.body))
    return isinstance(node, ast.Call) and _is_gather(node) and not isinstance(comp, LOOPS)


def _is_gather(call: ast.AST) -> bool:
    """A call that runs the awaitables it is handed at once (`asyncio.gather`, `wait`, `as_completed`, a pool's `map`)."""
    return isinstance(call, ast.Call) and callee_name(call) in ("gather", "as_completed", "wait", "map")
