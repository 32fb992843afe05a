"""String operations on a model the code resolves are evaluated on each model it can be (issue 12,
item 1): splits, prefixes, case folds, `str.format` and `%` formatting; a field llmsight does not read
(a format spec, a mapping) leaves the model unknown. Made-up projects."""
from __future__ import annotations

import textwrap

import pytest

from llmsight import api

SOURCE = """
    from enum import Enum
    from openai import OpenAI
    class ModelType(str, Enum):
        MINI = "openai/GPT-4o-mini"
        LARGE = "openai/gpt-4.1"
    class Chat:
        def __init__(self, model_type: ModelType = ModelType.MINI):
            self.model_type = model_type
            self.client = OpenAI(base_url="http://localhost:4000")   # a gateway: prefixed models reach it
        def ask(self, q):
            return self.client.chat.completions.create(model=EXPR, messages=[q])
    def large():
        return Chat(ModelType.LARGE)
    """


def models(tmp_path, expr: str) -> list[str]:
    (tmp_path / "pyproject.toml").write_text("[project]\nname='x'\n")
    (tmp_path / "chat.py").write_text(textwrap.dedent(SOURCE).replace("EXPR", expr))
    [site] = api.check([tmp_path], select=["NONE"], use_cache=False, with_estimates=False).call_sites
    return [c.value for c in site.model.candidates]


@pytest.mark.parametrize("expr, expected", [
    ('self.model_type.value.split("/")[-1].lower()', ["gpt-4o-mini", "gpt-4.1"]),
    ('f"{self.model_type.value.removeprefix(\'openai/\').lower()}"', ["gpt-4o-mini", "gpt-4.1"]),
    ('self.model_type.value.removeprefix("openai/").casefold()', ["gpt-4o-mini", "gpt-4.1"]),
    ('self.model_type.value.rpartition("/")[2].lower()', ["gpt-4o-mini", "gpt-4.1"]),
    ('"azure/{}".format(self.model_type.value.split("/")[1].lower())', ["azure/gpt-4o-mini", "azure/gpt-4.1"]),
    ('"azure/%s" % self.model_type.value.split("/")[1].lower()', ["azure/gpt-4o-mini", "azure/gpt-4.1"]),
    ('"azure/{:>12}".format(self.model_type.value)', []),   # a format spec: not read
    ('"azure/%(m)s" % {"m": self.model_type.value}', []),   # a mapping: not read
    ('"azure/{²}".format(self.model_type.value)', []),   # not an index: a key no keyword gives
    ('"azure/{%s}".format(self.model_type.value)' % ("9" * 5000), []),   # an index past int()'s digits
])
def test_string_operations_on_each_model(tmp_path, expr, expected):
    assert models(tmp_path, expr) == expected
