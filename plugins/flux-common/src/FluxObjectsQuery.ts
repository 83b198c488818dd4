import { FluxObjectStatus, FluxObjectSummary } from './FluxObjectSummary';

/**
 * The fields `GET /objects` sorts by.
 *
 * @public
 */
export type FluxObjectsSortField =
  | 'name'
  | 'kind'
  | 'cluster'
  | 'status'
  | 'lastReconcileTime';

/**
 * The filters, paging and sort of `GET /objects`. Each list filter matches
 * any of its values.
 *
 * @public
 */
export interface FluxObjectsQuery {
  cluster?: string[];
  kind?: string[];
  namespace?: string[];
  status?: FluxObjectStatus[];
  /** Substring of name, namespace or message, case-insensitive. */
  text?: string;
  /** An entity ref; matched with `labelSelector`/`kubernetesId` (see README). */
  entity?: string;
  /** The entity's `backstage.io/kubernetes-label-selector` annotation. */
  labelSelector?: string;
  /** The entity's `backstage.io/kubernetes-id` annotation. */
  kubernetesId?: string;
  limit?: number;
  offset?: number;
  sort?: FluxObjectsSortField;
  order?: 'asc' | 'desc';
}

/**
 * @public
 */
export interface FluxObjectsResponse {
  items: FluxObjectSummary[];
  totalCount: number;
}
