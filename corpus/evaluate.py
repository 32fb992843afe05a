"""Measure llmsight against the hand-labelled corpus: discovery recall and precision, and on the sites
whose model is labelled, the share priced and the share with the right model set, per project.

A found site matches a label when both name the same file (relative to the unpacked sdist, or to the
repository of a pinned notebook), the same cell (notebooks: index in the notebook's `cells`, as the JSON
reports it) and the same line (the line where the call expression starts, within the cell for
notebooks). Notebooks that are not in corpus/cache/notebooks/ are reported "not available". Model figures are read from the `--format json`
document (the contract users see), over matched sites whose labelled `models` is not empty; the rules
are in corpus/README.md. Writes corpus/RESULTS.md.

    python corpus/evaluate.py              # summary table
    python corpus/evaluate.py --verbose    # also every miss, false positive, unpriced site and other model set
    python corpus/evaluate.py vanna mistralai/cookbook   # only these projects and notebook repositories
    python corpus/evaluate.py --check-floors   # exit 1 below corpus/floors.toml
    python corpus/evaluate.py --findings       # default rule set: findings per site, false/not-actionable
                                               # share by the verdicts in corpus/labels/<name>-findings.csv
"""
from __future__ import annotations

import argparse
import csv
import os
import sys
import tomllib
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import fetch  # noqa: E402  (corpus/ is a folder of scripts, not a package)

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

LABELS_DIR = fetch.CORPUS_DIR / "labels"
RESULTS_FILE = fetch.CORPUS_DIR / "RESULTS.md"
FLOORS_FILE = fetch.CORPUS_DIR / "floors.toml"
LABEL_COLUMNS = ["path", "line", "sdk", "operation", "model_expr", "models", "model_reach", "note"]
# Labels made before models were labelled: read, with no model figures for the project.
DISCOVERY_ONLY_COLUMNS = ["path", "line", "sdk", "operation", "model_expr", "note"]
# Notebook labels name the cell too (index in the notebook's `cells` array, as `--format json` reports it).
HEADERS = {tuple(cols[:1] + extra + cols[1:]): (cols is LABEL_COLUMNS, bool(extra))
           for cols in (LABEL_COLUMNS, DISCOVERY_ONLY_COLUMNS) for extra in ([], ["cell"])}
# How a careful reader reaches a site's default model (/work/brief.md, "Corpus model labels").
MODEL_REACHES = ("literal", "constant", "self-attr", "config-default", "env-default", "callers", "alias-table",
                 "cli-default", "project-config-file", "base-class", "user-must-configure", "unknowable")
NO_DEFAULT_REACHES = frozenset({"user-must-configure", "unknowable"})
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
    models: tuple[str, ...] = ()        # the default first, then every other model the code can send here
    model_reach: str | None = None      # None: the labels file predates model labels
    cell: int | None = None             # notebooks: index in the notebook's `cells`

    @property
    def where(self) -> str:
        return where(self.path, self.cell, self.line)

    @property
    def in_scope(self) -> bool:
        return self.sdk in SCOPE_SDKS

    @property
    def model_knowable(self) -> bool:
        return bool(self.models)


@dataclass(frozen=True)
class Found:
    path: str
    line: int
    sdk: str
    api: str
    models: tuple[str, ...] = ()        # model.value, then model.candidates[].value (the site's model set)
    priced: bool = False                # a cost for a model of that set (see corpus/README.md)
    cell: int | None = None
    unpriced: str | None = None         # the estimate's reason when it has no cost ("self-hosted: …", …)

    @property
    def self_hosted(self) -> bool:
        """Unpriced because the user serves the model: no per-token price exists, none is missing."""
        return not self.priced and (self.unpriced or "").startswith("self-hosted")

    @property
    def where(self) -> str:
        return where(self.path, self.cell, self.line)


def where(path: str, cell: int | None, line: int) -> str:
    """`path:line`, or `path:cell N:line` (N as in the JSON: the index in the notebook's `cells`)."""
    return f"{path}:{line}" if cell is None else f"{path}:cell {cell}:{line}"


