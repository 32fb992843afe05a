"""A model chosen together with its provider from one table of pairs (issue 12 item 1): `provider, model
= ROUTES[kind]` then `if provider == "anthropic": Anthropic()…create(model=model)`: each branch sends the
models whose pair names the provider it admits — the set follows the pair, not the cross product — also
when the pair stays a tuple (`route[0] == "anthropic"`, `model=route[1]`)."""
from __future__ import annotations

from test_model_resolution import model_set, scan

APP = """
    import anthropic
    import openai

    ROUTES = {"fast": ("openai", "gpt-4o-mini"), "smart": ("anthropic", "claude-sonnet-4-5"),
              "cheap": ("anthropic", "claude-3-5-haiku-latest")}


    def unpacked(kind, q):
        provider, model = ROUTES[kind]
        if provider == "anthropic":
            return anthropic.Anthropic().messages.create(model=model, max_tokens=100, messages=[q])
        return openai.OpenAI().chat.completions.create(model=model, messages=[q])


    def indexed(kind, q):
        route = ROUTES[kind]
        if route[0] in ("anthropic", "claude"):
            return anthropic.Anthropic().messages.create(model=route[1], max_tokens=100, messages=[q])
        return openai.OpenAI().chat.completions.create(model=route[1], messages=[q])
    """


def test_each_branch_sends_the_models_paired_with_the_provider_it_admits(tmp_path):
    result = scan(tmp_path, {"app.py": APP})
    sets = {(s.function, s.sdk): model_set(s) for s in result.call_sites}
    claude = ["claude-sonnet-4-5", "claude-3-5-haiku-latest"]
    assert sets == {("unpacked", "anthropic"): claude, ("unpacked", "openai"): ["gpt-4o-mini"],
                    ("indexed", "anthropic"): claude, ("indexed", "openai"): ["gpt-4o-mini"]}


def test_the_pair_is_followed_through_a_loop_over_the_pairs(tmp_path):
    result = scan(tmp_path, {"app.py": APP + """
    def each(q):
        for provider, model in ROUTES.values():
            if provider != "anthropic":
                continue
            anthropic.Anthropic().messages.create(model=model, max_tokens=100, messages=[q])
    """})
    assert [model_set(s) for s in result.call_sites if s.function == "each"] == [
        ["claude-sonnet-4-5", "claude-3-5-haiku-latest"]]
