"""Every rule's VALID/INVALID examples run as tests through the real engine (Fixit-style).

For each rule in the registry: VALID examples raise no diagnostic of the rule's code; INVALID ones
raise at least one, whose message contains `message`; `expected_fix` is the whole text after the first
fix. Example texts are dedented (and a leading blank line dropped), so they may be written as
indented triple-quoted strings. Then every fix of every INVALID example is checked: the result parses (ast and libcst), the
diagnostic it fixes does not come back at that site (so applying it again is a no-op), and it imports
no other SDK than the one of the call it fixes. Docs and examples are checked for completeness.
"""
from __future__ import annotations

import ast
import json
import re
import textwrap
from pathlib import Path

import libcst
import pytest

from llmsight import api
from llmsight.analysis.fixes import apply_edits
from llmsight.analysis.notebook import cell_source
from llmsight.analysis.rules import Invalid, Valid, all_rules
from llmsight.records import Diagnostic, Fix

DOC_SECTIONS = ("## What it does", "## Why is this bad", "## Example", "## Use instead", "## Fix safety")
# reported by the engine itself (it has no examples to run through a rule class)
ENGINE_RULES = {"LLM000"}
MIN_EXAMPLES = 2

# top-level import name -> the SDK (CallSite.sdk) it belongs to; a fix may import only its call's SDK
IMPORT_SDK = {
    "openai": "openai", "anthropic": "anthropic", "google": "google", "vertexai": "google",
    "boto3": "bedrock", "botocore": "bedrock", "aioboto3": "bedrock", "litellm": "litellm",
    "ollama": "ollama", "groq": "groq", "cohere": "cohere", "mistralai": "mistral", "together": "together",
    "requests": "http", "httpx": "http", "aiohttp": "http", "instructor": "openai",
}


def _sdk_of_import(module: str) -> str | None:
    root = module.split(".")[0]
    if root.startswith("langchain"):
        return "langchain"
    return IMPORT_SDK.get(root)


def source(text: str) -> str:
    """Example text as written in a rule class, dedented."""
    return textwrap.dedent(text).lstrip("\n")


def _examples():
    for rule in all_rules():
        for i, ex in enumerate(rule.VALID):
            ex = Valid(ex) if isinstance(ex, str) else ex
            yield pytest.param(rule, ex, id=f"{rule.code}-valid-{i}")
        for i, ex in enumerate(rule.INVALID):
            yield pytest.param(rule, ex, id=f"{rule.code}-invalid-{i}")


def _invalid_examples():
    for rule in all_rules():
        for i, ex in enumerate(rule.INVALID):
            yield pytest.param(rule, ex, id=f"{rule.code}-invalid-{i}")


def run_example(tmp_path: Path, rule, code: str, path: str, config: dict) -> list[Diagnostic]:
    """The rule's diagnostics on `code` saved as `path` in a fresh project, config from `config`."""
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'example'\n", encoding="utf-8")
    target = tmp_path / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(code, encoding="utf-8")
    result = api.check_source(code, str(target), config=dict(config), root=tmp_path, select=[rule.code],
                              with_estimates=False)
    assert not [e for e in result.errors if "internal error" in e.message], result.errors
    if rule.code not in ENGINE_RULES:  # an example that does not parse would pass VALID vacuously
        assert not [d for d in result.diagnostics if d.code == "LLM000"], f"example does not parse:\n{code}"
    return [d for d in result.diagnostics if d.code == rule.code]


def apply_fix(text: str, path: str, fix: Fix) -> str:
    """The text after one fix's edits (per cell for notebooks)."""
    if not path.endswith(".ipynb"):
        new, skipped = apply_edits(text, fix.edits)
        assert not skipped, f"fix {fix.title!r} has overlapping edits"
        return new
    nb = json.loads(text)
    for edit in fix.edits:
        assert edit.span.cell is not None, "notebook edits must name their cell"
    for cell in {e.span.cell for e in fix.edits}:
        edits = [e for e in fix.edits if e.span.cell == cell]
        new, skipped = apply_edits(cell_source(nb["cells"][cell]), edits)
        assert not skipped, f"fix {fix.title!r} has overlapping edits"
        nb["cells"][cell]["source"] = new.splitlines(keepends=True)
    return json.dumps(nb, indent=1)


def python_sources(text: str, path: str) -> list[str]:
    if not path.endswith(".ipynb"):
        return [text]
    nb = json.loads(text)
    masked = re.compile(r"^\s*[%!].*$", re.M)  # magics and shell escapes are not Python
    return [masked.sub("pass", cell_source(c)) for c in nb["cells"] if c.get("cell_type") == "code"]


