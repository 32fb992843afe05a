// The server process: `<interpreter> bundled/tool/server.py`, which runs the extension's bundled llmsight
// (importStrategy useBundled: bundled/server + bundled/libs/cp3XY + litellm's data files) or the one
// installed in the interpreter's environment (fromEnvironment). Its working directory is the extension's,
// never the workspace's. Before starting, `server.py --check` says in one line what is missing.
import { execFile } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as vscode from "vscode";
import { Interpreter, resolveInterpreter } from "./python";
import { ImportStrategy, importStrategy } from "./settings";

export interface ServerLaunch {
  interpreter: Interpreter;
  strategy: ImportStrategy;
  command: string;
  args: string[];
  options: { cwd: string; env: NodeJS.ProcessEnv };
}

/** bundled/manifest.json, written by scripts/bundle.py: what the bundled server holds. */
export interface BundleManifest {
  target: string;
  python: string[];
  litellm: string;
  llmsight: string;
}

export function bundleManifest(extensionPath: string): BundleManifest | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(extensionPath, "bundled", "manifest.json"), "utf8"));
  } catch {
    return undefined;    // a build without the bundled server (fromEnvironment only)
  }
}

/** How the server for `folder` is started: the program, arguments and environment the client spawns. */
export async function serverLaunch(
  extensionPath: string,
  folder: vscode.WorkspaceFolder | undefined,
  warn: (message: string) => void = () => undefined,
): Promise<ServerLaunch> {
  const interpreter = await resolveInterpreter(folder, warn);
  const strategy = importStrategy(folder);
  return {
    interpreter,
    strategy,
    command: interpreter.path,
    args: [path.join(extensionPath, "bundled", "tool", "server.py")],
    options: { cwd: extensionPath, env: { ...process.env, LLMSIGHT_IMPORT_STRATEGY: strategy } },
  };
}

/** Why this launch cannot start a server (one line naming what to install or select), or undefined. */
export function preflight(launch: ServerLaunch): Promise<string | undefined> {
  if (launch.interpreter.problem) {
    return Promise.resolve(launch.interpreter.problem);
  }
  return new Promise((resolve) => {
    execFile(launch.command, [...launch.args, "--check"], { ...launch.options, timeout: 30000 }, (error, _out, err) => {
      if (!error) {
        resolve(undefined);
      } else if ((error as NodeJS.ErrnoException).code === "ENOENT") {
        resolve(`cannot run "${launch.command}" (${launch.interpreter.source}): no such program. Install Python 3.10+ ` +
          `or select an interpreter with "Python: Select Interpreter" (Python extension) or llmsight.interpreter.`);
      } else {
        const line = String(err).trim().split("\n").pop() || error.message;
        resolve(line.replace(/^llmsight: /, ""));
      }
    });
  });
}
