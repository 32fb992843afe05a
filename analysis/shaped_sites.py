"""Requests known by their shape rather than by where the receiver came from, and method references
that are not requests.

A provider client is often handed in untyped (`client: Any`), fetched from another object
(`self.llm.aclient`) or made in a module this one never imports. The SDK's own request paths still say
what it is: `x.chat.completions.create(...)` is an OpenAI-shaped request whatever `x` is. Only paths that
ordinary libraries do not share count with no import evidence, and the shorter ones need the request's own
keywords too: Twilio's `client.messages.create(body=…, to=…)` is not an Anthropic request, one passing
`max_tokens=` and `messages=` is. The SDK reported is the shape's (`openai` for every OpenAI-compatible
client: the model decides the price route).

A request method merely referred to (`inspect.iscoroutinefunction(client.chat.completions.create)`,
`hasattr(client.chat, "completions")`) makes no request.
"""
from __future__ import annotations

import ast
import dataclasses

from llmsight.analysis import sdks

# request path (after `with_raw_response`/`with_streaming_response` are dropped) -> (kind family, keyword
# groups: the request must pass at least one keyword of each group; an empty tuple: the path alone is enough)
_ANY: tuple[frozenset[str], ...] = ()
_OPENAI_SHAPES: dict[str, tuple[frozenset[str], ...]] = {
    **{f"{beta}chat.completions.{verb}": _ANY for beta in ("", "beta.") for verb in ("create", "parse", "stream")},
    "embeddings.create": (frozenset({"input", "model"}),),
    "images.generate": (frozenset({"prompt"}),),
    "images.edit": (frozenset({"prompt"}),),
    "images.create_variation": (frozenset({"image"}),),
    "audio.speech.create": (frozenset({"input", "voice"}),),
    "audio.transcriptions.create": (frozenset({"file"}),),
    "audio.translations.create": (frozenset({"file"}),),
    # survey and form APIs have `responses.create` too: a model and what it is asked
    **{f"responses.{verb}": (frozenset({"model"}), frozenset({"input", "instructions", "previous_response_id"}))
       for verb in ("create", "parse", "stream")},
    "completions.create": (frozenset({"model"}), frozenset({"prompt"})),
}
# messaging APIs (Twilio, chat platforms) have `messages.create`: only Anthropic's asks for an output cap
_ANTHROPIC_SHAPES: dict[str, tuple[frozenset[str], ...]] = {
    f"{beta}messages.{verb}": (frozenset({"max_tokens"}), frozenset({"messages", "model"}))
    for beta in ("", "beta.") for verb in ("create", "stream", "parse")}
# google-genai's `client.models.generate_content(model=…, contents=…)` (and `client.aio.models.…`)
_GENAI_SHAPES: dict[str, tuple[frozenset[str], ...]] = {
    f"{aio}models.{verb}": (frozenset({"contents"}),) for aio in ("", "aio.")
    for verb in ("generate_content", "generate_content_stream", "embed_content")}
_GENAI_SHAPES.update({f"{aio}models.generate_images": (frozenset({"prompt"}),) for aio in ("", "aio.")})
# Mistral's `client.chat.complete(model=…, messages=…)`
_MISTRAL_SHAPES: dict[str, tuple[frozenset[str], ...]] = {
    f"chat.{verb}": (frozenset({"messages"}),) for verb in ("complete", "complete_async", "stream", "stream_async")}
SHAPES: tuple[tuple[sdks.ClientKind, sdks.ClientKind, dict[str, tuple[frozenset[str], ...]]], ...] = (
    (sdks.OPENAI, sdks.OPENAI_ASYNC, _OPENAI_SHAPES),
    (sdks.ANTHROPIC, sdks.ANTHROPIC_ASYNC, _ANTHROPIC_SHAPES),
    (sdks.GOOGLE_GENAI, sdks.GOOGLE_GENAI, _GENAI_SHAPES),
    (sdks.MISTRAL, sdks.MISTRAL, _MISTRAL_SHAPES),
)
_LONGEST = max(len(path.split(".")) for _, _, shapes in SHAPES for path in shapes)


