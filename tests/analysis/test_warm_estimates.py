"""A warm scan reads each cached result's static estimates instead of pricing its sites again, and
reports exactly what the cold scan did (`13`, not `13.0`, where a token count is an int)."""
from __future__ import annotations

import pytest

from llmsight import api, formats

APP = ("from openai import OpenAI\n\nclient = OpenAI()\n\n\ndef ask(question):\n"
       "    return client.chat.completions.create(model='gpt-4o-mini', max_tokens=200,\n"
       "                                          messages=[{'role': 'user', 'content': 'Classify: ' + question}])\n")


@pytest.fixture
def tree(tmp_path, monkeypatch):
    monkeypatch.setenv("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    monkeypatch.setenv("LLMSIGHT_CACHE_DIR", str(tmp_path / "cache"))
    (tmp_path / "pr").mkdir()
    (tmp_path / "pr" / "pyproject.toml").write_text("[project]\nname = \"pr\"\n", encoding="utf-8")
    (tmp_path / "pr" / "app.py").write_text(APP, encoding="utf-8")
    return tmp_path / "pr"


def test_warm_scan_reuses_static_estimates_exactly(tree, monkeypatch):
    from llmsight.analysis import estimates

    cold = api.check([tree])
    assert cold.estimates and any(type(e.input_tokens) is int for e in cold.estimates.values())
    monkeypatch.setattr(estimates, "static_estimate", lambda *a: pytest.fail("a warm scan priced a site again"))
    warm = api.check([tree])
    assert warm.estimates == cold.estimates
    assert [type(e.input_tokens) for e in warm.estimates.values()] == [type(e.input_tokens) for e in cold.estimates.values()]
    for fmt in ("text", "json", "sarif"):
        assert formats.render(warm, fmt) == formats.render(cold, fmt), fmt


def test_a_changed_file_is_priced_again(tree, monkeypatch):
    api.check([tree])
    (tree / "app.py").write_text(APP.replace("gpt-4o-mini", "gpt-4o"), encoding="utf-8")
    [estimate] = api.check([tree]).estimates.values()
    assert estimate.model == "gpt-4o"
    assert api.check([tree], use_cache=False).estimates == api.check([tree]).estimates


def test_an_edited_prices_file_prices_the_sites_again(tree):
    pyproject = tree / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + "\n[tool.llmsight]\nprices = \"prices.json\"\n", encoding="utf-8")
    row = '{"gpt-4o-mini": {"input_cost_per_token": %s, "output_cost_per_token": %s, "litellm_provider": "openai"}}'
    (tree / "prices.json").write_text(row % (1e-6, 2e-6), encoding="utf-8")
    [before] = api.check([tree]).estimates.values()
    (tree / "prices.json").write_text(row % (1e-5, 2e-5), encoding="utf-8")
    [after] = api.check([tree]).estimates.values()
    assert after.cost_per_call.value > before.cost_per_call.value
    assert api.check([tree], use_cache=False).estimates == {after.site_id: after}
