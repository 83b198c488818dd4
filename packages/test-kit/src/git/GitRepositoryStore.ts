import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isolatedGitEnv, runGit } from './runGit';

/** A file to write in a commit: its content, or `null` to delete it. */
export type TestGitFileChange = string | Buffer | null;

/** A person as git records them. */
export interface TestGitIdentity {
  name: string;
  email: string;
  /** ISO 8601 or git's `<unix seconds> <offset>`; default now. */
  date?: string;
}

/** A commit read back from a repository. */
export interface TestGitCommit {
  sha: string;
  parents: string[];
  tree: string;
  author: TestGitIdentity;
  committer: TestGitIdentity;
  message: string;
}

/** One entry of a tree listing. */
export interface TestGitTreeEntry {
  mode: string;
  type: 'blob' | 'tree' | 'commit';
  sha: string;
  path: string;
  /** Blob size in bytes; absent for trees. */
  size?: number;
}

/** A tree change for {@link GitRepositoryStore.writeTree}. */
export interface TestGitTreeChange {
  path: string;
  mode: string;
  /** Object to place at `path`; `null` deletes the path. */
  sha: string | null;
}

export const DEFAULT_TEST_GIT_IDENTITY: TestGitIdentity = {
  name: 'Test Kit',
  email: 'test-kit@hubbops.invalid',
};

const NAME_PATTERN = /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/;

/**
 * Bare repositories under one directory, written with git's own plumbing
 * (hash-object, update-index on a temporary index, write-tree, commit-tree,
 * update-ref), so everything in them is what a real server would hold.
 */
export class GitRepositoryStore {
  private constructor(
    /** The directory holding `<name>.git` bare repositories. */
    readonly root: string,
    private readonly home: string,
  ) {}

  static async create(
    prefix = 'hubbops-test-git-',
  ): Promise<GitRepositoryStore> {
    const base = await mkdtemp(join(tmpdir(), prefix));
    const root = join(base, 'repositories');
    const home = join(base, 'home');
    await mkdir(root);
    await mkdir(home);
    return new GitRepositoryStore(root, home);
  }

  /** The environment git runs with: isolated from the user's config. */
  get env(): Record<string, string> {
    return isolatedGitEnv(this.home);
  }

  /** Deletes every repository. */
  async dispose(): Promise<void> {
    await rm(join(this.root, '..'), { recursive: true, force: true });
  }

  /** The bare repository directory of `name` (`team/gitops` -> `<root>/team/gitops.git`). */
  pathOf(name: string): string {
    if (!NAME_PATTERN.test(name) || name.split('/').some(p => p === '..')) {
      throw new Error(`invalid repository name "${name}"`);
    }
    return join(this.root, `${name}.git`);
  }

  exists(name: string): boolean {
    return existsSync(join(this.pathOf(name), 'HEAD'));
  }

  /** Creates an empty bare repository, then commits `files` if given. */
  async createRepository(
    name: string,
    options: {
      files?: Record<string, TestGitFileChange>;
      branch?: string;
      message?: string;
    } = {},
  ): Promise<{ head?: string }> {
    const dir = this.pathOf(name);
    if (this.exists(name)) throw new Error(`repository ${name} already exists`);
    const branch = options.branch ?? 'main';
    await mkdir(dir, { recursive: true });
    await this.git(name, [
      'init',
      '-q',
      '--bare',
      `--initial-branch=${branch}`,
    ]);
    if (!options.files) return {};
    const head = await this.commitFiles(name, branch, options.files, {
      message: options.message ?? 'Initial commit',
    });
    return { head };
  }

  /** Runs git inside the repository `name`. */
  async git(
    name: string,
    args: string[],
    options: { input?: string | Buffer; env?: Record<string, string> } = {},
  ): Promise<Buffer> {
    return runGit(args, {
      cwd: this.pathOf(name),
      env: { ...this.env, ...options.env },
      input: options.input,
    });
  }

  private async text(
    name: string,
    args: string[],
    options?: { input?: string | Buffer; env?: Record<string, string> },
  ): Promise<string> {
    return (await this.git(name, args, options)).toString().trim();
  }

  /** The commit `ref` points at, or undefined when there is none. */
  async resolve(name: string, ref: string): Promise<string | undefined> {
    try {
      return await this.text(name, [
        'rev-parse',
        '--verify',
        '--quiet',
        `${ref}^{commit}`,
      ]);
    } catch {
      return undefined;
    }
  }

