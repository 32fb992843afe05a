"""Model resolution that follows real code (issue 12 item 1): the model set of each site, the hops that
lead to its default, the project's own config files, pragmas and mappings, and the cost range."""
from __future__ import annotations

import json
import os
import textwrap
from pathlib import Path

import pytest

from llmsight import api
from llmsight.formats import json_

SCHEMA = Path(__file__).resolve().parents[2] / "llmsight" / "schema" / "check.v1.json"


def scan(tmp_path: Path, files: dict[str, str], pyproject: str = "[project]\nname='x'\n", **kwargs):
    (tmp_path / "pyproject.toml").write_text(pyproject)
    for rel, text in files.items():
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(textwrap.dedent(text), encoding="utf-8")
    return api.check([tmp_path], select=["NONE"], use_cache=False, **kwargs)


def site_at(result, path: str, line: int | None = None):
    sites = [s for s in result.call_sites if s.span.path == path and (line is None or s.span.start_line == line)]
    assert len(sites) == 1, [(s.span.path, s.span.start_line) for s in result.call_sites]
    return sites[0]


def model_set(site) -> list[str]:
    return [c.value for c in site.model.candidates]


def test_self_attr_from_init_parameter_default(tmp_path):
    result = scan(tmp_path, {"app.py": """
        from openai import OpenAI
        class Chat:
            def __init__(self, model: str = "gpt-4o-mini"):
                self.model = model
                self.client = OpenAI()
            def ask(self, q):
                return self.client.chat.completions.create(model=self.model, messages=[])
        """})
    site = site_at(result, "app.py")
    assert site.model.value == "gpt-4o-mini"
    assert model_set(site) == ["gpt-4o-mini"]
    assert [h.at for h in site.model.chain] == ["app.py:8", "app.py:5", "app.py:4"]


def test_or_default_and_if_none_rebinding_give_the_default(tmp_path):
    result = scan(tmp_path, {"app.py": """
        import os
        from anthropic import Anthropic
        DEFAULT_MODEL = "claude-3-5-haiku-latest"
        class Bot:
            def __init__(self, model=None):
                model = model or os.getenv("BOT_MODEL")
                if model is None:
                    model = DEFAULT_MODEL
                self.model = model
            def run(self):
                return Anthropic().messages.create(model=self.model, max_tokens=10, messages=[])
        """})
    site = site_at(result, "app.py")
    assert site.model.value == "claude-3-5-haiku-latest"
    assert model_set(site) == ["claude-3-5-haiku-latest"]
    assert site.model.candidates[0].origin == "app.py:4"


@pytest.mark.parametrize("expr", [
    'getattr(cfg, "model", "gpt-4o")',
    'cfg.get("model", "gpt-4o")',
    'os.getenv("CHAT_MODEL", "gpt-4o")',
    'os.environ.get("CHAT_MODEL", "gpt-4o")',
])
def test_defaults_of_runtime_lookups(tmp_path, expr):
    result = scan(tmp_path, {"app.py": f"""
        import os
        import openai
        def ask(cfg):
            return openai.chat.completions.create(model={expr}, messages=[])
        """})
    site = site_at(result, "app.py")
    assert model_set(site) == ["gpt-4o"]
    assert site.model.candidates[0].reach == "env-default"


@pytest.mark.parametrize("declaration", [
    "from pydantic import BaseModel\nclass Settings(BaseModel):\n    model: str = 'gpt-4o-mini'\n",
    "from pydantic import BaseModel, Field\nclass Settings(BaseModel):\n    model: str = Field(default='gpt-4o-mini')\n",
    "from dataclasses import dataclass\n@dataclass\nclass Settings:\n    model: str = 'gpt-4o-mini'\n",
    "import attr\n@attr.s\nclass Settings:\n    model = attr.ib(default='gpt-4o-mini')\n",
    "from typing import NamedTuple\nclass Settings(NamedTuple):\n    model: str = 'gpt-4o-mini'\n",
    "import msgspec\nclass Settings(msgspec.Struct):\n    model: str = 'gpt-4o-mini'\n",
    "class Settings:\n    model = 'gpt-4o-mini'\n",
])
def test_config_class_field_default_of_the_instance_the_code_builds(tmp_path, declaration):
    result = scan(tmp_path, {"pkg/__init__.py": "", "pkg/settings.py": declaration, "pkg/app.py": """
        from openai import OpenAI
        from pkg.settings import Settings
        settings = Settings()
        def ask():
            return OpenAI().chat.completions.create(model=settings.model, messages=[])
        """})
    site = site_at(result, "pkg/app.py")
    assert model_set(site) == ["gpt-4o-mini"]
    assert site.model.candidates[0].origin.startswith("pkg/settings.py:")


