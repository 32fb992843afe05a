"""Every face shows one monthly cost per call site, and it is the figure plain SQL over the store gives.

The oracle is not llmsight's code: DuckDB over the store's rows and litellm's own price file, by the rule
docs/simulate.md states ("One figure per site"): each row re-priced at its logged model's rates (the
example's models are a default the environment may override, or not in the price data, so the rows keep
their logged models); a row over the timeout the code sets ends as a timeout billing its input, output
capped at the code's cap; cost per month = the configured volume × the mean cost per call, else the
rows' cost per day (days: the span of all the traffic) × 30. Faces compared with it: `check` JSON, text,
SARIF and markdown (through the CLI), the API the language server calls (lens, hover; the inlay hint's
cost per call), the explorer's runner and the HTML report, `simulate`, `diff` — on the example app and on
generated traffic. (The github format carries findings only.)
"""
from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
from pathlib import Path

import duckdb

from llmsight import api
from llmsight.cli import main

REPO = Path(__file__).resolve().parents[2]
TRAFFIC = REPO / "examples" / "traffic" / "app_traffic.jsonl"
FEATURE = {"app/chat.py": "chat", "app/summarize.py": "summarize", "app/embed.py": "search"}
# what the example's code sets, read off it: anthropic_client(timeout=30.0), summary_max_tokens = 800
WRITTEN = {("app/summarize.py", 15): {"timeout_s": 30.0, "cap": 800}}


def _price_table(con) -> None:
    """litellm's bundled price file, as DuckDB reads it (the file llmsight's catalog also reads)."""
    spec = importlib.util.find_spec("litellm")
    path = Path(next(iter(spec.submodule_search_locations))) / "model_prices_and_context_window_backup.json"
    prices = json.loads(path.read_text(encoding="utf-8"))
    rows = [(name, e.get("input_cost_per_token"), e.get("output_cost_per_token"),
             e.get("cache_read_input_token_cost"), e.get("cache_creation_input_token_cost"))
            for name, e in prices.items() if isinstance(e, dict) and e.get("input_cost_per_token") is not None]
    con.execute("CREATE TEMP TABLE price (model VARCHAR, rin DOUBLE, rout DOUBLE, rcached DOUBLE, rwrite DOUBLE)")
    con.executemany("INSERT INTO price VALUES (?, ?, ?, ?, ?)", rows)


def oracle(db: Path, volumes: dict[str, float], per_call: dict | None = None) -> dict[tuple[str, int], float]:
    """(code_file, code_line) -> USD per month, by plain SQL (and USD per call into `per_call`)."""
    con = duckdb.connect()
    con.execute(f"ATTACH '{db}' AS store (READ_ONLY)")
    _price_table(con)
    con.execute("CREATE TEMP TABLE written (code_file VARCHAR, code_line INTEGER, timeout_ms DOUBLE, cap BIGINT)")
    con.executemany("INSERT INTO written VALUES (?, ?, ?, ?)",
                    [(f, line, w["timeout_s"] * 1000, w["cap"]) for (f, line), w in WRITTEN.items()])
    days = con.execute("SELECT (epoch(max(ts)) - epoch(min(ts))) / 86400 FROM store.calls").fetchone()[0]
    rows = con.execute("""
        WITH billed AS (
          SELECT c.code_file, c.code_line,
                 (c.status = 'timeout' OR c.latency_ms > w.timeout_ms) AS timed_out,
                 (c.input_tokens - c.cached_input_tokens - c.cache_write_input_tokens) * p.rin
                   + c.cached_input_tokens * coalesce(p.rcached, p.rin)
                   + c.cache_write_input_tokens * coalesce(p.rwrite, p.rin) AS input_cost,
                 least(c.output_tokens, coalesce(w.cap, c.output_tokens)) * p.rout AS output_cost
          FROM store.calls c JOIN price p ON p.model = c.model
          LEFT JOIN written w ON w.code_file = c.code_file AND w.code_line = c.code_line)
        SELECT code_file, code_line, count(*),
               sum(input_cost + CASE WHEN timed_out THEN 0 ELSE output_cost END)
        FROM billed GROUP BY ALL""").fetchall()
    assert sum(r[2] for r in rows) == con.execute("SELECT count(*) FROM store.calls").fetchone()[0], \
        "every row's model must be in the price file"
    out = {}
    for code_file, code_line, n, cost in rows:
        volume = volumes.get(FEATURE[code_file])
        out[(code_file, code_line)] = cost / n * volume if volume else cost / days * 30
        if per_call is not None:
            per_call[(code_file, code_line)] = cost / n
    return out


def _project(tmp_path: Path, volumes: bool) -> Path:
    app = tmp_path / "app"
    shutil.copytree(REPO / "examples" / "app", app, ignore=shutil.ignore_patterns(".llmsight"))
    if not volumes:
        toml = app / "pyproject.toml"
        toml.write_text(re.sub(r"(?m)^volumes = .*\n", "", toml.read_text(encoding="utf-8")), encoding="utf-8")
    return app


def _cli(capsys, *argv: str) -> str:
    capsys.readouterr()
    main(list(argv))
    return capsys.readouterr().out


