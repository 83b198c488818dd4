import { execFile } from 'node:child_process';
import {
  createPrivateKey,
  KeyObject,
  randomUUID,
  sign,
  timingSafeEqual,
  X509Certificate,
} from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, IncomingMessage, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';

/** One request the token server answered, for tests to assert the flow. */
export interface TestRegistryTokenRequest {
  /** Scopes asked for, e.g. `repository:app/web:pull,push`. */
  scopes: string[];
  service?: string;
  /** The user that authenticated, or undefined for an anonymous request. */
  username?: string;
  /** HTTP status the token server answered with. */
  status: number;
}

/** A resource and the actions a token grants on it. */
export interface TokenAccess {
  type: string;
  name: string;
  actions: string[];
}

export const TOKEN_SERVICE = 'hubbops-test-registry';
export const TOKEN_ISSUER = 'hubbops-test-kit';

/**
 * Parses `repository:app/web:pull,push` (several may be space-separated in one
 * parameter) into access entries. Repository names never contain colons, but
 * a registry host in `registry:catalog:*` style scopes does not matter here.
 */
export function parseScopes(scopes: string[]): TokenAccess[] {
  const access: TokenAccess[] = [];
  for (const scope of scopes.flatMap(s => s.split(' ')).filter(Boolean)) {
    const first = scope.indexOf(':');
    const last = scope.lastIndexOf(':');
    if (first < 0 || last === first) continue;
    access.push({
      type: scope.slice(0, first),
      name: scope.slice(first + 1, last),
      actions: scope
        .slice(last + 1)
        .split(',')
        .filter(Boolean),
    });
  }
  return access;
}

function base64url(value: string | Buffer): string {
  return Buffer.from(value).toString('base64url');
}

/** Signs registry tokens with a throwaway key the registry is told to trust. */
export class TokenSigner {
  private constructor(
    private readonly key: KeyObject,
    private readonly certificate: X509Certificate,
    /** PEM of the self-signed certificate, the registry's `rootcertbundle`. */
    readonly certificatePath: string,
  ) {}

  /**
   * Generates an EC P-256 key and a self-signed certificate with the openssl
   * CLI (Node can sign but cannot issue certificates) into `dir`.
   */
  static async create(dir: string): Promise<TokenSigner> {
    const keyPath = join(dir, 'token.key');
    const certificatePath = join(dir, 'token.crt');
    await new Promise<void>((resolve, reject) =>
      execFile(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'ec',
          '-pkeyopt',
          'ec_paramgen_curve:prime256v1',
          '-nodes',
          '-days',
          '2',
          '-subj',
          '/CN=hubbops-test-registry-token-issuer',
          '-keyout',
          keyPath,
          '-out',
          certificatePath,
        ],
        { timeout: 15_000 },
        error =>
          error
            ? reject(
                new Error(
                  'the token-auth test registry needs the openssl CLI to make ' +
                    `its signing certificate (${error.message}); install it ` +
                    'with "apt-get install openssl", or use basic auth',
                ),
              )
            : resolve(),
      ),
    );
    const key = createPrivateKey(await readFile(keyPath));
    const certificate = new X509Certificate(await readFile(certificatePath));
    return new TokenSigner(key, certificate, certificatePath);
  }

  /** A JWT the registry accepts, granting exactly `access`. */
  sign(subject: string, access: TokenAccess[], lifetimeSeconds = 300): string {
    const now = Math.floor(Date.now() / 1000);
    const headerPart = base64url(
      JSON.stringify({
        typ: 'JWT',
        alg: 'ES256',
        // The registry verifies the chain against its rootcertbundle, which
        // holds this very certificate.
        x5c: [this.certificate.raw.toString('base64')],
      }),
    );
    const claimsPart = base64url(
      JSON.stringify({
        iss: TOKEN_ISSUER,
        sub: subject,
        aud: TOKEN_SERVICE,
        exp: now + lifetimeSeconds,
        nbf: now - 5,
        iat: now,
        jti: randomUUID(),
        access,
      }),
    );
    const signature = sign(
      'sha256',
      Buffer.from(`${headerPart}.${claimsPart}`),
      { key: this.key, dsaEncoding: 'ieee-p1363' },
    );
    return `${headerPart}.${claimsPart}.${base64url(signature)}`;
  }
}

function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

function basicCredentials(
  request: IncomingMessage,
): { username: string; password: string } | undefined {
  const header = request.headers.authorization;
  const match = header && /^Basic\s+(\S+)$/i.exec(header);
  if (!match) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return {
    username: decoded.slice(0, colon),
    password: decoded.slice(colon + 1),
  };
}

/**
 * The token endpoint of the Docker registry token flow
 * (`GET <realm>?service=...&scope=...`): the one configured user gets every
 * action asked for, an anonymous client gets a token granting nothing (as
 * token servers do: the registry then refuses the request), wrong credentials
 * get a 401.
 */
export async function startTokenServer(options: {
  signer: TokenSigner;
  username: string;
  password: string;
  requests: TestRegistryTokenRequest[];
}): Promise<{ realm: string; close(): Promise<void> }> {
  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const scopes = url.searchParams.getAll('scope');
    const service = url.searchParams.get('service') ?? undefined;
    const credentials = basicCredentials(request);
    const record = (status: number, username?: string) =>
      options.requests.push({ scopes, service, username, status });

    if (request.method !== 'GET' || url.pathname !== '/token') {
      record(404);
      response.writeHead(404).end();
      return;
    }
    if (
      credentials &&
      !(
        safeEqual(credentials.username, options.username) &&
        safeEqual(credentials.password, options.password)
      )
    ) {
      record(401);
      response
        .writeHead(401, {
          'content-type': 'application/json',
          'www-authenticate': 'Basic realm="hubbops-test-token-server"',
        })
        .end(
          JSON.stringify({
            errors: [{ code: 'UNAUTHORIZED', message: 'invalid credentials' }],
          }),
        );
      return;
    }
    const access = credentials ? parseScopes(scopes) : [];
    const token = options.signer.sign(credentials?.username ?? '', access);
    record(200, credentials?.username);
    response.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        token,
        access_token: token,
        expires_in: 300,
        issued_at: new Date().toISOString(),
      }),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    realm: `http://127.0.0.1:${port}/token`,
    close: () =>
      new Promise<void>(resolve => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
