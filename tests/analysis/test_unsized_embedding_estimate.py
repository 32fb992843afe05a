"""An embedding's cost is all input: a request whose text is known only at run time is priced from
`default_input_tokens` as a dynamic chat prompt is, else unpriced with why, never $0/call."""
from __future__ import annotations

import textwrap

from llmsight import api

SOURCE = """
    from openai import OpenAI
    client = OpenAI(timeout=30)
    def embed(texts):
        return client.embeddings.create(model="text-embedding-3-small", input=texts)
    """


def estimate_of(tmp_path, config: str = ""):
    (tmp_path / "pyproject.toml").write_text("[project]\nname='x'\n" + config)
    (tmp_path / "llm.py").write_text(textwrap.dedent(SOURCE))
    result = api.check([tmp_path], select=["NONE"], use_cache=False)
    [site] = result.call_sites
    return result.estimates[site.id]


def test_embedding_of_run_time_text_is_unpriced_not_free(tmp_path):
    estimate = estimate_of(tmp_path)
    assert estimate.cost_per_call.value is None
    assert "default_input_tokens" in estimate.cost_per_call.prior


def test_embedding_of_run_time_text_is_priced_from_default_input_tokens(tmp_path):
    estimate = estimate_of(tmp_path, "[tool.llmsight]\ndefault_input_tokens = 1000\n")
    assert estimate.input_tokens == 1000 and estimate.cost_per_call.value > 0
