"""`--format sarif`: SARIF 2.1.0 for GitHub code scanning and other SARIF viewers.

Columns are 1-based code points (`columnKind: unicodeCodePoints`), URIs are relative to
`%SRCROOT%`: the project root, or the git work tree above it (`formats.render` rebases the result,
since code scanning resolves paths against the repository). A notebook finding points at the `.ipynb` with its region inside the
cell; the cell is named in the message and in `properties.cell` (0-based, as in the JSON format).
Notebook fixes are left out: their regions are cell coordinates, which a SARIF consumer would apply
to the notebook's JSON text.
"""
from __future__ import annotations

import hashlib
import json
import re
from typing import Iterable, Sequence
from urllib.parse import quote

from llmsight.formats._common import cell_label, ordered
from llmsight.formats.json_ import estimate
from llmsight.records import CheckResult, Diagnostic, FileError, Fix, Span

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://pypi.org/project/llmsight/"
SRCROOT = "%SRCROOT%"
LEVELS = {"error": "error", "warning": "warning", "info": "note", "hint": "note"}
FINGERPRINT_KEY = "llmsight/v1"


def _uri(path: str) -> str:
    """A relative URI reference: percent-encoded UTF-8, slashes kept."""
    return quote(path, safe="/")


def _artifact(path: str) -> dict:
    return {"uri": _uri(path), "uriBaseId": SRCROOT}


def _region(span: Span) -> dict:
    return {"startLine": span.start_line, "startColumn": span.start_col,
            "endLine": span.end_line, "endColumn": span.end_col}


def _sections(doc: str) -> dict[str, str]:
    """A rule doc's `## Heading` sections by heading."""
    out: dict[str, str] = {}
    for m in re.finditer(r"^##\s+(.+?)\s*\n(.*?)(?=^##\s|\Z)", doc, re.S | re.M):
        out[m.group(1).strip().lower()] = m.group(2).strip()
    return out


def rule_descriptor(rule) -> dict:
    """reportingDescriptor of a registered rule: name, descriptions and help from its ruff-style doc."""
    doc = rule.doc()
    what = _sections(doc).get("what it does") or rule.summary
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": what},
        "help": {"text": doc or rule.summary, "markdown": doc or rule.summary},
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
        "properties": {"tags": ["llm"] + (["needs-traffic"] if rule.needs_traffic else []),
                       "severity": rule.severity},
    }


def _unregistered_descriptor(d: Diagnostic) -> dict:
    return {"id": d.code, "name": d.name, "shortDescription": {"text": d.name},
            "defaultConfiguration": {"level": LEVELS[d.severity]}}


def _fingerprints(diagnostics: Iterable[Diagnostic]) -> list[str]:
    """Stable across unrelated edits: code + path + cell + call-site id (which has no line number),
    or the message where there is no site; a counter tells identical findings apart."""
    seen: dict[str, int] = {}
    out = []
    for d in diagnostics:
        anchor = f"site:{d.site_id}" if d.site_id else f"message:{d.message}"
        key = hashlib.sha256(f"{d.code}\0{d.span.path}\0{d.span.cell}\0{anchor}".encode()).hexdigest()[:32]
        seen[key] = seen.get(key, 0) + 1
        out.append(f"{key}:{seen[key]}")
    return out


def _fix(f: Fix) -> dict | None:
    if not f.edits or any(e.span.cell is not None for e in f.edits):
        return None
    by_path: dict[str, list] = {}
    for e in f.edits:
        by_path.setdefault(e.span.path, []).append(
            {"deletedRegion": _region(e.span), "insertedContent": {"text": e.new_text}})
    return {
        "description": {"text": f"{f.title} ({f.applicability} fix)"},
        "artifactChanges": [{"artifactLocation": _artifact(p), "replacements": r} for p, r in sorted(by_path.items())],
        "properties": {"applicability": f.applicability},
    }


def _result(d: Diagnostic, rule_index: int, fingerprint: str) -> dict:
    message = d.message if d.span.cell is None else f"{d.message} ({cell_label(d.span.cell)})"
    location: dict = {"physicalLocation": {"artifactLocation": _artifact(d.span.path), "region": _region(d.span)}}
    properties: dict = {"severity": d.severity}
    if d.span.cell is not None:
        location["properties"] = {"cell": d.span.cell}
        properties["cell"] = d.span.cell
    if d.site_id:
        properties["siteId"] = d.site_id
    out = {
        "ruleId": d.code,
        "ruleIndex": rule_index,
        "level": LEVELS[d.severity],
        "message": {"text": message},
        "locations": [location],
        "partialFingerprints": {FINGERPRINT_KEY: fingerprint},
        "properties": properties,
    }
    fixes = [x for x in (_fix(f) for f in d.fixes) if x]
    if fixes:
        out["fixes"] = fixes
    return out


def _notification(e: FileError) -> dict:
    location: dict = {"artifactLocation": _artifact(e.path)}
    if e.line:
        location["region"] = {"startLine": e.line, **({"startColumn": e.col} if e.col else {})}
    return {"level": "error", "message": {"text": f"{e.path}: {e.message}"},
            "locations": [{"physicalLocation": location}]}


def _root_uri(root: str) -> str:
    root = root.rstrip("/") + "/"
    return "file://" + quote(root if root.startswith("/") else "/" + root, safe="/:")


def render(result: CheckResult, rules: Sequence | None = None) -> str:
    """The SARIF log; `rules` (default: every registered rule) become the driver's rule metadata."""
    if rules is None:
        from llmsight.analysis.rules import all_rules

        rules = all_rules()
    descriptors = [rule_descriptor(r) for r in rules]
    index = {d["id"]: i for i, d in enumerate(descriptors)}
    diagnostics = ordered(result.diagnostics)
    for d in sorted(diagnostics, key=lambda d: d.code):
        if d.code not in index:
            index[d.code] = len(descriptors)
            descriptors.append(_unregistered_descriptor(d))
    fingerprints = _fingerprints(diagnostics)
    run = {
        "tool": {"driver": {"name": "llmsight", "version": result.version, "semanticVersion": result.version,
                            "informationUri": INFORMATION_URI, "rules": descriptors}},
        "invocations": [{"executionSuccessful": True,
                         "toolExecutionNotifications": [_notification(e) for e in result.errors]}],
        "originalUriBaseIds": {SRCROOT: {"uri": _root_uri(result.root)}},
        "columnKind": "unicodeCodePoints",
        "results": [_result(d, index[d.code], fp) for d, fp in zip(diagnostics, fingerprints)],
        # each site's figures as the JSON format gives them (SARIF results are findings; a site has a cost
        # and latency with or without one)
        "properties": {"priceData": result.price_data, "callSites": len(result.call_sites),
                       "estimates": [estimate(result.estimates[s.id]) for s in result.call_sites
                                     if s.id in result.estimates]},
    }
    log = {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"
