"""Start llmsight's language server for the VS Code extension.

LLMSIGHT_IMPORT_STRATEGY=useBundled (the default) runs the extension's own copy: llmsight (bundled/server),
its dependencies built for this CPython (bundled/libs/cp3XY, pure-Python ones in bundled/libs/common) and
litellm's price map and tiktoken files (bundled/litellm, read through $LLMSIGHT_LITELLM_DIR). They go first on sys.path and, for the server's own
child processes (the analysis worker, simulations), on PYTHONPATH; the environment's packages stay
reachable after them (duckdb, pyarrow and numpy for traffic, when installed there).
fromEnvironment runs the llmsight installed in the interpreter's environment.

`server.py --check` only says whether the server can start here: exit 0, or one line on stderr naming
what to install or select, and exit 2 (the extension shows that line before it starts the server).
`server.py check app.py …` runs any other llmsight command the same way (the tests compare with it).
"""
import importlib.util
import os
import runpy
import sys
from pathlib import Path

BUNDLED = Path(__file__).resolve().parent.parent


def fail(message: str) -> None:
    sys.stderr.write(f"llmsight: {message}\n")
    raise SystemExit(2)


def use_bundled() -> None:
    libs = BUNDLED / "libs" / f"cp{sys.version_info[0]}{sys.version_info[1]}"
    if not libs.is_dir():
        built = sorted(p.name for p in (BUNDLED / "libs").glob("cp3*")) if (BUNDLED / "libs").is_dir() else []
        if not built:
            fail("this copy of the extension has no bundled server: install the llmsight .vsix for your platform, "
                 "or set llmsight.importStrategy to fromEnvironment and install 'llmsight[lsp]' in your interpreter.")
        versions = ", ".join(f"{name[2]}.{name[3:]}" for name in built)
        fail(f"the bundled server is built for Python {versions}, and {sys.executable} is Python "
             f"{sys.version_info[0]}.{sys.version_info[1]}. Select a supported interpreter, or set "
             f"llmsight.importStrategy to fromEnvironment and run `{sys.executable} -m pip install 'llmsight[lsp]'`.")
    paths = [str(BUNDLED / "server"), str(libs), str(BUNDLED / "libs" / "common")]
    sys.path[:0] = paths
    os.environ["PYTHONPATH"] = os.pathsep.join(paths + [p for p in [os.environ.get("PYTHONPATH")] if p])
    os.environ["LLMSIGHT_LITELLM_DIR"] = str(BUNDLED / "litellm" / "litellm")


def check_environment() -> None:
    missing = [name for name in ("llmsight", "pygls", "lsprotocol") if importlib.util.find_spec(name) is None]
    if missing:
        fail(f"{sys.executable} has no {', '.join(missing)}: run `{sys.executable} -m pip install 'llmsight[lsp]'`, "
             "select an interpreter that has it, or set llmsight.importStrategy to useBundled.")


def main() -> None:
    if sys.path and Path(sys.path[0] or ".").resolve() == Path(__file__).resolve().parent:
        del sys.path[0]     # this script's folder (absent under -P): the server never imports from it
    if os.environ.get("LLMSIGHT_IMPORT_STRATEGY", "useBundled") == "useBundled":
        use_bundled()
    else:
        check_environment()
    if sys.argv[1:] == ["--check"]:
        return
    sys.argv = ["llmsight", *(sys.argv[1:] or ["lsp"])]
    runpy.run_module("llmsight", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
