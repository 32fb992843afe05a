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

from typing import Any, Iterable, Iterator, Sequence

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


# ------------------------------------------------------------------------------ one call, one row
SPAN_ID = "span_id"               # staged-only keys of a span's row: merging layers reads them, the store does not
PARENT_ID = "parent_span_id"
_WORST = {"ok": 0, "error": 1, "timeout": 2}


class LayerMerge:
    """One call, one row: spans of one request recorded by two instrumentation layers are one call.

    A framework's or an instrumentor's model-call span often has the provider SDK's own model-call span
    as its child (an OpenInference LLM span around the Anthropic SDK's span; openai-v2 and OpenLLMetry both
    wrapping the same OpenAI call). A call span whose parent is a call span of the same trace, inside its
    time and for the same model, is that call again: the two rows become one, the richest (most values
    known) filled in from the other, with the worst status of the two and the outer span's id as its
    identity (so ingesting the file again finds it). A parent with several call children is not one of
    them: the children are the calls (their tokens would otherwise count twice) and take the parent's code
    location, feature and tenant where they have none. Layers are only found within one file.
    """

    def __init__(self) -> None:
        self.merged = 0            # rows that were another layer of a call kept in another row

    def rows(self, rows: Iterable[tuple[int, dict | str]]) -> Iterator[tuple[int, dict | str]]:
        """`rows` (row number, span row or reject reason) with each call's layers merged, in file order."""
        items = list(rows)
        calls = {(v.get("trace_id"), v.get(SPAN_ID)): i for i, (_, v) in enumerate(items)
                 if isinstance(v, dict) and v.get(SPAN_ID)}
        children: dict[int, list[int]] = {}
        for i, (_, v) in enumerate(items):
            parent = calls.get((v.get("trace_id"), v.get(PARENT_ID))) if isinstance(v, dict) and v.get(PARENT_ID) else None
            if parent is not None and parent != i and _same_request(items[parent][1], v):
                children.setdefault(parent, []).append(i)
        dropped: set[int] = set()
        replaced: dict[int, dict] = {}
        for parent in sorted(children, key=lambda p: _depth(p, children)):     # innermost first
            kids = [k for k in children[parent] if k not in dropped]
            outer = replaced.get(parent, items[parent][1])
            if len(kids) == 1:
                inner = replaced.pop(kids[0], items[kids[0]][1])
                replaced[parent] = _richest(outer, inner)
                dropped.add(kids[0])
            elif kids:
                for kid in kids:
                    replaced[kid] = _inherit(replaced.get(kid, items[kid][1]), outer)
                replaced.pop(parent, None)
                dropped.add(parent)
        self.merged += len(dropped)
        for i, (number, value) in enumerate(items):
            if i not in dropped:
                yield number, replaced.get(i, value)


def _depth(node: int, children: dict[int, list[int]]) -> int:
    """Minus the height of `node`'s subtree of call spans, so that sorting puts the innermost parents first."""
    below = [_depth(kid, children) for kid in children.get(node, ())]
    return min(below, default=0) - 1


def _model(row: dict) -> set[str]:
    return {m.rsplit("/", 1)[-1].lower() for m in (row.get("model"), row.get("response_model")) if isinstance(m, str) and m}


def _same_request(parent: dict, child: dict) -> bool:
    """The child span is the parent's request recorded again: a model both name, and inside its time."""
    if _model(parent) and _model(child) and not _model(parent) & _model(child):
        return False
    outer, inner = _interval(parent), _interval(child)
    if outer is None or inner is None:
        return True
    return inner[0] >= outer[0] - 1e-3 and inner[1] <= outer[1] + 1e-3


def _interval(row: dict) -> tuple[float, float] | None:
    """(start, end) in epoch seconds of a staged row (`ts` ISO text, `latency_ms`), None when unknown."""
    from datetime import datetime

    try:
        start = datetime.fromisoformat(str(row.get("ts")).replace("Z", "+00:00")).timestamp()
        return start, start + float(row["latency_ms"]) / 1000.0
    except (ValueError, TypeError, KeyError):
        return None


def _known(value: Any) -> bool:
    return value is not None and value != "" and value != 0


def _richest(a: dict, b: dict) -> dict:
    """One row from two layers of a call: the one with more values known, its gaps filled from the other;
    the worse status; the outer layer's (`a`'s) identity."""
    base, other = (a, b) if sum(map(_known, a.values())) >= sum(map(_known, b.values())) else (b, a)
    merged = {key: value if _known(value) else other.get(key, value) for key, value in {**other, **base}.items()}
    worse = max((a, b), key=lambda r: _WORST.get(str(r.get("status") or "ok"), 0))
    merged["status"], merged["error_type"] = worse.get("status"), worse.get("error_type") or merged.get("error_type")
    for key in (RECORD_ID, SPAN_ID, PARENT_ID, "ts"):
        merged[key] = a.get(key)
    return merged


def _inherit(child: dict, parent: dict) -> dict:
    return {**child, **{key: parent.get(key) for key in ("code_file", "code_line", "code_function", "feature", "tenant")
                        if not _known(child.get(key)) and _known(parent.get(key))}}
