"""Latency and quality priors per model family, used only when there is no traffic (design §4).

Data: `knowledge/data/priors.csv`, one row per family glob (first match wins, `*` last). Every row names
its source and date; `estimate` means our own dated estimate, not a measurement anyone published, and any
figure built on it says so. Latency per call is modelled as log-normal around
`ttft + output_tokens / tokens_per_s` with log-space spread `sigma`:
p95 = p50·e^(1.645σ), p99 = p50·e^(2.326σ).
"""
from __future__ import annotations

import csv
import dataclasses
import fnmatch
import math
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

Z95 = 1.6449
Z99 = 2.3263
REQUIRED_COLUMNS = ("pattern", "ttft_s", "tokens_per_s", "sigma", "quality", "source", "date")


class PriorsError(Exception):
    """A priors file row is broken; the message names the file, row and column."""


@dataclass(frozen=True)
class Prior:
    ttft_s: float
    tokens_per_s: float
    pattern: str
    source: str
    date: str
    sigma: float = 0.5
    quality: float | None = None


@dataclass(frozen=True)
class LatencyPrior:
    p50: float
    p95: float
    p99: float
    ttft: float
    pattern: str
    source: str
    date: str


def _parse_float(value: str, where: str, column: str, allow_empty: bool = False) -> float | None:
    if allow_empty and not value.strip():
        return None
    try:
        number = float(value)
    except ValueError:
        raise PriorsError(f"{where}: column `{column}` must be a number, got {value!r}") from None
    if number < 0 or math.isnan(number):
        raise PriorsError(f"{where}: column `{column}` must be a non-negative number, got {value!r}")
    return number


def _sourced_rows(text: str, origin: str, columns: tuple[str, ...]):
    """(`origin:row`, row) of a priors CSV with `columns`, each row naming its source and date."""
    reader = csv.DictReader(text.splitlines())
    missing = [c for c in columns if c not in (reader.fieldnames or [])]
    if missing:
        raise PriorsError(f"{origin}: missing column(s) {', '.join(missing)}")
    for number, row in enumerate(reader, start=2):
        where = f"{origin}:{number}"
        if not row["source"].strip() or not row["date"].strip():
            raise PriorsError(f"{where}: every prior needs a source (or `estimate`) and a date")
        yield where, row


def read_priors(text: str, origin: str) -> tuple[Prior, ...]:
    """Rows of a priors CSV; errors name `origin` and the row number."""
    rows = []
    for where, row in _sourced_rows(text, origin, REQUIRED_COLUMNS):
        rows.append(Prior(
            ttft_s=_parse_float(row["ttft_s"], where, "ttft_s"),
            tokens_per_s=_parse_float(row["tokens_per_s"], where, "tokens_per_s"),
            sigma=_parse_float(row["sigma"], where, "sigma"),
            quality=_parse_float(row["quality"], where, "quality", allow_empty=True),
            pattern=row["pattern"].strip().lower(), source=row["source"].strip(), date=row["date"].strip(),
        ))
    if not rows or rows[-1].pattern != "*":
        raise PriorsError(f"{origin}: the last row must be the `*` default")
    return tuple(rows)


@lru_cache(maxsize=None)
def priors(path: str | None = None) -> tuple[Prior, ...]:
    if path is None:
        text = resources.files("llmsight.knowledge").joinpath("data/priors.csv").read_text(encoding="utf-8")
        return read_priors(text, "knowledge/data/priors.csv")
    return read_priors(Path(path).read_text(encoding="utf-8"), path)


def latency_prior(model: str | None, path: str | None = None) -> Prior:
    """The first row whose glob matches the model (lower-cased, provider prefix kept)."""
    name = (model or "").strip().lower()
    for row in priors(path):
        if fnmatch.fnmatchcase(name, row.pattern):
            return row
    raise AssertionError("read_priors guarantees a `*` row")   # pragma: no cover


def static_latency(model: str | None, output_tokens: int, path: str | None = None) -> LatencyPrior:
    """Seconds for one call producing `output_tokens`, from the family prior."""
    row = latency_prior(model, path)
    decode = output_tokens / row.tokens_per_s if row.tokens_per_s > 0 else 0.0
    p50 = row.ttft_s + decode
    return LatencyPrior(p50=p50, p95=p50 * math.exp(Z95 * row.sigma), p99=p50 * math.exp(Z99 * row.sigma),
                        ttft=row.ttft_s, pattern=row.pattern, source=row.source, date=row.date)


def quality_prior(model: str | None, path: str | None = None) -> tuple[float, str, str] | None:
    """(score 0..1, source, date) of the first matching row that has a quality figure."""
    name = (model or "").strip().lower()
    for row in priors(path):
        if fnmatch.fnmatchcase(name, row.pattern):
            if row.quality is not None:
                return row.quality, row.source, row.date
            if row.pattern != "*":
                return None
    return None


