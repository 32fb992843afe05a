"""Hostile traffic files at ingest (issue 16 D7, D9, D10): a record is stored once however often it is
ingested, absurd values are rejected with a reason, and a decompression bomb is refused before it
is expanded."""
from __future__ import annotations

import copy
import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from security_keys import KEY_SAMPLES
from hypothesis import given, settings, strategies as st

from llmsight.simulator import store
from llmsight.simulator.ingest import ingest

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures" / "traffic"
LITELLM = [json.loads(line) for line in (FIXTURES / "litellm_payloads.jsonl").read_text().splitlines()]
OTEL = FIXTURES / "otel_openai.json"


@pytest.fixture
def con(tmp_path):
    connection = store.open_store(tmp_path / "traffic.duckdb")
    yield connection
    connection.close()


def stored(con) -> int:
    return con.execute("SELECT count(*) FROM calls").fetchall()[0][0]


def canonical_rows(n: int, start: int = 0) -> list[dict]:
    return [{"ts": f"2026-11-01T{(i // 60) % 24:02d}:{i % 60:02d}:00Z", "model": "gpt-4o-mini",
             "input_tokens": 100 + i, "output_tokens": 10, "latency_ms": 900.0, "status": "ok"}
            for i in range(start, start + n)]


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def write_csv(path: Path, records: list[dict]) -> Path:
    names = list(records[0])
    path.write_text(",".join(names) + "\n" + "".join(",".join(str(r[n]) for n in names) + "\n" for r in records))
    return path


def gzipped(path: Path) -> Path:
    target = path.with_name(path.name + ".gz")
    target.write_bytes(gzip.compress(path.read_bytes()))
    return target


@pytest.mark.parametrize("write", [write_jsonl, write_csv], ids=["jsonl", "csv"])
def test_d9_a_growing_log_reingested_stores_each_call_once(con, tmp_path, write):
    suffix = ".jsonl" if write is write_jsonl else ".csv"
    first = write(tmp_path / f"calls{suffix}", canonical_rows(100))
    assert ingest([first], con).loaded == 100
    grown = write(tmp_path / f"calls{suffix}", canonical_rows(110))
    report = ingest([grown], con)
    assert (report.loaded, report.files[0].known) == (10, 100)
    copy_with_newline = tmp_path / f"copy{suffix}"
    copy_with_newline.write_text(grown.read_text() + "\n")
    for again in (copy_with_newline, gzipped(grown)):
        report = ingest([again], con)
        assert (report.loaded, report.files[0].known, report.usable) == (0, 110, True)
    assert stored(con) == 110


def test_d9_the_same_payload_id_is_one_row(con, tmp_path):
    twice = write_jsonl(tmp_path / "twice.jsonl", [LITELLM[0], LITELLM[0], LITELLM[1]])
    report = ingest([twice], con)
    assert (report.loaded, report.files[0].known) == (2, 1)
    retried = copy.deepcopy(LITELLM[0])
    retried["endTime"] += 1.0                     # the same call logged again with another end: still one call
    again = write_jsonl(tmp_path / "again.jsonl", [retried])
    assert ingest([again], con).loaded == 0
    assert stored(con) == 2


def test_d9_the_same_span_in_two_exports_is_one_row(con, tmp_path):
    assert ingest([OTEL], con).loaded == 3
    document = json.loads(OTEL.read_text())
    (tmp_path / "again.json").write_text(json.dumps(document, indent=2))
    assert ingest([tmp_path / "again.json"], con).loaded == 0
    assert stored(con) == 3


def test_d9_identical_calls_without_ids_stay_distinct_rows(con, tmp_path):
    same = canonical_rows(1)[0]
    two = write_jsonl(tmp_path / "two.jsonl", [same, same])
    assert ingest([two], con).loaded == 2
    three = write_jsonl(tmp_path / "three.jsonl", [same, same, same])
    report = ingest([three], con)
    assert (report.loaded, report.files[0].known) == (1, 2)
    assert stored(con) == 3


@pytest.mark.parametrize("source", [FIXTURES / "litellm_payloads.jsonl", OTEL], ids=["litellm", "otel"])
def test_d9_calls_stored_before_record_keys_are_not_stored_again(tmp_path, source):
    """A store of schema v2 kept no ids: its rows get content keys when it is upgraded, and a record with
    an id is matched against them too."""
    db = tmp_path / "v2.duckdb"
    con = store.open_store(db)
    loaded = ingest([source], con).loaded
    con.close()
    import duckdb

    legacy = duckdb.connect(str(db))
    for name in ["record_key", *store.ADDED[4]]:
        legacy.execute(f"ALTER TABLE calls DROP COLUMN {name}")
    legacy.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'")
    legacy.close()
    con = store.open_store(db)
    try:
        copy_path = tmp_path / ("again" + source.suffix)
        copy_path.write_text(source.read_text() + "\n")
        report = ingest([copy_path], con)
        assert (report.loaded, report.known) == (0, loaded)
        assert stored(con) == loaded
    finally:
        con.close()


