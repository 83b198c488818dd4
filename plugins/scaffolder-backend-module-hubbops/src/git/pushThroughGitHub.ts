import {
  ConflictError,
  InputError,
  NotAllowedError,
  NotFoundError,
} from '@backstage/errors';
import { Octokit } from '@octokit/rest';
import pLimit from 'p-limit';
import { GitIdentity, GitPushResult } from './pushOverGitHttp';
import { SourceFile } from './sourceFiles';

/** Options of {@link pushThroughGitHub}. */
export interface PushThroughGitHubOptions {
  octokit: Octokit;
  host: string;
  owner: string;
  repo: string;
  /** The branch to commit to, or the pull request's base; default the repository's default branch. */
  branch?: string;
  /** With a pull request: the branch holding the change. */
  pullRequest?: { branchName: string; title: string; body: string };
  targetPath: string;
  files: SourceFile[];
  message: string;
  /** Undefined: GitHub records the token's user. */
  author?: GitIdentity;
  maxAttempts: number;
  /** Blob uploads at a time. */
  concurrency: number;
  signal?: AbortSignal;
  log(message: string): void;
}

/** What {@link pushThroughGitHub} did. */
export interface GitHubPushResult extends GitPushResult {
  pullRequestUrl?: string;
  pullRequestNumber?: number;
}

interface ExistingEntry {
  mode: string;
  type: string;
  sha: string;
}

function statusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown })?.status;
  return typeof status === 'number' ? status : undefined;
}

function messageOf(error: unknown): string {
  return String((error as { message?: unknown })?.message ?? error);
}

/**
 * Commits `files` as the whole content of `targetPath` through GitHub's Git
 * Data API: the blobs GitHub lacks, then ONE tree on the base tree, ONE
 * commit and ONE ref update, however many files there are. A ref update
 * GitHub refuses as not a fast forward is retried on the new head. With
 * `pullRequest`, the commit goes to its branch and an open pull request for
 * that branch is reused or opened.
 */
