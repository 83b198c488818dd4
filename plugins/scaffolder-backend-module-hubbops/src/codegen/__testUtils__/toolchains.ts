import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';

/** The path of a Debian toolchain binary, or an error naming its package. */
export function requireBinary(path: string, debianPackage: string): string {
  try {
    accessSync(path, constants.X_OK);
  } catch {
    throw new Error(
      `${path} is missing: install the Debian package ${debianPackage} (apt-get install ${debianPackage})`,
    );
  }
  return path;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion (never left running: it has a timeout). */
export function run(
  file: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<RunResult> {
  return new Promise(resolve => {
    execFile(
      file,
      args,
      {
        cwd: options.cwd,
        env: options.env ?? process.env,
        timeout: options.timeoutMs ?? 60_000,
        maxBuffer: 16 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        let code = 0;
        if (error) {
          // A numeric code is the exit status; otherwise it failed to run.
          code =
            typeof (error as any).code === 'number' ? (error as any).code : 1;
        }
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });
}

/** Runs a command and fails with its output unless it exits 0. */
export async function runOk(
  file: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<string> {
  const result = await run(file, args, options);
  if (result.code !== 0) {
    throw new Error(
      `${file} ${args.join(' ')} exited ${result.code}:\n${result.stdout}\n${
        result.stderr
      }`,
    );
  }
  return result.stdout;
}
