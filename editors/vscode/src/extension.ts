// llmsight for VS Code: starts `<interpreter> -m llmsight lsp` and connects it with vscode-languageclient.
// All analysis happens in the server; this file only wires settings, commands and restarts.
// The server's own commands (llmsight.simulate, llmsight.reloadTraffic) are registered by
// vscode-languageclient from the server's executeCommandProvider.
import * as vscode from "vscode";
import {
  LanguageClient,
  LanguageClientOptions,
  ServerOptions,
  TransportKind,
} from "vscode-languageclient/node";

let client: LanguageClient | undefined;
let output: vscode.OutputChannel | undefined;

interface ServerSettings {
  trafficDb: string | null;
  select: string[];
  ignore: string[];
  debounceMs: number;
  diagnosticMode: string;
  inlayHints: boolean;
  codeLens: boolean;
}

function serverSettings(): ServerSettings {
  const cfg = vscode.workspace.getConfiguration("llmsight");
  return {
    trafficDb: cfg.get<string>("trafficDb") || null,
    select: cfg.get<string[]>("select") ?? [],
    ignore: cfg.get<string[]>("ignore") ?? [],
    debounceMs: cfg.get<number>("debounceMs") ?? 150,
    diagnosticMode: cfg.get<string>("diagnosticMode") ?? "openFiles",
    inlayHints: cfg.get<boolean>("inlayHints") ?? true,
    codeLens: cfg.get<boolean>("codeLens") ?? true,
  };
}

function interpreter(): string {
  const configured = vscode.workspace.getConfiguration("llmsight").get<string>("interpreter");
  return configured && configured.trim() ? configured.trim() : process.platform === "win32" ? "python" : "python3";
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
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: "file", language: "python" },
      { scheme: "untitled", language: "python" },
      { notebook: "jupyter-notebook", language: "python" },
    ],
    initializationOptions: { llmsight: serverSettings() },
    synchronize: { configurationSection: "llmsight" },
    outputChannel: output,
    middleware: {
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

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  context.subscriptions.push(
    vscode.commands.registerCommand("llmsight.restart", async () => {
      await stop();
      await start();
    }),
    vscode.workspace.onDidChangeConfiguration(async (event) => {
      if (event.affectsConfiguration("llmsight.interpreter")) {
        await stop();
        await start();
      }
    }),
  );
  await start();
}

export async function deactivate(): Promise<void> {
  await stop();
}
