import { createMockDirectory } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { runAction } from './__testUtils__/ActionHarness';
import { ChildProcess, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import {
  fetchTestBlob,
  fetchTestManifest,
  pushTestImage,
  startTestRegistry,
} from '@hubbops/test-kit';
import { createImageBuildAction } from '../actions/imageBuild';
import { parseContainerfile, planLayersBuild } from '../image/containerfile';
import { run, runOk } from './__testUtils__/toolchains';
import {
  createCodegenServiceTestAction,
  shopApiInput,
} from './__testUtils__/codegenServiceTestAction';

const repoRoot = path.resolve(__dirname, '../../../..');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function waitForHealth(url: string, child: ChildProcess) {
  const deadline = Date.now() + 15_000;
  let last = '';
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`the service exited with ${child.exitCode}`);
    }
    try {
      const response = await fetch(url);
      return { status: response.status, body: await response.json() };
    } catch (error) {
      last = String(error);
    }
    await new Promise(resolve => setTimeout(resolve, 100));
  }
  throw new Error(`${url} never answered: ${last}`);
}

jest.setTimeout(60_000);

describe('the node service type', () => {
  const mockDir = createMockDirectory();
  let workspacePath: string;
  const children: ChildProcess[] = [];

  beforeEach(() => {
    mockDir.clear();
    mockDir.setContent({ workspace: {} });
    workspacePath = mockDir.resolve('workspace');
  });

  afterEach(() => {
    for (const child of children.splice(0)) child.kill('SIGKILL');
  });

  it('generates a service that starts with node, answers its health check, passes its own test and type-checks', async () => {
    const { outputs } = await runAction(createCodegenServiceTestAction(), {
      input: { ...shopApiInput, type: 'node', targetPath: 'service' },
      workspacePath,
    });
    expect(outputs).toEqual({
      path: 'service',
      files: [
        'package.json',
        'tsconfig.json',
        'server.js',
        'server.test.js',
        'Containerfile',
        '.containerignore',
        'catalog-info.yaml',
      ],
      containerfile: 'Containerfile',
      healthPath: '/healthz',
      changed: expect.arrayContaining(['server.js', 'catalog-info.yaml']),
    });
    const dir = path.join(workspacePath, 'service');

    const port = await freePort();
    const child = spawn(process.execPath, ['server.js'], {
      cwd: dir,
      env: { PATH: process.env.PATH, PORT: String(port) },
      stdio: 'ignore',
    });
    children.push(child);
    expect(
      await waitForHealth(`http://127.0.0.1:${port}/healthz`, child),
    ).toEqual({ status: 200, body: { status: 'ok' } });
    const root = await fetch(`http://127.0.0.1:${port}/`);
    expect(await root.json()).toEqual({ service: 'shop-api' });
    child.kill('SIGTERM');
    await new Promise(resolve => child.once('exit', resolve));
    expect(child.exitCode).toBe(0);

    const testRun = await run(process.execPath, ['--test'], { cwd: dir });
    expect(testRun.stdout).toMatch(/# pass 2/);
    expect(testRun.code).toBe(0);

    // The package's devDependencies (typescript, @types/node) come from
    // the repository instead of an npm install.
    await runOk(
      process.execPath,
      [
        path.join(repoRoot, 'node_modules/typescript/bin/tsc'),
        '-p',
        'tsconfig.json',
        '--typeRoots',
        path.join(repoRoot, 'node_modules/@types'),
      ],
      { cwd: dir },
    );
  });

  it('writes a Containerfile the layers builder can build (no RUN), running as non-root', async () => {
    await runAction(createCodegenServiceTestAction(), {
      input: { ...shopApiInput, type: 'node' },
      workspacePath,
    });
    const text = await readFile(
      path.join(workspacePath, 'Containerfile'),
      'utf8',
    );
    const plan = planLayersBuild(parseContainerfile(text));
    expect(plan).toEqual({
      compatible: true,
      plan: expect.objectContaining({
        baseImage: 'docker.io/library/node:22-slim',
        copySource: '.',
        destination: '/app',
        owner: { uid: 65532, gid: 65532 },
      }),
    });
    expect(text).toContain('USER 65532:65532');
    expect(text).toContain('EXPOSE 8181');
    expect(text).toContain('CMD ["node", "server.js"]');
  });

  it('is built by hubbops:image:build with the layers builder, leaving out what .containerignore lists', async () => {
    const registry = await startTestRegistry();
    try {
      await pushTestImage(registry, {
        repository: 'base/node',
        tag: '22',
        config: { Env: ['PATH=/usr/local/bin:/usr/bin:/bin'], Cmd: ['node'] },
      });
      const code = await runAction(createCodegenServiceTestAction(), {
        input: {
          ...shopApiInput,
          type: 'node',
          targetPath: 'service',
          baseImage: `${registry.host}/base/node:22`,
        },
        workspacePath,
      });
      const build = await runAction(
        createImageBuildAction({ config: new ConfigReader({}) }),
        {
          input: {
            image: `${registry.host}/team/shop-api`,
            tag: '1',
            contextPath: code.outputs.path,
            containerfile: code.outputs.containerfile,
          },
          workspacePath,
        },
      );
      expect(build.outputs.builder).toBe('layers');

      const manifest = (await fetchTestManifest(
        registry,
        'team/shop-api',
        '1',
      ))!;
      const config = JSON.parse(
        (await fetchTestBlob(
          registry,
          'team/shop-api',
          manifest.json.config.digest,
        ))!.toString(),
      );
      expect(config.config).toMatchObject({
        Cmd: ['node', 'server.js'],
        WorkingDir: '/app',
        User: '65532:65532',
        ExposedPorts: { '8181/tcp': {} },
      });
      const appLayer = manifest.json.layers[manifest.json.layers.length - 1];
      const tar = gunzipSync(
        (await fetchTestBlob(registry, 'team/shop-api', appLayer.digest))!,
      ).toString('latin1');
      expect(tar).toContain('app/server.js');
      expect(tar).toContain('app/package.json');
      expect(tar).not.toContain('server.test.js');
      expect(tar).not.toContain('catalog-info.yaml');
    } finally {
      await registry.stop();
    }
  });
});
