import { InputError, NotFoundError } from '@backstage/errors';
import { createHash } from 'node:crypto';
import { realpath } from 'node:fs/promises';
import * as path from 'node:path';
import {
  buildImageConfig,
  ImageConfigChanges,
  validateImageConfigChanges,
} from './imageConfig';
import {
  formatImageReference,
  ImageReference,
  parseImageReference,
} from './imageReference';
import {
  buildLayerTarball,
  DEFAULT_LAYER_DESTINATION,
  EPOCH,
} from './LayerTarball';
import {
  isImageManifestMediaType,
  isIndexMediaType,
  isNonDistributableLayer,
  MediaTypes,
} from './mediaTypes';
import { RegistryCredentials } from './registryAuth';
import { BlobSource, FetchedManifest, RegistryClient } from './RegistryClient';

/**
 * Credentials per registry, keyed by the registry as written in image
 * references (`ghcr.io`, `docker.io`, `registry.example.com:5000`), or a
 * function answering for a registry. Registries without credentials are
 * accessed anonymously.
 */
export type RegistryCredentialsSource =
  | Record<string, RegistryCredentials | undefined>
  | ((
      registry: string,
    ) =>
      | RegistryCredentials
      | undefined
      | Promise<RegistryCredentials | undefined>);

/** Steps reported through {@link LayersImageBuildOptions.onProgress}. */
export type ImageBuildStep =
  | 'build-layer'
  | 'resolve-base'
  | 'blob-exists'
  | 'mount-blob'
  | 'copy-blob'
  | 'upload-blob'
  | 'push-manifest'
  | 'done';

/** A progress report, for the action to log. */
export interface ImageBuildProgress {
  step: ImageBuildStep;
  message: string;
  /** Bytes the step concerns (layer size, bytes uploaded), when it has any. */
  bytes?: number;
}

/** Options of {@link LayersImageBuilder}. */
export interface LayersImageBuilderOptions {
  credentials?: RegistryCredentialsSource;
  /**
   * Registries to reach over plain HTTP. Loopback registries (`localhost`,
   * `127.x.x.x`) always are.
   */
  insecureRegistries?: string[];
  /** Upload chunk size in bytes; see {@link RegistryClient}. */
  chunkSize?: number;
  /** How many base layers to check, mount or copy at once; default 3. */
  concurrency?: number;
  /** Where to write the layer while building; default the OS temp dir. */
  tempDir?: string;
  /** Replaces the global fetch (tests, proxies). */
  fetch?: typeof fetch;
}

/** One build: what to start from, what to add, where to push. */
export interface LayersImageBuildOptions {
  /** `registry/repository:tag` or `...@sha256:...` of the image to extend. */
  baseImage: string;
  /** `registry/repository:tag` to push; the tag defaults to `latest`. */
  targetImage: string;
  /** Absolute path of the scaffolder workspace. */
  workspacePath: string;
  /** Directory inside the workspace holding the application; default `.`. */
  sourcePath?: string;
  /** Absolute directory in the image for the files; default `/app`. */
  destination?: string;
  /** Paths relative to the source directory to leave out, e.g. `.git`. */
  exclude?: string[];
  /** Runtime config changes: entrypoint, cmd, env, workdir, ports, labels, user. */
  config?: ImageConfigChanges;
  /** Platform to pick from a multi-platform base: `os/arch[/variant]`; default `linux/amd64`. */
  platform?: string;
  /** Owner of the application files in the image; default root (0:0). */
  owner?: { uid: number; gid: number };
  /**
   * Timestamp of the image config, its history entry and the layer's files;
   * default the Unix epoch, so that the same inputs give the same digest.
   */
  created?: string;
  onProgress?: (progress: ImageBuildProgress) => void;
  signal?: AbortSignal;
}

/** A layer of the built image. */
export interface BuiltImageLayer {
  mediaType: string;
  digest: string;
  size: number;
  /** Where it came from: the base image, or the application files. */
  origin: 'base' | 'app';
  /** For the application layer: sha256 of the uncompressed tar. */
  diffId?: string;
}

