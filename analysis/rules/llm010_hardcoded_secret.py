"""LLM010: an API key written into the source; the message names its kind and place, never its text."""
from __future__ import annotations

import ast
import bisect
import io
import re
import tokenize
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Iterable, Iterator

from llmsight.analysis import sdks
from llmsight.analysis.context import FileContext
from llmsight.analysis.fixes import replace_node
from llmsight.analysis.modules import iter_statements, spans_line
from llmsight.analysis.rules._sdk_fixes import Imports, ensure_import
from llmsight.analysis.secrets import KEY_PREFIXES, KeyKind, contains_provider_key, looks_random, provider_key
from llmsight.analysis.rules.base import Invalid, Rule, Valid
from llmsight.records import Diagnostic, Fix

# names (keywords, variables, attributes, dict keys) that say "this is a credential"
_CREDENTIAL_NAME = re.compile(
    r"(?i)(?:^|[_\-.])(?:api_?key|apikey|api-key|secret(?:_access)?_key|secret|access_?key(?:_id)?|"
    r"(?:access|auth|api|session|bearer)_?token|token)$")
_AUTH_HEADERS = re.compile(r"(?i)^(?:authorization|x-api-key|api-key|x-goog-api-key)$")
# SDK module (top-level import name) -> the variable its client reads the key from
_SDK_ENV = {
    "openai": "OPENAI_API_KEY", "anthropic": "ANTHROPIC_API_KEY", "google": "GOOGLE_API_KEY",
    "vertexai": "GOOGLE_API_KEY", "groq": "GROQ_API_KEY", "cohere": "CO_API_KEY", "mistralai": "MISTRAL_API_KEY",
    "together": "TOGETHER_API_KEY", "langchain_openai": "OPENAI_API_KEY", "langchain_anthropic": "ANTHROPIC_API_KEY",
    "langchain_google_genai": "GOOGLE_API_KEY", "langchain_groq": "GROQ_API_KEY",
    "langchain_mistralai": "MISTRAL_API_KEY", "langchain_cohere": "CO_API_KEY", "langchain_together": "TOGETHER_API_KEY",
    "langchain_xai": "XAI_API_KEY", "langchain_deepseek": "DEEPSEEK_API_KEY", "langchain_fireworks": "FIREWORKS_API_KEY",
}
_SDK_LABEL = {"OPENAI_API_KEY": "OpenAI", "ANTHROPIC_API_KEY": "Anthropic", "GOOGLE_API_KEY": "Google",
              "GROQ_API_KEY": "Groq", "CO_API_KEY": "Cohere", "MISTRAL_API_KEY": "Mistral",
              "TOGETHER_API_KEY": "Together", "XAI_API_KEY": "xAI", "DEEPSEEK_API_KEY": "DeepSeek",
              "FIREWORKS_API_KEY": "Fireworks", "AZURE_OPENAI_API_KEY": "Azure OpenAI"}
_AWS_KEYWORDS = {"aws_access_key_id": "AWS access key ID", "aws_secret_access_key": "AWS secret access key",
                 "aws_session_token": "AWS session token"}
_ENV_NAME = re.compile(r"[A-Z][A-Z0-9_]*[A-Z0-9]")
# cheap text tests before walking the tree: a provider key prefix, a credential name given a literal
# (`api_key="…"`, `"Authorization": "…"`), or an environment lookup with a default
_KEY_START = re.compile("(?:%s)[\\w-]{16}" % "|".join(map(re.escape, KEY_PREFIXES)))
_ENV_DEFAULT = re.compile(r"(?:getenv|environ\.get)\(\s*['\"][^'\"]*['\"]\s*,\s*[rbuRBU]?['\"]")
_CREDENTIAL_WORDS = ("key", "secret", "token", "authorization")
_GIVEN_LITERAL = re.compile(r"['\"]?[ \t]*[:=][ \t]*[rbuRBU]?['\"]")
_NESTED_BODIES = frozenset({"body", "orelse", "finalbody"})
_CLAUSES = frozenset({"handlers", "cases"})
_LLM_ROOTS = sdks.SDK_ROOT_PACKAGES - {"requests", "httpx", "aiohttp"}


@dataclass
class Finding:
    node: ast.Constant          # the literal
    kind: KeyKind
    replace: ast.AST | None     # what the fix replaces (the literal, or a whole `os.getenv(..., "key")`)
    template: str = "{env}"     # the replacement around `os.environ[...]` ("Bearer " + …)


