"""LLM005 adds the expected output to the prompt only for a model that answers in text: an image model's
context window holds its prompt alone (Stability's SD3 reads 77 tokens), so no output is counted against it."""
from __future__ import annotations

import textwrap
from pathlib import Path

from llmsight import api

SD3 = """
    import json
    import boto3
    runtime = boto3.client("bedrock-runtime")
    def draw():
        return runtime.invoke_model(modelId="stability.sd3-large-v1:0", body=json.dumps({{"prompt": "{prompt}"}}))
    """


def llm005(tmp_path: Path, source: str) -> list[str]:
    text = textwrap.dedent(source).lstrip("\n")
    (tmp_path / "app.py").write_text(text, encoding="utf-8")
    result = api.check_source(text, "app.py", root=tmp_path, select=["LLM005"], config={}, with_estimates=False)
    assert not result.errors, result.errors
    return [d.message for d in result.diagnostics if d.code == "LLM005"]


def test_a_short_prompt_to_an_image_model_fits(tmp_path):
    assert llm005(tmp_path, SD3.format(prompt="a watercolour fox in the snow")) == []

