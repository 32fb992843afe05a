// The interpreter comes from the Python extension (ms-python.python, through @vscode/python-extension):
// the one selected for the workspace folder, resolved, restarted on change; llmsight.interpreter
// overrides it; without the Python extension the user is told what to install.
// Runs out/extension.js against stubs of `vscode` (with the Python extension's API) and vscode-languageclient.
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const path = require("node:path");
const { fakePythonExtension } = require("./fake-vscode");
const { activate } = require("./fake-client");

const FOLDERS = [path.resolve("/work/app"), path.resolve("/work/lib")];
const SELECTED = { [FOLDERS[0]]: "/envs/app/bin/python", [FOLDERS[1]]: "/envs/lib/bin/python" };

function pythonFor() {
  return fakePythonExtension((resource) => (resource ? SELECTED[resource.fsPath] : "/usr/bin/python3"));
}

test("the Python extension's interpreter for the folder runs the server, with the bundled strategy", async () => {
  const python = pythonFor();
  const { started, statusItems } = await activate({ folders: FOLDERS, python });
  assert.equal(started.length, 1);
  assert.equal(started[0].serverOptions.command, SELECTED[FOLDERS[0]]);
  assert.equal(python.asked[0].fsPath, FOLDERS[0], "asked for the folder, not the window");
  assert.deepEqual(started[0].serverOptions.args, [path.join(__dirname, "..", "bundled", "tool", "server.py")]);
  assert.equal(started[0].serverOptions.options.env.LLMSIGHT_IMPORT_STRATEGY, "useBundled");
  assert.match(statusItems[0].detail, /Python 3\.12.*from Python extension/);
  assert.equal(statusItems[0].command.command, "llmsight.showLogs");
});

test("a new selection for the server's folder restarts it; one for another folder does not", async () => {
  const python = pythonFor();
  const run = await activate({ folders: FOLDERS, python });
  await python.changed.fire({ id: "x", path: "/envs/lib2/bin/python", resource: { uri: run.vscode.Uri.file(FOLDERS[1]) } });
  SELECTED[FOLDERS[0]] = "/envs/app2/bin/python";
  await python.changed.fire({ id: "x", path: SELECTED[FOLDERS[0]], resource: run.vscode.Uri.file(FOLDERS[0]) });
  await run.extension.deactivate();     // waits for the restarts the events queued
  assert.equal(run.started.length, 2, "one restart, for the server's own folder");
  assert.ok(run.started[0].stopped);
  assert.equal(run.started[1].serverOptions.command, "/envs/app2/bin/python");
});

test("llmsight.interpreter overrides the Python extension", async () => {
  const python = pythonFor();
  const { started } = await activate({ folders: FOLDERS, python, user: { interpreter: "/opt/py/bin/python3" } });
  assert.equal(started[0].serverOptions.command, "/opt/py/bin/python3");
  assert.equal(python.asked.length, 0);
});

test("a selected Python older than 3.10 is named and not started", async () => {
  const python = pythonFor();
  python.extension.exports.environments.resolveEnvironment = async (env) =>
    ({ executable: { uri: { fsPath: env.path } }, version: { major: 3, minor: 8 } });
  const { started, shown, statusItems } = await activate({ folders: FOLDERS, python });
  assert.equal(started.length, 0);
  assert.ok(shown.some((m) => m.includes("Python 3.8") && m.includes("3.10")), shown.join("\n"));
  assert.equal(statusItems[0].severity, 2);
});

test("without the Python extension: python3 from PATH, and a message naming what to install", async () => {
  const { started, shown } = await activate({ folders: FOLDERS });
  assert.equal(started[0].serverOptions.command, process.platform === "win32" ? "python" : "python3");
  assert.ok(shown.some((m) => m.includes("ms-python.python")), shown.join("\n"));
});

test("a failed preflight shows its line and offers the install for fromEnvironment", async () => {
  const problem = "llmsight: /envs/app/bin/python has no llmsight, pygls, lsprotocol: run `…`";
  const { started, shown, statusItems } = await activate(
    { folders: FOLDERS, python: pythonFor(), user: { importStrategy: "fromEnvironment" } }, () => problem);
  assert.equal(started.length, 0);
  assert.ok(shown.some((m) => m.includes("has no llmsight")), shown.join("\n"));
  assert.match(statusItems[0].text, /not running/);
});

test("the status item shows the active document's traffic from the server's llmsight/status", async () => {
  const run = await activate({ folders: FOLDERS, python: pythonFor() });
  const [client] = run.started;
  assert.deepEqual(client.capabilities().experimental, { llmsightStatus: true }, "asked for, so other clients never get it");
  const file = run.vscode.Uri.file(path.join(FOLDERS[0], "app.py"));
  run.vscode.window.activeTextEditor = { document: { uri: file } };
  client.notifications["llmsight/status"]({ uri: file.toString(), traffic: ".llmsight/traffic.duckdb", sites: 3,
    sitesWithTraffic: 2, callsMapped: 12031 });
  const [item] = run.statusItems;
  assert.match(item.detail, /traffic \.llmsight\/traffic\.duckdb: 2 of 3 call sites mapped, 12,031 calls/);
  run.vscode.window.activeTextEditor = { document: { uri: run.vscode.Uri.file(path.join(FOLDERS[0], "other.py")) } };
  await run.editorChanged.fire();
  assert.doesNotMatch(item.detail, /traffic/, "another document's figures are not shown");
});
