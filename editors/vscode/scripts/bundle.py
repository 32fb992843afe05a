"""Build the server the extension bundles for one VS Code target (`llmsight.importStrategy: useBundled`).

    python scripts/bundle.py --target linux-x64

writes, under editors/vscode/bundled/:
  libs/cp310 … libs/cp313   the wheels of bundle-requirements.txt for that CPython and platform, unpacked
                            (libcst, tiktoken and their native dependencies differ per version);
  libs/common               the pure-Python ones, the same for every version, once;
  server/                   llmsight itself (pure Python), built from this repository's working tree;
  litellm/litellm/          litellm's price map and tiktoken files, copied out of its wheel, with the
                            litellm-<version>.dist-info they came from (the server reads them through
                            $LLMSIGHT_LITELLM_DIR; litellm itself is not shipped);
  manifest.json             target, Python versions, pins, what each libs folder holds and the litellm
                            version.

The wheels are only installed again when the target or the pins change (pip's own cache serves repeated
downloads), llmsight only when its sources change. Needs pip and the PyPI registry.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

EXTENSION = Path(__file__).resolve().parents[1]
REPO = EXTENSION.parents[1]
BUNDLED = EXTENSION / "bundled"
REQUIREMENTS = EXTENSION / "bundle-requirements.txt"
PYTHONS = ("3.10", "3.11", "3.12", "3.13")
# VS Code target -> the wheel platform tags pip may install (pip takes them literally: a manylinux_2_28
# target does not imply manylinux2014 wheels). VS Code itself needs glibc 2.28 on Linux.
PLATFORMS = {
    "linux-x64": ("manylinux_2_28_x86_64", "manylinux_2_17_x86_64", "manylinux2014_x86_64"),
    "linux-arm64": ("manylinux_2_28_aarch64", "manylinux_2_17_aarch64", "manylinux2014_aarch64"),
    "darwin-x64": ("macosx_10_13_x86_64", "macosx_10_9_x86_64", "macosx_10_9_universal2"),
    "darwin-arm64": ("macosx_11_0_arm64", "macosx_10_9_universal2"),
    "win32-x64": ("win_amd64",),
}
# What wheels ship that the server never imports (test suites, C headers, build tools, type stubs):
# hundreds of files per Python version, and vsce's secret scan slows down with the square of the count.
UNUSED_FOLDERS = {"libcst": ("tests",), "numpy": ("tests", "f2py", "distutils", "_pyinstaller", "include", "_examples")}
UNUSED_FILES = ("*.pyi", "*.pxd", "*.h")
DATA_ONLY = "litellm"
PRICE_MAP = "litellm/model_prices_and_context_window_backup.json"
TIKTOKEN_FILE = re.compile(r"^litellm/litellm_core_utils/tokenizers/[0-9a-f]{40}$")   # tiktoken cache names


def pins() -> list[str]:
    lines = [line.split("#", 1)[0].strip() for line in REQUIREMENTS.read_text(encoding="utf-8").splitlines()]
    return [line for line in lines if line]


def for_python(requirements: list[str], version: str) -> list[str]:
    """The requirements whose environment marker holds for that CPython (pip would judge markers by the
    Python running it, not by --python-version)."""
    try:
        from packaging.markers import Marker
    except ImportError:
        from pip._vendor.packaging.markers import Marker
    chosen = []
    for line in requirements:
        requirement, _, marker = line.partition(";")
        if not marker or Marker(marker.strip()).evaluate({"python_version": version, "python_full_version": f"{version}.0"}):
            chosen.append(requirement.strip())
    return chosen


def platform_args(target: str) -> list[str]:
    return [arg for tag in PLATFORMS[target] for arg in ("--platform", tag)]


def pip(*args: str) -> None:
    done = subprocess.run([sys.executable, "-m", "pip", "--disable-pip-version-check", "--quiet", *args])
    if done.returncode != 0:
        raise SystemExit(f"bundle.py: `pip {' '.join(args[:2])} …` failed (exit {done.returncode}); see pip's message above")


def install_dependencies(target: str, requirements: list[str]) -> None:
    """One unpacked wheel set per CPython version (`pip install --target` for a foreign platform); then the
    pure-Python distributions every version got alike move to libs/common, so each is shipped once."""
    shutil.rmtree(BUNDLED / "libs", ignore_errors=True)
    folders = [BUNDLED / "libs" / f"cp{version.replace('.', '')}" for version in PYTHONS]
    for version, folder in zip(PYTHONS, folders):
        pip("install", "--target", str(folder), *platform_args(target), "--python-version", version,
            "--implementation", "cp", "--only-binary=:all:", "--no-compile", *for_python(requirements, version))
        shutil.rmtree(folder / "bin", ignore_errors=True)    # console scripts with a foreign shebang
        for package, names in UNUSED_FOLDERS.items():
            for name in names:
                for unused in sorted((folder / package).rglob(name), reverse=True):
                    shutil.rmtree(unused, ignore_errors=True)
        for pattern in UNUSED_FILES:
            for unused in folder.rglob(pattern):
                unused.unlink()
    common = BUNDLED / "libs" / "common"
    common.mkdir()
    for info in sorted(folders[0].glob("*.dist-info")):
        if "Root-Is-Purelib: true" not in (info / "WHEEL").read_text(encoding="utf-8"):
            continue
        if not all((folder / info.name).is_dir() for folder in folders):
            continue
        record = (info / "RECORD").read_text(encoding="utf-8").splitlines()
        tops = {line.split(",", 1)[0].split("/", 1)[0] for line in record}
        for top in sorted(t for t in tops if t and not t.startswith("..")):
            if (folders[0] / top).exists() and not (common / top).exists():
                shutil.move(folders[0] / top, common / top)
            for folder in folders[1:]:
                remove(folder / top)


def installed() -> dict[str, list[str]]:
    """name==version of every distribution in each libs folder, for the manifest (what a .vsix ships)."""
    return {folder.name: sorted(info.name[:-len(".dist-info")].replace("-", "==", 1)
                                for info in folder.glob("*.dist-info"))
            for folder in sorted((BUNDLED / "libs").iterdir())}


def remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


def vendor_litellm(pin: str, target: str) -> str:
    """Copy litellm's price map, tiktoken files and dist-info out of its wheel; return its version."""
    out = BUNDLED / "litellm"
    shutil.rmtree(out, ignore_errors=True)
    with tempfile.TemporaryDirectory() as tmp:
        pip("download", "--no-deps", "--only-binary=:all:", *platform_args(target),
            "--python-version", PYTHONS[0], "--implementation", "cp", "--dest", tmp, pin)
        wheel = next(Path(tmp).glob("litellm-*.whl"))
        with zipfile.ZipFile(wheel) as archive:
            names = archive.namelist()
            info = next(n.split("/")[0] for n in names if re.match(r"^litellm-[^/]+\.dist-info/METADATA$", n))
            wanted = [n for n in names if n == PRICE_MAP or TIKTOKEN_FILE.match(n)
                      or n == f"{info}/METADATA" or n.startswith(f"{info}/licenses/")]
            if PRICE_MAP not in wanted or not any(TIKTOKEN_FILE.match(n) for n in wanted):
                raise SystemExit(f"bundle.py: {wheel.name} has no {PRICE_MAP} or no tiktoken files; "
                                 "pin a litellm that ships them in bundle-requirements.txt")
            for name in wanted:
                archive.extract(name, out)
    return info[len("litellm-"):-len(".dist-info")]


