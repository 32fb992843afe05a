"""`--fix` and `--diff`: apply fixes in rounds until none applies (as ruff does), and write files safely.

Each round applies the first applicable fix of every diagnostic whose edits do not overlap an edit
already taken, then re-analyses the new text, so two fixes on one call (timeout and output cap)
both land; a round that changes nothing ends the rounds, so a second run changes nothing.

The edits are computed on the bytes read here, not on what an earlier scan saw, and a file is
written only if it still holds those bytes, only inside the paths given (a symlink leading out is
reported, not followed), in its own encoding and line endings, atomically: a temporary file in its
directory, with its mode, renamed over it. In a notebook only the edited cells' `source` values
change, in the layout found; every other byte stays.
"""
from __future__ import annotations

import ast
import codecs
import difflib
import io
import json
import os
import re
import stat
import tempfile
import tokenize
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator, Sequence

from llmsight.analysis.fixes import apply_edits
from llmsight.analysis.modules import split_lines
from llmsight.analysis.notebook import cell_source, read_notebook
from llmsight.analysis.secrets import redact
from llmsight.analysis.syntax import parse_source
from llmsight.records import Diagnostic, Edit

MAX_ROUNDS = 10

# the diagnostics of a file's text as it would be at a path (the analysis a round re-runs)
Analyse = Callable[[str, Path], Sequence[Diagnostic]]
Fixes = list[tuple[Diagnostic | None, tuple[Edit, ...]]]


@dataclass
class FixOutcome:
    applied: int = 0
    changed: dict[str, tuple[str, str]] = field(default_factory=dict)  # rel path -> (before, after)
    skipped: dict[str, str] = field(default_factory=dict)              # rel path -> why it was not fixed
    held_back: dict[str, list[str]] = field(default_factory=dict)      # diff: rel path -> where fixes were left out
    root: Path | None = None                                           # what the rel paths are relative to

    def patch(self, base: Path | None = None) -> "Patch":
        """The changes as a unified diff `git apply` takes, with paths relative to `base` (default: as
        stored). A hunk that would show a line holding a secret is left out (and named in `held_back`),
        and no other hunk's context includes such a line: the rest still applies."""
        text = []
        held_back = [f"{rel}:{line}" for rel, lines in sorted(self.held_back.items()) for line in lines]
        for rel, (before, after) in sorted(self.changed.items()):
            shown = _shown_path(self.root / rel, base) if self.root is not None and base is not None else rel
            hunks, hidden = file_hunks(split_lines(before, keepends=True), split_lines(after, keepends=True))
            held_back += [f"{rel}:{line}" for line in hidden]
            if hunks:
                text += [f"--- a/{shown}\n", f"+++ b/{shown}\n", *hunks]
        # every hunk showing a secret was left out above; this only guards against a key no line check saw
        return Patch(redact("".join(text)), held_back)

    def diff(self) -> str:
        return self.patch().text


@dataclass(frozen=True)
class Patch:
    text: str
    held_back: list[str]    # `path:line` of each change left out because its lines hold a secret


def _shown_path(path: Path, base: Path) -> str:
    """`path` relative to `base` when under it (POSIX), else as given."""
    try:
        return path.resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


DIFF_CONTEXT = 3


def _is_secret(line: str) -> bool:
    return redact(line) != line


def file_hunks(old: list[str], new: list[str], context: int = DIFF_CONTEXT) -> tuple[list[str], list[int]]:
    """Unified-diff hunks turning `old` into `new`, and the old line numbers of changes left out because a
    line they remove or add holds a secret, or because no secret-free line is left to anchor them. Context
    never crosses a secret line; the new-side line numbers count only the hunks shown, so `git apply`
    takes the hunks shown on the unchanged file."""
    changes = [op[1:] for op in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes()
               if op[0] != "equal"]
    secret = [_is_secret(line) for line in old]
    shown: list[tuple[int, int, int, int]] = []
    held_back: list[int] = []
    for i1, i2, j1, j2 in changes:
        trailing_ok = i2 == len(old) or not secret[i2]      # a hunk with no trailing context must end the file
        if any(secret[i1:i2]) or any(_is_secret(line) for line in new[j1:j2]) or not trailing_ok:
            held_back.append(i1 + 1)
        else:
            shown.append((i1, i2, j1, j2))
    groups: list[list[tuple[int, int, int, int]]] = []
    for change in shown:
        if groups and change[0] - groups[-1][-1][1] <= 2 * context \
                and not any(secret[groups[-1][-1][1]:change[0]]):
            groups[-1].append(change)
        else:
            groups.append([change])
    out: list[str] = []
    delta = 0       # lines the shown hunks before this one add (minus those they remove)
    previous_end = 0
    for group in groups:
        start, end = group[0][0], group[-1][1]
        while start > previous_end and group[0][0] - start < context and not secret[start - 1]:
            start -= 1
        while end < len(old) and end - group[-1][1] < context and not secret[end]:
            end += 1
        body: list[str] = []
        cursor = start
        for i1, i2, j1, j2 in group:
            body += [" " + line for line in old[cursor:i1]]
            body += ["-" + line for line in old[i1:i2]] + ["+" + line for line in new[j1:j2]]
            cursor = i2
        body += [" " + line for line in old[cursor:end]]
        added = sum(j2 - j1 - (i2 - i1) for i1, i2, j1, j2 in group)
        old_count, new_count = end - start, end - start + added
        out.append(f"@@ -{_range(start, old_count)} +{_range(start + delta, new_count)} @@\n")
        out += [line if line.endswith(("\n", "\r")) else line + "\n\\ No newline at end of file\n"
                for line in body]
        delta += added
        previous_end = end
    return out, held_back


