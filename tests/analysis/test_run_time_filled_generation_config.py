"""A settings object's `model` filled in at run time from the application's config (issue 12 item 1):
a router writes `cfg.model = config.app.planning_llm` (or builds `GenConfig(model=config.app.fast_llm)`)
and hands the object, through a provider's abstract method and a task dict, to the provider subclass
that sends it; `config.app` is the package's own TOML. Each provider's site sends the models written
into the object that its SDK can send (an Anthropic site never sends an `openai/…` model)."""
from __future__ import annotations

from test_model_resolution import model_set, scan, site_at

FILES = {
    "svc/__init__.py": "",
    "svc/default.toml": "[app]\nfast_llm = \"openai/gpt-4.1-mini\"\n"
                        "planning_llm = \"anthropic/claude-sonnet-4-5\"\n",
    "svc/config.py": """
        import tomllib
        from dataclasses import dataclass, field
        from pathlib import Path

        @dataclass
        class AppConfig:
            fast_llm: str | None = None
            planning_llm: str | None = None

        @dataclass
        class Settings:
            app: AppConfig = field(default_factory=AppConfig)

        @dataclass
        class GenConfig:
            model: str | None = None
            temperature: float = 0.1

        def load_settings() -> Settings:
            with open(Path(__file__).parent / "default.toml", "rb") as f:
                data = tomllib.load(f)
            return Settings(app=AppConfig(**data["app"]))
        """,
    "svc/providers.py": """
        from abc import ABC, abstractmethod
        import anthropic
        import openai
        from svc.config import GenConfig

        class Provider(ABC):
            async def aget_completion(self, messages, cfg: GenConfig):
                return await self._execute({"messages": messages, "cfg": cfg})

            @abstractmethod
            async def _execute(self, task: dict): ...

        class AnthropicProvider(Provider):
            def __init__(self):
                self.client = anthropic.AsyncAnthropic()

            def _base_args(self, cfg: GenConfig) -> dict:
                model = cfg.model.split("anthropic/")[-1] if cfg.model else "claude-3-opus-20240229"
                return {"model": model, "max_tokens": 1024}

            async def _execute(self, task: dict):
                args = {**self._base_args(task["cfg"]), "messages": task["messages"]}
                return await self.client.messages.create(**args)

        class OpenAIProvider(Provider):
            def __init__(self):
                self.client = openai.AsyncOpenAI()

            def _base_args(self, cfg: GenConfig) -> dict:
                return {"model": cfg.model.split("openai/")[-1] if cfg.model else "gpt-4o"}

            async def _execute(self, task: dict):
                args = self._base_args(task["cfg"])
                args["messages"] = task["messages"]
                return await self.client.chat.completions.create(**args)
        """,
    "svc/router.py": """
        from svc.config import GenConfig, Settings
        from svc.providers import Provider

        class Router:
            def __init__(self, config: Settings, provider: Provider):
                self.config = config
                self.provider = provider

            async def plan(self, messages):
                cfg = GenConfig()
                cfg.model = self.config.app.planning_llm
                return await self.provider.aget_completion(messages, cfg)

            async def summarize(self, messages):
                cfg = GenConfig(model=self.config.app.fast_llm)
                return await self.provider.aget_completion(messages, cfg)
        """,
}


def test_models_written_into_a_handed_settings_object_reach_the_provider_that_can_send_them(tmp_path):
    result = scan(tmp_path, FILES)
    anthropic_site = site_at(result, "svc/providers.py", 24)
    assert model_set(anthropic_site) == ["claude-sonnet-4-5"]   # not the fallback a filled-in field never takes
    assert [c.origin for c in anthropic_site.model.candidates] == ["svc/default.toml:3"]
    assert "gpt-4.1-mini" in model_set(site_at(result, "svc/providers.py", 36))


def test_an_openai_client_without_a_base_url_drops_models_prefixed_with_another_provider(tmp_path):
    result = scan(tmp_path, FILES)
    assert model_set(site_at(result, "svc/providers.py", 36)) == ["gpt-4.1-mini"]


GATEWAY_ROUTES = {"app.py": """
    import openai
    MODELS = {"fast": "openai/gpt-4.1-mini", "plan": "anthropic/claude-sonnet-4-5", "local": "ollama/llama3.1",
              "bare": "gpt-4o"}
    def direct(kind, messages):
        return openai.OpenAI().chat.completions.create(model=MODELS[kind], messages=messages)
    def gateway(kind, messages, url):
        return openai.OpenAI(base_url=url).chat.completions.create(model=MODELS[kind], messages=messages)
    def configured(kind, messages, **client_options):
        return openai.AsyncOpenAI(**client_options).chat.completions.create(model=MODELS[kind], messages=messages)
    """}


