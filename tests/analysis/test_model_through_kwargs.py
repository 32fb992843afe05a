"""Model resolution through built dicts and forwarded `**kwargs` (issue 12 item 1): the model a request
takes from a dict the code builds or a caller passes, from a `**kwargs` parameter, through constructors
that forward `**params`, and from callers that reach a function under another name."""
from __future__ import annotations

import textwrap
from pathlib import Path

from llmsight import api


def scan(tmp_path: Path, files: dict[str, str]):
    (tmp_path / "pyproject.toml").write_text("[project]\nname='x'\n")
    for rel, text in files.items():
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(textwrap.dedent(text), encoding="utf-8")
    return api.check([tmp_path], select=["NONE"], use_cache=False)


def models_at(result, path: str, line: int) -> list[str]:
    sites = [s for s in result.call_sites if s.span.path == path and s.span.start_line == line]
    assert len(sites) == 1, [(s.span.path, s.span.start_line) for s in result.call_sites]
    return [c.value for c in sites[0].model.candidates]


def unknown_at(result, path: str, line: int) -> str | None:
    return next(s.model.unknown for s in result.call_sites if s.span.path == path and s.span.start_line == line)


def test_dict_built_with_spread_and_update_is_splatted(tmp_path):
    result = scan(tmp_path, {"pkg/app.py": """
        from openai import OpenAI
        BASE = {"temperature": 0}
        def ask(q, model="gpt-4o-mini"):
            kwargs = {**BASE, "messages": [q]}
            kwargs.update(model=model)
            return OpenAI().chat.completions.create(**kwargs)
        """})
    assert models_at(result, "pkg/app.py", 7) == ["gpt-4o-mini"]


def test_key_of_own_kwargs_parameter_comes_from_callers(tmp_path):
    result = scan(tmp_path, {"pkg/app.py": """
        import litellm
        def completions(**params):
            params["model"] = params["model"].replace(":latest", "")
            return litellm.completion(**params)
        def run(messages):
            return completions(model="gpt-4o:latest", messages=messages)
        """})
    assert models_at(result, "pkg/app.py", 5) == ["gpt-4o"]


def test_constructor_keywords_forwarded_from_a_dict_parameter(tmp_path):
    result = scan(tmp_path, {"pkg/engine.py": """
        from openai import OpenAI
        class Engine:
            def __init__(self, api_key=None, model=None, **kwargs):
                self.model = model
                self.client = OpenAI(api_key=api_key)
            def generate(self, messages):
                return self.client.chat.completions.create(model=self.model, messages=messages)
        """, "pkg/agent.py": """
        from pkg.engine import Engine
        class Agent:
            def __init__(self, engine_params=None):
                self.engine = Engine(**engine_params)
        """, "pkg/main.py": """
        from pkg.agent import Agent
        class Worker:
            def __init__(self, engine_params):
                self.engine_params = engine_params
            def build(self):
                return Agent(engine_params=self.engine_params)
        def main():
            params = {"engine_type": "openai", "model": "gpt-4o-mini"}
            return Worker(params).build()
        """})
    assert models_at(result, "pkg/engine.py", 8) == ["gpt-4o-mini"]


def test_callers_through_an_import_alias(tmp_path):
    result = scan(tmp_path, {"pkg/llm_a.py": """
        from anthropic import Anthropic
        def chat(messages, model):
            return Anthropic().messages.create(model=model, max_tokens=10, messages=messages)
        """, "pkg/__init__.py": """
        def reply(messages):
            from .llm_a import chat as chat_a
            return chat_a(messages, "claude-haiku-4-5")
        """})
    assert models_at(result, "pkg/llm_a.py", 4) == ["claude-haiku-4-5"]


def test_callers_of_a_function_bound_to_an_attribute(tmp_path):
    result = scan(tmp_path, {"pkg/llm.py": """
        import litellm
        def fixed_completions(**params):
            return litellm.completion(**params)
        class Llm:
            def __init__(self):
                self.completions = fixed_completions
            def run(self, messages):
                return self.completions(model="gpt-4o", messages=messages)
        """})
    assert models_at(result, "pkg/llm.py", 4) == ["gpt-4o"]


PROVIDERS = """
        from openai import OpenAI
        class Provider:
            def complete(self, messages, args):
                raise NotImplementedError
        class OpenAIProvider(Provider):
            def complete(self, messages, args):
                return OpenAI().chat.completions.create(model=args["model"], messages=messages)
        class OtherProvider(Provider):
            def complete(self, messages, args):
                return []
"""