class HardcodedSecret(Rule):
    """## What it does
    Flags an API key written into the source of a file that uses an LLM SDK: passed as `api_key=`,
    `aws_secret_access_key=` or an `Authorization: Bearer …` header, assigned to a name like
    `OPENAI_API_KEY` or `openai.api_key`, given as the default of `os.getenv`, or any literal or
    comment in a provider's key format (`sk-proj-…`, `sk-ant-…`, `AIza…`, `gsk_…`, `hf_…`, `xai-…`,
    AWS `AKIA…`).
    Placeholders such as `"sk-..."`, `"your-api-key"` or `"<KEY>"` are ignored.

    The message says only where the key is and what kind it is: llmsight never prints, stores or
    sends any character of it.

    ## Why is this bad
    Source code is copied to laptops, CI logs, forks and LLM context windows, and git history keeps a
    key after it is deleted. Provider scanners revoke leaked keys, and until then anyone holding
    the code spends your quota. A key in the environment (or a secret manager) can be rotated
    without a code change and differs per environment.

    ## Example
    ```python
    client = OpenAI(api_key="sk-proj-…")
    ```

    ## Use instead
    ```python
    client = OpenAI(api_key=os.environ["OPENAI_API_KEY"])  # or just OpenAI(): it reads the variable
    ```
    Then revoke the key that was in the code: it is in the history.

    ## Fix safety
    Unsafe: the program now needs the environment variable (named after the provider: `OPENAI_API_KEY`,
    `ANTHROPIC_API_KEY`, `GOOGLE_API_KEY`, `AWS_SECRET_ACCESS_KEY`…) and fails with `KeyError` where
    it is unset. A key inside a longer string (a URL, an f-string) gets a display-only suggestion.
    """

    code = "LLM010"
    name = "hardcoded-secret"
    severity = "error"
    summary = "API key literal in source (the message never shows it)"

    VALID = [
        Valid("""
            import os
            from openai import OpenAI
            client = OpenAI(api_key=os.environ["OPENAI_API_KEY"])
        """),
        Valid("""
            from anthropic import Anthropic
            client = Anthropic(api_key="sk-ant-...")  # placeholder from the README
        """),
        Valid("""
            from openai import OpenAI
            OPENAI_API_KEY = "your-api-key-here"
            local = OpenAI(base_url="http://localhost:11434/v1", api_key="ollama")
        """),
        Valid("""
            import os
            import litellm
            litellm.completion("gpt-4o", messages=[], api_key=os.getenv("OPENAI_API_KEY", ""))
        """),
        Valid("""
            from openai import OpenAI
            client = OpenAI(api_key="sk-1234567890abcdefghijklmnopqrstuvwxyz1234")
        """),
        Valid("""
            # no LLM SDK in this file: not this rule's business
            STRIPE_API_KEY = "rk_live_9f8e7d6c5b4a39281706f5e4d3c2b1a0"
        """),
    ]
    INVALID = [
        Invalid("""
            from openai import OpenAI
            client = OpenAI(api_key="sk-proj-Q3h8ZtLw0vXb7NcR2yKm5PaE9sJdUf4GiT6oHn1Bq")
        """, expected_fix="""
            import os

            from openai import OpenAI
            client = OpenAI(api_key=os.environ["OPENAI_API_KEY"])
        """, message="OpenAI API key literal"),
        Invalid("""
            import anthropic
            ANTHROPIC_KEY = "sk-ant-api03-Zk4mW8pQ2rT6vY0bN3cF7hJ1sL5xD9gE2aU6iO0eR4tY8uP"
            client = anthropic.Anthropic(api_key=ANTHROPIC_KEY)
        """, expected_fix="""
            import os

            import anthropic
            ANTHROPIC_KEY = os.environ["ANTHROPIC_API_KEY"]
            client = anthropic.Anthropic(api_key=ANTHROPIC_KEY)
        """, message="Anthropic API key literal"),
        Invalid("""
            import requests
            import os
            headers = {"Authorization": "Bearer gsk_R7tY2uI9oP4aS1dF6gH3jK8lZ5xC0vB7nM2qW9eR4tY1uI6o"}
            requests.post("https://api.groq.com/openai/v1/chat/completions", headers=headers, json={}, timeout=30)
        """, expected_fix="""
            import requests
            import os
            headers = {"Authorization": "Bearer " + os.environ["GROQ_API_KEY"]}
            requests.post("https://api.groq.com/openai/v1/chat/completions", headers=headers, json={}, timeout=30)
        """, message="Groq API key literal"),
        Invalid("""
            import boto3
            runtime = boto3.client(
                "bedrock-runtime",
                aws_access_key_id="AKIAQ7RZ4XK2M9TWPL3B",
                aws_secret_access_key="wJ8rXuT2nFq5Lk9ZpB3vYc7Hs1Dm4Ge6Ra0Nx2Vt",
            )
        """, expected_fix="""
            import os

            import boto3
            runtime = boto3.client(
                "bedrock-runtime",
                aws_access_key_id=os.environ["AWS_ACCESS_KEY_ID"],
                aws_secret_access_key="wJ8rXuT2nFq5Lk9ZpB3vYc7Hs1Dm4Ge6Ra0Nx2Vt",
            )
        """, message="AWS secret access key literal"),
        Invalid("""
            import os
            from google import genai
            client = genai.Client(api_key=os.getenv("GEMINI_API_KEY", "AIzaSyD4kR9vT2mX7qB1nW5cH8jL3pZ6sF0gE4y"))
        """, expected_fix="""
            import os
            from google import genai
            client = genai.Client(api_key=os.environ["GEMINI_API_KEY"])
        """, message="Google API key literal"),
        Invalid("""
            import openai
            openai.api_key = "k9Vx2Lr7Qm4Tz8Wb1Nc6Hy3Pd5Js0Fa"
        """, expected_fix="""
            import os

            import openai
            openai.api_key = os.environ["OPENAI_API_KEY"]
        """, message="OpenAI API key literal"),
        Invalid("""
            from openai import OpenAI
            # client = OpenAI(api_key="sk-proj-Q3h8ZtLw0vXb7NcR2yKm5PaE9sJdUf4GiT6oHn1Bq")
            client = OpenAI()
        """, message="OpenAI API key in a comment"),
        Invalid("""
            from langchain_openai import ChatOpenAI
            URL = "https://generativelanguage.googleapis.com/v1beta/models?key=AIzaSyD4kR9vT2mX7qB1nW5cH8jL3pZ6sF0gE4y"
        """, message="Google API key literal"),
    ]

    def check(self, ctx: FileContext) -> Iterable[Diagnostic]:
        imports = Imports.of(ctx)
        if not ctx.sites and not any(q.split(".")[0] in _LLM_ROOTS for q in imports.names.values()):
            return   # first: most files the prefilter keeps are not scanned for keys at all
        lines = _candidate_lines(ctx.source)
        if not lines:
            return
        for f in self._findings(ctx.tree, imports, lines):
            message = (f"{f.kind.label} literal in source: anyone with the code or its git history can use it; "
                       f"read it from the environment and revoke this key")
            yield ctx.diagnostic(self, f.node, message, None, (self._fix(ctx, f),))
        for where, kind in _keys_in_comments(ctx.source):
            message = (f"{kind.label} in a comment: anyone with the code or its git history can use it; "
                       f"delete it and revoke this key")
            yield ctx.diagnostic(self, where, message, None, (Fix("Delete the key from the comment", (), "display-only"),))

    # ---- where keys are ----------------------------------------------------------------------------
    def _findings(self, tree: ast.Module, imports: Imports, lines: list[int]) -> Iterator[Finding]:
        """Credential contexts (seen before the literals inside them), then any literal in a provider's
        key format, in the statements that hold a candidate line."""
        seen: set[int] = set()
        for node in _nodes_on_lines(tree, lines):
            found: Iterable[Finding] = ()
            if isinstance(node, ast.Call):
                found = self._in_call(node, imports)
            elif isinstance(node, (ast.Assign, ast.AnnAssign)) and isinstance(node.value, ast.Constant):
                found = self._in_assignment(node, imports)
            elif isinstance(node, ast.Dict):
                found = (f for key, value in zip(node.keys, node.values)
                         if isinstance(key, ast.Constant) and isinstance(key.value, str)
                         and isinstance(value, ast.Constant) for f in self._in_header(key.value, value))
            elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in seen:
                kind = provider_key(node.value.strip())
                if kind is not None:
                    found = (Finding(node, kind, node),)
                elif (kind := contains_provider_key(node.value)) is not None:
                    found = (Finding(node, kind, None),)
            for f in found:
                if id(f.node) not in seen:
                    seen.add(id(f.node))
                    yield f

    @staticmethod
    def _in_assignment(node: ast.Assign | ast.AnnAssign, imports: Imports) -> Iterator[Finding]:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        for target in targets:
            name = _target_name(target)
            kind = _classify(node.value, name, _env_for_name(name, imports))  # type: ignore[arg-type]
            if kind is not None:
                # `os.environ["X"] = "key"`: reading the variable it sets is no fix (display-only)
                yield Finding(node.value, kind, None if _is_environ_item(target) else node.value)  # type: ignore[arg-type]

    def _in_call(self, call: ast.Call, imports: Imports) -> Iterator[Finding]:
        env_default = _getenv_name(call)
        if env_default is not None and len(call.args) >= 2 and isinstance(call.args[1], ast.Constant):
            kind = _classify(call.args[1], env_default, env_default, env_is_named=True)
            if kind is not None:
                yield Finding(call.args[1], kind, call)
        sdk_env = None
        for kw in call.keywords:
            if kw.arg is None or not isinstance(kw.value, ast.Constant) or not isinstance(kw.value.value, str):
                continue
            if sdk_env is None:
                sdk_env = _sdk_env(call, imports) or ""
            if kw.arg in _AWS_KEYWORDS:
                kind = _classify(kw.value, kw.arg, kw.arg.upper(), label=_AWS_KEYWORDS[kw.arg])
            else:
                kind = _classify(kw.value, kw.arg, sdk_env or None)
            if kind is not None:
                yield Finding(kw.value, kind, kw.value)

    @staticmethod
    def _in_header(key: str, value: ast.Constant) -> Iterator[Finding]:
        if not _AUTH_HEADERS.match(key) or not isinstance(value.value, str):
            return
        text = value.value.strip()
        prefix = next((p for p in ("Bearer ", "bearer ", "Token ") if text.startswith(p)), "")
        token = text[len(prefix):].strip()
        kind = provider_key(token) or (KeyKind("API key", None) if looks_random(token) else None)
        if kind is not None:
            yield Finding(value, kind, value, f'"{prefix}" + {{env}}' if prefix else "{env}")

    # ---- the fix -------------------------------------------------------------------------------------
    @staticmethod
    def _fix(ctx: FileContext, f: Finding) -> Fix:
        env = f.kind.env
        if f.replace is None or env is None:
            what = f"an environment variable ({env})" if env else "an environment variable"
            return Fix(f"Move the key to {what} and read it with os.environ", (), "display-only")
        os_name, import_ = ensure_import(ctx, "os", near=f.node)
        lookup = f'{os_name}.environ["{env}"]'
        edits = [replace_node(ctx, f.replace, f.template.format(env=lookup))]
        if import_ is not None:
            edits.append(import_)
        return Fix(f'Read the key from the environment: {lookup}', tuple(edits), "unsafe")


