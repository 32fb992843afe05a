"""What the reliability rules share: how to name an SDK and its defaults, what value a fix inserts,
and edits that put a keyword on a call or a key into a dict literal without leaving the call's SDK.

Rules LLM001-LLM006 import from here; nothing here decides whether a rule fires.
"""
from __future__ import annotations

import ast
import bisect
import math
from dataclasses import dataclass

from llmsight.analysis import libcst as cst

from llmsight.analysis.context import FileContext
from llmsight.analysis.fixes import import_edit, insert_before_line, narrowed_edit, set_call_keywords
from llmsight.analysis.modules import iter_statements, lines_holding
from llmsight.knowledge.sdk_defaults import SdkDefaults, defaults_for
from llmsight.records import CallSite, Edit, Fix

FALLBACK_TIMEOUT_S = 30
MIN_TIMEOUT_S = 5  # below this, a cold connection (TLS, DNS) alone can time out
FALLBACK_MAX_TOKENS = 1024
GENERATING_OPERATIONS = frozenset({"chat", "completion", "responses"})
# `loop.run_in_executor(None, f, *args)` and `anyio.to_thread.run_sync(f, *args)` take no keywords for `f`
_NO_KEYWORD_RUNNERS = frozenset({"run_in_executor", "run_sync"})

_SDK_NAMES = {
    "openai": "the OpenAI SDK", "anthropic": "the Anthropic SDK", "google": "the google-genai SDK",
    "bedrock": "boto3's bedrock-runtime client", "litellm": "litellm", "langchain": "LangChain",
    "ollama": "the Ollama client", "groq": "the Groq SDK", "cohere": "the Cohere SDK", "mistral": "the Mistral SDK",
    "together": "the Together SDK",
}


# ---- naming the SDK and its defaults -------------------------------------------------------------------

def http_library(site: CallSite) -> str:
    """`httpx`, `aiohttp` or `requests` (unknown sessions read as requests: no default timeout)."""
    made = f"{site.api} {site.client_expr or ''}"
    return "httpx" if "httpx" in made else "aiohttp" if "aiohttp" in made else "requests"


def sdk_defaults(site: CallSite) -> SdkDefaults:
    if site.sdk == "http":
        return defaults_for("http", http_library(site))
    return defaults_for(site.sdk, site.api)


def sdk_name(site: CallSite, ctx: FileContext | None = None) -> str:
    """How messages name the library making the request ("the OpenAI SDK", "httpx", "LangChain's ChatOpenAI")."""
    if site.sdk == "http":
        return http_library(site)
    if site.sdk == "langchain" and ctx is not None:
        cls = client_class(ctx, site)
        if cls:
            return f"LangChain's {cls}"
    if site.sdk == "google" and ctx is not None:
        return {"generativeai": "the google-generativeai SDK", "vertexai": "the Vertex AI SDK"}.get(
            google_flavour(ctx, site), "the google-genai SDK")
    return _SDK_NAMES.get(site.sdk, f"the {site.sdk} SDK")


def google_flavour(ctx: FileContext, site: CallSite) -> str:
    """Which Google SDK makes the request: `genai` (google-genai), `generativeai` (the legacy
    google-generativeai) or `vertexai`; by the client's constructor, else by the file's imports."""
    imports = Imports.of(ctx)
    ctor = client_call(ctx, site)
    candidates = [imports.qualify(ctor.func)] if ctor is not None else []
    candidates += sorted(imports.names.values())
    for qual in filter(None, candidates):
        for prefix, flavour in (("google.genai", "genai"), ("google.generativeai", "generativeai"),
                                ("vertexai", "vertexai")):
            if qual == prefix or qual.startswith(prefix + "."):
                return flavour
    return "genai"


# ---- values a fix inserts ---------------------------------------------------------------------------------

def _traffic_figure(ctx: FileContext, name: str, site: CallSite) -> float | None:
    """A figure of the traffic view (`p99_latency_s`, `p99_output_tokens`) for the site, when traffic is given."""
    figure = getattr(ctx.traffic, name, None) if ctx.traffic is not None else None
    value = figure(site) if figure is not None else None
    return float(value) if value else None


def suggested_timeout(site: CallSite, ctx: FileContext) -> tuple[float, str]:
    """Seconds for a timeout fix and why: twice the p99 latency in traffic (at least 5 s), else config,
    else 30 s."""
    p99 = _traffic_figure(ctx, "p99_latency_s", site)
    if p99 is not None:
        return float(max(MIN_TIMEOUT_S, math.ceil(p99 * 2))), f"twice the p99 latency of {p99:.1f} s in traffic"
    if ctx.config.default_timeout:
        return ctx.config.default_timeout, "default_timeout from config"
    return float(FALLBACK_TIMEOUT_S), "llmsight's default; set default_timeout in [tool.llmsight] to change it"


