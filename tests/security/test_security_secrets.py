"""Keys and control characters from hostile source or traffic (issue 16: D2, D14, D19).

A key written where a model name goes, or logged in any traffic field, must never reach an output, an
editor, a report, a cache or the traffic store: only its location is reported (LLM010). Text from
source or traffic must not drive the terminal (ANSI escapes) or inject HTML into markdown.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from hypothesis import given
from hypothesis import strategies as st

from security_keys import KEY_SAMPLES
from llmsight import api, formats
from llmsight.analysis.secrets import provider_key, redact

FORMATS = ("text", "json", "sarif", "github", "markdown")
# the public format marker of each family: every character after it is secret
PUBLIC_PREFIXES = ("sk-proj-", "sk-ant-api03-", "AIza", "AKIA", "gsk_", "hf_", "xai-", "github_pat_")
PREFIX_FAMILIES = sorted(f for f, key in KEY_SAMPLES.items() if key.startswith(PUBLIC_PREFIXES))


def leaked(text: str) -> list[str]:
    """The families whose key has an 8-character piece of its secret part in `text`."""
    out = []
    for family, key in KEY_SAMPLES.items():
        start = max((len(p) for p in PUBLIC_PREFIXES if key.startswith(p)), default=0)
        if any(key[i:i + 8] in text for i in range(start, len(key) - 7)):
            out.append(family)
    return out


def llm_lint(*args, cwd: Path, cache: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True", "NO_COLOR": "1", "XDG_CACHE_HOME": str(cache),
           "LLMSIGHT_CACHE_DIR": str(cache)}
    return subprocess.run([sys.executable, "-m", "llmsight", *map(str, args)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def files_text(*roots: Path) -> str:
    """Every byte stored under `roots` (caches, reports), as text."""
    return "".join(p.read_bytes().decode("latin-1") for root in roots if root.exists()
                   for p in sorted(root.rglob("*")) if p.is_file())


# ---- D2: a key where a model goes --------------------------------------------------------------------

K = KEY_SAMPLES
MODEL_POSITION_APP = f'''
import os

import litellm
from anthropic import Anthropic
from langchain_openai import ChatOpenAI
from openai import OpenAI

client = OpenAI()
claude = Anthropic()
MODEL = "{K['groq']}"
llm = ChatOpenAI(model="{K['google']}")


def by_position(msgs):
    return litellm.completion("{K['anthropic']}", msgs)


def by_keyword(q):
    return client.chat.completions.create(model="{K['openai']}", messages=[{{"role": "user", "content": q}}])


def by_constant(q):
    return claude.messages.create(model=MODEL, max_tokens=100, messages=[{{"role": "user", "content": q}}])


def with_fallbacks(msgs):
    return litellm.completion(model="gpt-4o-mini", messages=msgs, fallbacks=["{K['xai']}", "{K['huggingface']}"])


def odd_settings(q):  # llmsight: feature={K['github']}
    return client.chat.completions.create(model="gpt-4o-mini", messages=[{{"role": "user", "content": q}}],
                                          timeout="{K['aws']}", max_tokens=os.getenv("N", "{K['aws_secret']}"))


def through_client(q):
    return llm.invoke(q)
'''


@pytest.fixture(scope="module")
def model_position_project(tmp_path_factory):
    root = tmp_path_factory.mktemp("d2") / "app"
    root.mkdir()
    (root / "pyproject.toml").write_text("[project]\nname = 'app'\n")
    (root / "app.py").write_text(MODEL_POSITION_APP.lstrip("\n"))
    return root


def test_d2_key_in_model_position_is_in_no_format_and_llm010_still_reports_it(model_position_project, tmp_path):
    root = model_position_project
    for fmt in FORMATS:
        run = llm_lint("check", ".", "--format", fmt, "--no-cache", cwd=root, cache=tmp_path / "xdg")
        assert run.returncode == 1 and "Traceback" not in run.stderr, run.stderr
        assert leaked(run.stdout + run.stderr) == [], f"{fmt} shows a key"
    run = llm_lint("check", ".", "--format", "json", "--select", "LLM010", "--no-cache", cwd=root,
                   cache=tmp_path / "xdg")
    reported = {d["line"] for d in json.loads(run.stdout)["diagnostics"]}
    lines = MODEL_POSITION_APP.lstrip("\n").splitlines()
    for family in PREFIX_FAMILIES:
        line = next(i for i, text in enumerate(lines, 1) if K[family] in text)
        assert line in reported, f"LLM010 does not report the {family} key on line {line}"


def test_d2_key_in_model_position_is_not_cached_or_in_the_html_report(model_position_project, tmp_path):
    root = model_position_project
    cache = tmp_path / "xdg"
    assert llm_lint("check", ".", cwd=root, cache=cache).returncode == 1
    assert llm_lint("check", ".", cwd=root, cache=cache).returncode == 1       # from the cache
    report = llm_lint("report", "--html", tmp_path / "report.html", ".", cwd=root, cache=cache)
    assert report.returncode == 0, report.stderr
    stored = files_text(root / ".llmsight", cache)
    assert stored, "expected a result cache"
    assert leaked(stored + files_text(tmp_path / "report.html")) == []


def test_d2_key_in_model_position_is_not_in_editor_diagnostics_hover_or_hints(model_position_project):
    from llmsight.lsp import diagnostics, formatting

    source = MODEL_POSITION_APP.lstrip("\n")
    result = api.check_source(source, "app.py", root=model_position_project)
    lines = source.splitlines()
    shown = [diagnostics.to_lsp(d, lines, lambda cell: ("file:///app.py", lines, 1), "utf-16").message
             for d in result.diagnostics]
    for site in result.call_sites:
        est = result.estimates.get(site.id)
        shown += [formatting.hover_markdown(site, est), formatting.hint_label(est), formatting.lens_title(est)]
    assert leaked("\n".join(shown)) == []


# ---- D14: keys in traffic ----------------------------------------------------------------------------

TEXT_FIELDS = ("trace_id", "model", "response_model", "error_type", "code_file", "code_function", "feature",
               "tenant")


def _canonical_rows() -> list[dict]:
    """Rows whose every text field holds a key; two tenants are keys, each on several rows."""
    families = sorted(KEY_SAMPLES)
    rows = []
    for i in range(12):
        row = {"ts": f"2026-11-01T00:{i:02d}:00Z", "provider": "openai", "operation": "chat", "input_tokens": 100,
               "output_tokens": 20, "latency_ms": 900 + i, "status": "error" if i % 4 == 0 else "ok",
               "attempt": 1, "code_line": 3}
        for j, name in enumerate(TEXT_FIELDS):
            row[name] = KEY_SAMPLES[families[(i + j) % len(families)]]
        row["tenant"] = K["openai"] if i % 2 else K["anthropic"]
        row["code_file"] = f"app/{K['github']}.py"
        row["error_type"] = f"AuthenticationError: Incorrect API key provided: {K['aws']}" if i % 4 == 0 else None
        rows.append(row)
    return rows


def _litellm_payloads() -> list[dict]:
    payloads = []
    for i, family in enumerate(sorted(KEY_SAMPLES)):
        payloads.append({
            "id": f"req-{i}", "trace_id": KEY_SAMPLES[family], "call_type": "completion",
            "model": KEY_SAMPLES[family], "custom_llm_provider": "openai",
            "status": "failure" if i % 3 == 0 else "success",
            "prompt_tokens": 50, "completion_tokens": 5, "startTime": 1793491200.0 + i, "endTime": 1793491201.5 + i,
            "response_cost": 0.001, "response": {"model": KEY_SAMPLES[family]},
            "error_information": {"error_class": f"AuthenticationError {K['xai']}"} if i % 3 == 0 else None,
            "metadata": {"user_api_key_team_id": KEY_SAMPLES[family]},
        })
    payloads.append({**payloads[1], "id": "req-bad", "prompt_tokens": K["openai"]})   # rejected: not a number
    return payloads


@pytest.fixture(scope="module")
def keyed_store(tmp_path_factory):
    """A store ingested from canonical JSON Lines (in a folder named like a key), CSV and LiteLLM payloads."""
    base = tmp_path_factory.mktemp("d14")
    folder = base / K["openai"]
    folder.mkdir()
    rows = _canonical_rows()
    (folder / "calls.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    rows = [{**r, "latency_ms": r["latency_ms"] + 1000} for r in rows]      # other calls than the JSON Lines'
    columns = sorted({k for r in rows for k in r})
    csv_lines = [",".join(columns)] + [",".join("" if r.get(c) is None else str(r[c]).replace(",", ";")
                                                 for c in columns) for r in rows]
    (folder / "calls.csv").write_text("\n".join(csv_lines) + "\n")
    (folder / "litellm.jsonl").write_text("".join(json.dumps(p) + "\n" for p in _litellm_payloads()))
    db = base / "traffic.duckdb"
    ingest = llm_lint("ingest", folder, "--db", db, cwd=base, cache=base / "xdg")
    assert ingest.returncode == 0 and "Traceback" not in ingest.stderr, ingest.stdout + ingest.stderr
    return base, db, ingest.stdout + ingest.stderr


def test_d14_keys_with_words_or_without_digits_are_recognised():
    for family in PREFIX_FAMILIES:
        assert provider_key(KEY_SAMPLES[family]) is not None, family
    for family, key in KEY_SAMPLES.items():
        masked = redact(f"tenant={key};")
        assert leaked(masked) == [], family
        assert masked == redact(f"tenant={key};"), "redaction must be deterministic"
    assert redact(K["openai"]) != redact(K["groq"]), "distinct keys stay distinct"


def test_d14_no_text_column_of_the_store_holds_a_key(keyed_store):
    base, db, ingest_output = keyed_store
    assert leaked(ingest_output) == [], "ingest printed a key"
    con = duckdb.connect(str(db), read_only=True)
    try:
        columns = con.execute("SELECT table_name, column_name FROM information_schema.columns "
                              "WHERE table_schema = 'main' AND data_type = 'VARCHAR'").fetchall()
        assert ("calls", "tenant") in columns and ("sources", "path") in columns
        for table, column in columns:
            values = [v for (v,) in con.execute(f'SELECT DISTINCT "{column}" FROM "{table}"').fetchall() if v]
            assert leaked("\n".join(values)) == [], f"{table}.{column} stores a key"
        tenants = [t for (t,) in con.execute("SELECT DISTINCT tenant FROM calls WHERE source_file LIKE '%.csv'")
                   .fetchall()]
        assert len(tenants) == 2 and all(t.startswith("[redacted:") for t in tenants), tenants
        rows = con.execute("SELECT COUNT(*) FROM calls").fetchone()[0]
        assert rows == 2 * len(_canonical_rows()) + len(KEY_SAMPLES)
    finally:
        con.close()


def test_d14_simulate_and_check_on_keyed_traffic_show_no_key(keyed_store, model_position_project):
    base, db, _ = keyed_store
    for fmt in ("text", "json", "markdown"):
        run = llm_lint("simulate", "--traffic", db, "--format", fmt, "--scenario", "model=gpt-4o-mini",
                       cwd=base, cache=base / "xdg")
        assert run.returncode == 0, run.stderr
        assert leaked(run.stdout + run.stderr) == [], f"simulate --format {fmt} shows a key"
    run = llm_lint("check", ".", "--traffic", db, "--format", "json", "--no-cache", cwd=model_position_project,
                   cache=base / "xdg")
    assert "Traceback" not in run.stderr and leaked(run.stdout + run.stderr) == []


# ---- D19: control characters and markup --------------------------------------------------------------

CONTROL_APP = r'''
from openai import OpenAI

client = OpenAI()


def ask(q):  # llmsight: feature=chat
    return client.chat.completions.create(model="\x1b[2J\x1b]0;owned\x07gpt-4o\r\x9b31m", messages=[])
'''


def test_d19_control_characters_from_source_are_escaped_in_text_github_and_editor(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'app'\n")
    (tmp_path / "app.py").write_text(CONTROL_APP)
    for fmt in ("text", "github", "markdown"):
        run = llm_lint("check", ".", "--format", fmt, "--color", "never", "--no-cache", cwd=tmp_path,
                       cache=tmp_path / "xdg")
        assert "Traceback" not in run.stderr and "gpt-4o" in run.stdout, run.stderr
        assert not any(c in run.stdout for c in "\x1b\x07\x9b\r"), f"{fmt} prints raw control characters"
    from llmsight.lsp import diagnostics

    source = CONTROL_APP.lstrip("\n")
    lines = source.splitlines()
    result = api.check_source(source, "app.py", root=tmp_path)
    messages = [diagnostics.to_lsp(d, lines, lambda cell: ("file:///app.py", lines, 1), "utf-16").message
                for d in result.diagnostics]
    assert any("gpt-4o" in m for m in messages)
    assert not any(c in m for m in messages for c in "\x1b\x07\x9b\r")


def test_d19_traffic_names_cannot_inject_markup_or_escapes_into_simulate(tmp_path):
    """Names with control characters may be refused at ingest (D10); a name with markup is a name."""
    rows = [{"ts": f"2026-11-01T00:0{i}:00Z", "model": "gpt-4o-mini", "input_tokens": 100, "output_tokens": 10,
             "latency_ms": 800, "status": "ok", "feature": "<img src=x onerror=alert(1)>",
             "tenant": "\x1b[31mred\x1b[0m" if i % 2 else "red|pipe"} for i in range(6)]
    (tmp_path / "t.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    db = tmp_path / "t.duckdb"
    assert llm_lint("ingest", "t.jsonl", "--db", db, cwd=tmp_path, cache=tmp_path / "xdg").returncode == 0
    md = llm_lint("simulate", "--traffic", db, "--format", "markdown", cwd=tmp_path, cache=tmp_path / "xdg")
    assert md.returncode == 0, md.stderr
    assert "<img" not in md.stdout and "onerror" in md.stdout
    assert "\x1b" not in md.stdout and "red\\|pipe" in md.stdout
    text = llm_lint("simulate", "--traffic", db, cwd=tmp_path, cache=tmp_path / "xdg")
    assert text.returncode == 0 and "red" in text.stdout and "\x1b" not in text.stdout


# ---- every literal position, every format --------------------------------------------------------------

# `{key}` is a sample key, `{glue}` harmless text around it
POSITIONS = {
    "model keyword": 'client.chat.completions.create(model="{glue}{key}", messages=[])',
    "positional model": 'litellm.completion("{key}{glue}", [{{"role": "user", "content": q}}])',
    "kwargs": 'client.chat.completions.create(**{{"model": "{key}", "messages": [], "user": "{glue}{key}"}})',
    "f-string": 'client.chat.completions.create(model=f"{glue}{key}-{{q}}", messages=[])',
    "prompt": 'client.chat.completions.create(model="gpt-4o", messages=[{{"role": "system", '
              '"content": "{glue} {key} {glue}"}}, {{"role": "user", "content": q}}])',
    "other keywords": 'client.chat.completions.create(model="gpt-4o", messages=[], timeout="{key}", '
                      'max_tokens="{glue}{key}", user="{key}")',
    "constant": 'litellm.completion(model=CONSTANT_{n}, messages=[], fallbacks=["{key}"])',
}
GLUE = st.text(alphabet="abcXYZ019 -_/.:=", max_size=8)


@pytest.fixture(scope="module")
def empty_root(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz")


@given(placed=st.lists(st.tuples(st.sampled_from(sorted(POSITIONS)), st.sampled_from(sorted(KEY_SAMPLES)), GLUE),
                       min_size=1, max_size=4))
def test_no_format_shows_a_key_whatever_literal_holds_it(placed, empty_root):
    parts = ["import litellm", "from openai import OpenAI", "client = OpenAI()"]
    for n, (position, family, glue) in enumerate(placed):
        key = KEY_SAMPLES[family]
        parts += [f'CONSTANT_{n} = "{glue}{key}"', f"def call_{n}(q):",
                  "    return " + POSITIONS[position].format(key=key, glue=glue, n=n)]
    result = api.check_source("\n".join(parts) + "\n", "app.py", root=empty_root, config={})
    assert result.call_sites
    for fmt in FORMATS:
        assert leaked(formats.render(result, fmt)) == [], (fmt, placed)


def test_d2_key_in_model_position_is_not_called_an_unknown_model(model_position_project):
    """A masked key is no model name: LLM009 neither suggests a spelling nor asks to map `[redacted:…]`
    (LLM010 already reports where the key is)."""
    source = (model_position_project / "app.py").read_text()
    result = api.check_source(source, "app.py", root=model_position_project)
    assert [d.message for d in result.diagnostics if d.code == "LLM009" and "[redacted:" in d.message] == []
