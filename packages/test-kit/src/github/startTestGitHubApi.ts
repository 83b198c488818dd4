import { randomBytes, randomUUID } from 'node:crypto';
import { IncomingMessage, ServerResponse } from 'node:http';
import { serveGitHttpBackend } from '../git/gitHttpBackend';
import { startRepositoryHttpServer } from '../git/startRepositoryHttpServer';
import {
  GitRepositoryStore,
  TestGitCommit,
  TestGitFileChange,
  TestGitIdentity,
} from '../git/GitRepositoryStore';
import { parseBasicAuth, parseGitPath } from '../git/startTestGitServer';
import { gitDataEndpoints } from './gitDataEndpoints';
import {
  GitHubApiError,
  GitHubApiRouter,
  GitHubRoute,
} from './GitHubApiRouter';
import {
  pullRequestEndpoints,
  TestGitHubPullRequest,
  TestGitHubPullRequests,
} from './pullRequestEndpoints';
import { TestGitHubRepositories } from './TestGitHubRepositories';
import { deliverWebhook, TestWebhookDelivery } from './webhookDeliveries';

/** A user a token belongs to. */
export interface TestGitHubUser {
  login: string;
  name?: string;
  email?: string;
}

/** Options of {@link startTestGitHubApi}. */
export interface TestGitHubApiOptions {
  /**
   * Accepted tokens and their users. Default: one random token for the
   * user `hubbops-bot`, available as `token`.
   */
  tokens?: Record<string, TestGitHubUser>;
}

/** A request the server answered. */
export interface TestGitHubRequest {
  method: string;
  path: string;
  /** `METHOD pattern`, e.g. `POST /repos/{owner}/{repo}/git/trees`; undefined for git HTTP and unknown paths. */
  route?: string;
  status: number;
}

/** A running server from {@link startTestGitHubApi}. */
export interface TestGitHubApi {
  /** Base URL of the REST API (`integrations.github[].apiBaseUrl`), of git and of web pages. */
  url: string;
  /** The default token (first of `tokens`). */
  token: string;
  store: GitRepositoryStore;
  createRepository(
    owner: string,
    repo: string,
    options?: {
      files?: Record<string, TestGitFileChange>;
      defaultBranch?: string;
      private?: boolean;
    },
  ): Promise<{ head?: string }>;
  /** `<url>/<owner>/<repo>.git`; git authenticates with any user and a token as password. */
  cloneUrl(owner: string, repo: string): string;
  readFile(
    owner: string,
    repo: string,
    ref: string,
    path: string,
  ): Promise<string | undefined>;
  /** Paths of the files at `ref`, under `path` if given. */
  listFiles(
    owner: string,
    repo: string,
    ref: string,
    path?: string,
  ): Promise<string[]>;
  log(owner: string, repo: string, ref: string): Promise<TestGitCommit[]>;
  /** The commit a branch points at, if it exists. */
  branchHead(
    owner: string,
    repo: string,
    branch: string,
  ): Promise<string | undefined>;
  /** Commits directly on a branch, as someone else pushing would. */
  commitFiles(
    owner: string,
    repo: string,
    branch: string,
    files: Record<string, TestGitFileChange>,
    options?: { message?: string; author?: TestGitIdentity },
  ): Promise<string>;
  pullRequests(owner: string, repo: string): TestGitHubPullRequest[];
  /** Requests per route (`METHOD pattern`) since start or the last reset. */
  requestCounts(): Record<string, number>;
  resetRequestCounts(): void;
  requests(): TestGitHubRequest[];
  /**
   * Runs `fn` once, right before the next request to `route`
   * (`METHOD pattern`) is handled: lets a test race the client.
   */
  beforeNext(route: string, fn: () => Promise<void> | void): void;
  /** Delivers a webhook signed the way GitHub signs it. */
  deliver(
    url: string,
    event: string,
    payload: unknown,
    secret?: string,
  ): Promise<TestWebhookDelivery>;
  close(): Promise<void>;
}

const servers = new Set<TestGitHubApi>();

/** Closes every test GitHub API server still running. */
export async function closeAllTestGitHubApis(): Promise<void> {
  await Promise.all([...servers].map(server => server.close()));
}

declare const afterAll: ((fn: () => Promise<void>) => void) | undefined;
if (typeof afterAll === 'function') afterAll(closeAllTestGitHubApis);

async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  if (!chunks.length) return undefined;
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new GitHubApiError(400, 'Problems parsing JSON');
  }
}

/**
 * Starts a server speaking the subset of GitHub's REST API the HubbOps suite
 * uses, backed by real bare git repositories (the Git Data API writes real
 * objects, cloneable through the same server's smart HTTP), with GitHub's
 * token auth and error bodies, per-route request counts, and signed webhook
 * deliveries. octokit talks to it through `baseUrl` unchanged.
 */