def test_dict_parameter_of_a_method_called_on_a_factory_result(tmp_path):
    result = scan(tmp_path, {"pkg/providers.py": PROVIDERS, "pkg/assistant.py": """
        from pkg.providers import OpenAIProvider, OtherProvider
        DEFAULTS = {"model": "gpt-3.5-turbo"}
        def get_provider(model):
            if model.startswith("gpt"):
                return OpenAIProvider()
            elif model.startswith("claude"):
                return OtherProvider()
            else:
                raise ValueError(model)
        class Assistant:
            def __init__(self, config):
                self.config = config
            def complete_chat(self, messages):
                model = self.config.get("model", DEFAULTS.get("model"))
                args = {"model": model, "temperature": 0.7}
                provider = get_provider(model)
                return provider.complete(messages, args)
        """})
    assert models_at(result, "pkg/providers.py", 8) == ["gpt-3.5-turbo"]


def test_a_call_on_a_sibling_class_is_not_a_caller(tmp_path):
    result = scan(tmp_path, {"pkg/providers.py": PROVIDERS + """
        def make_other():
            return OtherProvider()
        def run(messages):
            return make_other().complete(messages, {"model": "gpt-4"})
        """})
    assert models_at(result, "pkg/providers.py", 8) == []


def test_an_attribute_bound_to_several_functions_is_no_alias(tmp_path):
    result = scan(tmp_path, {"pkg/llm.py": """
        import litellm
        def fixed_completions(**params):
            return litellm.completion(**params)
        def other_completions(**params):
            return []
        class Llm:
            def __init__(self, fixed):
                self.completions = fixed_completions
                if not fixed:
                    self.completions = other_completions
        def run(llm, messages):
            return llm.completions(model="gpt-4o", messages=messages)
        """})
    assert models_at(result, "pkg/llm.py", 4) == []


def test_unrelated_dict_gives_no_candidates(tmp_path):
    result = scan(tmp_path, {"pkg/app.py": """
        from openai import OpenAI
        ALIASES = {"model": "gpt-4o", "fast": "gpt-4o-mini"}
        def ask(q, options):
            params = {"temperature": 0, "messages": [q]}
            return OpenAI().chat.completions.create(**params, **options)
        def run():
            return ask("hi", {"temperature": 1})
        """})
    assert models_at(result, "pkg/app.py", 6) == []
    assert "model" in (unknown_at(result, "pkg/app.py", 6) or "")


def test_dict_parameter_whose_callers_pass_no_model_is_not_resolved(tmp_path):
    result = scan(tmp_path, {"pkg/app.py": """
        from openai import OpenAI
        def ask(q, params):
            return OpenAI().chat.completions.create(messages=[q], **params)
        def run(model_from_user):
            return ask("hi", {"temperature": 1, "model": model_from_user})
        """})
    assert models_at(result, "pkg/app.py", 4) == []
    assert unknown_at(result, "pkg/app.py", 4)


INTERFACE = {
    "pkg/__init__.py": "",
    "pkg/base.py": """
        class Provider:
            def speak(self, text, voice, model):
                raise NotImplementedError
        """,
    "pkg/openai_provider.py": """
        import openai
        from pkg.base import Provider
        class OpenAIProvider(Provider):
            def speak(self, text, voice, model):
                return openai.audio.speech.create(model=model, voice=voice, input=text)
        """,
    "pkg/other_provider.py": """
        from pkg.base import Provider
        class OtherProvider(Provider):
            def speak(self, text, voice, model):
                return b""
        """,
    "pkg/factory.py": """
        from pkg.openai_provider import OpenAIProvider
        from pkg.other_provider import OtherProvider
        PROVIDERS = {"openai": OpenAIProvider, "other": OtherProvider}
        def create(name):
            return PROVIDERS[name]()
        """,
    "pkg/tts.py": """
        from pkg.factory import create
        class TextToSpeech:
            def __init__(self, name):
                self.provider = create(name)
            def run(self, text):
                return self.provider.speak(text, "alloy", "tts-1-hd")
        """,
}


def test_call_through_an_interface_on_an_object_of_unknown_class(tmp_path):
    result = scan(tmp_path, INTERFACE)
    assert models_at(result, "pkg/openai_provider.py", 6) == ["tts-1-hd"]


def test_a_method_name_defined_outside_the_interface_is_not_followed(tmp_path):
    result = scan(tmp_path, {**INTERFACE, "pkg/player.py": """
        class Player:
            def speak(self, text, voice, model):
                return None
        """})
    assert models_at(result, "pkg/openai_provider.py", 6) == []


