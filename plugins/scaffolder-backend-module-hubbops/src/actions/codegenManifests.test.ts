import { createMockDirectory } from '@backstage/backend-test-utils';
import {
  registerFluxResources,
  startTestKubernetesApiServer,
  TestKubernetesApiServer,
} from '@hubbops/test-kit';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import {
  CheckpointStore,
  runAction,
} from '../codegen/__testUtils__/ActionHarness';
import { requireBinary, runOk } from '../codegen/__testUtils__/toolchains';
import { createCodegenManifestsAction } from './codegenManifests';

jest.setTimeout(60_000);

const kubectlBinary = process.env.KUBECTL ?? '/usr/bin/kubectl';

const IMAGE = `registry.example.com/team/shop@sha256:${'ab'.repeat(32)}`;
const baseInput = {
  name: 'shop',
  image: IMAGE,
  source: { url: 'http://localhost:7007/api/hubbops-git/gitops.git' },
  gitopsPath: 'clusters/demo-eu-west/apps/shop',
};

type K8sObject = { apiVersion: string; kind: string; [key: string]: any };

function documents(text: string): K8sObject[] {
  return parseAllDocuments(text)
    .map(doc => {
      if (doc.errors.length) throw doc.errors[0];
      return doc.toJSON();
    })
    .filter(Boolean);
}

/** Runs the real kubectl with a private HOME and cache. */
class Kubectl {
  readonly home = mkdtempSync(path.join(tmpdir(), 'hubbops-kubectl-'));

  constructor(private readonly kubeconfig?: string) {
    if (kubeconfig) writeFileSync(path.join(this.home, 'config'), kubeconfig);
    requireBinary(kubectlBinary, 'kubectl');
  }

  run(...args: string[]): Promise<string> {
    const config = this.kubeconfig
      ? ['--kubeconfig', path.join(this.home, 'config')]
      : [];
    return runOk(
      kubectlBinary,
      [...config, '--cache-dir', path.join(this.home, 'cache'), ...args],
      {
        cwd: this.home,
        env: { PATH: process.env.PATH, HOME: this.home },
      },
    );
  }

  dispose() {
    rmSync(this.home, { recursive: true, force: true });
  }
}

