"""`llm-lint ingest`: adapters on fixtures captured from the real libraries, rejects, idempotence, CLI."""
from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from llmsight.simulator import store
from llmsight.simulator.ingest import IngestError, detect_format, ingest

FIXTURES = Path(__file__).parents[1] / "fixtures" / "traffic"
LITELLM = FIXTURES / "litellm_payloads.jsonl"
OTEL = FIXTURES / "otel_openai.json"
LANGFUSE = FIXTURES / "langfuse_observations.json"


@pytest.fixture
def con(tmp_path):
    connection = store.open_store(tmp_path / "traffic.duckdb")
    yield connection
    connection.close()


def rows(con, where="TRUE", order="row_id"):
    cursor = con.execute(f"SELECT * FROM calls WHERE {where} ORDER BY {order}")
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, r)) for r in cursor.fetchall()]


def litellm_payloads() -> list[dict]:
    return [json.loads(line) for line in LITELLM.read_text().splitlines()]


def write_jsonl(path: Path, records) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records))
    return path


@pytest.mark.parametrize("path, fmt", [(LITELLM, "litellm"), (OTEL, "otel"), (LANGFUSE, "langfuse")])
def test_detects_fixture_formats(path, fmt):
    assert detect_format(path) == fmt


def test_litellm_payloads(con):
    report = ingest([LITELLM], con)
    payloads = litellm_payloads()
    assert report.loaded == len(payloads) and not report.rejected
    got = {r["source_row"]: r for r in rows(con)}
    by_function = {r["code_function"].rsplit(".", 1)[-1]: r for r in got.values()}
    ok = by_function["answer_ticket"]
    assert (ok["model"], ok["status"], ok["tenant"], ok["feature"]) == ("gpt-4o-mini", "ok", "team-support", "support")
    assert ok["input_tokens"] == payloads[0]["prompt_tokens"]
    assert ok["output_tokens"] == payloads[0]["completion_tokens"]
    assert ok["cost_usd"] == pytest.approx(payloads[0]["response_cost"])
    assert ok["latency_ms"] == pytest.approx((payloads[0]["endTime"] - payloads[0]["startTime"]) * 1000)
    assert ok["code_file"] == "tests/fixtures/traffic/make_fixtures.py" and ok["code_line"] > 0
    assert ok["ttft_ms"] is None                        # not streamed: completionStartTime is just endTime
    streamed = by_function["stream_reply"]
    assert 0 < streamed["ttft_ms"] <= streamed["latency_ms"]
    cached = by_function["summarize_with_prompt_cache"]
    # LiteLLM already counts cache reads/writes inside prompt_tokens (design §2): no double counting.
    assert cached["input_tokens"] == 2400
    assert (cached["cached_input_tokens"], cached["cache_write_input_tokens"]) == (2000, 300)
    assert cached["tenant"] == "user-7"
    assert by_function["timed_out"]["status"] == "timeout"
    failed = by_function["api_error"]
    assert (failed["status"], failed["error_type"]) == ("error", "InternalServerError")


def test_litellm_cache_hit_is_free_and_exclusive_cache_counts_are_added(con, tmp_path):
    hit = copy.deepcopy(litellm_payloads()[0])
    hit["cache_hit"] = True
    anthropic_raw = copy.deepcopy(litellm_payloads()[2])
    anthropic_raw["prompt_tokens"] = 100              # Anthropic's own convention: cache counted outside
    ingest([write_jsonl(tmp_path / "derived.jsonl", [hit, anthropic_raw])], con)
    first, second = rows(con)
    assert first["cost_usd"] == 0.0
    assert (second["input_tokens"], second["cached_input_tokens"]) == (2400, 2000)


def test_otel_export_from_openai_v2_instrumentation(con):
    report = ingest([OTEL], con)
    assert report.loaded == 3 and report.files[0].ignored == 1 and not report.rejected
    ok, failed, timed_out = rows(con)
    assert (ok["model"], ok["response_model"], ok["provider"]) == ("gpt-4o-mini", "gpt-4o-mini-2024-07-18", "openai")
    assert (ok["input_tokens"], ok["output_tokens"], ok["status"]) == (1850, 42, "ok")
    assert len(ok["trace_id"]) == 32 and ok["trace_id"] == failed["trace_id"]   # base64 bytes → hex
    assert ok["code_file"] == "tests/fixtures/traffic/make_fixtures.py" and ok["feature"] == "support"
    assert (failed["status"], failed["error_type"]) == ("error", "InternalServerError")
    assert (timed_out["status"], timed_out["error_type"]) == ("timeout", "APITimeoutError")
    assert ok["latency_ms"] > 0


