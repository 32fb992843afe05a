"""Measure call-site discovery against the hand-labelled corpus: recall and precision per project.

A found site matches a label when both name the same file (relative to the unpacked sdist) and the same
line (the line where the call expression starts). Writes corpus/RESULTS.md.

    python corpus/evaluate.py              # summary table
    python corpus/evaluate.py --verbose    # also every miss and every false positive
    python corpus/evaluate.py vanna        # only these projects
    python corpus/evaluate.py --check-floors   # exit 1 below corpus/floors.toml
"""
from __future__ import annotations

import argparse
import csv
import os
import sys
import tomllib
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import fetch  # noqa: E402  (corpus/ is a folder of scripts, not a package)

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

LABELS_DIR = fetch.CORPUS_DIR / "labels"
RESULTS_FILE = fetch.CORPUS_DIR / "RESULTS.md"
FLOORS_FILE = fetch.CORPUS_DIR / "floors.toml"
LABEL_COLUMNS = ["path", "line", "sdk", "operation", "model_expr", "note"]
# The SDKs issue 3 asks discovery to know; labels of other SDKs (zhipuai, qianfan, ...) are real requests
# too and count in the totals, but are also reported apart so the two figures can be told apart.
SCOPE_SDKS = frozenset({"openai", "anthropic", "google", "bedrock", "litellm", "langchain", "ollama", "groq",
                        "cohere", "mistral", "together", "http"})


class LabelError(Exception):
    """A malformed labels file; the message names file, row and what to fix."""


@dataclass(frozen=True)
class Label:
    path: str
    line: int
    sdk: str
    operation: str
    model_expr: str
    note: str

    @property
    def in_scope(self) -> bool:
        return self.sdk in SCOPE_SDKS


@dataclass(frozen=True)
class Found:
    path: str
    line: int
    sdk: str
    api: str


@dataclass
class Score:
    project: str
    labels: list[Label]
    found: list[Found]
    misses: list[Label] = field(default_factory=list)
    false_positives: list[Found] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    sdk_mismatches: list[tuple[Label, Found]] = field(default_factory=list)   # matched, other SDK named

    @property
    def hits(self) -> int:
        return len(self.labels) - len(self.misses)

    @property
    def scope_labels(self) -> int:
        return sum(lab.in_scope for lab in self.labels)

    @property
    def scope_hits(self) -> int:
        return self.scope_labels - sum(m.in_scope for m in self.misses)


def ratio(num: int, den: int) -> float:
    return num / den if den else 1.0


def load_labels(project: fetch.Project, labels_dir: Path = LABELS_DIR) -> list[Label]:
    path = labels_dir / f"{project.name}.csv"
    if not path.is_file():
        raise LabelError(f"{path}: missing; label the project or set labelled = false in projects.toml")
    labels = []
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        if reader.fieldnames != LABEL_COLUMNS:
            raise LabelError(f"{path}: header must be {','.join(LABEL_COLUMNS)} (is {reader.fieldnames})")
        for row_no, row in enumerate(reader, 2):
            try:
                line = int(row["line"])
            except (TypeError, ValueError):
                raise LabelError(f"{path}:{row_no}: line {row['line']!r} is not a number") from None
            if not (project.root / row["path"]).is_file():
                raise LabelError(f"{path}:{row_no}: {row['path']} is not a file of {project.name}=={project.version}")
            labels.append(Label(row["path"], line, row["sdk"], row["operation"], row["model_expr"], row["note"]))
    return labels


def discover(project: fetch.Project) -> tuple[list[Found], list[str]]:
    """Call sites llmsight finds in the project (paths relative to the unpacked sdist), and file errors."""
    from llmsight import api

    paths = project.scan_paths()
    root = api.project_root(paths)
    prefix = project.root.resolve().relative_to(root).as_posix() if project.root.resolve() != root else ""
    exclude = tuple(f"{prefix}/{g}" if prefix else g for g in project.exclude)
    result = api.check(paths, config=api.Config(exclude=exclude), select=["NONE"], use_cache=False,
                       with_estimates=False)
    base = Path(result.root)
    found = []
    for site in result.call_sites:
        rel = (base / site.span.path).resolve().relative_to(project.root.resolve()).as_posix()
        found.append(Found(rel, site.span.start_line, site.sdk, site.api))
    return found, [f"{e.path}: {e.message}" for e in result.errors]


def score(project: fetch.Project, labels_dir: Path = LABELS_DIR) -> Score:
    labels = load_labels(project, labels_dir)
    found, errors = discover(project)
    unmatched: dict[tuple[str, int], list[Found]] = defaultdict(list)
    for f in found:
        unmatched[(f.path, f.line)].append(f)
    misses, mismatches = [], []
    for label in labels:
        candidates = unmatched[(label.path, label.line)]
        if not candidates:
            misses.append(label)
            continue
        site = candidates.pop(0)
        if label.in_scope and site.sdk != label.sdk:
            mismatches.append((label, site))
    false_positives = [f for remaining in unmatched.values() for f in remaining]
    return Score(project.name, labels, found, misses, false_positives, errors, mismatches)


