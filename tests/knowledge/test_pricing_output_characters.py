"""A row billed per character counts returned text one way for `llm-lint price` and a site's estimate:
the expected output tokens in characters where the row bills output text (PaLM), none where it returns
audio (speech)."""
from __future__ import annotations

import pytest

from llmsight import api
from llmsight.knowledge.catalog import Catalog, Usage, as_characters, character_cost
from llmsight.knowledge.pricing import output_characters, quote


@pytest.mark.parametrize("model, bills_output", [("text-bison@001", True), ("tts-1", False)])
def test_a_quote_and_an_estimate_count_output_characters_alike(model, bills_output):
    info = Catalog.load().lookup(model)
    assert output_characters(info, 215) == (as_characters(215) if bills_output else 0)
    [q] = quote([model], Usage(input_tokens=100, output_tokens=215))
    assert q.cost.total == pytest.approx(character_cost(info.raw, as_characters(100), output_characters(info, 215)).total)
    result = api.check_source(f'import litellm\ndef f():\n    return litellm.completion(model="{model}", '
                              'messages=[{"role": "user", "content": "hello there"}])\n', "app.py")
    [site] = result.call_sites
    estimate = result.estimates[site.id]
    assert estimate.cost_per_call.value and "per-character price" in estimate.cost_per_call.prior
    said = [n for n in estimate.notes if n.startswith("output: ") and "characters" in n]
    assert said == ([f"output: {output_characters(info, estimate.output_tokens):,} characters "
                     f"({estimate.output_tokens:,} expected tokens at 4 characters per token)"] if bills_output else [])
