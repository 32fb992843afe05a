"""Model resolution of an attribute of a settings object held on `self` that the instance fills in while it
is built (issue 12 item 1): multi-provider libraries build one config per instance in a shared base class
(`BaseLlmConfig(**config)` from the user's dict, else `BaseLlmConfig()` with `model=None`) and let each
provider's class fill in its default (`if not self.config.model: self.config.model = "…"`). The fill-in is
the model a request on `self.config.model` sends under the project's defaults; what the project's own
callers pass joins it; a sibling class's fill-in never does, and an unconditional value known only at
run time stays unknown. Hostile code must neither loop nor name a model it cannot send."""
from __future__ import annotations

import textwrap
import time

from site_lines import line_of, models_at, scan_project as scan, site_at


_CONFIG = """
    from typing import Optional
    class BaseLlmConfig:
        def __init__(self, model: Optional[str] = None, temperature: float = 0.1, max_tokens: int = 2000,
                     api_key: Optional[str] = None):
            self.model = model
            self.temperature = temperature
            self.max_tokens = max_tokens
            self.api_key = api_key
    """
_BASE = """
    from pkg.configs import BaseLlmConfig
    class LLMBase:
        def __init__(self, config=None):
            if config is None:
                self.config = BaseLlmConfig()
            elif isinstance(config, dict):
                self.config = BaseLlmConfig(**config)
            else:
                self.config = config
    """
_FACTORY = """
    import importlib
    def load_class(class_type):
        module_path, class_name = class_type.rsplit(".", 1)
        return getattr(importlib.import_module(module_path), class_name)
    class LlmFactory:
        provider_to_class = {"openai": "pkg.openai_llm.OpenAILLM", "anthropic": "pkg.anthropic_llm.AnthropicLLM"}
        @classmethod
        def create(cls, provider_name, config):
            return load_class(cls.provider_to_class[provider_name])(config)
    """


def _provider(fill_in: str) -> str:
    """An OpenAI provider class on the shared base; `fill_in` is the tail of its `__init__`."""
    return textwrap.dedent("""
        from openai import OpenAI
        from pkg.base import LLMBase
        class OpenAILLM(LLMBase):
            def __init__(self, config=None):
                super().__init__(config)
        """) + textwrap.indent(textwrap.dedent(fill_in).strip("\n"), " " * 8) + (
        "\n        self.client = OpenAI(api_key=self.config.api_key, timeout=30)\n"
        "    def generate_response(self, messages):\n"
        '        params = {"model": self.config.model, "messages": messages, "max_tokens": self.config.max_tokens}\n'
        "        return self.client.chat.completions.create(**params)\n")


def _project(fill_in: str, **extra: str) -> tuple[dict[str, str], int]:
    provider = _provider(fill_in)
    files = {"pkg/configs.py": _CONFIG, "pkg/base.py": _BASE, "pkg/factory.py": _FACTORY,
             "pkg/openai_llm.py": provider, **extra}
    return files, line_of(provider, ".create(")


def test_fill_in_under_a_falsy_test_is_the_default(tmp_path):
    # VALID: the config arrives with `model=None` (no project caller passes one; a user's dict is the
    # user's), so the request sends the provider class's fill-in; max_tokens is the config class's 2000
    files, line = _project("""
        if not self.config.model:
            self.config.model = "gpt-4.1-nano-2025-04-14"
        """, **{"pkg/memory.py": """
        from pkg.factory import LlmFactory
        class Memory:
            def __init__(self):
                self.llm = LlmFactory.create("openai", None)
        """})
    result = scan(tmp_path, files, select=("LLM004",))
    site = site_at(result, "pkg/openai_llm.py", line)
    assert models_at(result, "pkg/openai_llm.py", line) == ["gpt-4.1-nano-2025-04-14"]
    assert [h.at for h in site.model.chain][-1] == site.model.origin == "pkg/openai_llm.py:8"
    assert site.max_tokens.value == 2000
    assert not [d for d in result.diagnostics if d.code == "LLM004"]


