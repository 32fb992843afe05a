"""The SDK request tables (knowledge/data/sdk_requests.json) against the SDKs they were generated from.

The comparison with an SDK runs only where that SDK is installed at its pinned version (the `sdk-tables`
extra, which CI does not install); a new SDK release therefore never turns CI red. The other tests
check what discovery makes of the data, and always run.
"""
from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import sys
from pathlib import Path

import pytest

from llmsight.analysis import sdks

ROOT = Path(__file__).resolve().parents[2]
DATA = json.loads((ROOT / "knowledge" / "data" / "sdk_requests.json").read_text(encoding="utf-8"))


def _generator():
    spec = importlib.util.spec_from_file_location("sdk_tables", ROOT / "scripts" / "sdk_tables.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module   # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


GENERATOR = _generator()


@pytest.mark.parametrize("sdk", sorted(DATA["sdks"]))
def test_data_matches_the_pinned_sdk_when_installed(sdk):
    entry = DATA["sdks"][sdk]
    try:
        installed = importlib.metadata.version(entry["distribution"])
    except importlib.metadata.PackageNotFoundError:
        pytest.skip(f"{entry['distribution']} is not installed (pyproject's sdk-tables extra)")
    if installed != entry["version"]:
        pytest.skip(f"{entry['distribution']} {installed} is installed; the data comes from {entry['version']}")
    unclassified: list[str] = []
    assert GENERATOR.sdk_section(sdk, unclassified) == entry, \
        "the SDK's request methods changed: rerun scripts/sdk_tables.py"
    assert unclassified == []


def test_data_names_the_pinned_versions():
    assert {e["distribution"]: e["version"] for e in DATA["sdks"].values()} == GENERATOR.pins()


def test_every_generated_request_is_a_request_discovery_knows():
    kinds = {**sdks.CLIENT_CLASSES, **sdks.MODULE_CLIENTS, "boto3.client('bedrock-runtime')": sdks.BEDROCK}
    for sdk, entry in DATA["sdks"].items():
        for client, info in entry["clients"].items():
            kind = kinds[client]
            assert kind.sdk == sdk, client
            for path in info["requests"]:
                if (sdk, path) in sdks.DERIVED_CLIENTS:   # opens a session whose events are the requests
                    continue
                assert path in kind.methods, f"{client}.{path}"
                assert kind.methods[path].operation == entry["requests"][path]["operation"], f"{client}.{path}"


def test_management_endpoints_are_not_requests():
    kinds = {**sdks.CLIENT_CLASSES, "boto3.client('bedrock-runtime')": sdks.BEDROCK}
    for sdk, entry in DATA["sdks"].items():
        for client in entry["clients"]:
            if client in kinds:
                assert not set(entry["management"]) & set(kinds[client].methods), client


def test_legacy_namespaces_are_ones_the_pinned_sdks_dropped():
    for sdk, methods in sdks.LEGACY_REQUESTS.items():
        entry = DATA["sdks"][sdk]
        assert not set(methods) & (set(entry["requests"]) | set(entry["management"])), sdk


def test_signature_gives_model_prompt_and_positions():
    voyage = sdks.CLIENT_CLASSES["voyageai.Client"].methods["embed"]   # embed(texts, model=None, …)
    assert (voyage.operation, voyage.model_param, voyage.model_pos, voyage.prompt, voyage.prompt_pos) == \
        ("embedding", "model", 1, ("texts",), 0)
    complete = sdks.AZURE_AI_INFERENCE.methods["complete"]
    assert (complete.operation, complete.stream, complete.max_tokens) == ("chat", None, ("max_tokens",))
    assert sdks.OPENAI.methods["beta.threads.runs.stream"].stream is True
    assert sdks.BEDROCK.methods["converse_stream"].stream is True


def test_every_pattern_of_the_kept_table_names_its_category():
    categories = set(GENERATOR.CLASSIFICATION) | {"bedrock"}
    assert categories == set(DATA["sdks"])
    allowed = {"chat", "completion", "responses", "embedding", "image", "audio", "rerank", "batch", "realtime",
               GENERATOR.MANAGEMENT}
    for rows in GENERATOR.CLASSIFICATION.values():
        assert {category for _, category in rows} <= allowed
    assert GENERATOR.classify("openai", "files.create") == GENERATOR.MANAGEMENT
    assert GENERATOR.classify("anthropic", "messages.batches.create") == "batch"
    assert GENERATOR.classify("anthropic", "brand_new_namespace.create") is None   # a decision, not a guess
