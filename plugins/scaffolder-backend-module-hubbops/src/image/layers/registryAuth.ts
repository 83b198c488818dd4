import { AuthenticationError } from '@backstage/errors';
import {
  registryNetworkError,
  registryResponseError,
  RegistryOperationContext,
  SecretRedactor,
} from './errors';

/**
 * Credentials for one registry: a user name and password (or access token used
 * as a password, as GHCR, Harbor robot accounts and Docker Hub PATs are), or a
 * ready-made bearer token sent as is.
 */
export type RegistryCredentials =
  | { username: string; password: string }
  | { token: string };

/** One parsed `WWW-Authenticate` challenge. */
export interface AuthChallenge {
  /** Lowercased: `basic`, `bearer`. */
  scheme: string;
  params: Record<string, string>;
}

/**
 * Parses a `WWW-Authenticate` header such as
 * `Bearer realm="https://auth.example/token",service="reg",scope="repository:a:pull,push"`.
 * Quoted values may hold commas; only the first challenge is returned.
 */
export function parseAuthChallenge(
  header: string | null | undefined,
): AuthChallenge | undefined {
  const match = header && /^\s*([A-Za-z][\w-]*)\s*(.*)$/s.exec(header);
  if (!match) return undefined;
  const params: Record<string, string> = {};
  const param = /([\w-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))\s*,?\s*/gy;
  const rest = match[2];
  param.lastIndex = 0;
  for (
    let found = param.exec(rest);
    found && found[0];
    found = param.exec(rest)
  ) {
    params[found[1].toLowerCase()] =
      found[2] !== undefined ? found[2].replace(/\\(.)/g, '$1') : found[3];
  }
  return { scheme: match[1].toLowerCase(), params };
}

/** `repository:<name>:<actions>` */
export function repositoryScope(
  repository: string,
  actions: Array<'pull' | 'push'>,
): string {
  return `repository:${repository}:${actions.join(',')}`;
}

/** Merges scopes so each resource appears once with all its actions. */
export function mergeScopes(scopes: Iterable<string>): string[] {
  const merged = new Map<string, Set<string>>();
  for (const scope of [...scopes].flatMap(s => s.split(' ')).filter(Boolean)) {
    const last = scope.lastIndexOf(':');
    if (last <= 0) continue;
    const resource = scope.slice(0, last);
    const actions = merged.get(resource) ?? new Set<string>();
    scope
      .slice(last + 1)
      .split(',')
      .filter(Boolean)
      .forEach(action => actions.add(action));
    merged.set(resource, actions);
  }
  return [...merged.entries()]
    .map(
      ([resource, actions]) => `${resource}:${[...actions].sort().join(',')}`,
    )
    .sort();
}

/**
 * Answers a registry's auth challenges: Basic with the configured user, or the
 * Bearer token flow (trade the credentials, or nothing for anonymous pulls, at
 * the challenge's realm for a token covering every scope the caller declared).
 * Holds the `Authorization` value to send and never lets credentials into
 * errors.
 */
export class RegistryAuthenticator {
  private authorization?: string;
  private readonly scopes = new Set<string>();

  constructor(
    private readonly options: {
      registry: string;
      credentials?: RegistryCredentials;
      /** Whether the registry itself is reached over plain HTTP. */
      plainHttp: boolean;
      fetch: typeof fetch;
      redactor: SecretRedactor;
      userAgent: string;
      signal?: AbortSignal;
    },
  ) {
    const credentials = options.credentials;
    if (credentials && 'token' in credentials) {
      options.redactor.add(credentials.token);
    } else if (credentials) {
      options.redactor.add(credentials.password);
      options.redactor.add(
        Buffer.from(`${credentials.username}:${credentials.password}`).toString(
          'base64',
        ),
      );
    }
  }

  get hasCredentials(): boolean {
    return Boolean(this.options.credentials);
  }

  /** Declares access the coming requests need, so one token covers them all. */
  addScope(scope: string): void {
    this.scopes.add(scope);
  }

  /** The `Authorization` header value to send, if any yet. */
  get header(): string | undefined {
    return this.authorization;
  }

  /**
   * Reacts to a 401's challenge. Returns true when it obtained a different
   * authorization worth retrying the request with.
   */
  async respondTo(
    challenge: AuthChallenge | undefined,
    context: RegistryOperationContext,
  ): Promise<boolean> {
    const credentials = this.options.credentials;
    const previous = this.authorization;
    if (!challenge) return false;

    if (challenge.scheme === 'basic') {
      if (!credentials || !('username' in credentials)) return false;
      this.authorization = `Basic ${Buffer.from(
        `${credentials.username}:${credentials.password}`,
      ).toString('base64')}`;
      return this.authorization !== previous;
    }

    if (challenge.scheme !== 'bearer') return false;
    if (credentials && 'token' in credentials) {
      this.authorization = `Bearer ${credentials.token}`;
      return this.authorization !== previous;
    }
    if (challenge.params.scope) this.addScope(challenge.params.scope);
    const token = await this.fetchToken(challenge, context);
    this.authorization = `Bearer ${token}`;
    return this.authorization !== previous;
  }

  private async fetchToken(
    challenge: AuthChallenge,
    context: RegistryOperationContext,
  ): Promise<string> {
    const { realm, service } = challenge.params;
    const tokenContext = {
      ...context,
      operation: `getting a registry token from ${realm ?? '(no realm)'} for ${
        context.operation
      }`,
    };
    let url: URL;
    try {
      url = new URL(realm);
    } catch {
      throw new AuthenticationError(
        `${context.operation} failed: ${context.registry} asked for a ` +
          `bearer token without a valid realm URL ("${realm ?? ''}")`,
      );
    }
    const credentials = this.options.credentials;
    if (
      url.protocol !== 'https:' &&
      !(url.protocol === 'http:' && this.options.plainHttp)
    ) {
      throw new AuthenticationError(
        `${context.operation} failed: ${context.registry} sent its token ` +
          `realm ${url.origin} without https; refusing to send credentials there`,
      );
    }
    if (service) url.searchParams.set('service', service);
    for (const scope of mergeScopes(this.scopes)) {
      url.searchParams.append('scope', scope);
    }
    const headers: Record<string, string> = {
      'user-agent': this.options.userAgent,
      accept: 'application/json',
    };
    if (credentials && 'username' in credentials) {
      headers.authorization = `Basic ${Buffer.from(
        `${credentials.username}:${credentials.password}`,
      ).toString('base64')}`;
    }
    let response: Response;
    try {
      response = await this.options.fetch(url, {
        headers,
        signal: this.options.signal,
      });
    } catch (error) {
      throw registryNetworkError(tokenContext, url.toString(), error);
    }
    const body = await response.text();
    if (!response.ok) {
      throw registryResponseError(tokenContext, response.status, body);
    }
    let token: unknown;
    try {
      const parsed = JSON.parse(body);
      token = parsed.token ?? parsed.access_token;
    } catch {
      // handled below
    }
    if (typeof token !== 'string' || !token) {
      throw new AuthenticationError(
        `${tokenContext.operation} failed: the token endpoint answered ` +
          'without a token',
      );
    }
    this.options.redactor.add(token);
    return token;
  }
}