@dataclass
class Score:
    project: str
    labels: list[Label]
    found: list[Found]
    misses: list[Label] = field(default_factory=list)
    false_positives: list[Found] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    unavailable: list[str] = field(default_factory=list)    # pinned notebooks not in the cache
    sdk_mismatches: list[tuple[Label, Found]] = field(default_factory=list)   # matched, other SDK named
    matches: list[tuple[Label, Found]] = field(default_factory=list)
    holdout: bool = False   # a held-out project (projects.toml `holdout = true`): own total, not in the floors

    @property
    def hits(self) -> int:
        return len(self.labels) - len(self.misses)

    @property
    def model_labelled(self) -> bool:
        return any(lab.model_reach is not None for lab in self.labels)

    @property
    def knowable_matches(self) -> list[tuple[Label, Found]]:
        """Matched sites whose labels name a model: the denominator of the priced and model-set shares."""
        return [(lab, f) for lab, f in self.matches if lab.model_knowable]

    @property
    def priced(self) -> int:
        return sum(f.priced for _lab, f in self.knowable_matches)

    @property
    def self_hosted(self) -> int:
        return sum(f.self_hosted for _lab, f in self.knowable_matches)

    @property
    def right_model_sets(self) -> int:
        return sum(right_model_set(lab, f) for lab, f in self.knowable_matches)

    @property
    def mean_found_set_size(self) -> float | None:
        sizes = [len(f.models) for _lab, f in self.knowable_matches if f.models]
        return sum(sizes) / len(sizes) if sizes else None

    @property
    def mean_labelled_set_size(self) -> float | None:
        sizes = [len(lab.models) for lab in self.labels if lab.model_knowable]
        return sum(sizes) / len(sizes) if sizes else None

    @property
    def scope_labels(self) -> int:
        return sum(lab.in_scope for lab in self.labels)

    @property
    def scope_hits(self) -> int:
        return self.scope_labels - sum(m.in_scope for m in self.misses)


def ratio(num: int, den: int) -> float:
    return num / den if den else 1.0


@cache
def _catalog():
    from llmsight.knowledge.catalog import Catalog

    return Catalog.load()


def same_model(a: str, b: str) -> bool:
    """Equal names, or two spellings the price catalog reads as one row (`openai/gpt-4o` and `gpt-4o`,
    a Bedrock inference profile and its model id)."""
    if a.strip().lower() == b.strip().lower():
        return True
    info_a, info_b = _catalog().lookup(a), _catalog().lookup(b)
    return info_a is not None and info_b is not None and info_a.name == info_b.name


def right_model_set(label: Label, site: Found) -> bool:
    """The site's set holds the labelled default and nothing the code cannot send to it."""
    return (any(same_model(label.models[0], m) for m in site.models)
            and all(any(same_model(m, known) for known in label.models) for m in site.models))


def _model_columns(path: Path, row_no: int, row: dict[str, str]) -> tuple[tuple[str, ...], str]:
    models = tuple(m.strip() for m in row["models"].split("|")) if row["models"].strip() else ()
    reach = row["model_reach"].strip()
    if any(not m for m in models):
        raise LabelError(f"{path}:{row_no}: models {row['models']!r} has an empty name; separate names with |")
    if reach not in MODEL_REACHES:
        raise LabelError(f"{path}:{row_no}: model_reach {reach!r} is not one of {', '.join(MODEL_REACHES)}")
    if bool(models) == (reach in NO_DEFAULT_REACHES):
        raise LabelError(f"{path}:{row_no}: model_reach {reach} with models {row['models']!r}: name the default "
                         f"model first, or leave models empty only for {' or '.join(sorted(NO_DEFAULT_REACHES))}")
    return models, reach


def labels_file(source: fetch.Project | fetch.NotebookSet, labels_dir: Path = LABELS_DIR) -> Path:
    if isinstance(source, fetch.NotebookSet):
        return labels_dir / "notebooks" / f"{source.label_name}.csv"
    return labels_dir / f"{source.name}.csv"


def _int_cell(path: Path, row_no: int, column: str, value: str | None) -> int:
    try:
        number = int(value or "")
    except ValueError:
        raise LabelError(f"{path}:{row_no}: {column} {value!r} is not a number") from None
    if number < 0:
        raise LabelError(f"{path}:{row_no}: {column} {number} is negative")
    return number


