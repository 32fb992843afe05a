"""CLI subcommands, one module each.

Each module defines `register(subparsers)` (argparse only, no heavy imports at module level) and the
handler it sets as `func`, which takes the parsed args and returns the exit code.
"""
COMMANDS = ("check", "rules", "explain", "price", "ingest", "simulate", "diff", "report", "lsp")
