import { metricsServiceMock } from '@backstage/backend-test-utils/alpha';
import { Entity } from '@backstage/catalog-model';
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

function component(
  name: string,
  annotations: Record<string, string> = {},
): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name, namespace: 'default', annotations },
    spec: { type: 'service', lifecycle: 'production', owner: 'team-a' },
  };
}

describe('GET /objects?entity= through the catalog', () => {
  let server: TestKubernetesApiServer;
  let flux: FluxTestBackend;
  const metrics = metricsServiceMock.mock();

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
        labels: { app: 'shop', tier: 'db' },
      }),
    );
    server.store.create(
      kustomization('shop-cache', {
        namespace: 'staging',
        labels: { app: 'shop', tier: 'cache' },
      }),
    );
    flux = await startFluxTestBackend({
      clusters: [{ name: 'prod', server }],
      metrics,
      entities: [
        component('shop', { 'backstage.io/kubernetes-id': 'shop' }),
        component('shop-data', {
          'backstage.io/kubernetes-label-selector':
            'app=shop,tier in (db,cache)',
        }),
        component('shop-data-prod', {
          'backstage.io/kubernetes-label-selector': 'app=shop',
          'backstage.io/kubernetes-namespace': 'shop',
        }),
        component('no-annotations'),
        component('broken', {
          'backstage.io/kubernetes-label-selector': 'app in shop',
        }),
      ],
    });
    await eventually(async () => {
      const { body } = await flux.get('/objects');
      if (body.totalCount !== 3) throw new Error('not synced yet');
    });
  });

  afterAll(async () => {
    await flux.stop();
    await server.stop();
  });

  it("reads the entity's kubernetes-id or label selector from the catalog", async () => {
    expect(await names('?entity=component:default/shop')).toEqual(['shop']);
    expect(await names('?entity=component:default/shop-data')).toEqual([
      'shop-cache',
      'shop-db',
    ]);
  });

  it('restricts to the namespace of backstage.io/kubernetes-namespace', async () => {
    expect(await names('?entity=component:default/shop-data-prod')).toEqual([
      'shop-db',
    ]);
  });

  it('answers an empty list with a hint for an entity without annotations', async () => {
    const { body } = await flux
      .get('/objects?entity=component:default/no-annotations')
      .expect(200);
    expect(body.items).toEqual([]);
    expect(body.totalCount).toBe(0);
    expect(body.hint).toMatch(
      /component:default\/no-annotations has no backstage.io\/kubernetes-id/,
    );
  });

  it('answers 404 for an entity the catalog does not know', async () => {
    const { body } = await flux
      .get('/objects?entity=component:default/ghost')
      .expect(404);
    expect(body.error.message).toMatch(
      /component:default\/ghost is not in the catalog/,
    );
  });

  it('names the annotation when it holds an invalid selector', async () => {
    const { body } = await flux
      .get('/objects?entity=component:default/broken')
      .expect(400);
    expect(body.error.message).toMatch(
      /backstage.io\/kubernetes-label-selector annotation of component:default\/broken/,
    );
  });

  it('lets explicit annotations stand in for the catalog, as old clients send them', async () => {
    expect(
      await names('?entity=component:default/ghost&kubernetesId=shop'),
    ).toEqual(['shop']);
  });

  it('records the latency of each route by its pattern', async () => {
    await names('?entity=component:default/shop');
    const index = metrics.createHistogram.mock.calls.findIndex(
      ([name]) => name === 'flux.http.request.latency',
    );
    const histogram = metrics.createHistogram.mock.results[index].value;
    expect(histogram.record).toHaveBeenCalledWith(expect.any(Number), {
      route: '/objects',
      method: 'GET',
      status: 200,
    });
    expect(histogram.record).toHaveBeenCalledWith(expect.any(Number), {
      route: '/objects',
      method: 'GET',
      status: 404,
    });
  });
});
