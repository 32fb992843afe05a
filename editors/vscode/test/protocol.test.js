// Drives the server the extension starts (the bundled one, in a virtualenv without llmsight) with VS Code's
// client capabilities through the protocol stack vscode-languageclient uses (vscode-languageserver-protocol
// over vscode-jsonrpc), since VS Code itself cannot run here, and compares with the CLI's findings.
// test/fixtures/vscode_1.65.2_capabilities.json is VS Code's recorded capabilities, from pytest-lsp (MIT).
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");
const { execFileSync } = require("node:child_process");
const { pathToFileURL } = require("node:url");
const { EXTENSION, project, startServer, venvWithoutLlmsight } = require("./session");

const SERVER = path.join(EXTENSION, "bundled", "tool", "server.py");

// What vscode-languageclient 9 adds to VS Code's recorded capabilities (LSP 3.17 features).
function vscodeCapabilities() {
  const recorded = require("./fixtures/vscode_1.65.2_capabilities.json").capabilities;
  recorded.general = { ...(recorded.general || {}), positionEncodings: ["utf-16"] };
  recorded.textDocument.inlayHint = {
    dynamicRegistration: true,
    resolveSupport: { properties: ["tooltip", "textEdits", "label.tooltip", "label.location", "label.command"] },
  };
  recorded.textDocument.diagnostic = { dynamicRegistration: true, relatedDocumentSupport: false };
  recorded.workspace.diagnostics = { refreshSupport: true };
  recorded.workspace.inlayHint = { refreshSupport: true };
  recorded.notebookDocument = { synchronization: { dynamicRegistration: true, executionSummarySupport: true } };
  recorded.experimental = { llmsightStatus: true };   // what the extension adds (src/extension.ts)
  return recorded;
}

// The CLI counts columns in code points; VS Code in UTF-16 units (an emoji is 2).
function utf16Position(lines, line, col) {
  return { line: line - 1, character: Array.from(lines[line - 1]).slice(0, col - 1).join("").length };
}

test("VS Code capabilities: diagnostics, inlay hints, a code action", { timeout: 120000 }, async () => {
  const python = venvWithoutLlmsight();
  const root = project();
  const file = path.join(root, "app.py");
  const text = fs.readFileSync(file, "utf8");
  const lines = text.split("\n");
  const uri = pathToFileURL(file).href;
  const env = { ...process.env, LLMSIGHT_IMPORT_STRATEGY: "useBundled" };
  // The same bundled llmsight, as the CLI: what `llm-lint check` finds in app.py.
  const expected = JSON.parse(execFileSync(python, [SERVER, "check", "app.py", "--format", "json", "--no-cache",
    "--exit-zero"], { cwd: root, env }).toString());

  const session = await startServer({ command: python, args: [SERVER], options: { cwd: EXTENSION, env } }, root,
    vscodeCapabilities(), { llmsight: { trafficDb: null, select: [], ignore: [], debounceMs: 150 } });
  const { init, connection, logs } = session;
  assert.equal(init.capabilities.positionEncoding, "utf-16");
  assert.ok(init.capabilities.inlayHintProvider.resolveProvider);
  assert.ok(init.capabilities.diagnosticProvider);
  assert.ok(init.capabilities.executeCommandProvider.commands.includes("llmsight.simulate"));
  assert.ok(init.capabilities.executeCommandProvider.commands.includes("llmsight.setModel"),
    "the command behind Set Model for Site");
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

  const status = session.statuses.find((s) => s.uri === uri);
  assert.deepEqual(status, { uri, traffic: null, sites: expected.call_sites.length, sitesWithTraffic: 0, callsMapped: 0 });

  assert.equal(await session.close(), 0);
  assert.ok(!logs.some((m) => m.includes("internal error")), logs.join("\n"));
});
