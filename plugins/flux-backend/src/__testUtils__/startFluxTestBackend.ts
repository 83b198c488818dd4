import {
  mockCredentials,
  mockServices,
  ServiceMock,
  startTestBackend,
  TestBackend,
} from '@backstage/backend-test-utils';
import { AuditorService } from '@backstage/backend-plugin-api';
import { MetricsService } from '@backstage/backend-plugin-api/alpha';
import { Entity } from '@backstage/catalog-model';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { TestKubernetesApiServer } from '@hubbops/test-kit';
import knexFactory, { Knex } from 'knex';
import request from 'supertest';
import { fluxPlugin } from '../plugin';

export const CLUSTER_TOKEN = 'flux-test-token';

/** A test API server standing in for one named cluster. */
export interface FluxTestCluster {
  name: string;
  server: TestKubernetesApiServer;
}

export interface FluxTestBackendOptions {
  clusters: FluxTestCluster[];
  /** A test database; an in-memory SQLite otherwise. */
  knex?: Knex;
  /** Permission names to deny; can be changed while the backend runs. */
  deniedPermissions?: Set<string>;
  reconcileTimeout?: string;
  /** What the catalog holds, for `GET /objects?entity=`. */
  entities?: Entity[];
  /** Receives the plugin's metrics; Backstage's no-op otherwise. */
  metrics?: ServiceMock<MetricsService>;
  /** Extra `flux` config, merged over the test defaults. */
  fluxConfig?: Record<string, unknown>;
}

export interface FluxTestBackend {
  backend: TestBackend;
  auditor: ServiceMock<AuditorService>;
  /** Audit events recorded: `eventId` and how each ended. */
  auditEvents: Array<{
    eventId: string;
    meta?: unknown;
    outcome?: 'success' | 'fail';
  }>;
  get(path: string): request.Test;
  post(path: string, body?: object): request.Test;
  stop(): Promise<void>;
}

/**
 * Starts a backend with only the Flux plugin, configured with `clusters` as
 * `kubernetes.clusterLocatorMethods` entries and short retry delays.
 */
export async function startFluxTestBackend(
  options: FluxTestBackendOptions,
): Promise<FluxTestBackend> {
  const denied = options.deniedPermissions ?? new Set<string>();
  const auditEvents: FluxTestBackend['auditEvents'] = [];
  const auditor = mockServices.auditor.mock({
    createEvent: async ({ eventId, meta }) => {
      const event: FluxTestBackend['auditEvents'][number] = { eventId, meta };
      auditEvents.push(event);
      return {
        success: async () => {
          event.outcome = 'success';
        },
        fail: async () => {
          event.outcome = 'fail';
        },
      };
    },
  });
  const permissions = mockServices.permissions.mock({
    authorize: async requests =>
      requests.map(r => ({
        result: denied.has(r.permission.name)
          ? AuthorizeResult.DENY
          : AuthorizeResult.ALLOW,
      })) as any,
  });
  // Backstage's default test database never closes its SQLite pools
  // (DatabaseManager.shutdown skips sqlite3), so the backend gets its own.
  const knex =
    options.knex ??
    knexFactory({
      client: 'better-sqlite3',
      connection: ':memory:',
      useNullAsDefault: true,
    });
  const backend = await startTestBackend({
    features: [
      fluxPlugin,
      auditor.factory,
      permissions.factory,
      catalogServiceMock.factory({ entities: options.entities ?? [] }),
      ...(options.metrics ? [options.metrics.factory] : []),
      mockServices.database.factory({ knex }),
      mockServices.rootConfig.factory({
        data: {
          kubernetes: {
            clusterLocatorMethods: [
              {
                type: 'config',
                clusters: options.clusters.map(cluster => ({
                  name: cluster.name,
                  url: cluster.server.url,
                  authProvider: 'serviceAccount',
                  serviceAccountToken: CLUSTER_TOKEN,
                  // client-node sends tokens over plain HTTP only then.
                  skipTLSVerify: true,
                })),
              },
            ],
          },
          flux: {
            sync: {
              minRetryDelay: '100ms',
              maxRetryDelay: '500ms',
              requestTimeout: '2s',
              writeDelay: '20ms',
            },
            reconcile: { timeout: options.reconcileTimeout ?? '5s' },
            ...options.fluxConfig,
          },
        },
      }),
    ],
  });
  const user = mockCredentials.user.header('user:default/alice');
  return {
    backend,
    auditor,
    auditEvents,
    get: path =>
      request(backend.server)
        .get(`/api/flux${path}`)
        .set('Authorization', user),
    post: (path, body = {}) =>
      request(backend.server)
        .post(`/api/flux${path}`)
        .set('Authorization', user)
        .send(body),
    stop: async () => {
      await backend.stop();
      // Ours to close: otherwise the pool's reaper timer keeps the jest
      // worker alive ("A worker process has failed to exit gracefully").
      if (!options.knex) await knex.destroy();
    },
  };
}
