"""The model rules (LLM005, LLM007, LLM008, LLM009, LLM011) on real projects: notebooks, models resolved
from another module, config maps, and `--fix` applied through the engine.

The VALID/INVALID examples of each rule run in `test_examples.py`; these tests cover what examples
cannot: several files, notebooks, injected dates and end-to-end fix application.
"""
from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from llmsight import api
from llmsight.records import Diagnostic


def write_project(tmp_path: Path, files: dict[str, str], config: str = "") -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "pyproject.toml").write_text(f"[project]\nname = 'app'\n\n[tool.llmsight]\n{config}\n",
                                             encoding="utf-8")
    for rel, text in files.items():
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text if rel.endswith(".ipynb") else textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return tmp_path


def check(tmp_path: Path, code: str, files: dict[str, str], config: str = "") -> list[Diagnostic]:
    root = write_project(tmp_path, files, config)
    result = api.check([root], select=[code], use_cache=False, with_estimates=False)
    assert not result.errors, result.errors
    return [d for d in result.diagnostics if d.code == code]


def notebook(*cells: str) -> str:
    """An .ipynb with a markdown cell first, so cell indices differ from code-cell counts."""
    nb_cells = [{"cell_type": "markdown", "metadata": {}, "source": ["# Notes\n"]}]
    for src in cells:
        lines = textwrap.dedent(src).lstrip("\n").splitlines(keepends=True)
        nb_cells.append({"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
                         "source": lines})
    return json.dumps({"cells": nb_cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, indent=1)


def cell_text(path: Path, index: int) -> str:
    return "".join(json.loads(path.read_text(encoding="utf-8"))["cells"][index]["source"])


OPENAI_CLIENT_CELL = "from openai import OpenAI\nclient = OpenAI()\n"
SETTINGS = "settings.py"


# ---- LLM005 context-overflow -------------------------------------------------------------------------

def test_llm005_in_a_notebook_reports_the_cell_and_fix_edits_it(tmp_path):
    files = {"analysis.ipynb": notebook(OPENAI_CLIENT_CELL, """
        %load_ext autoreload
        reply = client.chat.completions.create(model="gpt-4o", max_tokens=100000,
                                               messages=[{"role": "user", "content": "Hi"}])
    """)}
    [diag] = check(tmp_path, "LLM005", files)
    assert (diag.span.cell, diag.span.start_line) == (2, 2)
    assert "16,384" in diag.message
    outcome = api.apply_fixes([tmp_path], unsafe=True, select=["LLM005"], use_cache=False)
    assert outcome.applied == 1
    assert "max_tokens=16384," in cell_text(tmp_path / "analysis.ipynb", 2)
    assert check(tmp_path, "LLM005", {}) == []


def test_llm005_cap_from_another_module_is_display_only_and_names_it(tmp_path):
    files = {
        SETTINGS: """
            MODEL = "gpt-4o"
            MAX_TOKENS = 50000
        """,
        "app.py": """
            from openai import OpenAI
            from settings import MODEL, MAX_TOKENS
            OpenAI().chat.completions.create(model=MODEL, max_tokens=MAX_TOKENS, messages=[])
        """,
    }
    [diag] = check(tmp_path, "LLM005", files)
    assert diag.span.path == "app.py"
    [fix] = diag.fixes
    assert fix.applicability == "display-only" and not fix.edits
    assert "settings.py:2" in fix.title


def test_llm005_honours_the_model_map_and_default_output_tokens(tmp_path):
    prompt = "word " * 7900   # ~7,900 tokens: fits gpt-4's 8,192 window alone, not with 500 more
    app = f"""
        from openai import AzureOpenAI
        client = AzureOpenAI(azure_endpoint="https://acme.openai.azure.com", api_version="2024-06-01")
        client.chat.completions.create(model="legacy", messages=[{{"role": "user", "content": "{prompt}"}}])
    """
    [diag] = check(tmp_path / "a", "LLM005", {"app.py": app}, 'models = {legacy = "gpt-4"}')
    assert "legacy (gpt-4)" in diag.message and "default_output_tokens" in diag.message
    [switch] = diag.fixes
    assert switch.applicability == "display-only"
    assert check(tmp_path / "b", "LLM005", {"app.py": app},
                 'default_output_tokens = 100\nmodels = {legacy = "gpt-4"}') == []
    assert check(tmp_path / "c", "LLM005", {"app.py": app}, 'models = {legacy = "gpt-4o"}') == []


def test_llm005_suggests_a_same_provider_model_whose_window_fits(tmp_path):
    from llmsight.knowledge.catalog import Catalog

    big = '"""' + "word " * 210_000 + '"""'
    app = """
        import anthropic
        anthropic.Anthropic().messages.create(model="claude-sonnet-4-5", max_tokens=1000,
            system=BIG, messages=[])
    """.replace("BIG", big)
    [diag] = check(tmp_path, "LLM005", {"app.py": app})
    [switch] = [f for f in diag.fixes if f.title.startswith("Switch to")]
    suggested = switch.title.split("`")[1]
    info = Catalog.load().lookup(suggested)
    assert info.provider == "anthropic" and info.max_input_tokens >= 211_000


# ---- LLM009 unknown-model --------------------------------------------------------------------------

def test_llm009_in_a_notebook(tmp_path):
    files = {"nb.ipynb": notebook(OPENAI_CLIENT_CELL, """
        client.chat.completions.create(model="gpt-4-o", messages=[])
    """)}
    [diag] = check(tmp_path, "LLM009", files)
    assert diag.span.cell == 2 and "`gpt-4o`" in diag.message


def test_llm009_model_from_another_module_names_where_it_is_set(tmp_path):
    files = {
        "pkg/__init__.py": "",
        "pkg/settings.py": """
            import os
            CHAT_MODEL = os.getenv("CHAT_MODEL", "claude-sonet-4-5")
        """,
        "pkg/app.py": """
            import anthropic
            from pkg.settings import CHAT_MODEL
            anthropic.Anthropic().messages.create(model=CHAT_MODEL, max_tokens=100, messages=[])
        """,
    }
    [diag] = check(tmp_path, "LLM009", files)
    assert diag.span.path == "pkg/app.py"
    assert "pkg/settings.py:2" in diag.message and "`claude-sonnet-4-5`" in diag.message
    assert all(f.applicability == "display-only" and not f.edits for f in diag.fixes)


@pytest.mark.parametrize("source", [
    """
    from langchain_ollama import ChatOllama
    ChatOllama(model="my-llama").invoke("hi")
    """,
    """
    from openai import OpenAI
    OpenAI(base_url="http://vllm:8000/v1").chat.completions.create(model="served-model", messages=[])
    """,
    """
    import litellm
    litellm.completion(model="ollama/my-llama", messages=[])
    """,
    """
    import litellm
    litellm.completion(model="my-finetune", api_base="http://10.0.0.5:8000/v1", messages=[])
    """,
], ids=["langchain-ollama", "openai-compatible-vllm", "litellm-ollama-prefix", "litellm-api-base"])
def test_llm009_is_silent_for_self_hosted_models(tmp_path, source):
    assert check(tmp_path, "LLM009", {"app.py": source}) == []


def test_llm009_knows_models_through_the_sdk_provider_prefix(tmp_path):
    # groq's `openai/gpt-oss-120b` is the catalog's `groq/openai/gpt-oss-120b`
    source = """
        from groq import Groq
        Groq().chat.completions.create(model="openai/gpt-oss-120b", messages=[])
    """
    assert check(tmp_path, "LLM009", {"app.py": source}) == []


# ---- LLM007 floating-alias ---------------------------------------------------------------------------

def test_llm007_notebook_constant_in_an_earlier_cell_is_pinned_there(tmp_path):
    from llmsight.knowledge.models import snapshot_for

    files = {"nb.ipynb": notebook(OPENAI_CLIENT_CELL + 'MODEL = "gpt-5.4"\n', """
        client.chat.completions.create(model=MODEL, messages=[])
    """)}
    [diag] = check(tmp_path, "LLM007", files)
    assert diag.span.cell == 2
    assert "nb.ipynb cell 2 line 3" in diag.message   # cell index 1 (after the markdown cell), counted from 1
    [fix] = diag.fixes
    assert fix.applicability == "unsafe" and {e.span.cell for e in fix.edits} == {1}
    api.apply_fixes([tmp_path], unsafe=True, select=["LLM007"], use_cache=False)
    assert f'MODEL = "{snapshot_for("gpt-5.4")}"' in cell_text(tmp_path / "nb.ipynb", 1)
    assert check(tmp_path, "LLM007", {}) == []


def test_llm007_alias_from_another_module_is_display_only(tmp_path):
    files = {
        SETTINGS: 'MODEL = "gpt-5.4"\n',
        "app.py": """
            from openai import OpenAI
            from settings import MODEL
            OpenAI().chat.completions.create(model=MODEL, messages=[])
        """,
    }
    [diag] = check(tmp_path, "LLM007", files)
    assert diag.span.path == "app.py" and "settings.py:1" in diag.message
    [fix] = diag.fixes
    assert fix.applicability == "display-only" and not fix.edits and "settings.py:1" in fix.title


def test_llm007_skips_azure_deployments(tmp_path):
    source = """
        from openai import AzureOpenAI
        client = AzureOpenAI(azure_endpoint="https://acme.openai.azure.com", api_version="2024-06-01")
        client.chat.completions.create(model="gpt-4o", messages=[])
    """
    assert check(tmp_path, "LLM007", {"app.py": source}) == []


# ---- LLM008 deprecated-model -------------------------------------------------------------------------

@pytest.fixture
def deprecated():
    """A model with a deprecation date and successor in the lifecycle data: (model, date, successor
    as of the day after that date). Dates are injected, so the real date never matters."""
    import datetime

    from llmsight.analysis.rules.llm008_deprecated_model import _as_date
    from llmsight.knowledge.models import deprecation

    for model in ("gpt-3.5-turbo-0301", "gpt-4-0314", "claude-2.0", "claude-3-sonnet-20240229"):
        dep = deprecation(model)
        if dep is not None and dep.date is not None:
            date = _as_date(dep.date)
            later = deprecation(model, today=date + datetime.timedelta(days=1))
            if later.successor:
                return model, date, later.successor
    pytest.fail("no deprecated model with a successor in the lifecycle data")


def set_today(monkeypatch, day):
    from llmsight.analysis.rules import model_helpers

    monkeypatch.setattr(model_helpers, "today", lambda: day)


def _openai_call(model: str) -> str:
    return f"""
        from openai import OpenAI
        OpenAI().chat.completions.create(model="{model}", messages=[])
    """


def test_llm008_error_after_the_date_warning_inside_the_window(tmp_path, monkeypatch, deprecated):
    import datetime

    model, date, successor = deprecated
    files = {"app.py": _openai_call(model)}
    set_today(monkeypatch, date + datetime.timedelta(days=1))
    [diag] = check(tmp_path / "after", "LLM008", files)
    assert diag.severity == "error" and date.isoformat() in diag.message and f"`{successor}`" in diag.message
    set_today(monkeypatch, date - datetime.timedelta(days=10))
    [diag] = check(tmp_path / "window", "LLM008", files)
    assert diag.severity == "warning" and "in 10 days" in diag.message
    assert check(tmp_path / "narrow", "LLM008", files, "deprecation_window_days = 5") == []
    set_today(monkeypatch, date - datetime.timedelta(days=91))
    assert check(tmp_path / "before", "LLM008", files) == []


def test_llm008_in_a_notebook_fix_edits_the_cell(tmp_path, monkeypatch, deprecated):
    import datetime

    model, date, successor = deprecated
    set_today(monkeypatch, date + datetime.timedelta(days=1))
    files = {"nb.ipynb": notebook(OPENAI_CLIENT_CELL, f"""
        client.chat.completions.create(model='{model}', messages=[])
    """)}
    [diag] = check(tmp_path, "LLM008", files)
    assert diag.span.cell == 2
    api.apply_fixes([tmp_path], unsafe=True, select=["LLM008"], use_cache=False)
    assert f"model='{successor}'" in cell_text(tmp_path / "nb.ipynb", 2)


def test_llm008_model_from_another_module_names_it(tmp_path, monkeypatch, deprecated):
    import datetime

    model, date, successor = deprecated
    set_today(monkeypatch, date + datetime.timedelta(days=1))
    files = {
        SETTINGS: f'import os\nMODEL = os.getenv("MODEL", "openai/{model}")\n',
        "app.py": """
            import litellm
            from settings import MODEL
            litellm.completion(model=MODEL, messages=[])
        """,
    }
    [diag] = check(tmp_path, "LLM008", files)
    assert "settings.py:2" in diag.message
    [fix] = diag.fixes
    assert fix.applicability == "display-only" and f"openai/{successor}" in fix.title


# ---- LLM011 cacheable-prefix -------------------------------------------------------------------------

BIG_SYSTEM = 'SYSTEM = """' + "Follow the support policy. " * 400 + '"""\n'
ANTHROPIC_CALL = """
    def ask(question):
        return anthropic.Anthropic().messages.create(model="claude-sonnet-4-5", max_tokens=400, system=SYSTEM,
                                                     messages=[{"role": "user", "content": question}])
"""


def test_llm011_notebook_fix_marks_the_system_prompt(tmp_path):
    files = {"nb.ipynb": notebook("import anthropic\n" + BIG_SYSTEM, ANTHROPIC_CALL)}
    [diag] = check(tmp_path, "LLM011", files)
    assert diag.span.cell == 2
    outcome = api.apply_fixes([tmp_path], unsafe=True, select=["LLM011"], use_cache=False)
    assert outcome.applied == 1
    assert '"cache_control": {"type": "ephemeral"}' in cell_text(tmp_path / "nb.ipynb", 2)
    assert check(tmp_path, "LLM011", {}) == []


def test_llm011_prompt_from_another_module_is_display_only(tmp_path):
    files = {"prompts.py": BIG_SYSTEM,
             "app.py": "import anthropic\nfrom prompts import SYSTEM\n" + textwrap.dedent(ANTHROPIC_CALL)}
    [diag] = check(tmp_path, "LLM011", files)
    assert diag.span.path == "app.py"
    [fix] = diag.fixes
    assert fix.applicability == "display-only" and not fix.edits


def test_llm011_below_the_cache_minimum_is_silent(tmp_path):
    small = 'SYSTEM = """' + "Follow the support policy. " * 20 + '"""\n'
    files = {"app.py": "import anthropic\n" + small + textwrap.dedent(ANTHROPIC_CALL)}
    assert check(tmp_path, "LLM011", files) == []


def test_llm008_skips_a_successor_that_is_itself_retiring(tmp_path, monkeypatch, deprecated):
    import datetime

    from llmsight.analysis.rules.llm008_deprecated_model import _as_date
    from llmsight.knowledge.models import deprecation

    model, _, successor = deprecated
    retiring = deprecation(successor)
    if retiring is None or retiring.date is None or not retiring.successor:
        pytest.skip(f"{successor} has no deprecation date and successor in the lifecycle data")
    day = _as_date(retiring.date) - datetime.timedelta(days=10)
    set_today(monkeypatch, day)
    [diag] = check(tmp_path, "LLM008", {"app.py": _openai_call(model)})
    assert f"move to `{successor}`" not in diag.message
    assert f"move to `{deprecation(successor, today=day).successor}`" in diag.message


AZURE_CLIENT = """
    from openai import AzureOpenAI
    client = AzureOpenAI(azure_endpoint="https://acme.openai.azure.com", api_version="2024-06-01")
"""


def test_llm008_on_azure_uses_azure_dates_and_asks_to_deploy_the_successor(tmp_path, monkeypatch):
    import datetime

    from llmsight.analysis.rules.llm008_deprecated_model import _as_date
    from llmsight.knowledge.models import deprecation

    azure = deprecation("azure/gpt-4o")
    if azure is None or azure.date is None or not azure.successor:
        pytest.skip("no Azure retirement date with a successor for gpt-4o in the lifecycle data")
    day = _as_date(azure.date) + datetime.timedelta(days=1)
    set_today(monkeypatch, day)
    files = {"app.py": AZURE_CLIENT + '    client.chat.completions.create(model="gpt-4o", messages=[])\n'}
    [diag] = check(tmp_path, "LLM008", files)
    assert azure.date.isoformat() in diag.message
    [fix] = diag.fixes
    assert fix.applicability == "display-only" and fix.title.startswith("Deploy `")
    assert "azure/" not in fix.title


def test_llm009_reports_a_mapping_to_an_unknown_model(tmp_path):
    files = {"app.py": AZURE_CLIENT + '    client.chat.completions.create(model="prod-chat", messages=[])\n'}
    [diag] = check(tmp_path, "LLM009", files, 'models = {prod-chat = "gpt-4-o"}')
    assert "mapped to `gpt-4-o`" in diag.message and "`gpt-4o`" in diag.message


def test_llm011_responses_instructions_are_the_prefix(tmp_path):
    source = """
        from openai import OpenAI
        INSTRUCTIONS = "Follow the policy. " * 400
        def ask(question):
            return OpenAI().responses.create(model="gpt-4o", instructions=INSTRUCTIONS, input=question)
    """
    assert check(tmp_path, "LLM011", {"app.py": source}) == []


def test_llm009_leaves_retired_models_to_llm008(tmp_path):
    source = """
        from openai import OpenAI
        OpenAI().chat.completions.create(model="gpt-3.5-turbo-0613", messages=[])
    """
    root = write_project(tmp_path, {"app.py": source})
    result = api.check([root], select=["LLM008", "LLM009"], use_cache=False, with_estimates=False)
    assert [d.code for d in result.diagnostics] == ["LLM008"]


def test_llm008_knows_bedrock_ids_by_their_provider_model(tmp_path, monkeypatch):
    import datetime

    from llmsight.analysis.rules.llm008_deprecated_model import _as_date
    from llmsight.knowledge.models import deprecation

    dep = deprecation("claude-3-5-sonnet-20240620")
    if dep is None or dep.date is None:
        pytest.skip("claude-3-5-sonnet-20240620 has no retirement date in the lifecycle data")
    set_today(monkeypatch, _as_date(dep.date) + datetime.timedelta(days=1))
    source = """
        import boto3
        boto3.client("bedrock-runtime").converse(modelId="anthropic.claude-3-5-sonnet-20240620-v1:0", messages=[])
    """
    [diag] = check(tmp_path, "LLM008", {"app.py": source})
    assert dep.date.isoformat() in diag.message
    assert all(f.applicability == "display-only" and not f.edits for f in diag.fixes)  # ids differ on Bedrock


def test_llm009_leaves_other_providers_openai_style_clients_alone(tmp_path):
    source = """
        from zhipuai import ZhipuAI
        ZhipuAI(api_key="x").chat.completions.create(model="glm-4", messages=[])
    """
    assert check(tmp_path, "LLM009", {"app.py": source}) == []


def test_llm007_pins_a_settings_class_default_in_this_file(tmp_path):
    from llmsight.knowledge.models import snapshot_for

    source = """
        from pydantic_settings import BaseSettings
        from openai import OpenAI

        class Settings(BaseSettings):
            chat_model: str = "gpt-5.4"

        settings = Settings()

        def ask(q):
            return OpenAI().chat.completions.create(model=settings.chat_model, messages=[])
    """
    [diag] = check(tmp_path, "LLM007", {"app.py": source})
    [fix] = diag.fixes
    assert fix.applicability == "unsafe"
    api.apply_fixes([tmp_path], unsafe=True, select=["LLM007"], use_cache=False)
    assert f'chat_model: str = "{snapshot_for("gpt-5.4")}"' in (tmp_path / "app.py").read_text(encoding="utf-8")


def test_llm009_same_name_on_a_provider_endpoint_is_reported(tmp_path):
    # the counterpart of the self-hosted cases: without a local endpoint the name must be known
    source = """
        import litellm
        litellm.completion(model="my-finetune", messages=[])
    """
    [diag] = check(tmp_path, "LLM009", {"app.py": source})
    assert "`my-finetune`" in diag.message and "[tool.llmsight.models]" in diag.message
