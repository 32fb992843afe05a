"""llmsight.analysis: call-site discovery, rules and fixes.

libcst is needed only to build fix edits. Modules take it as `from llmsight.analysis import libcst as
cst`: a stand-in that imports the real module on first attribute use, so a run that builds no fix (a
warm cached check, an editor keystroke with no finding) never pays its import (about 0.3 s). Unlike
`importlib.util.LazyLoader`, it is safe when several threads build their first fix at once.
"""
import importlib
from types import ModuleType


class _OnFirstUse(ModuleType):
    def __getattr__(self, name: str):
        module = importlib.import_module(self.__name__)  # the import lock serialises concurrent first uses
        return getattr(module, name)


libcst = _OnFirstUse("libcst")
