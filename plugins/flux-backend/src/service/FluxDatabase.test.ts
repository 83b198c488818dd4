import {
  createHubbopsTestDatabases,
  registerFluxResources,
  startTestKubernetesApiServer,
} from '@hubbops/test-kit';
import { mockServices } from '@backstage/backend-test-utils';
import { FluxCluster, FluxObjectSummary } from '@hubbops/plugin-flux-common';
import { eventually } from '../__testUtils__/eventually';
import { kustomization } from '../__testUtils__/fluxTestObjects';
import {
  CLUSTER_TOKEN,
  startFluxTestBackend,
} from '../__testUtils__/startFluxTestBackend';
import { FluxDatabase } from './FluxDatabase';
import { FluxObjectIndex } from './FluxObjectIndex';
import { FluxObjectWriter } from './FluxObjectWriter';

jest.setTimeout(60_000);

const databases = createHubbopsTestDatabases();

describe('storing Flux state in the database', () => {
  it.each(databases.eachSupportedId())(
    'serves the stored objects after a restart while the cluster is down (%p)',
    async databaseId => {
      const knex = await databases.init(databaseId);
      const server = await startTestKubernetesApiServer({
        token: CLUSTER_TOKEN,
      });
      registerFluxResources(server);
      server.store.create(kustomization('apps'));
      server.store.create(kustomization('infra', { ready: 'False' }));
      server.store.create(kustomization('removed'));
      const clusters = [{ name: 'prod', server }];

      let flux = await startFluxTestBackend({ clusters, knex });
      await eventually(async () => {
        const { body } = await flux.get('/objects').expect(200);
        expect(body.totalCount).toBe(3);
      });
      // A deletion while running is stored as one too.
      server.store.delete({
        apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
        kind: 'Kustomization',
        namespace: 'flux-system',
        name: 'removed',
      });
      await eventually(async () => {
        const rows = await knex('flux_objects')
          .select('name', 'ready')
          .orderBy('name');
        expect(rows).toEqual([
          { name: 'apps', ready: 'True' },
          { name: 'infra', ready: 'False' },
        ]);
        const [health] = await knex('flux_clusters').select('status');
        expect(health.status).toBe('healthy');
      });
      await flux.stop();

      await server.goDown();
      flux = await startFluxTestBackend({ clusters, knex });
      try {
        // At once, before any sync could have succeeded.
        const { body } = await flux.get('/objects').expect(200);
        expect(
          body.items.map((o: FluxObjectSummary) => [o.name, o.status]),
        ).toEqual([
          ['apps', 'ready'],
          ['infra', 'notReady'],
        ]);
        const detail = await flux
          .get('/objects/prod/Kustomization/flux-system/apps')
          .expect(200);
        expect(detail.body.raw.metadata.name).toBe('apps');
        await eventually(async () => {
          const clustersResponse = await flux.get('/clusters').expect(200);
          const [prod]: FluxCluster[] = clustersResponse.body.items;
          expect(prod.health.status).toBe('unhealthy');
          expect(prod.counts).toEqual(
            expect.objectContaining({ total: 2, ready: 1, notReady: 1 }),
          );
        });
      } finally {
        await flux.stop();
        await server.stop();
      }
    },
  );

  it.each(databases.eachSupportedId())(
    'writes a burst of changes as one batch, the latest change per object winning (%p)',
    async databaseId => {
      const knex = await databases.init(databaseId);
      const database = await FluxDatabase.create(
        mockServices.database({ knex }) as never,
      );
      const writes = jest.spyOn(database, 'writeObjects');
      const writer = new FluxObjectWriter({
        database,
        delayMs: 10_000,
        logger: mockServices.logger.mock(),
      });
      const index = new FluxObjectIndex({ onChange: c => writer.enqueue(c) });
      for (let i = 0; i < 150; i++) {
        index.upsert('prod', {
          ...kustomization(`ks-${String(i).padStart(3, '0')}`),
          metadata: {
            name: `ks-${String(i).padStart(3, '0')}`,
            namespace: 'flux-system',
            resourceVersion: `${i}`,
          },
        });
      }
      index.upsert('prod', {
        ...kustomization('ks-000', { ready: 'False' }),
        metadata: {
          name: 'ks-000',
          namespace: 'flux-system',
          resourceVersion: '999',
        },
      });
      index.remove('prod', 'Kustomization', 'flux-system', 'ks-001');
      await writer.flush();

      expect(writes).toHaveBeenCalledTimes(1);
      const [{ n }] = await knex('flux_objects').count({ n: '*' });
      expect(Number(n)).toBe(149);
      const first = await knex('flux_objects')
        .where({ name: 'ks-000' })
        .first();
      expect(first.ready).toBe('False');
      expect(JSON.parse(first.summary).resourceVersion).toBe('999');

      const reloaded = new FluxObjectIndex();
      reloaded.load(await database.loadObjects());
      expect(reloaded.query({ limit: 1000 }).totalCount).toBe(149);
      expect(
        reloaded.get('prod', 'Kustomization', 'flux-system', 'ks-001'),
      ).toBeUndefined();
      await writer.stop();
    },
  );

  it.each(databases.eachSupportedId())(
    'stores cluster registrations with revisions, and removes one with its state (%p)',
    async databaseId => {
      const knex = await databases.init(databaseId);
      const database = await FluxDatabase.create(
        mockServices.database({ knex }) as never,
      );
      const sealed = { ciphertext: 'Y2lwaGVy', iv: 'aXY=', tag: 'dGFn' };
      const inserted = await database.insertClusterRegistration({
        name: 'edge',
        title: 'Edge',
        context: 'admin',
        url: 'https://edge.example.com',
        kubeconfig: sealed,
        actor: 'user:default/ann',
      });
      expect(inserted).toEqual({
        name: 'edge',
        title: 'Edge',
        context: 'admin',
        url: 'https://edge.example.com',
        kubeconfig: sealed,
        revision: 1,
        createdBy: 'user:default/ann',
        updatedBy: 'user:default/ann',
        createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        updatedAt: inserted.createdAt,
      });
      await expect(
        database.insertClusterRegistration({ ...inserted, actor: undefined }),
      ).rejects.toThrow(
        'A cluster named "edge" is already registered; choose another name or update that cluster',
      );

      const updated = await database.updateClusterRegistration('edge', {
        title: null,
        kubeconfig: { ...sealed, ciphertext: 'bmV3' },
        actor: 'user:default/bob',
      });
      expect(updated).toMatchObject({
        revision: 2,
        kubeconfig: { ciphertext: 'bmV3' },
        updatedBy: 'user:default/bob',
        createdBy: 'user:default/ann',
      });
      expect(updated.title).toBeUndefined();
      await expect(
        database.updateClusterRegistration('nope', { title: 'x' }),
      ).rejects.toThrow('No cluster named "nope" is registered');

      const index = new FluxObjectIndex();
      const writes = [
        index.upsert('edge', kustomization('apps')),
        index.upsert('prod', kustomization('apps')),
      ];
      await database.writeObjects(writes, []);
      await database.saveClusterHealth('edge', {
        status: 'healthy',
        fluxVersions: {},
      });
      expect(await database.deleteClusterRegistration('edge')).toBe(true);
      expect(await database.deleteClusterRegistration('edge')).toBe(false);
      expect(await database.listClusterRegistrations()).toEqual([]);
      expect(
        (await database.loadObjects()).map(o => o.summary.cluster),
      ).toEqual(['prod']);
      expect((await database.loadClusterHealth()).has('edge')).toBe(false);
    },
  );
});
