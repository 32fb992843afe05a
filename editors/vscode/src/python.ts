// Which Python runs the server, as the Python-tools extensions (ruff, black, pylint) choose it:
// `llmsight.interpreter` when set, else the interpreter selected in the Python extension for the folder
// (`@vscode/python-extension`: getActiveEnvironmentPath + resolveEnvironment), else `python3` from PATH.
// The Python extension is optional (no extensionDependencies); without it the user is told what to install.
//
// Workspace trust: in an untrusted workspace a repository's settings must not pick the program this
// extension starts. The restricted settings are then read from user settings only (settings.ts), and
// the Python extension is not asked either: its choice for a folder may be the folder's own .venv.
import * as path from "path";
import * as vscode from "vscode";
import { PythonExtension } from "@vscode/python-extension";
import { setting } from "./settings";

export const PYTHON_EXTENSION_ID = "ms-python.python";
export const MIN_PYTHON = { major: 3, minor: 10 };

export interface Interpreter {
  /** The program to run. */
  path: string;
  /** Where it came from, for the logs and the status item. */
  source: string;
  /** "3.12", when known before the server starts. */
  version?: string;
  /** Why it is not usable (too old), when known. */
  problem?: string;
}

let pythonApi: PythonExtension | undefined;

/** The Python extension's API, or undefined when it is not installed or disabled. */
export async function pythonExtension(): Promise<PythonExtension | undefined> {
  if (!pythonApi && vscode.extensions.getExtension(PYTHON_EXTENSION_ID)) {
    try {
      pythonApi = await PythonExtension.api();
      await pythonApi.ready;
    } catch {
      pythonApi = undefined;
    }
  }
  return pythonApi;
}

function defaultPython(): string {
  return process.platform === "win32" ? "python" : "python3";
}

/** `llmsight.interpreter` for this folder; a relative path with a directory part is the folder's
 * (e.g. `.venv/bin/python`), which only a trusted workspace may run. */
function configuredInterpreter(folder: vscode.WorkspaceFolder | undefined, warn: (m: string) => void): Interpreter | undefined {
  const configured = setting<string>("interpreter", "", folder).trim();
  if (!configured) {
    return undefined;
  }
  const source = "llmsight.interpreter";
  if (path.isAbsolute(configured) || !/[\\/]/.test(configured)) {
    return { path: configured, source };
  }
  const base = folder?.uri.fsPath ?? vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  if (vscode.workspace.isTrusted && base) {
    return { path: path.join(base, configured), source };
  }
  warn(`llmsight: not running llmsight.interpreter "${configured}" from the workspace folder until you trust it; ` +
    `using "${defaultPython()}" from PATH.`);
  return { path: defaultPython(), source: "PATH (workspace not trusted)" };
}

/** The interpreter the server runs with for this folder. */
export async function resolveInterpreter(
  folder: vscode.WorkspaceFolder | undefined,
  warn: (message: string) => void,
): Promise<Interpreter> {
  const configured = configuredInterpreter(folder, warn);
  if (configured) {
    return configured;
  }
  if (!vscode.workspace.isTrusted) {
    return { path: defaultPython(), source: "PATH (workspace not trusted)" };
  }
  const api = await pythonExtension();
  if (!api) {
    warn(`llmsight: install the Python extension (${PYTHON_EXTENSION_ID}) to run llmsight with the interpreter ` +
      `you select there, or set llmsight.interpreter; using "${defaultPython()}" from PATH for now.`);
    return { path: defaultPython(), source: "PATH (no Python extension)" };
  }
  const active = api.environments.getActiveEnvironmentPath(folder?.uri);
  const resolved = await api.environments.resolveEnvironment(active);
  const executable = resolved?.executable.uri?.fsPath;
  if (!resolved || !executable) {
    warn(`llmsight: the Python extension could not resolve the selected interpreter (${active.path}); ` +
      `select another with "Python: Select Interpreter", or set llmsight.interpreter.`);
    return { path: defaultPython(), source: "PATH (selected interpreter not resolved)" };
  }
  const { major, minor } = resolved.version ?? { major: undefined, minor: undefined };
  const version = major !== undefined && minor !== undefined ? `${major}.${minor}` : undefined;
  const tooOld = major !== undefined && minor !== undefined &&
    (major < MIN_PYTHON.major || (major === MIN_PYTHON.major && minor < MIN_PYTHON.minor));
  return {
    path: executable,
    source: "Python extension",
    version,
    problem: tooOld ? `${executable} is Python ${version}; llmsight needs Python 3.10 or newer (select another ` +
      `with "Python: Select Interpreter")` : undefined,
  };
}

/** Call `listener` with the resource (file or folder; undefined: the whole window) whose interpreter the
 * Python extension's selection changed for. */
export async function onDidChangeInterpreter(
  listener: (resource: vscode.Uri | undefined) => unknown,
): Promise<vscode.Disposable | undefined> {
  const api = await pythonExtension();
  return api?.environments.onDidChangeActiveEnvironmentPath((event) => {
    void listener(event.resource instanceof vscode.Uri ? event.resource : event.resource?.uri);
  });
}
