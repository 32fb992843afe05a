"""Store schema v4: what the request asked for (issue 13), read from each exporter's own spellings, kept out
of a record's identity (issue 16 D9), and filled into a v3 store's rows when their files are ingested again."""
from __future__ import annotations

import copy
import gzip
import json
from pathlib import Path

import duckdb
import pytest

from llmsight.simulator import store
from llmsight.simulator.ingest import ingest
from llmsight.simulator.ingest.langfuse import langfuse_request
from llmsight.simulator.signature import prompt_fingerprint

EXPORTS = Path(__file__).parents[1] / "fixtures" / "traffic" / "exporters"
REQUEST = [name for name, _ in store.REQUEST_COLUMNS]


def _settings(con, where: str = "TRUE") -> set[tuple]:
    return set(con.execute(f"SELECT model, {', '.join(REQUEST)} FROM calls WHERE status = 'ok' AND {where}").fetchall())


def test_each_real_export_records_the_chat_sites_apart():
    """The fixture application's two gpt-4o-mini chat sites (cap 200 at temperature 0.2, and a stream capped
    at 48) are told apart by what every library records of the request, in its own spelling."""
    seen = {}
    for library in ("openinference", "openlit", "otel-v2", "langfuse", "openllmetry"):
        con = store.open_store(":memory:")
        ingest([EXPORTS / f"{library}.otlp.json.gz"], con)
        seen[library] = con.execute("SELECT DISTINCT request_max_tokens, request_temperature, request_stream "
                                    "FROM calls WHERE model = 'gpt-4o-mini' AND status = 'ok' ORDER BY 1").fetchall()
    assert seen == {
        "openinference": [(48, None, True), (200, 0.2, None)],       # invocation parameters: what the call set
        "openlit": [(48, 1.0, True), (200, 0.2, False)],             # every setting, defaults included
        "otel-v2": [(48, None, None), (200, 0.2, None)],
        "langfuse": [(48, 1.0, None), (200, 0.2, None)],             # model parameters, temperature 1 when unset
        "openllmetry": [(48, None, True), (200, 0.2, False)],
    }


def test_captured_prompts_are_fingerprinted_like_the_code_and_only_when_captured():
    system = "You are a support assistant for the ACME billing product. " * 40
    for library, captured in (("openinference", True), ("langfuse", True), ("openllmetry", True),
                              ("openlit", False), ("otel-v2", False)):
        con = store.open_store(":memory:")
        ingest([EXPORTS / f"{library}.otlp.json.gz"], con)
        prints = {m: p for m, p in con.execute("SELECT DISTINCT model, prompt_fingerprint FROM calls "
                                               "WHERE model IN ('claude-sonnet-4-5', 'gpt-4.1-nano') AND status = 'ok'"
                                               ).fetchall() if m == "claude-sonnet-4-5"}
        assert prints == {"claude-sonnet-4-5": prompt_fingerprint(system) if captured else None}, library


def _openlit_with(max_tokens: int, tmp_path: Path) -> Path:
    document = json.loads(gzip.open(EXPORTS / "openlit.otlp.json.gz").read())
    for resource in document["resourceSpans"]:
        for scope in resource["scopeSpans"]:
            for span in scope["spans"]:
                for attribute in span.get("attributes", []):
                    if attribute["key"] == "gen_ai.request.max_tokens":
                        attribute["value"] = {"intValue": str(max_tokens)}
    path = tmp_path / "openlit.json"
    path.write_text(json.dumps(document))
    return path


def test_openlits_unset_cap_is_null(tmp_path):
    con = store.open_store(":memory:")
    ingest([_openlit_with(-1, tmp_path)], con)
    assert con.execute("SELECT count(*), count(request_max_tokens) FROM calls").fetchone()[0:2] == (152, 0)


