// Workspace trust (hostile-input issue, D0b): a repository's .vscode/settings.json must not choose the
// program the extension starts, nor a file the server opens, until the user trusts the folder.
// Loads the compiled extension (out/extension.js) against stubs of the `vscode` API and of
// vscode-languageclient, so it needs `npm run compile` first and nothing else.
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const Module = require("node:module");
const path = require("node:path");

const EXTENSION = path.join(__dirname, "..", "out", "extension.js");
const MANIFEST = require("../package.json");
const REPO = path.resolve("/srv/cloned-repo");
const DEFAULT_PYTHON = process.platform === "win32" ? "python" : "python3";

// What a hostile repository writes into .vscode/settings.json, and what the user set for themselves.
function fakeVscode({ trusted, workspace = {}, user = {} }) {
  const listeners = { trust: [], config: [] };
  const shown = [];
  const defaults = Object.fromEntries(
    Object.entries(MANIFEST.contributes.configuration.properties).map(([k, v]) => [k.replace(/^llmsight\./, ""), v.default]),
  );
  const vscode = {
    workspace: {
      isTrusted: trusted,
      workspaceFolders: [{ uri: { fsPath: REPO, scheme: "file" }, name: "cloned-repo", index: 0 }],
      getConfiguration(section) {
        assert.equal(section, "llmsight");
        return {
          // the merged value, as VS Code returns for settings it does not restrict: the workspace's wins
          get: (key, fallback) => workspace[key] ?? user[key] ?? defaults[key] ?? fallback,
          inspect: (key) => ({ key, defaultValue: defaults[key], globalValue: user[key], workspaceValue: workspace[key] }),
        };
      },
      onDidChangeConfiguration: (listener) => (listeners.config.push(listener), { dispose() {} }),
      onDidGrantWorkspaceTrust: (listener) => (listeners.trust.push(listener), { dispose() {} }),
    },
    window: {
      createOutputChannel: () => ({ appendLine() {}, show() {}, dispose() {} }),
      showErrorMessage: async (message) => void shown.push(message),
      showWarningMessage: async (message) => void shown.push(message),
    },
    commands: { registerCommand: () => ({ dispose() {} }) },
  };
  return { vscode, listeners, shown };
}

// The language clients the extension creates: which program, in which directory, with which settings.
function fakeLanguageClient(started) {
  class LanguageClient {
    constructor(id, name, serverOptions, clientOptions) {
      Object.assign(this, { serverOptions, clientOptions, stopped: false });
      started.push(this);
    }
    async start() {}
    async stop() { this.stopped = true; }
    async sendNotification() {}
  }
  return { LanguageClient, TransportKind: { stdio: 0, ipc: 1, pipe: 2, socket: 3 } };
}

async function activate(settings) {
  const fake = fakeVscode(settings);
  const started = [];
  const load = Module._load;
  Module._load = function (request, ...rest) {
    if (request === "vscode") return fake.vscode;
    if (request === "vscode-languageclient/node") return fakeLanguageClient(started);
    return load.call(this, request, ...rest);
  };
  try {
    delete require.cache[require.resolve(EXTENSION)];
    const extension = require(EXTENSION);
    const context = {
      subscriptions: [],
      extensionPath: path.join(__dirname, ".."),
      extension: { packageJSON: MANIFEST },
    };
    await extension.activate(context);
    return { ...fake, started, extension, context };
  } finally {
    Module._load = load;
  }
}

async function pulledSettings(client) {
  const answer = await client.clientOptions.middleware.workspace.configuration(
    { items: [{ section: "llmsight" }] }, undefined, async () => [{ interpreter: "ignored", trafficDb: "ignored" }]);
  return answer[0];
}

const HOSTILE = { interpreter: path.join(REPO, "evil.sh"), trafficDb: path.join(REPO, "trap.duckdb"), select: ["LLM001"] };

test("untrusted: the workspace's interpreter, traffic DB and working directory are not used", async () => {
  const { started } = await activate({ trusted: false, workspace: HOSTILE });
  assert.equal(started.length, 1);
  const [client] = started;
  assert.equal(client.serverOptions.command, DEFAULT_PYTHON);
  assert.notEqual(path.resolve(client.serverOptions.options.cwd), REPO, "python -m would import from the repository");
  assert.equal(client.clientOptions.initializationOptions.llmsight.trafficDb, null);
  assert.deepEqual(client.clientOptions.initializationOptions.llmsight.select, ["LLM001"], "harmless settings still apply");
  assert.equal((await pulledSettings(client)).trafficDb, null);
  assert.equal((await pulledSettings(client)).interpreter, undefined);
});

test("untrusted: the user's own interpreter setting is used, a relative one is refused", async () => {
  const absolute = path.resolve("/opt/python/bin/python3");
  let { started } = await activate({ trusted: false, workspace: HOSTILE, user: { interpreter: absolute } });
  assert.equal(started[0].serverOptions.command, absolute);

  const refused = await activate({ trusted: false, workspace: HOSTILE, user: { interpreter: ".venv/bin/python" } });
  assert.equal(refused.started[0].serverOptions.command, DEFAULT_PYTHON, "would run the repository's .venv");
  assert.ok(refused.shown.some((m) => m.includes(".venv/bin/python")), refused.shown.join("\n"));
});

test("trusted: workspace settings apply, a relative interpreter is the workspace folder's", async () => {
  const { started } = await activate({ trusted: true, workspace: { ...HOSTILE, interpreter: ".venv/bin/python" } });
  assert.equal(started[0].serverOptions.command, path.join(REPO, ".venv", "bin", "python"));
  assert.equal(started[0].clientOptions.initializationOptions.llmsight.trafficDb, HOSTILE.trafficDb);
});

test("granting trust restarts the server with the workspace's settings", async () => {
  const run = await activate({ trusted: false, workspace: HOSTILE });
  run.vscode.workspace.isTrusted = true;
  for (const listener of run.listeners.trust) await listener();
  assert.equal(run.started.length, 2);
  assert.ok(run.started[0].stopped);
  assert.equal(run.started[1].serverOptions.command, HOSTILE.interpreter);
  await run.extension.deactivate();
});
