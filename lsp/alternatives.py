"""Ranked "switch model" alternatives for a call site, computed off the event loop and cached.

The ranking itself is `llmsight.api.model_alternatives` (traffic replay when the analysis used traffic,
else static priors); this module only makes repeated hovers and code-action requests cheap: sites with
the same model, operation, prompt size and cap under the same config and traffic share one answer.
`clear()` forgets everything when config or traffic change.
"""
from __future__ import annotations

import asyncio
from collections import OrderedDict

from llmsight import api
from llmsight.records import CallSite

_CACHE: OrderedDict[tuple, list] = OrderedDict()
_SIZE = 512


def clear() -> None:
    _CACHE.clear()


def _key(site: CallSite, analysis) -> tuple:
    by_site = site.id if analysis.traffic else None   # traffic figures are per site
    # the client decides which models need a client change
    return (repr(site.model.value), site.operation, site.sdk, site.endpoint, site.client_expr,
            site.prompt.static_tokens, site.prompt.dynamic,
            repr(site.max_tokens.value), site.feature, repr(analysis.config), analysis.traffic, by_site)


def compute(site: CallSite, analysis) -> list:
    key = _key(site, analysis)
    if key in _CACHE:
        _CACHE.move_to_end(key)
        return _CACHE[key]
    found = api.model_alternatives(site, analysis.config, traffic=analysis.traffic, root=analysis.root)
    _CACHE[key] = found
    while len(_CACHE) > _SIZE:
        _CACHE.popitem(last=False)
    return found


async def for_site(ls, site: CallSite, analysis) -> list:
    key = _key(site, analysis)
    if key in _CACHE:
        return _CACHE[key]
    try:
        return await asyncio.get_running_loop().run_in_executor(ls.requests, compute, site, analysis)
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # noqa: BLE001 - hover and actions still work without alternatives
        ls.report_failure("model alternatives", exc)
        return []
