"""The edit that tells llmsight which models a call sends when the code cannot say: the pragma
`# llmsight: model=a|b` on the call's first line, or a `"<site id>" = "a|b"` entry under
`[tool.llmsight.models]`. Both are read back by discovery (`SiteBuilder._user_model`), so the edit is
checked by parsing what it wrote, never trusted to be right."""
from __future__ import annotations

import io
import json
import re
import tokenize
from typing import Sequence

from llmsight.analysis.context import parse_pragma
from llmsight.config import ConfigError
from llmsight.records import Edit, Span

# what a pragma value can hold: no space, comma, bar, comment sign or quote (they end or split it)
_MODEL_NAME = re.compile(r"[^\s,|#'\"\\]{1,200}")
_MODEL_DIRECTIVE = re.compile(r"(?P<head>\bmodel\s*=\s*)[^,\s#]+")
_MODELS_HEADER = re.compile(r"\s*\[\s*tool\s*\.\s*llmsight\s*\.\s*models\s*\]\s*(?:#.*)?$")
_PLAIN_MODELS_HEADER = re.compile(r"\s*\[\s*models\s*\]\s*(?:#.*)?$")
_TABLE_HEADER = re.compile(r"\s*\[")


MAX_MODELS = 20


def model_names(models: str | Sequence[str]) -> tuple[str, ...]:
    """The models as a tuple (`"a|b"` or `["a", "b"]`), each one a name a pragma can hold, none a key."""
    from llmsight.analysis.secrets import contains_provider_key, redact

    names = models.split("|") if isinstance(models, str) else list(models)
    names = [n.strip() if isinstance(n, str) else n for n in names]
    if not names or len(names) > MAX_MODELS or any(not isinstance(n, str) or not _MODEL_NAME.fullmatch(n)
                                                   for n in names):
        shown = redact(models)[:80] if isinstance(models, str) else "given"
        raise ConfigError(f"models {shown!r}: give 1 to {MAX_MODELS} model names separated by |, each without "
                          "spaces, commas, quotes or #")
    if any(contains_provider_key(n) for n in names):
        raise ConfigError("models: one of the names looks like an API key, not a model; nothing was written")
    return tuple(dict.fromkeys(names))


def _comment_and_end(text: str, line: int) -> tuple[tokenize.TokenInfo | None, bool]:
    """(the comment on `line`, whether the line ends where a comment may follow). A line that ends inside
    a string or with a backslash continuation has no NEWLINE/NL token of its own."""
    comment, ends = None, False
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.start[0] > line:
                break
            if tok.start[0] == line and tok.type == tokenize.COMMENT:
                comment = tok
            if tok.start[0] == line and tok.type in (tokenize.NEWLINE, tokenize.NL):
                ends = True
    except (tokenize.TokenError, SyntaxError):
        pass   # an unterminated construct further down: the line's own tokens were already read
    return comment, ends


def pragma_edit(text: str, span: Span, models: tuple[str, ...]) -> Edit:
    """The edit of the call's first line of `text` (a file, or a notebook cell) that makes its pragma
    say `model=a|b`, keeping any other directive and comment on that line."""
    lines = text.splitlines()
    if not 0 < span.start_line <= len(lines):
        raise ConfigError(f"{span.path}:{span.start_line}: the call's line is not in the file; re-check it")
    line_no, line = span.start_line, lines[span.start_line - 1]
    value = "|".join(models)
    comment, ends = _comment_and_end(text, line_no)
    if comment is not None:
        start, body = comment.start[1], comment.string
        marker = body.find("llmsight:")
        directive = _MODEL_DIRECTIVE.search(body, marker) if marker >= 0 else None
        if directive is not None:
            new_body = body[:directive.start()] + directive.group("head") + value + body[directive.end():]
        elif marker >= 0:
            at = marker + len("llmsight:")
            new_body = f"{body[:at]} model={value},{body[at:]}"
        else:
            new_body = f"{body}  # llmsight: model={value}"
        edit = Edit(Span(span.path, line_no, start + 1, line_no, start + len(body) + 1, span.cell), new_body)
    elif ends:
        end = len(line.rstrip())
        edit = Edit(Span(span.path, line_no, end + 1, line_no, len(line) + 1, span.cell),
                    f"  # llmsight: model={value}")
    else:
        raise ConfigError(f"{span.path}:{line_no}: the call's first line ends inside a string or a line "
                          "continuation, where a comment cannot go; set the model under [tool.llmsight.models]")
    new_line = line[:edit.span.start_col - 1] + edit.new_text + line[edit.span.end_col - 1:]
    pragma = parse_pragma(new_line)
    if pragma is None or pragma.models != models:
        raise ConfigError(f"{span.path}:{line_no}: the comment on the call's line would not read as "
                          f"model={value}; set the model under [tool.llmsight.models]")
    return edit


