"""The model a notebook's call sends, as a careful reader of the notebook names it: cells run top to bottom,
IPython's own syntax (`%pip`, `!pip … \\`, `%env`, Colab form fields) read as IPython runs it, keys read
from `getpass`/Colab secrets beside the model, widgets' values, and a variable bound anew between two calls
of a helper (issue 12)."""
from __future__ import annotations

import json

import pytest

from llmsight import api


def notebook(*cells: str) -> str:
    return json.dumps({
        "cells": [{"cell_type": "code", "source": c, "metadata": {}, "outputs": [], "execution_count": None}
                  for c in cells],
        "metadata": {"kernelspec": {"language": "python", "name": "python3"}}, "nbformat": 4, "nbformat_minor": 5})


def models(tmp_path, *cells: str) -> list[tuple[int, list[str], bool]]:
    """(cell, model set, priced) of each site of a notebook made of `cells`."""
    (tmp_path / "pyproject.toml").write_text("[project]\nname='x'\n")
    (tmp_path / "n.ipynb").write_text(notebook(*cells), encoding="utf-8")
    result = api.check([tmp_path], select=["NONE"], use_cache=False)
    out = []
    for site in result.call_sites:
        estimate = result.estimates.get(site.id)
        priced = estimate is not None and estimate.cost_per_call is not None and estimate.cost_per_call.value is not None
        out.append((site.span.cell, [c.value for c in site.model.candidates], priced))
    return sorted(out)


CLIENT = "from openai import OpenAI\nclient = OpenAI()\n"


def ask(model: str) -> str:
    return f"client.chat.completions.create(model={model}, messages=[])\n"


@pytest.mark.parametrize("form", [
    'MODEL = "gpt-4o"  # @param ["gpt-4o", "gpt-4o-mini"] {allow-input: true}\n',
    'MODEL = "gpt-4o" #@param {type:"string"}\n',
])
def test_colab_form_field_is_its_default(tmp_path, form):
    assert models(tmp_path, CLIENT, form, ask("MODEL")) == [(2, ["gpt-4o"], True)]


def test_each_call_reads_the_value_bound_in_the_cells_before_it(tmp_path):
    assert models(tmp_path, CLIENT + 'MODEL = "gpt-4o-mini"\n', ask("MODEL"), 'MODEL = "gpt-4o"\n', ask("MODEL")) == [
        (1, ["gpt-4o-mini"], True), (3, ["gpt-4o"], True)]


def test_helper_of_an_earlier_cell_sends_what_later_cells_pass(tmp_path):
    helper = "def answer(q, model='gpt-4o-mini'):\n    return " + ask("model")
    assert models(tmp_path, CLIENT, helper, 'answer("hi")\n', 'answer("hi", model="gpt-4o")\n') == [
        (1, ["gpt-4o-mini", "gpt-4o"], True)]


@pytest.mark.parametrize("setting", ["%env CHAT_MODEL=gpt-4o-mini\n",
                                     'import os\nos.environ["CHAT_MODEL"] = "gpt-4o-mini"\n'])
def test_environment_variable_set_in_an_earlier_cell(tmp_path, setting):
    assert models(tmp_path, setting, "import os\n" + CLIENT, ask('os.getenv("CHAT_MODEL")')) == [
        (2, ["gpt-4o-mini"], True)]


@pytest.mark.parametrize("key", ['import getpass, os\nos.environ["OPENAI_API_KEY"] = getpass.getpass("key: ")\n',
                                 'from google.colab import userdata\nKEY = userdata.get("OPENAI_API_KEY")\n'])
def test_key_read_at_run_time_leaves_the_model_known(tmp_path, key):
    assert models(tmp_path, "%pip install -qU \\\n    openai \\\n    tiktoken\n", key, "!pip list\n" + CLIENT,
                  ask('"gpt-4o-mini"')) == [(3, ["gpt-4o-mini"], True)]


@pytest.mark.parametrize("ctor", [
    'from langchain.chat_models import AzureChatOpenAI\nllm = AzureChatOpenAI(deployment_name="gpt4", model_name="gpt-4")\n',
    'from langchain_openai import AzureChatOpenAI\nllm = AzureChatOpenAI(azure_deployment="chat-prod", model="gpt-4o")\n',
])
def test_azure_deployment_priced_as_the_model_named_beside_it(tmp_path, ctor):
    [(cell, found, priced)] = models(tmp_path, ctor, 'llm.invoke("hi")\n')
    assert cell == 1 and found[0] in ("gpt-4", "gpt-4o") and priced


def test_azure_deployment_alone_stays_unpriced(tmp_path):
    ctor = 'from langchain_openai import AzureChatOpenAI\nllm = AzureChatOpenAI(azure_deployment="chat-prod")\n'
    assert models(tmp_path, ctor, 'llm.invoke("hi")\n') == [(1, ["chat-prod"], False)]


@pytest.mark.parametrize("widget, default", [
    ('widgets.Dropdown(options=["gpt-4o-mini", "gpt-4o"], value="gpt-4o", description="Model")', "gpt-4o"),
    ('widgets.Dropdown(options=[("Small", "gpt-4o-mini"), ("Large", "gpt-4o")])', "gpt-4o-mini"),
    ('widgets.Text(value="gpt-4o-mini")', "gpt-4o-mini"),
])
def test_widget_value_is_the_value_it_shows_first(tmp_path, widget, default):
    cell = f"import ipywidgets as widgets\npicker = {widget}\ndisplay(picker)\n"
    assert models(tmp_path, cell, CLIENT + ask("picker.value")) == [(1, [default], True)]


def test_widget_value_read_by_a_helper_of_a_later_cell(tmp_path):
    cell = 'import ipywidgets as widgets\npicker = widgets.RadioButtons(options={"Small": "gpt-4o-mini", "Large": "gpt-4o"})\n'
    helper = CLIENT + "def answer(q):\n    return " + ask("picker.value")
    assert models(tmp_path, cell, helper, 'answer("hi")\n') == [(1, ["gpt-4o-mini"], True)]


def test_name_rebound_to_something_else_is_no_widget(tmp_path):
    cell = 'import ipywidgets as widgets\npicker = widgets.Dropdown(options=["gpt-4o"])\npicker = make_picker()\n'
    assert models(tmp_path, cell, CLIENT + ask("picker.value")) == [(1, [], False)]


def test_global_rebound_between_the_calls_of_a_helper(tmp_path):
    helper = CLIENT + "def answer(q):\n    return " + ask("MODEL")
    assert models(tmp_path, helper, 'MODEL = "gpt-4o-mini"\nanswer("hi")\n', 'MODEL = "gpt-4o"\nanswer("hi")\n') == [
        (0, ["gpt-4o-mini", "gpt-4o"], True)]



@pytest.mark.parametrize("abbreviation, default", [
    ('["gpt-4o-mini", "gpt-4o"]', "gpt-4o-mini"),
    ('"gpt-4o"', "gpt-4o"),
    ('{"Small": "gpt-4o-mini", "Large": "gpt-4o"}', "gpt-4o-mini"),
    ('widgets.Dropdown(options=["gpt-4o-mini", "gpt-4o"], value="gpt-4o")', "gpt-4o"),
])
def test_interact_calls_its_function_with_the_value_it_shows_first(tmp_path, abbreviation, default):
    cell = (f"import ipywidgets as widgets\n{CLIENT}\n@widgets.interact(model={abbreviation})\n"
            f"def run(model):\n    return {ask('model')}")
    assert models(tmp_path, cell) == [(0, [default], True)]
