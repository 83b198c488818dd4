import { Config } from '@backstage/config';
import { ConflictError, InputError, NotFoundError } from '@backstage/errors';
import { LoggerService } from '@backstage/backend-plugin-api';
import { KubeConfig } from '@kubernetes/client-node';
import {
  FluxClusterRegistration,
  FluxClusterSource,
} from '@hubbops/plugin-flux-common';
import { FluxClusterSource as ClusterSourceExtension } from '@hubbops/plugin-flux-node';

/** A cluster the plugin can reach, and how. */
export interface RegisteredCluster {
  name: string;
  title?: string;
  source: FluxClusterSource;
  url: string;
  demo: boolean;
  kubeConfig: KubeConfig;
  /** Set for clusters registered through the API. */
  registration?: ApiRegistration;
}

/** How a cluster was registered through the API, and its stored revision. */
export interface ApiRegistration extends FluxClusterRegistration {
  revision: number;
}

/**
 * A cluster registered through the API that cannot be used now (its
 * kubeconfig does not decrypt or no longer reads): listed as unhealthy,
 * never synced, and can still be updated or removed.
 */
export interface UnusableCluster {
  name: string;
  title?: string;
  url: string;
  registration: ApiRegistration;
  error: string;
}

const SOURCE_DESCRIPTIONS: Record<string, string> = {
  config: 'app-config (kubernetes.clusterLocatorMethods)',
  kubeconfig: 'the kubeconfig file of flux.kubeconfig',
  registered: 'a cluster source of a backend module',
};

/** Where client certificates may be given: our keys, or authMetadata's. */
function clientCertificate(cluster: Config) {
  // authMetadata keys contain dots, which Config reads as nesting.
  const metadata = (cluster.getOptional('authMetadata') ?? {}) as Record<
    string,
    unknown
  >;
  const read = (key: string, metadataKey: string) => {
    const value = cluster.getOptionalString(key) ?? metadata[metadataKey];
    return typeof value === 'string' && value ? value : undefined;
  };
  return {
    certData: read('clientCertData', 'kubernetes.io/x509-client-cert'),
    keyData: read('clientKeyData', 'kubernetes.io/x509-client-key'),
  };
}

/**
 * A kubeconfig for one `kubernetes.clusterLocatorMethods[type=config]`
 * cluster, read the way the Kubernetes plugin documents that shape.
 */
function kubeConfigFromClusterConfig(cluster: Config): KubeConfig {
  const name = cluster.getString('name');
  const url = cluster.getString('url');
  const authProvider =
    cluster.getOptionalString('authProvider') ?? 'serviceAccount';
  const token = cluster.getOptionalString('serviceAccountToken');
  const { certData, keyData } = clientCertificate(cluster);
  if (authProvider !== 'serviceAccount' && authProvider !== 'x509ClientCert') {
    throw new InputError(
      `Cluster "${name}" uses authProvider "${authProvider}", which the Flux ` +
        'plugin does not support; use serviceAccount (with serviceAccountToken) ' +
        'or client certificates (clientCertData and clientKeyData)',
    );
  }
  if (!token && !(certData && keyData)) {
    throw new InputError(
      `Cluster "${name}" has no credentials: set serviceAccountToken, or ` +
        'clientCertData and clientKeyData',
    );
  }
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [
      {
        name,
        server: url,
        skipTLSVerify: cluster.getOptionalBoolean('skipTLSVerify') ?? false,
        caData: cluster.getOptionalString('caData'),
        caFile: cluster.getOptionalString('caFile'),
      },
    ],
    users: [
      {
        name,
        token: certData && keyData ? undefined : token,
        certData,
        keyData,
      },
    ],
    contexts: [{ name, cluster: name, user: name }],
    currentContext: name,
  });
  return kubeConfig;
}

