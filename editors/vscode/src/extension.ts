// llmsight for VS Code: starts llmsight's language server (server.ts) with the interpreter python.ts
// chooses and connects it with vscode-languageclient. All analysis happens in the server; this file wires
// settings, commands, restarts and the language status item. The server's own commands (llmsight.simulate,
// llmsight.setModel, llmsight.reloadTraffic) are registered by vscode-languageclient from its
// executeCommandProvider; "Simulate Site" and "Set Model for Site" run them for the call at the cursor.
//
// One server serves the window; in a multi-root workspace it runs with the first folder's interpreter.
import * as vscode from "vscode";
import { LanguageClient, LanguageClientOptions, State, TransportKind } from "vscode-languageclient/node";
import { onDidChangeInterpreter } from "./python";
import { bundleManifest, preflight, serverLaunch, ServerLaunch } from "./server";
import { RESTART_SETTINGS, serverSettings, setRestricted } from "./settings";
import { DocumentStatus, Status } from "./status";

export { serverLaunch } from "./server";

// Python files and the Python cells of Jupyter notebooks (synchronised as notebooks, LSP 3.17).
const SELECTOR: LanguageClientOptions["documentSelector"] = [
  { scheme: "file", language: "python" },
  { scheme: "untitled", language: "python" },
  { notebook: "jupyter-notebook", language: "python" },
];

let client: LanguageClient | undefined;
let output: vscode.OutputChannel | undefined;
let status: Status | undefined;
let extensionPath = "";
let starting: Promise<void> = Promise.resolve();

function serverFolder(): vscode.WorkspaceFolder | undefined {
  return vscode.workspace.workspaceFolders?.[0];
}

function log(message: string): void {
  output?.appendLine(message);
}

function warn(message: string): void {
  log(message);
  void vscode.window.showWarningMessage(message);
}

/** Tell the user why the server cannot start, with the one action that fixes it. */
async function explain(problem: string, launch: ServerLaunch): Promise<void> {
  const install = "Install llmsight[lsp]";
  const bundled = "Use Bundled Server";
  const actions = launch.strategy === "fromEnvironment" ? [install, bundled, "Show Logs"] : ["Show Logs"];
  const choice = await vscode.window.showErrorMessage(`llmsight: ${problem}`, ...actions);
  if (choice === install) {
    const terminal = vscode.window.createTerminal("llmsight: install");
    terminal.show();
    terminal.sendText(`"${launch.command}" -m pip install "llmsight[lsp]"`);
  } else if (choice === bundled) {
    await vscode.workspace.getConfiguration("llmsight").update("importStrategy", "useBundled",
      vscode.ConfigurationTarget.Global);
  } else if (choice === "Show Logs") {
    output?.show();
  }
}

async function start(): Promise<void> {
  const folder = serverFolder();
  const launch = await serverLaunch(extensionPath, folder, warn);
  const where = launch.strategy === "useBundled" ? "bundled server" : "server from the environment";
  log(`llmsight: ${where}, ${launch.command} (${launch.interpreter.source})`);
  status?.starting(launch);
  const problem = await preflight(launch);
  if (problem) {
    log(`llmsight: ${problem}`);
    status?.failed(problem);
    void explain(problem, launch);
    return;
  }
  const clientOptions: LanguageClientOptions = {
    documentSelector: SELECTOR,
    initializationOptions: { llmsight: serverSettings(folder) },
    outputChannel: output,
    workspaceFolder: folder,
    middleware: {
      // The server asks for its section: answer with the settings trust allows, not VS Code's merge.
      workspace: {
        configuration: async (params, token, next) => {
          const answers = await next(params, token);
          return Array.isArray(answers)
            ? params.items.map((item, i) => (item.section === "llmsight" ? serverSettings(folder) : answers[i]))
            : answers;
        },
      },
    },
  };
  const started = new LanguageClient("llmsight", "llmsight",
    { command: launch.command, args: launch.args, transport: TransportKind.stdio, options: launch.options },
    clientOptions);
  client = started;
  // Ask for llmsight/status (what each document's estimates rest on) for the status item.
  started.registerFeature({
    fillClientCapabilities: (capabilities) => {
      capabilities.experimental = { ...(capabilities.experimental as object | undefined), llmsightStatus: true };
    },
    initialize: () => undefined,
    getState: () => ({ kind: "static" }),
    clear: () => undefined,
  });
  started.onNotification("llmsight/status", (params: DocumentStatus) => status?.document(params));
  started.onDidChangeState((event) => {
    if (event.newState === State.Stopped && client === started) {
      status?.failed("the server stopped; see the logs");
    }
  });
  try {
    await started.start();
    status?.running(started.initializeResult?.serverInfo?.version);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    status?.failed(`could not start the server (${message})`);
    void explain(`could not start "${launch.command}" (${message}); see the logs.`, launch);
    client = undefined;
  }
}

