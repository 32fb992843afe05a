"""The default rule set is quiet like ruff's: opt-in rules (LLM003) run only when named by their full code in
`select` or `extend-select`; alias and deprecation of one model are one finding (LLM008 naming the alias);
LLM009 does not call a self-hosted or Hugging Face model misspelt."""
from __future__ import annotations

import datetime
import json
import re
from pathlib import Path

import pytest
from rules_cli import llm_lint, write_project

from llmsight import api
from llmsight.config import Config, ConfigError, parse_config

CHAT = """
    import litellm
    litellm.completion(model="gpt-4o-mini", messages=[], timeout=10, max_tokens=100)
"""


def codes(source: str, **kwargs) -> set[str]:
    return {d.code for d in api.check_source(source, with_estimates=False, **kwargs).diagnostics}


def selected(config: Config = Config(), select=()) -> set[str]:
    return {r.code for r in api.select_rules(config, select)}


def test_llm003_is_not_in_the_default_set():
    assert "LLM003" not in selected()
    assert {"LLM001", "LLM004", "LLM008", "LLM009"} <= selected()


@pytest.mark.parametrize("prefix", ["LLM", "LLM00", "ALL"])
def test_a_prefix_does_not_switch_an_opt_in_rule_on(prefix):
    assert "LLM003" not in selected(select=[prefix])
    assert "LLM001" in selected(select=[prefix])


def test_the_full_code_in_select_or_extend_select_switches_it_on():
    assert selected(select=["LLM003"]) == {"LLM003"}
    extended = selected(parse_config({"extend-select": ["LLM003"]}, "pyproject.toml"))
    assert extended == selected() | {"LLM003"}
    assert selected(Config(select=("LLM001",), extend_select=("LLM003",))) == {"LLM001", "LLM003"}
    assert "LLM003" not in selected(Config(extend_select=("LLM003",), ignore=("LLM003",)))


def test_llm003_states_its_evidence_retries_and_traffic_errors():
    from llmsight.analysis.rules._traffic import EXAMPLE_TRAFFIC

    source = ("# llmsight: feature=flaky\nimport litellm\n"
              "litellm.completion(model='gpt-4o-mini', messages=[], num_retries=0)\n")
    (found,) = api.check_source(source, config={"traffic": EXAMPLE_TRAFFIC}, select=["LLM003"],
                                with_estimates=False).diagnostics
    assert re.search(r"evidence: retries turned off, \d+\.\d% of its calls failed in traffic", found.message)
    (static,) = api.check_source(source.replace(", num_retries=0", ""), select=["LLM003"],
                                 with_estimates=False).diagnostics
    assert "evidence: no retries (the SDK does not retry), no traffic given" in static.message


def test_extend_select_entries_are_checked_like_select():
    with pytest.raises(ConfigError, match="`extend_select` entry 'LLM3' is not a rule code"):
        parse_config({"extend-select": ["LLM3"]}, "pyproject.toml")


def test_cli_extend_select_flag_and_config_key(tmp_path: Path):
    (tmp_path / "plain").mkdir()
    root = write_project(tmp_path / "plain", {"app.py": CHAT})

    def found(*args: str, root: Path = root) -> set[str]:
        proc = llm_lint(root, "check", ".", "--format", "json", "--no-cache", *args)
        assert proc.returncode in (0, 1), proc.stderr
        return {d["code"] for d in json.loads(proc.stdout)["diagnostics"]}

    assert "LLM003" not in found()
    assert "LLM003" not in found("--select", "LLM")
    assert "LLM003" in found("--extend-select", "LLM003")
    (tmp_path / "configured").mkdir()
    configured = write_project(tmp_path / "configured", {"app.py": CHAT}, 'extend-select = ["LLM003"]')
    assert "LLM003" in found(root=configured)


def test_explain_takes_a_rule_name_as_well_as_its_code(tmp_path: Path):
    by_name = llm_lint(tmp_path, "explain", "missing-timeout")
    assert by_name.returncode == 0 and by_name.stdout.startswith("# LLM001 (missing-timeout)")
    assert by_name.stdout == llm_lint(tmp_path, "explain", "llm001").stdout
    assert "Opt-in" in llm_lint(tmp_path, "explain", "no-fallback").stdout
    unknown = llm_lint(tmp_path, "explain", "missing-timeouts")
    assert unknown.returncode == 2 and "LLM001 (missing-timeout)" in unknown.stderr


def test_check_of_a_missing_path_does_not_claim_success(tmp_path: Path):
    proc = llm_lint(tmp_path, "check", str(tmp_path / "nonexistent"))
    assert proc.returncode == 2 and "All checks passed" not in proc.stdout + proc.stderr


def alias_call(noqa: str = "") -> str:
    return ('from openai import OpenAI\n'
            f'OpenAI().chat.completions.create(model="gpt-4o", messages=[], timeout=10, max_tokens=50){noqa}\n')


def test_a_retiring_alias_is_one_llm008_finding_that_names_the_alias(monkeypatch):
    from llmsight.analysis.rules import model_helpers
    from llmsight.knowledge.models import deprecation, snapshot_for

    snapshot = snapshot_for("gpt-4o")
    retires = datetime.date.fromisoformat(str(deprecation(snapshot).date)[:10])
    monkeypatch.setattr(model_helpers, "today", lambda: retires - datetime.timedelta(days=10))
    for noqa in ("", "  # noqa: LLM007"):
        found = api.check_source(alias_call(noqa), with_estimates=False, select=["LLM007", "LLM008"]).diagnostics
        assert [d.code for d in found] == ["LLM008"]
        assert f"`gpt-4o` (set at example.py:2), a floating alias that today points to `{snapshot}`, is deprecated on" \
            in found[0].message
    # long before the date the alias drift is what matters
    monkeypatch.setattr(model_helpers, "today", lambda: retires - datetime.timedelta(days=400))
    assert codes(alias_call(), select=["LLM007", "LLM008"]) == {"LLM007"}


@pytest.mark.parametrize("model", ["meta-llama/Llama-3.1-8B-Instruct", "huggingface/mistralai/Mistral-7B-v0.9",
                                   "together_ai/Qwen/Qwen2.5-72B-Instruct-Turbo-v9", "groq/mixtral-8x22b-32768",
                                   "glm-4-flash", "qwen-mt-turbo"])
def test_llm009_never_calls_a_hub_or_real_looking_model_misspelt(model):
    source = f'import litellm\nlitellm.completion(model="{model}", messages=[], timeout=5, max_tokens=9)\n'
    (found,) = api.check_source(source, with_estimates=False, select=["LLM009"]).diagnostics
    assert "misspelt" not in found.message and "did you mean" not in found.message, found.message
    assert found.severity == "info" and "cannot price this call" in found.message


def test_llm009_still_asks_about_a_near_miss():
    source = 'import litellm\nlitellm.completion(model="gpt-4o-minni", messages=[], timeout=5, max_tokens=9)\n'
    (found,) = api.check_source(source, with_estimates=False, select=["LLM009"]).diagnostics
    assert "did you mean `gpt-4o-mini`" in found.message and found.severity == "warning"