def _by_location(result) -> dict[tuple[str, int], str]:
    return {(s.span.path, s.span.start_line): s.id for s in result.call_sites}


def _close(got: float | None, want: float) -> bool:
    return got is not None and abs(got - want) <= 1e-9 * max(1.0, abs(want))


def _engine_faces(app: Path, db: Path, expected: dict[tuple[str, int], float], capsys) -> dict:
    """The faces every traffic run is compared on: check JSON (CLI) and the API, the explorer's runner,
    simulate. Returns the check result."""
    result = api.check([app], traffic=db, use_cache=False)
    ids = _by_location(result)
    assert set(ids) == set(expected)
    doc = json.loads(_cli(capsys, "check", str(app), "--traffic", str(db), "--format", "json", "--exit-zero"))
    report = api.simulate([app], db)
    config = api.load_config(app)
    for where, want in expected.items():
        site_id = ids[where]
        site = next(s for s in result.call_sites if s.id == site_id)
        faces = {
            "api.check": result.estimates[site_id].cost_per_month.value,
            "check --format json": doc["estimates"][site_id]["cost_per_month"]["value"],
            "explorer/report runner": api.ScenarioRunner(site, config, traffic=db, root=app,
                                                         sites=result.call_sites).run().cost_per_month,
            "simulate": report.figures(0, "site", site_id).cost_per_month.value,
        }
        wrong = {face: got for face, got in faces.items() if not _close(got, want)}
        assert not wrong, f"{site_id}: oracle ${want:,.4f}/month, faces {wrong}"
    return result


def test_every_face_shows_the_oracle_monthly_cost_on_the_example_app(tmp_path, capsys):
    from llmsight.formats._common import usd
    from llmsight.jupyter import report
    from llmsight.lsp import formatting

    app = _project(tmp_path, volumes=True)
    db = tmp_path / "traffic.duckdb"
    api.ingest([TRAFFIC], db)
    per_call: dict = {}
    expected = oracle(db, {"chat": 120000, "summarize": 30000, "search": 400000}, per_call)
    result = _engine_faces(app, db, expected, capsys)
    ids = _by_location(result)

    text = _cli(capsys, "check", str(app), "--traffic", str(db), "--exit-zero", "--color", "never")
    sarif = json.loads(_cli(capsys, "check", str(app), "--traffic", str(db), "--format", "sarif", "--exit-zero"))
    markdown = _cli(capsys, "check", str(app), "--traffic", str(db), "--format", "markdown", "--exit-zero")
    sarif_months = {e["site_id"]: e["cost_per_month"]["value"] for e in sarif["runs"][0]["properties"]["estimates"]}
    report_text = report.estimates_text(result)
    report_page = report.report_html(result)
    subprocess.run(["git", "init", "-q"], cwd=app, check=True)
    subprocess.run(["git", "add", "-A"], cwd=app, check=True)
    subprocess.run(["git", "-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "base"], cwd=app, check=True)
    diffed = {d.site_id: d.head.cost_per_month for d in api.diff("HEAD", [app], traffic=db,
                                                                    config=api.load_config(app)).sites}
    for (path, line), want in expected.items():
        site_id = ids[(path, line)]
        # the API the language server calls on an open buffer
        buffer = api.check_source((app / path).read_text(encoding="utf-8"), path, root=app, traffic=db)
        editor = buffer.estimates[site_id]
        site = next(s for s in buffer.call_sites if s.id == site_id)
        lines = text.splitlines()
        site_line = next(row for i, row in enumerate(lines) if row.startswith("  ") and "/month" in row
                         and lines[i - 1].startswith(f"{path}:{line}:"))
        assert _close(editor.cost_per_month.value, want), (site_id, editor.cost_per_month.value, want)
        assert f"{formatting.money(want)}/month" in formatting.lens_title(editor)
        assert f"{formatting.money(want)}" in formatting.hover_markdown(site, editor)
        assert formatting.hint_label(editor).startswith(f"{formatting.money(per_call[(path, line)])}/call")
        assert f"{usd(want)}/month" in site_line, (site_line, want)
        assert _close(sarif_months[site_id], want)
        assert f"{usd(want)}/month" in next(r for r in markdown.splitlines() if r.startswith(f"| `{path}:{line}:"))
        assert report.money(want) in next(r for r in report_text.splitlines() if r.startswith(f"{path}:{line} "))
        assert f">{report.money(want)}<" in report_page
        assert _close(diffed[site_id], want), ("diff", site_id, diffed[site_id], want)


def test_faces_show_the_oracle_on_generated_traffic_at_observed_volume(tmp_path, capsys):
    """No `volumes`: cost per month is the rows' cost per day × 30, in every face."""
    import datetime as dt

    from llmsight.simulator.generate import generate, write

    app = _project(tmp_path, volumes=False)
    traffic = write(generate(1500, seed=11, start=dt.datetime(2026, 10, 1), days=3), tmp_path / "generated.jsonl")
    db = tmp_path / "generated.duckdb"
    api.ingest([traffic], db)
    _engine_faces(app, db, oracle(db, {}), capsys)
