"""`llmsight/status`: what a document's estimates rest on — the traffic store, how many of its call sites
are mapped to traffic and how many calls that is — for editors that show it (the VS Code extension's
language status item). Sent with every published analysis, only to clients that ask for it with the
experimental client capability `{"llmsightStatus": true}`; other clients never see an unknown message."""
from __future__ import annotations

from llmsight.lsp.formatting import from_traffic

STATUS = "llmsight/status"


def wanted(ls) -> bool:
    experimental = getattr(ls.client_capabilities, "experimental", None)
    return isinstance(experimental, dict) and experimental.get("llmsightStatus") is True


def report(ls, analysis) -> None:
    """Notify the client of `analysis`'s status (called on the event loop, where results are published)."""
    if not wanted(ls):
        return
    sites = [sv for view in analysis.views.values() for sv in view.sites]
    mapped = [sv.estimate for sv in sites if sv.estimate is not None and from_traffic(sv.estimate)]
    ls.protocol.notify(STATUS, {
        "uri": analysis.key,
        "traffic": analysis.traffic,
        "sites": len(sites),
        "sitesWithTraffic": len(mapped),
        "callsMapped": sum(e.cost_per_call.n or (e.latency_p95_s.n if e.latency_p95_s else None) or 0 for e in mapped),
    })
