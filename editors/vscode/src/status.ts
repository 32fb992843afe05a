// The language status item beside "Python" in the status bar: server state, interpreter, import strategy,
// the price data the bundled server carries, and for the active document the traffic store its estimates
// rest on and how many of its calls are mapped (the server's llmsight/status); a click opens the logs.
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

export class Status implements vscode.Disposable {
  private readonly item: vscode.LanguageStatusItem;
  private launch: ServerLaunch | undefined;
  private version: string | undefined;
  private readonly documents = new Map<string, DocumentStatus>();
  private readonly watching: vscode.Disposable;

  constructor(private readonly manifest: BundleManifest | undefined) {
    this.item = vscode.languages.createLanguageStatusItem("llmsight.status", [{ language: "python" }]);
    this.item.name = "llmsight";
    this.item.command = { title: "Show Logs", command: "llmsight.showLogs" };
    this.item.text = "llmsight";
    this.watching = vscode.window.onDidChangeActiveTextEditor(() => this.showDocument());
  }

  /** The document the user looks at, as the server keys it (a notebook cell: its notebook). */
  private activeKey(): string | undefined {
    const uri = vscode.window.activeTextEditor?.document.uri;
    return uri?.scheme === "vscode-notebook-cell" ? uri.with({ scheme: "file", fragment: "" }).toString() : uri?.toString();
  }

  document(status: DocumentStatus): void {
    this.documents.set(status.uri, status);
    this.showDocument();
  }

  private traffic(): string {
    const key = this.activeKey();
    const status = key ? this.documents.get(key) : undefined;
    if (!status) {
      return "";
    }
    if (!status.traffic) {
      return ` · no traffic: estimates from priors (${status.sites} call sites)`;
    }
    return ` · traffic ${status.traffic}: ${status.sitesWithTraffic} of ${status.sites} call sites mapped, ` +
      `${status.callsMapped.toLocaleString("en-US")} calls`;
  }

  private showDocument(): void {
    if (this.item.severity !== vscode.LanguageStatusSeverity.Error && this.launch && !this.item.busy) {
      this.running(this.version);
    }
  }

  private where(): string {
    const launch = this.launch;
    if (!launch) {
      return "";
    }
    const python = `${launch.command}${launch.interpreter.version ? ` (Python ${launch.interpreter.version})` : ""}`;
    const server = launch.strategy === "useBundled" && this.manifest
      ? `bundled server, price data litellm ${this.manifest.litellm}`
      : "server from the environment";
    return `${server} · ${python} from ${launch.interpreter.source}`;
  }

  starting(launch: ServerLaunch): void {
    this.launch = launch;
    this.set("$(loading~spin) llmsight", vscode.LanguageStatusSeverity.Information, true, this.where());
  }

  running(version: string | undefined): void {
    this.version = version;
    this.set(`llmsight${version ? ` ${version}` : ""}`, vscode.LanguageStatusSeverity.Information, false,
      this.where() + this.traffic());
  }

  failed(problem: string): void {
    this.set("llmsight: not running", vscode.LanguageStatusSeverity.Error, false, problem);
  }

  private set(text: string, severity: vscode.LanguageStatusSeverity, busy: boolean, detail: string): void {
    Object.assign(this.item, { text, severity, busy, detail });
  }

  dispose(): void {
    this.watching.dispose();
    this.item.dispose();
  }
}
