import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { TestRegistry } from './startTestRegistry';
import { createFixtureTar, TarFixtureEntry } from './tar';

/** Media types of the two manifest formats registries serve. */
export const TEST_MEDIA_TYPES = {
  oci: {
    manifest: 'application/vnd.oci.image.manifest.v1+json',
    index: 'application/vnd.oci.image.index.v1+json',
    config: 'application/vnd.oci.image.config.v1+json',
    layer: 'application/vnd.oci.image.layer.v1.tar+gzip',
  },
  docker: {
    manifest: 'application/vnd.docker.distribution.manifest.v2+json',
    index: 'application/vnd.docker.distribution.manifest.list.v2+json',
    config: 'application/vnd.docker.container.image.v1+json',
    layer: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  },
} as const;

const MANIFEST_ACCEPT = [
  TEST_MEDIA_TYPES.oci.manifest,
  TEST_MEDIA_TYPES.oci.index,
  TEST_MEDIA_TYPES.docker.manifest,
  TEST_MEDIA_TYPES.docker.index,
].join(', ');

/** `sha256:<hex>` of the bytes. */
export function sha256Digest(data: Buffer | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** A content descriptor as manifests hold them. */
export interface TestDescriptor {
  mediaType: string;
  digest: string;
  size: number;
}

/** The container part of a test image config. */
export interface TestImageRuntimeConfig {
  Env?: string[];
  Cmd?: string[];
  Entrypoint?: string[];
  WorkingDir?: string;
  User?: string;
  Labels?: Record<string, string>;
  ExposedPorts?: Record<string, object>;
}

/** Options of {@link pushTestImage}. */
export interface PushTestImageOptions {
  /** Repository inside the registry, e.g. `base/node`. */
  repository: string;
  /** Default `latest`. */
  tag?: string;
  /** Manifest format; default `oci`. */
  format?: 'oci' | 'docker';
  /**
   * Files of each layer, path (no leading slash) to content; directories
   * holding them are added. Default one layer with `etc/hubbops-base.txt`.
   */
  layers?: Array<Record<string, string>>;
  /** Replaces the default `config` (Env, Cmd, WorkingDir) of the image. */
  config?: TestImageRuntimeConfig;
  /**
   * When set, pushes one image per platform (`linux/amd64`, `linux/arm64/v8`)
   * whose layer also holds `etc/hubbops-platform` naming it, and tags an
   * image index (OCI) or manifest list (Docker) of them.
   */
  platforms?: string[];
}

/** One layer of a pushed test image. */
export interface TestImageLayer extends TestDescriptor {
  /** sha256 of the uncompressed tar. */
  diffId: string;
}

/** A single-platform image pushed by {@link pushTestImage}. */
export interface PushedTestImage {
  /** `host/repository:tag` */
  reference: string;
  /** Digest of what the tag points to (the index when `platforms` is set). */
  digest: string;
  mediaType: string;
  /** The manifest (of the first platform when `platforms` is set). */
  manifest: { config: TestDescriptor; layers: TestDescriptor[] } & Record<
    string,
    unknown
  >;
  manifestDigest: string;
  config: Record<string, any>;
  configDigest: string;
  layers: TestImageLayer[];
  /** Per platform (`os/arch[/variant]`), when `platforms` is set. */
  platforms?: Record<
    string,
    { manifestDigest: string; layers: TestImageLayer[]; configDigest: string }
  >;
}

/** The default runtime config of test images. */
export const DEFAULT_TEST_IMAGE_CONFIG: TestImageRuntimeConfig = {
  Env: ['PATH=/usr/local/bin:/usr/bin:/bin', 'HUBBOPS_BASE=1'],
  Cmd: ['/bin/sh'],
  WorkingDir: '/',
};

async function checkResponse(
  response: Response,
  what: string,
): Promise<Response> {
  if (!response.ok) {
    const body = await response.text().catch(() => '');
    throw new Error(
      `test registry: ${what} failed with ${response.status}: ${body.slice(
        0,
        500,
      )}`,
    );
  }
  return response;
}

function headers(
  registry: TestRegistry,
  repository: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  const authorization = registry.authorization([repository]);
  return { ...extra, ...(authorization ? { authorization } : {}) };
}

/** Uploads a blob with one POST + PUT (monolithic upload). */
export async function pushTestBlob(
  registry: TestRegistry,
  repository: string,
  data: Buffer,
): Promise<string> {
  const digest = sha256Digest(data);
  const started = await checkResponse(
    await fetch(`${registry.url}/v2/${repository}/blobs/uploads/`, {
      method: 'POST',
      headers: headers(registry, repository),
    }),
    `starting an upload to ${repository}`,
  );
  await started.arrayBuffer();
  const location = new URL(started.headers.get('location')!, registry.url);
  location.searchParams.set('digest', digest);
  const put = await checkResponse(
    await fetch(location, {
      method: 'PUT',
      headers: headers(registry, repository, {
        'content-type': 'application/octet-stream',
      }),
      body: data,
    }),
    `uploading blob ${digest} to ${repository}`,
  );
  await put.arrayBuffer();
  return digest;
}

/** PUTs a manifest (or index) under `reference`; returns its digest. */
export async function pushTestManifest(
  registry: TestRegistry,
  repository: string,
  reference: string,
  manifest: object,
  mediaType: string,
): Promise<string> {
  const body = Buffer.from(JSON.stringify(manifest));
  const response = await checkResponse(
    await fetch(`${registry.url}/v2/${repository}/manifests/${reference}`, {
      method: 'PUT',
      headers: headers(registry, repository, { 'content-type': mediaType }),
      body,
    }),
    `pushing manifest ${repository}:${reference}`,
  );
  await response.arrayBuffer();
  return sha256Digest(body);
}

function layerTar(files: Record<string, string>): Buffer {
  const entries = new Map<string, TarFixtureEntry>();
  for (const path of Object.keys(files).sort()) {
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const dir = `${parts.slice(0, i).join('/')}/`;
      if (!entries.has(dir)) entries.set(dir, { path: dir });
    }
    entries.set(path, { path, content: files[path] });
  }
  return createFixtureTar(
    [...entries.values()].sort((a, b) => (a.path < b.path ? -1 : 1)),
  );
}