def test_unconditional_or_default_and_a_none_test(tmp_path):
    # VALID: `self.config.model = self.config.model or "m"`, and `if self.config.model is None:`
    files, line = _project('self.config.model = self.config.model or "gpt-4o-mini"')
    assert models_at(scan(tmp_path / "a", files), "pkg/openai_llm.py", line) == ["gpt-4o-mini"]
    files, line = _project("""
        if self.config.model is None:
            self.config.model = "gpt-4o"
        """)
    assert models_at(scan(tmp_path / "b", files), "pkg/openai_llm.py", line) == ["gpt-4o"]


def test_fill_in_in_a_method_init_calls_and_read_through_getattr(tmp_path):
    # VALID: the fill-in sits in a helper `__init__` calls; the request reads `getattr(self.config, "model", None)`
    provider = """
        from openai import OpenAI
        from pkg.base import LLMBase
        class OpenAILLM(LLMBase):
            def __init__(self, config=None):
                super().__init__(config)
                self._apply_defaults()
                self.client = OpenAI(timeout=30)
            def _apply_defaults(self):
                if not self.config.model:
                    self.config.model = "gpt-4o-mini"
            def generate_response(self, messages):
                return self.client.chat.completions.create(
                    model=getattr(self.config, "model", None), messages=messages, max_tokens=500)
        """
    files = {"pkg/configs.py": _CONFIG, "pkg/base.py": _BASE, "pkg/openai_llm.py": provider}
    assert models_at(scan(tmp_path, files), "pkg/openai_llm.py", line_of(provider, ".create(")) == ["gpt-4o-mini"]


def test_getattr_with_an_or_default_on_the_read(tmp_path):
    # VALID: no fill-in, the read itself says what `None` stands for
    provider = """
        from openai import OpenAI
        from pkg.base import LLMBase
        class OpenAILLM(LLMBase):
            def generate_response(self, messages):
                return OpenAI(timeout=30).chat.completions.create(
                    model=getattr(self.config, "model", None) or "gpt-4o-mini", messages=messages, max_tokens=500)
        """
    files = {"pkg/configs.py": _CONFIG, "pkg/base.py": _BASE, "pkg/openai_llm.py": provider}
    assert models_at(scan(tmp_path, files), "pkg/openai_llm.py", line_of(provider, ".create(")) == ["gpt-4o-mini"]


def test_pydantic_and_dataclass_fields_left_none(tmp_path):
    # VALID: the config is a pydantic model / a dataclass whose `model` field defaults to None
    for kind, config in (("pydantic", """
            from typing import Optional
            from pydantic import BaseModel
            class BaseLlmConfig(BaseModel):
                model: Optional[str] = None
                max_tokens: int = 2000
                api_key: Optional[str] = None
            """), ("dataclass", """
            from dataclasses import dataclass
            from typing import Optional
            @dataclass
            class BaseLlmConfig:
                model: Optional[str] = None
                max_tokens: int = 2000
                api_key: Optional[str] = None
            """)):
        files, line = _project("""
            if not self.config.model:
                self.config.model = "gpt-4o-mini"
            """)
        files["pkg/configs.py"] = config
        result = scan(tmp_path / kind, files, select=("LLM004",))
        assert models_at(result, "pkg/openai_llm.py", line) == ["gpt-4o-mini"], kind
        assert site_at(result, "pkg/openai_llm.py", line).max_tokens.value == 2000, kind
        assert not [d for d in result.diagnostics if d.code == "LLM004"], kind


