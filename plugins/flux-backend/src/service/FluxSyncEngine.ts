import { LoggerService } from '@backstage/backend-plugin-api';
import { FluxCluster, FluxClusterHealth } from '@hubbops/plugin-flux-common';
import { ClusterRegistry, RegisteredCluster } from './ClusterRegistry';
import { ClusterSync } from './ClusterSync';
import { FluxConfig } from './FluxConfig';
import { FluxDatabase } from './FluxDatabase';
import { FluxObjectIndex } from './FluxObjectIndex';
import { FluxObjectWriter } from './FluxObjectWriter';
import { KubernetesClient } from './KubernetesClient';

export interface FluxSyncEngineOptions {
  registry: ClusterRegistry;
  config: FluxConfig;
  logger: LoggerService;
  /** Where state is stored; without it the engine keeps memory only. */
  database?: FluxDatabase;
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
  #clusters = new Map<string, ClusterSync>();
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
      await database.deleteClustersOtherThan(registry.list().map(c => c.name));
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

  clusters(): FluxCluster[] {
    return this.#options.registry.list().map(cluster => {
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
        health,
        counts: this.index.counts(cluster.name),
      };
    });
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
    const running = this.#clusters;
    await Promise.all([...running.values()].map(c => c.stop()));
    this.#clusters = new Map(
      [...running].map(([name, sync]) => [
        name,
        this.#clusterSync(sync.cluster, sync.health),
      ]),
    );
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
