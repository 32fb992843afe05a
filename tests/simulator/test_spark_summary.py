"""`simulate --write-summary`: the per-site figures of a run (on DuckDB, or on Spark where the traffic lives)
are what `check`, the language server's API and `diff` show when given the summary as their traffic."""
from __future__ import annotations

import datetime as dt
import json
import math
import os
import re
import shutil
import threading
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from llmsight import api
from llmsight.cli import main
from llmsight.simulator.generate import generate
from llmsight.simulator.summary import MAX_BYTES, is_summary, read_summary, write_summary
from llmsight.simulator.view import TrafficError

REPO = Path(__file__).resolve().parents[2]
FIGURES = ("cost_per_call", "cost_per_month", "latency_p50_s", "latency_p95_s", "latency_p99_s", "error_rate")


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """The example app (without configured volumes: cost per month from the traffic) and generated
    traffic stamped with its sites' locations, as a Parquet directory."""
    root = tmp_path_factory.mktemp("summary")
    app = root / "app"
    shutil.copytree(REPO / "examples" / "app", app, ignore=shutil.ignore_patterns(".llmsight"))
    toml = app / "pyproject.toml"
    toml.write_text(re.sub(r"(?m)^volumes = .*\n", "", toml.read_text(encoding="utf-8")), encoding="utf-8")
    traffic = root / "calls"
    traffic.mkdir()
    pq.write_table(generate(2000, seed=7, start=dt.datetime(2026, 10, 1), days=3), traffic / "part-0.parquet")
    return app, traffic


def _same(a, b) -> bool:
    return (a is None and b is None) or (a is not None and b is not None and math.isclose(a, b, rel_tol=1e-9))


def test_duckdb_summary_gives_checks_figures(project, tmp_path):
    """Written with PATHS (rows mapped to the sites, each replayed as its code is written), the summary
    gives `check` the figures `check` computes from the traffic itself."""
    app, traffic = project
    summary = tmp_path / "figures.json"
    api.simulate([app], str(traffic), [], write_summary=summary, use_cache=False)
    from_traffic = api.check([app], traffic=str(traffic)).estimates
    from_summary = api.check([app], traffic=str(summary)).estimates
    assert from_traffic.keys() == from_summary.keys()
    traffic_sites = [k for k, e in from_traffic.items() if e.source == "traffic"]
    assert len(traffic_sites) == 4
    for key in traffic_sites:
        a, b = from_traffic[key], from_summary[key]
        assert b.source == "traffic" and "--write-summary" in b.notes[0]
        for name in FIGURES:
            ma, mb = getattr(a, name), getattr(b, name)
            assert _same(ma.value, mb.value) and _same(ma.low, mb.low) and _same(ma.high, mb.high), (key, name)
    # the language server's API on one buffer, and the config key instead of the flag
    (app / "pyproject.toml").write_text((app / "pyproject.toml").read_text(encoding="utf-8")
                                        + f'traffic = "{summary.as_posix()}"\n', encoding="utf-8")
    try:
        chat = (app / "app" / "chat.py").read_text(encoding="utf-8")
        buffer = api.check_source(chat, "app/chat.py", root=app)
        for site in buffer.call_sites:
            assert _same(buffer.estimates[site.id].cost_per_month.value, from_traffic[site.id].cost_per_month.value)
    finally:
        (app / "pyproject.toml").write_text(re.sub(r'(?m)^traffic = .*\n', "", (app / "pyproject.toml").read_text(
            encoding="utf-8")), encoding="utf-8")


def test_summary_by_location_and_the_cli(project, tmp_path, capsys):
    """Without PATHS the summary's sites are the rows' code_file:code_line; `check` finds each call site's
    entry by its path and span."""
    app, traffic = project
    summary = tmp_path / "by-line.json"
    assert main(["simulate", "--traffic", str(traffic), "--no-cache", "--write-summary", str(summary)]) == 0
    document = read_summary(summary)
    assert set(document["sites"]) == {"app/chat.py:18", "app/summarize.py:15", "app/embed.py:10", "app/embed.py:16"}
    result = api.check([app], traffic=str(summary))
    for site in result.call_sites:
        entry = document["sites"].get(f"{site.span.path}:{site.span.start_line}")
        if entry is not None:
            assert _same(result.estimates[site.id].cost_per_call.value, entry["cost_per_call"]["value"])


