"""Ingest never crashes: arbitrary JSON values in any field of any adapter's records either load or are
rejected with a reason, and every record is accounted for."""
from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from test_ingest_shapes import openinference_export, spend_logs

from llmsight.simulator import store
from llmsight.simulator.ingest import ingest

FIXTURES = Path(__file__).parents[1] / "fixtures" / "traffic"
LITELLM = [json.loads(line) for line in (FIXTURES / "litellm_payloads.jsonl").read_text().splitlines()]
LANGFUSE = [o for o in json.loads((FIXTURES / "langfuse_observations.json").read_text())["data"]
            if o["type"] == "GENERATION"]
SPEND_LOGS = spend_logs()
CANONICAL = {"model": "gpt-4o", "input_tokens": 10, "output_tokens": 2, "latency_ms": 5.0, "status": "ok",
             "ts": "2026-11-30T10:00:00Z", "code_line": 3, "quality": 0.5}

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**12, 10**12) | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=5)


def mutate(records: list[dict], edits) -> list[dict]:
    out = []
    for index, (field, value) in enumerate(edits):
        record = copy.deepcopy(records[index % len(records)])
        record[field % len(record) if isinstance(field, int) else field] = value
        out.append(record)
    return out


def keyed(records: list[dict]):
    keys = sorted({k for r in records for k in r})
    return st.lists(st.tuples(st.sampled_from(keys), json_values), min_size=1, max_size=12)


def check_all_accounted(tmp_path: Path, records: list[dict], name: str) -> None:
    path = tmp_path / name
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    db = tmp_path / f"{name}.duckdb"
    db.unlink(missing_ok=True)
    con = store.open_store(db)
    try:
        (report,) = ingest([path], con).files
        assert report.error is None
        assert report.loaded + sum(report.rejected.values()) + report.ignored + report.known == len(records)
        assert all(reason for _, reason in report.examples)
    finally:
        con.close()


fuzz = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@fuzz
@given(edits=keyed(LITELLM))
def test_litellm_fields_with_any_value(tmp_path, edits):
    check_all_accounted(tmp_path, mutate(LITELLM, edits), "litellm.jsonl")


@fuzz
@given(edits=keyed(LANGFUSE))
def test_langfuse_fields_with_any_value(tmp_path, edits):
    check_all_accounted(tmp_path, mutate(LANGFUSE, edits), "langfuse.jsonl")


@fuzz
@given(edits=keyed(SPEND_LOGS))
def test_litellm_spend_log_fields_with_any_value(tmp_path, edits):
    check_all_accounted(tmp_path, mutate(SPEND_LOGS, edits), "spend_logs.jsonl")


@fuzz
@given(edits=keyed([CANONICAL]))
def test_canonical_fields_with_any_value(tmp_path, edits):
    check_all_accounted(tmp_path, mutate([CANONICAL], edits), "canonical.jsonl")


OTEL = json.loads((FIXTURES / "otel_openai.json").read_text())
OTEL_KEYS = ["gen_ai.request.model", "gen_ai.usage.input_tokens", "gen_ai.usage.output_tokens", "code.line.number",
             "code.file.path", "gen_ai.response.time_to_first_chunk", "error.type", "gen_ai.provider.name",
             "gen_ai.usage.cache_read.input_tokens", "openinference.span.kind", "llm.model_name",
             "llm.invocation_parameters", "llm.token_count.prompt", "llm.token_count.prompt_details.cache_read",
             "llm.cost.total"]
any_values = st.one_of(
    st.builds(lambda v: {"stringValue": v}, st.text(max_size=8)),
    st.builds(lambda v: {"intValue": v}, st.integers(-10**20, 10**20).map(str) | st.text(max_size=4)),
    st.builds(lambda v: {"doubleValue": v}, st.floats(allow_nan=False)),
    st.builds(lambda v: {"boolValue": v}, st.booleans()),
    st.builds(lambda v: {"arrayValue": v}, json_values),
    st.builds(lambda v: {"kvlistValue": v}, json_values),
    json_values)
span_fields = st.sampled_from(["startTimeUnixNano", "endTimeUnixNano", "traceId", "status", "attributes", "events"])


span_events = st.builds(lambda kind: [{"name": "exception", "attributes": [{"key": "exception.type", "value": kind}]}],
                        any_values)


@pytest.mark.parametrize("source", [OTEL, openinference_export()], ids=["genai", "openinference"])
@fuzz
@given(attribute_edits=st.lists(st.tuples(st.integers(0, 2), st.sampled_from(OTEL_KEYS), any_values), max_size=6),
       field_edits=st.lists(st.tuples(st.integers(0, 3), span_fields, json_values | span_events), max_size=3))
def test_otel_spans_with_any_value(tmp_path, source, attribute_edits, field_edits):
    document = copy.deepcopy(source)
    spans = [s for rs in document["resourceSpans"] for ss in rs["scopeSpans"] for s in ss["spans"]]
    for index, key, value in attribute_edits:
        spans[index].setdefault("attributes", []).append({"key": key, "value": value})
    for index, name, value in field_edits:
        spans[index][name] = value
    path = tmp_path / "spans.json"
    path.write_text(json.dumps(document))
    db = tmp_path / "otel.duckdb"
    db.unlink(missing_ok=True)
    con = store.open_store(db)
    try:
        (report,) = ingest([path], con).files
        assert report.error is None
        assert report.loaded + sum(report.rejected.values()) + report.ignored + report.known == len(spans)
    finally:
        con.close()
