"""A wheel carries every package and data file: `pip install llmsight` (not only an editable install
from this tree) must give a working `llm-lint`."""
from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]


def _owner(package: str) -> str:
    """The `package-dir` entry a package's folder comes from (the longest prefix)."""
    return max((n for n in CONFIG["package-dir"] if package == n or package.startswith(n + ".")), key=len)


def _folder(package: str) -> Path:
    owner = _owner(package)
    return ROOT / CONFIG["package-dir"][owner] / Path(*package[len(owner):].split(".")[1:])


def test_every_python_package_in_the_tree_is_packaged():
    for name, folder in CONFIG["package-dir"].items():
        for init in (ROOT / folder).rglob("__init__.py"):
            if "node_modules" in init.parts:
                continue
            package = ".".join((name, *init.parent.relative_to(ROOT / folder).parts))
            if _owner(package) == name:
                assert package in CONFIG["packages"], f"{init.parent} is not in [tool.setuptools] packages"


def test_every_data_file_in_a_package_is_packaged():
    packaged = {path for package, patterns in CONFIG["package-data"].items()
                for pattern in patterns for path in _folder(package).glob(pattern)}
    for package in CONFIG["packages"]:
        for path in _folder(package).iterdir():
            if path.is_file() and path.suffix not in (".py", ".pyc"):
                assert path in packaged, f"{path} is in package {package} but not in [tool.setuptools.package-data]"
