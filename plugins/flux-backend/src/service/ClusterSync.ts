import { LoggerService } from '@backstage/backend-plugin-api';
import {
  findFluxKind,
  FluxClusterHealth,
  FluxRawObject,
} from '@hubbops/plugin-flux-common';
import { Backoff } from './Backoff';
import { RegisteredCluster } from './ClusterRegistry';
import { discoverFluxKinds } from './discoverFluxKinds';
import { FluxConfig } from './FluxConfig';
import { fluxControllerVersions } from './fluxControllerVersions';
import { FluxMetrics } from './FluxMetrics';
import { FluxObjectIndex } from './FluxObjectIndex';
import { InventoryLabels } from './InventoryLabels';
import { KindReflector, ReflectorListener } from './KindReflector';
import { KubernetesClient, ServedKind } from './KubernetesClient';
import { kubernetesErrorMessage } from './kubernetesError';
import { settleWithin } from './settleWithin';
import { InterruptibleDelay } from './InterruptibleDelay';

const FLUX_NAMESPACE = 'flux-system';

export interface ClusterSyncOptions {
  cluster: RegisteredCluster;
  client: KubernetesClient;
  index: FluxObjectIndex;
  config: FluxConfig;
  logger: LoggerService;
  /** The health stored by the previous run, shown until we know better. */
  initialHealth?: FluxClusterHealth;
  onHealthChange?: (health: FluxClusterHealth) => void;
  metrics?: FluxMetrics;
  /** How long inventory changes are gathered before labels are re-read. */
  inventoryRefreshDelayMs?: number;
}

/** What, in a summary, means the objects an inventory lists may have changed. */
function inventorySignature(
  summary: { inventory: Array<{ id: string; version: string }> } | undefined,
  revision: string | undefined,
): string {
  if (!summary || summary.inventory.length === 0) return '';
  return `${revision}\u0000${summary.inventory
    .map(e => `${e.id}@${e.version}`)
    .join(',')}`;
}

type ReflectorState = {
  state: 'starting' | 'synced' | 'failing';
  error?: string;
};

/**
 * Syncs one cluster: discovers which Flux kinds it serves, runs a
 * {@link KindReflector} per kind, and keeps the cluster's health from what
 * they report. Everything here is per cluster, so a cluster that is down
 * only ever delays itself.
 */
export class ClusterSync {
  readonly cluster: RegisteredCluster;
  readonly client: KubernetesClient;
  readonly #options: ClusterSyncOptions;
  readonly #reflectors = new Map<string, KindReflector>();
  readonly #states = new Map<string, ReflectorState>();
  readonly #backoff: Backoff;
  #health: FluxClusterHealth;
  #discoveryError?: string;
  #discovered = false;
  /** Set once this run has discovered the kinds (not from stored health). */
  #kindsKnown = false;
  #stopped = false;
  #discovering?: Promise<void>;
  readonly #delay = new InterruptibleDelay();
  readonly #inventoryLabels: InventoryLabels;

