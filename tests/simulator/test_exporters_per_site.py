"""Issue 13's done-when, per call site: each real export (tests/fixtures/traffic/exporters), with and without
llmsight's stamp, ingested and mapped to the application's sites, against the fake provider's request log:
every site's call count within 5 %, input and output tokens within 1 %, errors + timeouts within 2 calls,
p95 latency of its successful calls within 15 %.

Without the stamp the application is the calls of `generate.py`'s `sites` as an application writes them
(module-level clients) and rows map by their request signature; with it, the project holds `generate.py`
itself at the path the stamp names and rows map by code location."""
from __future__ import annotations

import json
import shutil
import textwrap
from collections import defaultdict
from pathlib import Path

import pytest

from llmsight import api
from llmsight.simulator import store
from llmsight.simulator.ingest import ingest
from llmsight.simulator.mapping import map_rows

EXPORTS = Path(__file__).parents[1] / "fixtures" / "traffic" / "exporters"
UNSTAMPED = ["langfuse", "langfuse-layers", "openinference", "openinference-layers", "openlit", "openllmetry", "otel-v2"]
STAMPED = ["langfuse-stamped", "openinference-stamped", "openlit-stamped", "openllmetry-stamped", "otel-v2-stamped"]
BY_MODEL = {"text-embedding-3-small": "embed", "gpt-4.1-nano": "loop", "o4-mini": "reasoning",
            "claude-sonnet-4-5": "cached_anthropic"}


def site_of(request: dict) -> str:
    """The function of generate.py's `sites` that sent a request of the provider's log."""
    return BY_MODEL.get(request["model"]) or ("stream" if request["stream"] else "chat")


def p95(values: list[float]) -> float:
    """Nearest-rank p95, as tests/simulator/test_exporters.py reads the provider's."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _project(root: Path, stamped: bool) -> tuple[Path, list]:
    """The project's root and call sites."""
    (root / "pyproject.toml").write_text('[project]\nname = "acme"\n')
    generator = (EXPORTS / "generate.py").read_text(encoding="utf-8")
    if stamped:
        where = root / "tests" / "fixtures" / "traffic" / "exporters"
        where.mkdir(parents=True)
        shutil.copy(EXPORTS / "generate.py", where / "generate.py")
    else:
        calls = generator[generator.index("    def chat():"):generator.index("    calls = [chat")]
        system = next(line for line in generator.splitlines() if line.startswith("SYSTEM = "))
        (root / "app.py").write_text("import anthropic\nimport openai\n\nopenai_client = openai.OpenAI()\n"
                                     f"anthropic_client = anthropic.Anthropic()\n{system}\n\n\n{textwrap.dedent(calls)}")
    return root, api.check([root], use_cache=False, with_estimates=False).call_sites


@pytest.fixture(scope="module")
def projects(tmp_path_factory):
    return {stamped: _project(tmp_path_factory.mktemp("stamped" if stamped else "plain"), stamped)
            for stamped in (False, True)}


def measured(name: str, projects) -> tuple[dict, dict, object]:
    """(per site: calls, input, output, failures, p95 of successes) of the export mapped, and of the log."""
    root, sites = projects[name.endswith("-stamped")]
    functions = {s.id: s.function.rsplit(".", 1)[-1] for s in sites}
    con = store.open_store(":memory:")
    ingest([EXPORTS / f"{name}.otlp.json.gz"], con)
    report = map_rows(con, sites, root=root)
    got: dict[str, list] = defaultdict(list)
    for site_id, status, tokens_in, tokens_out, latency in con.execute(
            "SELECT s.site_id, c.status, c.input_tokens, c.output_tokens, c.latency_ms FROM calls c "
            "JOIN site_rows s USING (row_id)").fetchall():
        got[functions[site_id]].append({"status": status, "input_tokens": tokens_in, "output_tokens": tokens_out,
                                        "latency_ms": latency})
    truth: dict[str, list] = defaultdict(list)
    for line in (EXPORTS / f"{name}.requests.jsonl").read_text().splitlines():
        request = json.loads(line)
        truth[site_of(request)].append(request)
    return _figures(got), _figures(truth), report


def _figures(by_site: dict[str, list[dict]]) -> dict[str, tuple]:
    return {site: (len(rows), sum(r["input_tokens"] for r in rows), sum(r["output_tokens"] for r in rows),
                   sum(r["status"] != "ok" for r in rows), p95([r["latency_ms"] for r in rows if r["status"] == "ok"]))
            for site, rows in by_site.items()}


@pytest.mark.parametrize("name", UNSTAMPED + STAMPED)
def test_every_site_within_the_issues_bounds_of_the_providers_truth(name, projects):
    got, truth, report = measured(name, projects)
    assert report.unmatched == 0, report.lines()
    assert set(got) == set(truth)
    for site, (calls, tokens_in, tokens_out, failures, latency) in truth.items():
        g_calls, g_in, g_out, g_failures, g_latency = got[site]
        assert abs(g_calls - calls) <= 0.05 * calls, (site, g_calls, calls)
        assert abs(g_in - tokens_in) <= 0.01 * tokens_in and abs(g_out - tokens_out) <= 0.01 * max(tokens_out, 1), site
        assert abs(g_failures - failures) <= 2, (site, g_failures, failures)
        assert latency <= g_latency <= latency * 1.15, (site, g_latency, latency)
