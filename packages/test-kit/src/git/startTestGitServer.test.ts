import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isolatedGitEnv, runGit } from './runGit';
import { startTestGitServer, TestGitServer } from './startTestGitServer';

// Real git processes answer every request; leave room on a busy machine.
jest.setTimeout(30_000);

const auth = { username: 'robot', password: 's3cret-password' };

describe('startTestGitServer', () => {
  let server: TestGitServer;
  let work: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    server = await startTestGitServer({ auth });
    work = await mkdtemp(join(tmpdir(), 'test-git-client-'));
    const header = `Authorization: Basic ${Buffer.from(
      `${auth.username}:${auth.password}`,
    ).toString('base64')}`;
    env = {
      ...isolatedGitEnv(work),
      GIT_AUTHOR_NAME: 'Dev',
      GIT_AUTHOR_EMAIL: 'dev@example.com',
      GIT_COMMITTER_NAME: 'Dev',
      GIT_COMMITTER_EMAIL: 'dev@example.com',
      GIT_CONFIG_COUNT: '1',
      GIT_CONFIG_KEY_0: `http.${server.baseUrl}/.extraHeader`,
      GIT_CONFIG_VALUE_0: header,
    };
  });

  afterAll(async () => {
    await server.close();
    await rm(work, { recursive: true, force: true });
  });

  const git = (args: string[], cwd = work, extraEnv = env) =>
    runGit(args, { cwd, env: extraEnv }).then(out => out.toString().trim());

  it('clones, pushes and fetches with the git CLI', async () => {
    const { head } = await server.createRepository('team/gitops', {
      files: { 'README.md': '# gitops\n' },
    });
    const dir = join(work, 'clone');
    await git(['clone', '-q', server.url('team/gitops'), dir]);
    expect(await readFile(join(dir, 'README.md'), 'utf8')).toBe('# gitops\n');
    expect(await git(['rev-parse', 'HEAD'], dir)).toBe(head);

    await writeFile(join(dir, 'app.yaml'), 'kind: ConfigMap\n');
    await git(['add', 'app.yaml'], dir);
    await git(['commit', '-q', '-m', 'Add app'], dir);
    await git(['push', '-q', 'origin', 'main'], dir);
    expect(await server.readFile('team/gitops', 'main', 'app.yaml')).toBe(
      'kind: ConfigMap\n',
    );
    const [latest] = await server.log('team/gitops', 'main');
    expect(latest.message.trim()).toBe('Add app');
    expect(latest.author.email).toBe('dev@example.com');

    await server.commitFiles('team/gitops', 'main', { 'other.txt': 'x\n' });
    await git(['fetch', '-q', 'origin'], dir);
    expect(await git(['show', 'origin/main:other.txt'], dir)).toBe('x');
    const services = server.requests().map(r => r.service);
    expect(services).toContain('git-receive-pack');
    expect(services).toContain('git-upload-pack');
    expect(server.requests().every(r => r.user === 'robot')).toBe(true);
  });

  it('serves gzip-compressed fetch negotiations', async () => {
    // Many local commits make the client send a have-list over 1 KiB, which
    // git gzips; fast-import writes them in one process.
    await server.createRepository('busy', { files: { 'a.txt': '0\n' } });
    const dir = join(work, 'busy');
    await git(['clone', '-q', server.url('busy'), dir]);
    const base = await git(['rev-parse', 'HEAD'], dir);
    // Newer than the commit both sides have, so git offers them first.
    const future = Math.floor(Date.now() / 1000) + 86400;
    const stream = Array.from(
      { length: 150 },
      (_, i) =>
        `commit refs/heads/main\ncommitter Dev <dev@example.com> ${
          future + i
        } +0000\ndata ${`local ${i}`.length}\nlocal ${i}\n${
          i === 0 ? `from ${base}\n` : ''
        }\n`,
    ).join('');
    await runGit(['fast-import', '--quiet'], { cwd: dir, env, input: stream });
    await server.commitFiles('busy', 'main', { 'a.txt': 'remote\n' });
    await git(['fetch', '-q', 'origin'], dir);
    expect(await git(['show', 'origin/main:a.txt'], dir)).toBe('remote');
    expect(
      server
        .requests()
        .some(r => r.repository === 'busy' && r.contentEncoding === 'gzip'),
    ).toBe(true);
  });

  it('answers 401 with WWW-Authenticate without credentials', async () => {
    await server.createRepository('private', { files: { 'a.txt': 'a\n' } });
    const response = await fetch(
      `${server.url('private')}/info/refs?service=git-upload-pack`,
    );
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Basic /);
    await expect(
      git(['ls-remote', server.url('private')], work, isolatedGitEnv(work)),
    ).rejects.toThrow(/Authentication failed|could not read Username/);
  });

  it('answers 404 for a repository that does not exist', async () => {
    await expect(git(['ls-remote', server.url('missing')])).rejects.toThrow(
      /not found/i,
    );
  });

  it('runs a hook before the next push, so a test can race the client', async () => {
    await server.createRepository('race', { files: { 'a.txt': 'a\n' } });
    const dir = join(work, 'race');
    await git(['clone', '-q', server.url('race'), dir]);
    await writeFile(join(dir, 'b.txt'), 'b\n');
    await git(['add', '.'], dir);
    await git(['commit', '-q', '-m', 'b'], dir);
    server.beforeNextPush('race', async () => {
      await server.commitFiles('race', 'main', { 'c.txt': 'c\n' });
    });
    await expect(git(['push', '-q', 'origin', 'main'], dir)).rejects.toThrow(
      /rejected|fetch first|non-fast-forward/,
    );
    expect(await server.readFile('race', 'main', 'b.txt')).toBeUndefined();
  });
});
