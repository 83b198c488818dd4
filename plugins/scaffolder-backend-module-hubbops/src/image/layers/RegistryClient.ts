import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { Readable } from 'node:stream';
import {
  RegistryError,
  registryNetworkError,
  registryResponseError,
  RegistryOperationContext,
  SecretRedactor,
} from './errors';
import { isLoopbackRegistry, registryApiHost } from './imageReference';
import { MANIFEST_ACCEPT } from './mediaTypes';
import {
  parseAuthChallenge,
  RegistryAuthenticator,
  RegistryCredentials,
  repositoryScope,
} from './registryAuth';

/** Options of {@link RegistryClient}. */
export interface RegistryClientOptions {
  /** Registry as written in image references: `ghcr.io`, `127.0.0.1:5000`. */
  registry: string;
  credentials?: RegistryCredentials;
  /**
   * Reach the registry over plain HTTP. Default: only for loopback registries
   * (`localhost`, `127.x.x.x`, `[::1]`), like Docker.
   */
  plainHttp?: boolean;
  /**
   * Blobs up to this size go in one PUT; larger ones in PATCH chunks of this
   * size. Default 16 MiB (above the 5 MiB minimum chunk some registries have).
   */
  chunkSize?: number;
  fetch?: typeof fetch;
  signal?: AbortSignal;
  userAgent?: string;
}

/** A manifest as the registry served it. */
export interface FetchedManifest {
  mediaType: string;
  /** sha256 of the bytes served. */
  digest: string;
  bytes: Buffer;
  json: any;
}

/** Where blob content comes from: a buffer, a file, or a stream of known size. */
export type BlobSource =
  | { type: 'buffer'; data: Buffer }
  | { type: 'file'; path: string; size: number }
  | { type: 'stream'; stream: AsyncIterable<Uint8Array>; size: number };

export const DEFAULT_CHUNK_SIZE = 16 * 1024 * 1024;

function sha256(data: Buffer): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

function sourceSize(source: BlobSource): number {
  return source.type === 'buffer' ? source.data.length : source.size;
}

/** Re-chunks a source into buffers of exactly `chunkSize` (the last shorter). */
async function* chunksOf(
  source: BlobSource,
  chunkSize: number,
): AsyncGenerator<Buffer> {
  if (source.type === 'buffer') {
    for (let offset = 0; offset < source.data.length; offset += chunkSize) {
      yield source.data.subarray(offset, offset + chunkSize);
    }
    return;
  }
  if (source.type === 'file') {
    const handle = await open(source.path, 'r');
    try {
      for (let offset = 0; offset < source.size; offset += chunkSize) {
        const length = Math.min(chunkSize, source.size - offset);
        const buffer = Buffer.alloc(length);
        const { bytesRead } = await handle.read(buffer, 0, length, offset);
        if (bytesRead !== length) {
          throw new Error(
            `${source.path} is shorter than ${source.size} bytes`,
          );
        }
        yield buffer;
      }
    } finally {
      await handle.close();
    }
    return;
  }
  let pending: Buffer[] = [];
  let pendingLength = 0;
  for await (const piece of source.stream) {
    let data = Buffer.from(piece);
    while (pendingLength + data.length >= chunkSize) {
      const take = chunkSize - pendingLength;
      pending.push(data.subarray(0, take));
      yield Buffer.concat(pending);
      data = data.subarray(take);
      pending = [];
      pendingLength = 0;
    }
    if (data.length) {
      pending.push(data);
      pendingLength += data.length;
    }
  }
  if (pendingLength) yield Buffer.concat(pending);
}

/**
 * A client of the OCI distribution API for one registry: manifests, blob
 * HEAD/GET, cross-repository mount and chunked or monolithic uploads, with
 * Basic and Bearer-token authentication. Errors name the operation and what to
 * do, and never contain the credentials.
 */
export class RegistryClient {
  readonly registry: string;
  readonly baseUrl: string;
  private readonly auth: RegistryAuthenticator;
  private readonly redactor = new SecretRedactor();
  private readonly fetchImpl: typeof fetch;
  private readonly chunkSize: number;
  private readonly signal?: AbortSignal;
  private readonly userAgent: string;
  private uploaded = 0;

