import { InputError } from '@backstage/errors';
import { execFile } from 'node:child_process';
import { mkdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

// One to three path segments, the last ending in `.git`; segments start with
// a letter or digit, so no `.`, `..` or hidden directories can be named.
const REPOSITORY_NAME =
  /^(?:[A-Za-z0-9][A-Za-z0-9._-]*\/){0,2}[A-Za-z0-9][A-Za-z0-9._-]*\.git$/;
// A branch, tag or commit: no leading dash (it would read as an option).
const REF = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const FILE_SEGMENT = /^(?!\.\.?$)[^\0]+$/;

const MAX_FILE_BYTES = 16 * 1024 * 1024;

/** A file read from a repository. */
export interface GitFile {
  content: Buffer;
  /** The blob's object id: stable for the same content, used as ETag. */
  blobId: string;
}

/**
 * The bare repositories under one root directory, named like
 * `team/service.git`.
 */
export class GitRepositories {
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  /** Whether `name` is a repository name this server accepts. */
  static isValidName(name: string): boolean {
    return REPOSITORY_NAME.test(name) && !name.includes('..');
  }

  #path(name: string): string {
    if (!GitRepositories.isValidName(name)) {
      throw new InputError(
        `"${name}" is not a repository name this server accepts: use up to three segments of letters, digits, ".", "_" and "-", ending in ".git", e.g. "team/service.git"`,
      );
    }
    return join(this.root, name);
  }

  async exists(name: string): Promise<boolean> {
    try {
      return (await stat(join(this.#path(name), 'HEAD'))).isFile();
    } catch {
      return false;
    }
  }

  /** Creates an empty bare repository whose default branch is `main`. */
  async create(name: string): Promise<void> {
    const path = this.#path(name);
    await mkdir(path, { recursive: true });
    // Re-running `git init` on an existing repository changes nothing, so
    // two first pushes racing each other are harmless.
    await run('git', ['init', '--quiet', '--bare', '--initial-branch=main'], {
      cwd: path,
    });
  }

  /**
   * Reads `<ref>/<path>` (ref and path as one string, since branch names may
   * hold slashes: the shortest leading part that names a commit is the ref).
   * Undefined when the repository, ref or file does not exist.
   */
  async readFile(
    name: string,
    refAndPath: string,
  ): Promise<GitFile | undefined> {
    const gitDir = this.#path(name);
    if (!(await this.exists(name))) return undefined;
    const segments = refAndPath.split('/');
    if (segments.some(segment => !FILE_SEGMENT.test(segment))) {
      throw new InputError(
        `"${refAndPath}" is not a file path: use <ref>/<path> without "." or ".." segments`,
      );
    }
    for (let i = 1; i < segments.length; i++) {
      const refSegments = segments.slice(0, i);
      if (!refSegments.every(segment => REF.test(segment))) break;
      const ref = refSegments.join('/');
      const commit = await this.#revParse(gitDir, `${ref}^{commit}`);
      if (!commit) continue;
      const object = `${commit}:${segments.slice(i).join('/')}`;
      const type = await this.#git(gitDir, ['cat-file', '-t', object]);
      if (type?.toString('utf8').trim() !== 'blob') return undefined;
      const blobId = (await this.#revParse(gitDir, object))!;
      const content = await this.#git(gitDir, ['cat-file', 'blob', blobId]);
      return content ? { content, blobId } : undefined;
    }
    return undefined;
  }

  async #revParse(gitDir: string, spec: string): Promise<string | undefined> {
    const out = await this.#git(gitDir, [
      'rev-parse',
      '--verify',
      '--quiet',
      spec,
    ]);
    return out?.toString('utf8').trim() || undefined;
  }

  async #git(gitDir: string, args: string[]): Promise<Buffer | undefined> {
    try {
      const { stdout } = await run('git', ['--git-dir', gitDir, ...args], {
        encoding: 'buffer',
        maxBuffer: MAX_FILE_BYTES,
      });
      return stdout;
    } catch {
      return undefined;
    }
  }
}