/** What {@link LayersImageBuilder.build} pushed. */
export interface LayersImageBuildResult {
  /** `registry/repository:tag@sha256:...` */
  imageRef: string;
  /** Digest of the pushed manifest. */
  digest: string;
  mediaType: string;
  configDigest: string;
  /** Digest of the base image manifest (the platform's, for an index). */
  baseDigest: string;
  layers: BuiltImageLayer[];
  /** Blob bytes sent to the target registry (mounts and existing blobs cost none). */
  bytesUploaded: number;
  /** Base layers mounted from the base repository. */
  blobsMounted: number;
  /** Base layers streamed from the base repository (mount refused, other registry). */
  blobsCopied: number;
  /** Blobs the target repository already had. */
  blobsExisting: number;
  /** False when the tag already pointed at this exact manifest. */
  manifestPushed: boolean;
}

interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
  urls?: string[];
}

interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

const DEFAULT_PLATFORM = 'linux/amd64';
const DIGEST = /^sha256:[a-f0-9]{64}$/;

function short(digest: string): string {
  return digest.slice(0, 'sha256:'.length + 12);
}

function parsePlatform(platform: string): Platform {
  const match = /^([a-z0-9]+)\/([a-z0-9_]+)(?:\/([a-z0-9]+))?$/.exec(platform);
  if (!match) {
    throw new InputError(
      `platform "${platform}" must look like os/arch[/variant], e.g. linux/amd64`,
    );
  }
  return { os: match[1], architecture: match[2], variant: match[3] };
}

function formatPlatform(platform: Partial<Platform> | undefined): string {
  return [platform?.os, platform?.architecture, platform?.variant]
    .filter(Boolean)
    .join('/');
}

function matchesPlatform(candidate: Partial<Platform>, wanted: Platform) {
  if (candidate.os !== wanted.os) return false;
  if (candidate.architecture !== wanted.architecture) return false;
  if (!wanted.variant) return true;
  // arm64 images usually omit their (only) variant, v8.
  const variant =
    candidate.variant ??
    (candidate.architecture === 'arm64' ? 'v8' : undefined);
  return variant === wanted.variant;
}

function isInside(root: string, candidate: string): boolean {
  return candidate === root || candidate.startsWith(root + path.sep);
}

function validDescriptor(value: any): value is Descriptor {
  return (
    value &&
    typeof value.mediaType === 'string' &&
    typeof value.digest === 'string' &&
    DIGEST.test(value.digest) &&
    Number.isSafeInteger(value.size) &&
    value.size >= 0
  );
}

async function mapLimit<T>(
  items: T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const workers = Array.from(
    { length: Math.min(Math.max(1, limit), items.length) },
    async () => {
      while (next < items.length) {
        const item = items[next++];
        await fn(item);
      }
    },
  );
  await Promise.all(workers);
}

/**
 * Resolves the application directory inside the workspace: `sourcePath` must
 * be relative, without `..`, and (after symlinks) still inside the workspace.
 */
export async function resolveSourceDirectory(
  workspacePath: string,
  sourcePath = '.',
): Promise<string> {
  if (!path.isAbsolute(workspacePath)) {
    throw new InputError(
      `workspacePath "${workspacePath}" must be an absolute path`,
    );
  }
  if (path.isAbsolute(sourcePath) || sourcePath.split(/[\\/]/).includes('..')) {
    throw new InputError(
      `sourcePath "${sourcePath}" must be a path inside the workspace, ` +
        'relative to it and without ".." segments',
    );
  }
  let workspace: string;
  try {
    workspace = await realpath(workspacePath);
  } catch {
    throw new InputError(`the workspace ${workspacePath} does not exist`);
  }
  let source: string;
  try {
    source = await realpath(path.resolve(workspace, sourcePath));
  } catch {
    throw new InputError(
      `sourcePath "${sourcePath}" does not exist in the workspace`,
    );
  }
  if (!isInside(workspace, source)) {
    throw new InputError(
      `sourcePath "${sourcePath}" leads outside the workspace through a ` +
        'symlink; point it at a directory inside the workspace',
    );
  }
  return source;
}

