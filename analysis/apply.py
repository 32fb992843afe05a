"""`--fix` and `--diff`: apply fixes in rounds until none applies (as ruff does).

Each round applies the first applicable fix of every diagnostic whose edits do not overlap an edit
already taken, then re-analyses the new text, so two fixes on one call (timeout and output cap)
both land. Notebook edits apply to the cell they name and the notebook is written back as JSON.
"""
from __future__ import annotations

import difflib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from llmsight.analysis.fixes import apply_edits
from llmsight.analysis.secrets import redact
from llmsight.analysis.notebook import cell_source
from llmsight.records import Diagnostic, Edit

MAX_ROUNDS = 10


@dataclass
class FixOutcome:
    applied: int = 0
    changed: dict[str, tuple[str, str]] = field(default_factory=dict)  # rel path -> (before, after)

    def diff(self) -> str:
        out = []
        for rel, (before, after) in sorted(self.changed.items()):
            out.extend(difflib.unified_diff(before.splitlines(keepends=True), after.splitlines(keepends=True),
                                            f"a/{rel}", f"b/{rel}"))
        return redact("".join(out))  # a fixed LLM010 finding removes a key: the diff must not show it


def _applicable(diags: Sequence[Diagnostic], unsafe: bool) -> list[tuple[Diagnostic, tuple[Edit, ...]]]:
    out = []
    for d in diags:
        for fx in d.fixes:
            if fx.edits and (fx.applicability == "safe" or (unsafe and fx.applicability == "unsafe")):
                out.append((d, fx.edits))
                break
    return out


def apply_round(text: str, is_notebook: bool, fixes: list[tuple[Diagnostic, tuple[Edit, ...]]]) -> tuple[str, int]:
    """Apply whole fixes (all of a fix's edits or none) that do not overlap each other."""
    if not is_notebook:
        taken: list[Edit] = []
        count = 0
        for _, edits in fixes:
            _, skipped = apply_edits(text, taken + list(edits))
            if not skipped:
                taken.extend(edits)
                count += 1
        return (apply_edits(text, taken)[0], count) if taken else (text, 0)
    nb = json.loads(text)
    count = 0
    by_cell: dict[int, list[Edit]] = {}
    for _, edits in fixes:
        cells = {e.span.cell for e in edits}
        if None in cells or len(cells) != 1:
            continue
        cell = cells.pop()
        trial = by_cell.get(cell, []) + list(edits)
        if not apply_edits(cell_source(nb["cells"][cell]), trial)[1]:
            by_cell[cell] = trial
            count += 1
    for cell, edits in by_cell.items():
        new = apply_edits(cell_source(nb["cells"][cell]), edits)[0]
        nb["cells"][cell]["source"] = new.splitlines(keepends=True)
    return json.dumps(nb, indent=1, ensure_ascii=False) + "\n", count


def fix_paths(paths: Sequence[str | Path], *, unsafe: bool = False, diff_only: bool = False, **check_kwargs) -> FixOutcome:
    from llmsight import api

    first = api.check(paths, with_estimates=False, **check_kwargs)
    root = Path(first.root)
    config = check_kwargs.get("config") or api.load_config(root, Path(check_kwargs["config_file"])
                                                           if check_kwargs.get("config_file") else None)
    outcome = FixOutcome()
    by_file: dict[str, list[Diagnostic]] = {}
    for d in first.diagnostics:
        by_file.setdefault(d.span.path, []).append(d)
    select, ignore = check_kwargs.get("select", ()), check_kwargs.get("ignore", ())
    for rel, diags in sorted(by_file.items()):
        path = root / rel
        fixes = _applicable(diags, unsafe)
        if not fixes:
            continue
        before = text = path.read_text(encoding="utf-8")
        is_nb = rel.endswith(".ipynb")
        for _ in range(MAX_ROUNDS):
            text, n = apply_round(text, is_nb, fixes)
            if n == 0:
                break
            outcome.applied += n
            again = api.check_source(text, str(path), root=root, config=config, select=select, ignore=ignore,
                                     with_estimates=False)
            fixes = _applicable(again.diagnostics, unsafe)
            if not fixes:
                break
        if text != before:
            outcome.changed[rel] = (before, text)
            if not diff_only:
                path.write_text(text, encoding="utf-8")
    return outcome
