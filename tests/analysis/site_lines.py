"""Sites of a snippet by the line they start on, and a snippet's line holding some text: the two lookups
discovery tests write against a dedented source; and a small project written out and checked, with its
site at a path and line and that site's model set."""
from __future__ import annotations

import textwrap
from pathlib import Path

from llmsight import api


def sites_by_line(source: str, path: str = "app.py") -> dict:
    return {s.span.start_line: s for s in api.check_source(textwrap.dedent(source), path, select=["NONE"]).call_sites}


def line_of(source: str, text: str) -> int:
    return next(i for i, line in enumerate(textwrap.dedent(source).splitlines(), 1) if text in line)


def scan_project(root: Path, files: dict[str, str], select=("NONE",)):
    """`files` (dedented) written under `root` as a project, checked without the scan cache."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text("[project]\nname='x'\n")
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(textwrap.dedent(text), encoding="utf-8")
    return api.check([root], select=list(select), use_cache=False)


def site_at(result, path: str, line: int):
    sites = [s for s in result.call_sites if s.span.path == path and s.span.start_line == line]
    assert len(sites) == 1, [(s.span.path, s.span.start_line) for s in result.call_sites]
    return sites[0]


def models_at(result, path: str, line: int) -> list[str]:
    return [c.value for c in site_at(result, path, line).model.candidates]