def imported_modules(text: str, path: str) -> set[str]:
    out = set()
    for src in python_sources(text, path):
        for node in ast.walk(ast.parse(src)):
            if isinstance(node, ast.Import):
                out.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                out.add(node.module)
    return out


@pytest.mark.parametrize("rule, example", list(_examples()))
def test_example(tmp_path, rule, example):
    found = run_example(tmp_path, rule, source(example.code), example.path, example.config)
    if isinstance(example, Valid):
        assert not found, f"{rule.code} fired on a VALID example: {[d.message for d in found]}"
        return
    assert found, f"{rule.code} did not fire on an INVALID example"
    if example.message is not None:
        assert any(example.message in d.message for d in found), \
            f"no {rule.code} message contains {example.message!r}: {[d.message for d in found]}"
    if example.expected_fix is not None:
        first = found[0]
        assert first.fixes and first.fixes[0].edits, f"{rule.code} offered no fix with edits"
        assert apply_fix(source(example.code), example.path, first.fixes[0]) == source(example.expected_fix)


@pytest.mark.parametrize("rule, example", list(_invalid_examples()))
def test_fixes_parse_clear_and_keep_the_sdk(tmp_path, rule, example):
    code = source(example.code)
    found = run_example(tmp_path, rule, code, example.path, example.config)
    before_imports = imported_modules(code, example.path)
    for diag in found:
        for fix in diag.fixes:
            assert fix.applicability in ("safe", "unsafe", "display-only")
            if fix.applicability == "display-only":
                assert not fix.edits, f"display-only fix {fix.title!r} carries edits"
                continue
            assert fix.edits, f"{fix.applicability} fix {fix.title!r} has no edits"
            fixed = apply_fix(code, example.path, fix)
            for src in python_sources(fixed, example.path):
                ast.parse(src)
                libcst.parse_module(src)
            again = run_example(tmp_path, rule, fixed, example.path, example.config)
            same_site = [d for d in again if d.site_id == diag.site_id]
            before_same = [d for d in found if d.site_id == diag.site_id]
            if diag.site_id is not None:
                assert not same_site, f"{rule.code} still fires at {diag.site_id} after {fix.title!r}:\n{fixed}"
            else:
                assert len(same_site) < len(before_same), f"{rule.code} not cleared by {fix.title!r}:\n{fixed}"
            site_sdks = _site_sdks(tmp_path, code, example, diag)
            for module in imported_modules(fixed, example.path) - before_imports:
                sdk = _sdk_of_import(module)
                assert sdk is None or sdk in site_sdks, \
                    f"fix {fix.title!r} imports {module} ({sdk}) into a {'/'.join(sorted(site_sdks))} call"


def _site_sdks(tmp_path: Path, code: str, example: Invalid, diag: Diagnostic) -> set[str]:
    """SDK of the diagnostic's call site, or (file-level findings) every SDK the file imports."""
    if diag.site_id is not None:
        result = api.check_source(code, str(tmp_path / example.path), config=dict(example.config),
                                  root=tmp_path, select=["NONE"], with_estimates=False)
        return {s.sdk for s in result.call_sites if s.id == diag.site_id}
    return {sdk for m in imported_modules(code, example.path) if (sdk := _sdk_of_import(m))}


@pytest.mark.parametrize("rule", all_rules(), ids=lambda r: r.code)
def test_rule_is_documented_and_has_examples(rule):
    doc = rule.doc()
    for section in DOC_SECTIONS:
        assert section in doc, f"{rule.code} doc lacks {section!r}"
    assert re.fullmatch(r"LLM\d{3}", rule.code)
    assert re.fullmatch(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*", rule.name), f"{rule.code} name {rule.name!r} is not kebab-case"
    assert rule.severity in ("error", "warning", "info", "hint")
    assert rule.summary and "\n" not in rule.summary
    if rule.code not in ENGINE_RULES:
        assert len(rule.VALID) >= MIN_EXAMPLES, f"{rule.code} needs ≥{MIN_EXAMPLES} VALID examples"
        assert len(rule.INVALID) >= MIN_EXAMPLES, f"{rule.code} needs ≥{MIN_EXAMPLES} INVALID examples"
    for ex in rule.INVALID:
        assert isinstance(ex, Invalid), f"{rule.code} INVALID entries must be Invalid(...)"


def test_codes_and_names_are_unique():
    rules = all_rules()
    assert len({r.code for r in rules}) == len(rules)
    assert len({r.name for r in rules}) == len(rules)