  constructor(options: ClusterSyncOptions) {
    this.cluster = options.cluster;
    this.client = options.client;
    this.#options = options;
    this.#inventoryLabels = new InventoryLabels({
      cluster: options.cluster.name,
      client: options.client,
      index: options.index,
      logger: options.logger,
      debounceMs: options.inventoryRefreshDelayMs,
    });
    this.#health = options.initialHealth ?? {
      status: 'unknown',
      fluxVersions: {},
    };
    this.#backoff = new Backoff({
      minMs: options.config.minRetryDelayMs,
      maxMs: options.config.maxRetryDelayMs,
    });
  }

  get health(): FluxClusterHealth {
    return this.#health;
  }

  /**
   * The version this cluster serves a kind at: as discovered, or as the
   * stored health says while this replica does not sync the cluster.
   */
  servedKind(kind: string): ServedKind | undefined {
    const discovered = this.#reflectors.get(kind)?.kind;
    if (discovered || this.#kindsKnown) return discovered;
    const groupVersion = this.#health.servedKinds?.[kind];
    const fluxKind = findFluxKind(kind);
    if (!groupVersion || !fluxKind) return undefined;
    const version = groupVersion.slice(groupVersion.lastIndexOf('/') + 1);
    return {
      group: fluxKind.group,
      version,
      kind: fluxKind.kind,
      plural: fluxKind.plural,
    };
  }

  /** Takes the health another replica stored, while we do not sync. */
  adoptHealth(health: FluxClusterHealth): void {
    if (!this.#discovering) this.#health = health;
  }

  start(): void {
    this.#discovering ??= this.#discoverUntilDone();
  }

  /**
   * The safety net: discovers again (kinds may have been installed or
   * removed) and relists every kind.
   */
  async resync(): Promise<void> {
    if (this.#stopped) return;
    if (!this.#discovered) {
      // The discovery loop is still retrying; let it try now.
      this.#delay.interrupt();
      return;
    }
    try {
      await this.#discover();
    } catch (error) {
      this.#discoveryError = kubernetesErrorMessage(error);
      this.#updateHealth();
      return;
    }
    for (const reflector of this.#reflectors.values()) {
      reflector.relist();
    }
    // Labels of inventoried objects change without any Flux object changing.
    await this.#inventoryLabels.refresh();
  }

  /** Re-reads the labels of inventoried objects now (tests, resync). */
  refreshInventoryLabels(): Promise<void> {
    return this.#inventoryLabels.refresh();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#delay.interrupt();
    await this.#inventoryLabels.stop();
    await Promise.all([...this.#reflectors.values()].map(r => r.stop()));
    await settleWithin(this.#discovering, 2000);
  }

  async #discoverUntilDone(): Promise<void> {
    while (!this.#stopped && !this.#discovered) {
      try {
        await this.#discover();
        this.#discovered = true;
        this.#backoff.reset();
      } catch (error) {
        this.#discoveryError = kubernetesErrorMessage(error);
        this.#updateHealth();
        await this.#delay.wait(this.#backoff.next());
      }
    }
  }

  async #discover(): Promise<void> {
    const { served, skipped } = await discoverFluxKinds(this.#options.client);
    if (this.#stopped) return;
    const wanted = new Map(served.map(kind => [kind.kind, kind]));
    for (const [name, reflector] of [...this.#reflectors]) {
      const kind = wanted.get(name);
      if (!kind || kind.version !== reflector.kind.version) {
        this.#reflectors.delete(name);
        this.#states.delete(name);
        await reflector.stop();
        if (!kind) this.#options.index.removeWhere(this.cluster.name, name);
      }
    }
    for (const kind of served) {
      if (this.#reflectors.has(kind.kind)) continue;
      const reflector = new KindReflector({
        client: this.#options.client,
        kind,
        listener: this.#listener,
        logger: this.#options.logger.child({ kind: kind.kind }),
        minRetryDelayMs: this.#options.config.minRetryDelayMs,
        maxRetryDelayMs: this.#options.config.maxRetryDelayMs,
        onWatchRestart: reason =>
          this.#options.metrics?.watchRestarted(
            this.cluster.name,
            kind.kind,
            reason,
          ),
      });
      this.#reflectors.set(kind.kind, reflector);
      this.#states.set(kind.kind, { state: 'starting' });
      reflector.start();
    }
    // Kinds no longer served leave no objects behind, even from a previous run.
    for (const name of skipped) {
      this.#options.index.removeWhere(this.cluster.name, name);
    }
    this.#discoveryError = undefined;
    this.#kindsKnown = true;
    this.#health = {
      ...this.#health,
      servedKinds: Object.fromEntries(
        served.map(kind => [kind.kind, `${kind.group}/${kind.version}`]),
      ),
      skippedKinds: skipped,
    };
    this.#updateHealth();
    // Followers read served kinds from the store to act on objects.
    this.#options.onHealthChange?.(this.#health);
    void this.#refreshVersions();
  }

  /** Server and Flux versions; informative only, so failures are logged. */
  async #refreshVersions(): Promise<void> {
    const { client, logger } = this.#options;
    try {
      const [serverVersion, deployments] = await Promise.all([
        client.serverVersion(),
        client.listDeployments(FLUX_NAMESPACE).catch(error => {
          logger.debug(`Cannot list Flux deployments: ${error}`);
          return [];
        }),
      ]);
      if (this.#stopped) return;
      const flux = fluxControllerVersions(deployments);
      const { fluxRelease: _previous, ...health } = this.#health;
      this.#health = {
        ...health,
        serverVersion,
        fluxVersions: flux.controllers,
        ...(flux.release && { fluxRelease: flux.release }),
      };
      this.#options.onHealthChange?.(this.#health);
    } catch (error) {
      logger.debug(
        `Cannot read versions of cluster ${
          this.cluster.name
        }: ${kubernetesErrorMessage(error)}`,
      );
    }
  }

  readonly #listener: ReflectorListener = {
    replace: (kind, objects: FluxRawObject[]) => {
      this.#options.index.replaceKind(this.cluster.name, kind.kind, objects);
      this.#inventoryLabels.schedule();
    },
    upsert: (kind, object) => this.#upsert(kind.kind, object),
    remove: (kind, object) => {
      this.#options.index.remove(
        this.cluster.name,
        object.kind ?? kind.kind,
        object.metadata?.namespace ?? '',
        object.metadata?.name ?? '',
      );
      // Forget labels no inventory lists any more.
      if (this.#inventoryLabels.known()) this.#inventoryLabels.schedule();
    },
    state: (kind, state, error) => {
      if (this.#stopped || !this.#reflectors.has(kind.kind)) return;
      const message = error ? kubernetesErrorMessage(error) : undefined;
      const previous = this.#states.get(kind.kind);
      if (previous?.state === state && previous.error === message) return;
      if (state === 'failing') {
        this.#options.logger.warn(
          `Cannot sync ${kind.kind} from cluster ${this.cluster.name}: ${message}`,
        );
      }
      this.#states.set(kind.kind, { state, error: message });
      this.#updateHealth();
    },
  };

  /** A watch event: indexes it, measures the lag, follows inventories. */
  #upsert(kind: string, object: FluxRawObject): void {
    const { index, metrics } = this.#options;
    const before = index.get(
      this.cluster.name,
      object.kind ?? kind,
      object.metadata?.namespace ?? '',
      object.metadata?.name ?? '',
    )?.summary;
    const after = index.upsert(this.cluster.name, object).summary;
    // The lag of a transition we saw happen (not of an object first seen).
    const transitionAt = Date.parse(after.lastReconcileTime ?? '');
    const previousAt = Date.parse(before?.lastReconcileTime ?? '');
    if (metrics && before && transitionAt > (previousAt || 0)) {
      metrics.recordSyncLag(
        this.cluster.name,
        after.kind,
        (Date.now() - transitionAt) / 1000,
      );
    }
    if (
      inventorySignature(before, before?.lastAppliedRevision) !==
      inventorySignature(after, after.lastAppliedRevision)
    ) {
      this.#inventoryLabels.schedule();
    }
  }

  #updateHealth(): void {
    const previous = this.#health;
    const states = [...this.#states.values()];
    const failing = states.find(s => s.state === 'failing');
    let status = previous.status;
    let lastError = previous.lastError;
    if (this.#discoveryError) {
      status = 'unhealthy';
      lastError = this.#discoveryError;
    } else if (failing) {
      status = 'unhealthy';
      lastError = failing.error;
    } else if (states.every(s => s.state === 'synced') && this.#kindsKnown) {
      status = 'healthy';
      lastError = undefined;
    }
    this.#health = {
      ...previous,
      status,
      lastError,
      checkedAt: new Date().toISOString(),
    };
    if (!lastError) delete this.#health.lastError;
    if (previous.status !== status || previous.lastError !== lastError) {
      this.#options.logger.info(
        `Cluster ${this.cluster.name} is ${status}${
          lastError ? `: ${lastError}` : ''
        }`,
      );
      if (status === 'healthy' && previous.status === 'unhealthy') {
        // Back from an outage: the controllers may have been upgraded meanwhile.
        void this.#refreshVersions();
      }
      this.#options.onHealthChange?.(this.#health);
    }
  }
}
