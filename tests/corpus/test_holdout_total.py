"""Held-out projects (projects.toml `holdout = true`) are scored apart: their own total row, and the floors
judge only the projects the resolver is tuned on."""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "corpus"))
import evaluate  # noqa: E402
import fetch  # noqa: E402

LABEL = evaluate.Label("a.py", 3, "openai", "chat", '"gpt-4o"', "", ("gpt-4o",), "literal")
HIT = evaluate.Found("a.py", 3, "openai", "chat.completions.create", ("gpt-4o",), priced=True)


def _scores() -> list[evaluate.Score]:
    tuned = evaluate.Score("seen", [LABEL], [HIT], matches=[(LABEL, HIT)])
    held = evaluate.Score("unseen", [LABEL], [], misses=[LABEL], holdout=True)
    return [tuned, held]


def test_floors_ignore_held_out_projects(tmp_path):
    (tmp_path / "floors.toml").write_text("recall = 1.0\npriced = 1.0\n")
    assert evaluate.below_floors(_scores(), tmp_path / "floors.toml") == []
    assert evaluate.below_floors([_scores()[0], evaluate.Score("seen-too", [LABEL], [], misses=[LABEL])],
                                 tmp_path / "floors.toml") == [
        "total recall 0.5000 is below the floor 1.0 in floors.toml"]


def test_held_out_projects_have_their_own_total_row():
    rows = evaluate._table(_scores())
    total = next(r for r in rows if r.startswith("| **total** "))
    held = next(r for r in rows if r.startswith("| **held-out** "))
    assert "| 100.0% |" in total and "| 0.0% |" in held
    assert any(r.startswith("| unseen (held-out) |") for r in rows)


def test_holdout_flag_is_read_from_the_pins(tmp_path):
    pin = 'name = "x"\nversion = "1"\nsdist = "x-1.tar.gz"\nsha256 = "%s"\npaths = ["x"]\n' % ("0" * 64)
    (tmp_path / "projects.toml").write_text(f"[[project]]\n{pin}\n[[project]]\n{pin}holdout = true\n")
    assert [p.holdout for p in fetch.load_projects(tmp_path / "projects.toml")] == [False, True]
