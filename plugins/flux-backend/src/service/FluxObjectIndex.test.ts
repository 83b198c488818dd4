import { isDeepStrictEqual } from 'node:util';
import {
  FluxObjectSummary,
  FluxObjectsQuery,
  FluxRawObject,
  summarizeFluxObject,
} from '@hubbops/plugin-flux-common';
import {
  EntityMatch,
  FluxObjectIndex,
  IndexChange,
  IndexedObject,
  InventoryLabelMap,
  KUBERNETES_ID_LABEL,
  inventoryKey,
} from './FluxObjectIndex';
import { LabelSelector } from './LabelSelector';
import {
  kustomization,
  readyCondition,
} from '../__testUtils__/fluxTestObjects';

function withVersion<T extends { metadata: object }>(
  object: T,
  resourceVersion: string,
): T {
  return { ...object, metadata: { ...object.metadata, resourceVersion } };
}

describe('FluxObjectIndex', () => {
  function filled() {
    const index = new FluxObjectIndex();
    index.upsert(
      'prod',
      withVersion(
        kustomization('apps', {
          labels: { 'backstage.io/kubernetes-id': 'shop' },
        }),
        '1',
      ),
    );
    index.upsert(
      'prod',
      withVersion(kustomization('infra', { ready: 'False' }), '2'),
    );
    index.upsert(
      'stage',
      withVersion(
        kustomization('apps', {
          namespace: 'team-a',
          labels: { app: 'shop', tier: 'web' },
        }),
        '3',
      ),
    );
    index.upsert('stage', {
      ...withVersion(kustomization('paused'), '4'),
      spec: { suspend: true },
    });
    return index;
  }

  it('filters by cluster, kind, namespace, status and text', () => {
    const index = filled();
    const names = (query: Parameters<FluxObjectIndex['query']>[0]) =>
      index.query(query).items.map(o => `${o.cluster}/${o.name}`);
    expect(names({ cluster: ['stage'] })).toEqual([
      'stage/apps',
      'stage/paused',
    ]);
    expect(names({ kind: ['kustomization'], namespace: ['team-a'] })).toEqual([
      'stage/apps',
    ]);
    expect(names({ status: ['notReady', 'suspended'] })).toEqual([
      'prod/infra',
      'stage/paused',
    ]);
    expect(names({ text: 'FAILED' })).toEqual(['prod/infra']);
    expect(names({ kind: ['HelmRelease'] })).toEqual([]);
  });

  it('matches an entity by label selector or by kubernetes-id', () => {
    const index = filled();
    const names = (query: Parameters<FluxObjectIndex['query']>[0]) =>
      index.query(query).items.map(o => `${o.cluster}/${o.name}`);
    expect(names({ kubernetesId: 'shop' })).toEqual(['prod/apps']);
    expect(names({ labelSelector: 'app=shop,tier in (web)' })).toEqual([
      'stage/apps',
    ]);
    expect(names({ labelSelector: 'app=shop', kubernetesId: 'shop' })).toEqual([
      'prod/apps',
      'stage/apps',
    ]);
  });

  it('sorts, then pages with a total count', () => {
    const index = filled();
    const page = index.query({ sort: 'status', limit: 2, offset: 1 });
    expect(page.totalCount).toBe(4);
    expect(page.items.map(o => `${o.status}:${o.name}`)).toEqual([
      'suspended:paused',
      'ready:apps',
    ]);
    const byCluster = index.query({ sort: 'cluster', order: 'desc' });
    expect(byCluster.items[0].cluster).toBe('stage');
  });

  it('reports changes, and a complete list removes what it no longer holds', () => {
    const changes: IndexChange[] = [];
    const index = new FluxObjectIndex({ onChange: c => changes.push(c) });
    index.upsert('prod', withVersion(kustomization('a'), '1'));
    index.upsert('prod', withVersion(kustomization('b'), '2'));
    // The same version again is no change.
    index.upsert('prod', withVersion(kustomization('a'), '1'));
    expect(changes).toHaveLength(2);

    index.replaceKind('prod', 'Kustomization', [
      withVersion(kustomization('b'), '2'),
      withVersion(
        {
          ...kustomization('c'),
          status: { conditions: [readyCondition('Unknown')] },
        },
        '5',
      ),
    ]);
    expect(changes.slice(2)).toEqual([
      expect.objectContaining({ type: 'upsert' }),
      {
        type: 'delete',
        cluster: 'prod',
        kind: 'Kustomization',
        namespace: 'flux-system',
        name: 'a',
      },
    ]);
    expect(index.counts('prod')).toEqual(
      expect.objectContaining({ total: 2, ready: 1, unknown: 1 }),
    );
  });

  it("matches an entity by its inventory's labels, within the entity's namespace", () => {
    const index = new FluxObjectIndex();
    const apps = kustomization('apps');
    index.upsert('prod', {
      ...apps,
      status: {
        ...apps.status,
        inventory: { entries: [{ id: 'shop_web_apps_Deployment', v: 'v1' }] },
      },
    });
    index.upsert(
      'prod',
      kustomization('own', {
        labels: { 'backstage.io/kubernetes-id': 'shop' },
      }),
    );
    const names = (entity: Parameters<FluxObjectIndex['query']>[1]) =>
      index.query({}, entity).items.map(o => o.name);

    expect(names({ kubernetesId: 'shop' })).toEqual(['own']);
    index.setInventoryLabels(
      'prod',
      new Map([
        [
          inventoryKey({
            group: 'apps',
            kind: 'Deployment',
            namespace: 'shop',
            name: 'web',
          }),
          { 'backstage.io/kubernetes-id': 'shop', app: 'web' },
        ],
      ]),
    );
    expect(names({ kubernetesId: 'shop' })).toEqual(['apps', 'own']);
    expect(names({ labelSelector: LabelSelector.parse('app=web') })).toEqual([
      'apps',
    ]);
    // The Deployment is in shop; `own` itself is in flux-system.
    expect(names({ kubernetesId: 'shop', namespace: 'shop' })).toEqual([
      'apps',
    ]);
    // An entity without annotations owns nothing.
    expect(names({})).toEqual([]);
    // A cluster that is forgotten forgets its inventory labels.
    index.removeWhere('prod');
    expect(index.inventoryLabels('prod')).toBeUndefined();
  });
});