def _range(start: int, count: int) -> str:
    """A hunk's `start,count` (an empty range names the line before it, as diff does)."""
    return f"{start + 1 if count else start},{count}"


class FixRefused(Exception):
    """A file `--fix` must leave alone; the message says why and what to do."""


def applicable_fixes(diags: Sequence[Diagnostic], unsafe: bool) -> Fixes:
    """The first fix of each diagnostic that may be applied, with edits only in the diagnostic's file."""
    out: Fixes = []
    for d in diags:
        for fx in d.fixes:
            if fx.edits and (fx.applicability == "safe" or (unsafe and fx.applicability == "unsafe")) \
                    and all(e.span.path == d.span.path for e in fx.edits):
                out.append((d, fx.edits))
                break
    return out


# ---- applying edits to a text ---------------------------------------------------------------------------

def _line_ending(text: str) -> str:
    """The line break most lines of `text` end with (LF when there is none)."""
    crlf = text.count("\r\n")
    lf, cr = text.count("\n") - crlf, text.count("\r") - crlf
    if crlf > lf and crlf >= cr:
        return "\r\n"
    return "\r" if cr > lf else "\n"


def _in_line_ending(edits: Sequence[Edit], text: str) -> list[Edit]:
    """Edits whose inserted line breaks are the text's own (a fix writes LF; a CRLF file stays CRLF)."""
    ending = _line_ending(text)
    if ending == "\n":
        return list(edits)
    return [Edit(e.span, re.sub(r"\r\n|\r|\n", ending, e.new_text)) for e in edits]


def _apply_whole(text: str, fixes: Fixes) -> tuple[str, int]:
    """`text` with every fix whose edits all apply without overlapping an earlier one's."""
    taken: list[Edit] = []
    count = 0
    for _, edits in fixes:
        trial = taken + _in_line_ending(edits, text)
        if not apply_edits(text, trial)[1]:
            taken = trial
            count += 1
    return (apply_edits(text, taken)[0], count) if taken else (text, 0)


def apply_round(text: str, is_notebook: bool, fixes: Fixes) -> tuple[str, int]:
    """Apply whole fixes (all of a fix's edits or none) that do not overlap each other."""
    if not is_notebook:
        return _apply_whole(text, fixes)
    nb = json.loads(text)
    by_cell: dict[int, Fixes] = {}
    for d, edits in fixes:
        cells = {e.span.cell for e in edits}
        if len(cells) == 1 and None not in cells:
            by_cell.setdefault(cells.pop(), []).append((d, edits))
    count = 0
    new_sources: dict[int, str] = {}
    for cell, cell_fixes in by_cell.items():
        old = cell_source(nb["cells"][cell])
        new, n = _apply_whole(old, cell_fixes)
        if new != old:
            new_sources[cell] = new
            count += n
    return (_with_cell_sources(text, new_sources), count) if new_sources else (text, 0)


# ---- notebooks: only the edited `source` values change ----------------------------------------------------

_DECODER = json.JSONDecoder()
_JSON_SPACE = re.compile(r"[ \t\n\r]*")


def _skip_space(text: str, i: int) -> int:
    return _JSON_SPACE.match(text, i).end()  # type: ignore[union-attr]


