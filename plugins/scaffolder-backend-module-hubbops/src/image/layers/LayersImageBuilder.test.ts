import { createMockDirectory } from '@backstage/backend-test-utils';
import {
  AuthenticationError,
  InputError,
  NotFoundError,
} from '@backstage/errors';
import {
  fetchTestBlob,
  fetchTestManifest,
  PushedTestImage,
  pushTestImage,
  sha256Digest,
  startTestRegistry,
  TEST_MEDIA_TYPES,
  TestRegistry,
} from '@hubbops/test-kit';
import { execFile } from 'node:child_process';
import { accessSync, constants as fsConstants } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import {
  ImageBuildProgress,
  LayersImageBuilder,
  LayersImageBuildOptions,
} from './LayersImageBuilder';

const appFiles = {
  'package.json': '{"name":"web","version":"1.0.0"}\n',
  'src/index.js': 'require("http").createServer().listen(8080)\n',
};

function canRunBuildah(): boolean {
  try {
    accessSync('/usr/bin/buildah', fsConstants.X_OK);
    return process.getuid?.() === 0;
  } catch {
    return false;
  }
}

/** Blob-writing requests (uploads), from the registry's access log. */
function uploads(requests: Array<{ method: string; path: string }>) {
  return requests.filter(r => ['PUT', 'PATCH'].includes(r.method));
}

async function manifestAndConfig(
  registry: TestRegistry,
  repository: string,
  reference: string,
) {
  const manifest = (await fetchTestManifest(registry, repository, reference))!;
  const configBlob = (await fetchTestBlob(
    registry,
    repository,
    manifest.json.config.digest,
  ))!;
  return { manifest, configBlob, config: JSON.parse(configBlob.toString()) };
}

