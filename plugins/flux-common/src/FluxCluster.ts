import { FluxObjectStatus } from './FluxObjectSummary';

/**
 * Where a cluster was configured.
 *
 * @public
 */
export type FluxClusterSource = 'config' | 'kubeconfig' | 'registered';

/**
 * @public
 */
export type FluxClusterHealthStatus = 'healthy' | 'unhealthy' | 'unknown';

/**
 * What the plugin last learned about reaching a cluster.
 *
 * @public
 */
export interface FluxClusterHealth {
  status: FluxClusterHealthStatus;
  lastError?: string;
  checkedAt?: string;
  serverVersion?: string;
  /** Flux controller name (e.g. `source-controller`) to its version. */
  fluxVersions: Record<string, string>;
  /** The Flux release installed (e.g. `v2.8.8`), when the install says. */
  fluxRelease?: string;
  /** Flux kinds the cluster serves, with the version synced. */
  servedKinds?: Record<string, string>;
  /** Flux kinds the cluster does not serve (skipped, not an error). */
  skippedKinds?: string[];
}

/**
 * A cluster the plugin syncs Flux objects from.
 *
 * @public
 */
export interface FluxCluster {
  name: string;
  title?: string;
  source: FluxClusterSource;
  url: string;
  demo: boolean;
  health: FluxClusterHealth;
  counts: Record<FluxObjectStatus, number> & { total: number };
}

/**
 * @public
 */
export interface FluxClustersResponse {
  items: FluxCluster[];
}
