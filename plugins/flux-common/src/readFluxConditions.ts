import { FluxCondition, FluxRawObject } from './FluxObjectSummary';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/**
 * The well-formed entries of `status.conditions`; anything else is dropped
 * so one odd object cannot break a listing.
 *
 * @public
 */
export function readFluxConditions(raw: FluxRawObject): FluxCondition[] {
  const conditions = isRecord(raw.status) ? raw.status.conditions : undefined;
  if (!Array.isArray(conditions)) {
    return [];
  }
  return conditions.filter(isRecord).flatMap(c => {
    if (typeof c.type !== 'string') {
      return [];
    }
    const status =
      c.status === 'True' || c.status === 'False' ? c.status : 'Unknown';
    const condition: FluxCondition = { type: c.type, status };
    const reason = optionalString(c.reason);
    const message = optionalString(c.message);
    const lastTransitionTime = optionalString(c.lastTransitionTime);
    if (reason !== undefined) condition.reason = reason;
    if (message !== undefined) condition.message = message;
    if (lastTransitionTime !== undefined) {
      condition.lastTransitionTime = lastTransitionTime;
    }
    if (typeof c.observedGeneration === 'number') {
      condition.observedGeneration = c.observedGeneration;
    }
    return [condition];
  });
}
