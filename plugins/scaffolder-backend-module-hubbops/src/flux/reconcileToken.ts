let lastMillis = '';
let sequence = 0;

/**
 * A `reconcile.fluxcd.io/requestedAt` value: RFC 3339 with nanoseconds, as
 * `flux reconcile` writes. Flux only reconciles when the value changes, so
 * the digits below the millisecond count calls within one millisecond.
 */
export function reconcileToken(now: Date = new Date()): string {
  const millis = now.toISOString().slice(0, 23);
  sequence = millis === lastMillis ? sequence + 1 : 0;
  lastMillis = millis;
  return `${millis}${String(sequence).padStart(6, '0')}Z`;
}
