import { createMockDirectory } from '@backstage/backend-test-utils';
import { runAction } from './__testUtils__/ActionHarness';
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { requireBinary, run, runOk } from './__testUtils__/toolchains';
import {
  createCodegenServiceTestAction,
  shopApiInput,
} from './__testUtils__/codegenServiceTestAction';

jest.setTimeout(60_000);

describe('the go service type', () => {
  const mockDir = createMockDirectory();
  let workspacePath: string;

  beforeEach(() => {
    mockDir.clear();
    mockDir.setContent({ workspace: {} });
    workspacePath = mockDir.resolve('workspace');
  });

  it('generates a go service that vets, tests and builds with go 1.19 and the standard library only', async () => {
    const go = requireBinary('/usr/bin/go', 'golang-go');
    const { outputs } = await runAction(createCodegenServiceTestAction(), {
      input: {
        ...shopApiInput,
        type: 'go',
        options: { modulePath: 'example.com/shop-api' },
      },
      workspacePath,
    });
    expect(outputs.files).toEqual([
      'go.mod',
      'main.go',
      'main_test.go',
      'Containerfile',
      '.containerignore',
      'catalog-info.yaml',
    ]);
    const goHome = mkdtempSync(path.join(tmpdir(), 'hubbops-go-'));
    try {
      const env = {
        PATH: process.env.PATH,
        HOME: goHome,
        GOPATH: path.join(goHome, 'path'),
        GOCACHE: path.join(goHome, 'cache'),
        GOFLAGS: '-mod=mod',
        GOPROXY: 'off',
      };
      const opts = { cwd: workspacePath, env, timeoutMs: 120_000 };
      expect(
        await runOk(path.join(path.dirname(go), 'gofmt'), ['-l', '.'], opts),
      ).toBe('');
      // go vet in full; go test then skips its own vet subset.
      await runOk(go, ['vet', './...'], opts);
      expect(
        await runOk(go, ['test', '-count=1', '-vet=off', './...'], opts),
      ).toMatch(/^ok\s+example\.com\/shop-api/m);
      await runOk(go, ['build', '-o', path.join(goHome, 'server'), '.'], opts);
      expect((await stat(path.join(goHome, 'server'))).size).toBeGreaterThan(0);
    } finally {
      // Go marks its module cache read-only.
      await run('chmod', ['-R', 'u+w', goHome], { cwd: goHome });
      rmSync(goHome, { recursive: true, force: true });
    }
    const containerfile = await readFile(
      path.join(workspacePath, 'Containerfile'),
      'utf8',
    );
    expect(containerfile).toMatch(
      /^FROM docker\.io\/library\/golang:1\.22 AS build\n/,
    );
    expect(containerfile).toContain(
      'FROM gcr.io/distroless/static-debian12:nonroot',
    );
    expect(
      await readFile(path.join(workspacePath, 'go.mod'), 'utf8'),
    ).toContain('go 1.19');
  });
});