# ---- helpers --------------------------------------------------------------------------------------------

def _keys_in_comments(source: str) -> Iterator[tuple[SimpleNamespace, KeyKind]]:
    """Provider-format keys in comments (commented-out code), with the comment's position."""
    if not _KEY_START.search(source):
        return
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError):
        return
    for tok in tokens:
        if tok.type == tokenize.COMMENT and (kind := contains_provider_key(tok.string)) is not None:
            (line, start), (end_line, end) = tok.start, tok.end
            text = tok.line.split("\n")[0]
            yield SimpleNamespace(lineno=line, col_offset=len(text[:start].encode()), end_lineno=end_line,
                                  end_col_offset=len(text[:end].encode())), kind


def _candidate_lines(source: str) -> list[int]:
    """Lines that may hold a key this rule reports: a provider key prefix, a credential name given a
    literal, an environment lookup with a literal default. Most files have none and are not walked."""
    lowered = source.lower()
    offsets = []
    for word in _CREDENTIAL_WORDS:  # str.find in C: a case-insensitive regex alternation is far slower
        i = lowered.find(word)
        while i != -1:
            end = i + len(word)
            if _GIVEN_LITERAL.match(source, end):
                offsets.append(end)
            i = lowered.find(word, end)
    offsets.extend(m.start() for m in _KEY_START.finditer(source))
    if "getenv(" in source or "environ.get(" in source:
        offsets.extend(m.start() for m in _ENV_DEFAULT.finditer(source))
    if not offsets:
        return []
    if len(offsets) <= 50:
        return sorted({source.count("\n", 0, off) + 1 for off in offsets})
    newlines = [m.start() for m in re.finditer("\n", source)]
    return sorted({bisect.bisect_left(newlines, off) + 1 for off in offsets})


