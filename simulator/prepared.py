"""What every replay of one traffic source recomputes whatever the scenarios, kept between runs.

A preparation (`replay.Simulation.prepare`) codes the names in the traffic, fits the models, computes
each row's draws, static costs and bootstrap block (the prepared rows), numbers the (site, feature,
tenant) combinations and replays the baseline. None of that depends on the scenarios, so it is kept
as a summary: one DuckDB file per traffic content holding the prepared rows and the combinations as
tables and the names, fits and notes as one JSON document, and beside it the baseline's per-row outcomes
as raw columns (`OUTCOME_LAYOUT`: one `read` into numpy arrays, nothing parsed). The next
`simulate` over the same rows reads them instead of scanning, fitting and hashing a million rows again;
only what the scenarios add (their target models' priors, prices and lookup tables) is built per run.

The key is the traffic's content — every row's id and values (not its record key, which for a record
with an id of its own is that id, and which an edit of the stored values keeps), so any ingest,
migration or edit makes a new key — with the row-to-site mapping's result (it depends on the code:
computed each run, the summary is reused only when it maps the rows the same way), the settings that
shape a preparation (seed, sample, tenants, eval file bytes, config, client retries) and llmsight's
simulator and knowledge code and DuckDB's version.

Like the scan cache (`analysis.cache`) it lives under the user's cache directory, never in the
repository, in a private (0700) directory, and is hostile on read: the file is opened through
`store.connect` (no other file, no extension, locked settings) and read-only, it must hold exactly our
tables in our shapes with no views or macros, the JSON is rebuilt field by field with its types checked,
the outcome file's size must be what the JSON's row count gives and every code in it (combination,
block, status) in range; anything else is a miss and the run prepares from the traffic. Never a pickle.
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from llmsight.simulator.fit import Fits, ModelFit

FORMAT = "llmsight-simulate-summary-v2"
MAX_SUMMARIES = 4           # summary files kept; the least recently used go first
META_TABLE = "summary_meta"
RATIOS_FILE = "tokenizer-ratios.json"   # tokenizer ratios by encoding pair (any traffic's)


@dataclass
class FitsRecord:
    """`fit.Fits` as JSON holds it (no tuple keys)."""

    models: list[ModelFit]
    quality: list[tuple[str, str, float, int, str]]
    site_keys: list[tuple[str, str]]
    attempt_error: dict[str, float]
    client_retries: dict[str, int]
    error_basis: dict[str, str]
    decode: list[tuple[str, str | None, float, float]]

    @classmethod
    def of(cls, fits: Fits) -> "FitsRecord":
        return cls(list(fits.models.values()), [(m, f, *v) for (m, f), v in sorted(fits.quality.items())],
                   sorted(fits.site_keys), dict(fits.attempt_error), dict(fits.client_retries),
                   dict(fits.error_basis), [(m, s, *line) for (m, s), line in fits.decode.items()])

    def fits(self) -> Fits:
        return Fits({f.key: f for f in self.models}, {(m, f): (q, n, s) for m, f, q, n, s in self.quality},
                    set(self.site_keys), dict(self.attempt_error), dict(self.client_retries), dict(self.error_basis),
                    {(m, s): (a, b) for m, s, a, b in self.decode})


@dataclass
class PreparedTraffic:
    """What a preparation computed from the traffic alone: the names its codes number (models observed,
    sites, features, tenants: code = index), the traffic's fits, static prefixes, the (site, model)
    pairs seen, the days the prepared rows cover, the share of the rows they are (`sample`) and the
    notes on them. The rows, combinations and baseline outcomes are tables (`replay.Tables`)."""

    models: list[str]
    sites: list[str]
    features: list[str]
    tenants: list[str]
    fits: FitsRecord
    prefixes: dict[str, float]
    pairs: list[tuple[str, str]]
    days: float
    fraction: float
    notes: list[str]


# the summary file's tables and their shapes (anything else in the file: not ours, not read)
ROWS_TABLE, GROUPS_TABLE = "prepared_rows", "prepared_groups"
# the baseline's outcome columns in the file beside it, in this order (8-byte columns first: every column
# starts aligned), each the prepared rows' count long, row `ri` at index `ri`
OUTCOME_LAYOUT = (("latency_ms", "<f8"), ("ttft_ms", "<f8"), ("cost_usd", "<f8"), ("quality", "<f8"),
                  ("grp", "<i4"), ("blk", "i1"), ("status", "i1"), ("truncated", "u1"))


def code_identity() -> list[tuple[str, int, int]]:
    """Size and mtime of the simulator's and the knowledge's code and data: an edited install changes
    what a preparation computes without changing llmsight's version."""
    import llmsight.knowledge
    import llmsight.simulator
    from llmsight.analysis.cache import code_identity as files

    return files((Path(llmsight.simulator.__file__).parent, Path(llmsight.knowledge.__file__).parent))


