"""Language-server latency (design §10): a generated 2,000-line file with 40 LLM call sites, driven
over stdio like an editor would, each figure printed beside a plain `ast.parse` of the same file
measured in the same run.

    python bench/lsp.py                  # 40 edits, 40 hovers, 40 inlay-hint requests
    python bench/lsp.py --edits 100 --debounce-ms 150

Goals: edit → diagnostics p95 ≤ 150 ms; hover and inlay hints ≤ 30 ms; start → first diagnostics
≤ 1.5 s. Edits are measured with the debounce set by --debounce-ms (default 0: the analysis and
transport alone; an editor adds its configured debounce after the last keystroke).
"""
from __future__ import annotations

import argparse
import ast
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from lsprotocol import types
from pygls.lsp.client import LanguageClient

MODELS = ["gpt-4o", "gpt-4o-mini", "gpt-4.1-mini", "claude-sonnet-4-5", "gpt-5-mini"]


def generate(lines: int = 2000, sites: int = 40) -> str:
    """A plausible application module: helpers, a class, and `sites` functions that call an LLM."""
    out = ["from openai import OpenAI", "import anthropic", "import json", "import os", "",
           "client = OpenAI()", "claude = anthropic.Anthropic()", "", ""]
    filler_per_site = max((lines - 9) // sites - 11, 4)   # each site block is filler + 11 lines
    for i in range(sites):
        out += [f"def helper_{i}(rows, limit={i + 1}):", f'    """Prepare batch {i}."""', "    total = 0"]
        for j in range(filler_per_site):
            out.append(f"    total += sum(r.get('v{j}', 0) for r in rows[:limit]) * {j + 1}  # step {j}")
        out += ["    return total", "", ""]
        model = MODELS[i % len(MODELS)]
        if model.startswith("claude"):
            call = (f"    return claude.messages.create(model=\"{model}\", max_tokens=400, "
                    f"messages=[{{\"role\": \"user\", \"content\": prompt}}])")
        else:
            call = (f"    return client.chat.completions.create(model=\"{model}\", "
                    f"messages=[{{\"role\": \"user\", \"content\": prompt}}])")
        out += [f"def ask_{i}(question):", f"    prompt = f\"Answer briefly: {{question}} ({i})\"", call, "", ""]
    while len(out) < lines:
        out.append(f"CONSTANT_{len(out)} = {len(out)}")
    return "\n".join(out[:lines]) + "\n"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f} ms"


