import { LoggerService } from '@backstage/backend-plugin-api';
import { createMockDirectory } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { InputError } from '@backstage/errors';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import {
  fetchTestBlob,
  fetchTestManifest,
  PushedTestImage,
  pushTestImage,
  sha256Digest,
  startTestRegistry,
  TestRegistry,
  TestRegistryRequest,
} from '@hubbops/test-kit';
import { accessSync, constants as fsConstants } from 'node:fs';
import { chmod } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { createImageBuildAction } from './imageBuild';

type JsonObject = { [key: string]: any };

// buildah builds for real here: rootful, vfs storage, chroot isolation.
const buildahSkipReason = (() => {
  try {
    accessSync('/usr/bin/buildah', fsConstants.X_OK);
  } catch {
    return 'buildah is not installed (/usr/bin/buildah)';
  }
  if (process.getuid?.() !== 0) {
    return 'buildah with vfs storage and chroot isolation needs root';
  }
  return undefined;
})();
const describeBuildah = buildahSkipReason ? describe.skip : describe;
if (buildahSkipReason) {
  // eslint-disable-next-line no-console
  console.warn(`Skipping the buildah tests: ${buildahSkipReason}`);
}

/**
 * A minimal static x86-64 Linux executable that exits 0, so that a RUN
 * instruction can run in a FROM scratch image without pulling a base.
 */
function exitZeroElf(): Buffer {
  const code = Buffer.from([0x31, 0xff, 0xb8, 0x3c, 0, 0, 0, 0x0f, 0x05]);
  const size = 64 + 56 + code.length;
  const elf = Buffer.alloc(size);
  Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]).copy(elf, 0);
  elf.writeUInt16LE(2, 16); // ET_EXEC
  elf.writeUInt16LE(0x3e, 18); // x86-64
  elf.writeUInt32LE(1, 20);
  elf.writeBigUInt64LE(0x400078n, 24); // entry: right after the headers
  elf.writeBigUInt64LE(64n, 32); // program headers offset
  elf.writeUInt16LE(64, 52);
  elf.writeUInt16LE(56, 54);
  elf.writeUInt16LE(1, 56);
  elf.writeUInt32LE(1, 64); // PT_LOAD
  elf.writeUInt32LE(5, 68); // R+X
  elf.writeBigUInt64LE(0x400000n, 80);
  elf.writeBigUInt64LE(0x400000n, 88);
  elf.writeBigUInt64LE(BigInt(size), 96);
  elf.writeBigUInt64LE(BigInt(size), 104);
  elf.writeBigUInt64LE(0x1000n, 112);
  code.copy(elf, 120);
  return elf;
}

/** A logger keeping everything it is given, messages and metadata alike. */
function recordingLogger(lines: string[] = []): LoggerService & {
  lines: string[];
} {
  const record =
    (level: string) => (message: string, meta?: Error | JsonObject) => {
      lines.push(
        `${level} ${message} ${
          meta instanceof Error
            ? `${meta.message} ${meta.stack}`
            : JSON.stringify(meta ?? {})
        }`,
      );
    };
  return {
    lines,
    error: record('error'),
    warn: record('warn'),
    info: record('info'),
    debug: record('debug'),
    child: (meta: JsonObject) => {
      lines.push(`child ${JSON.stringify(meta)}`);
      return recordingLogger(lines);
    },
  };
}

/** Task checkpoints as the scaffolder keeps them: success values by key. */
function checkpointStore() {
  const values = new Map<string, unknown>();
  const keys: string[] = [];
  return {
    keys,
    values,
    async checkpoint(opts: { key: string; fn: () => unknown }): Promise<any> {
      keys.push(opts.key);
      if (values.has(opts.key)) return values.get(opts.key);
      const value = await opts.fn();
      values.set(opts.key, JSON.parse(JSON.stringify(value ?? null)));
      return value;
    },
  };
}

function writes(requests: TestRegistryRequest[]) {
  return requests.filter(r => ['PUT', 'PATCH', 'POST'].includes(r.method));
}