describe('LayersImageBuilder', () => {
  const workspace = createMockDirectory();
  let registry: TestRegistry;
  let base: PushedTestImage;

  beforeAll(async () => {
    registry = await startTestRegistry();
    base = await pushTestImage(registry, {
      repository: 'base/node',
      tag: '22',
      layers: [
        { 'etc/os-release': 'ID=hubbops-test\n' },
        { 'usr/local/bin/node': '#!/bin/sh\necho fake node\n' },
      ],
      config: {
        Env: ['PATH=/usr/local/bin:/usr/bin:/bin', 'NODE_VERSION=22.0.0'],
        Cmd: ['node'],
        WorkingDir: '/',
        Labels: { 'org.example.base': 'node' },
      },
    });
  });

  afterAll(() => registry.stop());

  beforeEach(() => {
    workspace.setContent({ service: appFiles, 'README.md': 'not shipped' });
  });

  const buildOptions = (
    overrides: Partial<LayersImageBuildOptions> = {},
  ): LayersImageBuildOptions => ({
    baseImage: base.reference,
    targetImage: `${registry.host}/team/web:1.0.0`,
    workspacePath: workspace.path,
    sourcePath: 'service',
    destination: '/app',
    config: {
      env: {
        NODE_ENV: 'production',
        PATH: '/app/bin:/usr/local/bin:/usr/bin:/bin',
      },
      cmd: ['node', 'src/index.js'],
      workingDir: '/app',
      exposedPorts: [8080],
      labels: { 'org.opencontainers.image.title': 'web' },
      user: '1000:1000',
    },
    ...overrides,
  });

  it('appends the application layer to the base, mounting the base layers', async () => {
    await registry.clearRequests();
    const progress: ImageBuildProgress[] = [];
    const result = await new LayersImageBuilder().build(
      buildOptions({ onProgress: event => progress.push(event) }),
    );
    // What the builder asked of the registry, before this test reads it back.
    const requests = await registry.requests();

    const { manifest, configBlob, config } = await manifestAndConfig(
      registry,
      'team/web',
      '1.0.0',
    );
    // The registry serves what the builder says it pushed.
    expect(manifest.digest).toBe(result.digest);
    expect(manifest.headerDigest).toBe(result.digest);
    expect(result.imageRef).toBe(
      `${registry.host}/team/web:1.0.0@${result.digest}`,
    );
    expect(manifest.mediaType).toBe(TEST_MEDIA_TYPES.oci.manifest);
    expect(result.mediaType).toBe(TEST_MEDIA_TYPES.oci.manifest);
    expect(manifest.json.annotations).toEqual({
      'org.opencontainers.image.base.digest': base.digest,
      'org.opencontainers.image.base.name': `${registry.host}/base/node:22`,
    });

    // Base layers, unchanged, then one more.
    const layers = manifest.json.layers;
    expect(layers).toHaveLength(base.layers.length + 1);
    expect(layers.slice(0, -1)).toEqual(
      base.layers.map(({ mediaType, digest, size }) => ({
        mediaType,
        digest,
        size,
      })),
    );
    const appLayer = layers[layers.length - 1];
    expect(appLayer.mediaType).toBe(TEST_MEDIA_TYPES.oci.layer);
    expect(result.layers.map(l => l.digest)).toEqual(
      layers.map((l: { digest: string }) => l.digest),
    );

    // The config: its digest, diff_ids, and the merged runtime config.
    expect(sha256Digest(configBlob)).toBe(manifest.json.config.digest);
    expect(result.configDigest).toBe(manifest.json.config.digest);
    expect(manifest.json.config.size).toBe(configBlob.length);
    const appBlob = (await fetchTestBlob(
      registry,
      'team/web',
      appLayer.digest,
    ))!;
    expect(sha256Digest(appBlob)).toBe(appLayer.digest);
    expect(appBlob.length).toBe(appLayer.size);
    const appTar = gunzipSync(appBlob);
    expect(config.rootfs).toEqual({
      type: 'layers',
      diff_ids: [...base.layers.map(l => l.diffId), sha256Digest(appTar)],
    });
    expect(config.config).toEqual({
      Env: [
        'PATH=/app/bin:/usr/local/bin:/usr/bin:/bin',
        'NODE_VERSION=22.0.0',
        'NODE_ENV=production',
      ],
      Cmd: ['node', 'src/index.js'],
      WorkingDir: '/app',
      ExposedPorts: { '8080/tcp': {} },
      Labels: {
        'org.example.base': 'node',
        'org.opencontainers.image.title': 'web',
      },
      User: '1000:1000',
    });
    expect(config.architecture).toBe('amd64');
    expect(config.os).toBe('linux');
    expect(config.history).toHaveLength(base.layers.length + 1);
    expect(config.created).toBe('1970-01-01T00:00:00Z');

    // Only the application files, under /app.
    const listing = appTar.toString('latin1');
    expect(listing).toContain('app/src/index.js');
    expect(listing).toContain('createServer');
    expect(listing).not.toContain('README.md');

    // Base layers were mounted, not uploaded again.
    expect(result.blobsMounted).toBe(base.layers.length);
    expect(result.blobsCopied).toBe(0);
    expect(result.bytesUploaded).toBe(appLayer.size + configBlob.length);
    expect(result.manifestPushed).toBe(true);
    for (const layer of base.layers) {
      expect(requests).toContainEqual({
        method: 'POST',
        path: `/v2/team/web/blobs/uploads/?mount=${encodeURIComponent(
          layer.digest,
        )}&from=base%2Fnode`,
        status: 201,
      });
      expect(
        uploads(requests).filter(r => r.path.includes(layer.digest)),
      ).toEqual([]);
    }
    // No base layer was downloaded either.
    expect(
      requests.filter(r => r.method === 'GET' && r.path.includes('/blobs/')),
    ).toEqual([
      {
        method: 'GET',
        path: `/v2/base/node/blobs/${base.configDigest}`,
        status: 200,
      },
    ]);

    expect(progress.map(p => p.step)).toEqual([
      'build-layer',
      'resolve-base',
      'upload-blob',
      'mount-blob',
      'mount-blob',
      'upload-blob',
      'push-manifest',
      'done',
    ]);
    expect(progress[0].bytes).toBe(appLayer.size);
  });

  it('uploads nothing and yields the same digest when run again with the same inputs', async () => {
    const first = await new LayersImageBuilder().build(buildOptions());
    await registry.clearRequests();
    const second = await new LayersImageBuilder().build(buildOptions());

    expect(second.digest).toBe(first.digest);
    expect(second.configDigest).toBe(first.configDigest);
    expect(second.imageRef).toBe(first.imageRef);
    expect(second.bytesUploaded).toBe(0);
    expect(second.blobsMounted).toBe(0);
    expect(second.blobsExisting).toBe(base.layers.length + 2);
    expect(second.manifestPushed).toBe(false);
    const requests = await registry.requests();
    expect(requests.filter(r => !['GET', 'HEAD'].includes(r.method))).toEqual(
      [],
    );
  });

  it('changes only the application layer (and config) when one file changes', async () => {
    const before = await new LayersImageBuilder().build(buildOptions());
    workspace.addContent({ 'service/src/index.js': 'console.log("v2")\n' });
    const after = await new LayersImageBuilder().build(
      buildOptions({ targetImage: `${registry.host}/team/web:1.0.1` }),
    );

    expect(after.digest).not.toBe(before.digest);
    expect(after.configDigest).not.toBe(before.configDigest);
    const baseCount = base.layers.length;
    expect(after.layers.slice(0, baseCount)).toEqual(
      before.layers.slice(0, baseCount),
    );
    expect(after.layers[baseCount].digest).not.toBe(
      before.layers[baseCount].digest,
    );
    expect(after.blobsMounted).toBe(0); // already in team/web
    expect(after.bytesUploaded).toBe(
      after.layers[baseCount].size +
        (await fetchTestBlob(registry, 'team/web', after.configDigest))!.length,
    );
    const { config } = await manifestAndConfig(registry, 'team/web', '1.0.1');
    expect(config.rootfs.diff_ids.slice(0, baseCount)).toEqual(
      base.layers.map(l => l.diffId),
    );
  });

  it('picks the platform from a Docker manifest list and keeps Docker media types', async () => {
    const multi = await pushTestImage(registry, {
      repository: 'base/multi',
      format: 'docker',
      platforms: ['linux/amd64', 'linux/arm64'],
    });
    const result = await new LayersImageBuilder().build(
      buildOptions({
        baseImage: multi.reference,
        targetImage: `${registry.host}/team/arm:1`,
        platform: 'linux/arm64/v8',
      }),
    );
    const { manifest, config } = await manifestAndConfig(
      registry,
      'team/arm',
      '1',
    );
    expect(manifest.mediaType).toBe(TEST_MEDIA_TYPES.docker.manifest);
    expect(manifest.json.config.mediaType).toBe(TEST_MEDIA_TYPES.docker.config);
    expect(manifest.json.annotations).toBeUndefined();
    expect(manifest.json.layers.map((l: any) => l.mediaType)).toEqual([
      TEST_MEDIA_TYPES.docker.layer,
      TEST_MEDIA_TYPES.docker.layer,
    ]);
    expect(manifest.json.layers[0].digest).toBe(
      multi.platforms!['linux/arm64'].layers[0].digest,
    );
    expect(result.baseDigest).toBe(
      multi.platforms!['linux/arm64'].manifestDigest,
    );
    expect(config.architecture).toBe('arm64');

    await expect(
      new LayersImageBuilder().build(
        buildOptions({ baseImage: multi.reference, platform: 'linux/s390x' }),
      ),
    ).rejects.toThrow(
      /has no image for platform linux\/s390x; it has linux\/amd64, linux\/arm64/,
    );
  });

  it('says clearly when the base image does not exist', async () => {
    for (const baseImage of [
      `${registry.host}/base/missing:1`,
      `${registry.host}/base/node:21`,
    ]) {
      const promise = new LayersImageBuilder().build(
        buildOptions({ baseImage }),
      );
      await expect(promise).rejects.toThrow(NotFoundError);
      await expect(promise).rejects.toThrow(
        `base image ${baseImage} was not found`,
      );
      await expect(promise).rejects.toThrow(/check the image name and tag/);
    }
  });

  it('rejects application files that link outside the workspace, before any request', async () => {
    workspace.addContent({
      'service/secrets': ({ symlink }) => symlink('/etc/shadow'),
    });
    await registry.clearRequests();
    const promise = new LayersImageBuilder().build(buildOptions());
    await expect(promise).rejects.toThrow(InputError);
    await expect(promise).rejects.toThrow(
      'symlink "secrets" points to "/etc/shadow", which is outside',
    );
    expect(await registry.requests()).toEqual([]);
  });

  it.each([['../outside'], ['/etc'], ['service/../..']])(
    'rejects the source path %s with an InputError',
    async sourcePath => {
      await expect(
        new LayersImageBuilder().build(buildOptions({ sourcePath })),
      ).rejects.toThrow(InputError);
    },
  );

  it('rejects malformed references and config changes with an InputError', async () => {
    for (const overrides of [
      { baseImage: 'Not A Reference' },
      { targetImage: `${registry.host}/team/web@sha256:${'0'.repeat(64)}` },
      { config: { exposedPorts: ['http'] } },
      { config: { env: { 'A=B': 'c' } } },
      { platform: 'linux' },
    ] as Array<Partial<LayersImageBuildOptions>>) {
      await expect(
        new LayersImageBuilder().build(buildOptions(overrides)),
      ).rejects.toThrow(InputError);
    }
  });

  it('streams base layers into the upload session when the registry refuses the mount', async () => {
    // Point mounts at a repository without the blob: the registry answers
    // 202 with an upload session, as registries that refuse mounts do.
    const refuseMounts: typeof fetch = (input, init) => {
      const url = new URL(String(input));
      if (url.searchParams.has('mount')) {
        url.searchParams.set('from', 'nowhere/empty');
      }
      return fetch(url, init);
    };
    await registry.clearRequests();
    const result = await new LayersImageBuilder({
      fetch: refuseMounts,
      chunkSize: 64, // forces chunked PATCH uploads
    }).build(buildOptions({ targetImage: `${registry.host}/team/copy:1` }));

    expect(result.blobsMounted).toBe(0);
    expect(result.blobsCopied).toBe(base.layers.length);
    const { manifest, config } = await manifestAndConfig(
      registry,
      'team/copy',
      '1',
    );
    expect(manifest.digest).toBe(result.digest);
    for (const layer of base.layers) {
      const copied = (await fetchTestBlob(
        registry,
        'team/copy',
        layer.digest,
      ))!;
      expect(sha256Digest(copied)).toBe(layer.digest);
    }
    expect(result.bytesUploaded).toBe(
      manifest.json.layers.reduce((sum: number, l: any) => sum + l.size, 0) +
        manifest.json.config.size,
    );
    expect(config.rootfs.diff_ids).toHaveLength(base.layers.length + 1);
    const requests = await registry.requests();
    expect(
      requests.filter(r => r.method === 'POST' && r.path.includes('mount=')),
    ).toHaveLength(base.layers.length);
    expect(requests.filter(r => r.method === 'PATCH').length).toBeGreaterThan(
      base.layers.length,
    );
  });

  // An independent client's view: buildah verifies every blob digest and the
  // config's diff_ids while pulling, then unpacks the layers.
  (canRunBuildah() ? describe : describe.skip)('read by buildah', () => {
    it('produces images that buildah pulls and unpacks', async () => {
      const result = await new LayersImageBuilder().build(
        buildOptions({ targetImage: `${registry.host}/team/buildah:1` }),
      );
      const root = await mkdtemp(join(tmpdir(), 'hubbops-buildah-'));
      const buildah = (...args: string[]) =>
        promisify(execFile)(
          'buildah',
          [
            '--root',
            join(root, 'root'),
            '--runroot',
            join(root, 'run'),
            '--storage-driver',
            'vfs',
            ...args,
          ],
          { encoding: 'utf8' },
        ).then(({ stdout }) => stdout.trim());
      try {
        await buildah('pull', '--quiet', '--tls-verify=false', result.imageRef);
        const inspected = JSON.parse(
          await buildah('inspect', '--type', 'image', result.imageRef),
        );
        expect(inspected.FromImageDigest).toBe(result.digest);
        expect(inspected.OCIv1.config.Cmd).toEqual(['node', 'src/index.js']);
        const container = await buildah(
          'from',
          '--pull=never',
          result.imageRef,
        );
        const mountPoint = await buildah('mount', container);
        expect(
          await readFile(join(mountPoint, 'app/src/index.js'), 'utf8'),
        ).toBe(appFiles['src/index.js']);
        expect(await readFile(join(mountPoint, 'etc/os-release'), 'utf8')).toBe(
          'ID=hubbops-test\n',
        );
        await buildah('rm', container);
      } finally {
        await rm(root, { recursive: true, force: true });
      }
    }, 30_000);
  });

  it('copies base layers from another registry', async () => {
    const other = await startTestRegistry();
    try {
      const result = await new LayersImageBuilder().build(
        buildOptions({ targetImage: `${other.host}/team/web:1` }),
      );
      expect(result.blobsCopied).toBe(base.layers.length);
      expect(result.blobsMounted).toBe(0);
      const manifest = await fetchTestManifest(other, 'team/web', '1');
      expect(manifest?.digest).toBe(result.digest);
      for (const layer of base.layers) {
        expect(
          sha256Digest((await fetchTestBlob(other, 'team/web', layer.digest))!),
        ).toBe(layer.digest);
      }
    } finally {
      await other.stop();
    }
  });
});

