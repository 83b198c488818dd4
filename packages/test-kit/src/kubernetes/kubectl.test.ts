import { registerFluxResources } from '../flux/FluxResources';
import { TEST_CERTIFICATES } from './TestCertificates';
import {
  startTestKubernetesApiServer,
  TestKubernetesApiServer,
} from './TestKubernetesApiServer';
import { Kubectl } from './__testUtils__/Kubectl';
import { waitFor } from './__testUtils__/waitFor';

jest.setTimeout(30_000);

const KUSTOMIZATION = {
  apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
  kind: 'Kustomization',
};

const MANIFEST = `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: infrastructure
  namespace: flux-system
spec:
  interval: 10m
  path: ./infrastructure
  prune: true
  sourceRef:
    kind: GitRepository
    name: flux-system
`;

// The gcloud kubectl dispatcher picks the kubectl minor version matching
// the server's /version, so each server version exercises another kubectl.
describe.each(['v1.32.4', 'v1.33.0'])(
  'kubectl against a server reporting %s',
  version => {
    let server: TestKubernetesApiServer;
    let kubectl: Kubectl;

    beforeEach(async () => {
      // kubectl never sends bearer tokens over plain HTTP, so this server is open.
      server = await startTestKubernetesApiServer({ version });
      registerFluxResources(server);
      server.store.create({
        ...KUSTOMIZATION,
        metadata: {
          name: 'apps',
          namespace: 'flux-system',
          labels: { tier: 'apps' },
        },
        spec: {
          interval: '5m',
          path: './apps',
          prune: true,
          sourceRef: { kind: 'GitRepository', name: 'flux-system' },
        },
        status: {
          conditions: [
            {
              type: 'Ready',
              status: 'True',
              reason: 'ReconciliationSucceeded',
              message:
                'Applied revision: main@sha1:0123456789abcdef0123456789abcdef01234567',
              lastTransitionTime: '2025-01-01T00:00:00Z',
            },
          ],
        },
      });
      server.store.create({
        ...KUSTOMIZATION,
        metadata: { name: 'tenants', namespace: 'team-a' },
        spec: { interval: '1m' },
      });
      kubectl = new Kubectl(server.kubeconfig());
    });

    afterEach(async () => {
      kubectl.dispose();
      await server.stop();
    });

    const apps = () =>
      server.store.get({
        ...KUSTOMIZATION,
        namespace: 'flux-system',
        name: 'apps',
      })!;

    it('lists Kustomizations in all namespaces with the CRD columns', async () => {
      const output = await kubectl.ok('get', 'kustomizations', '-A');
      const lines = output
        .trim()
        .split('\n')
        .map(line => line.split(/\s{2,}/));
      expect(lines[0]).toEqual(['NAMESPACE', 'NAME', 'AGE', 'READY', 'STATUS']);
      expect(lines[1]).toEqual([
        'flux-system',
        'apps',
        expect.stringMatching(/^\d+s$/),
        'True',
        'Applied revision: main@sha1:0123456789abcdef0123456789abcdef01234567',
      ]);
      expect(lines[2].slice(0, 2)).toEqual(['team-a', 'tenants']);
      expect(
        server.requests.some(
          r => r.path === '/apis/kustomize.toolkit.fluxcd.io/v1',
        ),
      ).toBe(true);
      // With the dispatcher, the kubectl that ran matches the server's minor version.
      const agents = server.requests.map(r => r.headers['user-agent'] ?? '');
      const dispatched = agents.some(agent =>
        agent.startsWith('kubectl-dispatcher/'),
      );
      const expectedAgent = dispatched
        ? `kubectl/v1.${version.split('.')[1]}.`
        : 'kubectl/';
      expect(agents.some(agent => agent.startsWith(expectedAgent))).toBe(true);
    });

    it('gets one Kustomization as JSON by its short name', async () => {
      const object = JSON.parse(
        await kubectl.ok(
          'get',
          'ks',
          'apps',
          '-n',
          'flux-system',
          '-o',
          'json',
        ),
      );
      expect(object).toEqual(apps());
    });

    it('annotates, and patches with merge and JSON patches', async () => {
      await kubectl.ok(
        'annotate',
        'kustomization',
        'apps',
        '-n',
        'flux-system',
        'reconcile.fluxcd.io/requestedAt=2025-01-01T00:00:00Z',
      );
      expect(apps().metadata.annotations).toEqual({
        'reconcile.fluxcd.io/requestedAt': '2025-01-01T00:00:00Z',
      });
      const refused = await kubectl.run(
        'annotate',
        'kustomization',
        'apps',
        '-n',
        'flux-system',
        'reconcile.fluxcd.io/requestedAt=again',
      );
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toContain('--overwrite is false');

      await kubectl.ok(
        'patch',
        'kustomization',
        'apps',
        '-n',
        'flux-system',
        '--type',
        'merge',
        '-p',
        '{"spec":{"suspend":true}}',
      );
      expect(apps().spec).toMatchObject({ suspend: true });
      expect(apps().metadata.generation).toBe(2);

      await kubectl.ok(
        'patch',
        'kustomization',
        'apps',
        '-n',
        'flux-system',
        '--type',
        'json',
        '-p',
        '[{"op":"replace","path":"/spec/interval","value":"1m"},{"op":"remove","path":"/spec/suspend"}]',
      );
      expect(apps().spec).toEqual({
        interval: '1m',
        path: './apps',
        prune: true,
        sourceRef: { kind: 'GitRepository', name: 'flux-system' },
      });

      const failedTest = await kubectl.run(
        'patch',
        'kustomization',
        'apps',
        '-n',
        'flux-system',
        '--type',
        'json',
        '-p',
        '[{"op":"test","path":"/spec/interval","value":"2h"}]',
      );
      expect(failedTest.code).not.toBe(0);
      expect(failedTest.stderr).toContain(
        'the server rejected our request due to an error in our request',
      );

      const stale = await kubectl.run(
        'annotate',
        'kustomization',
        'apps',
        '-n',
        'flux-system',
        '--overwrite',
        '--resource-version=1',
        'a=b',
      );
      expect(stale.code).not.toBe(0);
      expect(stale.stderr).toContain(
        'the object has been modified; please apply your changes to the latest version and try again',
      );
    });

    it('applies a Flux Kustomization manifest, then updates it', async () => {
      const manifest = kubectl.file('infrastructure.yaml', MANIFEST);
      expect(await kubectl.ok('apply', '-f', manifest)).toContain(
        'kustomization.kustomize.toolkit.fluxcd.io/infrastructure created',
      );
      const reference = {
        ...KUSTOMIZATION,
        namespace: 'flux-system',
        name: 'infrastructure',
      };
      const created = server.store.get(reference)!;
      expect(created.spec).toMatchObject({
        interval: '10m',
        path: './infrastructure',
      });
      expect(
        created.metadata.annotations?.[
          'kubectl.kubernetes.io/last-applied-configuration'
        ],
      ).toContain('./infrastructure');
      // Default validation is server-side ("Strict"), negotiated through OpenAPI v3.
      const post = server.requests.find(
        r => r.method === 'POST' && r.path.endsWith('/kustomizations'),
      );
      expect(post?.query.get('fieldValidation')).toBe('Strict');

      kubectl.file(
        'infrastructure.yaml',
        MANIFEST.replace('interval: 10m', 'interval: 2m'),
      );
      expect(await kubectl.ok('apply', '-f', manifest)).toContain('configured');
      const updated = server.store.get(reference)!;
      expect(updated.spec).toMatchObject({ interval: '2m' });
      expect(updated.metadata.generation).toBe(2);
      const patch = server.requests.find(
        r => r.method === 'PATCH' && r.path.endsWith('/infrastructure'),
      );
      expect(patch?.headers['content-type']).toBe(
        'application/merge-patch+json',
      );

      expect(await kubectl.ok('apply', '-f', manifest)).toContain('unchanged');
      expect(server.store.get(reference)!.metadata.resourceVersion).toBe(
        updated.metadata.resourceVersion,
      );
    });

    it('deletes a Kustomization', async () => {
      expect(
        await kubectl.ok(
          'delete',
          'kustomization',
          'apps',
          '-n',
          'flux-system',
        ),
      ).toContain('kustomization.kustomize.toolkit.fluxcd.io "apps" deleted');
      expect(
        server.store.get({
          ...KUSTOMIZATION,
          namespace: 'flux-system',
          name: 'apps',
        }),
      ).toBeUndefined();
      const missing = await kubectl.run(
        'delete',
        'kustomization',
        'apps',
        '-n',
        'flux-system',
      );
      expect(missing.stderr).toContain(
        'kustomizations.kustomize.toolkit.fluxcd.io "apps" not found',
      );
    });

    it('watches Kustomizations and prints the change', async () => {
      const child = kubectl.spawn([
        'get',
        'kustomizations',
        '-n',
        'flux-system',
        '--watch',
      ]);
      let output = '';
      child.stdout!.on('data', chunk => {
        output += chunk;
      });
      await waitFor(() => output.includes('apps'), 10_000);
      server.store.patchStatus(
        { ...KUSTOMIZATION, namespace: 'flux-system', name: 'apps' },
        {
          conditions: [
            {
              type: 'Ready',
              status: 'False',
              reason: 'BuildFailed',
              message: 'kustomize build failed',
              lastTransitionTime: '2025-01-01T00:01:00Z',
            },
          ],
        },
      );
      await waitFor(() => output.includes('kustomize build failed'), 10_000);
      child.kill();
      const rows = output.trim().split('\n');
      expect(rows[0]).toMatch(/^NAME\s+AGE\s+READY\s+STATUS$/);
      expect(rows[rows.length - 1]).toMatch(
        /^apps\s+\S+\s+False\s+kustomize build failed$/,
      );
    });
  },
);

describe('kubectl over HTTPS with a bearer token', () => {
  let server: TestKubernetesApiServer;

  beforeAll(async () => {
    server = await startTestKubernetesApiServer({
      token: 'kubectl-token',
      tls: {
        key: TEST_CERTIFICATES.serverKey,
        cert: TEST_CERTIFICATES.serverCert,
        ca: TEST_CERTIFICATES.ca,
        requestClientCert: false,
      },
    });
  });

  afterAll(() => server.stop());

  it('authenticates with the token and refuses a wrong one', async () => {
    const kubectl = new Kubectl(server.kubeconfig());
    const wrong = new Kubectl(server.kubeconfig({ token: 'wrong' }));
    try {
      expect(await kubectl.ok('get', 'namespaces', '-o', 'name')).toContain(
        'namespace/default',
      );
      expect(
        server.requests.some(
          r => r.headers.authorization === 'Bearer kubectl-token',
        ),
      ).toBe(true);
      const refused = await wrong.run('get', 'namespaces');
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toContain('You must be logged in to the server');
    } finally {
      kubectl.dispose();
      wrong.dispose();
    }
  });
});
