// llmsight for VS Code: starts llmsight's language server (server.ts) with the interpreter python.ts
// chooses and connects it with vscode-languageclient. All analysis happens in the server; this file wires
// settings, commands, restarts and the language status item.
//
// One server per workspace folder, run with that folder's interpreter and settings (multi-root
// workspaces may mix environments); a window without folders has one server for every Python file.
// Untitled files go to the first folder's server. The server's commands (llmsight.simulate,
// llmsight.setModel, llmsight.reloadTraffic) are registered here once and sent to the server of the
// document they name: vscode-languageclient would register them once per client, and VS Code refuses a
// command registered twice. "Simulate Site" and "Set Model for Site" run them for the call at the cursor.
import * as vscode from "vscode";
import { LanguageClient, LanguageClientOptions, State, TransportKind } from "vscode-languageclient/node";
import { onDidChangeInterpreter } from "./python";
import { bundleManifest, preflight, serverLaunch, ServerLaunch } from "./server";
import { RESTART_SETTINGS, serverSettings, setRestricted } from "./settings";
import { DocumentStatus, Status } from "./status";

// What the extension spawns, for the tests that run it from dist/ and from the unpacked .vsix.
export { serverLaunch } from "./server";

const SERVER_COMMANDS = ["llmsight.simulate", "llmsight.setModel", "llmsight.reloadTraffic"];
const NO_FOLDER = "";

interface Server {
  folder: vscode.WorkspaceFolder | undefined;
  client?: LanguageClient;
  /** The running start/stop: restarts of one server run one after another. */
  queue: Promise<void>;
}

const servers = new Map<string, Server>();
let output: vscode.OutputChannel | undefined;
let status: Status | undefined;
let extensionPath = "";

function keyOf(folder: vscode.WorkspaceFolder | undefined): string {
  return folder ? folder.uri.toString() : NO_FOLDER;
}

/** The key of the server that serves `uri` (its folder's; untitled and others: the first folder's). */
function serverKeyFor(uri: vscode.Uri | undefined): string {
  const folder = uri && uri.scheme !== "untitled" ? vscode.workspace.getWorkspaceFolder(uri) : undefined;
  return keyOf(folder ?? vscode.workspace.workspaceFolders?.[0]);
}

function log(message: string): void {
  output?.appendLine(message);
}

function warn(message: string): void {
  log(message);
  void vscode.window.showWarningMessage(message);
}

/** Python files and the Python cells of Jupyter notebooks (synchronised as notebooks, LSP 3.17) under
 * `folder`; without a folder, all of them. */
