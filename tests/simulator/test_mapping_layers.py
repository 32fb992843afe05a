"""Issue 13 item 3: one call, one row. A request recorded by two instrumentation layers (an OpenInference
LLM span with the Anthropic SDK's own span as its child; openai-v2 with OpenLLMetry inside it) is stored
once, the richest of the two filled in from the other (`identity.LayerMerge`)."""
from __future__ import annotations

import json

from llmsight.simulator import store
from llmsight.simulator.ingest import ingest

START = 1_764_547_200_000_000_000          # 2025-12-01T00:00:00Z in nanoseconds


def _value(v):
    if isinstance(v, bool):
        return {"boolValue": v}
    if isinstance(v, int):
        return {"intValue": str(v)}
    if isinstance(v, float):
        return {"doubleValue": v}
    return {"stringValue": v}


def _span(trace: int, span: int, parent: int | None, start_ms: float, ms: float, attributes: dict, error: bool = False):
    out = {"traceId": f"{trace:032x}", "spanId": f"{span:016x}", "name": "llm",
           "startTimeUnixNano": str(START + int(start_ms * 1e6)), "endTimeUnixNano": str(START + int((start_ms + ms) * 1e6)),
           "attributes": [{"key": k, "value": _value(v)} for k, v in attributes.items()],
           "status": {"code": "STATUS_CODE_ERROR", "message": "overloaded"} if error else {}}
    if parent is not None:
        out["parentSpanId"] = f"{parent:016x}"
    return out


def _openinference(model: str, prompt: int, completion: int, cache_read: int = 0) -> dict:
    return {"openinference.span.kind": "LLM", "llm.provider": "anthropic", "llm.model_name": model + "-20241022",
            "llm.invocation_parameters": json.dumps({"model": model, "max_tokens": 300}),
            "llm.token_count.prompt": prompt, "llm.token_count.completion": completion,
            "llm.token_count.prompt_details.cache_read": cache_read,
            "code.file.path": "app/summary.py", "code.line.number": 12, "code.function.name": "summarize"}


def _anthropic_sdk(model: str, prompt: int, completion: int) -> dict:
    return {"gen_ai.operation.name": "chat", "gen_ai.provider.name": "anthropic", "gen_ai.request.model": model,
            "gen_ai.response.model": model + "-20241022", "gen_ai.usage.input_tokens": prompt,
            "gen_ai.usage.output_tokens": completion}


def _openai(model: str, prompt: int, completion: int, **extra) -> dict:
    return {"gen_ai.operation.name": "chat", "gen_ai.system": "openai", "gen_ai.request.model": model,
            "gen_ai.usage.input_tokens": prompt, "gen_ai.usage.output_tokens": completion, **extra}


def _export(spans_by_scope: dict[str, list]) -> dict:
    return {"resourceSpans": [{"resource": {"attributes": []}, "scopeSpans": [
        {"scope": {"name": scope}, "spans": spans} for scope, spans in spans_by_scope.items()]}]}


def _double_instrumented():
    """374 calls: 300 recorded once, 53 by OpenInference + the Anthropic SDK, 20 by openai-v2 + OpenLLMetry,
    plus one framework LLM span around two SDK calls of its own model and one judge call nested in a call
    of another model (both count): 450 call spans for 376 calls."""
    oi, sdk, v2, traceloop = [], [], [], []
    truth = {"calls": 0, "input": 0, "output": 0, "errors": 0}

    def count(prompt, completion, error=False):
        truth["calls"] += 1
        truth["input"] += prompt
        truth["output"] += completion
        truth["errors"] += error

    span_id = iter(range(1, 10_000))
    for i in range(300):                               # one layer only
        sdk.append(_span(i, next(span_id), None, i * 1000, 800, _anthropic_sdk("claude-3-5-haiku-latest", 100 + i, 20)))
        count(100 + i, 20)
    for i in range(300, 353):                          # OpenInference LLM span + the Anthropic SDK's own child span
        parent, child = next(span_id), next(span_id)
        error = i % 10 == 0
        oi.append(_span(i, parent, None, i * 1000, 900, _openinference("claude-3-5-haiku-latest", 500, 60, 400), error))
        sdk.append(_span(i, child, parent, i * 1000 + 20, 850, _anthropic_sdk("claude-3-5-haiku-latest", 500, 60), error))
        count(500, 60, error)
    for i in range(353, 373):                          # openai-v2 around OpenLLMetry's span of the same call
        parent, child = next(span_id), next(span_id)
        v2.append(_span(i, parent, None, i * 1000, 700, _openai("gpt-4o-mini", 80, 10)))
        traceloop.append(_span(i, child, parent, i * 1000 + 5, 690, _openai("gpt-4o-mini", 80, 10, **{
            "gen_ai.request.max_tokens": 256, "gen_ai.usage.cache_read_input_tokens": 64})))
        count(80, 10)
    wrapper, first, second, judge = (next(span_id) for _ in range(4))
    oi.append(_span(999, wrapper, None, 400_000, 3000, _openinference("claude-3-5-haiku-latest", 0, 0)))
    sdk.append(_span(999, first, wrapper, 400_010, 1000, _anthropic_sdk("claude-3-5-haiku-latest", 300, 30)))
    sdk.append(_span(999, second, wrapper, 401_100, 1000, _anthropic_sdk("claude-3-5-haiku-latest", 310, 31)))
    count(300, 30)
    count(310, 31)
    v2.append(_span(999, judge, first, 400_020, 500, _openai("gpt-4o-mini", 50, 5)))     # another model: a call of its own
    count(50, 5)
    assert len(oi) + len(sdk) + len(v2) + len(traceloop) == 450 and truth["calls"] == 376
    return _export({"openinference.instrumentation.anthropic": oi, "com.anthropic.sdk.python": sdk,
                    "opentelemetry.instrumentation.openai_v2": v2, "opentelemetry.instrumentation.openai": traceloop}), truth


