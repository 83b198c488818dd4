import { LoggerService } from '@backstage/backend-plugin-api';
import { createMockDirectory } from '@backstage/backend-test-utils';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import { FluxClusterDirectory } from '@hubbops/plugin-flux-node';
import {
  registerFluxResources,
  SimulatedFluxController,
  startSimulatedFluxController,
  startTestGitServer,
  startTestKubernetesApiServer,
  TestGitServer,
  TestKubernetesApiServer,
} from '@hubbops/test-kit';
import { KubeConfig } from '@kubernetes/client-node';
import { createFluxReconcileAction } from './fluxReconcile';
import { createFluxWaitAction } from './fluxWait';

type JsonObject = Record<string, any>;

const GIT = {
  apiVersion: 'source.toolkit.fluxcd.io/v1',
  kind: 'GitRepository',
};
const KS = {
  apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
  kind: 'Kustomization',
};

function recordingLogger(lines: string[] = []): LoggerService & {
  lines: string[];
} {
  const record = (message: string) => {
    lines.push(message);
  };
  return {
    lines,
    error: record,
    warn: record,
    info: record,
    debug: record,
    child: () => recordingLogger(lines),
  };
}

function clusterDirectory(server: TestKubernetesApiServer) {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromString(server.kubeconfig({ contextName: 'test' }));
  const clusters = new FluxClusterDirectory({ waitMs: 1000 });
  clusters.provide({
    list: () => [{ name: 'test', url: server.url, demo: false, kubeConfig }],
  });
  return clusters;
}

