import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import {
  registerFluxResources,
  startTestKubernetesApiServer,
  TestKubernetesApiServer,
} from '@hubbops/test-kit';
import { KubeConfig } from '@kubernetes/client-node';
import { eventually } from '../__testUtils__/eventually';
import { kustomization } from '../__testUtils__/fluxTestObjects';
import { ClusterRegistry } from './ClusterRegistry';
import { readFluxConfig } from './FluxConfig';
import { EntityMatch, FluxObjectIndex } from './FluxObjectIndex';
import { FluxSyncEngine } from './FluxSyncEngine';
import { InventoryLabels } from './InventoryLabels';
import { KubernetesClient } from './KubernetesClient';
import { LabelSelector } from './LabelSelector';

jest.setTimeout(30_000);

const KS = {
  apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
  kind: 'Kustomization',
  namespace: 'flux-system',
};

function deployment(
  namespace: string,
  name: string,
  labels: Record<string, string>,
) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace, labels },
    spec: {
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name, image: `${name}:1` }] },
      },
    },
  };
}

/** A Kustomization as Flux leaves it after applying `entries`. */
function applied(name: string, revision: string, entries: string[]) {
  const object = kustomization(name);
  return {
    ...object,
    status: {
      ...object.status,
      lastAppliedRevision: revision,
      inventory: { entries: entries.map(id => ({ id, v: 'v1' })) },
    },
  };
}

describe('matching entities through Flux inventories', () => {
  let server: TestKubernetesApiServer;
  let engine: FluxSyncEngine;

  const shop: EntityMatch = { kubernetesId: 'shop' };
  const names = (entity: EntityMatch) =>
    engine.index.query({}, entity).items.map(o => o.name);

  beforeEach(async () => {
    server = await startTestKubernetesApiServer();
    registerFluxResources(server, { kinds: ['Kustomization'] });
    server.store.create(
      deployment('shop', 'web', { 'backstage.io/kubernetes-id': 'shop' }),
    );
    server.store.create({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name: 'web',
        namespace: 'shop',
        labels: { 'app.kubernetes.io/part-of': 'shop', tier: 'frontend' },
      },
      spec: { ports: [{ port: 80 }] },
    });
    server.store.create(deployment('infra', 'cache', { app: 'cache' }));
    server.store.create(
      applied('apps', 'main@sha1:1', [
        'shop_web_apps_Deployment',
        'shop_web__Service',
      ]),
    );
    server.store.create(
      applied('infra', 'main@sha1:1', ['infra_cache_apps_Deployment']),
    );
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromString(server.kubeconfig());
    engine = new FluxSyncEngine({
      registry: new ClusterRegistry([
        {
          name: 'prod',
          source: 'kubeconfig',
          url: server.url,
          demo: false,
          kubeConfig,
        },
      ]),
      config: readFluxConfig(
        new ConfigReader({ flux: { sync: { minRetryDelay: '50ms' } } }),
      ),
      logger: mockServices.logger.mock(),
    });
    await engine.start();
  });

  afterEach(async () => {
    await engine.stop();
    await server.stop();
  });

  it('finds a Kustomization by the labels of the Deployment it applied, though its own labels do not match', async () => {
    await eventually(() => expect(names(shop)).toEqual(['apps']));
    // Core kinds (a Service, group "") and any label selector work too.
    expect(
      names({
        labelSelector: LabelSelector.parse(
          'app.kubernetes.io/part-of=shop,tier in (frontend)',
        ),
      }),
    ).toEqual(['apps']);
    expect(names({ kubernetesId: 'shop', namespace: 'infra' })).toEqual([]);
    expect(names({ labelSelector: LabelSelector.parse('app=cache') })).toEqual([
      'infra',
    ]);
    // Only the labels of inventoried objects are kept.
    expect([...engine.index.inventoryLabels('prod')!.keys()]).toHaveLength(3);
  });

  it('moves the Kustomization when Flux applies a new label', async () => {
    await eventually(() => expect(names(shop)).toEqual(['apps']));
    server.store.patch(
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        namespace: 'shop',
        name: 'web',
      },
      { metadata: { labels: { 'backstage.io/kubernetes-id': 'billing' } } },
    );
    // Flux applied a new revision: the Kustomization's status says so.
    server.store.patchStatus(
      { ...KS, name: 'apps' },
      { lastAppliedRevision: 'main@sha1:2' },
    );
    await eventually(() => {
      expect(names(shop)).toEqual([]);
      expect(names({ kubernetesId: 'billing' })).toEqual(['apps']);
    });
  });

  it('picks up labels changed outside Flux on the periodic resync', async () => {
    await eventually(() => expect(names(shop)).toEqual(['apps']));
    server.store.patch(
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        namespace: 'infra',
        name: 'cache',
      },
      { metadata: { labels: { 'backstage.io/kubernetes-id': 'shop' } } },
    );
    await engine.resyncAll();
    expect(names(shop)).toEqual(['apps', 'infra']);
  });

  it('reads a new inventory entry when the inventory changes', async () => {
    await eventually(() => expect(names(shop)).toEqual(['apps']));
    server.store.create(
      deployment('infra', 'queue', { 'backstage.io/kubernetes-id': 'shop' }),
    );
    server.store.patchStatus(
      { ...KS, name: 'infra' },
      {
        inventory: {
          entries: [
            { id: 'infra_cache_apps_Deployment', v: 'v1' },
            { id: 'infra_queue_apps_Deployment', v: 'v1' },
          ],
        },
      },
    );
    await eventually(() => expect(names(shop)).toEqual(['apps', 'infra']));
  });
});