def _nodes_on_lines(tree: ast.Module, lines: list[int]) -> Iterator[ast.AST]:
    """Every statement spanning one of `lines`, with its own expressions (parents before children)."""
    for stmt in iter_statements(tree.body, lines):
        if spans_line(stmt, lines):
            yield stmt
            yield from _own_expressions(stmt)


def _own_expressions(node: ast.AST) -> Iterator[ast.AST]:
    """The expressions of a statement, not of the statements nested in it; an `except` clause's type and a
    `case`'s pattern and guard count as their statement's."""
    for name, value in ast.iter_fields(node):
        for child in value if isinstance(value, list) else [value]:
            if not isinstance(child, ast.AST):
                continue
            if name in _CLAUSES:
                yield from _own_expressions(child)
            elif name not in _NESTED_BODIES:
                yield from ast.walk(child)


def _classify(node: ast.Constant, name: str | None, env: str | None, label: str | None = None,
              env_is_named: bool = False) -> KeyKind | None:
    """The kind of key a literal is, given the name the code gives it (None: not a key).

    A provider-format key is read from its provider's variable, unless the code itself names the
    variable (`os.getenv("GEMINI_API_KEY", "AIza…")`)."""
    if not isinstance(node.value, str):
        return None
    text = node.value.strip()
    kind = provider_key(text)
    if kind is not None:
        return KeyKind(kind.label, env if env_is_named and env else kind.env)
    if name is None or not _CREDENTIAL_NAME.search(name) or not looks_random(text):
        return None
    if label is None:
        provider = _SDK_LABEL.get(env or "")
        label = f"{provider} API key" if provider else "API key"
    return KeyKind(label, env)


