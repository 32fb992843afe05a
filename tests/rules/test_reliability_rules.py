"""LLM001/003/004 details the examples cannot express: fix applicability per situation, severity
overrides from config, and the timeout a fix chooses from measured traffic."""
from __future__ import annotations

import ast
import textwrap
from pathlib import Path

from llmsight import api
from llmsight.analysis.context import FileContext, SourceMap
from llmsight.analysis.rules._sdk_fixes import suggested_max_tokens, suggested_timeout
from llmsight.config import Config


def diagnostics(tmp_path: Path, source: str, code: str, config: dict | None = None):
    text = textwrap.dedent(source).lstrip("\n")
    path = tmp_path / "app.py"
    path.write_text(text)
    result = api.check_source(text, str(path), root=tmp_path, select=[code], config=config or {},
                              with_estimates=False)
    assert not result.errors, result.errors
    return result


def test_langchain_fallback_to_another_provider_is_only_suggested(tmp_path):
    result = diagnostics(tmp_path, """
        from langchain_openai import ChatOpenAI
        llm = ChatOpenAI(model="gpt-4o")
        llm.invoke("hi")
    """, "LLM003", {"fallback_model": "claude-sonnet-4-6"})
    [d] = result.diagnostics
    assert [(f.applicability, bool(f.edits)) for f in d.fixes] == [("display-only", False)]
    assert "needs a client change: `claude-sonnet-4-6` is served by Anthropic; this call uses the OpenAI client" \
        in d.fixes[0].title


def test_no_fallback_fix_without_configured_model(tmp_path):
    result = diagnostics(tmp_path, """
        import litellm
        litellm.completion(model="gpt-4o", messages=[])
    """, "LLM003")
    [d] = result.diagnostics
    assert d.severity == "info"
    assert d.fixes[0].applicability == "display-only" and "fallback_model" in d.fixes[0].title


def test_severity_can_be_raised_in_config(tmp_path):
    result = diagnostics(tmp_path, """
        import litellm
        litellm.completion(model="gpt-4o", messages=[])
    """, "LLM003", {"severity": {"LLM003": "error"}})
    assert [d.severity for d in result.diagnostics] == ["error"]


def test_fallback_call_in_handler_is_not_itself_flagged(tmp_path):
    result = diagnostics(tmp_path, """
        import anthropic
        client = anthropic.Anthropic()
        def ask(m):
            try:
                return client.messages.create(model="claude-sonnet-4-5", max_tokens=100, messages=m)
            except anthropic.APIError:
                return client.messages.create(model="claude-3-5-haiku-latest", max_tokens=100, messages=m)
    """, "LLM003")
    assert result.diagnostics == []


def test_output_cap_beside_splatted_kwargs_is_only_suggested(tmp_path):
    # the splatted dict is fully visible and has no cap; the fix cannot tell where the cap belongs
    result = diagnostics(tmp_path, """
        from openai import OpenAI
        def ask():
            params = {"temperature": 0}
            return OpenAI().chat.completions.create(model="gpt-4o", messages=[], **params)
    """, "LLM004")
    [d] = result.diagnostics
    assert d.fixes[0].applicability == "display-only" and "**kwargs" in d.fixes[0].title


def test_genai_config_variable_is_only_suggested(tmp_path):
    result = diagnostics(tmp_path, """
        from google import genai
        client = genai.Client()
        def ask(q):
            cfg = {"temperature": 0}
            return client.models.generate_content(model="gemini-2.5-flash", contents=q, config=cfg)
    """, "LLM004")
    [d] = result.diagnostics
    assert d.fixes[0].applicability == "display-only"


def test_anthropic_never_needs_an_output_cap_rule(tmp_path):
    result = diagnostics(tmp_path, """
        import anthropic
        anthropic.Anthropic().messages.create(model="claude-sonnet-4-5", messages=[])
    """, "LLM004")
    assert result.diagnostics == []


def test_timeout_already_on_with_options_is_explicit(tmp_path):
    result = diagnostics(tmp_path, """
        from openai import OpenAI
        OpenAI().with_options(timeout=10).chat.completions.create(model="gpt-4o", messages=[])
    """, "LLM001")
    assert result.diagnostics == []


