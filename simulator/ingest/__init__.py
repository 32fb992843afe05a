"""`llm-lint ingest`: load traffic files of any supported format into the store (design §6).

Each record is stored once (`identity`): re-ingesting a file, a copy, its `.gz` or a log that grew adds
only the calls the store does not hold; a file whose SHA-256 was ingested before is skipped unread.
Each file loads in one transaction: its new rows and its `sources` entry, or nothing. Bad records are
rejected one by one with their row number and reason; the rest of the file loads.

A traffic file may be hostile (issue 16): DuckDB reads CSV, JSON Lines and Parquet on a connection that
can reach that one file and nothing else, never the store's; a `.gz` is refused, before anything reads
it, when it expands past `MAX_EXPANSION` times its size (a decompression bomb).
"""
from __future__ import annotations

import contextlib
import glob
import hashlib
import itertools
import sys
import threading
import zlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator, TextIO

import duckdb

from llmsight.analysis.secrets import redact
from llmsight.simulator import store
from llmsight.simulator.identity import LayerMerge
from llmsight.simulator.ingest import canonical, langfuse, litellm, otel
from llmsight.simulator.ingest.records import (Broken, PageLines, Reject, file_size, iter_json_records,
                                               staging_table)
from llmsight.simulator.ingest.validate import validate_and_load

FORMATS = ("auto", "otel", "litellm", "langfuse", "jsonl", "csv", "parquet")
_RECORD_FORMATS = {"otel": otel.Converter, "litellm": litellm.Converter, "langfuse": langfuse.Converter}
_IGNORED_WHAT = {"otel": "spans other than model calls", "langfuse": "observations other than generations and embeddings"}
_SNIFF_RECORDS = 20
_READ_BY_DUCKDB = ("jsonl", "csv", "parquet")
_BATCH_ROWS = 65_536                 # rows per Arrow batch from a file's reader to the store
MAX_EXPANSION = 100                  # a .gz may expand to this many times its size ...
MIN_EXPANSION_LIMIT = 64 << 20       # ... or to this many bytes, whichever is more
_UNBOUNDED_COMPRESSIONS = (".zst", ".zstd")    # DuckDB would expand these with no limit: refused
MIN_PARQUET_ROWS_LIMIT = 1_000_000   # a Parquet file may hold this many rows, or one a byte if more: real
                                     # traffic takes tens of bytes a row, run-length encoding can make one byte thousands


class IngestError(Exception):
    """A file that cannot be ingested at all (missing, unreadable, unknown format)."""


@dataclass
class FileReport:
    path: str
    format: str = "?"
    loaded: int = 0
    rejected: Counter = field(default_factory=Counter)
    examples: list[tuple[int, str]] = field(default_factory=list)
    ignored: int = 0
    merged: int = 0                      # spans that were another instrumentation layer of a call (`LayerMerge`)
    known: int = 0                       # records the store already held (`identity`)
    duplicate: bool = False              # the same file (by SHA-256) was ingested before
    error: str | None = None
    pages: PageLines | None = None       # pages written one per line: where each reject's line is

    def place(self, row: int) -> str:
        """`12`, or `12 (line 3, .data[4])` for a record of pages written one per line."""
        where = self.pages.where(row) if self.pages else None
        return f"{row} ({where})" if where else str(row)