def test_constructor_keyword_sets_the_config_field(tmp_path):
    result = scan(tmp_path, {"app.py": """
        from dataclasses import dataclass
        from openai import OpenAI
        @dataclass
        class LLMConfig:
            name: str = "gpt-4o-mini"
        config = LLMConfig(name="gpt-4.1")
        def ask():
            return OpenAI().chat.completions.create(model=config.name, messages=[])
        """})
    assert model_set(site_at(result, "app.py")) == ["gpt-4.1"]


def test_base_class_default_overridden_in_subclass(tmp_path):
    result = scan(tmp_path, {"app.py": """
        from openai import OpenAI
        class Base:
            model_name = "gpt-4o"
            def complete(self, prompt):
                return OpenAI().chat.completions.create(model=self.model_name, messages=[])
        class Cheap(Base):
            model_name = "gpt-4o-mini"
        """})
    site = site_at(result, "app.py")
    assert model_set(site) == ["gpt-4o", "gpt-4o-mini"]
    assert [c.default for c in site.model.candidates] == [True, False]
    assert site.model.candidates[1].reach == "base-class"


def test_base_init_parameter_bound_by_super_call_of_the_subclass(tmp_path):
    result = scan(tmp_path, {"pkg/__init__.py": "", "pkg/base.py": """
        class BaseLLM:
            def __init__(self, model=None):
                self.name = normalise(model)
        def normalise(name):
            if name is None:
                return None
            return name
        """, "pkg/openai_llm.py": """
        from openai import OpenAI
        from pkg.base import BaseLLM
        DEFAULT = "gpt-4.1-mini"
        class OpenAILLM(BaseLLM):
            def __init__(self, model=None):
                model = model or DEFAULT
                super().__init__(model)
            def generate(self, prompt):
                return OpenAI().chat.completions.create(model=self.name, messages=[])
        """})
    site = site_at(result, "pkg/openai_llm.py")
    assert model_set(site) == ["gpt-4.1-mini"]
    assert any("super().__init__" in h.step for h in site.model.chain)


def test_object_built_only_to_call_another_method_does_not_reach_the_site(tmp_path):
    result = scan(tmp_path, {"app.py": """
        from openai import OpenAI
        class Model:
            def __init__(self, model=None):
                self.name = model or "gpt-4.1"
            def generate(self, prompt):
                return OpenAI().chat.completions.create(model=self.name, messages=[])
            def load_model(self):
                return OpenAI()
        def metric():
            return Model(model="gpt-3.5-turbo").load_model()
        def judge():
            return Model(model="o3-mini").generate("x")
        """})
    assert model_set(site_at(result, "app.py")) == ["gpt-4.1", "o3-mini"]


def test_parts_that_vary_together_are_not_crossed(tmp_path):
    result = scan(tmp_path, {"app.py": """
        import litellm
        def ask(provider, model):
            return litellm.completion(model=f"{provider}/{model}", messages=[])
        def a():
            return ask("openai", "gpt-4o")
        def b():
            return ask("anthropic", "claude-3-5-haiku-latest")
        """})
    site = site_at(result, "app.py")
    assert site.model.value is None and "vary together" in site.model.unknown


def test_subclass_that_overrides_the_method_does_not_reach_the_base_site(tmp_path):
    result = scan(tmp_path, {"app.py": """
        from openai import OpenAI
        class Translator:
            def __init__(self, model):
                self.model = model
            def translate(self, text):
                return OpenAI().chat.completions.create(model=self.model, messages=[])
        class Fast(Translator):
            def __init__(self):
                super().__init__("gpt-4o-mini")
        class Own(Translator):
            def __init__(self):
                super().__init__("glm-4-flash")
            def translate(self, text):
                return text
        """})
    assert model_set(site_at(result, "app.py")) == ["gpt-4o-mini"]


