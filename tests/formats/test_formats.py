"""Every output format on hand-made results: snapshots, schemas, escaping, ordering."""
from __future__ import annotations

import dataclasses
import json
import re
from urllib.parse import unquote

import pytest
from hypothesis import given, strategies as st

from format_samples import (
    FAKE_RULES, NOTEBOOK, TRICKY, UNICODE_PATH, assert_snapshot, check_json_errors, decode, empty_result,
    parse_command, sample_result, sarif_errors, table_rows,
)

from llmsight import formats
from llmsight.analysis.rules import all_rules
from llmsight.formats import github, markdown, sarif
from llmsight.records import CheckResult, Diagnostic, Span


def render_sarif(result: CheckResult) -> dict:
    return json.loads(sarif.render(result, rules=FAKE_RULES))


# ---- snapshots -----------------------------------------------------------------------------------

SNAPSHOT_CASES = {  # snapshot suffix -> rendering
    "txt": lambda r: formats.render(r, "text"),
    "color.txt": lambda r: formats.render(r, "text", color=True),
    "json": lambda r: formats.render(r, "json"),
    "sarif": lambda r: sarif.render(r, rules=FAKE_RULES),
    "github.txt": lambda r: formats.render(r, "github"),
    "md": lambda r: formats.render(r, "markdown"),
}


@pytest.mark.parametrize("suffix", sorted(SNAPSHOT_CASES))
@pytest.mark.parametrize("name, make", [("sample", sample_result), ("empty", empty_result)])
def test_snapshot(name, make, suffix):
    assert_snapshot(f"{name}.{suffix}", SNAPSHOT_CASES[suffix](make()))


@pytest.mark.parametrize("fmt", sorted(formats.FORMATS))
def test_order_of_input_does_not_change_output(fmt):
    a = sample_result()
    b = sample_result()
    b.diagnostics.reverse()
    assert formats.render(a, fmt) == formats.render(b, fmt)


def test_unknown_format_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown output format 'xml'.*text, json, sarif, github, markdown"):
        formats.render(sample_result(), "xml")


# ---- text ----------------------------------------------------------------------------------------

def test_text_marks_only_safe_fixes_and_counts_fixable():
    lines = formats.render(sample_result(), "text").splitlines()
    marked = [line for line in lines if "[*]" in line]
    assert marked[0].startswith("app/chat.py:12:14: LLM001 [*] OpenAI call has no timeout")
    assert not any(" LLM004 [*]" in line or " LLM010 [*]" in line for line in lines)
    assert "[*] 1 fixable with `--fix`; 3 more with `--fix --unsafe-fixes`." in lines


def test_text_estimate_line_follows_its_site_findings():
    lines = formats.render(sample_result(), "text").splitlines()
    i = lines.index("  ≈ $0.0032/call (static: literal prompt tokens (dynamic parts not counted) and expected output)"
                    " · up to $0.0060/call at the output cap · p95 3.4 s (prior) · gpt-4o")
    assert "LLM004" in lines[i - 1] and "LLM001" in lines[i - 2]
    # a site without findings gets its own located estimate line, with traffic intervals and n
    assert any(line.startswith("app/chat.py:30:9: ≈ $0.00040/call [$0.00031–$0.00055] (traffic, n=12,031)")
               for line in lines)


def test_text_notebook_unicode_errors_and_price_data():
    text = formats.render(sample_result(), "text")
    assert "notebooks/explore.ipynb:cell 3:3:5: LLM006 " in text
    assert f"{UNICODE_PATH}:8:5: LLM009 モデル不明 🤖" in text
    assert "  broken.py:3:7: SyntaxError: invalid syntax" in text
    assert "  data/bad.ipynb: invalid notebook JSON" in text
    assert "Prices: litellm 1.2.3 model_prices_and_context_window.json (llmsight 9.9.9)" in text
    assert "\x1b" not in text


def test_text_color_only_when_asked():
    plain = formats.render(sample_result(), "text", color=False)
    colored = formats.render(sample_result(), "text", color=True)
    assert "\x1b[" in colored
    assert re.sub(r"\x1b\[[0-9;]*m", "", colored) == plain


def test_text_reports_fixed_count_and_clean_run():
    r = empty_result()
    r.fixed = 2
    text = formats.render(r, "text")
    assert "All checks passed!" in text and "Fixed 2 findings." in text


# ---- json ----------------------------------------------------------------------------------------

def test_json_validates_against_committed_schema():
    for result in (sample_result(), empty_result()):
        doc = json.loads(formats.render(result, "json"))
        assert check_json_errors(doc) == []