/**
 * The `layers` image builder: appends one layer holding the application files
 * to a base image without pulling the base image's layers, the way ko and Jib
 * do. Base layers reach the target repository by cross-repository mount (or a
 * streamed copy when the registry refuses it or the base is elsewhere); only
 * the new layer, the new config and the manifest are uploaded, and only when
 * the target lacks them, so a repeated build with the same inputs uploads
 * nothing and yields the same digest.
 */
export class LayersImageBuilder {
  constructor(private readonly options: LayersImageBuilderOptions = {}) {}

  private async credentialsFor(
    registry: string,
  ): Promise<RegistryCredentials | undefined> {
    const source = this.options.credentials;
    if (!source) return undefined;
    if (typeof source === 'function') return source(registry);
    return source[registry];
  }

  async build(
    options: LayersImageBuildOptions,
  ): Promise<LayersImageBuildResult> {
    const progress = (step: ImageBuildStep, message: string, bytes?: number) =>
      options.onProgress?.({
        step,
        message,
        ...(bytes !== undefined ? { bytes } : {}),
      });

    // Everything that can be checked without the network, first.
    const base = parseImageReference(options.baseImage, 'base image');
    const target = parseImageReference(options.targetImage, 'target image');
    if (target.digest) {
      throw new InputError(
        `target image "${options.targetImage}" must name a tag, not a digest: ` +
          'the digest is known only once the image is built',
      );
    }
    const tag = target.tag ?? 'latest';
    const changes = validateImageConfigChanges(options.config);
    const platform = parsePlatform(options.platform ?? DEFAULT_PLATFORM);
    const created =
      options.created ?? EPOCH.toISOString().replace('.000Z', 'Z');
    if (Number.isNaN(Date.parse(created))) {
      throw new InputError(`created "${created}" is not an ISO 8601 timestamp`);
    }
    const sourceDir = await resolveSourceDirectory(
      options.workspacePath,
      options.sourcePath,
    );
    const destination = options.destination ?? DEFAULT_LAYER_DESTINATION;

    const layer = await buildLayerTarball({
      sourceDir,
      destination,
      owner: options.owner,
      exclude: options.exclude,
      mtime: new Date(created),
      tempDir: this.options.tempDir,
    });
    try {
      progress(
        'build-layer',
        `built the application layer ${short(layer.digest)}: ${
          layer.entries
        } ` + `entries under ${destination}, ${layer.size} bytes compressed`,
        layer.size,
      );
      options.signal?.throwIfAborted();

      const clients = new Map<string, RegistryClient>();
      const clientFor = async (registry: string) => {
        let client = clients.get(registry);
        if (!client) {
          client = new RegistryClient({
            registry,
            credentials: await this.credentialsFor(registry),
            plainHttp: this.options.insecureRegistries?.includes(registry)
              ? true
              : undefined,
            chunkSize: this.options.chunkSize,
            fetch: this.options.fetch,
            signal: options.signal,
          });
          clients.set(registry, client);
        }
        return client;
      };
      const baseClient = await clientFor(base.registry);
      const targetClient = await clientFor(target.registry);
      // Declared up front so that one token covers reading the base, pushing
      // the target and mounting from one into the other.
      targetClient.requireAccess(target.repository, ['pull', 'push']);
      baseClient.requireAccess(base.repository, ['pull']);

      const resolved = await this.resolveBase(baseClient, base, platform);
      progress(
        'resolve-base',
        `resolved base image ${formatImageReference(base)} to ` +
          `${short(resolved.manifest.digest)} (${formatPlatform(
            resolved.config,
          )}), ${resolved.layers.length} layers`,
      );

      const ociFormat = resolved.manifest.mediaType === MediaTypes.ociManifest;
      const appLayer: BuiltImageLayer = {
        mediaType: ociFormat
          ? MediaTypes.ociLayerGzip
          : MediaTypes.dockerLayerGzip,
        digest: layer.digest,
        size: layer.size,
        origin: 'app',
        diffId: layer.diffId,
      };
      const config = buildImageConfig(resolved.config, changes, {
        diffId: layer.diffId,
        created,
        createdBy: `hubbops layers: COPY ${path.posix.join(
          '/',
          options.sourcePath ?? '.',
        )} ${destination}`,
      });
      const configBytes = Buffer.from(JSON.stringify(config));
      const configDigest = `sha256:${createHash('sha256')
        .update(configBytes)
        .digest('hex')}`;

      const stats = { mounted: 0, copied: 0, existing: 0 };
      const sameRegistry = base.registry === target.registry;

      const ensureBlob = async (
        descriptor: Descriptor,
        source: BlobSource | 'base',
      ) => {
        options.signal?.throwIfAborted();
        if (await targetClient.headBlob(target.repository, descriptor.digest)) {
          stats.existing++;
          progress(
            'blob-exists',
            `${short(descriptor.digest)} is already in ${target.repository}`,
          );
          return;
        }
        if (source !== 'base') {
          await targetClient.uploadBlob(
            target.repository,
            descriptor.digest,
            source,
          );
          progress(
            'upload-blob',
            `uploaded ${short(descriptor.digest)} (${descriptor.size} bytes)`,
            descriptor.size,
          );
          return;
        }
        let uploadUrl: string | undefined;
        if (sameRegistry && base.repository !== target.repository) {
          const mount = await targetClient.mountBlob(
            target.repository,
            descriptor.digest,
            base.repository,
          );
          if (mount.mounted) {
            stats.mounted++;
            progress(
              'mount-blob',
              `mounted base layer ${short(descriptor.digest)} from ${
                base.repository
              }`,
              descriptor.size,
            );
            return;
          }
          uploadUrl = mount.uploadUrl;
        }
        const stream = await baseClient.openBlob(
          base.repository,
          descriptor.digest,
        );
        await targetClient.uploadBlob(
          target.repository,
          descriptor.digest,
          { type: 'stream', stream, size: descriptor.size },
          uploadUrl,
        );
        stats.copied++;
        progress(
          'copy-blob',
          `copied base layer ${short(descriptor.digest)} from ` +
            `${base.registry}/${base.repository} (${descriptor.size} bytes)`,
          descriptor.size,
        );
      };

      // The application layer first, alone: its HEAD also settles the
      // target's authentication before requests run in parallel.
      await ensureBlob(appLayer, {
        type: 'file',
        path: layer.path,
        size: layer.size,
      });
      await mapLimit(
        resolved.layers.filter(l => !isNonDistributableLayer(l.mediaType)),
        this.options.concurrency ?? 3,
        descriptor => ensureBlob(descriptor, 'base'),
      );
      await ensureBlob(
        {
          mediaType: resolved.configMediaType,
          digest: configDigest,
          size: configBytes.length,
        },
        { type: 'buffer', data: configBytes },
      );

      const manifest: Record<string, unknown> = {
        schemaVersion: 2,
        mediaType: resolved.manifest.mediaType,
        config: {
          mediaType: resolved.configMediaType,
          digest: configDigest,
          size: configBytes.length,
        },
        layers: [
          ...resolved.layers,
          {
            mediaType: appLayer.mediaType,
            digest: appLayer.digest,
            size: appLayer.size,
          },
        ],
      };
      if (ociFormat) {
        manifest.annotations = {
          'org.opencontainers.image.base.digest': resolved.manifest.digest,
          'org.opencontainers.image.base.name': formatImageReference({
            ...base,
            digest: undefined,
          }),
        };
      }
      const manifestBytes = Buffer.from(JSON.stringify(manifest));
      const digest = `sha256:${createHash('sha256')
        .update(manifestBytes)
        .digest('hex')}`;
      const current = await targetClient.headManifest(target.repository, tag);
      const manifestPushed = current !== digest;
      if (manifestPushed) {
        await targetClient.putManifest(
          target.repository,
          tag,
          manifestBytes,
          resolved.manifest.mediaType,
        );
      }
      const imageRef = `${formatImageReference({ ...target, tag })}@${digest}`;
      progress(
        'push-manifest',
        manifestPushed
          ? `pushed ${imageRef}`
          : `${imageRef} was already pushed; nothing changed`,
        manifestPushed ? manifestBytes.length : 0,
      );

      const bytesUploaded = targetClient.bytesUploaded;
      progress(
        'done',
        `${imageRef}: ${stats.mounted} layers mounted, ${stats.copied} copied, ` +
          `${stats.existing} blobs already present, ${bytesUploaded} bytes uploaded`,
        bytesUploaded,
      );
      return {
        imageRef,
        digest,
        mediaType: resolved.manifest.mediaType,
        configDigest,
        baseDigest: resolved.manifest.digest,
        layers: [
          ...resolved.layers.map(l => ({
            mediaType: l.mediaType,
            digest: l.digest,
            size: l.size,
            origin: 'base' as const,
          })),
          appLayer,
        ],
        bytesUploaded,
        blobsMounted: stats.mounted,
        blobsCopied: stats.copied,
        blobsExisting: stats.existing,
        manifestPushed,
      };
    } finally {
      await layer.dispose();
    }
  }

