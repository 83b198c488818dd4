import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { accessSync, constants as fsConstants } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHtpasswd } from './htpasswd';
import {
  parseScopes,
  startTokenServer,
  TestRegistryTokenRequest,
  TOKEN_ISSUER,
  TOKEN_SERVICE,
  TokenSigner,
} from './tokenServer';

/** Default path of Debian's `docker-registry` package binary. */
export const DEFAULT_DOCKER_REGISTRY_BIN = '/usr/bin/docker-registry';

/** How clients must authenticate to a test registry. */
export interface TestRegistryAuthOptions {
  /**
   * `basic`: htpasswd (bcrypt) basic auth on the registry itself.
   * `token`: the Docker token flow, as Docker Hub, GHCR and Harbor use it:
   * the registry answers 401 with `WWW-Authenticate: Bearer realm=...`, and a
   * token server started beside it trades these credentials for a JWT.
   * Default `basic`.
   */
  type?: 'basic' | 'token';
  username: string;
  password: string;
}

/** Options of {@link startTestRegistry}. */
export interface TestRegistryOptions {
  /** Require authentication; anonymous read/write when left out. */
  auth?: TestRegistryAuthOptions;
  /**
   * The registry binary; defaults to `HUBBOPS_DOCKER_REGISTRY_BIN`, then
   * `/usr/bin/docker-registry`.
   */
  binary?: string;
  /** How long to wait for the registry to answer `/v2/`; default 15 s. */
  startTimeoutMs?: number;
}

/** A request the registry served, from its access log. */
export interface TestRegistryRequest {
  method: string;
  /** Path and query, e.g. `/v2/app/blobs/uploads/?mount=sha256:...&from=base`. */
  path: string;
  status: number;
}

/** A running registry started by {@link startTestRegistry}. */
export interface TestRegistry {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** `127.0.0.1:<port>`, the registry part of image references. */
  host: string;
  port: number;
  /** Where the registry keeps its blobs (filesystem storage driver). */
  storageDir: string;
  /** The auth the registry requires, if any. */
  auth?: Required<TestRegistryAuthOptions> & {
    /** Token endpoint, for `token` auth. */
    realm?: string;
    service?: string;
  };
  /** Requests the token server answered (empty unless `token` auth). */
  tokenRequests: TestRegistryTokenRequest[];
  /**
   * An `Authorization` header value with pull, push and delete on the given
   * repositories, for test helpers that talk to the registry directly;
   * undefined for an anonymous registry.
   */
  authorization(repositories: string[]): string | undefined;
  /**
   * The requests the registry served since it started or since the last
   * {@link TestRegistry.clearRequests}, in the order it finished them. Waits
   * until every request already answered is in the access log.
   */
  requests(): Promise<TestRegistryRequest[]>;
  /** Forgets the requests served so far. */
  clearRequests(): Promise<void>;
  /** The tail of the registry's own log, for diagnosing failures. */
  logs(): string;
  /** Stops the registry and deletes its storage; safe to call twice. */
  stop(): Promise<void>;
}

const running = new Set<TestRegistry>();

/** Stops every registry this module started that is still running. */
export async function stopAllTestRegistries(): Promise<void> {
  await Promise.all([...running].map(registry => registry.stop()));
}

// Under jest, stop registries that a test file forgot to stop. This module is
// loaded when a test file imports it at its top level, where hooks may be
// declared; a late (in-test) import cannot declare hooks, hence the guard.
declare const afterAll: ((fn: () => Promise<void>) => void) | undefined;
try {
  if (typeof afterAll === 'function') afterAll(stopAllTestRegistries);
} catch {
  // not at a place where jest accepts hooks
}

function registryBinary(options: TestRegistryOptions): string {
  const binary =
    options.binary ||
    process.env.HUBBOPS_DOCKER_REGISTRY_BIN ||
    DEFAULT_DOCKER_REGISTRY_BIN;
  try {
    accessSync(binary, fsConstants.X_OK);
  } catch {
    throw new Error(
      `The test registry needs the CNCF distribution registry, but ${binary} ` +
        'is missing or not executable. Install it with ' +
        '"apt-get install docker-registry", or set ' +
        'HUBBOPS_DOCKER_REGISTRY_BIN to a registry v2 binary.',
    );
  }
  return binary;
}