@dataclass(frozen=True)
class InputPrior:
    """Tokens one text of a request is expected to hold when the request's whole cost is that text and it is
    known only at run time (an embedding): a stated assumption, which `default_input_tokens` replaces."""

    operation: str
    tokens: int
    source: str
    date: str


# Most embedding calls embed the chunks a text splitter made, so one text is about one default chunk:
# - LangChain: `TextSplitter.__init__(chunk_size: int = 4000, chunk_overlap: int = 200, length_function=len)`,
#   inherited by RecursiveCharacterTextSplitter, 4,000 characters = 1,000 tokens at 4 characters per token
#   (knowledge/tokens.py) — https://reference.langchain.com/v0.3/python/_modules/langchain_text_splitters/base.html
# - LlamaIndex: `Settings.chunk_size` is its default node parser's, `SentenceSplitter()`, whose chunk size is
#   `DEFAULT_CHUNK_SIZE = 1024  # tokens` (llama-index-core/llama_index/core/constants.py, core/settings.py).
# Hosted pipelines agree: OpenAI file search chunks at 800 tokens, Vertex AI RAG Engine at 1,024. A search
# query is far shorter (tens of tokens), so on a query-only site the figure is high, never $0.
INPUT_PRIORS = (InputPrior(
    "embedding", 1000, "the default chunk of the text splitters that feed most embedding calls, LangChain's "
    "4,000 characters (about 1,000 tokens) and LlamaIndex's 1,024 tokens", "2026-12-07"),)


def input_prior(operation: str) -> InputPrior | None:
    """The input-size prior of an operation whose cost is all the text it is sent; None for the others (a
    chat prompt's run-time parts are not counted; speech and per-token rerank have no sourced prior yet)."""
    return next((row for row in INPUT_PRIORS if row.operation == operation), None)


OUTPUT_COLUMNS = ("pattern", "operation", "task", "output_tokens", "reasoning_tokens", "prompt_words", "source", "date")


@dataclass(frozen=True)
class OutputPrior:
    """Expected output of one call: visible tokens, hidden reasoning billed as output, and where the
    figure comes from. A row applies to models matching `pattern`, an `operation` and a `task` (`*`: any)."""

    pattern: str
    operation: str
    task: str
    output_tokens: int
    reasoning_tokens: int
    prompt_words: tuple[str, ...]
    source: str
    date: str


def read_output_priors(text: str, origin: str) -> tuple[OutputPrior, ...]:
    """Rows of an output priors CSV; errors name `origin` and the row number."""
    rows = []
    for where, row in _sourced_rows(text, origin, OUTPUT_COLUMNS):
        rows.append(OutputPrior(
            pattern=row["pattern"].strip().lower(), operation=row["operation"].strip(), task=row["task"].strip(),
            output_tokens=int(_parse_float(row["output_tokens"], where, "output_tokens")),
            reasoning_tokens=int(_parse_float(row["reasoning_tokens"], where, "reasoning_tokens")),
            prompt_words=tuple(w.strip().lower() for w in row["prompt_words"].split("|") if w.strip()),
            source=row["source"].strip(), date=row["date"].strip()))
    if not rows or (rows[-1].pattern, rows[-1].operation, rows[-1].task) != ("*", "*", "*"):
        raise PriorsError(f"{origin}: the last row must be the `*,*,*` default")
    return tuple(rows)


@lru_cache(maxsize=None)
def output_priors() -> tuple[OutputPrior, ...]:
    text = resources.files("llmsight.knowledge").joinpath("data/output_priors.csv").read_text(encoding="utf-8")
    return read_output_priors(text, "knowledge/data/output_priors.csv")


TASK_PROMPT_CHARS = 1000   # a task is read off short instructions only: a long prompt names many things


def prompt_task(text: str) -> str | None:
    """The task a short prompt's literal text names (`Classify the intent of: ...` -> classification),
    from the `prompt_words` of the output priors; None when it names none or is long."""
    if len(text) > TASK_PROMPT_CHARS:
        return None
    lowered = text.lower()
    return next((row.task for row in output_priors() if row.prompt_words
                 and any(word in lowered for word in row.prompt_words)), None)


def output_prior(model: str | None, operation: str, task: str | None) -> OutputPrior:
    """The first row matching the model (lower-cased), the operation and the prompt's task. A task row states
    the visible answer only: a reasoning model still reasons, so the hidden reasoning of the first row for the
    model whatever the task is added to a task row that states none."""
    name = (model or "").strip().lower()
    rows = [row for row in output_priors()
            if fnmatch.fnmatchcase(name, row.pattern) and row.operation in ("*", operation)]
    found = next(row for row in rows if row.task in ("*", task or "*"))   # the `*,*,*` row always matches
    if found.task == "*" or found.reasoning_tokens:
        return found
    model_row = next(row for row in rows if row.task == "*")
    if not model_row.reasoning_tokens:
        return found
    source = found.source if found.source == model_row.source else f"{found.source}; reasoning: {model_row.source}"
    return dataclasses.replace(found, reasoning_tokens=model_row.reasoning_tokens, source=source,
                               date=max(found.date, model_row.date))
