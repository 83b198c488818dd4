import {
  registerFluxResources,
  SimulatedFluxController,
  startSimulatedFluxController,
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

const KS = {
  apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
  kind: 'Kustomization',
  namespace: 'flux-system',
};
const APPS = '/objects/prod/Kustomization/flux-system/apps';

describe('acting on Flux objects', () => {
  let server: TestKubernetesApiServer;
  let controller: SimulatedFluxController;
  let flux: FluxTestBackend;
  const denied = new Set<string>();

  function storedApps() {
    return server.store.require({ ...KS, name: 'apps' });
  }

  beforeAll(async () => {
    server = await startTestKubernetesApiServer({ token: CLUSTER_TOKEN });
    registerFluxResources(server);
    server.store.create({
      apiVersion: 'source.toolkit.fluxcd.io/v1',
      kind: 'GitRepository',
      metadata: { name: 'flux-system', namespace: 'flux-system' },
      spec: {
        interval: '1m',
        url: 'https://example.com/fleet.git',
        ref: { branch: 'main' },
      },
    });
    server.store.create({
      apiVersion: 'source.toolkit.fluxcd.io/v1',
      kind: 'HelmRepository',
      metadata: { name: 'podinfo', namespace: 'flux-system' },
      spec: { interval: '1h', url: 'https://stefanprodan.github.io/podinfo' },
    });
    server.store.create({
      apiVersion: 'helm.toolkit.fluxcd.io/v2',
      kind: 'HelmRelease',
      metadata: { name: 'podinfo', namespace: 'flux-system' },
      spec: {
        interval: '5m',
        chart: {
          spec: {
            chart: 'podinfo',
            version: '6.x',
            sourceRef: { kind: 'HelmRepository', name: 'podinfo' },
          },
        },
      },
    });
    const { status, ...withoutStatus } = kustomization('apps');
    server.store.create(withoutStatus);
    controller = startSimulatedFluxController(server);
    flux = await startFluxTestBackend({
      clusters: [{ name: 'prod', server }],
      deniedPermissions: denied,
      reconcileTimeout: '2s',
    });
    await eventually(async () => {
      const { body } = await flux.get(APPS);
      if (body.ready !== 'True') throw new Error(`apps is not ready yet`);
    });
  });

  afterAll(async () => {
    await flux.stop();
    await controller.stop();
    await server.stop();
  });

  afterEach(() => {
    denied.clear();
    flux.auditEvents.length = 0;
  });

  it('reconciles on request and answers succeeded with the new lastHandledReconcileAt', async () => {
    const { body } = await flux.post(`${APPS}/reconcile`).expect(200);
    expect(body).toEqual(
      expect.objectContaining({
        outcome: 'succeeded',
        requestedAt: expect.stringMatching(
          /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/,
        ),
        object: expect.objectContaining({ name: 'apps', ready: 'True' }),
      }),
    );
    expect(body.lastHandledReconcileAt).toBe(body.requestedAt);
    expect(body.object.lastHandledReconcileAt).toBe(body.requestedAt);
    expect(
      storedApps().metadata.annotations?.['reconcile.fluxcd.io/requestedAt'],
    ).toBe(body.requestedAt);
    expect(flux.auditEvents).toEqual([
      expect.objectContaining({
        eventId: 'flux-resource-reconcile',
        outcome: 'success',
        meta: expect.objectContaining({
          cluster: 'prod',
          kind: 'Kustomization',
          name: 'apps',
        }),
      }),
    ]);
  });

  it('reconciles the source first when asked to', async () => {
    const { body } = await flux
      .post(`${APPS}/reconcile`, { withSource: true })
      .expect(200);
    expect(body.outcome).toBe('succeeded');
    expect(body.source).toEqual(
      expect.objectContaining({
        outcome: 'succeeded',
        object: expect.objectContaining({
          kind: 'GitRepository',
          name: 'flux-system',
        }),
      }),
    );
    expect(body.source.lastHandledReconcileAt).toBe(body.source.requestedAt);
    expect(body.source.requestedAt < body.requestedAt).toBe(true);
  });

  it("reconciles a HelmRelease's HelmChart first, as the flux CLI does", async () => {
    const { body } = await flux
      .post('/objects/prod/HelmRelease/flux-system/podinfo/reconcile', {
        withSource: true,
      })
      .expect(200);
    expect(body.outcome).toBe('succeeded');
    expect(body.source).toEqual(
      expect.objectContaining({
        outcome: 'succeeded',
        object: expect.objectContaining({
          kind: 'HelmChart',
          name: 'flux-system-podinfo',
        }),
      }),
    );
  });

  it("answers failed with Flux's Ready message when the reconcile fails", async () => {
    controller.failObject(
      { kind: 'Kustomization', name: 'apps' },
      { message: 'kustomize build failed: boom' },
    );
    try {
      const { body } = await flux.post(`${APPS}/reconcile`).expect(200);
      expect(body).toEqual(
        expect.objectContaining({
          outcome: 'failed',
          message: 'kustomize build failed: boom',
        }),
      );
      expect(body.object.status).toBe('notReady');
    } finally {
      controller.recoverObject({ kind: 'Kustomization', name: 'apps' });
    }
    await eventually(async () =>
      expect((await flux.get(APPS)).body.ready).toBe('True'),
    );
  });

  it('answers timedOut when Flux does not handle the request in time', async () => {
    await controller.stop();
    try {
      const { body } = await flux.post(`${APPS}/reconcile`).expect(200);
      expect(body.outcome).toBe('timedOut');
      expect(body.message).toMatch(/did not handle the request within 2000 ms/);
    } finally {
      controller.start();
    }
    await eventually(async () => {
      const stored = storedApps();
      expect((stored.status as any).lastHandledReconcileAt).toBe(
        stored.metadata.annotations?.['reconcile.fluxcd.io/requestedAt'],
      );
    });
  });

  it('asks a HelmRelease to force and reset with the same token', async () => {
    const { body } = await flux
      .post('/objects/prod/helmreleases/flux-system/podinfo/reconcile', {
        force: true,
        reset: true,
      })
      .expect(200);
    expect(body.outcome).toBe('succeeded');
    const release = server.store.require({
      apiVersion: 'helm.toolkit.fluxcd.io/v2',
      kind: 'HelmRelease',
      namespace: 'flux-system',
      name: 'podinfo',
    });
    expect(release.metadata.annotations).toEqual(
      expect.objectContaining({
        'reconcile.fluxcd.io/requestedAt': body.requestedAt,
        'reconcile.fluxcd.io/forceAt': body.requestedAt,
        'reconcile.fluxcd.io/resetAt': body.requestedAt,
      }),
    );
  });

  it('refuses force and reset on kinds other than HelmRelease', async () => {
    const { body } = await flux
      .post(`${APPS}/reconcile`, { force: true })
      .expect(400);
    expect(body.error.message).toMatch(/HelmRelease objects only/);
    await flux.post(`${APPS}/reconcile`, { force: 'yes' }).expect(400);
  });

  it('suspends recording who did it, then resumes, forgetting that and reconciling', async () => {
    const suspended = await flux.post(`${APPS}/suspend`).expect(200);
    expect(suspended.body).toEqual(
      expect.objectContaining({
        suspendedBy: 'user:default/alice',
        object: expect.objectContaining({
          suspended: true,
          status: 'suspended',
        }),
      }),
    );
    expect(storedApps().spec).toEqual(
      expect.objectContaining({ suspend: true }),
    );
    expect(storedApps().metadata.annotations).toEqual(
      expect.objectContaining({
        'hubbops.dev/suspended-by': 'user:default/alice',
        'hubbops.dev/suspended-at': suspended.body.suspendedAt,
      }),
    );
    await eventually(async () => {
      const { body } = await flux.get('/objects?status=suspended').expect(200);
      expect(body.items.map((o: FluxObjectSummary) => o.name)).toEqual([
        'apps',
      ]);
    });
    // Flux ignores reconcile requests on suspended objects; say so.
    await flux.post(`${APPS}/reconcile`).expect(409);

    const resumed = await flux.post(`${APPS}/resume`).expect(200);
    expect(resumed.body).toEqual(
      expect.objectContaining({
        outcome: 'succeeded',
        object: expect.objectContaining({ suspended: false }),
      }),
    );
    expect(resumed.body.lastHandledReconcileAt).toBe(resumed.body.requestedAt);
    const annotations = storedApps().metadata.annotations ?? {};
    expect(annotations['hubbops.dev/suspended-by']).toBeUndefined();
    expect(annotations['hubbops.dev/suspended-at']).toBeUndefined();
    expect(flux.auditEvents.map(e => [e.eventId, e.outcome])).toEqual([
      ['flux-resource-suspend', 'success'],
      ['flux-resource-reconcile', 'fail'],
      ['flux-resource-resume', 'success'],
    ]);
  });

  it('denies each action with 403 when its permission is denied, changing nothing', async () => {
    const before = storedApps().metadata.resourceVersion;
    denied.add('flux.resource.reconcile');
    denied.add('flux.resource.suspend');
    await flux.post(`${APPS}/reconcile`).expect(403);
    await flux.post(`${APPS}/suspend`).expect(403);
    await flux.post(`${APPS}/resume`).expect(403);
    expect(storedApps().metadata.resourceVersion).toBe(before);
    expect(flux.auditEvents.map(e => [e.eventId, e.outcome])).toEqual([
      ['flux-resource-reconcile', 'fail'],
      ['flux-resource-suspend', 'fail'],
      ['flux-resource-resume', 'fail'],
    ]);

    denied.add('flux.resource.read');
    await flux.get('/objects').expect(403);
    await flux.get('/clusters').expect(403);
  });

  it('lists the events Flux recorded about an object, newest first', async () => {
    await flux.post(`${APPS}/reconcile`).expect(200);
    const { body } = await flux.get(`${APPS}/events`).expect(200);
    expect(body.items.length).toBeGreaterThan(0);
    expect(body.items[0]).toEqual(
      expect.objectContaining({
        type: 'Normal',
        reportingController: 'kustomize-controller',
        message: expect.stringMatching(/Reconciliation finished/),
      }),
    );
    const times = body.items.map((e: { lastTimestamp: string }) =>
      Date.parse(e.lastTimestamp),
    );
    expect([...times].sort((a, b) => b - a)).toEqual(times);
  });

  it('reports the Flux controller versions running in the cluster', async () => {
    await eventually(async () => {
      const { body } = await flux.get('/clusters').expect(200);
      expect(body.items[0].health.fluxVersions).toEqual(
        expect.objectContaining({
          'kustomize-controller': 'v1.8.5',
          'helm-controller': 'v1.5.5',
        }),
      );
      expect(body.items[0].health.fluxRelease).toBe('v2.8.8');
    });
  });

  it('answers 404 for unknown clusters, kinds and objects', async () => {
    const { body } = await flux
      .post('/objects/nowhere/Kustomization/flux-system/apps/reconcile')
      .expect(404);
    expect(body.error.message).toMatch(/No cluster is named "nowhere"/);
    await flux
      .post('/objects/prod/Deployment/flux-system/apps/reconcile')
      .expect(404);
    await flux
      .post('/objects/prod/Kustomization/flux-system/missing/reconcile')
      .expect(404);
    await flux
      .get('/objects/prod/Kustomization/flux-system/missing')
      .expect(404);
  });
});
