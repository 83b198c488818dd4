import {
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { AddressInfo, createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  KubernetesObject,
  startTestKubernetesApiServer,
  TestKubernetesApiServer,
} from '../kubernetes';
import { Kubectl } from '../kubernetes/__testUtils__/Kubectl';
import { waitFor } from '../kubernetes/__testUtils__/waitFor';
import { WatchRecorder } from '../kubernetes/__testUtils__/WatchRecorder';
import { registerFluxResources } from './FluxResources';
import {
  SimulatedFluxController,
  startSimulatedFluxController,
} from './SimulatedFluxController';

const KS = {
  apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
  kind: 'Kustomization',
};
const GIT = {
  apiVersion: 'source.toolkit.fluxcd.io/v1',
  kind: 'GitRepository',
};
const OCI = {
  apiVersion: 'source.toolkit.fluxcd.io/v1',
  kind: 'OCIRepository',
};
const HR = { apiVersion: 'helm.toolkit.fluxcd.io/v2', kind: 'HelmRelease' };
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

function ready(object: KubernetesObject | undefined) {
  const conditions = (object?.status as any)?.conditions ?? [];
  return conditions.find((c: any) => c.type === 'Ready');
}

describe('SimulatedFluxController', () => {
  let server: TestKubernetesApiServer;
  let controller: SimulatedFluxController;
  let kubeConfig: KubeConfig;
  let custom: CustomObjectsApi;

  const appsRef = { ...KS, namespace: 'flux-system', name: 'apps' };
  const apps = () => server.store.get(appsRef)!;
  const gitRepository = () =>
    server.store.get({
      ...GIT,
      namespace: 'flux-system',
      name: 'flux-system',
    })!;
  const patchApps = (body: object) =>
    custom.patchNamespacedCustomObject(
      {
        group: 'kustomize.toolkit.fluxcd.io',
        version: 'v1',
        namespace: 'flux-system',
        plural: 'kustomizations',
        name: 'apps',
        body,
      },
      mergePatch,
    );
  const events = async (name: string) =>
    (
      await kubeConfig.makeApiClient(CoreV1Api).listNamespacedEvent({
        namespace: 'flux-system',
        fieldSelector: `involvedObject.name=${name}`,
      })
    ).items;

  beforeEach(async () => {
    server = await startTestKubernetesApiServer();
    registerFluxResources(server);
    kubeConfig = new KubeConfig();
    kubeConfig.loadFromString(server.kubeconfig());
    custom = kubeConfig.makeApiClient(CustomObjectsApi);
    server.store.create({
      ...GIT,
      metadata: { name: 'flux-system', namespace: 'flux-system' },
      spec: {
        url: 'https://github.com/example/fleet',
        interval: '1m',
        ref: { branch: 'main' },
      },
    });
    server.store.create({
      ...KS,
      metadata: { name: 'apps', namespace: 'flux-system' },
      spec: {
        interval: '10m',
        path: './apps',
        prune: true,
        sourceRef: { kind: 'GitRepository', name: 'flux-system' },
      },
    });
    controller = startSimulatedFluxController(server, { reconcileDelayMs: 5 });
    await waitFor(() => ready(apps())?.status === 'True');
  });

  afterEach(async () => {
    await controller.stop();
    await server.stop();
  });

  it('reconciles new objects to Ready with the source revision', async () => {
    const revision = (gitRepository().status as any).artifact.revision;
    expect(revision).toMatch(/^main@sha1:[0-9a-f]{40}$/);
    expect(ready(gitRepository())).toMatchObject({
      status: 'True',
      reason: 'Succeeded',
      message: `stored artifact for revision '${revision}'`,
    });
    expect(apps().metadata.finalizers).toEqual(['finalizers.fluxcd.io']);
    expect(apps().status).toMatchObject({
      observedGeneration: 1,
      lastAppliedRevision: revision,
      lastAttemptedRevision: revision,
      inventory: { entries: [] },
    });
    expect(ready(apps())).toMatchObject({
      status: 'True',
      reason: 'ReconciliationSucceeded',
      message: `Applied revision: ${revision}`,
      observedGeneration: 1,
      lastTransitionTime: expect.stringMatching(/Z$/),
    });
    expect(
      (apps().status as any).conditions.map((c: any) => c.type),
    ).not.toContain('Reconciling');
  });

  it('shows Reconciling before Ready to watchers, and bumps observedGeneration on spec changes', async () => {
    const recorder = await WatchRecorder.start(
      kubeConfig,
      '/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/flux-system/kustomizations',
      { resourceVersion: apps().metadata.resourceVersion! },
    );
    try {
      await patchApps({ spec: { path: './apps/production' } });
      await waitFor(() =>
        recorder.events.some(
          e =>
            e.object.status?.observedGeneration === 2 &&
            ready(e.object)?.status === 'True',
        ),
      );
      const states = recorder.events.map(e => ready(e.object)?.status);
      expect(states).toEqual(expect.arrayContaining(['Unknown', 'True']));
      expect(states.indexOf('Unknown')).toBeLessThan(
        states.lastIndexOf('True'),
      );
      const progressing = recorder.events.find(
        e => ready(e.object)?.status === 'Unknown',
      )!.object;
      expect(progressing.status.conditions).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            type: 'Reconciling',
            status: 'True',
            reason: 'Progressing',
          }),
          expect.objectContaining({
            type: 'Ready',
            reason: 'Progressing',
            message: 'Reconciliation in progress',
          }),
        ]),
      );
    } finally {
      recorder.stop();
    }
  });

  it('handles a reconcile request and records it in lastHandledReconcileAt', async () => {
    const before = (await events('apps')).length;
    await patchApps({
      metadata: {
        annotations: {
          'reconcile.fluxcd.io/requestedAt': '2025-06-01T10:00:00Z',
        },
      },
    });
    await waitFor(
      () =>
        (apps().status as any).lastHandledReconcileAt ===
        '2025-06-01T10:00:00Z',
    );
    expect(ready(apps())).toMatchObject({
      status: 'True',
      reason: 'ReconciliationSucceeded',
    });
    await controller.waitForIdle();
    const after = await events('apps');
    const counted = after.reduce((sum, event) => sum + (event.count ?? 1), 0);
    expect(counted).toBeGreaterThan(before);

    const token = controller.requestReconcile({
      kind: 'Kustomization',
      name: 'apps',
    });
    await waitFor(
      () => (apps().status as any).lastHandledReconcileAt === token,
    );
  });

  it('ignores reconcile requests for suspended objects', async () => {
    await patchApps({ spec: { suspend: true } });
    await controller.waitForIdle();
    const suspended = apps();
    await patchApps({
      metadata: {
        annotations: { 'reconcile.fluxcd.io/requestedAt': 'ignored' },
      },
    });
    await new Promise(resolve => setTimeout(resolve, 50));
    await controller.waitForIdle();
    expect(apps().status).toEqual(suspended.status);
    expect((apps().status as any).lastHandledReconcileAt).toBeUndefined();
    expect((apps().status as any).observedGeneration).toBe(1);

    await patchApps({ spec: { suspend: false } });
    await waitFor(
      () => (apps().status as any).lastHandledReconcileAt === 'ignored',
    );
  });

  it('fails objects on request, and recovers them', async () => {
    controller.failObject(
      { kind: 'Kustomization', name: 'apps' },
      {
        reason: 'HealthCheckFailed',
        message:
          'timeout waiting for: [Deployment/default/podinfo status: InProgress]',
      },
    );
    await waitFor(() => ready(apps())?.status === 'False');
    expect(ready(apps())).toMatchObject({
      reason: 'HealthCheckFailed',
      message:
        'timeout waiting for: [Deployment/default/podinfo status: InProgress]',
    });
    expect((apps().status as any).conditions).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          type: 'Reconciling',
          reason: 'ProgressingWithRetry',
        }),
      ]),
    );
    await controller.waitForIdle();
    const warning = (await events('apps')).find(e => e.type === 'Warning');
    expect(warning).toMatchObject({
      reason: 'HealthCheckFailed',
      source: { component: 'kustomize-controller' },
      involvedObject: {
        kind: 'Kustomization',
        name: 'apps',
        namespace: 'flux-system',
      },
    });

    controller.recoverObject({ kind: 'Kustomization', name: 'apps' });
    await waitFor(() => ready(apps())?.status === 'True');

    controller.failObject(
      { kind: 'GitRepository', name: 'flux-system' },
      { stalled: true },
    );
    await waitFor(() => ready(gitRepository())?.status === 'False');
    expect((gitRepository().status as any).conditions).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          type: 'Stalled',
          status: 'True',
          reason: 'GitOperationFailed',
        }),
        expect.objectContaining({ type: 'FetchFailed', status: 'True' }),
      ]),
    );
  });

  it('fails objects annotated by demo seeds', async () => {
    server.store.create({
      ...KS,
      metadata: {
        name: 'broken',
        namespace: 'flux-system',
        annotations: {
          'testkit.hubbops.io/fail-reason': 'BuildFailed',
          'testkit.hubbops.io/fail-message': 'kustomization.yaml not found',
        },
      },
      spec: {
        interval: '10m',
        path: './broken',
        sourceRef: { kind: 'GitRepository', name: 'flux-system' },
      },
    });
    await waitFor(
      () =>
        ready(
          server.store.get({ ...KS, namespace: 'flux-system', name: 'broken' }),
        )?.status === 'False',
    );
    expect(
      ready(
        server.store.get({ ...KS, namespace: 'flux-system', name: 'broken' }),
      ),
    ).toMatchObject({
      reason: 'BuildFailed',
      message: 'kustomization.yaml not found',
    });
  });

  it('cascades a new source revision to the Kustomizations using it', async () => {
    const revision = 'main@sha1:1111111111111111111111111111111111111111';
    controller.setSourceRevision(
      { kind: 'GitRepository', name: 'flux-system' },
      revision,
    );
    await waitFor(
      () => (apps().status as any).lastAppliedRevision === revision,
    );
    expect((gitRepository().status as any).artifact.revision).toBe(revision);
    expect(ready(apps())?.message).toBe(`Applied revision: ${revision}`);
    await controller.waitForIdle();
    expect((await events('flux-system')).map(e => e.reason)).toContain(
      'NewArtifact',
    );
    const finished = (await events('apps')).find(
      e =>
        e.metadata?.annotations?.['kustomize.toolkit.fluxcd.io/revision'] ===
        revision,
    );
    expect(finished).toMatchObject({
      type: 'Normal',
      reason: 'ReconciliationSucceeded',
      message: expect.stringMatching(
        /^Reconciliation finished in .+, next run in 10m0s$/,
      ),
      reportingComponent: 'kustomize-controller',
    });
  });

  it('reports the inventory it is given', async () => {
    controller.setInventory({ kind: 'Kustomization', name: 'apps' }, [
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        namespace: 'default',
        name: 'podinfo',
      },
      { apiVersion: 'v1', kind: 'Namespace', name: 'podinfo' },
    ]);
    await waitFor(() => (apps().status as any).inventory.entries.length === 2);
    expect((apps().status as any).inventory.entries).toEqual([
      { id: 'default_podinfo_apps_Deployment', v: 'v1' },
      { id: '_podinfo__Namespace', v: 'v1' },
    ]);
  });

  it('installs and upgrades HelmReleases, honouring force and reset requests', async () => {
    server.store.create({
      ...OCI,
      metadata: { name: 'podinfo', namespace: 'flux-system' },
      spec: {
        url: 'oci://ghcr.io/stefanprodan/charts/podinfo',
        interval: '10m',
        ref: { tag: '6.5.4' },
      },
    });
    server.store.create({
      ...HR,
      metadata: { name: 'podinfo', namespace: 'flux-system' },
      spec: {
        interval: '10m',
        chartRef: { kind: 'OCIRepository', name: 'podinfo' },
        values: { replicaCount: 2 },
      },
    });
    const release = () =>
      server.store.get({ ...HR, namespace: 'flux-system', name: 'podinfo' })!;
    await waitFor(() => ready(release())?.status === 'True');
    expect(ready(release())).toMatchObject({
      reason: 'InstallSucceeded',
      message:
        'Helm install succeeded for release flux-system/podinfo.v1 with chart podinfo@6.5.4',
    });
    expect(release().status).toMatchObject({
      lastAttemptedRevision: '6.5.4',
      lastAttemptedReleaseAction: 'install',
      history: [
        {
          version: 1,
          status: 'deployed',
          chartName: 'podinfo',
          chartVersion: '6.5.4',
        },
      ],
    });

    controller.setSourceRevision(
      { kind: 'OCIRepository', name: 'podinfo' },
      `6.6.0@sha256:${'a'.repeat(64)}`,
    );
    await waitFor(
      () => (release().status as any).lastAttemptedRevision === '6.6.0',
    );
    expect(ready(release())?.reason).toBe('UpgradeSucceeded');
    expect(
      (release().status as any).history.map((h: any) => [h.version, h.status]),
    ).toEqual([
      [2, 'deployed'],
      [1, 'superseded'],
    ]);

    const token = controller.requestReconcile(
      { kind: 'HelmRelease', name: 'podinfo' },
      { force: true, reset: true },
    );
    await waitFor(() => (release().status as any).lastHandledForceAt === token);
    expect(release().status).toMatchObject({
      lastHandledReconcileAt: token,
      lastHandledResetAt: token,
    });
    expect((release().status as any).history[0].version).toBe(3);

    // A force token that differs from requestedAt is not honoured.
    await custom.patchNamespacedCustomObject(
      {
        group: 'helm.toolkit.fluxcd.io',
        version: 'v2',
        namespace: 'flux-system',
        plural: 'helmreleases',
        name: 'podinfo',
        body: {
          metadata: {
            annotations: {
              'reconcile.fluxcd.io/requestedAt': 'r2',
              'reconcile.fluxcd.io/forceAt': 'other',
            },
          },
        },
      },
      mergePatch,
    );
    await waitFor(
      () => (release().status as any).lastHandledReconcileAt === 'r2',
    );
    expect((release().status as any).lastHandledForceAt).toBe(token);
  });

  it('removes its finalizer so that deleted objects go away', async () => {
    await custom.deleteNamespacedCustomObject({
      group: 'kustomize.toolkit.fluxcd.io',
      version: 'v1',
      namespace: 'flux-system',
      plural: 'kustomizations',
      name: 'apps',
    });
    await waitFor(() => server.store.get(appsRef) === undefined);
    expect(server.store.get(appsRef)).toBeUndefined();
  });

  it('runs the Flux controller Deployments and keeps a FluxReport', async () => {
    const deployments = await kubeConfig
      .makeApiClient(AppsV1Api)
      .listNamespacedDeployment({ namespace: 'flux-system' });
    const images = Object.fromEntries(
      deployments.items.map(d => [
        d.metadata!.name,
        d.spec!.template.spec!.containers[0].image,
      ]),
    );
    expect(images).toMatchObject({
      'source-controller': 'ghcr.io/fluxcd/source-controller:v1.8.5',
      'kustomize-controller': 'ghcr.io/fluxcd/kustomize-controller:v1.8.5',
      'helm-controller': 'ghcr.io/fluxcd/helm-controller:v1.5.5',
      'notification-controller':
        'ghcr.io/fluxcd/notification-controller:v1.8.4',
      'image-reflector-controller':
        'ghcr.io/fluxcd/image-reflector-controller:v1.1.2',
      'image-automation-controller':
        'ghcr.io/fluxcd/image-automation-controller:v1.1.4',
    });
    expect(deployments.items[0].metadata!.labels).toMatchObject({
      'app.kubernetes.io/part-of': 'flux',
      'app.kubernetes.io/version': 'v2.8.8',
    });

    const reportRef = {
      apiVersion: 'fluxcd.controlplane.io/v1',
      kind: 'FluxReport',
      namespace: 'flux-system',
      name: 'flux',
    };
    await waitFor(() => ready(server.store.get(reportRef))?.status === 'True');
    await controller.waitForIdle();
    const report = server.store.get(reportRef)!;
    expect(report.spec).toMatchObject({
      distribution: { version: 'v2.8.8', status: 'Installed' },
      reconcilers: expect.arrayContaining([
        {
          apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
          kind: 'Kustomization',
          stats: { failing: 0, running: 1, suspended: 0 },
        },
      ]),
    });
  });

  it('handles `kubectl annotate` reconcile requests like `flux reconcile`', async () => {
    const kubectl = new Kubectl(server.kubeconfig());
    try {
      await kubectl.ok(
        'annotate',
        '--overwrite',
        '-n',
        'flux-system',
        'kustomization/apps',
        'reconcile.fluxcd.io/requestedAt=from-kubectl',
      );
      await waitFor(
        () => (apps().status as any).lastHandledReconcileAt === 'from-kubectl',
      );
      const output = await kubectl.ok(
        'get',
        'kustomization',
        'apps',
        '-n',
        'flux-system',
        '-o',
        'jsonpath={.status.lastHandledReconcileAt}',
      );
      expect(output).toBe('from-kubectl');
      // describe lists the events Flux emitted for the object.
      const description = await kubectl.ok(
        'describe',
        'kustomization',
        'apps',
        '-n',
        'flux-system',
      );
      expect(description).toMatch(
        /Normal\s+ReconciliationSucceeded\s+.*kustomize-controller\s+Reconciliation finished in/,
      );
    } finally {
      kubectl.dispose();
    }
  });
});

