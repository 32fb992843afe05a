"""docs/traffic.md stays true: its YAML snippets parse and use real inputs, its usage lines real flags."""
from __future__ import annotations

import re
from pathlib import Path

import yaml

from llmsight.cli import build_parser

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "traffic.md").read_text(encoding="utf-8")


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", DOC, re.DOTALL)


def test_yaml_snippets_parse_and_use_the_actions_inputs():
    action_inputs = set(yaml.safe_load((ROOT / "action.yml").read_text())["inputs"])
    hook_ids = {h["id"] for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    workflow, precommit = (yaml.safe_load(b) for b in blocks("yaml"))
    step = next(s for s in workflow["jobs"]["llmsight"]["steps"] if "llmsight" in s.get("uses", ""))
    commented = re.findall(r"#\s*([a-z-]+):", blocks("yaml")[0])
    assert set(step["with"]) | set(commented) <= action_inputs
    assert {h["id"] for h in precommit["repos"][0]["hooks"]} <= hook_ids


def test_usage_lines_name_existing_flags():
    parser = build_parser()
    commands = parser._subparsers._group_actions[0].choices
    usages = re.findall(r"^llm-lint (ingest|diff|check) (.*)$", DOC, re.MULTILINE)
    assert {command for command, _ in usages} == {"ingest", "diff", "check"}
    for command, rest in usages:
        known = {opt for action in commands[command]._actions for opt in action.option_strings}
        for flag in re.findall(r"(--[a-z-]+)", rest):
            assert flag in known, (command, flag)