/**
 * What the index must answer, computed the slow and obvious way: a scan of
 * every object, looking each inventory entry up.
 */
class ScannedModel {
  readonly objects = new Map<string, IndexedObject>();
  readonly inventoryLabels = new Map<string, InventoryLabelMap>();

  static key(s: {
    cluster: string;
    kind: string;
    namespace: string;
    name: string;
  }) {
    return [s.cluster, s.kind, s.namespace, s.name].join('/');
  }

  upsert(cluster: string, raw: FluxRawObject) {
    const summary = summarizeFluxObject(cluster, raw);
    this.objects.set(ScannedModel.key(summary), { summary, raw });
  }

  removeWhere(test: (s: FluxObjectSummary) => boolean) {
    for (const [k, { summary }] of [...this.objects]) {
      if (test(summary)) this.objects.delete(k);
    }
  }

  keys(query: FluxObjectsQuery, entity?: EntityMatch): string[] {
    return [...this.objects.values()]
      .map(o => o.summary)
      .filter(s => !query.cluster || query.cluster.includes(s.cluster))
      .filter(
        s =>
          !query.kind ||
          query.kind.some(k => k.toLowerCase() === s.kind.toLowerCase()),
      )
      .filter(s => !query.status || query.status.includes(s.status))
      .filter(s => !entity || this.belongsTo(s, entity))
      .map(ScannedModel.key)
      .sort();
  }

  belongsTo(s: FluxObjectSummary, entity: EntityMatch): boolean {
    const { kubernetesId, labelSelector, namespace } = entity;
    if (kubernetesId === undefined && !labelSelector) return false;
    const labelsMatch = (labels: Record<string, string>) =>
      (kubernetesId !== undefined &&
        labels[KUBERNETES_ID_LABEL] === kubernetesId) ||
      (labelSelector?.matches(labels) ?? false);
    if ((!namespace || s.namespace === namespace) && labelsMatch(s.labels)) {
      return true;
    }
    const inventoryLabels = this.inventoryLabels.get(s.cluster);
    return s.inventory.some(entry => {
      if (namespace && entry.namespace !== namespace) return false;
      const labels = inventoryLabels?.get(inventoryKey(entry));
      return labels !== undefined && labelsMatch(labels);
    });
  }
}

