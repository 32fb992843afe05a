"""Traffic rows → call sites, on sites found by the real `check` in a project on disk."""
from __future__ import annotations

import textwrap

import pyarrow as pa
import pytest

from llmsight import api
from llmsight.simulator import store
from llmsight.simulator.mapping import map_rows, unmatched_summary

CHAT = textwrap.dedent('''\
    from openai import OpenAI

    client = OpenAI()


    class Support:
        def answer(self, question):
            return client.chat.completions.create(
                model="gpt-4o",
                messages=[{"role": "user", "content": question}],
            )

        def triage(self, question):
            first = client.chat.completions.create(model="gpt-4o-mini", messages=[])
            second = client.chat.completions.create(model="gpt-4o", messages=[])
            return first, second
    ''')
SUMMARY = textwrap.dedent('''\
    import anthropic

    claude = anthropic.Anthropic()


    def summarize(text):  # llmsight: feature=summaries
        return claude.messages.create(model="claude-3-5-sonnet-20241022", max_tokens=500, messages=[])
    ''')


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = tmp_path_factory.mktemp("project")
    (root / "pyproject.toml").write_text(
        '[project]\nname = "p"\n\n[tool.llmsight.features]\n"app/summary.py" = "summaries"\n')
    (root / "app").mkdir()
    (root / "app" / "__init__.py").write_text("")
    (root / "app" / "chat.py").write_text(CHAT)
    (root / "app" / "summary.py").write_text(SUMMARY)
    return root


@pytest.fixture(scope="module")
def sites(project):
    found = api.check([project], use_cache=False, with_estimates=False).call_sites
    assert len(found) == 4
    return found


def site_at(sites, path, line):
    return next(s.id for s in sites if s.span.path == path and s.span.start_line == line)


def _store(tmp_path, records):
    con = store.open_store(tmp_path / "t.duckdb")
    names = ["code_file", "code_line", "code_function", "feature", "model"]
    table = pa.table({n: pa.array([r.get(n) for r in records], pa.int64() if n == "code_line" else pa.string())
                      for n in names})
    store.insert_rows(con, table, "test")
    return con


def test_each_rule_of_the_mapping(tmp_path, sites):
    answer = site_at(sites, "app/chat.py", 8)
    triage_first, triage_second = site_at(sites, "app/chat.py", 14), site_at(sites, "app/chat.py", 15)
    summarize = site_at(sites, "app/summary.py", 7)
    records = [
        # location: absolute deploy path, line inside the multi-line call
        {"code_file": "/srv/service/app/chat.py", "code_line": 10, "code_function": "Support.answer",
         "model": "gpt-4o"},
        # line moved within the same function (code edited since): nearest site in that function
        {"code_file": "app/chat.py", "code_line": 17, "code_function": "Support.triage", "model": "gpt-4o"},
        {"code_file": "app/chat.py", "code_line": 12, "code_function": "Support.triage", "model": "gpt-4o-mini"},
        # a single-site file without line information
        {"code_file": "summary.py", "model": "claude-3-5-sonnet-20241022"},
        # feature tag only
        {"feature": "summaries", "model": "anthropic/claude-3-5-sonnet-20241022"},
        # location unknown inside the file, but only one site there calls this model
        {"code_file": "app/chat.py", "code_line": 99, "model": "gpt-4o-mini"},
        # unmatched: ambiguous model in file, unknown file, nothing at all
        {"code_file": "app/chat.py", "code_line": 99, "model": "gpt-4o"},
        {"code_file": "lib/other.py", "code_line": 3, "model": "gpt-4o"},
        {"model": "gpt-4o"},
        {"model": "gpt-4o"},
    ]
    con = _store(tmp_path, records)
    report = map_rows(con, sites)
    got = dict(con.execute("SELECT source_row, site_id || ' ' || match_kind FROM site_rows JOIN calls USING (row_id)"
                           ).fetchall())
    assert got == {1: f"{answer} location", 2: f"{triage_second} function", 3: f"{triage_first} function",
                   4: f"{summarize} file", 5: f"{summarize} feature", 6: f"{triage_first} model"}
    assert report.rows == 10 and report.unmatched == 4
    assert report.by_kind == {"location": 1, "function": 2, "file": 1, "feature": 1, "model": 1}
    unmatched = unmatched_summary(con)
    assert unmatched[0]["rows"] == 2 and "no code location or feature" in unmatched[0]["reason"]
    reasons = {(u["code_file"], u["model"]): u["reason"] for u in unmatched}
    assert "matches 2 call sites in the file" in reasons[("app/chat.py", "gpt-4o")]
    assert "no call site in a file matching lib/other.py" in reasons[("lib/other.py", "gpt-4o")]
    # never dropped: every row is either mapped or listed
    assert con.execute("SELECT COUNT(*) FROM site_rows").fetchone()[0] + sum(u["rows"] for u in unmatched) == 10


def test_line_without_function_uses_the_enclosing_function_of_todays_source(tmp_path, project, sites):
    triage_second = site_at(sites, "app/chat.py", 15)
    records = [{"code_file": "app/chat.py", "code_line": 16}, {"code_file": "app/chat.py", "code_line": 2}]
    con = _store(tmp_path, records)
    assert map_rows(con, sites).unmatched == 2          # without the source: not inside any call
    report = map_rows(con, sites, root=project)
    assert report.by_kind == {"function": 1} and report.unmatched == 1    # line 2 is in no function
    assert con.execute("SELECT site_id FROM site_rows").fetchone()[0] == triage_second


def test_path_suffix_must_match_whole_components(tmp_path, sites):
    records = [{"code_file": "chat.py", "code_line": 8}, {"code_file": "other/app/chat.py", "code_line": 8},
               {"code_file": "x/chat.py", "code_line": 8}, {"code_file": "app/hat.py", "code_line": 8}]
    con = _store(tmp_path, records)
    map_rows(con, sites)
    mapped = {r[0] for r in con.execute("SELECT source_row FROM site_rows JOIN calls USING (row_id)").fetchall()}
    assert mapped == {1, 2}


def test_works_on_a_read_only_store_and_scales(tmp_path, sites):
    con = store.open_store(tmp_path / "big.duckdb")
    con.execute("CREATE TEMP TABLE src AS SELECT CASE WHEN i % 3 = 0 THEN 'app/chat.py' END AS code_file, "
                "CASE WHEN i % 3 = 0 THEN 9 END AS code_line, "
                "CASE WHEN i % 3 = 1 THEN 'summaries' END AS feature, 'gpt-4o' AS model FROM range(300000) t(i)")
    store.insert_rows(con, con.sql("SELECT * FROM src"), "gen")
    con.close()
    ro = store.open_store(tmp_path / "big.duckdb", read_only=True)
    report = map_rows(ro, sites)
    assert report.by_kind == {"location": 100000, "feature": 100000} and report.unmatched == 100000
