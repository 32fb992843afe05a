"""Shared parts of the record-by-record adapters (OTel, LiteLLM, Langfuse).

A record adapter turns one source record into canonical values (a dict) or raises `Reject`. Values are
checked here, where the source's own field name is known, so a reject says e.g.
`prompt_tokens is not a number ('12k')`; the rows then go through the same SQL validation as the
canonical formats (`validate.py`).
"""
from __future__ import annotations

import bisect
import datetime
import gzip
import itertools
import json
import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

import pyarrow as pa
import pyarrow.compute as pc

from llmsight.analysis.secrets import KEY_HINT, redact
from llmsight.simulator.identity import RECORD_ID
from llmsight.simulator.store import COLUMN_NAMES, COLUMNS

TEXT_COLUMNS = tuple(name for name, kind in COLUMNS if kind == "VARCHAR")
_STAGED = COLUMN_NAMES + [RECORD_ID]     # a record's own id (`identity.own_id`) rides along with its values


class Reject(Exception):
    """This record cannot become a canonical row; the message is the reason shown to the user."""


class RecordConverter:
    """One canonical row per source record; `row()` returns None for records that are not LLM calls."""

    def __init__(self) -> None:
        self.ignored = 0

    def convert(self, row: int, record: Any) -> list[tuple[int, dict | str]]:
        if not isinstance(record, dict):
            return [(row, "record is not a JSON object")]
        try:
            values = self.row(record)
        except Reject as exc:
            return [(row, redact(str(exc)))]
        if values is None:
            self.ignored += 1
            return []
        return [(row, values)]

    def row(self, record: dict) -> dict[str, Any] | None:
        raise NotImplementedError


@dataclass
class Broken:
    """A record that is not valid JSON (or not an object)."""
    reason: str


Progress = Callable[[int], None]   # called with bytes consumed so far


def open_text_source(path: Path):
    """Binary reader for a log file, gzip-compressed (`.gz`) or not."""
    return gzip.open(path, "rb") if path.suffix.lower() == ".gz" else open(path, "rb")


def page_records(value: Any) -> list | None:
    """The records of an API page (`{"data": [...], "meta": {...}}`: Langfuse, LiteLLM's `/spend/logs/ui`)."""
    if isinstance(value, dict) and isinstance(value.get("data"), list):
        return value["data"]
    return None


@dataclass
class PageLines:
    """Where pages written one per line put their records, so that a reject can name its line too."""
    starts: list[int] = field(default_factory=list)      # record number of each line's first record
    lines: list[int] = field(default_factory=list)
    pages: list[bool] = field(default_factory=list)      # False: a line that is not a page (a broken one)

    def add(self, first_row: int, line: int, page: bool) -> None:
        self.starts.append(first_row)
        self.lines.append(line)
        self.pages.append(page)

    def where(self, row: int) -> str | None:
        """`line 4, .data[1]` (the jq path of the record within its line); None for a file of one page."""
        index = bisect.bisect_right(self.starts, row) - 1
        if len(self.lines) < 2 or index < 0:
            return None
        line = f"line {self.lines[index]}"
        return f"{line}, .data[{row - self.starts[index]}]" if self.pages[index] else line


def iter_json_records(path: Path, progress: Progress | None = None,
                      pages: PageLines | None = None) -> Iterator[tuple[int, Any]]:
    """(row, record) for JSON Lines, a JSON array, one JSON document, or API pages (`{"data": [...]}`)
    saved one per file or one per line (`curl > page.json`, a paging script appending lines).

    Rows are 1-based line numbers for JSON Lines, else record numbers counted across the file (element
    numbers of an array or of one page); for pages one per line, `pages` learns where each line starts.
    A broken line yields `Broken` (one row) so the caller can reject it and go on with the next one.
    """
    with open_text_source(path) as fh:
        head = fh.read(4096).lstrip()
    if head.startswith(b"["):
        yield from enumerate(_whole_document(path), start=1)
        return
    lines = _json_lines(path, progress)
    read = list(itertools.islice(lines, 2))        # kept and yielded: each line is parsed once
    good = [value for _, value in read if not isinstance(value, Broken)]
    if read and not good:       # the first lines are not JSON each: one document over several lines
        lines.close()
        document = _whole_document(path)
        records = page_records(document)
        yield from enumerate([document] if records is None else records, start=1)
        return
    lines = itertools.chain(read, lines)           # JSON Lines (its first line may be a broken one)
    if not good or page_records(good[0]) is None:
        yield from lines
    else:
        yield from _page_lines(lines, PageLines() if pages is None else pages)


def _json_lines(path: Path, progress: Progress | None) -> Iterator[tuple[int, Any]]:
    """(line number, value or `Broken`) for each non-blank line."""
    consumed = 0
    with open_text_source(path) as fh:
        for number, line in enumerate(fh, start=1):
            consumed += len(line)
            if progress is not None and number % 2048 == 0:
                progress(consumed)
            if not line.strip():
                continue
            try:
                yield number, json.loads(line)
            except ValueError:
                yield number, Broken("broken JSON line")
    if progress is not None:
        progress(consumed)


def _page_lines(lines: Iterator[tuple[int, Any]], pages: PageLines) -> Iterator[tuple[int, Any]]:
    """The records of pages one per line, numbered across the file; any other line is one record."""
    row = 0
    for line, value in lines:
        records = page_records(value)
        pages.add(row + 1, line, records is not None)
        for record in [value] if records is None else records:
            row += 1
            yield row, record