function checkUniqueNames(clusters: RegisteredCluster[]) {
  const seen = new Set<string>();
  for (const cluster of clusters) {
    if (seen.has(cluster.name)) {
      throw new InputError(
        `Two clusters are named "${cluster.name}"; cluster names must be ` +
          'unique across kubernetes.clusterLocatorMethods, flux.kubeconfig ' +
          'and the cluster sources of backend modules',
      );
    }
    seen.add(cluster.name);
  }
}

function kubeConfigOf(definition: { kubeConfig: KubeConfig | string }) {
  if (typeof definition.kubeConfig !== 'string') return definition.kubeConfig;
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromString(definition.kubeConfig);
  return kubeConfig;
}

/**
 * Turns the configured cluster sources into the clusters to sync: the
 * Kubernetes plugin's `config` locators, then the contexts of
 * `flux.kubeconfig`, then the clusters of sources added through
 * `fluxClusterSourcesExtensionPoint`. Names must be unique across all.
 */
export class ClusterRegistry {
  readonly #clusters: RegisteredCluster[];
  readonly #unusable = new Map<string, UnusableCluster>();

  /**
   * The configured clusters and those of `sources` (read once). A source
   * that fails, or a cluster it gives that cannot be used, is logged and
   * skipped; clusters it flags `demo` (or named in `flux.clusters.demo`)
   * are demo clusters.
   */
  static async create(
    config: Config,
    options: { logger: LoggerService; sources?: ClusterSourceExtension[] },
  ): Promise<ClusterRegistry> {
    const clusters = ClusterRegistry.fromConfig(config, options).list();
    const demo = new Set(config.getOptionalStringArray('flux.clusters.demo'));
    const results = await Promise.allSettled(
      (options.sources ?? []).map(source => source.getClusters()),
    );
    for (const result of results) {
      if (result.status === 'rejected') {
        options.logger.warn(
          `Skipping a cluster source that failed: ${result.reason}`,
        );
        continue;
      }
      for (const definition of result.value) {
        let kubeConfig: KubeConfig;
        try {
          kubeConfig = kubeConfigOf(definition);
        } catch (error) {
          options.logger.warn(
            `Skipping cluster "${definition.name}" of a cluster source: its ` +
              `kubeconfig could not be read: ${(error as Error).message}`,
          );
          continue;
        }
        clusters.push({
          name: definition.name,
          ...(definition.title && { title: definition.title }),
          source: 'registered',
          url: definition.url,
          demo: (definition.demo ?? false) || demo.has(definition.name),
          kubeConfig,
        });
      }
    }
    checkUniqueNames(clusters);
    return new ClusterRegistry(clusters);
  }

  static fromConfig(
    config: Config,
    options: { logger: LoggerService },
  ): ClusterRegistry {
    const demo = new Set(config.getOptionalStringArray('flux.clusters.demo'));
    const clusters: RegisteredCluster[] = [];

    const locators =
      config.getOptionalConfigArray('kubernetes.clusterLocatorMethods') ?? [];
    for (const locator of locators) {
      if (locator.getString('type') !== 'config') {
        continue;
      }
      for (const cluster of locator.getOptionalConfigArray('clusters') ?? []) {
        const name = cluster.getString('name');
        let kubeConfig: KubeConfig;
        try {
          kubeConfig = kubeConfigFromClusterConfig(cluster);
        } catch (error) {
          // One unsupported cluster must not take the plugin down.
          options.logger.warn(`Skipping cluster: ${(error as Error).message}`);
          continue;
        }
        clusters.push({
          name,
          title: cluster.getOptionalString('title'),
          source: 'config',
          url: cluster.getString('url'),
          demo: demo.has(name),
          kubeConfig,
        });
      }
    }

    const kubeconfig = config.getOptionalConfig('flux.kubeconfig');
    if (kubeconfig) {
      const path = kubeconfig.getString('path');
      const file = new KubeConfig();
      try {
        file.loadFromFile(path);
      } catch (error) {
        throw new InputError(
          `Could not read the kubeconfig at flux.kubeconfig.path (${path}): ` +
            `${(error as Error).message}`,
        );
      }
      const wanted = kubeconfig.getOptionalStringArray('contexts');
      for (const missing of (wanted ?? []).filter(
        c => !file.contexts.some(context => context.name === c),
      )) {
        throw new InputError(
          `flux.kubeconfig.contexts names "${missing}", which ${path} does ` +
            `not define; it has ${file.contexts.map(c => c.name).join(', ')}`,
        );
      }
      for (const context of file.contexts) {
        if (wanted && !wanted.includes(context.name)) continue;
        const kubeConfig = new KubeConfig();
        kubeConfig.loadFromFile(path);
        kubeConfig.setCurrentContext(context.name);
        clusters.push({
          name: context.name,
          source: 'kubeconfig',
          url: kubeConfig.getCurrentCluster()?.server ?? '',
          demo: demo.has(context.name),
          kubeConfig,
        });
      }
    }

    checkUniqueNames(clusters);
    return new ClusterRegistry(clusters);
  }

