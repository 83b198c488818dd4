import { FluxObjectSummary } from './FluxObjectSummary';

/**
 * The body of `POST .../reconcile`, as the flux CLI's flags.
 *
 * @public
 */
export interface FluxReconcileRequest {
  /** Reconcile the object's source first and wait for it. */
  withSource?: boolean;
  /** HelmRelease: force a one-off install or upgrade. */
  force?: boolean;
  /** HelmRelease: reset the failure counts. */
  reset?: boolean;
}

/**
 * How a reconcile request ended.
 *
 * @public
 */
export type FluxReconcileOutcome = 'succeeded' | 'failed' | 'timedOut';

/**
 * @public
 */
export interface FluxReconcileResult {
  outcome: FluxReconcileOutcome;
  /** Flux's Ready message, or why we stopped waiting. */
  message?: string;
  /** The token written to `reconcile.fluxcd.io/requestedAt`. */
  requestedAt: string;
  lastHandledReconcileAt?: string;
  object: FluxObjectSummary;
}

/**
 * The answer to `POST .../reconcile` and `POST .../resume`.
 *
 * @public
 */
export interface FluxReconcileResponse extends FluxReconcileResult {
  /** The source's own result when `withSource` was asked. */
  source?: FluxReconcileResult;
}

/**
 * The answer to `POST .../suspend`.
 *
 * @public
 */
export interface FluxSuspendResponse {
  object: FluxObjectSummary;
  suspendedBy: string;
  suspendedAt: string;
}

/**
 * A core/v1 Event about a Flux object.
 *
 * @public
 */
export interface FluxEvent {
  type?: string;
  reason?: string;
  message?: string;
  count?: number;
  firstTimestamp?: string;
  lastTimestamp?: string;
  reportingController?: string;
}

/**
 * @public
 */
export interface FluxEventsResponse {
  items: FluxEvent[];
}