def attribute_chain(node: ast.AST) -> tuple[ast.AST, list[str]]:
    """The root of `a.b.c` and its attribute names in order: (`a`, [`b`, `c`])."""
    names: list[str] = []
    while isinstance(node, ast.Attribute):
        names.append(node.attr)
        node = node.value
    names.reverse()
    return node, names


def request_shape(names: list[str], keywords: set[str], opaque: bool,
                  awaited: bool) -> tuple[sdks.ClientKind, str, int] | None:
    """The client kind, method path and the index in `names` where the path starts, of a call whose
    callee ends with an SDK's distinctive request path; `keywords` are those it passes (a readable
    `**dict`'s keys included), `opaque` when a `**kwargs` may pass others."""
    tail = names[-(_LONGEST + 2):]   # room for `with_raw_response` and the like
    offset = len(names) - len(tail)
    for i in range(len(tail)):   # longest path first: `beta.chat.completions.parse`, not `completions.parse`
        path = ".".join(p for p in tail[i:] if p not in sdks.TRANSPARENT_SEGMENTS)
        for sync, async_, shapes in SHAPES:
            groups = shapes.get(path)
            if groups is None:
                continue
            unmet = [group for group in groups if not keywords & group]
            # a `**kwargs` may pass what is missing when the call states the rest (or the OpenAI path is enough)
            if not unmet or opaque and (len(unmet) < len(groups) or len(groups) == 1 and sync is sdks.OPENAI):
                return async_ if awaited else sync, path, offset + i
            return None
    return None


# callables that look at a function or attribute without calling it
_INTROSPECTING_BUILTINS = frozenset({"hasattr", "getattr", "setattr", "delattr", "callable", "isinstance",
                                     "issubclass", "id", "type", "repr", "vars", "dir"})
_INTROSPECTING_ATTRS = frozenset({"iscoroutinefunction", "isfunction", "ismethod", "isroutine", "isbuiltin",
                                  "isawaitable", "iscoroutine", "isasyncgenfunction", "isgeneratorfunction",
                                  "signature", "getfullargspec", "getsource", "getdoc", "getmodule", "unwrap",
                                  "wraps", "update_wrapper"})


# calls that wrap the request function they are given into a client (`instructor.from_litellm(litellm.completion)`)
_CLIENT_WRAPPERS = frozenset(q.rsplit(".", 1)[-1] for q in sdks.INSTRUCTOR_FACTORIES) - {"patch"}


def only_refers(call: ast.Call) -> bool:
    """`hasattr(client.chat, "completions")`, `inspect.iscoroutinefunction(client.chat.completions.create)`,
    `instructor.from_litellm(litellm.completion)`: a call that inspects or wraps what it is given, and does not
    run it."""
    f = call.func
    if isinstance(f, ast.Name):
        return f.id in _INTROSPECTING_BUILTINS or f.id in _INTROSPECTING_ATTRS or f.id in _CLIENT_WRAPPERS
    return isinstance(f, ast.Attribute) and (f.attr in _INTROSPECTING_ATTRS or f.attr in _CLIENT_WRAPPERS)


