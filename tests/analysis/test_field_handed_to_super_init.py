"""A client held in a config-class field that the class's `__init__` hands to its base
(`super().__init__(runtime=runtime_client or boto3.client("bedrock-runtime"))`, the field declared
`runtime: Any`) is that client wherever a method uses it: its requests, direct or handed to
`loop.run_in_executor(None, partial(self.runtime.converse, **kwargs))`, are Bedrock call sites."""
from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from llmsight import api

BASE = """
from typing import Any

import boto3
from pydantic import BaseModel


class AwsService(BaseModel):
    runtime: Any
    control: Any

    def __init__(self, *, runtime_client: Any | None = None, client: Any | None = None, **kwargs: Any) -> None:
        super().__init__(
            runtime=runtime_client or boto3.client("bedrock-runtime"),
            control=client or boto3.client("bedrock"),
            **kwargs,
        )
"""
CHAT = """
import asyncio
from functools import partial

from base import AwsService


class TextService(AwsService):
    model_id: str = "amazon.nova-lite-v1:0"

    async def complete(self, messages):
        kwargs = {"modelId": self.model_id, "messages": messages}
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(None, partial(self.runtime.converse, **kwargs))

    def complete_now(self, messages):
        return self.runtime.converse(modelId=self.model_id, messages=messages)

    def list_models(self):
        return self.control.list_foundation_models()
"""
# the field declared on a base with no `__init__`; a subclass's `__init__` hands it the client
HANDED_BELOW = """
from typing import Any

import boto3
from pydantic import BaseModel


class Holder(BaseModel):
    client: Any = None

    def ask(self, text):
        return self.client.converse(modelId="amazon.nova-micro-v1:0", messages=[{"role": "user", "content": text}])


class Made(Holder):
    def __init__(self, **kwargs):
        super().__init__(client=boto3.client("bedrock-runtime"), **kwargs)
"""


@pytest.fixture(scope="module")
def sites(tmp_path_factory) -> dict[str, tuple[str | None, list[str]]]:
    root: Path = tmp_path_factory.mktemp("handed_field")
    (root / "pyproject.toml").write_text("[project]\nname='x'\n")
    for rel, text in {"base.py": BASE, "chat.py": CHAT, "below.py": HANDED_BELOW}.items():
        (root / rel).write_text(textwrap.dedent(text), encoding="utf-8")
    result = api.check([root], select=["NONE"], use_cache=False)
    return {s.function: (s.sdk, sorted(c.value for c in s.model.candidates)) for s in result.call_sites}


def test_a_request_handed_to_an_executor_through_partial_is_found(sites):
    assert sites["TextService.complete"] == ("bedrock", ["amazon.nova-lite-v1:0"])


def test_the_direct_request_on_the_same_field_is_found(sites):
    assert sites["TextService.complete_now"] == ("bedrock", ["amazon.nova-lite-v1:0"])


def test_a_management_call_on_the_control_plane_client_is_not_a_site(sites):
    assert "TextService.list_models" not in sites


def test_a_subclass_init_handing_the_field_types_the_base_method_client(sites):
    assert sites["Holder.ask"] == ("bedrock", ["amazon.nova-micro-v1:0"])
