import { FluxRawObject } from '@hubbops/plugin-flux-common';

/** What a redacted value reads as. */
export const REDACTED = '***';

/** kubectl's copy of the applied object, values included. */
const LAST_APPLIED_ANNOTATION =
  'kubectl.kubernetes.io/last-applied-configuration';

function redactLeaves(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactLeaves);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([key, v]) => [key, redactLeaves(v)]),
    );
  }
  return REDACTED;
}

/**
 * A HelmRelease's inline `spec.values` often hold credentials (charts take
 * passwords and tokens as values), and anyone who may read Flux objects
 * would see them. Keeps the keys, so the structure stays readable, and
 * replaces every leaf with `***`; drops kubectl's last-applied copy, which
 * repeats them. Other kinds, and `valuesFrom` (references only), are
 * returned as they are.
 */
export function redactHelmValues(raw: FluxRawObject): FluxRawObject {
  if (raw.kind !== 'HelmRelease') return raw;
  const spec = raw.spec as Record<string, unknown> | undefined;
  const annotations = (raw.metadata?.annotations ?? {}) as Record<
    string,
    string
  >;
  const hasValues = spec?.values !== undefined && spec?.values !== null;
  const hasLastApplied = LAST_APPLIED_ANNOTATION in annotations;
  if (!hasValues && !hasLastApplied) return raw;
  const redacted: FluxRawObject = { ...raw };
  if (hasValues) {
    redacted.spec = { ...spec, values: redactLeaves(spec!.values) };
  }
  if (hasLastApplied) {
    const { [LAST_APPLIED_ANNOTATION]: _dropped, ...kept } = annotations;
    redacted.metadata = { ...raw.metadata, annotations: kept };
  }
  return redacted;
}