def test_langfuse_request_from_wrapper_parameters_and_observed_kwargs():
    tools = [{"type": "function", "function": {"name": "lookup_order"}}, {"name": "refund"}]
    wrapper = langfuse_request({"temperature": 1, "max_tokens": "Infinity"},
                               json.dumps({"messages": [{"role": "user", "content": "hi"}], "tools": tools}))
    assert (wrapper["request_max_tokens"], wrapper["request_tools"]) == (None, "lookup_order,refund")
    observed = langfuse_request({}, json.dumps({"args": [], "kwargs": {
        "max_tokens": 300, "system": [{"type": "text", "text": "Be brief."}], "messages": [],
        "response_format": {"type": "json_object"}}}))
    assert (observed["request_max_tokens"], observed["response_format"], observed["prompt_fingerprint"]) \
        == (300, "json_object", prompt_fingerprint("Be brief."))


def test_request_settings_are_not_part_of_a_records_identity(tmp_path):
    """The same calls with and without request columns have the same keys: a v3 store's rows are found
    again when their files are re-ingested (D9)."""
    rows = [{"ts": "2026-11-01T00:00:00Z", "model": "gpt-4o", "input_tokens": 10 + i, "output_tokens": 2}
            for i in range(3)]
    plain, rich = tmp_path / "plain.jsonl", tmp_path / "rich.jsonl"
    plain.write_text("".join(json.dumps(r) + "\n" for r in rows))
    rich.write_text("".join(json.dumps({**r, "request_max_tokens": 64, "request_stream": True}) + "\n" for r in rows))
    keys = []
    for path in (plain, rich):
        con = store.open_store(":memory:")
        ingest([path], con)
        keys.append(sorted(r[0] for r in con.execute("SELECT record_key FROM calls").fetchall()))
    assert keys[0] == keys[1] and len(keys[0]) == 3


def test_a_v3_store_is_migrated_and_reingesting_its_files_fills_the_request_settings(tmp_path):
    db = tmp_path / "v3.duckdb"
    source = EXPORTS / "otel-v2.otlp.json.gz"
    con = store.open_store(db)
    loaded = ingest([source], con).loaded
    expected = _settings(con)
    con.close()
    legacy = duckdb.connect(str(db))
    for name in store.ADDED[4]:
        legacy.execute(f"ALTER TABLE calls DROP COLUMN {name}")
    legacy.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")
    legacy.close()

    read_only = store.open_store(db, read_only=True)           # read as v4, the file untouched
    assert read_only.execute("SELECT count(*), count(request_max_tokens) FROM calls").fetchone() == (loaded, 0)
    read_only.close()
    con = store.open_store(db)
    assert con.execute("SELECT from_version, to_version FROM migrations").fetchall()[-1] == (3, 4)
    report = ingest([source], con)                              # seen before v4, so read again
    assert (report.loaded, report.known) == (0, loaded)
    assert _settings(con) == expected and len(expected) > 3


def test_canonical_files_carry_request_columns_and_bad_values_are_rejected(tmp_path):
    path = tmp_path / "calls.jsonl"
    good = {"ts": "2026-11-01T00:00:00Z", "model": "gpt-4o", "request_max_tokens": 256, "request_temperature": 0.3,
            "request_stream": True, "request_tools": "lookup,refund", "response_format": "json_object"}
    bad = [copy.deepcopy(good) | change for change in ({"request_stream": "maybe"}, {"request_stream": 1},
                                                        {"request_max_tokens": -5}, {"request_temperature": "hot"})]
    path.write_text("".join(json.dumps(r) + "\n" for r in [good, *bad]))
    con = store.open_store(":memory:")
    (report,) = ingest([path], con).files
    assert report.loaded == 1 and sorted(report.rejected) == [
        "negative request_max_tokens", "request_stream must be true or false, not a number",
        "request_stream must be true or false, not a string", "request_temperature must be a number, not a string"]
    assert con.execute("SELECT request_max_tokens, request_temperature, request_stream, request_tools, "
                       "response_format FROM calls").fetchall() == [(256, 0.3, True, "lookup,refund", "json_object")]


