import { LoggerService } from '@backstage/backend-plugin-api';
import { createMockDirectory } from '@backstage/backend-test-utils';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import { FluxClusterDirectory } from '@hubbops/plugin-flux-node';
import {
  registerFluxResources,
  SimulatedFluxController,
  startSimulatedFluxController,
  startTestKubernetesApiServer,
  TestKubernetesApiServer,
} from '@hubbops/test-kit';
import { KubeConfig } from '@kubernetes/client-node';
import { createFluxReconcileAction } from './fluxReconcile';
import { CheckpointStore } from '../codegen/__testUtils__/ActionHarness';

type JsonObject = Record<string, any>;

const GIT = {
  apiVersion: 'source.toolkit.fluxcd.io/v1',
  kind: 'GitRepository',
};
const KS = {
  apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
  kind: 'Kustomization',
};

const SOURCE_YAML = `apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata:
  name: shop
  namespace: flux-system
  labels:
    app.kubernetes.io/name: shop
spec:
  interval: 1m
  url: https://git.example.com/gitops.git
  ref:
    branch: main
`;

const KUSTOMIZATION_YAML = `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: shop
spec:
  interval: 10m
  path: ./clusters/test/apps/shop/overlays/production
  prune: true
  wait: true
  targetNamespace: shop
  sourceRef:
    kind: GitRepository
    name: shop
`;

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

/** A FluxClusterService over the test API server, as the Flux backend provides it. */
function clusterDirectory(server: TestKubernetesApiServer, name = 'test') {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromString(server.kubeconfig({ contextName: name }));
  const clusters = new FluxClusterDirectory({ waitMs: 1000 });
  clusters.provide({
    list: () => [{ name, url: server.url, demo: false, kubeConfig }],
  });
  return clusters;
}