describe('hubbops:codegen:manifests', () => {
  const mockDir = createMockDirectory();
  let workspacePath: string;
  const action = createCodegenManifestsAction();
  let kubectl: Kubectl;

  beforeEach(() => {
    mockDir.clear();
    mockDir.setContent({ workspace: {} });
    workspacePath = mockDir.resolve('workspace');
    kubectl = new Kubectl();
  });

  afterEach(() => kubectl.dispose());

  it('renders a base and overlay that kubectl kustomize accepts, with a restricted Deployment probed on healthPath', async () => {
    const { outputs } = await runAction(action, {
      input: { ...baseInput, port: 9090, healthPath: '/health/live' },
      workspacePath,
    });
    expect(outputs).toEqual({
      path: 'manifests',
      files: [
        'base/deployment.yaml',
        'base/service.yaml',
        'base/networkpolicy.yaml',
        'base/kustomization.yaml',
        'overlays/production/namespace.yaml',
        'overlays/production/kustomization.yaml',
        'flux/source.yaml',
        'flux/kustomization.yaml',
        'kustomization.yaml',
      ],
      kustomization: { name: 'shop', namespace: 'flux-system' },
      kustomizations: [
        {
          environment: 'production',
          name: 'shop',
          namespace: 'flux-system',
          targetNamespace: 'shop',
          path: './clusters/demo-eu-west/apps/shop/overlays/production',
        },
      ],
      source: { kind: 'GitRepository', name: 'shop', namespace: 'flux-system' },
      environments: ['production'],
      changed: expect.any(Array),
    });

    const rendered = documents(
      await kubectl.run(
        'kustomize',
        path.join(workspacePath, 'manifests/overlays/production'),
      ),
    );
    expect(rendered.map(o => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      'Deployment/shop',
      'Namespace/shop',
      'NetworkPolicy/shop',
      'Service/shop',
    ]);
    const labels = {
      'app.kubernetes.io/name': 'shop',
      'app.kubernetes.io/managed-by': 'hubbops',
      'backstage.io/kubernetes-id': 'shop',
    };
    for (const object of rendered) {
      expect(object.metadata.labels).toMatchObject(labels);
    }
    // The Namespace is cluster-scoped; everything else lives in it.
    expect(
      rendered.map(o => [o.kind, o.metadata.namespace ?? o.metadata.name]),
    ).toEqual(rendered.map(o => [o.kind, 'shop']));
    const deployment = rendered.find(o => o.kind === 'Deployment')!;
    expect(deployment.spec.replicas).toBe(2);
    expect(deployment.spec.selector.matchLabels).toEqual({
      'app.kubernetes.io/name': 'shop',
    });
    const pod = deployment.spec.template.spec;
    expect(deployment.spec.template.metadata.labels).toMatchObject(labels);
    expect(pod.securityContext).toMatchObject({
      runAsNonRoot: true,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    const [container] = pod.containers;
    expect(container.image).toBe(IMAGE);
    expect(container.ports).toEqual([
      { name: 'http', containerPort: 9090, protocol: 'TCP' },
    ]);
    expect(container.securityContext).toEqual({
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    for (const probe of ['readinessProbe', 'livenessProbe', 'startupProbe']) {
      expect(container[probe].httpGet).toEqual({
        path: '/health/live',
        port: 'http',
      });
    }
    expect(container.resources).toEqual({
      requests: { cpu: '100m', memory: '128Mi' },
      limits: { memory: '256Mi' },
    });
    const namespace = rendered.find(o => o.kind === 'Namespace')!;
    expect(
      namespace.metadata.labels['pod-security.kubernetes.io/enforce'],
    ).toBe('restricted');
    const policy = rendered.find(o => o.kind === 'NetworkPolicy')!;
    expect(policy.spec.ingress).toEqual([
      { ports: [{ port: 9090, protocol: 'TCP' }] },
    ]);
  });

  it('renders the Flux source and Kustomization, and a root kustomization holding only them', async () => {
    await runAction(action, {
      input: {
        ...baseInput,
        source: { ...baseInput.source, branch: 'deploy' },
      },
      workspacePath,
    });
    const root = documents(
      await kubectl.run('kustomize', path.join(workspacePath, 'manifests')),
    );
    expect(
      root.map(o => `${o.apiVersion} ${o.kind}/${o.metadata.name}`).sort(),
    ).toEqual([
      'kustomize.toolkit.fluxcd.io/v1 Kustomization/shop',
      'source.toolkit.fluxcd.io/v1 GitRepository/shop',
    ]);
    const source = root.find(o => o.kind === 'GitRepository')!;
    const kustomization = root.find(o => o.kind === 'Kustomization')!;
    expect(source.metadata.namespace).toBe('flux-system');
    expect(source.spec).toEqual({
      interval: '1m',
      url: 'http://localhost:7007/api/hubbops-git/gitops.git',
      ref: { branch: 'deploy' },
    });
    expect(kustomization.metadata.namespace).toBe('flux-system');
    expect(kustomization.metadata.labels['backstage.io/kubernetes-id']).toBe(
      'shop',
    );
    expect(kustomization.spec).toMatchObject({
      path: './clusters/demo-eu-west/apps/shop/overlays/production',
      sourceRef: { kind: 'GitRepository', name: 'shop' },
      prune: true,
      wait: true,
      targetNamespace: 'shop',
    });
  });

  it('renders one overlay and Flux Kustomization per environment, with Ingress, autoscaling and an OCI source', async () => {
    const { outputs } = await runAction(action, {
      input: {
        ...baseInput,
        namespace: 'retail',
        environments: ['staging', 'production'],
        ingress: { host: 'shop.example.com', className: 'nginx' },
        autoscaling: { minReplicas: 3, maxReplicas: 9 },
        networkPolicy: false,
        resources: { limits: { cpu: '1', memory: '1Gi' } },
        source: {
          kind: 'OCIRepository',
          url: 'oci://registry.example.com/gitops/shop',
          tag: 'v1',
        },
      },
      workspacePath,
    });
    expect(
      outputs.kustomizations.map((k: any) => [k.name, k.targetNamespace]),
    ).toEqual([
      ['shop-staging', 'retail-staging'],
      ['shop-production', 'retail-production'],
    ]);
    expect(outputs.kustomization).toEqual({
      name: 'shop-staging',
      namespace: 'flux-system',
    });
    expect(outputs.files).not.toContain('base/networkpolicy.yaml');

    const staging = documents(
      await kubectl.run(
        'kustomize',
        path.join(workspacePath, 'manifests/overlays/staging'),
      ),
    );
    expect(staging.map(o => o.kind).sort()).toEqual([
      'Deployment',
      'HorizontalPodAutoscaler',
      'Ingress',
      'Namespace',
      'Service',
    ]);
    for (const object of staging) {
      expect(object.metadata.labels['hubbops.io/environment']).toBe('staging');
    }
    expect(
      staging.map(o => [o.kind, o.metadata.namespace ?? o.metadata.name]),
    ).toEqual(staging.map(o => [o.kind, 'retail-staging']));
    const deployment = staging.find(o => o.kind === 'Deployment')!;
    // The HPA owns the replica count.
    expect(deployment.spec.replicas).toBeUndefined();
    expect(deployment.spec.template.spec.containers[0].resources).toEqual({
      requests: { cpu: '100m', memory: '128Mi' },
      limits: { cpu: '1', memory: '1Gi' },
    });
    const hpa = staging.find(o => o.kind === 'HorizontalPodAutoscaler')!;
    expect(hpa.spec).toMatchObject({
      scaleTargetRef: { kind: 'Deployment', name: 'shop' },
      minReplicas: 3,
      maxReplicas: 9,
    });
    const ingress = staging.find(o => o.kind === 'Ingress')!;
    expect(ingress.spec).toEqual({
      ingressClassName: 'nginx',
      rules: [
        {
          host: 'shop.example.com',
          http: {
            paths: [
              {
                path: '/',
                pathType: 'Prefix',
                backend: { service: { name: 'shop', port: { name: 'http' } } },
              },
            ],
          },
        },
      ],
    });

    const flux = documents(
      await readFile(
        path.join(workspacePath, 'manifests/flux/kustomization.yaml'),
        'utf8',
      ),
    );
    expect(
      flux.map(o => [o.metadata.name, o.spec.path, o.spec.sourceRef]),
    ).toEqual([
      [
        'shop-staging',
        './clusters/demo-eu-west/apps/shop/overlays/staging',
        { kind: 'OCIRepository', name: 'shop' },
      ],
      [
        'shop-production',
        './clusters/demo-eu-west/apps/shop/overlays/production',
        { kind: 'OCIRepository', name: 'shop' },
      ],
    ]);
    const [source] = documents(
      await readFile(
        path.join(workspacePath, 'manifests/flux/source.yaml'),
        'utf8',
      ),
    );
    expect(source).toMatchObject({
      kind: 'OCIRepository',
      spec: {
        url: 'oci://registry.example.com/gitops/shop',
        ref: { tag: 'v1' },
      },
    });
  });

  describe('against a Kubernetes API server', () => {
    let server: TestKubernetesApiServer;
    let cluster: Kubectl;

    beforeEach(async () => {
      server = await startTestKubernetesApiServer();
      registerFluxResources(server);
      // Kinds the test server does not serve by default.
      server.registerResource({
        group: 'networking.k8s.io',
        versions: ['v1'],
        kind: 'Ingress',
        plural: 'ingresses',
        namespaced: true,
        tracksGeneration: true,
      });
      server.registerResource({
        group: 'networking.k8s.io',
        versions: ['v1'],
        kind: 'NetworkPolicy',
        plural: 'networkpolicies',
        namespaced: true,
        statusSubresource: false,
        tracksGeneration: true,
      });
      server.registerResource({
        group: 'autoscaling',
        versions: ['v2'],
        kind: 'HorizontalPodAutoscaler',
        plural: 'horizontalpodautoscalers',
        namespaced: true,
      });
      for (const name of ['flux-system', 'shop']) {
        server.store.create({
          apiVersion: 'v1',
          kind: 'Namespace',
          metadata: { name },
        });
      }
      cluster = new Kubectl(server.kubeconfig());
    });

    afterEach(async () => {
      cluster.dispose();
      await server.stop();
    });

    it('accepts every rendered object in client and server dry runs', async () => {
      await runAction(action, {
        input: {
          ...baseInput,
          ingress: { host: 'shop.example.com' },
          autoscaling: {},
        },
        workspacePath,
      });
      const manifests = path.join(workspacePath, 'manifests');
      const overlay = await kubectl.run(
        'kustomize',
        path.join(manifests, 'overlays/production'),
      );
      const overlayFile = path.join(cluster.home, 'overlay.yaml');
      writeFileSync(overlayFile, overlay);
      const fluxFiles = [
        '-f',
        path.join(manifests, 'flux/source.yaml'),
        '-f',
        path.join(manifests, 'flux/kustomization.yaml'),
      ];

      const client = await cluster.run(
        'apply',
        '--dry-run=client',
        '-f',
        overlayFile,
        ...fluxFiles,
      );
      expect(client).toContain('deployment.apps/shop created (dry run)');

      const serverRun = await cluster.run(
        'apply',
        '--dry-run=server',
        '-f',
        overlayFile,
        ...fluxFiles,
      );
      for (const line of [
        'namespace/shop',
        'service/shop',
        'deployment.apps/shop',
        'ingress.networking.k8s.io/shop',
        'horizontalpodautoscaler.autoscaling/shop',
        'networkpolicy.networking.k8s.io/shop',
        'gitrepository.source.toolkit.fluxcd.io/shop',
        'kustomization.kustomize.toolkit.fluxcd.io/shop',
      ]) {
        expect(serverRun).toMatch(
          new RegExp(
            `^${line.replace(/\./g, '\\.')} \\w+ \\(server dry run\\)$`,
            'm',
          ),
        );
      }
      // A dry run stores nothing.
      expect(
        server.store.list({
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          namespace: 'shop',
        }),
      ).toHaveLength(0);
    });
  });

  it('changes nothing when re-run with the same inputs', async () => {
    const input = { ...baseInput, environments: ['staging', 'production'] };
    const first = await runAction(action, { input, workspacePath });
    expect(first.outputs.changed).toEqual(first.outputs.files);
    const snapshot = async () =>
      Promise.all(
        first.outputs.files.map(async (file: string) => {
          const full = path.join(workspacePath, 'manifests', file);
          return [
            file,
            await readFile(full, 'utf8'),
            (await stat(full)).mtimeMs,
          ];
        }),
      );
    const before = await snapshot();
    // Plain YAML for reviewers of the GitOps repository: no anchors/aliases.
    for (const [, content] of before) expect(content).not.toMatch(/[&*]a\d/);
    const second = await runAction(action, { input, workspacePath });
    expect(second.outputs.changed).toEqual([]);
    expect({ ...second.outputs, changed: [] }).toEqual({
      ...first.outputs,
      changed: [],
    });
    expect(await snapshot()).toEqual(before);
  });

  it('rewrites on a retry what the first attempt rendered', async () => {
    const store = new CheckpointStore();
    await runAction(action, { input: baseInput, workspacePath, store });
    mockDir.setContent({ workspace: {} });
    const retry = await runAction(action, {
      input: baseInput,
      workspacePath,
      store,
    });
    expect(store.ran).toHaveLength(1);
    expect(retry.outputs.changed).toEqual(retry.outputs.files);
  });

  it('writes nothing in a dry run', async () => {
    const { outputs, lines } = await runAction(action, {
      input: baseInput,
      workspacePath,
      isDryRun: true,
    });
    expect(outputs.kustomization).toEqual({
      name: 'shop',
      namespace: 'flux-system',
    });
    expect(lines).toContain(
      'info dry run: would write manifests/base/deployment.yaml',
    );
    expect(mockDir.content()).toEqual({ workspace: {} });
  });

  it('stops when the task is cancelled', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(
      runAction(action, {
        input: baseInput,
        workspacePath,
        signal: controller.signal,
      }),
    ).rejects.toThrow(/abort/i);
    expect(mockDir.content()).toEqual({ workspace: {} });
  });

  it.each([
    [{ name: 'Shop_1' }, "name 'Shop_1' must be a DNS label"],
    [{ namespace: 'Team A' }, "namespace 'Team A' must be a DNS label"],
    [{ environments: ['prod', 'prod'] }, 'environments must not repeat a name'],
    [{ environments: ['Prod'] }, "environment 'Prod' must be a DNS label"],
    [
      { resources: { requests: { cpu: 'lots' } } },
      "resources.requests.cpu 'lots' must be a Kubernetes quantity such as '100m'",
    ],
    [
      { autoscaling: { minReplicas: 5, maxReplicas: 2 } },
      'autoscaling.minReplicas must not exceed autoscaling.maxReplicas',
    ],
    [
      { ingress: { host: 'not a host' } },
      "ingress.host 'not a host' must be a DNS name",
    ],
    [{ healthPath: 'healthz' }, "healthPath must start with '/'"],
    [
      { source: { url: 'git@github.com:a/b' } },
      'source.url must be an http(s)://',
    ],
    [
      { source: { kind: 'OCIRepository', url: 'https://example.com/x' } },
      'must start with oci:// for an OCIRepository',
    ],
    [{ gitopsPath: '../other' }, "gitopsPath must not contain '..'"],
    [
      { targetPath: '../../x' },
      "targetPath '../../x' points outside the workspace",
    ],
    [
      { namespace: 'n'.repeat(60), environments: ['staging', 'prod'] },
      'longer than 63 characters',
    ],
  ])(
    'rejects %j with an InputError saying what to fix',
    async (change, message) => {
      const promise = runAction(action, {
        input: { ...baseInput, ...change },
        workspacePath,
      });
      await expect(promise).rejects.toMatchObject({ name: 'InputError' });
      await expect(promise).rejects.toThrow(message);
      expect(mockDir.content()).toEqual({ workspace: {} });
    },
  );
});
