"""Issue 13 item 4: the span processor stamps the caller on every span of a known LLM instrumentation
scope when it starts (most of them set their model attributes later), and `llmsight.instrument` works
in an application without the simulator's dependencies and without touching the host process."""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from llmsight.instrument import LlmsightSpanProcessor, is_llm_scope

LLM_SCOPE_NAMES = ["openinference.instrumentation.anthropic", "openinference.instrumentation.openai",
                   "openlit.otel.tracing", "opentelemetry.instrumentation.openai_v2",
                   "opentelemetry.instrumentation.openai", "opentelemetry.util.genai.handler",
                   "com.anthropic.sdk.python", "langfuse-sdk", "opentelemetry.instrumentation.anthropic"]
OTHER_SCOPE_NAMES = ["opentelemetry.instrumentation.httpx", "opentelemetry.instrumentation.requests",
                     "myapp", "openinference_fake", "openlitter"]


def _spans(scope: str, attributes: dict | None = None):
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(LlmsightSpanProcessor(feature="support"))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    with provider.get_tracer(scope).start_as_current_span("llm call", attributes=attributes) as span:
        span.set_attribute("llm.model_name", "claude-3-5-haiku")       # set after start, as they do
    return exporter.get_finished_spans()


@pytest.mark.parametrize("scope", LLM_SCOPE_NAMES)
def test_llm_scope_spans_are_stamped_at_start_without_genai_attributes(scope):
    (span,) = _spans(scope)
    assert span.attributes["code.file.path"].endswith("test_mapping_stamp.py")
    assert span.attributes["code.function.name"].endswith("_spans")
    assert span.attributes["llmsight.feature"] == "support"


@pytest.mark.parametrize("scope", OTHER_SCOPE_NAMES)
def test_other_scopes_are_left_alone_unless_they_carry_genai_at_start(scope):
    (plain,) = _spans(scope)
    assert "code.file.path" not in plain.attributes and not is_llm_scope(scope)
    (genai,) = _spans(scope, {"gen_ai.request.model": "gpt-4o"})
    assert "code.file.path" in genai.attributes


def test_helpers_import_and_stamp_without_numpy_duckdb_or_host_changes(tmp_path):
    app = tmp_path / "app.py"
    app.write_text(textwrap.dedent('''\
        import json, os, sys
        for blocked in ("numpy", "duckdb", "pyarrow", "litellm"):
            sys.modules[blocked] = None          # `import numpy` now raises ImportError
        environment = dict(os.environ)
        from llmsight.instrument import LlmsightSpanProcessor
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import SimpleSpanProcessor
        from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

        exporter = InMemorySpanExporter()
        provider = TracerProvider()
        provider.add_span_processor(LlmsightSpanProcessor())
        provider.add_span_processor(SimpleSpanProcessor(exporter))

        def ask():
            with provider.get_tracer("openinference.instrumentation.openai").start_as_current_span("ChatCompletion"):
                pass

        ask()
        print(json.dumps({"stamp": dict(exporter.get_finished_spans()[0].attributes),
                          "environment_unchanged": dict(os.environ) == environment,
                          "simulator_loaded": sorted(m for m in sys.modules if m.startswith("llmsight.simulator"))}))
        '''))
    done = subprocess.run([sys.executable, str(app)], capture_output=True, text=True, cwd=tmp_path,
                          env={"PATH": "/usr/bin:/bin", "LLMSIGHT_PROBE": "1"}, timeout=60)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["stamp"]["code.file.path"] == "app.py" and out["stamp"]["code.function.name"] == "ask"
    assert out["environment_unchanged"] and out["simulator_loaded"] == []


def test_old_import_path_still_gives_the_helpers():
    from llmsight.simulator import instrument as old

    assert old.LlmsightSpanProcessor is LlmsightSpanProcessor and old.caller_location is not None