describe('hubbops:flux:reconcile', () => {
  const workspace = createMockDirectory();
  let server: TestKubernetesApiServer;
  let controller: SimulatedFluxController;

  const get = (type: typeof GIT | typeof KS, name: string) =>
    server.store.get({ ...type, namespace: 'flux-system', name });

  function harness(options: {
    input: JsonObject;
    isDryRun?: boolean;
    store?: CheckpointStore;
    cluster?: string;
  }) {
    const action = createFluxReconcileAction({
      clusters: clusterDirectory(server, options.cluster),
    });
    const logger = recordingLogger();
    const store = options.store ?? new CheckpointStore();
    const outputs: Record<string, any> = {};
    const ctx = {
      ...createMockActionContext({
        input: options.input,
        workspacePath: workspace.path,
        logger,
      }),
      isDryRun: options.isDryRun,
      checkpoint: store.checkpoint,
      output: (name: string, value: unknown) => {
        outputs[name] = value;
      },
    };
    return { run: () => action.handler(ctx as any), logger, outputs, store };
  }

  beforeEach(async () => {
    server = await startTestKubernetesApiServer();
    registerFluxResources(server);
    controller = startSimulatedFluxController(server, { reconcileDelayMs: 5 });
    workspace.setContent({
      'manifests/flux/source.yaml': SOURCE_YAML,
      'manifests/flux/kustomization.yaml': KUSTOMIZATION_YAML,
    });
  });

  afterEach(async () => {
    await controller.stop();
    await server.stop();
  });

  it('applies the Flux objects, then asks Flux to reconcile the source and the Kustomization with one token', async () => {
    const { run, outputs, logger } = harness({
      input: {
        cluster: 'test',
        kustomization: { name: 'shop' },
        applyPath: 'manifests/flux',
      },
    });
    await run();

    const token = outputs.requestedAt;
    expect(token).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
    expect(outputs.source).toEqual({
      kind: 'GitRepository',
      name: 'shop',
      namespace: 'flux-system',
    });
    expect(outputs.applied).toEqual([
      'GitRepository flux-system/shop (created)',
      'Kustomization flux-system/shop (created)',
    ]);
    for (const type of [GIT, KS]) {
      const object = get(type, 'shop')!;
      expect(
        object.metadata.annotations?.['reconcile.fluxcd.io/requestedAt'],
      ).toBe(token);
    }
    expect((get(KS, 'shop')!.spec as any).targetNamespace).toBe('shop');
    // The simulated Flux controller answers the request on both objects.
    await controller.waitForIdle();
    expect((get(GIT, 'shop')!.status as any).lastHandledReconcileAt).toBe(
      token,
    );
    expect((get(KS, 'shop')!.status as any).lastHandledReconcileAt).toBe(token);
    const requests = logger.lines.filter(l => l.startsWith('requested'));
    expect(requests).toEqual([
      `requested a reconcile of GitRepository flux-system/shop in cluster test (requestedAt ${token})`,
      `requested a reconcile of Kustomization flux-system/shop in cluster test (requestedAt ${token})`,
    ]);
  });

  it('does not apply or request again when the task is retried', async () => {
    const store = new CheckpointStore();
    const input = {
      cluster: 'test',
      kustomization: { name: 'shop' },
      applyPath: 'manifests/flux',
    };
    const first = harness({ input, store });
    await first.run();
    await controller.waitForIdle();
    const versions = [GIT, KS].map(
      type => get(type, 'shop')!.metadata.resourceVersion,
    );

    const retry = harness({ input, store });
    await retry.run();
    expect(retry.outputs.requestedAt).toBe(first.outputs.requestedAt);
    expect(
      [GIT, KS].map(type => get(type, 'shop')!.metadata.resourceVersion),
    ).toEqual(versions);
    expect(retry.logger.lines.join('\n')).toContain(
      'already asked to reconcile Kustomization flux-system/shop',
    );
  });

  it('reconciles an existing Kustomization without applyPath, and only it when reconcileSource is false', async () => {
    server.store.create({
      ...GIT,
      metadata: { name: 'shop', namespace: 'flux-system' },
      spec: { url: 'https://git.example.com/gitops.git', interval: '1m' },
    });
    server.store.create({
      ...KS,
      metadata: { name: 'shop', namespace: 'flux-system' },
      spec: {
        interval: '10m',
        path: './apps',
        prune: true,
        sourceRef: { kind: 'GitRepository', name: 'shop' },
      },
    });
    await controller.waitForIdle();
    const { run, outputs } = harness({
      input: {
        cluster: 'test',
        kustomization: { name: 'shop' },
        reconcileSource: false,
      },
    });
    await run();
    expect(
      get(KS, 'shop')!.metadata.annotations?.[
        'reconcile.fluxcd.io/requestedAt'
      ],
    ).toBe(outputs.requestedAt);
    expect(
      get(GIT, 'shop')!.metadata.annotations?.[
        'reconcile.fluxcd.io/requestedAt'
      ],
    ).toBeUndefined();
    expect(outputs.applied).toBeUndefined();
  });

  it('changes nothing in a dry run, and says what it would do', async () => {
    server.store.create({
      ...GIT,
      metadata: { name: 'shop', namespace: 'flux-system' },
      spec: { url: 'https://git.example.com/old.git', interval: '1m' },
    });
    await controller.waitForIdle();
    const before = get(GIT, 'shop')!.metadata.resourceVersion;
    const { run, outputs, logger } = harness({
      input: {
        cluster: 'test',
        kustomization: { name: 'shop' },
        applyPath: 'manifests/flux',
      },
      isDryRun: true,
    });
    await run();
    await controller.waitForIdle();
    expect(get(GIT, 'shop')!.metadata.resourceVersion).toBe(before);
    expect(get(KS, 'shop')).toBeUndefined();
    expect(outputs.applied).toEqual([
      'GitRepository flux-system/shop (would be configured)',
      'Kustomization flux-system/shop (would be created)',
    ]);
    expect(logger.lines.join('\n')).toContain(
      'dry run: would request a reconcile of GitRepository flux-system/shop, then Kustomization flux-system/shop in cluster test',
    );
  });

  it('refuses objects that are not Flux sources or Kustomizations, applying nothing', async () => {
    workspace.setContent({
      'manifests/flux/source.yaml': SOURCE_YAML,
      'manifests/flux/deployment.yaml':
        'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: shop\n',
    });
    const { run } = harness({
      input: {
        cluster: 'test',
        kustomization: { name: 'shop' },
        applyPath: 'manifests/flux',
      },
    });
    await expect(run()).rejects.toMatchObject({
      name: 'InputError',
      message: expect.stringContaining(
        'manifests/flux/deployment.yaml holds Deployment shop (apps/v1), which is not a Flux source or Kustomization',
      ),
    });
    expect(get(GIT, 'shop')).toBeUndefined();
  });

  it('refuses an applyPath outside the workspace', async () => {
    const { run } = harness({
      input: {
        cluster: 'test',
        kustomization: { name: 'shop' },
        applyPath: '../../etc',
      },
    });
    await expect(run()).rejects.toMatchObject({
      name: 'InputError',
      message: expect.stringContaining('points outside the workspace'),
    });
  });

  it('names the known clusters when the cluster is unknown', async () => {
    const { run } = harness({
      input: { cluster: 'prod', kustomization: { name: 'shop' } },
      cluster: 'demo-eu-west',
    });
    await expect(run()).rejects.toMatchObject({
      name: 'InputError',
      message:
        'cluster "prod" is not one the Flux backend knows; use one of: demo-eu-west',
    });
  });

  it('says how to fix a Kustomization that does not exist', async () => {
    const { run } = harness({
      input: { cluster: 'test', kustomization: { name: 'shop' } },
    });
    await expect(run()).rejects.toMatchObject({
      name: 'NotFoundError',
      message: expect.stringContaining(
        'Kustomization flux-system/shop does not exist in cluster "test"; give applyPath',
      ),
    });
  });

  it('applies v1 manifests at the beta versions an old Flux serves', async () => {
    await controller.stop();
    await server.stop();
    server = await startTestKubernetesApiServer();
    registerFluxResources(server, { generation: 'legacy' });
    controller = startSimulatedFluxController(server, {
      generation: 'legacy',
      reconcileDelayMs: 5,
    });
    const { run, outputs, logger } = harness({
      input: {
        cluster: 'test',
        kustomization: { name: 'shop' },
        applyPath: 'manifests/flux',
      },
    });
    await run();
    const ks = server.store.get({
      apiVersion: 'kustomize.toolkit.fluxcd.io/v1beta2',
      kind: 'Kustomization',
      namespace: 'flux-system',
      name: 'shop',
    })!;
    expect(ks.metadata.annotations?.['reconcile.fluxcd.io/requestedAt']).toBe(
      outputs.requestedAt,
    );
    expect(logger.lines.join('\n')).toContain(
      'cluster test serves Kustomization as kustomize.toolkit.fluxcd.io/v1beta2, not kustomize.toolkit.fluxcd.io/v1',
    );
  });
});