@dataclass
class IngestReport:
    files: list[FileReport]
    store: str | None = None             # the store written to, when known

    @property
    def loaded(self) -> int:
        return sum(f.loaded for f in self.files)

    @property
    def rejected(self) -> Counter:
        total: Counter = Counter()
        for f in self.files:
            total.update(f.rejected)
        return total

    @property
    def known(self) -> int:
        return sum(f.known for f in self.files)

    @property
    def usable(self) -> bool:
        """Something loaded, or every file's calls were in the store already (a harmless re-run)."""
        return self.loaded > 0 or (bool(self.files) and all(f.duplicate or f.known for f in self.files))

    def text(self, max_examples: int = 10) -> str:
        lines = []
        for f in self.files:
            if f.error:
                lines.append(f"{f.path}: error: {f.error}")
            elif f.duplicate:
                lines.append(f"{f.path}: already ingested (same content); nothing added")
            else:
                extra = f", {f.ignored} {_IGNORED_WHAT.get(f.format, 'records')} ignored" if f.ignored else ""
                extra += f", {f.merged} spans merged into the call another layer recorded" if f.merged else ""
                lines.append(f"{f.path} [{f.format}]: {f.loaded} rows loaded, "
                             f"{sum(f.rejected.values())} rejected{_known(f.known)}{extra}")
        rejected = self.rejected
        lines.append(f"total: {self.loaded} rows loaded, {sum(rejected.values())} rejected{_known(self.known)}")
        for reason, count in rejected.most_common():
            lines.append(f"  {count:>8}  {reason}")
        shown = [(f, row, reason) for f in self.files for row, reason in f.examples][:max_examples]
        if shown:
            lines.append("first rejects:")
            lines.extend(f"  {f.path}:{f.place(row)}: {reason}" for f, row, reason in shown)
        if self.store and self.usable:
            shown_store = _shown_path(Path(self.store))
            lines.append(f"store: {shown_store}  (use it: llm-lint check --traffic {shown_store})")
        return "\n".join(lines) + "\n"


def _known(count: int) -> str:
    return f", {count} already in the store" if count else ""


def _shown_path(path: Path) -> str:
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(path)


