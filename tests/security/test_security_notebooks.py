"""Hostile notebooks (issue 16's fuzz suite): whatever a committed `.ipynb` holds — broken or odd JSON,
cells as strings or lists, magics, shell escapes, indented or unparsable cells, huge outputs, another
kernel's metadata, keys — the scan returns, within a bound, without writing the file, and either
analyses the notebook or reports it as an LLM000 error: never a silent pass."""
from __future__ import annotations

import json
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from hostile import within
from llmsight import api
from security_keys import KEY_SAMPLES

CALL_LINES = [
    "from openai import OpenAI",
    "client = OpenAI()",
    'client.chat.completions.create(model="gpt-4o-mini", messages=[])',
    "    client.embeddings.create(model='text-embedding-3-small', input='x')",
    "%pip install openai \\",
    "    anthropic",
    "!pip install -q google-genai",
    "%%time",
    "%%bash",
    "def f(:",
    "x = '''unterminated",
    "\t\tmixed = 1",
    "\r",
    "é = 'ü' * 3",
    "\x1b[31mred\x1b[0m = 1",
    "\u202e = 1",
    "\x00",
    "import litellm; litellm.completion(model=MODEL, messages=[])",
]
KEYS = list(KEY_SAMPLES.values())

line = st.one_of(st.sampled_from(CALL_LINES), st.sampled_from(KEYS).map(lambda k: f"KEY = {k!r}"),
                 st.text(max_size=40))
cell_source = st.lists(line, max_size=8).flatmap(
    lambda lines: st.sampled_from([
        "\n".join(lines),                                    # source as one string
        [text + "\n" for text in lines],                     # source as nbformat's list of lines
    ]))
output = st.one_of(
    st.fixed_dictionaries({"output_type": st.just("stream"), "name": st.just("stdout"),
                           "text": st.text(max_size=200)}),
    st.fixed_dictionaries({"output_type": st.just("display_data"),
                           "data": st.fixed_dictionaries({"image/png": st.just("A" * 200_000)}),
                           "metadata": st.just({})}),
)
code_cell = st.fixed_dictionaries({
    "cell_type": st.just("code"), "source": cell_source, "metadata": st.just({}),
    "outputs": st.lists(output, max_size=3), "execution_count": st.one_of(st.none(), st.integers(0, 99)),
})
other_cell = st.fixed_dictionaries({"cell_type": st.sampled_from(["markdown", "raw", "unknown"]),
                                    "source": cell_source, "metadata": st.just({})})
odd_cell = st.one_of(st.none(), st.integers(), st.text(max_size=10), st.just({"cell_type": "code"}),
                     st.just({"cell_type": "code", "source": 7}), st.just({"cell_type": "code", "source": [1, None]}))
language = st.sampled_from(["python", "python3", "R", "julia", "", None])
notebook = st.fixed_dictionaries({
    "cells": st.lists(st.one_of(code_cell, code_cell, other_cell, odd_cell), max_size=6),
    "metadata": language.map(lambda lang: {} if lang is None else
                             {"kernelspec": {"language": lang, "name": str(lang)}, "language_info": {"name": lang}}),
    "nbformat": st.sampled_from([4, 3, 99]), "nbformat_minor": st.integers(0, 5),
})


BROKEN_FORMS = ("truncated", "not-an-object", "latin-1")


def serialised(doc: dict, form: str) -> bytes:
    """The notebook's bytes; a broken form still mentions an SDK, so the prefilter cannot skip it."""
    if form in BROKEN_FORMS:
        doc = {**doc, "cells": [{"cell_type": "code", "source": "from openai import OpenAI\nLATIN1 = 1\n",
                                 "metadata": {}, "outputs": [], "execution_count": None}] + doc["cells"]}
    text = json.dumps(doc, indent=1, ensure_ascii=form == "ascii")
    if form == "truncated":
        return text[:-3].encode("utf-8", "surrogatepass")      # cut inside the closing brackets
    if form == "not-an-object":
        return json.dumps(doc["cells"]).encode("utf-8", "surrogatepass")
    data = text.encode("utf-8", "surrogatepass")
    return data.replace(b"LATIN1", b"caf\xe9") if form == "latin-1" else data


@given(doc=notebook, form=st.sampled_from(["utf-8", "ascii", *BROKEN_FORMS]))
def test_any_notebook_is_analysed_or_reported_and_never_written(tmp_path_factory, doc, form):
    root: Path = tmp_path_factory.mktemp("nb")
    (root / "pyproject.toml").write_text("[project]\nname = 'hostile'\n")
    path = root / "hostile.ipynb"
    data = serialised(doc, form)
    path.write_bytes(data)
    with within(20):
        result = api.check([root], use_cache=False)
    assert path.read_bytes() == data, "a check must not write the notebook"
    reported = {e.path for e in result.errors} | {d.span.path for d in result.diagnostics if d.code == "LLM000"}
    if form in BROKEN_FORMS:
        assert "hostile.ipynb" in reported, f"an unreadable notebook ({form}) passed silently"
    shown = json.dumps([d.message for d in result.diagnostics] + [e.message for e in result.errors]
                       + [s.model.value for s in result.call_sites if s.model.value])
    assert not any(key in shown for key in KEYS), "a key from the notebook is shown"
