import { InputError, NotFoundError } from '@backstage/errors';
import { FluxClusterService } from '@hubbops/plugin-flux-node';
import {
  ApisApi,
  createConfiguration,
  CustomObjectsApi,
  KubeConfig,
  KubernetesObject,
  KubernetesObjectApi,
  Observable,
  ObservableMiddleware,
  PatchStrategy,
  RequestContext,
  ResponseContext,
  ServerConfiguration,
  setHeaderMiddleware,
} from '@kubernetes/client-node';

/** The field manager of what the scaffolder applies, as `kubectl` has its own. */
export const FIELD_MANAGER = 'hubbops-scaffolder';

/** A kind at the version the cluster serves it. */
export interface ServedKind {
  group: string;
  version: string;
  kind: string;
  plural: string;
}

/** A Flux object as read from the cluster: loosely typed, as Flux versions differ. */
export interface FluxObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    generation?: number;
    resourceVersion?: string;
    annotations?: Record<string, string>;
  };
  spec?: Record<string, any>;
  status?: Record<string, any>;
}

/** Names one object in a cluster. */
export interface ObjectRef {
  kind: string;
  namespace: string;
  name: string;
}

/** The HTTP status of a failed client-node call, if it got one. */
export function statusOf(error: unknown): number | undefined {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'number' ? code : undefined;
}

/** The API server's own message (a Status object), else the error's. */
export function messageOf(error: unknown): string {
  const body = (error as { body?: unknown })?.body;
  if (typeof body === 'string') {
    try {
      const status = JSON.parse(body);
      if (typeof status?.message === 'string') return status.message;
    } catch {
      // Not JSON: fall through.
    }
  }
  return error instanceof Error ? error.message : String(error);
}

/** Bounds every request, and ends it at once when the task is cancelled. */
function abortMiddleware(
  timeoutMs: number,
  signal?: AbortSignal,
): ObservableMiddleware {
  return {
    pre: (context: RequestContext) => {
      const timeout = AbortSignal.timeout(timeoutMs);
      context.setSignal(signal ? AbortSignal.any([signal, timeout]) : timeout);
      return new Observable(Promise.resolve(context));
    },
    post: (context: ResponseContext) =>
      new Observable(Promise.resolve(context)),
  };
}

/**
 * What the Flux actions do in one cluster: discover the versions it serves
 * (v1 on current Flux, betas on old releases), read, annotate and apply
 * Flux objects.
 */
export class FluxClusterClient {
  readonly cluster: string;
  readonly #apis: ApisApi;
  readonly #custom: CustomObjectsApi;
  readonly #objects: KubernetesObjectApi;
  readonly #options;
  readonly #patchOptions;
  readonly #served = new Map<string, Promise<ServedKind | undefined>>();

  /**
   * Connects to a cluster the Flux backend knows; an unknown name is an
   * InputError listing the known ones.
   */
  static async connect(
    clusters: FluxClusterService,
    cluster: string,
    options: { signal?: AbortSignal; requestTimeoutMs?: number } = {},
  ): Promise<FluxClusterClient> {
    const known = (await clusters.listClusters()).map(c => c.name);
    if (!known.includes(cluster)) {
      throw new InputError(
        `cluster "${cluster}" is not one the Flux backend knows; use one of: ${
          known.join(', ') || '(none: register a cluster in the Flux backend)'
        }`,
      );
    }
    const kubeConfig = await clusters.getKubeConfig(cluster);
    return new FluxClusterClient(cluster, kubeConfig, options);
  }

  constructor(
    cluster: string,
    kubeConfig: KubeConfig,
    options: { signal?: AbortSignal; requestTimeoutMs?: number } = {},
  ) {
    this.cluster = cluster;
    const abort = abortMiddleware(
      options.requestTimeoutMs ?? 30_000,
      options.signal,
    );
    this.#apis = kubeConfig.makeApiClient(ApisApi);
    this.#custom = kubeConfig.makeApiClient(CustomObjectsApi);
    this.#options = {
      middleware: [abort],
      middlewareMergeStrategy: 'append' as const,
    };
    this.#patchOptions = {
      middleware: [
        abort,
        setHeaderMiddleware('Content-Type', PatchStrategy.MergePatch),
      ],
      middlewareMergeStrategy: 'append' as const,
    };
    // KubernetesObjectApi only runs the middleware of its own configuration.
    this.#objects = new KubernetesObjectApi(
      createConfiguration({
        baseServer: new ServerConfiguration(
          kubeConfig.getCurrentCluster()?.server ?? '',
          {},
        ),
        authMethods: { default: kubeConfig },
        middleware: [abort],
      }),
    );
  }

  /**
   * The version the cluster serves `kind` of `group` at: the group's
   * preferred version if it has the kind, else the first that has it.
   */
  servedKind(group: string, kind: string): Promise<ServedKind | undefined> {
    const key = `${group}/${kind}`;
    let served = this.#served.get(key);
    if (!served) {
      served = this.#discover(group, kind);
      // A failed discovery is not remembered: the next call asks again.
      served.catch(() => this.#served.delete(key));
      this.#served.set(key, served);
    }
    return served;
  }

  async #discover(group: string, kind: string) {
    const groups = await this.#apis.getAPIVersions({}, this.#options);
    const found = groups.groups.find(g => g.name === group);
    if (!found) return undefined;
    const preferred = found.preferredVersion?.version;
    const versions = [
      ...(preferred ? [preferred] : []),
      ...found.versions.map(v => v.version).filter(v => v !== preferred),
    ];
    for (const version of versions) {
      const list = await this.#custom.getAPIResources(
        { group, version },
        this.#options,
      );
      const resource = list.resources.find(
        r => r.kind === kind && !r.name.includes('/'),
      );
      if (resource) {
        return { group, version, kind, plural: resource.name };
      }
    }
    return undefined;
  }

  /** Like `servedKind`, but a kind the cluster does not serve is an error. */
  async requireKind(group: string, kind: string): Promise<ServedKind> {
    const served = await this.servedKind(group, kind);
    if (!served) {
      throw new InputError(
        `cluster "${this.cluster}" does not serve ${kind} (${group}); is Flux installed there?`,
      );
    }
    return served;
  }

  /** The object, or undefined when it does not exist. */
  async get(
    kind: ServedKind,
    namespace: string,
    name: string,
  ): Promise<FluxObject | undefined> {
    try {
      return (await this.#custom.getNamespacedCustomObject(
        {
          group: kind.group,
          version: kind.version,
          plural: kind.plural,
          namespace,
          name,
        },
        this.#options,
      )) as FluxObject;
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  }

  /** Sets annotations with a JSON merge patch, as `flux reconcile` does. */
  async annotate(
    kind: ServedKind,
    namespace: string,
    name: string,
    annotations: Record<string, string>,
  ): Promise<FluxObject> {
    try {
      return (await this.#custom.patchNamespacedCustomObject(
        {
          group: kind.group,
          version: kind.version,
          plural: kind.plural,
          namespace,
          name,
          body: { metadata: { annotations } },
        },
        this.#patchOptions,
      )) as FluxObject;
    } catch (error) {
      if (statusOf(error) === 404) {
        throw new NotFoundError(
          `${kind.kind} ${namespace}/${name} does not exist in cluster "${this.cluster}"`,
        );
      }
      throw error;
    }
  }

  /** Server-side apply under the scaffolder's field manager. */
  async apply(object: KubernetesObject): Promise<FluxObject> {
    return (await this.#objects.patch(
      object,
      undefined,
      undefined,
      FIELD_MANAGER,
      true,
      PatchStrategy.ServerSideApply,
    )) as FluxObject;
  }
}
