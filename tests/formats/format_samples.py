"""Hand-made check results for the format tests, and the snapshot helper.

The records are built explicitly (not by running rules) so the snapshots do not change when rules
are added or reworded. They cover: safe, unsafe and display-only fixes; a finding without a call
site; static, traffic and unknown-cost estimates; a notebook cell; non-ASCII paths and messages;
characters that every format must escape; and files that could not be analysed.
"""
from __future__ import annotations

import json
import os
import re
from pathlib import Path

import jsonschema

from llmsight.analysis.rules.base import Rule
from llmsight.records import (
    CallSite, CheckResult, Diagnostic, Edit, Estimate, FileError, Fix, Metric, Prompt, Range, Setting, Span,
)

HERE = Path(__file__).parent
SNAPSHOTS = HERE / "snapshots"
UPDATE = os.environ.get("LLMSIGHT_UPDATE_SNAPSHOTS") == "1"

UNICODE_PATH = "src/日本語/🚀 agent.py"
NOTEBOOK = "notebooks/explore.ipynb"
TRICKY = "model 'gpt-4o|mini' at 100% load, p95: 3.4 s\nsecond line, <b>bold</b> & more"


def assert_snapshot(name: str, text: str) -> None:
    """Compare with `snapshots/<name>`; LLMSIGHT_UPDATE_SNAPSHOTS=1 rewrites it instead."""
    path = SNAPSHOTS / name
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="")
        return
    assert path.exists(), f"no snapshot {path}; run with LLMSIGHT_UPDATE_SNAPSHOTS=1 to create it"
    expected = path.read_bytes().decode("utf-8")
    assert text == expected, f"{name} differs from its snapshot; if intended, rerun with LLMSIGHT_UPDATE_SNAPSHOTS=1"


CHECK_SCHEMA = json.loads((HERE.parents[1] / "schema" / "check.v1.json").read_text(encoding="utf-8"))
SARIF_SCHEMA = json.loads((HERE / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))


def check_json_errors(doc: dict) -> list[str]:
    validator = jsonschema.Draft202012Validator(CHECK_SCHEMA)
    return [f"{e.json_path}: {e.message}" for e in validator.iter_errors(doc)]


def sarif_errors(doc: dict) -> list[str]:
    validator = jsonschema.validators.validator_for(SARIF_SCHEMA)(SARIF_SCHEMA)
    return [f"{e.json_path}: {e.message}" for e in validator.iter_errors(doc)]


