import { ResponseError } from '@backstage/errors';
import { FluxClient } from './FluxClient';

function jsonResponse(body: unknown, status = 200) {
  return new Response(JSON.stringify(body), {
    status,
    statusText: status === 200 ? 'OK' : 'Forbidden',
    headers: { 'Content-Type': 'application/json' },
  });
}

describe('FluxClient', () => {
  const discoveryApi = {
    getBaseUrl: jest.fn(async (id: string) => `http://backend/api/${id}`),
  };
  const fetch = jest.fn();
  const client = new FluxClient({ discoveryApi, fetchApi: { fetch } });

  beforeEach(() => {
    fetch.mockReset();
  });

  it('lists objects with the filters as query parameters', async () => {
    fetch.mockResolvedValue(jsonResponse({ items: [], totalCount: 0 }));

    const result = await client.getObjects({
      cluster: ['prod', 'staging'],
      status: ['notReady'],
      entity: 'component:default/shop',
      labelSelector: 'app=shop',
      text: '',
      limit: 25,
      offset: 50,
    });

    expect(result).toEqual({ items: [], totalCount: 0 });
    expect(discoveryApi.getBaseUrl).toHaveBeenCalledWith('flux');
    const [url, init] = fetch.mock.calls[0];
    const parsed = new URL(url);
    expect(parsed.pathname).toBe('/api/flux/objects');
    expect(parsed.searchParams.getAll('cluster')).toEqual(['prod', 'staging']);
    expect(parsed.searchParams.get('status')).toBe('notReady');
    expect(parsed.searchParams.get('entity')).toBe('component:default/shop');
    expect(parsed.searchParams.get('labelSelector')).toBe('app=shop');
    expect(parsed.searchParams.has('text')).toBe(false);
    expect(parsed.searchParams.get('limit')).toBe('25');
    expect(parsed.searchParams.get('offset')).toBe('50');
    expect(init.method).toBe('GET');
  });

  it('posts a reconcile request with its flags', async () => {
    fetch.mockResolvedValue(jsonResponse({ outcome: 'succeeded' }));

    const result = await client.reconcile(
      { cluster: 'prod', kind: 'HelmRelease', namespace: 'apps', name: 'a b' },
      { withSource: true },
    );

    expect(result.outcome).toBe('succeeded');
    const [url, init] = fetch.mock.calls[0];
    expect(url).toBe(
      'http://backend/api/flux/objects/prod/HelmRelease/apps/a%20b/reconcile',
    );
    expect(init.method).toBe('POST');
    expect(JSON.parse(init.body)).toEqual({ withSource: true });
    expect(init.headers).toEqual({ 'Content-Type': 'application/json' });
  });

  it('fetches events, suspends and resumes at the object path', async () => {
    fetch.mockImplementation(async () => jsonResponse({ items: [] }));
    const key = {
      cluster: 'c',
      kind: 'Kustomization',
      namespace: 'n',
      name: 'x',
    };

    await client.getEvents(key);
    await client.suspend(key);
    await client.resume(key);
    await client.getObject(key);

    expect(fetch.mock.calls.map(([url, init]) => [init.method, url])).toEqual([
      ['GET', 'http://backend/api/flux/objects/c/Kustomization/n/x/events'],
      ['POST', 'http://backend/api/flux/objects/c/Kustomization/n/x/suspend'],
      ['POST', 'http://backend/api/flux/objects/c/Kustomization/n/x/resume'],
      ['GET', 'http://backend/api/flux/objects/c/Kustomization/n/x'],
    ]);
  });

  it('throws a ResponseError carrying the backend message', async () => {
    fetch.mockResolvedValue(
      jsonResponse(
        {
          error: {
            name: 'NotAllowedError',
            message: 'You are not allowed to flux.resource.reconcile',
          },
          request: { method: 'POST', url: '/objects' },
          response: { statusCode: 403 },
        },
        403,
      ),
    );

    const error = await client.getClusters().catch(e => e);

    expect(error).toBeInstanceOf(ResponseError);
    expect(error.cause.message).toBe(
      'You are not allowed to flux.resource.reconcile',
    );
    expect(error.statusCode).toBe(403);
  });

  it('registers, updates, tests and removes clusters', async () => {
    const cluster = { name: 'edge', source: 'registered' };
    fetch
      .mockResolvedValueOnce(jsonResponse(cluster, 200))
      .mockResolvedValueOnce(jsonResponse({ ...cluster, title: 'Edge' }))
      .mockResolvedValueOnce(jsonResponse({ ok: true, url: 'https://e' }))
      .mockResolvedValueOnce(jsonResponse({ ok: false, url: 'https://e' }))
      .mockResolvedValueOnce(new Response(null, { status: 204 }));

    expect(
      await client.registerCluster({
        name: 'edge',
        kubeconfig: 'apiVersion: v1',
        context: 'admin',
      }),
    ).toEqual(cluster);
    expect(
      await client.updateCluster('edge/x', { title: 'Edge' }),
    ).toMatchObject({ title: 'Edge' });
    expect(
      await client.testClusterConnection({ kubeconfig: 'apiVersion: v1' }),
    ).toMatchObject({ ok: true });
    expect(await client.testClusterConnection({ name: 'edge' })).toMatchObject({
      ok: false,
    });
    expect(await client.removeCluster('edge')).toBeUndefined();

    expect(
      fetch.mock.calls.map(([url, init]) => [
        init.method,
        url,
        init.body && JSON.parse(init.body),
      ]),
    ).toEqual([
      [
        'POST',
        'http://backend/api/flux/clusters',
        { name: 'edge', kubeconfig: 'apiVersion: v1', context: 'admin' },
      ],
      ['PUT', 'http://backend/api/flux/clusters/edge%2Fx', { title: 'Edge' }],
      [
        'POST',
        'http://backend/api/flux/clusters/test',
        { kubeconfig: 'apiVersion: v1' },
      ],
      ['POST', 'http://backend/api/flux/clusters/edge/test', {}],
      ['DELETE', 'http://backend/api/flux/clusters/edge', undefined],
    ]);
  });

  it('fails a registration with the message the backend gives', async () => {
    fetch.mockResolvedValue(
      jsonResponse(
        {
          error: {
            name: 'InputError',
            message: 'The kubeconfig defines no contexts; add one',
          },
          response: { statusCode: 400 },
        },
        400,
      ),
    );
    const error = await client
      .registerCluster({ name: 'edge', kubeconfig: '{}' })
      .catch(e => e);
    expect(error).toBeInstanceOf(ResponseError);
    expect(error.cause.message).toBe(
      'The kubeconfig defines no contexts; add one',
    );
  });
});
