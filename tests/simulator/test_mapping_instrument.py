"""Instrumentation end to end: real OpenAI client (OTel openai-v2) and real litellm, offline, stamped
by our helpers, exported, ingested and mapped to the call site `check` finds in the same file."""
from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")   # before anything imports litellm

import pytest  # noqa: E402

from llmsight import api  # noqa: E402
from llmsight.simulator import store  # noqa: E402
from llmsight.simulator.ingest import ingest  # noqa: E402
from llmsight.simulator.instrument import caller_location  # noqa: E402
from llmsight.simulator.mapping import map_rows  # noqa: E402
FIXTURES = Path(__file__).parents[1] / "fixtures" / "traffic"

BOT = textwrap.dedent('''\
    import litellm
    from openai import OpenAI

    client = OpenAI(api_key="sk-test")


    def other():
        return client.chat.completions.create(model="gpt-4o-mini", messages=[])


    def reply():
        return client.chat.completions.create(
            model="gpt-4o-mini",
            messages=[{"role": "user", "content": "hi"}],
        )


    def classify(text):
        return litellm.completion(model="gpt-4o-mini", messages=[{"role": "user", "content": text}],
                                  mock_response="positive")
    ''')


def _load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = tmp_path_factory.mktemp("bot")
    (root / "pyproject.toml").write_text('[project]\nname = "bot"\n')
    (root / "app").mkdir()
    (root / "app" / "bot.py").write_text(BOT)
    sites = api.check([root], use_cache=False, with_estimates=False).call_sites
    return root, _load("bot_under_test", root / "app" / "bot.py"), sites


@pytest.fixture(scope="module")
def fixtures_script():
    return _load("make_traffic_fixtures", FIXTURES / "make_fixtures.py")


def _reply(bot, client):
    bot.client = client              # the instrumented client over the mock transport
    return bot.reply()


def _site(sites, function):
    return next(s.id for s in sites if s.function == function)


def test_caller_location_skips_library_frames(tmp_path):
    location = caller_location(root=Path(__file__).parents[2])
    assert location["code.file.path"] == "tests/simulator/test_mapping_instrument.py"
    assert location["code.function.name"] == "test_caller_location_skips_library_frames"


def test_otel_span_processor_stamps_code_location_that_maps_to_the_site(project, fixtures_script, tmp_path):
    root, bot, sites = project
    spans = fixtures_script.openai_spans(run=lambda client, provider: _reply(bot, client), feature="chat", root=root)
    (span,) = spans
    assert span.attributes["code.file.path"] == "app/bot.py"
    assert span.attributes["code.function.name"] == "reply"
    assert 12 <= span.attributes["code.line.number"] <= 15
    assert span.attributes["llmsight.feature"] == "chat"
    export = tmp_path / "spans.json"
    export.write_text(fixtures_script.otlp_json(spans))
    con = store.open_store(tmp_path / "t.duckdb")
    assert ingest([export], con).loaded == 1
    report = map_rows(con, sites)
    assert report.by_kind == {"location": 1}
    assert con.execute("SELECT site_id FROM site_rows").fetchone()[0] == _site(sites, "reply")


def test_non_genai_spans_are_not_stamped(fixtures_script, project):
    root, bot, _ = project

    def run(client, provider):
        with provider.get_tracer("app").start_as_current_span("handler"):
            _reply(bot, client)

    spans = {s.name: s for s in fixtures_script.openai_spans(run=run, root=root)}
    assert "code.file.path" not in spans["handler"].attributes
    assert spans["chat gpt-4o-mini"].attributes["code.function.name"] == "reply"


def test_litellm_callback_stamps_payload_that_maps_to_the_site(project, fixtures_script, tmp_path):
    root, bot, sites = project
    (payload,) = fixtures_script.capture_litellm([lambda: bot.classify("great")], feature="triage", root=root)
    stamped = payload["metadata"]["requester_metadata"]["llmsight"]
    assert (stamped["code.file.path"], stamped["code.function.name"]) == ("app/bot.py", "classify")
    assert stamped["feature"] == "triage"
    path = tmp_path / "payloads.jsonl"
    path.write_text(json.dumps(payload, default=str) + "\n")
    con = store.open_store(tmp_path / "t.duckdb")
    assert ingest([path], con).loaded == 1
    map_rows(con, sites)
    assert con.execute("SELECT site_id, match_kind FROM site_rows").fetchone() == (_site(sites, "classify"), "location")


def test_packages_option_finds_application_code_installed_in_site_packages(tmp_path):
    installed = tmp_path / "venv" / "lib" / "site-packages" / "myservice"
    installed.mkdir(parents=True)
    (installed / "handlers.py").write_text(textwrap.dedent('''\
        from llmsight.simulator.instrument import caller_location


        def handle(**options):
            return caller_location(**options)
        '''))
    sys.path.insert(0, str(installed.parent))
    try:
        import myservice.handlers as handlers
    finally:
        sys.path.remove(str(installed.parent))
    default = handlers.handle(root=tmp_path)
    assert default["code.function.name"] == "test_packages_option_finds_application_code_installed_in_site_packages"
    chosen = handlers.handle(root=tmp_path, packages=("myservice",))
    assert chosen["code.file.path"] == "venv/lib/site-packages/myservice/handlers.py"
    assert (chosen["code.function.name"], chosen["code.line.number"]) == ("handle", 5)


def test_litellm_callback_finds_the_awaiting_coroutine_of_acompletion(fixtures_script, tmp_path):
    import asyncio

    import litellm

    async def ask_fast():
        return await litellm.acompletion(model="gpt-4o-mini", messages=[{"role": "user", "content": "a"}],
                                         mock_response="ok", mock_delay=0.05)

    async def ask_slow():
        return await litellm.acompletion(model="gpt-4o", messages=[{"role": "user", "content": "b"}],
                                         mock_response="ok", mock_delay=0.1)

    async def both():
        await asyncio.gather(ask_fast(), ask_slow())
        await asyncio.sleep(0.5)        # LiteLLM logs from tasks of this loop: let them finish

    payloads = fixtures_script.capture_litellm([lambda: asyncio.run(both())], root=Path(__file__).parents[2],
                                               expected=2)
    stamped = {p["model"]: (p["metadata"]["requester_metadata"] or {}).get("llmsight") for p in payloads}
    assert set(stamped) == {"gpt-4o-mini", "gpt-4o"}, [(p["model"], p["status"]) for p in payloads]
    assert stamped["gpt-4o-mini"].get("code.function.name", "").endswith("ask_fast"), stamped
    assert stamped["gpt-4o"]["code.function.name"].endswith("ask_slow")
    assert stamped["gpt-4o"]["code.file.path"] == "tests/simulator/test_mapping_instrument.py"


def test_span_processor_stamps_async_openai_calls(fixtures_script):
    import asyncio

    async def draft(client):
        return await client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "x"}])

    async def review(client):
        return await client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "y"}])

    async def both(client):
        await asyncio.gather(draft(client), review(client))

    spans = fixtures_script.openai_spans(run=lambda client, provider: asyncio.run(both(client)),
                                         root=Path(__file__).parents[2], asynchronous=True)
    functions = {s.attributes["gen_ai.request.model"]: s.attributes["code.function.name"] for s in spans}
    assert functions["gpt-4o-mini"].endswith("draft") and functions["gpt-4o"].endswith("review")


def test_importing_the_helpers_module_imports_neither_sdk():
    code = ("import sys; import llmsight.simulator.instrument as i; "
            "print('litellm' in sys.modules, 'opentelemetry.sdk' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False", "False"]
