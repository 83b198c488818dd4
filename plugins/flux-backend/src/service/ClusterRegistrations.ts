import { LoggerService } from '@backstage/backend-plugin-api';
import { ConflictError, ServiceUnavailableError } from '@backstage/errors';
import {
  FluxClusterConnectionTestResult,
  FluxClusterRegistrationRequest,
  FluxClusterUpdateRequest,
} from '@hubbops/plugin-flux-common';
import {
  ApiRegistration,
  ClusterRegistry,
  RegisteredCluster,
  UnusableCluster,
} from './ClusterRegistry';
import { FluxDatabase, StoredClusterRegistration } from './FluxDatabase';
import { FluxSyncEngine } from './FluxSyncEngine';
import { ENCRYPTION_KEY_CONFIG, KubeconfigCipher } from './KubeconfigCipher';
import { readRegistrationKubeconfig } from './readRegistrationKubeconfig';
import { testClusterConnection } from './testClusterConnection';

export interface ClusterRegistrationsOptions {
  registry: ClusterRegistry;
  engine: FluxSyncEngine;
  database: FluxDatabase;
  /** Without one, registering and updating clusters is disabled. */
  cipher?: KubeconfigCipher;
  logger: LoggerService;
  /** Timeout of each request of a connection test. */
  testTimeoutMs: number;
}

function registrationOf(row: StoredClusterRegistration): ApiRegistration {
  return {
    context: row.context,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    ...(row.updatedBy && { updatedBy: row.updatedBy }),
    revision: row.revision,
  };
}

/**
 * Clusters registered at runtime through the API: stored in the database
 * with their kubeconfig encrypted, and kept in step with the registry and
 * the sync engine, on this replica by the API calls and on the others by
 * {@link ClusterRegistrations.reload}.
 */