def suggested_max_tokens(site: CallSite, ctx: FileContext) -> tuple[int, str]:
    """Output cap for a fix: `default_max_tokens` from config, else the p99 output tokens in traffic
    plus 25% headroom, else 1024."""
    if ctx.config.default_max_tokens:
        return ctx.config.default_max_tokens, "default_max_tokens from config"
    p99 = _traffic_figure(ctx, "p99_output_tokens", site)
    if p99 is not None:
        return int(math.ceil(p99 * 1.25)), f"p99 output of {p99:.0f} tokens in traffic, plus 25%"
    return FALLBACK_MAX_TOKENS, "llmsight's default; set default_max_tokens in [tool.llmsight] to change it"


def number(value: float) -> str:
    """Source text of a number: `30`, not `30.0`."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


# ---- reading the file -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Imports:
    """Local name → qualified name of everything the file imports (any scope)."""

    names: dict[str, str]

    @classmethod
    def of(cls, ctx: FileContext) -> "Imports":
        return ctx.memo("imports", lambda: cls.scan(ctx.tree, ctx.source))

    @classmethod
    def scan(cls, tree: ast.Module, source: str | None = None) -> "Imports":
        """The imports of `tree`; with its `source`, only the blocks whose lines hold `import` are entered."""
        names: dict[str, str] = {}
        for node in iter_statements(tree.body, lines_holding(source, "import") if source is not None else None):
            if isinstance(node, ast.Import):
                for a in node.names:
                    if a.asname:
                        names[a.asname] = a.name
                    else:
                        names.setdefault(a.name.split(".")[0], a.name.split(".")[0])
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                for a in node.names:
                    names[a.asname or a.name] = f"{node.module}.{a.name}"
        return cls(names)

    def local_name_for(self, qualname: str) -> str | None:
        """A name in this file bound to `qualname` (`types` for google.genai.types)."""
        return next((local for local, q in self.names.items() if q == qualname), None)

    def qualify(self, node: ast.AST) -> str | None:
        """Qualified name of a dotted expression whose head is an import (`genai.Client`)."""
        parts: list[str] = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name) or node.id not in self.names:
            return None
        return ".".join([self.names[node.id], *reversed(parts)])


def parents(ctx: FileContext, node: ast.AST) -> dict[ast.AST, ast.AST]:
    """The child → parent map of the file, complete for the top-level statement holding `node` (maps
    are built per top-level statement, on the context rules share, when a rule first asks)."""
    body = ctx.tree.body
    line = getattr(node, "lineno", 0)
    starts = [min([s.lineno] + [d.lineno for d in getattr(s, "decorator_list", ())]) for s in body]
    i = bisect.bisect_right(starts, line) - 1
    if i >= 0 and body[i] not in ctx.parents:
        top = body[i]
        ctx.parents[top] = ctx.tree
        ctx.parents.update((child, parent) for parent in ast.walk(top) for child in ast.iter_child_nodes(parent))
    return ctx.parents


def file_binds(tree: ast.Module, name: str) -> bool:
    """Whether `name` is assigned, imported or defined anywhere in the file."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store) and node.id == name:
            return True
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.name == name:
            return True
        if isinstance(node, (ast.Import, ast.ImportFrom)) and any(
                (a.asname or a.name.split(".")[0]) == name for a in node.names):
            return True
    return False


def ensure_import(ctx: FileContext, module: str, name: str | None = None, alias: str | None = None,
                  near: ast.AST | None = None) -> tuple[str, Edit | None]:
    """The local name to use for `module` (or `module.name`) and the import edit if it is missing.

    In a notebook the import goes at the top of the cell holding `near` (the code the fix edits), so
    one fix edits one cell and that cell runs on its own."""
    imports = Imports.of(ctx)
    qual = f"{module}.{name}" if name else module
    local = imports.local_name_for(qual)
    if local is not None:
        return local, None
    if name is None:
        return module, _import_edit(ctx, f"import {module}", near)
    local = name
    if file_binds(ctx.tree, name) and alias:
        local = alias
    statement = f"from {module} import {name}" + (f" as {local}" if local != name else "")
    return local, _import_edit(ctx, statement, near)


def _import_edit(ctx: FileContext, statement: str, near: ast.AST | None) -> Edit | None:
    if not ctx.srcmap.cell_starts or near is None:
        return import_edit(ctx, statement)
    if any(line.strip() == statement for line in ctx.lines):
        return None
    cell, _ = ctx.srcmap.cell_of_line(near.lineno)  # type: ignore[attr-defined]
    line = ctx.srcmap.virtual_line(cell, 1)
    for stmt in ctx.tree.body:
        if stmt.lineno < line or ctx.srcmap.cell_of_line(stmt.lineno)[0] != cell:
            continue
        if not isinstance(stmt, (ast.Import, ast.ImportFrom)):
            break
        line = (stmt.end_lineno or stmt.lineno) + 1
    return insert_before_line(ctx, line, statement)