  constructor(options: RegistryClientOptions) {
    this.registry = options.registry;
    const plainHttp = options.plainHttp ?? isLoopbackRegistry(options.registry);
    this.baseUrl = `${plainHttp ? 'http' : 'https'}://${registryApiHost(
      options.registry,
    )}`;
    this.fetchImpl = options.fetch ?? fetch;
    this.chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
    this.signal = options.signal;
    this.userAgent = options.userAgent ?? 'hubbops-layers-image-builder';
    this.auth = new RegistryAuthenticator({
      registry: options.registry,
      credentials: options.credentials,
      plainHttp,
      fetch: this.fetchImpl,
      redactor: this.redactor,
      userAgent: this.userAgent,
      signal: options.signal,
    });
  }

  /** Blob bytes this client has sent so far (PUT and PATCH bodies). */
  get bytesUploaded(): number {
    return this.uploaded;
  }

  /**
   * Declares that coming requests need `actions` on `repository`, so a bearer
   * token obtained once covers all of them (a mount needs push on the target
   * and pull on the source in the same token).
   */
  requireAccess(repository: string, actions: Array<'pull' | 'push'>): void {
    this.auth.addScope(repositoryScope(repository, actions));
  }

  /** Removes every credential and token this client knows from `text`. */
  redact(text: string): string {
    return this.redactor.redact(text);
  }

  private context(
    operation: string,
    repository: string,
    access: 'pull' | 'push',
  ): RegistryOperationContext {
    return {
      registry: this.registry,
      operation,
      repository,
      access,
      hasCredentials: this.auth.hasCredentials,
    };
  }

  /**
   * Sends a request, answering one auth challenge and retrying. The body must
   * be replayable (a buffer or nothing). Returns the final response, whatever
   * its status; the caller turns failures into errors.
   */
  private async send(
    method: string,
    url: string | URL,
    context: RegistryOperationContext,
    init: { headers?: Record<string, string>; body?: Buffer } = {},
  ): Promise<Response> {
    for (let attempt = 0; ; attempt++) {
      const headers: Record<string, string> = {
        'user-agent': this.userAgent,
        ...init.headers,
      };
      const authorization = this.auth.header;
      if (authorization) headers.authorization = authorization;
      let response: Response;
      try {
        response = await this.fetchImpl(url, {
          method,
          headers,
          body: init.body,
          signal: this.signal,
        });
      } catch (error) {
        throw this.redactor.redactError(
          registryNetworkError(context, String(url), error),
        );
      }
      if (response.status !== 401 || attempt > 0) return response;
      const challenge = parseAuthChallenge(
        response.headers.get('www-authenticate'),
      );
      const body = await response.text();
      let retry: boolean;
      try {
        // A parallel request may have renewed the authorization meanwhile.
        retry =
          this.auth.header !== authorization ||
          (await this.auth.respondTo(challenge, context));
      } catch (error) {
        throw this.redactor.redactError(error);
      }
      if (!retry) {
        return new Response(body, {
          status: response.status,
          headers: response.headers,
        });
      }
    }
  }

  private async fail(
    response: Response,
    context: RegistryOperationContext,
  ): Promise<never> {
    const body = await response.text().catch(() => '');
    throw this.redactor.redactError(
      registryResponseError(context, response.status, body),
    );
  }

  private url(path: string): string {
    return `${this.baseUrl}/v2/${path}`;
  }