def test_assignment_in_another_branch_does_not_reach_the_use(tmp_path):
    result = scan(tmp_path, {"app.py": """
        import openai
        def pick(kind, name=None):
            if kind == "bm25":
                if name is None:
                    name = "bm25"
                return name
            elif kind == "openai":
                return openai.embeddings.create(model=name or "text-embedding-3-small", input="x")
        """})
    assert model_set(site_at(result, "app.py")) == ["text-embedding-3-small"]


def test_unset_guard_does_not_run_when_the_value_is_always_set(tmp_path):
    result = scan(tmp_path, {"app.py": """
        from openai import OpenAI
        class Base:
            def __init__(self, model):
                if not model:
                    model = "gpt-4o-mini"
                self.model = model
            def ask(self):
                return OpenAI().chat.completions.create(model=self.model, messages=[])
        class Zhipu(Base):
            def __init__(self):
                super().__init__("glm-4-flash")
            def ask(self):
                return OpenAI().chat.completions.create(model=self.model, messages=[])
        """})
    assert model_set(site_at(result, "app.py", 14)) == ["glm-4-flash"]


def test_alias_table_indexed_by_a_runtime_key_lists_every_entry(tmp_path):
    result = scan(tmp_path, {"app.py": """
        from openai import OpenAI
        MODELS = {"fast": "gpt-4o-mini", "smart": "gpt-4o"}
        def ask(size):
            return OpenAI().chat.completions.create(model=MODELS[size], messages=[])
        def ask_fast():
            return OpenAI().chat.completions.create(model=MODELS["fast"], messages=[])
        """})
    assert model_set(site_at(result, "app.py", 5)) == ["gpt-4o-mini", "gpt-4o"]
    assert {c.reach for c in site_at(result, "app.py", 5).model.candidates} == {"alias-table"}
    assert model_set(site_at(result, "app.py", 7)) == ["gpt-4o-mini"]


def test_alias_lookup_that_passes_unknown_names_through_is_not_a_model_set(tmp_path):
    result = scan(tmp_path, {"app.py": """
        import litellm
        ALIASES = {"openrouter/auto": "openrouter/openrouter/auto"}
        def ask(model):
            return litellm.completion(model=ALIASES.get(model, model), messages=[])
        """})
    site = site_at(result, "app.py")
    assert site.model.value is None and model_set(site) == []


def test_argparse_click_and_typer_defaults(tmp_path):
    result = scan(tmp_path, {"cli_argparse.py": """
        import argparse
        from openai import OpenAI
        parser = argparse.ArgumentParser()
        parser.add_argument("--model-name", default="gpt-4o")
        args = parser.parse_args()
        OpenAI().chat.completions.create(model=args.model_name, messages=[])
        """, "cli_click.py": """
        import click
        from openai import OpenAI
        @click.command()
        @click.option("--model", "-m", default="gpt-4.1-mini")
        def main(model):
            OpenAI().chat.completions.create(model=model, messages=[])
        """, "cli_typer.py": """
        import typer
        from openai import OpenAI
        def main(model: str = typer.Option("o3-mini", "--model", help="model")):
            OpenAI().chat.completions.create(model=model, messages=[])
        """})
    for path, model in (("cli_argparse.py", "gpt-4o"), ("cli_click.py", "gpt-4.1-mini"), ("cli_typer.py", "o3-mini")):
        site = site_at(result, path)
        assert model_set(site) == [model], path
        assert site.model.candidates[0].reach == "cli-default"


def test_literals_passed_by_callers_across_files(tmp_path):
    result = scan(tmp_path, {"pkg/__init__.py": "", "pkg/llm.py": """
        from openai import OpenAI
        def ask(prompt, model):
            return OpenAI().chat.completions.create(model=model, messages=[{"role": "user", "content": prompt}])
        """, "pkg/summarise.py": """
        from pkg.llm import ask
        def summarise(text):
            return ask(text, "gpt-4o-mini")
        """, "pkg/review.py": """
        from pkg import llm
        def review(text):
            return llm.ask(text, model="gpt-4o")
        """})
    site = site_at(result, "pkg/llm.py")
    assert set(model_set(site)) == {"gpt-4o-mini", "gpt-4o"}
    assert {c.reach for c in site.model.candidates} == {"callers"}


