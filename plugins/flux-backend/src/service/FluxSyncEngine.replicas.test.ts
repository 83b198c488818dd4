import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import {
  createHubbopsTestDatabases,
  registerFluxResources,
  startTestKubernetesApiServer,
} from '@hubbops/test-kit';
import { KubeConfig } from '@kubernetes/client-node';
import { Knex } from 'knex';
import { eventually } from '../__testUtils__/eventually';
import { kustomization } from '../__testUtils__/fluxTestObjects';
import { ClusterRegistry } from './ClusterRegistry';
import { FluxActionService } from './FluxActionService';
import { readFluxConfig } from './FluxConfig';
import { FluxDatabase } from './FluxDatabase';
import { FluxSyncEngine } from './FluxSyncEngine';

jest.setTimeout(60_000);

const databases = createHubbopsTestDatabases();

describe('several replicas on one database', () => {
  it.each(databases.eachSupportedId())(
    'lets one replica sync while the others serve what it stores, then hands over (%p)',
    async databaseId => {
      const knex: Knex = await databases.init(databaseId);
      const server = await startTestKubernetesApiServer();
      registerFluxResources(server, {
        kinds: ['Kustomization', 'GitRepository'],
      });
      server.store.create(kustomization('apps'));
      const kubeConfig = new KubeConfig();
      kubeConfig.loadFromString(server.kubeconfig());
      const registry = new ClusterRegistry([
        {
          name: 'prod',
          source: 'kubeconfig',
          url: server.url,
          demo: false,
          kubeConfig,
        },
      ]);
      const config = readFluxConfig(
        new ConfigReader({
          flux: { sync: { minRetryDelay: '50ms', writeDelay: '10ms' } },
        }),
      );
      const replica = async () => {
        const engine = new FluxSyncEngine({
          registry,
          config,
          logger: mockServices.logger.mock(),
          database: await FluxDatabase.create(
            mockServices.database({ knex }) as never,
          ),
        });
        await engine.start({ sync: false });
        return engine;
      };
      const names = (engine: FluxSyncEngine) =>
        engine.index
          .query({})
          .items.map(o => `${o.name}${o.suspended ? ' (suspended)' : ''}`);
      const a = await replica();
      const b = await replica();
      const ref = {
        cluster: 'prod',
        kind: 'Kustomization',
        namespace: 'flux-system',
        name: 'apps',
      };

      try {
        const termOfA = new AbortController();
        const leadingA = a.lead(60_000, termOfA.signal);
        await eventually(async () => {
          await b.followDatabase();
          expect(names(b)).toEqual(['apps']);
          expect(b.cluster('prod')?.health.status).toBe('healthy');
        });
        // Only the leader watches: one watch per served kind.
        expect(a.syncing).toBe(true);
        expect(b.syncing).toBe(false);
        await eventually(() => expect(server.activeWatchCount).toBe(2));

        // A follower acts on the cluster directly, using the stored served
        // versions; the leader's watch brings the change to the database.
        await new FluxActionService({
          engine: b,
          reconcileTimeoutMs: 1000,
        }).suspend(ref, 'user:default/bob');
        await eventually(async () => {
          await b.followDatabase();
          expect(names(b)).toEqual(['apps (suspended)']);
        });

        // The term ends; the other replica takes over and catches up.
        termOfA.abort();
        await leadingA;
        expect(a.syncing).toBe(false);
        await eventually(() => expect(server.activeWatchCount).toBe(0));
        server.store.create(kustomization('later'));
        const termOfB = new AbortController();
        const leadingB = b.lead(60_000, termOfB.signal);
        await eventually(() =>
          expect(names(b)).toEqual(['apps (suspended)', 'later']),
        );
        await eventually(async () => {
          await a.followDatabase();
          expect(names(a)).toEqual(['apps (suspended)', 'later']);
        });
        termOfB.abort();
        await leadingB;
      } finally {
        await a.stop();
        await b.stop();
        await server.stop();
      }
    },
  );
});
