import type { JsonObject } from '@backstage/types';
import { FLUX_KINDS, FluxKind } from '@hubbops/test-kit';
import { BENCH_KINDS } from './benchFleetObjects';
import { BenchCluster } from './benchMessages';

/**
 * The backend's configuration: the clusters as `kubernetes` config locator
 * entries, which both plugins read, and the Flux kinds as the Kubernetes
 * plugin's custom resources (and nothing else, so both fetch the same data).
 */
export function benchBackendConfig(options: {
  clusters: BenchCluster[];
  port: number;
}): JsonObject {
  const baseUrl = `http://127.0.0.1:${options.port}`;
  return {
    backend: {
      baseUrl,
      listen: { host: '127.0.0.1', port: options.port },
      database: { client: 'better-sqlite3', connection: ':memory:' },
      // The benchmark's requests carry no token.
      auth: { dangerouslyDisableDefaultAuthPolicy: true },
    },
    // Without a permission backend every request is allowed.
    permission: { enabled: false },
    kubernetes: {
      serviceLocatorMethod: { type: 'multiTenant' },
      clusterLocatorMethods: [
        {
          type: 'config',
          clusters: options.clusters.map(cluster => ({
            name: cluster.name,
            url: cluster.url,
            authProvider: 'serviceAccount',
            serviceAccountToken: cluster.token,
            // client-node sends tokens over plain HTTP only then.
            skipTLSVerify: true,
            skipMetricsLookup: true,
          })),
        },
      ],
      // No built-in kinds: only the Flux custom resources below.
      objectTypes: [],
      customResources: BENCH_KINDS.map(({ kind, apiVersion }) => {
        const info = FLUX_KINDS[kind as FluxKind];
        return {
          group: info.group,
          apiVersion: apiVersion.slice(apiVersion.indexOf('/') + 1),
          plural: info.plural,
        };
      }),
    },
  };
}