function hasSetpriv(): boolean {
  try {
    accessSync('/usr/bin/setpriv', fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function configYaml(options: { storageDir: string; auth?: string }): string {
  // JSON strings are valid YAML scalars, which spares quoting rules.
  return [
    'version: 0.1',
    'log:',
    '  level: info',
    '  formatter: text',
    '  accesslog:',
    '    disabled: false',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${JSON.stringify(options.storageDir)}`,
    '  delete:',
    '    enabled: true',
    '  maintenance:',
    '    uploadpurging:',
    '      enabled: false',
    '  redirect:',
    '    disable: true',
    'http:',
    '  addr: 127.0.0.1:0',
    `  secret: ${JSON.stringify(randomBytes(16).toString('hex'))}`,
    'health:',
    '  storagedriver:',
    '    enabled: false',
    ...(options.auth ? [options.auth] : []),
    '',
  ].join('\n');
}

const ACCESS_LOG_LINE = /"([A-Z]+) (\S+) HTTP\/[\d.]+" (\d{3}) /;

/**
 * Starts a real OCI distribution registry (Debian's `docker-registry`, the
 * CNCF distribution v2) on 127.0.0.1 with filesystem storage in a temporary
 * directory and deletes enabled. Stop it with `stop()`; under jest, whatever
 * is still running when the test file ends is stopped in an `afterAll`.
 */
export async function startTestRegistry(
  options: TestRegistryOptions = {},
): Promise<TestRegistry> {
  const binary = registryBinary(options);
  const root = await mkdtemp(join(tmpdir(), 'hubbops-test-registry-'));
  const storageDir = join(root, 'storage');
  await mkdir(storageDir);
  const cleanups: Array<() => Promise<void>> = [
    () => rm(root, { recursive: true, force: true }),
  ];
  const tokenRequests: TestRegistryTokenRequest[] = [];
  let child: ChildProcess | undefined;
  let registry: TestRegistry | undefined;

  const runCleanups = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) {
      await cleanup().catch(() => {});
    }
  };

  try {
    const authType = options.auth?.type ?? 'basic';
    let authYaml: string | undefined;
    let signer: TokenSigner | undefined;
    let realm: string | undefined;
    if (options.auth && authType === 'basic') {
      const htpasswdPath = join(root, 'htpasswd');
      await writeFile(
        htpasswdPath,
        await createHtpasswd(options.auth.username, options.auth.password),
        { mode: 0o600 },
      );
      authYaml = [
        'auth:',
        '  htpasswd:',
        '    realm: "hubbops-test-registry"',
        `    path: ${JSON.stringify(htpasswdPath)}`,
      ].join('\n');
    } else if (options.auth) {
      signer = await TokenSigner.create(root);
      const tokenServer = await startTokenServer({
        signer,
        username: options.auth.username,
        password: options.auth.password,
        requests: tokenRequests,
      });
      cleanups.push(tokenServer.close);
      realm = tokenServer.realm;
      authYaml = [
        'auth:',
        '  token:',
        `    realm: ${JSON.stringify(realm)}`,
        `    service: ${JSON.stringify(TOKEN_SERVICE)}`,
        `    issuer: ${JSON.stringify(TOKEN_ISSUER)}`,
        `    rootcertbundle: ${JSON.stringify(signer.certificatePath)}`,
      ].join('\n');
    }
    const configPath = join(root, 'config.yml');
    await writeFile(configPath, configYaml({ storageDir, auth: authYaml }));

    // setpriv makes the kernel stop the registry if this process dies
    // without running its cleanups (a killed jest worker).
    const command = hasSetpriv() ? '/usr/bin/setpriv' : binary;
    const args = hasSetpriv()
      ? ['--pdeathsig', 'TERM', '--', binary, 'serve', configPath]
      : ['serve', configPath];
    const spawned = spawn(command, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    });
    child = spawned;
    const exited = new Promise<void>(resolve =>
      spawned.once('exit', () => resolve()),
    );
    cleanups.push(async () => {
      if (spawned.exitCode !== null || spawned.signalCode !== null) return;
      spawned.kill('SIGTERM');
      const timer = setTimeout(() => spawned.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    });

    let logTail: string[] = [];
    let accessLog = '';
    spawned.stderr!.setEncoding('utf8');
    spawned.stdout!.setEncoding('utf8');
    const logListeners = new Set<() => void>();
    spawned.stderr!.on('data', (chunk: string) => {
      logTail = logTail.concat(chunk.split('\n').filter(Boolean)).slice(-200);
      logListeners.forEach(listener => listener());
    });
    spawned.stdout!.on('data', (chunk: string) => {
      accessLog += chunk;
      logListeners.forEach(listener => listener());
    });
    const logs = () => logTail.join('\n');

    const timeoutMs = options.startTimeoutMs ?? 15_000;
    const port = await new Promise<number>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined = undefined;
      const handlers: {
        check: () => void;
        onExit: () => void;
        onError: (error: Error) => void;
      } = {
        check: () => {},
        onExit: () => {},
        onError: () => {},
      };
      const settle = (outcome: () => void) => {
        clearTimeout(timer);
        logListeners.delete(handlers.check);
        spawned.off('exit', handlers.onExit);
        spawned.off('error', handlers.onError);
        outcome();
      };
      handlers.check = () => {
        const match = /listening on 127\.0\.0\.1:(\d+)/.exec(logs());
        if (match) settle(() => resolve(Number(match[1])));
      };
      handlers.onExit = () =>
        settle(() =>
          reject(
            new Error(
              `the test registry exited while starting (exit code ${
                spawned.exitCode
              }):\n${logs()}`,
            ),
          ),
        );
      handlers.onError = (error: Error) =>
        settle(() =>
          reject(new Error(`could not start ${binary}: ${error.message}`)),
        );
      timer = setTimeout(
        () =>
          settle(() =>
            reject(
              new Error(
                `the test registry did not start listening within ${timeoutMs} ms:\n${logs()}`,
              ),
            ),
          ),
        timeoutMs,
      );
      logListeners.add(handlers.check);
      spawned.once('exit', handlers.onExit);
      spawned.once('error', handlers.onError);
      handlers.check();
    });

    const host = `127.0.0.1:${port}`;
    const url = `http://${host}`;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const status = await fetch(`${url}/v2/`)
        .then(async response => {
          await response.arrayBuffer();
          return response.status;
        })
        .catch(() => 0);
      if (status === 200 || status === 401) break;
      if (Date.now() > deadline) {
        throw new Error(
          `the test registry at ${url} did not answer /v2/ (last status ${status}):\n${logs()}`,
        );
      }
      await new Promise(resolve => setTimeout(resolve, 50));
    }

    const auth = options.auth
      ? {
          type: authType,
          username: options.auth.username,
          password: options.auth.password,
          ...(realm ? { realm, service: TOKEN_SERVICE } : {}),
        }
      : undefined;

    const waitForLog = (needle: string) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          logListeners.delete(check);
          reject(new Error('the test registry access log did not catch up'));
        }, 5000);
        function check() {
          if (accessLog.includes(needle)) {
            clearTimeout(timer);
            logListeners.delete(check);
            resolve();
          }
        }
        logListeners.add(check);
        check();
      });

    // A request after every answered one: once it is in the access log, so
    // are they.
    const syncAccessLog = async () => {
      const sentinel = `hubbops-sync=${randomUUID()}`;
      await fetch(`${url}/v2/?${sentinel}`)
        .then(response => response.arrayBuffer())
        .catch(() => undefined);
      await waitForLog(sentinel);
      return sentinel;
    };

    let stopped: Promise<void> | undefined;
    const started: TestRegistry = {
      url,
      host,
      port,
      storageDir,
      auth,
      tokenRequests,
      authorization(repositories) {
        if (!auth) return undefined;
        if (auth.type === 'basic') {
          return `Basic ${Buffer.from(
            `${auth.username}:${auth.password}`,
          ).toString('base64')}`;
        }
        const access = parseScopes(
          repositories.map(name => `repository:${name}:pull,push,delete`),
        );
        return `Bearer ${signer!.sign(auth.username, access)}`;
      },
      async requests() {
        await syncAccessLog();
        return accessLog
          .split('\n')
          .map(line => ACCESS_LOG_LINE.exec(line))
          .filter((match): match is RegExpExecArray => Boolean(match))
          .map(match => ({
            method: match[1],
            path: match[2],
            status: Number(match[3]),
          }))
          .filter(request => !request.path.includes('hubbops-sync='));
      },
      async clearRequests() {
        const sentinel = await syncAccessLog();
        accessLog = accessLog.slice(
          accessLog.indexOf('\n', accessLog.indexOf(sentinel)) + 1,
        );
      },
      logs,
      stop() {
        if (!stopped) {
          running.delete(started);
          stopped = runCleanups();
        }
        return stopped;
      },
    };
    registry = started;
    running.add(started);
    return started;
  } finally {
    if (!registry) {
      child?.stdout?.destroy();
      child?.stderr?.destroy();
      await runCleanups();
    }
  }
}