def content_digest(con, source: str, site_map: str | None) -> list:
    """The traffic's content, order-free: row count and an XOR of each row's hash of its id and values, and
    the same of the row-to-site mapping. Not the record key: a record's own id stands for it whatever its
    values, and an edit of stored values keeps the key ingest gave them."""
    from llmsight.simulator.store import COLUMNS

    present = {d[0] for d in con.execute(f"SELECT * FROM {source} LIMIT 0").description}
    row = f"hash(row_id, {', '.join(name for name, _ in COLUMNS if name in present)})"
    digest = [str(v) for v in con.execute(f"SELECT count(*), bit_xor({row}) FROM {source}").fetchall()[0]]
    if site_map is not None:
        digest += [str(v) for v in con.execute(f"SELECT count(*), bit_xor(hash(row_id, site_id)) FROM {site_map}")
                   .fetchall()[0]]
    return digest


def file_digest(path) -> str | None:
    if path is None:
        return None
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return None       # the fit reports an unreadable eval file; such a run is simply not cached


class SummaryCache:
    """The summary files in `directory` (see the module docstring)."""

    def __init__(self, directory: Path):
        self.directory = directory

    @classmethod
    def default(cls) -> "SummaryCache | None":
        """The user's cache directory's `simulate/` (None without a private one: the run is not cached)."""
        from llmsight.analysis.cache import _private_dir, cache_home

        home = cache_home()
        if home is None or not _private_dir(home / "simulate"):
            return None
        return cls(home / "simulate")

    def key(self, con, source: str, site_map: str | None, settings: dict[str, Any]) -> str:
        import duckdb

        from llmsight import __version__

        blob = json.dumps([FORMAT, __version__, duckdb.__version__, code_identity(),
                           content_digest(con, source, site_map), settings], default=str, sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()

    def path(self, key: str) -> Path:
        return self.directory / f"{key}.duckdb"

    def outcomes_path(self, key: str) -> Path:
        return self.directory / f"{key}.outcomes"

    def load(self, key: str, row_types: dict[str, str]):
        """(connection with the file attached as `summary`, PreparedTraffic, the baseline's outcome columns),
        or None: no such summary, or one that is not exactly what `save` writes."""
        import duckdb

        from llmsight.analysis.cache import Malformed, decode
        from llmsight.simulator import store

        path = self.path(key)
        if not path.is_file():
            return None
        con = None
        try:
            con = store.connect(readable=[str(path) + suffix for suffix in ("", ".wal")],
                                settings={"preserve_insertion_order": False})
            con.execute(f"ATTACH {store._sql_value(str(path))} AS summary (READ_ONLY)")
            store._check_objects(con, "summary", path)
            tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE database_name = 'summary'")
                      .fetchall()}
            if tables != set(_shapes(row_types)):
                raise store.StoreError(f"{path}: other tables")
            for table, shape in _shapes(row_types).items():
                store._check_shape(con, "summary", path, table, shape)
            (text,) = store.first_row(con, f"SELECT value FROM summary.{META_TABLE} WHERE key = 'prepared'") or (None,)
            if not isinstance(text, str):
                raise store.StoreError(f"{path}: no summary")
            doc = json.loads(text)
            if not isinstance(doc, dict) or doc.get("format") != FORMAT or doc.get("key") != key:
                raise store.StoreError(f"{path}: another summary")
            prepared = decode(PreparedTraffic, doc.get("prepared"))
            rows, low, high = store.first_row(con, f"SELECT count(*), min(ri), max(ri) FROM summary.{ROWS_TABLE}")
            (groups,) = store.first_row(con, f"SELECT count(*) FROM summary.{GROUPS_TABLE}")
            if rows and (low != 0 or high != rows - 1):
                raise store.StoreError(f"{path}: row indices out of range")
            baseline = _read_outcomes(self.outcomes_path(key), rows, groups)
            os.utime(path)           # recently used: pruned last
            return con, prepared, baseline
        except (duckdb.Error, store.StoreError, Malformed, ValueError, TypeError, RecursionError, OSError):
            if con is not None:
                con.close()
            return None

    def save(self, key: str, con, prepared: PreparedTraffic, tables: dict[str, str], baseline: dict) -> None:
        """Write the summary from `con`'s tables (`tables`: summary table -> relation in `con`) and the
        baseline's outcome columns (in row order), each file atomically (a temporary file renamed), the
        outcomes first: the DuckDB file that makes a summary is there only once both are complete."""
        import duckdb

        from llmsight.records import to_json
        from llmsight.simulator import store

        if not _write_outcomes(self.directory, self.outcomes_path(key), baseline):
            return
        fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".summary-", suffix=".duckdb")
        os.close(fd)
        os.unlink(tmp)           # DuckDB creates the file itself
        out = None
        try:
            out = store.connect(tmp, settings={"preserve_insertion_order": False})
            for name, relation in tables.items():
                reader = con.sql(f"SELECT * FROM {relation}").to_arrow_reader()
                out.register("_incoming", reader)
                out.execute(f"CREATE TABLE {name} AS SELECT * FROM _incoming")
                out.unregister("_incoming")
            doc = {"format": FORMAT, "key": key, "prepared": to_json(prepared)}
            out.execute(f"CREATE TABLE {META_TABLE} (key VARCHAR, value VARCHAR)")
            out.execute(f"INSERT INTO {META_TABLE} VALUES ('prepared', ?)", [json.dumps(doc)])
            out.close()
            out = None
            os.replace(tmp, self.path(key))
        except (duckdb.Error, OSError):
            return                   # a full disk still gets its results, just no summary
        finally:
            if out is not None:
                out.close()
            for leftover in (tmp, tmp + ".wal"):
                if os.path.exists(leftover):
                    os.unlink(leftover)
        self._prune()

    def _ratios_version(self) -> list:
        from importlib.metadata import PackageNotFoundError, version

        from llmsight.knowledge.tokens import tokenizer_dir

        try:
            tiktoken = version("tiktoken")
        except PackageNotFoundError:
            tiktoken = None
        return [FORMAT, tiktoken, str(tokenizer_dir())]

    def tokenizer_ratios(self) -> dict[tuple[str, str], float]:
        """Tokenizer ratios by (encoding, encoding), as `save_tokenizer_ratios` kept them ({} if none)."""
        from llmsight.analysis.cache import Malformed, decode

        try:
            doc = json.loads((self.directory / RATIOS_FILE).read_text(encoding="utf-8")[:1_000_000])
            if not isinstance(doc, dict) or doc.get("version") != self._ratios_version():
                return {}
            rows = decode(list[tuple[str, str, float]], doc.get("ratios"))
        except (OSError, ValueError, Malformed, RecursionError):
            return {}
        return {(a, b): r for a, b, r in rows if 0.0 < r < 100.0}

    def save_tokenizer_ratios(self, ratios: dict[tuple[str, str], float]) -> None:
        body = json.dumps({"version": self._ratios_version(), "ratios": [[a, b, r] for (a, b), r in ratios.items()]})
        try:
            fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".ratios-", suffix=".json")
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(body)
            os.replace(tmp, self.directory / RATIOS_FILE)
        except OSError:
            pass

    def _prune(self) -> None:
        files = sorted(self.directory.glob("*.duckdb"), key=lambda p: p.stat().st_mtime_ns, reverse=True)
        for old in files[MAX_SUMMARIES:]:
            for path in (old, old.with_suffix(".outcomes")):
                try:
                    path.unlink()
                except OSError:
                    pass


