import {
  ApisApi,
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  ConfigurationOptions,
  KubeConfig,
  Observable,
  ObservableMiddleware,
  PatchStrategy,
  RequestContext,
  ResponseContext,
  setHeaderMiddleware,
  VersionApi,
  Watch,
} from '@kubernetes/client-node';
import { FluxRawObject } from '@hubbops/plugin-flux-common';
import { FluxMetrics } from './FluxMetrics';
import { kubernetesErrorStatus } from './kubernetesError';

/** A Flux kind at the version one cluster serves it. */
export interface ServedKind {
  group: string;
  version: string;
  kind: string;
  plural: string;
}

/** A page of a list response. */
export interface ObjectListPage {
  items: FluxRawObject[];
  resourceVersion: string;
  continueToken?: string;
}

/** The metadata of an object, as metadata-only lists return it. */
export interface ObjectMetadata {
  namespace: string;
  name: string;
  labels: Record<string, string>;
}

/** A page of a metadata-only list. */
export interface MetadataListPage {
  items: ObjectMetadata[];
  continueToken?: string;
}

/**
 * Metadata only where the server can (as client-go's metadata client asks),
 * whole objects from a server that cannot.
 */
const METADATA_ACCEPT =
  'application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io,application/json';

/** `apps/v1` as `['apps', 'v1']`, `v1` (the core group) as `['', 'v1']`. */
function splitApiVersion(apiVersion: string): [string, string] {
  const slash = apiVersion.indexOf('/');
  return slash < 0
    ? ['', apiVersion]
    : [apiVersion.slice(0, slash), apiVersion.slice(slash + 1)];
}

/**
 * The core group is served under `/api/v1`, not `/apis/<group>/v1`: lets
 * the custom objects API, which builds the latter, list core kinds too.
 */
const coreGroupPathMiddleware: ObservableMiddleware = {
  pre: (context: RequestContext) => {
    context.setUrl(context.getUrl().replace('/apis//', '/api/'));
    return new Observable(Promise.resolve(context));
  },
  post: (context: ResponseContext) => new Observable(Promise.resolve(context)),
};

/** A watch event as the API server streams it. */
export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR' | string;
  object: FluxRawObject & { code?: number; reason?: string; message?: string };
}

/** The open end of a watch: abort it to stop. */
export interface WatchHandle {
  abort(): void;
}

function timeoutMiddleware(timeoutMs: number): ObservableMiddleware {
  return {
    pre: (context: RequestContext) => {
      context.setSignal(AbortSignal.timeout(timeoutMs));
      return new Observable(Promise.resolve(context));
    },
    post: (context: ResponseContext) =>
      new Observable(Promise.resolve(context)),
  };
}

/**
 * The requests the plugin makes to one cluster, each bounded by a timeout
 * so a hung API server cannot stall anything waiting on it.
 */
export class KubernetesClient {
  readonly #apis: ApisApi;
  readonly #version: VersionApi;
  readonly #apps: AppsV1Api;
  readonly #core: CoreV1Api;
  readonly #custom: CustomObjectsApi;
  readonly #watch: Watch;
  readonly #metadataOptions: ConfigurationOptions;
  /** Per apiVersion: kind to plural, from discovery. */
  readonly #plurals = new Map<string, Map<string, string>>();
  readonly #options: ConfigurationOptions;
  readonly #patchOptions: ConfigurationOptions;
  readonly #cluster: string;
  readonly #metrics?: FluxMetrics;

