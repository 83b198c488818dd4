import { IncomingMessage, ServerResponse } from 'node:http';
import { serveGitHttpBackend } from './gitHttpBackend';
import { startRepositoryHttpServer } from './startRepositoryHttpServer';
import {
  GitRepositoryStore,
  TestGitCommit,
  TestGitFileChange,
  TestGitIdentity,
} from './GitRepositoryStore';

/** Options of {@link startTestGitServer}. */
export interface TestGitServerOptions {
  /** Require HTTP basic auth with these credentials for every request. */
  auth?: { username: string; password: string };
  /**
   * Create a repository (default branch `main`) when a client pushes to a
   * name that does not exist, as the embedded hubbops-git server does;
   * fetches still answer 404.
   */
  autoCreate?: boolean;
}

/** A smart-HTTP request the server answered. */
export interface TestGitRequest {
  method: string;
  /** The repository name, e.g. `gitops` or `team/gitops`. */
  repository?: string;
  /** `git-upload-pack` (fetch, clone) or `git-receive-pack` (push). */
  service?: string;
  /** The basic-auth user, when one was given and accepted. */
  user?: string;
  /** The request's `Content-Encoding` (git gzips large negotiations). */
  contentEncoding?: string;
  status: number;
}

/** A running server from {@link startTestGitServer}. */
export interface TestGitServer {
  /** `http://127.0.0.1:<port>` */
  baseUrl: string;
  /** The clone URL of a repository: `<baseUrl>/<name>.git` (no credentials). */
  url(name: string): string;
  /** The bare repositories, for reading and writing them directly. */
  store: GitRepositoryStore;
  createRepository(
    name: string,
    options?: {
      files?: Record<string, TestGitFileChange>;
      branch?: string;
      message?: string;
    },
  ): Promise<{ head?: string }>;
  /** A file's content at `ref` (branch, tag or SHA); undefined when absent. */
  readFile(
    name: string,
    ref: string,
    path: string,
  ): Promise<string | undefined>;
  /** Commits reachable from `ref`, newest first. */
  log(name: string, ref: string): Promise<TestGitCommit[]>;
  /** Commits files on a branch directly in the bare repository. */
  commitFiles(
    name: string,
    branch: string,
    files: Record<string, TestGitFileChange>,
    options?: { message?: string; author?: TestGitIdentity },
  ): Promise<string>;
  /**
   * Runs `fn` once, right before the next push to `name` is handed to git:
   * lets a test move the branch under a client that already fetched it.
   */
  beforeNextPush(name: string, fn: () => Promise<void> | void): void;
  /** The requests served so far, in order. */
  requests(): TestGitRequest[];
  close(): Promise<void>;
}

const servers = new Set<TestGitServer>();

/** Closes every test git server still running. */
export async function closeAllTestGitServers(): Promise<void> {
  await Promise.all([...servers].map(server => server.close()));
}

// Under jest, close servers a test file forgot to close.
declare const afterAll: ((fn: () => Promise<void>) => void) | undefined;
if (typeof afterAll === 'function') afterAll(closeAllTestGitServers);

/** Parses `Authorization: Basic ...`; undefined when absent or malformed. */
export function parseBasicAuth(
  header: string | undefined,
): { username: string; password: string } | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return {
    username: decoded.slice(0, colon),
    password: decoded.slice(colon + 1),
  };
}

/** Splits `/team/gitops.git/info/refs` into the repository and the rest. */
export function parseGitPath(
  pathname: string,
): { repository: string; rest: string } | undefined {
  const match = /^\/(.+?)\.git(\/.*)?$/.exec(pathname);
  if (!match) return undefined;
  return { repository: match[1], rest: match[2] ?? '/' };
}

/**
 * Starts a git server on a free loopback port serving bare repositories
 * over smart HTTP through the real `git http-backend`, so git clients
 * clone, fetch and push to it exactly as to a hosted server.
 */
export async function startTestGitServer(
  options: TestGitServerOptions = {},
): Promise<TestGitServer> {
  const store = await GitRepositoryStore.create();
  const log: TestGitRequest[] = [];
  const pushHooks = new Map<string, () => Promise<void> | void>();

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const parsed = parseGitPath(decodeURIComponent(url.pathname));
    const service =
      url.searchParams.get('service') ??
      /\/(git-(?:upload|receive)-pack)$/.exec(url.pathname)?.[1] ??
      undefined;
    const record: TestGitRequest = {
      method: req.method ?? 'GET',
      repository: parsed?.repository,
      service,
      status: 0,
      ...(req.headers['content-encoding']
        ? { contentEncoding: String(req.headers['content-encoding']) }
        : {}),
    };
    log.push(record);
    res.on('finish', () => {
      record.status = res.statusCode;
    });

    let user = 'anonymous';
    if (options.auth) {
      const given = parseBasicAuth(req.headers.authorization);
      if (
        !given ||
        given.username !== options.auth.username ||
        given.password !== options.auth.password
      ) {
        req.resume();
        res.writeHead(401, {
          'WWW-Authenticate': 'Basic realm="HubbOps test git server"',
          'Content-Type': 'text/plain',
        });
        res.end('Authentication required\n');
        return;
      }
      user = given.username;
      record.user = user;
    }
    if (
      parsed &&
      options.autoCreate &&
      service === 'git-receive-pack' &&
      !store.exists(parsed.repository)
    ) {
      await store.createRepository(parsed.repository);
    }
    if (!parsed || !store.exists(parsed.repository)) {
      req.resume();
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end('Repository not found\n');
      return;
    }
    if (req.method === 'POST' && service === 'git-receive-pack') {
      const hook = pushHooks.get(parsed.repository);
      if (hook) {
        pushHooks.delete(parsed.repository);
        await hook();
      }
    }
    await serveGitHttpBackend(req, res, {
      projectRoot: store.root,
      pathInfo: `/${parsed.repository}.git${parsed.rest}`,
      query: url.search.replace(/^\?/, ''),
      remoteUser: user,
      env: store.env,
    });
  }

  const http = await startRepositoryHttpServer(store, handle);
  const baseUrl = http.baseUrl;

  const testServer: TestGitServer = {
    baseUrl,
    url: name => `${baseUrl}/${name}.git`,
    store,
    createRepository: (name, opts) => store.createRepository(name, opts),
    readFile: (name, ref, path) => store.readFile(name, ref, path),
    log: (name, ref) => store.log(name, ref),
    commitFiles: (name, branch, files, opts) =>
      store.commitFiles(name, branch, files, opts),
    beforeNextPush: (name, fn) => {
      pushHooks.set(name, fn);
    },
    requests: () => log.map(r => ({ ...r })),
    close() {
      servers.delete(testServer);
      return http.close();
    },
  };
  servers.add(testServer);
  return testServer;
}