describe('FluxObjectIndex secondary indexes', () => {
  /** mulberry32: seeded, so a failing sequence can be replayed. */
  function seeded(seed: number) {
    let a = seed;
    return () => {
      a = (a + 0x6d2b79f5) | 0;
      let t = Math.imul(a ^ (a >>> 15), 1 | a);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  const CLUSTERS = ['east', 'west', 'north'];
  const KINDS = [
    ['Kustomization', 'kustomize.toolkit.fluxcd.io/v1'],
    ['HelmRelease', 'helm.toolkit.fluxcd.io/v2'],
    ['GitRepository', 'source.toolkit.fluxcd.io/v1'],
  ];
  const NAMESPACES = ['flux-system', 'team-a', 'team-b'];
  const INVENTORY_POOL = ['team-a', 'team-b'].flatMap(namespace =>
    ['web', 'api', 'db'].flatMap(name => [
      `${namespace}_${name}_apps_Deployment`,
      `${namespace}_${name}__Service`,
    ]),
  );
  const ENTITIES: EntityMatch[] = [
    {},
    { kubernetesId: 'shop' },
    { kubernetesId: 'cart', namespace: 'team-a' },
    { labelSelector: LabelSelector.parse('app=web') },
    { labelSelector: LabelSelector.parse('tier in (front,back),app!=api') },
    { labelSelector: LabelSelector.parse('!tier') },
    { labelSelector: LabelSelector.parse('app') },
    {
      kubernetesId: 'shop',
      labelSelector: LabelSelector.parse('tier=back'),
      namespace: 'team-b',
    },
  ];
  const QUERIES: FluxObjectsQuery[] = [
    {},
    { cluster: ['east'] },
    { cluster: ['west', 'west'], kind: ['kustomization'] },
    { kind: ['HelmRelease', 'GitRepository'] },
    { status: ['notReady', 'suspended'] },
  ];

  function randomLabels(random: () => number): Record<string, string> {
    const pick = <T>(values: T[]) =>
      values[Math.floor(random() * values.length)];
    const labels: Record<string, string> = {};
    if (random() < 0.6) labels[KUBERNETES_ID_LABEL] = pick(['shop', 'cart']);
    if (random() < 0.5) labels.app = pick(['web', 'api']);
    if (random() < 0.5) labels.tier = pick(['front', 'back']);
    return labels;
  }

  function randomObject(random: () => number, version: number, kind?: string) {
    const pick = <T>(values: T[]) =>
      values[Math.floor(random() * values.length)];
    const [kindName, apiVersion] = kind
      ? KINDS.find(([k]) => k === kind)!
      : pick(KINDS);
    const name = `o${Math.floor(random() * 6)}`;
    return {
      apiVersion,
      kind: kindName,
      metadata: {
        name,
        namespace: pick(NAMESPACES),
        uid: name,
        resourceVersion: String(version),
        labels: randomLabels(random),
      },
      spec: { suspend: random() < 0.1 },
      status: {
        conditions: [
          {
            type: 'Ready',
            status: pick(['True', 'False', 'Unknown']),
            reason: 'Bench',
            message: `change ${version}`,
          },
        ],
        inventory: {
          entries: INVENTORY_POOL.filter(() => random() < 0.2).map(id => ({
            id,
            v: 'v1',
          })),
        },
      },
    };
  }

  /** Where the index answers differently from a scan (none, we expect). */
  function differences(index: FluxObjectIndex, model: ScannedModel) {
    const found: unknown[] = [];
    const differ = (what: unknown, actual: unknown, expected: unknown) => {
      if (!isDeepStrictEqual(actual, expected)) {
        found.push({ what, actual, expected });
      }
    };
    for (const query of QUERIES) {
      const all = index.query({ ...query, limit: 1000 });
      differ(query, all.items.map(ScannedModel.key).sort(), model.keys(query));
      for (const entity of ENTITIES) {
        const answer = index.query({ ...query, limit: 1000 }, entity);
        const expected = model.keys(query, entity);
        const what = { query, entity };
        differ(what, answer.items.map(ScannedModel.key).sort(), expected);
        differ(what, answer.totalCount, expected.length);
        // The summaries served are the current ones.
        differ(
          what,
          answer.items,
          answer.items.map(
            item => model.objects.get(ScannedModel.key(item))?.summary,
          ),
        );
      }
    }
    for (const cluster of CLUSTERS) {
      const summaries = [...model.objects.values()]
        .map(o => o.summary)
        .filter(s => s.cluster === cluster);
      const { total, ...byStatus } = index.counts(cluster);
      differ(`${cluster} total`, total, summaries.length);
      for (const [status, count] of Object.entries(byStatus)) {
        differ(
          `${cluster} ${status}`,
          count,
          summaries.filter(s => s.status === status).length,
        );
      }
      differ(
        `${cluster} inventory entries`,
        index.inventoryEntries(cluster).map(inventoryKey).sort(),
        [
          ...new Set(summaries.flatMap(s => s.inventory.map(inventoryKey))),
        ].sort(),
      );
    }
    return found;
  }

  it.each([1, 2, 3, 4, 5, 6])(
    'answers as a full scan would across upserts, relabels, removals, complete lists and inventory changes (seed %i)',
    seed => {
      const random = seeded(seed);
      const pick = <T>(values: T[]) =>
        values[Math.floor(random() * values.length)];
      const index = new FluxObjectIndex();
      const model = new ScannedModel();
      let version = 1;
      for (let step = 0; step < 250; step += 1) {
        const cluster = pick(CLUSTERS);
        const roll = random();
        if (roll < 0.45) {
          // New objects, and existing ones relabelled or with a new inventory.
          const raw = randomObject(random, (version += 1));
          index.upsert(cluster, raw);
          model.upsert(cluster, raw);
        } else if (roll < 0.6) {
          const present = [...model.objects.values()].map(o => o.summary);
          const victim = present.length > 0 ? pick(present) : undefined;
          if (victim) {
            const { kind, namespace, name } = victim;
            index.remove(victim.cluster, kind, namespace, name);
            model.objects.delete(ScannedModel.key(victim));
          }
        } else if (roll < 0.72) {
          const [kind] = pick(KINDS);
          const raws = [];
          for (let n = Math.floor(random() * 8); n > 0; n -= 1) {
            raws.push(randomObject(random, (version += 1), kind));
          }
          index.replaceKind(cluster, kind, raws);
          model.removeWhere(s => s.cluster === cluster && s.kind === kind);
          for (const raw of raws) model.upsert(cluster, raw);
        } else if (roll < 0.77) {
          const [kind] = pick(KINDS);
          index.removeWhere(cluster, kind);
          model.removeWhere(s => s.cluster === cluster && s.kind === kind);
        } else if (roll < 0.8) {
          index.removeWhere(cluster);
          model.removeWhere(s => s.cluster === cluster);
          model.inventoryLabels.delete(cluster);
        } else if (roll < 0.97) {
          const labels: InventoryLabelMap = new Map();
          for (const id of INVENTORY_POOL) {
            if (random() < 0.7) {
              const [namespace, name, group, kind] = id.split('_');
              labels.set(
                inventoryKey({ group, kind, namespace, name }),
                randomLabels(random),
              );
            }
          }
          index.setInventoryLabels(cluster, labels);
          model.inventoryLabels.set(cluster, labels);
        } else {
          // Another replica's state replaces ours; inventory labels stay.
          index.reset([...model.objects.values()]);
        }
        expect(differences(index, model)).toEqual([]);
      }
      // What is restored from the database is indexed the same way.
      const restored = new FluxObjectIndex();
      restored.load([...model.objects.values()]);
      for (const [cluster, labels] of model.inventoryLabels) {
        restored.setInventoryLabels(cluster, labels);
      }
      expect(differences(restored, model)).toEqual([]);
    },
  );

  it('keeps per-cluster counts without counting other clusters, and drops an emptied cluster', () => {
    const index = new FluxObjectIndex();
    index.upsert('prod', withVersion(kustomization('a'), '1'));
    index.upsert(
      'prod',
      withVersion(kustomization('b', { ready: 'False' }), '2'),
    );
    index.upsert('stage', withVersion(kustomization('a'), '3'));
    expect(index.counts('prod')).toEqual(
      expect.objectContaining({ total: 2, ready: 1, notReady: 1 }),
    );
    // A status change moves the object from one count to the other.
    index.upsert('prod', withVersion(kustomization('b'), '4'));
    expect(index.counts('prod')).toEqual(
      expect.objectContaining({ total: 2, ready: 2, notReady: 0 }),
    );
    // What the caller does with the counts does not change the index.
    index.counts('prod').total = 99;
    expect(index.counts('prod').total).toBe(2);
    index.removeWhere('prod');
    expect(index.counts('prod').total).toBe(0);
    expect(index.counts('stage').total).toBe(1);
  });
});