  constructor(
    kubeConfig: KubeConfig,
    options: {
      requestTimeoutMs: number;
      /** Names the cluster in metrics. */
      cluster?: string;
      metrics?: FluxMetrics;
    },
  ) {
    this.#cluster =
      options.cluster ?? kubeConfig.getCurrentCluster()?.name ?? 'unknown';
    this.#metrics = options.metrics;
    this.#apis = kubeConfig.makeApiClient(ApisApi);
    this.#version = kubeConfig.makeApiClient(VersionApi);
    this.#apps = kubeConfig.makeApiClient(AppsV1Api);
    this.#core = kubeConfig.makeApiClient(CoreV1Api);
    this.#custom = kubeConfig.makeApiClient(CustomObjectsApi);
    // Its 30 s idle timeout ends quiet watches; we resume them at once.
    this.#watch = new Watch(kubeConfig);
    const timeout = timeoutMiddleware(options.requestTimeoutMs);
    this.#options = {
      middleware: [timeout],
      middlewareMergeStrategy: 'append',
    };
    this.#patchOptions = {
      middleware: [
        timeout,
        setHeaderMiddleware('Content-Type', PatchStrategy.MergePatch),
      ],
      middlewareMergeStrategy: 'append',
    };
    this.#metadataOptions = {
      middleware: [
        timeout,
        setHeaderMiddleware('Accept', METADATA_ACCEPT),
        coreGroupPathMiddleware,
      ],
      middlewareMergeStrategy: 'append',
    };
  }

  /** Runs one request, recording its latency and outcome. */
  async #timed<T>(operation: string, request: () => Promise<T>): Promise<T> {
    const startedAt = performance.now();
    let status = 'ok';
    try {
      return await request();
    } catch (error) {
      status = String(kubernetesErrorStatus(error) ?? 'error');
      throw error;
    } finally {
      this.#metrics?.recordApiRequest(
        this.#cluster,
        operation,
        status,
        (performance.now() - startedAt) / 1000,
      );
    }
  }

  /** `/apis`: every group with the versions it serves. */
  async listApiGroups(): Promise<Array<{ name: string; versions: string[] }>> {
    const list = await this.#timed('discovery', () =>
      this.#apis.getAPIVersions({}, this.#options),
    );
    return list.groups.map(group => ({
      name: group.name,
      versions: group.versions.map(v => v.version),
    }));
  }

  /** `/apis/<group>/<version>`: the resources (plurals) served there. */
  async listApiResources(group: string, version: string): Promise<string[]> {
    const list = await this.#timed('discovery', () =>
      this.#custom.getAPIResources({ group, version }, this.#options),
    );
    return list.resources.map(resource => resource.name);
  }

  /** `/version`: the API server's gitVersion. */
  async serverVersion(): Promise<string> {
    const info = await this.#timed('version', () =>
      this.#version.getCode({}, this.#options),
    );
    return info.gitVersion;
  }

  async listDeployments(namespace: string) {
    const list = await this.#timed('list', () =>
      this.#apps.listNamespacedDeployment({ namespace }, this.#options),
    );
    return list.items;
  }

  async listObjects(
    kind: ServedKind,
    page: { limit: number; continueToken?: string },
  ): Promise<ObjectListPage> {
    const list = (await this.#timed('list', () =>
      this.#custom.listClusterCustomObject(
        {
          group: kind.group,
          version: kind.version,
          plural: kind.plural,
          limit: page.limit,
          _continue: page.continueToken,
        },
        this.#options,
      ),
    )) as {
      items?: FluxRawObject[];
      metadata?: { resourceVersion?: string; continue?: string };
    };
    return {
      // Lists may omit the type on items; the watch and our index want it.
      items: (list.items ?? []).map(item => ({
        ...item,
        apiVersion: item.apiVersion ?? `${kind.group}/${kind.version}`,
        kind: item.kind ?? kind.kind,
      })),
      resourceVersion: list.metadata?.resourceVersion ?? '',
      continueToken: list.metadata?.continue || undefined,
    };
  }

  /** The plural a kind is served under at `apiVersion`, from discovery. */
  async #pluralOf(apiVersion: string, kind: string): Promise<string> {
    let plurals = this.#plurals.get(apiVersion);
    if (!plurals?.has(kind)) {
      const [group, version] = splitApiVersion(apiVersion);
      const list = await this.#timed('discovery', () =>
        group
          ? this.#custom.getAPIResources({ group, version }, this.#options)
          : this.#core.getAPIResources({}, this.#options),
      );
      plurals = new Map(
        list.resources
          .filter(resource => !resource.name.includes('/'))
          .map(resource => [resource.kind, resource.name]),
      );
      this.#plurals.set(apiVersion, plurals);
    }
    const plural = plurals.get(kind);
    if (!plural) {
      throw new Error(`${kind} is not served at ${apiVersion}`);
    }
    return plural;
  }

  /**
   * One page of the metadata of every object of any kind (built-in or
   * custom) across namespaces. Throws if the cluster does not serve it.
   */
  async listMetadata(
    apiVersion: string,
    kind: string,
    page: { limit: number; continueToken?: string },
  ): Promise<MetadataListPage> {
    const plural = await this.#pluralOf(apiVersion, kind);
    const [group, version] = splitApiVersion(apiVersion);
    // The custom objects API returns the body as is: typed clients would
    // drop the list's `continue` token of a PartialObjectMetadataList.
    const list = (await this.#timed('listMetadata', () =>
      this.#custom.listClusterCustomObject(
        {
          group,
          version,
          plural,
          limit: page.limit,
          _continue: page.continueToken,
        },
        this.#metadataOptions,
      ),
    )) as {
      items?: Array<{
        metadata?: {
          namespace?: string;
          name?: string;
          labels?: Record<string, string>;
        };
      }>;
      metadata?: { continue?: string };
    };
    return {
      items: (list.items ?? []).map(item => ({
        namespace: item.metadata?.namespace ?? '',
        name: item.metadata?.name ?? '',
        labels: item.metadata?.labels ?? {},
      })),
      continueToken: list.metadata?.continue || undefined,
    };
  }

  async getObject(
    kind: ServedKind,
    namespace: string,
    name: string,
  ): Promise<FluxRawObject> {
    return (await this.#timed('get', () =>
      this.#custom.getNamespacedCustomObject(
        {
          group: kind.group,
          version: kind.version,
          plural: kind.plural,
          namespace,
          name,
        },
        this.#options,
      ),
    )) as FluxRawObject;
  }

  /** A JSON merge patch (RFC 7386), as `kubectl patch --type merge`. */
  async mergePatchObject(
    kind: ServedKind,
    namespace: string,
    name: string,
    patch: Record<string, unknown>,
  ): Promise<FluxRawObject> {
    return (await this.#timed('patch', () =>
      this.#custom.patchNamespacedCustomObject(
        {
          group: kind.group,
          version: kind.version,
          plural: kind.plural,
          namespace,
          name,
          body: patch,
        },
        this.#patchOptions,
      ),
    )) as FluxRawObject;
  }

  async listEvents(namespace: string, fieldSelector: string) {
    const list = await this.#timed('listEvents', () =>
      this.#core.listNamespacedEvent(
        { namespace, fieldSelector },
        this.#options,
      ),
    );
    return list.items;
  }

  /**
   * Watches a kind across namespaces from `resourceVersion`. `onDone` is
   * called exactly once, with the error if the watch failed. The latency
   * recorded is the time to open the watch.
   */
  async watchObjects(
    kind: ServedKind,
    resourceVersion: string,
    onEvent: (event: WatchEvent) => void,
    onDone: (error?: unknown) => void,
  ): Promise<WatchHandle> {
    return this.#timed('watch', () =>
      this.#watch.watch(
        `/apis/${kind.group}/${kind.version}/${kind.plural}`,
        { resourceVersion, allowWatchBookmarks: true },
        (type: string, object: WatchEvent['object']) =>
          onEvent({ type, object }),
        (error: unknown) => onDone(error ?? undefined),
      ),
    );
  }
}
