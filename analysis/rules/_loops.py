"""What a loop around a request is for: retrying it (LLM002) or repeating it over data (LLM006).

A *retry loop* wraps the request in a `try` whose handler lets the loop go round again, and leaves
the loop when the request succeeds (`break`/`return` in the try, or a `while not done` flag set
there). Its sleeps tell whether it backs off: a sleep that grows with the attempt (`2 ** attempt`,
`delay *= 2`), honours the error's retry-after, or calls a backoff helper is fine; none, or a
constant one, is not.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterator

from llmsight.analysis.context import per_item_callable
from llmsight.analysis.rules._sdk_fixes import parents

if TYPE_CHECKING:
    from llmsight.analysis.context import FileContext

LOOPS = (ast.For, ast.AsyncFor, ast.While)
_GROWING_METHODS = frozenset({"append", "extend", "insert", "add", "update"})
_RETRY_DECORATORS = frozenset({"retry", "on_exception", "on_predicate", "retry_with_exponential_backoff"})


def walk_local(nodes: list[ast.stmt] | list[ast.AST]) -> Iterator[ast.AST]:
    """Nodes under `nodes`, not descending into nested functions, classes or lambdas."""
    stack = list(nodes)
    while stack:
        node = stack.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
                stack.append(child)


def _contains(node: ast.AST, target: ast.AST) -> bool:
    return any(n is target for n in ast.walk(node))


def _names(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _dotted(node: ast.AST) -> str:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    return ".".join(reversed(parts))


def is_sleep(call: ast.Call) -> bool:
    """`time.sleep`, `asyncio.sleep`, and the names code imports them as (`from asyncio import sleep as
    asleep`, `async_sleep`, `_sleep`)."""
    return _dotted(call.func).endswith("sleep")


@dataclass
class RetryLoop:
    loop: ast.For | ast.AsyncFor | ast.While
    attempt: ast.Try
    counter: str | None                     # loop variable / attempt counter, when there is one
    bounded: bool
    sleeps: list[ast.Call] = field(default_factory=list)
    growing: bool = False                   # some sleep grows with the attempt or honours retry-after
    decorated: bool = False                 # the function also has a tenacity/backoff decorator
    in_async: bool = False                  # inside `async def`: sleeps must be awaited

    @property
    def constant_sleep(self) -> ast.Call | None:
        """The sleep a fix can turn into exponential backoff (one constant sleep with an argument)."""
        if self.growing or len(self.sleeps) != 1 or not self.sleeps[0].args:
            return None
        return self.sleeps[0]


def enclosing_try(loop: ast.AST, call: ast.AST) -> ast.Try | None:
    """The innermost `try` with handlers directly in `loop` (no loop in between) whose body holds `call`."""
    found = None
    for node in walk_local(loop.body):  # type: ignore[attr-defined]
        if isinstance(node, ast.Try) and node.handlers and any(_contains(s, call) for s in node.body):
            if not any(isinstance(n, LOOPS) and _contains(n, node) for n in walk_local(loop.body)  # type: ignore[attr-defined]
                       if n is not node):
                if found is None or _contains(found, node):
                    found = node
    return found


def _exits(stmts: list[ast.stmt]) -> bool:
    """Whether the statements leave the loop they are in: a `return`, or a `break` not inside a nested loop."""
    stack = list(stmts)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Return):
            return True
        if isinstance(node, ast.Break):
            return True
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
                continue
            if isinstance(node, LOOPS) and child in node.body + node.orelse:
                stack.extend(n for n in walk_local([child]) if isinstance(n, ast.Return))
                continue
            stack.append(child)
    return False


_NOT_RETRIED = frozenset({"KeyboardInterrupt", "SystemExit", "GeneratorExit", "CancelledError"})


def handler_retries(handler: ast.ExceptHandler) -> bool:
    """The handler lets the loop go round again: it does not end by raising, returning or breaking,
    and does not catch an interrupt."""
    last = handler.body[-1] if handler.body else None
    caught = {_dotted(t).rsplit(".", 1)[-1] for t in (
        handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]) if t is not None}
    return not isinstance(last, (ast.Raise, ast.Return, ast.Break)) and not caught & _NOT_RETRIED


def _counter(loop: ast.AST) -> str | None:
    if isinstance(loop, (ast.For, ast.AsyncFor)):
        return loop.target.id if isinstance(loop.target, ast.Name) else None
    names = _names(loop.test)  # type: ignore[attr-defined]
    for node in walk_local(loop.body):  # type: ignore[attr-defined]
        if isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name) and node.target.id in names \
                and isinstance(node.op, ast.Add):
            return node.target.id
    return None


def _bounded(loop: ast.AST, attempt: ast.Try, counter: str | None) -> bool:
    if isinstance(loop, (ast.For, ast.AsyncFor)):
        return True
    test = loop.test  # type: ignore[attr-defined]
    if isinstance(test, ast.Compare) and counter is not None:
        return True
    # `while True:` / `while not done:` stop only when a handler gives up under a condition
    for handler in attempt.handlers:
        for node in walk_local(handler.body):
            if isinstance(node, ast.If) and any(isinstance(n, (ast.Raise, ast.Return, ast.Break))
                                                for n in walk_local(node.body)):
                return True
    return False


def _rebound_growing(loop: ast.AST) -> set[str]:
    """Names (and `self.x` attributes) the loop multiplies or increases: `delay *= 2`, `wait = wait * 2`."""
    out = set()
    for node in walk_local(loop.body):  # type: ignore[attr-defined]
        if isinstance(node, ast.AugAssign) and isinstance(node.op, (ast.Mult, ast.Pow, ast.Add, ast.LShift)):
            out.add(_dotted(node.target))
        elif isinstance(node, ast.Assign) and isinstance(node.value, (ast.BinOp, ast.Call)):
            for t in node.targets:
                name = _dotted(t)
                if name and name in {_dotted(n) for n in ast.walk(node.value) if isinstance(n, (ast.Name, ast.Attribute))}:
                    out.add(name)
    return out


def _local_values(loop: ast.AST) -> dict[str, list[ast.AST]]:
    """The values the loop body assigns to each plain name (`delay = base * factor ** attempt`)."""
    out: dict[str, list[ast.AST]] = {}
    for node in walk_local(loop.body):  # type: ignore[attr-defined]
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
            for t in node.targets if isinstance(node, ast.Assign) else [node.target]:
                if isinstance(t, ast.Name):
                    out.setdefault(t.id, []).append(node.value)
    return out


def _grows(arg: ast.AST, counter: str | None, growing: set[str], error_names: set[str],
           values: dict[str, list[ast.AST]] | None = None, seen: frozenset[str] = frozenset()) -> bool:
    """Whether a sleep's argument grows with the attempt, directly or through a name the loop assigns
    from such an expression (`delay = base_delay * factor ** attempt; time.sleep(delay)`)."""
    used = {_dotted(n) for n in ast.walk(arg) if isinstance(n, (ast.Name, ast.Attribute))}
    if any(isinstance(n, ast.BinOp) and isinstance(n.op, (ast.Pow, ast.LShift)) for n in ast.walk(arg)):
        return True
    for name in sorted(used & set(values or ()) - seen):
        if any(_grows(v, counter, growing, error_names, values, seen | {name}) for v in values[name]):
            return True
    if counter is not None and counter in used:
        return True  # linear or any function of the attempt number
    if used & growing:
        return True
    if used & error_names or any(isinstance(n, ast.Constant) and isinstance(n.value, str)
                                 and "retry" in n.value.lower() for n in ast.walk(arg)):
        return True  # the server's retry-after
    calls = [_dotted(n.func).lower() for n in ast.walk(arg) if isinstance(n, ast.Call)]
    return any(word in c for c in calls for word in ("backoff", "expo", "retry_after", "wait"))


def retry_loop(loop: ast.AST, call: ast.AST, function: ast.AST | None = None) -> RetryLoop | None:
    """`loop` as a retry loop around `call`, or None when it is not one."""
    if not isinstance(loop, LOOPS):
        return None
    if isinstance(loop, (ast.For, ast.AsyncFor)) and not (
            isinstance(loop.iter, ast.Call) and _dotted(loop.iter.func) == "range"):
        return None
    attempt = enclosing_try(loop, call)
    if attempt is None or not any(handler_retries(h) for h in attempt.handlers):
        return None
    flag_names = _names(loop.test) if isinstance(loop, ast.While) else set()
    sets_flag = any(isinstance(n, ast.Assign) and any(_dotted(t) in flag_names for t in n.targets)
                    for n in walk_local(attempt.body + attempt.orelse))
    if not (_exits(attempt.body + attempt.orelse) or sets_flag or _statement_returns(attempt, call)):
        return None
    if _changes_request(loop, attempt, call):
        return None
    counter = _counter(loop)
    error_names = {h.name for h in attempt.handlers if h.name}
    growing = _rebound_growing(loop)
    sleeps = [n for n in walk_local(loop.body) if isinstance(n, ast.Call) and is_sleep(n)]  # type: ignore[attr-defined]
    values = _local_values(loop)
    grows = any(_grows(a, counter, growing, error_names, values)
                for s in sleeps for a in s.args + [k.value for k in s.keywords])
    decorated = isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)) and any(
        _dotted(d.func if isinstance(d, ast.Call) else d).rsplit(".", 1)[-1] in _RETRY_DECORATORS
        for d in function.decorator_list)
    return RetryLoop(loop, attempt, counter, _bounded(loop, attempt, counter), sleeps, grows, decorated,
                     isinstance(function, ast.AsyncFunctionDef))


def _changes_request(loop: ast.AST, attempt: ast.Try, call: ast.AST) -> bool:
    """A loop that sends a different request after a failure is a repair loop, not a blind retry:
    a handler feeds the error back (`messages.append(...)`, `prompt = fix(prompt)`), or each turn
    rebuilds the arguments (`arguments = state.create_arguments()` before the `try`)."""
    if not isinstance(call, ast.Call):
        return False
    inputs = _request_inputs(call)
    changed: set[str] = set()
    for node in walk_local([s for h in attempt.handlers if handler_retries(h) for s in h.body]):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in _GROWING_METHODS:
            changed.add(_dotted(node.func.value))
        elif isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            changed.update(_dotted(t) for t in targets if isinstance(t, (ast.Name, ast.Attribute)))
    for node in walk_local(loop.body):  # type: ignore[attr-defined]
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) and not _contains(attempt, node):
            changed.update(_dotted(t) for t in node.targets if isinstance(t, (ast.Name, ast.Attribute)))
    return bool(changed & inputs)


def _statement_returns(attempt: ast.Try, call: ast.AST) -> bool:
    return any(isinstance(s, ast.Return) and _contains(s, call) for s in walk_local(attempt.body))


def loop_around(ctx: "FileContext", call: ast.AST) -> tuple[ast.AST | None, ast.AST | None]:
    """The innermost loop statement running `call` repeatedly, within its function, and that function."""
    up = parents(ctx, call)
    prev, node = call, up.get(call)
    loop = None
    while node is not None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            return loop, node
        if loop is None and isinstance(node, LOOPS) and not (
                isinstance(node, (ast.For, ast.AsyncFor)) and prev in (node.iter, node.target)) \
                and not any(prev is s for s in node.orelse):
            loop = node
        prev, node = node, up.get(node)
    return loop, None


COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


def _exits_on_success(loop: ast.AST) -> bool:
    """`for attempt in range(3): … if ok: break`: a loop that repeats a request until it succeeds."""
    return isinstance(loop, (ast.For, ast.AsyncFor)) and isinstance(loop.iter, ast.Call) \
        and _dotted(loop.iter.func) == "range" and _exits(loop.body)


def repeating_loop(ctx: "FileContext", call: ast.AST) -> ast.AST | None:
    """The innermost loop, comprehension or per-item mapper (`df.text.apply(lambda t: …)`) that runs `call`
    once per iteration over data, skipping loops that retry it (LLM002's business); None when there is
    none in its function."""
    up = parents(ctx, call)
    prev, node = call, up.get(call)
    function = None
    chain = []
    while node is not None and function is None:
        if isinstance(node, ast.Lambda) and per_item_callable(up.get(node)) is node:
            pass   # what the mapper runs per item
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            function = node
        elif per_item_callable(node) is prev:
            chain.append(node)
        elif isinstance(node, COMPREHENSIONS):
            if not _contains(node.generators[0].iter, call):
                chain.append(node)
        elif isinstance(node, LOOPS) and not (isinstance(node, (ast.For, ast.AsyncFor)) and prev in (node.iter, node.target)) \
                and not any(prev is s for s in node.orelse):
            chain.append(node)
        prev, node = node, up.get(node)
    for loop in chain:
        if isinstance(loop, LOOPS) and (retry_loop(loop, call, function) is not None or _exits_on_success(loop)
                                        or _runs_once(up, loop, call)):
            continue
        return loop
    return None


_EXITS = (ast.Return, ast.Raise, ast.Break)


def _runs_once(up: dict[ast.AST, ast.AST], loop: ast.AST, call: ast.AST) -> bool:
    """The loop leaves right after running `call`: the call is in a `return`/`raise`, or a statement after it
    in the same block returns, raises or breaks out of `loop` (`yield from self.ask(…); return` on a tool
    call seen while streaming): at most one request per entry into the loop, not one per item."""
    chain = [call]
    while chain[-1] is not loop and up.get(chain[-1]) is not None:
        chain.append(up[chain[-1]])
    for i, node in enumerate(chain[:-1]):
        if isinstance(node, (ast.Return, ast.Raise)):
            return True
        parent = chain[i + 1]
        if not isinstance(node, ast.stmt):
            continue
        leaves_loop = not any(isinstance(a, LOOPS) for a in chain[i + 1:-1])   # a `break` here leaves `loop`
        for _name, block in ast.iter_fields(parent):
            if isinstance(block, list) and any(s is node for s in block):
                after = block[next(k for k, s in enumerate(block) if s is node) + 1:]
                if any(isinstance(s, (ast.Return, ast.Raise)) or isinstance(s, ast.Break) and leaves_loop
                       for s in after):
                    return True
    return False


def depends_on_previous(ctx: "FileContext", loop: ast.AST, call: ast.Call) -> bool:
    """Whether each iteration's request depends on the one before: a conversation that grows
    (`messages.append(...)`, `history += ...`) or a prompt made from the previous reply. `ctx`: the file the
    loop is in."""
    body = loop.body if isinstance(loop, LOOPS) else [loop]  # type: ignore[attr-defined]
    inputs = _request_inputs(call)
    replies = {_dotted(t) for n in walk_local(body) if isinstance(n, (ast.Assign, ast.AnnAssign))
               and n.value is not None and _contains(n.value, call)
               for t in (n.targets if isinstance(n, ast.Assign) else [n.target])}
    target = getattr(loop, "target", None)  # a `for` target is rebound per item, not from the last reply
    per_item = _dotted_names(target) if target is not None else set()
    # inputs rebuilt from what the loop accumulates (`pcm.extend(frame); audio = wav(bytes(pcm))`): each
    # request takes everything so far, a stream's partial results, not one item
    grown = ctx.memo(f"loops-accumulated-{id(loop)}", lambda: _accumulated(body))
    for node in walk_local(body):
        if grown and isinstance(node, ast.Assign) and any(_dotted(t) in inputs for t in node.targets) \
                and _dotted_names(node.value) & grown:
            return True
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in _GROWING_METHODS \
                and _dotted(node.func.value) in inputs:
            return True
        if isinstance(node, ast.Assign) and _contains(node.value, call) \
                and any(_dotted(t) in inputs - per_item for t in node.targets):
            return True  # `draft = create(…draft…).choices[0].message.content`: the reply is the next prompt
        if isinstance(node, ast.AugAssign) and _dotted(node.target) in inputs:
            return True
        if isinstance(node, ast.Assign) and not _contains(node.value, call):
            used = _dotted_names(node.value)
            if any(_dotted(t) in inputs for t in node.targets) and (used & inputs or used & replies):
                return True
    return False


def _accumulated(body: list[ast.stmt] | list[ast.AST]) -> set[str]:
    """What a loop body accumulates: the receivers of `append`/`extend`/… and the targets of `+=`. A fact of
    the loop, found once for all the requests in it."""
    grown = set()
    for n in walk_local(body):
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr in _GROWING_METHODS:
            grown.add(_dotted(n.func.value))
        elif isinstance(n, ast.AugAssign):
            grown.add(_dotted(n.target))
    return grown


def _request_inputs(call: ast.Call) -> set[str]:
    """Names (and dotted attributes) the request's arguments read."""
    return set().union(*(_dotted_names(a) for a in [*call.args, *(k.value for k in call.keywords)]))


def _dotted_names(node: ast.AST) -> set[str]:
    return {_dotted(n) for n in ast.walk(node) if isinstance(n, (ast.Name, ast.Attribute))}
