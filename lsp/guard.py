"""Every handler runs inside `guarded`: an exception is logged to the client (window/logMessage) and
the request gets an empty answer, so no input can take the server down. Cancellation passes through
so pygls answers a cancelled request with RequestCancelled."""
from __future__ import annotations

import asyncio
import functools
import inspect
from typing import Any, Callable


def guarded(empty: Callable[[], Any] = lambda: None):
    def wrap(fn):
        if inspect.iscoroutinefunction(fn):
            @functools.wraps(fn)
            async def run_async(ls, *args):
                try:
                    return await fn(ls, *args)
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # noqa: BLE001 - the point of this wrapper
                    ls.report_failure(fn.__name__, exc)
                    return empty()
            return run_async

        @functools.wraps(fn)
        def run(ls, *args):
            try:
                return fn(ls, *args)
            except Exception as exc:  # noqa: BLE001
                ls.report_failure(fn.__name__, exc)
                return empty()
        return run
    return wrap
