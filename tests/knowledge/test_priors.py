"""Latency and quality priors: every row sourced and dated; the latency model; bad files are clear errors."""
from __future__ import annotations

import csv
import datetime as dt
import math
from importlib import resources

import pytest

from llmsight.knowledge import priors as priors_mod
from llmsight.knowledge.priors import PriorsError, latency_prior, quality_prior, read_priors, static_latency


def shipped_rows() -> list[dict[str, str]]:
    text = resources.files("llmsight.knowledge").joinpath("data/priors.csv").read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


def test_every_row_has_a_source_and_a_real_date():
    rows = shipped_rows()
    assert rows and rows[-1]["pattern"] == "*"
    for row in rows:
        assert row["source"].strip(), row
        dt.date.fromisoformat(row["date"])
        assert row["source"] == "estimate" or row["source"].startswith("https://"), row


def test_first_matching_family_wins():
    assert latency_prior("gpt-4o-mini").pattern == "*gpt-4o-mini*"
    assert latency_prior("openai/gpt-4o-2024-08-06").pattern == "*gpt-4o*"
    assert latency_prior("claude-3-5-haiku-20241022").pattern == "*claude*haiku*"
    assert latency_prior("some-unknown-model").pattern == "*"


def test_static_latency_is_ttft_plus_decode_with_lognormal_tails():
    row = latency_prior("gpt-4o")
    lat = static_latency("gpt-4o", 400)
    assert lat.p50 == pytest.approx(row.ttft_s + 400 / row.tokens_per_s)
    assert lat.p95 == pytest.approx(lat.p50 * math.exp(1.6449 * row.sigma))
    assert lat.p99 == pytest.approx(lat.p50 * math.exp(2.3263 * row.sigma))
    assert lat.ttft == row.ttft_s and lat.source == row.source and lat.date == row.date
    assert static_latency("gpt-4o", 800).p50 > lat.p50


def test_quality_prior_is_none_where_the_row_has_none():
    assert quality_prior("gpt-4o")[1:] == ("estimate", latency_prior("gpt-4o").date)
    assert quality_prior("llama-3.1-70b") is None


@pytest.mark.parametrize("text, message", [
    ("pattern,ttft_s\n*,1\n", "missing column(s)"),
    ("pattern,ttft_s,tokens_per_s,sigma,quality,source,date\n*,fast,50,0.5,,estimate,2026-01-01\n",
     "my.csv:2: column `ttft_s` must be a number"),
    ("pattern,ttft_s,tokens_per_s,sigma,quality,source,date\n*,1,50,0.5,,,2026-01-01\n",
     "my.csv:2: every prior needs a source"),
    ("pattern,ttft_s,tokens_per_s,sigma,quality,source,date\ngpt*,1,50,0.5,,estimate,2026-01-01\n",
     "last row must be the `*` default"),
])
def test_broken_priors_file_names_file_and_row(text, message):
    with pytest.raises(PriorsError) as err:
        read_priors(text, "my.csv")
    assert message in str(err.value)


def test_a_priors_file_can_replace_the_shipped_one(tmp_path):
    path = tmp_path / "priors.csv"
    path.write_text("pattern,ttft_s,tokens_per_s,sigma,quality,source,date\n*,2,10,0,0.5,estimate,2026-01-01\n")
    priors_mod.priors.cache_clear()
    lat = static_latency("gpt-4o", 100, path=str(path))
    assert (lat.p50, lat.p95) == (12.0, 12.0)


def test_the_input_size_prior_is_one_default_splitter_chunk_and_only_for_embeddings():
    from llmsight.knowledge.catalog import as_characters
    from llmsight.knowledge.priors import input_prior

    prior = input_prior("embedding")
    # LangChain's default chunk is 4,000 characters, LlamaIndex's 1,024 tokens: the prior sits between them
    assert as_characters(prior.tokens) <= 4000 and prior.tokens <= 1024 and prior.tokens >= 0.9 * 1024
    assert "LangChain" in prior.source and "LlamaIndex" in prior.source
    assert dt.date.fromisoformat(prior.date) <= dt.date.today()
    # a chat prompt's run-time parts are not counted; speech and rerank have no sourced prior yet
    assert all(input_prior(op) is None for op in ("chat", "completion", "responses", "audio", "rerank"))
