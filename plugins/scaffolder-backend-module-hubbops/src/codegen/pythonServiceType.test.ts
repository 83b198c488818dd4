import { createMockDirectory } from '@backstage/backend-test-utils';
import { runAction } from './__testUtils__/ActionHarness';
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { requireBinary, run, runOk } from './__testUtils__/toolchains';
import {
  createCodegenServiceTestAction,
  shopApiInput,
} from './__testUtils__/codegenServiceTestAction';

jest.setTimeout(60_000);

describe('the python service type', () => {
  const mockDir = createMockDirectory();
  let workspacePath: string;

  beforeEach(() => {
    mockDir.clear();
    mockDir.setContent({ workspace: {} });
    workspacePath = mockDir.resolve('workspace');
  });

  it('generates a python FastAPI service whose pytest suite passes', async () => {
    const python = requireBinary('/usr/bin/python3', 'python3');
    const modules = await run(python, ['-c', 'import fastapi, httpx, pytest'], {
      cwd: workspacePath,
    });
    if (modules.code !== 0) {
      throw new Error(
        `Debian's python lacks FastAPI, httpx or pytest: apt-get install python3-fastapi python3-httpx python3-pytest\n${modules.stderr}`,
      );
    }
    const { outputs } = await runAction(createCodegenServiceTestAction(), {
      input: {
        ...shopApiInput,
        type: 'python',
        description: 'Sells "things" \\ and more """',
      },
      workspacePath,
    });
    expect(outputs.files).toEqual(
      expect.arrayContaining([
        'app/main.py',
        'tests/test_main.py',
        'requirements.txt',
        'Containerfile',
        'catalog-info.yaml',
      ]),
    );
    const result = await run(
      python,
      ['-m', 'pytest', '-q', '-p', 'no:cacheprovider'],
      {
        cwd: workspacePath,
        env: { PATH: process.env.PATH, PYTHONDONTWRITEBYTECODE: '1' },
      },
    );
    expect(result.stdout).toMatch(/2 passed/);
    expect(result.code).toBe(0);
    const doc = await runOk(
      python,
      ['-B', '-c', 'import app.main; print(app.main.__doc__)'],
      { cwd: workspacePath },
    );
    expect(doc).toBe('shop-api: Sells "things" \\ and more """\n');
    const containerfile = await readFile(
      path.join(workspacePath, 'Containerfile'),
      'utf8',
    );
    expect(containerfile).toMatch(
      /^FROM docker\.io\/library\/python:3\.12-slim\n/,
    );
    expect(containerfile).toContain(
      'RUN pip install --no-cache-dir -r requirements.txt',
    );
    expect(containerfile).toContain('--port ${PORT}');
  });
});