def test_callers_found_across_a_namespace_package(tmp_path):
    result = scan(tmp_path, {"app/llm/openai/chat.py": """
        from dataclasses import dataclass
        from openai import OpenAI
        @dataclass
        class Chat:
            model: str
            def ask(self):
                return OpenAI().chat.completions.create(model=self.model, messages=[])
        """, "app/agent/run.py": """
        from app.llm.openai.chat import Chat
        def run():
            return Chat("gpt-4.1-mini").ask()
        """})
    assert model_set(site_at(result, "app/llm/openai/chat.py")) == ["gpt-4.1-mini"]


def test_call_through_a_base_method_reaches_overrides_a_siblings_does_not(tmp_path):
    result = scan(tmp_path, {"app.py": """
        from openai import OpenAI
        class Provider:
            def complete(self, args):
                raise NotImplementedError
        class Chat(Provider):
            def complete(self, args):
                return OpenAI().chat.completions.create(model=args["model"], messages=[])
        class Embed(Provider):
            def complete(self, args):
                return OpenAI().embeddings.create(model=args["model"], input="x")
        def run(provider: Provider):
            return provider.complete({"model": "gpt-4o-mini"})
        def embed():
            return Embed().complete({"model": "text-embedding-3-small"})
        """})
    assert model_set(site_at(result, "app.py", 8)) == ["gpt-4o-mini"]
    assert set(model_set(site_at(result, "app.py", 11))) == {"gpt-4o-mini", "text-embedding-3-small"}


def test_kwargs_passed_on_carry_the_callers_model(tmp_path):
    result = scan(tmp_path, {"app.py": """
        from langchain_openai import ChatOpenAI
        def make_llm(**kwargs):
            return ChatOpenAI(**kwargs)
        def answer(q):
            params = {"model": "gpt-4o-mini", "temperature": 0}
            return make_llm(**params).invoke(q)
        """})
    assert model_set(site_at(result, "app.py")) == ["gpt-4o-mini"]


def test_caller_literal_kept_beside_a_parameter_default(tmp_path):
    result = scan(tmp_path, {"app.py": """
        from openai import OpenAI
        class AI:
            def __init__(self, model_name="gpt-4-turbo"):
                self.model_name = model_name
            def next(self):
                return OpenAI().chat.completions.create(model=self.model_name, messages=[])
        def main(model: str = "gpt-4o"):
            AI(model_name=model).next()
        """})
    site = site_at(result, "app.py")
    assert model_set(site) == ["gpt-4-turbo", "gpt-4o"]
    assert [c.default for c in site.model.candidates] == [True, False]


def test_env_variable_from_the_projects_env_template_and_compose_file(tmp_path):
    result = scan(tmp_path, {
        ".env.example": "# copy to .env\nOPENAI_API_KEY=your-key-here\nCHAT_MODEL=gpt-4o-mini\n",
        "docker-compose.yml": "services:\n  app:\n    environment:\n      - EMBED_MODEL=${EMBED_MODEL:-text-embedding-3-small}\n",
        "app.py": """
        import os
        from openai import OpenAI
        def chat():
            return OpenAI().chat.completions.create(model=os.environ["CHAT_MODEL"], messages=[])
        def embed():
            return OpenAI().embeddings.create(model=os.getenv("EMBED_MODEL"), input="x")
        """})
    chat, embed = site_at(result, "app.py", 5), site_at(result, "app.py", 7)
    assert model_set(chat) == ["gpt-4o-mini"]
    assert chat.model.candidates[0].origin == ".env.example:3"
    assert chat.model.candidates[0].reach == "project-config-file"
    assert model_set(embed) == ["text-embedding-3-small"]
    assert embed.model.candidates[0].origin == "docker-compose.yml:4"


def test_settings_class_reads_the_env_template(tmp_path):
    result = scan(tmp_path, {".env.example": "APP_LLM_MODEL=gpt-4.1\n", "app.py": """
        from openai import OpenAI
        from pydantic_settings import BaseSettings, SettingsConfigDict
        class Settings(BaseSettings):
            model_config = SettingsConfigDict(env_prefix="APP_")
            llm_model: str | None = None
        settings = Settings()
        def ask():
            return OpenAI().chat.completions.create(model=settings.llm_model, messages=[])
        """})
    assert model_set(site_at(result, "app.py")) == ["gpt-4.1"]


