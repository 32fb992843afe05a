"""Model alternatives are started when an analysis is published, so a hover finds them computed; sites
that share an answer share one computation, and a cancelled request leaves it to the others."""
from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace

import pytest

from llmsight import api
from llmsight.config import Config
from llmsight.lsp import alternatives

pytestmark = pytest.mark.asyncio

SOURCE = '''from openai import OpenAI
client = OpenAI()

def ask(q):
    return client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": q}])

def ask_again(q):
    return client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": q}])

def summarise(q):
    return client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": q}])
'''


@pytest.fixture
def server(monkeypatch, tmp_path: Path):
    """A stand-in for the server (its requests thread) and an analysis of SOURCE; counts the rankings run
    and holds each until the test lets it finish."""
    config = Config()
    result = api.check_source(SOURCE, "app.py", config=config, root=tmp_path)
    views = {"file:///app.py": SimpleNamespace(sites=[SimpleNamespace(site=s) for s in result.call_sites])}
    analysis = SimpleNamespace(views=views, config=config, traffic=None, root=tmp_path)
    ranked, release = [], threading.Event()
    real = api.model_alternatives

    def counted(site, *args, **kwargs):
        ranked.append(site.model.value)
        release.wait(10)
        return real(site, *args, **kwargs)

    monkeypatch.setattr(api, "model_alternatives", counted)
    alternatives.clear()
    failures = []
    ls = SimpleNamespace(requests=ThreadPoolExecutor(max_workers=1),
                         report_failure=lambda where, exc: failures.append((where, exc)))
    yield ls, analysis, result.call_sites, ranked, release
    release.set()
    ls.requests.shutdown(wait=True)
    alternatives.clear()
    assert not failures


async def test_published_analysis_starts_one_ranking_per_distinct_site(server):
    ls, analysis, sites, ranked, release = server
    assert [s.model.value for s in sites] == ["gpt-4o", "gpt-4o", "gpt-4o-mini"]
    alternatives.prefetch(ls, analysis)
    cancelled = asyncio.ensure_future(alternatives.for_site(ls, sites[0], analysis))
    await asyncio.sleep(0.05)
    cancelled.cancel()                       # an editor gave up on a hover while the ranking ran
    asking = [asyncio.ensure_future(alternatives.for_site(ls, s, analysis)) for s in sites]
    release.set()
    answers = await asyncio.gather(*asking)
    assert sorted(ranked) == ["gpt-4o", "gpt-4o-mini"]   # prefetched, then shared by every request
    assert answers[0] and answers[0] == answers[1]
    assert [a.model for a in answers[0]] == [a.model for a in api.model_alternatives(sites[0], analysis.config)]
    alternatives.prefetch(ls, analysis)      # the next analysis of the same code: nothing to compute
    await asyncio.sleep(0.05)
    assert len(ranked) == 2 + 1              # the one direct call above


async def test_prefetch_is_bounded_per_analysis(server, monkeypatch):
    ls, analysis, sites, ranked, release = server
    monkeypatch.setattr(alternatives, "PREFETCH_MAX", 1)
    release.set()
    alternatives.prefetch(ls, analysis)
    await asyncio.sleep(0.3)
    assert ranked == ["gpt-4o"]
    alternatives.prefetch(ls, analysis)      # the next analysis starts the next one
    await asyncio.sleep(0.3)
    assert ranked == ["gpt-4o", "gpt-4o-mini"]
