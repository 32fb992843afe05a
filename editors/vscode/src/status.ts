// The language status item beside "Python" in the status bar: server state, interpreter, import strategy
// and the price data the bundled server carries; a click opens the logs.
import * as vscode from "vscode";
import type { BundleManifest, ServerLaunch } from "./server";

export class Status implements vscode.Disposable {
  private readonly item: vscode.LanguageStatusItem;
  private launch: ServerLaunch | undefined;

  constructor(private readonly manifest: BundleManifest | undefined) {
    this.item = vscode.languages.createLanguageStatusItem("llmsight.status", [{ language: "python" }]);
    this.item.name = "llmsight";
    this.item.command = { title: "Show Logs", command: "llmsight.showLogs" };
    this.item.text = "llmsight";
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
    this.set(`llmsight${version ? ` ${version}` : ""}`, vscode.LanguageStatusSeverity.Information, false, this.where());
  }

  failed(problem: string): void {
    this.set("llmsight: not running", vscode.LanguageStatusSeverity.Error, false, problem);
  }

  private set(text: string, severity: vscode.LanguageStatusSeverity, busy: boolean, detail: string): void {
    Object.assign(this.item, { text, severity, busy, detail });
  }

  dispose(): void {
    this.item.dispose();
  }
}