def test_models_the_project_passes_join_the_fill_in(tmp_path):
    # VALID: a project caller passes a dict with a model, another a config object: both join the default
    files, line = _project("""
        if not self.config.model:
            self.config.model = "gpt-4o-mini"
        """, **{"pkg/app.py": """
        from pkg.configs import BaseLlmConfig
        from pkg.openai_llm import OpenAILLM
        def build(kind):
            if kind == "smart":
                return OpenAILLM({"model": "gpt-4o"})
            if kind == "fast":
                return OpenAILLM(BaseLlmConfig(model="gpt-4.1-mini"))
            return OpenAILLM()
        """})
    assert sorted(models_at(scan(tmp_path, files), "pkg/openai_llm.py", line)) == ["gpt-4.1-mini", "gpt-4o", "gpt-4o-mini"]


def test_a_config_default_is_not_replaced_by_a_fill_in(tmp_path):
    # INVALID: the config class names a model, so `if not self.config.model:` never runs by default
    files, line = _project("""
        if not self.config.model:
            self.config.model = "gpt-4o"
        """)
    files["pkg/configs.py"] = _CONFIG.replace("model: Optional[str] = None", 'model: str = "gpt-4o-mini"')
    assert models_at(scan(tmp_path, files), "pkg/openai_llm.py", line) == ["gpt-4o-mini"]


def test_a_sibling_class_fill_in_does_not_leak(tmp_path):
    # INVALID: only the Anthropic class fills in a model; the OpenAI class's request stays unknown
    anthropic = """
        import anthropic
        from pkg.base import LLMBase
        class AnthropicLLM(LLMBase):
            def __init__(self, config=None):
                super().__init__(config)
                if not self.config.model:
                    self.config.model = "claude-3-5-sonnet-20240620"
                self.client = anthropic.Anthropic(timeout=30)
            def generate_response(self, messages):
                return self.client.messages.create(model=self.config.model, messages=messages, max_tokens=100)
        """
    files, line = _project("pass", **{"pkg/anthropic_llm.py": anthropic})
    result = scan(tmp_path, files)
    assert models_at(result, "pkg/openai_llm.py", line) == []
    assert site_at(result, "pkg/openai_llm.py", line).model.unknown
    assert models_at(result, "pkg/anthropic_llm.py", line_of(anthropic, ".create(")) == ["claude-3-5-sonnet-20240620"]


def test_an_unconditional_run_time_value_stays_unknown(tmp_path):
    # INVALID: the class always overwrites the config's default with an environment variable it reads
    # without a default: the config's "gpt-4o-mini" is never sent
    files, line = _project("""
        import os
        self.config.model = os.environ["LLM_MODEL"]
        """)
    files["pkg/configs.py"] = _CONFIG.replace("model: Optional[str] = None", 'model: str = "gpt-4o-mini"')
    result = scan(tmp_path, files)
    assert models_at(result, "pkg/openai_llm.py", line) == []
    assert site_at(result, "pkg/openai_llm.py", line).model.unknown


def test_a_base_class_method_sends_each_subclass_fill_in(tmp_path):
    # VALID: the request is in the base class; each provider subclass fills in its own model
    base = """
        from openai import OpenAI
        from pkg.configs import BaseLlmConfig
        class LLMBase:
            def __init__(self, config=None):
                self.config = BaseLlmConfig(**config) if isinstance(config, dict) else (config or BaseLlmConfig())
                self.client = OpenAI(timeout=30)
            def generate(self, messages):
                return self.client.chat.completions.create(model=self.config.model, messages=messages, max_tokens=9)
        class Fast(LLMBase):
            def __init__(self, config=None):
                super().__init__(config)
                if not self.config.model:
                    self.config.model = "gpt-4o-mini"
        class Smart(LLMBase):
            def __init__(self, config=None):
                LLMBase.__init__(self, config)
                if not self.config.model:
                    self.config.model = "gpt-4o"
        """
    files = {"pkg/configs.py": _CONFIG, "pkg/base.py": base}
    assert sorted(models_at(scan(tmp_path, files), "pkg/base.py", line_of(base, ".create("))) == ["gpt-4o", "gpt-4o-mini"]


