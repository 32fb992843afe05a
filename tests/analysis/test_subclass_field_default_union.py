"""A base-class request method sends `self.id`, and subclasses, in other modules, keep the method and
only change the field's default (`id: str = "…"`, `id: str = Field(default=CONSTANT)`, a plain class
attribute): the site's model set is the base's default first, then each such subclass's. A subclass
that overrides the method makes its own request; a subclass whose default is a placeholder the user must
replace (`""`, `"not-provided"`, `"your-model-here"`) adds nothing the code can really send."""
from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from llmsight import api

BASE = """
from dataclasses import dataclass
from typing import Any, Dict, Optional

from openai import OpenAI


@dataclass
class TextEmbedder:
    id: str = "text-embedding-3-small"
    api_key: Optional[str] = None
    base_url: Optional[str] = None
    request_params: Optional[Dict[str, Any]] = None
    cached: Optional[OpenAI] = None

    @property
    def client(self) -> OpenAI:
        if self.cached is None:
            self.cached = OpenAI(api_key=self.api_key, base_url=self.base_url)
        return self.cached

    def response(self, text: str):
        params: Dict[str, Any] = {"input": text, "model": self.id, "encoding_format": "float"}
        if self.request_params:
            params.update(self.request_params)
        return self.client.embeddings.create(**params)

    def embed(self, text: str):
        return self.client.embeddings.create(input=text, model=self.id).data[0].embedding
"""
HOSTED = """
from dataclasses import dataclass, field

from emb.base import TextEmbedder


@dataclass
class LargeEmbedder(TextEmbedder):
    id: str = "text-embedding-3-large"
    base_url: str = "https://gateway.invalid/v1"


@dataclass
class LegacyEmbedder(TextEmbedder):
    id: str = field(default="text-embedding-ada-002")
"""
# imports the base under another name
ALIASED = """
from dataclasses import dataclass

from emb.base import TextEmbedder as CompatibleBase


@dataclass
class NomicEmbedder(CompatibleBase):
    id: str = "nomic-embed-text"
"""
PLACEHOLDERS = """
from dataclasses import dataclass

from emb.base import TextEmbedder


@dataclass
class AnyCompatibleEmbedder(TextEmbedder):
    id: str = "not-provided"
    api_key: str = "not-provided"


@dataclass
class BlankEmbedder(TextEmbedder):
    id: str = ""


@dataclass
class TemplateEmbedder(TextEmbedder):
    id: str = "your-model-here"
"""
# overrides `embed`: its model reaches its own request and the base's `response` only
OWN = """
from dataclasses import dataclass

from emb.base import TextEmbedder


@dataclass
class OwnEmbedder(TextEmbedder):
    id: str = "text-embedding-3-small-v2"

    def embed(self, text: str):
        return self.client.embeddings.create(input=[text], model=self.id).data[0].embedding
"""
CONSTANTS = """
DEFAULT_EMBED = "embed-english-v3.0"
MULTILINGUAL_EMBED = "embed-multilingual-v3.0"
"""
PYDANTIC_BASE = """
from typing import Optional

import cohere
from pydantic import BaseModel, Field

from emb.constants import DEFAULT_EMBED


class CohereEmbedder(BaseModel):
    id: str = Field(default=DEFAULT_EMBED)
    api_key: Optional[str] = None

    def embed(self, text: str):
        client = cohere.ClientV2(api_key=self.api_key)
        return client.embed(texts=[text], model=self.id, input_type="search_query", embedding_types=["float"])
"""
PYDANTIC_SUB = """
from pydantic import Field

from emb import constants
from emb.cohere_base import CohereEmbedder


class MultilingualEmbedder(CohereEmbedder):
    id: str = Field(default=constants.MULTILINGUAL_EMBED)


class LightEmbedder(MultilingualEmbedder):
    id = "embed-english-light-v3.0"
"""

BASE_SET = ["text-embedding-3-large", "text-embedding-3-small", "text-embedding-ada-002"]


@pytest.fixture(scope="module")
def sites(tmp_path_factory) -> dict[str, tuple[str | None, list[str]]]:
    root: Path = tmp_path_factory.mktemp("field_union")
    (root / "pyproject.toml").write_text("[project]\nname='x'\n")
    (root / "emb").mkdir()
    files = {"__init__.py": "", "base.py": BASE, "hosted.py": HOSTED, "aliased.py": ALIASED,
             "placeholders.py": PLACEHOLDERS, "own.py": OWN, "constants.py": CONSTANTS,
             "cohere_base.py": PYDANTIC_BASE, "cohere_sub.py": PYDANTIC_SUB}
    for rel, text in files.items():
        (root / "emb" / rel).write_text(textwrap.dedent(text), encoding="utf-8")
    result = api.check([root], select=["NONE"], use_cache=False)
    return {s.function: (s.model.value, sorted(c.value for c in s.model.candidates)) for s in result.call_sites}


def test_the_base_default_comes_first_and_field_defaults_of_subclasses_join_it(sites):
    value, models = sites["TextEmbedder.embed"]
    assert value == "text-embedding-3-small"
    assert set(BASE_SET) <= set(models)


def test_a_subclass_overriding_the_method_is_not_part_of_its_set(sites):
    assert "text-embedding-3-small-v2" not in sites["TextEmbedder.embed"][1]
    assert sites["OwnEmbedder.embed"] == ("text-embedding-3-small-v2", ["text-embedding-3-small-v2"])


def test_a_request_dict_built_in_the_base_method_carries_every_runner_default(sites):
    # OwnEmbedder keeps `response`, so its default is sent there
    assert set(BASE_SET + ["text-embedding-3-small-v2"]) <= set(sites["TextEmbedder.response"][1])


def test_pydantic_field_defaults_through_module_constants_across_subclass_levels(sites):
    assert sites["CohereEmbedder.embed"] == (
        "embed-english-v3.0", ["embed-english-light-v3.0", "embed-english-v3.0", "embed-multilingual-v3.0"])


def test_a_subclass_of_the_base_imported_under_another_name_joins_the_set(sites):
    assert "nomic-embed-text" in sites["TextEmbedder.embed"][1]


def test_placeholder_defaults_of_subclasses_are_left_out(sites):
    for function in ("TextEmbedder.embed", "TextEmbedder.response"):
        assert not {"not-provided", "", "your-model-here"} & set(sites[function][1])
