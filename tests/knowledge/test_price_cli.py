"""`llm-lint price` as a user runs it: a fresh process, real price data, real config files."""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from llmsight.knowledge.catalog import Catalog, Usage
from llmsight.knowledge.models import deprecation


def price(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "llmsight", "price", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=120)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'demo'\n", encoding="utf-8")
    return tmp_path


def test_text_table_shows_components_total_context_and_price_data(project):
    out = price("gpt-4o", "claude-sonnet-4-5", "--input-tokens", "20000", "--output-tokens", "1000",
                "--cached-input-tokens", "5000", "--cache-write-tokens", "2000", "--reasoning-tokens", "300",
                cwd=project)
    assert out.returncode == 0, out.stderr
    catalog = Catalog.load()
    usage = Usage(20000, 1000, cached_input_tokens=5000, cache_write_input_tokens=2000, reasoning_tokens=300)
    lines = out.stdout.splitlines()
    assert lines[0] == f"price data: {catalog.price_data}"
    header = next(line for line in lines if line.startswith("model"))
    assert header.split() == ["model", "input", "cached", "input", "cache", "write", "output", "reasoning", "total",
                              "context"]
    for model in ("gpt-4o", "claude-sonnet-4-5"):
        row = next(line for line in lines if line.startswith(model + " "))
        cost = catalog.cost(model, usage)
        cells = row.split()
        assert cells[1:7] == [f"${v:,.6f}" for v in (cost.input, cost.cached_input, cost.cache_write, cost.output,
                                                      cost.reasoning, cost.total)]
        assert cells[7] == f"{catalog.context_window(model):,}"
    assert "gpt-4o: floating alias (today gpt-4o-2024-08-06" in out.stdout
    dep = deprecation("claude-sonnet-4-5")
    assert f"claude-sonnet-4-5: deprecated {'since' if dep.passed() else 'from'} {dep.date}; successor" in out.stdout


def test_json_output(project):
    out = price("openai/gpt-4o-mini", "--input-tokens", "1000", "--output-tokens", "200", "--format", "json",
                cwd=project)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["price_data"] == Catalog.load().price_data
    assert data["usage"]["input_tokens"] == 1000
    [q] = data["quotes"]
    assert q["requested"] == "openai/gpt-4o-mini" and q["model"] == "gpt-4o-mini" and q["found"]
    assert q["cost"]["total"] == pytest.approx(Catalog.load().cost("gpt-4o-mini", Usage(1000, 200)).total)
    assert q["alias"]["snapshot"] == "gpt-4o-mini-2024-07-18"


def test_unknown_model_exits_2_with_did_you_mean(project):
    out = price("gpt-4oo", "gpt-4o", "--input-tokens", "10", "--output-tokens", "5", cwd=project)
    assert out.returncode == 2
    assert "unknown model 'gpt-4oo'; did you mean gpt-4o" in out.stderr
    assert any(line.startswith("gpt-4o ") for line in out.stdout.splitlines())   # known ones still priced
    assert "Traceback" not in out.stderr


def test_retired_model_missing_from_the_map_says_so(project):
    out = price("text-davinci-002", "--input-tokens", "10", "--output-tokens", "5", cwd=project)
    assert out.returncode == 2
    assert "retired 2024-01-04; successor gpt-4o-mini" in out.stderr


def test_retired_model_an_older_release_listed_is_quoted_at_that_price(project):
    out = price("text-davinci-003", "--input-tokens", "1000", "--output-tokens", "0", "--format", "json", cwd=project)
    assert out.returncode == 0, out.stderr
    quote = json.loads(out.stdout)["quotes"][0]
    assert quote["found"] and quote["cost"]["total"] > 0
    assert any(n.startswith("last listed price, litellm 1.") and "retired on 2024-01-04" in n for n in quote["notes"])


