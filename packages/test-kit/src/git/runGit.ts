import { spawn } from 'node:child_process';

/** Options of {@link runGit}. */
export interface RunGitOptions {
  cwd?: string;
  /** Added to a minimal environment, not to the caller's. */
  env?: Record<string, string>;
  input?: string | Buffer;
}

/**
 * The environment every test-kit git command runs with: no system or user
 * config (so a developer's ~/.gitconfig changes nothing) and no prompts.
 */
export function isolatedGitEnv(home: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_TERMINAL_PROMPT: '0',
    LANG: 'C',
    LC_ALL: 'C',
  };
}

/** Runs the git CLI and resolves with its stdout; rejects with its stderr. */
export function runGit(
  args: string[],
  options: RunGitOptions = {},
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, {
      cwd: options.cwd,
      env: options.env ?? isolatedGitEnv(options.cwd ?? process.cwd()),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', chunk => stdout.push(chunk));
    child.stderr.on('data', chunk => stderr.push(chunk));
    child.on('error', reject);
    child.on('close', code => {
      if (code === 0) {
        resolve(Buffer.concat(stdout));
      } else {
        reject(
          new Error(
            `git ${args[0]} failed (exit ${code}): ${Buffer.concat(stderr)
              .toString()
              .trim()}`,
          ),
        );
      }
    });
    child.stdin.on('error', () => {});
    child.stdin.end(options.input);
  });
}
