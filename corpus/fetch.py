"""Download the pinned corpus sdists from PyPI, verify their sha256 and unpack them into corpus/cache/.

The corpus is real LLM applications whose call sites are labelled by hand (corpus/labels/); the code
itself is never committed, only its pin (name, version, sdist file name, sha256) in projects.toml.

    python corpus/fetch.py                 # fetch every project (skips those already unpacked)
    python corpus/fetch.py vanna gptme     # only these
    python corpus/fetch.py --pin vanna==0.7.9   # print a projects.toml entry for a new pin
"""
from __future__ import annotations

import argparse
import fcntl
import hashlib
import json
import shutil
import sys
import tarfile
import tomllib
import urllib.parse
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path

CORPUS_DIR = Path(__file__).resolve().parent
PROJECTS_FILE = CORPUS_DIR / "projects.toml"
CACHE_DIR = CORPUS_DIR / "cache"
PYPI_JSON = "https://pypi.org/pypi/{name}/json"   # the per-version endpoint is not served by every mirror


class FetchError(Exception):
    """A pin that cannot be downloaded or verified; the message says which and what to do."""


class NetworkError(FetchError):
    """PyPI could not be reached (as opposed to a wrong pin or a changed file)."""


@dataclass(frozen=True)
class Project:
    name: str
    version: str
    sdist: str
    sha256: str
    paths: tuple[str, ...]          # what is scanned, relative to the unpacked sdist root
    exclude: tuple[str, ...] = ()   # globs (relative to the sdist root) that are not app code
    labelled: bool = True           # False: bench-only (adds lines for the speed benchmark)

    @property
    def root(self) -> Path:
        """The unpacked sdist's top directory (paths in labels are relative to it)."""
        return CACHE_DIR / "src" / f"{self.name}-{self.version}"

    def scan_paths(self) -> list[Path]:
        return [self.root / p for p in self.paths]


def load_projects(path: Path = PROJECTS_FILE) -> list[Project]:
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise FetchError(f"{path}: {exc}; fix the file") from exc
    projects = []
    for i, entry in enumerate(data.get("project", []), 1):
        missing = [k for k in ("name", "version", "sdist", "sha256", "paths") if k not in entry]
        if missing:
            raise FetchError(f"{path}: [[project]] #{i} lacks {', '.join(missing)}")
        projects.append(Project(name=entry["name"], version=entry["version"], sdist=entry["sdist"],
                                sha256=entry["sha256"], paths=tuple(entry["paths"]),
                                exclude=tuple(entry.get("exclude", ())), labelled=entry.get("labelled", True)))
    return projects


def _release_files(name: str, version: str) -> list[dict]:
    url = PYPI_JSON.format(name=name)
    try:
        with urllib.request.urlopen(url, timeout=60) as resp:
            releases = json.load(resp)["releases"]
    except OSError as exc:
        raise NetworkError(f"{name}=={version}: cannot read {url} ({exc}); is PyPI reachable?") from exc
    if version not in releases:
        raise FetchError(f"{name}=={version}: PyPI has no such release; fix the pin in {PROJECTS_FILE.name}")
    return releases[version]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _download(project: Project) -> Path:
    target = CACHE_DIR / "sdists" / project.sdist
    if target.is_file() and _sha256(target) == project.sha256:
        return target
    files = {f["filename"]: f for f in _release_files(project.name, project.version)}
    if project.sdist not in files:
        raise FetchError(f"{project.name}=={project.version}: PyPI has no file {project.sdist} "
                         f"(has: {', '.join(sorted(files)) or 'nothing'}); fix the pin in {PROJECTS_FILE.name}")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(target.suffix + ".part")
    url = urllib.parse.urljoin(PYPI_JSON.format(name=project.name), files[project.sdist]["url"])
    try:
        with urllib.request.urlopen(url, timeout=120) as resp, open(partial, "wb") as out:
            shutil.copyfileobj(resp, out)
    except OSError as exc:
        raise NetworkError(f"{project.sdist}: download from {url} failed ({exc}); try again") from exc
    actual = _sha256(partial)
    if actual != project.sha256:
        partial.unlink()
        raise FetchError(f"{project.sdist}: sha256 {actual} does not match the pin {project.sha256}; "
                         "the file on PyPI changed — re-label before re-pinning")
    partial.replace(target)
    return target


def _unpack(archive: Path, project: Project) -> None:
    dest = project.root
    staging = dest.parent / (dest.name + ".unpacking")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    if archive.name.endswith(".zip"):
        with zipfile.ZipFile(archive) as zf:
            zf.extractall(staging)
    else:
        with tarfile.open(archive) as tf:
            tf.extractall(staging, filter="data")
    tops = list(staging.iterdir())
    top = tops[0] if len(tops) == 1 and tops[0].is_dir() else staging
    shutil.rmtree(dest, ignore_errors=True)
    top.replace(dest)
    shutil.rmtree(staging, ignore_errors=True)


def ensure(projects: list[Project] | None = None, log=print) -> list[Project]:
    """Make every project's unpacked source present (downloading what is missing); return them.

    Holds a lock on the cache, so that parallel test workers do not unpack the same sdist over each other.
    """
    projects = load_projects() if projects is None else projects
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    with open(CACHE_DIR / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        for project in projects:
            if all(p.exists() for p in project.scan_paths()):
                continue
            log(f"fetching {project.name}=={project.version} ({project.sdist})")
            _unpack(_download(project), project)
            missing = [str(p) for p in project.scan_paths() if not p.exists()]
            if missing:
                raise FetchError(f"{project.name}: scan paths missing after unpacking: {', '.join(missing)}")
    return projects


def pin_entry(spec: str) -> str:
    """A projects.toml entry for `name==version` (its sdist and sha256 from PyPI)."""
    name, _, version = spec.partition("==")
    if not version:
        raise FetchError(f"--pin {spec}: write name==version")
    sdists = [f for f in _release_files(name, version) if f["packagetype"] == "sdist"]
    if not sdists:
        raise FetchError(f"{spec}: PyPI has no sdist for this version; pick another version")
    f = sdists[0]
    return (f'[[project]]\nname = "{name}"\nversion = "{version}"\nsdist = "{f["filename"]}"\n'
            f'sha256 = "{f["digests"]["sha256"]}"\npaths = []\n')


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="projects to fetch (default: all)")
    parser.add_argument("--pin", metavar="NAME==VERSION", help="print a projects.toml entry and exit")
    args = parser.parse_args(argv)
    try:
        if args.pin:
            print(pin_entry(args.pin))
            return 0
        projects = load_projects()
        unknown = set(args.names) - {p.name for p in projects}
        if unknown:
            raise FetchError(f"not in {PROJECTS_FILE.name}: {', '.join(sorted(unknown))}")
        chosen = [p for p in projects if not args.names or p.name in args.names]
        for project in ensure(chosen):
            print(f"{project.name}=={project.version}: {project.root}")
    except FetchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
