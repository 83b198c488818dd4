import {
  createServer as createHttpServer,
  IncomingMessage,
  Server,
  ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { AddressInfo } from 'node:net';
import { TLSSocket } from 'node:tls';
import {
  ApiRequestHandler,
  VersionInfo,
  versionInfo,
} from './ApiRequestHandler';
import { unauthorizedError } from './ApiStatusError';
import { BUILT_IN_RESOURCES, INITIAL_NAMESPACES } from './BuiltInResources';
import { KubeconfigOptions, renderKubeconfig } from './Kubeconfig';
import { ObjectStore } from './ObjectStore';
import {
  RegisteredResource,
  ResourceDefinition,
  ResourceRegistry,
} from './ResourceRegistry';
import { ResourceStore } from './ResourceStore';
import { WatchStream } from './WatchStream';

/** TLS material for serving HTTPS; PEM strings or buffers. */
export interface TestKubernetesApiServerTls {
  key: string | Buffer;
  cert: string | Buffer;
  /** CA that client certificates must chain to; also written to kubeconfigs. */
  ca?: string | Buffer;
  /** Ask for and accept client certificates signed by `ca` (default: when `ca` is set). */
  requestClientCert?: boolean;
}

export interface TestKubernetesApiServerOptions {
  /** Port on 127.0.0.1; 0 (default) picks a free one. */
  port?: number;
  /** If set, requests need `Authorization: Bearer <token>` (or a client certificate). */
  token?: string;
  tls?: TestKubernetesApiServerTls;
  /** The gitVersion `/version` reports (default `v1.33.0`). */
  version?: string;
  /** How many changes are kept for resuming watches (default 1000). */
  historyLimit?: number;
  /** How often watches with `allowWatchBookmarks` get a BOOKMARK (default 60 s). */
  bookmarkIntervalMs?: number;
  /** Delay before answering every request, in ms (default 0). */
  latencyMs?: number;
}

/** One request as the server received it, for assertions and debugging. */
export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
}

const REQUEST_LOG_LIMIT = 2000;
const HEALTH_PATHS = new Set(['/healthz', '/livez', '/readyz']);

/**
 * A small but faithful Kubernetes API server over HTTP(S) for tests, which
 * real clients (`@kubernetes/client-node`, kubectl) use as they would a
 * cluster. Besides the API it offers fault injection (going down and coming
 * back on the same port, expiring watch history, latency, dropping watches)
 * and in-process access to the objects through `store`.
 */
export class TestKubernetesApiServer {
  /** In-process access to the objects (for controllers and test setup). */
  readonly store: ResourceStore;
  readonly registry: ResourceRegistry;
  readonly #objects: ObjectStore;
  readonly #server: Server;
  readonly #handler: ApiRequestHandler;
  readonly #watches = new Set<WatchStream>();
  readonly #requests: RecordedRequest[] = [];
  readonly #options: TestKubernetesApiServerOptions;
  readonly #version: VersionInfo;
  #port: number;
  #latencyMs: number;
  /**
   * Requests held back by the latency, released when the server goes down:
   * a pending delay must not outlive the server (it kept jest workers alive).
   */
  readonly #delayed = new Set<() => void>();
  #listening = false;

