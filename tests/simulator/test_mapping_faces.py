"""Issue 13 item 2: traffic that maps to no site is never silent. `check --traffic`, the estimates the
LSP hover shows and `simulate` all say how many rows mapped, by what, and what matched nothing, from
one summary (`mapping.MappingReport`)."""
from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap

import pytest

from llmsight import api
from llmsight.lsp import formatting

APP = textwrap.dedent('''\
    import anthropic
    from openai import OpenAI

    client = OpenAI()


    def reply(q):
        return client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": q}])


    def summarize(text):
        return anthropic.Anthropic().messages.create(model="claude-3-5-haiku-latest", max_tokens=200, messages=[])


    def unused(q):
        return client.chat.completions.create(model="o3", messages=[{"role": "user", "content": q}])
    ''')


def _row(i: int, provider: str, model: str) -> dict:
    return {"ts": f"2026-11-01T00:{i // 60:02d}:{i % 60:02d}Z", "provider": provider, "operation": "chat", "model": model,
            "input_tokens": 100, "output_tokens": 20, "latency_ms": 800.0 + i, "status": "ok"}


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = tmp_path_factory.mktemp("faces")
    (root / "pyproject.toml").write_text('[project]\nname = "faces"\n')
    (root / "app.py").write_text(APP)
    rows = ([_row(i, "openai", "gpt-4o-mini") for i in range(30)] + [_row(i, "anthropic", "claude-3-5-haiku-latest")
            for i in range(30, 40)] + [_row(i, "openai", "gpt-5") for i in range(40, 45)])   # no code location at all
    traffic = root / "traffic.jsonl"
    traffic.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return root, traffic


SUMMARY = ("traffic: 40 of 45 rows mapped to call sites (40 by request signature; confidence 40 high); "
           "5 matched no call site")


def test_check_estimates_say_how_rows_mapped_mapped_or_not(project):
    root, traffic = project
    result = api.check([root], traffic=traffic, use_cache=False)
    by_function = {s.function: result.estimates[s.id] for s in result.call_sites}
    assert by_function["reply"].source == "traffic" and by_function["unused"].source == "static"
    assert ("traffic: rows mapped 30 by request signature (provider+operation+model), confidence high"
            in by_function["reply"].notes)
    unused = by_function["unused"].notes
    assert "traffic: no row maps to this call site (estimate from priors)" in unused and SUMMARY in unused
    assert any(n.startswith("traffic: unmapped 5 rows openai chat gpt-5: ") for n in unused)


def test_the_hover_shows_the_mapping(project):
    root, traffic = project
    result = api.check([root], traffic=traffic, use_cache=False)
    site = next(s for s in result.call_sites if s.function == "unused")
    hover = formatting.hover_markdown(site, result.estimates[site.id], [])
    assert "no row maps to this call site" in hover and "5 matched no call site" in hover and "gpt-5" in hover


def test_check_command_prints_the_summary_on_stderr(project):
    root, traffic = project
    done = subprocess.run([sys.executable, "-m", "llmsight", "check", "--no-cache", "--exit-zero", "--traffic",
                           str(traffic), "."], cwd=root, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    assert f"llm-lint: {SUMMARY}" in lines
    assert any(line.startswith("llm-lint: traffic: unmapped 5 rows openai chat gpt-5: ") for line in lines)


def test_simulate_reports_the_same_summary(project):
    from llmsight.commands.simulate import as_json, text

    root, traffic = project
    report = api.simulate([root], traffic=traffic, scenarios=["model=gpt-4o"])
    assert report.mapping.lines()[0] == SUMMARY and report.unmatched_rows == 5
    assert SUMMARY in text(report, ["site"]).splitlines()
    assert json.loads(as_json(report, ["site"]))["mapping"]["ambiguous"] == 0


def test_signature_mapping_waits_for_every_site_of_the_project(project, tmp_path):
    """Checking one file (or an editor buffer) does not know the project's other sites, one of which may
    send the same request: rows without a code location stay unmapped, and the summary says why."""
    root, traffic = project
    fresh = tmp_path / "copy.jsonl"                     # a traffic source no whole-project check has seen
    fresh.write_bytes(traffic.read_bytes())
    result = api.check([root / "app.py"], traffic=fresh, use_cache=False)
    reply = next(result.estimates[s.id] for s in result.call_sites if s.function == "reply")
    assert reply.source == "static"
    assert any("0 of 45 rows mapped" in n for n in reply.notes)
    assert any("request signature is matched when the whole project is checked" in n for n in reply.notes)


def test_the_hover_shows_traffic_names_as_text_never_as_markup(project):
    """The summary quotes traffic (models, span and service names): in the hover it stays literal text."""
    import dataclasses

    root, traffic = project
    result = api.check([root], traffic=traffic, use_cache=False)
    site = result.call_sites[0]
    hostile = dataclasses.replace(result.estimates[site.id], notes=(
        "traffic: unmapped 3 rows openai chat ![x](http://tracker.example/p.png) span=<img src=x>",))
    hover = formatting.hover_markdown(site, hostile, [])
    assert not re.search(r"(?<!\\)(!\[|<img|\]\()", hover)         # only escaped: `\!\[`, `\<img`, `\]\(`
    assert r"\!\[x\]\(http://tracker.example/p.png\)" in hover


def test_an_editor_buffer_maps_its_traffic_as_check_does(project, tmp_path):
    """The LSP analyses one buffer (`check_source`); its rows still map by request signature among every
    site of the project, as `check` maps them, so the hover shows the same figures and the same summary."""
    root, traffic = project
    fresh = tmp_path / "buffer.jsonl"                   # a traffic source no whole-project check has seen
    fresh.write_bytes(traffic.read_bytes())
    buffer = api.check_source(APP, str(root / "app.py"), root=root, traffic=fresh)
    whole = api.check([root], traffic=fresh, use_cache=False)
    for site in whole.call_sites:
        mine = next(s for s in buffer.call_sites if s.id == site.id)
        assert (buffer.estimates[mine.id].source, buffer.estimates[mine.id].notes) == \
            (whole.estimates[site.id].source, whole.estimates[site.id].notes)
    reply = next(buffer.estimates[s.id] for s in buffer.call_sites if s.function == "reply")
    assert reply.source == "traffic" and SUMMARY in reply.notes


def test_a_sites_replay_knows_its_clients_retries(project):
    """Observed error rates are after the client's own retries: a site's replay is told how many the code
    makes (`retries` from the site record), so re-drawn attempts use the per-attempt rate."""
    from llmsight.simulator.view import open_traffic

    root, traffic = project
    result = api.check([root], traffic=traffic, use_cache=False)
    reply = next(s for s in result.call_sites if s.function == "reply")
    view = open_traffic(traffic, api.load_config(root), root=root)
    view.bind(result.call_sites, complete=True)
    assert view.site(reply) is not None
    assert view._site_sim(reply).client_retries == {reply.id: reply.retries.value} and reply.retries.value == 2
