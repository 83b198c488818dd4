import { ConfigReader } from '@backstage/config';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
  TestDatabases,
} from '@backstage/backend-test-utils';
import {
  createBackendModule,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import {
  FluxClusterService,
  fluxClusterServiceRef,
  fluxClusterSourcesExtensionPoint,
} from '@hubbops/plugin-flux-node';
import {
  registerFluxResources,
  startTestKubernetesApiServer,
} from '@hubbops/test-kit';
import { KubeConfig } from '@kubernetes/client-node';
import request from 'supertest';
import { fluxPlugin } from '../plugin';
import { eventually } from '../__testUtils__/eventually';
import { kustomization } from '../__testUtils__/fluxTestObjects';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClusterRegistry } from './ClusterRegistry';

const KUBECONFIG = `
apiVersion: v1
kind: Config
clusters:
- name: a
  cluster: { server: "https://a.example.com" }
- name: b
  cluster: { server: "https://b.example.com" }
users:
- name: u
  user: { token: "t" }
contexts:
- name: ctx-a
  context: { cluster: a, user: u }
- name: ctx-b
  context: { cluster: b, user: u }
current-context: ctx-a
`;

function kubeconfigFile(): string {
  const path = join(mkdtempSync(join(tmpdir(), 'flux-')), 'config');
  writeFileSync(path, KUBECONFIG);
  return path;
}

function registry(data: object) {
  return ClusterRegistry.fromConfig(new ConfigReader(data as any), {
    logger: mockServices.logger.mock(),
  });
}

describe('ClusterRegistry', () => {
  it('reads config clusters with a token or client certificates', () => {
    const clusters = registry({
      kubernetes: {
        clusterLocatorMethods: [
          { type: 'catalog' },
          {
            type: 'config',
            clusters: [
              {
                name: 'prod',
                title: 'Production',
                url: 'https://prod.example.com',
                authProvider: 'serviceAccount',
                serviceAccountToken: 'secret',
                caData: 'Q0E=',
              },
              {
                name: 'edge',
                url: 'https://edge.example.com',
                authProvider: 'x509ClientCert',
                authMetadata: {
                  'kubernetes.io/x509-client-cert': 'Y2VydA==',
                  'kubernetes.io/x509-client-key': 'a2V5',
                },
              },
            ],
          },
        ],
      },
      flux: { clusters: { demo: ['edge'] } },
    }).list();
    expect(
      clusters.map(c => [c.name, c.title, c.source, c.url, c.demo]),
    ).toEqual([
      ['prod', 'Production', 'config', 'https://prod.example.com', false],
      ['edge', undefined, 'config', 'https://edge.example.com', true],
    ]);
    expect(clusters[0].kubeConfig.getCurrentUser()?.token).toBe('secret');
    expect(clusters[0].kubeConfig.getCurrentCluster()?.caData).toBe('Q0E=');
    expect(clusters[1].kubeConfig.getCurrentUser()).toEqual(
      expect.objectContaining({ certData: 'Y2VydA==', keyData: 'a2V5' }),
    );
  });

  it('skips a cluster it cannot authenticate to, keeping the others', () => {
    const logger = mockServices.logger.mock();
    const clusters = ClusterRegistry.fromConfig(
      new ConfigReader({
        kubernetes: {
          clusterLocatorMethods: [
            {
              type: 'config',
              clusters: [
                { name: 'gke', url: 'https://gke', authProvider: 'google' },
                {
                  name: 'bare',
                  url: 'https://bare',
                  authProvider: 'serviceAccount',
                },
                { name: 'ok', url: 'https://ok', serviceAccountToken: 't' },
              ],
            },
          ],
        },
      }),
      { logger },
    ).list();
    expect(clusters.map(c => c.name)).toEqual(['ok']);
    expect(logger.warn).toHaveBeenCalledWith(
      expect.stringMatching(/authProvider "google"/),
    );
    expect(logger.warn).toHaveBeenCalledWith(
      expect.stringMatching(/"bare" has no credentials/),
    );
  });

  it('adds one cluster per kubeconfig context, or only the listed ones', () => {
    const path = kubeconfigFile();
    const all = registry({ flux: { kubeconfig: { path } } }).list();
    expect(all.map(c => [c.name, c.source, c.url])).toEqual([
      ['ctx-a', 'kubeconfig', 'https://a.example.com'],
      ['ctx-b', 'kubeconfig', 'https://b.example.com'],
    ]);
    const some = registry({
      flux: { kubeconfig: { path, contexts: ['ctx-b'] } },
    }).list();
    expect(some.map(c => c.name)).toEqual(['ctx-b']);
    expect(() =>
      registry({ flux: { kubeconfig: { path, contexts: ['ctx-c'] } } }),
    ).toThrow(/names "ctx-c", which .* does not define; it has ctx-a, ctx-b/);
  });

  it('refuses two clusters with the same name', () => {
    expect(() =>
      registry({
        kubernetes: {
          clusterLocatorMethods: [
            {
              type: 'config',
              clusters: [
                { name: 'ctx-a', url: 'https://x', serviceAccountToken: 't' },
              ],
            },
          ],
        },
        flux: { kubeconfig: { path: kubeconfigFile() } },
      }),
    ).toThrow(/Two clusters are named "ctx-a"/);
  });
});

