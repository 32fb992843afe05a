"""The scheduler's adaptive debounce: an edit after a pause is analysed at once, a burst once it pauses,
and an edit that changed nothing the last analysis found (a comment typed) reuses it without waiting."""
from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from llmsight.lsp.documents import Analysis, Scheduler, Snapshot, Target

pytestmark = pytest.mark.asyncio

KEY = "file:///p/app.py"


class Recorder:
    def __init__(self, debounce_s: float, reuse: bool | None = None, cost_s: float = 0.05):
        self.cost_s = cost_s
        self.analysed: list[int] = []
        self.reused: list[int] = []
        self.published: list[tuple[int, float]] = []
        self.scheduler = Scheduler(self.analyse, self.snapshot, self.publish, lambda: debounce_s, self.fail,
                                   None if reuse is None else (self.reuse_hit if reuse else self.reuse_miss))

    def snapshot(self, key: str, generation: int) -> Snapshot:
        return Snapshot(key, generation, Path("/p/app.py"), Path("/p"), "x = 1\n", False,
                        (Target(key, generation, ("x = 1\n",)),), "utf-16")

    def analyse(self, snap: Snapshot) -> Analysis:
        self.analysed.append(snap.generation)
        time.sleep(self.cost_s)
        return Analysis(snap.key, snap.generation, {}, snap.root, None)

    def reuse_hit(self, snap: Snapshot) -> Analysis:
        self.reused.append(snap.generation)
        return Analysis(snap.key, snap.generation, {}, snap.root, None, checked=self.analysed[-1])

    def reuse_miss(self, snap: Snapshot) -> None:
        self.reused.append(snap.generation)
        return None

    def publish(self, analysis: Analysis, previous: Analysis | None) -> None:
        self.published.append((analysis.generation, time.monotonic()))

    def fail(self, key: str, exc: BaseException) -> None:
        raise AssertionError(f"{key}: {exc}")

    async def published_after(self, count: int, timeout: float = 10) -> None:
        deadline = time.monotonic() + timeout
        while len(self.published) < count:
            assert time.monotonic() < deadline, "nothing published"
            await asyncio.sleep(0.005)


async def test_an_edit_after_a_pause_is_analysed_at_once():
    r = Recorder(debounce_s=0.6, cost_s=0.6)
    r.scheduler.changed(KEY, immediate=True)
    changed = time.monotonic()
    r.scheduler.changed(KEY, edited=True)    # right after the last change: not idle, so it waits
    await r.published_after(1)
    assert r.published[0][1] - changed >= 0.5 + 0.6 and r.analysed == [2]
    r2 = Recorder(debounce_s=0.3)
    r2.scheduler.changed(KEY, immediate=True)
    await r2.published_after(1)
    await asyncio.sleep(0.4)            # idle longer than the debounce
    changed = time.monotonic()
    r2.scheduler.changed(KEY, edited=True)
    await r2.published_after(2)
    assert r2.published[1][1] - changed < 0.25, "a single edit after a pause waited for the debounce"
    r.scheduler.shutdown()
    r2.scheduler.shutdown()


async def test_a_burst_is_shown_once_when_it_pauses():
    r = Recorder(debounce_s=0.3, cost_s=0.25)    # an analysis slower than the typing
    r.scheduler.changed(KEY, immediate=True)
    await r.published_after(1)
    await asyncio.sleep(0.4)
    for _ in range(6):
        r.scheduler.changed(KEY, edited=True)
        await asyncio.sleep(0.08)
    last = time.monotonic() - 0.08
    await r.published_after(2)
    await asyncio.sleep(0.6)
    generations = [g for g, _ in r.published]
    # the first keystroke after the pause is analysed at once; the rest once the typing pauses
    assert len(r.analysed) == 3 and generations[-1] == r.analysed[-1] == 7
    assert r.published[-1][1] - last >= 0.23    # the pause waited for: as long as an analysis takes
    r.scheduler.shutdown()


async def test_a_cheap_analysis_keeps_up_with_the_typing():
    r = Recorder(debounce_s=0.5, cost_s=0.01)
    r.scheduler.changed(KEY, immediate=True)
    await r.published_after(1)
    for _ in range(5):
        r.scheduler.changed(KEY, edited=True)
        await asyncio.sleep(0.15)
    assert len(r.analysed) == 6, "each keystroke analysed after a pause as long as an analysis, not 0.5 s"
    r.scheduler.shutdown()


async def test_a_reusable_edit_is_shown_without_the_debounce_and_a_code_edit_waits():
    r = Recorder(debounce_s=2.0, reuse=True)
    r.scheduler.changed(KEY, immediate=True)
    await r.published_after(1)
    changed = time.monotonic()
    r.scheduler.changed(KEY, edited=True)     # 'a comment typed' right after the open: not idle
    await r.published_after(2)
    assert r.published[1][1] - changed < 1.0 and r.analysed == [1] and len(r.reused) == 1
    r.scheduler.changed(KEY)                  # a reload (not an edit) is never reused
    await r.published_after(3)
    assert len(r.analysed) == 2 and len(r.reused) == 1

    miss = Recorder(debounce_s=0.5, reuse=False, cost_s=0.5)
    miss.scheduler.changed(KEY, immediate=True)
    await miss.published_after(1)
    changed = time.monotonic()
    miss.scheduler.changed(KEY, edited=True)
    await miss.published_after(2)
    assert miss.reused and len(miss.analysed) == 2
    assert miss.published[1][1] - changed >= 0.45   # not reusable and not idle: debounced as before
    r.scheduler.shutdown()
    miss.scheduler.shutdown()