def load_labels(source: fetch.Project | fetch.NotebookSet, labels_dir: Path = LABELS_DIR) -> list[Label]:
    """Every label of a project or notebook set; a notebook set's labels name pinned notebooks (whether or
    not they are available: the file is checked either way)."""
    path = labels_file(source, labels_dir)
    notebooks = isinstance(source, fetch.NotebookSet)
    if not path.is_file():
        remedy = (f"label its notebooks or remove their pins from {fetch.NOTEBOOKS_FILE.name}" if notebooks
                  else "label the project or set labelled = false in projects.toml")
        raise LabelError(f"{path}: missing; {remedy}")
    pinned = {pin.path for pin in source.pins} if notebooks else set()
    labels = []
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        header = tuple(reader.fieldnames or ())
        if header not in HEADERS or HEADERS[header][1] != notebooks:
            expected = ",".join(LABEL_COLUMNS[:1] + (["cell"] if notebooks else []) + LABEL_COLUMNS[1:])
            raise LabelError(f"{path}: header must be {expected} (is {','.join(header)})")
        with_models = HEADERS[header][0]
        for row_no, row in enumerate(reader, 2):
            line = _int_cell(path, row_no, "line", row["line"])
            cell = _int_cell(path, row_no, "cell", row["cell"]) if notebooks else None
            if notebooks and row["path"] not in pinned:
                raise LabelError(f"{path}:{row_no}: {row['path']} is not a notebook of {source.repo} pinned in "
                                 f"{fetch.NOTEBOOKS_FILE.name}")
            if not notebooks and not (source.root / row["path"]).is_file():
                raise LabelError(f"{path}:{row_no}: {row['path']} is not a file of {source.name}=={source.version}")
            models, reach = _model_columns(path, row_no, row) if with_models else ((), None)
            labels.append(Label(row["path"], line, row["sdk"], row["operation"], row["model_expr"], row["note"],
                                models, reach, cell))
    return labels


def site_models(site: dict) -> tuple[str, ...]:
    """A JSON call site's model set: `model.value`, then `model.candidates[].value` where present."""
    model = site["model"]
    values = [model["value"], *(c.get("value") for c in model.get("candidates") or ())]
    return tuple(dict.fromkeys(v for v in values if isinstance(v, str) and v))


def _has_cost(estimate: dict) -> bool:
    """A cost per call, or a model-set range of costs (issue 14's `range` shape)."""
    cost = estimate.get("cost_per_call") or {}
    spread = cost.get("range") or estimate.get("range") or {}
    return cost.get("value") is not None or (spread.get("low") is not None and spread.get("high") is not None)


def unpriced_reason(estimate: dict | None) -> str | None:
    """Why the estimate has no cost, as it says (`cost_per_call.prior`)."""
    cost = (estimate or {}).get("cost_per_call") or {}
    return None if _has_cost(estimate or {}) else cost.get("prior")


def is_priced(site: dict, estimate: dict | None) -> bool:
    """Priced from the site's own model: the estimate has a cost and names a model of the site's set. The
    evaluation's config has no `fallback_model` and no model mapping, so that model came from the code."""
    models = site_models(site)
    return (bool(models) and estimate is not None and _has_cost(estimate)
            and estimate.get("model") in (None, *models))


def _check(project: fetch.Project | fetch.NotebookSet, select: list[str] | None = None):
    """`llm-lint check` of the project's scan paths with its excludes (default rules when `select` is None)."""
    from llmsight import api

    paths = project.scan_paths()
    root = api.project_root(paths)
    prefix = project.root.resolve().relative_to(root).as_posix() if project.root.resolve() != root else ""
    exclude = tuple(f"{prefix}/{g}" if prefix else g for g in project.exclude)
    return api.check(paths, config=api.Config(exclude=exclude), select=select or (), use_cache=False)


def discover(project: fetch.Project | fetch.NotebookSet) -> tuple[list[Found], list[str]]:
    """Call sites llmsight finds in the project or notebooks (paths relative to the unpacked sdist or the
    notebooks' repository), and file errors."""
    from llmsight.formats import json_

    doc = json_.document(_check(project, select=["NONE"]))
    base = Path(doc["root"])
    found = []
    for site in doc["call_sites"]:
        rel = (base / site["path"]).resolve().relative_to(project.root.resolve()).as_posix()
        estimate = doc["estimates"].get(site["id"])
        found.append(Found(rel, site["line"], site["sdk"], site["api"], site_models(site),
                           is_priced(site, estimate), site.get("cell"), unpriced_reason(estimate)))
    return found, [f"{e['path']}: {e['message']}" for e in doc["errors"]]


