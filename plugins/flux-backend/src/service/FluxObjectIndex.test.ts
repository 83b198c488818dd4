import { FluxObjectIndex, IndexChange, inventoryKey } from './FluxObjectIndex';
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
