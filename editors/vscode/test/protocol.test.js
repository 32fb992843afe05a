// Drives `python -m llmsight lsp` with the same protocol stack vscode-languageclient uses
// (vscode-languageserver-protocol over vscode-jsonrpc) and VS Code's client capabilities, since VS Code
// itself cannot run here. Run by tests/editors/test_vscode.py, which passes:
//   LLMSIGHT_PYTHON   interpreter with llmsight installed
//   LLMSIGHT_PROJECT  project directory holding app.py
//   LLMSIGHT_CAPS     JSON file with VS Code's recorded client capabilities
//   LLMSIGHT_EXPECTED JSON file with `llm-lint check --format json` for app.py
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");
const { spawn } = require("node:child_process");
const { pathToFileURL } = require("node:url");
const {
  createProtocolConnection,
  StreamMessageReader,
  StreamMessageWriter,
} = require("vscode-languageserver-protocol/node");

// What vscode-languageclient 9 adds to VS Code's recorded capabilities (LSP 3.17 features).
function vscodeCapabilities() {
  const recorded = JSON.parse(fs.readFileSync(process.env.LLMSIGHT_CAPS, "utf8")).capabilities;
  recorded.general = { ...(recorded.general || {}), positionEncodings: ["utf-16"] };
  recorded.textDocument.inlayHint = {
    dynamicRegistration: true,
    resolveSupport: { properties: ["tooltip", "textEdits", "label.tooltip", "label.location", "label.command"] },
  };
  recorded.textDocument.diagnostic = { dynamicRegistration: true, relatedDocumentSupport: false };
  recorded.workspace.diagnostics = { refreshSupport: true };
  recorded.workspace.inlayHint = { refreshSupport: true };
  recorded.notebookDocument = { synchronization: { dynamicRegistration: true, executionSummarySupport: true } };
  return recorded;
}

// The CLI counts columns in code points; VS Code in UTF-16 units (an emoji is 2).
function utf16Position(lines, line, col) {
  return { line: line - 1, character: Array.from(lines[line - 1]).slice(0, col - 1).join("").length };
}

test("VS Code capabilities: diagnostics, inlay hints, a code action", { timeout: 60000 }, async () => {
  const project = process.env.LLMSIGHT_PROJECT;
  const file = path.join(project, "app.py");
  const text = fs.readFileSync(file, "utf8");
  const lines = text.split("\n");
  const expected = JSON.parse(fs.readFileSync(process.env.LLMSIGHT_EXPECTED, "utf8"));
  const uri = pathToFileURL(file).href;

  const server = spawn(process.env.LLMSIGHT_PYTHON, ["-m", "llmsight", "lsp"], {
    cwd: project,
    env: { ...process.env, LITELLM_LOCAL_MODEL_COST_MAP: "True" },
    stdio: ["pipe", "pipe", "inherit"],
  });
  const exited = new Promise((resolve) => server.on("exit", (code) => resolve(code)));
  const connection = createProtocolConnection(new StreamMessageReader(server.stdout), new StreamMessageWriter(server.stdin));
  const logs = [];
  connection.onRequest("client/registerCapability", () => null);
  connection.onRequest("workspace/configuration", (params) => params.items.map(() => ({})));
  connection.onRequest("workspace/diagnostic/refresh", () => null);
  connection.onRequest("workspace/inlayHint/refresh", () => null);
  connection.onNotification("window/logMessage", (params) => logs.push(params.message));
  connection.listen();

  const init = await connection.sendRequest("initialize", {
    processId: process.pid,
    clientInfo: { name: "Visual Studio Code", version: "1.95.0" },
    rootUri: pathToFileURL(project).href,
    workspaceFolders: [{ uri: pathToFileURL(project).href, name: path.basename(project) }],
    capabilities: vscodeCapabilities(),
    initializationOptions: { llmsight: { trafficDb: null, select: [], ignore: [], debounceMs: 150 } },
  });
  assert.equal(init.capabilities.positionEncoding, "utf-16");
  assert.ok(init.capabilities.inlayHintProvider.resolveProvider);
  assert.ok(init.capabilities.diagnosticProvider);
  assert.deepEqual(init.capabilities.executeCommandProvider.commands.sort(), ["llmsight.reloadTraffic", "llmsight.setModel", "llmsight.simulate"]);
  await connection.sendNotification("initialized", {});
  await connection.sendNotification("textDocument/didOpen", {
    textDocument: { uri, languageId: "python", version: 1, text },
  });

  // Pulled diagnostics, as VS Code does with vscode-languageclient 9.
  const report = await connection.sendRequest("textDocument/diagnostic", { textDocument: { uri } });
  assert.equal(report.kind, "full");
  const got = report.items.map((d) => `${d.code} ${d.range.start.line}:${d.range.start.character}`).sort();
  const want = expected.diagnostics
    .map((d) => { const p = utf16Position(lines, d.line, d.col); return `${d.code} ${p.line}:${p.character}`; })
    .sort();
  assert.deepEqual(got, want);

  const hints = await connection.sendRequest("textDocument/inlayHint", {
    textDocument: { uri },
    range: { start: { line: 0, character: 0 }, end: { line: lines.length, character: 0 } },
  });
  assert.equal(hints.length, expected.call_sites.length);
  assert.ok(hints.some((h) => /^[≈≥]\$[0-9.]+\/call · p95 [0-9.]+ s · prior$/.test(h.label)), JSON.stringify(hints));
  assert.ok(hints.every((h) => h.tooltip === undefined), "tooltips are resolved lazily for VS Code");
  const resolved = await connection.sendRequest("inlayHint/resolve", hints[0]);
  assert.match(resolved.tooltip.value, /latency p50 \/ p95 \/ p99/);

  const timeout = report.items.find((d) => d.code === "LLM001");
  assert.ok(timeout, "the sample lacks a timeout");
  const actions = await connection.sendRequest("textDocument/codeAction", {
    textDocument: { uri },
    range: timeout.range,
    context: { diagnostics: [timeout], triggerKind: 1 },
  });
  const fix = actions.find((a) => a.kind === "quickfix" && a.edit);
  assert.ok(fix, JSON.stringify(actions));
  const change = fix.edit.documentChanges[0];
  assert.equal(change.textDocument.uri, uri);
  assert.equal(change.textDocument.version, 1);
  assert.ok(change.edits.length > 0);

  await connection.sendRequest("shutdown");
  await connection.sendNotification("exit");
  assert.equal(await exited, 0);
  connection.dispose();
  assert.ok(!logs.some((m) => m.includes("internal error")), logs.join("\n"));
});