NEW_TO_OLD = {"gen_ai.provider.name": "gen_ai.system", "code.file.path": "code.filepath",
              "code.line.number": "code.lineno", "gen_ai.usage.input_tokens": "gen_ai.usage.prompt_tokens",
              "gen_ai.usage.output_tokens": "gen_ai.usage.completion_tokens", "code.function.name": "code.function"}


def _spans(document):
    return [s for rs in document["resourceSpans"] for ss in rs["scopeSpans"] for s in ss["spans"]]


def test_otel_old_attribute_spellings_give_the_same_rows(con, tmp_path):
    document = json.loads(OTEL.read_text())
    for span in _spans(document):
        for attribute in span.setdefault("attributes", []):
            attribute["key"] = NEW_TO_OLD.get(attribute["key"], attribute["key"])
    first = _spans(document)[0]
    first["attributes"].append({"key": "gen_ai.response.time_to_first_chunk", "value": {"doubleValue": 0.025}})
    first["attributes"].append({"key": "gen_ai.usage.cache_read.input_tokens", "value": {"intValue": "1000"}})
    old = tmp_path / "old.json"
    old.write_text(json.dumps(document))
    ingest([OTEL], con)
    old_store = store.open_store(tmp_path / "old.duckdb")     # the same spans: one store would keep them once
    ingest([old], old_store)
    compared = ["model", "provider", "input_tokens", "output_tokens", "code_file", "code_line", "code_function",
                "status", "error_type"]
    new_rows = rows(con)
    old_rows = rows(old_store)
    assert [[r[c] for c in compared] for r in new_rows] == [[r[c] for c in compared] for r in old_rows]
    assert old_rows[0]["ttft_ms"] == pytest.approx(25.0) and old_rows[0]["cached_input_tokens"] == 1000


def test_otel_agent_and_tool_spans_are_not_counted_as_calls(con, tmp_path):
    document = json.loads(OTEL.read_text())
    wrapper = copy.deepcopy(_spans(document)[0])
    for attribute in wrapper["attributes"]:
        if attribute["key"] == "gen_ai.operation.name":
            attribute["value"] = {"stringValue": "invoke_agent"}
    document["resourceSpans"][0]["scopeSpans"][0]["spans"].append(wrapper)
    path = tmp_path / "agent.json"
    path.write_text(json.dumps(document))
    report = ingest([path], con)
    assert (report.loaded, report.files[0].ignored) == (3, 2)


def test_otel_export_one_request_per_line_with_bad_spans(con, tmp_path):
    document = json.loads(OTEL.read_text())
    broken = copy.deepcopy(document)
    spans = _spans(broken)
    spans[0]["endTimeUnixNano"] = str(int(spans[0]["startTimeUnixNano"]) - 1)
    spans[1]["attributes"] = [a for a in spans[1]["attributes"] if a["key"] != "gen_ai.request.model"]
    spans[2]["attributes"].append({"key": "gen_ai.usage.input_tokens", "value": {"stringValue": "lots"}})
    path = tmp_path / "collector.jsonl"
    path.write_text(json.dumps(document) + "\n" + json.dumps(broken) + "\n{not json\n")
    report = ingest([path], con, fmt="otel")
    assert report.loaded == 3
    # Spans are numbered across the file (4 per request here); a broken line reports its line number.
    assert sorted(report.files[0].examples) == [
        (3, "broken JSON line"),
        (5, "end before start (endTimeUnixNano < startTimeUnixNano)"),
        (6, "missing model (gen_ai.request.model)"),
        (7, "gen_ai.usage.input_tokens is not a number ('lots')")]


