import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise(resolve => server.close(resolve));
  return port;
}

/**
 * Pulls `imageRef` into a fresh buildah storage (vfs), runs its command
 * (`node server.js`) with `buildah run` (chroot isolation, so on the host's
 * network) and returns what its health endpoint answered. The container's
 * process group is killed and the storage deleted afterwards.
 */
export async function runImageHealthCheck(options: {
  imageRef: string;
  healthPath: string;
  command?: string[];
  timeoutMs?: number;
}): Promise<{ status: number; body: string; output: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'hubbops-e2e-buildah-'));
  const storage = [
    '--root',
    join(dir, 'root'),
    '--runroot',
    join(dir, 'run'),
    '--storage-driver',
    'vfs',
  ];
  try {
    const { stdout } = await run(
      'buildah',
      [...storage, 'from', '--quiet', '--tls-verify=false', options.imageRef],
      { maxBuffer: 16 * 1024 * 1024 },
    );
    const container = stdout.trim().split('\n').pop()!;
    const port = await freePort();
    // Its own process group, so that the chroot'ed node dies with it.
    const child = spawn(
      'buildah',
      [
        ...storage,
        'run',
        '--isolation',
        'chroot',
        '--env',
        `PORT=${port}`,
        container,
        '--',
        ...(options.command ?? ['node', 'server.js']),
      ],
      { detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', chunk => {
      output += chunk;
    });
    child.stderr.on('data', chunk => {
      output += chunk;
    });
    const exited = new Promise<void>(resolve => child.once('close', resolve));
    try {
      const deadline = Date.now() + (options.timeoutMs ?? 30_000);
      for (;;) {
        if (child.exitCode !== null) {
          throw new Error(
            `the container exited (code ${child.exitCode}) before answering:\n${output}`,
          );
        }
        try {
          const response = await fetch(
            `http://127.0.0.1:${port}${options.healthPath}`,
          );
          return {
            status: response.status,
            body: await response.text(),
            output,
          };
        } catch {
          if (Date.now() > deadline) {
            throw new Error(
              `nothing answered on port ${port} within the timeout:\n${output}`,
            );
          }
          await new Promise(resolve => setTimeout(resolve, 200));
        }
      }
    } finally {
      const signal = (name: NodeJS.Signals) => {
        try {
          process.kill(-child.pid!, name);
        } catch {
          // already gone
        }
      };
      signal('SIGTERM');
      const timer = setTimeout(() => signal('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    }
  } finally {
    await removeStorage(dir);
  }
}

/** Deletes the storage, unless something is still mounted inside it. */
async function removeStorage(dir: string): Promise<void> {
  const mounts = await readFile('/proc/self/mounts', 'utf8');
  const inside = mounts
    .split('\n')
    .map(line => line.split(' ')[1])
    .filter(point => point && point.startsWith(`${dir}/`));
  if (inside.length) {
    throw new Error(
      `buildah left mounts in ${dir} (${inside.join(', ')}); not deleting it`,
    );
  }
  await rm(dir, { recursive: true, force: true });
}