function harness(options: {
  input: JsonObject;
  workspacePath: string;
  config?: JsonObject;
  isDryRun?: boolean;
  store?: ReturnType<typeof checkpointStore>;
  signal?: AbortSignal;
}) {
  const action = createImageBuildAction({
    config: new ConfigReader(options.config ?? {}),
  });
  const logger = recordingLogger();
  const store = options.store ?? checkpointStore();
  const outputs: Record<string, unknown> = {};
  const ctx = {
    ...createMockActionContext({
      input: options.input,
      workspacePath: options.workspacePath,
      logger,
    }),
    isDryRun: options.isDryRun,
    signal: options.signal,
    checkpoint: store.checkpoint,
    output: (name: string, value: unknown) => {
      outputs[name] = value;
    },
  };
  return {
    run: () => action.handler(ctx as any),
    logger,
    store,
    outputs,
  };
}

describe('hubbops:image:build', () => {
  const workspace = createMockDirectory();
  let registry: TestRegistry;
  let base: PushedTestImage;

  beforeAll(async () => {
    registry = await startTestRegistry();
    base = await pushTestImage(registry, {
      repository: 'base/node',
      tag: '22',
      layers: [{ 'usr/local/bin/node': '#!/bin/sh\necho fake node\n' }],
      config: { Env: ['PATH=/usr/local/bin:/usr/bin:/bin'], Cmd: ['node'] },
    });
  });

  afterAll(() => registry.stop());

  const layersContainerfile = () =>
    [
      `FROM ${registry.host}/base/node:22`,
      'WORKDIR /app',
      'COPY . /app',
      'ENV NODE_ENV=production',
      'EXPOSE 8080',
      'CMD ["node", "index.js"]',
      '',
    ].join('\n');

  describe('layers', () => {
    it('builds a Containerfile without RUN and pushes what the registry serves', async () => {
      workspace.setContent({
        Containerfile: layersContainerfile(),
        'index.js': 'console.log("hi")\n',
      });
      const { run, outputs } = harness({
        input: {
          image: `${registry.host}/team/web`,
          tag: '1.0.0',
          builder: 'layers',
        },
        workspacePath: workspace.path,
      });
      await run();

      const manifest = (await fetchTestManifest(
        registry,
        'team/web',
        '1.0.0',
      ))!;
      expect(outputs.digest).toBe(manifest.digest);
      expect(outputs.imageRef).toBe(
        `${registry.host}/team/web:1.0.0@${manifest.digest}`,
      );
      expect(outputs.builder).toBe('layers');
      expect(manifest.json.layers.slice(0, -1)).toEqual(
        base.layers.map(({ mediaType, digest, size }) => ({
          mediaType,
          digest,
          size,
        })),
      );
      const config = JSON.parse(
        (await fetchTestBlob(
          registry,
          'team/web',
          manifest.json.config.digest,
        ))!.toString(),
      );
      expect(config.config).toMatchObject({
        Cmd: ['node', 'index.js'],
        WorkingDir: '/app',
        ExposedPorts: { '8080/tcp': {} },
        Env: ['PATH=/usr/local/bin:/usr/bin:/bin', 'NODE_ENV=production'],
      });
      const appLayer = manifest.json.layers[manifest.json.layers.length - 1];
      const tar = gunzipSync(
        (await fetchTestBlob(registry, 'team/web', appLayer.digest))!,
      ).toString('latin1');
      expect(tar).toContain('app/index.js');
      expect(tar).toContain('console.log("hi")');
    });

    it('is what auto picks for a Containerfile without RUN', async () => {
      workspace.setContent({
        service: {
          Dockerfile: layersContainerfile(),
          'index.js': 'console.log("auto")\n',
        },
      });
      const { run, outputs, logger } = harness({
        input: {
          image: `${registry.host}/team/auto`,
          tag: '2',
          contextPath: 'service',
        },
        workspacePath: workspace.path,
      });
      await run();
      expect(outputs.builder).toBe('layers');
      const manifest = await fetchTestManifest(registry, 'team/auto', '2');
      expect(outputs.imageRef).toBe(
        `${registry.host}/team/auto:2@${manifest!.digest}`,
      );
      expect(logger.lines.join('\n')).toContain('with the layers builder');
    });

    it('adds contextPath to baseImage without a Containerfile', async () => {
      workspace.setContent({ dist: { 'server.js': 'listen()\n' } });
      const { run, outputs } = harness({
        input: {
          image: `${registry.host}/team/inputs:1`,
          contextPath: 'dist',
          baseImage: base.reference,
          appDestination: '/srv',
          cmd: ['node', 'server.js'],
          env: { NODE_ENV: 'production' },
          port: 3000,
        },
        workspacePath: workspace.path,
      });
      await run();
      const manifest = (await fetchTestManifest(registry, 'team/inputs', '1'))!;
      expect(outputs.digest).toBe(manifest.digest);
      const config = JSON.parse(
        (await fetchTestBlob(
          registry,
          'team/inputs',
          manifest.json.config.digest,
        ))!.toString(),
      );
      expect(config.config).toMatchObject({
        Cmd: ['node', 'server.js'],
        WorkingDir: '/srv',
        ExposedPorts: { '3000/tcp': {} },
      });
    });

    it('refuses a Containerfile with RUN, saying why', async () => {
      workspace.setContent({
        Containerfile: `FROM ${registry.host}/base/node:22\nRUN npm ci\nCOPY . /app\n`,
      });
      const { run } = harness({
        input: { image: `${registry.host}/team/web`, builder: 'layers' },
        workspacePath: workspace.path,
      });
      await expect(run()).rejects.toThrow(InputError);
      await expect(run()).rejects.toThrow(/has RUN \(line 2\)/);
    });
  });

  describe('re-runs and dry runs', () => {
    it('does nothing when re-run with the same inputs and checkpoints', async () => {
      workspace.setContent({
        Containerfile: layersContainerfile(),
        'index.js': 'console.log("once")\n',
      });
      const store = checkpointStore();
      const input = { image: `${registry.host}/team/once`, tag: '1' };
      await registry.clearRequests();
      const first = harness({ input, workspacePath: workspace.path, store });
      await first.run();
      // The first run did push.
      expect(
        (await registry.requests()).some(
          r => r.method === 'PUT' && r.path.includes('/manifests/'),
        ),
      ).toBe(true);

      await registry.clearRequests();
      const second = harness({ input, workspacePath: workspace.path, store });
      await second.run();
      const requests = await registry.requests();
      expect(writes(requests)).toEqual([]);
      // Not even a look at the registry: the checkpoint answered.
      expect(requests).toEqual([]);
      expect(second.outputs).toEqual(first.outputs);
      expect(store.keys).toHaveLength(2);
      expect(store.keys[0]).toBe(store.keys[1]);
      expect(store.keys[0]).toMatch(/^image-build-[a-f0-9]{64}$/);
    });

    it('uses another checkpoint for other inputs', async () => {
      workspace.setContent({
        Containerfile: layersContainerfile(),
        'index.js': 'x\n',
      });
      const store = checkpointStore();
      await harness({
        input: { image: `${registry.host}/team/keys`, tag: '1' },
        workspacePath: workspace.path,
        store,
      }).run();
      await harness({
        input: { image: `${registry.host}/team/keys`, tag: '2' },
        workspacePath: workspace.path,
        store,
      }).run();
      expect(new Set(store.keys).size).toBe(2);
      expect(await fetchTestManifest(registry, 'team/keys', '2')).toBeDefined();
    });

    it('pushes nothing in a dry run', async () => {
      workspace.setContent({
        Containerfile: layersContainerfile(),
        'index.js': 'x\n',
      });
      await registry.clearRequests();
      const { run, outputs, store, logger } = harness({
        input: { image: `${registry.host}/team/dry`, tag: '1' },
        workspacePath: workspace.path,
        isDryRun: true,
      });
      await run();
      expect(writes(await registry.requests())).toEqual([]);
      expect(
        await fetchTestManifest(registry, 'team/dry', '1'),
      ).toBeUndefined();
      expect(outputs).toEqual({
        imageRef: `${registry.host}/team/dry:1`,
        builder: 'layers',
      });
      expect(store.keys).toEqual([]);
      expect(logger.lines.join('\n')).toContain(
        `dry run: would build Containerfile`,
      );
    });

    it('refuses in a dry run what would fail later: a token for buildah', async () => {
      workspace.setContent({ Containerfile: 'FROM scratch\nCOPY . /\n' });
      const { run } = harness({
        input: { image: 'ghcr.io/acme/web', builder: 'buildah' },
        workspacePath: workspace.path,
        config: {
          hubbops: {
            imageBuild: {
              registries: [{ host: 'ghcr.io', token: 'ghp_s3cr3t-token' }],
              buildah: { path: '/bin/true' },
            },
          },
        },
        isDryRun: true,
      });
      const error = await run().catch(e => e);
      expect(error).toBeInstanceOf(InputError);
      expect(error.message).toMatch(/ghcr\.io is configured with a token/);
      expect(error.message).not.toContain('ghp_s3cr3t-token');
    });

    it('says what to install when auto finds no builder for RUN', async () => {
      workspace.setContent({
        Containerfile: 'FROM node:22\nRUN npm ci\nCOPY . /app\n',
      });
      const { run } = harness({
        input: { image: `${registry.host}/team/none` },
        workspacePath: workspace.path,
        config: {
          hubbops: {
            imageBuild: {
              buildah: { path: '/nonexistent/buildah' },
              docker: { path: '/nonexistent/docker' },
            },
          },
        },
        isDryRun: true,
      });
      const error = await run().catch(e => e);
      expect(error).toBeInstanceOf(InputError);
      expect(error.message).toMatch(/has RUN \(line 2\)/);
      expect(error.message).toMatch(/install buildah/);
    });

    it('refuses the docker builder when no Docker engine answers', async () => {
      workspace.setContent({ Containerfile: 'FROM scratch\nCOPY . /\n' });
      const { run } = harness({
        input: { image: `${registry.host}/team/docker`, builder: 'docker' },
        workspacePath: workspace.path,
        config: {
          hubbops: { imageBuild: { docker: { path: '/nonexistent/docker' } } },
        },
        isDryRun: true,
      });
      await expect(run()).rejects.toThrow(/does not reach a Docker engine/);
    });

    it('still validates the Containerfile in a dry run', async () => {
      workspace.setContent({ Containerfile: 'COPY . /app\n' });
      const { run } = harness({
        input: { image: `${registry.host}/team/dry` },
        workspacePath: workspace.path,
        isDryRun: true,
      });
      await expect(run()).rejects.toThrow(/Containerfile has no FROM/);
    });
  });

  describe('paths', () => {
    beforeEach(() => {
      workspace.setContent({
        app: { Containerfile: layersContainerfile(), 'index.js': 'x\n' },
        escape: ctx => ctx.symlink('/etc'),
      });
    });

    it.each([
      ['contextPath', { contextPath: '../outside' }, '../outside'],
      ['contextPath', { contextPath: 'app/../../..' }, 'app/../../..'],
      ['contextPath', { contextPath: '/etc' }, '/etc'],
      ['contextPath', { contextPath: 'escape' }, 'escape'],
      [
        'containerfile',
        { containerfile: '../../Containerfile' },
        '../../Containerfile',
      ],
      ['containerfile', { containerfile: '/etc/passwd' }, '/etc/passwd'],
      [
        'containerfile',
        { containerfile: '../escape/passwd' },
        '../escape/passwd',
      ],
    ])('rejects a %s leaving the workspace: %j', async (name, paths, shown) => {
      const { run } = harness({
        input: {
          image: `${registry.host}/team/web`,
          contextPath: 'app',
          ...paths,
        },
        workspacePath: workspace.path,
      });
      const error = await run().then(
        () => undefined,
        e => e,
      );
      expect(error).toBeInstanceOf(InputError);
      expect(error.message).toContain(`${name} "${shown}"`);
      expect(error.message).toMatch(
        /outside the workspace|must be a relative path inside the workspace/,
      );
    });

    it('accepts a containerfile elsewhere in the workspace', async () => {
      workspace.setContent({
        docker: { 'web.Containerfile': layersContainerfile() },
        app: { 'index.js': 'x\n' },
      });
      const { run, outputs } = harness({
        input: {
          image: `${registry.host}/team/elsewhere`,
          contextPath: 'app',
          containerfile: '../docker/web.Containerfile',
        },
        workspacePath: workspace.path,
        isDryRun: true,
      });
      await run();
      expect(outputs.builder).toBe('layers');
    });
  });

  describeBuildah('buildah', () => {
    it('builds FROM scratch + COPY and pushes what the registry serves', async () => {
      workspace.setContent({
        Containerfile: 'FROM scratch\nCOPY hello.txt /\n',
        'hello.txt': 'hello from buildah\n',
      });
      const { run, outputs, logger } = harness({
        input: {
          image: `${registry.host}/team/hello`,
          tag: 'v1',
          builder: 'buildah',
        },
        workspacePath: workspace.path,
      });
      await run();

      const manifest = (await fetchTestManifest(registry, 'team/hello', 'v1'))!;
      expect(outputs.builder).toBe('buildah');
      expect(outputs.digest).toBe(manifest.digest);
      expect(outputs.imageRef).toBe(
        `${registry.host}/team/hello:v1@${manifest.digest}`,
      );
      const configBlob = (await fetchTestBlob(
        registry,
        'team/hello',
        manifest.json.config.digest,
      ))!;
      expect(sha256Digest(configBlob)).toBe(manifest.json.config.digest);
      expect(manifest.json.layers).toHaveLength(1);
      const layerBlob = (await fetchTestBlob(
        registry,
        'team/hello',
        manifest.json.layers[0].digest,
      ))!;
      expect(sha256Digest(layerBlob)).toBe(manifest.json.layers[0].digest);
      const tar = gunzipSync(layerBlob);
      expect(JSON.parse(configBlob.toString()).rootfs.diff_ids).toEqual([
        sha256Digest(tar),
      ]);
      expect(tar.toString('latin1')).toContain('hello from buildah');
      const log = logger.lines.join('\n');
      expect(log).toContain('--storage-driver vfs');
      expect(log).toContain('--isolation chroot');
      expect(log).toMatch(/buildah: .*COPY hello\.txt/);
    }, 30_000);

    // The RUN runs a tiny x86-64 executable.
    (process.arch === 'x64' ? describe : describe.skip)('with RUN', () => {
      it('is what auto picks for a Containerfile with RUN', async () => {
        workspace.setContent({
          Containerfile: [
            'FROM scratch',
            'COPY true /bin/true',
            'RUN ["/bin/true"]',
            '',
          ].join('\n'),
          true: exitZeroElf(),
        });
        await chmod(workspace.resolve('true'), 0o755);
        const { run, outputs } = harness({
          input: { image: `${registry.host}/team/run`, tag: '1' },
          workspacePath: workspace.path,
        });
        await run();
        expect(outputs.builder).toBe('buildah');
        const manifest = await fetchTestManifest(registry, 'team/run', '1');
        expect(outputs.digest).toBe(manifest!.digest);
      }, 30_000);
    });

    it('stops buildah when the task is cancelled', async () => {
      workspace.setContent({
        Containerfile: 'FROM scratch\nCOPY hello.txt /\n',
        'hello.txt': 'cancelled\n',
      });
      const controller = new AbortController();
      const h = harness({
        input: { image: `${registry.host}/team/cancelled`, builder: 'buildah' },
        workspacePath: workspace.path,
        signal: controller.signal,
      });
      const info = h.logger.info;
      h.logger.info = (message, meta) => {
        if (message.startsWith('buildah: ')) controller.abort();
        info(message, meta);
      };
      await expect(h.run()).rejects.toThrow(/was cancelled/);
      expect(
        await fetchTestManifest(registry, 'team/cancelled', 'latest'),
      ).toBeUndefined();
    }, 30_000);

    it('does not push again when re-run with the same checkpoints', async () => {
      workspace.setContent({
        Containerfile: 'FROM scratch\nCOPY hello.txt /\n',
        'hello.txt': 'again\n',
      });
      const store = checkpointStore();
      const input = {
        image: `${registry.host}/team/again`,
        builder: 'buildah',
      };
      const first = harness({ input, workspacePath: workspace.path, store });
      await first.run();
      await registry.clearRequests();
      const second = harness({ input, workspacePath: workspace.path, store });
      await second.run();
      expect(writes(await registry.requests())).toEqual([]);
      expect(second.outputs).toEqual(first.outputs);
      expect(second.logger.lines.join('\n')).not.toContain('buildah bud');
    }, 30_000);
  });
});

