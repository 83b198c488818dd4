import { createApiRef } from '@backstage/core-plugin-api';
import {
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
}

/**
 * The {@link FluxApi}.
 *
 * @public
 */
export const fluxApiRef = createApiRef<FluxApi>({
  id: 'plugin.flux.service',
});