def test_key_read_from_an_unknown_config_object_is_found_in_the_config_file(tmp_path):
    result = scan(tmp_path, {"config.yaml": "llm:\n  provider: openai\n  model: gpt-4o-mini  # the default\n", "app.py": """
        import yaml
        from openai import OpenAI
        cfg = yaml.safe_load(open("config.yaml"))
        def ask():
            return OpenAI().chat.completions.create(model=cfg["llm"]["model"], messages=[])
        """})
    site = site_at(result, "app.py")
    assert model_set(site) == ["gpt-4o-mini"]
    assert site.model.candidates[0].origin == "config.yaml:3"


def test_config_files_are_bounded_and_never_followed_through_links(tmp_path):
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "secret.env").write_text("CHAT_MODEL=gpt-4o\n")
    (tmp_path / ".env.local").symlink_to(tmp_path / "elsewhere" / "secret.env")
    (tmp_path / "config.json").write_bytes(b'{"model": "' + b"x" * 300_000 + b'"}')
    result = scan(tmp_path, {"app.py": """
        import os, json
        from openai import OpenAI
        cfg = json.load(open("config.json"))
        OpenAI().chat.completions.create(model=os.getenv("CHAT_MODEL"), messages=[])
        OpenAI().chat.completions.create(model=cfg["model"], messages=[])
        """})
    assert [s.model.value for s in result.call_sites] == [None, None]


def test_fifos_named_like_config_or_source_files_are_not_opened(tmp_path):
    os.mkfifo(tmp_path / ".env.example")
    (tmp_path / "pkg").mkdir()
    os.mkfifo(tmp_path / "pkg" / "callers.py")
    result = scan(tmp_path, {"pkg/__init__.py": "", "pkg/llm.py": """
        import os
        from openai import OpenAI
        def ask(model):
            return OpenAI().chat.completions.create(model=model or os.getenv("CHAT_MODEL"), messages=[])
        """})
    assert site_at(result, "pkg/llm.py").model.value is None


def test_unknown_model_says_why_and_how_to_tell_llmsight(tmp_path):
    result = scan(tmp_path, {"app.py": """
        from openai import OpenAI
        def ask(model):
            return OpenAI().chat.completions.create(model=model, messages=[])
        """})
    site = site_at(result, "app.py")
    assert site.model.value is None
    assert "parameter `model` of `ask` has no default" in site.model.unknown
    assert "# llmsight: model=<name>" in site.model.unknown and site.id in site.model.unknown
    estimate = result.estimates[site.id]
    assert estimate.cost_per_call.value is None and any("parameter `model`" in n for n in estimate.notes)


def test_pragma_on_the_calls_first_line_sets_the_model_set_and_feature(tmp_path):
    result = scan(tmp_path, {"app.py": """
        from openai import OpenAI
        def ask(model):
            return OpenAI().chat.completions.create(  # llmsight: model=gpt-4o-mini|gpt-4o, feature=chat
                model=model, messages=[])
        """})
    site = site_at(result, "app.py")
    assert model_set(site) == ["gpt-4o-mini", "gpt-4o"]
    assert site.model.source == "config" and site.feature == "chat"
    assert {c.reach for c in site.model.candidates} == {"user"}
    assert result.estimates[site.id].range is not None


def test_models_mapping_keyed_by_site_id_or_path_line(tmp_path):
    files = {"app.py": """
        from openai import OpenAI
        def ask(model):
            return OpenAI().chat.completions.create(model=model, messages=[])
        """}
    by_line = scan(tmp_path, files, pyproject='[tool.llmsight.models]\n"app.py:4" = "gpt-4o-mini"\n')
    assert model_set(site_at(by_line, "app.py")) == ["gpt-4o-mini"]
    site_id = site_at(by_line, "app.py").id
    by_id = scan(tmp_path, files, pyproject=f'[tool.llmsight.models]\n"{site_id}" = "gpt-4o|o3-mini"\n')
    assert model_set(site_at(by_id, "app.py")) == ["gpt-4o", "o3-mini"]
    # where the user said so, as a project path (not where the checkout sits on this machine)
    assert site_at(by_id, "app.py").model.origin == "pyproject.toml"


