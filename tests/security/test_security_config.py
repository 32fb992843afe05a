"""`[tool.llmsight]` from a stranger's repository (issue 16): every value is checked for type and range,
so a config is a clear `ConfigError` (CLI exit 2) or a run that ends — never a traceback, a hang, or a
fix that writes nonsense into the code."""
from __future__ import annotations

import ast
import math
import subprocess
import tempfile
import tomllib
from dataclasses import fields
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from llmsight import api
from llmsight.analysis.discover import _word_offsets
from llmsight.config import Config, ConfigError, parse_config
from test_security_fix import OPENAI_CALL, llm_lint
from hostile import within

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

@pytest.mark.parametrize("wrapper", ["", ".", "app.", "app..ask", "1app.ask", "app.ask()"])
def test_d3_a_wrapper_that_is_not_a_dotted_name_is_a_config_error(tmp_path, wrapper):
    project_with_config(tmp_path, f"wrappers = [{wrapper!r}]")
    assert_config_error(llm_lint(tmp_path, "check", "--no-cache", ".", timeout=20), "wrappers")


def test_d3_a_word_search_for_an_empty_name_ends():
    """A Config built in code skips parse_config: discovery itself must not loop on an empty name."""
    with within(10):
        assert _word_offsets("ask(1)\nask (2)", "") == []
        assert _word_offsets("ask(1)\nask (2)", "ask", call=True) == [0, 7]
        api.check_source(OPENAI_CALL, "app.py", config=Config(wrappers=("app.", "")), with_estimates=False)


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


@pytest.mark.parametrize("key, value", ABSURD_NUMBERS, ids=[f"{k}={v}" for k, v in ABSURD_NUMBERS])
def test_d8_numbers_out_of_range_are_config_errors(key, value):
    with pytest.raises(ConfigError, match=key):
        parse_config(tomllib.loads(f"{key} = {value}"), "pyproject.toml")


def test_d8_fix_never_writes_a_non_finite_timeout(tmp_path):
    project_with_config(tmp_path, "default_timeout = nan")
    assert_config_error(llm_lint(tmp_path, "check", "--fix", "--unsafe-fixes", "--no-cache", "."), "default_timeout")
    assert (tmp_path / "app.py").read_text(encoding="utf-8") == OPENAI_CALL


# ---- D19: selectors that select everything or nothing --------------------------------------------------

@pytest.mark.parametrize("table", ['ignore = [""]', 'ignore = ["  "]', 'select = [""]', 'ignore = ["LLM999"]',
                                   'select = ["LMM001"]', 'severity = { "" = "error" }'])
def test_d19_empty_or_unknown_rule_selectors_are_config_errors(tmp_path, table):
    project_with_config(tmp_path, table)
    assert_config_error(llm_lint(tmp_path, "check", "--no-cache", "."))


def test_d19_empty_selector_in_the_api_is_a_config_error():
    with pytest.raises(ConfigError, match="empty"):
        api.select_rules(parse_config({}, "<test>"), ignore=[""])


# ---- fuzz: generated [tool.llmsight] tables -----------------------------------------------------------

KNOWN_KEYS = sorted(f.name for f in fields(Config) if f.name != "source")
NAMED = ["", " ", ".", "app.", "app.llm.ask", "LLM001", "llm00", "ALL", "gpt-4o-mini", "*.py", "tests/*",
         "\u202e\x1b[31m", "nan", "x\0y", "é" * 3]
SCALARS = st.one_of(st.booleans(), st.integers(min_value=-10 ** 40, max_value=10 ** 40), st.floats(),
                    st.text(max_size=20), st.sampled_from(NAMED))
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                       st.dictionaries(st.text(max_size=8), inner, max_size=3)),
                      max_leaves=8)


NUMBERS = st.sampled_from([math.nan, math.inf, -math.inf, -1, 0, 1e308, 10 ** 30, -(10 ** 30)]) | st.floats() \
    | st.integers(min_value=-10 ** 40, max_value=10 ** 40)
