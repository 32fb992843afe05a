"""The simulator's summary cache (`simulator.prepared`): a second run over the same rows reads the
preparation instead of recomputing it, gives the same figures, is invalidated when the rows change, and
a summary file that is not exactly what llmsight writes is ignored."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from llmsight.records import to_json
from llmsight.simulator import fit, prepared
from llmsight.simulator.generate import generate, write
from llmsight.simulator.simulate import simulate
from llmsight.simulator.store import connect, insert_rows, open_store

SCENARIOS = ["model=gpt-4o-mini", "timeout=5,retries=1", "prompt_cache_hit_rate=0.5,max_tokens=300"]


@pytest.fixture()
def cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("LLMSIGHT_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache" / "simulate"


@pytest.fixture()
def traffic(tmp_path):
    db = tmp_path / "traffic.duckdb"
    con = open_store(db)
    insert_rows(con, generate(1500, seed=3), "gen.parquet")
    con.close()
    return db


@pytest.fixture(scope="module")
def truth(tmp_path_factory):
    """The figures of `traffic`'s rows prepared from the traffic itself."""
    db = tmp_path_factory.mktemp("truth") / "traffic.duckdb"
    con = open_store(db)
    insert_rows(con, generate(1500, seed=3), "gen.parquet")
    con.close()
    return figures(simulate(db, SCENARIOS, use_cache=False))


def figures(report, count: int | None = None) -> str:
    """Every figure of the first `count` results (all), as JSON."""
    return json.dumps([[to_json(f) for _, f in sorted(r.groups.items())] for r in report.results[:count]], default=str)


def no_fitting(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("fitted again: the summary was not used")
    monkeypatch.setattr(fit, "fit", refuse)


def test_second_run_reads_the_summary_and_gives_the_same_figures(traffic, cache_dir, monkeypatch, truth):
    first = simulate(traffic, SCENARIOS)
    assert len(list(cache_dir.glob("*.duckdb"))) == 1
    assert figures(first) == truth
    no_fitting(monkeypatch)
    second = simulate(traffic, SCENARIOS + ["model=claude-haiku-4-5"])     # a target the summary never saw
    assert figures(second, len(first.results)) == figures(first)
    assert any("claude-haiku-4-5: not in the traffic" in n for n in second.notes)


def test_changed_rows_make_a_new_summary(traffic, cache_dir, monkeypatch):
    before = simulate(traffic, SCENARIOS)
    con = open_store(traffic)
    insert_rows(con, generate(500, seed=4), "more.parquet")
    con.close()
    after = simulate(traffic, SCENARIOS)
    assert after.calls == before.calls + 500
    assert len(list(cache_dir.glob("*.duckdb"))) == 2


def test_settings_that_shape_a_preparation_are_in_the_key(traffic, cache_dir):
    a = simulate(traffic, SCENARIOS, seed=1)
    b = simulate(traffic, SCENARIOS, seed=2)
    assert figures(a) != figures(b)
    assert len(list(cache_dir.glob("*.duckdb"))) == 2


def _forge(path, statements):
    con = connect(path)
    for sql in statements:
        con.execute(sql)
    con.close()


@pytest.mark.parametrize("forgery", ["garbage", "view", "extra_table", "bad_json", "wrong_type", "outcomes_cut",
                                     "outcomes_group", "outcomes_missing"])
def test_a_summary_not_as_written_is_ignored(traffic, cache_dir, monkeypatch, forgery, truth):
    simulate(traffic, SCENARIOS)
    (path,) = cache_dir.glob("*.duckdb")
    outcomes = path.with_suffix(".outcomes")
    if forgery == "outcomes_cut":
        outcomes.write_bytes(outcomes.read_bytes()[:-1])
    elif forgery == "outcomes_group":             # the first row's combination: far past the last one
        data = bytearray(outcomes.read_bytes())
        widths = [np.dtype(kind).itemsize for _, kind in prepared.OUTCOME_LAYOUT]
        names = [name for name, _ in prepared.OUTCOME_LAYOUT]
        at = len(data) // sum(widths) * sum(widths[:names.index("grp")])
        data[at:at + 4] = (10**6).to_bytes(4, "little")
        outcomes.write_bytes(bytes(data))
    elif forgery == "outcomes_missing":
        outcomes.unlink()
    elif forgery == "garbage":
        path.write_bytes(b"\0" * 12 + b"not a database" * 100)
    elif forgery == "view":
        _forge(path, ["CREATE VIEW sneaky AS SELECT 1"])
    elif forgery == "extra_table":
        _forge(path, ["CREATE TABLE sneaky (x INTEGER)"])
    elif forgery == "bad_json":
        _forge(path, [f"UPDATE {prepared.META_TABLE} SET value = '{{\"format\": 1}}'"])
    else:
        _forge(path, [f"ALTER TABLE {prepared.ROWS_TABLE} ALTER COLUMN cost_usd TYPE VARCHAR"])
    again = simulate(traffic, SCENARIOS)       # a miss: prepared from the traffic and written afresh
    assert figures(again) == truth


def test_no_private_cache_directory_means_no_summary(traffic, tmp_path, monkeypatch):
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o777)
    shared.chmod(0o777)                       # writable by others: nothing in it is trusted
    (shared / "simulate").mkdir(mode=0o777)
    (shared / "simulate").chmod(0o777)
    monkeypatch.setenv("LLMSIGHT_CACHE_DIR", str(shared))
    assert prepared.SummaryCache.default() is None
    simulate(traffic, SCENARIOS)
    assert not list((shared / "simulate").glob("*.duckdb"))


def test_a_parquet_traffic_file_is_keyed_by_its_rows(tmp_path, cache_dir, monkeypatch):
    parquet = write(generate(2000, seed=5), tmp_path / "calls.parquet")
    first = simulate(parquet, SCENARIOS)
    no_fitting(monkeypatch)
    assert figures(simulate(parquet, SCENARIOS)) == figures(first)


def test_rows_edited_in_place_make_a_new_summary(traffic, cache_dir):
    """A row's record key is its id, or its content when ingested: an edit of the stored values (a corrected
    cost, a fixed latency) keeps both, so the key must read the values themselves."""
    before = simulate(traffic, SCENARIOS)
    con = open_store(traffic)
    con.execute("UPDATE calls SET cost_usd = cost_usd * 10, latency_ms = latency_ms * 10")
    con.close()
    after = simulate(traffic, SCENARIOS)
    assert figures(after) != figures(before)
    assert len(list(cache_dir.glob("*.duckdb"))) == 2


def test_a_records_own_id_does_not_stand_for_its_values(tmp_path, cache_dir):
    """Exported records that carry their own ids (LiteLLM's, OTel's span ids) re-exported with other values:
    the same ids, other figures."""
    source = Path(__file__).resolve().parents[1] / "fixtures" / "traffic" / "litellm_payloads.jsonl"
    records = [json.loads(line) for line in source.read_text().splitlines()]
    assert all(r.get("id") for r in records)
    path = tmp_path / "payloads.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    before = simulate(path, SCENARIOS)
    path.write_text("".join(json.dumps({**r, "completion_tokens": 3 * (r.get("completion_tokens") or 0) + 7}) + "\n"
                            for r in records))
    after = simulate(path, SCENARIOS)
    assert figures(after) != figures(before)
    assert len(list(cache_dir.glob("*.duckdb"))) == 2
