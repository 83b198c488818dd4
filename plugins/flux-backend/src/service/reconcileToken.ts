let lastToken = '';
let sequence = 0;

/**
 * A new `reconcile.fluxcd.io/requestedAt` value: an RFC 3339 timestamp with
 * nanoseconds, as the flux CLI writes (`time.RFC3339Nano`). JavaScript
 * clocks stop at milliseconds, so the sub-millisecond digits count requests
 * within the same millisecond, which keeps every token unique: Flux only
 * reconciles when the value changes.
 */
export function reconcileToken(now: Date = new Date()): string {
  const iso = now.toISOString(); // 2026-01-02T03:04:05.678Z
  const millis = iso.slice(0, 23);
  sequence = millis === lastToken ? sequence + 1 : 0;
  lastToken = millis;
  return `${millis}${String(sequence).padStart(6, '0')}Z`;
}
