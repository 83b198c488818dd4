/**
 * The status of a Kubernetes condition.
 *
 * @public
 */
export type FluxConditionStatus = 'True' | 'False' | 'Unknown';

/**
 * A `status.conditions[]` entry of a Flux object.
 *
 * @public
 */
export interface FluxCondition {
  type: string;
  status: FluxConditionStatus;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
  observedGeneration?: number;
}

/**
 * A reference from one Flux object to another (`spec.sourceRef`,
 * `spec.dependsOn[]`, `spec.chart.spec.sourceRef`).
 *
 * @public
 */
export interface FluxObjectReference {
  kind?: string;
  name: string;
  namespace?: string;
  apiVersion?: string;
}

/**
 * One object a Kustomization applied (`status.inventory.entries[]`), parsed
 * from its `<namespace>_<name>_<group>_<kind>` id.
 *
 * @public
 */
export interface FluxInventoryEntry {
  id: string;
  namespace: string;
  name: string;
  group: string;
  kind: string;
  version: string;
}

/**
 * One status word per object, for filters and counts. Exclusive, in this
 * order of precedence: suspended, notReady (Ready False or stalled),
 * reconciling, ready, unknown.
 *
 * @public
 */
export type FluxObjectStatus =
  | 'ready'
  | 'notReady'
  | 'unknown'
  | 'suspended'
  | 'reconciling';

/**
 * @public
 */
export const FLUX_OBJECT_STATUSES: readonly FluxObjectStatus[] = [
  'notReady',
  'reconciling',
  'unknown',
  'suspended',
  'ready',
];

/**
 * What the plugin lists about a Flux object.
 *
 * @public
 */
export interface FluxObjectSummary {
  cluster: string;
  kind: string;
  apiVersion: string;
  namespace: string;
  name: string;
  uid: string;
  resourceVersion: string;
  generation?: number;
  observedGeneration?: number;
  ready: FluxConditionStatus;
  reason?: string;
  message?: string;
  status: FluxObjectStatus;
  suspended: boolean;
  reconciling: boolean;
  stalled: boolean;
  lastAppliedRevision?: string;
  lastAttemptedRevision?: string;
  lastHandledReconcileAt?: string;
  /** The latest `lastTransitionTime` among the conditions. */
  lastReconcileTime?: string;
  sourceRef?: FluxObjectReference;
  dependsOn: FluxObjectReference[];
  inventory: FluxInventoryEntry[];
  labels: Record<string, string>;
  /** Only the annotations Flux and Backstage give meaning to. */
  annotations: Record<string, string>;
}

/**
 * A Flux object as the API server returned it.
 *
 * @public
 */
export interface FluxRawObject {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    generation?: number;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    [key: string]: unknown;
  };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
  [key: string]: unknown;
}

/**
 * A Flux object with everything the detail view needs.
 *
 * @public
 */
export interface FluxObjectDetail extends FluxObjectSummary {
  conditions: FluxCondition[];
  raw: FluxRawObject;
}
