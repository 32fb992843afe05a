// Settings, read as workspace trust allows: a repository's .vscode/settings.json must not choose the
// program this extension starts, nor a file the server opens, before the user trusts the folder. The
// settings that do (package.json's capabilities.untrustedWorkspaces.restrictedConfigurations) are read
// from user settings only while the workspace is untrusted.
import * as vscode from "vscode";

let restricted = new Set<string>();

export function setRestricted(keys: string[]): void {
  restricted = new Set(keys);
}

/** A setting's value for a folder; for a restricted one in an untrusted workspace, the user's (or the default). */
export function setting<T>(key: string, fallback: T, folder?: vscode.WorkspaceFolder): T {
  const cfg = vscode.workspace.getConfiguration("llmsight", folder?.uri);
  if (vscode.workspace.isTrusted || !restricted.has(`llmsight.${key}`)) {
    return cfg.get<T>(key) ?? fallback;
  }
  const inspected = cfg.inspect<T>(key);
  return inspected?.globalValue ?? inspected?.defaultValue ?? fallback;
}

export type ImportStrategy = "useBundled" | "fromEnvironment";

export function importStrategy(folder?: vscode.WorkspaceFolder): ImportStrategy {
  return setting<string>("importStrategy", "useBundled", folder) === "fromEnvironment" ? "fromEnvironment" : "useBundled";
}

/** What the server reads from `initializationOptions.llmsight` and `workspace/configuration`. */
export interface ServerSettings {
  trafficDb: string | null;
  select: string[];
  ignore: string[];
  debounceMs: number;
  diagnosticMode: string;
  inlayHints: boolean;
  codeLens: boolean;
}

export function serverSettings(folder?: vscode.WorkspaceFolder): ServerSettings {
  return {
    trafficDb: setting<string>("trafficDb", "", folder) || null,
    select: setting<string[]>("select", [], folder),
    ignore: setting<string[]>("ignore", [], folder),
    debounceMs: setting<number>("debounceMs", 150, folder),
    diagnosticMode: setting<string>("diagnosticMode", "openFiles", folder),
    inlayHints: setting<boolean>("inlayHints", true, folder),
    codeLens: setting<boolean>("codeLens", true, folder),
  };
}

/** Settings whose change needs a new server process (the others reach the running one). */
export const RESTART_SETTINGS = ["llmsight.interpreter", "llmsight.importStrategy"];
