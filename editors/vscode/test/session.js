// Fixtures the Node tests build for themselves: a virtualenv without llmsight, a project holding
// tests/lsp/sample/app.py, the unpacked .vsix, and an LSP session with a server process spoken to through
// vscode-languageserver-protocol over vscode-jsonrpc (the stack vscode-languageclient uses).
"use strict";
const assert = require("node:assert/strict");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { execFileSync, spawn } = require("node:child_process");
const { after } = require("node:test");
const { pathToFileURL } = require("node:url");
const { createProtocolConnection, StreamMessageReader, StreamMessageWriter } = require("vscode-languageserver-protocol/node");

const EXTENSION = path.join(__dirname, "..");
const MANIFEST = require("../package.json");
// The language server tests' sample: LLM calls without timeouts, a line with emoji (UTF-16 columns).
const SAMPLE = path.join(EXTENSION, "..", "..", "tests", "lsp", "sample", "app.py");
// The Python the virtualenv is made from: python3 on PATH, or LLMSIGHT_TEST_PYTHON.
const BASE_PYTHON = process.env.LLMSIGHT_TEST_PYTHON || (process.platform === "win32" ? "python" : "python3");

const servers = [];
after(() => servers.forEach((server) => server.kill()));   // a failed test must not leave its server running

function scratch(name) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `llmsight-vscode-${name}-`));
  process.on("exit", () => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A fresh virtualenv (no pip, nothing installed); its python, checked to have no llmsight. */
function venvWithoutLlmsight() {
  const dir = scratch("venv");
  execFileSync(BASE_PYTHON, ["-m", "venv", "--without-pip", dir]);
  const python = path.join(dir, process.platform === "win32" ? "Scripts/python.exe" : "bin/python");
  const found = execFileSync(python, ["-c", "import importlib.util as u; print(u.find_spec('llmsight') is not None)"],
    { cwd: dir, env: { ...process.env, PYTHONPATH: "" } }).toString().trim();
  assert.equal(found, "False", `${python} must not have llmsight`);
  return python;
}

/** A project folder with pyproject.toml and app.py (LLM calls without timeouts). */
function project() {
  const dir = scratch("project");
  fs.writeFileSync(path.join(dir, "pyproject.toml"), '[project]\nname = "demo"\n');
  fs.copyFileSync(SAMPLE, path.join(dir, "app.py"));
  return dir;
}

/** The platform .vsix `npm run package` built, unpacked; its extension/ folder. */
function unpackedVsix() {
  const target = process.env.VSCODE_TARGET || "linux-x64";
  const vsix = path.join(EXTENSION, `llmsight-${target}.vsix`);
  assert.ok(fs.existsSync(vsix), `${vsix} is missing: run \`npm run package\` (npm test does, in pretest)`);
  const dir = scratch("vsix");
  execFileSync(BASE_PYTHON, ["-m", "zipfile", "-e", vsix, dir]);
  return path.join(dir, "extension");
}

/** Start `launch` (command, args, options, as the extension spawns it) and initialize it as VS Code would. */
async function startServer(launch, root, capabilities, initializationOptions = {}) {
  const server = spawn(launch.command, launch.args, { ...launch.options, stdio: ["pipe", "pipe", "pipe"] });
  servers.push(server);
  let stderr = "";
  server.stderr.on("data", (chunk) => (stderr += chunk));
  const exited = new Promise((resolve) => server.on("exit", (code) => resolve(code)));
  const connection = createProtocolConnection(new StreamMessageReader(server.stdout), new StreamMessageWriter(server.stdin));
  const logs = [];
  const statuses = [];
  const diagnostics = new Map();
  const waiting = [];
  connection.onRequest("client/registerCapability", () => null);
  connection.onRequest("workspace/configuration", (params) => params.items.map(() => ({})));
  connection.onRequest("workspace/diagnostic/refresh", () => null);
  connection.onRequest("workspace/inlayHint/refresh", () => null);
  connection.onRequest("workspace/codeLens/refresh", () => null);
  connection.onNotification("window/logMessage", (params) => logs.push(params.message));
  connection.onNotification("window/showMessage", (params) => logs.push(params.message));
  connection.onNotification("llmsight/status", (params) => statuses.push(params));
  connection.onNotification("textDocument/publishDiagnostics", (params) => {
    diagnostics.set(params.uri, params.diagnostics);
    waiting.splice(0).forEach((wake) => wake());
  });
  connection.listen();
  const rootUri = pathToFileURL(root).href;
  const init = await Promise.race([
    connection.sendRequest("initialize", {
      processId: process.pid,
      clientInfo: { name: "Visual Studio Code", version: "1.95.0" },
      rootUri,
      workspaceFolders: [{ uri: rootUri, name: path.basename(root) }],
      capabilities,
      initializationOptions,
    }),
    exited.then((code) => { throw new Error(`the server exited (${code}) before initialize:\n${stderr}`); }),
  ]);
  await connection.sendNotification("initialized", {});
  return {
    init, connection, logs, statuses, stderr: () => stderr,
    /** Open a file and wait for its pushed diagnostics. */
    async open(file) {
      const uri = pathToFileURL(file).href;
      await connection.sendNotification("textDocument/didOpen",
        { textDocument: { uri, languageId: "python", version: 1, text: fs.readFileSync(file, "utf8") } });
      const deadline = Date.now() + 60000;
      while (!diagnostics.has(uri)) {
        assert.ok(Date.now() < deadline, `no diagnostics for ${uri}; logs:\n${logs.join("\n")}\n${stderr}`);
        await new Promise((wake) => { waiting.push(wake); setTimeout(wake, 500); });
      }
      return diagnostics.get(uri);
    },
    async close() {
      await connection.sendRequest("shutdown");
      await connection.sendNotification("exit");
      const code = await exited;
      connection.dispose();
      return code;
    },
  };
}

module.exports = { BASE_PYTHON, EXTENSION, MANIFEST, project, startServer, unpackedVsix, venvWithoutLlmsight };
