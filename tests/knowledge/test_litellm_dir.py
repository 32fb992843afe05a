"""$LLMSIGHT_LITELLM_DIR: a copy of litellm's data files (as the VS Code extension's bundled server ships
them, without litellm) serves the price map, its version and the tokenizer files."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from llmsight.knowledge import catalog, tokens

PROBE = ("from llmsight.knowledge.catalog import Catalog, price_map_path; from llmsight.knowledge import tokens; "
         "import json; print(json.dumps([str(price_map_path()), Catalog.load().price_data, "
         "str(tokens.tokenizer_dir()), tokens.count_tokens('hello world', 'gpt-4o')]))")


def run_probe(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True", **env})


def test_a_vendored_copy_replaces_the_installed_litellm(tmp_path):
    installed = catalog.price_map_path().parent
    vendored = tmp_path / "litellm"
    (vendored / "litellm_core_utils").mkdir(parents=True)
    shutil.copy(installed / catalog.PRICE_MAP_FILE, vendored)
    shutil.copytree(tokens.tokenizer_dir(), vendored / "litellm_core_utils" / "tokenizers")
    (tmp_path / "litellm-9.9.9.dist-info").mkdir()
    (tmp_path / "litellm-9.9.9.dist-info" / "METADATA").write_text("Name: litellm\nVersion: 9.9.9\n")

    done = run_probe({"LLMSIGHT_LITELLM_DIR": str(vendored)})
    assert done.returncode == 0, done.stderr
    path, price_data, tokenizers, count = json.loads(done.stdout)
    assert Path(path) == vendored / catalog.PRICE_MAP_FILE
    assert price_data.startswith("litellm 9.9.9 ")
    assert Path(tokenizers) == vendored / "litellm_core_utils" / "tokenizers"
    assert count == tokens.count_tokens("hello world", "gpt-4o")


def test_a_folder_without_the_price_map_is_named(tmp_path):
    done = run_probe({"LLMSIGHT_LITELLM_DIR": str(tmp_path)})
    assert done.returncode != 0
    assert f"LLMSIGHT_LITELLM_DIR={tmp_path} has no {catalog.PRICE_MAP_FILE}" in done.stderr
