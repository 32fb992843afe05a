"""The explorer's state: every figure it shows is what `llmsight.api` computes for the same scenario."""
from __future__ import annotations

import asyncio
import csv
import io
from pathlib import Path

import pytest

from llmsight import api
from llmsight.jupyter import explore
from llmsight.jupyter.report import seconds
from nb_helpers import CHAT_SITE


def runner_for(ex, traffic=None) -> api.ScenarioRunner:
    return api.ScenarioRunner(ex.site, ex.config, traffic=traffic, root=ex.root, sites=ex.result.call_sites)


def test_priors_mode_is_labelled_and_matches_the_static_estimate(project: Path):
    ex = explore(project, debounce=0)
    assert ex.source == "priors"
    static = api.check([project]).estimates[ex.site.id]
    first = ex.table_rows()[0]
    assert first["as_written"] and first["source"] == "priors"
    assert first["latency_p95_s"] == static.latency_p95_s.value
    assert first["cost_per_call"] == static.cost_per_call.value
    ex.widget
    assert "Priors, no traffic" in ex._w["source"].value
    text = ex._repr_mimebundle_()["text/plain"]               # a terminal IPython shows the table
    assert "priors (no traffic)" in text and "as written" in text and seconds(static.latency_p95_s.value) in text


def test_slider_change_recomputes_with_the_simulator(app: Path, traffic_db: Path):
    ex = explore(app, traffic=traffic_db, site=CHAT_SITE, debounce=0)
    ex.widget
    assert ex.source == "traffic"
    before_points, before_html = ex.plotted(), ex._w["table"].value
    ex._w["timeout"].value = 4
    assert ex.scenario == {"timeout": 4}
    row = ex.table_rows()[ex.selected]
    expected = runner_for(ex, traffic_db).run({"timeout": 4})
    assert row["latency_p95_s"] == pytest.approx(expected.latency_p95_s, rel=1e-12)
    assert row["cost_per_month"] == pytest.approx(expected.cost_per_month, rel=1e-12)
    assert row["source"] == "traffic" and row["n"] == expected.n > 0
    assert ex.plotted() != before_points and ex._w["table"].value != before_html
    assert f'data-explored-p95="{row["latency_p95_s"]}"' in ex._w["table"].value
    # a tighter timeout cannot make the slowest calls slower
    ex._w["timeout"].value = 2
    assert ex.table_rows()[ex.selected]["latency_p95_s"] <= row["latency_p95_s"]
    ex._w["model"].value = ex.models[0]
    assert ex.scenario == {"timeout": 2, "model": ex.models[0]}
    assert ex.table_rows()[ex.selected]["model"] == ex.models[0]


def test_changes_are_debounced_on_the_event_loop(project: Path):
    ex = explore(project, debounce=0.05)
    ex.widget
    calls = []
    real = ex.recompute
    ex.recompute = lambda: (calls.append(dict(ex.scenario)), real())[1]

    async def drag():
        for value in (10, 20, 30):
            ex._w["timeout"].value = value
        await asyncio.sleep(0.2)

    asyncio.run(drag())
    assert calls == [{"timeout": 30}]
    assert ex.table_rows()[ex.selected]["latency_p95_s"] == runner_for(ex).run({"timeout": 30}).latency_p95_s


def test_pareto_front_and_plot(app: Path, traffic_db: Path):
    ex = explore(app, traffic=traffic_db, site=CHAT_SITE, debounce=0)
    rows = ex.table_rows()
    key = lambda r: (r["cost_per_month"], r["latency_p95_s"], r["error_rate"], -r["quality"])  # noqa: E731
    for r in rows:
        beaten = any(all(a <= b for a, b in zip(key(o), key(r))) and key(o) != key(r) for o in rows)
        assert r["pareto"] == (not beaten)
    svg = ex.widget and ex._w["plot"].value
    assert svg.count('class="point') == len(ex.plotted()) and 'class="as-written"' in svg


def test_csv_export_matches_the_table(app: Path, traffic_db: Path, tmp_path: Path):
    ex = explore(app, traffic=traffic_db, site=CHAT_SITE, debounce=0)
    ex.set(max_tokens=128, response_cache_hit_rate=0.5)
    ex.pin()
    ex.set(timeout=6)
    out = tmp_path / "scenarios.csv"
    text = ex.to_csv(out)
    assert out.read_bytes().decode() == text
    parsed = list(csv.DictReader(io.StringIO(text)))
    rows = ex.table_rows()
    assert [p["scenario"] for p in parsed] == [r["scenario"] for r in rows]
    assert "max_tokens=128, response_cache_hit_rate=0.5" in [r["scenario"] for r in rows]   # pinned
    assert [float(p["latency_p95_s"]) for p in parsed] == [r["latency_p95_s"] for r in rows]


