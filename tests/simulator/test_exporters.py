"""Traffic exported by the real instrumentation libraries, checked against the fake provider's request log.

The fixtures in tests/fixtures/traffic/exporters/ were made by `generate.py` running each library (in its
own virtualenv) against `fake_provider.py`; the request log next to each export is the truth: one line per
request (one per call: the clients do not retry), with its outcome, its tokens in llmsight's semantics
(input includes cache reads and writes) and the provider's own latency. CI only reads them.
"""
from __future__ import annotations

import gzip
import json
from collections import Counter
from pathlib import Path

import pytest

from llmsight.simulator import store
from llmsight.simulator.ingest import ingest

EXPORTS = Path(__file__).parents[1] / "fixtures" / "traffic" / "exporters"
TOKENS = ("input_tokens", "output_tokens", "cached_input_tokens", "cache_write_input_tokens", "reasoning_tokens")

# What each library does not export at all (checked to be absent, so a change in the library shows here).
NOT_EXPORTED = {
    "langfuse": set(),
    "openlit": {"reasoning_tokens"},          # OpenLIT 1.45 writes no reasoning count for chat completions
}
EXPORTERS = sorted(NOT_EXPORTED)


@pytest.fixture
def con(tmp_path):
    connection = store.open_store(tmp_path / "traffic.duckdb")
    yield connection
    connection.close()


def truth(name: str) -> list[dict]:
    return [json.loads(line) for line in (EXPORTS / f"{name}.requests.jsonl").read_text().splitlines()]


def loaded(con, name: str) -> list[dict]:
    report = ingest([EXPORTS / f"{name}.otlp.json.gz"], con)
    assert not report.rejected, report.text()
    cursor = con.execute("SELECT * FROM calls")
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


@pytest.mark.parametrize("name", EXPORTERS)
def test_every_request_is_one_row_with_its_outcome(con, name):
    rows, log = loaded(con, name), truth(name)
    assert len(rows) == len(log)
    assert Counter((r["model"], r["status"]) for r in rows) == Counter((e["model"], e["status"]) for e in log)
    assert all(r["error_type"] for r in rows if r["status"] != "ok")


@pytest.mark.parametrize("name", EXPORTERS)
def test_token_sums_match_the_provider(con, name):
    rows, log = loaded(con, name), truth(name)
    for column in TOKENS:
        for model in {e["model"] for e in log}:
            got = sum(r[column] or 0 for r in rows if r["model"] == model)
            expected = sum(e[column] for e in log if e["model"] == model)
            assert got == (0 if column in NOT_EXPORTED[name] else expected), (column, model)


@pytest.mark.parametrize("name", EXPORTERS)
def test_latency_quantiles_match_the_provider(con, name):
    """The client's span also holds its own overhead (milliseconds against medians of 120-600 ms)."""
    rows, log = loaded(con, name), truth(name)
    for model in {e["model"] for e in log}:
        observed = [r["latency_ms"] for r in rows if r["model"] == model and r["status"] == "ok"]
        provider = [e["latency_ms"] for e in log if e["model"] == model and e["status"] == "ok"]
        for q in (0.5, 0.95):
            assert quantile(provider, q) <= quantile(observed, q) <= quantile(provider, q) * 1.15, (model, q)


@pytest.mark.parametrize("name", EXPORTERS)
def test_time_to_first_token_only_where_a_stream_had_one(con, name):
    rows, log = loaded(con, name), truth(name)
    streamed = [r for r in rows if r["ttft_ms"] is not None]
    first_chunks = [e["ttft_ms"] for e in log if e["ttft_ms"] is not None]
    assert len(streamed) == len(first_chunks)
    assert all(r["model"] == "gpt-4o-mini" and r["status"] == "ok" and r["ttft_ms"] < r["latency_ms"] for r in streamed)
    observed = [r["ttft_ms"] for r in streamed]
    for q in (0.5, 0.95):
        assert quantile(first_chunks, q) <= quantile(observed, q) <= quantile(first_chunks, q) * 1.15 + 5, q


def test_openlit_failed_span_without_attributes_is_a_call():
    """OpenLIT's Anthropic instrumentation records a failure as an exception event on a span with no
    attributes: the call counts, its model from the span name, provider from the scope."""
    document = json.loads(gzip.decompress((EXPORTS / "openlit.otlp.json.gz").read_bytes()))
    bare = [(scope["scope"]["name"], span) for rs in document["resourceSpans"] for scope in rs["scopeSpans"]
            for span in scope["spans"] if not span.get("attributes")]
    assert bare and all(name == "openlit.instrumentation.anthropic" and span["name"] == "chat claude-sonnet-4-5"
                        for name, span in bare)