def test_a_big_document_on_one_line_is_parsed_once(con, tmp_path, monkeypatch):
    """Detection reads the first records and ingest goes on from them: a file of one big document (an API
    response saved with curl) costs one parse, not one for detection and more for loading."""
    document = json.loads(OTEL.read_text())
    scope = document["resourceSpans"][0]["scopeSpans"][0]
    scope["spans"] = [dict(span, spanId=f"{i:016x}") for i, span in enumerate(scope["spans"] * 500)]   # 1500 calls
    path = tmp_path / "export.json"
    path.write_text(json.dumps(document))
    parses, loads = [], json.loads
    monkeypatch.setattr(json, "loads", lambda text, *a, **k: parses.append(len(text)) or loads(text, *a, **k))
    report = ingest([path], con)
    assert report.files[0].format == "otel" and report.loaded == 1500
    assert sum(size == path.stat().st_size for size in parses) == 1


def test_json_lines_whose_first_line_is_broken_still_load(con, tmp_path):
    payloads = litellm_payloads()
    path = write_jsonl(tmp_path / "litellm.jsonl", ['{"truncated": ', *payloads])
    report = ingest([path], con)
    assert report.files[0].format == "litellm" and report.loaded == len(payloads)
    assert report.files[0].examples == [(1, "broken JSON line")]


def test_langfuse_generations_only(con):
    report = ingest([LANGFUSE], con)
    file_report = report.files[0]
    assert (file_report.loaded, file_report.ignored) == (4, 2)
    assert file_report.examples == [(7, "missing model"), (8, "end before start (endTime < startTime)")]
    openai, anthropic, failed, legacy = rows(con)
    assert (openai["input_tokens"], openai["cached_input_tokens"], openai["output_tokens"]) == (1850, 1024, 42)
    assert openai["ttft_ms"] == pytest.approx(400, abs=0.01) and openai["latency_ms"] == pytest.approx(1250, abs=0.01)
    assert (openai["code_file"], openai["code_line"], openai["tenant"]) == ("app/chat.py", 14, "acme")
    # Langfuse counts cache reads and writes next to `input`; the store includes them (design §2).
    assert (anthropic["input_tokens"], anthropic["cache_write_input_tokens"]) == (2400, 300)
    assert anthropic["feature"] == "summaries" and anthropic["cost_usd"] == pytest.approx(0.0036375)
    assert failed["status"] == "timeout"
    assert (legacy["input_tokens"], legacy["output_tokens"], legacy["status"]) == (300, 80, "ok")


def test_langfuse_cost_fallbacks(con, tmp_path):
    (first,) = [o for o in json.loads(LANGFUSE.read_text())["data"] if o["id"] == "obs-001"]
    details_only = {k: v for k, v in first.items() if k != "calculatedTotalCost"}
    total_only = dict(details_only, id="obs-001b", costDetails={}, totalCost=0.5)
    ingest([write_jsonl(tmp_path / "costs.jsonl", [details_only, total_only])], con)
    assert [r["cost_usd"] for r in rows(con)] == [pytest.approx(0.000226), 0.5]


def test_langfuse_jsonl_and_array_exports(con, tmp_path):
    observations = json.loads(LANGFUSE.read_text())["data"]
    array = tmp_path / "obs.json"
    array.write_text(json.dumps(observations, indent=2))
    report = ingest([write_jsonl(tmp_path / "obs.jsonl", observations), array], con)
    assert [(f.format, f.loaded, f.known, f.ignored) for f in report.files] == [("langfuse", 4, 0, 2),
                                                                               ("langfuse", 0, 4, 2)]
    assert report.files[1].examples == [(7, "missing model"), (8, "end before start (endTime < startTime)")]


CANONICAL = [
    {"ts": "2026-11-30T10:00:00Z", "model": "gpt-4o", "input_tokens": 1200, "output_tokens": 300,
     "cached_input_tokens": 1024, "latency_ms": 2300.5, "ttft_ms": 410.0, "status": "ok", "attempt": 1,
     "cost_usd": 0.004, "code_file": "app/chat.py", "code_line": 12, "code_function": "reply", "feature": "chat",
     "tenant": "acme", "quality": 0.9, "trace_id": "t1", "provider": "openai", "operation": "chat"},
    {"ts": 1796032860, "model": "gpt-4o-mini", "input_tokens": 50, "output_tokens": 0, "latency_ms": 30000,
     "status": "timeout", "error_type": "APITimeoutError", "attempt": 2},
]


