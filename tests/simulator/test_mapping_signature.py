"""Issue 13 item 1: traffic without a code location maps to sites by the request both sides know.

The project is built to be hard: sites that share provider, model and operation and differ only in the
output cap, only in tools, only in the system prompt, and a pair identical in everything an export
records, which must stay ambiguous. Each row carries its true site; no row may map to a wrong one."""
from __future__ import annotations

import textwrap

import pyarrow as pa
import pytest

from llmsight import api
from llmsight.simulator import store
from llmsight.simulator.mapping import map_rows
from llmsight.simulator.signature import prompt_fingerprint

FORMAL = "You are a formal assistant for the billing team. Answer in complete sentences."
CASUAL = "You are a casual assistant for the support chat. Keep it short and friendly."
APP = textwrap.dedent(f'''\
    import anthropic
    from openai import OpenAI

    client = OpenAI()
    claude = anthropic.Anthropic()
    TOOLS = [{{"type": "function", "function": {{"name": "lookup_order", "parameters": {{}}}}}}]


    def answer(q):
        return client.chat.completions.create(model="gpt-4o", max_tokens=512, messages=[{{"role": "user", "content": q}}])


    def brief(q):
        return client.chat.completions.create(model="gpt-4o", max_tokens=64, messages=[{{"role": "user", "content": q}}])


    def lookup(q):
        return client.chat.completions.create(model="gpt-4o-mini", tools=TOOLS, messages=[{{"role": "user", "content": q}}])


    def chat(q):
        return client.chat.completions.create(model="gpt-4o-mini", messages=[{{"role": "user", "content": q}}])


    def classify(q):
        return client.chat.completions.create(model="gpt-4o-mini", temperature=0, response_format={{"type": "json_object"}},
                                              messages=[{{"role": "user", "content": q}}])


    def formal(q):
        return client.chat.completions.create(model="gpt-4.1", messages=[{{"role": "system", "content": "{FORMAL}"}},
                                                                          {{"role": "user", "content": q}}])


    def casual(q):
        return client.chat.completions.create(model="gpt-4.1", messages=[{{"role": "system", "content": f"{CASUAL} {{q}}"}}])


    def twin_a(q):
        return claude.messages.create(model="claude-3-5-haiku-latest", max_tokens=300, messages=[{{"role": "user", "content": q}}])


    def twin_b(q):
        return claude.messages.create(model="claude-3-5-haiku-latest", max_tokens=300, messages=[{{"role": "user", "content": q}}])


    def embed(texts):
        return client.embeddings.create(model="text-embedding-3-small", input=texts)
    ''')
COLUMNS = {"row_id": pa.int64(), "source_file": pa.string(), "provider": pa.string(), "operation": pa.string(),
           "model": pa.string(), "code_file": pa.string(), "code_line": pa.int32(), "code_function": pa.string(),
           "feature": pa.string(), "request_max_tokens": pa.int64(), "request_temperature": pa.float64(),
           "request_stream": pa.bool_(), "request_tools": pa.string(), "response_format": pa.string(),
           "prompt_fingerprint": pa.string(), "span_name": pa.string(), "service": pa.string()}


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = tmp_path_factory.mktemp("signature")
    (root / "pyproject.toml").write_text('[project]\nname = "shop"\n')
    (root / "app").mkdir()
    (root / "app" / "bot.py").write_text(APP)
    sites = {s.function: s for s in api.check([root], use_cache=False, with_estimates=False).call_sites}
    assert set(sites) == {"answer", "brief", "lookup", "chat", "classify", "formal", "casual", "twin_a", "twin_b", "embed"}
    return root, sites


def _traffic(rows: list[tuple[str | None, dict, int]]):
    """(true site function or None, row values, copies) -> a table of rows, with the truth by row id."""
    con = store.open_store(":memory:")
    records, truth = [], {}
    for function, values, copies in rows:
        for _ in range(copies):
            truth[len(records) + 1] = function
            records.append({"row_id": len(records) + 1, "source_file": "openai-v2.jsonl", **values})
    con.register("_rows", pa.table({c: [r.get(c) for r in records] for c in COLUMNS}, schema=pa.schema(COLUMNS)))
    con.execute("CREATE TEMP TABLE traffic AS SELECT * FROM _rows")
    con.unregister("_rows")
    return con, truth


