"""Offline token counts from litellm's bundled tiktoken files."""
from __future__ import annotations

import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

from llmsight.knowledge import tokens

TEXT = "Summarise the following support ticket in two sentences, then list every order number: A-10293."


@pytest.mark.parametrize("model, encoding", [
    ("gpt-4o", "o200k_base"), ("openai/gpt-4o-mini", "o200k_base"), ("azure/gpt-4.1", "o200k_base"),
    ("o3-mini", "o200k_base"), ("gpt-5", "o200k_base"), ("ft:gpt-4o-mini-2024-07-18:org::abc", "o200k_base"),
    ("gpt-4", "cl100k_base"), ("gpt-3.5-turbo-0125", "cl100k_base"), ("text-embedding-3-small", "cl100k_base"),
    ("text-davinci-003", "p50k_base"), ("claude-sonnet-4-5", "cl100k_base"), (None, "cl100k_base"),
])
def test_encoding_by_model_family(model, encoding):
    assert tokens.encoding_name(model) == encoding


def test_counts_equal_tiktoken_with_litellm_files():
    folder = tokens.tokenizer_dir()
    assert folder is not None and folder.is_dir()
    code = (f"import os; os.environ['TIKTOKEN_CACHE_DIR'] = {str(folder)!r}; import tiktoken; "
            f"print(len(tiktoken.get_encoding('o200k_base').encode({TEXT!r})), "
            f"len(tiktoken.get_encoding('cl100k_base').encode({TEXT!r})))")
    expected = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert [str(tokens.count_tokens(TEXT, "gpt-4o")), str(tokens.count_tokens(TEXT, "gpt-4"))] == expected


def test_counting_is_offline_and_leaves_the_environment_alone(tmp_path):
    """A user's own TIKTOKEN_CACHE_DIR (empty here) and a dead proxy must not matter."""
    code = ("import os; from llmsight.knowledge.tokens import count_tokens; "
            f"n = count_tokens({TEXT!r}, 'gpt-4o'); print(n, os.environ['TIKTOKEN_CACHE_DIR'])")
    env = dict(os.environ, TIKTOKEN_CACHE_DIR=str(tmp_path), HTTPS_PROXY="http://127.0.0.1:9",
               HTTP_PROXY="http://127.0.0.1:9")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert out.returncode == 0, out.stderr
    count, cache_dir = out.stdout.split()
    assert int(count) == tokens.count_tokens(TEXT, "gpt-4o") and cache_dir == str(tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_special_token_text_is_counted_not_rejected():
    assert tokens.count_tokens("<|endoftext|> hi", "gpt-4o") > 0


def test_fallback_ratio_when_no_tokenizer_files(monkeypatch):
    monkeypatch.setattr(tokens, "tokenizer_dir", lambda: None)
    tokens._encoding.cache_clear()
    tokens._ratio.cache_clear()
    try:
        assert tokens.count_tokens(TEXT, "gpt-4o") == math.ceil(len(TEXT) / 4)
        assert tokens.tokenizer_ratio("gpt-4", "gpt-4o") == 1.0
    finally:
        tokens._encoding.cache_clear()
        tokens._ratio.cache_clear()


def test_empty_text_is_zero_tokens():
    assert tokens.count_tokens("", "gpt-4o") == 0


def test_tokenizer_ratio_compares_encodings_on_the_same_text():
    assert tokens.tokenizer_ratio("gpt-4o", "gpt-4o-mini") == 1.0
    ratio = tokens.tokenizer_ratio("gpt-4o", "gpt-4")
    assert ratio == pytest.approx(1 / tokens.tokenizer_ratio("gpt-4", "gpt-4o"))
    assert 0.8 < ratio < 1.5 and ratio != 1.0


def test_exact_tokenizer_flag():
    assert tokens.has_exact_tokenizer("gpt-4o") and not tokens.has_exact_tokenizer("claude-sonnet-4-5")


def test_tokenizer_files_are_where_the_docs_say():
    folder = tokens.tokenizer_dir()
    assert folder.parts[-2:] == ("litellm_core_utils", "tokenizers")
    assert Path(folder, "fb374d419588a4632f3f557e76b4b70aebbca790").is_file()   # o200k_base
