import {
  registerFluxResources,
  startTestKubernetesApiServer,
  TestKubernetesApiServer,
} from '@hubbops/test-kit';
import { FluxObjectSummary } from '@hubbops/plugin-flux-common';
import { eventually } from '../__testUtils__/eventually';
import { kustomization } from '../__testUtils__/fluxTestObjects';
import {
  CLUSTER_TOKEN,
  FluxTestBackend,
  startFluxTestBackend,
} from '../__testUtils__/startFluxTestBackend';

jest.setTimeout(30_000);

describe('the Flux REST API', () => {
  let server: TestKubernetesApiServer;
  let flux: FluxTestBackend;

  async function names(query: string): Promise<string[]> {
    const { body } = await flux.get(`/objects${query}`).expect(200);
    return body.items.map((o: FluxObjectSummary) => o.name);
  }

  beforeAll(async () => {
    server = await startTestKubernetesApiServer({ token: CLUSTER_TOKEN });
    registerFluxResources(server);
    server.store.create(
      kustomization('shop', {
        labels: { 'backstage.io/kubernetes-id': 'shop' },
      }),
    );
    server.store.create(
      kustomization('shop-db', {
        namespace: 'shop',
        ready: 'False',
        labels: { app: 'shop', tier: 'db' },
      }),
    );
    server.store.create(kustomization('billing', { namespace: 'billing' }));
    flux = await startFluxTestBackend({ clusters: [{ name: 'prod', server }] });
    await eventually(async () => {
      const { body } = await flux.get('/objects');
      if (body.totalCount !== 3) throw new Error('not synced yet');
    });
  });

  afterAll(async () => {
    await flux.stop();
    await server.stop();
  });

  it("finds an entity's objects by its label selector or kubernetes-id", async () => {
    const entity = 'entity=component:default/shop';
    expect(await names(`?${entity}&kubernetesId=shop`)).toEqual(['shop']);
    expect(
      await names(`?${entity}&labelSelector=${encodeURIComponent('app=shop')}`),
    ).toEqual(['shop-db']);
    expect(
      await names(
        `?${entity}&kubernetesId=shop&labelSelector=${encodeURIComponent(
          'tier in (db)',
        )}`,
      ),
    ).toEqual(['shop', 'shop-db']);
  });

  it('answers an unchanged entity query with 304 and a changed one in full', async () => {
    const path = '/objects?entity=component:default/shop&kubernetesId=shop';
    const first = await flux.get(path).expect(200);
    const etag = first.headers.etag;
    expect(etag).toMatch(/^"[\w-]+"$/);
    await flux.get(path).set('If-None-Match', etag).expect(304);
    // fetch() adds Cache-Control: no-cache to conditional requests.
    await flux
      .get(path)
      .set('If-None-Match', `W/${etag}, "other"`)
      .set('Cache-Control', 'no-cache')
      .expect(304);

    // A change elsewhere in the cluster leaves this answer as it was.
    server.store.create(kustomization('audit', { namespace: 'billing' }));
    await eventually(async () => {
      const { body } = await flux.get('/objects?namespace=billing');
      if (body.totalCount !== 2) throw new Error('not synced yet');
    });
    await flux.get(path).set('If-None-Match', etag).expect(304);

    server.store.create(
      kustomization('shop-api', {
        labels: { 'backstage.io/kubernetes-id': 'shop' },
      }),
    );
    await eventually(async () => {
      const { body, headers } = await flux
        .get(path)
        .set('If-None-Match', etag)
        .expect(200);
      expect(headers.etag).not.toBe(etag);
      expect(body.items.map((o: FluxObjectSummary) => o.name)).toEqual([
        'shop',
        'shop-api',
      ]);
    });
    const ks = {
      apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
      kind: 'Kustomization',
    };
    server.store.delete({ ...ks, namespace: 'flux-system', name: 'shop-api' });
    server.store.delete({ ...ks, namespace: 'billing', name: 'audit' });
    await eventually(async () => {
      const { body } = await flux.get('/objects');
      if (body.totalCount !== 3) throw new Error('not synced yet');
    });
  });

  it('filters, sorts and pages, with the total count of matches', async () => {
    expect(await names('?namespace=shop,billing&sort=name&order=desc')).toEqual(
      ['shop-db', 'billing'],
    );
    expect(await names('?status=ready&text=SHO')).toEqual(['shop']);
    const { body } = await flux
      .get('/objects?sort=status&limit=1&offset=1')
      .expect(200);
    expect(body.totalCount).toBe(3);
    expect(body.items).toHaveLength(1);
    expect(await names('?kind=HelmRelease')).toEqual([]);
  });

  it('rejects invalid queries, saying what is wrong', async () => {
    const bad = async (query: string, message: RegExp) => {
      const { body } = await flux.get(`/objects${query}`).expect(400);
      expect(body.error.message).toMatch(message);
    };
    await bad('?status=broken', /status/);
    await bad('?limit=0', /limit/);
    await bad('?sort=color', /sort/);
    await bad('?entity=%3A%3A', /entity ref/);
    await bad('?labelSelector=app%20in%20shop', /Invalid label selector/);
    await bad('?color=red', /color/);
  });

  it('lists the configured clusters with health, versions and counts', async () => {
    const { body } = await flux.get('/clusters').expect(200);
    expect(body.items).toEqual([
      expect.objectContaining({
        name: 'prod',
        source: 'config',
        url: server.url,
        demo: false,
        health: expect.objectContaining({
          status: 'healthy',
          serverVersion: 'v1.33.0',
        }),
        counts: expect.objectContaining({ total: 3, ready: 2, notReady: 1 }),
      }),
    ]);
  });
});