def _members(text: str, i: int) -> Iterator[tuple[str, int, int]]:
    """(key, value start, value end) of each member of the JSON object at `text[i]` (valid JSON)."""
    i = _skip_space(text, i + 1)
    while text[i] != "}":
        key, i = json.decoder.scanstring(text, i + 1)
        start = _skip_space(text, _skip_space(text, i) + 1)  # past the colon
        _, end = _DECODER.raw_decode(text, start)
        yield key, start, end
        i = _skip_space(text, end)
        if text[i] == ",":
            i = _skip_space(text, i + 1)


def _elements(text: str, i: int) -> Iterator[tuple[int, int]]:
    """(start, end) of each element of the JSON array at `text[i]` (valid JSON)."""
    i = _skip_space(text, i + 1)
    while text[i] != "]":
        _, end = _DECODER.raw_decode(text, i)
        yield i, end
        i = _skip_space(text, end)
        if text[i] == ",":
            i = _skip_space(text, i + 1)


def _source_spans(text: str) -> dict[int, tuple[int, int]]:
    """Where each cell's `source` value lies in the notebook's text: cell index -> (start, end)."""
    spans: dict[int, tuple[int, int]] = {}
    for key, start, _ in _members(text, _skip_space(text, 0)):
        if key == "cells":
            spans.clear()  # a repeated key: json.loads keeps the last
            for index, (cell_start, _) in enumerate(_elements(text, start)):
                if text[cell_start] == "{":
                    for cell_key, value_start, value_end in _members(text, cell_start):
                        if cell_key == "source":
                            spans[index] = (value_start, value_end)
    return spans


def _source_json(old: str, source: str, ensure_ascii: bool) -> str:
    """`source` as JSON in the form and layout of the value it replaces (`old`, a string or a list of
    lines split as nbformat splits them)."""
    if old.startswith('"'):
        return json.dumps(source, ensure_ascii=ensure_ascii)
    items = [json.dumps(line, ensure_ascii=ensure_ascii) for line in source.splitlines(keepends=True)]
    elements = list(_elements(old, 0))
    if not elements or not items:
        return "[" + ", ".join(items) + "]"
    opening, closing = old[1:elements[0][0]], old[elements[-1][1]:-1]
    separator = old[elements[0][1]:elements[1][0]] if len(elements) > 1 else "," + opening
    return "[" + opening + separator.join(items) + closing + "]"


def _with_cell_sources(text: str, sources: dict[int, str]) -> str:
    """The notebook's text with the given cells' sources replaced and every other byte kept."""
    spans = _source_spans(text)
    ensure_ascii = text.isascii()  # a file with \u escapes and no raw non-ASCII stays ASCII
    out, cursor = [], 0
    for cell in sorted(sources):
        start, end = spans[cell]
        out += [text[cursor:start], _source_json(text[start:end], sources[cell], ensure_ascii)]
        cursor = end
    out.append(text[cursor:])
    return "".join(out)


# ---- rounds ---------------------------------------------------------------------------------------------

def fix_text(text: str, is_notebook: bool, analyse: Callable[[str], Sequence[Diagnostic]],
             unsafe: bool, held_back: set[str] | None = None) -> tuple[str, int]:
    """`text` after rounds of fixes of its own diagnostics, and how many fixes were applied. With
    `held_back` (a diff to show), a fix whose edits touch a line holding a secret is left out, with its
    imports, and where it starts (`line`, or `cell N:line` in a notebook) is added to the set."""
    applied = 0
    for _ in range(MAX_ROUNDS):
        fixes = applicable_fixes(analyse(text), unsafe)
        if held_back is not None:
            fixes = [fix for fix in fixes if not _touches_secret(text, is_notebook, fix[1], held_back)]
        if not fixes:
            break
        new, count = apply_round(text, is_notebook, fixes)
        if new == text:  # fixes whose edits change nothing: done, or a second run would loop the same way
            break
        text, applied = new, applied + count
    return text, applied


def _touches_secret(text: str, is_notebook: bool, edits: Sequence[Edit], held_back: set[str]) -> bool:
    """Whether an edit spans a line that holds a secret (a diff would show it); notes the first such line."""
    cells = json.loads(text)["cells"] if is_notebook else None
    for e in edits:
        source = cell_source(cells[e.span.cell]) if cells is not None and e.span.cell is not None else text
        lines = split_lines(source, keepends=True)
        for number in range(e.span.start_line, min(e.span.end_line, len(lines)) + 1):
            if _is_secret(lines[number - 1]):
                cell = f"cell {e.span.cell + 1}:" if cells is not None and e.span.cell is not None else ""
                held_back.add(f"{cell}{e.span.start_line}")
                return True
    return False