def config_edit(text: str, path: str, key: str, models: tuple[str, ...]) -> Edit:
    """The edit of a config file's text that sets `"<key>" = "a|b"` in its models table, replacing the
    key's old entry: `[tool.llmsight.models]` in pyproject.toml (or a file with a `[tool]` table, as
    `load_config` reads it), else `[models]` (an llmsight config given with --config)."""
    import tomllib

    try:
        tool_table = path.rsplit("/", 1)[-1] == "pyproject.toml" or "tool" in tomllib.loads(text)
    except (tomllib.TOMLDecodeError, ValueError, RecursionError) as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc}); fix it before setting a model there") from exc
    header, pattern = (("[tool.llmsight.models]", _MODELS_HEADER) if tool_table
                       else ("[models]", _PLAIN_MODELS_HEADER))
    entry = f"{json.dumps(key, ensure_ascii=False)} = {json.dumps('|'.join(models), ensure_ascii=False)}"
    lines = text.splitlines()
    at = next((i for i, l in enumerate(lines) if pattern.match(l)), None)
    if at is None:   # a new table at the end of the file
        if not text:
            span, new_text = Span(path, 1, 1, 1, 1), f"{header}\n{entry}\n"
        elif text.endswith("\n"):
            span, new_text = Span(path, len(lines) + 1, 1, len(lines) + 1, 1), f"\n{header}\n{entry}\n"
        else:
            end = len(lines[-1]) + 1
            span, new_text = Span(path, len(lines), end, len(lines), end), f"\n\n{header}\n{entry}\n"
    else:
        last = at
        old = None
        for i in range(at + 1, len(lines)):
            if _TABLE_HEADER.match(lines[i]):
                break
            if lines[i].strip():
                last = i
                if _entry_key(lines[i]) == key:
                    old = i
        target = old if old is not None else last
        if old is not None:
            span = Span(path, target + 1, 1, target + 1, len(lines[target]) + 1)
            new_text = entry
        else:
            span = Span(path, target + 1, len(lines[target]) + 1, target + 1, len(lines[target]) + 1)
            new_text = "\n" + entry
    new = _apply(text, span, new_text)
    try:
        data = tomllib.loads(new)
    except (tomllib.TOMLDecodeError, ValueError, RecursionError) as exc:
        raise ConfigError(f"{path}: adding {entry} under {header} would not be valid TOML ({exc}); "
                          "fix the file or add the entry by hand") from exc
    table = data
    for part in ("tool", "llmsight") if tool_table else ():
        table = table.get(part) if isinstance(table, dict) else None
    if not isinstance(table, dict) or not isinstance(table.get("models"), dict) \
            or table["models"].get(key) != "|".join(models):
        raise ConfigError(f"{path}: its models table is written in a form llmsight does not edit; add "
                          f"{entry} under {header} by hand")
    return Edit(span, new_text)


def _entry_key(line: str) -> str | None:
    """The key of a `"key" = value` or `key = value` line of a TOML table."""
    stripped = line.strip()
    if stripped.startswith('"'):
        try:
            key, _end = json.JSONDecoder().raw_decode(stripped)
        except ValueError:
            return None
        return key if isinstance(key, str) else None
    return stripped.split("=", 1)[0].strip().strip("'") if "=" in stripped else None


def _apply(text: str, span: Span, new_text: str) -> str:
    lines = text.splitlines(keepends=True)
    offsets = [0]
    for l in lines:
        offsets.append(offsets[-1] + len(l))

    def offset(line: int, col: int) -> int:
        return (offsets[line - 1] if line - 1 < len(offsets) else len(text)) + col - 1

    return text[:offset(span.start_line, span.start_col)] + new_text + text[offset(span.end_line, span.end_col):]
