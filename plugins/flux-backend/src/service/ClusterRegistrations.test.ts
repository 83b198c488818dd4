import { randomBytes } from 'node:crypto';
import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import {
  createHubbopsTestDatabases,
  registerFluxResources,
  startTestKubernetesApiServer,
} from '@hubbops/test-kit';
import { eventually } from '../__testUtils__/eventually';
import { kustomization } from '../__testUtils__/fluxTestObjects';
import { ClusterRegistrations } from './ClusterRegistrations';
import { ClusterRegistry } from './ClusterRegistry';
import { readFluxConfig } from './FluxConfig';
import { FluxDatabase } from './FluxDatabase';
import { FluxSyncEngine } from './FluxSyncEngine';
import { KubeconfigCipher } from './KubeconfigCipher';

jest.setTimeout(60_000);

const databases = createHubbopsTestDatabases();

describe('ClusterRegistrations on several replicas', () => {
  it.each(databases.eachSupportedId())(
    'lets every replica pick up what another one registered, changed or removed (%p)',
    async databaseId => {
      const knex = await databases.init(databaseId);
      const server = await startTestKubernetesApiServer({ token: 'token-1' });
      registerFluxResources(server, { kinds: ['Kustomization'] });
      server.store.create(kustomization('apps'));
      const cipher = new KubeconfigCipher(randomBytes(32));
      const config = readFluxConfig(
        new ConfigReader({
          flux: { sync: { minRetryDelay: '50ms', writeDelay: '10ms' } },
        }),
      );
      const replica = async () => {
        const registry = new ClusterRegistry([]);
        const database = await FluxDatabase.create(
          mockServices.database({ knex }) as never,
        );
        const engine = new FluxSyncEngine({
          registry,
          config,
          logger: mockServices.logger.mock(),
          database,
        });
        const registrations = new ClusterRegistrations({
          registry,
          engine,
          database,
          cipher,
          logger: mockServices.logger.mock(),
          testTimeoutMs: 1000,
        });
        await registrations.reload();
        await engine.start();
        return { registry, engine, registrations };
      };
      const a = await replica();
      const b = await replica();
      const names = (engine: FluxSyncEngine) =>
        engine.index.query({}).items.map(o => `${o.cluster}/${o.name}`);

      try {
        await a.registrations.register(
          { name: 'edge', kubeconfig: server.kubeconfig() },
          'user:default/admin',
        );
        await b.registrations.reload();
        expect(b.registry.get('edge')?.registration).toMatchObject({
          revision: 1,
          context: 'test',
          updatedBy: 'user:default/admin',
        });
        // Both replicas sync it (no leader election here).
        await eventually(() => {
          expect(names(a.engine)).toEqual(['edge/apps']);
          expect(names(b.engine)).toEqual(['edge/apps']);
        });

        await a.registrations.update('edge', { title: 'Edge' });
        await b.registrations.reload();
        expect(b.engine.clusters()).toEqual([
          expect.objectContaining({
            name: 'edge',
            title: 'Edge',
            registration: expect.not.objectContaining({ revision: 2 }),
          }),
        ]);
        expect(b.registry.get('edge')?.registration?.revision).toBe(2);
        // The restarted sync keeps syncing.
        server.store.create(kustomization('later'));
        await eventually(() =>
          expect(names(b.engine)).toEqual(['edge/apps', 'edge/later']),
        );

        await a.registrations.remove('edge');
        expect(names(a.engine)).toEqual([]);
        await b.registrations.reload();
        expect(b.engine.clusters()).toEqual([]);
        expect(names(b.engine)).toEqual([]);
        await b.engine.flush();
        expect(await knex('flux_objects').select()).toEqual([]);
        expect(await knex('flux_clusters').select()).toEqual([]);
        await eventually(() => expect(server.activeWatchCount).toBe(0));
      } finally {
        await a.engine.stop();
        await b.engine.stop();
        await server.stop();
      }
    },
  );
});
