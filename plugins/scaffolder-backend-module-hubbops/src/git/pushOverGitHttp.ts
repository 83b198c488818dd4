import {
  ConflictError,
  InputError,
  NotAllowedError,
  NotFoundError,
} from '@backstage/errors';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { runGitCommand } from './runGitCommand';
import { SourceFile } from './sourceFiles';

/** A name and email as git records them. */
export interface GitIdentity {
  name: string;
  email: string;
}

/** Options of {@link pushOverGitHttp}. */
export interface PushOverGitHttpOptions {
  url: URL;
  /** Undefined: the remote's default branch (`main` for an empty repository). */
  branch?: string;
  /** Inside the repository; `''` is the root. */
  targetPath: string;
  files: SourceFile[];
  message: string;
  author: GitIdentity;
  committer: GitIdentity;
  /** `Authorization` header value, when the host has credentials. */
  authorization?: string;
  /** Push into a repository the server does not have yet (it creates it on push). */
  createRepository: boolean;
  /** Pushes to try when others push first. */
  maxAttempts: number;
  signal?: AbortSignal;
  log(message: string): void;
}

/** What {@link pushOverGitHttp} did. */
export interface GitPushResult {
  commitSha: string;
  branch: string;
  /** False when the branch already held these files: nothing was pushed. */
  committed: boolean;
}

/**
 * Commits `files` as the whole content of `targetPath` on a branch of a git
 * server over HTTP(S) with the git CLI: shallow fetch into a temporary
 * directory outside the workspace, replace the folder, commit, push; when
 * someone pushed first, fetch and rebase, and push again.
 */
