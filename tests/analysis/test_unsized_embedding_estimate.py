"""An embedding's cost is all input: a request whose text is known only at run time is priced from
`default_input_tokens` when set, else from the input-size prior (one default splitter chunk per text, said
so, with where the figure comes from and how to replace it), never $0/call. Speech of run-time text has no
sourced prior and stays unpriced, saying why."""
from __future__ import annotations

import textwrap

from llmsight import api
from llmsight.config import Config
from llmsight.formats import json_
from llmsight.knowledge.priors import input_prior
from llmsight.lsp.formatting import hover_markdown

SOURCE = """
    from openai import OpenAI
    client = OpenAI(timeout=30)
    def embed(texts):
        return client.embeddings.create(model="text-embedding-3-small", input=texts)
    """

PRIOR = input_prior("embedding")


def estimate_of(tmp_path, config: str = ""):
    (tmp_path / "pyproject.toml").write_text("[project]\nname='x'\n" + config)
    (tmp_path / "llm.py").write_text(textwrap.dedent(SOURCE))
    result = api.check([tmp_path], select=["NONE"], use_cache=False)
    [site] = result.call_sites
    return result.estimates[site.id]


def estimates_of(source: str, config: Config | None = None) -> dict:
    result = api.check_source(textwrap.dedent(source), "llm.py", config=config)
    return {s.span.start_line: (s, result.estimates[s.id]) for s in result.call_sites}


def test_embedding_of_run_time_text_is_priced_per_text_from_the_input_prior(tmp_path):
    estimate = estimate_of(tmp_path)
    assert estimate.input_tokens == PRIOR.tokens and estimate.output_tokens == 0
    assert estimate.cost_per_call.value == PRIOR.tokens * 0.02 / 1e6     # text-embedding-3-small: $0.02 per 1M
    assert "input-size prior" in estimate.cost_per_call.prior and "default_input_tokens" in estimate.cost_per_call.prior
    [note] = [n for n in estimate.notes if n.startswith("input:")]
    assert f"{PRIOR.tokens:,} tokens expected per text" in note and PRIOR.source in note and PRIOR.date in note
    assert "a list of texts costs this for each text" in note   # priced per text, not times an invented count


def test_default_input_tokens_replaces_the_prior(tmp_path):
    estimate = estimate_of(tmp_path, "[tool.llmsight]\ndefault_input_tokens = 300\n")
    assert estimate.input_tokens == 300 and estimate.cost_per_call.value > 0
    assert not any("input-size prior" in n for n in (*estimate.notes, estimate.cost_per_call.prior))


def test_a_literal_prefix_does_not_shrink_the_run_time_text_to_its_prefix():
    [(_site, estimate)] = estimates_of("""
        from openai import OpenAI
        client = OpenAI(timeout=30)
        def embed_query(q):
            return client.embeddings.create(model="text-embedding-3-small", input=f"query: {q}")
        """).values()
    assert estimate.input_tokens == PRIOR.tokens


def test_literal_text_is_counted_not_the_prior():
    [(_site, estimate)] = estimates_of("""
        from openai import OpenAI
        client = OpenAI(timeout=30)
        def embed_greeting():
            return client.embeddings.create(model="text-embedding-3-small", input="hello world")
        """).values()
    assert 0 < estimate.input_tokens < 10 and estimate.cost_per_call.prior == "prompt tokens"


def test_a_model_set_is_priced_as_a_range_at_the_prior():
    [(_site, estimate)] = estimates_of("""
        from openai import OpenAI
        client = OpenAI(timeout=30)
        def embed(texts, large):
            model = "text-embedding-3-large" if large else "text-embedding-3-small"
            return client.embeddings.create(model=model, input=texts)
        """).values()
    assert estimate.range is not None and estimate.range.basis == "model-set"
    assert (estimate.range.low, estimate.range.high) == (PRIOR.tokens * 0.02 / 1e6, PRIOR.tokens * 0.13 / 1e6)


def test_a_row_billed_per_character_counts_the_prior_in_characters():
    prices = {"acme-embed-1": {"mode": "embedding", "input_cost_per_character": 1e-7, "litellm_provider": "openai"}}
    [(_site, estimate)] = estimates_of("""
        from openai import OpenAI
        client = OpenAI(timeout=30)
        def embed(texts):
            return client.embeddings.create(model="acme-embed-1", input=texts)
        """, Config(prices=prices)).values()
    assert abs(estimate.cost_per_call.value - 4 * PRIOR.tokens * 1e-7) < 1e-12
    [note] = [n for n in estimate.notes if n.startswith("input:")]    # said once, in characters
    assert note.startswith(f"input: {4 * PRIOR.tokens:,} characters") and "default_input_tokens" in note


def test_speech_of_run_time_text_has_no_prior_and_stays_unpriced():
    [(_site, estimate)] = estimates_of("""
        from openai import OpenAI
        def speak(text):
            return OpenAI().audio.speech.create(model="tts-1", voice="alloy", input=text)
        """).values()
    assert estimate.cost_per_call.value is None
    assert estimate.cost_per_call.prior.startswith("cost depends on input size")


def test_json_and_hover_say_the_figure_rests_on_the_prior():
    source = textwrap.dedent(SOURCE)
    result = api.check_source(source, "llm.py")
    [site] = result.call_sites
    estimate = result.estimates[site.id]
    row = json_.document(result)["estimates"][site.id]
    assert row["cost_per_call"]["value"] > 0 and "input-size prior" in row["cost_per_call"]["prior"]
    assert any(PRIOR.source in note for note in row["notes"])
    hover = hover_markdown(site, estimate)
    assert "input-size prior" in hover and "`default_input_tokens`" in hover