describe('ClusterRegistry with cluster sources', () => {
  // Backstage's default test database never closes its SQLite pool, whose
  // timer then keeps the jest worker alive; TestDatabases closes its own.
  const databases = TestDatabases.create({ ids: ['SQLITE_3'] });

  it('adds the clusters of sources, keeping their demo flag', async () => {
    const logger = mockServices.logger.mock();
    const clusters = (
      await ClusterRegistry.create(
        new ConfigReader({
          flux: {
            kubeconfig: { path: kubeconfigFile(), contexts: ['ctx-a'] },
            clusters: { demo: ['named-demo'] },
          },
        }),
        {
          logger,
          sources: [
            {
              getClusters: async () => [
                {
                  name: 'from-text',
                  title: 'From text (demo)',
                  url: 'https://b.example.com',
                  kubeConfig: KUBECONFIG,
                  demo: true,
                },
                {
                  name: 'named-demo',
                  url: 'https://b.example.com',
                  kubeConfig: KUBECONFIG,
                },
                { name: 'broken', url: 'https://x', kubeConfig: '{' },
              ],
            },
            {
              getClusters: async () => {
                throw new Error('source down');
              },
            },
          ],
        },
      )
    ).list();
    expect(
      clusters.map(c => [c.name, c.title, c.source, c.url, c.demo]),
    ).toEqual([
      ['ctx-a', undefined, 'kubeconfig', 'https://a.example.com', false],
      [
        'from-text',
        'From text (demo)',
        'registered',
        'https://b.example.com',
        true,
      ],
      ['named-demo', undefined, 'registered', 'https://b.example.com', true],
    ]);
    expect(clusters[1].kubeConfig.getCurrentUser()?.token).toBe('t');
    expect(logger.warn).toHaveBeenCalledWith(
      expect.stringMatching(/"broken" of a cluster source/),
    );
    expect(logger.warn).toHaveBeenCalledWith(
      expect.stringMatching(/source down/),
    );
  });

  it('refuses a source cluster named like a configured one', async () => {
    await expect(
      ClusterRegistry.create(
        new ConfigReader({ flux: { kubeconfig: { path: kubeconfigFile() } } }),
        {
          logger: mockServices.logger.mock(),
          sources: [
            {
              getClusters: async () => [
                { name: 'ctx-b', url: 'https://b', kubeConfig: KUBECONFIG },
              ],
            },
          ],
        },
      ),
    ).rejects.toThrow(/Two clusters are named "ctx-b"/);
  });

  it('syncs a cluster a module adds through the extension point', async () => {
    const server = await startTestKubernetesApiServer({ token: 'module' });
    registerFluxResources(server);
    server.store.create(
      kustomization('shop', {
        labels: { 'backstage.io/kubernetes-id': 'shop' },
      }),
    );
    const sourceModule = createBackendModule({
      pluginId: 'flux',
      moduleId: 'test-source',
      register(env) {
        env.registerInit({
          deps: { sources: fluxClusterSourcesExtensionPoint },
          async init({ sources }) {
            sources.addClusterSource({
              getClusters: async () => [
                {
                  name: 'added',
                  title: 'Added (demo)',
                  url: server.url,
                  kubeConfig: server.kubeconfig(),
                  demo: true,
                },
              ],
            });
          },
        });
      },
    });
    let clusterService: FluxClusterService | undefined;
    const consumer = createBackendPlugin({
      pluginId: 'consumer',
      register(env) {
        env.registerInit({
          deps: { clusters: fluxClusterServiceRef },
          async init({ clusters }) {
            clusterService = clusters;
          },
        });
      },
    });
    const backend = await startTestBackend({
      features: [
        fluxPlugin,
        sourceModule,
        consumer,
        mockServices.database.factory({
          knex: await databases.init('SQLITE_3'),
        }),
        mockServices.rootConfig.factory({
          data: {
            flux: {
              sync: {
                minRetryDelay: '100ms',
                maxRetryDelay: '500ms',
                writeDelay: '20ms',
              },
            },
          },
        }),
      ],
    });
    try {
      const get = (path: string) =>
        request(backend.server)
          .get(`/api/flux${path}`)
          .set('Authorization', mockCredentials.user.header());
      await eventually(async () => {
        const { body } = await get('/clusters').expect(200);
        expect(body.items).toEqual([
          expect.objectContaining({
            name: 'added',
            title: 'Added (demo)',
            source: 'registered',
            url: server.url,
            demo: true,
            health: expect.objectContaining({ status: 'healthy' }),
          }),
        ]);
      });
      await eventually(async () => {
        const { body } = await get('/objects?kubernetesId=shop').expect(200);
        expect(body.items.map((o: { name: string }) => o.name)).toEqual([
          'shop',
        ]);
      });

      expect(await clusterService!.listClusters()).toEqual([
        { name: 'added', title: 'Added (demo)', url: server.url, demo: true },
      ]);
      const kubeConfig = await clusterService!.getKubeConfig('added');
      expect(kubeConfig.getCurrentCluster()?.server).toBe(server.url);
      expect(kubeConfig.getCurrentUser()?.token).toBe('module');
      await expect(clusterService!.getKubeConfig('other')).rejects.toThrow(
        /knows no cluster "other"; it has added/,
      );
    } finally {
      await backend.stop();
      await server.stop();
    }
  });
});