GROUPS_TYPES = {"grp": "INTEGER", "site_c": "INTEGER", "feature_c": "INTEGER", "tenant_c": "INTEGER"}


def _shapes(row_types: dict[str, str]) -> dict[str, list[tuple[str, str]]]:
    return {ROWS_TABLE: list(row_types.items()), GROUPS_TABLE: list(GROUPS_TYPES.items()),
            META_TABLE: [("key", "VARCHAR"), ("value", "VARCHAR")]}


def _write_outcomes(directory: Path, path: Path, baseline: dict) -> bool:
    """The baseline's outcome columns as `OUTCOME_LAYOUT` lays them out, written atomically; False when it
    could not be (a full disk still gets its results, just no summary)."""
    import numpy as np

    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".outcomes-", suffix=".outcomes")
    try:
        with os.fdopen(fd, "wb") as fh:
            for name, dtype in OUTCOME_LAYOUT:
                fh.write(np.ascontiguousarray(baseline[name], dtype=dtype).tobytes())
        os.replace(tmp, path)
        return True
    except OSError:
        if os.path.exists(tmp):
            os.unlink(tmp)
        return False


def _read_outcomes(path: Path, rows: int, groups: int) -> dict:
    """The outcome columns `_write_outcomes` wrote for `rows` rows of `groups` combinations: the file must
    be exactly that long and every code in range (StoreError otherwise)."""
    import numpy as np

    from llmsight.simulator.figures import BLOCKS, TIMEOUT
    from llmsight.simulator.store import StoreError

    widths = [np.dtype(dtype).itemsize for _, dtype in OUTCOME_LAYOUT]
    buffer = np.empty(rows * sum(widths), dtype=np.uint8)     # not zero-filled first: the read fills it
    with open(path, "rb") as fh:
        if fh.readinto(buffer) != len(buffer) or fh.read(1):
            raise StoreError(f"{path}: not the outcomes of {rows} rows")
    columns, offset = {}, 0
    for (name, dtype), width in zip(OUTCOME_LAYOUT, widths):
        columns[name] = np.frombuffer(buffer, dtype=dtype, count=rows, offset=offset)
        offset += rows * width
    for name, high in (("grp", groups - 1), ("blk", BLOCKS - 1), ("status", TIMEOUT), ("truncated", 1)):
        values = columns[name]
        if rows and (values.min() < 0 or values.max() > high):
            raise StoreError(f"{path}: {name} out of range")
    columns["truncated"] = columns["truncated"].view(np.bool_)
    return columns
