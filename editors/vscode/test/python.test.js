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

function byFolder(started) {
  return Object.fromEntries(started.map((client) => [client.clientOptions.workspaceFolder.uri.fsPath, client]));
}

test("each workspace folder's server runs the interpreter the Python extension selected for it", async () => {
  const python = pythonFor();
  const { started, statusItems, vscode, editorChanged } = await activate({ folders: FOLDERS, python });
  assert.equal(started.length, 2, "one server per folder");
  const servers = byFolder(started);
  for (const folder of FOLDERS) {
    assert.equal(servers[folder].serverOptions.command, SELECTED[folder]);
    assert.deepEqual(servers[folder].serverOptions.args, [path.join(__dirname, "..", "bundled", "tool", "server.py")]);
    assert.equal(servers[folder].serverOptions.options.env.LLMSIGHT_IMPORT_STRATEGY, "useBundled");
  }
  assert.deepEqual(python.asked.map((uri) => uri.fsPath).sort(), [...FOLDERS].sort(), "asked per folder, not for the window");
  const [app, lib] = FOLDERS.map((folder) => servers[folder].clientOptions.documentSelector);
  assert.ok(app.some((f) => f.scheme === "untitled") && !lib.some((f) => f.scheme === "untitled"), "untitled: first folder");
  assert.ok(lib.every((f) => (f.pattern ?? f.notebook?.pattern ?? "").startsWith(FOLDERS[1].replace(/\\/g, "/"))
    || f.scheme === "untitled"), JSON.stringify(lib));
  vscode.window.activeTextEditor = { document: { uri: vscode.Uri.file(path.join(FOLDERS[1], "x.py")) } };
  await editorChanged.fire();
  assert.match(statusItems[0].detail, /\/envs\/lib\/bin\/python \(Python 3\.12\) from Python extension/);
  assert.equal(statusItems[0].command.command, "llmsight.showLogs");
});

test("a new selection restarts only the server of the folder it is for", async () => {
  const python = pythonFor();
  const run = await activate({ folders: FOLDERS, python });
  SELECTED[FOLDERS[1]] = "/envs/lib2/bin/python";
  await python.changed.fire({ id: "x", path: SELECTED[FOLDERS[1]], resource: { uri: run.vscode.Uri.file(FOLDERS[1]) } });
  await run.extension.deactivate();     // waits for the restarts the event queued
  assert.equal(run.started.length, 3, "two servers, one restart");
  assert.equal(run.started[2].serverOptions.command, "/envs/lib2/bin/python");
  assert.equal(byFolder(run.started.slice(0, 2))[FOLDERS[0]].serverOptions.command, SELECTED[FOLDERS[0]]);
});

test("server commands are registered once and go to the server of the document they name", async () => {
  const run = await activate({ folders: FOLDERS, python: pythonFor() });
  const servers = byFolder(run.started);
  for (const client of run.started) {
    assert.equal(client.feature.method, "workspace/executeCommand");
    assert.equal(client.feature.register(), undefined, "the client's own registration is switched off");
  }
  const uri = run.vscode.Uri.file(path.join(FOLDERS[1], "pkg", "app.py")).toString();
  const answer = await run.vscode.commands.executeCommand("llmsight.setModel", uri, "s1", "gpt-4o-mini", "pragma");
  assert.equal(answer.answeredBy, servers[FOLDERS[1]]);
  assert.deepEqual(servers[FOLDERS[1]].requests[0], { method: "workspace/executeCommand",
    params: { command: "llmsight.setModel", arguments: [uri, "s1", "gpt-4o-mini", "pragma"] } });
  await run.vscode.commands.executeCommand("llmsight.reloadTraffic");
  assert.ok(run.started.every((client) => client.requests?.some((r) => r.params.command === "llmsight.reloadTraffic")));
});

test("adding a folder starts its server; removing one stops it", async () => {
  const run = await activate({ folders: FOLDERS.slice(0, 1), python: pythonFor() });
  assert.equal(run.started.length, 1);
  const added = { uri: run.vscode.Uri.file(FOLDERS[1]), name: "lib", index: 1 };
  run.vscode.workspace.workspaceFolders.push(added);
  await run.foldersChanged.fire({ added: [added], removed: [] });
  assert.equal(run.started.length, 2);
  assert.equal(run.started[1].serverOptions.command, SELECTED[FOLDERS[1]]);
  run.vscode.workspace.workspaceFolders.splice(1, 1);
  await run.foldersChanged.fire({ added: [], removed: [added] });
  assert.ok(run.started[1].stopped && !run.started[0].stopped);
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

test("Set Model for Site: the call at or above the cursor, the models typed, where picked, to its server", async () => {
  const run = await activate({ folders: FOLDERS, python: pythonFor(),
    answers: { inputBox: " gpt-4o|gpt-4o-mini ", quickPick: "config" } });
  const server = byFolder(run.started)[FOLDERS[1]];
  const file = run.vscode.Uri.file(path.join(FOLDERS[1], "app.py"));
  const lens = (line, site) => ({ range: { start: { line } }, command: { command: "llmsight.simulate", arguments: [file.toString(), site] } });
  server.lenses = [lens(30, "s3"), lens(4, "s1"), lens(12, "s2")];
  run.vscode.window.activeTextEditor = { document: { uri: file }, selection: { active: { line: 20 } } };
  await run.vscode.commands.executeCommand("llmsight.setModelForSite");
  const sent = server.requests.filter((r) => r.method === "workspace/executeCommand");
  assert.deepEqual(sent.map((r) => r.params), [
    { command: "llmsight.setModel", arguments: [file.toString(), "s2", "gpt-4o|gpt-4o-mini", "config"] }]);
});

test("a Python extension that throws while resolving fails that start only; the next restart works", async () => {
  const python = pythonFor();
  const resolve = python.extension.exports.environments.resolveEnvironment;
  python.extension.exports.environments.resolveEnvironment = async () => { throw new Error("discovery crashed"); };
  const run = await activate({ folders: FOLDERS.slice(0, 1), python });
  assert.equal(run.started.length, 0);
  assert.match(run.statusItems[0].detail ?? "", /discovery crashed/);
  python.extension.exports.environments.resolveEnvironment = resolve;
  await run.vscode.commands.executeCommand("llmsight.restart");
  assert.equal(run.started.length, 1);
});