def instructed_client(ev, qualname: str, node: ast.Call, scope, depth: int):
    """The client an instructor factory returns: the wrapped client (its first argument, or `client=`) with
    instructor's `create` family added, so its requests keep the wrapped client's SDK, model and settings; the
    factory's own kind when the wrapped client cannot be seen; a wrapped request function's SDK
    (`from_litellm(litellm.acompletion)`: litellm, async); a wrapped bound request method
    (`patch(create=client.messages.create)`) itself, called as a plain callable."""
    from llmsight.analysis.evaluate import Client, Const, Imported

    arg = node.args[0] if node.args else next((kw.value for kw in node.keywords
                                               if kw.arg in ("client", "completion", "create")), None)
    wrapped = ev.eval(arg, scope, depth) if arg is not None else None
    if isinstance(wrapped, Client) and not wrapped.path:
        return dataclasses.replace(wrapped, kind=_instructed(wrapped.kind))
    if isinstance(wrapped, Client) and ".".join(p for p in wrapped.path if p not in sdks.TRANSPARENT_SEGMENTS) \
            in wrapped.kind.methods:   # `patch(create=client.messages.create)`: a callable sending that request
        return wrapped
    kind, is_async = sdks.INSTRUCTOR_FACTORIES[qualname], None
    if qualname.endswith(".from_provider"):   # "anthropic/claude-…": that provider's client, bound to the model
        flag = next((ev.eval(kw.value, scope, depth) for kw in node.keywords if kw.arg == "async_client"), None)
        provider = wrapped.value.split("/", 1)[0] if isinstance(wrapped, Const) and isinstance(wrapped.value, str) else ""
        kind = sdks.INSTRUCTOR_PROVIDERS.get(provider, kind)
        return Client(_instructed(kind, isinstance(flag, Const) and flag.value is True, bound=True), qualname, node, scope)
    if isinstance(wrapped, Imported):
        module, _, name = wrapped.qualname.rpartition(".")
        method = sdks.MODULE_CLIENTS[module].methods.get(name) if module in sdks.MODULE_CLIENTS else None
        if method is not None:
            kind, is_async = sdks.MODULE_CLIENTS[module], method.is_async
    return Client(_instructed(kind, is_async), qualname, node, scope)


_INSTRUCTED: dict[tuple[int, bool, bool], sdks.ClientKind] = {}
_PATCHED: dict[int, sdks.ClientKind] = {}   # an instructed kind -> the kind it patches


def _instructed(kind: sdks.ClientKind, is_async: bool | None = None, bound: bool = False) -> sdks.ClientKind:
    """instructor's patch of `kind` (sync or async; `bound`: the factory's first argument names the model),
    made once per kind."""
    key = (id(kind), kind.is_async if is_async is None else is_async, bound)
    if key not in _INSTRUCTED:
        _INSTRUCTED[key] = sdks.instructed(dataclasses.replace(kind, is_async=key[1], model_pos=0 if bound else kind.model_pos))
        _PATCHED[id(_INSTRUCTED[key])] = kind
    return _INSTRUCTED[key]


def own_request(kind: sdks.ClientKind, method: sdks.Method) -> bool:
    """`method` is a request of the client `kind` itself, not one instructor's patch adds to every client
    (`chat.completions.create` is OpenAI's own; on a patched Gemini client it is instructor's)."""
    return any(m is method for m in _PATCHED.get(id(kind), kind).methods.values())


# `typing.cast(T, value)`: the value, typed T
CASTS = frozenset({"typing.cast", "typing_extensions.cast"})


def annotation_kind(qualname: str) -> sdks.ClientKind | None:
    """The client kind of an object annotated with a framework's base type (`llm: BaseLanguageModel`
    from langchain_core or langchain), which no construction of a concrete class names."""
    root, _, _ = qualname.partition(".")
    if root.startswith(sdks.LANGCHAIN_IMPORT_PREFIX):
        return sdks.LANGCHAIN_ANNOTATION_TYPES.get(qualname.rsplit(".", 1)[-1])
    return None


def is_property(node: ast.AST) -> bool:
    """A method read as an attribute: `@property`, `@functools.cached_property`, and the memoizing decorators
    projects and libraries name after them (`@lazy_property()`, `@memoized_property`, pyramid's `@reify`):
    `self.client` is what it returns. `@client.setter` is not one."""
    for d in getattr(node, "decorator_list", ()):
        d = d.func if isinstance(d, ast.Call) else d
        name = (d.attr if isinstance(d, ast.Attribute) else d.id if isinstance(d, ast.Name) else "").lower()
        if "property" in name or name == "reify":
            return True
    return False


def lambda_call(node: ast.AST) -> ast.Call | None:
    """The call a lambda taking no arguments makes (`lambda: client.invoke_model(**request)`), handed to an
    executor to run: the request is that call, with the enclosing function's names."""
    if isinstance(node, ast.Lambda) and isinstance(node.body, ast.Call):
        a = node.args
        if not (a.posonlyargs or a.args or a.vararg or a.kwonlyargs or a.kwarg):
            return node.body
    return None
