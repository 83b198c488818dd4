import { badRequestError } from './ApiStatusError';

/**
 * List continue tokens, shaped like the API server's: base64 JSON with the
 * resourceVersion of the first page (so later pages come from the same
 * snapshot) and the key to resume after.
 */

/** Continue tokens carry the list's resourceVersion and where to resume. */
export function encodeContinueToken(rv: number, start: string): string {
  return Buffer.from(
    JSON.stringify({ v: 'meta.k8s.io/v1', rv, start }),
  ).toString('base64');
}

export function decodeContinueToken(token: string): {
  rv: number;
  start: string;
} {
  try {
    const decoded = JSON.parse(Buffer.from(token, 'base64').toString('utf8'));
    if (
      decoded.v === 'meta.k8s.io/v1' &&
      typeof decoded.rv === 'number' &&
      typeof decoded.start === 'string'
    ) {
      return { rv: decoded.rv, start: decoded.start };
    }
  } catch {
    // fall through to the error below
  }
  throw badRequestError(
    'continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)',
  );
}
