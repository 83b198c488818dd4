import {
  FLUX_OBJECT_STATUSES,
  FluxInventoryEntry,
  FluxObjectStatus,
  FluxObjectSummary,
  FluxObjectsQuery,
  FluxObjectsResponse,
  FluxRawObject,
  summarizeFluxObject,
} from '@hubbops/plugin-flux-common';
import { LabelSelector } from './LabelSelector';
import { redactHelmValues } from './redactHelmValues';

/** An object as the index holds it. */
export interface IndexedObject {
  summary: FluxObjectSummary;
  raw: FluxRawObject;
}

/** Where a change to the index goes (the database writer). */
export type IndexChange =
  | { type: 'upsert'; object: IndexedObject }
  | {
      type: 'delete';
      cluster: string;
      kind: string;
      namespace: string;
      name: string;
    };

export const KUBERNETES_ID_LABEL = 'backstage.io/kubernetes-id';

/**
 * What ties objects to an entity: its `backstage.io/kubernetes-id`,
 * `backstage.io/kubernetes-label-selector` and
 * `backstage.io/kubernetes-namespace` annotations.
 */
export interface EntityMatch {
  kubernetesId?: string;
  labelSelector?: LabelSelector;
  /** Only labels of objects in this namespace count. */
  namespace?: string;
}

/** The labels of inventoried objects of one cluster, by {@link inventoryKey}. */
export type InventoryLabelMap = Map<string, Record<string, string>>;

/** Identifies an inventoried object regardless of the version listed. */
export function inventoryKey(entry: {
  group: string;
  kind: string;
  namespace: string;
  name: string;
}): string {
  return `${entry.group}\u0000${entry.kind}\u0000${entry.namespace}\u0000${entry.name}`;
}

function key(cluster: string, kind: string, namespace: string, name: string) {
  return `${cluster}\u0000${kind}\u0000${namespace}\u0000${name}`;
}

function keyOf(summary: FluxObjectSummary) {
  return key(summary.cluster, summary.kind, summary.namespace, summary.name);
}

export type StatusCounts = Record<FluxObjectStatus, number> & {
  total: number;
};

function emptyCounts(): StatusCounts {
  return {
    ready: 0,
    notReady: 0,
    unknown: 0,
    suspended: 0,
    reconciling: 0,
    total: 0,
  };
}

const STATUS_RANK = new Map(FLUX_OBJECT_STATUSES.map((s, i) => [s, i]));

const COMPARATORS: Record<
  NonNullable<FluxObjectsQuery['sort']>,
  (a: FluxObjectSummary, b: FluxObjectSummary) => number
> = {
  name: (a, b) => a.name.localeCompare(b.name),
  kind: (a, b) => a.kind.localeCompare(b.kind),
  cluster: (a, b) => a.cluster.localeCompare(b.cluster),
  status: (a, b) =>
    (STATUS_RANK.get(a.status) ?? 0) - (STATUS_RANK.get(b.status) ?? 0),
  lastReconcileTime: (a, b) =>
    (Date.parse(a.lastReconcileTime ?? '') || 0) -
    (Date.parse(b.lastReconcileTime ?? '') || 0),
};

/** Ties broken by a stable identity, so paging never repeats or skips. */
function identity(a: FluxObjectSummary, b: FluxObjectSummary) {
  return keyOf(a).localeCompare(keyOf(b));
}

/**
 * The in-memory view of every synced Flux object, by cluster, kind,
 * namespace and name. Every change is passed to `onChange` (the database
 * writer), except what `load` restores from the database.
 */
export class FluxObjectIndex {
  readonly #objects = new Map<string, IndexedObject>();
  /** Per cluster: labels of the objects Flux inventories list. */
  readonly #inventoryLabels = new Map<string, InventoryLabelMap>();
  readonly #onChange: (change: IndexChange) => void;

  readonly #redact: (raw: FluxRawObject) => FluxRawObject;

  constructor(
    options: {
      onChange?: (change: IndexChange) => void;
      /**
       * Keep HelmRelease `spec.values` as they are (`flux.showHelmValues`);
       * redacted by default, before anything is stored or served.
       */
      showHelmValues?: boolean;
    } = {},
  ) {
    this.#onChange = options.onChange ?? (() => {});
    this.#redact = options.showHelmValues ? raw => raw : redactHelmValues;
  }

  /** Restores persisted objects, without echoing them back as changes. */
  load(objects: IndexedObject[]): void {
    for (const object of objects) {
      // Rows stored before redaction was configured are redacted on the way in.
      const raw = this.#redact(object.raw);
      this.#objects.set(keyOf(object.summary), { ...object, raw });
    }
  }

  /**
   * Replaces everything with what another replica stored, without echoing
   * it back as changes (a replica that follows the database).
   */
  reset(objects: IndexedObject[]): void {
    this.#objects.clear();
    this.load(objects);
  }

  upsert(cluster: string, object: FluxRawObject): IndexedObject {
    // managedFields are bookkeeping, often larger than the object itself.
    const { managedFields, ...metadata } = object.metadata ?? {};
    const raw = this.#redact(managedFields ? { ...object, metadata } : object);
    const summary = summarizeFluxObject(cluster, raw);
    const k = keyOf(summary);
    const existing = this.#objects.get(k);
    if (
      existing &&
      existing.summary.resourceVersion === summary.resourceVersion &&
      existing.summary.uid === summary.uid &&
      summary.resourceVersion !== ''
    ) {
      return existing;
    }
    const indexed = { summary, raw };
    this.#objects.set(k, indexed);
    this.#onChange({ type: 'upsert', object: indexed });
    return indexed;
  }

