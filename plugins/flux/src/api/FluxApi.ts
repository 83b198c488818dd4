import { createApiRef } from '@backstage/core-plugin-api';
import {
  FluxCluster,
  FluxClusterConnectionTestRequest,
  FluxClusterConnectionTestResult,
  FluxClusterRegistrationRequest,
  FluxClusterUpdateRequest,
  FluxClustersResponse,
  FluxEventsResponse,
  FluxObjectDetail,
  FluxObjectsQuery,
  FluxObjectsResponse,
  FluxReconcileRequest,
  FluxReconcileResponse,
  FluxSuspendResponse,
} from '@hubbops/plugin-flux-common';

/**
 * Identifies one Flux object in one cluster.
 *
 * @public
 */
export interface FluxObjectKey {
  cluster: string;
  kind: string;
  namespace: string;
  name: string;
}

/**
 * Talks to the Flux backend under `/api/flux`.
 *
 * @public
 */
export interface FluxApi {
  /** Every cluster the backend syncs, with health and counts by status. */
  getClusters(): Promise<FluxClustersResponse>;
  /** Flux objects matching the filters, one page at a time. */
  getObjects(query?: FluxObjectsQuery): Promise<FluxObjectsResponse>;
  /** One object with its conditions and raw manifest. */
  getObject(key: FluxObjectKey): Promise<FluxObjectDetail>;
  /** Recent Kubernetes events about one object. */
  getEvents(key: FluxObjectKey): Promise<FluxEventsResponse>;
  /** Asks Flux to reconcile now and waits for the outcome. */
  reconcile(
    key: FluxObjectKey,
    request?: FluxReconcileRequest,
  ): Promise<FluxReconcileResponse>;
  suspend(key: FluxObjectKey): Promise<FluxSuspendResponse>;
  /** Resumes and reconciles. */
  resume(key: FluxObjectKey): Promise<FluxReconcileResponse>;
  /** Registers a cluster with its kubeconfig (needs `flux.cluster.admin`). */
  registerCluster(
    request: FluxClusterRegistrationRequest,
  ): Promise<FluxCluster>;
  /** Changes a cluster registered through the API; its sync restarts. */
  updateCluster(
    name: string,
    request: FluxClusterUpdateRequest,
  ): Promise<FluxCluster>;
  /** Removes a cluster registered through the API, with its objects. */
  removeCluster(name: string): Promise<void>;
  /**
   * Tries a connection: a kubeconfig before it is saved, or a known
   * cluster by `name`.
   */
  testClusterConnection(
    target: FluxClusterConnectionTestRequest | { name: string },
  ): Promise<FluxClusterConnectionTestResult>;
}

/**
 * The {@link FluxApi}.
 *
 * @public
 */
export const fluxApiRef = createApiRef<FluxApi>({
  id: 'plugin.flux.service',
});