async function pushSinglePlatform(
  registry: TestRegistry,
  options: PushTestImageOptions,
  platform: { os: string; architecture: string; variant?: string },
  platformFile?: string,
) {
  const types = TEST_MEDIA_TYPES[options.format ?? 'oci'];
  const layerFiles = options.layers ?? [
    { 'etc/hubbops-base.txt': 'a HubbOps test base image\n' },
  ];
  const layers: TestImageLayer[] = [];
  for (const [index, files] of layerFiles.entries()) {
    const withPlatform =
      platformFile && index === 0
        ? { ...files, 'etc/hubbops-platform': platformFile }
        : files;
    const tar = layerTar(withPlatform);
    const compressed = gzipSync(tar);
    await pushTestBlob(registry, options.repository, compressed);
    layers.push({
      mediaType: types.layer,
      digest: sha256Digest(compressed),
      size: compressed.length,
      diffId: sha256Digest(tar),
    });
  }
  const config = {
    created: '2024-01-01T00:00:00Z',
    architecture: platform.architecture,
    ...(platform.variant ? { variant: platform.variant } : {}),
    os: platform.os,
    config: options.config ?? DEFAULT_TEST_IMAGE_CONFIG,
    rootfs: { type: 'layers', diff_ids: layers.map(layer => layer.diffId) },
    history: layers.map((_, index) => ({
      created: '2024-01-01T00:00:00Z',
      created_by: `hubbops test-kit layer ${index}`,
    })),
  };
  const configBytes = Buffer.from(JSON.stringify(config));
  const configDigest = await pushTestBlob(
    registry,
    options.repository,
    configBytes,
  );
  const manifest = {
    schemaVersion: 2,
    mediaType: types.manifest,
    config: {
      mediaType: types.config,
      digest: configDigest,
      size: configBytes.length,
    },
    layers: layers.map(({ mediaType, digest, size }) => ({
      mediaType,
      digest,
      size,
    })),
  };
  return { config, configDigest, manifest, layers };
}

