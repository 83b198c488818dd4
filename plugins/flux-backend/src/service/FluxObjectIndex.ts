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
import { LabelIndex } from './LabelIndex';
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

/** The collation `localeCompare` uses, made once rather than per call. */
const collator = new Intl.Collator();

const STATUS_RANK = new Map(FLUX_OBJECT_STATUSES.map((s, i) => [s, i]));

const COMPARATORS: Record<
  NonNullable<FluxObjectsQuery['sort']>,
  (a: FluxObjectSummary, b: FluxObjectSummary) => number
> = {
  name: (a, b) => collator.compare(a.name, b.name),
  kind: (a, b) => collator.compare(a.kind, b.kind),
  cluster: (a, b) => collator.compare(a.cluster, b.cluster),
  status: (a, b) =>
    (STATUS_RANK.get(a.status) ?? 0) - (STATUS_RANK.get(b.status) ?? 0),
  lastReconcileTime: (a, b) =>
    (Date.parse(a.lastReconcileTime ?? '') || 0) -
    (Date.parse(b.lastReconcileTime ?? '') || 0),
};

/**
 * Ties broken by a stable identity, so paging never repeats or skips (and
 * by code units where the collation calls two keys equal, as it may for the
 * separators).
 */
function identity(ka: string, kb: string) {
  return collator.compare(ka, kb) || (ka < kb ? -1 : Number(ka > kb));
}

/** The namespace part of an {@link inventoryKey}. */
function namespaceOfInventoryKey(k: string): string {
  return k.split('\u0000')[2];
}

/** One cluster's objects, kept so per-cluster work never scans the others. */
interface ClusterObjects {
  byKind: Map<string, Map<string, IndexedObject>>;
  counts: StatusCounts;
  /**
   * Per inventory key, the objects (by key) whose inventory lists it, each
   * with the entry it lists.
   */
  holders: Map<string, Map<string, FluxInventoryEntry>>;
}

/** The labels of a cluster's inventoried objects, and them indexed. */
interface ClusterInventoryLabels {
  labels: InventoryLabelMap;
  index: LabelIndex<string>;
}

/**
 * The in-memory view of every synced Flux object, by cluster, kind,
 * namespace and name. Every change is passed to `onChange` (the database
 * writer), except what `load` restores from the database.
 *
 * Secondary indexes (per cluster and kind, status counts per cluster, own
 * labels, and inventory entries to the objects listing them) are updated on
 * every change, so that entity queries, cluster counts and complete lists
 * touch only the objects concerned, not all of them.
 */
export class FluxObjectIndex {
  readonly #objects = new Map<string, IndexedObject>();
  readonly #clusters = new Map<string, ClusterObjects>();
  #ownLabels = new LabelIndex<string>(KUBERNETES_ID_LABEL);
  /** Per cluster: labels of the objects Flux inventories list. */
  readonly #inventoryLabels = new Map<string, ClusterInventoryLabels>();
  readonly #onChange: (change: IndexChange) => void;

  readonly #redact: (raw: FluxRawObject) => FluxRawObject;
  #revision = 0;

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

  /**
   * Goes up on every change to what a query can answer, so answers can be
   * cached (and revalidated with ETags) until the next change.
   */
  get revision(): number {
    return this.#revision;
  }

  /** Restores persisted objects, without echoing them back as changes. */
  load(objects: IndexedObject[]): void {
    for (const object of objects) {
      // Rows stored before redaction was configured are redacted on the way in.
      const raw = this.#redact(object.raw);
      this.#put(keyOf(object.summary), { ...object, raw });
    }
  }

  /**
   * Replaces everything with what another replica stored, without echoing
   * it back as changes (a replica that follows the database).
   */
  reset(objects: IndexedObject[]): void {
    this.#revision++;
    this.#objects.clear();
    this.#clusters.clear();
    this.#ownLabels = new LabelIndex(KUBERNETES_ID_LABEL);
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
    this.#put(k, indexed);
    this.#onChange({ type: 'upsert', object: indexed });
    return indexed;
  }