class _TrafficView:
    """The rule helpers of `llmsight.simulator.view.TrafficView` that fixes size their values from."""

    def __init__(self, p99_latency: float | None, p99_output: float | None = None):
        self.p99_latency, self.p99_output = p99_latency, p99_output

    def p99_latency_s(self, site):
        return self.p99_latency

    def p99_output_tokens(self, site):
        return self.p99_output


def _context(tmp_path, traffic, config=Config()):
    text = 'from openai import OpenAI\nOpenAI().chat.completions.create(model="gpt-4o", messages=[])\n'
    result = diagnostics(tmp_path, text, "NONE")
    return result.call_sites[0], FileContext("app.py", text, ast.parse(text), SourceMap(text.splitlines()), config,
                                             traffic=traffic)


def test_suggested_timeout_doubles_the_measured_p99(tmp_path):
    site, ctx = _context(tmp_path, _TrafficView(7.3))
    assert suggested_timeout(site, ctx) == (15.0, "twice the p99 latency of 7.3 s in traffic")
    site, ctx = _context(tmp_path, _TrafficView(0.8))
    assert suggested_timeout(site, ctx)[0] == 5.0


def test_suggested_timeout_without_traffic_uses_config_then_default(tmp_path):
    site, ctx = _context(tmp_path, _TrafficView(None), Config(default_timeout=12.0))
    assert suggested_timeout(site, ctx)[0] == 12.0
    site, ctx = _context(tmp_path, None)
    assert suggested_timeout(site, ctx)[0] == 30.0


def test_suggested_max_tokens_from_traffic_p99_with_headroom(tmp_path):
    site, ctx = _context(tmp_path, _TrafficView(None, 800.0))
    assert suggested_max_tokens(site, ctx) == (1000, "p99 output of 800 tokens in traffic, plus 25%")
    site, ctx = _context(tmp_path, _TrafficView(None, 800.0), Config(default_max_tokens=300))
    assert suggested_max_tokens(site, ctx)[0] == 300


def test_router_without_fallbacks_gets_router_advice(tmp_path):
    result = diagnostics(tmp_path, """
        from litellm import Router
        router = Router(model_list=[{"model_name": "gpt-4o", "litellm_params": {"model": "gpt-4o"}}])
        router.completion(model="gpt-4o", messages=[])
    """, "LLM003", {"fallback_model": "gpt-5.4-mini"})
    [d] = result.diagnostics
    assert d.fixes[0].applicability == "display-only"
    assert d.fixes[0].title.startswith('Add fallbacks=[{"gpt-4o": ["gpt-5.4-mini"]}] to the Router')


def test_wrapper_call_points_get_no_keyword_fixes(tmp_path):
    """`ask(q)` of a configured wrapper takes no `timeout=`; the request inside the wrapper is checked."""
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n[tool.llmsight]\nwrappers = ["app.llm.ask"]\n')
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "__init__.py").write_text("")
    (tmp_path / "app" / "llm.py").write_text(
        "from openai import OpenAI\nclient = OpenAI()\n"
        "def ask(q):\n    return client.chat.completions.create(model='gpt-4o', messages=[q])\n")
    (tmp_path / "app" / "main.py").write_text("from app.llm import ask\n\ndef run(q):\n    return ask(q)\n")
    result = api.check([tmp_path], select=["LLM001", "LLM003", "LLM004"], use_cache=False, with_estimates=False)
    assert {s.span.path for s in result.call_sites} == {"app/llm.py", "app/main.py"}
    assert {(d.span.path, d.code) for d in result.diagnostics} == {
        ("app/llm.py", "LLM001"), ("app/llm.py", "LLM003"), ("app/llm.py", "LLM004")}


def test_request_run_in_an_executor_gets_no_keyword_edit(tmp_path):
    result = diagnostics(tmp_path, """
        import asyncio
        from openai import OpenAI
        client = OpenAI()
        async def ask(loop):
            return await loop.run_in_executor(None, client.embeddings.create)
        async def ask2(messages):
            return await asyncio.to_thread(client.chat.completions.create, model="gpt-4o", messages=messages)
    """, "LLM001")
    fixes = sorted((d.span.start_line, d.fixes[0].applicability) for d in result.diagnostics)
    assert fixes == [(5, "display-only"), (7, "unsafe")]
