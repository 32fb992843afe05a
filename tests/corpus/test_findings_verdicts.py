"""corpus/evaluate.py --findings: the default rule set's findings on a project, judged by the committed
verdicts (corpus/labels/<name>-findings.csv): findings per site and the false/not-actionable share."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "corpus"))
import evaluate  # noqa: E402

APP = '''\
import litellm


def ask(q):
    return litellm.completion(model="gpt-4o-mini", messages=[{"role": "user", "content": q}])
'''
HEADER = "path,line,code,verdict,reason\n"


@pytest.fixture
def project(tiny_corpus_project):
    return tiny_corpus_project(APP)


def test_findings_are_judged_by_path_line_and_code(project):
    project, labels = project
    (labels / "tiny-findings.csv").write_text(HEADER + "tiny/app.py,5,LLM001,right,no timeout on the client\n"
                                              "tiny/app.py,5,LLM004,not-actionable,short answers\n")
    score = evaluate.findings_score(project, labels)
    judged = score.findings - len(score.unjudged)
    assert score.sites == 1 and score.verdicts == {"right": 1, "not-actionable": 1}
    assert score.noise == 1 and judged == 2
    # LLM003 is opt-in: the default set does not report it, so it needs no verdict
    assert all("LLM003" not in where for where in score.unjudged)
    table = "\n".join(evaluate._findings_table([score]))
    assert f"| tiny | 1 | {score.findings} |" in table and "50.0% (1/2)" in table


@pytest.mark.parametrize("row, error", [
    ("tiny/app.py,5,LLM001,wrong,x\n", "verdict 'wrong' is not one of right, false, not-actionable"),
    ("tiny/app.py,5,LLM001,right,\n", "give the reason"),
])
def test_a_bad_verdict_row_is_named(project, row, error):
    project, labels = project
    (labels / "tiny-findings.csv").write_text(HEADER + row)
    with pytest.raises(evaluate.LabelError, match=error):
        evaluate.findings_score(project, labels)


def test_committed_verdict_files_are_well_formed():
    files = sorted(evaluate.LABELS_DIR.glob("*-findings.csv"))
    assert len(files) >= 6
    for path in files:
        verdicts = evaluate.load_verdicts(path)
        assert verdicts and set(verdicts.values()) <= set(evaluate.FINDING_VERDICTS), path