@pytest.mark.parametrize("text, fault", [
    ('{"format": "llmsight-summary", "version": 2}', "version 2"),
    ('{"format": "llmsight-summary", "version": 1, "traffic": 3}', "`traffic`"),
    ('{"format": "llmsight-summary", "version": 1, "traffic": "t", "engine": "spark", "price_data": "p", "seed": 0, '
     '"days": 1.0, "calls": 5, "sites": {"a.py:3": {"calls": -1}}, "features": {}}', "`calls` is not a count"),
    ('{"format": "llmsight-summary", "version": 1, "days": NaN}', "NaN"),
    ('{"format": "llmsight-summary", "version": 1, ' + "[" * 100_000, "not a usable"),
])
def test_a_bad_summary_is_one_clear_error(project, tmp_path, text, fault):
    app, _ = project
    bad = tmp_path / "bad.json"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(TrafficError, match=re.escape(fault)) as caught:
        api.check([app], traffic=str(bad))
    assert str(bad) in str(caught.value)


def test_an_oversized_summary_is_not_read(tmp_path):
    big = tmp_path / "big.json"
    with big.open("w", encoding="utf-8") as fh:
        fh.write('{"format": "llmsight-summary", "pad": "')
        fh.truncate(MAX_BYTES + 10)
    with pytest.raises(TrafficError, match="more than"):
        read_summary(big)


def test_written_summary_is_plain_json(project, tmp_path):
    from llmsight.simulator.simulate import simulate

    _, traffic = project
    path = write_summary(simulate(traffic, [], use_cache=False), tmp_path / "s.json")
    document = json.loads(path.read_text(encoding="utf-8"))
    assert document["format"] == "llmsight-summary" and document["calls"] == 2000
    assert all(set(f) >= {"calls", "cost_per_month", "latency_p95_s"} for f in document["sites"].values())


def test_a_site_line_int_cannot_read_matches_nothing(project, tmp_path):
    """A hostile summary's `file:line` key whose line is a digit but no number ("1²") is no traceback:
    it matches no site, and the other entries still give their sites' figures."""
    from llmsight.simulator.simulate import simulate

    app, traffic = project
    summary = write_summary(simulate(traffic, [], use_cache=False), tmp_path / "s.json")
    document = json.loads(summary.read_text(encoding="utf-8"))
    document["sites"]["app/chat.py:1\u00b2"] = document["sites"]["app/chat.py:18"]
    summary.write_text(json.dumps(document), encoding="utf-8")
    result = api.check([app], traffic=str(summary))
    chat = next(s for s in result.call_sites if s.span.path == "app/chat.py")
    entry = document["sites"]["app/chat.py:18"]
    assert _same(result.estimates[chat.id].cost_per_call.value, entry["cost_per_call"]["value"])


def test_a_fifo_is_not_opened_as_a_summary(tmp_path):
    """`traffic = "PATH"` naming a FIFO: whether it is a summary is answered without a read that waits."""
    fifo = tmp_path / "calls"
    os.mkfifo(fifo)
    answer: list[bool] = []
    probe = threading.Thread(target=lambda: answer.append(is_summary(fifo)), daemon=True)
    probe.start()
    probe.join(10)
    if probe.is_alive():                    # release the blocked open before failing
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
    assert answer == [False]


def test_the_explorer_says_a_summary_cannot_replay(project, tmp_path):
    app, traffic = project
    from llmsight.simulator.simulate import simulate

    summary = write_summary(simulate(traffic, [], use_cache=False), tmp_path / "s.json")
    site = next(s for s in api.check([app], with_estimates=False).call_sites if s.span.path == "app/chat.py")
    runner = api.ScenarioRunner(site, api.load_config(app), traffic=summary, root=app)
    with pytest.raises(api.ConfigError, match="holds figures, not rows"):
        runner.run({"model": "gpt-4o-mini"})