describe('ClusterRegistry at runtime', () => {
  const kubeConfigFor = (server: string) => {
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromOptions({
      clusters: [{ name: 'c', server, skipTLSVerify: false }],
      users: [{ name: 'u', token: 't' }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      currentContext: 'x',
    });
    return kubeConfig;
  };
  const registration = (revision: number) => ({
    context: 'x',
    createdAt: '2026-11-23T00:00:00.000Z',
    updatedAt: '2026-11-23T00:00:00.000Z',
    revision,
  });

  it('adds, replaces and removes registered clusters, keeping configured ones fixed', () => {
    const runtime = ClusterRegistry.fromConfig(
      new ConfigReader({
        kubernetes: {
          clusterLocatorMethods: [
            {
              type: 'config',
              clusters: [
                {
                  name: 'prod',
                  url: 'https://prod.example.com',
                  serviceAccountToken: 't',
                },
              ],
            },
          ],
        },
      }),
      { logger: mockServices.logger.mock() },
    );
    runtime.add({
      name: 'edge',
      source: 'registered',
      url: 'https://edge.example.com',
      demo: false,
      kubeConfig: kubeConfigFor('https://edge.example.com'),
      registration: registration(1),
    });
    expect(runtime.list().map(c => c.name)).toEqual(['prod', 'edge']);
    expect(() =>
      runtime.add({
        name: 'prod',
        url: '',
        error: 'x',
        registration: registration(1),
      }),
    ).toThrow(
      'A cluster named "prod" already exists (from app-config (kubernetes.clusterLocatorMethods)); cluster names must be unique, choose another one',
    );

    // An unusable replacement is listed apart and not handed out to sync.
    runtime.replace({
      name: 'edge',
      url: 'https://edge.example.com',
      error: 'cannot decrypt',
      registration: registration(2),
    });
    expect(runtime.list().map(c => c.name)).toEqual(['prod']);
    expect(runtime.unusable().map(c => c.name)).toEqual(['edge']);
    expect(runtime.registrationOf('edge')?.revision).toBe(2);
    expect(() => runtime.assertNameFree('edge')).toThrow(/already exists/);

    expect(() => runtime.assertRegisteredThroughApi('prod')).toThrow(
      /comes from app-config .* cannot be updated or removed through the API/,
    );
    expect(() => runtime.assertRegisteredThroughApi('nope')).toThrow(
      'No cluster named "nope" exists; GET /clusters lists them',
    );
    runtime.remove('edge');
    runtime.remove('prod');
    expect(runtime.has('edge')).toBe(false);
    expect(runtime.list().map(c => c.name)).toEqual(['prod']);
  });
});
