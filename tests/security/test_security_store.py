"""Hostile traffic stores (issue 16 D0, D15, D17): a DuckDB file from a repository is opened with
external access, extension loading and configuration changes off, and used only when its tables are
the store's own; bad stores and bad simulate options are one clear line and exit 2, nothing written."""
from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from llmsight.simulator import store

REPO = Path(__file__).resolve().parents[2]
TRAFFIC = REPO / "examples" / "traffic" / "app_traffic.jsonl"
SECRET_TEXT = "contents-of-a-private-file-4711"


def run_cli(*args: str, cwd: Path, home: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True", "NO_COLOR": "1"}
    if home is not None:
        env["HOME"] = str(home)
    return subprocess.run([sys.executable, "-m", "llmsight", *args], capture_output=True, text=True, env=env,
                          cwd=cwd, timeout=300)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def assert_one_clear_line(done: subprocess.CompletedProcess, *needles: str) -> None:
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]


@pytest.fixture(scope="module")
def good_store(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("good") / "traffic.duckdb"
    done = run_cli("ingest", str(TRAFFIC), "--db", str(db), cwd=db.parent)
    assert done.returncode == 0, done.stderr
    return db


def _copy(db: Path, tmp_path: Path, name: str) -> Path:
    target = tmp_path / name
    target.write_bytes(db.read_bytes())
    return target


def _view_store(tmp_path: Path) -> tuple[Path, Path]:
    """A store whose `calls` is a view that reads a private file into the model column."""
    secret = tmp_path / "private.txt"
    secret.write_text(SECRET_TEXT)
    db = tmp_path / "hostile.duckdb"
    store.open_store(db).close()
    con = duckdb.connect(str(db))
    con.execute("ALTER TABLE calls RENAME TO calls_data")
    con.execute(f"CREATE VIEW calls AS SELECT * REPLACE ((SELECT content FROM read_text('{secret}')) AS model) "
                "FROM calls_data")
    con.execute("INSERT INTO calls_data (model, ts, input_tokens, output_tokens, latency_ms, status, row_id) "
                "SELECT 'gpt-4o-mini', TIMESTAMP '2026-11-01' + INTERVAL (i) MINUTE, 100, 10, 800, 'ok', i "
                "FROM range(1, 200) t(i)")
    con.close()
    return db, secret


def test_d0_store_whose_calls_is_a_view_is_refused(tmp_path):
    db, _ = _view_store(tmp_path)
    before = digest(db)
    done = run_cli("simulate", "--traffic", str(db), "--scenario", "timeout=5", cwd=tmp_path)
    assert_one_clear_line(done, str(db), "calls")
    assert SECRET_TEXT not in done.stdout + done.stderr
    assert digest(db) == before
    from llmsight.simulator.view import TrafficError, open_traffic

    with pytest.raises(TrafficError, match="view"):
        open_traffic(db)._connect()


def test_d0_store_with_macros_is_refused(tmp_path, good_store):
    secret = tmp_path / "private.txt"
    secret.write_text(SECRET_TEXT)
    db = _copy(good_store, tmp_path, "macro.duckdb")
    con = duckdb.connect(str(db))
    con.execute(f"CREATE MACRO lower(x) AS (SELECT content FROM read_text('{secret}'))")
    con.close()
    before = digest(db)
    for args in (("simulate", "--traffic", str(db), "--scenario", "timeout=5"),
                 ("ingest", str(TRAFFIC), "--db", str(db))):
        done = run_cli(*args, cwd=tmp_path)
        assert_one_clear_line(done, str(db), "macro")
        assert SECRET_TEXT not in done.stdout + done.stderr
    assert digest(db) == before


def test_d0_calls_of_another_schema_is_refused(tmp_path, good_store):
    db = _copy(good_store, tmp_path, "odd.duckdb")
    con = duckdb.connect(str(db))
    con.execute("ALTER TABLE calls ADD COLUMN extra VARCHAR DEFAULT 'x'")
    con.close()
    with pytest.raises(store.StoreError, match="calls"):
        store.open_store(db, read_only=True)


def _reaches(con: duckdb.DuckDBPyConnection, path: Path) -> bool:
    try:
        con.execute(f"SELECT content FROM read_text('{path}')").fetchall()
    except duckdb.Error:
        return False
    return True


def test_d0_connections_reach_no_other_file_and_are_locked(tmp_path, good_store):
    from llmsight.simulator.view import connect

    secret = tmp_path / "private.txt"
    secret.write_text(SECRET_TEXT)
    db = _copy(good_store, tmp_path, "t.duckdb")
    jsonl = tmp_path / "calls.jsonl"
    jsonl.write_text(TRAFFIC.read_text().splitlines()[0] + "\n")
    connections = [store.open_store(db), store.open_store(tmp_path / "new.duckdb"), connect(jsonl)[0]]
    connections[0].close()
    connections[0] = store.open_store(db, read_only=True)
    connections.append(connect(db)[0])
    for con in connections:
        assert not _reaches(con, secret)
        settings = dict(con.execute("SELECT name, value FROM duckdb_settings() WHERE name IN ('enable_external_access', "
                                    "'autoinstall_known_extensions', 'autoload_known_extensions', "
                                    "'lock_configuration')").fetchall())
        assert settings == {"enable_external_access": "false", "autoinstall_known_extensions": "false",
                            "autoload_known_extensions": "false", "lock_configuration": "true"}
        with pytest.raises(duckdb.Error):
            con.execute("SET enable_external_access = true")
        con.close()


def test_d15_sqlite_file_is_not_a_duckdb_store(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    lite = tmp_path / "traffic.db"
    with sqlite3.connect(lite) as con:
        con.execute("CREATE TABLE calls (model TEXT)")
    before = digest(lite)
    for args in (("simulate", "--traffic", str(lite), "--scenario", "timeout=5"),
                 ("ingest", str(TRAFFIC), "--db", str(lite))):
        done = run_cli(*args, cwd=tmp_path, home=home)
        assert_one_clear_line(done, str(lite), "not a DuckDB store")
    assert not (home / ".duckdb").exists()
    assert digest(lite) == before


@pytest.mark.parametrize("statement", ["UPDATE meta SET value = 'v2; drop' WHERE key = 'schema_version'",
                                       "DELETE FROM meta WHERE key = 'schema_version'"])
def test_d17_corrupt_or_missing_schema_version(tmp_path, good_store, statement):
    db = _copy(good_store, tmp_path, "t.duckdb")
    con = duckdb.connect(str(db))
    con.execute(statement)
    con.close()
    before = digest(db)
    for args in (("simulate", "--traffic", str(db), "--scenario", "timeout=5"),
                 ("ingest", str(TRAFFIC), "--db", str(db)),
                 ("check", str(REPO / "examples" / "app"), "--traffic", str(db), "--no-cache")):
        done = run_cli(*args, cwd=tmp_path)
        assert_one_clear_line(done, str(db), "schema_version")
    assert digest(db) == before


@pytest.mark.parametrize("args, needle", [(("--scenario", "timeout=inf"), "timeout"),
                                          (("--scenario", "timeout=1e308"), "timeout"),
                                          (("--seed", "-1", "--scenario", "timeout=5"), "--seed")])
def test_d17_bad_simulate_options_are_one_line(tmp_path, good_store, args, needle):
    before = digest(good_store)
    done = run_cli("simulate", "--traffic", str(good_store), *args, cwd=tmp_path)
    assert_one_clear_line(done, needle)
    assert digest(good_store) == before
