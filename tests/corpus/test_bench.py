"""bench/scan.py on small trees written to disk: the timing figures and the never-crashes sweep."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("bench_scan", REPO / "bench" / "scan.py")
scan = sys.modules["bench_scan"] = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(scan)

CALLS = '''\
from openai import OpenAI

client = OpenAI()


def ask(q):
    return client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": q}])
'''


def write_tree(root: Path, files: dict[str, bytes]) -> Path:
    (root / "pyproject.toml").write_text("[project]\nname = 'bench-tree'\n")
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return root


def test_bench_reports_medians_ratios_and_identical_cold_and_warm_results(tmp_path):
    tree = write_tree(tmp_path, {"app/a.py": CALLS.encode(), "app/b.py": CALLS.encode(),
                                 "app/plain.py": b"x = 1\n", "app/py312.py": b'f"{x.strip("\\n")}"\n',
                                 "build/skipped.py": CALLS.encode()})
    r = scan.bench(tree, runs=1)
    assert (r["files"], r["lines"]) == (4, 16)
    assert r["consistent"], "cold, first cached and warm runs report the same results"
    assert r["ast_parse_s"] > 0 and r["cold_s"] > 0 and r["warm_s"] > 0
    assert r["ast_parse_cpu_s"] > 0 and r["cold_cpu_s"] > 0
    assert r["cold_ratio"] > 0 and r["warm_ratio"] > 0
    assert r["warm_over_cold"] == pytest.approx(r["warm_ratio"] / r["cold_ratio"])


def test_ratios_pair_each_run_with_the_baseline_before_it():
    run = lambda s: scan.Run(s, s, 0, "", None)   # noqa: E731
    # each run took as long as its baseline, whatever the load at the time; then twice as long
    assert scan.paired([run(16), run(4), run(2)], [run(16), run(4), run(2)]) == 1.0
    assert scan.paired([run(32), run(8), run(2)], [run(16), run(4), run(2)]) == 2.0


def test_python_files_skip_what_check_skips(tmp_path):
    tree = write_tree(tmp_path, {"a.py": b"", ".venv/lib/x.py": b"", "node_modules/y.py": b"", "pkg/b.py": b"",
                                 "notes.ipynb": b"{}"})
    assert sorted(p.relative_to(tree).as_posix() for p in scan.python_files([tree])) == ["a.py", "pkg/b.py"]


def test_robustness_counts_reported_errors_and_no_traceback(tmp_path):
    tree = write_tree(tmp_path, {
        "syntax.py": b"from openai import OpenAI\ndef f(:\n",
        "latin1.py": b"from openai import OpenAI\n# caf\xe9\nOpenAI().chat.completions.create(model='gpt-4o', messages=[])\n",
        "binary.py": b"\x00\x01binary\x00",
        "deep.py": ("from openai import OpenAI\nx = " + " + ".join(["1"] * 20000) + "\n").encode(),
        "ok.py": CALLS.encode(),
    })
    r = scan.robustness([tree])
    assert not r["crashed"], r["stderr_tail"]
    assert r["exit_code"] == 0 and r["tracebacks"] == 0
    assert r["file_errors"] >= 2
    assert any(sample.startswith("syntax.py:") for sample in r["error_samples"])


def test_robustness_flags_a_run_that_exits_2(tmp_path):
    r = scan.robustness([tmp_path / "does-not-exist"])
    assert r["crashed"] and r["exit_code"] == 2
