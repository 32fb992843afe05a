"""Issue 13 item 1 on the real exports (tests/fixtures/traffic/exporters, written by the real libraries
against a fake provider, no stamp): every row reaches its application site by provider, operation, model
and the request settings the export records; the two sites that share `gpt-4o-mini` chat (they differ
in output cap, temperature and stream) map apart; no row maps to a wrong site. Truth: the provider's
request log."""
from __future__ import annotations

import json
import textwrap
from collections import Counter
from pathlib import Path

import pytest

from llmsight import api
from llmsight.simulator import store
from llmsight.simulator.ingest import ingest
from llmsight.simulator.mapping import map_rows

EXPORTS = Path(__file__).parents[1] / "fixtures" / "traffic" / "exporters"


def _application() -> str:
    """The application of exporters/generate.py (the calls inside its `sites`), with module-level clients
    as an application has them, so the sites `check` finds are the ones that made the exported calls."""
    generator = (EXPORTS / "generate.py").read_text(encoding="utf-8")
    calls = generator[generator.index("    def chat():"):generator.index("    calls = [chat")]
    system = next(line for line in generator.splitlines() if line.startswith("SYSTEM = "))
    return ("import anthropic\nimport openai\n\nopenai_client = openai.OpenAI()\nanthropic_client = anthropic.Anthropic()\n"
            f"{system}\n\n\n{textwrap.dedent(calls)}")


BY_MODEL = {"text-embedding-3-small": "embed", "gpt-4.1-nano": "loop", "o4-mini": "reasoning",
            "claude-sonnet-4-5": "cached_anthropic"}


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = tmp_path_factory.mktemp("acme")
    (root / "pyproject.toml").write_text('[project]\nname = "acme"\n')
    (root / "app.py").write_text(_application())
    found = api.check([root], use_cache=False, with_estimates=False).call_sites
    assert sorted(s.function for s in found) == ["cached_anthropic", "chat", "embed", "loop", "reasoning", "stream"]
    return root, found


@pytest.mark.parametrize("library", ["openinference", "openlit", "otel-v2", "langfuse", "openllmetry",
                                     "openinference-layers", "langfuse-layers"])
def test_unstamped_real_exports_map_every_row_to_its_site(project, library):
    root, found = project
    sites = {s.function: s.id for s in found}
    log = [json.loads(line) for line in (EXPORTS / f"{library}.requests.jsonl").read_text().splitlines()]
    truth = Counter(BY_MODEL.get(r["model"], "stream" if r["stream"] else "chat") for r in log)
    con = store.open_store(":memory:")
    ingest([EXPORTS / f"{library}.otlp.json.gz"], con)
    report = map_rows(con, found, root=root)
    assert Counter(report.by_site) == Counter({sites[f]: n for f, n in truth.items()})
    assert report.unmatched == report.ambiguous == 0
