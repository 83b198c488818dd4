import { LoggerService } from '@backstage/backend-plugin-api';
import { FluxCluster, FluxClusterHealth } from '@hubbops/plugin-flux-common';
import {
  ApiRegistration,
  ClusterRegistry,
  RegisteredCluster,
  UnusableCluster,
} from './ClusterRegistry';
import { ClusterSync } from './ClusterSync';
import { FluxConfig } from './FluxConfig';
import { FluxDatabase } from './FluxDatabase';
import { FluxObjectIndex } from './FluxObjectIndex';
import { FluxObjectWriter } from './FluxObjectWriter';
import { KubernetesClient } from './KubernetesClient';
import { FluxMetrics } from './FluxMetrics';

export interface FluxSyncEngineOptions {
  registry: ClusterRegistry;
  config: FluxConfig;
  logger: LoggerService;
  /** Where state is stored; without it the engine keeps memory only. */
  database?: FluxDatabase;
  /** Sync lag, watch restarts and API latency go there. */
  metrics?: FluxMetrics;
}

/**
 * Keeps the index of Flux objects in step with every cluster, each cluster
 * on its own (see {@link ClusterSync}), and the database in step with the
 * index. On start it serves the stored state until the clusters answer.
 *
 * With several replicas on one database, only one should watch the
 * clusters: `start({ sync: false })` starts a replica that follows the
 * database (`followDatabase`), and `lead` makes it sync for one term.
 */
export class FluxSyncEngine {
  readonly index: FluxObjectIndex;
  readonly #options: FluxSyncEngineOptions;
  readonly #writer?: FluxObjectWriter;
  readonly #clients = new Map<string, KubernetesClient>();
  /** Health writes per cluster, in order, so the last one stored wins. */
  readonly #healthWrites = new Map<string, Promise<void>>();
  readonly #clusters = new Map<string, ClusterSync>();
  /** Cluster additions, replacements and removals, one at a time. */
  #membership: Promise<unknown> = Promise.resolve();
  #started = false;
  #syncing = false;

  constructor(options: FluxSyncEngineOptions) {
    this.#options = options;
    const { database } = options;
    this.#writer = database
      ? new FluxObjectWriter({
          database,
          delayMs: options.config.writeDelayMs,
          logger: options.logger,
        })
      : undefined;
    this.index = new FluxObjectIndex({
      onChange: change => this.#writer?.enqueue(change),
      showHelmValues: options.config.showHelmValues,
    });
  }

  /** Whether this replica is watching the clusters now. */
  get syncing(): boolean {
    return this.#syncing;
  }