NAMES = st.sampled_from(NAMED) | st.text(max_size=12)
# values a real project would write, so many tables get past the checks and run
SANE = {
    "select": st.lists(st.sampled_from(["LLM001", "LLM00", "ALL", "llm004"]), max_size=2),
    "ignore": st.lists(st.sampled_from(["LLM003", "LLM01", "LLM007"]), max_size=2),
    "wrappers": st.lists(st.sampled_from(["app.llm.ask", "ask", "app.Client.complete"]), max_size=2),
    "exclude": st.lists(st.sampled_from(["tests/*", "*.ipynb", "build/"]), max_size=2),
    "severity": st.dictionaries(st.sampled_from(["LLM001", "LLM004"]), st.sampled_from(["error", "hint"]), max_size=2),
    "models": st.dictionaries(st.sampled_from(["prod", "gpt-4o-mini"]), st.sampled_from(["gpt-4o-mini", "gpt-4o"]),
                              max_size=2),
    "features": st.dictionaries(st.sampled_from(["*.py", "app/*"]), st.sampled_from(["chat", "search"]), max_size=2),
    "budgets": st.dictionaries(st.just("chat"), st.floats(0, 1e6), max_size=1),
    "slos": st.dictionaries(st.just("chat"), st.floats(0.01, 100), max_size=1),
    "volumes": st.dictionaries(st.just("chat"), st.integers(0, 10 ** 9), max_size=1),
    "default_timeout": st.floats(0.5, 600) | st.integers(1, 600),
    "default_retries": st.integers(0, 10),
    "default_max_tokens": st.integers(1, 100_000),
    "default_output_tokens": st.integers(1, 100_000),
    "default_input_tokens": st.integers(0, 100_000),
    "fallback_model": st.sampled_from(["gpt-4o-mini", "claude-3-5-haiku-20241022", "unknown-model"]),
    "deprecation_window_days": st.integers(0, 400),
    "error_rate_threshold": st.floats(0, 1),
    "quality_tolerance": st.floats(0, 1),
    "fail_on": st.sampled_from(["error", "warning", "info", "hint"]),
}


def hostile_value(key: str) -> st.SearchStrategy:
    """A value of the type `key` takes, out of range or oddly spelled."""
    default = {f.name: f.default for f in fields(Config)}.get(key)
    if key in ("select", "ignore", "wrappers", "exclude"):
        return st.lists(NAMES, max_size=3)
    if key in ("severity", "models", "features", "budgets", "slos", "volumes"):
        return st.dictionaries(NAMES, NUMBERS if key in ("budgets", "slos", "volumes") else NAMES, max_size=3)
    if key in ("fallback_model", "traffic", "prices", "fail_on"):
        return NAMES
    return NUMBERS if default is None or isinstance(default, (int, float)) else NAMES


@st.composite
def config_tables(draw) -> dict:
    table = {}
    for key in draw(st.lists(st.sampled_from(KNOWN_KEYS), max_size=4, unique=True)):
        kind = draw(st.sampled_from(["sane", "hostile", "any"]))
        value = draw(SANE.get(key, VALUES) if kind == "sane" else hostile_value(key) if kind == "hostile" else VALUES)
        table[key.replace("_", "-") if draw(st.booleans()) else key] = value
    if draw(st.sampled_from([False] * 9 + [True])):
        table[draw(st.text(max_size=12))] = draw(VALUES)  # an unknown key
    return table


def toml_string(text: str) -> str:
    escaped = {'"': '\\"', "\\": "\\\\"}
    return '"' + "".join(escaped.get(c) or (f"\\u{ord(c):04X}" if ord(c) < 0x20 or ord(c) == 0x7F else c)
                         for c in text) + '"'


def toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, list):
        return "[" + ", ".join(map(toml_value, value)) + "]"
    return "{" + ", ".join(f"{toml_string(k)} = {toml_value(v)}" for k, v in value.items()) + "}"


FUZZ_SOURCE = OPENAI_CALL + 'from google import genai\ngc = genai.Client()\nchat = gc.chats.create(model="gemini-2.0-flash")\n' \
                            'chat.send_message("hi")\n'


@pytest.mark.filterwarnings("ignore:The recursion limit will not be reset")  # the engine raises it for deep code
@given(config_tables())
def test_generated_configs_are_a_config_error_or_a_clean_run(table):
    body = "".join(f"{toml_string(k)} = {toml_value(v)}\n" for k, v in table.items())
    text = f"[project]\nname = 'app'\n\n[tool.llmsight]\n{body}"
    tomllib.loads(text)  # the generator writes valid TOML: a ConfigError below is about the values
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "pyproject.toml").write_text(text, encoding="utf-8")
        (root / "app.py").write_text(FUZZ_SOURCE, encoding="utf-8")
        with within(20):
            try:
                config = api.load_config(root)
                outcome = api.apply_fixes([root], unsafe=True, config=config, use_cache=False)
                api.check([root], config=config, use_cache=False)
            except ConfigError as exc:
                assert "\n" not in str(exc).strip() and "Traceback" not in str(exc)
                return
        fixed = (root / "app.py").read_text(encoding="utf-8")
        assert not outcome.skipped
        for node in ast.walk(ast.parse(fixed)):  # no `timeout=nan` or `inf` written into the code
            assert not (isinstance(node, ast.Constant) and isinstance(node.value, float) and not math.isfinite(node.value))
            assert not (isinstance(node, ast.Name) and node.id in ("nan", "inf")), fixed
