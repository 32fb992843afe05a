"""The traffic store: schema, inserts, bookkeeping and migration on real DuckDB files."""
from __future__ import annotations

import duckdb
import pyarrow as pa
import pytest

from llmsight.simulator import store


def test_new_store_has_canonical_columns_in_order(tmp_path):
    con = store.open_store(tmp_path / "t.duckdb")
    described = con.execute("DESCRIBE calls").fetchall()
    assert [(r[0], r[1]) for r in described] == store.ALL_COLUMNS
    assert store.schema_version(con) == store.SCHEMA_VERSION
    assert con.execute("SELECT COUNT(*) FROM sources").fetchone()[0] == 0


def test_default_path_is_under_project_root(tmp_path):
    con = store.open_store(root=tmp_path)
    con.close()
    assert (tmp_path / ".llmsight" / "traffic.duckdb").is_file()


def test_insert_fills_missing_columns_and_defaults(tmp_path):
    con = store.open_store(tmp_path / "t.duckdb")
    rows = pa.table({"model": ["gpt-4o", "gpt-4o-mini"], "input_tokens": [10, 20], "status": ["OK", None],
                     "source_row": [7, 3]})
    assert store.insert_rows(con, rows, "a.jsonl") == 2
    got = con.execute("SELECT model, input_tokens, output_tokens, attempt, status, quality, source_file, "
                      "source_row, row_id FROM calls ORDER BY source_row").fetchall()
    assert got == [("gpt-4o-mini", 20, 0, 1, "ok", None, "a.jsonl", 3, 3),
                   ("gpt-4o", 10, 0, 1, "ok", None, "a.jsonl", 7, 7)]
    store.insert_rows(con, pa.table({"model": ["x"], "source_row": [3]}), "b.jsonl")
    assert con.execute("SELECT row_id FROM calls WHERE source_file = 'b.jsonl'").fetchone()[0] == 10


def test_duplicate_source_rows_fall_back_to_positions(tmp_path):
    con = store.open_store(tmp_path / "t.duckdb")
    store.insert_rows(con, pa.table({"model": ["a", "b", "c"], "source_row": [1, 1, None]}), "dup.jsonl")
    assert con.execute("SELECT list(row_id ORDER BY row_id), list(source_row ORDER BY row_id) FROM calls"
                       ).fetchone() == ([1, 2, 3], [1, 2, 3])


def test_row_ids_stay_unique_across_inserts_and_sources(tmp_path):
    con = store.open_store(tmp_path / "t.duckdb")
    import pandas as pd

    store.insert_rows(con, pd.DataFrame({"model": ["m"] * 5}), "a.csv")
    store.insert_rows(con, con.sql("SELECT 'm2' AS model FROM range(4)"), "b.csv")
    ids = [r[0] for r in con.execute("SELECT row_id FROM calls").fetchall()]
    assert sorted(ids) == list(range(1, 10))
    assert con.execute("SELECT list(source_row ORDER BY source_row) FROM calls WHERE source_file='b.csv'"
                       ).fetchone()[0] == [1, 2, 3, 4]


def test_sources_table_records_files(tmp_path):
    con = store.open_store(tmp_path / "t.duckdb")
    assert not store.source_seen(con, "abc")
    store.record_source(con, "abc", "x.jsonl", "litellm", 3, 1)
    assert store.source_seen(con, "abc")


def _v1_store(path):
    """A store as the first preview wrote it: no cache-write/reasoning split, no quality, no meta."""
    con = duckdb.connect(str(path))
    v1_columns = [(n, k) for n, k in store.ALL_COLUMNS
                  if n not in ("cache_write_input_tokens", "reasoning_tokens", "quality", "record_key")
                  and n not in store.ADDED[4]]
    con.execute("CREATE TABLE calls (" + ", ".join(f"{n} {k}" for n, k in v1_columns) + ")")
    con.execute("INSERT INTO calls (model, input_tokens, output_tokens, row_id, source_file, source_row) "
                "VALUES ('gpt-4o', 100, 5, 1, 'old.jsonl', 1)")
    con.close()


def test_migrates_v1_file_and_keeps_rows(tmp_path):
    db = tmp_path / "old.duckdb"
    _v1_store(db)
    con = store.open_store(db)
    assert store.schema_version(con) == store.SCHEMA_VERSION
    assert con.execute("SELECT model, input_tokens, cache_write_input_tokens, reasoning_tokens, quality "
                       "FROM calls").fetchall() == [("gpt-4o", 100, 0, 0, None)]
    assert con.execute("SELECT from_version, to_version FROM migrations ORDER BY 1").fetchall() == [(1, 2), (2, 3), (3, 4)]
    assert con.execute("SELECT count(record_key) FROM calls").fetchall() == [(1,)]
    store.insert_rows(con, pa.table({"model": ["x"], "quality": [0.5]}), "new.jsonl")
    assert con.execute("SELECT max(row_id) FROM calls").fetchone()[0] == 2


def test_read_only_open_reads_an_old_store_without_changing_it(tmp_path):
    db = tmp_path / "old.duckdb"
    _v1_store(db)
    before = db.read_bytes()
    con = store.open_store(db, read_only=True)
    assert con.execute("SELECT model, cache_write_input_tokens, reasoning_tokens, quality FROM calls").fetchall() \
        == [("gpt-4o", 0, 0, None)]
    assert [r[0] for r in con.execute("DESCRIBE calls").fetchall()] == [n for n, _ in store.ALL_COLUMNS]
    with pytest.raises(duckdb.Error):
        con.execute("DELETE FROM calls")
    con.close()
    assert db.read_bytes() == before


def test_newer_schema_is_refused(tmp_path):
    db = tmp_path / "future.duckdb"
    store.open_store(db).execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'").close()
    with pytest.raises(store.StoreError, match="newer"):
        store.open_store(db)


def test_read_only_missing_file_says_what_to_do(tmp_path):
    with pytest.raises(store.StoreError, match="llm-lint ingest"):
        store.open_store(tmp_path / "nope.duckdb", read_only=True)


def test_store_locked_by_another_process_says_so(tmp_path):
    import subprocess
    import sys
    import time

    db = tmp_path / "busy.duckdb"
    store.open_store(db).close()
    holder = subprocess.Popen([sys.executable, "-c", f"import duckdb, time; c = duckdb.connect({str(db)!r}); "
                               "print('ready', flush=True); time.sleep(30)"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        with pytest.raises(store.StoreError, match="in use by another process"):
            store.open_store(db)
    finally:
        holder.kill()
        holder.wait()
    time.sleep(0.1)
    store.open_store(db).close()


def test_reopened_store_accepts_inserts(tmp_path):
    """DuckDB 2.0 refuses work on a connection with a partly fetched result; reopening reads the version."""
    import datetime

    import pandas as pd

    path = tmp_path / "t.duckdb"
    store.open_store(path).close()
    con = store.open_store(path)
    row = {c: None for c, _ in store.COLUMNS if c not in ("row_id", "source_file", "source_row")}
    row.update(ts=datetime.datetime(2026, 1, 1), model="gpt-4o", input_tokens=10, output_tokens=5, status="ok",
               latency_ms=100.0)
    assert store.insert_rows(con, pd.DataFrame([row]), "a.jsonl") == 1
    assert store.insert_rows(con, pd.DataFrame([dict(row, output_tokens=6)]), "b.jsonl") == 1