export async function pushOverGitHttp(
  options: PushOverGitHttpOptions,
): Promise<GitPushResult> {
  const { url, targetPath, signal, log } = options;
  const dir = await mkdtemp(path.join(tmpdir(), 'hubbops-gitops-push-'));
  const home = path.join(dir, 'home');
  const work = path.join(dir, 'work');
  await mkdir(home);
  await mkdir(work);

  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_TERMINAL_PROMPT: '0',
    GIT_ASKPASS: '/bin/false',
    LANG: 'C',
    LC_ALL: 'C',
    GIT_AUTHOR_NAME: options.author.name,
    GIT_AUTHOR_EMAIL: options.author.email,
    GIT_COMMITTER_NAME: options.committer.name,
    GIT_COMMITTER_EMAIL: options.committer.email,
  };
  if (options.authorization) {
    // Sent only to URLs under this repository's origin; lives in the
    // environment of git, never in its argv, its config files or the URL.
    env.GIT_CONFIG_COUNT = '1';
    env.GIT_CONFIG_KEY_0 = `http.${url.origin}/.extraHeader`;
    env.GIT_CONFIG_VALUE_0 = `Authorization: ${options.authorization}`;
  }
  const git = (args: string[]) =>
    runGitCommand(args, { cwd: work, env, signal });
  const must = async (args: string[], what: string) => {
    const result = await git(args);
    if (result.code !== 0) {
      throw new Error(`${what} failed: ${result.stderr.trim()}`);
    }
    return result.stdout.trim();
  };
  const remoteError = (stderr: string, what: string): Error => {
    const detail = stderr.trim();
    if (/\b401\b|Authentication failed|could not read Username/i.test(detail)) {
      return new NotAllowedError(
        `${url.host} refused to ${what} ${url}: ${
          options.authorization
            ? 'check the credentials for this host under hubbops.git.credentials'
            : 'it needs credentials; add them under hubbops.git.credentials in app-config'
        }`,
      );
    }
    if (/\b403\b/.test(detail)) {
      return new NotAllowedError(
        `${url.host} does not allow the configured user to ${what} ${url} (403): grant it write access`,
      );
    }
    return new Error(`could not ${what} ${url}: ${detail}`);
  };

  try {
    await must(['init', '-q'], 'git init');
    await must(['remote', 'add', 'origin', url.toString()], 'git remote add');

    log(`reading the branches of ${url}`);
    const listed = await git(['ls-remote', '--symref', 'origin']);
    let missing = false;
    if (listed.code !== 0) {
      if (/not found|\b404\b|does not exist/i.test(listed.stderr)) {
        if (!options.createRepository) {
          throw new NotFoundError(
            `the repository ${url} does not exist; create it on the git server, or set createRepository: true if the server creates repositories on first push (the embedded hubbops-git server does)`,
          );
        }
        missing = true;
        log(`${url} does not exist yet; pushing will create it`);
      } else {
        throw remoteError(listed.stderr, 'read');
      }
    }
    const lines = missing ? [] : listed.stdout.split('\n');
    const defaultBranch = /^ref: refs\/heads\/(\S+)\s+HEAD$/m.exec(
      lines.join('\n'),
    )?.[1];
    const branch = options.branch ?? defaultBranch ?? 'main';
    const remoteRef = `refs/remotes/origin/${branch}`;

    const fetchBranch = async (): Promise<string | undefined> => {
      const fetched = await git([
        'fetch',
        '-q',
        '--depth',
        '1',
        '--no-tags',
        'origin',
        `+refs/heads/${branch}:${remoteRef}`,
      ]);
      if (fetched.code !== 0) {
        if (/couldn't find remote ref/i.test(fetched.stderr)) return undefined;
        throw remoteError(fetched.stderr, 'fetch from');
      }
      return must(['rev-parse', remoteRef], 'git rev-parse');
    };

    /** Replaces targetPath in the work tree by the files and stages it. */
    const applyFiles = async () => {
      const folder = path.join(work, targetPath);
      if (targetPath === '') {
        for (const entry of await readdir(work)) {
          if (entry !== '.git') {
            await rm(path.join(work, entry), { recursive: true, force: true });
          }
        }
      } else {
        await rm(folder, { recursive: true, force: true });
      }
      for (const file of options.files) {
        const destination = path.join(folder, file.path);
        await mkdir(path.dirname(destination), { recursive: true });
        await writeFile(destination, file.content, {
          mode: file.mode === '100755' ? 0o755 : 0o644,
        });
      }
      await must(['add', '-A', '--', targetPath || '.'], 'git add');
    };

    /** Commits the staged change; false when there is none. */
    const commit = async (): Promise<boolean> => {
      const diff = await git(['diff', '--cached', '--quiet']);
      if (diff.code === 0) return false;
      await must(
        [
          '-c',
          'core.hooksPath=/dev/null',
          'commit',
          '-q',
          '--no-verify',
          '-m',
          options.message,
        ],
        'git commit',
      );
      return true;
    };

    let tip = missing ? undefined : await fetchBranch();
    if (tip) {
      await must(['checkout', '-q', '-B', branch, remoteRef], 'git checkout');
    } else {
      await must(['checkout', '-q', '--orphan', branch], 'git checkout');
    }
    await applyFiles();
    if (!(await commit())) {
      log(
        `${branch} already holds these files at ${
          targetPath || 'the repository root'
        }; nothing to push`,
      );
      return { commitSha: tip!, branch, committed: false };
    }

    for (let attempt = 1; ; attempt++) {
      signal?.throwIfAborted();
      const head = await must(['rev-parse', 'HEAD'], 'git rev-parse');
      log(
        `pushing ${head.slice(
          0,
          12,
        )} to ${branch} of ${url} (attempt ${attempt})`,
      );
      const pushed = await git([
        'push',
        '--porcelain',
        'origin',
        `HEAD:refs/heads/${branch}`,
      ]);
      if (pushed.code === 0) {
        return { commitSha: head, branch, committed: true };
      }
      const output = `${pushed.stdout}\n${pushed.stderr}`;
      // Rejected before sending (the client saw the branch moved) or by the
      // server's compare-and-swap (it moved while the pack was on its way).
      const rejected =
        /\[rejected\]|non-fast-forward|fetch first|cannot lock ref|failed to (?:lock|update ref)/i.test(
          output,
        );
      if (!rejected) {
        if (missing && /not found|\b404\b/i.test(output)) {
          throw new NotFoundError(
            `the repository ${url} does not exist and the server did not create it on push; create it on the git server first`,
          );
        }
        throw remoteError(pushed.stderr || pushed.stdout, 'push to');
      }
      if (attempt >= options.maxAttempts) {
        throw new ConflictError(
          `${branch} of ${url} kept moving: ${attempt} pushes were rejected because others pushed first; run the task again`,
        );
      }
      log(
        `${branch} moved on the server since it was fetched; rebasing onto it`,
      );
      missing = false;
      tip = await fetchBranch();
      if (!tip) {
        throw new ConflictError(
          `${branch} was deleted from ${url} during the push; run the task again`,
        );
      }
      const parent = await git(['rev-parse', '--verify', '-q', 'HEAD~1']);
      const rebased =
        parent.code === 0 &&
        (await git(['rebase', '-q', '--onto', remoteRef, 'HEAD~1'])).code === 0;
      if (!rebased) {
        // A conflict inside targetPath: this action owns that folder, so
        // its content is the source files again, on top of the new tip.
        await git(['rebase', '--abort']);
        log(
          `the rebase conflicted; writing ${
            targetPath || 'the repository root'
          } again on top of ${tip.slice(0, 12)}`,
        );
        await must(['reset', '-q', '--hard', remoteRef], 'git reset');
        await applyFiles();
        if (!(await commit())) {
          return { commitSha: tip, branch, committed: false };
        }
      } else if ((await must(['rev-parse', 'HEAD'], 'git rev-parse')) === tip) {
        log(
          `${branch} already holds these files after the rebase; nothing to push`,
        );
        return { commitSha: tip, branch, committed: false };
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Throws unless `branch` is a name git accepts for a branch. */
export function assertBranchName(branch: string, input: string): void {
  if (
    !/^[A-Za-z0-9._/-]+$/.test(branch) ||
    /(^|\/)\.|\.\.|\/\/|\/$|^\/|\.lock(\/|$)|^-/.test(branch)
  ) {
    throw new InputError(
      `${input} "${branch}" is not a valid branch name (letters, digits, . _ - /, no "..", no leading "-" or "/")`,
    );
  }
}