def test_json_positions_settings_and_fixes():
    doc = json.loads(formats.render(sample_result(), "json"))
    nb = next(d for d in doc["diagnostics"] if d["code"] == "LLM006")
    assert (nb["path"], nb["cell"], nb["line"], nb["end_line"], nb["col"], nb["end_col"]) == (NOTEBOOK, 2, 3, 3, 5, 52)
    assert [f["applicability"] for f in nb["fixes"]] == ["display-only", "unsafe"]
    assert nb["fixes"][1]["edits"][0] == {"path": NOTEBOOK, "cell": 2, "line": 3, "end_line": 3, "col": 5,
                                          "end_col": 52, "new_text": "pass"}
    site = next(s for s in doc["call_sites"] if s["path"] == UNICODE_PATH)
    assert site["model"] == {"value": None, "expr": "os.environ['MODEL']", "source": "call", "origin": None,
                             "resolved": False, "candidates": [], "chain": [], "unknown": None}
    assert site["cell"] is None and site["stream"] is None and site["is_async"] is True
    assert doc["summary"]["fixable"] == {"safe": 1, "unsafe": 3}
    assert doc["summary"]["by_code"] == {"LLM001": 1, "LLM004": 1, "LLM006": 1, "LLM009": 1, "LLM010": 1}
    assert list(doc["estimates"]) == [s["id"] for s in doc["call_sites"]]
    assert doc["diagnostics"][-1]["message"] == f"モデル不明 🤖: {TRICKY}"


@pytest.mark.parametrize("breakage", [
    lambda d: d["diagnostics"][0].update(severity="fatal"),
    lambda d: d["diagnostics"][0]["fixes"][0].update(applicability="maybe"),
    lambda d: d["call_sites"][0].update(sdk="skynet"),
    lambda d: d["call_sites"][0].update(operation="dream"),
    lambda d: d["call_sites"][0]["timeout"].update(source="guess"),
    lambda d: d["call_sites"][0].update(line=0),
    lambda d: d["call_sites"][0].pop("cell"),
    lambda d: d["diagnostics"][0].update(extra=1),
    lambda d: d["estimates"][next(iter(d["estimates"]))]["cost_per_call"].update(source="vibes"),
    lambda d: d.pop("summary"),
    lambda d: d["summary"].pop("fixable"),
])
def test_json_schema_rejects_what_it_does_not_describe(breakage):
    doc = json.loads(formats.render(sample_result(), "json"))
    breakage(doc)
    assert check_json_errors(doc) != []


def test_non_finite_and_odd_values_stay_valid_json():
    r = sample_result()
    s = r.call_sites[0]
    r.call_sites[0] = dataclasses.replace(s, timeout=dataclasses.replace(s.timeout, value=float("inf")),
                                          retries=dataclasses.replace(s.retries, value=object()))
    text = formats.render(r, "json")
    doc = json.loads(text)
    assert "Infinity" not in text and doc["call_sites"][0]["timeout"]["value"] is None
    assert isinstance(doc["call_sites"][0]["retries"]["value"], str)
    assert check_json_errors(doc) == []


# ---- sarif ---------------------------------------------------------------------------------------

def test_sarif_validates_against_official_schema():
    for result in (sample_result(), empty_result()):
        assert sarif_errors(render_sarif(result)) == []


def test_sarif_validator_is_not_vacuous():
    doc = render_sarif(sample_result())
    doc["runs"][0]["results"][0]["level"] = "fatal"
    doc["runs"][0]["columnKind"] = "bytes"
    assert len(sarif_errors(doc)) == 2