def imported_names(text: str, is_notebook: bool) -> frozenset[str]:
    """The names `from … import` statements bind in a file (a notebook's code cells), as imported."""
    try:
        tree = parse_source(read_notebook(text).text if is_notebook else text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):  # NotebookError is a ValueError
        return frozenset()
    return frozenset(a.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) for a in node.names)


# ---- reading and writing files ----------------------------------------------------------------------------

@dataclass(frozen=True)
class SourceFile:
    """A file's bytes as read, and its text decoded the way Python reads it."""

    path: Path       # the real file (symlinks resolved)
    data: bytes
    text: str
    encoding: str    # `utf-8-sig` keeps a byte-order mark
    mode: int


def _real_target(path: Path, given: Sequence[Path]) -> Path:
    real = Path(os.path.realpath(path))
    allowed = [Path(os.path.realpath(p)) for p in given]
    if not any(real == a or a in real.parents for a in allowed):
        raise FixRefused("it lies outside the paths given (reached through a symlink); fix it where it lives "
                         "or name it on the command line")
    return real


def _read_exact(path: Path) -> tuple[bytes, os.stat_result]:
    """The bytes of a regular file, opened without following a symlink put in its place."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise FixRefused(f"cannot read ({exc.strerror or exc}); check the file") from exc
    with os.fdopen(fd, "rb") as fh:
        st = os.fstat(fh.fileno())
        if not stat.S_ISREG(st.st_mode):
            raise FixRefused("not a regular file; fix the file it stands for")
        return fh.read(), st


def read_source_file(path: Path, given: Sequence[Path], is_notebook: bool) -> SourceFile:
    real = _real_target(path, given)
    data, st = _read_exact(real)
    try:
        if is_notebook:
            encoding = "utf-8-sig" if data.startswith(codecs.BOM_UTF8) else "utf-8"
        else:
            encoding = tokenize.detect_encoding(io.BytesIO(data).readline)[0]
        text = data.decode(encoding)
    except (SyntaxError, UnicodeDecodeError, LookupError) as exc:
        raise FixRefused(f"cannot decode it ({exc}); save it as UTF-8 or fix its `coding:` line") from exc
    if text.encode(encoding) != data:
        raise FixRefused(f"its {encoding} text does not convert back to the same bytes; save it as UTF-8")
    return SourceFile(real, data, text, encoding, stat.S_IMODE(st.st_mode))


def _writable(source: SourceFile) -> None:
    if not source.mode & 0o222 or not os.access(source.path, os.W_OK):
        raise FixRefused("read-only; make it writable (chmod u+w) to let --fix change it")


def write_source_file(source: SourceFile, text: str) -> None:
    """Replace the file with `text` in its encoding, if it still holds the bytes that were analysed."""
    try:
        data = text.encode(source.encoding)
    except UnicodeEncodeError as exc:
        raise FixRefused(f"the fix adds characters {source.encoding} cannot hold; save the file as UTF-8") from exc
    if _read_exact(source.path)[0] != source.data:
        raise FixRefused("changed on disk while fixing; run --fix again")
    directory = source.path.parent
    try:
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{source.path.name}.", suffix=".llmsight-fix")
    except OSError as exc:
        raise FixRefused(f"cannot write in {directory} ({exc.strerror or exc}); check its permissions") from exc
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, source.mode)
        os.replace(tmp, source.path)
    except OSError as exc:
        os.unlink(tmp)
        raise FixRefused(f"cannot write ({exc.strerror or exc}); nothing was changed") from exc


def fix_files(rels: Sequence[str], root: Path, given: Sequence[Path], analyse: Analyse, *, unsafe: bool,
              diff_only: bool) -> FixOutcome:
    """Fix (or, with `diff_only`, only show the fixes of) the files `rels` under `root`."""
    outcome = FixOutcome(root=root)
    for rel in sorted(set(rels)):
        is_notebook = rel.endswith(".ipynb")
        try:
            source = read_source_file(root / rel, given, is_notebook)
            if not diff_only:
                _writable(source)
            held: set[str] | None = set() if diff_only else None
            text, applied = fix_text(source.text, is_notebook, lambda t: analyse(t, source.path), unsafe, held)
            if held:
                outcome.held_back[rel] = sorted(held, key=lambda where: [int(n) for n in re.findall(r"\d+", where)])
            if text == source.text:
                continue
            if not diff_only:
                write_source_file(source, text)
        except FixRefused as exc:
            outcome.skipped[rel] = str(exc)
            continue
        outcome.applied += applied
        outcome.changed[rel] = (source.text, text)
    return outcome