def test_two_layers_of_one_call_are_one_row_with_the_richest_values(tmp_path):
    export, truth = _double_instrumented()
    path = tmp_path / "spans.json"
    path.write_text(json.dumps(export))
    con = store.open_store(":memory:")
    report = ingest([path], con)
    rows = con.execute("SELECT count(*), sum(input_tokens), sum(output_tokens), count(*) FILTER (status = 'error') "
                       "FROM calls").fetchone()
    assert rows == (truth["calls"], truth["input"], truth["output"], truth["errors"]) and report.loaded == 376
    assert report.files[0].merged == 450 - 376 and "74 spans merged into the call another layer recorded" in report.text()
    merged = con.execute("SELECT code_file, cached_input_tokens, response_model, status FROM calls "
                         "WHERE provider = 'anthropic' AND input_tokens = 500").fetchall()
    assert len(merged) == 53                          # the OpenInference span's location and cache reads are kept
    assert set(merged) == {("app/summary.py", 400, "claude-3-5-haiku-latest-20241022", "ok"),
                           ("app/summary.py", 400, "claude-3-5-haiku-latest-20241022", "error")}
    assert con.execute("SELECT count(*) FROM calls WHERE model = 'gpt-4o-mini' AND cached_input_tokens = 64").fetchone()[0] == 20
    children = con.execute("SELECT code_function FROM calls WHERE trace_id = ? AND provider = 'anthropic'",
                           [f"{999:032x}"]).fetchall()
    assert children == [("summarize",), ("summarize",)]  # the wrapper's location, on the calls it made


def test_merged_file_ingested_again_under_another_name_adds_nothing(tmp_path):
    export, _ = _double_instrumented()
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    first.write_text(json.dumps(export))
    second.write_text(json.dumps(export, indent=1))
    con = store.open_store(":memory:")
    ingest([first], con)
    assert ingest([second], con).loaded == 0 and con.execute("SELECT count(*) FROM calls").fetchone()[0] == 376


def test_the_real_double_layered_export_is_one_row_per_request():
    """`openinference-layers`: OpenInference's Anthropic LLM spans with the Anthropic SDK's own span inside
    each, written by the real libraries; the fake provider's request log is the truth."""
    from pathlib import Path

    exports = Path(__file__).parents[1] / "fixtures" / "traffic" / "exporters"
    log = [json.loads(line) for line in (exports / "openinference-layers.requests.jsonl").read_text().splitlines()]
    con = store.open_store(":memory:")
    report = ingest([exports / "openinference-layers.otlp.json.gz"], con)
    rows = con.execute("SELECT count(*), sum(input_tokens), sum(output_tokens), count(*) FILTER (status <> 'ok') "
                       "FROM calls").fetchone()
    assert rows == (len(log), sum(r["input_tokens"] for r in log), sum(r["output_tokens"] for r in log),
                    sum(r["status"] != "ok" for r in log))
    anthropic_calls = sum(r["path"] == "/v1/messages" for r in log)
    assert report.files[0].merged == anthropic_calls == 20