def llmsight_sources() -> list[str]:
    """The repository files llmsight is built from: tracked and new ones, not ignored ones."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard",
                             "--", "pyproject.toml", "README.md", "LICENSE", "llmsight", "analysis", "knowledge",
                             "simulator", "lsp", "jupyter_ext", "schema"],
                            cwd=REPO, capture_output=True, check=True).stdout.decode().split("\0")
    return sorted(name for name in listed if name and (REPO / name).is_file())


def sources_key(names: list[str]) -> str:
    digest = hashlib.sha256()
    for name in names:
        digest.update(name.encode() + b"\0" + (REPO / name).read_bytes() + b"\0")
    return digest.hexdigest()


def install_llmsight(names: list[str]) -> str:
    """llmsight built from `names` in a scratch copy (no stale build/ folder leaks into the wheel); returns
    its version."""
    out = BUNDLED / "server"
    shutil.rmtree(out, ignore_errors=True)
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            (Path(tmp) / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, Path(tmp) / name)
        pip("install", "--no-deps", "--no-compile", "--target", str(out), tmp)
    shutil.rmtree(out / "bin", ignore_errors=True)
    return next(out.glob("llmsight-*.dist-info")).name[len("llmsight-"):-len(".dist-info")]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--target", choices=sorted(PLATFORMS), required=True, help="VS Code platform target")
    args = parser.parse_args()
    requirements = pins()
    litellm_pin = next((p for p in requirements if p.startswith(f"{DATA_ONLY}==")), None)
    if litellm_pin is None:
        raise SystemExit(f"bundle.py: {REQUIREMENTS.name} must pin {DATA_ONLY}==<version>")
    dependencies = [p for p in requirements if p != litellm_pin]
    key = hashlib.sha256(json.dumps([args.target, PYTHONS, requirements]).encode()).hexdigest()

    manifest_path = BUNDLED / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8")) if manifest_path.is_file() else {}
    libs_ready = all((BUNDLED / "libs" / f"cp{v.replace('.', '')}").is_dir() for v in PYTHONS)
    if manifest.get("key") != key or not libs_ready or not (BUNDLED / "litellm").is_dir():
        print(f"bundle.py: installing {', '.join(dependencies)} for CPython {', '.join(PYTHONS)} ({args.target})")
        manifest_path.unlink(missing_ok=True)
        install_dependencies(args.target, dependencies)
        manifest["litellm"] = vendor_litellm(litellm_pin, args.target)
    sources = llmsight_sources()
    server_key = sources_key(sources)
    if manifest.get("server_key") != server_key or not (BUNDLED / "server").is_dir():
        manifest.update(llmsight=install_llmsight(sources), server_key=server_key)
    manifest.update(key=key, target=args.target, python=list(PYTHONS), requirements=dependencies, installed=installed())
    manifest_path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    print(f"bundle.py: bundled llmsight {manifest['llmsight']} with litellm {manifest['litellm']}'s price data "
          f"for {args.target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
