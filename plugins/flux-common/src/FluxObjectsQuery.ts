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
  /**
   * An entity ref. Alone, the backend reads the entity's
   * `backstage.io/kubernetes-id`, `backstage.io/kubernetes-label-selector`
   * and `backstage.io/kubernetes-namespace` annotations from the catalog
   * (with the caller's credentials); with `labelSelector` or `kubernetesId`
   * those are used instead and the catalog is not asked (see README).
   */
  entity?: string;
  /** Overrides the entity's `backstage.io/kubernetes-label-selector` annotation. */
  labelSelector?: string;
  /** Overrides the entity's `backstage.io/kubernetes-id` annotation. */
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
  /**
   * Why an entity query matched nothing by design, e.g. the entity has none
   * of the Kubernetes annotations; meant to be shown to the user as is.
   */
  hint?: string;
}