@pytest.mark.parametrize("args, flag", [
    (["--input-tokens", "-5", "--output-tokens", "1"], "argument --input-tokens: cannot be negative"),
    (["--input-tokens", "5", "--output-tokens", "lots"], "argument --output-tokens: expected a whole number"),
    (["--input-tokens", "5", "--output-tokens", "1", "--cached-input-tokens", "6"], "--cached-input-tokens (6)"),
    (["--input-tokens", "5", "--output-tokens", "1", "--cached-input-tokens", "3", "--cache-write-tokens", "3"],
     "--cache-write-tokens (3) exceed --input-tokens (5)"),
    (["--input-tokens", "5", "--output-tokens", "1", "--reasoning-tokens", "2"], "--reasoning-tokens (2) exceeds"),
    (["--output-tokens", "1"], "--input-tokens"),
])
def test_bad_token_arguments_are_usage_errors_naming_the_flag(project, args, flag):
    out = price("gpt-4o", *args, cwd=project)
    assert out.returncode == 2
    assert flag in out.stderr and "Traceback" not in out.stderr


def test_config_maps_deployments_and_overrides_prices(project):
    (project / "pyproject.toml").write_text(textwrap.dedent("""
        [project]
        name = "demo"
        [tool.llmsight]
        prices = "negotiated.json"
        [tool.llmsight.models]
        "prod-chat" = "gpt-4o"
        """), encoding="utf-8")
    (project / "negotiated.json").write_text('{"gpt-4o": {"input_cost_per_token": 1e-06}}', encoding="utf-8")
    out = price("azure/prod-chat", "--input-tokens", "1000", "--output-tokens", "0", "--format", "json", cwd=project)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert "1 override(s) from" in data["price_data"]
    [q] = data["quotes"]
    assert q["model"] == "gpt-4o" and q["cost"]["input"] == pytest.approx(1000 * 1e-06)
    assert any("mapped to gpt-4o" in n for n in q["notes"]) and any("override" in n for n in q["notes"])


def test_explicit_config_file_and_its_errors(project):
    cfg = project / "llmsight.toml"
    cfg.write_text('models = { "vllm-llama" = "gpt-4o-mini" }\n', encoding="utf-8")
    ok = price("vllm-llama", "--input-tokens", "10", "--output-tokens", "5", "--config", str(cfg), cwd=project)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.splitlines()[4].startswith("vllm-llama (gpt-4o-mini)")
    cfg.write_text('prices = "missing.json"\n', encoding="utf-8")
    bad = price("gpt-4o", "--input-tokens", "10", "--output-tokens", "5", "--config", str(cfg), cwd=project)
    assert bad.returncode == 2 and "missing.json" in bad.stderr and "Traceback" not in bad.stderr


def test_a_model_without_token_prices_says_why_it_costs_nothing(project):
    catalog = Catalog.load()
    name = next(n for n in sorted(catalog.names()) if catalog.lookup(n).mode == "chat"
                and not catalog.lookup(n).has_token_prices and "cost_per_second" in catalog.lookup(n).raw)
    out = price(name, "--input-tokens", "1000", "--output-tokens", "100", "--format", "json", cwd=project)
    assert out.returncode == 0, out.stderr
    [q] = json.loads(out.stdout)["quotes"]
    assert q["cost"]["total"] == 0.0
    assert any("no per-token price" in n for n in q["notes"])


def test_a_model_billed_per_character_is_quoted_per_character(project):
    rate = Catalog.load().lookup("tts-1").raw["input_cost_per_character"]
    out = price("tts-1", "--input-tokens", "1000", "--output-tokens", "100", "--format", "json", cwd=project)
    assert out.returncode == 0, out.stderr
    [q] = json.loads(out.stdout)["quotes"]
    assert q["cost"]["total"] == pytest.approx(4000 * rate)    # speech bills the text sent, not the audio
    assert any(n.startswith("billed per character: 1,000 input tokens counted as 4,000 characters") for n in q["notes"])
    assert not any("no per-token price" in n for n in q["notes"])