export class ClusterRegistrations {
  readonly #options: ClusterRegistrationsOptions;
  /** Changes and reloads, one at a time, so they never interleave. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: ClusterRegistrationsOptions) {
    this.#options = options;
  }

  /**
   * Brings the registry in step with the stored registrations: adds new
   * ones, restarts changed ones, drops removed ones. Run at startup and
   * periodically, so every replica sees what any replica registered.
   */
  reload(): Promise<void> {
    return this.#serially(async () => {
      const { database, registry, engine, logger } = this.#options;
      const rows = await database.listClusterRegistrations();
      const stored = new Set(rows.map(row => row.name));
      for (const cluster of [...registry.list(), ...registry.unusable()]) {
        if (cluster.registration && !stored.has(cluster.name)) {
          logger.info(`Registered cluster ${cluster.name} was removed`);
          await engine.removeCluster(cluster.name);
        }
      }
      for (const row of rows) {
        const known = registry.registrationOf(row.name);
        if (known?.revision === row.revision) continue;
        if (!known && registry.has(row.name)) {
          logger.warn(
            `Ignoring the registered cluster "${row.name}": a configured ` +
              'cluster has the same name; remove one of them',
          );
          continue;
        }
        const cluster = this.#clusterOf(row);
        if (known) {
          await engine.replaceCluster(cluster);
        } else {
          await engine.addCluster(cluster);
        }
      }
    });
  }

  register(
    request: FluxClusterRegistrationRequest,
    actor?: string,
  ): Promise<RegisteredCluster | UnusableCluster> {
    return this.#serially(async () => {
      const { database, registry, engine } = this.#options;
      const cipher = this.#cipher();
      registry.assertNameFree(request.name);
      const kubeconfig = readRegistrationKubeconfig(
        request.kubeconfig,
        request.context,
      );
      const row = await database.insertClusterRegistration({
        name: request.name,
        title: request.title,
        context: kubeconfig.context,
        url: kubeconfig.url,
        kubeconfig: cipher.encrypt(request.name, kubeconfig.text),
        actor,
      });
      const cluster = this.#clusterOf(row);
      await engine.addCluster(cluster);
      return cluster;
    });
  }

  update(
    name: string,
    request: FluxClusterUpdateRequest,
    actor?: string,
  ): Promise<RegisteredCluster | UnusableCluster> {
    return this.#serially(async () => {
      const { database, registry, engine } = this.#options;
      registry.assertRegisteredThroughApi(name);
      const cipher = this.#cipher();
      let kubeconfig;
      if (request.kubeconfig !== undefined) {
        kubeconfig = readRegistrationKubeconfig(
          request.kubeconfig,
          request.context,
        );
      } else if (request.context !== undefined) {
        const stored = await database.getClusterRegistration(name);
        if (!stored) throw this.#gone(name);
        let text: string;
        try {
          text = cipher.decrypt(name, stored.kubeconfig);
        } catch (error) {
          // Picking another context needs the stored kubeconfig.
          throw new ConflictError((error as Error).message);
        }
        kubeconfig = readRegistrationKubeconfig(text, request.context);
      }
      const row = await database.updateClusterRegistration(name, {
        title: request.title === undefined ? undefined : request.title || null,
        ...(kubeconfig && {
          context: kubeconfig.context,
          url: kubeconfig.url,
          kubeconfig: cipher.encrypt(name, kubeconfig.text),
        }),
        actor,
      });
      const cluster = this.#clusterOf(row);
      await engine.replaceCluster(cluster);
      return cluster;
    });
  }

  remove(name: string): Promise<void> {
    return this.#serially(async () => {
      const { database, registry, engine } = this.#options;
      registry.assertRegisteredThroughApi(name);
      await database.deleteClusterRegistration(name);
      await engine.removeCluster(name);
    });
  }

  /** Tries a kubeconfig before it is saved. */
  async test(
    kubeconfigText: string,
    context?: string,
  ): Promise<FluxClusterConnectionTestResult> {
    this.#cipher();
    const { kubeConfig } = readRegistrationKubeconfig(kubeconfigText, context);
    return testClusterConnection(kubeConfig, {
      timeoutMs: this.#options.testTimeoutMs,
    });
  }

  /** Tries the connection of a known cluster, however it was configured. */
  async testCluster(name: string): Promise<FluxClusterConnectionTestResult> {
    const { registry } = this.#options;
    const unusable = registry.getUnusable(name);
    if (unusable) {
      return {
        ok: false,
        url: unusable.url,
        error: unusable.error,
        servedKinds: {},
        skippedKinds: [],
        fluxVersions: {},
      };
    }
    const cluster = registry.get(name);
    if (!cluster) {
      registry.assertRegisteredThroughApi(name);
    }
    return testClusterConnection(cluster!.kubeConfig, {
      timeoutMs: this.#options.testTimeoutMs,
    });
  }

  #cipher(): KubeconfigCipher {
    if (!this.#options.cipher) {
      throw new ServiceUnavailableError(
        'Registering clusters is disabled: set ' +
          `${ENCRYPTION_KEY_CONFIG} in app-config to 32 random bytes in ` +
          'base64 (openssl rand -base64 32), which encrypts their kubeconfigs',
      );
    }
    return this.#options.cipher;
  }

  /** A usable cluster, or an unusable one saying why, from a stored row. */
  #clusterOf(
    row: StoredClusterRegistration,
  ): RegisteredCluster | UnusableCluster {
    const { cipher, logger } = this.#options;
    const common = {
      name: row.name,
      ...(row.title && { title: row.title }),
      url: row.url,
      registration: registrationOf(row),
    };
    try {
      if (!cipher) {
        throw new Error(
          `Cannot read the kubeconfig of registered cluster "${row.name}": ` +
            `${ENCRYPTION_KEY_CONFIG} is not set; set the key it was stored with`,
        );
      }
      const { kubeConfig } = readRegistrationKubeconfig(
        cipher.decrypt(row.name, row.kubeconfig),
        row.context,
      );
      return { ...common, source: 'registered', demo: false, kubeConfig };
    } catch (error) {
      const message = (error as Error).message;
      logger.error(message);
      return { ...common, error: message };
    }
  }

  #gone(name: string) {
    return new ConflictError(
      `Cluster "${name}" was removed meanwhile; register it again`,
    );
  }

  #serially<T>(change: () => Promise<T>): Promise<T> {
    const result = this.#queue.then(change);
    this.#queue = result.catch(() => undefined);
    return result;
  }
}