def _whole_document(path: Path) -> Any:
    try:
        with open_text_source(path) as fh:
            return json.load(fh)
    except ValueError as exc:
        raise Reject(f"not valid JSON ({_short(exc)}); expected JSON Lines, a JSON array or one JSON "
                     f"document") from exc


def _short(exc: Exception) -> str:
    return str(exc).split(":")[0]


def number(value: Any, name: str, *, default: float | None = None, integer: bool = False) -> float | None:
    """A non-negative number from a source field, or Reject naming the field."""
    if value is None or value == "":
        return default
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise Reject(f"{name} is not a number ({type(value).__name__})")
    try:
        result = float(value)
    except OverflowError:                  # an integer past any float (JSON allows any number of digits)
        raise Reject(f"{name} is not a finite number") from None
    except ValueError:
        raise Reject(f"{name} is not a number ({redact(str(value))[:20]!r})") from None
    if math.isnan(result) or math.isinf(result):
        raise Reject(f"{name} is not a finite number")
    if result < 0:
        raise Reject(f"negative {name}")
    if integer:
        if result != int(result):
            raise Reject(f"{name} is not a whole number ({value})")
        return int(result)
    return result


def text(value: Any, name: str) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, (str, int)) or isinstance(value, bool):
        raise Reject(f"{name} is not a string ({type(value).__name__})")
    return str(value)


def epoch_seconds(value: Any, name: str) -> float | None:
    """Epoch seconds from a float (LiteLLM), epoch milliseconds or an ISO-8601 string (Langfuse)."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            moment = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return number(value, name)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=datetime.timezone.utc)
        return moment.timestamp()
    seconds = number(value, name)
    return seconds / 1000.0 if seconds and seconds > 1e11 else seconds    # milliseconds


def check_interval(start: float | None, end: float | None, start_name: str, end_name: str) -> None:
    if start is None:
        raise Reject(f"missing {start_name}")
    if end is not None and end < start:
        raise Reject(f"end before start ({end_name} < {start_name})")


def call_times(record: dict) -> tuple[float, float | None, float | None]:
    """(start, end, first token) epoch seconds from `startTime`/`endTime`/`completionStartTime`
    (LiteLLM and Langfuse both name them so)."""
    start = epoch_seconds(record.get("startTime"), "startTime")
    end = epoch_seconds(record.get("endTime"), "endTime")
    check_interval(start, end, "startTime", "endTime")
    return start, end, epoch_seconds(record.get("completionStartTime"), "completionStartTime")


def inclusive_input(input_tokens: int, cache_read: int, cache_write: int, *, separate: bool) -> int:
    """Input tokens with cache reads and writes included (design §2).

    `separate=True` is the Anthropic/Langfuse convention (cache counts outside `input_tokens`).
    An "inclusive" source whose input is smaller than its own cache counts is counting them
    separately after all, so the counts are added there too.
    """
    if separate or input_tokens < cache_read + cache_write:
        return input_tokens + cache_read + cache_write
    return input_tokens


_TIMEOUT = re.compile(r"time[sd]?[\s_-]?out", re.IGNORECASE)


def is_timeout(*descriptions: object) -> bool:
    """Whether an error class or message describes a timeout (`APITimeoutError`, "Request timed out.")."""
    return any(_TIMEOUT.search(str(d)) for d in descriptions if d)


def iso(seconds: float | None) -> str | None:
    if seconds is None:
        return None
    return datetime.datetime.fromtimestamp(seconds, datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")


def staging_table(rows: Iterable[tuple[int, dict[str, Any] | str]]) -> pa.Table:
    """Arrow table of text columns (canonical names, `record_id`, `source_row`, `_reject`) for `validate.py`.

    `rows` yields (row number, canonical dict) or (row number, reject reason). Keys in text values are
    masked here, before anything is stored (`without_keys`).
    """
    columns: dict[str, list] = {name: [] for name in _STAGED}
    source_rows: list[int] = []
    rejects: list[str | None] = []
    for row, values in rows:
        source_rows.append(row)
        if isinstance(values, str):
            rejects.append(values)
            for name in _STAGED:
                columns[name].append(None)
            continue
        rejects.append(None)
        for name in _STAGED:
            value = values.get(name)
            columns[name].append(None if value is None else str(value))
    arrays = {name: pa.array(values, pa.string()) for name, values in columns.items()}
    arrays.update((name, without_keys(arrays[name])) for name in TEXT_COLUMNS)
    arrays["source_row"] = pa.array(source_rows, pa.int64())
    arrays["_reject"] = pa.array(rejects, pa.string())
    return pa.table(arrays)


def without_keys(values: pa.Array) -> pa.Array:
    """Text values with every key masked (`redact`: the same key always reads the same, so distinct
    tenants stay distinct groups). Arrow picks out the few values that may hold a key."""
    hits = pc.match_substring_regex(values, KEY_HINT)
    if not pc.any(hits).as_py():
        return values
    texts = values.to_pylist()
    for i in pc.indices_nonzero(hits).to_pylist():
        texts[i] = redact(texts[i])
    return pa.array(texts, pa.string())


def file_size(path: Path) -> int:
    return os.stat(path).st_size
