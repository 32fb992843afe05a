"""`check --baseline FILE` / `--write-baseline FILE`: turn the gate on for new findings only.

A finding's fingerprint is its rule code, file and either its call-site id (stable across unrelated
edits: path + enclosing function + ordinal) or the whitespace-normalised text of its first line, so
findings survive lines moving up and down. Repeated fingerprints are counted: if a file had two
identical findings in the baseline, a third one is new.
"""
from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import replace
from pathlib import Path

from llmsight.records import CheckResult, Diagnostic

FORMAT_VERSION = 1


class BaselineError(Exception):
    """Missing or unreadable baseline file; the CLI exits 2."""


def _line_text(root: Path, diag: Diagnostic, cache: dict[str, list[str]]) -> str:
    path = diag.span.path
    if path not in cache:
        try:
            cache[path] = (root / path).read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            cache[path] = []
    lines = cache[path]
    index = diag.span.start_line - 1
    return " ".join(lines[index].split()) if 0 <= index < len(lines) else ""


def _anchor(root: Path, diag: Diagnostic, cache: dict[str, list[str]]) -> str:
    if diag.site_id:
        return f"site:{diag.site_id}"
    if diag.span.cell is not None:              # notebook: the file's raw lines are JSON, not the cell
        return f"cell-message:{diag.message}"
    return f"line:{_line_text(root, diag, cache)}"


def fingerprints(result: CheckResult) -> list[str]:
    root = Path(result.root)
    cache: dict[str, list[str]] = {}
    out = []
    for diag in result.diagnostics:
        key = "\x00".join((diag.code, diag.span.path, _anchor(root, diag, cache)))
        out.append(hashlib.sha256(key.encode()).hexdigest()[:32])
    return out


def write(result: CheckResult, path: str | Path) -> int:
    """Save every current finding; returns how many."""
    entries = [{"fingerprint": fp, "code": d.code, "path": d.span.path, "line": d.span.start_line,
                "site_id": d.site_id, "message": d.message}
               for fp, d in zip(fingerprints(result), result.diagnostics)]
    document = {"tool": "llmsight", "version": FORMAT_VERSION, "findings": entries}
    Path(path).write_text(json.dumps(document, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return len(entries)


def load(path: str | Path) -> Counter:
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise BaselineError(f"{path}: baseline not found; create it with `llm-lint check --write-baseline {path}`") \
            from exc
    except (OSError, ValueError) as exc:
        raise BaselineError(f"{path}: not a readable llmsight baseline ({exc}); rewrite it with --write-baseline") \
            from exc
    findings = document.get("findings") if isinstance(document, dict) else None
    if not isinstance(findings, list) or not all(isinstance(f, dict) and "fingerprint" in f for f in findings):
        raise BaselineError(f"{path}: not an llmsight baseline (no `findings` list); rewrite it with --write-baseline")
    return Counter(f["fingerprint"] for f in findings)


def apply(result: CheckResult, path: str | Path) -> tuple[CheckResult, int]:
    """The result with baseline findings removed, and how many were removed."""
    allowance = load(path)
    kept = []
    for fp, diag in zip(fingerprints(result), result.diagnostics):
        if allowance[fp] > 0:
            allowance[fp] -= 1
        else:
            kept.append(diag)
    return replace(result, diagnostics=kept), len(result.diagnostics) - len(kept)
