"""A stranger's file must not own the machine: values built from values several times over
(`self.a2 = self.a1 or self.a1`, each attribute assigned eight times, five levels deep) once made one
request's URL and model cost millions of evaluations — minutes of CPU for a 50-line file. The scan must
stay within a fixed number of evaluation steps whatever the shape, through `self.`/`cls.` attributes and
module or local names alike, and still find the request."""
from __future__ import annotations

import pytest

from llmsight import api
from llmsight.analysis.discover import FileDiscovery
from llmsight.analysis.evaluate import Evaluator

# the steps a scan of one such file may take; today's cost is above 10**6 for width 3
STEP_CAP = 200_000


class _StepCapExceeded(BaseException):
    """Stops a runaway scan at once (BaseException: no `except Exception` in the engine swallows it)."""


def _self_chain(width: int, first: str = "self", levels: int = 5, assigns: int = 8) -> str:
    decorator = ["    @classmethod"] if first == "cls" else []
    lines = ["import os", "import requests", "", "class Chain:", *decorator, f"    def setup({first}, m, msgs):",
             f"        {first}.a0 = os.environ['CHAT_URL']"]
    for level in range(1, levels + 1):
        value = " or ".join([f"{first}.a{level - 1}"] * width)
        lines += [f"        {first}.a{level} = {value}"] * assigns
    lines += ["", *decorator, f"    def send({first}, m, msgs):",
              f"        return requests.post({first}.a{levels}, json={{'model': m, 'messages': msgs}})"]
    return "\n".join(lines) + "\n"


def _name_chain(width: int, indent: str = "", levels: int = 5, assigns: int = 8) -> str:
    lines = [f"{indent}a0 = os.environ['CHAT_URL']"]
    for level in range(1, levels + 1):
        value = " or ".join([f"a{level - 1}"] * width)
        lines += [f"{indent}a{level} = {value}"] * assigns
    lines.append(f"{indent}reply = requests.post(a{levels}, json={{'model': m, 'messages': msgs}})")
    body = "\n".join(lines) + "\n"
    head = "import os\nimport requests\n\n"
    return head + ("m, msgs = 'gpt-4o', []\n" + body if not indent else "def send(m, msgs):\n" + body)


def _counted_scan(monkeypatch, source: str):
    """Checks `source`, counting evaluator and URL steps; stops once they pass STEP_CAP."""
    steps = [0]

    def counting(original):
        def step(*args, **kwargs):
            steps[0] += 1
            if steps[0] > STEP_CAP:
                raise _StepCapExceeded
            return original(*args, **kwargs)
        return step

    monkeypatch.setattr(Evaluator, "_eval", counting(Evaluator._eval))
    monkeypatch.setattr(FileDiscovery, "_urls_of", counting(FileDiscovery._urls_of))
    try:
        result = api.check_source(source, "chain.py", select=["NONE"])
    except _StepCapExceeded:
        result = None
    return result, steps[0]


def _check_bounded(monkeypatch, source: str) -> None:
    result, steps = _counted_scan(monkeypatch, source)
    assert result is not None and steps <= STEP_CAP, f"{steps} steps"
    assert [s.span.start_line for s in result.call_sites] == [len(source.splitlines())]   # the post


def test_chained_cls_attributes_scan_in_bounded_steps(monkeypatch):
    _check_bounded(monkeypatch, _self_chain(3, "cls"))


@pytest.mark.parametrize("source", [_self_chain(3), _self_chain(1), _name_chain(3), _name_chain(3, "    ")],
                         ids=["self-attrs", "self-attrs-copied", "module-names", "local-names"])
def test_chained_values_scan_in_bounded_steps(monkeypatch, source):
    _check_bounded(monkeypatch, source)
