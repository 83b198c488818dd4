import {
  ApiException,
  ApisApi,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  KubernetesObjectApi,
  makeInformer,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import { TEST_CERTIFICATES } from './TestCertificates';
import {
  startTestKubernetesApiServer,
  TestKubernetesApiServer,
} from './TestKubernetesApiServer';
import { waitFor } from './__testUtils__/waitFor';
import { WatchRecorder } from './__testUtils__/WatchRecorder';
import { ResourceDefinition } from './ResourceRegistry';

const GROUP = 'example.hubbops.io';
const WIDGETS: ResourceDefinition = {
  group: GROUP,
  versions: ['v1beta1', 'v1'],
  kind: 'Widget',
  plural: 'widgets',
  namespaced: true,
  shortNames: ['wd'],
};
const WIDGETS_PATH = `/apis/${GROUP}/v1/namespaces/team-a/widgets`;

function widget(name: string, extra: Record<string, unknown> = {}) {
  const { metadata, ...rest } = extra as { metadata?: Record<string, unknown> };
  return {
    apiVersion: `${GROUP}/v1`,
    kind: 'Widget',
    metadata: { name, ...metadata },
    spec: { size: 1 },
    ...rest,
  };
}

function kubeConfigFor(server: TestKubernetesApiServer, options = {}) {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromString(server.kubeconfig(options));
  return kubeConfig;
}

/** The `Status` body of a failed client-node call. */
async function failure(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ApiException) {
      return {
        code: error.code,
        body:
          typeof error.body === 'string' ? JSON.parse(error.body) : error.body,
      };
    }
    throw error;
  }
  throw new Error('Expected the request to fail');
}

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const jsonPatch = setHeaderOptions('Content-Type', PatchStrategy.JsonPatch);

