"""Ranked "switch model" alternatives for a call site, computed off the event loop and cached.

The ranking itself is `llmsight.api.model_alternatives` (traffic replay when the analysis used traffic,
else static priors); this module only makes repeated hovers and code-action requests cheap: sites with
the same model, operation, prompt size and cap under the same config and traffic share one answer,
computed once however many hovers, code actions and prefetches ask for it at the same time. `prefetch`
starts them when an analysis is published, so that a hover finds them ready: the first answer in a
server process pays for loading the catalog's model entries and the simulator (a few hundred ms).
`clear()` forgets everything when config or traffic change.
"""
from __future__ import annotations

import asyncio
from collections import OrderedDict

from llmsight import api
from llmsight.records import CallSite

_CACHE: OrderedDict[tuple, list] = OrderedDict()
_SIZE = 512
_PENDING: dict[tuple, asyncio.Future] = {}   # answers being computed (touched on the event loop only)
PREFETCH_MAX = 16   # per analysis: more queued ahead of a request could delay it; the rest wait for a request


def clear() -> None:
    _CACHE.clear()


def _of_analysis(analysis) -> tuple:
    """The part of every site's key that is the analysis's: its config (whose repr is most of a key's cost)
    and traffic."""
    return repr(analysis.config), analysis.traffic


def _key(site: CallSite, analysis, of_analysis: tuple | None = None) -> tuple:
    """The cache key of `site`'s answer; `of_analysis`: `_of_analysis(analysis)`, when the caller has it."""
    by_site = site.id if analysis.traffic else None   # traffic figures are per site
    # the client decides which models need a client change
    return (repr(site.model.value), site.operation, site.sdk, site.endpoint, site.client_expr,
            site.prompt.static_tokens, site.prompt.dynamic, repr(site.max_tokens.value), site.feature,
            *(of_analysis if of_analysis is not None else _of_analysis(analysis)), by_site)


def _compute(site: CallSite, analysis, key: tuple) -> list:
    """`site`'s answer (`key`: its `_key`, built once by the caller), from the cache or ranked; on the
    requests thread."""
    found = _CACHE.get(key)
    if found is not None:
        _CACHE.move_to_end(key)
        return found
    found = api.model_alternatives(site, analysis.config, traffic=analysis.traffic, root=analysis.root)
    _CACHE[key] = found
    while len(_CACHE) > _SIZE:
        _CACHE.popitem(last=False)
    return found


def _started(ls, site: CallSite, analysis, key: tuple) -> asyncio.Future:
    """The one computation of `key`'s answer, started on the requests thread unless it already runs."""
    pending = _PENDING.get(key)
    if pending is None:
        pending = asyncio.get_running_loop().run_in_executor(ls.requests, _compute, site, analysis, key)
        _PENDING[key] = pending

        def finished(done: asyncio.Future) -> None:
            _PENDING.pop(key, None)
            if not done.cancelled():
                done.exception()   # retrieved: a failure is reported to the request that asks again
        pending.add_done_callback(finished)
    return pending


def prefetch(ls, analysis) -> None:
    """Start computing the alternatives of an analysis's sites (the first PREFETCH_MAX not known yet)."""
    started, of_analysis = 0, _of_analysis(analysis)
    for view in analysis.views.values():
        for sv in view.sites:
            key = _key(sv.site, analysis, of_analysis)
            if key in _CACHE or key in _PENDING:
                continue
            if started == PREFETCH_MAX:
                return
            _started(ls, sv.site, analysis, key)
            started += 1


async def for_site(ls, site: CallSite, analysis) -> list:
    key = _key(site, analysis)
    ready = _CACHE.get(key)   # one read: the requests thread may evict the key between a test and a read
    if ready is not None:
        return ready
    try:   # shielded: a cancelled request leaves the shared computation to the others
        return await asyncio.shield(_started(ls, site, analysis, key))
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # noqa: BLE001 - hover and actions still work without alternatives
        ls.report_failure("model alternatives", exc)
        return []
