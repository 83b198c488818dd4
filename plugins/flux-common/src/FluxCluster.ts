import { FluxObjectStatus } from './FluxObjectSummary';

/**
 * Where a cluster was configured: app-config, `flux.kubeconfig`, or
 * `registered` (through the API, or by a backend module's cluster source).
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
  /** Set for clusters registered through the API (source `registered`). */
  registration?: FluxClusterRegistration;
  health: FluxClusterHealth;
  counts: Record<FluxObjectStatus, number> & { total: number };
}

/**
 * @public
 */
export interface FluxClustersResponse {
  items: FluxCluster[];
}

/**
 * How a cluster registered through the API was registered; only clusters
 * registered that way have it, and only they can be updated or removed.
 *
 * @public
 */
export interface FluxClusterRegistration {
  /** The kubeconfig context the cluster is reached through. */
  context: string;
  createdAt: string;
  updatedAt: string;
  /** Who registered or last changed it (an entity ref or service subject). */
  updatedBy?: string;
}

/**
 * Body of `POST /clusters`: a cluster to register with its kubeconfig.
 * The kubeconfig is stored encrypted and never returned.
 *
 * @public
 */
export interface FluxClusterRegistrationRequest {
  /** A DNS label: lower-case letters, digits and `-`, at most 63 long. */
  name: string;
  title?: string;
  /** The kubeconfig (YAML or JSON). */
  kubeconfig: string;
  /** Which context of the kubeconfig; its current context by default. */
  context?: string;
}

/**
 * Body of `PUT /clusters/:name`: what to change; a new kubeconfig replaces
 * the stored one, a context alone picks another context of the stored one.
 *
 * @public
 */
export interface FluxClusterUpdateRequest {
  /** A new title; `null` removes it. */
  title?: string | null;
  kubeconfig?: string;
  context?: string;
}

/**
 * Body of `POST /clusters/test`: a kubeconfig to try before saving it.
 *
 * @public
 */
export interface FluxClusterConnectionTestRequest {
  kubeconfig: string;
  context?: string;
}

/**
 * What a connection test found: whether the API server answered, its
 * version, the Flux kinds it serves and the Flux controllers installed.
 *
 * @public
 */
export interface FluxClusterConnectionTestResult {
  ok: boolean;
  /** The API server URL tried. */
  url: string;
  /** Why the test failed, when it did. */
  error?: string;
  serverVersion?: string;
  /** Flux kind to the group/version served. */
  servedKinds: Record<string, string>;
  skippedKinds: string[];
  /** Flux controller name to its version. */
  fluxVersions: Record<string, string>;
  fluxRelease?: string;
}
