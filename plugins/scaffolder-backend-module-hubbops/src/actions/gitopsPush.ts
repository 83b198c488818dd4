import { resolveSafeChildPath } from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import { InputError, isError } from '@backstage/errors';
import {
  DefaultGithubCredentialsProvider,
  ScmIntegrations,
} from '@backstage/integration';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { Octokit } from '@octokit/rest';
import { createHash } from 'node:crypto';
import { realpath, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { z as zod } from 'zod/v3';
import { GitCredentialDirectory } from '../git/gitCredentials';
import { GitopsRepository, parseGitopsRepoUrl } from '../git/gitopsRepository';
import {
  assertBranchName,
  GitIdentity,
  pushOverGitHttp,
} from '../git/pushOverGitHttp';
import { GitHubPushResult, pushThroughGitHub } from '../git/pushThroughGitHub';
import {
  normalizeRepositoryPath,
  readSourceFiles,
  sourceFilesDigest,
} from '../git/sourceFiles';
import { createRedactor } from '../image/settings';

export const GITOPS_PUSH_ACTION_ID = 'hubbops:gitops:push';

/** What a dry run outputs as `commitSha`: git's null object id. */
export const DRY_RUN_COMMIT_SHA = '0'.repeat(40);

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

const inputSchema = {
  repoUrl: (z: typeof zod) =>
    z
      .string({
        description:
          'The GitOps repository: `github.com?owner=acme&repo=gitops` ' +
          '(RepoUrlPicker; any host under integrations.github) or a git ' +
          'HTTP(S) URL such as `http://localhost:7007/api/hubbops-git/gitops.git`. ' +
          'Credentials come from app config, never from the template.',
      })
      .min(1),
  sourcePath: (z: typeof zod) =>
    z
      .string({
        description:
          'The workspace directory whose files become the content of ' +
          '`targetPath`, e.g. `manifests`. Default `.`.',
      })
      .min(1)
      .default('.'),
  targetPath: (z: typeof zod) =>
    z
      .string({
        description:
          'The folder in the repository to replace with the files, e.g. ' +
          '`clusters/demo-eu-west/apps/shop`; `""` for the repository root. ' +
          'Default `clusters/<cluster>/apps/<name>`.',
      })
      .optional(),
  cluster: (z: typeof zod) =>
    z
      .string({
        description:
          'The cluster, for the default targetPath, e.g. `demo-eu-west`.',
      })
      .regex(DNS_LABEL, 'cluster must be a DNS label, e.g. demo-eu-west')
      .optional(),
  name: (z: typeof zod) =>
    z
      .string({
        description:
          'The application, for the default targetPath and pull request branch, e.g. `shop`.',
      })
      .regex(DNS_LABEL, 'name must be a DNS label, e.g. shop')
      .optional(),
  branch: (z: typeof zod) =>
    z
      .string({
        description:
          'The branch to commit to, or the pull request base, e.g. `main`. ' +
          "Default: the repository's default branch (`main` for a new repository).",
      })
      .min(1)
      .optional(),
  mode: (z: typeof zod) =>
    z
      .enum(['commit', 'pull-request'], {
        description:
          '`commit` (default) pushes to `branch`; `pull-request` pushes to ' +
          'a branch of its own and opens a pull request (GitHub hosts).',
      })
      .default('commit'),
  commitMessage: (z: typeof zod) =>
    z
      .string({
        description:
          'The commit message, e.g. `Deploy shop 1.2.0`. Default ' +
          '`Deploy <name> to <cluster>` or `Update <targetPath>`.',
      })
      .min(1)
      .optional(),
  pullRequest: (z: typeof zod) =>
    z
      .object(
        {
          title: z
            .string({ description: 'Default: the commit message.' })
            .min(1)
            .optional(),
          body: z
            .string({
              description: 'Markdown description of the pull request.',
            })
            .optional(),
          branchName: z
            .string({
              description:
                'The branch holding the change, e.g. `hubbops/shop`. ' +
                'Default `hubbops/<name>` (or from targetPath). A re-run ' +
                'updates it and reuses its open pull request.',
            })
            .min(1)
            .optional(),
        },
        {
          description: 'With mode `pull-request`: its title, body and branch.',
        },
      )
      .optional(),
  createRepository: (z: typeof zod) =>
    z
      .boolean({
        description:
          'Plain git servers only: push into a repository that does not ' +
          'exist yet, for servers that create repositories on first push ' +
          '(the embedded hubbops-git server). Default false.',
      })
      .default(false),
};

const outputSchema = {
  commitSha: (z: typeof zod) =>
    z.string({
      description:
        'The commit now holding the files (the existing head when nothing ' +
        'changed); in a dry run 40 zeros.',
    }),
  branch: (z: typeof zod) =>
    z.string({
      description:
        'The branch pushed to (the pull request branch in that mode).',
    }),
  targetPath: (z: typeof zod) =>
    z.string({
      description: 'The folder in the repository; `""` for the root.',
    }),
  pullRequestUrl: (z: typeof zod) =>
    z
      .string({ description: 'The pull request, in mode pull-request.' })
      .optional(),
  pullRequestNumber: (z: typeof zod) =>
    z.number({ description: 'The pull request number.' }).optional(),
  repoUrl: (z: typeof zod) =>
    z.string({ description: 'The clone URL, without credentials.' }),
  committed: (z: typeof zod) =>
    z.boolean({
      description:
        'Whether this run made a commit (false when the branch already held the files).',
    }),
};

const inputParser = zod.object(
  Object.fromEntries(
    Object.entries(inputSchema).map(([key, field]) => [key, field(zod)]),
  ) as { [K in keyof typeof inputSchema]: ReturnType<(typeof inputSchema)[K]> },
);
type GitopsPushInput = zod.output<typeof inputParser>;

/** What the checkpoint keeps: JSON, with no credentials in it. */
type PushOutcome = {
  commitSha: string;
  branch: string;
  committed: boolean;
  repoUrl: string;
  targetPath: string;
  pullRequestUrl?: string;
  pullRequestNumber?: number;
};

function parseInput(raw: unknown): GitopsPushInput {
  const result = inputParser.safeParse(raw ?? {});
  if (!result.success) {
    throw new InputError(
      `invalid input to ${GITOPS_PUSH_ACTION_ID}: ${result.error.issues
        .map(issue => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
        .join('; ')}`,
    );
  }
  return result.data;
}

function targetPathOf(input: GitopsPushInput): string {
  if (input.targetPath !== undefined) {
    return normalizeRepositoryPath(input.targetPath);
  }
  if (!input.cluster || !input.name) {
    throw new InputError(
      'give targetPath, or cluster and name for the default clusters/<cluster>/apps/<name>',
    );
  }
  return `clusters/${input.cluster}/apps/${input.name}`;
}

/** Name and email of the template's user, when its entity has an email. */
function userIdentity(entity: any): GitIdentity | undefined {
  const email = entity?.spec?.profile?.email;
  if (typeof email !== 'string' || !email.includes('@')) return undefined;
  const name =
    entity?.spec?.profile?.displayName ?? entity?.metadata?.name ?? email;
  return { name: String(name), email };
}

/**
 * Creates the `hubbops:gitops:push` action: commits a workspace folder into
 * a folder of a GitOps repository, over git HTTP(S) or GitHub's Git Data
 * API, directly or as a pull request.
 */
export function createGitopsPushAction(options: { config: Config }) {
  const { config } = options;
  const integrations = ScmIntegrations.fromConfig(config);
  const githubCredentials =
    DefaultGithubCredentialsProvider.fromIntegrations(integrations);
  const gitCredentials = GitCredentialDirectory.fromConfig(config);
  const committer: GitIdentity = {
    name: config.getOptionalString('hubbops.git.author.name') ?? 'HubbOps',
    email:
      config.getOptionalString('hubbops.git.author.email') ??
      'hubbops@localhost',
  };
  const maxAttempts = config.getOptionalNumber('hubbops.git.pushAttempts') ?? 5;
  const githubSecrets = integrations.github
    .list()
    .flatMap(i => [
      i.config.token,
      ...(i.config.apps ?? []).flatMap(a => [
        a.privateKey,
        a.clientSecret,
        a.webhookSecret,
      ]),
    ])
    .filter((s): s is string => typeof s === 'string');

  return createTemplateAction({
    id: GITOPS_PUSH_ACTION_ID,
    description:
      'Commits a workspace folder into a folder of a GitOps repository (git HTTP(S) or GitHub), directly or as a pull request',
    supportsDryRun: true,
    examples: [
      {
        description:
          'Commit the generated manifests to the embedded git server',
        example: [
          'steps:',
          '  - id: gitops',
          '    action: hubbops:gitops:push',
          '    input:',
          '      repoUrl: http://localhost:7007/api/hubbops-git/gitops.git',
          '      sourcePath: manifests',
          '      cluster: ${{ parameters.cluster }}',
          '      name: ${{ parameters.name }}',
          '      createRepository: true',
        ].join('\n'),
      },
      {
        description: 'Open a pull request on GitHub',
        example: [
          'steps:',
          '  - id: gitops',
          '    action: hubbops:gitops:push',
          '    input:',
          '      repoUrl: github.com?owner=acme&repo=gitops',
          '      sourcePath: manifests',
          '      targetPath: clusters/prod/apps/${{ parameters.name }}',
          '      mode: pull-request',
          '      pullRequest:',
          '        title: Deploy ${{ parameters.name }}',
        ].join('\n'),
      },
    ],
    schema: { input: inputSchema, output: outputSchema },
    async handler(ctx) {
      let redact = createRedactor([
        ...gitCredentials.secrets(),
        ...githubSecrets,
      ]);
      const log = (message: string) => ctx.logger.info(redact(message));
      try {
        ctx.signal?.throwIfAborted();
        const input = parseInput(ctx.input);
        const repository: GitopsRepository = parseGitopsRepoUrl(
          input.repoUrl,
          integrations,
        );
        const targetPath = targetPathOf(input);
        if (input.branch) assertBranchName(input.branch, 'branch');
        if (input.mode === 'pull-request' && repository.kind !== 'github') {
          throw new InputError(
            `mode pull-request needs a GitHub host (one under integrations.github); ${repository.cloneUrl} is a plain git server, use mode commit`,
          );
        }
        if (input.createRepository && repository.kind === 'github') {
          throw new InputError(
            'createRepository is for plain git servers that create repositories on push; create GitHub repositories with publish:github first',
          );
        }
        const prBranch =
          input.pullRequest?.branchName ??
          `hubbops/${
            input.name ??
            (targetPath.replace(/[^A-Za-z0-9._-]+/g, '-') || 'root')
          }`;
        if (input.mode === 'pull-request') {
          assertBranchName(prBranch, 'pullRequest.branchName');
        }

        const workspace = await realpath(ctx.workspacePath).catch(() => {
          throw new InputError(
            `the workspace ${ctx.workspacePath} does not exist`,
          );
        });
        const sourceDir = resolveSafeChildPath(workspace, input.sourcePath);
        const sourceReal = await realpath(sourceDir).catch(() => {
          throw new InputError(
            `sourcePath "${input.sourcePath}" does not exist in the workspace`,
          );
        });
        // resolveSafeChildPath follows symlinks; this also rejects a
        // sourcePath that is itself the workspace's parent through a link.
        resolveSafeChildPath(
          workspace,
          path.relative(workspace, sourceReal) || '.',
        );
        if (!(await stat(sourceReal)).isDirectory()) {
          throw new InputError(
            `sourcePath "${input.sourcePath}" is not a directory`,
          );
        }
        const files = await readSourceFiles(
          sourceReal,
          `sourcePath "${input.sourcePath}"`,
        );
        if (!files.length) {
          throw new InputError(
            `sourcePath "${input.sourcePath}" holds no files; generate the manifests first (hubbops:codegen:manifests)`,
          );
        }
        const where = `${targetPath || 'the repository root'} of ${
          repository.cloneUrl
        }`;
        const message =
          input.commitMessage ??
          (input.name && input.cluster
            ? `Deploy ${input.name} to ${input.cluster}`
            : `Update ${targetPath || 'the repository root'}`);

        log(
          `${ctx.isDryRun ? 'dry run: would push' : 'pushing'} ${
            files.length
          } file(s) from ${input.sourcePath} to ${where}${
            input.mode === 'pull-request'
              ? ` as a pull request from ${prBranch}`
              : ''
          }`,
        );
        if (ctx.isDryRun) {
          ctx.output('commitSha', DRY_RUN_COMMIT_SHA);
          ctx.output(
            'branch',
            input.mode === 'pull-request' ? prBranch : input.branch ?? 'main',
          );
          ctx.output('targetPath', targetPath);
          ctx.output('repoUrl', repository.cloneUrl);
          ctx.output('committed', false);
          log('dry run: nothing was pushed');
          return;
        }

        const key = `gitops-push-${createHash('sha256')
          .update(
            JSON.stringify({
              repo: repository.cloneUrl,
              branch: input.branch ?? null,
              targetPath,
              mode: input.mode,
              prBranch: input.mode === 'pull-request' ? prBranch : null,
              files: sourceFilesDigest(files),
              message,
            }),
          )
          .digest('hex')}`;
        const author = userIdentity(ctx.user?.entity);
        let ran = false;
        const outcome = await ctx.checkpoint<PushOutcome>({
          key,
          fn: async () => {
            ran = true;
            let result: GitHubPushResult;
            if (repository.kind === 'github') {
              const credentials = await githubCredentials
                .getCredentials({
                  url: `https://${repository.host}/${repository.owner}/${repository.repo}`,
                })
                .catch(error => {
                  throw new InputError(
                    `no GitHub credentials for ${repository.host}/${
                      repository.owner
                    }: ${
                      isError(error) ? error.message : String(error)
                    }; configure a token or GitHub App under integrations.github`,
                  );
                });
              if (!credentials.token) {
                throw new InputError(
                  `integrations.github for ${repository.host} has no token or GitHub App that covers ${repository.owner}; configure one`,
                );
              }
              redact = createRedactor([
                ...gitCredentials.secrets(),
                ...githubSecrets,
                credentials.token,
              ]);
              const octokit = new Octokit({
                baseUrl: repository.apiBaseUrl,
                auth: credentials.token,
                request: { signal: ctx.signal },
                log: {
                  debug: () => {},
                  info: () => {},
                  warn: (m: string) => ctx.logger.warn(redact(m)),
                  error: () => {},
                },
              });
              result = await pushThroughGitHub({
                octokit,
                host: repository.host,
                owner: repository.owner,
                repo: repository.repo,
                branch: input.branch,
                pullRequest:
                  input.mode === 'pull-request'
                    ? {
                        branchName: prBranch,
                        title: input.pullRequest?.title ?? message,
                        body:
                          input.pullRequest?.body ??
                          `Created by HubbOps from the template task ${
                            ctx.task.id
                          }: updates \`${targetPath || '/'}\`.`,
                      }
                    : undefined,
                targetPath,
                files,
                message,
                author,
                maxAttempts,
                concurrency: 8,
                signal: ctx.signal,
                log,
              });
            } else {
              result = await pushOverGitHttp({
                url: repository.url,
                branch: input.branch,
                targetPath,
                files,
                message,
                author: author ?? committer,
                committer,
                authorization: gitCredentials.authorizationFor(repository.url),
                createRepository: input.createRepository,
                maxAttempts,
                signal: ctx.signal,
                log,
              });
            }
            return {
              commitSha: result.commitSha,
              branch: result.branch,
              committed: result.committed,
              repoUrl: repository.cloneUrl,
              targetPath,
              ...(result.pullRequestUrl
                ? {
                    pullRequestUrl: result.pullRequestUrl,
                    pullRequestNumber: result.pullRequestNumber,
                  }
                : {}),
            };
          },
        });
        if (!ran) {
          log(
            `an earlier attempt of this task already pushed these files (${outcome.commitSha}); not pushing again`,
          );
        }
        ctx.output('commitSha', outcome.commitSha);
        ctx.output('branch', outcome.branch);
        ctx.output('targetPath', outcome.targetPath);
        ctx.output('repoUrl', outcome.repoUrl);
        ctx.output('committed', outcome.committed);
        if (outcome.pullRequestUrl) {
          ctx.output('pullRequestUrl', outcome.pullRequestUrl);
          ctx.output('pullRequestNumber', outcome.pullRequestNumber);
        }
        log(
          `${outcome.committed ? 'pushed' : 'unchanged:'} ${
            outcome.commitSha
          } on ${outcome.branch}${
            outcome.pullRequestUrl
              ? `, pull request ${outcome.pullRequestUrl}`
              : ''
          }`,
        );
      } catch (error) {
        if (isError(error)) {
          error.message = redact(error.message);
          if (error.stack) error.stack = redact(error.stack);
        }
        throw error;
      }
    },
  });
}
