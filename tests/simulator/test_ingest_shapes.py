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