def test_an_openai_client_without_a_base_url_sends_only_openai_models(tmp_path):
    result = scan(tmp_path, GATEWAY_ROUTES)
    assert model_set(site_at(result, "app.py", 6)) == ["openai/gpt-4.1-mini", "gpt-4o"]
    # a base_url, or client options that may hold one, reach gateways that serve every provider's models
    every = ["openai/gpt-4.1-mini", "anthropic/claude-sonnet-4-5", "ollama/llama3.1", "gpt-4o"]
    assert model_set(site_at(result, "app.py", 8)) == every
    assert model_set(site_at(result, "app.py", 10)) == every


def test_an_openai_client_keeps_prefixed_models_where_the_project_sets_openai_base_url(tmp_path):
    """The openai SDK reads OPENAI_BASE_URL when no base_url is passed: a project that sets it (its
    .env.example, or the code) sends through whatever gateway that names."""
    result = scan(tmp_path, {**GATEWAY_ROUTES, ".env.example": "OPENAI_BASE_URL=http://localhost:4000\n"})
    assert model_set(site_at(result, "app.py", 6)) == [
        "openai/gpt-4.1-mini", "anthropic/claude-sonnet-4-5", "ollama/llama3.1", "gpt-4o"]
    (tmp_path / "code").mkdir()
    result = scan(tmp_path / "code", {**GATEWAY_ROUTES, "boot.py": """
        import os
        os.environ.setdefault("OPENAI_BASE_URL", "http://localhost:4000")
        """})
    assert "anthropic/claude-sonnet-4-5" in model_set(site_at(result, "app.py", 6))


def test_a_site_of_a_single_vendor_sdk_drops_models_prefixed_with_another_provider(tmp_path):
    result = scan(tmp_path, {"app.py": """
        import anthropic, openai
        MODELS = {"fast": "openai/gpt-4.1-mini", "plan": "anthropic/claude-sonnet-4-5", "bare": "claude-3-5-haiku-latest"}
        def plan(kind, messages):
            model = MODELS[kind]
            return anthropic.Anthropic().messages.create(model=model.split("anthropic/")[-1], max_tokens=5, messages=messages)
        def route(kind, messages):
            return openai.OpenAI(base_url="http://localhost:4000").chat.completions.create(model=MODELS[kind], messages=messages)
        def fast(messages):
            return anthropic.Anthropic().messages.create(model=MODELS["fast"], max_tokens=5, messages=messages)
        """})
    assert model_set(site_at(result, "app.py", 6)) == ["claude-sonnet-4-5", "claude-3-5-haiku-latest"]
    # an openai client given a gateway's base URL reaches every provider's models under their prefixes: all stay
    assert model_set(site_at(result, "app.py", 8)) == [
        "openai/gpt-4.1-mini", "anthropic/claude-sonnet-4-5", "claude-3-5-haiku-latest"]
    fast_site = site_at(result, "app.py", 10)
    assert model_set(fast_site) == [] and "openai/gpt-4.1-mini" in fast_site.model.unknown \
        and "anthropic" in fast_site.model.unknown


def test_a_shared_packages_settings_class_filled_in_by_the_applications_nested_routes(tmp_path):
    """The class lives in one top-level package, the writes in routes another package's method defines;
    a local server's model (`ollama/…`) is never sent by the Anthropic SDK either."""
    result = scan(tmp_path, {
        "shared/__init__.py": "",
        "shared/gen.py": """
            from pydantic import BaseModel
            class GenConfig(BaseModel):
                model: str | None = None
            """,
        "app/__init__.py": "",
        "app/app.toml": "[app]\nquality_llm = \"ollama/llama3.1\"\nplanning_llm = \"anthropic/claude-sonnet-4-5\"\n",
        "app/routes.py": """
            from fastapi import Body
            from shared.gen import GenConfig

            class Router:
                def __init__(self, config, provider):
                    self.config, self.provider = config, provider

                def setup_routes(self, app):
                    @app.post("/rag")
                    async def rag(query: str, cfg: GenConfig = Body(default_factory=GenConfig)):
                        if "model" not in cfg.model_fields_set:
                            cfg.model = self.config.app.quality_llm
                        return await self.provider.complete(query, cfg)

                    @app.post("/plan")
                    async def plan(query: str, cfg: GenConfig = Body(default_factory=GenConfig)):
                        cfg.model = self.config.app.planning_llm
                        return await self.provider.complete(query, cfg)
            """,
        "app/anthropic_provider.py": """
            import anthropic
            from shared.gen import GenConfig

            class AnthropicProvider:
                def _args(self, cfg: GenConfig):
                    return {"model": cfg.model.split("anthropic/")[-1] if cfg.model else "claude-3-opus-20240229"}

                async def complete(self, query, cfg: GenConfig):
                    return await anthropic.AsyncAnthropic().messages.create(
                        **self._args(cfg), max_tokens=512, messages=[{"role": "user", "content": query}])
            """})
    assert model_set(site_at(result, "app/anthropic_provider.py")) == ["claude-sonnet-4-5"]