def test_a_cached_system_prompt_in_content_blocks_is_fingerprinted_on_both_sides(tmp_path):
    """Anthropic's prompt caching puts the system prompt in content blocks (often a repeated constant): the
    code's first block and the captured request give the same fingerprint."""
    from llmsight import api
    from llmsight.simulator.signature import site_request

    (tmp_path / "pyproject.toml").write_text('[project]\nname = "cache"\n')
    source = ('import anthropic\nclient = anthropic.Anthropic()\nSYSTEM = "You are a support assistant. " * 40\n\n'
              'def ask(q):\n    return client.messages.create(model="claude-sonnet-4-5", max_tokens=64, system=[\n'
              '        {"type": "text", "text": SYSTEM, "cache_control": {"type": "ephemeral"}}],\n'
              '        messages=[{"role": "user", "content": q}])\n')
    (tmp_path / "app.py").write_text(source)
    (site,) = api.check([tmp_path], use_cache=False, with_estimates=False).call_sites
    row = langfuse_request({}, json.dumps({"kwargs": {"system": [{"type": "text", "text": "You are a support "
                                                                  "assistant. " * 40}]}}))
    assert site_request(site, source).prompt == row["prompt_fingerprint"] == prompt_fingerprint(
        "You are a support assistant. " * 2)


def _with_http_attempts(path: Path, calls: int) -> None:
    """otel-v2's export with the httpx instrumentation's spans under the first `calls` successful gpt-4o-mini
    calls, as an OpenAI client that retried twice writes them: 429, then 500 (`http.request.resend_count` 1),
    then 200 (resend 2); and one span of a first attempt that answered under another call."""
    document = json.loads(gzip.open(EXPORTS / "otel-v2.otlp.json.gz").read())
    scope = document["resourceSpans"][0]["scopeSpans"]
    spans = [s for ss in scope for s in ss["spans"]]
    chats = [s for s in spans if s["name"] == "chat gpt-4o-mini" and not s.get("status", {}).get("code")]
    http = []
    for call in chats[:calls]:
        start, end = int(call["startTimeUnixNano"]), int(call["endTimeUnixNano"])
        step = (end - start) // 3
        for n, code in enumerate((429, 500, 200)):
            attributes = [{"key": "http.request.method", "value": {"stringValue": "POST"}},
                          {"key": "url.full", "value": {"stringValue": "http://127.0.0.1/v1/chat/completions"}},
                          {"key": "http.response.status_code", "value": {"intValue": str(code)}}]
            if n:
                attributes.append({"key": "http.request.resend_count", "value": {"intValue": str(n)}})
            http.append({"traceId": call["traceId"], "spanId": f"{len(http) + 1:016x}", "parentSpanId": call["spanId"],
                         "name": "POST", "startTimeUnixNano": str(start + n * step),
                         "endTimeUnixNano": str(start + (n + 1) * step), "attributes": attributes,
                         "status": {"code": "STATUS_CODE_ERROR"} if code >= 400 else {}})
    single = chats[calls]
    http.append({"traceId": single["traceId"], "spanId": "ffffffffffffffff", "parentSpanId": single["spanId"],
                 "name": "POST", "startTimeUnixNano": single["startTimeUnixNano"],
                 "endTimeUnixNano": single["endTimeUnixNano"],
                 "attributes": [{"key": "http.request.method", "value": {"stringValue": "POST"}},
                                {"key": "http.response.status_code", "value": {"intValue": "200"}}]})
    scope.append({"scope": {"name": "opentelemetry.instrumentation.httpx"}, "spans": http})
    path.write_text(json.dumps(document))