  constructor(clusters: RegisteredCluster[]) {
    this.#clusters = clusters;
  }

  /** The clusters that can be synced, in the order they were added. */
  list(): RegisteredCluster[] {
    return [...this.#clusters];
  }

  get(name: string): RegisteredCluster | undefined {
    return this.#clusters.find(c => c.name === name);
  }

  /** Registered clusters that cannot be used now. */
  unusable(): UnusableCluster[] {
    return [...this.#unusable.values()];
  }

  getUnusable(name: string): UnusableCluster | undefined {
    return this.#unusable.get(name);
  }

  has(name: string): boolean {
    return this.#unusable.has(name) || this.get(name) !== undefined;
  }

  /** The registration of a cluster registered through the API, usable or not. */
  registrationOf(name: string): ApiRegistration | undefined {
    return (this.get(name) ?? this.#unusable.get(name))?.registration;
  }

  /**
   * Checks that `name` is a cluster registered through the API, which may
   * be changed: NotFoundError if unknown, ConflictError if configured
   * elsewhere.
   */
  assertRegisteredThroughApi(name: string): ApiRegistration {
    const registration = this.registrationOf(name);
    if (registration) return registration;
    const cluster = this.get(name);
    if (!cluster) {
      throw new NotFoundError(
        `No cluster named "${name}" exists; GET /clusters lists them`,
      );
    }
    throw new ConflictError(
      `Cluster "${name}" comes from ${
        SOURCE_DESCRIPTIONS[cluster.source] ?? cluster.source
      }, so it cannot be updated or removed through the API; change it there`,
    );
  }

  /** ConflictError if a cluster of any source has this name. */
  assertNameFree(name: string): void {
    if (!this.has(name)) return;
    const existing = this.get(name);
    throw new ConflictError(
      `A cluster named "${name}" already exists${
        existing && !existing.registration
          ? ` (from ${SOURCE_DESCRIPTIONS[existing.source]})`
          : ''
      }; cluster names must be unique, choose another one`,
    );
  }

  /** Adds a cluster registered at runtime; names stay unique. */
  add(cluster: RegisteredCluster | UnusableCluster): void {
    this.assertNameFree(cluster.name);
    this.#put(cluster);
  }

  /** Replaces a cluster registered through the API, usable or not. */
  replace(cluster: RegisteredCluster | UnusableCluster): void {
    this.assertRegisteredThroughApi(cluster.name);
    this.remove(cluster.name);
    this.#put(cluster);
  }

  /** Forgets a cluster registered through the API. */
  remove(name: string): void {
    this.#unusable.delete(name);
    const at = this.#clusters.findIndex(c => c.name === name && c.registration);
    if (at >= 0) this.#clusters.splice(at, 1);
  }

  #put(cluster: RegisteredCluster | UnusableCluster): void {
    if ('error' in cluster) {
      this.#unusable.set(cluster.name, cluster);
    } else {
      this.#clusters.push(cluster);
    }
  }
}
