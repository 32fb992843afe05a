"""`llm-lint price` on rows not billed (only) per token: a rerank row billed per search costs one search per
call, as a static estimate counts it, not $0; a row billed per image says so; an embedding row, whose token
prices are all it bills, carries no 'only its per-token prices' note."""
from __future__ import annotations

import pytest

from llmsight.knowledge.catalog import Catalog, Usage
from llmsight.knowledge.pricing import quote

USAGE = Usage(input_tokens=1000, output_tokens=200)


@pytest.mark.parametrize("model", ["cohere.rerank-v3-5:0", "rerank-english-v3.0"])
def test_a_rerank_row_billed_per_search_costs_one_search(model):
    (q,) = quote([model], USAGE)
    per_search = Catalog.load().lookup(model).raw["input_cost_per_query"]
    assert per_search > 0 and q.cost.total == pytest.approx(per_search)
    assert any("one search per call" in note for note in q.notes), q.notes


def test_a_row_billed_per_image_says_so():
    (q,) = quote(["stability.sd3-large-v1:0"], USAGE)
    assert q.cost.total == 0
    assert any("per image" in note for note in q.notes), q.notes
    assert not any("per second, per character or by commitment" in note for note in q.notes)


def test_an_embedding_row_has_no_partial_price_note():
    (q,) = quote(["text-embedding-3-small"], USAGE)
    assert q.cost.total > 0 and not any("only its per-token prices" in note for note in q.notes), q.notes


def test_an_image_row_that_also_bills_tokens_says_what_is_not_counted():
    (q,) = quote(["gemini-2.5-flash-image"], USAGE)
    assert q.cost.total > 0 and any("per image" in note for note in q.notes), q.notes
