"""A stranger's file must not own the machine through its classes' bases: a lattice of classes each naming
every class of the level below as a base (legal Python) has width ** depth paths from its top. Discovery's
walks up the bases (does `self.ask(…)` in this class run another class's `ask`, for LLM006; is `Sub.call(…)`
an SDK class's class method) read each class once, so a 250-line file is checked in a fraction of a second of
CPU, not for hours, and what they find stays what it was (bases followed eight and four levels up)."""
from __future__ import annotations

import signal

import pytest

from llmsight import api

# CPU seconds one such check may take; it takes ~0.1 s, walking the paths took hours at width 10
CPU_CAP = 5.0


class _CpuCapExceeded(BaseException):
    """Stops a runaway check at once (BaseException: no `except Exception` in the engine swallows it)."""


def _lattice(width: int, levels: int, first_bases: str = "") -> list[str]:
    """Classes L0_* (on `first_bases`) to L{levels-1}_*, each on every class of the level below, and `Top`."""
    lines = [f"class L0_{i}({first_bases}):\n    pass" for i in range(width)]
    for level in range(1, levels):
        bases = ", ".join(f"L{level - 1}_{i}" for i in range(width))
        lines += [f"class L{level}_{i}({bases}):\n    pass" for i in range(width)]
    return lines + [f"class Top({', '.join(f'L{levels - 1}_{i}' for i in range(width))}):"]


def _dispatch_source(width: int, levels: int, on_target: bool) -> str:
    return "\n".join([
        "from openai import OpenAI", "client = OpenAI()", "", "class Target:", "    def ask(self, q):",
        "        return client.chat.completions.create(model='gpt-4o', messages=[{'role': 'user', 'content': q}])",
        *_lattice(width, levels, "Target" if on_target else ""),
        "    def run(self, questions):", "        for q in questions:", "            self.ask(q)", ""])


def _checked(source: str, select: list[str]):
    """`source` checked with a CPU-time cap (load on the machine does not count against it)."""
    def stop(_signum, _frame):
        raise _CpuCapExceeded
    previous = signal.signal(signal.SIGPROF, stop)
    signal.setitimer(signal.ITIMER_PROF, CPU_CAP)
    try:
        return api.check_source(source, "lattice.py", select=select, with_estimates=False)
    except _CpuCapExceeded:
        pytest.fail(f"checking a {len(source.splitlines())}-line class lattice took over {CPU_CAP} CPU-s")
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)


def test_unrelated_lattice_is_walked_once_per_class():
    result = _checked(_dispatch_source(10, 9, on_target=False), ["LLM006"])
    assert len(result.call_sites) == 1
    assert not result.diagnostics   # Top's self.ask is not Target's: no inheritance path


@pytest.mark.parametrize(("levels", "fires"), [(8, True), (9, False)], ids=["eight-up", "nine-up"])
def test_lattice_over_the_request_class_dispatches_within_eight_levels(levels, fires):
    result = _checked(_dispatch_source(3, levels, on_target=True), ["LLM006"])
    assert [d.code for d in result.diagnostics] == (["LLM006"] if fires else [])


def _classmethod_source(width: int, levels: int, sdk_base: bool) -> str:
    return "\n".join([
        "from dashscope import Generation", "", *_lattice(width, levels, "Generation" if sdk_base else ""),
        "    pass", "", "def run(q):", "    return Top.call(model='qwen-max', prompt=q)", ""])


def test_unrelated_lattice_under_a_class_method_call_is_walked_once_per_class():
    assert _checked(_classmethod_source(25, 5, sdk_base=False), ["NONE"]).call_sites == []


@pytest.mark.parametrize(("levels", "found"), [(4, True), (5, False)], ids=["four-up", "five-up"])
def test_lattice_over_an_sdk_class_keeps_its_class_methods_within_four_levels(levels, found):
    sites = _checked(_classmethod_source(3, levels, sdk_base=True), ["NONE"]).call_sites
    assert [(s.sdk, s.model.value) for s in sites] == ([("dashscope", "qwen-max")] if found else [])
