"""A Replicate model pinned to a version (`owner/name:<64-hex id>`) is priced from the model's `replicate/` row:
the version fixes a build, the price is the model's. The catalog resolves it, so `llm-lint price` and every
site agree; other colon names (Bedrock's `-v1:0`, Ollama's `llama3:8b`) are untouched."""
from __future__ import annotations

import pytest

from llmsight.knowledge.catalog import Catalog
from llmsight.knowledge.pricing import quote
from llmsight.knowledge.catalog import Usage

VERSION = "02e509c789964a7ea8736978a43525956ef40397be9033abf9fd2badfe68c9e3"


def test_a_pinned_replicate_version_prices_as_its_model():
    info = Catalog.load().lookup(f"replicate/meta/llama-2-70b-chat:{VERSION}")
    assert info is not None and info.name == "replicate/meta/llama-2-70b-chat"
    (q,) = quote([f"replicate/meta/llama-2-70b-chat:{VERSION}"], Usage(1000, 100))
    assert q.found and q.cost.total > 0


@pytest.mark.parametrize("name", [f"meta/llama-2-70b-chat:{VERSION}", f"replicate/meta/no-such-model:{VERSION}",
                                  "replicate/meta/llama-2-70b-chat:latest"])
def test_other_names_with_a_colon_are_not_stripped(name):
    assert Catalog.load().lookup(name) is None
