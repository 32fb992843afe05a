"""Download the pinned corpus sdists from PyPI, verify their sha256 and unpack them into corpus/cache/.

The corpus is real LLM applications whose call sites are labelled by hand (corpus/labels/); the code
itself is never committed, only its pin (name, version, sdist file name, sha256) in projects.toml.
Notebooks from public cookbooks are pinned in notebooks.toml (repository, commit, path, sha256) and copied
out of a local git mirror of their repository when one is present; PyPI cannot serve them.

    python corpus/fetch.py                 # fetch every project (skips those already unpacked)
    python corpus/fetch.py vanna gptme     # only these
    python corpus/fetch.py --pin vanna==0.7.9   # print a projects.toml entry for a new pin
    python corpus/fetch.py --notebooks [--mirror DIR]   # copy the pinned notebooks out of git mirrors
"""
from __future__ import annotations

import argparse
import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
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
NOTEBOOKS_FILE = CORPUS_DIR / "notebooks.toml"
CACHE_DIR = CORPUS_DIR / "cache"
# Where git mirrors of the notebooks' repositories are looked for: <dir>/<owner>+<name>/repo (a bare git
# directory, as a session's fetch tool lays them out), <dir>/<owner>+<name> or <dir>/<owner>/<name> (a clone).
DEFAULT_MIRROR_DIR = Path(os.environ.get("CORPUS_MIRROR", "/work/.mirror"))
# A marker that makes an unpacked tree its own project root (as a checkout's .git does), so that
# llmsight does not take this repository, which holds corpus/cache/, for the scanned project's root.
ROOT_MARKER = ".git"
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
    labelled: bool = True           # False: pinned, not yet labelled (nothing scans it)
    holdout: bool = False           # True: held out from tuning; evaluated apart, outside the floors

    @property
    def root(self) -> Path:
        """The unpacked sdist's top directory (paths in labels are relative to it)."""
        return CACHE_DIR / "src" / f"{self.name}-{self.version}"

    def scan_paths(self) -> list[Path]:
        return [self.root / p for p in self.paths]


def _read_pins(path: Path) -> dict:
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise FetchError(f"{path}: {exc}; fix the file") from exc


def load_projects(path: Path = PROJECTS_FILE) -> list[Project]:
    data = _read_pins(path)
    projects = []
    for i, entry in enumerate(data.get("project", []), 1):
        missing = [k for k in ("name", "version", "sdist", "sha256", "paths") if k not in entry]
        if missing:
            raise FetchError(f"{path}: [[project]] #{i} lacks {', '.join(missing)}")
        projects.append(Project(name=entry["name"], version=entry["version"], sdist=entry["sdist"],
                                sha256=entry["sha256"], paths=tuple(entry["paths"]),
                                exclude=tuple(entry.get("exclude", ())), labelled=entry.get("labelled", True),
                                holdout=entry.get("holdout", False)))
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


def mark_root(root: Path) -> None:
    """Make `root` the project root llmsight finds for files under it, as a user's checkout would be."""
    (root / ROOT_MARKER).mkdir(parents=True, exist_ok=True)