ABSURD = {
    "year 9999": {"ts": "9999-12-31T23:59:59Z"},
    "year 1": {"ts": "0001-01-01T00:00:00Z"},
    "latency 1e308": {"latency_ms": 1e308},
    "cost 1e308": {"cost_usd": 1e308},
    "ttft after the end": {"ttft_ms": 5000.0, "latency_ms": 900.0},
    "NUL in the model": {"model": "gpt-4o\u0000mini"},
    "1 MB model name": {"model": "m" * (1 << 20)},
    "attempt 0": {"attempt": 0},
    "tokens 1e15": {"input_tokens": 10**15},
}


def test_d10_absurd_values_are_rejected_with_reasons(con, tmp_path):
    good = canonical_rows(1)[0]
    path = write_jsonl(tmp_path / "absurd.jsonl", [good] + [{**good, **change} for change in ABSURD.values()])
    report = ingest([path], con)
    assert report.loaded == 1, report.text()
    (file_report,) = report.files
    assert sum(file_report.rejected.values()) == len(ABSURD)
    reasons = dict(file_report.examples)
    assert len(reasons) == len(ABSURD)
    for row, name in enumerate(ABSURD, start=2):
        assert reasons[row], name
    joined = " | ".join(reasons.values())
    for word in ("ts", "latency_ms", "cost_usd", "ttft_ms", "model", "attempt", "input_tokens"):
        assert word in joined
    assert stored(con) == 1


