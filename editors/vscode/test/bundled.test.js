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
const { execFileSync } = require("node:child_process");
const { pathToFileURL } = require("node:url");
const { BASE_PYTHON, EXTENSION, project, startServer, unpackedVsix, venvWithoutLlmsight } = require("./session");

const REPO = path.join(EXTENSION, "..", "..");
const TRAFFIC = path.join(REPO, "examples", "traffic", "app_traffic.jsonl");

const python = venvWithoutLlmsight();

/** The launch the extension (its esbuild bundle in `extensionRoot`) makes for `root`, with `interpreter`
 * selected in the Python extension. */
async function extensionLaunch(extensionRoot, root, interpreter) {
  const selected = fakePythonExtension(() => interpreter);
  const fake = fakeVscode({ trusted: true, folders: [root], python: selected });
  const extension = loadWith(path.join(extensionRoot, "dist", "extension.js"), fake.vscode);
  const launch = await extension.serverLaunch(extensionRoot, fake.vscode.workspace.workspaceFolders[0]);
  assert.equal(launch.command, interpreter, "the interpreter the Python extension selected for the folder");
  assert.equal(selected.asked[0].fsPath, root);
  assert.equal(launch.options.env.LLMSIGHT_IMPORT_STRATEGY, "useBundled");
  assert.ok(launch.args[0].startsWith(extensionRoot), launch.args[0]);
  return launch;
}

async function bundledServerReportsLLM001(extensionRoot) {
  const root = project();
  const launch = await extensionLaunch(extensionRoot, root, python);

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

test("useBundled with duckdb and pyarrow from the interpreter's environment: traffic figures in llmsight/status",
  { timeout: 120000 }, async (t) => {
    const probe = "import importlib.util as u; print(all(u.find_spec(m) for m in ('duckdb', 'pyarrow')))";
    if (execFileSync(BASE_PYTHON, ["-c", probe]).toString().trim() !== "True") {
      t.skip(`${BASE_PYTHON} has no duckdb and pyarrow (pip install 'llmsight[sim]'); tests/editors runs it with them`);
      return;
    }
    const root = project();
    fs.cpSync(path.join(REPO, "examples", "app"), root, { recursive: true });
    const launch = await extensionLaunch(EXTENSION, root, BASE_PYTHON);
    const session = await startServer(launch, root,
      { textDocument: { publishDiagnostics: {} }, experimental: { llmsightStatus: true } },
      { llmsight: { trafficDb: TRAFFIC } });
    const file = path.join(root, "app", "chat.py");
    await session.open(file);
    const uri = pathToFileURL(file).href;
    const status = session.statuses.filter((s) => s.uri === uri).pop();
    assert.equal(status.traffic, TRAFFIC);
    assert.ok(status.sites > 0 && status.sitesWithTraffic > 0 && status.sitesWithTraffic <= status.sites, JSON.stringify(status));
    assert.ok(status.callsMapped > 0, JSON.stringify(status));
    assert.equal(await session.close(), 0);
    assert.ok(!session.logs.some((m) => m.includes("internal error") || m.includes("traffic ")), session.logs.join("\n"));
  });
