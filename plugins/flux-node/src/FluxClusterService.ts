import {
  createServiceFactory,
  createServiceRef,
} from '@backstage/backend-plugin-api';
import { KubeConfig } from '@kubernetes/client-node';

/**
 * A cluster the Flux backend syncs, as other plugins see it.
 *
 * @public
 */
export interface FluxClusterInfo {
  name: string;
  title?: string;
  url: string;
  demo: boolean;
}

/**
 * Gives other backend plugins access to the clusters the Flux backend syncs.
 *
 * @public
 */
export interface FluxClusterService {
  /** The clusters; waits until the Flux backend has started. */
  listClusters(): Promise<FluxClusterInfo[]>;
  /**
   * A fresh `KubeConfig` for the named cluster (its current context), for
   * `makeApiClient`; throws if the Flux backend does not know the cluster.
   */
  getKubeConfig(cluster: string): Promise<KubeConfig>;
}

/**
 * What the Flux backend hands to {@link FluxClusterDirectory}.
 *
 * @public
 */
export interface FluxClusterProvider {
  list(): Array<FluxClusterInfo & { kubeConfig: KubeConfig }>;
}

function copyOf(kubeConfig: KubeConfig): KubeConfig {
  const copy = new KubeConfig();
  copy.loadFromOptions({
    clusters: structuredClone(kubeConfig.clusters),
    users: structuredClone(kubeConfig.users),
    contexts: structuredClone(kubeConfig.contexts),
    currentContext: kubeConfig.currentContext,
  });
  return copy;
}

/**
 * The default {@link FluxClusterService}: the Flux backend plugin provides
 * its clusters once it has read them; calls made before then wait (up to
 * `waitMs`, default 60 s, then fail saying the Flux backend is missing).
 *
 * @public
 */
export class FluxClusterDirectory implements FluxClusterService {
  readonly #waitMs: number;
  #provider?: FluxClusterProvider;
  #resolve!: (provider: FluxClusterProvider) => void;
  readonly #provided: Promise<FluxClusterProvider>;

  constructor(options: { waitMs?: number } = {}) {
    this.#waitMs = options.waitMs ?? 60_000;
    this.#provided = new Promise(resolve => {
      this.#resolve = resolve;
    });
  }

  /** Called by the Flux backend plugin; the latest provider wins. */
  provide(provider: FluxClusterProvider): void {
    this.#provider = provider;
    this.#resolve(provider);
  }

  async #providerOrWait(): Promise<FluxClusterProvider> {
    if (this.#provider) return this.#provider;
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        this.#provided,
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () =>
              reject(
                new Error(
                  'The Flux backend has not provided its clusters; is ' +
                    '@hubbops/plugin-flux-backend installed in this backend?',
                ),
              ),
            this.#waitMs,
          );
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  async listClusters(): Promise<FluxClusterInfo[]> {
    const provider = await this.#providerOrWait();
    return provider.list().map(({ name, title, url, demo }) => ({
      name,
      ...(title && { title }),
      url,
      demo,
    }));
  }

  async getKubeConfig(cluster: string): Promise<KubeConfig> {
    const provider = await this.#providerOrWait();
    const found = provider.list().find(c => c.name === cluster);
    if (!found) {
      const known = provider
        .list()
        .map(c => c.name)
        .join(', ');
      throw new Error(
        `The Flux backend knows no cluster "${cluster}"; it has ${
          known || 'none'
        }`,
      );
    }
    return copyOf(found.kubeConfig);
  }
}

/**
 * The clusters of the Flux backend, for other backend plugins. Root scoped:
 * every plugin sees the one directory the Flux backend fills.
 *
 * @public
 */
export const fluxClusterServiceRef = createServiceRef<FluxClusterService>({
  id: 'flux.clusters',
  scope: 'root',
  defaultFactory: async service =>
    createServiceFactory({
      service,
      deps: {},
      factory: () => new FluxClusterDirectory(),
    }),
});