def test_hostile_writes_neither_loop_nor_explode(tmp_path):
    # VALID: writes that read themselves, methods `__init__` calls that call each other, forty fill-ins:
    # the first fill-in is the model, found within a bounded amount of work
    fill_ins = "".join(f'        if not self.config.model:\n            self.config.model = self.config.model or "m{i}"\n'
                       for i in range(40))
    provider = (
        "from openai import OpenAI\n"
        "from pkg.base import LLMBase\n"
        "class OpenAILLM(LLMBase):\n"
        "    def __init__(self, config=None):\n"
        "        super().__init__(config)\n"
        "        self.config.model = self.config.model or self.config.model\n"
        "        self.a()\n"
        "        self.c()\n"
        "        self.client = OpenAI(timeout=30)\n"
        "    def a(self):\n"
        "        self.b()\n"
        "        self.config.model = self.config.model\n"
        "    def b(self):\n"
        "        self.a()\n"
        "    def c(self):\n" + fill_ins +
        "    def generate_response(self, messages):\n"
        "        return self.client.chat.completions.create(model=self.config.model, messages=messages, max_tokens=9)\n")
    files = {"pkg/configs.py": _CONFIG, "pkg/base.py": _BASE, "pkg/openai_llm.py": provider}
    start = time.process_time()
    result = scan(tmp_path, files)
    assert time.process_time() - start < 10
    assert models_at(result, "pkg/openai_llm.py", line_of(provider, ".create(")) == ["m0"]


def test_a_fill_in_from_a_method_each_subclass_overrides(tmp_path):
    # VALID: the base `__init__` fills in `self._default_model()`, which a subclass overrides: an instance
    # of the subclass runs its own (a base-class method sends both, the base's by default)
    base = """
        from openai import OpenAI
        from pkg.configs import BaseLlmConfig
        class LLMBase:
            def __init__(self, config=None):
                self.config = config or BaseLlmConfig()
                if not self.config.model:
                    self.config.model = self._default_model()
                self.client = OpenAI(timeout=30)
            def _default_model(self):
                return "gpt-4o-mini"
            def generate(self, messages):
                return self.client.chat.completions.create(model=self.config.model, messages=messages, max_tokens=9)
        class Smart(LLMBase):
            def _default_model(self):
                return "gpt-4o"
            def plan(self, messages):
                return self.client.chat.completions.create(model=self.config.model, messages=messages, max_tokens=9)
        """
    result = scan(tmp_path, {"pkg/configs.py": _CONFIG, "pkg/base.py": base})
    assert models_at(result, "pkg/base.py", line_of(base, "def plan") + 1) == ["gpt-4o"]
    generate = site_at(result, "pkg/base.py", line_of(base, "def generate") + 1)
    assert [(c.value, c.default) for c in generate.model.candidates] == [("gpt-4o-mini", True), ("gpt-4o", False)]


def test_a_dict_config_filled_in_with_setdefault_or_a_keyed_write(tmp_path):
    # VALID: the same pattern on a settings dict: `self.config.setdefault("model", …)`, or
    # `if not self.config.get("model"): self.config["model"] = …`
    source = """
        from openai import OpenAI
        class Base:
            def __init__(self, config=None):
                self.config = dict(config or {})
                self.client = OpenAI(timeout=30)
        class A(Base):
            def __init__(self, config=None):
                super().__init__(config)
                self.config.setdefault("model", "gpt-4o-mini")
            def ask(self):
                return self.client.chat.completions.create(model=self.config["model"], messages=[], max_tokens=5)
        class B(Base):
            def __init__(self, config=None):
                super().__init__(config)
                if not self.config.get("model"):
                    self.config["model"] = "gpt-4.1"
            def ask(self):
                return self.client.chat.completions.create(model=self.config.get("model"), messages=[], max_tokens=5)
        """
    result = scan(tmp_path, {"pkg/llm.py": source})
    first, second = sorted(s.span.start_line for s in result.call_sites)
    assert models_at(result, "pkg/llm.py", first) == ["gpt-4o-mini"]
    assert models_at(result, "pkg/llm.py", second) == ["gpt-4.1"]
