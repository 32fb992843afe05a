"""Static estimates price the expected output (output priors), not the cap; the cap bounds a range
(issue 14 item 4)."""
from __future__ import annotations

from pathlib import Path

from llmsight import api
from llmsight.knowledge.priors import output_priors

CHAT = '''from openai import OpenAI

client = OpenAI(timeout=20, max_retries=2)


def answer(question: str) -> str:
    response = client.chat.completions.create(
        model="gpt-4o",
        messages=[{"role": "system", "content": "You are a helpful assistant."},
                  {"role": "user", "content": question}],
    )
    return response.choices[0].message.content
'''

CLASSIFIER = '''from openai import OpenAI

client = OpenAI(timeout=20, max_retries=2)


def intent(text: str) -> str:
    return client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": f"Classify the intent of: {text}"}], max_tokens=4096).choices[0].message.content
'''


def _estimate(tmp_path: Path, text: str):
    (tmp_path / "pyproject.toml").write_text("[tool.llmsight]\n", encoding="utf-8")
    (tmp_path / "app.py").write_text(text, encoding="utf-8")
    result = api.check_source(text, "app.py", root=tmp_path)
    return result, result.estimates[result.call_sites[0].id]


def test_applying_llm004s_cap_keeps_the_estimate_and_bounds_its_range(tmp_path):
    result, before = _estimate(tmp_path, CHAT)
    fix = next(d for d in result.diagnostics if d.code == "LLM004").fixes[0]
    fixed = api.fix_texts(fix, tmp_path)["app.py"][1]
    assert "max_" in fixed and fixed != CHAT
    _, after = _estimate(tmp_path, fixed)
    assert after.cost_per_call.value == before.cost_per_call.value        # was: doubled (priced at the cap)
    assert after.latency_p95_s.value == before.latency_p95_s.value
    assert before.range.basis == after.range.basis == "output-cap"
    assert before.range.low == before.cost_per_call.value < after.range.high < before.range.high  # model limit > cap
    assert before.cost_per_call.low is None and before.cost_per_call.high is None   # no interval pretended
    assert any("LMSYS-Chat-1M" in n for n in before.notes)


def test_a_one_line_classifier_expects_a_label_not_its_cap(tmp_path):
    _, est = _estimate(tmp_path, CLASSIFIER)
    assert est.output_tokens < 20 and est.latency_p95_s.value < 3, (est.output_tokens, est.latency_p95_s.value)
    assert est.range.basis == "output-cap" and est.range.high > 50 * est.cost_per_call.value   # 4,096 allowed
    assert any("classification prompt" in n for n in est.notes)


def test_every_output_prior_names_its_source_and_date():
    rows = output_priors()
    assert rows[-1].pattern == "*" and rows[-1].operation == "*" and rows[-1].task == "*"
    assert all(r.source and r.date for r in rows)
