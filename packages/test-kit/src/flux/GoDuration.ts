/**
 * Go `time.Duration` text, as Flux prints intervals and timings in status
 * messages and events ("Reconciliation finished in 12.5ms, next run in
 * 10m0s").
 */

const UNITS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** Parses `1h30m`, `5m`, `30s`, `1.5s`; undefined if not a duration. */
export function parseGoDuration(text: string | undefined): number | undefined {
  if (!text) return undefined;
  const pattern = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g;
  let total = 0;
  let consumed = 0;
  for (const match of text.matchAll(pattern)) {
    total += Number(match[1]) * UNITS[match[2]];
    consumed += match[0].length;
  }
  return consumed === text.length && consumed > 0 ? total : undefined;
}

function trimNumber(value: number, digits: number): string {
  return value.toFixed(digits).replace(/\.?0+$/, '');
}

/** Formats milliseconds like Go's `Duration.String()`. */
export function formatGoDuration(milliseconds: number): string {
  if (milliseconds === 0) return '0s';
  if (milliseconds < 1) return `${trimNumber(milliseconds * 1000, 3)}µs`;
  if (milliseconds < 1000) return `${trimNumber(milliseconds, 6)}ms`;
  const hours = Math.floor(milliseconds / 3_600_000);
  const minutes = Math.floor((milliseconds % 3_600_000) / 60_000);
  const seconds = (milliseconds % 60_000) / 1000;
  let text = '';
  if (hours > 0) text += `${hours}h`;
  if (hours > 0 || minutes > 0) text += `${minutes}m`;
  return `${text}${trimNumber(seconds, 9) || '0'}s`;
}
