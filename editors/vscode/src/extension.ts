// llmsight for VS Code: starts `<interpreter> -m llmsight lsp` and connects it with vscode-languageclient.
// All analysis happens in the server; this file only wires settings, commands and restarts.
// The server's own commands (llmsight.simulate, llmsight.reloadTraffic) are registered by
// vscode-languageclient from the server's executeCommandProvider.
//
// Workspace trust: a repository's .vscode/settings.json must not pick the program this extension
// starts, nor a file the server opens, before the user trusts the folder. The settings that do
// (package.json's capabilities.untrustedWorkspaces.restrictedConfigurations) are read from user
// settings only while the workspace is untrusted, and the server never runs with the workspace as
// its working directory (`python -m` would import modules from there).
import * as path from "path";
import * as vscode from "vscode";
import {
  LanguageClient,
  LanguageClientOptions,
  ServerOptions,
  TransportKind,
} from "vscode-languageclient/node";

let client: LanguageClient | undefined;
let output: vscode.OutputChannel | undefined;
let extensionDir = "";
let restricted = new Set<string>();

interface ServerSettings {
  trafficDb: string | null;
  select: string[];
  ignore: string[];
  debounceMs: number;
  diagnosticMode: string;
  inlayHints: boolean;
  codeLens: boolean;
}

/** A setting's value; for a restricted one in an untrusted workspace, the user's (or the default). */
function setting<T>(key: string, fallback: T): T {
  const cfg = vscode.workspace.getConfiguration("llmsight");
  if (vscode.workspace.isTrusted || !restricted.has(`llmsight.${key}`)) {
    return cfg.get<T>(key) ?? fallback;
  }
  const inspected = cfg.inspect<T>(key);
  return inspected?.globalValue ?? inspected?.defaultValue ?? fallback;
}

function serverSettings(): ServerSettings {
  return {
    trafficDb: setting<string>("trafficDb", "") || null,
    select: setting<string[]>("select", []),
    ignore: setting<string[]>("ignore", []),
    debounceMs: setting<number>("debounceMs", 150),
    diagnosticMode: setting<string>("diagnosticMode", "openFiles"),
    inlayHints: setting<boolean>("inlayHints", true),
    codeLens: setting<boolean>("codeLens", true),
  };
}

/** The program that runs the server. A relative path with a directory part is the first workspace
 * folder's (e.g. `.venv/bin/python`), which only a trusted workspace may run. */
function interpreter(): string {
  const fallback = process.platform === "win32" ? "python" : "python3";
  const configured = setting<string>("interpreter", "").trim();
  if (!configured || path.isAbsolute(configured) || !/[\\/]/.test(configured)) {
    return configured || fallback;
  }
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  if (vscode.workspace.isTrusted && folder) {
    return path.join(folder, configured);
  }
  void vscode.window.showWarningMessage(
    `llmsight: not running llmsight.interpreter "${configured}" from the workspace folder until you trust it; ` +
      `using "${fallback}" from PATH.`,
  );
  return fallback;
}

interface SimulationAnswer {
  error?: string;
  site_id?: string;
  estimate?: { cost_per_call?: { value?: number | null }; latency_p95_s?: { value?: number | null } | null };
  alternatives?: { model: string; cost_per_call: number | null; latency_p95_s: number | null; quality: number | null }[];
}

function showSimulation(answer: SimulationAnswer): void {
  if (!output) {
    return;
  }
  if (answer.error) {
    void vscode.window.showWarningMessage(`llmsight: ${answer.error}`);
    return;
  }
  const money = (v: number | null | undefined) => (v == null ? "?" : `$${v.toPrecision(2)}`);
  const secs = (v: number | null | undefined) => (v == null ? "?" : `${v.toFixed(1)} s`);
  output.appendLine(`${answer.site_id}: ${money(answer.estimate?.cost_per_call?.value)}/call, ` +
    `p95 ${secs(answer.estimate?.latency_p95_s?.value)}`);
  for (const alt of answer.alternatives ?? []) {
    output.appendLine(`  ${alt.model}: ${money(alt.cost_per_call)}/call, p95 ${secs(alt.latency_p95_s)}, ` +
      `quality ${alt.quality ?? "?"}`);
  }
  output.show(true);
}

async function start(): Promise<void> {
  output = output ?? vscode.window.createOutputChannel("llmsight");
  const command = interpreter();
  const serverOptions: ServerOptions = {
    command,
    args: ["-m", "llmsight", "lsp"],
    transport: TransportKind.stdio,
    options: { cwd: extensionDir },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: "file", language: "python" },
      { scheme: "untitled", language: "python" },
      { notebook: "jupyter-notebook", language: "python" },
    ],
    initializationOptions: { llmsight: serverSettings() },
    outputChannel: output,
    middleware: {
      // The server asks for its section: answer with the settings trust allows, not VS Code's merge.
      workspace: {
        configuration: async (params, token, next) => {
          const answers = await next(params, token);
          return Array.isArray(answers)
            ? params.items.map((item, i) => (item.section === "llmsight" ? serverSettings() : answers[i]))
            : answers;
        },
      },
      // A code lens runs llmsight.simulate on the server; show what it answered.
      executeCommand: async (command, args, next) => {
        const result = await next(command, args);
        if (command === "llmsight.simulate") {
          showSimulation(result);
        }
        return result;
      },
    },
  };
  client = new LanguageClient("llmsight", "llmsight", serverOptions, clientOptions);
  try {
    await client.start();
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    void vscode.window.showErrorMessage(
      `llmsight: could not start "${command} -m llmsight lsp" (${message}). ` +
        `Install it with "${command} -m pip install 'llmsight[lsp]'" or set llmsight.interpreter.`,
    );
    client = undefined;
  }
}

async function stop(): Promise<void> {
  if (client) {
    const running = client;
    client = undefined;
    await running.stop();
  }
}

async function restart(): Promise<void> {
  await stop();
  await start();
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  extensionDir = context.extensionPath;
  restricted = new Set(context.extension.packageJSON.capabilities?.untrustedWorkspaces?.restrictedConfigurations ?? []);
  context.subscriptions.push(
    vscode.commands.registerCommand("llmsight.restart", restart),
    vscode.workspace.onDidGrantWorkspaceTrust(restart),
    vscode.workspace.onDidChangeConfiguration(async (event) => {
      if (event.affectsConfiguration("llmsight.interpreter")) {
        await restart();
      } else if (event.affectsConfiguration("llmsight") && client) {
        await client.sendNotification("workspace/didChangeConfiguration", { settings: { llmsight: serverSettings() } });
      }
    }),
  );
  await start();
}

export async function deactivate(): Promise<void> {
  await stop();
}