FINDING_VERDICTS = ("right", "false", "not-actionable")


@dataclass
class FindingsScore:
    """The default rule set's findings on a project, judged by the verdicts in `<name>-findings.csv`."""
    project: str
    sites: int
    verdicts: Counter = field(default_factory=Counter)     # verdict -> findings judged so
    unjudged: list[str] = field(default_factory=list)      # `path:line CODE` of findings with no verdict

    @property
    def findings(self) -> int:
        return sum(self.verdicts.values()) + len(self.unjudged)

    @property
    def noise(self) -> int:
        """Findings judged false or not worth acting on."""
        return self.verdicts["false"] + self.verdicts["not-actionable"]


def findings_file(project: fetch.Project, labels_dir: Path = LABELS_DIR) -> Path:
    return labels_dir / f"{project.name}-findings.csv"


def load_verdicts(path: Path) -> dict[tuple[str, int, str], str]:
    """(path, line, code) -> verdict, from a findings file (columns path,line,code,verdict,reason)."""
    verdicts = {}
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        if reader.fieldnames != ["path", "line", "code", "verdict", "reason"]:
            raise LabelError(f"{path}: header must be path,line,code,verdict,reason")
        for row_no, row in enumerate(reader, 2):
            if row["verdict"] not in FINDING_VERDICTS:
                raise LabelError(f"{path}:{row_no}: verdict {row['verdict']!r} is not one of "
                                 f"{', '.join(FINDING_VERDICTS)}")
            if not row["reason"].strip():
                raise LabelError(f"{path}:{row_no}: give the reason for the verdict")
            verdicts[(row["path"], _int_cell(path, row_no, "line", row["line"]), row["code"])] = row["verdict"]
    return verdicts


def findings_score(project: fetch.Project, labels_dir: Path = LABELS_DIR) -> FindingsScore:
    """Run the default rule set on the project and judge each finding by the committed verdicts."""
    from llmsight.formats import json_

    verdicts = load_verdicts(findings_file(project, labels_dir))
    doc = json_.document(_check(project))
    base = Path(doc["root"])
    out = FindingsScore(project.name, len(doc["call_sites"]))
    for finding in doc["diagnostics"]:
        rel = (base / finding["path"]).resolve().relative_to(project.root.resolve()).as_posix()
        verdict = verdicts.get((rel, finding["line"], finding["code"]))
        if verdict:
            out.verdicts[verdict] += 1
        else:
            out.unjudged.append(f"{rel}:{finding['line']} {finding['code']}")
    return out


def _findings_table(scores: list[FindingsScore]) -> list[str]:
    """Findings per site and the false/not-actionable share of the judged findings, per project and in total."""
    rows = ["| project | sites | findings | per site | false | not actionable | false or not actionable | unjudged |",
            "|---|---|---|---|---|---|---|---|"]
    total = FindingsScore("total", sum(s.sites for s in scores))
    for s in scores:
        total.verdicts.update(s.verdicts)
        total.unjudged.extend(s.unjudged)
    for s in [*scores, total]:
        judged = s.findings - len(s.unjudged)
        rows.append(f"| {s.project} | {s.sites} | {s.findings} | {s.findings / s.sites if s.sites else 0:.2f} | "
                    f"{s.verdicts['false']} | {s.verdicts['not-actionable']} | {_share(s.noise, judged) if judged else '-'} | "
                    f"{len(s.unjudged)} |")
    return rows


def score(project: fetch.Project | fetch.NotebookSet, labels_dir: Path = LABELS_DIR) -> Score:
    """Match the found sites to the labels. For notebooks, only those in the cache are scored; the others
    are listed in `unavailable` (no site is found for a set with none)."""
    labels = load_labels(project, labels_dir)
    unavailable: list[str] = []
    if isinstance(project, fetch.NotebookSet):
        present = {pin.path for pin in project.available()}
        unavailable = [pin.path for pin in project.pins if pin.path not in present]
        labels = [lab for lab in labels if lab.path in present]
    found, errors = discover(project) if project.scan_paths() else ([], [])
    unmatched: dict[tuple[str, int | None, int], list[Found]] = defaultdict(list)
    for f in found:
        unmatched[(f.path, f.cell, f.line)].append(f)
    misses, mismatches, matches = [], [], []
    for label in labels:
        candidates = unmatched[(label.path, label.cell, label.line)]
        if not candidates:
            misses.append(label)
            continue
        site = candidates.pop(0)
        matches.append((label, site))
        if label.in_scope and site.sdk != label.sdk:
            mismatches.append((label, site))
    false_positives = [f for remaining in unmatched.values() for f in remaining]
    return Score(project.name, labels, found, misses, false_positives, errors, unavailable, mismatches, matches,
                 holdout=isinstance(project, fetch.Project) and project.holdout)


