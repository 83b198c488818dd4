import { LoggerService } from '@backstage/backend-plugin-api';
import { createMockDirectory } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import {
  startTestGitHubApi,
  startTestGitServer,
  TestGitHubApi,
  TestGitServer,
} from '@hubbops/test-kit';
import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createGitopsPushAction, DRY_RUN_COMMIT_SHA } from './gitopsPush';
import { CheckpointStore } from '../codegen/__testUtils__/ActionHarness';

type JsonObject = { [key: string]: any };

const PASSWORD = 'git-pa55word-never-logged';

// Every step runs real git processes; leave room on a busy CI machine.
jest.setTimeout(30_000);

function recordingLogger(lines: string[] = []): LoggerService & {
  lines: string[];
} {
  const record =
    (level: string) => (message: string, meta?: Error | JsonObject) => {
      lines.push(`${level} ${message} ${JSON.stringify(meta ?? {})}`);
    };
  return {
    lines,
    error: record('error'),
    warn: record('warn'),
    info: record('info'),
    debug: record('debug'),
    child: () => recordingLogger(lines),
  };
}

const user = {
  entity: {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'User',
    metadata: { name: 'jane' },
    spec: { profile: { displayName: 'Jane Doe', email: 'jane@example.com' } },
  },
};

describe('hubbops:gitops:push', () => {
  const workspace = createMockDirectory();

  function harness(options: {
    input: JsonObject;
    config: JsonObject;
    isDryRun?: boolean;
    store?: CheckpointStore;
    signal?: AbortSignal;
  }) {
    const action = createGitopsPushAction({
      config: new ConfigReader(options.config),
    });
    const logger = recordingLogger();
    const store = options.store ?? new CheckpointStore();
    const outputs: Record<string, unknown> = {};
    const ctx = {
      ...createMockActionContext({
        input: options.input,
        workspacePath: workspace.path,
        logger,
      }),
      user,
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
      /** Everything the task records: log, outputs, checkpoint keys and values. */
      recorded: () =>
        [
          ...logger.lines,
          JSON.stringify(outputs),
          JSON.stringify([...store.values.entries()]),
        ].join('\n'),
    };
  }

  const manifests = (version: string) => ({
    manifests: {
      base: {
        'deployment.yaml': `kind: Deployment\nimage: shop:${version}\n`,
        'kustomization.yaml': 'resources: [deployment.yaml]\n',
      },
      flux: { 'kustomization.yaml': 'kind: Kustomization\n' },
    },
  });

  describe('over git HTTP', () => {
    let git: TestGitServer;
    const config = () => ({
      hubbops: {
        git: {
          credentials: [
            {
              host: new URL(git.baseUrl).host,
              username: 'robot',
              password: PASSWORD,
            },
          ],
          author: { name: 'HubbOps CI', email: 'ci@hubbops.test' },
        },
      },
    });
    const input = (repo: string, extra: JsonObject = {}) => ({
      repoUrl: git.url(repo),
      sourcePath: 'manifests',
      cluster: 'demo-eu',
      name: 'shop',
      ...extra,
    });

    beforeAll(async () => {
      git = await startTestGitServer({
        auth: { username: 'robot', password: PASSWORD },
        autoCreate: true,
      });
    });
    afterAll(() => git.close());

    it('replaces clusters/<cluster>/apps/<name> with the files in one commit by the template user', async () => {
      const { head: before } = await git.createRepository('gitops', {
        files: {
          'README.md': '# fleet\n',
          'clusters/demo-eu/apps/shop/old.yaml': 'stale\n',
          'clusters/demo-eu/apps/cart/deployment.yaml': 'cart\n',
        },
      });
      workspace.setContent(manifests('1.0.0'));
      const { run, outputs, recorded } = harness({
        input: input('gitops'),
        config: config(),
      });
      await run();

      const [head, parent] = await git.log('gitops', 'main');
      expect(parent.sha).toBe(before);
      expect(outputs).toEqual({
        commitSha: head.sha,
        branch: 'main',
        targetPath: 'clusters/demo-eu/apps/shop',
        repoUrl: git.url('gitops'),
        committed: true,
      });
      expect(head.author).toMatchObject({
        name: 'Jane Doe',
        email: 'jane@example.com',
      });
      expect(head.committer).toMatchObject({ email: 'ci@hubbops.test' });
      expect(head.message.trim()).toBe('Deploy shop to demo-eu');
      expect(await git.store.listFiles('gitops', 'main')).toEqual([
        'README.md',
        'clusters/demo-eu/apps/cart/deployment.yaml',
        'clusters/demo-eu/apps/shop/base/deployment.yaml',
        'clusters/demo-eu/apps/shop/base/kustomization.yaml',
        'clusters/demo-eu/apps/shop/flux/kustomization.yaml',
      ]);
      expect(
        await git.readFile(
          'gitops',
          'main',
          'clusters/demo-eu/apps/shop/base/deployment.yaml',
        ),
      ).toBe('kind: Deployment\nimage: shop:1.0.0\n');
      expect(recorded()).not.toContain(PASSWORD);
      expect(recorded()).not.toContain(
        Buffer.from(`robot:${PASSWORD}`).toString('base64'),
      );
    });

    it('creates no second commit when run again, from a retry or a new task', async () => {
      workspace.setContent(manifests('1.0.0'));
      const [head] = await git.log('gitops', 'main');
      const first = harness({ input: input('gitops'), config: config() });
      await first.run();
      expect(first.outputs).toMatchObject({
        commitSha: head.sha,
        committed: false,
      });
      // A retried task step: the checkpoint answers, git is not even asked.
      const requests = git.requests().length;
      const retry = harness({
        input: input('gitops'),
        config: config(),
        store: first.store,
      });
      await retry.run();
      expect(retry.outputs.commitSha).toBe(head.sha);
      expect(git.requests().length).toBe(requests);
      expect((await git.log('gitops', 'main'))[0].sha).toBe(head.sha);
    });

    it('rebases onto a push that landed between its fetch and its push', async () => {
      workspace.setContent(manifests('1.1.0'));
      let theirs = '';
      git.beforeNextPush('gitops', async () => {
        theirs = await git.commitFiles(
          'gitops',
          'main',
          { 'clusters/demo-eu/apps/cart/deployment.yaml': 'cart v2\n' },
          { message: 'Someone else deploys cart' },
        );
      });
      const { run, outputs, logger } = harness({
        input: input('gitops'),
        config: config(),
      });
      await run();

      const [ours, parent] = await git.log('gitops', 'main');
      expect(parent.sha).toBe(theirs);
      expect(outputs).toMatchObject({ commitSha: ours.sha, committed: true });
      expect(
        await git.readFile(
          'gitops',
          'main',
          'clusters/demo-eu/apps/cart/deployment.yaml',
        ),
      ).toBe('cart v2\n');
      expect(
        await git.readFile(
          'gitops',
          'main',
          'clusters/demo-eu/apps/shop/base/deployment.yaml',
        ),
      ).toContain('shop:1.1.0');
      expect(logger.lines.join('\n')).toContain('rebasing');
      expect(logger.lines.join('\n')).not.toContain('conflicted');
    });

    it('writes its folder again on top when the other push changed the same files', async () => {
      workspace.setContent(manifests('1.2.0'));
      git.beforeNextPush('gitops', async () => {
        await git.commitFiles('gitops', 'main', {
          'clusters/demo-eu/apps/shop/base/deployment.yaml': 'hand edit\n',
          'clusters/demo-eu/apps/shop/extra.yaml': 'extra\n',
        });
      });
      const { run, outputs, logger } = harness({
        input: input('gitops'),
        config: config(),
      });
      await run();
      expect(logger.lines.join('\n')).toContain('the rebase conflicted');
      expect(outputs.committed).toBe(true);
      expect(
        await git.readFile(
          'gitops',
          'main',
          'clusters/demo-eu/apps/shop/base/deployment.yaml',
        ),
      ).toContain('shop:1.2.0');
      expect(
        await git.store.listFiles(
          'gitops',
          'main',
          'clusters/demo-eu/apps/shop',
        ),
      ).not.toContain('clusters/demo-eu/apps/shop/extra.yaml');
    });

    it('pushes nothing in a dry run', async () => {
      workspace.setContent(manifests('9.9.9'));
      const [head] = await git.log('gitops', 'main');
      const requests = git.requests().length;
      const { run, outputs, logger } = harness({
        input: input('gitops'),
        config: config(),
        isDryRun: true,
      });
      await run();
      expect(outputs.commitSha).toBe(DRY_RUN_COMMIT_SHA);
      expect(git.requests().length).toBe(requests);
      expect((await git.log('gitops', 'main'))[0].sha).toBe(head.sha);
      expect(logger.lines.join('\n')).toContain('dry run');
    });

    it('creates a missing repository on a server that creates them on push, only when asked', async () => {
      workspace.setContent(manifests('1.0.0'));
      const refused = harness({ input: input('fresh'), config: config() });
      await expect(refused.run()).rejects.toThrow(
        /does not exist.*createRepository/,
      );
      const created = harness({
        input: input('fresh', { createRepository: true, targetPath: '' }),
        config: config(),
      });
      await created.run();
      expect(created.outputs).toMatchObject({
        branch: 'main',
        committed: true,
      });
      expect(await git.store.listFiles('fresh', 'main')).toEqual([
        'base/deployment.yaml',
        'base/kustomization.yaml',
        'flux/kustomization.yaml',
      ]);
    });

    it('says which config to fix when the git server refuses the credentials', async () => {
      workspace.setContent(manifests('1.0.0'));
      const wrong = 'wrong-password-123';
      const { run, recorded } = harness({
        input: input('gitops'),
        config: {
          hubbops: {
            git: {
              credentials: [
                {
                  host: new URL(git.baseUrl).host,
                  username: 'robot',
                  password: wrong,
                },
              ],
            },
          },
        },
      });
      const error = await run().catch(e => e);
      expect(error.name).toBe('NotAllowedError');
      expect(error.message).toContain('hubbops.git.credentials');
      expect(`${error.message}\n${error.stack}\n${recorded()}`).not.toContain(
        wrong,
      );
    });

    it('refuses paths outside the workspace or the repository', async () => {
      workspace.setContent(manifests('1.0.0'));
      await expect(
        harness({
          input: input('gitops', { sourcePath: '../..' }),
          config: config(),
        }).run(),
      ).rejects.toThrow(/outside|workspace/i);
      await expect(
        harness({
          input: input('gitops', { targetPath: '../escape' }),
          config: config(),
        }).run(),
      ).rejects.toThrow(/targetPath/);
      await expect(
        harness({
          input: {
            repoUrl: `http://robot:${PASSWORD}@127.0.0.1/x.git`,
            targetPath: 'a',
          },
          config: config(),
        }).run(),
      ).rejects.toThrow(/must not contain credentials/);
    });

    it('stops mid-push when the task is cancelled and leaves no clone behind', async () => {
      await git.createRepository('cancel', { files: { 'README.md': 'x\n' } });
      workspace.setContent(manifests('2.0.0'));
      const controller = new AbortController();
      git.beforeNextPush('cancel', () => {
        controller.abort(new Error('task cancelled'));
      });
      const clones = async () =>
        (await readdir(tmpdir())).filter(d =>
          d.startsWith('hubbops-gitops-push-'),
        );
      const before = await clones();
      await expect(
        harness({
          input: input('cancel'),
          config: config(),
          signal: controller.signal,
        }).run(),
      ).rejects.toThrow(/cancelled/);
      expect(await clones()).toEqual(before);
    });
  });

  describe('through the GitHub API', () => {
    let github: TestGitHubApi;
    const config = (token = github.token) => ({
      integrations: {
        github: [{ host: 'ghe.test', apiBaseUrl: github.url, token }],
      },
    });
    const TREES = 'POST /repos/{owner}/{repo}/git/trees';
    const COMMITS = 'POST /repos/{owner}/{repo}/git/commits';
    const REF_UPDATES = 'PATCH /repos/{owner}/{repo}/git/refs/{ref+}';
    const REF_CREATES = 'POST /repos/{owner}/{repo}/git/refs';
    const BLOBS = 'POST /repos/{owner}/{repo}/git/blobs';

    const manyFiles = (version: string, count: number) => ({
      out: Object.fromEntries(
        Array.from({ length: count }, (_, i) => [
          `file-${String(i).padStart(2, '0')}.yaml`,
          `index: ${i}\nversion: ${version}\n`,
        ]),
      ),
    });

    beforeAll(async () => {
      github = await startTestGitHubApi();
      await github.createRepository('acme', 'fleet', {
        files: {
          'README.md': '# fleet\n',
          'clusters/prod/apps/shop/stale.yaml': 'old\n',
        },
      });
    });
    afterAll(() => github.close());

    it('commits any number of files as one tree, one commit and one ref update', async () => {
      workspace.setContent(manyFiles('1', 12));
      github.resetRequestCounts();
      const { run, outputs, recorded } = harness({
        input: {
          repoUrl: 'ghe.test?owner=acme&repo=fleet',
          sourcePath: 'out',
          cluster: 'prod',
          name: 'shop',
        },
        config: config(),
      });
      await run();
      const counts = github.requestCounts();
      expect(counts[TREES]).toBe(1);
      expect(counts[COMMITS]).toBe(1);
      expect(counts[REF_UPDATES]).toBe(1);
      expect(counts[BLOBS]).toBe(12);
      const [head] = await github.log('acme', 'fleet', 'main');
      expect(outputs).toEqual({
        commitSha: head.sha,
        branch: 'main',
        targetPath: 'clusters/prod/apps/shop',
        repoUrl: 'https://ghe.test/acme/fleet.git',
        committed: true,
      });
      expect(head.author).toMatchObject({ email: 'jane@example.com' });
      const files = await github.listFiles('acme', 'fleet', 'main');
      expect(files).toHaveLength(13);
      expect(files).not.toContain('clusters/prod/apps/shop/stale.yaml');
      expect(recorded()).not.toContain(github.token);

      // The same files again: no blob, tree, commit or ref call at all.
      github.resetRequestCounts();
      const again = harness({
        input: {
          repoUrl: 'https://ghe.test/acme/fleet',
          sourcePath: 'out',
          targetPath: 'clusters/prod/apps/shop',
        },
        config: config(),
      });
      await again.run();
      expect(again.outputs).toMatchObject({
        commitSha: head.sha,
        committed: false,
      });
      const after = github.requestCounts();
      for (const write of [TREES, COMMITS, REF_UPDATES, REF_CREATES, BLOBS]) {
        expect(after[write]).toBeUndefined();
      }
    });

    it('builds the commit again on the new head when the ref update is not a fast forward', async () => {
      workspace.setContent(manyFiles('2', 3));
      let theirs = '';
      github.beforeNext(REF_UPDATES, async () => {
        theirs = await github.commitFiles('acme', 'fleet', 'main', {
          'clusters/prod/apps/cart/app.yaml': 'cart\n',
        });
      });
      github.resetRequestCounts();
      const { run, outputs, logger } = harness({
        input: {
          repoUrl: 'ghe.test?owner=acme&repo=fleet',
          sourcePath: 'out',
          targetPath: 'clusters/prod/apps/shop',
        },
        config: config(),
      });
      await run();
      const counts = github.requestCounts();
      expect(counts[TREES]).toBe(2);
      expect(counts[COMMITS]).toBe(2);
      expect(counts[REF_UPDATES]).toBe(2);
      const [head, parent] = await github.log('acme', 'fleet', 'main');
      expect(parent.sha).toBe(theirs);
      expect(outputs.commitSha).toBe(head.sha);
      expect(
        await github.readFile(
          'acme',
          'fleet',
          'main',
          'clusters/prod/apps/cart/app.yaml',
        ),
      ).toBe('cart\n');
      expect(
        await github.listFiles(
          'acme',
          'fleet',
          'main',
          'clusters/prod/apps/shop',
        ),
      ).toHaveLength(3);
      expect(logger.lines.join('\n')).toContain('moved since it was read');
    });

    it('opens a pull request, and a re-run updates its branch and reuses it', async () => {
      workspace.setContent(manyFiles('3', 2));
      const prInput = {
        repoUrl: 'ghe.test?owner=acme&repo=fleet',
        sourcePath: 'out',
        cluster: 'staging',
        name: 'shop',
        mode: 'pull-request',
        pullRequest: { title: 'Deploy shop to staging' },
      };
      const mainBefore = await github.branchHead('acme', 'fleet', 'main');
      const first = harness({ input: prInput, config: config() });
      await first.run();
      const [pr] = github.pullRequests('acme', 'fleet');
      expect(pr).toMatchObject({
        head: 'hubbops/shop',
        base: 'main',
        title: 'Deploy shop to staging',
        state: 'open',
      });
      expect(first.outputs).toMatchObject({
        branch: 'hubbops/shop',
        pullRequestUrl: `${github.url}/acme/fleet/pull/${pr.number}`,
        pullRequestNumber: pr.number,
        commitSha: await github.branchHead('acme', 'fleet', 'hubbops/shop'),
        committed: true,
      });
      expect(await github.branchHead('acme', 'fleet', 'main')).toBe(mainBefore);

      workspace.setContent(manyFiles('4', 2));
      const second = harness({ input: prInput, config: config() });
      await second.run();
      expect(github.pullRequests('acme', 'fleet')).toHaveLength(1);
      expect(second.outputs).toMatchObject({
        pullRequestNumber: pr.number,
        committed: true,
      });
      expect(
        await github.readFile(
          'acme',
          'fleet',
          'hubbops/shop',
          'clusters/staging/apps/shop/file-00.yaml',
        ),
      ).toContain('version: 4');

      const third = harness({ input: prInput, config: config() });
      await third.run();
      expect(third.outputs).toMatchObject({
        pullRequestNumber: pr.number,
        committed: false,
        commitSha: second.outputs.commitSha,
      });
      expect(github.pullRequests('acme', 'fleet')).toHaveLength(1);
    });

    it('says to check the integration when GitHub rejects the token', async () => {
      workspace.setContent(manyFiles('5', 1));
      const bad = 'ghp_definitelyNotValid0123456789';
      const { run, recorded } = harness({
        input: {
          repoUrl: 'ghe.test?owner=acme&repo=fleet',
          sourcePath: 'out',
          targetPath: 'x',
        },
        config: config(bad),
      });
      const error = await run().catch(e => e);
      expect(error.name).toBe('NotAllowedError');
      expect(error.message).toMatch(
        /Bad credentials.*integrations\.github|integrations\.github.*Bad credentials/,
      );
      expect(`${error.message}\n${error.stack}\n${recorded()}`).not.toContain(
        bad,
      );
    });

    it('refuses a pull request to a plain git server and repoUrls without an integration', async () => {
      workspace.setContent(manyFiles('5', 1));
      await expect(
        harness({
          input: {
            repoUrl: 'http://127.0.0.1:1/gitops.git',
            sourcePath: 'out',
            targetPath: 'x',
            mode: 'pull-request',
          },
          config: config(),
        }).run(),
      ).rejects.toThrow(/pull-request needs a GitHub host/);
      await expect(
        harness({
          input: {
            repoUrl: 'gitlab.example?owner=a&repo=b',
            sourcePath: 'out',
            targetPath: 'x',
          },
          config: config(),
        }).run(),
      ).rejects.toThrow(/no GitHub integration/);
    });
  });
});