def _copy_to(tmp_path, source: Path, fmt: str) -> Path:
    target = tmp_path / f"canonical.{fmt}"
    duckdb.connect().execute(f"COPY (SELECT * FROM read_json('{source}', format='newline_delimited')) TO '{target}' "
                f"({'FORMAT parquet' if fmt == 'parquet' else 'HEADER'})").fetchall()
    return target


def test_canonical_formats_load_the_same_rows(con, tmp_path):
    jsonl = write_jsonl(tmp_path / "canonical.jsonl", CANONICAL)
    jsonl_iso = write_jsonl(tmp_path / "iso.jsonl", [dict(r, ts="2026-11-30 10:01:00") for r in CANONICAL])
    millis = write_jsonl(tmp_path / "ms.jsonl", [dict(CANONICAL[0], ts=1796032860_000)])
    csv_file = _copy_to(tmp_path, jsonl_iso, "csv")
    parquet_file = _copy_to(tmp_path, jsonl_iso, "parquet")
    report = ingest([jsonl, millis], con)
    assert [f.format for f in report.files] == ["jsonl", "jsonl"]
    assert report.loaded == 3 and not report.rejected
    assert str(rows(con, f"source_file = '{millis}'")[0]["ts"]) == "2026-11-30 10:01:00"
    first = rows(con, f"source_file = '{jsonl}'")
    assert str(first[0]["ts"]) == "2026-11-30 10:00:00" and str(first[1]["ts"]) == "2026-11-30 10:01:00"
    assert (first[0]["cached_input_tokens"], first[0]["quality"], first[1]["status"]) == (1024, 0.9, "timeout")
    columns = [c for c in store.COLUMN_NAMES if c != "ts"]
    per_file = [[tuple(r[c] for c in columns) for r in first]]
    for path, fmt in ((csv_file, "csv"), (parquet_file, "parquet")):    # the same calls: each in a store of its own
        own = store.open_store(tmp_path / f"{fmt}.duckdb")
        (file_report,) = ingest([path], own).files
        assert (file_report.format, file_report.loaded, file_report.rejected) == (fmt, 2, {})
        per_file.append([tuple(r[c] for c in columns) for r in rows(own)])
    assert per_file[0] == per_file[1] == per_file[2]
    assert ingest([csv_file, parquet_file], con).known == 4        # in one store, each call once


def test_gzip_compressed_logs(con, tmp_path):
    import gzip

    compressed = []
    for source in (LITELLM, LANGFUSE, write_jsonl(tmp_path / "c.jsonl", CANONICAL)):
        target = tmp_path / (source.name + ".gz")
        target.write_bytes(gzip.compress(source.read_bytes()))
        compressed.append(target)
    csv_gz = tmp_path / "c.csv.gz"
    csv_gz.write_bytes(gzip.compress(b"model,input_tokens\ngpt-4o,5\n,3\n"))
    report = ingest([*compressed, csv_gz], con)
    assert [(f.format, f.loaded) for f in report.files] == [("litellm", 5), ("langfuse", 4), ("jsonl", 2), ("csv", 1)]
    assert report.files[3].examples == [(3, "missing model")]
    truncated = tmp_path / "cut.jsonl.gz"
    truncated.write_bytes(compressed[0].read_bytes()[:200])
    (cut,) = ingest([truncated], con, fmt="litellm").files
    assert cut.error.startswith("cannot read") and cut.loaded == 0


def _malformed_jsonl(path: Path, n: int) -> dict[int, str]:
    """n lines of canonical rows with known bad lines; returns line → expected reason."""
    bad = {
        7: ('{"input_tokens": 5}', "missing model"),
        100: ('{"model": "gpt-4o", "input_tokens": -3}', "negative input_tokens"),
        2500: ('{"model": "gpt-4o", "output_tokens": "12k"}', "output_tokens must be a number, not a string"),
        9000: ('{"model": "gpt-4o", "latency_ms": -10}', "end before start (negative latency_ms)"),
        12345: ('{"model": "gpt-4o", "input_tokens": 10', "broken JSON line"),
        20000: ('{"model": ["gpt-4o"]}', "model must be a string, not array"),
        31000: ('[1, 2]', "line is not a JSON object"),
        n: ('{"model": "gpt-4o", "status": "exploded"}', "status must be ok, error or timeout"),
    }
    with open(path, "w") as fh:
        for line in range(1, n + 1):
            if line in bad:
                fh.write(bad[line][0] + "\n")
            else:
                fh.write(json.dumps({"model": "gpt-4o-mini", "input_tokens": line % 997, "output_tokens": 7,
                                     "ts": 1796032800 + line}) + "\n")
    return {line: reason for line, (_, reason) in bad.items()}