  /**
   * Loads the stored state, then (unless `sync` is false) starts syncing
   * every cluster.
   */
  async start(options: { sync?: boolean } = {}): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    const { registry, database } = this.#options;
    let storedHealth = new Map<string, FluxClusterHealth>();
    if (database) {
      await database.deleteClustersOtherThan([
        ...registry.list().map(c => c.name),
        // Kept for when their kubeconfig can be read again.
        ...registry.unusable().map(c => c.name),
      ]);
      this.index.load(await database.loadObjects());
      storedHealth = await database.loadClusterHealth();
    }
    for (const cluster of registry.list()) {
      this.#clusters.set(
        cluster.name,
        this.#clusterSync(cluster, storedHealth.get(cluster.name)),
      );
    }
    if (options.sync ?? true) {
      this.#startSyncing();
    }
  }

  async stop(): Promise<void> {
    await this.#stopSyncing();
    await this.#writer?.stop();
    await Promise.all(this.#healthWrites.values());
  }

  /**
   * Syncs every cluster for one term (or until `signal` aborts), then stops
   * watching and stores everything. Meant to run as a global scheduled task,
   * which the scheduler runs on one replica at a time.
   */
  async lead(termMs: number, signal?: AbortSignal): Promise<void> {
    if (this.#syncing) return;
    // Whatever another replica stored meanwhile is the starting point.
    await this.followDatabase();
    this.#startSyncing();
    try {
      await new Promise<void>(resolve => {
        const timer = setTimeout(done, termMs);
        function done() {
          clearTimeout(timer);
          signal?.removeEventListener('abort', done);
          resolve();
        }
        if (signal?.aborted) done();
        signal?.addEventListener('abort', done);
      });
    } finally {
      await this.#stopSyncing();
      await this.#writer?.flush();
      await Promise.all(this.#healthWrites.values());
    }
  }

  /**
   * Replaces the index and cluster health with what the syncing replica
   * stored; does nothing while this replica syncs itself.
   */
  async followDatabase(): Promise<void> {
    const { database } = this.#options;
    if (!database || this.#syncing) return;
    const [objects, health] = await Promise.all([
      database.loadObjects(),
      database.loadClusterHealth(),
    ]);
    if (this.#syncing) return;
    this.index.reset(objects);
    for (const [name, sync] of this.#clusters) {
      const stored = health.get(name);
      if (stored) sync.adoptHealth(stored);
    }
  }

  /** Relists every cluster; the scheduled safety net. */
  async resyncAll(): Promise<void> {
    if (!this.#syncing) return;
    await Promise.all([...this.#clusters.values()].map(c => c.resync()));
  }

  /** Writes pending index changes now (tests, shutdown). */
  async flush(): Promise<void> {
    await this.#writer?.flush();
  }

  cluster(name: string): ClusterSync | undefined {
    return this.#clusters.get(name);
  }

  /**
   * Adds a cluster registered at runtime to the registry and, once the
   * engine has started, syncs it (when this replica syncs). A cluster that
   * cannot be used is only listed.
   */
  addCluster(cluster: RegisteredCluster | UnusableCluster): Promise<void> {
    return this.#serially(async () => {
      this.#options.registry.add(cluster);
      this.#track(cluster);
    });
  }

  /**
   * Replaces a cluster registered at runtime (new kubeconfig or title):
   * its sync restarts with the new settings; its objects stay until the
   * new sync relists them.
   */
  replaceCluster(cluster: RegisteredCluster | UnusableCluster): Promise<void> {
    return this.#serially(async () => {
      this.#options.registry.assertRegisteredThroughApi(cluster.name);
      await this.#untrack(cluster.name);
      this.#options.registry.replace(cluster);
      this.#track(cluster);
    });
  }

  /**
   * Stops syncing a cluster registered at runtime and forgets it: its
   * objects leave the index and the database, with its health.
   */
  removeCluster(name: string): Promise<void> {
    return this.#serially(async () => {
      const { registry, database } = this.#options;
      registry.assertRegisteredThroughApi(name);
      await this.#untrack(name);
      registry.remove(name);
      this.index.removeWhere(name);
      await this.#writer?.flush();
      await this.#healthWrites.get(name);
      this.#healthWrites.delete(name);
      await database?.deleteClusterState(name);
    });
  }

  clusters(): FluxCluster[] {
    const { registry } = this.#options;
    const usable = registry.list().map((cluster): FluxCluster => {
      const health = this.#clusters.get(cluster.name)?.health ?? {
        status: 'unknown' as const,
        fluxVersions: {},
      };
      return {
        name: cluster.name,
        ...(cluster.title && { title: cluster.title }),
        source: cluster.source,
        url: cluster.url,
        demo: cluster.demo,
        ...(cluster.registration && {
          registration: publicRegistration(cluster.registration),
        }),
        health,
        counts: this.index.counts(cluster.name),
      };
    });
    const unusable = registry.unusable().map(
      (cluster): FluxCluster => ({
        name: cluster.name,
        ...(cluster.title && { title: cluster.title }),
        source: 'registered',
        url: cluster.url,
        demo: false,
        registration: publicRegistration(cluster.registration),
        health: {
          status: 'unhealthy',
          lastError: cluster.error,
          fluxVersions: {},
        },
        counts: this.index.counts(cluster.name),
      }),
    );
    return [...usable, ...unusable];
  }

  #serially<T>(change: () => Promise<T>): Promise<T> {
    const result = this.#membership.then(change);
    this.#membership = result.catch(() => undefined);
    return result;
  }

  /** Creates the sync of a cluster added after start, running if we sync. */
  #track(cluster: RegisteredCluster | UnusableCluster): void {
    // Before start, start() creates the syncs of everything registered.
    if (!this.#started || 'error' in cluster) return;
    const sync = this.#clusterSync(cluster);
    this.#clusters.set(cluster.name, sync);
    if (this.#syncing) sync.start();
  }

  async #untrack(name: string): Promise<void> {
    const sync = this.#clusters.get(name);
    this.#clusters.delete(name);
    await sync?.stop();
    // The next sync of this name may have other credentials.
    this.#clients.delete(name);
  }

  #startSyncing(): void {
    this.#syncing = true;
    for (const sync of this.#clusters.values()) {
      // Not awaited: each cluster syncs on its own schedule.
      sync.start();
    }
  }

  /** Stops watching; idle replacements keep health for reads and actions. */
  async #stopSyncing(): Promise<void> {
    if (!this.#syncing) return;
    this.#syncing = false;
    await this.#serially(async () => {
      const running = [...this.#clusters];
      await Promise.all(running.map(([, sync]) => sync.stop()));
      for (const [name, sync] of running) {
        this.#clusters.set(name, this.#clusterSync(sync.cluster, sync.health));
      }
    });
  }

  #clusterSync(
    cluster: RegisteredCluster,
    initialHealth?: FluxClusterHealth,
  ): ClusterSync {
    const { config, logger, database } = this.#options;
    let client = this.#clients.get(cluster.name);
    if (!client) {
      client = new KubernetesClient(cluster.kubeConfig, {
        requestTimeoutMs: config.requestTimeoutMs,
        cluster: cluster.name,
        metrics: this.#options.metrics,
      });
      this.#clients.set(cluster.name, client);
    }
    return new ClusterSync({
      cluster,
      client,
      index: this.index,
      config,
      logger: logger.child({ cluster: cluster.name }),
      initialHealth,
      metrics: this.#options.metrics,
      onHealthChange: health => {
        if (!database) return;
        const previous = this.#healthWrites.get(cluster.name);
        const write = (previous ?? Promise.resolve())
          .then(() => database.saveClusterHealth(cluster.name, health))
          .catch(error => {
            logger.warn(`Could not store health of ${cluster.name}: ${error}`);
          });
        this.#healthWrites.set(cluster.name, write);
      },
    });
  }
}

function publicRegistration({
  revision: _revision,
  ...registration
}: ApiRegistration) {
  return registration;
}
