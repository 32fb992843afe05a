"""LLM004 is about output tokens: it does not fire where the model answers with no text (an embedding, image
or video model reached through a method that serves every kind: Bedrock's invoke_model, Replicate's run),
and still fires where the model writes text (a chat model there, an image model that also bills text)."""
from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from llmsight import api
from llmsight.knowledge.catalog import Catalog, generates_text


def llm004(tmp_path: Path, source: str) -> list[str]:
    text = textwrap.dedent(source).lstrip("\n")
    path = tmp_path / "app.py"
    path.write_text(text, encoding="utf-8")
    result = api.check_source(text, str(path), root=tmp_path, select=["LLM004"], config={}, with_estimates=False)
    assert not result.errors, result.errors
    return [d.message for d in result.diagnostics if d.code == "LLM004"]


BEDROCK = """
    import json
    import boto3
    runtime = boto3.client("bedrock-runtime")
    def call(text):
        return runtime.invoke_model(modelId="{model}", body=json.dumps({{"prompt": text}}))
    """


@pytest.mark.parametrize("model", ["amazon.titan-embed-text-v2:0", "stability.sd3-large-v1:0",
                                   "amazon.nova-canvas-v1:0", "cohere.embed-english-v3"])
def test_bedrock_invoke_model_of_a_model_without_text_output_is_not_reported(tmp_path, model):
    assert llm004(tmp_path, BEDROCK.format(model=model)) == []


def test_bedrock_invoke_model_of_a_text_model_is_still_reported(tmp_path):
    assert llm004(tmp_path, BEDROCK.format(model="meta.llama3-1-70b-instruct-v1:0"))


@pytest.mark.parametrize("request_input", [
    '{"prompt": prompt, "aspect_ratio": "16:9", "num_outputs": 1, "output_format": "webp"}',
    '{"prompt": prompt, "width": 1024, "height": 1024, "negative_prompt": "blurry"}',
])
def test_replicate_request_for_media_is_not_reported(tmp_path, request_input):
    assert llm004(tmp_path, f"""
        import replicate
        def draw(prompt):
            return replicate.run("acme/some-image-model:5c7d5dc6dd8bf75c1acaa8565735e7986bc5b66206b55cca93cb72c9bf15ccaa",
                                 input={request_input})
        """) == []


def test_replicate_media_input_built_in_a_variable_is_not_reported(tmp_path):
    assert llm004(tmp_path, """
        import replicate
        def film(prompt, seconds):
            payload = {"prompt": prompt}
            payload["fps"] = 24
            payload["duration"] = seconds
            return replicate.run("acme/some-video-model", input=payload)
        """) == []


def test_replicate_text_model_is_still_reported(tmp_path):
    found = llm004(tmp_path, """
        import replicate
        def ask(prompt):
            return replicate.run("meta/llama-2-70b-chat", input={"prompt": prompt, "temperature": 0.2})
        """)
    assert len(found) == 1 and "input.max_tokens" in found[0]


def test_an_image_model_that_bills_text_output_is_still_reported(tmp_path):
    """gemini-2.5-flash-image's row is an image_generation row that bills output text tokens: a cap bounds it."""
    assert llm004(tmp_path, """
        from google import genai
        client = genai.Client()
        def draw(prompt):
            return client.models.generate_content(model="gemini-2.5-flash-image", contents=prompt)
        """)


@pytest.mark.parametrize("model, text", [
    ("gpt-4o-mini", True), ("gemini-2.5-flash-image", True), ("text-embedding-3-small", False),
    ("stability.sd3-large-v1:0", False), ("tts-1", False), ("rerank-english-v3.0", False),
])
def test_generates_text_reads_the_rows_mode_and_output_price(model, text):
    info = Catalog.load().lookup(model)
    assert info is not None and generates_text(info) is text


@pytest.mark.parametrize("model", [
    "black-forest-labs/flux-schnell", "stability-ai/sdxl:39ed52f2a78e934b3ba6e2a89f5b1c712de7dfea535525255b1aa35c5565e08b",
    "someone/flux-dev-lora", "kwaivgi/kling-v2.1", "google/veo-3", "meta/musicgen"])
def test_replicate_prompt_only_request_to_a_media_model_is_not_reported(tmp_path, model):
    assert llm004(tmp_path, f"""
        import replicate
        def make(prompt):
            return replicate.run("{model}", input={{"prompt": prompt}})
        """) == []


@pytest.mark.parametrize("model, kind", [
    ("black-forest-labs/flux-1.1-pro", "image"), ("replicate/stability-ai/stable-diffusion-3.5-large", "image"),
    ("wan-video/wan-2.2-t2v-fast", "video"), ("openai/whisper:8099696689d249cf8b122d833c36ac3f75505c666a395ca40ef26f68e7d3d16e", "audio"),
    ("meta/meta-llama-3-70b-instruct", None), ("mistralai/mixtral-8x7b-instruct-v0.1", None),
    ("ibm-granite/granite-3.3-8b-instruct", None), ("yorickvp/llava-13b", None)])
def test_media_model_kind_names_media_only_families(model, kind):
    from llmsight.knowledge.catalog import media_model_kind

    assert media_model_kind(model) == kind