def test_large_malformed_jsonl_rejects_exact_lines_and_loads_the_rest(con, tmp_path):
    n = 40_000
    expected = _malformed_jsonl(tmp_path / "big.jsonl", n)
    report = ingest([tmp_path / "big.jsonl"], con, max_examples=50)
    assert report.loaded == n - len(expected)
    assert dict(report.files[0].examples) == expected
    assert con.execute("SELECT COUNT(DISTINCT row_id), MIN(source_row), MAX(source_row) FROM calls").fetchone() \
        == (n - len(expected), 1, n - 1)


def test_large_malformed_litellm_file(con, tmp_path):
    template = litellm_payloads()[0]
    mutations = {
        3: lambda p: p.update(prompt_tokens=-5),
        50: lambda p: p.update(completion_tokens="many"),
        400: lambda p: p.update(endTime=p["startTime"] - 1),
        999: lambda p: p.pop("model"),
        1500: lambda p: p.update(prompt_tokens=[1]),
        1800: lambda p: p.update(status="maybe"),
    }
    records = []
    for line in range(1, 2001):
        payload = copy.deepcopy(template)
        payload["id"] = f"call-{line}"
        payload["startTime"] += line
        payload["endTime"] += line
        if line in mutations:
            mutations[line](payload)
        records.append(payload)
    records[1199] = '{"model": "gpt-4o", "prompt_tokens": '           # line 1200: truncated write
    report = ingest([write_jsonl(tmp_path / "payloads.jsonl", records)], con)
    assert report.loaded == 2000 - 7
    assert dict(report.files[0].examples) == {
        3: "negative prompt_tokens", 50: "completion_tokens is not a number ('many')",
        400: "end before start (endTime < startTime)", 999: "missing model",
        1200: "broken JSON line", 1500: "prompt_tokens is not a number (list)",
        1800: "status must be success or failure, not 'maybe'"}


def test_csv_with_malformed_lines(con, tmp_path):
    path = tmp_path / "traffic.csv"
    path.write_text("model,input_tokens,output_tokens,status\n"
                    "gpt-4o,10,5,ok\n"
                    ",10,5,ok\n"
                    "gpt-4o,abc,5,ok\n"
                    "gpt-4o,10,5,ok,surplus,fields\n"
                    "gpt-4o-mini,1,1,error\n")
    report = ingest([path], con)
    assert report.loaded == 2
    assert dict(report.files[0].examples) == {3: "missing model", 4: "input_tokens is not a number",
                                              5: "malformed CSV line (too many columns)"}


def test_reingest_adds_nothing_even_under_another_name(con, tmp_path):
    first = ingest([LANGFUSE], con)
    copy_path = tmp_path / "renamed.json"
    copy_path.write_bytes(LANGFUSE.read_bytes())
    again = ingest([LANGFUSE, copy_path], con)
    assert first.loaded == 4 and again.loaded == 0 and all(f.duplicate for f in again.files) and again.usable
    assert con.execute("SELECT COUNT(*) FROM calls").fetchone()[0] == 4
    copy_path.write_bytes(LANGFUSE.read_bytes().replace(b"acme", b"globex"))   # the same observations, changed
    changed = ingest([copy_path], con)
    assert (changed.loaded, changed.known, changed.usable) == (0, 4, True)


def test_directories_expand_to_their_traffic_files(con, tmp_path):
    day = tmp_path / "exports" / "day=2026-11-30"
    day.mkdir(parents=True)
    (day / "litellm.jsonl").write_bytes(LITELLM.read_bytes())
    (day / "langfuse.json").write_bytes(LANGFUSE.read_bytes())
    (day / "README.md").write_text("not traffic")
    (tmp_path / "exports" / ".hidden.jsonl").write_text("{}")
    report = ingest([tmp_path / "exports"], con)
    assert [Path(f.path).name for f in report.files] == ["langfuse.json", "litellm.jsonl"]
    assert report.loaded == 9


