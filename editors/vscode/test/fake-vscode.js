// A stand-in for the `vscode` module (VS Code itself cannot run here) and a loader that runs the
// extension against it. Only what the extension reads is modelled: settings as user and workspace
// values, trust, workspace folders, messages, and the Python extension's API (ms-python.python), which
// `@vscode/python-extension` reaches through `vscode.extensions.getExtension`. Anything else the
// bundled vscode-languageclient touches while loading is an empty class.
"use strict";
const assert = require("node:assert/strict");
const Module = require("node:module");
const path = require("node:path");
const { fileURLToPath, pathToFileURL } = require("node:url");

const MANIFEST = require("../package.json");
const DEFAULTS = Object.fromEntries(
  Object.entries(MANIFEST.contributes.configuration.properties).map(([k, v]) => [k.replace(/^llmsight\./, ""), v.default]),
);

class Uri {
  constructor(fsPath) {
    this.fsPath = fsPath;
    this.scheme = "file";
  }
  static file(fsPath) {
    return new Uri(fsPath);
  }
  static parse(text) {
    return new Uri(fileURLToPath(text));
  }
  toString() {
    return pathToFileURL(this.fsPath).href;
  }
}

class EventSource {
  constructor() {
    this.listeners = [];
    this.event = (listener) => (this.listeners.push(listener), { dispose: () => undefined });
  }
  async fire(value) {
    for (const listener of this.listeners) await listener(value);
  }
}

/** The Python extension's API as `@vscode/python-extension` types it: a selected interpreter per folder. */
function fakePythonExtension(selected) {
  const changed = new EventSource();
  const asked = [];
  const api = {
    ready: Promise.resolve(),
    environments: {
      getActiveEnvironmentPath(resource) {
        asked.push(resource);
        const executable = selected(resource);
        return { id: executable, path: executable };
      },
      async resolveEnvironment(env) {
        const executable = typeof env === "string" ? env : env.path;
        const version = selected.version ?? { major: 3, minor: 12 };
        return { id: executable, path: executable, executable: { uri: Uri.file(executable) }, version };
      },
      onDidChangeActiveEnvironmentPath: changed.event,
    },
  };
  return { extension: { id: "ms-python.python", isActive: true, exports: api, activate: async () => api }, changed, asked };
}

/**
 * settings: { trusted, folders, workspace: {key: value}, user: {key: value}, python: fakePythonExtension(...),
 *             answers: { inputBox, quickPick } }
 */
function fakeVscode({ trusted = true, folders = [], workspace = {}, user = {}, python, answers = {} } = {}) {
  const trust = new EventSource();
  const config = new EventSource();
  const editorChanged = new EventSource();
  const foldersChanged = new EventSource();
  const commands = {};
  const shown = [];
  const statusItems = [];
  const vscode = {
    Uri,
    LanguageStatusSeverity: { Information: 0, Warning: 1, Error: 2 },
    ConfigurationTarget: { Global: 1, Workspace: 2, WorkspaceFolder: 3 },
    workspace: {
      isTrusted: trusted,
      workspaceFolders: folders.map((dir, index) => ({ uri: Uri.file(dir), name: path.basename(dir), index })),
      getWorkspaceFolder: (uri) => vscode.workspace.workspaceFolders.find(
        (f) => uri.fsPath === f.uri.fsPath || uri.fsPath.startsWith(f.uri.fsPath + path.sep)),
      onDidChangeWorkspaceFolders: foldersChanged.event,
      getConfiguration(section) {
        assert.equal(section, "llmsight");
        return {
          // the merged value, as VS Code returns for settings it does not restrict: the workspace's wins
          get: (key, fallback) => workspace[key] ?? user[key] ?? DEFAULTS[key] ?? fallback,
          inspect: (key) => ({ key, defaultValue: DEFAULTS[key], globalValue: user[key], workspaceValue: workspace[key] }),
          update: async (key, value) => void (user[key] = value),
        };
      },
      onDidChangeConfiguration: config.event,
      onDidGrantWorkspaceTrust: trust.event,
    },
    extensions: { getExtension: (id) => (id === "ms-python.python" && python ? python.extension : undefined) },
    window: {
      createOutputChannel: () => ({ appendLine() {}, show() {}, dispose() {} }),
      showErrorMessage: async (message) => void shown.push(message),
      showWarningMessage: async (message) => void shown.push(message),
      createTerminal: () => ({ show() {}, sendText() {} }),
      // what the user types or picks when asked (answers.inputBox, answers.quickPick: an item's label)
      showInputBox: async () => answers.inputBox,
      showQuickPick: async (items) => items.find((item) => item.label === answers.quickPick),
      activeTextEditor: undefined,
      onDidChangeActiveTextEditor: editorChanged.event,
    },
    languages: {
      createLanguageStatusItem: (id) => {
        const item = { id, dispose() {} };
        statusItems.push(item);
        return item;
      },
    },
    commands: {
      registerCommand(id, run) {
        assert.ok(!(id in commands), `command ${id} registered twice: VS Code would refuse it`);
        commands[id] = run;
        return { dispose: () => delete commands[id] };
      },
      executeCommand: async (id, ...args) => commands[id](...args),
    },
  };
  const anything = { get: (t, k) => (k in t ? t[k] : (t[k] = new Proxy(class {}, anything))) };
  return { vscode: new Proxy(vscode, anything), trust, config, editorChanged, foldersChanged, shown, statusItems, commands };
}

/** require(file) with `vscode` (and any module in `stubs`) replaced. */
function loadWith(file, vscode, stubs = {}) {
  const load = Module._load;
  Module._load = function (request, ...rest) {
    if (request === "vscode") return vscode;
    if (request in stubs) return stubs[request];
    return load.call(this, request, ...rest);
  };
  try {
    for (const key of Object.keys(require.cache)) {   // modules that captured an earlier fake
      if (key.startsWith(path.dirname(file)) || key.includes(`${path.sep}@vscode${path.sep}python-extension`)) {
        delete require.cache[key];
      }
    }
    return require(file);
  } finally {
    Module._load = load;
  }
}

module.exports = { MANIFEST, Uri, fakePythonExtension, fakeVscode, loadWith };
