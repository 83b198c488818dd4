import { InputError } from '@backstage/errors';
import { createHash } from 'node:crypto';
import { lstat, readdir, readFile } from 'node:fs/promises';
import * as path from 'node:path';

/** A file to commit, with the SHA git gives its blob. */
export interface SourceFile {
  /** Relative to the source directory, `/`-separated. */
  path: string;
  mode: '100644' | '100755';
  content: Buffer;
  /** `git hash-object` of the content. */
  blobSha: string;
}

/** The object id git gives a blob: SHA-1 over `blob <size>\0<content>`. */
export function gitBlobSha(content: Buffer): string {
  return createHash('sha1')
    .update(`blob ${content.length}\0`)
    .update(content)
    .digest('hex');
}

/**
 * Reads every file under `dir` (skipping `.git` folders), sorted by path.
 * Symlinks are refused: what they point to would differ between the
 * workspace and the repository, and they may lead outside the workspace.
 */
export async function readSourceFiles(
  dir: string,
  label: string,
): Promise<SourceFile[]> {
  const files: SourceFile[] = [];
  async function walk(current: string) {
    const entries = await readdir(current, { withFileTypes: true });
    for (const entry of entries) {
      const full = path.join(current, entry.name);
      const relative = path.relative(dir, full).split(path.sep).join('/');
      if (entry.isDirectory()) {
        if (entry.name !== '.git') await walk(full);
      } else if (entry.isSymbolicLink()) {
        throw new InputError(
          `${label} contains the symlink ${relative}; a GitOps push copies plain files only, replace it with the file itself`,
        );
      } else if (entry.isFile()) {
        const stats = await lstat(full);
        const content = await readFile(full);
        files.push({
          path: relative,
          // eslint-disable-next-line no-bitwise
          mode: stats.mode & 0o111 ? '100755' : '100644',
          content,
          blobSha: gitBlobSha(content),
        });
      }
    }
  }
  await walk(dir);
  // Paths are unique, so this is a total order (byte order, as git sorts).
  return files.sort((a, b) => (a.path < b.path ? -1 : 1));
}

/** A digest of paths, modes and contents: equal for equal file sets. */
export function sourceFilesDigest(files: SourceFile[]): string {
  const hash = createHash('sha256');
  for (const file of files) {
    hash.update(`${file.mode} ${file.blobSha} ${file.path}\n`);
  }
  return hash.digest('hex');
}

/**
 * Checks a path inside the GitOps repository and returns it without leading
 * `./` or trailing `/`; `''` is the repository root.
 */
export function normalizeRepositoryPath(value: string): string {
  const trimmed = value
    .trim()
    .replace(/^(\.\/)+/, '')
    .replace(/\/+$/, '');
  if (trimmed === '' || trimmed === '.') return '';
  if (trimmed.startsWith('/') || trimmed.includes('\\')) {
    throw new InputError(
      `targetPath "${value}" must be a relative path inside the repository, e.g. clusters/prod/apps/shop`,
    );
  }
  const parts = trimmed.split('/');
  if (parts.some(part => part === '' || part === '.' || part === '..')) {
    throw new InputError(
      `targetPath "${value}" must not contain empty, "." or ".." segments`,
    );
  }
  if (parts.some(part => part.toLowerCase() === '.git')) {
    throw new InputError(`targetPath "${value}" must not point into .git`);
  }
  return parts.join('/');
}
