"""Record identity: which stored call a traffic record is, whatever file it arrives in (issue 16 D9).

A record that names itself is its name: an OTel span its trace id and span id, a LiteLLM payload or
spend-log row its id, a Langfuse observation its id (`own_id`). Any other record is its content: the
hash of its canonical values and its occurrence number among the records of its file with the same
values. So a log that grew, a copy of it or its `.gz` adds only the calls it did not hold, while two
identical calls without ids in one file stay two rows.

Keys are 128-bit numbers (`md5_number` of a text), stored in `calls.record_key`. A record with its own
id is also looked up by its content key, so a call stored before ids were kept (schema v2) is not
stored again when its file is ingested again. Two records of one file with the same id are one call:
the first is kept.
"""
from __future__ import annotations

from typing import Any, Sequence

RECORD_ID = "record_id"          # staged column: the record's own id (`own_id`), or NULL
KEY = "record_key"               # stored column: the record's key
CONTENT_KEY = "content_key"      # the key its content gives (equal to `record_key` for a record without id)


def own_id(kind: str, *parts: Any) -> str | None:
    """`kind:part:...` of a record that names itself; None when a part is missing or not a plain value
    (the record is then known by its content)."""
    texts = [str(p) for p in parts if isinstance(p, (str, int)) and not isinstance(p, bool)]
    if len(texts) != len(parts) or not all(texts):
        return None
    return ":".join([kind, *texts])


def content_sql(columns: Sequence[tuple[str, str]]) -> str:
    """A row's canonical values as one text that stays the same across DuckDB versions: numbers as
    integers (doubles in billionths, times in microseconds), NULL as chr(30), values split by chr(31)
    (neither can be in a stored text: control characters are rejected at ingest)."""
    def field(name: str, kind: str) -> str:
        value = {"DOUBLE": f"TRY_CAST(round({name} * 1e9) AS HUGEINT)", "TIMESTAMP": f"epoch_us({name})"}.get(kind, name)
        return f"coalesce(CAST({value} AS VARCHAR), chr(30))"
    return "concat_ws(chr(31), " + ", ".join(field(name, kind) for name, kind in columns) + ")"


def keys_sql(source: str, columns: Sequence[tuple[str, str]], order: str, within: str | None = None) -> str:
    """`source` with `content_key` and `record_key` added (and its `record_id` kept).

    `columns`: the canonical columns (name, type), as they are stored; `order`: the order of records in
    their file; `within`: the column naming each row's file when `source` holds several files.
    """
    partition = f"{within}, _content" if within else "_content"
    occurrence = f"row_number() OVER (PARTITION BY {partition} ORDER BY {order})"
    keyed = (f"SELECT * EXCLUDE (_content), md5_number(_content || ':' || {occurrence}) AS {CONTENT_KEY} "
             f"FROM (SELECT *, md5({content_sql(columns)}) AS _content FROM {source})")
    return (f"SELECT *, coalesce(md5_number('id:' || {RECORD_ID}), {CONTENT_KEY}) AS {KEY} "
            f"FROM ({keyed})")


def new_records_sql(keyed: str, stored: str, order: str) -> str:
    """`order` and `record_key` of the records of `keyed` (a table of `keys_sql` rows) whose key no row of
    `stored` has; of several records of one file with the same id, the first in `order`."""
    known = (f"SELECT {KEY} FROM {stored} WHERE {KEY} IN (SELECT {KEY} FROM {keyed} UNION ALL "
             f"SELECT {CONTENT_KEY} FROM {keyed} WHERE {RECORD_ID} IS NOT NULL)")
    first_of_id = (f"SELECT {order}, {KEY}, {CONTENT_KEY} FROM {keyed} WHERE {RECORD_ID} IS NOT NULL "
                   f"QUALIFY row_number() OVER (PARTITION BY {RECORD_ID} ORDER BY {order}) = 1")
    return (f"WITH known AS MATERIALIZED ({known}) "
            f"SELECT {order}, {KEY} FROM {keyed} WHERE {RECORD_ID} IS NULL AND {KEY} NOT IN (SELECT {KEY} FROM known) "
            f"UNION ALL SELECT {order}, {KEY} FROM ({first_of_id}) WHERE {KEY} NOT IN (SELECT {KEY} FROM known) "
            f"AND {CONTENT_KEY} NOT IN (SELECT {KEY} FROM known)")