  /** The branch HEAD names (the default branch), even before its first commit. */
  async defaultBranch(name: string): Promise<string> {
    const ref = await this.text(name, ['symbolic-ref', 'HEAD']);
    return ref.replace(/^refs\/heads\//, '');
  }

  /** Branch names, with the commits they point at. */
  async branches(name: string): Promise<Map<string, string>> {
    const out = await this.text(name, [
      'for-each-ref',
      '--format=%(refname:short) %(objectname)',
      'refs/heads',
    ]);
    return new Map(
      out
        .split('\n')
        .filter(Boolean)
        .map(line => line.split(' ') as [string, string]),
    );
  }

  /** Writes a blob and returns its SHA. */
  async hashObject(name: string, content: string | Buffer): Promise<string> {
    return this.text(name, ['hash-object', '-w', '--stdin'], {
      input: content,
    });
  }

  /** The type of an object, or undefined when the repository lacks it. */
  async objectType(name: string, sha: string): Promise<string | undefined> {
    if (!/^[0-9a-f]{40}$/.test(sha)) return undefined;
    try {
      return await this.text(name, ['cat-file', '-t', sha]);
    } catch {
      return undefined;
    }
  }

  /** Types of many objects with one git process; undefined for missing ones. */
  async objectTypes(
    name: string,
    shas: string[],
  ): Promise<Map<string, string | undefined>> {
    const valid = shas.filter(sha => /^[0-9a-f]{40}$/.test(sha));
    const types = new Map<string, string | undefined>(
      shas.map(sha => [sha, undefined]),
    );
    if (!valid.length) return types;
    const out = await this.text(name, ['cat-file', '--batch-check'], {
      input: `${valid.join('\n')}\n`,
    });
    for (const line of out.split('\n')) {
      const [sha, type] = line.split(' ');
      if (type && type !== 'missing') types.set(sha, type);
    }
    return types;
  }

  async readBlob(name: string, sha: string): Promise<Buffer> {
    return this.git(name, ['cat-file', 'blob', sha]);
  }

  /**
   * Applies `changes` (nested paths allowed) to `baseTree` (or an empty tree)
   * through a temporary index and returns the new tree's SHA.
   */
  async writeTree(
    name: string,
    baseTree: string | undefined,
    changes: TestGitTreeChange[],
  ): Promise<string> {
    const indexDir = await mkdtemp(join(this.home, 'index-'));
    const env = { GIT_INDEX_FILE: join(indexDir, 'index') };
    try {
      if (baseTree) await this.git(name, ['read-tree', baseTree], { env });
      else await this.git(name, ['read-tree', '--empty'], { env });
      const removals = changes.filter(c => c.sha === null).map(c => c.path);
      if (removals.length) {
        // A deleted directory removes everything under it, as GitHub does.
        const listed = await this.text(
          name,
          ['ls-files', '-z', '--', ...removals],
          { env },
        );
        const paths = listed.split('\0').filter(Boolean);
        if (paths.length) {
          // Mode 0 with the null SHA removes a path (update-index
          // --force-remove wants a work tree, which a bare repository lacks).
          await this.git(name, ['update-index', '-z', '--index-info'], {
            env,
            input: paths.map(p => `0 ${'0'.repeat(40)}\t${p}\0`).join(''),
          });
        }
      }
      const additions = changes.filter(c => c.sha !== null);
      if (additions.length) {
        await this.git(name, ['update-index', '--add', '-z', '--index-info'], {
          env,
          input: additions.map(c => `${c.mode} ${c.sha}\t${c.path}\0`).join(''),
        });
      }
      return await this.text(name, ['write-tree'], { env });
    } finally {
      await rm(indexDir, { recursive: true, force: true });
    }
  }

  /** Writes a commit object (no ref moves) and returns its SHA. */
  async commitTree(
    name: string,
    options: {
      tree: string;
      parents: string[];
      message: string;
      author?: TestGitIdentity;
      committer?: TestGitIdentity;
    },
  ): Promise<string> {
    const author = options.author ?? DEFAULT_TEST_GIT_IDENTITY;
    const committer = options.committer ?? author;
    return this.text(
      name,
      ['commit-tree', options.tree, ...options.parents.flatMap(p => ['-p', p])],
      {
        input: options.message,
        env: {
          GIT_AUTHOR_NAME: author.name,
          GIT_AUTHOR_EMAIL: author.email,
          ...(author.date ? { GIT_AUTHOR_DATE: author.date } : {}),
          GIT_COMMITTER_NAME: committer.name,
          GIT_COMMITTER_EMAIL: committer.email,
          ...(committer.date ? { GIT_COMMITTER_DATE: committer.date } : {}),
        },
      },
    );
  }

  /**
   * Moves `ref` to `sha`; with `expected`, only if it still points there
   * (`''` for must-not-exist), as a server's compare-and-swap.
   */
  async updateRef(
    name: string,
    ref: string,
    sha: string,
    expected?: string,
  ): Promise<void> {
    const args = ['update-ref', ref, sha];
    if (expected !== undefined) args.push(expected || '0'.repeat(40));
    await this.git(name, args);
  }

  async deleteRef(name: string, ref: string): Promise<void> {
    await this.git(name, ['update-ref', '-d', ref]);
  }

  /** Whether `ancestor` is reachable from `descendant`. */
  async isAncestor(
    name: string,
    ancestor: string,
    descendant: string,
  ): Promise<boolean> {
    try {
      await this.git(name, [
        'merge-base',
        '--is-ancestor',
        ancestor,
        descendant,
      ]);
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Commits `files` on top of `branch` (creating it when missing) and moves
   * the branch, as a developer pushing from elsewhere would.
   */
  async commitFiles(
    name: string,
    branch: string,
    files: Record<string, TestGitFileChange>,
    options: { message?: string; author?: TestGitIdentity } = {},
  ): Promise<string> {
    const parent = await this.resolve(name, `refs/heads/${branch}`);
    const changes: TestGitTreeChange[] = [];
    for (const [path, content] of Object.entries(files)) {
      changes.push({
        path,
        mode: '100644',
        sha: content === null ? null : await this.hashObject(name, content),
      });
    }
    const tree = await this.writeTree(
      name,
      parent ? `${parent}^{tree}` : undefined,
      changes,
    );
    const sha = await this.commitTree(name, {
      tree,
      parents: parent ? [parent] : [],
      message: options.message ?? `Update ${Object.keys(files).join(', ')}`,
      author: options.author,
    });
    await this.updateRef(name, `refs/heads/${branch}`, sha, parent ?? '');
    return sha;
  }

  /** A file's content at `ref`, or undefined when it does not exist there. */
  async readFile(
    name: string,
    ref: string,
    path: string,
  ): Promise<string | undefined> {
    try {
      return (await this.git(name, ['show', `${ref}:${path}`])).toString();
    } catch {
      return undefined;
    }
  }

  /** Entries of the tree at `treeish` (recursive: blobs only, all depths). */
  async listTree(
    name: string,
    treeish: string,
    recursive = false,
  ): Promise<TestGitTreeEntry[]> {
    const out = (
      await this.git(name, [
        'ls-tree',
        '-z',
        '--long',
        ...(recursive ? ['-r', '-t'] : []),
        treeish,
      ])
    ).toString();
    return out
      .split('\0')
      .filter(Boolean)
      .map(line => {
        const [meta, path] = line.split('\t');
        const [mode, type, sha, size] = meta.split(/\s+/);
        return {
          mode,
          type: type as TestGitTreeEntry['type'],
          sha,
          path,
          ...(size !== '-' ? { size: Number(size) } : {}),
        };
      });
  }

  /** Paths of the files at `ref` (under `path` if given), sorted. */
  async listFiles(name: string, ref: string, path?: string): Promise<string[]> {
    const out = await this.text(name, [
      'ls-tree',
      '-r',
      '--name-only',
      ref,
      ...(path ? ['--', path] : []),
    ]);
    return out.split('\n').filter(Boolean).sort();
  }

  async readCommit(name: string, sha: string): Promise<TestGitCommit> {
    const raw = (await this.git(name, ['cat-file', 'commit', sha])).toString();
    const split = raw.indexOf('\n\n');
    const headers = raw.slice(0, split).split('\n');
    const message = raw.slice(split + 2);
    const person = (line: string | undefined): TestGitIdentity => {
      const match = /^\w+ (.*) <(.*)> (\d+) ([+-]\d{4})$/.exec(line ?? '');
      if (!match) return { name: '', email: '' };
      const date = new Date(Number(match[3]) * 1000).toISOString();
      return { name: match[1], email: match[2], date };
    };
    return {
      sha,
      tree: headers.find(h => h.startsWith('tree '))!.slice(5),
      parents: headers
        .filter(h => h.startsWith('parent '))
        .map(h => h.slice(7)),
      author: person(headers.find(h => h.startsWith('author '))),
      committer: person(headers.find(h => h.startsWith('committer '))),
      message,
    };
  }

  /** The commits reachable from `ref`, newest first (empty when it has none). */
  async log(name: string, ref: string): Promise<TestGitCommit[]> {
    const head = await this.resolve(name, ref);
    if (!head) return [];
    const shas = (await this.text(name, ['rev-list', head])).split('\n');
    return Promise.all(shas.filter(Boolean).map(s => this.readCommit(name, s)));
  }
}
