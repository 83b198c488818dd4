import { spawn } from 'node:child_process';

/** What a git command printed and how it exited. */
export interface GitCommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the git CLI without a shell. Resolves with the exit code and output;
 * rejects only when git cannot start or `signal` aborts it.
 */
export function runGitCommand(
  args: string[],
  options: { cwd: string; env: Record<string, string>; signal?: AbortSignal },
): Promise<GitCommandResult> {
  return new Promise((resolve, reject) => {
    options.signal?.throwIfAborted();
    const child = spawn('git', args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      signal: options.signal,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', chunk => {
      stdout += chunk;
    });
    child.stderr.on('data', chunk => {
      stderr += chunk;
    });
    child.on('error', error => {
      if (options.signal?.aborted) reject(options.signal.reason ?? error);
      else reject(error);
    });
    child.on('close', code => {
      if (options.signal?.aborted) {
        reject(options.signal.reason);
        return;
      }
      resolve({ code: code ?? 1, stdout, stderr });
    });
  });
}
