import { LoggerService } from '@backstage/backend-plugin-api';
import { FluxInventoryEntry } from '@hubbops/plugin-flux-common';
import {
  FluxObjectIndex,
  InventoryLabelMap,
  inventoryKey,
} from './FluxObjectIndex';
import { KubernetesClient } from './KubernetesClient';
import { kubernetesErrorMessage } from './kubernetesError';

export interface InventoryLabelsOptions {
  cluster: string;
  client: KubernetesClient;
  index: FluxObjectIndex;
  logger: LoggerService;
  /** How long inventory changes are gathered before one refresh. */
  debounceMs?: number;
  /** Objects per list page. */
  pageSize?: number;
}

/**
 * Keeps the labels of the objects one cluster's Flux inventories list (the
 * Deployments, Services, ... a Kustomization applied), so entities match
 * Flux objects through what they deployed. Inventory entries carry no
 * labels, and an entity's label selector can be anything, so this lists the
 * metadata of every inventoried kind (paged, metadata only) and keeps the
 * labels of the inventoried objects alone.
 */
export class InventoryLabels {
  readonly #options: InventoryLabelsOptions;
  #timer?: NodeJS.Timeout;
  #running?: Promise<void>;
  #again = false;
  #stopped = false;

  constructor(options: InventoryLabelsOptions) {
    this.#options = options;
  }

  /** Whether any inventoried object's labels are kept. */
  known(): boolean {
    return (
      (this.#options.index.inventoryLabels(this.#options.cluster)?.size ?? 0) >
      0
    );
  }

  /** Refreshes soon, once for any number of calls meanwhile. */
  schedule(): void {
    if (this.#stopped || this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.refresh();
    }, this.#options.debounceMs ?? 1000);
  }

  /** Refreshes now; a call during a refresh runs one more afterwards. */
  refresh(): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    this.#running = (async () => {
      try {
        do {
          this.#again = false;
          await this.#refreshOnce();
        } while (this.#again && !this.#stopped);
      } finally {
        this.#running = undefined;
      }
    })();
    return this.#running;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }

  async #refreshOnce(): Promise<void> {
    const { cluster, index, logger } = this.#options;
    const byKind = new Map<string, FluxInventoryEntry[]>();
    for (const entry of index.inventoryEntries(cluster)) {
      const apiVersion = entry.group
        ? `${entry.group}/${entry.version}`
        : entry.version;
      const kindKey = `${apiVersion}\u0000${entry.kind}`;
      const ofKind = byKind.get(kindKey);
      if (ofKind) ofKind.push(entry);
      else byKind.set(kindKey, [entry]);
    }
    const previous = index.inventoryLabels(cluster);
    const labels: InventoryLabelMap = new Map();
    for (const [kindKey, entries] of byKind) {
      const [apiVersion, kind] = kindKey.split('\u0000');
      const wanted = new Set(entries.map(inventoryKey));
      try {
        await this.#listLabels(apiVersion, kind, wanted, labels);
      } catch (error) {
        // Keep what we knew: a kind we may not list must not drop matches.
        logger.debug(
          `Cannot read labels of inventoried ${kind} (${apiVersion}) in ` +
            `cluster ${cluster}: ${kubernetesErrorMessage(error)}`,
        );
        for (const key of wanted) {
          const known = previous?.get(key);
          if (known) labels.set(key, known);
        }
      }
      if (this.#stopped) return;
    }
    index.setInventoryLabels(cluster, labels);
  }

  async #listLabels(
    apiVersion: string,
    kind: string,
    wanted: Set<string>,
    into: InventoryLabelMap,
  ): Promise<void> {
    const group = apiVersion.includes('/')
      ? apiVersion.slice(0, apiVersion.indexOf('/'))
      : '';
    let continueToken: string | undefined;
    do {
      const page = await this.#options.client.listMetadata(apiVersion, kind, {
        limit: this.#options.pageSize ?? 500,
        continueToken,
      });
      for (const item of page.items) {
        const key = inventoryKey({ group, kind, ...item });
        if (wanted.has(key)) into.set(key, item.labels);
      }
      continueToken = page.continueToken;
    } while (continueToken && !this.#stopped);
  }
}
