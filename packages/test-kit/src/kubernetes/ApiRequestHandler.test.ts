import {
  startTestKubernetesApiServer,
  TestKubernetesApiServer,
} from './TestKubernetesApiServer';

/**
 * Protocol details checked with plain `fetch`, where the client libraries
 * would hide what went over the wire.
 */
describe('API request handling', () => {
  let server: TestKubernetesApiServer;
  const base = '/apis/example.hubbops.io/v1/namespaces/default/gadgets';

  beforeEach(async () => {
    server = await startTestKubernetesApiServer({ historyLimit: 5 });
    server.registerResource({
      group: 'example.hubbops.io',
      versions: ['v1'],
      kind: 'Gadget',
      plural: 'gadgets',
      namespaced: true,
    });
  });

  afterEach(() => server.stop());

  const request = (path: string, init: RequestInit = {}) =>
    fetch(`${server.url}${path}`, init);
  const send = (
    method: string,
    path: string,
    body: unknown,
    contentType = 'application/json',
  ) =>
    request(path, {
      method,
      body: JSON.stringify(body),
      headers: { 'Content-Type': contentType },
    });
  const gadget = (name: string, spec: object = { size: 1 }) => ({
    apiVersion: 'example.hubbops.io/v1',
    kind: 'Gadget',
    metadata: { name },
    spec,
  });

  /** Reads a watch response until it ends, as parsed events. */
  async function readWatch(response: Response) {
    const text = await response.text();
    return text
      .trim()
      .split('\n')
      .filter(Boolean)
      .map(line => JSON.parse(line));
  }

  it('answers the version, root and health endpoints', async () => {
    expect(await (await request('/version')).json()).toMatchObject({
      major: '1',
      minor: '33',
      gitVersion: 'v1.33.0',
    });
    expect((await (await request('/')).json()).paths).toContain('/apis');
    expect(await (await request('/livez')).text()).toBe('ok');
    const unknown = await request('/nothing-here');
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).toBe('404 page not found\n');
  });

  it('answers unknown resources and verbs with Status objects', async () => {
    const missing = await request(
      '/apis/example.hubbops.io/v1/namespaces/default/widgets',
    );
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({
      kind: 'Status',
      reason: 'NotFound',
      message: 'the server could not find the requested resource',
    });

    await send('POST', base, gadget('a'));
    const postToItem = await send('POST', `${base}/a`, gadget('a'));
    expect(postToItem.status).toBe(405);
    expect(await postToItem.json()).toMatchObject({
      reason: 'MethodNotAllowed',
      code: 405,
    });

    const wrongKind = await send('POST', base, {
      ...gadget('b'),
      kind: 'Widget',
    });
    expect(wrongKind.status).toBe(400);
    const noKind = await send('POST', base, { metadata: { name: 'c' } });
    expect((await noKind.json()).message).toMatch(
      /^Object 'Kind' is missing in/,
    );
    const badName = await send('POST', base, gadget('Bad_Name'));
    expect(badName.status).toBe(422);
    expect(await badName.json()).toMatchObject({
      reason: 'Invalid',
      details: {
        kind: 'Gadget',
        causes: [{ reason: 'FieldValueInvalid', field: 'metadata.name' }],
      },
    });
    expect(
      (
        await request(base, {
          headers: { Accept: 'application/vnd.kubernetes.protobuf' },
        })
      ).status,
    ).toBe(406);
  });

  it('generates names, runs dry runs, and serves metadata-only lists', async () => {
    const generated = await (
      await send('POST', base, {
        ...gadget(''),
        metadata: { generateName: 'gadget-' },
      })
    ).json();
    expect(generated.metadata.name).toMatch(/^gadget-[a-z0-9]{5}$/);

    const dryRun = await send('POST', `${base}?dryRun=All`, gadget('dry'));
    expect(dryRun.status).toBe(201);
    expect((await request(`${base}/dry`)).status).toBe(404);

    const metadataList = await (
      await request(base, {
        headers: {
          Accept:
            'application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io',
        },
      })
    ).json();
    expect(metadataList).toMatchObject({
      kind: 'PartialObjectMetadataList',
      items: [
        {
          kind: 'PartialObjectMetadata',
          metadata: { name: generated.metadata.name },
        },
      ],
    });
  });

  it('applies server-side apply patches', async () => {
    const path = `${base}/applied`;
    const missingManager = await send(
      'PATCH',
      path,
      gadget('applied'),
      'application/apply-patch+yaml',
    );
    expect(missingManager.status).toBe(422);
    const created = await send(
      'PATCH',
      `${path}?fieldManager=test`,
      gadget('applied'),
      'application/apply-patch+yaml',
    );
    expect(created.status).toBe(201);
    const updated = await send(
      'PATCH',
      `${path}?fieldManager=test`,
      gadget('applied', { size: 2 }),
      'application/apply-patch+yaml',
    );
    expect((await updated.json()).spec).toEqual({ size: 2 });
  });

  it('deletes collections by label selector', async () => {
    await send('POST', base, {
      ...gadget('a'),
      metadata: { name: 'a', labels: { group: 'x' } },
    });
    await send('POST', base, {
      ...gadget('b'),
      metadata: { name: 'b', labels: { group: 'y' } },
    });
    const deleted = await (
      await request(`${base}?labelSelector=group%3Dx`, { method: 'DELETE' })
    ).json();
    expect(deleted.items.map((item: any) => item.metadata.name)).toEqual(['a']);
    const remaining = await (await request(base)).json();
    expect(remaining.items.map((item: any) => item.metadata.name)).toEqual([
      'b',
    ]);
  });

  it('answers deleting built-in kinds with a Success status', async () => {
    await send('POST', '/api/v1/namespaces/default/configmaps', {
      metadata: { name: 'cm' },
      data: { a: '1' },
    });
    const list = await (
      await request('/api/v1/namespaces/default/configmaps')
    ).json();
    expect(list).toMatchObject({ kind: 'ConfigMapList', apiVersion: 'v1' });
    expect(list.items[0].kind).toBeUndefined();
    const deleted = await (
      await request('/api/v1/namespaces/default/configmaps/cm', {
        method: 'DELETE',
      })
    ).json();
    expect(deleted).toMatchObject({
      kind: 'Status',
      status: 'Success',
      details: { name: 'cm', kind: 'configmaps' },
    });
  });

  it('ends watches after timeoutSeconds with a final bookmark', async () => {
    const started = Date.now();
    const response = await request(
      `${base}?watch=true&timeoutSeconds=1&allowWatchBookmarks=true`,
    );
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(response.headers.get('transfer-encoding')).toBe('chunked');
    await send('POST', base, gadget('a'));
    const events = await readWatch(response);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(events.map(event => event.type)).toEqual(['ADDED', 'BOOKMARK']);
  });

  it('watches one object through the deprecated watch path', async () => {
    await send('POST', base, gadget('a'));
    await send('POST', base, gadget('b'));
    const path = `/apis/example.hubbops.io/v1/watch/namespaces/default/gadgets/b?timeoutSeconds=1`;
    const events = await readWatch(await request(path));
    expect(
      events.map(event => `${event.type} ${event.object.metadata.name}`),
    ).toEqual(['ADDED b']);
  });

  it('sends initial events and an initial-events-end bookmark for watch lists', async () => {
    await send('POST', base, gadget('a'));
    const response = await request(
      `${base}?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&timeoutSeconds=1`,
    );
    const events = await readWatch(response);
    expect(events[0]).toMatchObject({
      type: 'ADDED',
      object: { metadata: { name: 'a' } },
    });
    expect(events[1]).toMatchObject({
      type: 'BOOKMARK',
      object: {
        metadata: { annotations: { 'k8s.io/initial-events-end': 'true' } },
      },
    });
  });

  it('keeps only historyLimit changes for resuming watches', async () => {
    const first = await (await send('POST', base, gadget('first'))).json();
    for (const name of ['b', 'c', 'd', 'e', 'f', 'g']) {
      await send('POST', base, gadget(name));
    }
    const events = await readWatch(
      await request(
        `${base}?watch=true&resourceVersion=${first.metadata.resourceVersion}`,
      ),
    );
    expect(events).toEqual([
      {
        type: 'ERROR',
        object: expect.objectContaining({
          kind: 'Status',
          code: 410,
          reason: 'Expired',
        }),
      },
    ]);
    const recent = await (await request(base)).json();
    const recentEvents = request(
      `${base}?watch=true&resourceVersion=${recent.metadata.resourceVersion}&timeoutSeconds=1`,
    );
    await send('POST', base, gadget('h'));
    expect(
      (await readWatch(await recentEvents)).map(e => e.object.metadata.name),
    ).toEqual(['h']);
  });

  it('writes a kubeconfig with the requested context name and namespace', () => {
    const kubeconfig = server.kubeconfig({
      contextName: 'staging',
      namespace: 'flux-system',
    });
    expect(kubeconfig).toContain('current-context: "staging"');
    expect(kubeconfig).toContain(`server: "${server.url}"`);
    expect(kubeconfig).toContain('namespace: "flux-system"');
    expect(kubeconfig).toContain('insecure-skip-tls-verify: true');
  });
});