def test_scenario_becomes_the_code_edit(app: Path):
    ex = explore(app, site=CHAT_SITE, debounce=0)
    ex.set(timeout=12, model="gpt-5.4-mini")
    fix, diff = ex.preview_fix()
    assert fix.applicability == "unsafe"
    assert "+            timeout=12,\n" in diff
    assert '+CHAT_MODEL = os.getenv("CHAT_MODEL", "gpt-5.4-mini")' in diff
    assert (app / "app" / "chat.py").read_text() == (Path(__file__).parents[2] / "examples/app/app/chat.py").read_text()
    written = ex.apply_fix()
    assert sorted(written) == ["app/chat.py", "app/settings.py"]
    site = next(s for s in api.check([app], use_cache=False).call_sites if s.id == ex.site.id)
    assert site.timeout.value == 12 and site.model.value == "gpt-5.4-mini"
    assert ex.site.timeout.value == 12 and ex.scenario == {}


def test_to_html_is_self_contained(app: Path, traffic_db: Path):
    ex = explore(app, traffic=traffic_db, site=CHAT_SITE, debounce=0)
    ex.set(timeout=5)
    page = ex.to_html()
    assert page.startswith("<!DOCTYPE html>") and "<svg" in page
    for external in ("<script", "<link", " src=", "@import", "url("):
        assert external not in page
    for heading in ("Call sites", "Scenarios", "Deprecations", "Budgets and SLOs", "Findings"):
        assert f"<h2>{heading}" in page
    assert "timeout=5" in page and "LLM008" in page


def test_unknown_site_names_the_choices(project: Path):
    with pytest.raises(ValueError, match="app/chat.py:7"):
        explore(project, site="app/nowhere.py:1")


def test_runner_maps_rows_among_all_sites(app: Path, tmp_path: Path):
    """classify and embed_articles share a file and a feature: rows go to their own site, as in check."""
    from nb_helpers import REPO

    traffic = tmp_path / "fresh.jsonl"        # a new path: a view of its own, nothing bound yet
    traffic.write_bytes((REPO / "examples" / "traffic" / "app_traffic.jsonl").read_bytes())
    result = api.check([app], traffic=traffic)
    classify = next(s for s in result.call_sites if s.function == "classify")
    fresh = tmp_path / "fresh2.jsonl"
    fresh.write_bytes(traffic.read_bytes())
    point = api.ScenarioRunner(classify, api.load_config(app), traffic=fresh, sites=result.call_sites).run({})
    estimate = result.estimates[classify.id]
    assert point.model == estimate.model and point.n == estimate.latency_p95_s.n


def test_fallback_scenario_uses_the_no_fallback_fix(app: Path):
    """A fallback becomes LLM003's edit for the call's own SDK (litellm: fallbacks=[...])."""
    ex = explore(app, site="app/embed.py:16", debounce=0)
    ex.set(fallback="claude-haiku-4-5", trim_input=500)
    fix, diff = ex.preview_fix()
    assert "+        fallbacks=[\"claude-haiku-4-5\"]" in diff.replace(",\n", "\n")
    assert "Trim the prompt to 500 tokens" in fix.title and fix.applicability == "unsafe"


def test_site_without_traffic_rows_falls_back_to_priors(project: Path, traffic_db: Path):
    """The generated traffic points at examples/app's files and features, not at this one."""
    (project / "svc").mkdir()
    (project / "app" / "chat.py").rename(project / "svc" / "bot.py")
    ex = explore(project, traffic=traffic_db, debounce=0)
    assert ex.source == "priors" and "no traffic rows map to svc/bot.py:7" in ex.note
    ex.widget
    assert "no traffic rows map" in ex._w["source"].value
    assert ex.table_rows()[0]["source"] == "priors"


def test_scenario_edit_in_a_notebook(tmp_path: Path):
    from nb_helpers import write_notebook

    nb = write_notebook(tmp_path / "nb.ipynb", [("markdown", "# demo"), ("code", "import litellm"),
                                                ("code", "litellm.completion(model='gpt-4o-mini', messages=[])")])
    ex = explore(nb, debounce=0)
    ex.set(model="gpt-5.4-mini", timeout=10)
    fix, diff = ex.preview_fix()
    assert "--- a/nb.ipynb cell 3" in diff
    assert "+litellm.completion(model='gpt-5.4-mini', messages=[], timeout=10)" in diff
    assert ex.apply_fix() == ["nb.ipynb"]
    import nbformat

    cells = nbformat.read(nb, as_version=4).cells                  # still a valid notebook
    assert cells[2].source == "litellm.completion(model='gpt-5.4-mini', messages=[], timeout=10)"
    assert ex.site.model.value == "gpt-5.4-mini" and ex.site.timeout.value == 10