  /** Use `startTestKubernetesApiServer`. */
  constructor(options: TestKubernetesApiServerOptions = {}) {
    this.#options = options;
    this.#port = options.port ?? 0;
    this.#latencyMs = options.latencyMs ?? 0;
    this.#version = versionInfo(options.version ?? 'v1.33.0');
    this.registry = new ResourceRegistry();
    this.#objects = new ObjectStore({ historyLimit: options.historyLimit });
    this.store = new ResourceStore(this.#objects, this.registry);
    for (const definition of BUILT_IN_RESOURCES) {
      this.registry.register(definition);
    }
    for (const namespace of INITIAL_NAMESPACES) {
      this.store.ensureNamespace(namespace);
    }
    this.#handler = new ApiRequestHandler({
      registry: this.registry,
      objects: this.#objects,
      version: this.#version,
      serverAddress: () => `127.0.0.1:${this.#port}`,
      bookmarkIntervalMs: options.bookmarkIntervalMs ?? 60_000,
      onWatchOpened: stream => this.#watches.add(stream),
      onWatchClosed: stream => this.#watches.delete(stream),
    });
    const listener = (request: IncomingMessage, response: ServerResponse) => {
      void this.#serve(request, response);
    };
    const { tls } = options;
    this.#server = tls
      ? createHttpsServer(
          {
            key: tls.key,
            cert: tls.cert,
            ca: tls.ca,
            requestCert: tls.requestClientCert ?? Boolean(tls.ca),
            // Unverified certificates are answered with 401, not a TLS alert.
            rejectUnauthorized: false,
          },
          listener,
        )
      : createHttpServer(listener);
  }

  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  get url(): string {
    return `${this.#options.tls ? 'https' : 'http'}://127.0.0.1:${this.#port}`;
  }

  get port(): number {
    return this.#port;
  }

  /** What `/version` reports. */
  get versionInfo(): VersionInfo {
    return this.#version;
  }

  get isUp(): boolean {
    return this.#listening;
  }

  /** Requests received so far (most recent last, bounded). */
  get requests(): readonly RecordedRequest[] {
    return this.#requests;
  }

  clearRequests(): void {
    this.#requests.length = 0;
  }

  /** Number of watch connections currently open. */
  get activeWatchCount(): number {
    return this.#watches.size;
  }

  /** Registers (or replaces) a resource type, like applying a CRD. */
  registerResource(definition: ResourceDefinition): RegisteredResource {
    return this.registry.register(definition);
  }

  /** Removes a resource type and its objects, like deleting its CRD. */
  unregisterResource(group: string, plural: string): void {
    const resource = this.registry.unregister(group, plural);
    if (!resource) return;
    this.#objects.dropResource(resource);
    for (const stream of [...this.#watches]) {
      if (stream.resource === resource) stream.end();
    }
  }

  /** Serves only these versions of a resource (others answer 404). */
  setServedVersions(group: string, plural: string, versions: string[]): void {
    this.registry.setServedVersions(group, plural, versions);
  }

  async listen(): Promise<void> {
    if (this.#listening) return;
    await new Promise<void>((resolve, reject) => {
      const onError = (error: Error) => reject(error);
      this.#server.once('error', onError);
      this.#server.listen(this.#port, '127.0.0.1', () => {
        this.#server.off('error', onError);
        resolve();
      });
    });
    this.#port = (this.#server.address() as AddressInfo).port;
    this.#listening = true;
  }

  /**
   * Simulates an outage: stops listening and drops every connection,
   * including open watches, without a clean end of stream.
   */
  async goDown(): Promise<void> {
    if (!this.#listening) return;
    this.#listening = false;
    for (const watch of [...this.#watches]) {
      watch.destroy();
    }
    for (const release of [...this.#delayed]) {
      release();
    }
    await new Promise<void>(resolve => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
  }

  /** Listens again on the same port after `goDown`; the data survives. */
  async comeBack(): Promise<void> {
    await this.listen();
  }

  /** Stops the server for good. */
  async stop(): Promise<void> {
    await this.goDown();
  }

  /** Forgets the change history: resuming any older watch yields 410 Expired. */
  expireHistory(): void {
    this.#objects.expireHistory();
  }

  /** Delays every subsequent request by `ms` milliseconds. */
  setLatency(ms: number): void {
    this.#latencyMs = ms;
  }

  /** Ends all open watches cleanly, as a server-side watch timeout does. */
  closeWatches(): void {
    for (const watch of [...this.#watches]) {
      watch.end();
    }
  }

  /** Sends a BOOKMARK now on every watch that allows bookmarks. */
  sendBookmarks(): void {
    for (const watch of this.#watches) {
      watch.sendBookmark();
    }
  }

  /** A kubeconfig (YAML) for this server, for kubectl or `loadFromString`. */
  kubeconfig(options: KubeconfigOptions = {}): string {
    const { tls } = this.#options;
    return renderKubeconfig({
      ...options,
      server: this.url,
      token:
        options.token === undefined
          ? this.#options.token
          : options.token ?? undefined,
      certificateAuthority: tls ? tls.ca ?? tls.cert : undefined,
    });
  }

  async #serve(request: IncomingMessage, response: ServerResponse) {
    const url = new URL(request.url ?? '/', 'http://localhost');
    this.#requests.push({
      method: request.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      headers: request.headers,
    });
    if (this.#requests.length > REQUEST_LOG_LIMIT) {
      this.#requests.shift();
    }
    if (this.#latencyMs > 0) {
      await new Promise<void>(resolve => {
        let timer: NodeJS.Timeout | undefined = undefined;
        const release = () => {
          clearTimeout(timer);
          this.#delayed.delete(release);
          resolve();
        };
        timer = setTimeout(release, this.#latencyMs);
        this.#delayed.add(release);
      });
      // Went down meanwhile: the connection is gone, nothing to answer.
      if (!this.#listening) return;
    }
    if (!HEALTH_PATHS.has(url.pathname) && !this.#authenticated(request)) {
      const { status } = unauthorizedError();
      response.writeHead(401, { 'Content-Type': 'application/json' });
      response.end(`${JSON.stringify(status)}\n`);
      return;
    }
    await this.#handler.handle(request, response);
  }

  #authenticated(request: IncomingMessage): boolean {
    const { token, tls } = this.#options;
    const clientCertificates = Boolean(
      tls && (tls.requestClientCert ?? Boolean(tls.ca)),
    );
    if (!token && !clientCertificates) {
      return true;
    }
    if (token && request.headers.authorization === `Bearer ${token}`) {
      return true;
    }
    return (
      clientCertificates && (request.socket as TLSSocket).authorized === true
    );
  }
}

/** Starts a test API server; stop it with `stop()`. */
export async function startTestKubernetesApiServer(
  options: TestKubernetesApiServerOptions = {},
): Promise<TestKubernetesApiServer> {
  const server = new TestKubernetesApiServer(options);
  await server.listen();
  return server;
}
