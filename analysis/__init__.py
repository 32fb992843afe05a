"""llmsight.analysis: call-site discovery, rules and fixes.

libcst is needed only to build fix edits. Modules take it as `from llmsight.analysis import libcst as
cst`, a lazily loaded module, so a run that builds no fix (a warm cached check, an editor keystroke
with no finding) never pays its import (about 0.3 s). A plain `import libcst` statement would load it
at once (the import system reads the module's `__spec__`).
"""
import importlib.util
import sys
from types import ModuleType


def _lazy_module(name: str) -> ModuleType:
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec(name)
    assert spec is not None and spec.loader is not None, f"{name} is not installed"
    spec.loader = importlib.util.LazyLoader(spec.loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


libcst = _lazy_module("libcst")