class ProgressBar:
    """A one-line bar on stderr, redrawn when the percentage changes."""

    def __init__(self, label: str, total: int, stream: TextIO | None = None) -> None:
        self.label, self.total, self.stream, self.shown = label, max(total, 1), stream or sys.stderr, -1

    def __call__(self, done: int) -> None:
        percent = min(100, done * 100 // self.total)
        if percent != self.shown:
            self.shown = percent
            filled = percent // 4
            self.stream.write(f"\r{self.label[-40:]:<40} [{'#' * filled}{'.' * (25 - filled)}] {percent:3d}%")
            self.stream.flush()

    def close(self) -> None:
        self(self.total)
        self.stream.write("\n")
        self.stream.flush()


@contextlib.contextmanager
def _query_progress(reader: duckdb.DuckDBPyConnection | None, bar: ProgressBar | None, total: int):
    """Move the bar from 10 % to 90 % as DuckDB reports progress on the reader's running query."""
    if bar is None or reader is None:
        yield
        return
    done = threading.Event()

    def poll() -> None:
        best = 0.0
        while not done.wait(0.2):
            try:
                best = max(best, reader.query_progress())
            except duckdb.Error:
                return
            bar(total // 10 + int(total * 0.8 * best / 100))

    thread = threading.Thread(target=poll, daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()


def _reader(path: Path) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection that can read this one traffic file and nothing else (D0), reporting progress."""
    return store.connect(readable=[path], settings={"enable_progress_bar": True, "enable_progress_bar_print": False})


def detect_format(path: Path) -> str:
    """Format from the extension (Parquet, CSV) or from the first records of a JSON file."""
    return _format_by_extension(path) or _sniff(iter_json_records(path))[0]


def _format_by_extension(path: Path) -> str | None:
    suffix = (path.with_suffix("") if path.suffix.lower() == ".gz" else path).suffix.lower()
    return "parquet" if suffix in (".parquet", ".pq") else "csv" if suffix in (".csv", ".tsv") else None


def _sniff(records: Iterator[tuple[int, Any]]) -> tuple[str, list[tuple[int, Any]]]:
    """The format the first good record tells, and the records read to tell it: ingest goes on from
    them instead of reading the file again (a file of one big document would be parsed twice)."""
    read: list[tuple[int, Any]] = []
    try:
        for row, record in records:
            read.append((row, record))
            if not isinstance(record, Broken):
                return _format_of(record), read
            if len(read) >= _SNIFF_RECORDS:
                break
    except Reject as exc:
        raise IngestError(str(exc)) from exc
    raise IngestError("no JSON records found; pass --format if this is CSV or Parquet")


def _format_of(record: Any) -> str:
    if otel.looks_like(record):
        return "otel"
    if litellm.looks_like(record):
        return "litellm"
    if langfuse.looks_like(record):
        return "langfuse"
    if isinstance(record, dict) and "model" in record and set(record) & set(store.COLUMN_NAMES) - {"model"}:
        return "jsonl"
    keys = ", ".join(sorted(record)[:8]) if isinstance(record, dict) else type(record).__name__
    raise IngestError(f"cannot tell the format (first record has: {keys}); pass --format "
                      f"otel|litellm|langfuse|jsonl|csv|parquet")


def sha256_of(path: Path, progress: ProgressBar | None = None) -> str:
    """The file's SHA-256; for a `.gz`, also an IngestError when it expands past its limit (D7), found by
    inflating it as it is read and keeping nothing of what it expands to."""
    digest = hashlib.sha256()
    expansion = _Expansion(file_size(path)) if path.suffix.lower() == ".gz" else None
    done = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
            if expansion is not None:
                expansion.feed(chunk)
            done += len(chunk)
            if progress is not None:
                progress(done // 10)          # hashing is the first tenth of the bar
    return digest.hexdigest()


class _Expansion:
    """Counts the bytes gzip data expands to, member after member, in bounded steps."""

    def __init__(self, size: int) -> None:
        self.limit = max(MIN_EXPANSION_LIMIT, MAX_EXPANSION * size)
        self.size, self.total = size, 0
        self.inflater: "zlib._Decompress | None" = zlib.decompressobj(wbits=31)

    def feed(self, data: bytes) -> None:
        while data and self.inflater is not None:
            self.total += len(self.inflater.decompress(data, 1 << 20))
            if self.total > self.limit:
                raise IngestError(f"expands past {self.limit >> 20} MB, over {MAX_EXPANSION} times its "
                                  f"{self.size:,} bytes (a decompression bomb?); refused: if it is genuine, "
                                  "decompress it and ingest the result")
            data = self.inflater.unconsumed_tail
            if self.inflater.eof:        # the next gzip member, if any (trailing bytes that are not one are left to the reader)
                data = self.inflater.unused_data
                self.inflater = zlib.decompressobj(wbits=31) if data.startswith(b"\x1f\x8b") else None


def _records(path: Path, report: FileReport, bar: ProgressBar | None) -> Iterator[tuple[int, Any]]:
    """The file's JSON records, moving the progress bar (past the hashing tenth) and noting page lines."""
    size = file_size(path)
    report.pages = PageLines()
    on_bytes = (lambda done: bar(size // 10 + done * 9 // 10)) if bar else None
    return iter_json_records(path, on_bytes, report.pages)


def _stage(con: duckdb.DuckDBPyConnection, reader: duckdb.DuckDBPyConnection | None, path: Path, fmt: str,
           report: FileReport, bar: ProgressBar | None,
           records: Iterator[tuple[int, Any]] | None = None) -> duckdb.DuckDBPyRelation:
    """The file as rows to validate, on `con`; read by `reader` for the formats DuckDB reads; `records`:
    the file's records when detection has started reading them."""
    if reader is not None:
        stage = {"jsonl": canonical.stage_jsonl, "csv": canonical.stage_csv, "parquet": canonical.stage_parquet}[fmt]
        return con.from_arrow(reader.sql(stage(reader, path)).to_arrow_reader(_BATCH_ROWS))
    converter = _RECORD_FORMATS[fmt]()

    def rows():
        for row, record in records if records is not None else _records(path, report, bar):
            if isinstance(record, Broken):
                yield row, record.reason
            else:
                yield from converter.convert(row, record)

    layers = LayerMerge()                # one call recorded by two instrumentation layers is one row
    table = staging_table(layers.rows(converter.attempts(rows())) if fmt == "otel" else rows())
    report.ignored, report.merged = converter.ignored, layers.merged
    return con.from_arrow(table)


def ingest_file(con: duckdb.DuckDBPyConnection, path: Path, fmt: str = "auto", show_progress: bool = False,
                max_examples: int = 20, progress_min_bytes: int = 0) -> FileReport:
    report = FileReport(redact(str(path)))      # the path as shown and stored: a folder may be named by a key
    if not path.is_file():
        report.error = "no such file" if not path.exists() else "not a file"
        return report
    if path.suffix.lower() in _UNBOUNDED_COMPRESSIONS:
        report.error = f"{path.suffix} compression is not read (only .gz is); decompress it first"
        return report
    bar = ProgressBar(path.name, file_size(path)) if show_progress and file_size(path) >= progress_min_bytes \
        else None
    try:
        sha = sha256_of(path, bar)
        if store.source_seen(con, sha):
            report.duplicate = True
            return report
        records = None
        report.format = fmt if fmt != "auto" else _format_by_extension(path)
        if report.format is None:
            records = _records(path, report, bar)
            report.format, read = _sniff(records)
            records = itertools.chain(read, records)
        if report.format == "parquet":
            _check_parquet_rows(path)
        with contextlib.closing(_reader(path)) if report.format in _READ_BY_DUCKDB else contextlib.nullcontext() \
                as reader:
            _load(con, reader, path, report, bar, records, sha, max_examples)
    except (IngestError, Reject) as exc:
        report.error = str(exc)
    except duckdb.Error as exc:
        report.error = f"cannot read as {report.format} ({str(exc).splitlines()[0]})"
    except (OSError, EOFError, zlib.error) as exc:          # EOFError: a truncated .gz file
        report.error = f"cannot read ({getattr(exc, 'strerror', None) or exc})"
    finally:
        if bar is not None:
            bar.close()
    return report


def _check_parquet_rows(path: Path) -> None:
    """IngestError for a Parquet file that says it holds more rows than its size allows real traffic (D7),
    read from its footer before any row is."""
    import pyarrow.lib
    import pyarrow.parquet as pq

    try:
        rows = pq.read_metadata(path).num_rows
    except pyarrow.lib.ArrowException as exc:
        raise IngestError(f"not a readable Parquet file ({str(exc).splitlines()[0]})") from exc
    size = file_size(path)
    if rows > max(MIN_PARQUET_ROWS_LIMIT, size):
        raise IngestError(f"holds {rows:,} rows in {size:,} bytes, more than one a byte (a decompression bomb?); "
                          "refused")


def _load(con: duckdb.DuckDBPyConnection, reader: duckdb.DuckDBPyConnection | None, path: Path, report: FileReport,
          bar: ProgressBar | None, records: Iterator[tuple[int, Any]] | None, sha: str, max_examples: int) -> None:
    """The file's new rows and its `sources` entry in one transaction, its counts into `report`."""
    con.execute("BEGIN TRANSACTION").fetchall()
    try:
        staged = _stage(con, reader, path, report.format, report, bar, records)
        with _query_progress(reader, bar, file_size(path)):
            outcome = validate_and_load(con, staged, report.path, max_examples)
        if report.format == "csv":
            for row, reason in canonical.csv_structural_rejects(reader):
                outcome.rejected[reason] += 1
                outcome.examples.append((row, reason))
            outcome.examples = sorted(outcome.examples)[:max_examples]
        report.loaded, report.rejected, report.examples = outcome.rows, outcome.rejected, outcome.examples
        report.known = outcome.known
        store.record_source(con, sha, report.path, report.format, report.loaded, sum(report.rejected.values()))
        con.execute("COMMIT").fetchall()
    except BaseException:
        con.execute("ROLLBACK").fetchall()
        raise


_TRAFFIC_SUFFIXES = (".jsonl", ".ndjson", ".json", ".csv", ".tsv", ".parquet", ".pq")


def expand(paths: Iterable[str | Path]) -> list[Path]:
    """Files as given; directories become the traffic files below them (sorted, `.gz` included); a
    pattern that names no file (`calls/*.parquet`, `logs/**/*.jsonl`) becomes what it matches (sorted;
    nothing matched: kept as given, so reading it reports the missing file)."""
    out: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if not path.exists() and glob.escape(str(raw)) != str(raw):
            matches = sorted(glob.glob(str(raw), recursive=True))
            out.extend(expand(matches) if matches else [path])
            continue
        if not path.is_dir():
            out.append(path)
            continue
        out.extend(sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith(".")
                          and (p.with_suffix("") if p.suffix == ".gz" else p).suffix.lower() in _TRAFFIC_SUFFIXES))
    return out


def ingest(paths: Iterable[str | Path], con: duckdb.DuckDBPyConnection, fmt: str = "auto",
           show_progress: bool = False, max_examples: int = 20, progress_min_bytes: int = 0) -> IngestReport:
    """Ingest files (and the traffic files in directories) into a store opened by `store.open_store`.

    With `show_progress`, files of at least `progress_min_bytes` get a progress bar on stderr."""
    if fmt not in FORMATS:
        raise IngestError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    return IngestReport([ingest_file(con, p, fmt, show_progress, max_examples, progress_min_bytes)
                         for p in expand(paths)])
