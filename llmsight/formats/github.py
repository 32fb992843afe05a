"""`--format github`: GitHub Actions workflow commands, shown as annotations on the pull request.

`::warning file=app/x.py,line=12,col=5,endLine=12,endColumn=40,title=LLM001 missing-timeout::message`.
Severity maps to `error` / `warning` / `notice`. A notebook finding is annotated on the file without a
line (lines inside a cell are not lines of the `.ipynb`); the cell and line are in the message.
"""
from __future__ import annotations

from llmsight.formats._common import cell_label, fixable_counts, ordered, plural
from llmsight.records import CheckResult, Diagnostic, FileError

COMMANDS = {"error": "error", "warning": "warning", "info": "notice", "hint": "notice"}


def escape_data(text: str) -> str:
    """Escape a command's message (the runner decodes %25, %0D, %0A)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a property value: as a message, plus `:` and `,`, which end a property."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(name: str, properties: dict[str, object], message: str) -> str:
    props = ",".join(f"{k}={escape_property(str(v))}" for k, v in properties.items() if v is not None)
    return f"::{name} {props}::{escape_data(message)}" if props else f"::{name}::{escape_data(message)}"


def _annotation(d: Diagnostic) -> str:
    s = d.span
    title = f"{d.code} {d.name}"
    if s.cell is not None:
        where = f"{cell_label(s.cell)}, line {s.start_line}, column {s.start_col}"
        return command(COMMANDS[d.severity], {"file": s.path, "title": title}, f"{where}: {d.message}")
    props = {"file": s.path, "line": s.start_line, "col": s.start_col, "endLine": s.end_line,
             "endColumn": s.end_col, "title": title}
    return command(COMMANDS[d.severity], props, d.message)


def _file_error(e: FileError) -> str:
    return command("error", {"file": e.path, "line": e.line, "col": e.col if e.line else None,
                             "title": "llmsight: file not analysed"}, e.message)


def render(result: CheckResult) -> str:
    lines = [_annotation(d) for d in ordered(result.diagnostics)]
    lines += [_file_error(e) for e in result.errors]
    fixable = fixable_counts(result.diagnostics)
    lines.append(f"llmsight {result.version}: {plural(len(result.diagnostics), 'finding')} at "
                 f"{plural(len(result.call_sites), 'call site')} in {plural(result.files_scanned, 'file')}; "
                 f"{fixable['safe']:,} fixable with --fix, {fixable['unsafe']:,} more with --unsafe-fixes; "
                 f"{plural(len(result.errors), 'file')} not analysed. Prices: {result.price_data}")
    return "\n".join(lines) + "\n"