describe('SimulatedFluxController on legacy Flux APIs', () => {
  it('writes pre-2.0 revisions and v2beta1 HelmRelease status', async () => {
    const server = await startTestKubernetesApiServer();
    registerFluxResources(server, { generation: 'legacy' });
    const controller = startSimulatedFluxController(server, {
      generation: 'legacy',
      reconcileDelayMs: 5,
    });
    try {
      server.store.create({
        apiVersion: 'source.toolkit.fluxcd.io/v1beta2',
        kind: 'GitRepository',
        metadata: { name: 'fleet', namespace: 'flux-system' },
        spec: {
          url: 'https://github.com/example/fleet',
          interval: '1m',
          ref: { branch: 'main' },
        },
      });
      server.store.create({
        apiVersion: 'kustomize.toolkit.fluxcd.io/v1beta2',
        kind: 'Kustomization',
        metadata: { name: 'apps', namespace: 'flux-system' },
        spec: {
          interval: '10m',
          path: './apps',
          prune: true,
          sourceRef: { kind: 'GitRepository', name: 'fleet' },
        },
      });
      server.store.create({
        apiVersion: 'source.toolkit.fluxcd.io/v1beta2',
        kind: 'HelmRepository',
        metadata: { name: 'podinfo', namespace: 'flux-system' },
        spec: { url: 'https://stefanprodan.github.io/podinfo', interval: '1h' },
      });
      server.store.create({
        apiVersion: 'helm.toolkit.fluxcd.io/v2beta1',
        kind: 'HelmRelease',
        metadata: { name: 'podinfo', namespace: 'flux-system' },
        spec: {
          interval: '10m',
          chart: {
            spec: {
              chart: 'podinfo',
              version: '6.3.0',
              sourceRef: { kind: 'HelmRepository', name: 'podinfo' },
            },
          },
        },
      });
      const ks = () =>
        server.store.get({
          apiVersion: 'kustomize.toolkit.fluxcd.io/v1beta2',
          kind: 'Kustomization',
          namespace: 'flux-system',
          name: 'apps',
        });
      const hr = () =>
        server.store.get({
          apiVersion: 'helm.toolkit.fluxcd.io/v2beta1',
          kind: 'HelmRelease',
          namespace: 'flux-system',
          name: 'podinfo',
        });
      await waitFor(
        () => ready(ks())?.status === 'True' && ready(hr())?.status === 'True',
      );
      expect((ks()!.status as any).lastAppliedRevision).toMatch(
        /^main\/[0-9a-f]{40}$/,
      );
      expect(ready(hr())).toMatchObject({
        reason: 'ReconciliationSucceeded',
        message: 'Release reconciliation succeeded',
      });
      expect(hr()!.status).toMatchObject({
        lastAppliedRevision: '6.3.0',
        lastReleaseRevision: 1,
        helmChart: 'flux-system/flux-system-podinfo',
      });
      // A plain reconcile request does not make a new Helm release.
      const token = controller.requestReconcile({
        kind: 'HelmRelease',
        name: 'podinfo',
      });
      await waitFor(
        () => (hr()!.status as any).lastHandledReconcileAt === token,
      );
      expect((hr()!.status as any).lastReleaseRevision).toBe(1);
      const image = server.store.get({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        namespace: 'flux-system',
        name: 'helm-controller',
      });
      expect((image?.spec as any).template.spec.containers[0].image).toBe(
        'ghcr.io/fluxcd/helm-controller:v0.31.2',
      );
    } finally {
      await controller.stop();
      await server.stop();
    }
  });
});