def client_call(ctx: FileContext, site: CallSite) -> ast.Call | None:
    return ctx.client_nodes.get(site.id)


def callee_name(call: ast.Call) -> str | None:
    f = call.func
    return f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else None


def constructor_text(ctx: FileContext, call: ast.Call) -> str:
    """`ollama.Client(...)`: how a fix title names a constructor."""
    return f"{ctx.segment(call.func)}(...)"


def client_class(ctx: FileContext, site: CallSite) -> str | None:
    node = client_call(ctx, site)
    return callee_name(node) if node is not None else None


def keyword(call: ast.Call, name: str) -> ast.keyword | None:
    return next((k for k in call.keywords if k.arg == name), None)


def has_opaque_splat(call: ast.Call) -> bool:
    """`f(**kwargs)` whose keys we cannot see: adding a keyword could duplicate one at run time."""
    return any(k.arg is None and not isinstance(k.value, ast.Dict) for k in call.keywords)


# ---- edits ------------------------------------------------------------------------------------------------

def keyword_fix(ctx: FileContext, call: ast.Call, kwargs: dict[str, str], title: str,
                extra: tuple[Edit | None, ...] = (), replace: bool = False) -> Fix:
    """An unsafe fix adding keywords to `call` (display-only when `**kwargs` could already hold them,
    or when the call runs the request in an executor that does not pass keywords on); `replace`
    overwrites a keyword the call already states (a `timeout=None`)."""
    # imported here: importing the rules (a warm `llm-lint check` only reads their codes) needs no discovery
    from llmsight.analysis.discover import hands_over_request

    if has_opaque_splat(call):
        return Fix(f"{title} (not applied automatically: the call passes **kwargs)", (), "display-only")
    if callee_name(call) in _NO_KEYWORD_RUNNERS or hands_over_request(call):
        return Fix(f"{title} (inside the function given to {callee_name(call) or 'the call'})", (), "display-only")
    edits = (set_call_keywords(ctx, call, kwargs, replace=replace), *(e for e in extra if e is not None))
    return Fix(title, edits, "unsafe")


def set_dict_keys(ctx: FileContext, node: ast.Dict, items: dict[str, str]) -> Edit:
    """Edit adding `"key": value` entries (values are source text) to a dict literal, keeping its layout.

    A key the dict already has is left as it is (as `set_call_keywords(replace=False)` leaves a
    keyword), so applying the edit again changes nothing."""
    text = ctx.segment(node)
    parsed = cst.parse_expression(text)
    assert isinstance(parsed, cst.Dict)
    elements = list(parsed.elements)
    present = {k.value for k in node.keys if isinstance(k, ast.Constant)}
    items = {key: value for key, value in items.items() if key not in present}
    quote = '"'
    for el in elements:
        if isinstance(el, cst.DictElement) and isinstance(el.key, cst.SimpleString):
            quote = el.key.quote
            break
    for key, value in items.items():
        new = cst.DictElement(cst.SimpleString(f"{quote}{key}{quote}"), cst.parse_expression(value))
        if elements:
            last = elements[-1]
            if len(elements) >= 2 and isinstance(elements[-2].comma, cst.Comma):
                sep = elements[-2].comma.whitespace_after
            elif "\n" in cst.Module([]).code_for_node(parsed.lbrace):
                sep = parsed.lbrace.whitespace_after
            else:
                sep = cst.SimpleWhitespace(" ")
            elements[-1] = last.with_changes(comma=cst.Comma(whitespace_after=sep))
            new = new.with_changes(comma=last.comma)
        elements.append(new)
    return narrowed_edit(ctx, node, text, cst.Module([]).code_for_node(parsed.with_changes(elements=elements)))


def add_to_mapping_argument(ctx: FileContext, call: ast.Call, arg: str, key: str, value: str,
                            title: str) -> Fix:
    """Put `key` into the call's `arg=` mapping: a dict literal or a `SomeConfig(...)` call gets the key;
    no `arg=` at all gets `arg={"key": value}`; anything else (a variable) is a display-only suggestion."""
    kw = keyword(call, arg)
    if kw is None:
        return keyword_fix(ctx, call, {arg: f'{{"{key}": {value}}}'}, title)
    if isinstance(kw.value, ast.Dict) and all(k is not None for k in kw.value.keys):
        return Fix(title, (set_dict_keys(ctx, kw.value, {key: value}),), "unsafe")
    if isinstance(kw.value, ast.Call) and not has_opaque_splat(kw.value):
        return Fix(title, (set_call_keywords(ctx, kw.value, {key: value}, replace=False),), "unsafe")
    return Fix(f"{title} (add it where `{arg}` is built)", (), "display-only")
