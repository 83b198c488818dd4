import { ChildProcess, spawn } from 'node:child_process';

/** A command that failed; the message is its first error line. */
export class ChildProcessError extends Error {
  constructor(message: string, readonly notFound = false) {
    super(message);
  }
}

function killGroup(child: ChildProcess) {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/**
 * The commands the simulated controllers run (`git`, `kubectl kustomize`),
 * each in its own process group with a timeout, so that `stop()` ends
 * them and the helpers they start (git-remote-http) all.
 */
export class ChildProcesses {
  readonly #children = new Set<ChildProcess>();
  readonly #timeoutMs: number;

  constructor(options: { timeoutMs?: number } = {}) {
    this.#timeoutMs = options.timeoutMs ?? 30_000;
  }

  /** Runs a command; resolves with its stdout, rejects with its error line. */
  run(
    command: string,
    args: string[],
    options: { cwd?: string; env?: Record<string, string> } = {},
  ): Promise<string> {
    return new Promise((resolve, reject) => {
      const child = spawn(command, args, {
        cwd: options.cwd,
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
        env: { ...process.env, LC_ALL: 'C', ...options.env },
      });
      this.#children.add(child);
      const stdout: Buffer[] = [];
      const stderr: Buffer[] = [];
      child.stdout!.on('data', chunk => stdout.push(chunk));
      child.stderr!.on('data', chunk => stderr.push(chunk));
      const timer = setTimeout(() => killGroup(child), this.#timeoutMs);
      child.on('error', (error: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        this.#children.delete(child);
        reject(
          new ChildProcessError(
            `cannot run ${command}: ${error.message}`,
            error.code === 'ENOENT',
          ),
        );
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        this.#children.delete(child);
        if (code === 0) {
          resolve(Buffer.concat(stdout).toString('utf8'));
          return;
        }
        const lines = Buffer.concat(stderr)
          .toString('utf8')
          .split('\n')
          .map(line => line.trim())
          .filter(Boolean);
        // The first error line is the specific one; later ones are generic.
        const first = lines.find(l => /^(fatal|error):/i.test(l));
        const reason = signal
          ? `${command} ${args[0]} was stopped (${signal})`
          : (first ?? lines.pop() ?? `${command} exited with ${code}`).replace(
              /^(fatal|error):\s*/i,
              '',
            );
        reject(new ChildProcessError(reason));
      });
    });
  }

  /** Kills every running command. */
  async stop(): Promise<void> {
    await Promise.all(
      [...this.#children].map(
        child =>
          new Promise<void>(resolve => {
            if (child.exitCode !== null || child.signalCode !== null) {
              resolve();
              return;
            }
            child.once('close', () => resolve());
            killGroup(child);
          }),
      ),
    );
  }
}
