import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { hubbopsGitPlugin } from './plugin';

const exec = promisify(execFile);

async function git(cwd: string, ...args: string[]): Promise<string> {
  const { stdout } = await exec('git', args, {
    cwd,
    env: {
      PATH: process.env.PATH,
      HOME: cwd,
      GIT_AUTHOR_NAME: 'Test',
      GIT_AUTHOR_EMAIL: 'test@example.com',
      GIT_COMMITTER_NAME: 'Test',
      GIT_COMMITTER_EMAIL: 'test@example.com',
      GIT_TERMINAL_PROMPT: '0',
    },
  });
  return stdout.trim();
}

async function startGitBackend(config: object) {
  const auditEvents: string[] = [];
  const auditor = mockServices.auditor.mock({
    createEvent: async ({ eventId, meta }) => ({
      success: async () => {
        auditEvents.push(`${eventId} ${JSON.stringify(meta)} success`);
      },
      fail: async () => {
        auditEvents.push(`${eventId} ${JSON.stringify(meta)} fail`);
      },
    }),
  });
  const backend = await startTestBackend({
    features: [
      hubbopsGitPlugin,
      auditor.factory,
      mockServices.rootConfig.factory({ data: config }),
    ],
  });
  const base = `http://localhost:${backend.server.port()}/api/hubbops-git`;
  return { backend, base, auditEvents };
}

describe('hubbopsGitPlugin', () => {
  let dir: string;
  let root: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hubbops-git-test-'));
    root = join(dir, 'repos');
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('creates a repository on its first push, then serves clones, fetches and raw files', async () => {
    const { backend, base, auditEvents } = await startGitBackend({
      hubbopsGit: { enabled: true, root, autoCreate: true },
    });
    try {
      const work = join(dir, 'work');
      await exec('mkdir', ['-p', work]);
      await git(work, 'init', '--quiet', '--initial-branch=main');
      await writeFile(join(work, 'catalog-info.yaml'), 'kind: Component\n');
      await git(work, 'add', '.');
      await git(work, 'commit', '--quiet', '-m', 'first');
      const first = await git(work, 'rev-parse', 'HEAD');
      await git(work, 'push', '--quiet', `${base}/team/shop.git`, 'main');

      expect((await stat(join(root, 'team/shop.git/HEAD'))).isFile()).toBe(
        true,
      );
      expect(
        await readFile(join(root, 'team/shop.git/HEAD'), 'utf8'),
      ).toContain('refs/heads/main');

      const clone = join(dir, 'clone');
      await git(dir, 'clone', '--quiet', `${base}/team/shop.git`, clone);
      expect(await git(clone, 'rev-parse', 'HEAD')).toBe(first);
      expect(await readFile(join(clone, 'catalog-info.yaml'), 'utf8')).toBe(
        'kind: Component\n',
      );

      // A second push is seen by fetch.
      await writeFile(join(work, 'README.md'), '# shop\n');
      await git(work, 'add', '.');
      await git(work, 'commit', '--quiet', '-m', 'second');
      const second = await git(work, 'rev-parse', 'HEAD');
      await git(work, 'push', '--quiet', `${base}/team/shop.git`, 'main');
      await git(clone, 'fetch', '--quiet', 'origin');
      expect(await git(clone, 'rev-parse', 'origin/main')).toBe(second);

      const raw = await fetch(`${base}/team/shop.git/raw/main/README.md`);
      expect(raw.status).toBe(200);
      expect(await raw.text()).toBe('# shop\n');
      const etag = raw.headers.get('etag')!;
      expect(etag).toMatch(/^"[0-9a-f]{40}"$/);
      const cached = await fetch(`${base}/team/shop.git/raw/main/README.md`, {
        headers: { 'If-None-Match': etag },
      });
      expect(cached.status).toBe(304);
      const atFirst = await fetch(
        `${base}/team/shop.git/raw/${first}/README.md`,
      );
      expect(atFirst.status).toBe(404);

      expect(auditEvents).toEqual([
        'repository-create {"repository":"team/shop.git"} success',
        'repository-push {"repository":"team/shop.git"} success',
        'repository-push {"repository":"team/shop.git"} success',
      ]);
    } finally {
      await backend.stop();
    }
  });

  it('reads raw files on branches whose names hold slashes', async () => {
    const { backend, base } = await startGitBackend({
      hubbopsGit: { enabled: true, root },
    });
    try {
      const work = join(dir, 'work');
      await exec('mkdir', ['-p', work]);
      await git(work, 'init', '--quiet', '--initial-branch=feature/x');
      await exec('mkdir', ['-p', join(work, 'a/b')]);
      await writeFile(join(work, 'a/b/c.txt'), 'deep\n');
      await git(work, 'add', '.');
      await git(work, 'commit', '--quiet', '-m', 'deep');
      await git(work, 'push', '--quiet', `${base}/deep.git`, 'feature/x');

      const raw = await fetch(`${base}/deep.git/raw/feature/x/a/b/c.txt`);
      expect(raw.status).toBe(200);
      expect(await raw.text()).toBe('deep\n');
      const dir404 = await fetch(`${base}/deep.git/raw/feature/x/a/b`);
      expect(dir404.status).toBe(404);
    } finally {
      await backend.stop();
    }
  });

  it('refuses unknown repositories when autoCreate is off, and names that leave the root', async () => {
    const { backend, base } = await startGitBackend({
      hubbopsGit: { enabled: true, root, autoCreate: false },
    });
    try {
      const work = join(dir, 'work');
      await exec('mkdir', ['-p', work]);
      await git(work, 'init', '--quiet', '--initial-branch=main');
      await git(work, 'commit', '--quiet', '--allow-empty', '-m', 'x');
      await expect(
        git(work, 'push', '--quiet', `${base}/missing.git`, 'main'),
      ).rejects.toThrow(/not found|404/i);
      await expect(stat(join(root, 'missing.git'))).rejects.toThrow();

      const info = await fetch(
        `${base}/missing.git/info/refs?service=git-upload-pack`,
      );
      expect(info.status).toBe(404);
      expect(await info.text()).toContain('hubbopsGit.autoCreate');

      const traversal = await fetch(`${base}/..%2F..%2Fetc.git/info/refs`);
      expect(traversal.status).toBeGreaterThanOrEqual(400);
      const hidden = await fetch(`${base}/.hidden.git/info/refs`);
      expect(hidden.status).toBe(400);
      const rawTraversal = await fetch(
        `${base}/missing.git/raw/main/..%2F..%2Fconfig`,
      );
      expect(rawTraversal.status).toBeGreaterThanOrEqual(400);
    } finally {
      await backend.stop();
    }
  });

  it('serves nothing unless hubbopsGit.enabled is true', async () => {
    const { backend, base } = await startGitBackend({
      hubbopsGit: { root },
    });
    try {
      const response = await fetch(
        `${base}/any.git/info/refs?service=git-receive-pack`,
      );
      expect(response.status).toBe(404);
      await expect(stat(root)).rejects.toThrow();
    } finally {
      await backend.stop();
    }
  });
});
