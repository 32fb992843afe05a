"""Modules of namespace packages (PEP 420: directories without `__init__.py`) are named from the project root
(`svc/beta/impl.py` is `svc.beta.impl`), so a relative import reaches the sibling module, not a module of the
same name in another directory of the project."""
from __future__ import annotations

from site_lines import line_of, models_at, scan_project

BASE = """
    from openai import OpenAI

    class Base(OpenAI):
        model = "{model}"
    """
NAMESPACE = {
    # another directory's module of the same name, scanned first
    "svc/alpha/zbase.py": BASE.format(model="gpt-4o"),
    "svc/beta/a_impl.py": """
        from .zbase import Base

        class Impl(Base):
            def talk(self, text):
                return self.completions.create(model=self.model, prompt=text)
        """,
    "svc/beta/zbase.py": BASE.format(model="gpt-4o-mini"),
}


def test_relative_import_in_a_namespace_package_reaches_the_sibling(tmp_path):
    result = scan_project(tmp_path, NAMESPACE)
    line = line_of(NAMESPACE["svc/beta/a_impl.py"], "self.completions.create(")
    assert models_at(result, "svc/beta/a_impl.py", line) == ["gpt-4o-mini"]


def test_regular_packages_keep_their_names(tmp_path):
    """The same tree with `__init__.py` files (and a src layout) resolves as before."""
    files = {"src/svc/__init__.py": "", "src/svc/alpha/__init__.py": "", "src/svc/beta/__init__.py": ""}
    files.update({f"src/{path}": text for path, text in NAMESPACE.items()})
    result = scan_project(tmp_path, files)
    line = line_of(NAMESPACE["svc/beta/a_impl.py"], "self.completions.create(")
    assert models_at(result, "src/svc/beta/a_impl.py", line) == ["gpt-4o-mini"]