def decode(text: str) -> str:
    for code, char in (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%")):
        text = text.replace(code, char)
    return text


def parse_command(line: str) -> tuple[str, dict[str, str], str]:
    """How the Actions runner reads `::name k=v,k=v::message`."""
    assert line.startswith("::")
    head, message = line[2:].split("::", 1)
    name, _, props = head.partition(" ")
    properties = dict(p.split("=", 1) for p in props.split(",")) if props else {}
    return name, {k: decode(v) for k, v in properties.items()}, decode(message)


def table_rows(md: str) -> list[list[str]]:
    return [re.split(r"(?<!\\)\|", line)[1:-1] for line in md.splitlines() if line.startswith("|")]


def setting(value=None, expr=None, source="absent", origin=None) -> Setting:
    return Setting(value, expr, source, origin)


def site(id_: str, span: Span, sdk: str, api: str, model: Setting, **kw) -> CallSite:
    defaults = dict(operation="chat", is_async=False, stream=False, max_tokens=setting(),
                    timeout=setting(600.0, None, "sdk-default"), retries=setting(2, None, "sdk-default"))
    defaults.update(kw)
    return CallSite(id=id_, span=span, sdk=sdk, api=api, model=model, **defaults)


def sample_result() -> CheckResult:
    chat_span = Span("app/chat.py", 12, 14, 15, 6)
    chat = site("app/chat.py::Bot.reply#0", chat_span, "openai", "self.client.chat.completions.create",
                setting("gpt-4o", '"gpt-4o"', "call"), prompt=Prompt(static_tokens=420, dynamic=True),
                function="Bot.reply", feature="support", client_span=Span("app/chat.py", 5, 23, 5, 31),
                client_expr="OpenAI()")
    summary_span = Span("app/chat.py", 30, 9, 30, 60)
    summary = site("app/chat.py::summarise#0", summary_span, "openai", "client.responses.create",
                   setting("gpt-4o-mini", "MODEL", "call", "app/settings.py:3"), operation="responses",
                   max_tokens=setting(256, "256", "call"), timeout=setting(20, "20", "client"), in_try=True,
                   fallback="try-except-alternate", fallback_models=("gpt-4.1-mini",))
    agent_span = Span(UNICODE_PATH, 8, 5, 8, 48)
    agent = site(f"{UNICODE_PATH}::エージェント#0", agent_span, "anthropic", "client.messages.create",
                 setting(None, "os.environ['MODEL']", "call"), max_tokens=setting(1024, "1024", "call"),
                 is_async=True, stream=None)
    nb_span = Span(NOTEBOOK, 3, 5, 3, 52, cell=2)
    nb = site(f"{NOTEBOOK}::<module>#0", nb_span, "litellm", "litellm.completion",
              setting("gpt-4o", '"gpt-4o"', "call"), in_loop=True, timeout=setting(6000, None, "sdk-default"),
              retries=setting(0, None, "sdk-default"))

    timeout_fix = Fix("Add `timeout=30` to the call",
                      (Edit(Span("app/chat.py", 15, 5, 15, 6), ", timeout=30)"),), "safe")
    cap_fix = Fix("Cap the output at 800 tokens",
                  (Edit(Span("app/chat.py", 15, 5, 15, 6), ", max_completion_tokens=800)"),), "unsafe")
    secret_fix = Fix("Read the key from OPENAI_API_KEY", (
        Edit(Span("app/config.py", 1, 1, 1, 1), "import os\n"),
        Edit(Span("app/config.py", 4, 10, 4, 31), 'os.environ["OPENAI_API_KEY"]'),
    ), "unsafe")
    diagnostics = [
        Diagnostic("LLM004", "unbounded-output", "warning", "OpenAI chat call has no output cap",
                   chat_span, chat.id, (cap_fix,)),
        Diagnostic("LLM001", "missing-timeout", "warning",
                   "OpenAI call has no timeout: the SDK waits up to 600 s per read and retries twice",
                   chat_span, chat.id, (timeout_fix,)),
        Diagnostic("LLM010", "hardcoded-secret", "error", "API key literal assigned to `API_KEY`",
                   Span("app/config.py", 4, 10, 4, 31), None, (secret_fix,)),
        Diagnostic("LLM009", "unknown-model", "info", f"モデル不明 🤖: {TRICKY}", agent_span, agent.id,
                   (Fix("Did you mean 'claude-sonnet-4-5'?"),)),
        Diagnostic("LLM006", "call-in-loop", "hint", "LLM call inside a loop; consider the batch API",
                   nb_span, nb.id, (Fix("Use the batch API", (), "display-only"),
                                    Fix("Hoist the call", (Edit(Span(NOTEBOOK, 3, 5, 3, 52, 2), "pass"),),
                                        "unsafe"))),
    ]
    static = dict(source="static")
    prior = "latency prior for gpt-4o (estimate, 2025-06-01)"
    estimates = {
        chat.id: Estimate(chat.id, "gpt-4o", 420, 215,
                          Metric(0.003200, **static, prior="literal prompt tokens (dynamic parts not counted) and "
                                                           "expected output"),
                          {"input": 0.00105, "cached_input": 0.0, "cache_write": 0.0, "output": 0.00215,
                           "reasoning": 0.0},
                          latency_p50_s=Metric(1.9, source="prior", prior=prior),
                          latency_p95_s=Metric(3.42, source="prior", prior=prior),
                          latency_p99_s=Metric(5.1, source="prior", prior=prior),
                          ttft_s=Metric(0.45, source="prior", prior=prior),
                          notes=("input: literal prompt parts only (dynamic parts not counted)",
                                 "output: 215 tokens expected for a call (LMSYS-Chat-1M, 2023-09-21)",
                                 "output: up to 500 tokens (the call's cap)"),
                          range=Range(0.0032, 0.00605, "output-cap")),
        summary.id: Estimate(summary.id, "gpt-4o-mini", 1830.5, 212.25,
                             Metric(0.000402, 0.00031, 0.00055, "traffic", 12031),
                             cost_per_month=Metric(4836.6, 3729.6, 6617.1, "traffic", 12031),
                             calls_per_month=12031000.0,
                             latency_p95_s=Metric(2.61, 2.4, 2.9, "traffic", 12031),
                             error_rate=Metric(0.012, 0.01, 0.014, "traffic", 12031),
                             quality=Metric(0.91, source="prior", prior="quality prior (estimate)"),
                             source="traffic"),
        agent.id: Estimate(agent.id, None, 12, 1024, Metric(None, **static, prior="model not resolved"),
                           notes=("model not resolved",)),
        nb.id: Estimate(nb.id, "gpt-4o", 35, 500, Metric(0.0050875, **static, prior="literal prompt tokens"),
                        cost_per_month=Metric(152.6, **static, prior="configured volume"), calls_per_month=30000.0),
    }
    errors = [FileError("broken.py", "SyntaxError: invalid syntax (line 3); llmsight skips this file", 3, 7),
              FileError("data/bad.ipynb", "invalid notebook JSON at line 1 column 2; open it in Jupyter and save it")]
    return CheckResult(version="9.9.9", price_data="litellm 1.2.3 model_prices_and_context_window.json",
                       root="/home/dev/proj", call_sites=[chat, summary, nb, agent], diagnostics=diagnostics,
                       estimates=estimates, files_scanned=4, files_skipped=10, errors=errors, fixed=0)


def empty_result() -> CheckResult:
    return CheckResult(version="9.9.9", price_data="litellm 1.2.3 model_prices_and_context_window.json",
                       root="/home/dev/proj", call_sites=[], diagnostics=[], estimates={}, files_scanned=0,
                       files_skipped=3)


class _Timeout(Rule):
    """## What it does
    Finds LLM calls without a timeout.

    ## Why is this bad
    A hung request holds a worker for up to ten minutes.

    ## Example
    ```python
    client.chat.completions.create(model="gpt-4o", messages=m)
    ```

    ## Use instead
    ```python
    client.chat.completions.create(model="gpt-4o", messages=m, timeout=30)
    ```

    ## Fix safety
    Safe.
    """

    code, name, severity, summary = "LLM001", "missing-timeout", "warning", "LLM call without a timeout"


class _Secret(Rule):
    """## What it does
    Finds API keys written in the source.
    """

    code, name, severity, summary = "LLM010", "hardcoded-secret", "error", "API key literal in source"


class _Budget(Rule):
    """## What it does
    Flags sites over their monthly budget."""

    code, name, severity, summary, needs_traffic = "LLM012", "over-budget", "info", "Site over budget", True


FAKE_RULES = (_Timeout, _Secret, _Budget)
