import { FluxObject } from './FluxClusterClient';

/** A status condition, as Flux (and Kubernetes) write them. */
export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown' | string;
  reason?: string;
  message?: string;
  observedGeneration?: number;
}

export const REQUESTED_AT_ANNOTATION = 'reconcile.fluxcd.io/requestedAt';

export function conditionOf(
  object: FluxObject | undefined,
  type: string,
): Condition | undefined {
  const conditions = object?.status?.conditions;
  if (!Array.isArray(conditions)) return undefined;
  return conditions.find((c: Condition) => c?.type === type);
}

/** `Ready=False BuildFailed: kustomize build failed: ...` */
export function describeCondition(condition: Condition | undefined): string {
  if (!condition) return 'no Ready condition yet';
  const reason = condition.reason ? ` ${condition.reason}` : '';
  const message = condition.message ? `: ${condition.message}` : '';
  return `${condition.type}=${condition.status}${reason}${message}`;
}

/** Whether the controller has looked at the object's current spec. */
export function observedCurrentGeneration(object: FluxObject): boolean {
  const generation = object.metadata.generation;
  const observed = object.status?.observedGeneration;
  return (
    generation === undefined ||
    observed === undefined ||
    observed === -1 ||
    observed >= generation
  );
}

/**
 * Whether Flux has handled the reconcile request `token`, or a later one
 * (someone else may have requested again since).
 */
export function handledRequest(object: FluxObject, token: string): boolean {
  const handled = object.status?.lastHandledReconcileAt;
  if (typeof handled !== 'string') return false;
  if (handled === token) return true;
  const [a, b] = [Date.parse(handled), Date.parse(token)];
  return !Number.isNaN(a) && !Number.isNaN(b) && a > b;
}

/** The source a Kustomization names, with Flux's namespace default. */
export function sourceRefOf(
  kustomization: FluxObject,
): { kind: string; name: string; namespace: string } | undefined {
  const ref = kustomization.spec?.sourceRef;
  if (typeof ref?.kind !== 'string' || typeof ref?.name !== 'string') {
    return undefined;
  }
  return {
    kind: ref.kind,
    name: ref.name,
    namespace:
      typeof ref.namespace === 'string' && ref.namespace
        ? ref.namespace
        : kustomization.metadata.namespace ?? 'flux-system',
  };
}

export const SOURCE_GROUP = 'source.toolkit.fluxcd.io';
export const KUSTOMIZE_GROUP = 'kustomize.toolkit.fluxcd.io';

/** The source kinds a Kustomization can use. */
export const SOURCE_KINDS = [
  'GitRepository',
  'OCIRepository',
  'Bucket',
  'ExternalArtifact',
] as const;
