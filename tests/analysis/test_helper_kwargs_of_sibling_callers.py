"""A helper that builds the request dict (`completion_kwargs = {...}; completion_kwargs.update(kwargs);
return completion_kwargs`) is called by several sibling classes' methods: the keys its `**kwargs` holds
at one site are what THAT call passes, never what a sibling class's call passes (a sibling's default
model priced in its place)."""
from __future__ import annotations

import textwrap
from pathlib import Path

from llmsight import api

MODELS = """
from retrying_lib import Retrying


class Model:
    def __init__(self, model_id=None, custom_role_conversions=None, **kwargs):
        self.model_id = model_id
        self.custom_role_conversions = custom_role_conversions

    def _prepare_completion_kwargs(self, messages, stop_sequences=None, custom_role_conversions=None,
                                   convert_images_to_image_urls=False, tool_choice="required", **kwargs):
        completion_kwargs = {"messages": messages}
        if stop_sequences is not None:
            completion_kwargs["stop"] = stop_sequences
        completion_kwargs.update(kwargs)
        return completion_kwargs


class ApiModel(Model):
    def __init__(self, model_id: str, client=None, requests_per_minute=None, retry=True, **kwargs):
        super().__init__(model_id=model_id, **kwargs)
        self.client = client or self.create_client()
        self.retryer = Retrying(max_attempts=3 if retry else 1)


class LiteModel(ApiModel):
    def __init__(self, model_id=None, api_base=None, **kwargs):
        if model_id is None:
            model_id = "anthropic/claude-3-5-sonnet-20240620"
        self.api_base = api_base
        super().__init__(model_id=model_id, **kwargs)

    def create_client(self):
        try:
            import litellm
        except ModuleNotFoundError as e:
            raise ModuleNotFoundError("install litellm") from e
        return litellm

    def generate(self, messages, stop_sequences=None, **kwargs):
        completion_kwargs = self._prepare_completion_kwargs(
            messages=messages, stop_sequences=stop_sequences, model=self.model_id,
            api_base=self.api_base, **kwargs)
        return self.retryer(self.client.completion, **completion_kwargs)


class OpenAIModel(ApiModel):
    def __init__(self, model_id: str, api_base=None, api_key=None, client_kwargs=None, **kwargs):
        self.client_kwargs = {**(client_kwargs or {}), "api_key": api_key, "base_url": api_base}
        super().__init__(model_id=model_id, custom_role_conversions={"tool": "user"}, **kwargs)

    def create_client(self):
        try:
            import openai
        except ModuleNotFoundError as e:
            raise ModuleNotFoundError("install openai") from e
        return openai.OpenAI(**self.client_kwargs)

    def generate_stream(self, messages, stop_sequences=None, **kwargs):
        completion_kwargs = self._prepare_completion_kwargs(
            messages=messages, stop_sequences=stop_sequences, model=self.model_id,
            custom_role_conversions=self.custom_role_conversions, **kwargs)
        for event in self.retryer(self.client.chat.completions.create, **completion_kwargs, stream=True,
                                  stream_options={"include_usage": True}):
            yield event
"""


def sites(tmp_path: Path) -> dict[str, object]:
    (tmp_path / "pyproject.toml").write_text("[project]\nname='x'\n")
    (tmp_path / "models.py").write_text(textwrap.dedent(MODELS), encoding="utf-8")
    result = api.check([tmp_path], select=["NONE"], use_cache=False)
    return {s.function: s.model for s in result.call_sites}


def test_a_helpers_kwargs_are_what_the_followed_call_passes_not_a_siblings(tmp_path):
    models = sites(tmp_path)
    lite, openai_site = models["LiteModel.generate"], models["OpenAIModel.generate_stream"]
    assert [c.value for c in lite.candidates] == ["anthropic/claude-3-5-sonnet-20240620"]
    assert openai_site.candidates == ()  # no caller constructs OpenAIModel: unresolved, with the reason
    assert openai_site.unknown