describe('hubbops:image:build with a registry that needs credentials', () => {
  const workspace = createMockDirectory();
  const username = 'ci-robot';
  const password = 'Sup3r-s3cret-pa55word';
  const secrets = [
    password,
    Buffer.from(`${username}:${password}`).toString('base64'),
  ];
  let registry: TestRegistry;

  beforeAll(async () => {
    registry = await startTestRegistry({ auth: { username, password } });
    await pushTestImage(registry, { repository: 'base/node', tag: '22' });
  });

  afterAll(() => registry.stop());

  const config = () => ({
    hubbops: {
      imageBuild: {
        registries: [{ host: registry.host, username, password }],
      },
    },
  });

  function expectNoSecrets(texts: string[]) {
    const all = texts.join('\n');
    expect(all.length).toBeGreaterThan(0);
    for (const secret of secrets) expect(all).not.toContain(secret);
  }

  it('pushes with the configured credentials and never shows them (layers)', async () => {
    workspace.setContent({
      Containerfile: `FROM ${registry.host}/base/node:22\nCOPY . /app\nCMD ["node", "index.js"]\n`,
      'index.js': 'x\n',
    });
    const { run, outputs, logger, store } = harness({
      input: { image: `${registry.host}/team/private`, tag: '1' },
      workspacePath: workspace.path,
      config: config(),
    });
    await run();
    const manifest = await fetchTestManifest(registry, 'team/private', '1');
    expect(outputs.digest).toBe(manifest!.digest);
    expect(outputs.builder).toBe('layers');
    expectNoSecrets([...logger.lines, JSON.stringify(outputs), ...store.keys]);
  });

  it('fails without credentials, and the error names no secret', async () => {
    workspace.setContent({
      Containerfile: `FROM ${registry.host}/base/node:22\nCOPY . /app\n`,
      'index.js': 'x\n',
    });
    const { run, logger } = harness({
      input: { image: `${registry.host}/team/private`, tag: '2' },
      workspacePath: workspace.path,
    });
    const error = await run().then(
      () => undefined,
      e => e,
    );
    expect(error?.name).toBe('AuthenticationError');
    expectNoSecrets([String(error), error.stack, ...logger.lines]);
  });

  describeBuildah('buildah', () => {
    it('pushes with the configured credentials and never shows them (buildah)', async () => {
      workspace.setContent({
        Containerfile: 'FROM scratch\nCOPY hello.txt /\n',
        'hello.txt': 'private hello\n',
      });
      const { run, outputs, logger, store } = harness({
        input: {
          image: `${registry.host}/team/private-buildah`,
          tag: '1',
          builder: 'buildah',
        },
        workspacePath: workspace.path,
        config: config(),
      });
      await run();
      const manifest = await fetchTestManifest(
        registry,
        'team/private-buildah',
        '1',
      );
      expect(outputs.digest).toBe(manifest!.digest);
      expect(logger.lines.join('\n')).toContain('--authfile');
      expectNoSecrets([
        ...logger.lines,
        JSON.stringify(outputs),
        ...store.keys,
      ]);
    }, 30_000);
  });
});
