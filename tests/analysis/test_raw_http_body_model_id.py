"""A raw HTTP request whose JSON body names its model `model_id` (image, speech and text-generation APIs
do) sends that model, read as a `model` key is: from the literal, a local dict, or the dicts a helper's
callers pass; a body with both keys sends its `model` (issue 12)."""
from __future__ import annotations

import pytest
from site_lines import line_of, models_at, scan_project

IMAGES = '''
    import os

    import aiohttp
    import requests

    TEXT2IMG_URL = "https://modelslab.com/api/v6/images/text2img"


    class Painter:
        DEFAULT_MODEL = "flux"

        def __init__(self, model_id=None):
            self.model_id = model_id or self.DEFAULT_MODEL

        async def paint(self, prompt):
            payload = {"key": os.getenv("PAINT_KEY"), "model_id": self.model_id, "prompt": prompt}
            return await self._post(payload)

        async def _post(self, payload):
            async with aiohttp.ClientSession() as session:
                async with session.post(TEXT2IMG_URL, json=payload) as resp:
                    return await resp.json()


    def sketch(prompt):
        body = {"model_id": "sdxl", "prompt": prompt}
        return requests.post(TEXT2IMG_URL, json=body).json()


    def chat(prompt):
        return requests.post("https://api.openai.com/v1/chat/completions",
                             json={"model": "gpt-4o-mini", "model_id": "run-7",
                                   "messages": [{"role": "user", "content": prompt}]})
'''


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    return scan_project(tmp_path_factory.mktemp("bodies") / "p", {"art/__init__.py": "", "art/images.py": IMAGES})


def test_model_id_in_a_body_the_callers_build_is_the_model(result):
    assert models_at(result, "art/images.py", line_of(IMAGES, "session.post(")) == ["flux"]


def test_model_id_in_a_local_body_is_the_model(result):
    assert models_at(result, "art/images.py", line_of(IMAGES, "json=body")) == ["sdxl"]


def test_a_body_with_model_and_model_id_sends_its_model(result):
    assert models_at(result, "art/images.py", line_of(IMAGES, "api.openai.com")) == ["gpt-4o-mini"]
