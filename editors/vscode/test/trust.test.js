// Workspace trust (hostile-input issue, D0b): a repository's .vscode/settings.json must not choose the
// program the extension starts, nor a file the server opens, until the user trusts the folder; nor may
// the Python extension's selection, which can be the repository's own .venv.
// Runs out/extension.js (`npm run compile`) against stubs of `vscode` and vscode-languageclient.
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const path = require("node:path");
const { fakePythonExtension } = require("./fake-vscode");
const { activate } = require("./fake-client");

const REPO = path.resolve("/srv/cloned-repo");
const DEFAULT_PYTHON = process.platform === "win32" ? "python" : "python3";
const HOSTILE = {
  interpreter: path.join(REPO, "evil.sh"), trafficDb: path.join(REPO, "trap.duckdb"), importStrategy: "fromEnvironment",
  select: ["LLM001"],
};
const REPO_VENV = fakePythonExtension(() => path.join(REPO, ".venv", "bin", "python"));

async function pulledSettings(client) {
  const answer = await client.clientOptions.middleware.workspace.configuration(
    { items: [{ section: "llmsight" }] }, undefined, async () => [{ interpreter: "ignored", trafficDb: "ignored" }]);
  return answer[0];
}

test("untrusted: the workspace's interpreter, strategy, traffic DB and working directory are not used", async () => {
  const { started, checked } = await activate({ trusted: false, folders: [REPO], workspace: HOSTILE, python: REPO_VENV });
  assert.equal(started.length, 1);
  const [client] = started;
  assert.equal(client.serverOptions.command, DEFAULT_PYTHON, "neither the setting nor the Python extension's .venv");
  assert.equal(checked[0].command, DEFAULT_PYTHON, "the preflight runs the same program");
  assert.equal(client.serverOptions.options.env.LLMSIGHT_IMPORT_STRATEGY, "useBundled");
  assert.notEqual(path.resolve(client.serverOptions.options.cwd), REPO, "python would import from the repository");
  assert.equal(client.clientOptions.initializationOptions.llmsight.trafficDb, null);
  assert.deepEqual(client.clientOptions.initializationOptions.llmsight.select, ["LLM001"], "harmless settings still apply");
  assert.equal((await pulledSettings(client)).trafficDb, null);
  assert.equal((await pulledSettings(client)).interpreter, undefined);
  assert.equal(REPO_VENV.asked.length, 0, "the Python extension is not asked in an untrusted workspace");
});

test("untrusted: the user's own interpreter setting is used, a relative one is refused", async () => {
  const absolute = path.resolve("/opt/python/bin/python3");
  const { started } = await activate({ trusted: false, folders: [REPO], workspace: HOSTILE, user: { interpreter: absolute } });
  assert.equal(started[0].serverOptions.command, absolute);

  const refused = await activate({ trusted: false, folders: [REPO], workspace: HOSTILE, user: { interpreter: ".venv/bin/python" } });
  assert.equal(refused.started[0].serverOptions.command, DEFAULT_PYTHON, "would run the repository's .venv");
  assert.ok(refused.shown.some((m) => m.includes(".venv/bin/python")), refused.shown.join("\n"));
});

test("trusted: workspace settings apply, a relative interpreter is the workspace folder's", async () => {
  const { started } = await activate({ trusted: true, folders: [REPO], workspace: { ...HOSTILE, interpreter: ".venv/bin/python" } });
  assert.equal(started[0].serverOptions.command, path.join(REPO, ".venv", "bin", "python"));
  assert.equal(started[0].serverOptions.options.env.LLMSIGHT_IMPORT_STRATEGY, "fromEnvironment");
  assert.equal(started[0].clientOptions.initializationOptions.llmsight.trafficDb, HOSTILE.trafficDb);
});

test("granting trust restarts the server with the workspace's settings", async () => {
  const run = await activate({ trusted: false, folders: [REPO], workspace: HOSTILE });
  run.vscode.workspace.isTrusted = true;
  await run.trust.fire();
  assert.equal(run.started.length, 2);
  assert.ok(run.started[0].stopped);
  assert.equal(run.started[1].serverOptions.command, HOSTILE.interpreter);
  await run.extension.deactivate();
});
