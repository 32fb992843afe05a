"""`llm-lint check`: analyse paths, print findings in a format, exit 0/1/2 (design §7)."""
from __future__ import annotations

import argparse
import dataclasses
import os
import sys
from pathlib import Path

SEVERITY_RANK = {"hint": 0, "info": 1, "warning": 2, "error": 3}


def _codes(value: str) -> list[str]:
    return [c.strip().upper() for c in value.split(",") if c.strip()]


def _plain(text: str) -> str:
    """A file name or reason as one terminal line: control and bidi characters escaped, as repr() does."""
    return text if text.isprintable() else repr(text)[1:-1]


def _diff_base() -> Path:
    """What `--diff` paths are relative to: the top of the git work tree holding the working directory
    (`git apply` reads paths from there, wherever it runs), else the working directory."""
    cwd = Path.cwd()
    return next((d for d in (cwd, *cwd.parents) if (d / ".git").exists()), cwd)


def _hidden(diagnostics, unsafe: bool) -> int:
    """Findings whose fix only `--unsafe-fixes` applies, when it is not given."""
    from llmsight.formats._common import fixable_counts

    return 0 if unsafe else fixable_counts(diagnostics)["unsafe"]


def _left_undone(diagnostics, unsafe: bool, diff: bool) -> list[str]:
    """What `--fix` (or the `--diff` of it) leaves undone, and why, one line per reason."""
    from collections import Counter

    from llmsight.formats._common import fix_status

    status = Counter(fix_status(d) for d in diagnostics)
    hidden = _hidden(diagnostics, unsafe)
    stuck = 0 if diff else status["safe"] + (status["unsafe"] if unsafe else 0)   # --diff shows these
    reasons = [
        (hidden, "hidden; use --unsafe-fixes"),
        (stuck, "not applied: each overlaps another fix's edits or changes nothing; run --fix again"),
        (status["display-only"], "only suggested: make the change by hand (`llm-lint check` shows it)"),
        (status[None], "with no fix: the finding needs a decision, not an edit"),
    ]
    return [f"{count} {'fix' if count == 1 else 'fixes'} {why}" if i < 2 else
            f"{count} {'finding' if count == 1 else 'findings'} {why}"
            for i, (count, why) in enumerate(reasons) if count]


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("check", help="find LLM call sites and report their risks",
                       description="Find LLM call sites, estimate their cost and latency, and report findings.")
    p.add_argument("paths", nargs="*", default=["."], help="files or directories (default: .)")
    p.add_argument("--format", default="text", choices=("text", "json", "sarif", "github", "markdown"))
    p.add_argument("--output-file", "-o", help="write the report here instead of stdout")
    p.add_argument("--select", type=_codes, default=[], help="comma-separated rule codes or prefixes to run")
    p.add_argument("--extend-select", type=_codes, default=[],
                   help="comma-separated rule codes or prefixes to run on top of the selection (opt-in rules: full code)")
    p.add_argument("--ignore", type=_codes, default=[], help="comma-separated rule codes or prefixes to skip")
    p.add_argument("--fix", action="store_true", help="apply safe fixes")
    p.add_argument("--unsafe-fixes", action="store_true", help="with --fix/--diff: also apply unsafe fixes")
    p.add_argument("--diff", action="store_true", help="print the fixes as a unified diff; change nothing")
    p.add_argument("--exit-zero", action="store_true", help="exit 0 even when there are findings")
    p.add_argument("--fail-on", choices=tuple(SEVERITY_RANK), help="lowest severity that fails (default: hint)")
    p.add_argument("--config", dest="config_file", help="config file (default: [tool.llmsight] in pyproject.toml)")
    p.add_argument("--traffic", help="traffic DuckDB or file for traffic-based estimates and rules")
    p.add_argument("--no-cache", action="store_true", help="ignore and do not write the result cache")
    p.add_argument("--jobs", type=int, help="processes to analyse with, at most (default: all cores; a second one "
                                            "starts only when the work measured so far says it pays)")
    p.add_argument("--color", choices=("auto", "always", "never"), default="auto")
    p.add_argument("--baseline", help="report only findings not recorded in this baseline file")
    p.add_argument("--write-baseline", help="record every current finding in this file and exit 0")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from llmsight import api, formats
    from llmsight.cli import UsageError

    if args.output_file and not os.path.isdir(os.path.dirname(os.path.abspath(args.output_file))):
        raise UsageError(f"--output-file {args.output_file}: its directory does not exist; create it first")
    try:
        root = api.project_root(args.paths)
        config = api.load_config(root, Path(args.config_file) if args.config_file else None)
        if args.extend_select:
            config = dataclasses.replace(config, extend_select=config.extend_select + tuple(args.extend_select))
        common = dict(config=config, select=args.select, ignore=args.ignore, traffic=args.traffic,
                      use_cache=not args.no_cache, jobs=args.jobs)
        if args.fix or args.diff:
            outcome = api.apply_fixes(args.paths, unsafe=args.unsafe_fixes, diff_only=args.diff, **common)
            for rel, why in sorted(outcome.skipped.items()):
                print(f"llm-lint: {_plain(rel)}: not fixed: {_plain(why)}", file=sys.stderr)
        result = api.check(args.paths, **common)   # after --fix: what it left
        if args.diff:
            patch = outcome.patch(_diff_base())
            sys.stdout.write(patch.text)
            for where in patch.held_back:
                print(f"llm-lint: {_plain(where)}: fix not shown: its lines hold a secret; run --fix to apply it",
                      file=sys.stderr)
            left = _left_undone(result.diagnostics, args.unsafe_fixes, diff=True)
            for line in left:
                print(f"llm-lint: {line}", file=sys.stderr)
            if outcome.skipped:
                return 2
            # nothing printed is success only when nothing is held back or hidden
            return 1 if (patch.text or patch.held_back or _hidden(result.diagnostics, args.unsafe_fixes)) \
                and not args.exit_zero else 0
        if args.fix:
            for line in _left_undone(result.diagnostics, args.unsafe_fixes, diff=False):
                print(f"llm-lint: {line}", file=sys.stderr)
        for line in api.traffic_mapping(args.traffic, config, root):    # unmapped traffic is never silent
            print(f"llm-lint: {_plain(line)}", file=sys.stderr)
    except api.ConfigError as exc:
        raise UsageError(str(exc)) from exc
    if args.fix:
        result.fixed = outcome.applied
    if args.write_baseline or args.baseline:
        from llmsight.simulator import baseline

        if args.write_baseline:
            count = baseline.write(result, args.write_baseline)
            print(f"llm-lint: wrote {count} findings to {args.write_baseline}", file=sys.stderr)
            return 0
        try:
            result, known = baseline.apply(result, args.baseline)
        except baseline.BaselineError as exc:
            raise UsageError(str(exc)) from exc
        if known:
            print(f"llm-lint: {known} findings in the baseline {args.baseline} not shown", file=sys.stderr)
    missing = [e for e in result.errors if e.message.startswith("no such file")]
    color = args.color == "always" or (args.color == "auto" and sys.stdout.isatty() and not os.environ.get("NO_COLOR"))
    text = formats.render(result, args.format, color=color and not args.output_file)
    if args.output_file:
        try:
            with open(args.output_file, "w", encoding="utf-8") as fh:
                fh.write(text)
        except OSError as exc:
            raise UsageError(f"--output-file {args.output_file}: cannot write ({exc.strerror or exc})") from exc
    else:
        sys.stdout.write(text)
    if missing or args.fix and outcome.skipped:  # a file --fix had to leave alone is bad input: say so
        return 2
    if args.exit_zero:
        return 0
    threshold = SEVERITY_RANK[args.fail_on or config.fail_on]
    return 1 if any(SEVERITY_RANK[d.severity] >= threshold for d in result.diagnostics) else 0
