import { createExtensionPoint } from '@backstage/backend-plugin-api';
import { KubeConfig } from '@kubernetes/client-node';

/**
 * A cluster a {@link FluxClusterSource} contributes to the Flux backend.
 *
 * @public
 */
export interface FluxClusterDefinition {
  /** Unique across every source and the configured clusters. */
  name: string;
  title?: string;
  /** The API server URL, shown in the UI. */
  url: string;
  /**
   * How to reach the cluster: a `KubeConfig` whose current context is the
   * cluster, or kubeconfig text (YAML or JSON) to load one from.
   */
  kubeConfig: KubeConfig | string;
  /** Flags the cluster as a demo cluster in the UI (default false). */
  demo?: boolean;
}

/**
 * Contributes clusters to the Flux backend, next to the configured ones.
 * The Flux backend reads `getClusters()` once when it starts.
 *
 * @public
 */
export interface FluxClusterSource {
  getClusters(): Promise<FluxClusterDefinition[]>;
}

/**
 * @public
 */
export interface FluxClusterSourcesExtensionPoint {
  addClusterSource(source: FluxClusterSource): void;
}

/**
 * Lets backend modules of the Flux plugin add clusters to sync.
 *
 * @public
 */
export const fluxClusterSourcesExtensionPoint =
  createExtensionPoint<FluxClusterSourcesExtensionPoint>({
    id: 'flux.clusterSources',
  });