function parsePlatform(platform: string) {
  const [os, architecture, variant] = platform.split('/');
  if (!os || !architecture) {
    throw new Error(`test platform "${platform}" is not os/arch[/variant]`);
  }
  return { os, architecture, ...(variant ? { variant } : {}) };
}

/**
 * Builds a small image in-process (a `FROM scratch` image: one layer with a
 * tiny file, a config with Env, Cmd and WorkingDir) and pushes it through the
 * distribution API, to give image builders a base to append to.
 */
export async function pushTestImage(
  registry: TestRegistry,
  options: PushTestImageOptions,
): Promise<PushedTestImage> {
  const tag = options.tag ?? 'latest';
  const types = TEST_MEDIA_TYPES[options.format ?? 'oci'];
  const reference = `${registry.host}/${options.repository}:${tag}`;

  if (!options.platforms) {
    const image = await pushSinglePlatform(registry, options, {
      os: 'linux',
      architecture: 'amd64',
    });
    const digest = await pushTestManifest(
      registry,
      options.repository,
      tag,
      image.manifest,
      types.manifest,
    );
    return {
      reference,
      digest,
      mediaType: types.manifest,
      manifestDigest: digest,
      ...image,
    };
  }

  const pushed: NonNullable<PushedTestImage['platforms']> = {};
  const entries = [];
  let first:
    | (Awaited<ReturnType<typeof pushSinglePlatform>> & { digest: string })
    | undefined;
  for (const name of options.platforms) {
    const platform = parsePlatform(name);
    const image = await pushSinglePlatform(registry, options, platform, name);
    const body = JSON.stringify(image.manifest);
    const digest = await pushTestManifest(
      registry,
      options.repository,
      sha256Digest(body),
      image.manifest,
      types.manifest,
    );
    pushed[name] = {
      manifestDigest: digest,
      layers: image.layers,
      configDigest: image.configDigest,
    };
    entries.push({
      mediaType: types.manifest,
      digest,
      size: Buffer.byteLength(body),
      platform,
    });
    first ??= { ...image, digest };
  }
  const index = {
    schemaVersion: 2,
    mediaType: types.index,
    manifests: entries,
  };
  const digest = await pushTestManifest(
    registry,
    options.repository,
    tag,
    index,
    types.index,
  );
  if (!first) throw new Error('pushTestImage: platforms must not be empty');
  const { digest: manifestDigest, ...image } = first;
  return {
    reference,
    digest,
    mediaType: types.index,
    manifestDigest,
    ...image,
    platforms: pushed,
  };
}

/** A manifest read back from a test registry. */
export interface FetchedTestManifest {
  /** sha256 of the bytes as served. */
  digest: string;
  /** The `Docker-Content-Digest` header. */
  headerDigest: string | null;
  mediaType: string;
  raw: Buffer;
  json: Record<string, any>;
}

/**
 * Reads a manifest straight from the registry (not through the code under
 * test); undefined when the registry answers 404.
 */
export async function fetchTestManifest(
  registry: TestRegistry,
  repository: string,
  reference: string,
): Promise<FetchedTestManifest | undefined> {
  const response = await fetch(
    `${registry.url}/v2/${repository}/manifests/${reference}`,
    { headers: headers(registry, repository, { accept: MANIFEST_ACCEPT }) },
  );
  if (response.status === 404) {
    await response.arrayBuffer();
    return undefined;
  }
  await checkResponse(response, `reading manifest ${repository}:${reference}`);
  const raw = Buffer.from(await response.arrayBuffer());
  return {
    digest: sha256Digest(raw),
    headerDigest: response.headers.get('docker-content-digest'),
    mediaType: response.headers.get('content-type') ?? '',
    raw,
    json: JSON.parse(raw.toString('utf8')),
  };
}

/** Reads a blob straight from the registry; undefined on 404. */
export async function fetchTestBlob(
  registry: TestRegistry,
  repository: string,
  digest: string,
): Promise<Buffer | undefined> {
  const response = await fetch(
    `${registry.url}/v2/${repository}/blobs/${digest}`,
    { headers: headers(registry, repository) },
  );
  if (response.status === 404) {
    await response.arrayBuffer();
    return undefined;
  }
  await checkResponse(response, `reading blob ${repository}@${digest}`);
  return Buffer.from(await response.arrayBuffer());
}