describe('InventoryLabels', () => {
  it('reads labels page by page, metadata only, keeping only inventoried objects', async () => {
    const server = await startTestKubernetesApiServer();
    try {
      registerFluxResources(server, { kinds: ['Kustomization'] });
      const inventoried: string[] = [];
      for (let i = 0; i < 7; i++) {
        server.store.create(deployment(`ns${i % 3}`, `web${i}`, { n: `${i}` }));
        if (i % 2 === 0) inventoried.push(`ns${i % 3}_web${i}_apps_Deployment`);
      }
      server.store.create({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'settings', namespace: 'ns0', labels: { n: 'cm' } },
        data: { secret: 'not read' },
      });
      const kubeConfig = new KubeConfig();
      kubeConfig.loadFromString(server.kubeconfig());
      const index = new FluxObjectIndex();
      index.upsert(
        'prod',
        applied('apps', 'main@sha1:1', [
          ...inventoried,
          'ns0_settings__ConfigMap',
          'ns0_gone_apps_Deployment',
        ]),
      );
      server.clearRequests();
      const labels = new InventoryLabels({
        cluster: 'prod',
        client: new KubernetesClient(kubeConfig, { requestTimeoutMs: 2000 }),
        index,
        logger: mockServices.logger.mock(),
        pageSize: 2,
      });
      await labels.refresh();
      await labels.stop();

      const kept = index.inventoryLabels('prod')!;
      expect([...kept.values()].map(l => l.n).sort()).toEqual([
        '0',
        '2',
        '4',
        '6',
        'cm',
      ]);
      const lists = server.requests.filter(r => r.query.get('limit'));
      // 7 Deployments in pages of 2, then 1 ConfigMap.
      expect(lists.map(r => r.path)).toEqual([
        ...Array(4).fill('/apis/apps/v1/deployments'),
        '/api/v1/configmaps',
      ]);
      expect(lists.slice(1, 4).every(r => r.query.get('continue'))).toBe(true);
      expect(
        lists.every(r =>
          r.headers.accept?.startsWith(
            'application/json;as=PartialObjectMetadataList',
          ),
        ),
      ).toBe(true);
    } finally {
      await server.stop();
    }
  });
});
