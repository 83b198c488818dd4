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
  readonly #options: ConfigurationOptions;
  readonly #patchOptions: ConfigurationOptions;

  constructor(kubeConfig: KubeConfig, options: { requestTimeoutMs: number }) {
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
  }

  /** `/apis`: every group with the versions it serves. */
  async listApiGroups(): Promise<Array<{ name: string; versions: string[] }>> {
    const list = await this.#apis.getAPIVersions({}, this.#options);
    return list.groups.map(group => ({
      name: group.name,
      versions: group.versions.map(v => v.version),
    }));
  }

  /** `/apis/<group>/<version>`: the resources (plurals) served there. */
  async listApiResources(group: string, version: string): Promise<string[]> {
    const list = await this.#custom.getAPIResources(
      { group, version },
      this.#options,
    );
    return list.resources.map(resource => resource.name);
  }

  /** `/version`: the API server's gitVersion. */
  async serverVersion(): Promise<string> {
    const info = await this.#version.getCode({}, this.#options);
    return info.gitVersion;
  }

  async listDeployments(namespace: string) {
    const list = await this.#apps.listNamespacedDeployment(
      { namespace },
      this.#options,
    );
    return list.items;
  }

  async listObjects(
    kind: ServedKind,
    page: { limit: number; continueToken?: string },
  ): Promise<ObjectListPage> {
    const list = (await this.#custom.listClusterCustomObject(
      {
        group: kind.group,
        version: kind.version,
        plural: kind.plural,
        limit: page.limit,
        _continue: page.continueToken,
      },
      this.#options,
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

  async getObject(
    kind: ServedKind,
    namespace: string,
    name: string,
  ): Promise<FluxRawObject> {
    return (await this.#custom.getNamespacedCustomObject(
      {
        group: kind.group,
        version: kind.version,
        plural: kind.plural,
        namespace,
        name,
      },
      this.#options,
    )) as FluxRawObject;
  }

  /** A JSON merge patch (RFC 7386), as `kubectl patch --type merge`. */
  async mergePatchObject(
    kind: ServedKind,
    namespace: string,
    name: string,
    patch: Record<string, unknown>,
  ): Promise<FluxRawObject> {
    return (await this.#custom.patchNamespacedCustomObject(
      {
        group: kind.group,
        version: kind.version,
        plural: kind.plural,
        namespace,
        name,
        body: patch,
      },
      this.#patchOptions,
    )) as FluxRawObject;
  }

  async listEvents(namespace: string, fieldSelector: string) {
    const list = await this.#core.listNamespacedEvent(
      { namespace, fieldSelector },
      this.#options,
    );
    return list.items;
  }

  /**
   * Watches a kind across namespaces from `resourceVersion`. `onDone` is
   * called exactly once, with the error if the watch failed.
   */
  async watchObjects(
    kind: ServedKind,
    resourceVersion: string,
    onEvent: (event: WatchEvent) => void,
    onDone: (error?: unknown) => void,
  ): Promise<WatchHandle> {
    return this.#watch.watch(
      `/apis/${kind.group}/${kind.version}/${kind.plural}`,
      { resourceVersion, allowWatchBookmarks: true },
      (type: string, object: WatchEvent['object']) => onEvent({ type, object }),
      (error: unknown) => onDone(error ?? undefined),
    );
  }
}