class Bench:
    def __init__(self, root: Path, text: str, debounce_ms: int):
        self.root, self.text, self.debounce_ms = root, text, debounce_ms
        self.uri = (root / "app.py").as_uri()
        self.client = LanguageClient("llmsight-bench", "1")
        self.published: dict[int, float] = {}

        @self.client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def record(params: types.PublishDiagnosticsParams) -> None:
            if params.uri == self.uri and params.version is not None:
                self.published.setdefault(params.version, time.perf_counter())

        @self.client.feature(types.WINDOW_LOG_MESSAGE)
        def ignore_log(params: types.LogMessageParams) -> None:
            pass

    async def diagnostics_for(self, version: int, timeout: float = 60) -> float:
        deadline = time.perf_counter() + timeout
        while version not in self.published:
            if time.perf_counter() > deadline:
                raise TimeoutError(f"no diagnostics for version {version}")
            await asyncio.sleep(0.001)
        return self.published[version]

    async def start(self) -> tuple[float, float]:
        """(spawn → first diagnostics, of which spawn → initialize answered)."""
        t0 = time.perf_counter()
        await self.client.start_io(sys.executable, "-m", "llmsight", "lsp", cwd=str(self.root),
                                   env={**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True"})
        caps = types.ClientCapabilities(text_document=types.TextDocumentClientCapabilities(
            publish_diagnostics=types.PublishDiagnosticsClientCapabilities(version_support=True)))
        await self.client.initialize_async(types.InitializeParams(
            capabilities=caps, root_uri=self.root.as_uri(), initialization_options={"debounceMs": self.debounce_ms}))
        ready = time.perf_counter() - t0
        self.client.initialized(types.InitializedParams())
        self.client.text_document_did_open(types.DidOpenTextDocumentParams(
            types.TextDocumentItem(self.uri, "python", 1, self.text)))
        return await self.diagnostics_for(1) - t0, ready

    async def edits(self, n: int) -> list[float]:
        times, text = [], self.text
        for version in range(2, n + 2):
            # alternate a comment edit with a model change inside a call, as typing would
            if version % 2:
                text = text.replace('model="gpt-4o"', 'model="gpt-4o-mini"', 1)
            else:
                text = text.replace("# step 0", f"# step 0 v{version}", 1)
            t0 = time.perf_counter()
            self.client.text_document_did_change(types.DidChangeTextDocumentParams(
                types.VersionedTextDocumentIdentifier(uri=self.uri, version=version),
                [types.TextDocumentContentChangeWholeDocument(text=text)]))
            times.append(await self.diagnostics_for(version) - t0)
        return times

    async def requests(self, n: int, sites: list[int]) -> tuple[list[float], list[float]]:
        doc = types.TextDocumentIdentifier(self.uri)
        hovers, hints = [], []
        whole = types.Range(types.Position(0, 0), types.Position(len(self.text.splitlines()) + 1, 0))
        for i in range(n):
            t0 = time.perf_counter()
            await self.client.text_document_hover_async(types.HoverParams(doc, types.Position(sites[i % len(sites)], 30)))
            hovers.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            await self.client.text_document_inlay_hint_async(types.InlayHintParams(doc, whole))
            hints.append(time.perf_counter() - t0)
        return hovers, hints

    async def stop(self) -> None:
        await self.client.shutdown_async(None)
        self.client.exit(None)
        await self.client.stop()


def parse_time(text: str, runs: int = 20) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        ast.parse(text)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


async def run(args: argparse.Namespace) -> int:
    text = generate(args.lines, args.sites)
    site_lines = [i for i, line in enumerate(text.splitlines()) if ".create(model=" in line]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "pyproject.toml").write_text("[project]\nname = \"bench\"\n", encoding="utf-8")
        (root / "app.py").write_text(text, encoding="utf-8")
        bench = Bench(root, text, args.debounce_ms)
        start, ready = await bench.start()
        edits = await bench.edits(args.edits)
        hovers, hints = await bench.requests(args.requests, site_lines)
        await bench.stop()
    parse = parse_time(text)
    print(f"file: {len(text.splitlines())} lines, {len(site_lines)} call sites; debounce {args.debounce_ms} ms")
    print(f"ast.parse of the same file (median): {ms(parse)}")
    rows = [("start → first diagnostics", start, 1.5),
            ("  of which start → initialize answered", ready, None),
            (f"edit → diagnostics p95 (n={len(edits)})", percentile(edits, 95), 0.150),
            ("edit → diagnostics p50", percentile(edits, 50), None),
            (f"hover p95 (n={len(hovers)})", percentile(hovers, 95), 0.030),
            (f"inlay hints p95 (n={len(hints)})", percentile(hints, 95), 0.030)]
    failed = False
    for name, value, goal in rows:
        verdict = "" if goal is None else ("ok" if value <= goal else "OVER")
        failed |= verdict == "OVER"
        goal_text = f"goal ≤ {goal * 1000:.0f} ms" if goal else ""
        print(f"{name:38s} {ms(value)}  {value / parse:7.1f}× ast.parse  {goal_text:16s} {verdict}")
    return 1 if failed and args.strict else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=2000)
    parser.add_argument("--sites", type=int, default=40)
    parser.add_argument("--edits", type=int, default=40)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--debounce-ms", type=int, default=0)
    parser.add_argument("--strict", action="store_true", help="exit 1 when a figure misses its goal")
    return asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
