import {
  mockCredentials,
  mockServices,
  startTestBackend,
  TestBackend,
  TestDatabases,
} from '@backstage/backend-test-utils';
// The test runs the module in the Flux backend it extends.
// eslint-disable-next-line @backstage/no-mixed-plugin-imports
import fluxPlugin from '@hubbops/plugin-flux-backend';
import request from 'supertest';
import fluxModuleDemoFleet from './index';

jest.setTimeout(60_000);

interface ClusterBody {
  name: string;
  title?: string;
  demo: boolean;
  source: string;
  url: string;
  health: { status: string; fluxRelease?: string };
}

interface ObjectBody {
  cluster: string;
  kind: string;
  name: string;
  status: string;
}

async function eventually<T>(
  assertion: () => Promise<T>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await assertion();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise(resolve => setTimeout(resolve, 100));
    }
  }
}

const logger = mockServices.logger.mock();
// Backstage's default test database never closes its SQLite pool, whose
// timer then keeps the jest worker alive; TestDatabases closes its own.
const databases = TestDatabases.create({ ids: ['SQLITE_3'] });

async function start(demoFleet: object): Promise<TestBackend> {
  const knex = await databases.init('SQLITE_3');
  return startTestBackend({
    features: [
      fluxPlugin,
      fluxModuleDemoFleet,
      logger.factory,
      mockServices.database.factory({ knex }),
      mockServices.rootConfig.factory({
        data: {
          flux: {
            demoFleet,
            sync: { minRetryDelay: '100ms', maxRetryDelay: '500ms' },
          },
        },
      }),
    ],
  });
}

function get(backend: TestBackend | undefined, path: string) {
  return request(backend!.server)
    .get(`/api/flux${path}`)
    .set('Authorization', mockCredentials.user.header());
}

describe('fluxModuleDemoFleet', () => {
  let backend: TestBackend | undefined;

  afterEach(async () => {
    await backend?.stop();
    backend = undefined;
  });

  it('runs three healthy demo clusters with the example website', async () => {
    backend = await start({ enabled: true, activity: { enabled: false } });
    expect(logger.info).toHaveBeenCalledWith(
      expect.stringMatching(
        /demo fleet is running: demo-eu-west, demo-us-east, demo-ap-south .*flux\.demoFleet\.enabled: false/,
      ),
    );

    const clusters = await eventually(async () => {
      const { body } = await get(backend, '/clusters').expect(200);
      const items = body.items as ClusterBody[];
      expect(items.map(c => [c.name, c.health.status])).toEqual([
        ['demo-eu-west', 'healthy'],
        ['demo-us-east', 'healthy'],
        ['demo-ap-south', 'healthy'],
      ]);
      return items;
    });
    for (const cluster of clusters) {
      expect(cluster).toMatchObject({ demo: true, source: 'registered' });
      expect(cluster.title).toMatch(/\(demo\)$/);
      expect(cluster.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    }
    expect(clusters.map(c => c.health.fluxRelease)).toEqual([
      expect.stringMatching(/^v2\.8\./),
      expect.stringMatching(/^v2\.8\./),
      expect.stringMatching(/^v2\.7\./),
    ]);

    const objects = await eventually(async () => {
      const { body } = await get(
        backend,
        '/objects?kubernetesId=example-website&limit=1000',
      ).expect(200);
      const items = body.items as ObjectBody[];
      // Per cluster: GitRepository, Kustomization, HelmRelease,
      // ImageRepository and ImagePolicy.
      expect(items).toHaveLength(15);
      expect(
        items
          .filter(o => o.status === 'notReady')
          .map(o => o.cluster)
          .sort(),
      ).toEqual(['demo-ap-south', 'demo-us-east']);
      return items;
    });
    const kinds = new Set(objects.map(o => o.kind));
    expect([...kinds].sort()).toEqual([
      'GitRepository',
      'HelmRelease',
      'ImagePolicy',
      'ImageRepository',
      'Kustomization',
    ]);
    expect(
      objects
        .filter(o => o.status === 'notReady')
        .map(o => [o.cluster, o.kind, o.name]),
    ).toEqual(
      expect.arrayContaining([
        ['demo-us-east', 'Kustomization', 'example-website'],
        ['demo-ap-south', 'HelmRelease', 'example-website-redis'],
      ]),
    );

    const { body: suspended } = await get(
      backend,
      '/objects?status=suspended',
    ).expect(200);
    expect(
      (suspended.items as ObjectBody[]).map(o => [o.cluster, o.name]),
    ).toEqual([['demo-us-east', 'cert-manager']]);

    // Shutting the backend down stops the simulated clusters.
    await backend!.stop();
    backend = undefined;
    for (const cluster of clusters) {
      await expect(fetch(`${cluster.url}/version`)).rejects.toThrow();
    }
  });

  it('starts nothing when disabled', async () => {
    logger.info.mockClear();
    backend = await start({ enabled: false });
    expect(logger.info).not.toHaveBeenCalledWith(
      expect.stringMatching(/demo fleet/),
    );
    const { body } = await get(backend, '/clusters').expect(200);
    expect(body.items).toEqual([]);
  });
});
