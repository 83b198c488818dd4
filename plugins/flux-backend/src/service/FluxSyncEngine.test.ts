import {
  registerFluxResources,
  startTestKubernetesApiServer,
} from '@hubbops/test-kit';
import { FluxCluster, FluxObjectSummary } from '@hubbops/plugin-flux-common';
import { eventually } from '../__testUtils__/eventually';
import {
  kustomization,
  readyCondition,
} from '../__testUtils__/fluxTestObjects';
import {
  CLUSTER_TOKEN,
  FluxTestBackend,
  FluxTestCluster,
  startFluxTestBackend,
} from '../__testUtils__/startFluxTestBackend';

jest.setTimeout(30_000);

const KS = {
  apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
  kind: 'Kustomization',
};

async function startCluster(
  name: string,
  options: Parameters<typeof registerFluxResources>[1] = {},
): Promise<FluxTestCluster> {
  const server = await startTestKubernetesApiServer({ token: CLUSTER_TOKEN });
  registerFluxResources(server, options);
  return { name, server };
}

describe('syncing Flux objects from clusters', () => {
  const clusters: FluxTestCluster[] = [];
  let flux: FluxTestBackend | undefined;

  async function objects(query = ''): Promise<FluxObjectSummary[]> {
    const response = await flux!.get(`/objects${query}`).expect(200);
    return response.body.items;
  }

  async function clusterNamed(name: string): Promise<FluxCluster> {
    const response = await flux!.get('/clusters').expect(200);
    return response.body.items.find((c: FluxCluster) => c.name === name);
  }

  afterEach(async () => {
    await flux?.stop();
    flux = undefined;
    await Promise.all(clusters.splice(0).map(c => c.server.stop()));
  });

  it('lists objects created in a cluster and shows a status change within seconds', async () => {
    const prod = await startCluster('prod');
    clusters.push(prod);
    prod.server.store.create(kustomization('infra'));
    flux = await startFluxTestBackend({ clusters });

    await eventually(async () =>
      expect(await objects()).toEqual([
        expect.objectContaining({
          cluster: 'prod',
          kind: 'Kustomization',
          name: 'infra',
          ready: 'True',
        }),
      ]),
    );

    // Created after the initial list: arrives through the watch.
    prod.server.store.create(kustomization('apps'));
    await eventually(async () =>
      expect((await objects()).map(o => o.name)).toEqual(['apps', 'infra']),
    );

    // The controller marks it failing.
    const changedAt = Date.now();
    prod.server.store.patchStatus(
      { ...KS, namespace: 'flux-system', name: 'apps' },
      { conditions: [readyCondition('False', 'kustomize build failed')] },
    );
    await eventually(async () =>
      expect(await objects('?status=notReady')).toEqual([
        expect.objectContaining({
          name: 'apps',
          ready: 'False',
          message: 'kustomize build failed',
        }),
      ]),
    );
    expect(Date.now() - changedAt).toBeLessThan(2000);

    const detail = await flux
      .get('/objects/prod/Kustomization/flux-system/apps')
      .expect(200);
    expect(detail.body.conditions).toEqual([
      expect.objectContaining({ type: 'Ready', status: 'False' }),
    ]);
    expect(detail.body.raw.metadata.name).toBe('apps');

    // Deleted: gone from the list.
    prod.server.store.delete({
      ...KS,
      namespace: 'flux-system',
      name: 'infra',
    });
    await eventually(async () =>
      expect((await objects()).map(o => o.name)).toEqual(['apps']),
    );
  });

  it('lists again after 410 Expired, without losing or keeping ghost objects', async () => {
    const prod = await startCluster('prod');
    clusters.push(prod);
    for (const name of ['gone', 'changed', 'same']) {
      prod.server.store.create(kustomization(name));
    }
    flux = await startFluxTestBackend({ clusters });
    await eventually(async () => expect(await objects()).toHaveLength(3));

    // Hold the reconnect back, change things unseen, and expire the history
    // the watch would resume from.
    prod.server.setLatency(500);
    prod.server.clearRequests();
    prod.server.closeWatches();
    prod.server.store.delete({ ...KS, namespace: 'flux-system', name: 'gone' });
    prod.server.store.patchStatus(
      { ...KS, namespace: 'flux-system', name: 'changed' },
      { conditions: [readyCondition('False', 'health check failed')] },
    );
    prod.server.store.create(kustomization('new'));
    prod.server.expireHistory();
    prod.server.setLatency(0);

    await eventually(async () =>
      expect((await objects()).map(o => [o.name, o.ready])).toEqual([
        ['changed', 'False'],
        ['new', 'True'],
        ['same', 'True'],
      ]),
    );
    const kustomizationRequests = prod.server.requests.filter(r =>
      r.path.endsWith('/kustomizations'),
    );
    // A watch was refused as expired, then a fresh list was made.
    expect(
      kustomizationRequests.some(r => r.query.get('watch') === 'true'),
    ).toBe(true);
    expect(
      kustomizationRequests.some(r => r.query.get('watch') !== 'true'),
    ).toBe(true);
  });

  it('marks a cluster that goes down unhealthy while another keeps syncing, then catches up', async () => {
    const one = await startCluster('one');
    const two = await startCluster('two');
    clusters.push(one, two);
    one.server.store.create(kustomization('one-a'));
    two.server.store.create(kustomization('two-a'));
    flux = await startFluxTestBackend({ clusters });
    await eventually(async () => {
      expect(await objects()).toHaveLength(2);
      expect((await clusterNamed('one')).health.status).toBe('healthy');
      expect((await clusterNamed('two')).health.status).toBe('healthy');
    });

    await one.server.goDown();
    await eventually(async () => {
      const health = (await clusterNamed('one')).health;
      expect(health.status).toBe('unhealthy');
      expect(health.lastError).toEqual(expect.any(String));
    });

    // The other cluster is not held up.
    two.server.store.create(kustomization('two-b'));
    // Changes on the down cluster wait for it to come back.
    one.server.store.create(kustomization('one-b'));
    await eventually(async () =>
      expect((await objects('?cluster=two')).map(o => o.name)).toEqual([
        'two-a',
        'two-b',
      ]),
    );
    expect((await clusterNamed('two')).health.status).toBe('healthy');
    // What we knew of the down cluster is still served.
    expect((await objects('?cluster=one')).map(o => o.name)).toEqual(['one-a']);

    await one.server.comeBack();
    await eventually(async () => {
      expect((await clusterNamed('one')).health).toEqual(
        expect.objectContaining({ status: 'healthy' }),
      );
      expect((await clusterNamed('one')).health.lastError).toBeUndefined();
      expect((await objects('?cluster=one')).map(o => o.name)).toEqual([
        'one-a',
        'one-b',
      ]);
    });
  });

  it('gives up on a hung API server after the request timeout without holding up the others', async () => {
    const hung = await startCluster('hung');
    const fine = await startCluster('fine');
    clusters.push(hung, fine);
    hung.server.setLatency(60_000);
    fine.server.store.create(kustomization('apps'));
    flux = await startFluxTestBackend({ clusters });

    await eventually(async () =>
      expect((await objects()).map(o => `${o.cluster}/${o.name}`)).toEqual([
        'fine/apps',
      ]),
    );
    await eventually(async () =>
      expect((await clusterNamed('hung')).health).toEqual(
        expect.objectContaining({
          status: 'unhealthy',
          lastError: 'the request timed out',
        }),
      ),
    );

    hung.server.setLatency(0);
    await eventually(async () =>
      expect((await clusterNamed('hung')).health.status).toBe('healthy'),
    );
  });

  it('skips kinds a cluster does not serve and syncs a legacy cluster through its beta versions', async () => {
    const partial = await startCluster('partial', {
      kinds: ['Kustomization', 'GitRepository'],
    });
    const legacy = await startCluster('legacy', { generation: 'legacy' });
    clusters.push(partial, legacy);
    partial.server.store.create(kustomization('apps'));
    legacy.server.store.create(
      kustomization('apps', {
        apiVersion: 'kustomize.toolkit.fluxcd.io/v1beta2',
      }),
    );
    legacy.server.store.create({
      apiVersion: 'helm.toolkit.fluxcd.io/v2beta1',
      kind: 'HelmRelease',
      metadata: { name: 'podinfo', namespace: 'apps' },
      spec: {
        interval: '5m',
        chart: {
          spec: {
            chart: 'podinfo',
            sourceRef: { kind: 'HelmRepository', name: 'podinfo' },
          },
        },
      },
    });
    flux = await startFluxTestBackend({ clusters });

    await eventually(async () => {
      const health = (await clusterNamed('partial')).health;
      expect(health.status).toBe('healthy');
      expect(health.servedKinds).toEqual({
        Kustomization: 'kustomize.toolkit.fluxcd.io/v1',
        GitRepository: 'source.toolkit.fluxcd.io/v1',
      });
      expect(health.skippedKinds).toEqual(
        expect.arrayContaining(['HelmRelease', 'FluxReport']),
      );
    });

    await eventually(async () => {
      const health = (await clusterNamed('legacy')).health;
      expect(health.status).toBe('healthy');
      expect(health.servedKinds).toEqual(
        expect.objectContaining({
          Kustomization: 'kustomize.toolkit.fluxcd.io/v1beta2',
          HelmRelease: 'helm.toolkit.fluxcd.io/v2beta1',
          ImageUpdateAutomation: 'image.toolkit.fluxcd.io/v1beta1',
        }),
      );
      expect(health.skippedKinds).toEqual(
        expect.arrayContaining(['ExternalArtifact', 'FluxReport']),
      );
      expect(await objects('?cluster=legacy&sort=kind')).toEqual([
        expect.objectContaining({
          kind: 'HelmRelease',
          apiVersion: 'helm.toolkit.fluxcd.io/v2beta1',
          name: 'podinfo',
        }),
        expect.objectContaining({
          kind: 'Kustomization',
          apiVersion: 'kustomize.toolkit.fluxcd.io/v1beta2',
        }),
      ]);
    });
    // No request ever went to a version the cluster does not serve.
    expect(
      legacy.server.requests.filter(r =>
        r.path.startsWith('/apis/kustomize.toolkit.fluxcd.io/v1/'),
      ),
    ).toEqual([]);
  });
});