def write_bomb(path: Path, size: int, fill: bytes = b" ", head: bytes = b"", tail: bytes = b"") -> Path:
    """`size` bytes that gzip to about a thousandth of that."""
    chunk = fill * (1 << 20)
    with gzip.open(path, "wb", compresslevel=9) as fh:
        fh.write(head)
        for _ in range(size // len(chunk)):
            fh.write(chunk)
        fh.write(tail)
    return path


def peak_rss_of_ingest(tmp_path: Path, *args: str) -> tuple[subprocess.CompletedProcess, float]:
    """Run `llm-lint ingest ARGS` in a child that prints its own peak RSS (MB) last: VmHWM, as getrusage's
    maxrss keeps the high-water mark of the process it was forked from (a large test worker)."""
    code = ("import re, sys\nfrom llmsight.cli import main\ntry:\n    rc = main(sys.argv[1:])\nfinally:\n"
            "    status = open('/proc/self/status').read()\n"
            "    print(int(re.search(r'VmHWM:\\s+(\\d+)', status).group(1)) / 1024, file=sys.stderr)\n"
            "sys.exit(rc)\n")
    env = {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
    done = subprocess.run([sys.executable, "-c", code, "ingest", *args], capture_output=True, text=True,
                          env=env, cwd=tmp_path, timeout=300)
    *lines, rss = done.stderr.strip().splitlines()
    done.stderr = "\n".join(lines)
    return done, float(rss)


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="peak memory read from Linux's /proc")
@pytest.mark.parametrize("name, fmt, head, tail", [("bomb.json.gz", "auto", b'{"data": [', b"]}"),
                                                   ("bomb.jsonl.gz", "jsonl", b"", b"")])
def test_d7_decompression_bomb_is_refused(tmp_path, name, fmt, head, tail):
    bomb = write_bomb(tmp_path / name, 96 << 20, head=head, tail=tail)
    assert bomb.stat().st_size < 200_000
    done, rss = peak_rss_of_ingest(tmp_path, str(bomb), "--db", str(tmp_path / "t.duckdb"), "--format", fmt)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert "expands" in done.stdout and name in done.stdout
    assert rss < 400, rss


# ---- fuzz: traffic rows of every format, hostile values in every field -------------------------------------
LANGFUSE = [o for o in json.loads((FIXTURES / "langfuse_observations.json").read_text())["data"]
            if o["type"] == "GENERATION"]
OTEL_DOCUMENT = json.loads(OTEL.read_text())
OTEL_KEYS = ["gen_ai.request.model", "gen_ai.usage.input_tokens", "gen_ai.usage.output_tokens", "code.line.number",
             "code.file.path", "gen_ai.response.time_to_first_chunk", "error.type", "llmsight.tenant",
             "gen_ai.usage.cache_read.input_tokens", "llmsight.feature"]
CANONICAL = canonical_rows(1)[0] | {"ttft_ms": 200.0, "cost_usd": 0.001, "tenant": "acme", "attempt": 1}
CANONICAL_FIELDS = [name for name, _ in store.COLUMNS]

texts = (st.text(st.characters(blacklist_categories=("Cs",)), max_size=10)
         | st.sampled_from(["", "\x00", "\x1b[31mred", "a,b", '"', "\n", "\r", "\r\n", ";", "\\", "null",
                            "9999-12-31T23:59:59Z", "0001-01-01", "1e308", "NaN", "-1", "2026-11-01T00:00:00Z",
                            "m" * 5000, KEY_SAMPLES["openai"], KEY_SAMPLES["anthropic"]]))
numbers = st.floats() | st.integers(-2**70, 2**70) | st.sampled_from([0, 1, -1, 1e308, 86_400_001, 10**15])
values = st.none() | st.booleans() | numbers | texts | st.lists(st.integers(0, 3), max_size=2) \
    | st.dictionaries(st.sampled_from(["a", "model"]), st.integers(0, 3), max_size=2)
edits = st.lists(st.tuples(st.integers(0, 7), st.integers(0, 200), values), max_size=10)   # (record, field, value)


def records_with(templates: list[dict], changes, fields: list[str]) -> list[dict]:
    """One record per template (cycled to at least three), each change `(record, field, value)` applied."""
    records = [copy.deepcopy(templates[i % len(templates)]) for i in range(max(3, len(templates)))]
    for index, field, value in changes:
        records[index % len(records)][fields[field % len(fields)]] = value
    return records


def write_fuzz_csv(path: Path, records: list[dict]) -> None:
    import csv

    names = sorted({k for r in records for k in r})
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(names)
        for r in records:
            writer.writerow(["" if r.get(n) is None else json.dumps(r[n]) if isinstance(r[n], (list, dict))
                             else str(r[n]) for n in names])


def otel_document(changes) -> tuple[dict, int]:
    document = copy.deepcopy(OTEL_DOCUMENT)
    spans = [s for rs in document["resourceSpans"] for ss in rs["scopeSpans"] for s in ss["spans"]]
    for index, key, value in changes:
        value = {"stringValue": value} if isinstance(value, str) else {"doubleValue": value} \
            if isinstance(value, float) else {"intValue": str(value)} if isinstance(value, int) else value
        spans[index % len(spans)].setdefault("attributes", []).append({"key": OTEL_KEYS[key % len(OTEL_KEYS)],
                                                                       "value": value})
    return document, len(spans)


def build(fmt: str, changes, path: Path) -> int:
    """Write a traffic file of `fmt` with `changes` applied; returns its number of records."""
    if fmt == "otel":
        document, count = otel_document(changes)
        path.write_text(json.dumps(document))
        return count
    templates = {"litellm": LITELLM, "langfuse": LANGFUSE}.get(fmt, [CANONICAL])
    fields = sorted({k for r in templates for k in r}) if fmt in ("litellm", "langfuse") else CANONICAL_FIELDS
    records = records_with(templates, changes, fields)
    if fmt == "csv":
        write_fuzz_csv(path, records)
    else:
        path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return len(records)


@pytest.mark.parametrize("fmt", ["otel", "litellm", "langfuse", "jsonl", "csv"])
@settings(max_examples=max(8, settings().max_examples // 4))     # five formats share one test's budget
@given(changes=edits)
def test_fuzz_every_row_loads_or_is_rejected_and_is_stored_once(tmp_path_factory, fmt, changes):
    work = tmp_path_factory.mktemp(fmt)
    path = work / f"traffic.{'json' if fmt == 'otel' else 'csv' if fmt == 'csv' else 'jsonl'}"
    count = build(fmt, changes, path)
    con = store.open_store(":memory:")
    try:
        (report,) = ingest([path], con, fmt=fmt).files
        assert report.error is None, report.error
        assert report.loaded + sum(report.rejected.values()) + report.ignored + report.known == count, report
        assert stored(con) == report.loaded
        again = path.with_name("again" + path.suffix)
        # the same records in another file (bytes: a CR inside a value stays one; the csv module ends lines by CRLF)
        again.write_bytes(path.read_bytes() + (b"\r\n" if fmt == "csv" else b"\n"))
        (second,) = ingest([again], con, fmt=fmt).files
        assert (second.error, second.loaded, second.known) == (None, 0, report.loaded), second
        assert stored(con) == report.loaded
    finally:
        con.close()


def test_d7_parquet_of_more_rows_than_bytes_is_refused(con, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = 3_000_000
    models = pa.DictionaryArray.from_arrays(pa.array([0] * rows, pa.int32()), pa.array(["gpt-4o"]))
    pq.write_table(pa.table({"model": models, "input_tokens": pa.array([5] * rows)}), tmp_path / "bomb.parquet")
    assert (tmp_path / "bomb.parquet").stat().st_size < 100_000
    (report,) = ingest([tmp_path / "bomb.parquet"], con).files
    assert "3,000,000 rows" in report.error and report.loaded == 0
    assert stored(con) == 0