def test_sarif_run_rules_and_results():
    run = render_sarif(sample_result())["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "llmsight" and driver["version"] == "9.9.9" and driver["informationUri"]
    assert run["columnKind"] == "unicodeCodePoints"
    assert run["originalUriBaseIds"] == {"%SRCROOT%": {"uri": "file:///home/dev/proj/"}}
    rules = driver["rules"]
    assert [r["id"] for r in rules[:3]] == ["LLM001", "LLM010", "LLM012"]
    assert rules[0]["fullDescription"]["text"] == "Finds LLM calls without a timeout."
    assert "## Why is this bad" in rules[0]["help"]["markdown"]
    assert rules[2]["defaultConfiguration"]["level"] == "note"
    for res in run["results"]:
        assert rules[res["ruleIndex"]]["id"] == res["ruleId"]
        loc = res["locations"][0]["physicalLocation"]
        assert loc["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        assert loc["artifactLocation"]["uri"].isascii() and " " not in loc["artifactLocation"]["uri"]
        assert loc["region"]["startLine"] >= 1 and loc["region"]["startColumn"] >= 1
    levels = {r["ruleId"]: r["level"] for r in run["results"]}
    assert levels == {"LLM001": "warning", "LLM004": "warning", "LLM010": "error", "LLM006": "note",
                      "LLM009": "note"}
    notes = run["invocations"][0]["toolExecutionNotifications"]
    assert [n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for n in notes] == \
        ["broken.py", "data/bad.ipynb"]


def test_sarif_unicode_path_is_percent_encoded_and_round_trips():
    run = render_sarif(sample_result())["runs"][0]
    res = next(r for r in run["results"] if r["ruleId"] == "LLM009")
    uri = res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri != UNICODE_PATH and unquote(uri) == UNICODE_PATH
    assert res["message"]["text"] == f"モデル不明 🤖: {TRICKY}"


def test_sarif_notebook_points_at_ipynb_and_names_the_cell():
    run = render_sarif(sample_result())["runs"][0]
    res = next(r for r in run["results"] if r["ruleId"] == "LLM006")
    loc = res["locations"][0]
    assert loc["physicalLocation"]["artifactLocation"]["uri"] == NOTEBOOK
    assert loc["physicalLocation"]["region"] == {"startLine": 3, "startColumn": 5, "endLine": 3, "endColumn": 52}
    assert res["message"]["text"].endswith("(cell 3)")
    assert res["properties"]["cell"] == 2 and loc["properties"]["cell"] == 2
    assert "fixes" not in res  # cell coordinates must not be applied to the notebook's JSON text


def test_sarif_fixes_carry_replacements_and_applicability():
    run = render_sarif(sample_result())["runs"][0]
    by_rule = {r["ruleId"]: r for r in run["results"]}
    (fix,) = by_rule["LLM001"]["fixes"]
    assert fix["properties"] == {"applicability": "safe"}
    (change,) = fix["artifactChanges"]
    assert change["artifactLocation"] == {"uri": "app/chat.py", "uriBaseId": "%SRCROOT%"}
    assert change["replacements"] == [{"deletedRegion": {"startLine": 15, "startColumn": 5, "endLine": 15,
                                                         "endColumn": 6},
                                       "insertedContent": {"text": ", timeout=30)"}}]
    assert len(by_rule["LLM010"]["fixes"][0]["artifactChanges"][0]["replacements"]) == 2
    assert "fixes" not in by_rule["LLM009"]  # display-only: nothing to apply


def test_sarif_fingerprints_survive_moved_lines_and_differ_between_findings():
    def shifted(result: CheckResult) -> CheckResult:
        move = lambda s: dataclasses.replace(s, start_line=s.start_line + 10, end_line=s.end_line + 10)  # noqa: E731
        result.diagnostics = [dataclasses.replace(d, span=move(d.span)) for d in result.diagnostics]
        return result

    def prints(result):
        return {r["ruleId"]: r["partialFingerprints"] for r in render_sarif(result)["runs"][0]["results"]}

    before, after = prints(sample_result()), prints(shifted(sample_result()))
    assert before == after
    assert len({json.dumps(v) for v in before.values()}) == len(before)


def test_sarif_default_rules_are_every_registered_rule():
    doc = json.loads(formats.render(sample_result(), "sarif"))
    rules = doc["runs"][0]["tool"]["driver"]["rules"]
    registered = [r.code for r in all_rules()]
    assert [r["id"] for r in rules][: len(registered)] == registered
    for descriptor, rule in zip(rules, all_rules()):
        assert descriptor["name"] == rule.name and descriptor["shortDescription"]["text"] == rule.summary
        assert descriptor["help"]["markdown"] == rule.doc()
    # codes in the result that no registered rule has still get a descriptor
    assert {r["id"] for r in rules} >= {"LLM001", "LLM004", "LLM006", "LLM009", "LLM010"}
    assert sarif_errors(doc) == []


# ---- github --------------------------------------------------------------------------------------

def test_github_annotations():
    lines = formats.render(sample_result(), "github").splitlines()
    commands = [parse_command(line) for line in lines if line.startswith("::")]
    name, props, message = commands[0]
    assert (name, props) == ("warning", {"file": "app/chat.py", "line": "12", "col": "14", "endLine": "15",
                                         "endColumn": "6", "title": "LLM001 missing-timeout"})
    assert message.startswith("OpenAI call has no timeout")
    assert [c[0] for c in commands] == ["warning", "warning", "error", "notice", "notice", "error", "error"]
    tricky = next(c for c in commands if c[1]["title"] == "LLM009 unknown-model")
    assert tricky[1]["file"] == UNICODE_PATH and tricky[2] == f"モデル不明 🤖: {TRICKY}"
    nb = next(c for c in commands if c[1]["title"] == "LLM006 call-in-loop")
    assert "line" not in nb[1] and nb[2].startswith("cell 3, line 3, column 5: ")
    assert not lines[-1].startswith("::") and "5 findings" in lines[-1]


def test_github_escapes_properties_and_messages():
    span = Span("dir,with:odd%chars/a.py", 1, 1, 1, 2)
    r = empty_result()
    r.diagnostics = [Diagnostic("LLM001", "missing-timeout", "warning", "50% done\r\nnext::line", span)]
    line = formats.render(r, "github").splitlines()[0]
    assert line == ("::warning file=dir%2Cwith%3Aodd%25chars/a.py,line=1,col=1,endLine=1,endColumn=2,"
                    "title=LLM001 missing-timeout::50%25 done%0D%0Anext::line")
    assert parse_command(line)[1]["file"] == span.path


@given(st.text())
def test_github_property_escaping_round_trips(text):
    escaped = github.escape_property(text)
    assert not set(escaped) & {",", ":", "\r", "\n"}
    assert decode(escaped) == text
    assert decode(github.escape_data(text)) == text


# ---- markdown ------------------------------------------------------------------------------------

def test_markdown_tables_keep_their_shape():
    md = formats.render(sample_result(), "markdown")
    rows = table_rows(md)
    findings = [r for r in rows if len(r) == 5]
    sites = [r for r in rows if len(r) == 7]
    assert len(findings) == 2 + 5 and len(sites) == 2 + 4 and len(rows) == len(findings) + len(sites)
    assert "gpt-4o\\|mini" in md and "<b>" not in md and "&lt;b&gt;" in md and "<br>second line" in md
    assert f"`{UNICODE_PATH}:8:5`" in md and "`notebooks/explore.ipynb:cell 3:3:5`" in md
    assert "### Files not analysed" in md and "litellm 1.2.3" in md


def test_markdown_code_spans_survive_backticks_and_pipes():
    assert markdown.code("a|b") == "`a\\|b`"
    assert markdown.code("x `y` z") == "``x `y` z``"
    assert markdown.code("`edge`") == "`` `edge` ``"
    assert markdown.cell("a\\|b") == "a\\\\\\|b"


def test_markdown_fits_in_one_github_comment():
    r = sample_result()
    template = r.diagnostics[0]
    r.diagnostics = [dataclasses.replace(template, message=f"finding {i}: " + "x" * 200) for i in range(2000)]
    r.errors = r.errors * 500
    md = formats.render(r, "markdown")
    assert len(md) <= markdown.COMMENT_LIMIT
    assert md.startswith("## llmsight: 2,000 findings at 4 call sites")
    assert re.search(r"… and [\d,]+ more findings, left out", md) and re.search(r"… and [\d,]+ more files", md)
    assert "litellm 1.2.3" in md  # the footer survives
    assert formats.render(sample_result(), "markdown").count("left out") == 0


def test_rebase_moves_every_path_under_the_new_root():
    from llmsight.formats._common import rebase

    r = sample_result()
    r.errors.append(dataclasses.replace(r.errors[0], path="/elsewhere/gone.py"))
    moved = rebase(r, "/home/dev")
    assert moved.root == "/home/dev"
    assert [s.span.path for s in moved.call_sites] == ["proj/" + s.span.path for s in r.call_sites]
    assert moved.call_sites[0].client_span.path == "proj/app/chat.py" and moved.call_sites[1].client_span is None
    secret = next(d for d in moved.diagnostics if d.code == "LLM010")
    assert {e.span.path for e in secret.fixes[0].edits} == {"proj/app/config.py"}
    assert [e.path for e in moved.errors] == ["proj/broken.py", "proj/data/bad.ipynb", "/elsewhere/gone.py"]
    assert [s.id for s in moved.call_sites] == [s.id for s in r.call_sites] and moved.estimates == r.estimates


def test_static_cost_is_an_estimate_and_its_range_says_what_it_spans():
    """Issue 14: the output cap is a range's upper bound, named as such, never the estimate nor a floor."""
    from llmsight.formats._common import estimate_line
    from llmsight.records import Estimate, Metric, Range

    capped = Estimate("s", "gpt-4o", 10, 215, Metric(0.002, source="static", prior="prompt tokens and expected output"),
                      range=Range(0.002, 0.0101, "output-cap"))
    model_set = Estimate("s", None, 10, 215, Metric(None, source="static", prior="model not resolved"),
                         range=Range(0.0004, 0.0051, "model-set"))
    unknown = Estimate("s", None, 10, 500, Metric(None, source="static", prior="model not resolved"))
    assert estimate_line(capped).startswith("≈ $0.0020/call (static: prompt tokens and expected output) · "
                                            "up to $0.010/call at the output cap")
    assert "$0.00040–$0.0051/call over the model set" in estimate_line(model_set)
    assert estimate_line(unknown).startswith("cost unknown")
