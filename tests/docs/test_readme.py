"""README.md stays true: its Quick start is two commands that exist, its rule table is the registry."""
from __future__ import annotations

import re
from pathlib import Path

from llmsight.analysis.rules import all_rules

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_rule_table_matches_the_registry():
    rows = dict(re.findall(r"^\| (LLM\d{3}) \| ([a-z0-9-]+) \|", README, re.MULTILINE))
    assert rows == {r.code: r.name for r in all_rules()}


def test_quick_start_is_two_existing_scripts():
    block = README.split("## Quick start", 1)[1].split("```bash", 1)[1].split("```", 1)[0]
    commands = [line.split("#", 1)[0].strip() for line in block.strip().splitlines()]
    assert commands == ["scripts/demo", "scripts/test"]
    for command in commands:
        assert (ROOT / command).is_file() and (ROOT / command).stat().st_mode & 0o111


def test_linked_docs_exist():
    for link in re.findall(r"\]\(((?:docs|schema)/[^)#]+)\)", README):
        assert (ROOT / link).exists(), link


def test_config_example_is_valid_config():
    import tomllib

    from llmsight.config import parse_config

    table = tomllib.loads(README.split("```toml", 1)[1].split("```", 1)[0])["tool"]["llmsight"]
    table.pop("prices")  # a file path: the example does not ship the file
    parse_config(table, "README.md")