def _target_name(target: ast.AST) -> str | None:
    if isinstance(target, ast.Name):
        return target.id
    if isinstance(target, ast.Attribute):
        return target.attr
    if isinstance(target, ast.Subscript) and isinstance(target.slice, ast.Constant) and isinstance(target.slice.value, str):
        return target.slice.value
    return None


def _is_environ_item(target: ast.AST) -> bool:
    """`os.environ["X"] = "key"`: the fix cannot read the variable it is meant to set (display-only)."""
    return isinstance(target, ast.Subscript) and isinstance(target.value, ast.Attribute) and target.value.attr == "environ"


def _env_for_name(name: str | None, imports: Imports) -> str | None:
    """`OPENAI_API_KEY = …` keeps its name; `openai.api_key = …` reads OPENAI_API_KEY."""
    if name is None:
        return None
    if _ENV_NAME.fullmatch(name) and _CREDENTIAL_NAME.search(name):
        return name
    roots = {q.split(".")[0] for q in imports.names.values()}
    envs = {_SDK_ENV[r] for r in roots if r in _SDK_ENV}
    return envs.pop() if len(envs) == 1 else None


def _getenv_name(call: ast.Call) -> str | None:
    """`os.getenv("X", default)` / `os.environ.get("X", default)`: the variable name."""
    f = call.func
    is_getenv = isinstance(f, ast.Attribute) and (f.attr == "getenv" or (
        f.attr == "get" and isinstance(f.value, ast.Attribute) and f.value.attr == "environ"))
    if is_getenv and call.args and isinstance(call.args[0], ast.Constant) and isinstance(call.args[0].value, str):
        return call.args[0].value
    return None


def _sdk_env(call: ast.Call, imports: Imports) -> str | None:
    """The key variable of the SDK whose constructor or function `call` is (`OpenAI(...)` → OPENAI_API_KEY)."""
    qual = imports.qualify(call.func)
    if qual is None:
        return None
    if qual.rsplit(".", 1)[-1].startswith(("AzureOpenAI", "AsyncAzureOpenAI", "AzureChatOpenAI")):
        return "AZURE_OPENAI_API_KEY"
    return _SDK_ENV.get(qual.split(".")[0])