def ensure(projects: list[Project] | None = None, log=print) -> list[Project]:
    """Make every project's unpacked source present (downloading what is missing); return them.

    Holds a lock on the cache, so that parallel test workers do not unpack the same sdist over each other.
    """
    projects = load_projects() if projects is None else projects
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    with open(CACHE_DIR / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        for project in projects:
            if not all(p.exists() for p in project.scan_paths()):
                log(f"fetching {project.name}=={project.version} ({project.sdist})")
                _unpack(_download(project), project)
                missing = [str(p) for p in project.scan_paths() if not p.exists()]
                if missing:
                    raise FetchError(f"{project.name}: scan paths missing after unpacking: {', '.join(missing)}")
            mark_root(project.root)
    return projects


_HEX = {"commit": re.compile(r"[0-9a-f]{40}"), "sha256": re.compile(r"[0-9a-f]{64}")}
_REPO = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*/[A-Za-z0-9][A-Za-z0-9_.-]*")


@dataclass(frozen=True)
class NotebookPin:
    """One notebook of a public repository: its path at a commit and the sha256 of its bytes."""
    repo: str       # owner/name on GitHub
    commit: str
    path: str       # relative to the repository root
    sha256: str

    @property
    def cached(self) -> Path:
        return CACHE_DIR / "notebooks" / self.repo.replace("/", "+") / self.path


@dataclass(frozen=True)
class NotebookSet:
    """The pinned notebooks of one repository, scored like a project (labels: labels/notebooks/<owner>+<name>.csv)."""
    repo: str
    pins: tuple[NotebookPin, ...]
    exclude: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return self.repo

    @property
    def label_name(self) -> str:
        return self.repo.replace("/", "+")

    @property
    def version(self) -> str:
        return ", ".join(sorted({pin.commit[:12] for pin in self.pins}))

    @property
    def root(self) -> Path:
        """The repository's place in the cache (label paths are relative to it)."""
        return CACHE_DIR / "notebooks" / self.label_name

    def available(self) -> list[NotebookPin]:
        """Pins whose notebook is in the cache with the pinned bytes."""
        return [pin for pin in self.pins if pin.cached.is_file() and _sha256(pin.cached) == pin.sha256]

    def scan_paths(self) -> list[Path]:
        return [pin.cached for pin in self.available()]


def load_notebooks(path: Path = NOTEBOOKS_FILE) -> list[NotebookSet]:
    """The pinned notebooks, one set per repository in the order the file first names it."""
    data = _read_pins(path)
    pins: dict[str, list[NotebookPin]] = {}
    seen = set()
    for i, entry in enumerate(data.get("notebook", []), 1):
        where = f"{path}: [[notebook]] #{i}"
        missing = [k for k in ("repo", "commit", "path", "sha256") if not isinstance(entry.get(k), str)]
        if missing:
            raise FetchError(f"{where} lacks {', '.join(missing)} (strings)")
        if not _REPO.fullmatch(entry["repo"]):
            raise FetchError(f"{where}: repo {entry['repo']!r} is not owner/name")
        for key, pattern in _HEX.items():
            if not pattern.fullmatch(entry[key]):
                raise FetchError(f"{where}: {key} {entry[key]!r} is not {pattern.pattern} (lowercase hex)")
        rel = Path(entry["path"])
        if rel.is_absolute() or ".." in rel.parts or rel.suffix != ".ipynb":
            raise FetchError(f"{where}: path {entry['path']!r} must be a relative .ipynb path inside the repository")
        if (entry["repo"], entry["path"]) in seen:
            raise FetchError(f"{where}: {entry['repo']} {entry['path']} is pinned twice; keep one entry")
        seen.add((entry["repo"], entry["path"]))
        pins.setdefault(entry["repo"], []).append(NotebookPin(entry["repo"], entry["commit"], entry["path"],
                                                              entry["sha256"]))
    return [NotebookSet(repo, tuple(repo_pins)) for repo, repo_pins in pins.items()]


def _git_dir(mirror_dir: Path, repo: str) -> Path | None:
    owner, name = repo.split("/")
    for candidate in (mirror_dir / f"{owner}+{name}" / "repo", mirror_dir / f"{owner}+{name}",
                      mirror_dir / owner / name / ".git"):
        if (candidate / "HEAD").is_file():
            return candidate
    return None


def _blob(git_dir: Path, pin: NotebookPin) -> bytes | None:
    """The notebook's bytes at the pinned commit, or None when the mirror lacks them (a shallow or partial
    mirror, or one that drops its largest files) or git cannot read it."""
    try:
        proc = subprocess.run(["git", "--git-dir", str(git_dir), "cat-file", "blob", f"{pin.commit}:{pin.path}"],
                              capture_output=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return proc.stdout if proc.returncode == 0 else None


def _copy_notebook(git_dir: Path, pin: NotebookPin, log) -> None:
    data = _blob(git_dir, pin)
    if data is None:
        log(f"{pin.repo}: {pin.path} cannot be read from {git_dir} at {pin.commit[:12]}; it stays unavailable")
        return
    actual = hashlib.sha256(data).hexdigest()
    if actual != pin.sha256:
        raise FetchError(f"{pin.repo} {pin.path} at {pin.commit[:12]}: sha256 {actual} does not match the "
                         f"pin {pin.sha256}; fix the pin in {NOTEBOOKS_FILE.name}")
    pin.cached.parent.mkdir(parents=True, exist_ok=True)
    partial = pin.cached.with_name(pin.cached.name + ".part")
    partial.write_bytes(data)
    partial.replace(pin.cached)


def ensure_notebooks(sets: list[NotebookSet] | None = None, mirror_dir: Path = DEFAULT_MIRROR_DIR,
                     log=print) -> list[NotebookSet]:
    """Copy each pinned notebook that is not in the cache out of its repository's git mirror, when one is
    present, checking its sha256; return the sets. Notebooks with no mirror stay unavailable (the corpus
    runs without them); bytes that differ from the pin are an error."""
    sets = load_notebooks() if sets is None else sets
    for nb_set in sets:
        present = set(nb_set.available())
        wanted = [pin for pin in nb_set.pins if pin not in present]
        git_dir = _git_dir(mirror_dir, nb_set.repo) if wanted else None
        if git_dir is not None:
            for pin in wanted:
                _copy_notebook(git_dir, pin, log)
        if nb_set.root.is_dir():
            mark_root(nb_set.root)
    return sets


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
    parser.add_argument("--notebooks", action="store_true",
                        help="copy the notebooks pinned in notebooks.toml out of git mirrors instead")
    parser.add_argument("--mirror", type=Path, default=DEFAULT_MIRROR_DIR,
                        help="directory holding the git mirrors (default: $CORPUS_MIRROR or %(default)s)")
    args = parser.parse_args(argv)
    try:
        if args.pin:
            print(pin_entry(args.pin))
            return 0
        if args.notebooks:
            for nb_set in ensure_notebooks(mirror_dir=args.mirror):
                got = len(nb_set.available())
                print(f"{nb_set.repo}: {got} of {len(nb_set.pins)} notebooks in {nb_set.root}"
                      + ("" if got == len(nb_set.pins) else " (the others: not available, no mirror)"))
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