describe('TestKubernetesApiServer with @kubernetes/client-node', () => {
  let server: TestKubernetesApiServer;
  let kubeConfig: KubeConfig;
  let custom: CustomObjectsApi;
  let core: CoreV1Api;
  const recorders: WatchRecorder[] = [];

  const list = (query: Record<string, unknown> = {}) =>
    custom.listNamespacedCustomObject({
      group: GROUP,
      version: 'v1',
      namespace: 'team-a',
      plural: 'widgets',
      ...query,
    });
  const create = (body: object, namespace = 'team-a') =>
    custom.createNamespacedCustomObject({
      group: GROUP,
      version: 'v1',
      namespace,
      plural: 'widgets',
      body,
    });
  const get = (name: string) =>
    custom.getNamespacedCustomObject({
      group: GROUP,
      version: 'v1',
      namespace: 'team-a',
      plural: 'widgets',
      name,
    });
  const watch = async (
    query: Record<string, string | boolean | number> = {},
  ) => {
    const recorder = await WatchRecorder.start(kubeConfig, WIDGETS_PATH, query);
    recorders.push(recorder);
    return recorder;
  };

  beforeEach(async () => {
    server = await startTestKubernetesApiServer({ token: 'secret-token' });
    server.registerResource(WIDGETS);
    kubeConfig = kubeConfigFor(server);
    custom = kubeConfig.makeApiClient(CustomObjectsApi);
    core = kubeConfig.makeApiClient(CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: 'team-a' } } });
  });

  afterEach(async () => {
    recorders.splice(0).forEach(recorder => recorder.stop());
    await server.stop();
  });

  it('serves discovery for built-in and registered groups', async () => {
    const groups = await kubeConfig.makeApiClient(ApisApi).getAPIVersions();
    const example = groups.groups.find(g => g.name === GROUP);
    expect(example?.preferredVersion?.version).toBe('v1');
    expect(example?.versions.map(v => v.version)).toEqual(['v1', 'v1beta1']);
    expect(groups.groups.map(g => g.name)).toContain('apps');

    const resources = await custom.getAPIResources({
      group: GROUP,
      version: 'v1',
    });
    expect(resources.resources.map(r => r.name)).toEqual([
      'widgets',
      'widgets/status',
    ]);
    expect(resources.resources[0]).toMatchObject({
      kind: 'Widget',
      namespaced: true,
      shortNames: ['wd'],
      verbs: expect.arrayContaining([
        'get',
        'list',
        'watch',
        'create',
        'update',
        'patch',
        'delete',
      ]),
    });
    const coreResources = await core.getAPIResources();
    expect(coreResources.resources.map(r => r.name)).toEqual(
      expect.arrayContaining([
        'namespaces',
        'namespaces/status',
        'events',
        'configmaps',
      ]),
    );

    server.setServedVersions(GROUP, 'widgets', ['v1beta1']);
    const narrowed = await kubeConfig.makeApiClient(ApisApi).getAPIVersions();
    expect(
      narrowed.groups.find(g => g.name === GROUP)?.preferredVersion?.version,
    ).toBe('v1beta1');
    expect((await failure(list())).code).toBe(404);

    server.unregisterResource(GROUP, 'widgets');
    const after = await kubeConfig.makeApiClient(ApisApi).getAPIVersions();
    expect(after.groups.map(g => g.name)).not.toContain(GROUP);
  });

  it('creates, gets and lists objects with label and field selectors', async () => {
    await create(
      widget('web', { metadata: { labels: { tier: 'web', env: 'dev' } } }),
    );
    await create(
      widget('api', { metadata: { labels: { tier: 'api', env: 'prod' } } }),
    );
    await create(
      widget('legacy', {
        metadata: { labels: { tier: 'web', legacy: 'true' } },
      }),
    );
    await core.createNamespace({ body: { metadata: { name: 'team-b' } } });
    await create(
      { ...widget('other'), metadata: { name: 'other', namespace: 'team-b' } },
      'team-b',
    );

    const fetched = await get('web');
    expect(fetched).toMatchObject({
      apiVersion: `${GROUP}/v1`,
      kind: 'Widget',
      metadata: { name: 'web', namespace: 'team-a', generation: 1 },
    });
    expect(fetched.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(Number(fetched.metadata.resourceVersion)).toBeGreaterThan(0);

    const names = async (query: Record<string, unknown>) =>
      (await list(query)).items.map((item: any) => item.metadata.name);
    expect(
      await names({ labelSelector: 'tier in (web,api),env!=prod' }),
    ).toEqual(['legacy', 'web']);
    expect(await names({ labelSelector: '!legacy,tier' })).toEqual([
      'api',
      'web',
    ]);
    expect(await names({ labelSelector: 'env notin (prod)' })).toEqual([
      'legacy',
      'web',
    ]);
    expect(await names({ fieldSelector: 'metadata.name=api' })).toEqual([
      'api',
    ]);
    expect(await names({ fieldSelector: 'metadata.name!=api' })).toEqual([
      'legacy',
      'web',
    ]);

    const all = await custom.listCustomObjectForAllNamespaces({
      group: GROUP,
      version: 'v1',
      resourcePlural: 'widgets',
    });
    expect(
      all.items.map((i: any) => `${i.metadata.namespace}/${i.metadata.name}`),
    ).toEqual(['team-a/api', 'team-a/legacy', 'team-a/web', 'team-b/other']);
    expect(Number(all.metadata.resourceVersion)).toBeGreaterThanOrEqual(
      Number(fetched.metadata.resourceVersion),
    );

    const duplicate = await failure(create(widget('web')));
    expect(duplicate).toMatchObject({
      code: 409,
      body: {
        kind: 'Status',
        status: 'Failure',
        reason: 'AlreadyExists',
        message: `widgets.${GROUP} "web" already exists`,
        details: { name: 'web', group: GROUP, kind: 'widgets' },
      },
    });
    expect(await failure(get('missing'))).toMatchObject({
      code: 404,
      body: {
        reason: 'NotFound',
        message: `widgets.${GROUP} "missing" not found`,
      },
    });
    expect(
      (await failure(list({ fieldSelector: 'spec.size=1' }))).body,
    ).toMatchObject({
      code: 400,
      reason: 'BadRequest',
      message: 'field label not supported: spec.size',
    });
    expect((await failure(create(widget('x'), 'nowhere'))).body).toMatchObject({
      code: 404,
      message: 'namespaces "nowhere" not found',
    });
  });

  it('paginates with limit and continue from a consistent snapshot', async () => {
    for (const name of ['a', 'b', 'c', 'd', 'e']) {
      await create(widget(name));
    }
    const first = await list({ limit: 2 });
    expect(first.items.map((i: any) => i.metadata.name)).toEqual(['a', 'b']);
    expect(first.metadata.remainingItemCount).toBe(3);
    expect(first.metadata._continue ?? first.metadata.continue).toBeTruthy();
    const token = first.metadata._continue ?? first.metadata.continue;

    // Changes after the first page must not show in the following pages.
    await custom.deleteNamespacedCustomObject({
      group: GROUP,
      version: 'v1',
      namespace: 'team-a',
      plural: 'widgets',
      name: 'd',
    });
    await create(widget('f'));

    const second = await list({ limit: 2, _continue: token });
    expect(second.items.map((i: any) => i.metadata.name)).toEqual(['c', 'd']);
    expect(second.metadata.resourceVersion).toBe(
      first.metadata.resourceVersion,
    );
    const third = await list({
      limit: 2,
      _continue: second.metadata._continue ?? second.metadata.continue,
    });
    expect(third.items.map((i: any) => i.metadata.name)).toEqual(['e']);
    expect(third.metadata._continue ?? third.metadata.continue).toBeFalsy();

    server.expireHistory();
    expect(await failure(list({ limit: 2, _continue: token }))).toMatchObject({
      code: 410,
      body: { reason: 'Expired' },
    });
  });

  it('streams ADDED, MODIFIED and DELETED watch events', async () => {
    const recorder = await watch();
    await create(widget('a'));
    await custom.patchNamespacedCustomObject(
      {
        group: GROUP,
        version: 'v1',
        namespace: 'team-a',
        plural: 'widgets',
        name: 'a',
        body: { spec: { size: 2 } },
      },
      mergePatch,
    );
    await custom.deleteNamespacedCustomObject({
      group: GROUP,
      version: 'v1',
      namespace: 'team-a',
      plural: 'widgets',
      name: 'a',
    });
    await recorder.waitForEvents(3);
    expect(recorder.summary).toEqual(['ADDED a', 'MODIFIED a', 'DELETED a']);
    const versions = recorder.events.map(e =>
      Number(e.object.metadata.resourceVersion),
    );
    expect(versions).toEqual([...versions].sort((x, y) => x - y));
    expect(new Set(versions).size).toBe(3);
    expect(recorder.events[1].object.spec.size).toBe(2);
    expect(recorder.events[1].object.metadata.generation).toBe(2);
  });

  it('resumes a watch from the resourceVersion of a list', async () => {
    await create(widget('a'));
    const listed = await list();
    await create(widget('b'));
    await custom.patchNamespacedCustomObject(
      {
        group: GROUP,
        version: 'v1',
        namespace: 'team-a',
        plural: 'widgets',
        name: 'a',
        body: { metadata: { labels: { x: 'y' } } },
      },
      mergePatch,
    );
    const recorder = await watch({
      resourceVersion: listed.metadata.resourceVersion,
    });
    await recorder.waitForEvents(2);
    await new Promise(resolve => setTimeout(resolve, 50));
    expect(recorder.summary).toEqual(['ADDED b', 'MODIFIED a']);

    // Without a resourceVersion the server sends the current state first.
    const fresh = await watch();
    await fresh.waitForEvents(2);
    expect(fresh.summary).toEqual(['ADDED a', 'ADDED b']);
  });

  it('translates label selector transitions into ADDED and DELETED', async () => {
    await create(widget('a', { metadata: { labels: { team: 'blue' } } }));
    const recorder = await watch({ labelSelector: 'team=red' });
    const relabel = (team: string) =>
      custom.patchNamespacedCustomObject(
        {
          group: GROUP,
          version: 'v1',
          namespace: 'team-a',
          plural: 'widgets',
          name: 'a',
          body: { metadata: { labels: { team } } },
        },
        mergePatch,
      );
    await relabel('red');
    await relabel('green');
    await recorder.waitForEvents(2);
    expect(recorder.summary).toEqual(['ADDED a', 'DELETED a']);
  });

  it('answers a resume from expired history with a 410 ERROR event', async () => {
    await create(widget('a'));
    const listed = await list();
    await create(widget('b'));
    server.expireHistory();
    const recorder = await watch({
      resourceVersion: listed.metadata.resourceVersion,
    });
    await recorder.waitForEnd();
    expect(recorder.events).toHaveLength(1);
    expect(recorder.events[0]).toMatchObject({
      type: 'ERROR',
      object: {
        kind: 'Status',
        code: 410,
        reason: 'Expired',
        status: 'Failure',
      },
    });
    expect(recorder.events[0].object.message).toMatch(
      /^too old resource version: \d+ \(\d+\)$/,
    );
  });

  it('lets a client-node informer relist after the history expired', async () => {
    await create(widget('a'));
    const path = WIDGETS_PATH;
    const informer = makeInformer(kubeConfig, path, () => list() as any);
    const added: string[] = [];
    informer.on('add', (object: any) => added.push(object.metadata.name));
    informer.on('error', () => undefined);
    await informer.start();
    await waitFor(() => added.includes('a'));

    server.expireHistory();
    server.closeWatches();
    await create(widget('b'));
    await waitFor(() => added.includes('b'));
    await informer.stop();
    const lists = server.requests.filter(
      r => r.method === 'GET' && r.path === path && !r.query.get('watch'),
    );
    expect(lists.length).toBeGreaterThanOrEqual(1);
  });

  it('goes down and comes back on the same port', async () => {
    await create(widget('a'));
    const recorder = await watch();
    await recorder.waitForEvents(1);
    const { port, url } = server;

    await server.goDown();
    await recorder.waitForEnd();
    expect(server.isUp).toBe(false);
    await expect(get('a')).rejects.toThrow();

    await server.comeBack();
    expect(server.port).toBe(port);
    expect(server.url).toBe(url);
    expect((await get('a')).metadata.name).toBe('a');
  });

  it('applies merge and JSON patches to annotations', async () => {
    await create(widget('a'));
    const patch = (body: unknown, options = mergePatch) =>
      custom.patchNamespacedCustomObject(
        {
          group: GROUP,
          version: 'v1',
          namespace: 'team-a',
          plural: 'widgets',
          name: 'a',
          body,
        },
        options,
      );
    const merged = await patch({
      metadata: { annotations: { 'reconcile.fluxcd.io/requestedAt': 'now' } },
    });
    expect(merged.metadata.annotations).toEqual({
      'reconcile.fluxcd.io/requestedAt': 'now',
    });
    expect(merged.metadata.generation).toBe(1);

    const patched = await patch(
      [
        {
          op: 'add',
          path: '/metadata/annotations/example.com~1owner',
          value: 'team-a',
        },
        {
          op: 'remove',
          path: '/metadata/annotations/reconcile.fluxcd.io~1requestedAt',
        },
      ],
      jsonPatch,
    );
    expect(patched.metadata.annotations).toEqual({
      'example.com/owner': 'team-a',
    });

    expect(
      await failure(
        patch(
          [
            {
              op: 'test',
              path: '/metadata/annotations/example.com~1owner',
              value: 'nobody',
            },
          ],
          jsonPatch,
        ),
      ),
    ).toMatchObject({ code: 422, body: { reason: 'Invalid' } });
    expect(
      await failure(
        patch(
          { metadata: { annotations: { a: 'b' } } },
          setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
        ),
      ),
    ).toMatchObject({ code: 415, body: { reason: 'UnsupportedMediaType' } });
    expect(
      await failure(
        patch({ metadata: { resourceVersion: '1', annotations: { a: 'b' } } }),
      ),
    ).toMatchObject({ code: 409, body: { reason: 'Conflict' } });

    // Built-in kinds accept strategic merge patch.
    await core.createNamespacedConfigMap({
      namespace: 'team-a',
      body: { metadata: { name: 'cm' }, data: { a: '1' } },
    });
    const configMap = await core.patchNamespacedConfigMap(
      { namespace: 'team-a', name: 'cm', body: { data: { b: '2' } } },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
    expect(configMap.data).toEqual({ a: '1', b: '2' });
  });

  it('rejects a stale resourceVersion on update with 409 Conflict', async () => {
    const created = await create(widget('a'));
    const updated = await custom.replaceNamespacedCustomObject({
      group: GROUP,
      version: 'v1',
      namespace: 'team-a',
      plural: 'widgets',
      name: 'a',
      body: { ...created, spec: { size: 5 } },
    });
    expect(updated.metadata.generation).toBe(2);
    expect(Number(updated.metadata.resourceVersion)).toBeGreaterThan(
      Number(created.metadata.resourceVersion),
    );

    const stale = await failure(
      custom.replaceNamespacedCustomObject({
        group: GROUP,
        version: 'v1',
        namespace: 'team-a',
        plural: 'widgets',
        name: 'a',
        body: { ...created, spec: { size: 6 } },
      }),
    );
    expect(stale).toMatchObject({
      code: 409,
      body: {
        reason: 'Conflict',
        message: `Operation cannot be fulfilled on widgets.${GROUP} "a": the object has been modified; please apply your changes to the latest version and try again`,
      },
    });

    // Unchanged writes keep the resourceVersion and send no watch event.
    const again = await custom.replaceNamespacedCustomObject({
      group: GROUP,
      version: 'v1',
      namespace: 'team-a',
      plural: 'widgets',
      name: 'a',
      body: updated,
    });
    expect(again.metadata.resourceVersion).toBe(
      updated.metadata.resourceVersion,
    );
  });

  it('keeps spec and status apart through the status subresource', async () => {
    const created = await create(widget('a', { status: { phase: 'Ignored' } }));
    expect(created.status).toBeUndefined();

    const withStatus = await custom.replaceNamespacedCustomObjectStatus({
      group: GROUP,
      version: 'v1',
      namespace: 'team-a',
      plural: 'widgets',
      name: 'a',
      body: { ...created, spec: { size: 99 }, status: { phase: 'Ready' } },
    });
    expect(withStatus.status).toEqual({ phase: 'Ready' });
    expect(withStatus.spec).toEqual({ size: 1 });
    expect(withStatus.metadata.generation).toBe(1);

    const mainWrite = await custom.replaceNamespacedCustomObject({
      group: GROUP,
      version: 'v1',
      namespace: 'team-a',
      plural: 'widgets',
      name: 'a',
      body: {
        ...withStatus,
        spec: { size: 2 },
        status: { phase: 'Overwritten' },
      },
    });
    expect(mainWrite.status).toEqual({ phase: 'Ready' });
    expect(mainWrite.metadata.generation).toBe(2);

    const statusPatch = await custom.patchNamespacedCustomObjectStatus(
      {
        group: GROUP,
        version: 'v1',
        namespace: 'team-a',
        plural: 'widgets',
        name: 'a',
        body: { status: { observedGeneration: 2 } },
      },
      mergePatch,
    );
    expect(statusPatch.status).toEqual({
      phase: 'Ready',
      observedGeneration: 2,
    });
    expect(statusPatch.metadata.generation).toBe(2);

    // The same object is served at every served version of the resource.
    const beta = await custom.getNamespacedCustomObject({
      group: GROUP,
      version: 'v1beta1',
      namespace: 'team-a',
      plural: 'widgets',
      name: 'a',
    });
    expect(beta.apiVersion).toBe(`${GROUP}/v1beta1`);
    expect(beta.spec).toEqual({ size: 2 });
  });

  it('requires the bearer token when one is set', async () => {
    const anonymous = kubeConfigFor(server, { token: null }).makeApiClient(
      CoreV1Api,
    );
    expect((await failure(anonymous.listNamespace())).code).toBe(401);
    const raw = await fetch(`${server.url}/api/v1/namespaces`);
    expect(raw.status).toBe(401);
    expect(await raw.json()).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'Unauthorized',
      reason: 'Unauthorized',
      code: 401,
    });
    const wrong = kubeConfigFor(server, { token: 'wrong' }).makeApiClient(
      CoreV1Api,
    );
    expect((await failure(wrong.listNamespace())).code).toBe(401);
    expect((await core.listNamespace()).items.length).toBeGreaterThan(0);
    const health = await fetch(`${server.url}/readyz`);
    expect(await health.text()).toBe('ok');
  });

  it('honours finalizers and delete preconditions', async () => {
    await create(
      widget('a', { metadata: { finalizers: ['example.com/cleanup'] } }),
    );
    const recorder = await watch();
    await recorder.waitForEvents(1);
    const deleted = await custom.deleteNamespacedCustomObject({
      group: GROUP,
      version: 'v1',
      namespace: 'team-a',
      plural: 'widgets',
      name: 'a',
    });
    expect(deleted.metadata.deletionTimestamp).toBeTruthy();
    expect((await get('a')).metadata.deletionTimestamp).toBeTruthy();

    await custom.patchNamespacedCustomObject(
      {
        group: GROUP,
        version: 'v1',
        namespace: 'team-a',
        plural: 'widgets',
        name: 'a',
        body: { metadata: { finalizers: null } },
      },
      mergePatch,
    );
    await recorder.waitForEvents(3);
    expect(recorder.summary).toEqual(['ADDED a', 'MODIFIED a', 'DELETED a']);
    expect((await failure(get('a'))).code).toBe(404);

    await create(widget('b'));
    expect(
      await failure(
        custom.deleteNamespacedCustomObject({
          group: GROUP,
          version: 'v1',
          namespace: 'team-a',
          plural: 'widgets',
          name: 'b',
          body: { preconditions: { uid: 'not-the-uid' } },
        }),
      ),
    ).toMatchObject({ code: 409, body: { reason: 'Conflict' } });

    // Deleting a namespace deletes its contents.
    await core.deleteNamespace({ name: 'team-a' });
    await waitFor(
      () =>
        !server.store.get({
          apiVersion: 'v1',
          kind: 'Namespace',
          name: 'team-a',
        }),
    );
    expect(
      server.store.list({ apiVersion: `${GROUP}/v1`, kind: 'Widget' }),
    ).toEqual([]);
  });

  it('sends bookmarks to watches that allow them', async () => {
    await create(widget('a'));
    const recorder = await watch({
      allowWatchBookmarks: true,
      resourceVersion: '0',
    });
    await recorder.waitForEvents(1);
    server.sendBookmarks();
    await recorder.waitForEvents(2);
    expect(recorder.events[1]).toMatchObject({
      type: 'BOOKMARK',
      object: {
        kind: 'Widget',
        metadata: { resourceVersion: server.store.resourceVersion },
      },
    });
  });

  it('renders Tables for server-side printing', async () => {
    await create(widget('a'));
    const response = await fetch(`${server.url}${WIDGETS_PATH}`, {
      headers: {
        Authorization: 'Bearer secret-token',
        Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json',
      },
    });
    const table = await response.json();
    expect(table).toMatchObject({
      kind: 'Table',
      apiVersion: 'meta.k8s.io/v1',
      columnDefinitions: [
        { name: 'Name', format: 'name' },
        { name: 'Age', type: 'date' },
      ],
      rows: [
        {
          cells: ['a', expect.stringMatching(/^\d+s$/)],
          object: { kind: 'PartialObjectMetadata' },
        },
      ],
    });
  });

  it('finds kinds through discovery for the generic object client', async () => {
    await create(widget('a'));
    const objects = KubernetesObjectApi.makeApiClient(kubeConfig);
    const read = await objects.read({
      apiVersion: `${GROUP}/v1`,
      kind: 'Widget',
      metadata: { name: 'a', namespace: 'team-a' },
    });
    expect(read.metadata?.uid).toBeTruthy();
  });

  it('delays responses when latency is set', async () => {
    server.setLatency(150);
    const started = Date.now();
    await core.listNamespace();
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });
});

describe('TestKubernetesApiServer over HTTPS', () => {
  let server: TestKubernetesApiServer;

  beforeAll(async () => {
    server = await startTestKubernetesApiServer({
      token: 'tls-token',
      tls: {
        key: TEST_CERTIFICATES.serverKey,
        cert: TEST_CERTIFICATES.serverCert,
        ca: TEST_CERTIFICATES.ca,
      },
    });
  });

  afterAll(() => server.stop());

  it('accepts a client certificate or the token, and nothing else', async () => {
    expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const withCertificate = kubeConfigFor(server, {
      token: null,
      clientCertificate: {
        cert: TEST_CERTIFICATES.clientCert,
        key: TEST_CERTIFICATES.clientKey,
      },
    }).makeApiClient(CoreV1Api);
    expect(
      (await withCertificate.listNamespace()).items.length,
    ).toBeGreaterThan(0);

    const withToken = kubeConfigFor(server).makeApiClient(CoreV1Api);
    expect(
      (await withToken.readNamespace({ name: 'default' })).metadata?.name,
    ).toBe('default');

    const anonymous = kubeConfigFor(server, { token: null }).makeApiClient(
      CoreV1Api,
    );
    expect((await failure(anonymous.listNamespace())).code).toBe(401);
  });
});