  remove(cluster: string, kind: string, namespace: string, name: string) {
    if (this.#objects.delete(key(cluster, kind, namespace, name))) {
      this.#onChange({ type: 'delete', cluster, kind, namespace, name });
    }
  }

  /**
   * Makes a complete list the truth for one kind of one cluster: upserts
   * what it holds and removes what it no longer does.
   */
  replaceKind(cluster: string, kind: string, raws: FluxRawObject[]): void {
    const kept = new Set<string>();
    for (const raw of raws) {
      kept.add(
        keyOf(this.upsert(cluster, { ...raw, kind: raw.kind ?? kind }).summary),
      );
    }
    for (const [k, { summary }] of [...this.#objects]) {
      if (
        summary.cluster === cluster &&
        summary.kind === kind &&
        !kept.has(k)
      ) {
        this.remove(cluster, kind, summary.namespace, summary.name);
      }
    }
  }

  /** Forgets a kind of a cluster (no longer served) or a whole cluster. */
  removeWhere(cluster: string, kind?: string): void {
    if (!kind) this.#inventoryLabels.delete(cluster);
    for (const { summary } of [...this.#objects.values()]) {
      if (summary.cluster === cluster && (!kind || summary.kind === kind)) {
        this.remove(
          summary.cluster,
          summary.kind,
          summary.namespace,
          summary.name,
        );
      }
    }
  }

  get(
    cluster: string,
    kind: string,
    namespace: string,
    name: string,
  ): IndexedObject | undefined {
    return this.#objects.get(key(cluster, kind, namespace, name));
  }

  /** Every inventory entry of a cluster's objects, once each. */
  inventoryEntries(cluster: string): FluxInventoryEntry[] {
    const entries = new Map<string, FluxInventoryEntry>();
    for (const { summary } of this.#objects.values()) {
      if (summary.cluster !== cluster) continue;
      for (const entry of summary.inventory) {
        entries.set(inventoryKey(entry), entry);
      }
    }
    return [...entries.values()];
  }

  /** Replaces the labels of a cluster's inventoried objects. */
  setInventoryLabels(cluster: string, labels: InventoryLabelMap): void {
    this.#inventoryLabels.set(cluster, labels);
  }

  inventoryLabels(cluster: string): InventoryLabelMap | undefined {
    return this.#inventoryLabels.get(cluster);
  }

  counts(cluster: string): StatusCounts {
    const counts = emptyCounts();
    for (const { summary } of this.#objects.values()) {
      if (summary.cluster === cluster) {
        counts[summary.status] += 1;
        counts.total += 1;
      }
    }
    return counts;
  }

  /**
   * Filters, sorts and pages. `entity` (or else the query's `labelSelector`
   * and `kubernetesId`) keeps the objects whose own labels match, or whose
   * inventory holds an object whose labels match.
   */
  query(query: FluxObjectsQuery, entity?: EntityMatch): FluxObjectsResponse {
    const match: EntityMatch | undefined =
      entity ??
      (query.labelSelector || query.kubernetesId
        ? {
            kubernetesId: query.kubernetesId,
            labelSelector: query.labelSelector
              ? LabelSelector.parse(query.labelSelector)
              : undefined,
          }
        : undefined);
    const lowerKinds = query.kind?.map(k => k.toLowerCase());
    const text = query.text?.toLowerCase();
    const matches = (s: FluxObjectSummary) => {
      if (query.cluster && !query.cluster.includes(s.cluster)) return false;
      if (lowerKinds && !lowerKinds.includes(s.kind.toLowerCase()))
        return false;
      if (query.namespace && !query.namespace.includes(s.namespace))
        return false;
      if (query.status && !query.status.includes(s.status)) return false;
      if (
        text &&
        ![s.name, s.namespace, s.message ?? ''].some(v =>
          v.toLowerCase().includes(text),
        )
      ) {
        return false;
      }
      if (match && !this.#belongsTo(s, match)) return false;
      return true;
    };
    const items: FluxObjectSummary[] = [];
    for (const { summary } of this.#objects.values()) {
      if (matches(summary)) items.push(summary);
    }
    const compare = COMPARATORS[query.sort ?? 'name'];
    const direction = query.order === 'desc' ? -1 : 1;
    items.sort((a, b) => direction * compare(a, b) || identity(a, b));
    const offset = query.offset ?? 0;
    const limit = query.limit ?? 100;
    return {
      items: items.slice(offset, offset + limit),
      totalCount: items.length,
    };
  }

  /** By its own labels, or by the labels of an object in its inventory. */
  #belongsTo(summary: FluxObjectSummary, entity: EntityMatch): boolean {
    const { kubernetesId, labelSelector, namespace } = entity;
    // No annotation: nothing belongs to the entity.
    if (kubernetesId === undefined && !labelSelector) return false;
    const labelsMatch = (labels: Record<string, string>) =>
      (kubernetesId !== undefined &&
        labels[KUBERNETES_ID_LABEL] === kubernetesId) ||
      (labelSelector?.matches(labels) ?? false);
    if (
      (!namespace || summary.namespace === namespace) &&
      labelsMatch(summary.labels)
    ) {
      return true;
    }
    const inventoryLabels = this.#inventoryLabels.get(summary.cluster);
    if (!inventoryLabels) return false;
    return summary.inventory.some(entry => {
      if (namespace && entry.namespace !== namespace) return false;
      const labels = inventoryLabels.get(inventoryKey(entry));
      return labels !== undefined && labelsMatch(labels);
    });
  }
}
