"""The records every face shares (design §2).

Frozen dataclasses, JSON-serialisable through :func:`to_json`. Positions are 1-based lines and
1-based columns counted in code points; faces convert (the LSP face to 0-based UTF-16).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Literal

SDKS = (
    "openai", "anthropic", "google", "bedrock", "litellm", "langchain", "ollama",
    "groq", "cohere", "mistral", "together", "http", "voyage", "azure-ai-inference",
)
OPERATIONS = ("chat", "completion", "responses", "embedding", "image", "audio", "rerank", "batch")
SEVERITIES = ("error", "warning", "info", "hint")
Severity = Literal["error", "warning", "info", "hint"]
Applicability = Literal["safe", "unsafe", "display-only"]

# Where a resolved setting came from.
#   call: keyword on the request; client: on the client/constructor; config: [tool.llmsight];
#   sdk-default: the SDK's documented default; absent: not stated and no default applies;
#   unresolved: stated, but by an expression we cannot evaluate statically.
SettingSource = Literal["call", "client", "config", "sdk-default", "absent", "unresolved"]


@dataclass(frozen=True)
class Span:
    path: str
    start_line: int
    start_col: int
    end_line: int
    end_col: int
    cell: int | None = None

    def contains_line(self, line: int) -> bool:
        return self.start_line <= line <= self.end_line


@dataclass(frozen=True)
class Setting:
    """A request parameter as the code states it: value when known, the expression as written."""

    value: Any = None
    expr: str | None = None
    source: str = "absent"
    origin: str | None = None  # "path:line" where the value was found (constant, settings class…)

    @property
    def resolved(self) -> bool:
        return self.value is not None


# How a model reaches a call site (the corpus labels' vocabulary, plus `user` for a pragma or mapping).
MODEL_REACHES = ("literal", "constant", "self-attr", "config-default", "env-default", "callers", "alias-table",
                 "cli-default", "project-config-file", "base-class", "user")


@dataclass(frozen=True)
class ModelCandidate:
    """One model that can reach a site: the string the code sends, where it is written and how it gets
    there. `default` is False for a value the code can send but does not with the project's defaults
    (another caller's literal, another alias-table entry, another branch)."""

    value: str
    origin: str | None = None   # "path:line" where the name is written
    reach: str = "literal"      # one of MODEL_REACHES
    default: bool = True


@dataclass(frozen=True)
class Hop:
    """One step of "why this model": what was followed, and where (`path:line`)."""

    step: str
    at: str | None = None


@dataclass(frozen=True)
class ModelSetting(Setting):
    """The model of a site: `value` is the default; `candidates` every model that can reach the site (the
    model set, default first), `chain` the hops from the call to the default, and when no model can be
    known, `unknown` says why in one line and how to tell llmsight."""

    candidates: tuple[ModelCandidate, ...] = ()
    chain: tuple[Hop, ...] = ()
    unknown: str | None = None


@dataclass(frozen=True)
class Prompt:
    static_tokens: int = 0      # tokens of the literal parts we could see
    dynamic: bool = False       # parts only known at run time (variables, f-string fields, files)
    static_chars: int = 0
    # token offset of the first dynamic part within the prompt, None when none or unknown; LLM011
    # uses it to tell whether dynamic content precedes a large static prefix
    dynamic_before_static_tokens: int | None = None
    largest_static_prefix_tokens: int = 0
    has_cache_control: bool = False
    task: str | None = None     # what the literal text asks for (`knowledge.priors.prompt_task`): classification, ...


@dataclass(frozen=True)
class CallSite:
    id: str
    span: Span
    sdk: str
    api: str
    operation: str
    is_async: bool
    stream: bool | None
    model: Setting
    max_tokens: Setting
    timeout: Setting
    retries: Setting
    fallback: str = "none"
    fallback_models: tuple[str, ...] = ()
    in_loop: bool = False
    in_try: bool = False
    prompt: Prompt = field(default_factory=Prompt)
    function: str | None = None
    feature: str | None = None
    # where the client was made (for fixes that belong on the client) and what it was
    client_span: Span | None = None
    client_expr: str | None = None
    endpoint: str | None = None  # base_url / azure endpoint / raw HTTP URL when known
    via_wrapper: str | None = None  # configured wrapper this site was found through


@dataclass(frozen=True)
class Metric:
    value: float | None
    low: float | None = None
    high: float | None = None
    source: str = "prior"        # traffic | prior | static
    n: int | None = None
    prior: str | None = None     # which prior / assumption, when source != traffic


@dataclass(frozen=True)
class Range:
    """Bounds of a figure that depends on something static analysis cannot pin down, and on what:
    `model-set` (cheapest to priciest model the site can send), `output-cap` (up to the output cap).
    Not a confidence interval: that is `Metric.low/high`."""

    low: float
    high: float
    basis: str


@dataclass(frozen=True)
class Estimate:
    site_id: str
    model: str | None
    input_tokens: float | None
    output_tokens: float | None
    cost_per_call: Metric
    cost_breakdown: dict[str, float] = field(default_factory=dict)  # input, cached_input, cache_write, output, reasoning
    cost_per_month: Metric | None = None
    calls_per_month: float | None = None
    latency_p50_s: Metric | None = None
    latency_p95_s: Metric | None = None
    latency_p99_s: Metric | None = None
    ttft_s: Metric | None = None
    error_rate: Metric | None = None
    quality: Metric | None = None
    source: str = "static"       # static | traffic
    notes: tuple[str, ...] = ()
    range: Range | None = None   # cost per call over the site's model set
    # tokens of one text the cost assumes (the input-size prior of a call whose text is known only at run time, an
    # embedding): the figure is per text, a list costs it for each text; None when the input is counted or configured
    per_text_tokens: int | None = None


@dataclass(frozen=True)
class Edit:
    span: Span
    new_text: str


@dataclass(frozen=True)
class Fix:
    title: str
    edits: tuple[Edit, ...] = ()
    applicability: Applicability = "unsafe"


@dataclass(frozen=True)
class Diagnostic:
    code: str
    name: str
    severity: Severity
    message: str
    span: Span
    site_id: str | None = None
    fixes: tuple[Fix, ...] = ()


@dataclass(frozen=True)
class FileError:
    """A file we could not analyse; reported, never raised."""

    path: str
    message: str
    line: int | None = None
    col: int | None = None


@dataclass
class CheckResult:
    version: str
    price_data: str
    root: str
    call_sites: list[CallSite]
    diagnostics: list[Diagnostic]
    estimates: dict[str, Estimate]
    files_scanned: int = 0
    files_skipped: int = 0
    errors: list[FileError] = field(default_factory=list)
    fixed: int = 0  # fixes applied by --fix

    def summary(self) -> dict[str, Any]:
        by_code: dict[str, int] = {}
        for d in self.diagnostics:
            by_code[d.code] = by_code.get(d.code, 0) + 1
        return {
            "files_scanned": self.files_scanned,
            "files_skipped": self.files_skipped,
            "call_sites": len(self.call_sites),
            "diagnostics": len(self.diagnostics),
            "by_code": dict(sorted(by_code.items())),
            "errors": len(self.errors),
            "fixed": self.fixed,
        }


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}   # each record type's fields, listed once
_SCALARS = frozenset({str, int, float, bool, type(None)})


def to_json(obj: Any) -> Any:
    """Plain JSON-able structure of a record (tuples become lists, properties are not included). Field names
    are looked up once per type: the cache and the JSON report of a whole-tree scan convert every result
    (this was 0.1 CPU-s of the serial tail of a cold scan of the corpus tree)."""
    kind = type(obj)
    if kind in _SCALARS:
        return obj
    names = _FIELD_NAMES.get(kind)
    if names is None and dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        names = _FIELD_NAMES[kind] = tuple(f.name for f in dataclasses.fields(obj))
    if names is not None:
        return {name: to_json(getattr(obj, name)) for name in names}
    if isinstance(obj, (list, tuple)):
        return [to_json(x) for x in obj]
    if isinstance(obj, dict):
        return {str(k): to_json(v) for k, v in obj.items()}
    return obj