def test_fallback_model_never_prices_a_site(tmp_path):
    result = scan(tmp_path, {"app.py": """
        from openai import OpenAI
        def ask(model):
            return OpenAI().chat.completions.create(model=model, messages=[])
        """}, config=api.Config(fallback_model="gpt-4o-mini"))
    estimate = result.estimates[site_at(result, "app.py").id]
    assert estimate.model is None and estimate.cost_per_call.value is None and estimate.range is None


def test_model_set_is_priced_as_a_range_and_the_json_validates(tmp_path):
    jsonschema = pytest.importorskip("jsonschema")
    result = scan(tmp_path, {"app.py": """
        from openai import OpenAI
        MODELS = {"cheap": "gpt-4o-mini", "best": "gpt-4o"}
        def ask(tier):
            return OpenAI().chat.completions.create(model=MODELS[tier], messages=[], max_tokens=100)
        def unknown(model):
            return OpenAI().chat.completions.create(model=model, messages=[])
        """})
    site = site_at(result, "app.py", 5)
    estimate = result.estimates[site.id]
    assert estimate.range is not None and estimate.range.basis == "model-set"
    assert 0 < estimate.range.low < estimate.range.high
    doc = json.loads(json.dumps(json_.document(result)))
    jsonschema.Draft202012Validator(json.loads(SCHEMA.read_text())).validate(doc)
    first = doc["call_sites"][0]["model"]
    assert [c["value"] for c in first["candidates"]] == ["gpt-4o-mini", "gpt-4o"]
    assert all(c["origin"].startswith("app.py:") for c in first["candidates"])
    assert first["chain"][0]["at"] == "app.py:5"
    assert doc["estimates"][site.id]["range"]["basis"] == "model-set"
    assert doc["call_sites"][1]["model"]["unknown"].startswith("parameter `model` of `unknown` has no default")


def test_loop_items_and_unpacked_returns_reach_the_site():
    """`for model in MODELS.split(";")` sends each part; `model, err = parse(data, "model", DEFAULT)` sends
    item 0 of what `parse` returns."""
    src = '''from openai import OpenAI
client = OpenAI()
DEFAULT_MODEL = "gpt-4o-mini"
MODELS = "gpt-4o;gpt-4.1-mini"


def _optional_string(data, key, default):
    value = data.get(key, default)
    if not isinstance(value, str):
        return None, "not a string"
    return value, None


def unpacked(data):
    model, error = _optional_string(data, "model", DEFAULT_MODEL)
    return client.chat.completions.create(model=model, messages=[])


def split(m):
    for model in MODELS.split(";"):
        client.chat.completions.create(model=model, messages=m)


def literal(m):
    for model in ("o3", "o4-mini"):
        client.chat.completions.create(model=model, messages=m)


def opaque(m, names):
    for model in names:
        client.chat.completions.create(model=model, messages=m)
'''
    sets = {s.function: [c.value for c in s.model.candidates] for s in api.check_source(src, "loops.py").call_sites}
    assert sets == {"unpacked": ["gpt-4o-mini"], "split": ["gpt-4o", "gpt-4.1-mini"], "literal": ["o3", "o4-mini"],
                    "opaque": []}


def test_a_posted_json_dict_the_callers_build_names_the_model(tmp_path):
    """`client.post(url, json=payload)` in a helper: the model is the `"model"` key of the dict each caller
    passes (browser-use's Mistral and gateway chats, lightrag's Jina embeddings)."""
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n", encoding="utf-8")
    (tmp_path / "chat.py").write_text('''import httpx


class Chat:
    model: str = "mistral-medium-latest"

    async def _post(self, payload):
        async with httpx.AsyncClient() as client:
            return await client.post("https://api.mistral.ai/v1/chat/completions", json=payload)

    async def ainvoke(self, messages):
        payload = {"model": self.model, "messages": messages}
        return await self._post(payload)
''', encoding="utf-8")
    site = api.check([tmp_path], use_cache=False).call_sites[0]
    assert (site.span.start_line, site.sdk, site.model.value) == (9, "http", "mistral-medium-latest")