  /** GETs a manifest or index by tag or digest; verifies a digest reference. */
  async getManifest(
    repository: string,
    reference: string,
    operation = `reading the manifest of ${this.registry}/${repository}:${reference}`,
  ): Promise<FetchedManifest> {
    const context = this.context(operation, repository, 'pull');
    const response = await this.send(
      'GET',
      this.url(`${repository}/manifests/${reference}`),
      context,
      { headers: { accept: MANIFEST_ACCEPT } },
    );
    if (!response.ok) return this.fail(response, context);
    const bytes = Buffer.from(await response.arrayBuffer());
    const digest = sha256(bytes);
    if (reference.startsWith('sha256:') && digest !== reference) {
      throw new RegistryError(
        `${operation} failed: the registry served content with digest ` +
          `${digest} for ${reference}`,
      );
    }
    let json: any;
    try {
      json = JSON.parse(bytes.toString('utf8'));
    } catch {
      throw new RegistryError(
        `${operation} failed: the registry served a manifest that is not JSON`,
      );
    }
    const contentType = (response.headers.get('content-type') ?? '')
      .split(';')[0]
      .trim();
    const mediaType =
      typeof json?.mediaType === 'string' && json.mediaType
        ? json.mediaType
        : contentType;
    return { mediaType, digest, bytes, json };
  }

  /** The digest a tag or digest currently resolves to, or undefined if none. */
  async headManifest(
    repository: string,
    reference: string,
  ): Promise<string | undefined> {
    const context = this.context(
      `checking ${this.registry}/${repository}:${reference}`,
      repository,
      'pull',
    );
    const response = await this.send(
      'HEAD',
      this.url(`${repository}/manifests/${reference}`),
      context,
      { headers: { accept: MANIFEST_ACCEPT } },
    );
    if (response.status === 404) return undefined;
    if (!response.ok) return this.fail(response, context);
    return response.headers.get('docker-content-digest') ?? undefined;
  }

  /** PUTs a manifest under a tag; returns the digest the registry reports. */
  async putManifest(
    repository: string,
    reference: string,
    bytes: Buffer,
    mediaType: string,
  ): Promise<string> {
    const context = this.context(
      `pushing the manifest of ${this.registry}/${repository}:${reference}`,
      repository,
      'push',
    );
    const response = await this.send(
      'PUT',
      this.url(`${repository}/manifests/${reference}`),
      context,
      { headers: { 'content-type': mediaType }, body: bytes },
    );
    if (!response.ok) return this.fail(response, context);
    await response.arrayBuffer();
    const digest = sha256(bytes);
    const reported = response.headers.get('docker-content-digest');
    if (reported && reported !== digest) {
      throw new RegistryError(
        `${context.operation} failed: the registry stored it as ${reported}, ` +
          `not ${digest}`,
      );
    }
    return digest;
  }

  /** Whether the repository has the blob (HEAD), and its size. */
  async headBlob(
    repository: string,
    digest: string,
  ): Promise<{ size: number } | undefined> {
    const context = this.context(
      `checking for blob ${digest} in ${this.registry}/${repository}`,
      repository,
      'pull',
    );
    const response = await this.send(
      'HEAD',
      this.url(`${repository}/blobs/${digest}`),
      context,
    );
    if (response.status === 404) return undefined;
    if (!response.ok) return this.fail(response, context);
    return { size: Number(response.headers.get('content-length') ?? -1) };
  }

  /** GETs a small blob (a config) into memory and verifies its digest. */
  async getBlob(
    repository: string,
    digest: string,
    operation = `reading blob ${digest} from ${this.registry}/${repository}`,
  ): Promise<Buffer> {
    const context = this.context(operation, repository, 'pull');
    const response = await this.send(
      'GET',
      this.url(`${repository}/blobs/${digest}`),
      context,
    );
    if (!response.ok) return this.fail(response, context);
    const data = Buffer.from(await response.arrayBuffer());
    if (sha256(data) !== digest) {
      throw new RegistryError(
        `${operation} failed: the registry served content with digest ` +
          `${sha256(data)}`,
      );
    }
    return data;
  }

  /** Opens a blob for streaming (redirects to storage are followed). */
  async openBlob(
    repository: string,
    digest: string,
  ): Promise<AsyncIterable<Uint8Array>> {
    const context = this.context(
      `reading blob ${digest} from ${this.registry}/${repository}`,
      repository,
      'pull',
    );
    const response = await this.send(
      'GET',
      this.url(`${repository}/blobs/${digest}`),
      context,
    );
    if (!response.ok || !response.body) return this.fail(response, context);
    return Readable.fromWeb(response.body as any);
  }

