"""`llm-lint price MODEL... --input-tokens N --output-tokens N`: cost of one call on each model.

Token semantics (design §2): cached and cache-write tokens are part of --input-tokens, reasoning tokens
are part of --output-tokens.
"""
from __future__ import annotations

import argparse
import json
import sys


def _count(text: str) -> int:
    """A token count; argparse names the flag in front of these messages."""
    try:
        value = int(text.replace("_", "").replace(",", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number of tokens, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"cannot be negative, got {value}")
    return value


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("price", help="cost of one call per model, from the bundled price data",
                       description=__doc__.split("\n\n", 1)[0] + " " + __doc__.split("\n\n", 1)[1].replace("\n", " "))
    p.add_argument("models", nargs="+", metavar="MODEL", help="model names as code writes them (provider/ prefix ok)")
    p.add_argument("--input-tokens", type=_count, required=True, metavar="N",
                   help="prompt tokens, including cached and cache-write tokens")
    p.add_argument("--output-tokens", type=_count, required=True, metavar="N",
                   help="completion tokens, including reasoning tokens")
    p.add_argument("--cached-input-tokens", type=_count, default=0, metavar="N",
                   help="input tokens read from the provider's prompt cache (part of --input-tokens)")
    p.add_argument("--cache-write-tokens", type=_count, default=0, metavar="N",
                   help="input tokens written to the prompt cache (part of --input-tokens)")
    p.add_argument("--reasoning-tokens", type=_count, default=0, metavar="N",
                   help="hidden reasoning tokens (part of --output-tokens)")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--config", dest="config_file", help="config file (default: [tool.llmsight] in pyproject.toml)")
    p.set_defaults(func=run)


def _usage(args: argparse.Namespace):
    from llmsight.cli import UsageError
    from llmsight.knowledge.catalog import Usage

    if args.cached_input_tokens + args.cache_write_tokens > args.input_tokens:
        raise UsageError(
            f"--cached-input-tokens ({args.cached_input_tokens}) plus --cache-write-tokens "
            f"({args.cache_write_tokens}) exceed --input-tokens ({args.input_tokens}): cached and cache-write "
            "tokens are part of the input, so --input-tokens must count them too")
    if args.reasoning_tokens > args.output_tokens:
        raise UsageError(
            f"--reasoning-tokens ({args.reasoning_tokens}) exceeds --output-tokens ({args.output_tokens}): "
            "reasoning tokens are part of the output, so --output-tokens must count them too")
    return Usage(input_tokens=args.input_tokens, output_tokens=args.output_tokens,
                 cached_input_tokens=args.cached_input_tokens, cache_write_input_tokens=args.cache_write_tokens,
                 reasoning_tokens=args.reasoning_tokens)


def _money(value: float) -> str:
    return f"${value:,.6f}"


def _table(rows: list[list[str]]) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return ["  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))).rstrip()
            for r in rows]


def render_text(quotes, usage, price_data: str) -> str:
    known = [q for q in quotes if q.found]
    if not known:
        return ""
    lines = [f"price data: {price_data}",
             f"usage: {usage.input_tokens:,} input ({usage.cached_input_tokens:,} cached read, "
             f"{usage.cache_write_input_tokens:,} cache write) · {usage.output_tokens:,} output "
             f"({usage.reasoning_tokens:,} reasoning)", ""]
    rows = [["model", "input", "cached input", "cache write", "output", "reasoning", "total", "context"]]
    for q in known:
        c = q.cost
        label = q.requested if q.requested == q.model else f"{q.requested} ({q.model})"
        rows.append([label, _money(c.input), _money(c.cached_input), _money(c.cache_write), _money(c.output),
                     _money(c.reasoning), _money(c.total), f"{q.context_window:,}" if q.context_window else "unknown"])
    lines += _table(rows)
    for q in known:
        lines += [f"  {q.requested}: {note}" for note in q.notes]
        if q.rates is not None and q.rates.tier:
            lines.append(f"  {q.requested}: long-context price tier applies ({q.rates.tier})")
    return "\n".join(lines)


def _unknown_message(q) -> str:
    message = f"unknown model {q.requested!r}"
    if q.notes:
        message += f" ({'; '.join(q.notes)})"
    if q.suggestions:
        message += f"; did you mean {', '.join(q.suggestions)}?"
    else:
        message += "; map it to a catalog model in [tool.llmsight.models] or add its prices with `prices`"
    return message


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from llmsight import api
    from llmsight.cli import UsageError
    usage = _usage(args)
    try:
        config = api.load_config(api.project_root(["."]), Path(args.config_file) if args.config_file else None)
        quotes = api.price(args.models, usage, config)
    except api.ConfigError as exc:          # includes PriceDataError (broken prices file)
        raise UsageError(str(exc)) from None
    price_data = quotes[0].price_data if quotes else api.price_data_version()
    if args.format == "json":
        print(json.dumps({"price_data": price_data,
                          "usage": {"input_tokens": usage.input_tokens, "output_tokens": usage.output_tokens,
                                    "cached_input_tokens": usage.cached_input_tokens,
                                    "cache_write_input_tokens": usage.cache_write_input_tokens,
                                    "reasoning_tokens": usage.reasoning_tokens},
                          "quotes": [q.as_dict() for q in quotes]}, indent=2))
    elif text := render_text(quotes, usage, price_data):
        print(text)
    unknown = [q for q in quotes if not q.found]
    for q in unknown:
        print(f"llm-lint: error: {_unknown_message(q)}", file=sys.stderr)
    return 2 if unknown else 0