function documentSelector(folder: vscode.WorkspaceFolder | undefined): LanguageClientOptions["documentSelector"] {
  const pattern = folder ? `${folder.uri.fsPath.replace(/\\/g, "/")}/**/*` : undefined;
  const selector: NonNullable<LanguageClientOptions["documentSelector"]> = [
    { scheme: "file", language: "python", ...(pattern ? { pattern } : {}) },
    { notebook: { notebookType: "jupyter-notebook", scheme: "file", ...(pattern ? { pattern } : {}) }, language: "python" },
  ];
  if (!folder || folder.index === 0) {
    selector.push({ scheme: "untitled", language: "python" });
  }
  return selector;
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

async function start(server: Server): Promise<void> {
  const { folder } = server;
  const key = keyOf(folder);
  const launch = await serverLaunch(extensionPath, folder, warn);
  const where = launch.strategy === "useBundled" ? "bundled server" : "server from the environment";
  log(`llmsight${folder ? ` (${folder.name})` : ""}: ${where}, ${launch.command} (${launch.interpreter.source})`);
  status?.starting(key, launch);
  const problem = await preflight(launch);
  if (problem) {
    log(`llmsight: ${problem}`);
    status?.failed(key, problem);
    void explain(problem, launch);
    return;
  }
  const clientOptions: LanguageClientOptions = {
    documentSelector: documentSelector(folder),
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
  const client = new LanguageClient("llmsight", folder ? `llmsight (${folder.name})` : "llmsight",
    { command: launch.command, args: launch.args, transport: TransportKind.stdio, options: launch.options },
    clientOptions);
  // activate() registers the server's commands once for every server (see the top of this file).
  const commands = client.getFeature("workspace/executeCommand");
  commands.initialize = () => undefined;
  commands.register = () => undefined;
  // Ask for llmsight/status (what each document's estimates rest on) for the status item.
  client.registerFeature({
    fillClientCapabilities: (capabilities) => {
      capabilities.experimental = { ...(capabilities.experimental as object | undefined), llmsightStatus: true };
    },
    initialize: () => undefined,
    getState: () => ({ kind: "static" }),
    clear: () => undefined,
  });
  client.onNotification("llmsight/status", (params: DocumentStatus) => status?.document(params));
  client.onDidChangeState((event) => {
    if (event.newState === State.Stopped && server.client === client) {
      status?.failed(key, "the server stopped; see the logs");
    }
  });
  server.client = client;
  try {
    await client.start();
    status?.running(key, client.initializeResult?.serverInfo?.version);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    status?.failed(key, `could not start the server (${message})`);
    void explain(`could not start "${launch.command}" (${message}); see the logs.`, launch);
    server.client = undefined;
  }
}

async function stop(server: Server): Promise<void> {
  const running = server.client;
  server.client = undefined;
  try {
    await running?.stop();
  } catch (err) {
    log(`llmsight: stopping the server failed: ${err}`);
  }
}

/** (Re)start the server of `folder`; restarts of one server never race. */
function restart(folder: vscode.WorkspaceFolder | undefined): Promise<void> {
  const key = keyOf(folder);
  const server = servers.get(key) ?? { folder, queue: Promise.resolve() };
  servers.set(key, server);
  server.folder = folder;
  server.queue = server.queue.then(() => stop(server)).then(() => start(server)).catch((err) => {
    // e.g. the Python extension failing to resolve an environment: say so, and keep later restarts working
    log(`llmsight: could not start the server: ${err instanceof Error ? err.stack ?? err.message : err}`);
    status?.failed(key, `could not start the server (${err instanceof Error ? err.message : err}); see the logs`);
  });
  return server.queue;
}

function remove(key: string): Promise<void> {
  const server = servers.get(key);
  servers.delete(key);
  status?.removed(key);
  return server ? (server.queue = server.queue.then(() => stop(server))) : Promise.resolve();
}

/** One server per workspace folder (or one for a window without folders). */
function wantedFolders(): (vscode.WorkspaceFolder | undefined)[] {
  const folders = vscode.workspace.workspaceFolders ?? [];
  return folders.length ? [...folders] : [undefined];
}

async function restartAll(): Promise<void> {
  await Promise.all(wantedFolders().map(restart));
}

/** Send a server command to the server of the document it names (args[0]); reloadTraffic: to all. */
async function serverCommand(command: string, ...args: unknown[]): Promise<unknown> {
  const targets = command === "llmsight.reloadTraffic"
    ? [...servers.values()]
    : [servers.get(serverKeyFor(typeof args[0] === "string" ? vscode.Uri.parse(args[0]) : undefined))];
  const answers = await Promise.all(targets.map((server) =>
    server?.client?.sendRequest("workspace/executeCommand", { command, arguments: args })));
  if (!targets.some((server) => server?.client)) {
    void vscode.window.showWarningMessage("llmsight: the language server is not running; see llmsight: Show Logs.");
  }
  return answers[0];
}

/** The call site at (or the nearest above) the cursor, from the server's code lenses: [uri, site id]. */
async function siteAtCursor(): Promise<[string, string] | undefined> {
  const editor = vscode.window.activeTextEditor;
  const client = editor ? servers.get(serverKeyFor(editor.document.uri))?.client : undefined;
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
    await serverCommand("llmsight.simulate", ...site, ...(scenario.trim() ? [scenario.trim()] : []));
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
    await serverCommand("llmsight.setModel", ...site, models.trim(), where.label);
  }
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  extensionPath = context.extensionPath;
  setRestricted(context.extension.packageJSON.capabilities?.untrustedWorkspaces?.restrictedConfigurations ?? []);
  output = vscode.window.createOutputChannel("llmsight");
  status = new Status(bundleManifest(extensionPath), serverKeyFor);
  context.subscriptions.push(
    output,
    status,
    ...SERVER_COMMANDS.map((command) =>
      vscode.commands.registerCommand(command, (...args: unknown[]) => serverCommand(command, ...args))),
    vscode.commands.registerCommand("llmsight.restart", restartAll),
    vscode.commands.registerCommand("llmsight.showLogs", () => output?.show()),
    vscode.commands.registerCommand("llmsight.simulateSite", simulateSite),
    vscode.commands.registerCommand("llmsight.setModelForSite", setModelForSite),
    vscode.workspace.onDidGrantWorkspaceTrust(restartAll),
    vscode.workspace.onDidChangeWorkspaceFolders(async (event) => {
      // Folders added or removed: their servers start or stop (the folder-less server gives way to them).
      const wanted = new Set(wantedFolders().map(keyOf));
      await Promise.all([...servers.keys()].filter((key) => !wanted.has(key)).map(remove));
      await Promise.all(wantedFolders().filter((folder) => !servers.has(keyOf(folder))).map(restart));
    }),
    vscode.workspace.onDidChangeConfiguration(async (event) => {
      await Promise.all([...servers.values()].map(async (server) => {
        const scope = server.folder?.uri;
        if (RESTART_SETTINGS.some((key) => event.affectsConfiguration(key, scope))) {
          await restart(server.folder);
        } else if (event.affectsConfiguration("llmsight", scope) && server.client) {
          await server.client.sendNotification("workspace/didChangeConfiguration",
            { settings: { llmsight: serverSettings(server.folder) } });
        }
      }));
    }),
  );
  const watching = await onDidChangeInterpreter(async (resource) => {
    const changed = resource ? serverKeyFor(resource) : undefined;
    await Promise.all([...servers.values()]
      .filter((server) => changed === undefined || keyOf(server.folder) === changed)
      .map((server) => restart(server.folder)));
  });
  if (watching) {
    context.subscriptions.push(watching);
  }
  await restartAll();
}

export async function deactivate(): Promise<void> {
  await Promise.all([...servers.values()].map((server) => (server.queue = server.queue.then(() => stop(server)))));
}