  /**
   * Reads the base image's manifest (picking the platform from an index) and
   * config, not its layers.
   */
  private async resolveBase(
    client: RegistryClient,
    base: ImageReference,
    platform: Platform,
  ): Promise<{
    manifest: FetchedManifest;
    layers: Descriptor[];
    config: Record<string, any>;
    configMediaType: string;
  }> {
    const name = formatImageReference(base);
    const reference = base.digest ?? base.tag ?? 'latest';
    const notFound = (detail: string) =>
      new NotFoundError(
        `base image ${name} was not found: ${detail}; check the image name ` +
          'and tag, and that the image was pushed to that registry',
      );
    const read = async (ref: string) => {
      try {
        return await client.getManifest(
          base.repository,
          ref,
          `reading the manifest of base image ${name}`,
        );
      } catch (error) {
        if (error instanceof NotFoundError) throw notFound(error.message);
        throw error;
      }
    };

    let manifest = await read(reference);
    if (isIndexMediaType(manifest.mediaType)) {
      const entries: Array<Descriptor & { platform?: Partial<Platform> }> =
        Array.isArray(manifest.json.manifests) ? manifest.json.manifests : [];
      const match = entries.find(
        entry => entry.platform && matchesPlatform(entry.platform, platform),
      );
      if (!match || !validDescriptor(match)) {
        throw new NotFoundError(
          `base image ${name} has no image for platform ` +
            `${formatPlatform(platform)}; it has ${
              entries.map(e => formatPlatform(e.platform)).join(', ') || 'none'
            }: pick one of those platforms or another base image`,
        );
      }
      manifest = await read(match.digest);
    }
    if (
      manifest.mediaType === MediaTypes.dockerSchema1 ||
      manifest.mediaType === MediaTypes.dockerSchema1Signed ||
      manifest.json?.schemaVersion === 1
    ) {
      throw new InputError(
        `base image ${name} has a Docker schema 1 manifest, which cannot be ` +
          'extended; push the base image again with a current Docker or crane',
      );
    }
    if (!isImageManifestMediaType(manifest.mediaType)) {
      throw new InputError(
        `base image ${name} is a ${
          manifest.mediaType || 'untyped'
        } manifest, ` + 'not an OCI or Docker image manifest',
      );
    }
    const layers: unknown[] = Array.isArray(manifest.json.layers)
      ? manifest.json.layers
      : [];
    if (
      !validDescriptor(manifest.json.config) ||
      !layers.every(validDescriptor)
    ) {
      throw new InputError(
        `base image ${name} has a malformed manifest (config or layer ` +
          'descriptors are missing fields)',
      );
    }
    const configBytes = await client.getBlob(
      base.repository,
      manifest.json.config.digest,
      `reading the config of base image ${name}`,
    );
    let config: Record<string, any>;
    try {
      config = JSON.parse(configBytes.toString('utf8'));
    } catch {
      throw new InputError(`base image ${name} has a config that is not JSON`);
    }
    const diffIds = config?.rootfs?.diff_ids;
    if (!Array.isArray(diffIds) || diffIds.length !== layers.length) {
      throw new InputError(
        `base image ${name} is inconsistent: its config lists ${
          Array.isArray(diffIds) ? diffIds.length : 'no'
        } diff_ids for ${layers.length} layers`,
      );
    }
    return {
      manifest,
      layers: layers as Descriptor[],
      config,
      configMediaType: manifest.json.config.mediaType,
    };
  }
}
