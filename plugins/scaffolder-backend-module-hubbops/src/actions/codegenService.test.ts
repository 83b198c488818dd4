import { createMockDirectory } from '@backstage/backend-test-utils';
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { builtInServiceTypes } from '../codegen/builtInServiceTypes';
import { ServiceTypeHandler } from '../codegen/ServiceTypeHandler';
import {
  CheckpointStore,
  runAction,
} from '../codegen/__testUtils__/ActionHarness';
import {
  createCodegenServiceTestAction,
  shopApiInput,
} from '../codegen/__testUtils__/codegenServiceTestAction';

jest.setTimeout(60_000);

describe('hubbops:codegen:service', () => {
  const mockDir = createMockDirectory();
  let workspacePath: string;

  beforeEach(() => {
    mockDir.clear();
    mockDir.setContent({ workspace: {} });
    workspacePath = mockDir.resolve('workspace');
  });

  describe('node', () => {
    it('takes the base image from the input, else from hubbops.codegen.node.baseImage', async () => {
      await runAction(
        createCodegenServiceTestAction({
          hubbops: {
            codegen: { node: { baseImage: 'localhost:5000/base/node:22' } },
          },
        }),
        { input: { ...shopApiInput, type: 'node' }, workspacePath },
      );
      expect(
        await readFile(path.join(workspacePath, 'Containerfile'), 'utf8'),
      ).toMatch(/^FROM localhost:5000\/base\/node:22\n/);

      await runAction(createCodegenServiceTestAction(), {
        input: {
          ...shopApiInput,
          type: 'node',
          baseImage: 'registry.example.com/node:22',
          targetPath: 'other',
        },
        workspacePath,
      });
      expect(
        await readFile(path.join(workspacePath, 'other/Containerfile'), 'utf8'),
      ).toMatch(/^FROM registry\.example\.com\/node:22\n/);
    });
  });

  it('writes a catalog-info.yaml with the annotations the suite uses', async () => {
    await runAction(createCodegenServiceTestAction(), {
      input: { ...shopApiInput, type: 'go' },
      workspacePath,
    });
    const entity = parse(
      await readFile(path.join(workspacePath, 'catalog-info.yaml'), 'utf8'),
    );
    expect(entity).toEqual({
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Component',
      metadata: {
        name: 'shop-api',
        description: 'Sells things',
        annotations: {
          'backstage.io/kubernetes-id': 'shop-api',
          'backstage.io/kubernetes-label-selector':
            'app.kubernetes.io/name=shop-api',
        },
        tags: ['go'],
      },
      spec: {
        type: 'service',
        lifecycle: 'experimental',
        owner: 'group:default/team-a',
        system: 'shop',
      },
    });
  });

  it('changes nothing when re-run with the same inputs', async () => {
    const action = createCodegenServiceTestAction();
    const input = { ...shopApiInput, type: 'python', targetPath: 'svc' };
    const first = await runAction(action, { input, workspacePath });
    expect(first.outputs.changed).toHaveLength(first.outputs.files.length);
    const before = await Promise.all(
      first.outputs.files.map(async (file: string) => {
        const full = path.join(workspacePath, 'svc', file);
        return [await readFile(full, 'utf8'), (await stat(full)).mtimeMs];
      }),
    );

    // A new attempt of the task: no checkpoints carried over.
    const second = await runAction(action, { input, workspacePath });
    expect(second.outputs.changed).toEqual([]);
    expect({ ...second.outputs, changed: undefined }).toEqual({
      ...first.outputs,
      changed: undefined,
    });
    expect(second.lines.join('\n')).toContain(
      'already up to date; nothing changed',
    );
    const after = await Promise.all(
      first.outputs.files.map(async (file: string) => {
        const full = path.join(workspacePath, 'svc', file);
        return [await readFile(full, 'utf8'), (await stat(full)).mtimeMs];
      }),
    );
    expect(after).toEqual(before);
  });

  it('restores files a user changed, reporting only those', async () => {
    const input = { ...shopApiInput, type: 'node' };
    await runAction(createCodegenServiceTestAction(), { input, workspacePath });
    await writeFile(path.join(workspacePath, 'server.js'), 'edited');
    const { outputs } = await runAction(createCodegenServiceTestAction(), {
      input,
      workspacePath,
    });
    expect(outputs.changed).toEqual(['server.js']);
  });

  it('writes on a retry what the first attempt generated, even if config changed', async () => {
    const store = new CheckpointStore();
    const input = { ...shopApiInput, type: 'node' };
    await runAction(createCodegenServiceTestAction(), {
      input,
      workspacePath,
      store,
    });
    mockDir.setContent({ workspace: {} });
    const retry = await runAction(
      createCodegenServiceTestAction({
        hubbops: { codegen: { node: { baseImage: 'changed/node:22' } } },
      }),
      { input, workspacePath, store },
    );
    expect(store.ran).toHaveLength(1);
    expect(retry.outputs.changed).toContain('Containerfile');
    expect(
      await readFile(path.join(workspacePath, 'Containerfile'), 'utf8'),
    ).toMatch(/^FROM docker\.io\/library\/node:22-slim/);
  });

  it('writes nothing in a dry run but reports what it would write', async () => {
    const { outputs, lines } = await runAction(
      createCodegenServiceTestAction(),
      {
        input: { ...shopApiInput, type: 'go', targetPath: 'svc' },
        workspacePath,
        isDryRun: true,
      },
    );
    expect(outputs.path).toBe('svc');
    expect(outputs.files).toContain('main.go');
    expect(outputs.changed).toEqual([]);
    expect(lines).toContain('info dry run: would write svc/main.go');
    expect(mockDir.content()).toEqual({ workspace: {} });
  });

  it('stops before writing when the task is cancelled', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(
      runAction(createCodegenServiceTestAction(), {
        input: { ...shopApiInput, type: 'node' },
        workspacePath,
        signal: controller.signal,
      }),
    ).rejects.toThrow(/abort/i);
    expect(mockDir.content()).toEqual({ workspace: {} });
  });

  it.each([
    [
      { name: 'My_Service' },
      "name 'My_Service' must be a DNS label: lowercase letters, digits and '-'",
    ],
    [{ name: 'a'.repeat(64) }, 'at most 63 characters'],
    [{ port: 80 }, 'port must be 1024 or more'],
    [{ port: 70000 }, 'port must be at most 65535'],
    [{ owner: 'not a ref' }, "owner 'not a ref' must be an entity ref"],
    [
      { type: 'cobol' },
      "unknown service type 'cobol'; use one of: go, node, python",
    ],
    [
      { targetPath: '../outside' },
      "targetPath '../outside' points outside the workspace",
    ],
    [
      { targetPath: '/etc' },
      "targetPath '/etc' must be a path relative to the workspace",
    ],
    [
      { type: 'go', options: { runtimeImag: 'x' } },
      "options for service type 'go'",
    ],
    [
      { type: 'go', options: { modulePath: 'Bad Path' } },
      'modulePath must be a Go module path',
    ],
  ])(
    'rejects %j with an InputError saying what to fix',
    async (change, message) => {
      const promise = runAction(createCodegenServiceTestAction(), {
        input: { ...shopApiInput, type: 'node', ...change },
        workspacePath,
      });
      await expect(promise).rejects.toMatchObject({ name: 'InputError' });
      await expect(promise).rejects.toThrow(message);
      expect(mockDir.content()).toEqual({ workspace: {} });
    },
  );

  it('refuses a targetPath that leaves the workspace through a symlink', async () => {
    const outside = mkdtempSync(path.join(tmpdir(), 'hubbops-outside-'));
    try {
      mockDir.setContent({
        workspace: { escape: ({ symlink }) => symlink(outside) },
      });
      await expect(
        runAction(createCodegenServiceTestAction(), {
          input: { ...shopApiInput, type: 'node', targetPath: 'escape' },
          workspacePath,
        }),
      ).rejects.toThrow("targetPath 'escape' points outside the workspace");
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it('generates types added by integrators, validating their options with their zod schema', async () => {
    const rust: ServiceTypeHandler<{ edition: string }> = {
      type: 'rust',
      description: 'Rust service',
      defaultBaseImage: 'docker.io/library/rust:1',
      inputSchema: z.object({ edition: z.enum(['2021', '2024']) }),
      async generate(ctx) {
        return [
          {
            path: 'Cargo.toml',
            content: `edition = "${ctx.options.edition}"\n`,
          },
          { path: 'Containerfile', content: `FROM ${ctx.baseImage}\n` },
        ];
      },
    };
    const action = createCodegenServiceTestAction({}, [
      ...builtInServiceTypes,
      rust,
    ]);
    const { outputs } = await runAction(action, {
      input: { ...shopApiInput, type: 'rust', options: { edition: '2024' } },
      workspacePath,
    });
    expect(outputs.files).toEqual([
      'Cargo.toml',
      'Containerfile',
      'catalog-info.yaml',
    ]);
    expect(await readFile(path.join(workspacePath, 'Cargo.toml'), 'utf8')).toBe(
      'edition = "2024"\n',
    );

    await expect(
      runAction(action, {
        input: { ...shopApiInput, type: 'rust', options: { edition: '2015' } },
        workspacePath,
      }),
    ).rejects.toThrow(/options for service type 'rust': edition: /);
  });

  it('refuses files a handler would write outside the target directory', async () => {
    const evil: ServiceTypeHandler<unknown> = {
      type: 'evil',
      description: 'writes outside',
      defaultBaseImage: 'x',
      inputSchema: z.unknown(),
      async generate() {
        return [
          { path: 'Containerfile', content: 'FROM x\n' },
          { path: '../../escaped.txt', content: 'x' },
        ];
      },
    };
    await expect(
      runAction(createCodegenServiceTestAction({}, [evil]), {
        input: { ...shopApiInput, type: 'evil', targetPath: 'svc' },
        workspacePath,
      }),
    ).rejects.toThrow(
      "generated file '../../escaped.txt' would be written outside the target directory",
    );
    expect(mockDir.content()).toEqual({ workspace: {} });
  });
});
