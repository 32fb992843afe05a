"""workspace/executeCommand: `llmsight.simulate` and `llmsight.reloadTraffic`.

`llmsight.simulate(uri, site_id[, scenario])` answers with the site's estimate and its model
alternatives; with a scenario (`"model=gpt-4o-mini,timeout=20"`) it replays traffic through
`llm-lint simulate` (the CLI contract, design §7) and returns that JSON. `llmsight.reloadTraffic`
re-reads project config and traffic and re-checks every open document.
"""
from __future__ import annotations

import asyncio
import json
import subprocess
import sys

from llmsight.lsp import alternatives
from llmsight.lsp.guard import guarded
from llmsight.records import to_json

SIMULATE = "llmsight.simulate"
RELOAD_TRAFFIC = "llmsight.reloadTraffic"
SIMULATE_TIMEOUT_S = 120


def _replay(path: str, root: str, traffic: str | None, scenario: str, site_id: str) -> dict:
    if "site=" not in scenario:   # the lens/command is about one call: scope the change to it
        scenario = f"{scenario},site={site_id}"
    cmd = [sys.executable, "-m", "llmsight", "simulate", path, "--scenario", scenario, "--format", "json"]
    if traffic:
        cmd += ["--traffic", traffic]
    done = subprocess.run(cmd, cwd=root, capture_output=True, text=True, timeout=SIMULATE_TIMEOUT_S)
    if done.returncode != 0:
        return {"error": (done.stderr or done.stdout).strip() or f"llm-lint simulate exited {done.returncode}"}
    try:
        return {"site_id": site_id, "scenario": scenario, "simulation": json.loads(done.stdout)}
    except json.JSONDecodeError:
        return {"error": f"llm-lint simulate printed no JSON: {done.stdout[:200]}"}


def register(ls) -> None:
    @ls.command(SIMULATE)
    @guarded(lambda: {"error": "internal error; see the llmsight log"})
    async def simulate(ls, *args) -> dict:
        if len(args) < 2 or not all(isinstance(a, str) for a in args[:3]):
            return {"error": "usage: llmsight.simulate(uri, site_id[, scenario]) with string arguments"}
        uri, site_id = args[0], args[1]
        analysis, view = await ls.view_at(uri)
        site = next((sv for sv in view.sites if sv.site.id == site_id), None) if view else None
        if site is None:
            return {"error": f"no call site {site_id!r} in {uri}; is the document open and analysed?"}
        if len(args) >= 3 and args[2]:
            traffic = ls.settings.traffic_db or getattr(analysis.config, "traffic", None)
            path = str(ls.path_for(ls.key_for(uri), ".py"))
            return await asyncio.get_running_loop().run_in_executor(
                ls.requests, _replay, path, str(analysis.root), traffic, args[2], site_id)
        alts = await alternatives.for_site(ls, site.site, analysis)
        return {"site_id": site_id, "estimate": to_json(site.estimate),
                "alternatives": [to_json(a) for a in alts]}

    @ls.command(RELOAD_TRAFFIC)
    @guarded(lambda: {"error": "internal error; see the llmsight log"})
    def reload_traffic(ls, *args) -> dict:
        ls.configs.clear()
        return {"reanalysed": ls.reanalyse_all("traffic reload requested")}