def test_unusable_inputs_are_errors_not_tracebacks(con, tmp_path):
    (tmp_path / "notes.txt").write_text("hello world\n")
    (tmp_path / "other.json").write_text(json.dumps({"foo": 1}) + "\n")
    report = ingest([tmp_path / "missing.jsonl", tmp_path / "notes.txt", tmp_path / "other.json"], con)
    errors = [f.error for f in report.files]
    assert errors[0] == "no such file"
    assert "not valid JSON" in errors[1]
    assert "cannot tell the format (first record has: foo)" in errors[2]
    assert not report.usable
    with pytest.raises(IngestError):
        ingest([LANGFUSE], con, fmt="xml")


def _cli(*args, cwd):
    return subprocess.run([sys.executable, "-m", "llmsight", "ingest", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=120)


def test_cli_summary_exit_codes_and_default_store(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    bad = write_jsonl(tmp_path / "bad.jsonl", ['{"model": "gpt-4o", "input_tokens": -1}', "{oops"])
    done = _cli(LANGFUSE, bad, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "total: 4 rows loaded, 4 rejected" in done.stdout
    assert f"{bad}:1: negative input_tokens" in done.stdout and f"{bad}:2: broken JSON line" in done.stdout
    assert (tmp_path / ".llmsight" / "traffic.duckdb").is_file()
    assert "store: .llmsight/traffic.duckdb  (use it: llm-lint check --traffic .llmsight/traffic.duckdb)" in done.stdout
    assert "Traceback" not in done.stderr and "%" not in done.stderr       # no bar: stderr is not a tty
    only_bad = _cli(bad, "--db", tmp_path / "other.duckdb", "--progress", cwd=tmp_path)
    assert only_bad.returncode == 2 and "100%" in only_bad.stderr
    again = _cli(LANGFUSE, cwd=tmp_path)
    assert again.returncode == 0 and "already ingested" in again.stdout
    missing = _cli(tmp_path / "nope.jsonl", cwd=tmp_path)
    assert missing.returncode == 2 and "no such file" in missing.stdout
    not_a_store = tmp_path / "junk.duckdb"
    not_a_store.write_text("not a database")
    broken_store = _cli(LANGFUSE, "--db", not_a_store, cwd=tmp_path)
    assert broken_store.returncode == 2 and "junk.duckdb" in broken_store.stderr
    assert "Traceback" not in broken_store.stderr


def test_rows_validate_against_the_store_types(con, tmp_path):
    ingest([LITELLM, OTEL, LANGFUSE], con)
    assert con.execute("SELECT COUNT(*) FROM calls WHERE status NOT IN ('ok', 'error', 'timeout') "
                       "OR input_tokens < cached_input_tokens + cache_write_input_tokens "
                       "OR output_tokens < reasoning_tokens").fetchone()[0] == 0
    assert isinstance(con.execute("SELECT ts FROM calls LIMIT 1").fetchone()[0], __import__("datetime").datetime)
    with pytest.raises(duckdb.Error):
        con.execute("INSERT INTO calls (ts) VALUES ('not a time')")


def test_progress_bar_on_a_terminal_only_for_large_files(tmp_path):
    import os
    import pty

    small = write_jsonl(tmp_path / "small.jsonl", CANONICAL)
    large = tmp_path / "large.jsonl"
    line = json.dumps(CANONICAL[0]) + "\n"
    large.write_text(line * (9 * 2**20 // len(line) + 1))

    def stderr_on_a_tty(path: Path) -> str:
        import threading

        master, slave = pty.openpty()
        chunks: list[bytes] = []

        def drain():                      # read while the child writes: a full pty would block it
            while True:
                try:
                    chunk = os.read(master, 65536)
                except OSError:
                    return
                if not chunk:
                    return
                chunks.append(chunk)

        reader = threading.Thread(target=drain)
        reader.start()
        done = subprocess.run([sys.executable, "-m", "llmsight", "ingest", str(path), "--db",
                               str(tmp_path / "t.duckdb")], stderr=slave, stdout=subprocess.PIPE, timeout=120)
        os.close(slave)
        reader.join(timeout=10)
        os.close(master)
        assert done.returncode == 0
        return b"".join(chunks).decode()

    assert "%" not in stderr_on_a_tty(small)
    assert "100%" in stderr_on_a_tty(large)
