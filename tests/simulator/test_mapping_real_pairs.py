"""Issue 13's hard case through real ingest: sites that share provider, model and operation and differ only in
`max_tokens` or only in tools, and a pair identical in everything an export records.

The traffic is derived from the committed real exports (the libraries cannot run in CI): the fixture
application's `loop` made its gpt-4.1-nano calls in rounds of three (a failed call ends its round); here each of the three is a site of its
own, and the spans are edited the way each library writes the difference (OpenInference: the invocation
parameters' `max_tokens` and `llm.tools.N.tool.json_schema`; openai-v2: `gen_ai.request.max_tokens`, and no
record of tools at all). Its `chat` site gets an identical twin. Truth: each span's round position."""
from __future__ import annotations

import gzip
import json
import textwrap
from collections import Counter
from pathlib import Path

import pytest

from llmsight import api
from llmsight.simulator import store
from llmsight.simulator.ingest import ingest
from llmsight.simulator.mapping import map_rows

EXPORTS = Path(__file__).parents[1] / "fixtures" / "traffic" / "exporters"
LOOKUP = {"type": "function", "function": {"name": "lookup_order", "parameters": {}}}
APP = textwrap.dedent('''\
    import openai

    openai_client = openai.OpenAI()
    LOOKUP = [{"type": "function", "function": {"name": "lookup_order", "parameters": {}}}]


    def classify(question):
        openai_client.chat.completions.create(model="gpt-4.1-nano", max_tokens=16,
                                              messages=[{"role": "user", "content": f"Classify: {question}"}])


    def classify_long(question):
        openai_client.chat.completions.create(model="gpt-4.1-nano", max_tokens=32,
                                              messages=[{"role": "user", "content": f"Classify: {question}"}])


    def classify_with_lookup(question):
        openai_client.chat.completions.create(model="gpt-4.1-nano", max_tokens=16, tools=LOOKUP,
                                              messages=[{"role": "user", "content": f"Classify: {question}"}])


    def chat():
        openai_client.chat.completions.create(model="gpt-4o-mini", max_tokens=200, temperature=0.2,
                                              messages=[{"role": "user", "content": "Where is my invoice?"}])


    def chat_again():
        openai_client.chat.completions.create(model="gpt-4o-mini", max_tokens=200, temperature=0.2,
                                              messages=[{"role": "user", "content": "Where is my invoice?"}])
    ''')
ROUND = ("classify", "classify_long", "classify_with_lookup")


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = tmp_path_factory.mktemp("pairs")
    (root / "pyproject.toml").write_text('[project]\nname = "pairs"\n')
    (root / "app.py").write_text(APP)
    sites = {s.function: s for s in api.check([root], use_cache=False, with_estimates=False).call_sites}
    assert set(sites) == {*ROUND, "chat", "chat_again"}
    return root, sites


def _attribute(span: dict, key: str) -> dict | None:
    return next((a for a in span.get("attributes", []) if a["key"] == key), None)


def _derived(library: str, path: Path) -> Counter:
    """The library's export with its gpt-4.1-nano calls split into the three sites; the true site of each
    (also written as the span's tenant, which the mapping does not read, so each row carries its truth)."""
    document = json.loads(gzip.open(EXPORTS / f"{library}.otlp.json.gz").read())
    spans = [s for rs in document["resourceSpans"] for ss in rs["scopeSpans"] for s in ss["spans"]]
    nano = sorted((s for s in spans if "gpt-4.1-nano" in json.dumps(s.get("attributes", []))),
                  key=lambda s: int(s["startTimeUnixNano"]))
    truth = Counter()
    for position, span in enumerate(nano):
        site = ROUND[position % 3]
        truth[site] += 1
        span["attributes"].append({"key": "tenant.id", "value": {"stringValue": site}})
        if library == "openinference":
            parameters = _attribute(span, "llm.invocation_parameters")["value"]
            if site == "classify_long":
                parameters["stringValue"] = json.dumps({**json.loads(parameters["stringValue"]), "max_tokens": 32})
            elif site == "classify_with_lookup":
                span["attributes"].append({"key": "llm.tools.0.tool.json_schema",
                                           "value": {"stringValue": json.dumps(LOOKUP)}})
        elif site == "classify_long":
            _attribute(span, "gen_ai.request.max_tokens")["value"] = {"intValue": "32"}
    path.write_text(json.dumps(document))
    return truth


@pytest.mark.parametrize("library", ["openinference", "otel-v2"])
def test_sites_apart_by_cap_or_tools_map_and_identical_twins_stay_ambiguous(project, library, tmp_path):
    root, sites = project
    truth = _derived(library, tmp_path / "derived.json")
    con = store.open_store(":memory:")
    ingest([tmp_path / "derived.json"], con)
    report = map_rows(con, list(sites.values()), root=root)
    by_id = {s.id: f for f, s in sites.items()}
    pairs = con.execute("SELECT c.tenant, s.site_id, c.status FROM calls c JOIN site_rows s USING (row_id)").fetchall()
    assert [(t, by_id[s]) for t, s, _ in pairs if t != by_id[s]] == []             # never a wrong site
    mapped = Counter(by_id[s] for _, s, _ in pairs)
    assert mapped["classify_long"] == truth["classify_long"] == 17               # the cap tells it apart everywhere
    assert mapped["chat"] == mapped["chat_again"] == 0                           # twins: never guessed
    twins = [u for u in report.top_unmatched if set(u.candidates) == {sites["chat"].id, sites["chat_again"].id}]
    assert sum(u.rows for u in twins) == 20
    assert all("nothing this export records tells them apart" in u.reason for u in twins)
    if library == "openinference":       # it records tools: a successful call without them is not the lookup site's
        ok = dict(con.execute("SELECT tenant, count(*) FROM calls WHERE status = 'ok' GROUP BY 1").fetchall())
        assert (mapped["classify"], mapped["classify_with_lookup"]) == (ok["classify"], ok["classify_with_lookup"])
    else:                                # openai-v2 records no tools: the two sites are identical to it
        assert mapped["classify"] == mapped["classify_with_lookup"] == 0
        assert report.ambiguous == 20 + truth["classify"] + truth["classify_with_lookup"]
