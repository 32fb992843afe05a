"""Write the example traffic: `app_traffic.jsonl` for examples/app and the rule examples' traffic.

    python examples/traffic/make_traffic.py

Seeded, so re-running reproduces the committed files byte for byte. `app_traffic.jsonl` points at the
call sites of examples/app (code_file/code_line); `analysis/rules/_traffic_examples.jsonl` carries
feature tags only, so the rules' VALID/INVALID examples map rows by their `# llmsight: feature=` tag.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import os
from pathlib import Path

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import pyarrow as pa  # noqa: E402

from llmsight.simulator.generate import MODELS, SITES, ModelProfile, SiteProfile, generate, write  # noqa: E402

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
START = dt.datetime(2026, 11, 1)

GPT35 = ModelProfile("gpt-3.5-turbo", "openai", 300, 0.3, 30, 95, 0.15, 0.006, 0.001, 0.7)
APP_SITES = tuple(dataclasses.replace(s, models=(("gpt-3.5-turbo", 1.0),)) if s.code_function == "classify" else s
                  for s in SITES)

# one feature per traffic rule; rows carry no code location
RULE_SITES = (
    SiteProfile("", 0, "", "costly", (("gpt-4o", 1.0),), input_tokens=6000, output_tokens=800, output_sigma=0.3),
    SiteProfile("", 0, "", "slow", (("claude-sonnet-4-5", 0.8), ("claude-haiku-4-5", 0.2)), input_tokens=1500,
                output_tokens=600, output_sigma=0.3),
    SiteProfile("", 0, "", "flaky", (("gpt-4o-mini", 1.0),), input_tokens=800, output_tokens=150),
    SiteProfile("", 0, "", "drifting", (("gpt-4o", 1.0),), input_tokens=800, output_tokens=150),
    SiteProfile("", 0, "", "abtest", (("gpt-4o", 0.7), ("gpt-5.4-mini", 0.3)), input_tokens=1200,
                output_tokens=200),
)
RULE_MODELS = {"gpt-4o-mini": dataclasses.replace(MODELS["gpt-4o-mini"], error_rate=0.12)}
# the cheaper model of the A/B test is one with no retirement date: LLM012/LLM016 never recommend a retiring one
AB_MODELS = {"gpt-5.4-mini": dataclasses.replace(MODELS["gpt-4o-mini"], name="gpt-5.4-mini")}


def app_traffic() -> Path:
    table = generate(6000, seed=2026, sites=APP_SITES, models={"gpt-3.5-turbo": GPT35}, start=START, days=7)
    return write(table, HERE / "app_traffic.jsonl")


def rule_traffic() -> Path:
    parts = []
    for i, site in enumerate(RULE_SITES):
        models = RULE_MODELS if site.feature == "flaky" else AB_MODELS if site.feature == "abtest" else {}
        parts.append(generate(300, seed=100 + i, sites=(site,), models=models, start=START, days=1))
    table = pa.concat_tables(parts)
    for column in ("code_file", "code_function"):
        table = table.set_column(table.column_names.index(column), column, pa.nulls(table.num_rows, pa.string()))
    table = table.set_column(table.column_names.index("code_line"), "code_line", pa.nulls(table.num_rows, pa.int64()))
    return write(table, REPO / "analysis" / "rules" / "_traffic_examples.jsonl")


if __name__ == "__main__":
    for path in (app_traffic(), rule_traffic()):
        print(f"wrote {path.relative_to(REPO)} ({path.stat().st_size / 1e6:.1f} MB)")
