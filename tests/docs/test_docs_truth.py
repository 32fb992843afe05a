"""The docs name only what exists: every `llm-lint` flag README.md names is an option of the CLI (of the
command the line runs, when it names one), every [tool.llmsight] setting in README.md and docs/*.md is
one the config reads and the code uses, and every magic option docs/notebooks.md names is the magic's."""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from llmsight.cli import build_parser
from llmsight.config import _ALIASES, Config, parse_config

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
DOCS = {p.name: p.read_text(encoding="utf-8") for p in sorted((ROOT / "docs").glob("*.md"))}
FLAG = re.compile(r"(?<![\w-])--[a-z][a-z0-9-]*")
COMMAND = re.compile(r"\bllm-lint (\w[\w-]*)")


def _commands() -> dict[str, set[str]]:
    """Subcommand -> its option strings."""
    parser = build_parser()
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    return {name: set(p._option_string_actions) for name, p in sub.choices.items()}


def test_every_flag_readme_names_is_a_cli_option():
    commands = _commands()
    everywhere = set().union(*commands.values())
    wrong = []
    for number, line in enumerate(README.splitlines(), 1):
        named = COMMAND.findall(line)
        for flag in FLAG.findall(line):
            # a line that runs one command names that command's options; prose may name any command's
            owners = [c for c in named if c in commands]
            known = commands[owners[0]] if len(owners) == 1 else everywhere
            if flag not in known:
                wrong.append(f"README.md:{number}: {flag}" + (f" (llm-lint {owners[0]})" if len(owners) == 1 else ""))
    assert not wrong, wrong


def _documented_tables() -> list[tuple[str, dict]]:
    """([tool.llmsight] table, where) of every TOML block in README.md and docs/ that has one."""
    found = []
    for name, text in {"README.md": README, **{f"docs/{k}": v for k, v in DOCS.items()}}.items():
        for block in re.findall(r"```toml\n(.*?)```", text, re.S):
            try:
                data = tomllib.loads(block)
            except tomllib.TOMLDecodeError:
                continue     # a fragment (one table's entries) is checked by the key test below
            table = data.get("tool", {}).get("llmsight")
            if table:
                found.append((name, table))
    return found


def test_every_documented_setting_is_read_by_the_config():
    tables = _documented_tables()
    assert len(tables) >= 2, "README.md and docs/ document [tool.llmsight]"
    for where, table in tables:
        table = {k: v for k, v in table.items() if k != "prices"}   # a file the example does not ship
        parse_config(table, where)          # unknown keys and bad values raise ConfigError


def test_every_documented_setting_is_used_by_the_code():
    fields = {f for f in Config.__dataclass_fields__ if f != "source"}
    documented = {_ALIASES.get(k, k.replace("-", "_")) for _, table in _documented_tables() for k in table}
    assert documented <= fields
    sources = "\n".join(p.read_text(encoding="utf-8") for folder in ("analysis", "simulator", "llmsight", "lsp",
                                                                     "jupyter_ext", "knowledge")
                        for p in (ROOT / folder).rglob("*.py") if p.name != "config.py")
    unused = sorted(f for f in documented if not re.search(rf"\.{f}\b", sources))
    assert not unused, f"documented settings no code reads: {unused}"


@pytest.mark.parametrize("magic", ["llm_lint", "llm_cost"])
def test_magic_options_in_the_notebook_docs_exist(magic: str):
    from llmsight.jupyter.magics import LlmsightMagics

    parser = getattr(LlmsightMagics, magic).parser
    options = set(parser._option_string_actions)
    named = {flag for line in DOCS["notebooks.md"].splitlines() if re.search(rf"%%?{magic}\b", line)
             for flag in FLAG.findall(line.split(f"{magic}", 1)[1])}
    assert named and named <= options, named - options


def test_notebook_docs_name_real_tests_and_no_false_expected_failure():
    """docs/notebooks.md may cite tests; each exists, and one it calls an expected failure is marked xfail."""
    text = DOCS["notebooks.md"]
    tests = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "tests" / "jupyter").glob("test_*.py"))
    for name in set(re.findall(r"\b(test_[a-z0-9_]+)\b(?!\.py)", text)):
        assert re.search(rf"def {name}\(", tests), f"docs/notebooks.md cites {name}, which no test defines"
    for passage in re.findall(r"expected failure.{0,400}|.{0,400}expected failure", text, re.S):
        for name in re.findall(r"\b(test_[a-z0-9_]+)\b(?!\.py)", passage):
            mark = re.search(rf"((?:@pytest\.mark\.[^\n]+\n)*)def {name}\(", tests)
            assert mark and "xfail" in mark.group(1), f"docs/notebooks.md calls {name} an expected failure; it is not"
