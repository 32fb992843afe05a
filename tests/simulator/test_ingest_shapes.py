"""`llm-lint ingest` on the export shapes users have: API pages saved as they come (one page per file or one per
line). Fixtures are shaped like the sources' own schemas, cited at each one."""
from __future__ import annotations

import json

import pytest
from test_ingest import LANGFUSE, rows

from llmsight.simulator import store
from llmsight.simulator.ingest import detect_format, ingest


@pytest.fixture
def con(tmp_path):
    connection = store.open_store(tmp_path / "traffic.duckdb")
    yield connection
    connection.close()


def observations() -> list[dict]:
    return json.loads(LANGFUSE.read_text())["data"]


def langfuse_page(records: list[dict], page: int, limit: int, total: int) -> dict:
    """`GET /api/public/observations` response (Langfuse public API `ObservationsViews`: `data` and
    `meta` = `MetaResponse` {page, limit, totalItems, totalPages})."""
    return {"data": records, "meta": {"page": page, "limit": limit, "totalItems": total,
                                      "totalPages": -(-total // limit)}}


def test_langfuse_page_saved_on_one_line(con, tmp_path):
    # What `curl .../api/public/observations > obs.json` writes: the page, compact, on one line.
    path = tmp_path / "obs.json"
    path.write_text(json.dumps(langfuse_page(observations(), 1, 50, 8), separators=(",", ":")))
    assert detect_format(path) == "langfuse"
    (report,) = ingest([path], con).files
    assert (report.format, report.loaded, report.ignored) == ("langfuse", 4, 2)
    # Rows are element numbers in `data`, as for the same page pretty-printed.
    assert report.examples == [(7, "missing model"), (8, "end before start (endTime < startTime)")]


def test_langfuse_pages_one_per_line_with_a_broken_page(con, tmp_path):
    # A paging script appending each response as one line; line 3 is a page cut short by a crash.
    records = observations()
    pages = [langfuse_page(records[0:3], 1, 3, 8), langfuse_page(records[3:6], 2, 3, 8), '{"data": [{"id": "obs-',
             langfuse_page(records[6:8], 3, 3, 8)]
    path = tmp_path / "pages.jsonl"
    path.write_text("".join((p if isinstance(p, str) else json.dumps(p)) + "\n" for p in pages))
    report = ingest([path], con)
    (file_report,) = report.files
    assert (file_report.format, file_report.loaded, file_report.ignored) == ("langfuse", 4, 2)
    # Records are numbered across the file; a broken line counts as one record.
    assert file_report.examples == [(7, "broken JSON line"), (8, "missing model"),
                                    (9, "end before start (endTime < startTime)")]
    text = report.text()
    # ... and each reject also names its line and its place in that line's `data` (jq path).
    assert f"{path}:7 (line 3): broken JSON line" in text
    assert f"{path}:8 (line 4, .data[0]): missing model" in text
    assert f"{path}:9 (line 4, .data[1]): end before start (endTime < startTime)" in text
    assert [r["trace_id"] for r in rows(con)] == ["trace-a", "trace-b", "trace-c", "trace-d"]
    assert con.execute("SELECT list(source_row ORDER BY source_row) FROM calls").fetchone()[0] == [1, 2, 5, 6]


# LiteLLM proxy spend logs: rows of the `LiteLLM_SpendLogs` table (litellm `schema.prisma`), as the proxy's
# `GET /spend/logs` answers (a JSON array), `/spend/logs/ui` pages them ({"data", "total", "page", "page_size",
# "total_pages"}) and a DB export writes them. Values as `spend_tracking_utils.get_logging_payload` fills them:
# ISO times, `cache_hit` a string ("True"/"False"), empty strings for unknown ids, `metadata` a
# `SpendLogsMetadata` object (a JSON string in the payload and in text exports), `status` a column since
# migration 20250508072103_add_status_to_spendlogs (older rows: `metadata.status`, or nothing).
SPEND_METADATA = {
    "user_api_key": "88dc28d0f030c55ed4ab77ed8faf098196cb1c05df778539800c9f1243fe6b4b",
    "user_api_key_alias": None, "user_api_key_team_id": "team-support", "user_api_key_org_id": None,
    "user_api_key_user_id": "user-7", "user_api_key_team_alias": None,
    "spend_logs_metadata": {"llmsight": {"feature": "summaries"}},      # x-litellm-spend-logs-metadata
    "requester_ip_address": "", "applied_guardrails": [], "status": "success", "error_information": None,
    "proxy_server_request": None, "batch_models": None, "mcp_tool_call_metadata": None,
    "vector_store_request_metadata": None, "guardrail_information": None, "cold_storage_object_key": None,
    "litellm_overhead_time_ms": 1.8,
    "usage_object": {"completion_tokens": 120, "prompt_tokens": 2400, "total_tokens": 2520,
                     "completion_tokens_details": {"reasoning_tokens": 30},
                     "prompt_tokens_details": {"cached_tokens": 2000, "cache_creation_tokens": 300},
                     "cache_creation_input_tokens": 300, "cache_read_input_tokens": 2000},
    "additional_usage_values": {"completion_tokens_details": {"reasoning_tokens": 30},
                                "prompt_tokens_details": {"cached_tokens": 2000, "cache_creation_tokens": 300},
                                "cache_creation_input_tokens": 300, "cache_read_input_tokens": 2000},
}


def spend_log(**changes) -> dict:
    row = {"request_id": "chatcmpl-5c1e6a0e-6d0c-4d0f-9d55-7f1f0c2b7a11", "call_type": "acompletion",
           "api_key": SPEND_METADATA["user_api_key"], "spend": 0.0036375, "total_tokens": 2520,
           "prompt_tokens": 2400, "completion_tokens": 120, "startTime": "2026-11-30T10:05:00.000000Z",
           "endTime": "2026-11-30T10:05:03.000000Z", "request_duration_ms": 3000,
           "completionStartTime": "2026-11-30T10:05:03.000000Z", "model": "claude-3-5-sonnet-20241022",
           "model_id": "3f1c1bd0b0e6", "model_group": "claude-sonnet", "custom_llm_provider": "anthropic",
           "api_base": "https://api.anthropic.com/v1/messages", "user": "user-7",
           "metadata": SPEND_METADATA, "cache_hit": "False", "cache_key": "Cache OFF", "request_tags": ["summaries"],
           "team_id": "team-support", "organization_id": "", "end_user": "", "requester_ip_address": "",
           "messages": {}, "response": {}, "session_id": "5d0f7c1e-trace", "status": "success",
           "mcp_namespaced_tool_name": None, "agent_id": None, "proxy_server_request": {}}
    row.update(changes)
    return row


def old_spend_log(**changes) -> dict:
    """A row written before the `status` column existed (metadata as a JSON string, as in a text export)."""
    row = {k: v for k, v in spend_log(**changes).items()
           if k not in ("status", "session_id", "completionStartTime", "request_duration_ms", "model_id")}
    metadata = {k: v for k, v in SPEND_METADATA.items() if k not in ("status", "error_information", "usage_object")}
    row["metadata"] = json.dumps(dict(metadata, **changes.get("metadata", {})))
    return row


TIMEOUT = {"error_code": "408", "error_class": "Timeout", "llm_provider": "openai",
           "error_message": "litellm.Timeout: Request timed out.", "traceback": ""}


def spend_logs() -> list[dict]:
    failure_metadata = dict(SPEND_METADATA, status="failure", error_information=TIMEOUT, usage_object=None,
                            additional_usage_values={})
    return [
        spend_log(),
        spend_log(request_id="chatcmpl-streamed", model="gpt-4o-mini", model_group="gpt-4o-mini",
                  custom_llm_provider="openai", spend=0.0000135, prompt_tokens=10, completion_tokens=20,
                  total_tokens=30, completionStartTime="2026-11-30T10:06:00.400000Z",
                  startTime="2026-11-30T10:06:00.000000Z", endTime="2026-11-30T10:06:01.000000Z",
                  metadata=dict(SPEND_METADATA, usage_object=None, additional_usage_values={})),
        spend_log(request_id="chatcmpl-failed", status="failure", spend=0.0, prompt_tokens=0, completion_tokens=0,
                  total_tokens=0, model="", metadata=failure_metadata),
        old_spend_log(request_id="old-cache-hit", cache_hit="True", team_id="", user="", end_user="customer-9"),
        old_spend_log(request_id="old-failure", team_id="", user="user-3",
                      metadata={"status": "failure", "error_information": dict(TIMEOUT, error_class="RateLimitError",
                                                                                 error_code="429")}),
    ]


def test_litellm_spend_logs_from_the_proxy_api(con, tmp_path):
    path = tmp_path / "spend_logs.json"
    path.write_text(json.dumps(spend_logs(), indent=2))              # GET /spend/logs: a JSON array
    assert detect_format(path) == "litellm"
    (report,) = ingest([path], con).files
    assert (report.loaded, report.rejected) == (5, {})
    full, streamed, failed, cache_hit, old_failure = rows(con)
    assert (full["model"], full["provider"], full["operation"], full["status"]) == (
        "claude-3-5-sonnet-20241022", "anthropic", "chat", "ok")
    # prompt_tokens already include cache reads and writes (as in the payload; design §2).
    assert (full["input_tokens"], full["cached_input_tokens"], full["cache_write_input_tokens"]) == (2400, 2000, 300)
    assert (full["output_tokens"], full["reasoning_tokens"]) == (120, 30)
    assert full["cost_usd"] == pytest.approx(0.0036375) and full["latency_ms"] == pytest.approx(3000)
    assert (full["tenant"], full["trace_id"], str(full["ts"])) == ("team-support", "5d0f7c1e-trace",
                                                                  "2026-11-30 10:05:00")
    assert full["ttft_ms"] is None                  # completionStartTime = endTime: not streamed
    assert full["feature"] == "summaries"
    assert streamed["ttft_ms"] == pytest.approx(400) and streamed["cached_input_tokens"] == 0
    # A failed call logs an empty `model`: the model group names it.
    assert (failed["model"], failed["status"], failed["error_type"]) == ("claude-sonnet", "timeout", "Timeout")
    # Rows older than the `status` column: no status is success, `metadata.status` says failure.
    assert (cache_hit["status"], cache_hit["cost_usd"], cache_hit["tenant"]) == ("ok", 0.0, "customer-9")
    assert (cache_hit["cached_input_tokens"], cache_hit["reasoning_tokens"]) == (2000, 30)   # additional_usage_values
    assert (old_failure["status"], old_failure["error_type"], old_failure["tenant"]) == (
        "error", "RateLimitError", "user-3")


def test_litellm_spend_logs_ui_page_and_db_export_lines(con, tmp_path):
    records = spend_logs()
    page = tmp_path / "ui_page.json"     # /spend/logs/ui, saved with curl
    page.write_text(json.dumps({"data": records, "total": 5, "page": 1, "page_size": 50, "total_pages": 1}))
    export = tmp_path / "spend_logs.jsonl"
    export.write_text("".join(json.dumps(dict(r, metadata=json.dumps(r["metadata"]) if isinstance(r["metadata"], dict)
                                              else r["metadata"])) + "\n" for r in records))
    report = ingest([page], con)
    export_store = store.open_store(tmp_path / "export.duckdb")     # the same calls: one store would keep them once
    report.files += ingest([export], export_store).files
    assert [(f.format, f.loaded, dict(f.rejected)) for f in report.files] == [("litellm", 5, {}), ("litellm", 5, {})]
    by_file = [rows(con), rows(export_store)]
    compared = ["model", "status", "input_tokens", "cached_input_tokens", "cost_usd", "tenant", "error_type"]
    assert [[r[c] for c in compared] for r in by_file[0]] == [[r[c] for c in compared] for r in by_file[1]]


def test_litellm_spend_logs_with_bad_rows(con, tmp_path):
    bad = {2: spend_log(status="pending"), 4: spend_log(spend=-1), 5: old_spend_log(metadata={})}
    bad[5]["metadata"] = "{'status': 'failure'"
    lines = [json.dumps(bad.get(line, spend_log(request_id=f"r{line}"))) for line in range(1, 7)]
    lines[2] = '{"request_id": "r3", "spend": 0.1, "startTime": '              # line 3: truncated write
    path = tmp_path / "spend_logs.jsonl"
    path.write_text("\n".join(lines) + "\n")
    (report,) = ingest([path], con).files
    assert report.loaded == 2
    assert report.examples == [(2, "status must be success or failure, not 'pending'"), (3, "broken JSON line"),
                               (4, "negative spend"), (5, "metadata is not a JSON object")]


def test_litellm_payload_without_status_is_still_rejected(con, tmp_path):
    # The StandardLoggingPayload always carries `status`: a payload without one stays a reject.
    from test_ingest import litellm_payloads, write_jsonl

    payload = litellm_payloads()[0]
    del payload["status"]
    (report,) = ingest([write_jsonl(tmp_path / "payloads.jsonl", [payload])], con).files
    assert report.examples == [(1, "status must be success or failure, not None")]


# OpenInference spans in an OTLP/JSON export (`MessageToJson` of an `ExportTraceServiceRequest`). Attribute names
# from Arize's openinference `spec/semantic_conventions.md`; the OpenAI spans are shaped as
# `openinference-instrumentation-openai` 0.1.66 writes them (its ChatCompletion span sets `llm.model_name` from the
# response, so a failed call names its model only in `llm.invocation_parameters`, and records the error as an
# `exception` event); the Anthropic one as the LangChain instrumentor writes it (`llm.token_count.prompt` =
# input + cache read + cache write).
def _value(value):
    if isinstance(value, bool):
        return {"boolValue": value}
    if isinstance(value, int):
        return {"intValue": str(value)}
    if isinstance(value, float):
        return {"doubleValue": value}
    return {"stringValue": value}


def oi_span(name: str, attributes: dict, start: int, millis: int = 900, status: dict | None = None,
            events: list | None = None) -> dict:
    span = {"traceId": "O6SMjiQkQvHH+SJnhIGAoQ==", "spanId": f"span{start:04d}AA=", "parentSpanId": "d6o58XkwfOU=",
            "name": name, "kind": "SPAN_KIND_INTERNAL", "startTimeUnixNano": str(1796177989_000000000 + start * 10**9),
            "endTimeUnixNano": str(1796177989_000000000 + start * 10**9 + millis * 10**6),
            "attributes": [{"key": k, "value": _value(v)} for k, v in attributes.items()],
            "status": status or {"code": "STATUS_CODE_OK"}, "flags": 256}
    if events:
        span["events"] = events
    return span


TIMEOUT_EVENT = {"timeUnixNano": "1796177991500000000", "name": "exception", "attributes": [
    {"key": "exception.type", "value": {"stringValue": "openai.APITimeoutError"}},
    {"key": "exception.message", "value": {"stringValue": "Request timed out."}},
    {"key": "exception.escaped", "value": {"stringValue": "False"}}]}


def openinference_export(extra_spans: list[dict] = ()) -> dict:
    chat = {"llm.provider": "openai", "llm.system": "openai", "input.mime_type": "application/json",
            "output.mime_type": "application/json", "llm.invocation_parameters": '{"model": "gpt-4o-mini"}',
            "llm.model_name": "gpt-4o-mini-2024-07-18", "llm.token_count.total": 1892, "llm.token_count.prompt": 1850,
            "llm.token_count.completion": 42, "llm.token_count.prompt_details.cache_read": 1024,
            "llm.token_count.completion_details.reasoning": 0, "llm.finish_reason": "stop",
            "openinference.span.kind": "LLM", "user.id": "acme"}
    anthropic = {"openinference.span.kind": "LLM", "llm.provider": "anthropic", "llm.system": "anthropic",
                 "llm.model_name": "claude-3-5-sonnet-20241022", "llm.invocation_parameters":
                 '{"model": "claude-3-5-sonnet-20241022", "max_tokens": 1024}', "llm.token_count.prompt": 2400,
                 "llm.token_count.completion": 120, "llm.token_count.prompt_details.cache_read": 2000,
                 "llm.token_count.prompt_details.cache_write": 300, "llm.cost.total": 0.0036375}
    wrappers = [oi_span(kind.title(), {"openinference.span.kind": kind, "llm.token_count.prompt": 4250,
                                       "llm.token_count.completion": 162}, start=10 + i)
                for i, kind in enumerate(("CHAIN", "AGENT", "TOOL", "RETRIEVER"))]
    spans = [
        oi_span("ChatCompletion", chat, start=1),
        oi_span("ChatCompletion", {"llm.provider": "openai", "llm.system": "openai", "openinference.span.kind": "LLM",
                                   "llm.invocation_parameters": '{"model": "gpt-4o"}'}, start=2, millis=600,
                status={"message": "APITimeoutError: Request timed out.", "code": "STATUS_CODE_ERROR"},
                events=[TIMEOUT_EVENT]),
        oi_span("CreateEmbeddings", {"llm.provider": "openai", "llm.system": "openai",
                                     "embedding.invocation_parameters": '{"model": "text-embedding-3-small"}',
                                     "llm.token_count.total": 5, "llm.token_count.prompt": 5,
                                     "embedding.model_name": "text-embedding-3-small",
                                     "openinference.span.kind": "EMBEDDING"}, start=3),
        oi_span("ChatAnthropic", anthropic, start=4),
        # Tagged both ways (an instrumentor writing GenAI and OpenInference attributes): one call, read as GenAI.
        oi_span("chat gpt-4o", dict(chat, **{"gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o",
                                             "gen_ai.usage.input_tokens": 77, "gen_ai.usage.output_tokens": 7}),
                start=5),
        *wrappers, *extra_spans,
    ]
    return {"resourceSpans": [{"resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "app"}}]},
                               "scopeSpans": [{"scope": {"name": "openinference.instrumentation.openai",
                                                         "version": "0.1.66"}, "spans": spans}]}]}


def test_openinference_llm_spans_are_calls(con, tmp_path):
    path = tmp_path / "phoenix_spans.json"
    path.write_text(json.dumps(openinference_export(), indent=2))
    assert detect_format(path) == "otel"
    (report,) = ingest([path], con).files
    assert (report.loaded, report.ignored, dict(report.rejected)) == (5, 4, {})   # CHAIN/AGENT/TOOL/RETRIEVER
    chat, failed, embedding, anthropic, both = rows(con)
    assert (chat["model"], chat["response_model"], chat["provider"], chat["operation"]) == (
        "gpt-4o-mini", "gpt-4o-mini-2024-07-18", "openai", "chat")
    assert (chat["input_tokens"], chat["cached_input_tokens"], chat["output_tokens"], chat["status"]) == (
        1850, 1024, 42, "ok")
    assert (chat["latency_ms"], chat["tenant"], len(chat["trace_id"])) == (900, "acme", 32)
    assert (failed["model"], failed["status"], failed["error_type"]) == ("gpt-4o", "timeout", "APITimeoutError")
    assert (embedding["model"], embedding["operation"], embedding["input_tokens"]) == (
        "text-embedding-3-small", "embedding", 5)
    # The prompt count already includes cache reads and writes: nothing is added.
    assert (anthropic["input_tokens"], anthropic["cached_input_tokens"], anthropic["cache_write_input_tokens"]) == (
        2400, 2000, 300)
    assert (anthropic["provider"], anthropic["cost_usd"]) == ("anthropic", pytest.approx(0.0036375))
    assert (both["model"], both["input_tokens"], both["output_tokens"]) == ("gpt-4o", 77, 7)


def test_openinference_bad_spans_are_rejected_with_their_span_number(con, tmp_path):
    bad = [oi_span("ChatCompletion", {"openinference.span.kind": "LLM", "llm.model_name": "gpt-4o",
                                      "llm.token_count.prompt": "lots"}, start=20),
           oi_span("ChatCompletion", {"openinference.span.kind": "LLM", "llm.token_count.prompt": 10}, start=21),
           oi_span("ChatCompletion", {"openinference.span.kind": "LLM", "llm.model_name": "gpt-4o"}, start=22,
                   millis=-5),
           # A failure without a status message: its recorded exception says what it was.
           oi_span("ChatCompletion", {"openinference.span.kind": "LLM", "llm.invocation_parameters": '{"model": "o3"}'},
                   start=23, status={"code": "STATUS_CODE_ERROR"}, events=[TIMEOUT_EVENT])]
    path = tmp_path / "phoenix_spans.jsonl"
    path.write_text(json.dumps(openinference_export(bad)) + "\n")
    (report,) = ingest([path], con).files
    assert (report.loaded, report.ignored) == (6, 4)
    assert [(r["model"], r["status"], r["error_type"]) for r in rows(con)][-1] == ("o3", "timeout", "APITimeoutError")
    assert report.examples == [(10, "llm.token_count.prompt is not a number ('lots')"),
                               (11, "missing model (llm.model_name)"),
                               (12, "end before start (endTimeUnixNano < startTimeUnixNano)")]


# A trace downloaded from Grafana Tempo: its API v1 (`/api/traces/<id>`) and Explore's "download trace" give
# `{"batches": [ResourceSpans...]}`, API v2 (`/api/v2/traces/<id>`) `{"trace": {"resourceSpans": [...]}}`; an
# exporter from before OTLP 0.19 writes `instrumentationLibrarySpans` (and `instrumentationLibrary`) where
# `scopeSpans` (and `scope`) are now.
@pytest.mark.parametrize("shape", ["tempo_v1", "tempo_v2", "otlp_before_0_19"])
def test_tempo_traces_and_old_otlp_spans_are_read(con, tmp_path, shape):
    (resource,) = openinference_export()["resourceSpans"]
    if shape == "otlp_before_0_19":
        (scope,) = resource.pop("scopeSpans")
        resource["instrumentationLibrarySpans"] = [{"instrumentationLibrary": scope["scope"], "spans": scope["spans"]}]
    document = {"tempo_v1": {"batches": [resource]}, "tempo_v2": {"trace": {"resourceSpans": [resource]}},
                "otlp_before_0_19": {"resourceSpans": [resource]}}[shape]
    path = tmp_path / f"{shape}.json"
    path.write_text(json.dumps(document))
    assert detect_format(path) == "otel"
    (report,) = ingest([path], con).files
    assert (report.loaded, report.ignored, dict(report.rejected)) == (5, 4, {})
    assert [r["model"] for r in rows(con)][:2] == ["gpt-4o-mini", "gpt-4o"]


def jaeger_span(span_id: str, start_us: int, duration_us: int, tags: dict, logs: list | None = None) -> dict:
    """A span of Jaeger's JSON (jaeger-ui `types/trace.tsx`: `KeyValuePair` {key, type, value}, microsecond
    `startTime`/`duration`), as Jaeger's OTLP translator writes an OTel span: status in `otel.status_code`,
    `otel.status_description` and `error` tags, events as logs whose `event` field is the event's name."""
    kinds = {bool: "bool", int: "int64", float: "float64", str: "string"}
    return {"traceID": "9bfe8376688e9116", "spanID": span_id, "operationName": tags.get("gen_ai.operation.name", "GET"),
            "references": [], "startTime": start_us, "duration": duration_us, "processID": "p1", "warnings": None,
            "tags": [{"key": k, "type": kinds[type(v)], "value": v} for k, v in tags.items()],
            "logs": logs or []}


def test_jaeger_trace_download_is_read_as_its_otel_spans(con, tmp_path):
    chat = {"gen_ai.operation.name": "chat", "gen_ai.system": "openai", "gen_ai.request.model": "gpt-4o-mini",
            "gen_ai.usage.input_tokens": 812, "gen_ai.usage.output_tokens": 64, "code.filepath": "app/chat.py",
            "code.lineno": 18, "span.kind": "client", "otel.scope.name": "opentelemetry.instrumentation.openai_v2"}
    failed = {"gen_ai.operation.name": "chat", "gen_ai.system": "openai", "gen_ai.request.model": "gpt-4o",
              "otel.status_code": "ERROR", "otel.status_description": "Request timed out.", "error": True}
    exception = {"timestamp": 1729181199000000, "fields": [
        {"key": "event", "type": "string", "value": "exception"},
        {"key": "exception.type", "type": "string", "value": "openai.APITimeoutError"}]}
    spans = [jaeger_span("a1", 1729181197748657, 1_503_000, chat),
             jaeger_span("a2", 1729181198000000, 600_000_000, failed, [exception]),
             jaeger_span("a3", 1729181197000000, 2_000_000, {"http.method": "GET", "http.status_code": 200}),
             jaeger_span("a4", "soon", 5, dict(chat, **{"gen_ai.request.model": "gpt-4o"}))]
    path = tmp_path / "trace-9bfe8376688e9116.json"
    path.write_text(json.dumps({"data": [{"traceID": "9bfe8376688e9116", "spans": spans,
                                          "processes": {"p1": {"serviceName": "app", "tags": []}},
                                          "warnings": None}], "total": 0, "limit": 0, "offset": 0, "errors": None}))
    assert detect_format(path) == "otel"
    (report,) = ingest([path], con).files
    assert (report.loaded, report.ignored) == (2, 1)
    ((row, reason),) = report.examples
    assert (row, reason) == (4, "startTime and duration must be microseconds, got 'soon' and 5")
    ok, timed_out = rows(con)
    assert (ok["model"], ok["input_tokens"], ok["output_tokens"], ok["latency_ms"], ok["status"]) == (
        "gpt-4o-mini", 812, 64, 1503.0, "ok")
    assert (ok["code_file"], ok["code_line"], ok["trace_id"]) == ("app/chat.py", 18, "9bfe8376688e9116".zfill(32))
    assert (timed_out["model"], timed_out["status"], timed_out["latency_ms"]) == ("gpt-4o", "timeout", 600_000.0)