def _share(num: int, den: int) -> str:
    return f"{ratio(num, den):.1%} ({num}/{den})"


def _model_cells(s: Score) -> list[str]:
    if not s.model_labelled:
        return ["—"] * 5
    model_labels = [lab for lab in s.labels if lab.model_reach is not None]
    knowable = sum(lab.model_knowable for lab in model_labels)
    found_size, labelled_size = s.mean_found_set_size, s.mean_labelled_set_size
    size = "—" if found_size is None else f"{found_size:.2f}"
    size += "" if labelled_size is None else f" (labels {labelled_size:.2f})"
    n = len(s.knowable_matches)
    return [f"{knowable}/{len(model_labels)}", _share(s.priced, n), str(s.self_hosted), _share(s.right_model_sets, n),
            size]


def _name_cell(s: Score) -> str:
    return s.project + (" (held-out)" if s.holdout else "") + (
        f" ({len(s.unavailable)} notebooks not available)" if s.unavailable else "")


def tuned(scores: list[Score]) -> list[Score]:
    """The projects the resolver is tuned on: all but the held-out ones."""
    return [s for s in scores if not s.holdout]


def held_out(scores: list[Score]) -> list[Score]:
    """The held-out projects: the fair proxy for unseen code."""
    return [s for s in scores if s.holdout]


def _totals(scores: list[Score]) -> list[Score]:
    """The total of the tuned projects and, apart, of the held-out ones."""
    fitted, held = tuned(scores), held_out(scores)
    return ([total(fitted)] if fitted or not held else []) + ([total(held, "**held-out**")] if held else [])