describe('SimulatedFluxController with real git sources', () => {
  let server: TestKubernetesApiServer;
  let controller: SimulatedFluxController;
  let root: string;
  let bare: string;
  let work: string;

  const git = (args: string[], cwd?: string) =>
    execFileSync('git', args, {
      cwd,
      encoding: 'utf8',
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 'Test',
        GIT_AUTHOR_EMAIL: 'test@example.com',
        GIT_COMMITTER_NAME: 'Test',
        GIT_COMMITTER_EMAIL: 'test@example.com',
      },
    }).trim();
  /** Commits a file to `main` and pushes it to the bare repository. */
  const commit = async (file: string, content: string) => {
    await mkdir(dirname(join(work, file)), { recursive: true });
    await writeFile(join(work, file), content);
    git(['add', '-A'], work);
    git(['commit', '--quiet', '-m', `write ${file}`], work);
    git(['push', '--quiet', 'origin', 'HEAD:main'], work);
    return git(['rev-parse', 'HEAD'], work);
  };
  const repo = (name: string) =>
    server.store.get({ ...GIT, namespace: 'flux-system', name });
  const ks = (name: string) =>
    server.store.get({ ...KS, namespace: 'flux-system', name });
  const createSource = (name: string, url: string, ref: object) =>
    server.store.create({
      ...GIT,
      metadata: { name, namespace: 'flux-system' },
      spec: { url, interval: '1m', ref },
    });

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'flux-git-'));
    bare = join(root, 'fleet.git');
    work = join(root, 'work');
    git(['init', '--quiet', '--bare', '-b', 'main', bare]);
    git(['init', '--quiet', '-b', 'main', work]);
    git(['remote', 'add', 'origin', bare], work);
    server = await startTestKubernetesApiServer();
    registerFluxResources(server);
  });

  afterEach(async () => {
    await controller?.stop();
    await server.stop();
    await rm(root, { recursive: true, force: true });
  });

  it('resolves the branch with git ls-remote and follows pushes on request', async () => {
    const first = await commit('apps/shop/deployment.yaml', 'kind: List\n');
    createSource('fleet', `file://${bare}`, { branch: 'main' });
    server.store.create({
      ...KS,
      metadata: { name: 'shop', namespace: 'flux-system' },
      spec: {
        interval: '10m',
        path: './apps/shop',
        prune: true,
        sourceRef: { kind: 'GitRepository', name: 'fleet' },
      },
    });
    controller = startSimulatedFluxController(server, {
      reconcileDelayMs: 5,
      gitSources: true,
    });
    await waitFor(
      () =>
        (ks('shop')?.status as any)?.lastAppliedRevision ===
        `main@sha1:${first}`,
      10_000,
    );
    expect(ready(repo('fleet'))).toMatchObject({
      status: 'True',
      message: `stored artifact for revision 'main@sha1:${first}'`,
    });

    const second = await commit('apps/shop/service.yaml', 'kind: List\n');
    const token = controller.requestReconcile({
      kind: 'GitRepository',
      name: 'fleet',
    });
    await waitFor(
      () =>
        (repo('fleet')?.status as any)?.lastHandledReconcileAt === token &&
        (ks('shop')?.status as any)?.lastAppliedRevision ===
          `main@sha1:${second}`,
      10_000,
    );
    expect(ready(ks('shop'))).toMatchObject({
      status: 'True',
      message: `Applied revision: main@sha1:${second}`,
    });
  });

  it('resolves tags, and picks up pushes on its interval', async () => {
    const first = await commit('README.md', 'one');
    git(['tag', '-a', '-m', 'release', 'v1.0.0'], work);
    git(['push', '--quiet', 'origin', 'v1.0.0'], work);
    createSource('tagged', `file://${bare}`, { tag: 'v1.0.0' });
    createSource('fleet', `file://${bare}`, { branch: 'main' });
    controller = startSimulatedFluxController(server, {
      reconcileDelayMs: 5,
      gitSources: true,
      gitIntervalMs: 50,
    });
    await waitFor(
      () =>
        (repo('tagged')?.status as any)?.artifact?.revision ===
        `v1.0.0@sha1:${first}`,
      10_000,
    );
    const second = await commit('README.md', 'two');
    await waitFor(
      () =>
        (repo('fleet')?.status as any)?.artifact?.revision ===
        `main@sha1:${second}`,
      10_000,
    );
    // Nobody asked: the interval fetched it. The tag did not move.
    expect(
      repo('fleet')!.metadata.annotations?.['reconcile.fluxcd.io/requestedAt'],
    ).toBeUndefined();
    expect((repo('tagged')!.status as any).artifact.revision).toBe(
      `v1.0.0@sha1:${first}`,
    );
  });

  it("fails the source with Flux's git errors, and recovers once the branch exists", async () => {
    await commit('README.md', 'one');
    const missingRepo = `file://${join(root, 'missing.git')}`;
    createSource('missing', missingRepo, { branch: 'main' });
    createSource('fleet', `file://${bare}`, { branch: 'release' });
    controller = startSimulatedFluxController(server, {
      reconcileDelayMs: 5,
      gitSources: true,
    });
    await waitFor(
      () =>
        ready(repo('missing'))?.status === 'False' &&
        ready(repo('fleet'))?.status === 'False',
      10_000,
    );
    expect(ready(repo('missing'))).toMatchObject({
      reason: 'GitOperationFailed',
      message: expect.stringMatching(
        new RegExp(
          `^failed to checkout and determine revision: unable to clone '${missingRepo}': .*does not appear to be a git repository`,
        ),
      ),
    });
    expect(ready(repo('fleet'))).toMatchObject({
      reason: 'GitOperationFailed',
      message: `failed to checkout and determine revision: unable to clone 'file://${bare}': couldn't find remote ref "refs/heads/release"`,
    });

    git(['push', '--quiet', 'origin', 'HEAD:release'], work);
    const sha = git(['rev-parse', 'HEAD'], work);
    controller.requestReconcile({ kind: 'GitRepository', name: 'fleet' });
    await waitFor(() => ready(repo('fleet'))?.status === 'True', 10_000);
    expect((repo('fleet')?.status as any).artifact.revision).toBe(
      `release@sha1:${sha}`,
    );
  });

  it('reports the inventory kubectl kustomize builds from spec.path at the commit', async () => {
    await commit(
      'apps/shop/deployment.yaml',
      'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: shop\n',
    );
    await commit(
      'apps/shop/nested/service.yaml',
      'apiVersion: v1\nkind: Service\nmetadata:\n  name: shop\n',
    );
    const sha = await commit('apps/shop/notes.yaml', 'just: notes\n');
    createSource('fleet', `file://${bare}`, { branch: 'main' });
    server.store.create({
      ...KS,
      metadata: { name: 'shop', namespace: 'flux-system' },
      spec: {
        interval: '10m',
        path: './apps/shop',
        prune: true,
        targetNamespace: 'shop',
        sourceRef: { kind: 'GitRepository', name: 'fleet' },
      },
    });
    controller = startSimulatedFluxController(server, {
      reconcileDelayMs: 5,
      gitSources: true,
    });
    await waitFor(() => ready(ks('shop'))?.status === 'True', 10_000);
    expect(ks('shop')!.status).toMatchObject({
      lastAppliedRevision: `main@sha1:${sha}`,
      inventory: {
        entries: expect.arrayContaining([
          { id: 'shop_shop_apps_Deployment', v: 'v1' },
          { id: 'shop_shop__Service', v: 'v1' },
        ]),
      },
    });
    expect((ks('shop')!.status as any).inventory.entries).toHaveLength(2);
  });

  it("fails a Kustomization with Flux's messages when its path is missing or kustomize fails", async () => {
    const sha = await commit(
      'apps/broken/kustomization.yaml',
      'resources:\n  - missing.yaml\n',
    );
    createSource('fleet', `file://${bare}`, { branch: 'main' });
    for (const [name, path] of [
      ['lost', './apps/lost'],
      ['broken', './apps/broken'],
    ]) {
      server.store.create({
        ...KS,
        metadata: { name, namespace: 'flux-system' },
        spec: {
          interval: '10m',
          path,
          prune: true,
          sourceRef: { kind: 'GitRepository', name: 'fleet' },
        },
      });
    }
    controller = startSimulatedFluxController(server, {
      reconcileDelayMs: 5,
      gitSources: true,
    });
    // First "Source artifact not found", then the build at the commit.
    const built = (name: string) =>
      ready(ks(name))?.status === 'False' &&
      (ks(name)!.status as any).lastAttemptedRevision === `main@sha1:${sha}`;
    await waitFor(() => built('lost') && built('broken'), 10_000);
    expect(ready(ks('lost'))).toMatchObject({
      reason: 'ArtifactFailed',
      message: expect.stringMatching(
        /^kustomization path not found: stat \/.*\/kustomization-[^/]+\/apps\/lost: no such file or directory$/,
      ),
    });
    expect(ready(ks('broken'))).toMatchObject({
      reason: 'BuildFailed',
      message: expect.stringMatching(
        /^kustomize build failed: .*missing\.yaml/,
      ),
    });
  });

  it('lets a revision set by a test win over the remote', async () => {
    createSource('unreachable', 'https://github.invalid/example/fleet', {
      branch: 'main',
    });
    controller = startSimulatedFluxController(server, {
      reconcileDelayMs: 5,
      gitSources: true,
    });
    controller.setSourceRevision(
      { kind: 'GitRepository', name: 'unreachable' },
      `main@sha1:${'a'.repeat(40)}`,
    );
    await waitFor(() => ready(repo('unreachable'))?.status === 'True', 10_000);
    expect((repo('unreachable')?.status as any).artifact.revision).toBe(
      `main@sha1:${'a'.repeat(40)}`,
    );
  });

  it('kills a hanging git process on stop()', async () => {
    const sockets = new Set<Socket>();
    let closed = 0;
    // Accepts connections and never answers, like a stuck git server.
    const hang = createServer(socket => {
      sockets.add(socket);
      socket.resume();
      socket.on('close', () => {
        closed += 1;
      });
    });
    await new Promise<void>(resolve => hang.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = hang.address() as AddressInfo;
      createSource('stuck', `http://127.0.0.1:${port}/fleet.git`, {
        branch: 'main',
      });
      controller = startSimulatedFluxController(server, {
        reconcileDelayMs: 5,
        gitSources: true,
      });
      await waitFor(() => sockets.size > 0, 10_000);
      const started = Date.now();
      await controller.stop();
      await waitFor(() => closed === sockets.size, 2000);
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise(resolve => hang.close(resolve));
    }
  });
});