describe('hubbops:flux:wait', () => {
  const workspace = createMockDirectory();
  let server: TestKubernetesApiServer;
  let controller: SimulatedFluxController;

  function run(
    action: ReturnType<
      typeof createFluxWaitAction | typeof createFluxReconcileAction
    >,
    input: JsonObject,
    options: { isDryRun?: boolean; signal?: AbortSignal } = {},
  ) {
    const logger = recordingLogger();
    const outputs: Record<string, any> = {};
    const ctx = {
      ...createMockActionContext({
        input,
        workspacePath: workspace.path,
        logger,
      }),
      isDryRun: options.isDryRun,
      signal: options.signal,
      checkpoint: async (opts: { fn: () => unknown }) => opts.fn(),
      output: (name: string, value: unknown) => {
        outputs[name] = value;
      },
    };
    const done = action.handler(ctx as any);
    return { done, logger, outputs };
  }

  const waitAction = () =>
    createFluxWaitAction({
      clusters: clusterDirectory(server),
      pollIntervalMs: 20,
    });
  const reconcileAction = () =>
    createFluxReconcileAction({ clusters: clusterDirectory(server) });

  const createShop = (url = 'https://git.example.com/gitops.git') => {
    server.store.create({
      ...GIT,
      metadata: { name: 'shop', namespace: 'flux-system' },
      spec: { url, interval: '1m', ref: { branch: 'main' } },
    });
    server.store.create({
      ...KS,
      metadata: { name: 'shop', namespace: 'flux-system' },
      spec: {
        interval: '10m',
        path: './clusters/test/apps/shop',
        prune: true,
        wait: true,
        sourceRef: { kind: 'GitRepository', name: 'shop' },
      },
    });
  };

  async function start(options: { gitSources?: boolean } = {}) {
    server = await startTestKubernetesApiServer();
    registerFluxResources(server);
    controller = startSimulatedFluxController(server, {
      reconcileDelayMs: 5,
      progressingMs: 30,
      ...options,
    });
  }

  afterEach(async () => {
    await controller.stop();
    await server.stop();
  });

  it('waits until the Kustomization is Ready at the revision a reconcile brought', async () => {
    await start();
    createShop();
    await controller.waitForIdle();
    const sha = 'c0ffee'.padEnd(40, '0');
    // The push: Flux has not fetched it yet, so only the request brings it.
    controller.setSourceRevision(
      { kind: 'GitRepository', name: 'shop' },
      `main@sha1:${sha}`,
    );
    const reconcile = run(reconcileAction(), {
      cluster: 'test',
      kustomization: { name: 'shop' },
    });
    await reconcile.done;
    const wait = run(waitAction(), {
      cluster: 'test',
      kustomization: { name: 'shop' },
      revision: sha,
      requestedAt: reconcile.outputs.requestedAt,
      timeoutSeconds: 10,
    });
    await wait.done;
    expect(wait.outputs).toEqual({
      revision: `main@sha1:${sha}`,
      ready: true,
      message: `Applied revision: main@sha1:${sha}`,
    });
    const ks = server.store.get({
      ...KS,
      namespace: 'flux-system',
      name: 'shop',
    });
    expect((ks!.status as any).lastHandledReconcileAt).toBe(
      reconcile.outputs.requestedAt,
    );
    expect(wait.logger.lines).toContain(
      `Kustomization flux-system/shop: Ready=True ReconciliationSucceeded: Applied revision: main@sha1:${sha} [applied main@sha1:${sha}]`,
    );
  });

  describe('with a GitOps repository served by git http-backend', () => {
    let git: TestGitServer;
    beforeEach(async () => {
      git = await startTestGitServer();
    });
    afterEach(() => git.close());

    it('deploys the commit just pushed, with the objects applied from the workspace', async () => {
      await start({ gitSources: true });
      await git.createRepository('gitops', {
        files: {
          'clusters/test/apps/shop/base/kustomization.yaml':
            'resources: [deployment.yaml]\n',
        },
      });
      const sha = await git.commitFiles('gitops', 'main', {
        'clusters/test/apps/shop/base/deployment.yaml':
          'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: shop\n  namespace: shop\n',
      });
      workspace.setContent({
        'manifests/flux/source.yaml': [
          'apiVersion: source.toolkit.fluxcd.io/v1',
          'kind: GitRepository',
          'metadata: { name: shop, namespace: flux-system }',
          `spec: { interval: 1m, url: "${git.url(
            'gitops',
          )}", ref: { branch: main } }`,
          '',
        ].join('\n'),
        'manifests/flux/kustomization.yaml': [
          'apiVersion: kustomize.toolkit.fluxcd.io/v1',
          'kind: Kustomization',
          'metadata: { name: shop, namespace: flux-system }',
          'spec:',
          '  interval: 10m',
          '  path: ./clusters/test/apps/shop/base',
          '  prune: true',
          '  sourceRef: { kind: GitRepository, name: shop }',
          '',
        ].join('\n'),
      });
      const reconcile = run(reconcileAction(), {
        cluster: 'test',
        kustomization: { name: 'shop' },
        applyPath: 'manifests/flux',
      });
      await reconcile.done;
      const wait = run(waitAction(), {
        cluster: 'test',
        kustomization: { name: 'shop' },
        revision: sha,
        requestedAt: reconcile.outputs.requestedAt,
        timeoutSeconds: 20,
      });
      await wait.done;
      expect(wait.outputs.revision).toBe(`main@sha1:${sha}`);
      expect(git.requests().some(r => r.service === 'git-upload-pack')).toBe(
        true,
      );
      // The simulated kustomize-controller built the pushed files.
      const ks = server.store.get({
        ...KS,
        namespace: 'flux-system',
        name: 'shop',
      });
      expect((ks!.status as any).inventory.entries).toEqual([
        { id: 'shop_shop_apps_Deployment', v: 'v1' },
      ]);
    });

    it("fails with Flux's message when the pushed commit lacks the Kustomization's path", async () => {
      await start({ gitSources: true });
      await git.createRepository('gitops', {
        files: { 'README.md': 'GitOps\n' },
      });
      const sha = await git.commitFiles('gitops', 'main', {
        'clusters/other/app.yaml': 'apiVersion: v1\nkind: List\n',
      });
      createShop(git.url('gitops'));
      const reconcile = run(reconcileAction(), {
        cluster: 'test',
        kustomization: { name: 'shop' },
      });
      await reconcile.done;
      const wait = run(waitAction(), {
        cluster: 'test',
        kustomization: { name: 'shop' },
        revision: sha,
        requestedAt: reconcile.outputs.requestedAt,
        timeoutSeconds: 20,
      });
      await expect(wait.done).rejects.toMatchObject({
        name: 'FluxReconciliationError',
        message: expect.stringMatching(
          /^Kustomization flux-system\/shop failed in cluster "test" \(ArtifactFailed\): kustomization path not found: stat \/.*\/kustomization-[^/]+\/clusters\/test\/apps\/shop: no such file or directory$/,
        ),
      });
    });

    it("reports the source's git error while it waits, and fails at the timeout saying what it saw", async () => {
      await start({ gitSources: true });
      createShop(git.url('missing'));
      const wait = run(waitAction(), {
        cluster: 'test',
        kustomization: { name: 'shop' },
        revision: 'a'.repeat(40),
        timeoutSeconds: 1,
      });
      const error = await wait.done.catch(e => e);
      expect(error).toMatchObject({ name: 'FluxWaitTimeoutError' });
      expect(error.message).toContain(
        `Kustomization flux-system/shop in cluster "test" was not Ready at revision ${'a'.repeat(
          40,
        )} after 1s`,
      );
      expect(error.message).toContain(
        `GitRepository flux-system/shop: Ready=False GitOperationFailed: failed to checkout and determine revision: unable to clone '${git.url(
          'missing',
        )}'`,
      );
      expect(
        wait.logger.lines.some(line =>
          line.startsWith(
            'waiting on its source: GitRepository flux-system/shop: Ready=False GitOperationFailed',
          ),
        ),
      ).toBe(true);
    });
  });

  it("fails with Flux's own message when the Kustomization fails at the revision", async () => {
    await start();
    createShop();
    await controller.waitForIdle();
    controller.failObject(
      { kind: 'Kustomization', name: 'shop' },
      {
        reason: 'BuildFailed',
        message:
          'kustomization path not found: stat /tmp/kustomization-1/clusters/test/apps/shop: no such file or directory',
      },
    );
    const reconcile = run(reconcileAction(), {
      cluster: 'test',
      kustomization: { name: 'shop' },
    });
    await reconcile.done;
    const wait = run(waitAction(), {
      cluster: 'test',
      kustomization: { name: 'shop' },
      requestedAt: reconcile.outputs.requestedAt,
      timeoutSeconds: 10,
    });
    await expect(wait.done).rejects.toMatchObject({
      name: 'FluxReconciliationError',
      message:
        'Kustomization flux-system/shop failed in cluster "test" (BuildFailed): kustomization path not found: stat /tmp/kustomization-1/clusters/test/apps/shop: no such file or directory',
    });
  });

  it('fails at once when the Kustomization is stalled', async () => {
    await start();
    createShop();
    controller.failObject(
      { kind: 'Kustomization', name: 'shop' },
      {
        reason: 'InvalidPathError',
        message: 'path must be relative',
        stalled: true,
      },
    );
    const started = Date.now();
    const wait = run(waitAction(), {
      cluster: 'test',
      kustomization: { name: 'shop' },
      timeoutSeconds: 30,
    });
    await expect(wait.done).rejects.toMatchObject({
      name: 'FluxReconciliationError',
      message:
        'Kustomization flux-system/shop stalled in cluster "test": path must be relative',
    });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('stops waiting promptly when the task is cancelled', async () => {
    await start();
    createShop();
    const abort = new AbortController();
    const wait = run(
      waitAction(),
      {
        cluster: 'test',
        kustomization: { name: 'shop' },
        revision: 'never',
        timeoutSeconds: 60,
      },
      { signal: abort.signal },
    );
    await new Promise(resolve => setTimeout(resolve, 200));
    const cancelled = Date.now();
    abort.abort(new Error('the task was cancelled'));
    await expect(wait.done).rejects.toThrow('the task was cancelled');
    expect(Date.now() - cancelled).toBeLessThan(500);
  });

  it('reports the current state in a dry run without waiting', async () => {
    await start();
    createShop();
    await controller.waitForIdle();
    const before = server.store.get({
      ...KS,
      namespace: 'flux-system',
      name: 'shop',
    })!.metadata.resourceVersion;
    const wait = run(
      waitAction(),
      {
        cluster: 'test',
        kustomization: { name: 'shop' },
        revision: 'not-there-yet',
      },
      { isDryRun: true },
    );
    await wait.done;
    expect(wait.outputs).toMatchObject({
      ready: true,
      revision: expect.stringMatching(/^main@sha1:/),
    });
    expect(wait.logger.lines).toContain(
      'dry run: would wait up to 300s for Kustomization flux-system/shop to be Ready at revision not-there-yet',
    );
    expect(
      server.store.get({ ...KS, namespace: 'flux-system', name: 'shop' })!
        .metadata.resourceVersion,
    ).toBe(before);
  });

  it('names the known clusters when the cluster is unknown', async () => {
    await start();
    const wait = run(waitAction(), {
      cluster: 'nowhere',
      kustomization: { name: 'shop' },
    });
    await expect(wait.done).rejects.toMatchObject({
      name: 'InputError',
      message:
        'cluster "nowhere" is not one the Flux backend knows; use one of: test',
    });
  });
});
