"""settings_flow's subclass test walks a hostile hierarchy once per class, not once per path."""
import ast

from llmsight.analysis import settings_flow
from llmsight.analysis.evaluate import Evaluator
from llmsight.analysis.modules import ModuleInfo
from llmsight.analysis.project import Project

GENERATIONS = 16


def test_a_base_named_twice_per_generation_is_walked_once_per_class(tmp_path):
    source = "class Other: pass\nclass A0: pass\n" + "".join(
        f"class A{i}(A{i - 1}, A{i - 1}): pass\n" for i in range(1, GENERATIONS + 1))
    mod = ModuleInfo.build("m.py", "m", ast.parse(source), source)
    reader = settings_flow.Reader(Evaluator(Project(tmp_path)))
    evaluated = []
    real_eval = reader.ev.eval
    reader.ev.eval = lambda *a, **k: evaluated.append(1) or real_eval(*a, **k)
    youngest = mod.classes[f"A{GENERATIONS}"]
    assert reader._derives(youngest, mod, mod.classes["A0"])
    assert not reader._derives(youngest, mod, mod.classes["Other"])
    assert len(evaluated) <= 4 * (GENERATIONS + 1)   # two bases per class, two walks