  /**
   * Asks the registry to mount `digest` from `fromRepository` into
   * `repository` (same registry). A refused mount (202) leaves an upload
   * session open, returned for the caller to upload the blob into.
   */
  async mountBlob(
    repository: string,
    digest: string,
    fromRepository: string,
  ): Promise<{ mounted: true } | { mounted: false; uploadUrl: string }> {
    const context = this.context(
      `mounting blob ${digest} from ${this.registry}/${fromRepository} into ` +
        `${this.registry}/${repository}`,
      repository,
      'push',
    );
    const url = new URL(this.url(`${repository}/blobs/uploads/`));
    url.searchParams.set('mount', digest);
    url.searchParams.set('from', fromRepository);
    const response = await this.send('POST', url, context);
    if (response.status === 201) {
      await response.arrayBuffer();
      return { mounted: true };
    }
    if (response.status === 202) {
      await response.arrayBuffer();
      return { mounted: false, uploadUrl: this.location(response, context) };
    }
    return this.fail(response, context);
  }

  private location(
    response: Response,
    context: RegistryOperationContext,
  ): string {
    const location = response.headers.get('location');
    if (!location) {
      throw new RegistryError(
        `${context.operation} failed: the registry answered ` +
          `${response.status} without a Location header`,
        response.status,
      );
    }
    return new URL(location, this.baseUrl).toString();
  }

  /** Starts an upload session; returns its URL. */
  async startUpload(repository: string): Promise<string> {
    const context = this.context(
      `starting a blob upload to ${this.registry}/${repository}`,
      repository,
      'push',
    );
    const response = await this.send(
      'POST',
      this.url(`${repository}/blobs/uploads/`),
      context,
    );
    if (response.status !== 202) return this.fail(response, context);
    await response.arrayBuffer();
    return this.location(response, context);
  }

  /**
   * Uploads a blob: one PUT when it fits in a chunk, else PATCH chunks with
   * `Content-Range` and a closing PUT, as the distribution spec describes.
   * Uses `uploadUrl` (e.g. from a refused mount) or starts a session.
   */
  async uploadBlob(
    repository: string,
    digest: string,
    source: BlobSource,
    uploadUrl?: string,
  ): Promise<void> {
    const context = this.context(
      `uploading blob ${digest} to ${this.registry}/${repository}`,
      repository,
      'push',
    );
    let location = uploadUrl ?? (await this.startUpload(repository));
    const size = sourceSize(source);
    const hash = createHash('sha256');
    let offset = 0;
    let finalBody: Buffer | undefined;

    if (size <= this.chunkSize) {
      const chunks: Buffer[] = [];
      for await (const chunk of chunksOf(source, this.chunkSize)) {
        chunks.push(chunk);
      }
      finalBody = Buffer.concat(chunks);
      hash.update(finalBody);
      offset = finalBody.length;
    } else {
      for await (const chunk of chunksOf(source, this.chunkSize)) {
        hash.update(chunk);
        const response = await this.send('PATCH', location, context, {
          headers: {
            'content-type': 'application/octet-stream',
            'content-range': `${offset}-${offset + chunk.length - 1}`,
          },
          body: chunk,
        });
        if (response.status !== 202) await this.fail(response, context);
        await response.arrayBuffer();
        this.uploaded += chunk.length;
        offset += chunk.length;
        location = this.location(response, context);
      }
    }
    const actual = `sha256:${hash.digest('hex')}`;
    if (offset !== size || actual !== digest) {
      throw new RegistryError(
        `${context.operation} failed: the content read has ${offset} bytes ` +
          `and digest ${actual}, expected ${size} bytes with ${digest}`,
      );
    }
    const url = new URL(location);
    url.searchParams.set('digest', digest);
    const response = await this.send('PUT', url, context, {
      headers: {
        'content-type': 'application/octet-stream',
      },
      body: finalBody ?? Buffer.alloc(0),
    });
    if (response.status !== 201) await this.fail(response, context);
    await response.arrayBuffer();
    this.uploaded += finalBody?.length ?? 0;
  }
}
