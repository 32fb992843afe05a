"""The scan's processes: a small tree is analysed in one process; workers, once the measured work says
they pay, report exactly what one process does."""
from __future__ import annotations

import os

import pytest

from llmsight import api
from llmsight.analysis import engine
from llmsight.records import to_json

CALL = '''from openai import OpenAI

client = OpenAI(timeout=10)
MODEL = "gpt-4o-mini"


def ask_{i}(question):
    prompt = ""
    for part in question:
        prompt += part
    return client.chat.completions.create(model=MODEL, messages=[{{"role": "user", "content": prompt}}])
'''


def _items(root, count):
    items = []
    for i in range(count):
        path = root / f"pkg{i % 8}" / f"m{i}.py"
        path.parent.mkdir(exist_ok=True)
        path.write_text(CALL.format(i=i))
        items.append((str(path), path.relative_to(root).as_posix(), CALL.format(i=i)))
    return items


def _env(root):
    config = api.Config()
    return engine.Env(root=root, config=config, rules=api.select_rules(config))


def _results(results):
    return sorted((r.path, to_json(r.sites), to_json(r.diagnostics)) for r in results)


def test_small_work_stays_in_one_process(tmp_path, monkeypatch):
    def no_workers(*args, **kwargs):
        raise AssertionError("a worker was started for a few small files")

    monkeypatch.setattr(engine, "ProcessPoolExecutor", no_workers)
    results = engine.analyze_many(_env(tmp_path), _items(tmp_path, 12), jobs=2)
    assert len(results) == 12 and all(r.sites for r in results)


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="one core: no worker is ever started")
def test_workers_report_what_one_process_does(tmp_path, monkeypatch):
    items = _items(tmp_path, 40)
    alone = engine.analyze_many(_env(tmp_path), items, jobs=1)
    started = []
    real = engine.ProcessPoolExecutor
    monkeypatch.setattr(engine, "ProcessPoolExecutor", lambda **kw: started.append(kw) or real(**kw))
    monkeypatch.setattr(engine, "FORK_PAYS_S", 0.0)   # any work pays: the workers join before the 1st chunk
    monkeypatch.setattr(engine, "PROBE_S", 0.0)
    shared = engine.analyze_many(_env(tmp_path), items, jobs=2)
    assert started and started[0]["max_workers"] == 1
    assert _results(shared) == _results(alone)
    assert len(shared) == 40


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="one core: no worker is ever started")
def test_work_that_pays_even_at_parse_pace_forks_before_analysing(tmp_path, monkeypatch):
    """No chunk is analysed while the second core waits when the bytes alone say a worker pays."""
    items = _items(tmp_path, 40)
    events = []   # this process's: a forked worker appends to its own copy
    real_pool, real_one = engine.ProcessPoolExecutor, engine._analyze_one
    monkeypatch.setattr(engine, "ProcessPoolExecutor", lambda **kw: events.append("fork") or real_pool(**kw))
    monkeypatch.setattr(engine, "_analyze_one", lambda *item: events.append("file") or real_one(*item))
    monkeypatch.setattr(engine, "FASTEST_BYTES_PER_S", 1)   # 40 files then take longer than FORK_PAYS_S
    results = engine.analyze_many(_env(tmp_path), items, jobs=2)
    assert events[0] == "fork"
    assert len(results) == 40 and all(r.sites for r in results)


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="one core: no worker is ever started")
def test_kept_workers_analyse_their_own_files_again(tmp_path, monkeypatch):
    """A scan's second stage sends the workers the files they analysed; the report is one process's, and
    the workers are gone after the scan."""
    items = _items(tmp_path, 40)
    alone = engine.analyze_many(_env(tmp_path), items, jobs=1)
    monkeypatch.setattr(engine, "FORK_PAYS_S", 0.0)
    env = _env(tmp_path)
    with engine.keep_workers():
        first = engine.analyze_many(env, items, jobs=2)
        assert engine._POOL is not None and engine._WORKER_FILES
        theirs = sorted(engine._WORKER_FILES)
        env.exports = frozenset({"ask_0"})
        sent = [it for it in items if it[1] in theirs[:5] or it in items[:3]]   # the worker may hold the first
        again = engine.analyze_many(env, sent, jobs=2)
    assert engine._POOL is None and not engine._WORKER_FILES
    assert _results(first) == _results(alone)
    expected = {r.path: r for r in alone}
    assert _results(again) == _results([expected[r.path] for r in again])
    assert len(again) == len(sent)


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="one core: no worker is ever started")
def test_workers_forked_before_reading_report_what_one_process_does(tmp_path, monkeypatch):
    """A tree whose bytes alone pay a worker forks before reading: each process reads, hashes and
    prefilters its own chunks. The report, the second stage (a file importing a helper another module
    exports) and the cache a warm run reuses are one process's."""
    _items(tmp_path, 40)
    for i in range(40):   # files the prefilter skips, one of which calls the exported helper
        (tmp_path / f"util{i % 5}").mkdir(exist_ok=True)
        (tmp_path / f"util{i % 5}" / f"u{i}.py").write_text(f"def helper_{i}(x):\n    return x + {i}\n")
    (tmp_path / "util0" / "uses.py").write_text(
        "from pkg0.llm import completion\n\n\ndef go(q):\n    return completion(model='gpt-4o', messages=q)\n")
    (tmp_path / "pkg0" / "llm.py").write_text("import litellm\n\ncompletion = litellm.completion\n")
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 't'\n")
    monkeypatch.setenv("LLMSIGHT_CACHE_DIR", str(tmp_path / "cache-one"))
    alone = api.check([tmp_path], jobs=1)
    reads = []
    real = engine.read_and_analyze
    monkeypatch.setattr(engine, "read_and_analyze", lambda *a, **k: reads.append(real(*a, **k)) or reads[-1])
    monkeypatch.setattr(engine, "FASTEST_BYTES_PER_S", 1)   # any bytes pay a worker
    monkeypatch.setenv("LLMSIGHT_CACHE_DIR", str(tmp_path / "cache-two"))
    shared = api.check([tmp_path], jobs=2)
    assert reads and reads[0] is not None and len(reads[0]) == 82   # read by the processes, not here
    assert to_json(shared) == to_json(alone)
    assert "util0/uses.py" in {s.span.path for s in shared.call_sites}   # found by the second stage
    monkeypatch.setattr(engine, "read_and_analyze", lambda env, files, *a: pytest.fail("read again") if files else None)
    assert to_json(api.check([tmp_path], jobs=2)) == to_json(alone)


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="one core: no worker is ever started")
@pytest.mark.parametrize("read_first", [True, False])
def test_a_worker_that_dies_loses_no_file(tmp_path, monkeypatch, read_first):
    """A worker killed after claiming a chunk (out of memory, a signal) breaks the pool: this process does
    the chunks whose results did not come back, and the report is one process's, with the tree read by
    the processes or before the fork."""
    _items(tmp_path, 40)
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 't'\n")
    monkeypatch.setenv("LLMSIGHT_CACHE_DIR", str(tmp_path / "cache-one"))
    alone = api.check([tmp_path], jobs=1)
    real = engine._claimed

    def dies_in_a_worker(front, reading):
        if not front:
            engine._claim(front)   # the chunk it claimed never comes back
            os._exit(1)
        return real(front, reading)

    monkeypatch.setattr(engine, "_claimed", dies_in_a_worker)
    monkeypatch.setattr(engine, "FASTEST_BYTES_PER_S", 1)   # any bytes pay a worker
    if not read_first:
        monkeypatch.setattr(engine, "read_and_analyze", lambda *args, **kwargs: None)
    monkeypatch.setenv("LLMSIGHT_CACHE_DIR", str(tmp_path / "cache-two"))
    shared = api.check([tmp_path], jobs=2)
    assert to_json(shared) == to_json(alone) and len(shared.call_sites) == 40
