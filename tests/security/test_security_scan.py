"""Hostile trees for `llm-lint check` (issue 16, the reading side): the scan cache, symlinks out of the
tree, FIFOs and devices, files it cannot analyse, lone-CR line endings, `--jobs`, bad paths.

Every tree here is an attacker's pull request: nothing in it may run, hang the scan, be read without
bound, be written to, or pass unreported."""
from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import pickle
import resource
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import given
from hypothesis import strategies as st

from llmsight import api, cli
from llmsight.records import to_json

from hostile import within

CALL = 'from openai import OpenAI\nc = OpenAI()\nc.chat.completions.create(model="gpt-4o-mini", messages=[])\n'
PLAIN = "x = 1\n"


def write_tree(root: Path, files: dict[str, str | bytes]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text("[project]\nname = 'hostile'\n")
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode() if isinstance(content, str) else content)
    return root


def snapshot(root: Path) -> dict[str, tuple]:
    """Every entry under root as (kind, size, mtime, content hash / link target), without following links."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = os.path.join(dirpath, name)
            st = os.lstat(path)
            if stat.S_ISLNK(st.st_mode):
                detail = os.readlink(path)
            elif stat.S_ISREG(st.st_mode) and st.st_size < 10_000_000:
                detail = hashlib.sha256(Path(path).read_bytes()).hexdigest()
            else:
                detail = None
            out[os.path.relpath(path, root)] = (stat.S_IFMT(st.st_mode), st.st_size, st.st_mtime_ns, detail)
    return out


@pytest.fixture
def user_cache(tmp_path, monkeypatch) -> Path:
    """The user's cache home, outside every scanned tree; no LLMSIGHT_CACHE_DIR override."""
    home = tmp_path / "xdg-cache"
    monkeypatch.delenv("LLMSIGHT_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    return home


# root ignores file modes; without these capabilities it is refused like any user
UNPRIVILEGED = ["setpriv", "--bounding-set", "-dac_override,-dac_read_search",
                "--inh-caps", "-dac_override,-dac_read_search", "--"]


def llm_lint(*args: str, cwd: Path, limit_memory: bool = False, unprivileged: bool = False,
             timeout: float = 120) -> subprocess.CompletedProcess:
    """The real CLI in a fresh process (address space capped at 3 GB when asked: an unbounded read dies
    with MemoryError there instead of taking the machine's memory; as root, without the power to
    read what file modes forbid, when asked)."""
    env = {**os.environ, "LLMSIGHT_CACHE_DIR": str(cwd.parent / f"{cwd.name}-cache"),
           "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
    prefix = UNPRIVILEGED if unprivileged and os.geteuid() == 0 else []

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))

    return subprocess.run([*prefix, sys.executable, "-m", "llmsight", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout, preexec_fn=cap if limit_memory else None)


def cli_in_process(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = cli.main(list(args))
    return rc, out.getvalue(), err.getvalue()


def not_analysed(result) -> dict[str, str]:
    return {d.span.path: d.message for d in result.diagnostics
            if d.code == "LLM000" and d.message.startswith("not analysed:")}


def assert_one_clear_line(proc_stdout: str, proc_stderr: str, *names: str) -> None:
    assert "Traceback" not in proc_stderr, proc_stderr
    assert "All checks passed" not in proc_stdout
    lines = [line for line in proc_stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("llm-lint: error:"), proc_stderr
    assert all(name in lines[0] for name in names), lines[0]


# ---- D1: the scan cache ----------------------------------------------------------------------------------
class _OpensMarker:
    """Unpickling this creates `path`: proof that the tree's pickle was loaded."""

    def __init__(self, path: str):
        self.path = path

    def __reduce__(self):
        return open, (self.path, "w")


def test_d1_cache_never_unpickles_from_the_tree(tmp_path, user_cache):
    tree = write_tree(tmp_path / "pr", {"app.py": CALL})
    marker = tmp_path / "code-ran"
    planted = tree / ".llmsight" / "cache" / "scan-v1.pickle"
    planted.parent.mkdir(parents=True)
    planted.write_bytes(pickle.dumps(_OpensMarker(str(marker))))
    result = api.check([tree], with_estimates=False)
    assert not marker.exists(), "a pickle committed to the tree was loaded"
    assert [s.span.path for s in result.call_sites] == ["app.py"]


def test_d1_cache_lives_outside_the_tree_private_and_json(tmp_path, user_cache):
    tree = write_tree(tmp_path / "pr", {"app.py": CALL, "plain.py": PLAIN})
    before = snapshot(tree)
    api.check([tree], with_estimates=False)
    assert snapshot(tree) == before, "the scan wrote into the tree"
    home = user_cache / "llmsight" / hashlib.sha256(os.fsencode(str(tree.resolve()))).hexdigest()
    assert stat.S_IMODE(home.stat().st_mode) == 0o700 and stat.S_IMODE(home.parent.stat().st_mode) == 0o700
    files = list(home.iterdir())
    assert files, "nothing cached"
    for f in files:
        doc = json.loads(f.read_bytes())      # JSON, not a pickle
        assert isinstance(doc.get("version"), int)


HOSTILE_CACHES = {
    "garbage": b"\x80\x04\x95 not json at all",
    "a pickle": pickle.dumps({"fingerprint": "x", "entries": {}}),
    "not an object": b"[1, 2, 3]",
    "deep nesting": b"[" * 100_000 + b"]" * 100_000,
    "huge integer": b'{"version": ' + b"9" * 5000 + b"}",
    "wrong version": b'{"format": "llmsight-scan-cache", "version": 999, "entries": {}}',
}


def _tampered(doc: dict) -> dict[str, dict]:
    """Well-formed JSON of the right version whose records are wrong in one way each."""
    def entry_with(edit) -> dict:
        copy = json.loads(json.dumps(doc))
        for entry in copy["entries"].values():
            if entry.get("result") and entry["result"]["diagnostics"]:
                edit(entry)
                return copy
        raise AssertionError("the fixture has no cached diagnostic")

    def severity(entry):
        entry["result"]["diagnostics"][0]["severity"] = "catastrophic"

    def line_as_text(entry):
        entry["result"]["diagnostics"][0]["span"]["start_line"] = "one"

    def missing_field(entry):
        del entry["result"]["sites"][0]["model"]

    def entries_list(entry):
        entry["result"]["sites"] = {"not": "a list"}

    def deps_bad(entry):
        entry["deps"] = {"/dev/zero": "x"}

    return {f.__name__: entry_with(f) for f in (severity, line_as_text, missing_field, entries_list, deps_bad)}


def test_d1_malformed_or_hostile_cache_is_ignored(tmp_path, user_cache):
    tree = write_tree(tmp_path / "pr", {"app.py": CALL, "plain.py": PLAIN})
    expected = to_json(api.check([tree], use_cache=False, with_estimates=False).diagnostics)
    api.check([tree], with_estimates=False)
    [cache_file] = [f for f in (user_cache / "llmsight").rglob("*") if f.is_file()]
    variants = dict(HOSTILE_CACHES)
    variants.update({name: json.dumps(doc).encode() for name, doc in _tampered(json.loads(cache_file.read_bytes())).items()})
    for name, content in variants.items():
        cache_file.write_bytes(content)
        with within(30):
            got = api.check([tree], with_estimates=False)
        assert to_json(got.diagnostics) == expected, name
        assert [s.span.path for s in got.call_sites] == ["app.py"], name


def test_cache_is_size_bounded_in_bytes_and_projects(tmp_path, user_cache, monkeypatch):
    """An oversized cache is neither written nor read, and only the most recent projects keep one."""
    from llmsight.analysis import cache, engine

    trees = [write_tree(tmp_path / f"pr{i}", {"app.py": CALL}) for i in range(3)]
    api.check([trees[0]], with_estimates=False)
    [written] = [f for f in user_cache.rglob("*") if f.is_file()]
    monkeypatch.setattr(cache, "MAX_CACHE_BYTES", written.stat().st_size - 1)
    analysed = []
    real = engine.analyze_many
    monkeypatch.setattr(engine, "analyze_many", lambda env, items, jobs=None: analysed.extend(items) or real(env, items, jobs))
    api.check([trees[0]], with_estimates=False)
    assert [rel for _, rel, _ in analysed] == ["app.py"], "an oversized cache was read"
    monkeypatch.setattr(cache, "MAX_CACHE_BYTES", 10)
    api.check([trees[1]], with_estimates=False)
    assert [f for f in user_cache.rglob("*") if f.is_file()] == [written], "an oversized cache was written"

    monkeypatch.setattr(cache, "MAX_CACHE_BYTES", 1_000_000)
    monkeypatch.setattr(cache, "MAX_PROJECTS", 2)
    for tree in trees[1:]:
        api.check([tree], with_estimates=False)
    kept = {d.name for d in (user_cache / "llmsight").iterdir()}
    assert kept == {cache.project_dir(t.resolve()).name for t in trees[1:]}


def test_warm_scan_reuses_every_result_exactly(tmp_path, user_cache, monkeypatch):
    """A warm run analyses nothing and reports what the cold run did, record for record."""
    from llmsight.analysis import engine

    tree = write_tree(tmp_path / "pr", {
        "app/__init__.py": "",
        "app/settings.py": "MODEL = 'gpt-4o'\nTIMEOUT = 20\n",
        "app/llm.py": "import anthropic\nfrom app.settings import MODEL, TIMEOUT\nclient = anthropic.Anthropic(timeout=TIMEOUT)\n"
                      "def ask(q):\n    for _ in range(3):\n        client.messages.create(model=MODEL, max_tokens=100, "
                      "messages=[{'role': 'user', 'content': q}])\n",
        "app/use.py": "from app.llm import ask\nask('hi')\n",
        "notebook.ipynb": json.dumps({"cells": [{"cell_type": "code", "source": CALL, "metadata": {}, "outputs": []}],
                                      "metadata": {}, "nbformat": 4, "nbformat_minor": 5}),
        "broken.py": "import openai\nopenai.chat.completions.create(\n",
        "plain.py": PLAIN,
    })
    cold = api.check([tree])

    def must_not_run(env, items, jobs=None):
        assert not items, f"a warm run re-analysed {[rel for _, rel, _ in items]}"
        return []

    monkeypatch.setattr(engine, "analyze_many", must_not_run)
    warm = api.check([tree])
    assert to_json(warm) == to_json(cold) and warm.call_sites


# ---- D5: symlinks out of the tree --------------------------------------------------------------------
def test_d5_symlink_leaving_the_tree_is_reported_not_followed(tmp_path, user_cache):
    outside = write_tree(tmp_path / "outside", {"ext.py": CALL})
    tree = write_tree(tmp_path / "pr", {"app/ok.py": PLAIN})
    (tree / "app" / "link.py").symlink_to(outside / "ext.py")
    (tree / "app" / "inside.py").symlink_to(tree / "app" / "ok.py")   # a link within the tree is fine
    result = api.check([tree / "app"], with_estimates=False)
    assert result.call_sites == []
    reported = not_analysed(result)
    assert list(reported) == ["app/link.py"] and "outside the scanned paths" in reported["app/link.py"]


# ---- D7: unbounded reads -----------------------------------------------------------------------------
def test_d7_fifo_is_skipped_not_opened(tmp_path, user_cache):
    tree = write_tree(tmp_path / "pr", {
        "app/__init__.py": "",
        "app/use.py": "from openai import OpenAI\nfrom app.settings import MODEL\n"
                      "OpenAI().chat.completions.create(model=MODEL, messages=[])\n",
    })
    os.mkfifo(tree / "app" / "settings.py")     # also read for cross-file resolution of MODEL
    os.mkfifo(tree / "pipe.py")
    with within(20):
        result = api.check([tree], with_estimates=False)
    assert [s.span.path for s in result.call_sites] == ["app/use.py"]
    reported = not_analysed(result)
    assert set(reported) == {"app/settings.py", "pipe.py"}
    assert all("not a regular file" in m for m in reported.values())


def test_d7_devices_and_huge_files_are_not_read(tmp_path):
    tree = write_tree(tmp_path / "pr", {"ok.py": CALL})
    (tree / "zero.py").symlink_to("/dev/zero")
    with open(tree / "huge.py", "wb") as fh:   # sparse: 4 GB that take no disk
        fh.truncate(4 << 30)
    proc = llm_lint("check", ".", "--format", "json", "--exit-zero", cwd=tree, limit_memory=True)
    assert "Traceback" not in proc.stderr and "MemoryError" not in proc.stderr, proc.stderr[-2000:]
    doc = json.loads(proc.stdout)
    errors = {e["path"]: e["message"] for e in doc["errors"]}
    assert "zero.py" in errors and "over the 5 MB limit" in errors["huge.py"]
    assert [s["path"] for s in doc["call_sites"]] == ["ok.py"]


# ---- D11: files not analysed fail the check ----------------------------------------------------------
def test_d11_files_not_analysed_fail_the_check(tmp_path):
    tree = write_tree(tmp_path / "pr", {
        "plain.py": PLAIN,
        "latin.py": b'import openai\nx = "caf\xe9"\n',
        "nul.py": b"import openai\x00\x01\n",
        "huge.py": "import openai\n" + "x = 1\n" * 1_000_000,
    })
    proc = llm_lint("check", ".", "--format", "json", cwd=tree)
    assert "Traceback" not in proc.stderr
    doc = json.loads(proc.stdout)
    reported = {d["path"]: d for d in doc["diagnostics"] if d["code"] == "LLM000"}
    assert set(reported) == {"latin.py", "nul.py", "huge.py"}
    assert all(d["severity"] == "error" and d["message"].startswith("not analysed: ") for d in reported.values())
    assert proc.returncode == 1
    text = llm_lint("check", ".", cwd=tree)
    assert text.returncode == 1 and "All checks passed" not in text.stdout
    excluded = llm_lint("check", ".", cwd=write_tree(tree, {"pyproject.toml": "[tool.llmsight]\nexclude = "
                                                            '["latin.py", "nul.py", "huge.py"]\n'}))
    assert excluded.returncode == 0, excluded.stdout


def test_d11_internal_error_is_an_error_diagnostic(tmp_path, user_cache, monkeypatch):
    from llmsight.analysis import engine

    tree = write_tree(tmp_path / "pr", {"app.py": CALL})

    def broken(*args, **kwargs):
        raise KeyError("boom")

    monkeypatch.setattr(engine, "analyze_source", broken)
    result = api.check([tree], use_cache=False, with_estimates=False)
    reported = not_analysed(result)
    assert "internal error" in reported["app.py"]
    assert [d.severity for d in result.diagnostics] == ["error"]


def _notebook(code: str, output_bytes: int) -> str:
    outputs = [{"output_type": "display_data", "metadata": {}, "data": {"image/png": "A" * output_bytes}}]
    return json.dumps({"cells": [{"cell_type": "code", "source": code, "metadata": {}, "outputs": outputs,
                                  "execution_count": 1}],
                       "metadata": {"kernelspec": {"language": "python"}}, "nbformat": 4, "nbformat_minor": 5})


def test_d11_notebook_outputs_do_not_count_towards_the_size_limit(tmp_path, user_cache):
    tree = write_tree(tmp_path / "pr", {
        "plots.ipynb": _notebook(CALL, 6_000_000),
        "generated.ipynb": _notebook(CALL + "x = 1\n" * 1_000_000, 0),
    })
    with open(tree / "giant.ipynb", "wb") as fh:    # 60 MB of JSON is not read at all
        fh.truncate(60_000_000)
    result = api.check([tree], with_estimates=False)
    assert [s.span.path for s in result.call_sites] == ["plots.ipynb"]
    reported = not_analysed(result)
    assert set(reported) == {"generated.ipynb", "giant.ipynb"}
    assert "code" in reported["generated.ipynb"] and "limit" in reported["giant.ipynb"]


# ---- D12: lone-CR line endings -----------------------------------------------------------------------
def test_d12_lone_cr_line_endings(tmp_path, user_cache):
    from llmsight.lsp import positions

    source = CALL.replace("\n", "\r") + "for q in []:\r    c.chat.completions.create(model='gpt-4o', messages=[])\r"
    tree = write_tree(tmp_path / "pr", {"mac.py": source, "crlf.py": CALL.replace("\n", "\r\n")})
    result = api.check([tree], with_estimates=False)
    assert [(s.span.path, s.span.start_line, s.span.start_col) for s in result.call_sites] == \
        [("crlf.py", 3, 1), ("mac.py", 3, 1), ("mac.py", 5, 5)]
    assert result.call_sites[2].in_loop
    # the language server analyses the buffer text; its positions are on the same lines
    buffer = api.check_source(source, "mac.py", root=tree, with_estimates=False)
    lines = positions.split_lines(source)
    starts = [positions.span_range(lines, s.span, positions.UTF16).start for s in buffer.call_sites]
    assert [(p.line, p.character) for p in starts] == [(2, 0), (4, 4)]
    assert lines[4][4:].startswith("c.chat.completions.create(")


# ---- D16: --jobs ---------------------------------------------------------------------------------------
def test_d16_jobs_capped_at_cpu_count():
    from llmsight.analysis import engine

    cores = len(os.sched_getaffinity(0))
    assert engine.processes(1000) == cores
    assert engine.processes(None) == cores
    assert engine.processes(1) == 1


# ---- D17: bad paths -------------------------------------------------------------------------------------
def test_d17_symlink_loop_given_as_path(tmp_path):
    tree = write_tree(tmp_path / "pr", {"ok.py": CALL})
    (tree / "loop").symlink_to("loop")
    before = snapshot(tree)
    proc = llm_lint("check", "loop", cwd=tree)
    assert proc.returncode == 2
    assert_one_clear_line(proc.stdout, proc.stderr, "loop", "symlink loop")
    assert snapshot(tree) == before


def test_d17_missing_path_is_one_clear_line(tmp_path):
    tree = write_tree(tmp_path / "pr", {"ok.py": CALL})
    proc = llm_lint("check", "/nonexistent", cwd=tree)
    assert proc.returncode == 2 and proc.stdout == ""
    assert_one_clear_line(proc.stdout, proc.stderr, "/nonexistent", "no such file or directory")


def test_d17_output_file_in_a_missing_directory(tmp_path):
    tree = write_tree(tmp_path / "pr", {"ok.py": CALL})
    before = snapshot(tree)
    proc = llm_lint("check", ".", "-o", "/nonexistent/dir/x", cwd=tree)
    assert proc.returncode == 2 and proc.stdout == ""
    assert_one_clear_line(proc.stdout, proc.stderr, "/nonexistent/dir")
    assert snapshot(tree) == before and not Path("/nonexistent").exists()


@pytest.mark.skipif(os.geteuid() == 0 and not shutil.which("setpriv"),
                    reason="root reads a chmod-000 directory; setpriv (util-linux) takes that away")
def test_d17_chmod_000_directory_given_as_path(tmp_path):
    tree = write_tree(tmp_path / "pr", {"locked/a.py": CALL, "open/inner/a.py": CALL, "open/ok.py": PLAIN})
    locked = [tree / "locked", tree / "open" / "inner"]
    for d in locked:
        d.chmod(0)
    try:
        given = llm_lint("check", "locked", cwd=tree, unprivileged=True)
        inside = llm_lint("check", "open", "--format", "json", cwd=tree, unprivileged=True)
    finally:
        for d in locked:
            d.chmod(0o755)
    assert given.returncode == 2
    assert_one_clear_line(given.stdout, given.stderr, "locked", "Permission denied")
    assert inside.returncode == 1 and "Traceback" not in inside.stderr
    reported = {d["path"]: d["message"] for d in json.loads(inside.stdout)["diagnostics"] if d["code"] == "LLM000"}
    assert reported == {"open/inner": "not analysed: cannot read (Permission denied); check its permissions"}


# ---- fuzz: generated hostile trees ------------------------------------------------------------------------
ODD_NAMES = ["a.py", "b c.py", "ünï cödé.py", "-n.py", "$(touch x).py", "new\nline.py", "tab\t.py", "*.py",
             "\udcff-not-utf8.py", "n" * 200 + ".py", "nb.ipynb", "pkg/__init__.py", "pkg/m.py", ".hidden/h.py",
             "build/skipped.py", "deep/er/d.py", "link.py", "pipe.py"]
NOTEBOOK = json.dumps({"cells": [{"cell_type": "code", "source": CALL, "metadata": {}, "outputs": []}],
                       "metadata": {}, "nbformat": 4, "nbformat_minor": 5})
CONTENTS = [CALL, PLAIN, "import openai\nopenai.chat.completions.create(\n", NOTEBOOK, NOTEBOOK[:40],
            "from pkg.m import ask\nask()\n", "# -*- coding: latin-1 -*-\nimport openai\nx = 'caf\xe9'\n",
            "import openai\x00\n", "\ufeff" + CALL, "x = (" * 300 + ")" * 300 + "\n"]
ENCODINGS = ["utf-8", "utf-16", "latin-1"]
ENDINGS = ["\n", "\r\n", "\r"]


ENTRIES = st.lists(st.one_of(
    st.tuples(st.just("file"), st.sampled_from(ODD_NAMES), st.sampled_from(CONTENTS), st.sampled_from(ENCODINGS),
              st.sampled_from(ENDINGS)),
    st.tuples(st.sampled_from(["fifo", "dir", "link-in", "link-out", "link-dangling", "link-loop", "link-dir",
                               "link-zero"]), st.sampled_from(ODD_NAMES), st.sampled_from(ODD_NAMES), st.just(""),
              st.just(""))), min_size=1, max_size=8)


def _build(tree: Path, outside: Path, entries) -> None:
    write_tree(tree, {})
    write_tree(outside, {"ext.py": CALL})
    for kind, name, detail, encoding, ending in entries:
        path = tree / name
        if os.path.lexists(path):
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        if kind == "file":
            text = detail.replace("\n", ending)
            path.write_bytes(text.encode(encoding, "replace"))
        elif kind == "fifo":
            os.mkfifo(path)
        elif kind == "dir":
            path.mkdir()
        else:
            target = {"link-in": tree / detail, "link-out": outside / "ext.py", "link-dangling": tree / "gone.py",
                      "link-loop": path, "link-dir": outside, "link-zero": Path("/dev/zero")}[kind]
            path.symlink_to(target)


@given(ENTRIES)
def test_fuzz_hostile_trees_never_crash_hang_or_write(entries):
    """Generated trees (odd names, encodings, CR/CRLF/LF, FIFOs, symlinks in, out, dangling and looping):
    `llm-lint check` exits 0 or 1 with no traceback, within a few seconds per tree, writes nothing in the
    tree or outside it, and a warm run reports exactly what the cold one did."""
    with tempfile.TemporaryDirectory() as tmp:
        tree, outside = Path(tmp, "tree"), Path(tmp, "outside")
        _build(tree, outside, entries)
        before = snapshot(tree), snapshot(outside)
        with mock.patch.dict(os.environ, {"LLMSIGHT_CACHE_DIR": str(Path(tmp, "cache"))}), within(10):
            cold = cli_in_process("check", str(tree), "--format", "json")
            warm = cli_in_process("check", str(tree), "--format", "json")
            text = cli_in_process("check", str(tree), "--format", "text")
        for rc, _, err in (cold, warm, text):
            assert rc in (0, 1) and "Traceback" not in err, err
        assert json.loads(warm[1]) == json.loads(cold[1])
        assert (snapshot(tree), snapshot(outside)) == before
