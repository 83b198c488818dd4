import {
  AuthenticationError,
  CustomErrorBase,
  NotAllowedError,
  NotFoundError,
  ServiceUnavailableError,
} from '@backstage/errors';

/** A registry request failed in a way no more specific error describes. */
export class RegistryError extends CustomErrorBase {
  name = 'RegistryError' as const;
  constructor(
    message: string,
    /** HTTP status the registry answered with, if it answered. */
    readonly status?: number,
    /** The registry's error code, e.g. `MANIFEST_INVALID`. */
    readonly code?: string,
  ) {
    super(message);
  }
}

/** What a failed request was doing, to say so in the error. */
export interface RegistryOperationContext {
  /** Registry as written in references, e.g. `ghcr.io`. */
  registry: string;
  /** What was being done, e.g. `reading the manifest of ghcr.io/acme/base:1`. */
  operation: string;
  repository?: string;
  /** The permission the request needs. */
  access: 'pull' | 'push';
  hasCredentials: boolean;
}

/**
 * Replaces known secrets (passwords, tokens, encoded basic credentials) in
 * text, the last line of defence before a message leaves the client.
 */
export class SecretRedactor {
  private readonly secrets = new Set<string>();

  add(secret: string | undefined): void {
    // Very short values would blank out ordinary words of a message.
    if (secret && secret.length >= 4) this.secrets.add(secret);
  }

  redact(text: string): string {
    let result = text;
    for (const secret of [...this.secrets].sort(
      (a, b) => b.length - a.length,
    )) {
      result = result.split(secret).join('[REDACTED]');
    }
    return result;
  }

  /** Redacts an error's message and stack in place and returns it. */
  redactError<T>(error: T): T {
    if (error instanceof Error) {
      error.message = this.redact(error.message);
      if (error.stack) error.stack = this.redact(error.stack);
    }
    return error;
  }
}

/** The registry's `{"errors":[{code,message}]}` body, or a short text. */
export function summarizeRegistryBody(body: string): {
  code?: string;
  summary?: string;
} {
  try {
    const parsed = JSON.parse(body);
    const first = parsed?.errors?.[0];
    if (first && (first.code || first.message)) {
      return {
        code: typeof first.code === 'string' ? first.code : undefined,
        summary: [first.code, first.message]
          .filter(part => typeof part === 'string' && part)
          .join(': ')
          .slice(0, 300),
      };
    }
  } catch {
    // not JSON
  }
  const text = body.replace(/\s+/g, ' ').trim().slice(0, 200);
  return { summary: text || undefined };
}

/**
 * Turns a registry's error response into an error that says what failed and
 * what to do about it.
 */
export function registryResponseError(
  context: RegistryOperationContext,
  status: number,
  body: string,
): Error {
  const { code, summary } = summarizeRegistryBody(body);
  const answered = `${context.registry} answered ${status}${
    summary ? ` (${summary})` : ''
  }`;
  const failed = `${context.operation} failed: ${answered}`;
  const repository = context.repository ?? 'the repository';

  if (status === 401) {
    return new AuthenticationError(
      context.hasCredentials
        ? `${failed}; check the registry credentials configured for ` +
          `${context.registry}: they were rejected, or do not grant ` +
          `${context.access} access to ${repository}`
        : `${failed}; the registry requires authentication, and no ` +
          `credentials are configured for ${context.registry}: check the ` +
          `registry credentials configured for ${context.registry}`,
    );
  }
  if (status === 403 || code === 'DENIED') {
    return new NotAllowedError(
      `${failed}; the credentials configured for ${context.registry} are ` +
        `not allowed to ${context.access} ${repository}: grant them ` +
        `${context.access} access or use other credentials`,
    );
  }
  if (status === 404) {
    return new NotFoundError(failed);
  }
  if (status === 429) {
    return new RegistryError(
      `${failed}; the registry is rate limiting these requests: retry ` +
        `later, or configure credentials for ${context.registry} to get a ` +
        'higher limit',
      status,
      code,
    );
  }
  if (status >= 500) {
    return new ServiceUnavailableError(
      `${failed}; the registry is failing, retry later`,
    );
  }
  return new RegistryError(failed, status, code);
}

/** A request that got no HTTP answer at all. */
export function registryNetworkError(
  context: RegistryOperationContext,
  url: string,
  error: unknown,
): Error {
  if (error instanceof Error && error.name === 'AbortError') return error;
  const cause = (error as { cause?: { code?: string; message?: string } })
    ?.cause;
  const reason =
    cause?.code ?? cause?.message ?? (error as Error)?.message ?? 'unknown';
  return new ServiceUnavailableError(
    `${context.operation} failed: could not reach ${new URL(url).origin} ` +
      `(${reason}); check that the registry ${context.registry} is ` +
      'reachable from the Backstage backend and that its address is right',
  );
}
