import {
  startTestGitHubApi,
  TestGitHubApi,
  verifyWebhookSignature,
} from '@hubbops/test-kit';
import { Octokit } from '@octokit/rest';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

// Real git processes answer every request; leave room on a busy machine.
jest.setTimeout(30_000);

// octokit logs every failed request; these tests provoke failures on purpose.
const log = { debug() {}, info() {}, warn() {}, error() {} };

// The test kit's GitHub stand-in, spoken to with the real octokit client:
// the test lives here because @octokit/rest is this package's dependency.
describe('startTestGitHubApi', () => {
  let github: TestGitHubApi;
  let octokit: Octokit;

  beforeAll(async () => {
    github = await startTestGitHubApi();
    octokit = new Octokit({ baseUrl: github.url, auth: github.token, log });
    await github.createRepository('acme', 'gitops', {
      files: { 'README.md': '# gitops\n', 'clusters/a/app.yaml': 'a: 1\n' },
    });
  });

  afterAll(() => github.close());

  it('answers 401 Bad credentials for an unknown token, like GitHub', async () => {
    const stranger = new Octokit({
      baseUrl: github.url,
      auth: 'ghp_wrong',
      log,
    });
    await expect(stranger.rest.users.getAuthenticated()).rejects.toMatchObject({
      status: 401,
      message: expect.stringContaining('Bad credentials'),
    });
    const { data } = await octokit.rest.users.getAuthenticated();
    expect(data.login).toBe('hubbops-bot');
  });

  it('creates one commit from blobs, a tree on a base tree and a ref', async () => {
    const { data: repo } = await octokit.rest.repos.get({
      owner: 'acme',
      repo: 'gitops',
    });
    expect(repo.default_branch).toBe('main');
    const { data: ref } = await octokit.rest.git.getRef({
      owner: 'acme',
      repo: 'gitops',
      ref: 'heads/main',
    });
    const { data: parent } = await octokit.rest.git.getCommit({
      owner: 'acme',
      repo: 'gitops',
      commit_sha: ref.object.sha,
    });
    const { data: blob } = await octokit.rest.git.createBlob({
      owner: 'acme',
      repo: 'gitops',
      content: Buffer.from('kind: Deployment\n').toString('base64'),
      encoding: 'base64',
    });
    github.resetRequestCounts();
    const { data: tree } = await octokit.rest.git.createTree({
      owner: 'acme',
      repo: 'gitops',
      base_tree: parent.tree.sha,
      tree: [
        {
          path: 'clusters/b/deploy.yaml',
          mode: '100644',
          type: 'blob',
          sha: blob.sha,
        },
        {
          path: 'clusters/a/app.yaml',
          mode: '100644',
          type: 'blob',
          sha: null,
        },
      ],
    });
    const { data: commit } = await octokit.rest.git.createCommit({
      owner: 'acme',
      repo: 'gitops',
      message: 'Deploy b',
      tree: tree.sha,
      parents: [ref.object.sha],
    });
    await octokit.rest.git.updateRef({
      owner: 'acme',
      repo: 'gitops',
      ref: 'heads/main',
      sha: commit.sha,
    });
    expect(github.requestCounts()).toEqual({
      'POST /repos/{owner}/{repo}/git/trees': 1,
      'POST /repos/{owner}/{repo}/git/commits': 1,
      'PATCH /repos/{owner}/{repo}/git/refs/{ref+}': 1,
    });
    expect(await github.listFiles('acme', 'gitops', 'main')).toEqual([
      'README.md',
      'clusters/b/deploy.yaml',
    ]);
    const [head] = await github.log('acme', 'gitops', 'main');
    expect(head).toMatchObject({
      sha: commit.sha,
      parents: [ref.object.sha],
      author: { name: 'HubbOps Bot' },
    });
    const { data: contents } = await octokit.rest.repos.getContent({
      owner: 'acme',
      repo: 'gitops',
      path: 'clusters/b/deploy.yaml',
    });
    expect(
      Buffer.from(
        (contents as { content: string }).content,
        'base64',
      ).toString(),
    ).toBe('kind: Deployment\n');

    // The commit is real: git clones it over the same server.
    const dir = await mkdtemp(join(tmpdir(), 'github-clone-'));
    try {
      const url = new URL(github.cloneUrl('acme', 'gitops'));
      url.username = 'x-access-token';
      url.password = github.token;
      await promisify(execFile)('git', ['clone', '-q', url.toString(), dir], {
        env: { PATH: process.env.PATH, HOME: dir, GIT_TERMINAL_PROMPT: '0' },
      });
      expect(await readFile(join(dir, 'clusters/b/deploy.yaml'), 'utf8')).toBe(
        'kind: Deployment\n',
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses a ref update that is not a fast forward unless forced', async () => {
    const old = (await github.log('acme', 'gitops', 'main'))[1].sha;
    await expect(
      octokit.rest.git.updateRef({
        owner: 'acme',
        repo: 'gitops',
        ref: 'heads/main',
        sha: old,
      }),
    ).rejects.toMatchObject({
      status: 422,
      message: expect.stringContaining('Update is not a fast forward'),
    });
    await octokit.rest.git.createRef({
      owner: 'acme',
      repo: 'gitops',
      ref: 'refs/heads/rewind',
      sha: (await github.branchHead('acme', 'gitops', 'main'))!,
    });
    await octokit.rest.git.updateRef({
      owner: 'acme',
      repo: 'gitops',
      ref: 'heads/rewind',
      sha: old,
      force: true,
    });
    expect(await github.branchHead('acme', 'gitops', 'rewind')).toBe(old);
    await expect(
      octokit.rest.git.createRef({
        owner: 'acme',
        repo: 'gitops',
        ref: 'refs/heads/rewind',
        sha: old,
      }),
    ).rejects.toMatchObject({ status: 422 });
  });

  it('opens pull requests and filters them by head, base and state', async () => {
    await octokit.rest.git.createRef({
      owner: 'acme',
      repo: 'gitops',
      ref: 'refs/heads/change',
      sha: (await github.branchHead('acme', 'gitops', 'main'))!,
    });
    await expect(
      octokit.rest.pulls.create({
        owner: 'acme',
        repo: 'gitops',
        head: 'change',
        base: 'main',
        title: 'Nothing',
      }),
    ).rejects.toMatchObject({ status: 422 });
    await github.commitFiles('acme', 'gitops', 'change', { 'c.txt': 'c\n' });
    const { data: pr } = await octokit.rest.pulls.create({
      owner: 'acme',
      repo: 'gitops',
      head: 'change',
      base: 'main',
      title: 'Change',
      body: 'Adds c',
    });
    expect(pr).toMatchObject({
      number: 1,
      state: 'open',
      html_url: `${github.url}/acme/gitops/pull/1`,
      head: { ref: 'change' },
      base: { ref: 'main' },
    });
    await expect(
      octokit.rest.pulls.create({
        owner: 'acme',
        repo: 'gitops',
        head: 'change',
        base: 'main',
        title: 'Again',
      }),
    ).rejects.toMatchObject({ status: 422 });
    const open = await octokit.rest.pulls.list({
      owner: 'acme',
      repo: 'gitops',
      head: 'acme:change',
      base: 'main',
      state: 'open',
    });
    expect(open.data.map(p => p.number)).toEqual([1]);
    const other = await octokit.rest.pulls.list({
      owner: 'acme',
      repo: 'gitops',
      head: 'acme:feature',
    });
    expect(other.data).toEqual([]);
    await octokit.rest.pulls.update({
      owner: 'acme',
      repo: 'gitops',
      pull_number: 1,
      state: 'closed',
    });
    const closed = await octokit.rest.pulls.list({
      owner: 'acme',
      repo: 'gitops',
      head: 'acme:change',
    });
    expect(closed.data).toEqual([]);
  });

  it('answers 404 for a repository it does not have', async () => {
    await expect(
      octokit.rest.repos.get({ owner: 'acme', repo: 'nope' }),
    ).rejects.toMatchObject({ status: 404 });
  });

  describe('webhook deliveries', () => {
    let receiver: Server;
    const received: Array<{ headers: Record<string, any>; body: string }> = [];

    beforeAll(async () => {
      receiver = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', c => chunks.push(c));
        req.on('end', () => {
          received.push({
            headers: req.headers,
            body: Buffer.concat(chunks).toString(),
          });
          res.writeHead(202).end('ok');
        });
      });
      await new Promise<void>(r => receiver.listen(0, '127.0.0.1', r));
    });

    afterAll(() => new Promise<void>(r => receiver.close(() => r())));

    it('signs X-Hub-Signature-256 over the exact body GitHub sends', async () => {
      const port = (receiver.address() as AddressInfo).port;
      const payload = { action: 'opened', number: 7 };
      const delivery = await github.deliver(
        `http://127.0.0.1:${port}/hook`,
        'pull_request',
        payload,
        'hook-secret',
      );
      expect(delivery.status).toBe(202);
      const [got] = received;
      expect(got.headers['x-github-event']).toBe('pull_request');
      expect(got.headers['x-github-delivery']).toBe(delivery.id);
      expect(JSON.parse(got.body)).toEqual(payload);
      const signature = got.headers['x-hub-signature-256'];
      expect(
        await verifyWebhookSignature('hook-secret', got.body, signature),
      ).toBe(true);
      expect(await verifyWebhookSignature('other', got.body, signature)).toBe(
        false,
      );
    });
  });
});