describe('LayersImageBuilder with registry auth', () => {
  const workspace = createMockDirectory({ content: { 'index.js': 'ok\n' } });
  const username = 'ci-robot';
  const password = 'Sup3r-s3cret-pa55word';
  const secrets = [
    password,
    Buffer.from(`${username}:${password}`).toString('base64'),
  ];

  function expectNoSecrets(error: unknown) {
    const texts = [
      String(error),
      (error as Error).stack ?? '',
      JSON.stringify(error),
      String((error as Error).cause ?? ''),
    ];
    for (const text of texts) {
      for (const secret of secrets) expect(text).not.toContain(secret);
    }
  }

  async function buildError(builder: LayersImageBuilder, options: any) {
    try {
      await builder.build(options);
    } catch (error) {
      return error as Error;
    }
    throw new Error('expected the build to fail');
  }

  describe.each(['basic', 'token'] as const)('%s auth', type => {
    let registry: TestRegistry;
    let base: PushedTestImage;
    beforeAll(async () => {
      registry = await startTestRegistry({
        auth: { type, username, password },
      });
      base = await pushTestImage(registry, { repository: 'base/os' });
    });
    afterAll(() => registry.stop());

    const options = () => ({
      baseImage: base.reference,
      targetImage: `${registry.host}/team/app:1`,
      workspacePath: workspace.path,
    });

    it('builds and mounts with the right credentials', async () => {
      const progress: string[] = [];
      const result = await new LayersImageBuilder({
        credentials: { [registry.host]: { username, password } },
      }).build({ ...options(), onProgress: p => progress.push(p.message) });
      expect(result.blobsMounted).toBe(1);
      expect((await fetchTestManifest(registry, 'team/app', '1'))?.digest).toBe(
        result.digest,
      );
      for (const message of progress) {
        for (const secret of secrets) expect(message).not.toContain(secret);
      }
      // With token auth: one token, covering the base pull and the target
      // push together, as the mount needs.
      expect(registry.tokenRequests).toEqual(
        type === 'token'
          ? [
              {
                scopes: [
                  'repository:base/os:pull',
                  'repository:team/app:pull,push',
                ],
                service: registry.auth!.service,
                username,
                status: 200,
              },
            ]
          : [],
      );
    });

    it('says to check the credentials when they are wrong, without revealing them', async () => {
      const wrong = 'wrong-Sup3r-s3cret';
      secrets.push(
        wrong,
        Buffer.from(`${username}:${wrong}`).toString('base64'),
      );
      const error = await buildError(
        new LayersImageBuilder({
          credentials: () => ({ username, password: wrong }),
        }),
        options(),
      );
      expect(error).toBeInstanceOf(AuthenticationError);
      expect(error.message).toContain(
        `check the registry credentials configured for ${registry.host}`,
      );
      expect(error.message).toContain(
        `reading the manifest of base image ${base.reference}`,
      );
      expectNoSecrets(error);
    });

    it('says that credentials are needed when none are configured', async () => {
      const error = await buildError(new LayersImageBuilder(), options());
      expect(error).toBeInstanceOf(AuthenticationError);
      expect(error.message).toContain(
        `no credentials are configured for ${registry.host}`,
      );
    });
  });

  it('sends a configured bearer token as is and keeps it out of errors', async () => {
    const registry = await startTestRegistry({
      auth: { type: 'token', username, password },
    });
    try {
      const token = registry
        .authorization(['base/os', 'team/app'])!
        .replace(/^Bearer /, '');
      const base = await pushTestImage(registry, { repository: 'base/os' });
      const result = await new LayersImageBuilder({
        credentials: { [registry.host]: { token } },
      }).build({
        baseImage: base.reference,
        targetImage: `${registry.host}/team/app:1`,
        workspacePath: workspace.path,
      });
      expect(result.blobsMounted).toBe(1);
      expect(registry.tokenRequests).toEqual([]);

      // The token grants nothing on other repositories.
      const error = await buildError(
        new LayersImageBuilder({ credentials: { [registry.host]: { token } } }),
        {
          baseImage: base.reference,
          targetImage: `${registry.host}/team/other:1`,
          workspacePath: workspace.path,
        },
      );
      expect(error).toBeInstanceOf(AuthenticationError);
      expect(error.message).toMatch(
        /do not grant (pull|push) access to team\/other/,
      );
      expect(String(error)).not.toContain(token);
      expect(error.stack).not.toContain(token);
    } finally {
      await registry.stop();
    }
  });
});
