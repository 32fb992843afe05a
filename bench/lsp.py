"""Language-server latency as an editor sees it (design §10, issue 15): the real server (`llm-lint lsp`)
driven over stdio with its DEFAULT settings (debounce included), each figure printed beside a plain
`ast.parse` of the same file measured in the same run.

Files: a generated 2,001-line module — 40 classes whose `__init__` sets `self.client = OpenAI()` and
`self.model = 'gpt-4o'` and whose `ask` builds a prompt in a loop and calls
`self.client.chat.completions.create(model=self.model, messages=[…])`, then 360 small helper functions
with non-ASCII docstrings — and three real modules of the corpus (corpus/projects.toml), opened in their
own project so that model resolution reads the project around them.

Measured per file: start → first diagnostics (the generated file: a fresh server; with the CPU seconds the
server and its analysis process used by then, which a busy machine barely moves); isolated edits (a
full-document `didChange` rewriting one comment line, then idle); bursts of 20 keystrokes typed into a
comment 80 ms apart. An edit's latency runs from its (last) `didChange` to the `publishDiagnostics` for
that version. Goals: p95 ≤ 150 ms for both, start ≤ 1.0 s; hover and inlay hints ≤ 30 ms.

    python bench/lsp.py                     # 30 isolated edits and 8 bursts per file
    python bench/lsp.py --edits 60 --bursts 20 --strict
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
from dataclasses import dataclass
from pathlib import Path

from lsprotocol import types
from pygls.lsp.client import LanguageClient

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "corpus"))
import fetch  # noqa: E402  (corpus/ is a folder of scripts)

# Real modules with LLM call sites and comment lines: (project name, path in the project)
REAL_MODULES = [("gpt-researcher", "gpt_researcher/llm_provider/generic/base.py"),
                ("pandasai", "pandasai/llm/base.py"),
                ("vanna", "src/vanna/openai/openai_chat.py")]
BURST_KEYS = 20
BURST_GAP_S = 0.080
IDLE_S = 0.4        # after an isolated edit's diagnostics: the next edit finds the server idle
GOALS = {"start": 1.0, "edit": 0.150, "request": 0.030}


def generate(lines: int = 2001, classes: int = 40, helpers: int = 360) -> str:
    """The issue's file shape: `classes` client-holding classes, then `helpers` small functions."""
    out = ["from openai import OpenAI"]
    for i in range(classes):
        out += ["", f"class Assistant{i}:",
                "    def __init__(self):",
                "        self.client = OpenAI()",
                "        self.model = 'gpt-4o'",
                "",
                "    def ask(self, question, notes):",
                "        # one line of context per note",
                "        prompt = f'Question: {question}\\n'",
                "        for note in notes:",
                "            prompt += f'- {note}\\n'",
                "        response = self.client.chat.completions.create(",
                "            model=self.model, messages=[{'role': 'user', 'content': prompt}])",
                "        return response.choices[0].message.content"]
    for j in range(helpers):
        out += ["", f"def helper_{j}(value):",
                f'    """Prépare la valeur n° {j} — « normalisée » pour l\'affichage ✓."""',
                "    return str(value).strip()"]
    out = out[:lines]
    while len(out) < lines:
        out.append(f"# fin du module ({len(out)})")
    return "\n".join(out) + "\n"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:7.1f} ms"


def comment_lines(text: str) -> list[int]:
    """Lines that are a comment alone (indented or not): where the edits type."""
    return [i for i, line in enumerate(text.split("\n")) if line.lstrip().startswith("#") and i > 1]