export async function startTestGitHubApi(
  options: TestGitHubApiOptions = {},
): Promise<TestGitHubApi> {
  const tokens = options.tokens ?? {
    [`ghp_test${randomBytes(16).toString('hex')}`]: {
      login: 'hubbops-bot',
      name: 'HubbOps Bot',
      email: 'hubbops-bot@users.noreply.github.invalid',
    },
  };
  const store = await GitRepositoryStore.create('hubbops-test-github-');
  let baseUrl = '';
  const repos = new TestGitHubRepositories(store, () => baseUrl);
  const pulls = new TestGitHubPullRequests();
  const identityOf = (login: string) => {
    const user = Object.values(tokens).find(u => u.login === login);
    return {
      name: user?.name ?? login,
      email: user?.email ?? `${login}@users.noreply.github.invalid`,
    };
  };
  const userRoute: GitHubRoute = {
    method: 'GET',
    pattern: '/user',
    async handler({ login }) {
      const identity = identityOf(login);
      return {
        status: 200,
        body: { login, id: 1, type: 'User', ...identity },
      };
    },
  };
  const router = new GitHubApiRouter([
    userRoute,
    ...gitDataEndpoints(repos, identityOf),
    ...pullRequestEndpoints(repos, pulls),
  ]);
  const counts = new Map<string, number>();
  const log: TestGitHubRequest[] = [];
  const hooks = new Map<string, () => Promise<void> | void>();

  const tokenOf = (header: string | undefined) =>
    /^(?:token|bearer)\s+(\S+)\s*$/i.exec(header ?? '')?.[1];

  async function serveGit(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    repository: string,
    rest: string,
  ) {
    const credentials = parseBasicAuth(req.headers.authorization);
    const user = credentials && tokens[credentials.password];
    const [owner, name] = repository.split('/');
    const repo = name ? repos.find(owner, name) : undefined;
    if (!user) {
      req.resume();
      res.writeHead(401, {
        'WWW-Authenticate': 'Basic realm="GitHub"',
        'Content-Type': 'text/plain',
      });
      res.end('Invalid username or token.\n');
      return;
    }
    if (!repo) {
      req.resume();
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end('Repository not found.\n');
      return;
    }
    await serveGitHttpBackend(req, res, {
      projectRoot: store.root,
      pathInfo: `/${repos.storeName(repo)}.git${rest}`,
      query: url.search.replace(/^\?/, ''),
      remoteUser: user.login,
      env: store.env,
    });
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const record: TestGitHubRequest = {
      method: req.method ?? 'GET',
      path: url.pathname + url.search,
      status: 0,
    };
    log.push(record);
    res.on('finish', () => {
      record.status = res.statusCode;
    });
    const git = parseGitPath(url.pathname);
    if (git && /^[^/]+\/[^/]+$/.test(git.repository)) {
      await serveGit(req, res, url, git.repository, git.rest);
      return;
    }
    const send = (status: number, body: unknown) => {
      res.writeHead(status, {
        'Content-Type': 'application/json; charset=utf-8',
        'X-GitHub-Request-Id': randomUUID(),
        'X-GitHub-Media-Type': 'github.v3; format=json',
      });
      res.end(status === 204 ? undefined : JSON.stringify(body));
    };
    try {
      const matched = router.match(
        req.method ?? 'GET',
        url.pathname.replace(/\/+$/, '') || '/',
      );
      if (!matched) throw new GitHubApiError(404, 'Not Found');
      const key = `${matched.route.method} ${matched.route.pattern}`;
      record.route = key;
      counts.set(key, (counts.get(key) ?? 0) + 1);
      const header = req.headers.authorization;
      if (!header) throw new GitHubApiError(401, 'Requires authentication');
      const token = tokenOf(header);
      const user = token ? tokens[token] : undefined;
      if (!user) throw new GitHubApiError(401, 'Bad credentials');
      const body = await readJsonBody(req);
      const hook = hooks.get(key);
      if (hook) {
        hooks.delete(key);
        await hook();
      }
      const response = await matched.route.handler({
        params: matched.params,
        query: url.searchParams,
        body,
        login: user.login,
      });
      send(response.status, response.body);
    } catch (error) {
      if (error instanceof GitHubApiError) {
        req.resume();
        send(error.status, error.body);
      } else {
        send(500, { message: String((error as Error)?.message ?? error) });
      }
    }
  }

  const http = await startRepositoryHttpServer(store, handle);
  baseUrl = http.baseUrl;

  const storeName = (owner: string, repo: string) =>
    repos.storeName(repos.get(owner, repo));
  const api: TestGitHubApi = {
    url: baseUrl,
    token: Object.keys(tokens)[0],
    store,
    async createRepository(owner, repo, opts = {}) {
      if (repos.find(owner, repo)) {
        throw new Error(`repository ${owner}/${repo} already exists`);
      }
      const created = await store.createRepository(`${owner}/${repo}`, {
        files: opts.files,
        branch: opts.defaultBranch ?? 'main',
      });
      repos.add(owner, repo, opts.private ?? true);
      return created;
    },
    cloneUrl: (owner, repo) => `${baseUrl}/${owner}/${repo}.git`,
    readFile: (owner, repo, ref, path) =>
      store.readFile(storeName(owner, repo), ref, path),
    listFiles: (owner, repo, ref, path) =>
      store.listFiles(storeName(owner, repo), ref, path),
    log: (owner, repo, ref) => store.log(storeName(owner, repo), ref),
    branchHead: (owner, repo, branch) =>
      store.resolve(storeName(owner, repo), `refs/heads/${branch}`),
    commitFiles: (owner, repo, branch, files, opts) =>
      store.commitFiles(storeName(owner, repo), branch, files, opts),
    pullRequests: (owner, repo) =>
      pulls.of(repos.get(owner, repo)).map(pr => ({ ...pr })),
    requestCounts: () => Object.fromEntries(counts),
    resetRequestCounts: () => counts.clear(),
    requests: () => log.map(r => ({ ...r })),
    beforeNext: (route, fn) => {
      hooks.set(route, fn);
    },
    deliver: (url, event, payload, secret) =>
      deliverWebhook(url, event, payload, secret),
    close() {
      servers.delete(api);
      return http.close();
    },
  };
  servers.add(api);
  return api;
}
