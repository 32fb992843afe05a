"""The recommender every face uses (knowledge/recommend.py): never a retiring model, never another
operation kind, another provider only through a multi-provider layer (else shown, never written),
limited by allowed_models / allowed_providers."""
from __future__ import annotations

import datetime
import shutil
import textwrap
from pathlib import Path

import pytest

from llmsight import api
from llmsight.config import ConfigError, parse_config
from llmsight.knowledge.models import deprecation
from llmsight.knowledge.recommend import judge

EXAMPLE_APP = Path(__file__).resolve().parents[2] / "examples" / "app"
EXAMPLE_TRAFFIC = EXAMPLE_APP.parent / "traffic" / "app_traffic.jsonl"
TODAY = datetime.date(2026, 12, 7)    # gpt-4o-mini retires on 2027-01-14 in the bundled lifecycle data

SITES = {
    "anthropic": """
        import anthropic
        anthropic.Anthropic().messages.create(model="claude-sonnet-4-6", max_tokens=100, messages=[])
    """,
    "openai": """
        from openai import OpenAI
        OpenAI().chat.completions.create(model="gpt-4o", messages=[])
    """,
    "litellm": """
        import litellm
        litellm.completion(model="claude-sonnet-4-6", messages=[])
    """,
    "embedding": """
        from openai import OpenAI
        OpenAI().embeddings.create(model="text-embedding-3-small", input=["a"])
    """,
    "openrouter": """
        from openai import OpenAI
        OpenAI(base_url="https://openrouter.ai/api/v1").chat.completions.create(model="openai/gpt-4o", messages=[])
    """,
}


def site_of(tmp_path: Path, kind: str, config: dict | None = None):
    text = textwrap.dedent(SITES[kind]).lstrip("\n")
    path = tmp_path / f"{kind}.py"
    path.write_text(text)
    result = api.check_source(text, str(path), root=tmp_path, config=config or {}, with_estimates=False)
    [site] = result.call_sites
    return site, parse_config(config or {}, "<test>")


def retiring(model: str, config, today: datetime.date) -> bool:
    dep = deprecation(model, config, today=today)
    return dep is not None and dep.date is not None and (dep.date - today).days <= config.deprecation_window_days


def test_a_model_retiring_within_the_window_is_never_recommended(tmp_path):
    site, config = site_of(tmp_path, "openai")
    verdict = judge(site, "gpt-4o-mini", config, today=TODAY)
    assert verdict.refused == "retires in 38 days, on 2027-01-14 (window: 90 days)"
    assert judge(site, "gpt-5.4-mini", config, today=TODAY).allowed
    narrow = parse_config({"deprecation_window_days": 30}, "<test>")
    assert judge(site, "gpt-4o-mini", narrow, today=TODAY).allowed


def test_an_embedding_site_gets_only_embedding_models(tmp_path):
    site, config = site_of(tmp_path, "embedding")
    assert judge(site, "gpt-5.4-mini", config, today=TODAY).refused == \
        "a chat model; this site makes embedding requests"
    assert judge(site, "text-embedding-3-large", config, today=TODAY).allowed


def test_another_provider_needs_a_client_change_unless_a_layer_routes_it(tmp_path):
    anthropic_site, config = site_of(tmp_path, "anthropic")
    verdict = judge(anthropic_site, "gpt-5.4-mini", config, today=TODAY)
    assert verdict.allowed and verdict.client_change == \
        "needs a client change: `gpt-5.4-mini` is served by OpenAI; this call uses the Anthropic client"
    assert judge(anthropic_site, "claude-haiku-4-5", config, today=TODAY).client_change is None
    for layered in ("litellm", "openrouter"):
        site, config = site_of(tmp_path, layered)
        assert judge(site, "gpt-5.4-mini", config, today=TODAY).client_change is None, layered


def test_allow_lists_limit_what_is_recommended(tmp_path):
    config = {"allowed_providers": ["anthropic"], "allowed_models": ["gpt-5.4-nano"]}
    site, parsed = site_of(tmp_path, "litellm", config)
    assert judge(site, "claude-haiku-4-5", parsed, today=TODAY).allowed
    assert judge(site, "gpt-5.4-nano", parsed, today=TODAY).allowed
    assert judge(site, "gpt-5.4-mini", parsed, today=TODAY).refused == "not in allowed_models / allowed_providers"


@pytest.mark.parametrize("table, message", [
    ({"allowed_models": ["gpt 4o"]}, "`allowed_models` entry 'gpt 4o' is not a model name"),
    ({"allowed_providers": ["Open AI"]}, "`allowed_providers` entry 'Open AI' is not a provider name"),
    ({"allowed_models": "gpt-4o"}, None),
])
def test_allow_list_settings_are_validated(table, message):
    if message is None:
        assert parse_config(table, "pyproject.toml").allowed_models == ("gpt-4o",)
        return
    with pytest.raises(ConfigError, match=message):
        parse_config(table, "pyproject.toml")


def test_scenario_fix_never_writes_a_model_the_client_cannot_send(tmp_path):
    site, config = site_of(tmp_path, "anthropic")
    fix = api.scenario_fix(site, {"model": "gpt-5.4-mini"}, config=config, root=tmp_path)
    assert fix.edits == () and fix.applicability == "display-only"
    assert "needs a client change" in fix.title
    same = api.scenario_fix(site, {"model": "claude-haiku-4-5"}, config=config, root=tmp_path)
    assert [e.new_text for e in same.edits] == ['"claude-haiku-4-5"']


def test_no_recommendation_names_a_retiring_model_or_changes_the_operation_kind(tmp_path):
    app = tmp_path / "app"
    shutil.copytree(EXAMPLE_APP, app)
    result = api.check([app], traffic=EXAMPLE_TRAFFIC, use_cache=False)
    config = api.load_config(app)
    today = datetime.date.today()
    named: list[tuple[str, str]] = []
    for site in result.call_sites:
        kind = site.operation
        for model in api.candidate_models(site, config):       # the explorer's and the report's candidates
            assert not retiring(model, config, today), (site.id, model)
            assert model != config.fallback_model or judge(site, model, config).client_change is None
        for alt in api.model_alternatives(site, config):
            named.append((site.id, alt.model))
            assert alt.evidence, alt
            assert judge(site, alt.model, config).refused is None, (site.id, alt.model)
    for d in result.diagnostics:
        if d.code in ("LLM003", "LLM012", "LLM016"):
            for fix in d.fixes:
                for e in fix.edits:
                    model = e.new_text.strip("'\"").rsplit("/", 1)[-1]
                    assert not retiring(model, config, today), (d.code, fix.title)
                assert "gpt-4o-mini" not in fix.title, (d.code, fix.title)   # retires on 2027-01-14
    anthropic = next(s for s in result.call_sites if s.sdk == "anthropic")
    assert all(judge(anthropic, m, config).client_change is None for sid, m in named if sid == anthropic.id)
    assert kind   # the loop ran over the app's sites


def test_a_chat_model_switch_leaves_embedding_calls_alone():
    from llmsight.simulator.simulate import simulate

    report = simulate(EXAMPLE_TRAFFIC, ["model=gpt-5.4-mini", "model=text-embedding-3-large,feature=search"],
                      use_cache=False)
    embedding = [r.of("site", "app/embed.py:10").cost_per_month.value for r in report.results]
    chat = [r.of("site", "app/chat.py:18").cost_per_month.value for r in report.results]
    assert embedding[1] == embedding[0] and chat[1] < chat[0]
    assert embedding[2] != embedding[0]       # asked for by feature: the switch applies