def _table(scores: list[Score]) -> list[str]:
    rows = ["| project | labels | found | hits | recall | precision | recall (issue-3 SDKs) |",
            "|---|---:|---:|---:|---:|---:|---:|"]
    for s in [*scores, total(scores)]:
        rows.append(f"| {s.project} | {len(s.labels)} | {len(s.found)} | {s.hits} | "
                    f"{ratio(s.hits, len(s.labels)):.1%} | {ratio(s.hits, len(s.found)):.1%} | "
                    f"{ratio(s.scope_hits, s.scope_labels):.1%} ({s.scope_hits}/{s.scope_labels}) |")
    return rows


def total(scores: list[Score]) -> Score:
    return Score("**total**", [lab for s in scores for lab in s.labels], [f for s in scores for f in s.found],
                 [m for s in scores for m in s.misses], [f for s in scores for f in s.false_positives],
                 [e for s in scores for e in s.errors], [x for s in scores for x in s.sdk_mismatches])


def measures(s: Score) -> dict[str, float]:
    return {"recall": ratio(s.hits, len(s.labels)), "precision": ratio(s.hits, len(s.found)),
            "scope_recall": ratio(s.scope_hits, s.scope_labels)}


def below_floors(scores: list[Score], floors_file: Path = FLOORS_FILE) -> list[str]:
    """Total measures under the floors recorded in floors.toml (a regression), as messages."""
    try:
        with open(floors_file, "rb") as fh:
            floors = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise LabelError(f"{floors_file}: {exc}; fix the file") from exc
    unknown = set(floors) - {"recall", "precision", "scope_recall"}
    if unknown:
        raise LabelError(f"{floors_file}: unknown keys {', '.join(sorted(unknown))}")
    got = measures(total(scores))
    return [f"total {key} {got[key]:.4f} is below the floor {floor} in {floors_file.name}"
            for key, floor in floors.items() if got[key] < floor]


def _details(scores: list[Score]) -> list[str]:
    out = []
    for s in scores:
        for m in s.misses:
            scope = "" if m.in_scope else " (SDK outside issue 3's list)"
            out.append(f"- miss {s.project} `{m.path}:{m.line}` {m.sdk}/{m.operation}{scope}: {m.note}")
        for f in s.false_positives:
            out.append(f"- false positive {s.project} `{f.path}:{f.line}` {f.sdk} `{f.api}`")
        for e in s.errors:
            out.append(f"- file error {s.project}: {e}")
        for label, site in s.sdk_mismatches:
            out.append(f"- sdk differs {s.project} `{label.path}:{label.line}`: labelled {label.sdk}, "
                       f"found {site.sdk} `{site.api}`")
    return out


def write_results(scores: list[Score], projects: list[fetch.Project]) -> None:
    from llmsight import __version__

    pins = ", ".join(f"{p.name}=={p.version}" for p in projects)
    text = ["# Corpus results", "",
            f"llmsight {__version__} on {pins} (labels in `corpus/labels/`; regenerate with "
            "`python corpus/evaluate.py`).", "", *_table(scores), "", "## Misses and false positives", "",
            *(_details(scores) or ["none"]), ""]
    RESULTS_FILE.write_text("\n".join(text), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="projects to evaluate (default: every labelled project)")
    parser.add_argument("--verbose", "-v", action="store_true", help="list every miss and false positive")
    parser.add_argument("--no-write", action="store_true", help="do not rewrite corpus/RESULTS.md")
    parser.add_argument("--check-floors", action="store_true",
                        help="exit 1 when total recall/precision fall below corpus/floors.toml")
    args = parser.parse_args(argv)
    try:
        projects = [p for p in fetch.load_projects() if p.labelled and (not args.names or p.name in args.names)]
        unknown = set(args.names) - {p.name for p in projects}
        if unknown:
            raise LabelError(f"not labelled projects of projects.toml: {', '.join(sorted(unknown))}")
        fetch.ensure(projects, log=lambda msg: print(msg, file=sys.stderr))
        scores = [score(p) for p in projects]
        failures = below_floors(scores) if args.check_floors else []
    except (fetch.FetchError, LabelError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print("\n".join(_table(scores)))
    if args.verbose:
        print("\n".join(_details(scores)))
    if not args.no_write and not args.names:
        write_results(scores, projects)
    if args.check_floors:
        print("\n".join(failures) or "floors: ok")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