async function stop(): Promise<void> {
  if (client) {
    const running = client;
    client = undefined;
    try {
      await running.stop();
    } catch (err) {
      log(`llmsight: stopping the server failed: ${err}`);
    }
  }
}

/** Restarts run one after another: a burst of events (settings, interpreter, trust) never races. */
function restart(): Promise<void> {
  starting = starting.then(stop).then(start);
  return starting;
}

/** The call site at (or the nearest above) the cursor, from the server's code lenses: [uri, site id]. */
async function siteAtCursor(): Promise<[string, string] | undefined> {
  const editor = vscode.window.activeTextEditor;
  if (!editor || !client) {
    void vscode.window.showWarningMessage("llmsight: open a Python file or notebook cell with the server running.");
    return undefined;
  }
  const uri = editor.document.uri.toString();
  const lenses = (await client.sendRequest("textDocument/codeLens", { textDocument: { uri } })) as
    { range: { start: { line: number } }; command?: { arguments?: unknown[] } }[] | null;
  const sites = (lenses ?? []).filter((l) => Array.isArray(l.command?.arguments) && l.command!.arguments!.length >= 2)
    .sort((a, b) => a.range.start.line - b.range.start.line);
  const above = sites.filter((l) => l.range.start.line <= editor.selection.active.line).pop() ?? sites[0];
  if (!above) {
    void vscode.window.showWarningMessage("llmsight: no LLM call found in this document (the command needs " +
      "llmsight.codeLens on).");
    return undefined;
  }
  return [String(above.command!.arguments![0]), String(above.command!.arguments![1])];
}

async function simulateSite(): Promise<void> {
  const site = await siteAtCursor();
  if (!site) {
    return;
  }
  const scenario = await vscode.window.showInputBox({
    title: `llmsight: simulate site ${site[1]}`,
    prompt: "Scenario to replay through traffic (e.g. model=gpt-4o-mini,timeout=20), or empty for the estimate " +
      "and cheaper or faster models",
  });
  if (scenario !== undefined) {
    await vscode.commands.executeCommand("llmsight.simulate", ...site, ...(scenario.trim() ? [scenario.trim()] : []));
  }
}

async function setModelForSite(): Promise<void> {
  const site = await siteAtCursor();
  if (!site) {
    return;
  }
  const models = await vscode.window.showInputBox({
    title: `llmsight: set the model of site ${site[1]}`,
    prompt: "The model (or models, a|b) this call uses at run time",
    validateInput: (value) => (value.trim() ? undefined : "name at least one model"),
  });
  if (!models) {
    return;
  }
  const where = await vscode.window.showQuickPick(
    [{ label: "pragma", description: "# llmsight: model=… on the call" },
      { label: "config", description: "[tool.llmsight.models] in pyproject.toml" }],
    { title: "Where llmsight records it" });
  if (where) {
    await vscode.commands.executeCommand("llmsight.setModel", ...site, models.trim(), where.label);
  }
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  extensionPath = context.extensionPath;
  setRestricted(context.extension.packageJSON.capabilities?.untrustedWorkspaces?.restrictedConfigurations ?? []);
  output = vscode.window.createOutputChannel("llmsight");
  status = new Status(bundleManifest(extensionPath));
  context.subscriptions.push(
    output,
    status,
    vscode.commands.registerCommand("llmsight.restart", restart),
    vscode.commands.registerCommand("llmsight.showLogs", () => output?.show()),
    vscode.commands.registerCommand("llmsight.simulateSite", simulateSite),
    vscode.commands.registerCommand("llmsight.setModelForSite", setModelForSite),
    vscode.workspace.onDidGrantWorkspaceTrust(restart),
    vscode.workspace.onDidChangeConfiguration(async (event) => {
      if (RESTART_SETTINGS.some((key) => event.affectsConfiguration(key))) {
        await restart();
      } else if (event.affectsConfiguration("llmsight") && client) {
        await client.sendNotification("workspace/didChangeConfiguration",
          { settings: { llmsight: serverSettings(serverFolder()) } });
      }
    }),
  );
  const watching = await onDidChangeInterpreter(serverFolder, restart);
  if (watching) {
    context.subscriptions.push(watching);
  }
  await restart();
}

export async function deactivate(): Promise<void> {
  await starting;
  await stop();
}
