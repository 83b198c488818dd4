import {
  FluxObjectReference,
  FluxObjectSummary,
} from '@hubbops/plugin-flux-common';

const UNITS: Array<[string, number]> = [
  ['d', 24 * 60 * 60 * 1000],
  ['h', 60 * 60 * 1000],
  ['m', 60 * 1000],
  ['s', 1000],
];

/** `3m ago`, `2d ago`; an empty string without a valid time. */
export function formatAge(time?: string, now: number = Date.now()): string {
  if (!time) return '';
  const then = Date.parse(time);
  if (Number.isNaN(then)) return '';
  const elapsed = Math.max(0, now - then);
  for (const [unit, ms] of UNITS) {
    if (elapsed >= ms) {
      return `${Math.floor(elapsed / ms)}${unit} ago`;
    }
  }
  return 'just now';
}

/** `GitRepository/flux-system/infra`, namespace defaulting to `namespace`. */
export function formatRef(
  ref: FluxObjectReference | undefined,
  namespace: string,
): string {
  if (!ref) return '';
  return `${ref.kind ? `${ref.kind}/` : ''}${ref.namespace ?? namespace}/${
    ref.name
  }`;
}

/** The most useful message of an error, including a backend's own. */
export function errorMessage(error: unknown): string {
  if (error && typeof error === 'object') {
    const cause = (error as { cause?: { message?: unknown } }).cause;
    if (cause && typeof cause.message === 'string' && cause.message) {
      return cause.message;
    }
    const message = (error as { message?: unknown }).message;
    if (typeof message === 'string' && message) {
      return message;
    }
  }
  return String(error);
}

/** The identity of an object, stable across refreshes. */
export function objectKeyOf(object: FluxObjectSummary): string {
  return [object.cluster, object.kind, object.namespace, object.name].join('/');
}

/**
 * A revision short enough for a table cell: Flux's `main@sha1:<40 hex>` or
 * `sha256:<64 hex>` keeps the first 12 digits of the digest, as `git log
 * --oneline` would; other revisions (chart versions) are kept whole.
 */
export function shortRevision(revision?: string): string {
  return (revision ?? '').replace(
    /\b(sha1|sha256):([0-9a-f]{12})[0-9a-f]+/,
    '$1:$2',
  );
}