OPENAI = {"provider": "openai", "operation": "chat"}
FP_FORMAL, FP_CASUAL = prompt_fingerprint(FORMAL), prompt_fingerprint(CASUAL + " where is my parcel?")
HARD_TRAFFIC = [
    ("answer", {**OPENAI, "model": "gpt-4o", "request_max_tokens": 512}, 40),
    ("brief", {**OPENAI, "model": "gpt-4o", "request_max_tokens": 64}, 25),
    ("lookup", {**OPENAI, "model": "gpt-4o-mini", "request_tools": "lookup_order"}, 30),
    ("chat", {**OPENAI, "model": "gpt-4o-mini"}, 20),                 # tools NULL where the file records tools: none sent
    ("classify", {**OPENAI, "model": "gpt-4o-mini", "request_temperature": 0.0, "response_format": "json_object"}, 15),
    ("formal", {**OPENAI, "model": "gpt-4.1", "prompt_fingerprint": FP_FORMAL}, 12),
    ("casual", {**OPENAI, "model": "gpt-4.1", "prompt_fingerprint": FP_CASUAL}, 9),
    (None, {**OPENAI, "model": "gpt-4.1"}, 7),                         # content not captured: formal or casual
    (None, {"provider": "anthropic", "operation": "chat", "model": "claude-3-5-haiku-latest",
            "request_max_tokens": 300}, 33),                           # twin_a or twin_b: identical in every attribute
    ("twin_b", {"provider": "anthropic", "operation": "chat", "model": "claude-3-5-haiku-latest",
                "request_max_tokens": 300, "span_name": "twin_b"}, 4),  # a framework span named after the function
    ("embed", {"provider": "openai", "operation": "embeddings", "model": "text-embedding-3-small"}, 10),
    (None, {**OPENAI, "model": "gpt-5", "request_max_tokens": 512}, 6),    # no site sends it
    (None, {"provider": "anthropic", "operation": "chat", "model": "gpt-4o", "request_max_tokens": 512}, 2),
    ("brief", {**OPENAI, "model": "gpt-4o", "request_max_tokens": 512,     # stamped: the location wins
               "code_file": "/srv/app/bot.py", "code_line": 14, "code_function": "brief"}, 3),
]


def _mapped(con) -> dict[int, tuple[str, str, str]]:
    return {r[0]: r[1:] for r in con.execute("SELECT row_id, site_id, match_kind, confidence FROM site_rows").fetchall()}


def test_sites_differing_only_in_cap_tools_or_prompt_map_and_identical_twins_stay_ambiguous(project):
    root, sites = project
    con, truth = _traffic(HARD_TRAFFIC)
    report = map_rows(con, list(sites.values()), table="traffic", root=root)
    mapped = _mapped(con)
    by_id = {s.id: f for f, s in sites.items()}
    wrong = [(row, truth[row], by_id[site]) for row, (site, _, _) in mapped.items() if by_id[site] != truth[row]]
    assert wrong == []
    knowable = [row for row, function in truth.items() if function is not None]
    assert sorted(mapped) == knowable                                   # every knowable row, and nothing else
    assert report.rows == 216 and report.unmatched == 48 and report.ambiguous == 40
    assert report.by_kind == {"signature": 165, "location": 3}
    kinds = {by_id[site]: (kind, confidence) for site, kind, confidence in mapped.values()}
    assert kinds["answer"] == ("signature", "high") and kinds["lookup"] == ("signature", "high")
    assert kinds["chat"] == ("signature", "medium")                     # rests on NULL tools read as "none sent"
    assert kinds["twin_b"] == ("signature", "medium")                   # told apart by the span's name only
    assert report.by_evidence["provider+operation+model+max_tokens"] == 65     # answer, brief
    assert report.by_evidence["provider+operation+model+no temperature+no tools"] == 20   # chat
    assert report.by_evidence["provider+operation+model+max_tokens+name"] == 4  # twin_b
    twins = next(u for u in report.top_unmatched if "claude" in u.signature)
    assert twins.rows == 33 and set(twins.candidates) == {sites["twin_a"].id, sites["twin_b"].id}
    assert "nothing this export records tells them apart" in twins.reason
    assert report.site_line(sites["twin_a"].id) == ("traffic: no row maps to this call site (estimate from priors); "
                                                    "33 more rows fit it and 1 other call site equally (not counted: "
                                                    "stamp the calls to tell them apart)")
    assert report.site_line(sites["twin_b"].id).startswith("traffic: rows mapped 4 by request signature")


def test_the_summary_says_how_many_mapped_by_what_and_what_matched_nothing(project):
    root, sites = project
    con, _ = _traffic(HARD_TRAFFIC)
    lines = map_rows(con, list(sites.values()), table="traffic", root=root).lines()
    assert lines[0] == ("traffic: 168 of 216 rows mapped to call sites (165 by request signature, 3 by code location; "
                        "confidence 144 high, 24 medium); 8 matched no call site, 40 fit several equally (left unmapped)")
    gpt5 = next(line for line in lines if "unmapped 6 rows openai chat gpt-5 max_tokens=512" in line)
    assert "no code location or feature" in gpt5 and "no call site sends this request (model gpt-5" in gpt5