  remove(cluster: string, kind: string, namespace: string, name: string) {
    if (this.#drop(key(cluster, kind, namespace, name))) {
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
    const ofKind = this.#clusters.get(cluster)?.byKind.get(kind);
    for (const [k, { summary }] of [...(ofKind ?? [])]) {
      if (!kept.has(k)) {
        this.remove(cluster, kind, summary.namespace, summary.name);
      }
    }
  }

  /** Forgets a kind of a cluster (no longer served) or a whole cluster. */
  removeWhere(cluster: string, kind?: string): void {
    if (!kind) this.#inventoryLabels.delete(cluster);
    const byKind = this.#clusters.get(cluster)?.byKind;
    if (!byKind) return;
    const maps = kind ? [byKind.get(kind)] : [...byKind.values()];
    for (const map of maps) {
      for (const { summary } of [...(map?.values() ?? [])]) {
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
    const entries: FluxInventoryEntry[] = [];
    for (const listed of this.#clusters.get(cluster)?.holders.values() ?? []) {
      let last: FluxInventoryEntry | undefined;
      for (const entry of listed.values()) last = entry;
      if (last) entries.push(last);
    }
    return entries;
  }

  /** Replaces the labels of a cluster's inventoried objects. */
  setInventoryLabels(cluster: string, labels: InventoryLabelMap): void {
    this.#revision++;
    const index = new LabelIndex<string>(KUBERNETES_ID_LABEL);
    for (const [k, objectLabels] of labels) index.add(k, objectLabels);
    this.#inventoryLabels.set(cluster, { labels, index });
  }

  inventoryLabels(cluster: string): InventoryLabelMap | undefined {
    return this.#inventoryLabels.get(cluster)?.labels;
  }

  counts(cluster: string): StatusCounts {
    return { ...(this.#clusters.get(cluster)?.counts ?? emptyCounts()) };
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
      return true;
    };
    const candidates = match
      ? this.#belongingTo(match)
      : this.#scope(query.cluster, lowerKinds);
    // With their identity, built once rather than at every comparison.
    const items: Array<{ summary: FluxObjectSummary; key: string }> = [];
    for (const { summary } of candidates) {
      if (matches(summary)) items.push({ summary, key: keyOf(summary) });
    }
    const compare = COMPARATORS[query.sort ?? 'name'];
    const direction = query.order === 'desc' ? -1 : 1;
    items.sort(
      (a, b) =>
        direction * compare(a.summary, b.summary) || identity(a.key, b.key),
    );
    const offset = query.offset ?? 0;
    const limit = query.limit ?? 100;
    return {
      items: items.slice(offset, offset + limit).map(item => item.summary),
      totalCount: items.length,
    };
  }

  /** The objects of some clusters and kinds, without looking at the rest. */
  *#scope(
    clusters: string[] | undefined,
    lowerKinds: string[] | undefined,
  ): Iterable<IndexedObject> {
    if (!clusters && !lowerKinds) {
      yield* this.#objects.values();
      return;
    }
    for (const name of clusters ? new Set(clusters) : this.#clusters.keys()) {
      const byKind = this.#clusters.get(name)?.byKind;
      for (const [kind, objects] of byKind ?? []) {
        if (!lowerKinds || lowerKinds.includes(kind.toLowerCase())) {
          yield* objects.values();
        }
      }
    }
  }

  /**
   * The objects that belong to an entity: by their own labels (in the
   * entity's namespace, if it has one), or by the labels of an object in
   * their inventory (that object in the entity's namespace).
   */
  #belongingTo(entity: EntityMatch): Iterable<IndexedObject> {
    const { kubernetesId, labelSelector, namespace } = entity;
    const found = new Map<string, IndexedObject>();
    // No annotation: nothing belongs to the entity.
    if (kubernetesId === undefined && !labelSelector) return [];
    const labelled = (index: LabelIndex<string>) => [
      ...(kubernetesId !== undefined ? index.withLabel(kubernetesId) : []),
      ...(labelSelector ? index.matching(labelSelector) : []),
    ];

    for (const k of labelled(this.#ownLabels)) {
      const object = this.#objects.get(k);
      if (object && (!namespace || object.summary.namespace === namespace)) {
        found.set(k, object);
      }
    }
    for (const [cluster, { index }] of this.#inventoryLabels) {
      const holders = this.#clusters.get(cluster)?.holders;
      if (!holders) continue;
      for (const listed of labelled(index)) {
        if (namespace && namespaceOfInventoryKey(listed) !== namespace) {
          continue;
        }
        for (const k of holders.get(listed)?.keys() ?? []) {
          const object = this.#objects.get(k);
          if (object) found.set(k, object);
        }
      }
    }
    return found.values();
  }

  /** Stores an object (new or replacing one) and indexes it. */
  #put(k: string, object: IndexedObject): void {
    this.#revision++;
    const { cluster, kind } = object.summary;
    const existing = this.#objects.get(k);
    this.#objects.set(k, object);
    let objects = this.#clusters.get(cluster);
    if (!objects) {
      objects = {
        byKind: new Map(),
        counts: emptyCounts(),
        holders: new Map(),
      };
      this.#clusters.set(cluster, objects);
    }
    let ofKind = objects.byKind.get(kind);
    if (!ofKind) {
      ofKind = new Map();
      objects.byKind.set(kind, ofKind);
    }
    ofKind.set(k, object);
    if (existing) this.#unlink(objects, k, existing.summary);
    this.#link(objects, k, object.summary);
  }

  /** Removes an object and its index entries; whether it was there. */
  #drop(k: string): boolean {
    const existing = this.#objects.get(k);
    if (!existing) return false;
    this.#revision++;
    this.#objects.delete(k);
    const { cluster, kind } = existing.summary;
    const objects = this.#clusters.get(cluster);
    if (objects) {
      const ofKind = objects.byKind.get(kind);
      ofKind?.delete(k);
      if (ofKind?.size === 0) objects.byKind.delete(kind);
      this.#unlink(objects, k, existing.summary);
      if (objects.counts.total === 0) this.#clusters.delete(cluster);
    }
    return true;
  }

  #link(objects: ClusterObjects, k: string, summary: FluxObjectSummary) {
    objects.counts[summary.status] += 1;
    objects.counts.total += 1;
    this.#ownLabels.add(k, summary.labels);
    for (const entry of summary.inventory) {
      const listed = inventoryKey(entry);
      let holders = objects.holders.get(listed);
      if (!holders) {
        holders = new Map();
        objects.holders.set(listed, holders);
      }
      holders.set(k, entry);
    }
  }

  #unlink(objects: ClusterObjects, k: string, summary: FluxObjectSummary) {
    objects.counts[summary.status] -= 1;
    objects.counts.total -= 1;
    this.#ownLabels.delete(k, summary.labels);
    for (const entry of summary.inventory) {
      const listed = inventoryKey(entry);
      const holders = objects.holders.get(listed);
      holders?.delete(k);
      if (holders?.size === 0) objects.holders.delete(listed);
    }
  }
}