def _table(scores: list[Score], kind: str = "project") -> list[str]:
    """One row per project (or notebook repository) and their total; a notebook repository none of whose
    notebooks is in the cache is `not available` and left out of the total; held-out projects have a total
    of their own."""
    rows = [f"| {kind} | labels | found | hits | recall | precision | recall (issue-3 SDKs) "
            "| model known | priced | self-hosted | right model set | mean set size |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    scored = [s for s in scores if not is_unavailable(s)]
    for s in [*scores, *_totals(scored)]:
        if is_unavailable(s):
            rows.append(f"| {s.project} | not available ({len(s.unavailable)} notebooks not in the cache; "
                        "`python corpus/fetch.py --notebooks`) |" + " |" * 10)
            continue
        cells = [_name_cell(s), str(len(s.labels)), str(len(s.found)), str(s.hits),
                 f"{ratio(s.hits, len(s.labels)):.1%}", f"{ratio(s.hits, len(s.found)):.1%}",
                 _share(s.scope_hits, s.scope_labels), *_model_cells(s)]
        rows.append(f"| {' | '.join(cells)} |")
    return rows


def is_unavailable(s: Score) -> bool:
    """A notebook repository none of whose pinned notebooks could be scored."""
    return bool(s.unavailable) and not s.labels and not s.found


def _reach_table(scores: list[Score]) -> list[str]:
    """Labelled sites by how their default model is reached, and how llmsight does on each kind."""
    s = total(scores)
    matched = defaultdict(list)
    for lab, f in s.matches:
        matched[lab.model_reach].append((lab, f))
    rows = ["| model_reach | sites | matched | model named | priced | right model set |",
            "|---|---:|---:|---:|---:|---:|"]
    for reach in MODEL_REACHES:
        sites = sum(lab.model_reach == reach for lab in s.labels)
        if not sites:
            continue
        pairs = matched[reach]
        right = "—" if reach in NO_DEFAULT_REACHES else str(sum(right_model_set(lab, f) for lab, f in pairs))
        rows.append(f"| {reach} | {sites} | {len(pairs)} | {sum(bool(f.models) for _lab, f in pairs)} | "
                    f"{sum(f.priced for _lab, f in pairs)} | {right} |")
    return rows


UNPRICED_KINDS = (("self-hosted", "self-hosted: no per-token price"), ("Azure deployment", "an Azure deployment name"),
                  ("no per-token price:", "billed per second, page or image"),
                  ("per character of the text it is sent", "billed per character: text known only at run time"),
                  ("cost depends on input size", "billed per token sent: text known only at run time"),
                  ("a host the price data names no provider for", "a host with no provider in the price data"),
                  ("retired on", "retired: no longer in the price data"),
                  ("not in the price data", "not in the price data"), ("model not resolved", "model not resolved"))


def _unpriced_table(scores: list[Score]) -> list[str]:
    """Matched sites with a knowable model that have no price, by the reason their estimate gives."""
    counts: Counter = Counter()
    for _lab, f in total(scores).knowable_matches:
        if not f.priced:
            counts[next((kind for word, kind in UNPRICED_KINDS if word in (f.unpriced or "")), "other")] += 1
    rows = ["| why not priced | sites |", "|---|---:|"]
    return rows + [f"| {kind} | {n} |" for kind, n in counts.most_common()]


def _reach_by_project(scores: list[Score]) -> list[str]:
    rows = ["| project | sites by model_reach |", "|---|---|"]
    for s in scores:
        if s.model_labelled:
            counts = Counter(lab.model_reach for lab in s.labels)
            rows.append(f"| {s.project} | {', '.join(f'{r} {n}' for r, n in counts.most_common())} |")
    return rows


def total(scores: list[Score], name: str = "**total**") -> Score:
    return Score(name, [lab for s in scores for lab in s.labels], [f for s in scores for f in s.found],
                 [m for s in scores for m in s.misses], [f for s in scores for f in s.false_positives],
                 [e for s in scores for e in s.errors], [], [x for s in scores for x in s.sdk_mismatches],
                 [x for s in scores for x in s.matches])


def measures(s: Score) -> dict[str, float]:
    n = len(s.knowable_matches)
    return {"recall": ratio(s.hits, len(s.labels)), "precision": ratio(s.hits, len(s.found)),
            "scope_recall": ratio(s.scope_hits, s.scope_labels), "priced": ratio(s.priced, n),
            "right_model_set": ratio(s.right_model_sets, n)}


def below_floors(scores: list[Score], floors_file: Path = FLOORS_FILE) -> list[str]:
    """Total measures of the tuned projects under the floors recorded in floors.toml (a regression), as messages."""
    try:
        with open(floors_file, "rb") as fh:
            floors = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise LabelError(f"{floors_file}: {exc}; fix the file") from exc
    unknown = set(floors) - {"recall", "precision", "scope_recall", "priced", "right_model_set"}
    if unknown:
        raise LabelError(f"{floors_file}: unknown keys {', '.join(sorted(unknown))}")
    got = measures(total(tuned(scores)))
    return [f"total {key} {got[key]:.4f} is below the floor {floor} in {floors_file.name}"
            for key, floor in floors.items() if got[key] < floor]


def _details(scores: list[Score]) -> list[str]:
    out = []
    for s in scores:
        for m in s.misses:
            scope = "" if m.in_scope else " (SDK outside issue 3's list)"
            out.append(f"- miss {s.project} `{m.where}` {m.sdk}/{m.operation}{scope}: {m.note}")
        for f in s.false_positives:
            out.append(f"- false positive {s.project} `{f.where}` {f.sdk} `{f.api}`")
        for e in s.errors:
            out.append(f"- file error {s.project}: {e}")
        for label, site in s.sdk_mismatches:
            out.append(f"- sdk differs {s.project} `{label.where}`: labelled {label.sdk}, "
                       f"found {site.sdk} `{site.api}`")
        out.extend(f"- not available {s.project} `{path}`" for path in s.unavailable)
    return out


def _model_details(scores: list[Score]) -> list[str]:
    """Each matched site with a knowable model that is unpriced or has another model set."""
    out = []
    for s in scores:
        for label, site in s.knowable_matches:
            right, priced = right_model_set(label, site), site.priced
            if not (right and priced):
                unpriced = f"not priced ({site.unpriced})" if site.unpriced else "not priced"
                problems = ", ".join(p for p, bad in (("wrong model set", not right), (unpriced, not priced)) if bad)
                out.append(f"- {problems} {s.project} `{label.where}` ({label.model_reach}): labelled "
                           f"{'|'.join(label.models)}, found {'|'.join(site.models) or 'no model'}")
    return out


def write_results(scores: list[Score], projects: list[fetch.Project], nb_scores: list[Score],
                  nb_sets: list[fetch.NotebookSet]) -> None:
    from llmsight import __version__

    pins = ", ".join(f"{p.name}=={p.version}" for p in projects)
    notebooks = ", ".join(f"{n.repo}@{n.version} ({len(n.pins)})" for n in nb_sets)
    text = ["# Corpus results", "",
            f"llmsight {__version__} on {pins} (labels in `corpus/labels/`; regenerate with "
            "`python corpus/evaluate.py`). How each figure is counted: `corpus/README.md`.", "", *_table(scores), "",
            "## Labelled sites by how the default model is reached", "", *_reach_table(tuned(scores)), "",
            *_reach_by_project(scores), "", "Matched sites with a knowable model and no price, by the reason the "
            "estimate gives:", "", *_unpriced_table(tuned(scores)), "", "## Notebooks", "",
            f"Pinned notebooks of {notebooks} (`corpus/notebooks.toml`; labels in `corpus/labels/notebooks/`). "
            "Not in the floors: CI has no copy of them.", "", *_table(nb_scores, "notebooks of"), "",
            *_reach_table([s for s in nb_scores if not is_unavailable(s)]), "",
            *_unpriced_table([s for s in nb_scores if not is_unavailable(s)]), "",
            "## Misses and false positives", "", *(_details(scores + nb_scores) or ["none"]), ""]
    RESULTS_FILE.write_text("\n".join(text), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="projects and notebook repositories (owner/name) to evaluate "
                                                 "(default: all)")
    parser.add_argument("--verbose", "-v", action="store_true",
                        help="list every miss and false positive, and every site unpriced or with another model set")
    parser.add_argument("--no-write", action="store_true", help="do not rewrite corpus/RESULTS.md")
    parser.add_argument("--findings", action="store_true",
                        help="judge the default rule set's findings by corpus/labels/<name>-findings.csv and print "
                             "findings per site and the false/not-actionable share (projects with that file)")
    parser.add_argument("--check-floors", action="store_true",
                        help="exit 1 when the projects' total recall/precision fall below corpus/floors.toml")
    parser.add_argument("--mirror", type=Path, default=fetch.DEFAULT_MIRROR_DIR,
                        help="directory of git mirrors to copy missing notebooks from (default: %(default)s)")
    args = parser.parse_args(argv)

    def log(msg: str) -> None:
        print(msg, file=sys.stderr)

    try:
        wanted = set(args.names)
        projects = [p for p in fetch.load_projects() if p.labelled and (not wanted or p.name in wanted)]
        nb_sets = [n for n in fetch.load_notebooks() if not wanted or n.repo in wanted]
        unknown = wanted - {p.name for p in projects} - {n.repo for n in nb_sets}
        if unknown:
            raise LabelError(f"not labelled projects of projects.toml or repositories of notebooks.toml: "
                             f"{', '.join(sorted(unknown))}")
        fetch.ensure(projects, log=log)
        if args.findings:
            judged = [findings_score(p) for p in projects if findings_file(p).is_file()]
            print("\n".join(_findings_table(judged)))
            if args.verbose:
                print("\n".join(f"- unjudged {s.project} {w}" for s in judged for w in s.unjudged))
            return 0
        fetch.ensure_notebooks(nb_sets, args.mirror, log=log)
        scores = [score(p) for p in projects]
        nb_scores = [score(n) for n in nb_sets]
        failures = below_floors(scores) if args.check_floors else []
    except (fetch.FetchError, LabelError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if scores:
        print("\n".join(_table(scores)))
        for group in (tuned(scores), held_out(scores)):
            if group:
                print("\n".join(["", *_reach_table(group), "", *_unpriced_table(group)]))
    if nb_scores:
        available = [s for s in nb_scores if not is_unavailable(s)]
        print("\n".join(["", *_table(nb_scores, "notebooks of"), "", *_reach_table(available), "",
                         *_unpriced_table(available)]))
    if args.verbose:
        print("\n".join(_details(scores + nb_scores) + _model_details(scores + nb_scores)))
    if not args.no_write and not args.names:
        write_results(scores, projects, nb_scores, nb_sets)
    if args.check_floors:
        print("\n".join(failures) or "floors: ok")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