def test_null_is_unknown_where_the_file_never_records_the_attribute(project):
    root, sites = project
    rows = [("chat", {**OPENAI, "model": "gpt-4o-mini"}, 5)]           # this exporter records no tools at all
    con, _ = _traffic(rows)
    report = map_rows(con, list(sites.values()), table="traffic", root=root)
    assert report.ambiguous == 5 and report.unmatched == 5
    assert set(report.top_unmatched[0].candidates) == {sites[f].id for f in ("lookup", "chat", "classify")}


def test_without_the_source_only_the_record_speaks(project):
    """No root: tools, temperature and prompts are unknown; the cap still comes from the site record."""
    _, sites = project
    con, truth = _traffic(HARD_TRAFFIC)
    map_rows(con, list(sites.values()), table="traffic")
    by_id = {s.id: f for f, s in sites.items()}
    assert all(by_id[site] == truth[row] for row, (site, _, _) in _mapped(con).items())
    assert {by_id[site] for site, _, _ in _mapped(con).values()} == {"answer", "brief", "twin_b", "embed"}


def test_the_stores_own_table_maps_by_provider_operation_and_model(tmp_path, project):
    """The store's `calls` table has no request columns yet: provider, operation and model still map."""
    root, sites = project
    con = store.open_store(tmp_path / "t.duckdb")
    store.insert_rows(con, pa.table({"provider": ["openai"] * 3 + ["anthropic"], "operation": ["embeddings"] * 3 + ["chat"],
                                     "model": ["text-embedding-3-small"] * 3 + ["claude-3-5-haiku-latest"]}), "t")
    report = map_rows(con, list(sites.values()), root=root)
    assert report.by_site == {sites["embed"].id: 3} and report.ambiguous == 1


def _site_request(tmp_path, call: str, prelude: str = ""):
    from llmsight.simulator.signature import site_request

    (tmp_path / "pyproject.toml").write_text('[project]\nname = "one"\n')
    source = f"from openai import OpenAI\nclient = OpenAI()\n{prelude}\n\ndef ask(q, **options):\n    return {call}\n"
    (tmp_path / "one.py").write_text(source)
    (site,) = api.check([tmp_path], use_cache=False, with_estimates=False).call_sites
    return site_request(site, source)


def test_the_call_keywords_the_site_side_reads(tmp_path):
    from llmsight.simulator.signature import NOT_SET, UNKNOWN

    request = _site_request(tmp_path, 'client.chat.completions.parse(model="gpt-4o", temperature=0.5, tools=TOOLS, '
                            'response_format=Answer, messages=[{"role": "system", "content": f"' + FORMAL + ' {q}"}])',
                            prelude='TOOLS = [{"type": "function", "function": {"name": "b"}}, {"name": "a"}]\n'
                                    'class Answer: ...')
    assert (request.temperature, request.tools, request.response_format) == (0.5, "a,b", "json_schema")
    assert request.prompt == prompt_fingerprint(FORMAL) and request.max_tokens is NOT_SET
    opaque = _site_request(tmp_path, 'client.chat.completions.create(model="gpt-4o", messages=[], **options)')
    assert opaque.temperature is UNKNOWN and opaque.tools is UNKNOWN and opaque.prompt is UNKNOWN
    short = _site_request(tmp_path, 'client.chat.completions.create(model="gpt-4o", messages=[{"role": "system", '
                          '"content": f"Be brief {q}"}])')
    assert short.prompt is UNKNOWN                       # a literal prefix under 48 characters names nothing


def test_exporter_defaults_and_untyped_values_never_contradict(tmp_path):
    from llmsight.simulator.signature import compare, row_value

    request = _site_request(tmp_path, 'client.chat.completions.create(model="gpt-4o", messages=[])')
    openlit = {"provider": "openai", "model": "gpt-4o", "request_temperature": row_value("request_temperature", 1.0, True)}
    assert compare(request, openlit).contradiction is None                  # OpenLIT writes 1.0 when none is set
    junk = {"model": "gpt-4o", "request_max_tokens": row_value("request_max_tokens", "lots", True)}
    assert compare(request, junk).contradiction is None
    assert compare(request, {"model": "gpt-4o", "request_temperature": 0.3}).contradiction == \
        "temperature 0.3 (the code's is not set)"
