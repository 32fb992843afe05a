"""The "Set model for this site" edit (`api.set_model_fix`): where the pragma or config entry goes, and
that discovery reads back exactly the models written."""
from __future__ import annotations

import json

import pytest

from llmsight import api

CODE = '''import os
from openai import OpenAI
client = OpenAI()
M = os.environ["MODEL"]
def plain(p):
    return client.chat.completions.create(model=M, messages=p)
def commented(p):
    return client.chat.completions.create(model=M, messages=p)  # llmsight: ignore[LLM001], model=old
def in_string(p):
    return client.chat.completions.create(model=M, messages=[{"role": "user", "content": """a
b"""}])
'''


def _write(tmp_path, pyproject="[project]\nname = 'x'\n"):
    (tmp_path / "pyproject.toml").write_text(pyproject, encoding="utf-8")
    (tmp_path / "app.py").write_text(CODE, encoding="utf-8")
    return {s.function: s for s in api.check([tmp_path / "app.py"], use_cache=False).call_sites}


def _apply(fix, root):
    for path, (_old, new) in api.fix_texts(fix, root).items():
        (root / path).write_text(new, encoding="utf-8")


def _models(root, function):
    site = next(s for s in api.check([root / "app.py"], use_cache=False).call_sites if s.function == function)
    return (site.model.value, *(c.value for c in site.model.candidates[1:]))


def test_pragma_is_added_or_rewritten_and_read_back(tmp_path):
    sites = _write(tmp_path)
    _apply(api.set_model_fix(sites["plain"], "gpt-4o|gpt-4o-mini", root=tmp_path), tmp_path)
    _apply(api.set_model_fix(sites["commented"], ["gpt-4o-mini"], root=tmp_path), tmp_path)
    lines = (tmp_path / "app.py").read_text(encoding="utf-8").splitlines()
    assert lines[5].endswith("messages=p)  # llmsight: model=gpt-4o|gpt-4o-mini")
    assert lines[7].endswith("# llmsight: ignore[LLM001], model=gpt-4o-mini")
    assert _models(tmp_path, "plain") == ("gpt-4o", "gpt-4o-mini")
    assert _models(tmp_path, "commented") == ("gpt-4o-mini",)


def test_a_line_ending_in_a_string_takes_the_config_entry_instead(tmp_path):
    sites = _write(tmp_path, "[project]\nname = 'x'\n\n[tool.llmsight.models]\n\"other.py::f#1\" = \"o1\"\n\n[tool.other]\nx = 1\n")
    with pytest.raises(api.ConfigError, match="inside a string.*tool.llmsight.models"):
        api.set_model_fix(sites["in_string"], "gpt-4o", root=tmp_path)
    for model in ("gpt-4o", "gpt-4o-mini"):   # the second call replaces the first entry
        _apply(api.set_model_fix(sites["in_string"], model, where="config", root=tmp_path), tmp_path)
    text = (tmp_path / "pyproject.toml").read_text(encoding="utf-8")
    assert text.count("app.py::in_string#1") == 1 and '"other.py::f#1" = "o1"' in text
    assert _models(tmp_path, "in_string") == ("gpt-4o-mini",)


@pytest.mark.parametrize("models", ["", "a b", "x,y", "a#b", 'q"', "a||b", ["ok", 3], ["m"] * 21, "x" * 201])
def test_names_a_pragma_cannot_hold_are_refused(tmp_path, models):
    sites = _write(tmp_path)
    with pytest.raises(api.ConfigError, match="model names separated by"):
        api.set_model_fix(sites["plain"], models, root=tmp_path)


def test_notebook_cell_gets_the_pragma(tmp_path):
    nb = {"cells": [{"cell_type": "markdown", "metadata": {}, "source": ["# t"]},
                    {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
                     "source": ["from openai import OpenAI\n", "import os\n",
                                "OpenAI().chat.completions.create(model=os.environ['M'], messages=[])"]}],
          "metadata": {"kernelspec": {"name": "python3", "language": "python"}}, "nbformat": 4, "nbformat_minor": 5}
    (tmp_path / "nb.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    site = api.check([tmp_path / "nb.ipynb"], use_cache=False).call_sites[0]
    _apply(api.set_model_fix(site, "gpt-4o", root=tmp_path), tmp_path)
    cell = json.loads((tmp_path / "nb.ipynb").read_text(encoding="utf-8"))["cells"][1]["source"]
    assert "".join(cell).endswith("messages=[])  # llmsight: model=gpt-4o")
    assert api.check([tmp_path / "nb.ipynb"], use_cache=False).call_sites[0].model.value == "gpt-4o"


def test_a_key_typed_as_a_model_is_never_written(tmp_path):
    sites = _write(tmp_path)
    key = "sk-proj-" + "Ab3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1eF3hJ5kL7n"
    with pytest.raises(api.ConfigError, match="looks like an API key") as err:
        api.set_model_fix(sites["plain"], f"gpt-4o|{key}", root=tmp_path)
    assert key not in str(err.value)
    with pytest.raises(api.ConfigError, match="model names separated by") as err:
        api.set_model_fix(sites["plain"], f"gpt-4o, {key}", root=tmp_path)
    assert key not in str(err.value)
