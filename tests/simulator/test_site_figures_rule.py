"""The one rule's choice of model and limits for a site's traffic (simulator/site_figures.py)."""
from __future__ import annotations

from llmsight import api
from llmsight.simulator.site_figures import as_written, code_model, configured_volume

PRICED = {"gpt-4o": "gpt-4o", "gpt-4o-mini": "gpt-4o-mini"}


def _site(tmp_path, call: str, config: str = ""):
    (tmp_path / "pyproject.toml").write_text(f"[tool.llmsight]\n{config}", encoding="utf-8")
    text = f"import os\nimport litellm\nfrom openai import OpenAI\nclient = OpenAI(timeout=30)\n{call}\n"
    result = api.check_source(text, "app.py", root=tmp_path, config=api.load_config(tmp_path))
    return result.call_sites[0]


def test_a_fixed_model_replays_rows_that_logged_another(tmp_path):
    site = _site(tmp_path, 'client.chat.completions.create(model="gpt-4o", messages=[], max_tokens=300)')
    assert code_model(site, PRICED.get, lambda: {"gpt-4o", "gpt-4o-mini"}) == ("gpt-4o", None)
    assert code_model(site, PRICED.get, lambda: {"gpt-4o"}) == (None, None)     # already on it: no switch
    written = as_written(site, "gpt-4o")
    assert (written.model, written.max_tokens, written.timeout) == ("gpt-4o", 300, 30.0)


def test_fallback_rows_are_the_codes_own(tmp_path):
    site = _site(tmp_path, 'litellm.completion(model="gpt-4o", messages=[], fallbacks=["gpt-4o-mini"])')
    assert code_model(site, PRICED.get, lambda: {"gpt-4o", "gpt-4o-mini"}) == (None, None)


def test_an_overridable_default_replays_only_when_the_traffic_never_logged_it(tmp_path):
    site = _site(tmp_path, 'client.chat.completions.create(model=os.getenv("M", "gpt-4o"), messages=[])')
    model, note = code_model(site, PRICED.get, lambda: {"gpt-4o", "gpt-4o-mini"})
    assert model is None and "may override" in note
    assert code_model(site, PRICED.get, lambda: {"gpt-4o-mini"})[0] == "gpt-4o"
    assert as_written(site, None).timeout == 30.0 and as_written(site, None).max_tokens is None


def test_an_unpriced_model_keeps_the_logged_ones_and_says_so(tmp_path):
    site = _site(tmp_path, 'client.chat.completions.create(model="acme-7", messages=[])')
    model, note = code_model(site, PRICED.get, lambda: {"gpt-4o"})
    assert model is None and "not in the price data" in note


def test_a_site_volume_wins_over_its_features(tmp_path):
    site = _site(tmp_path, '# llmsight: feature=chat\nclient.chat.completions.create(model="gpt-4o", messages=[])',
                 'volumes = { chat = 1000 }\n')
    assert configured_volume(site, api.load_config(tmp_path)) == (1000.0, "configured volume for feature chat")
    (tmp_path / "pyproject.toml").write_text(f'[tool.llmsight]\nvolumes = {{ chat = 1000, "{site.id}" = 5 }}\n')
    assert configured_volume(site, api.load_config(tmp_path)) == (5.0, f"configured volume for {site.id}")