def test_attribute_of_an_object_built_elsewhere_follows_its_own_construction(tmp_path):
    result = scan(tmp_path, {"pkg/__init__.py": "", "pkg/config.py": """
        DEFAULT = "openai/gpt-4o"
        class LLMConfig:
            def __init__(self, provider=DEFAULT, token=None):
                self.provider = provider
        def create_llm_config(*args, **kwargs):
            return LLMConfig(*args, **kwargs)
        """, "pkg/utils.py": """
        import litellm
        def complete(provider, prompt):
            return litellm.completion(model=provider, messages=[prompt])
        """, "pkg/extract.py": """
        from pkg.config import LLMConfig, create_llm_config, DEFAULT
        from pkg.utils import complete
        class Extractor:
            def __init__(self, llm_config: LLMConfig | None = None):
                self.llm_config = llm_config
                if not self.llm_config:
                    self.llm_config = create_llm_config(provider=DEFAULT)
            def run(self, prompt):
                return complete(self.llm_config.provider, prompt)
        """, "pkg/tables.py": """
        import os
        from pkg.config import create_llm_config
        class Tables:
            def __init__(self):
                self.llm_config = create_llm_config(provider=os.getenv("TABLE_MODEL", "openai/gpt-4o-mini"))
        """})
    assert models_at(result, "pkg/utils.py", 4) == ["openai/gpt-4o"]


def test_client_made_elsewhere_takes_the_model_of_the_constructions_reaching_it(tmp_path):
    result = scan(tmp_path, {"pkg/__init__.py": "", "pkg/provider.py": """
        from langchain_openai import ChatOpenAI
        class Provider:
            def __init__(self, llm):
                self.llm = llm
            @classmethod
            def from_name(cls, name, **kwargs):
                if name == "openai":
                    llm = ChatOpenAI(**kwargs)
                else:
                    raise ValueError(name)
                return cls(llm)
            async def ask(self, messages):
                return await self.llm.ainvoke(messages)
        """, "pkg/app.py": """
        from pkg.provider import Provider
        def make():
            return Provider.from_name("openai", model="gpt-4o-mini", temperature=0)
        """})
    assert models_at(result, "pkg/provider.py", 14) == ["gpt-4o-mini"]


def test_prefix_stripped_by_a_slice_under_its_guard(tmp_path):
    result = scan(tmp_path, {"pkg/app.py": """
        from openai import OpenAI
        DEFAULTS = {"model": "azure/gpt-4o-mini"}
        def ask(messages, config):
            model = config.get("model", DEFAULTS["model"])
            if model.startswith("azure/"):
                model = model[len("azure/"):]
            if model.startswith("oai:"):
                model = model[4:]
            return OpenAI().chat.completions.create(model=model, messages=messages)
        """})
    assert models_at(result, "pkg/app.py", 10) == ["gpt-4o-mini"]


def test_item_of_a_name_bound_to_a_split(tmp_path):
    result = scan(tmp_path, {"pkg/app.py": """
        import litellm
        def complete(prompt, **kwargs):
            model = kwargs.pop("model").split("/", 1)
            provider, model = model[0] if len(model) > 1 else "openai", model[-1]
            return litellm.text_completion(model=f"text-completion-openai/{model}", prompt=prompt)
        def run():
            return complete("hi", model="openai/gpt-4o-mini")
        """})
    assert models_at(result, "pkg/app.py", 6) == ["text-completion-openai/gpt-4o-mini"]


def test_request_dict_round_tripped_through_json(tmp_path):
    result = scan(tmp_path, {"pkg/app.py": """
        import litellm
        import ujson
        def completion(request, cache=None):
            kwargs = ujson.loads(request)
            return litellm.completion(cache=cache, **kwargs)
        def ask(messages):
            return completion(ujson.dumps(dict(model="gpt-4o-mini", messages=messages)))
        """})
    assert models_at(result, "pkg/app.py", 6) == ["gpt-4o-mini"]


def test_splatted_params_take_the_subclass_property_that_adds_the_model(tmp_path):
    result = scan(tmp_path, {"pkg/__init__.py": "", "pkg/base.py": """
        class BaseLLM:
            temperature = 0
            @property
            def _default_params(self):
                return {"temperature": self.temperature}
            def chat(self, messages):
                params = {**self._default_params, "messages": messages}
                return self.client.create(**params)
        """, "pkg/openai_llm.py": """
        import openai
        from pkg.base import BaseLLM
        class OpenAI(BaseLLM):
            model = "gpt-4o-mini"
            def __init__(self):
                self.client = openai.OpenAI().chat.completions
            @property
            def _default_params(self):
                return {**super()._default_params, "model": self.model}
        """})
    assert models_at(result, "pkg/base.py", 9) == ["gpt-4o-mini"]


def test_callers_through_a_local_name_bound_to_one_of_two_functions(tmp_path):
    result = scan(tmp_path, {"pkg/app.py": """
        import litellm
        def completion(model, messages):
            return litellm.completion(model=model, messages=messages)
        def cached_completion(model, messages):
            return litellm.completion(model=model, messages=messages, caching=True)
        class LM:
            def ask(self, messages, cache=True):
                call = cached_completion if cache else completion
                return call("gpt-4o-mini", messages)
        """})
    assert models_at(result, "pkg/app.py", 4) == ["gpt-4o-mini"]
    assert models_at(result, "pkg/app.py", 6) == ["gpt-4o-mini"]
