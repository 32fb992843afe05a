// The language status item beside "Python" in the status bar, for the server of the active document's
// folder: its state, interpreter, import strategy, the price data the bundled server carries, and for the
// document the traffic store its estimates rest on and how many of its calls are mapped (the server's
// llmsight/status notification); a click opens the logs.
import * as vscode from "vscode";
import type { BundleManifest, ServerLaunch } from "./server";

/** The server's llmsight/status notification for one document (lsp/status.py). */
export interface DocumentStatus {
  uri: string;
  traffic: string | null;
  sites: number;
  sitesWithTraffic: number;
  callsMapped: number;
}

interface ServerState {
  launch?: ServerLaunch;
  state: "starting" | "running" | "failed";
  version?: string;
  problem?: string;
}

export class Status implements vscode.Disposable {
  private readonly item: vscode.LanguageStatusItem;
  private readonly servers = new Map<string, ServerState>();
  private readonly documents = new Map<string, DocumentStatus>();
  private readonly watching: vscode.Disposable;

  /** `serverOf(uri)`: the key of the server that serves a document. */
  constructor(private readonly manifest: BundleManifest | undefined,
    private readonly serverOf: (uri: vscode.Uri | undefined) => string) {
    this.item = vscode.languages.createLanguageStatusItem("llmsight.status", [{ language: "python" }]);
    this.item.name = "llmsight";
    this.item.command = { title: "Show Logs", command: "llmsight.showLogs" };
    this.item.text = "llmsight";
    this.watching = vscode.window.onDidChangeActiveTextEditor(() => this.render());
  }

  starting(server: string, launch: ServerLaunch): void {
    this.update(server, { launch, state: "starting" });
  }

  running(server: string, version: string | undefined): void {
    this.update(server, { ...this.servers.get(server), state: "running", version });
  }

  failed(server: string, problem: string): void {
    this.update(server, { ...this.servers.get(server), state: "failed", problem });
  }

  removed(server: string): void {
    this.servers.delete(server);
    this.render();
  }

  document(status: DocumentStatus): void {
    this.documents.set(status.uri, status);
    this.render();
  }

  private update(server: string, state: ServerState): void {
    this.servers.set(server, state);
    this.render();
  }

  /** The active document's URI as the server keys it (a notebook cell: its notebook). */
  private active(): vscode.Uri | undefined {
    const uri = vscode.window.activeTextEditor?.document.uri;
    return uri?.scheme === "vscode-notebook-cell" ? uri.with({ scheme: "file", fragment: "" }) : uri;
  }

  private render(): void {
    const uri = this.active();
    const server = this.servers.get(this.serverOf(uri));
    if (!server) {
      return;
    }
    if (server.state === "failed") {
      this.set("llmsight: not running", vscode.LanguageStatusSeverity.Error, false, server.problem ?? "");
    } else if (server.state === "starting") {
      this.set("$(loading~spin) llmsight", vscode.LanguageStatusSeverity.Information, true, this.where(server));
    } else {
      this.set(`llmsight${server.version ? ` ${server.version}` : ""}`, vscode.LanguageStatusSeverity.Information,
        false, this.where(server) + this.traffic(uri));
    }
  }

  private where(server: ServerState): string {
    const launch = server.launch;
    if (!launch) {
      return "";
    }
    const python = `${launch.command}${launch.interpreter.version ? ` (Python ${launch.interpreter.version})` : ""}`;
    const kind = launch.strategy === "useBundled" && this.manifest
      ? `bundled server, price data litellm ${this.manifest.litellm}`
      : "server from the environment";
    return `${kind} · ${python} from ${launch.interpreter.source}`;
  }

  private traffic(uri: vscode.Uri | undefined): string {
    const status = uri ? this.documents.get(uri.toString()) : undefined;
    if (!status) {
      return "";
    }
    if (!status.traffic) {
      return ` · no traffic: estimates from priors (${status.sites} call sites)`;
    }
    return ` · traffic ${status.traffic}: ${status.sitesWithTraffic} of ${status.sites} call sites mapped, ` +
      `${status.callsMapped.toLocaleString("en-US")} calls`;
  }

  private set(text: string, severity: vscode.LanguageStatusSeverity, busy: boolean, detail: string): void {
    Object.assign(this.item, { text, severity, busy, detail });
  }

  dispose(): void {
    this.watching.dispose();
    this.item.dispose();
  }
}
