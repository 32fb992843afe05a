// Stand-ins for what out/extension.js starts, so a test sees which program it would run, with which
// settings, without running it: vscode-languageclient's LanguageClient and child_process.execFile
// (the `server.py --check` preflight, answered as `check` says).
"use strict";
const childProcess = require("node:child_process");
const path = require("node:path");
const { fakeVscode, loadWith } = require("./fake-vscode");

const EXTENSION = path.join(__dirname, "..", "out", "extension.js");

function fakeLanguageClient(started) {
  class LanguageClient {
    constructor(id, name, serverOptions, clientOptions) {
      Object.assign(this, { serverOptions, clientOptions, stopped: false, initializeResult: { serverInfo: { version: "0.0" } } });
      started.push(this);
    }
    onDidChangeState() { return { dispose() {} }; }
    getFeature(method) { return (this.feature ??= { method }); }
    async sendRequest(method, params) {
      (this.requests ??= []).push({ method, params });
      return method === "textDocument/codeLens" ? this.lenses ?? [] : { answeredBy: this };
    }
    registerFeature(feature) { (this.features ??= []).push(feature); }
    onNotification(method, handler) { (this.notifications ??= {})[method] = handler; }
    capabilities() {   // what the client would send in `initialize`
      const capabilities = {};
      for (const feature of this.features ?? []) feature.fillClientCapabilities(capabilities);
      return capabilities;
    }
    async start() {}
    async stop() { this.stopped = true; }
    async sendNotification() {}
  }
  return { LanguageClient, TransportKind: { stdio: 0 }, State: { Stopped: 1, Starting: 3, Running: 2 } };
}

/** Activate out/extension.js against `settings` (see fakeVscode); `check(command)` answers the preflight:
 * undefined for success, else the stderr line of a failed check. */
async function activate(settings, check = () => undefined) {
  const fake = fakeVscode(settings);
  const started = [];
  const checked = [];
  const execFile = (command, args, options, callback) => {
    checked.push({ command, args, options });
    const problem = check(command, options);
    setImmediate(() => (problem ? callback(Object.assign(new Error("exit 2"), { code: 2 }), "", problem) : callback(null, "", "")));
  };
  const extension = loadWith(EXTENSION, fake.vscode, {
    "vscode-languageclient/node": fakeLanguageClient(started),
    child_process: { ...childProcess, execFile },
  });
  const context = {
    subscriptions: [],
    extensionPath: path.join(__dirname, ".."),
    extension: { packageJSON: require("../package.json") },
  };
  await extension.activate(context);
  return { ...fake, started, checked, extension, context };
}

module.exports = { activate };