def test_http_attempt_spans_give_each_call_the_attempts_it_took_and_it_stays_one_row(tmp_path):
    path = tmp_path / "retried.json"
    _with_http_attempts(path, calls=4)
    con = store.open_store(":memory:")
    (report,) = ingest([path], con).files
    assert report.loaded == 152 and report.ignored == 13                  # 12 + 1 HTTP spans, none a call
    assert con.execute("SELECT attempt, status, count(*) FROM calls GROUP BY ALL ORDER BY 1, 2").fetchall() \
        == [(1, "error", 12), (1, "ok", 128), (1, "timeout", 8), (3, "ok", 4)]
    (tmp_path / "again.json").write_text(path.read_text() + "\n")         # the same spans in another file
    assert ingest([tmp_path / "again.json"], con).files[0].known == 152


def _sampled(tmp_path: Path) -> Path:
    """otel-v2's export as traces sampled at a recorded rate: OTel probability sampling writes the rate into each span's tracestate (`ot=th:c`: threshold 0.75, so
    1 in 4 traces kept; the older `ot=p:2` says the same); a Jaeger sampler tags the trace's root span."""
    document = json.loads(gzip.open(EXPORTS / "otel-v2.otlp.json.gz").read())
    spans = [s for rs in document["resourceSpans"] for ss in rs["scopeSpans"] for s in ss["spans"]]
    for n, span in enumerate(spans):
        span["traceState"] = "vendor=x,ot=th:c" if n % 2 else "ot=rv:abc;p:2"
    jaeger = spans[0]
    del jaeger["traceState"]
    document["resourceSpans"][0]["scopeSpans"].append({"scope": {"name": "app"}, "spans": [{
        "traceId": jaeger["traceId"], "spanId": "00000000000000aa", "name": "handle", "startTimeUnixNano": "1",
        "endTimeUnixNano": "2", "attributes": [{"key": "sampler.type", "value": {"stringValue": "probabilistic"}},
                                               {"key": "sampler.param", "value": {"doubleValue": 0.5}}]}]})
    path = tmp_path / "sampled.json"
    path.write_text(json.dumps(document))
    return path


def test_the_sampling_rate_an_export_records_is_kept_and_gives_the_traffics_share(tmp_path):
    path = _sampled(tmp_path)
    con = store.open_store(":memory:")
    ingest([path], con)
    assert con.execute("SELECT sample_rate, count(*) FROM calls GROUP BY 1 ORDER BY 1").fetchall() == [(0.25, 151),
                                                                                                       (0.5, 1)]
    share, note = store.recorded_sample_rate(con)
    assert share == 152 / (151 * 4 + 2) and "recorded 0.25 to 0.5 on 152 of 152 rows" in note
    plain = store.open_store(":memory:")
    ingest([EXPORTS / "otel-v2.otlp.json.gz"], plain)
    assert store.recorded_sample_rate(plain) is None


def test_simulate_scales_by_the_recorded_rate_unless_told_another(tmp_path):
    from llmsight.simulator.simulate import simulate

    db = tmp_path / "traffic.duckdb"
    con = store.open_store(db)
    ingest([_sampled(tmp_path)], con)
    con.close()
    runs = {rate: simulate(db, [], sample_rate=rate, use_cache=False) for rate in (None, 1.0)}
    recorded, told = runs[None].results[0].total, runs[1.0].results[0].total
    assert recorded.calls == told.calls == 152                      # n: what was counted
    assert recorded.calls_per_day == pytest.approx(told.calls_per_day * (151 * 4 + 2) / 152)
    assert any("read from the traces" in n for n in runs[None].notes)
    assert not any("read from the traces" in n for n in runs[1.0].notes)


def test_hostile_request_values_read_as_not_recorded_never_a_traceback():
    from llmsight.simulator.ingest.request import first_instruction, settings

    deep: object = "x"
    for _ in range(5000):
        deep = {"text": deep}
    assert first_instruction(system=deep) is None
    assert settings({"max_tokens": "1e400", "temperature": "nan", "stream": "maybe", "response_format": 7,
                     "tools": [{"function": "x"}, 3, None, {"name": {"a": 1}}], "messages": "[" * 100_000}) == {
        "request_max_tokens": None, "request_temperature": None, "request_stream": None, "request_tools": None,
        "response_format": None, "prompt_fingerprint": None}