export async function pushThroughGitHub(
  options: PushThroughGitHubOptions,
): Promise<GitHubPushResult> {
  const { octokit, owner, repo, targetPath, signal, log } = options;
  const where = `${options.host}/${owner}/${repo}`;
  const call = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    signal?.throwIfAborted();
    try {
      return await fn();
    } catch (error) {
      signal?.throwIfAborted();
      const status = statusOf(error);
      if (status === 401) {
        throw new NotAllowedError(
          `GitHub (${
            options.host
          }) rejected the credentials of integrations.github while trying to ${what} (401 ${messageOf(
            error,
          )}); check the token or GitHub App of that integration`,
        );
      }
      if (status === 403) {
        throw new NotAllowedError(
          `GitHub (${
            options.host
          }) refused to ${what} in ${where} (403 ${messageOf(
            error,
          )}); give the integration's token or app write access to contents and pull requests`,
        );
      }
      throw error;
    }
  };

  const repository = await call('read the repository', async () => {
    try {
      return (await octokit.rest.repos.get({ owner, repo })).data;
    } catch (error) {
      if (statusOf(error) === 404) {
        throw new NotFoundError(
          `the repository ${where} does not exist or the integration's credentials cannot see it; create it (e.g. with publish:github) or grant access`,
        );
      }
      throw error;
    }
  });
  const base = options.branch ?? repository.default_branch;
  const target = options.pullRequest?.branchName ?? base;

  const readRef = (branch: string) =>
    call(`read the branch ${branch}`, async () => {
      try {
        const { data } = await octokit.rest.git.getRef({
          owner,
          repo,
          ref: `heads/${branch}`,
        });
        return data.object.sha;
      } catch (error) {
        // GitHub answers 409 for every Git Data call on an empty repository.
        if (statusOf(error) === 404 || statusOf(error) === 409)
          return undefined;
        throw error;
      }
    });

  /** The blobs under targetPath in `treeSha`, by path relative to it. */
  const readTarget = async (
    treeSha: string,
  ): Promise<Map<string, ExistingEntry>> => {
    const readTree = (sha: string, recursive: boolean) =>
      call('read a tree', async () => {
        const { data } = await octokit.rest.git.getTree({
          owner,
          repo,
          tree_sha: sha,
          ...(recursive ? { recursive: 'true' } : {}),
        });
        return data;
      });
    let sha = treeSha;
    for (const part of targetPath ? targetPath.split('/') : []) {
      const entry = (await readTree(sha, false)).tree.find(
        e => e.path === part,
      );
      if (!entry || entry.type !== 'tree') return new Map();
      sha = entry.sha!;
    }
    const data = await readTree(sha, true);
    if (data.truncated) {
      throw new InputError(
        `${
          targetPath || 'the repository root'
        } of ${where} holds more files than GitHub lists in one tree; push to a narrower targetPath`,
      );
    }
    return new Map(
      data.tree
        .filter(e => e.type !== 'tree')
        .map(e => [e.path!, { mode: e.mode!, type: e.type!, sha: e.sha! }]),
    );
  };

  const full = (relative: string) =>
    targetPath ? `${targetPath}/${relative}` : relative;

  let committed = false;
  let commitSha: string | undefined;
  for (let attempt = 1; ; attempt++) {
    const targetTip = await readRef(target);
    const parent =
      targetTip ?? (target === base ? undefined : await readRef(base));
    if (!parent) {
      throw new NotFoundError(
        target === base
          ? `${where} has no branch ${base}${
              options.branch
                ? ''
                : ' (its default branch): the repository is empty'
            }; GitHub's Git Data API needs a first commit: initialize the repository (e.g. with a README) or name an existing branch`
          : `${where} has no branch ${base} to open the pull request against; name an existing branch`,
      );
    }
    const { data: parentCommit } = await call('read a commit', () =>
      octokit.rest.git.getCommit({ owner, repo, commit_sha: parent }),
    );
    const existing = await readTarget(parentCommit.tree.sha);
    const wanted = new Map(options.files.map(f => [f.path, f]));
    const changed = options.files.filter(f => {
      const now = existing.get(f.path);
      return !now || now.sha !== f.blobSha || now.mode !== f.mode;
    });
    const removed = [...existing.entries()].filter(([p]) => !wanted.has(p));
    if (!changed.length && !removed.length) {
      log(
        `${target} of ${where} already holds these files at ${
          targetPath || 'the repository root'
        }; no commit needed`,
      );
      commitSha = parent;
      break;
    }

    const known = new Set([...existing.values()].map(e => e.sha));
    const uploads = [
      ...new Map(
        changed.filter(f => !known.has(f.blobSha)).map(f => [f.blobSha, f]),
      ).values(),
    ];
    log(
      `uploading ${uploads.length} blob(s), then one tree with ${changed.length} changed and ${removed.length} removed file(s), one commit and one ref update to ${target} of ${where}`,
    );
    const limit = pLimit(options.concurrency);
    await Promise.all(
      uploads.map(file =>
        limit(async () => {
          const { data } = await call(`upload ${file.path}`, () =>
            octokit.rest.git.createBlob({
              owner,
              repo,
              content: file.content.toString('base64'),
              encoding: 'base64',
            }),
          );
          if (data.sha !== file.blobSha) {
            throw new Error(
              `GitHub stored ${file.path} as ${data.sha}, not ${file.blobSha} as git computes it; the upload was altered`,
            );
          }
        }),
      ),
    );
    const { data: tree } = await call('create the tree', () =>
      octokit.rest.git.createTree({
        owner,
        repo,
        base_tree: parentCommit.tree.sha,
        tree: [
          ...changed.map(f => ({
            path: full(f.path),
            mode: f.mode,
            type: 'blob' as const,
            sha: f.blobSha,
          })),
          ...removed.map(([p, e]) => ({
            path: full(p),
            mode: e.mode as '100644',
            type: e.type as 'blob',
            sha: null,
          })),
        ],
      }),
    );
    const { data: commit } = await call('create the commit', () =>
      octokit.rest.git.createCommit({
        owner,
        repo,
        message: options.message,
        tree: tree.sha,
        parents: [parent],
        ...(options.author ? { author: options.author } : {}),
      }),
    );
    try {
      await call(`move ${target}`, async () => {
        if (targetTip) {
          await octokit.rest.git.updateRef({
            owner,
            repo,
            ref: `heads/${target}`,
            sha: commit.sha,
            force: false,
          });
        } else {
          await octokit.rest.git.createRef({
            owner,
            repo,
            ref: `refs/heads/${target}`,
            sha: commit.sha,
          });
        }
      });
      commitSha = commit.sha;
      committed = true;
      log(`${target} of ${where} is now at ${commit.sha}`);
      break;
    } catch (error) {
      const raced =
        statusOf(error) === 422 &&
        /not a fast forward|already exists/i.test(messageOf(error));
      if (!raced) throw error;
      if (attempt >= options.maxAttempts) {
        throw new ConflictError(
          `${target} of ${where} kept moving: ${attempt} updates were refused as not fast forward; run the task again`,
        );
      }
      log(
        `${target} of ${where} moved since it was read (${messageOf(
          error,
        )}); building the commit again on its new head`,
      );
    }
  }

  if (!options.pullRequest) {
    return { commitSha, branch: target, committed };
  }
  const { data: open } = await call('list pull requests', () =>
    octokit.rest.pulls.list({
      owner,
      repo,
      state: 'open',
      head: `${owner}:${target}`,
      base,
    }),
  );
  if (open.length) {
    log(
      `reusing the open pull request #${open[0].number}: ${open[0].html_url}`,
    );
    return {
      commitSha,
      branch: target,
      committed,
      pullRequestUrl: open[0].html_url,
      pullRequestNumber: open[0].number,
    };
  }
  if (!(await readRef(target))) {
    log(`${base} already holds these files; no pull request needed`);
    return { commitSha, branch: base, committed };
  }
  try {
    const { data: pr } = await call('open the pull request', () =>
      octokit.rest.pulls.create({
        owner,
        repo,
        head: target,
        base,
        title: options.pullRequest!.title,
        body: options.pullRequest!.body,
      }),
    );
    log(`opened pull request #${pr.number}: ${pr.html_url}`);
    return {
      commitSha,
      branch: target,
      committed,
      pullRequestUrl: pr.html_url,
      pullRequestNumber: pr.number,
    };
  } catch (error) {
    if (
      statusOf(error) === 422 &&
      /No commits between/i.test(
        JSON.stringify((error as any)?.response?.data ?? messageOf(error)),
      )
    ) {
      log(`${target} adds nothing to ${base}; no pull request needed`);
      return { commitSha, branch: target, committed };
    }
    throw error;
  }
}
