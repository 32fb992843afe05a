// The acceptance test: in a virtualenv without llmsight, selected in the Python extension (a stub
// of its API), the extension's useBundled server starts, completes `initialize` and reports LLM001 for a
// fixture file — from this folder after `npm run package`, and from the unpacked platform .vsix.
// The launch is the extension's own (`serverLaunch` of the esbuild bundle, dist/extension.js).
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");
const { fakePythonExtension, fakeVscode, loadWith } = require("./fake-vscode");
const { EXTENSION, project, startServer, unpackedVsix, venvWithoutLlmsight } = require("./session");

const python = venvWithoutLlmsight();

async function bundledServerReportsLLM001(extensionRoot) {
  const root = project();
  const selected = fakePythonExtension(() => python);
  const fake = fakeVscode({ trusted: true, folders: [root], python: selected });
  const extension = loadWith(path.join(extensionRoot, "dist", "extension.js"), fake.vscode);
  const launch = await extension.serverLaunch(extensionRoot, fake.vscode.workspace.workspaceFolders[0]);
  assert.equal(launch.command, python, "the interpreter the Python extension selected for the folder");
  assert.equal(selected.asked[0].fsPath, root);
  assert.equal(launch.options.env.LLMSIGHT_IMPORT_STRATEGY, "useBundled");
  assert.ok(launch.args[0].startsWith(extensionRoot), launch.args[0]);

  const session = await startServer(launch, root, { textDocument: { publishDiagnostics: {} } });
  assert.equal(session.init.serverInfo.name, "llmsight");
  const diagnostics = await session.open(path.join(root, "app.py"));
  assert.ok(diagnostics.some((d) => d.code === "LLM001"), JSON.stringify(diagnostics));
  assert.equal(await session.close(), 0);
  assert.ok(!session.logs.some((m) => m.includes("internal error")), session.logs.join("\n"));
}

test("useBundled from the extension folder, interpreter from the Python extension", { timeout: 120000 }, async () => {
  await bundledServerReportsLLM001(EXTENSION);
});

test("useBundled from the unpacked .vsix", { timeout: 120000 }, async () => {
  const root = unpackedVsix();
  const manifest = JSON.parse(fs.readFileSync(path.join(root, "bundled", "manifest.json"), "utf8"));
  assert.deepEqual(manifest.python, ["3.10", "3.11", "3.12", "3.13"]);
  assert.match(manifest.litellm, /^\d+\.\d+\.\d+/);
  assert.ok(!fs.existsSync(path.join(root, "node_modules")), "esbuild bundles the JS; no node_modules in the .vsix");
  for (const source of ["src", "test", "scripts", "out"]) {
    assert.ok(!fs.existsSync(path.join(root, source)), `${source}/ is not shipped`);
  }
  const packaged = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"));
  assert.equal(packaged.main, "./dist/extension.js");
  assert.deepEqual(packaged.extensionKind, ["workspace"]);
  assert.ok(!("extensionDependencies" in packaged), "the Python extension is optional");
  assert.ok(fs.existsSync(path.join(root, "bundled", "litellm", `litellm-${manifest.litellm}.dist-info`, "METADATA")));
  await bundledServerReportsLLM001(root);
});
