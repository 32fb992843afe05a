"""`[tool.llmsight]` from a stranger's repository (issue 16): every value is checked for type and range,
so a config is a clear `ConfigError` (CLI exit 2) or a run that ends — never a traceback, a hang, or a
fix that writes nonsense into the code."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from llmsight import api
from llmsight.config import ConfigError, parse_config

OPENAI_CALL = 'from openai import OpenAI\nclient = OpenAI()\nclient.chat.completions.create(model="gpt-4o-mini", messages=[])\n'


def llm_lint(cwd: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    env = {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True", "NO_COLOR": "1",
           "LLMSIGHT_CACHE_DIR": str(cwd / ".cache")}
    return subprocess.run([sys.executable, "-m", "llmsight", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout)


def project_with_config(root: Path, table: str) -> Path:
    (root / "pyproject.toml").write_text(f"[project]\nname = 'app'\n\n[tool.llmsight]\n{table}\n", encoding="utf-8")
    (root / "app.py").write_text(OPENAI_CALL, encoding="utf-8")
    return root


def assert_config_error(run: subprocess.CompletedProcess, *words: str) -> None:
    assert "Traceback" not in run.stderr, run.stderr
    assert run.returncode == 2, (run.returncode, run.stdout, run.stderr)
    [line] = run.stderr.strip().splitlines()
    assert "pyproject.toml" in line and all(w in line for w in words), line


# ---- D3: a wrapper name that is not a dotted Python name ------------------------------------------------

@pytest.mark.xfail(strict=True, reason="D3: an empty wrapper name spins forever in discovery")
@pytest.mark.parametrize("wrapper", ["", ".", "app.", "app..ask", "1app.ask", "app.ask()"])
def test_d3_a_wrapper_that_is_not_a_dotted_name_is_a_config_error(tmp_path, wrapper):
    project_with_config(tmp_path, f"wrappers = [{wrapper!r}]")
    assert_config_error(llm_lint(tmp_path, "check", "--no-cache", ".", timeout=20), "wrappers")


# ---- D8: numbers out of range --------------------------------------------------------------------------

ABSURD_NUMBERS = [
    ("default_timeout", "nan"), ("default_timeout", "inf"), ("default_timeout", "1e308"),
    ("default_timeout", "99999999999999999999999999"), ("default_retries", "-3"), ("default_retries", "10000000"),
    ("default_max_tokens", "-1"), ("default_max_tokens", "0"), ("default_max_tokens", "99999999999999999999"),
    ("default_output_tokens", "-5"), ("default_input_tokens", "-5"), ("deprecation_window_days", "-1"),
    ("deprecation_window_days", "99999999"), ("error_rate_threshold", "nan"), ("error_rate_threshold", "7.5"),
    ("quality_tolerance", "-0.5"), ("budgets", "{ chat = nan }"), ("budgets", "{ chat = 1e400 }"),
    ("slos", "{ chat = inf }"), ("slos", "{ chat = 0 }"), ("volumes", "{ chat = nan }"),
]


@pytest.mark.xfail(strict=True, reason="D8: NaN, infinities and absurd numbers are accepted")
@pytest.mark.parametrize("key, value", ABSURD_NUMBERS, ids=[f"{k}={v}" for k, v in ABSURD_NUMBERS])
def test_d8_numbers_out_of_range_are_config_errors(key, value):
    import tomllib

    with pytest.raises(ConfigError, match=key):
        parse_config(tomllib.loads(f"{key} = {value}"), "pyproject.toml")


@pytest.mark.xfail(strict=True, reason="D8: --fix writes timeout=nan")
def test_d8_fix_never_writes_a_non_finite_timeout(tmp_path):
    project_with_config(tmp_path, "default_timeout = nan")
    assert_config_error(llm_lint(tmp_path, "check", "--fix", "--unsafe-fixes", "--no-cache", "."), "default_timeout")
    assert (tmp_path / "app.py").read_text(encoding="utf-8") == OPENAI_CALL


# ---- D19: selectors that select everything or nothing --------------------------------------------------

@pytest.mark.xfail(strict=True, reason="D19: an empty selector matches every rule")
@pytest.mark.parametrize("table", ['ignore = [""]', 'ignore = ["  "]', 'select = [""]', 'ignore = ["LLM999"]',
                                   'select = ["LMM001"]', 'severity = { "" = "error" }'])
def test_d19_empty_or_unknown_rule_selectors_are_config_errors(tmp_path, table):
    project_with_config(tmp_path, table)
    assert_config_error(llm_lint(tmp_path, "check", "--no-cache", "."))


@pytest.mark.xfail(strict=True, reason="D19: an empty selector passed to the API ignores every rule")
def test_d19_empty_selector_in_the_api_is_a_config_error():
    with pytest.raises(ConfigError, match="empty"):
        api.select_rules(parse_config({}, "<test>"), ignore=[""])
