"""Issue 13 item 1 on the real exports (tests/fixtures/traffic/exporters, written by the real libraries
against a fake provider, no stamp): rows reach the application's sites by provider, operation and model;
the two sites that share `gpt-4o-mini` chat (they differ in output cap, temperature and stream, which the
store does not hold yet) stay ambiguous; no row maps to a wrong site. Truth: the provider's request log."""
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
# The application of exporters/generate.py (its `sites`), with module-level clients as an app has them.
APP = textwrap.dedent('''\
    import anthropic
    import openai

    openai_client = openai.OpenAI()
    anthropic_client = anthropic.Anthropic()
    SYSTEM = "You are a support assistant for the ACME billing product. " * 40


    def chat():
        openai_client.chat.completions.create(model="gpt-4o-mini", max_tokens=200, temperature=0.2,
                                              messages=[{"role": "user", "content": "Where is my invoice?"}])


    def stream():
        chunks = openai_client.chat.completions.create(
            model="gpt-4o-mini", max_tokens=48, stream=True, stream_options={"include_usage": True},
            messages=[{"role": "user", "content": "Summarise my last three tickets."}])
        for _ in chunks:
            pass


    def embed():
        openai_client.embeddings.create(model="text-embedding-3-small", input="refund policy for annual plans")


    def loop():
        for question in ("one", "two", "three"):
            openai_client.chat.completions.create(model="gpt-4.1-nano", max_tokens=16,
                                                  messages=[{"role": "user", "content": f"Classify: {question}"}])


    def reasoning():
        openai_client.chat.completions.create(model="o4-mini", max_completion_tokens=64,
                                              messages=[{"role": "user", "content": "Plan the migration."}])


    def cached_anthropic():
        anthropic_client.messages.create(
            model="claude-sonnet-4-5", max_tokens=64,
            system=[{"type": "text", "text": SYSTEM, "cache_control": {"type": "ephemeral"}}],
            messages=[{"role": "user", "content": "Can I get a refund?"}])
    ''')
BY_MODEL = {"text-embedding-3-small": "embed", "gpt-4.1-nano": "loop", "o4-mini": "reasoning",
            "claude-sonnet-4-5": "cached_anthropic"}


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = tmp_path_factory.mktemp("acme")
    (root / "pyproject.toml").write_text('[project]\nname = "acme"\n')
    (root / "app.py").write_text(APP)
    return root, api.check([root], use_cache=False, with_estimates=False).call_sites


@pytest.mark.parametrize("library", ["openinference", "openlit", "otel-v2", "langfuse"])
def test_unstamped_real_exports_map_by_signature_and_never_to_a_wrong_site(project, library):
    root, found = project
    sites = {s.function: s.id for s in found}
    log = [json.loads(line) for line in (EXPORTS / f"{library}.requests.jsonl").read_text().splitlines()]
    truth = Counter(BY_MODEL.get(r["model"], "chat or stream") for r in log)
    con = store.open_store(":memory:")
    ingest([EXPORTS / f"{library}.otlp.json.gz"], con)
    report = map_rows(con, found, root=root)
    mapped = Counter(report.by_site)
    assert mapped == Counter({sites[f]: n for f, n in truth.items() if f in sites})
    assert report.ambiguous == truth["chat or stream"] == 40 and report.unmatched == report.ambiguous
    assert set(report.top_unmatched[0].candidates) == {sites["chat"], sites["stream"]}
