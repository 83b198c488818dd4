import { spawn } from 'node:child_process';

/** Options of {@link runCommand}. */
export interface RunCommandOptions {
  command: string;
  args: string[];
  cwd?: string;
  /** Extra environment variables, added to the backend's own. */
  env?: Record<string, string>;
  /** Each line the command prints, stdout and stderr alike, redacted. */
  onLine?: (line: string) => void;
  /** Applied to every line before it leaves this function. */
  redact?: (text: string) => string;
  /** Aborting kills the command's whole process group. */
  signal?: AbortSignal;
  /** Kills the command after this long; no limit by default. */
  timeoutMs?: number;
  /** What the command does, for error messages: `building the image`. */
  what: string;
}

/** What a finished command printed. */
export interface RunCommandResult {
  stdout: string;
  /** The last lines of output, stdout and stderr interleaved. */
  tail: string[];
}

/** A command that could not be started, failed or was aborted. */
export class CommandError extends Error {
  name = 'CommandError';
  constructor(
    message: string,
    readonly exitCode?: number | null,
    readonly notFound = false,
  ) {
    super(message);
  }
}

const TAIL_LINES = 30;
const KILL_GRACE_MS = 5000;

function killGroup(pid: number | undefined, signal: NodeJS.Signals) {
  if (!pid) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

/**
 * Runs a command without a shell, streaming its output line by line. The
 * command gets its own process group so that an abort (or timeout) stops
 * everything it started, not only the direct child. Secrets must never be
 * passed as arguments: they would show in the process list.
 */
export function runCommand(
  options: RunCommandOptions,
): Promise<RunCommandResult> {
  const redact = options.redact ?? ((text: string) => text);
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted) {
      reject(new CommandError(`${options.what} was cancelled`));
      return;
    }
    const child = spawn(options.command, options.args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const tail: string[] = [];
    let stdout = '';
    let settled = false;
    let stopReason: string | undefined;
    let killTimer: NodeJS.Timeout | undefined;

    const stop = (reason: string) => {
      if (stopReason || child.exitCode !== null) return;
      stopReason = reason;
      killGroup(child.pid, 'SIGTERM');
      killTimer = setTimeout(
        () => killGroup(child.pid, 'SIGKILL'),
        KILL_GRACE_MS,
      );
      killTimer.unref();
    };
    const onAbort = () => stop('was cancelled');
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const timeout = options.timeoutMs
      ? setTimeout(
          () => stop(`timed out after ${options.timeoutMs} ms`),
          options.timeoutMs,
        )
      : undefined;

    const lineSplitter = (collect: boolean) => {
      let pending = '';
      return {
        push(chunk: string) {
          if (collect) stdout += chunk;
          pending += chunk;
          const lines = pending.split(/\r?\n|\r/);
          pending = lines.pop() ?? '';
          lines.forEach(emit);
        },
        flush() {
          if (pending) emit(pending);
          pending = '';
        },
      };
    };
    function emit(raw: string) {
      const line = redact(raw.trimEnd());
      if (!line) return;
      tail.push(line);
      if (tail.length > TAIL_LINES) tail.shift();
      options.onLine?.(line);
    }
    const out = lineSplitter(true);
    const err = lineSplitter(false);
    child.stdout.setEncoding('utf8').on('data', out.push);
    child.stderr.setEncoding('utf8').on('data', err.push);

    const finish = (error?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timeout);
      clearTimeout(killTimer);
      options.signal?.removeEventListener('abort', onAbort);
      if (error) reject(error);
      else resolve({ stdout, tail });
    };

    child.once('error', (error: NodeJS.ErrnoException) => {
      const notFound = error.code === 'ENOENT';
      finish(
        new CommandError(
          notFound
            ? `${options.what} failed: ${options.command} is not installed ` +
              '(not found on the PATH)'
            : `${options.what} failed: could not start ${
                options.command
              }: ${redact(error.message)}`,
          undefined,
          notFound,
        ),
      );
    });
    child.once('close', (code, signal) => {
      out.flush();
      err.flush();
      if (stopReason) {
        finish(new CommandError(`${options.what} ${stopReason}`, code));
      } else if (code !== 0) {
        const output = tail.length
          ? `; its last output:\n${tail.join('\n')}`
          : '';
        finish(
          new CommandError(
            `${options.what} failed: ${options.command} ${
              signal ? `was killed by ${signal}` : `exited with code ${code}`
            }${output}`,
            code,
          ),
        );
      } else {
        finish();
      }
    });
  });
}

/** Whether a command runs and exits 0 (e.g. `buildah --version`). */
export async function commandSucceeds(
  command: string,
  args: string[],
  timeoutMs = 15_000,
  signal?: AbortSignal,
): Promise<boolean> {
  try {
    await runCommand({ command, args, timeoutMs, signal, what: command });
    return true;
  } catch {
    return false;
  }
}
