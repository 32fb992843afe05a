"""A request method handed to a retry or rate-limit wrapper with the request's keywords is the call site,
with those keywords as its arguments; `self.client` comes from the concrete class's `create_client()`
override (an SDK module or a client, whose constructor may carry the model)."""
from __future__ import annotations

import textwrap
from pathlib import Path

from llmsight import api

MODELS = '''
from tenacity import Retrying, stop_after_attempt


class RemoteModel:
    def __init__(self, model_id, client=None):
        self.model_id = model_id
        self.client = client or self.create_client()
        self.retryer = Retrying(stop=stop_after_attempt(3))

    def create_client(self):
        raise NotImplementedError


class ProxyModel(RemoteModel):
    def __init__(self, model_id="claude-3-5-haiku-latest", **kwargs):
        super().__init__(model_id, **kwargs)

    def create_client(self):
        import litellm
        return litellm

    def generate(self, messages):
        return self.retryer(self.client.completion, model=self.model_id, messages=messages)


class HubModel(RemoteModel):
    def __init__(self, model_id="Qwen/Qwen2.5-72B-Instruct", **kwargs):
        super().__init__(model_id, **kwargs)

    def create_client(self):
        from huggingface_hub import InferenceClient
        return InferenceClient(model=self.model_id)

    def generate(self, messages):
        return self.retryer(self.client.chat_completion, messages=messages)


class DirectModel(RemoteModel):
    def __init__(self, model_id="gpt-4o", **kwargs):
        super().__init__(model_id, **kwargs)

    def create_client(self):
        import openai
        return openai.OpenAI()

    def generate(self, messages, **params):
        return Retrying(stop=stop_after_attempt(2))(self.client.chat.completions.create, messages=messages,
                                                    model=self.model_id, **params)
'''

HELPERS = '''
from concurrent.futures import ThreadPoolExecutor
from openai import OpenAI

client = OpenAI()


def with_backoff(fn, **kwargs):
    return fn(**kwargs)


def embed(texts):
    return with_backoff(client.embeddings.create, model="text-embedding-3-small", input=texts)


def embed_all(batches):
    with ThreadPoolExecutor() as pool:
        return list(pool.map(client.embeddings.create, batches, timeout=30))
'''


def sites(tmp_path: Path, files: dict[str, str]):
    (tmp_path / "pyproject.toml").write_text("[project]\nname='x'\n")
    for rel, text in files.items():
        (tmp_path / rel).write_text(textwrap.dedent(text), encoding="utf-8")
    return api.check([tmp_path], select=["NONE"], use_cache=False).call_sites


def test_request_methods_handed_to_a_retryer_on_clients_from_create_client_overrides(tmp_path):
    found = {s.function: s for s in sites(tmp_path, {"models.py": MODELS})}
    assert {f: (s.sdk, [c.value for c in s.model.candidates]) for f, s in found.items()} == {
        "ProxyModel.generate": ("litellm", ["claude-3-5-haiku-latest"]),
        "HubModel.generate": ("huggingface", ["Qwen/Qwen2.5-72B-Instruct"]),
        "DirectModel.generate": ("openai", ["gpt-4o"]),
    }


def test_the_wrappers_keywords_are_the_requests_only_when_it_forwards_them(tmp_path):
    found = {s.function: s for s in sites(tmp_path, {"helpers.py": HELPERS})}
    assert [c.value for c in found["embed"].model.candidates] == ["text-embedding-3-small"]
    # pool.map's timeout is the pool's, not the request's
    assert found["embed_all"].timeout.source != "call"
    assert found["embed_all"].model.candidates == ()


def test_a_base_class_request_on_the_client_each_subclass_makes(tmp_path):
    found = sites(tmp_path, {"base.py": '''
        class RemoteModel:
            def __init__(self, model_id, client=None):
                self.model_id = model_id
                self.client = client or self.create_client()

            def create_client(self):
                raise NotImplementedError

            def generate(self, messages):
                return self.client.chat.completions.create(model=self.model_id, messages=messages)
        ''', "impl.py": '''
        from openai import OpenAI
        from base import RemoteModel

        class DirectModel(RemoteModel):
            def __init__(self, model_id="gpt-4o"):
                super().__init__(model_id)

            def create_client(self):
                return OpenAI()
        '''})
    assert [(s.function, s.sdk, [c.value for c in s.model.candidates]) for s in found] == [
        ("RemoteModel.generate", "openai", ["gpt-4o"])]