class Session:
    """One server process and one open document in it."""

    def __init__(self, root: Path, path: Path, text: str):
        self.root, self.path, self.text = root, path, text
        self.uri = path.as_uri()
        self.version = 1
        self.client = LanguageClient("llmsight-bench", "1")
        self.published: dict[int, float] = {}

        @self.client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def record(params: types.PublishDiagnosticsParams) -> None:
            if params.uri == self.uri and params.version is not None:
                self.published.setdefault(params.version, time.perf_counter())

        @self.client.feature(types.WINDOW_LOG_MESSAGE)
        def ignore_log(params: types.LogMessageParams) -> None:
            pass

        @self.client.feature(types.WINDOW_SHOW_MESSAGE)
        def ignore_show(params: types.ShowMessageParams) -> None:
            pass

    async def diagnostics_for(self, version: int, timeout: float = 60) -> float:
        deadline = time.perf_counter() + timeout
        while version not in self.published:
            if time.perf_counter() > deadline:
                raise TimeoutError(f"no diagnostics for version {version} of {self.path.name}")
            await asyncio.sleep(0.001)
        return self.published[version]

    async def start(self) -> tuple[float, float, tuple[float, float] | None]:
        """(spawn → first diagnostics, of which spawn → initialize answered, CPU seconds the server and its
        analysis process had used by then). Default settings: no initializationOptions, no configuration."""
        t0 = time.perf_counter()
        await self.client.start_io(sys.executable, "-m", "llmsight", "lsp", cwd=str(self.root),
                                   env={**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True"})
        caps = types.ClientCapabilities(text_document=types.TextDocumentClientCapabilities(
            publish_diagnostics=types.PublishDiagnosticsClientCapabilities(version_support=True)))
        await self.client.initialize_async(types.InitializeParams(capabilities=caps, root_uri=self.root.as_uri()))
        ready = time.perf_counter() - t0
        self.client.initialized(types.InitializedParams())
        self.client.text_document_did_open(types.DidOpenTextDocumentParams(
            types.TextDocumentItem(self.uri, "python", self.version, self.text)))
        first = await self.diagnostics_for(self.version) - t0
        return first, ready, process_cpu(self.client._server.pid)

    def change(self, text: str) -> None:
        self.version += 1
        self.text = text
        self.client.text_document_did_change(types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(uri=self.uri, version=self.version),
            [types.TextDocumentContentChangeWholeDocument(text=text)]))

    def with_line(self, line: int, new: str) -> str:
        lines = self.text.split("\n")
        lines[line] = new
        return "\n".join(lines)

    async def isolated_edits(self, n: int) -> list[float]:
        """Rewrite one comment line per edit (full document), wait for its diagnostics, then idle."""
        targets = comment_lines(self.text)
        times = []
        for k in range(n):
            line = targets[k * 7 % len(targets)]
            indent = self.text.split("\n")[line].split("#")[0]
            t0 = time.perf_counter()
            self.change(self.with_line(line, f"{indent}# edited {k}: vérifié ✓"))
            times.append(await self.diagnostics_for(self.version) - t0)
            await asyncio.sleep(IDLE_S)
        return times

    async def bursts(self, n: int) -> list[float]:
        """Type BURST_KEYS characters into a comment, BURST_GAP_S apart; time the last keystroke."""
        targets = comment_lines(self.text)
        times = []
        for b in range(n):
            line = targets[(b * 5 + 3) % len(targets)]
            base = self.text.split("\n")[line]
            typed = f" note {b} à revoir plus tard ✓"[:BURST_KEYS].ljust(BURST_KEYS, ".")
            for k in range(1, BURST_KEYS + 1):
                t0 = time.perf_counter()
                self.change(self.with_line(line, base + typed[:k]))
                if k < BURST_KEYS:
                    await asyncio.sleep(BURST_GAP_S)
            times.append(await self.diagnostics_for(self.version) - t0)
            await asyncio.sleep(IDLE_S)
        return times

    async def requests(self, n: int) -> tuple[list[float], list[float]]:
        doc = types.TextDocumentIdentifier(self.uri)
        sites = [i for i, line in enumerate(self.text.split("\n")) if ".create(" in line] or [0]
        whole = types.Range(types.Position(0, 0), types.Position(len(self.text.split("\n")), 0))
        hovers, hints = [], []
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


def process_cpu(pid: int) -> tuple[float, float] | None:
    """CPU seconds (user + system) of a process and of its children (the analysis process), read from
    /proc; None where there is no /proc. On a shared machine the wall clock of the start moves with the
    load, these barely do."""
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100

    def cpu(p: int | str) -> float:
        fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / tick

    try:
        kids = [c for task in Path(f"/proc/{pid}/task").iterdir() for c in (task / "children").read_text().split()]
        return cpu(pid), sum(cpu(c) for c in kids)
    except (OSError, ValueError, IndexError):
        return None


def parse_time(text: str, runs: int = 20) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        ast.parse(text)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


@dataclass
class FileFigures:
    name: str
    lines: int
    parse: float
    start: float
    ready: float
    start_cpu: tuple[float, float] | None     # CPU s of the server and of its analysis process at first diagnostics
    edits: list[float]
    bursts: list[float]
    hovers: list[float]
    hints: list[float]


async def measure(name: str, root: Path, path: Path, args: argparse.Namespace) -> FileFigures:
    text = path.read_text(encoding="utf-8")
    session = Session(root, path, text)
    start, ready, start_cpu = await session.start()
    try:
        edits = await session.isolated_edits(args.edits)
        bursts = await session.bursts(args.bursts)
        hovers, hints = await session.requests(args.requests)
    finally:
        await session.stop()
    return FileFigures(name, len(text.split("\n")) - 1, parse_time(text), start, ready, start_cpu, edits, bursts,
                       hovers, hints)


def real_modules() -> list[tuple[str, Path, Path]]:
    """(name, project root, module path) of the real modules, fetching their projects on first use."""
    wanted = {name for name, _ in REAL_MODULES}
    projects = {p.name: p for p in fetch.ensure([p for p in fetch.load_projects() if p.name in wanted],
                                                log=lambda m: print(m, file=sys.stderr))}
    return [(f"{name}:{rel}", projects[name].root, projects[name].root / rel) for name, rel in REAL_MODULES]


def report(figures: list[FileFigures]) -> bool:
    """Print the table; True when every figure meets its goal."""
    ok = True

    def row(label: str, value: float, parse: float, goal: float | None) -> None:
        nonlocal ok
        verdict = "" if goal is None else ("ok" if value <= goal else "OVER")
        ok &= verdict != "OVER"
        goal_text = f"goal ≤ {goal * 1000:.0f} ms" if goal else ""
        print(f"  {label:40s} {ms(value)}  {value / parse:8.1f}× ast.parse  {goal_text:15s} {verdict}")

    for f in figures:
        print(f"{f.name}: {f.lines} lines, ast.parse {ms(f.parse)}")
        if f is figures[0]:
            row("start → first diagnostics", f.start, f.parse, GOALS["start"])
            row("  of which start → initialize answered", f.ready, f.parse, None)
            if f.start_cpu is not None:
                print(f"  {'CPU by then: server, analysis process':40s} {f.start_cpu[0]:.2f} s, {f.start_cpu[1]:.2f} s")
        row(f"isolated edit → diagnostics p95 (n={len(f.edits)})", percentile(f.edits, 95), f.parse, GOALS["edit"])
        row("isolated edit → diagnostics p50", percentile(f.edits, 50), f.parse, None)
        row(f"burst last key → diagnostics p95 (n={len(f.bursts)})", percentile(f.bursts, 95), f.parse, GOALS["edit"])
        row("burst last key → diagnostics p50", percentile(f.bursts, 50), f.parse, None)
        if f.hovers:
            row(f"hover p95 (n={len(f.hovers)})", percentile(f.hovers, 95), f.parse, GOALS["request"])
            row(f"inlay hints p95 (n={len(f.hints)})", percentile(f.hints, 95), f.parse, GOALS["request"])
    edits = [t for f in figures for t in f.edits]
    bursts = [t for f in figures for t in f.bursts]
    print(f"all files: isolated p95 {ms(percentile(edits, 95))}, bursts p95 {ms(percentile(bursts, 95))}; "
          f"start {ms(figures[0].start)}")
    return ok


async def run(args: argparse.Namespace) -> int:
    figures = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "pyproject.toml").write_text("[project]\nname = \"bench\"\n", encoding="utf-8")
        app = root / "assistants.py"
        app.write_text(generate(), encoding="utf-8")
        figures.append(await measure("generated assistants.py", root, app, args))
        if not args.generated_only:
            for name, project_root, path in real_modules():
                figures.append(await measure(name, project_root, path, args))
    ok = report(figures)
    return 1 if args.strict and not ok else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--edits", type=int, default=30, help="isolated edits per file")
    parser.add_argument("--bursts", type=int, default=8, help="bursts of 20 keystrokes per file")
    parser.add_argument("--requests", type=int, default=20, help="hover and inlay-hint requests per file")
    parser.add_argument("--generated-only", action="store_true", help="skip the three corpus modules")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a figure misses its goal")
    try:
        return asyncio.run(run(parser.parse_args()))
    except fetch.FetchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
