import { InputError } from '@backstage/errors';
import { createHash, Hash } from 'node:crypto';
import { createReadStream, createWriteStream, Stats } from 'node:fs';
import {
  lstat,
  mkdtemp,
  readdir,
  readlink,
  realpath,
  rm,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Transform, TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import * as tar from 'tar-stream';

/** One entry of the application layer, in archive order. */
export interface LayerEntry {
  /** Path inside the image, without a leading slash: `app/src/index.js`. */
  name: string;
  type: 'directory' | 'file' | 'symlink';
  /** Permission bits, e.g. 0o644. */
  mode: number;
  uid: number;
  gid: number;
  /** Regular files: where to read the content, and its size. */
  sourcePath?: string;
  size?: number;
  /** Symlinks: the target, relative when it was absolute. */
  linkname?: string;
}

/** Options of {@link buildLayerTarball} and {@link collectLayerEntries}. */
export interface LayerTarballOptions {
  /** Directory whose contents become the layer; must exist. */
  sourceDir: string;
  /** Absolute directory in the image to place them under; default `/app`. */
  destination?: string;
  /** Owner of the destination and everything under it; default root (0:0). */
  owner?: { uid: number; gid: number };
  /**
   * Paths relative to `sourceDir` (POSIX separators) to leave out, with
   * everything under them, e.g. `.git`, `node_modules/.cache`.
   */
  exclude?: string[];
  /** Modification time of every entry; default the Unix epoch. */
  mtime?: Date;
  /** gzip level, 1 to 9; default 6. */
  compressionLevel?: number;
  /** Where to write the compressed layer; default the OS temp directory. */
  tempDir?: string;
}

/** A built layer, written to a temporary file. */
export interface LayerTarball {
  /** The gzip-compressed tar. */
  path: string;
  /** `sha256:` of the compressed bytes: the layer's blob digest. */
  digest: string;
  /** Compressed size in bytes. */
  size: number;
  /** `sha256:` of the uncompressed tar: the config's `rootfs.diff_ids` entry. */
  diffId: string;
  uncompressedSize: number;
  entries: number;
  /** Deletes the temporary file. */
  dispose(): Promise<void>;
}

export const DEFAULT_LAYER_DESTINATION = '/app';
/** The reproducible timestamp used when none is given. */
export const EPOCH = new Date(0);

/** Validates and normalizes an absolute POSIX directory inside the image. */
export function normalizeDestination(destination: string): string {
  const parts = destination.split('/');
  if (
    !destination.startsWith('/') ||
    parts.includes('..') ||
    parts.includes('.') ||
    destination.includes('\\') ||
    destination.includes('\0')
  ) {
    throw new InputError(
      `destination "${destination}" must be an absolute path in the image ` +
        'without "." or ".." segments, e.g. /app',
    );
  }
  return path.posix.normalize(destination).replace(/\/+$/, '') || '/';
}

function normalizeExclude(exclude: string[] = []): string[] {
  return exclude.map(entry => {
    const normalized = path.posix.normalize(entry).replace(/\/+$/, '');
    if (
      path.posix.isAbsolute(entry) ||
      normalized === '..' ||
      normalized.startsWith('../') ||
      normalized === '.' ||
      !normalized
    ) {
      throw new InputError(
        `exclude entry "${entry}" must be a path inside the application ` +
          'directory, relative to it',
      );
    }
    return normalized;
  });
}

function isInside(root: string, candidate: string): boolean {
  return candidate === root || candidate.startsWith(root + path.sep);
}

function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/**
 * Walks `sourceDir` and lists the layer's entries, sorted bytewise by path
 * (parents before children), with modes preserved (permission bits only) and
 * owner and timestamps normalized. Never follows symlinks: each is kept as a
 * link, and one that resolves outside `sourceDir` is an `InputError`, as are
 * sockets, FIFOs and devices.
 */
export async function collectLayerEntries(
  options: LayerTarballOptions,
): Promise<LayerEntry[]> {
  const destination = normalizeDestination(
    options.destination ?? DEFAULT_LAYER_DESTINATION,
  );
  const exclude = normalizeExclude(options.exclude);
  const owner = options.owner ?? { uid: 0, gid: 0 };
  for (const id of [owner.uid, owner.gid]) {
    if (!Number.isInteger(id) || id < 0 || id > 0x1fffff) {
      throw new InputError(`owner uid/gid ${id} is not a valid id`);
    }
  }

  let root: string;
  let rootStats: Stats;
  try {
    root = await realpath(options.sourceDir);
    rootStats = await lstat(root);
  } catch {
    throw new InputError(
      `the application directory ${options.sourceDir} does not exist`,
    );
  }
  if (!rootStats.isDirectory()) {
    throw new InputError(
      `the application directory ${options.sourceDir} is not a directory`,
    );
  }

  const imagePath = (relative: string) =>
    path.posix.join(destination, relative).replace(/^\/+/, '');

  const entries: LayerEntry[] = [];
  // Parents of the destination, root-owned, then the destination itself.
  const parents = destination.split('/').filter(Boolean);
  for (let i = 1; i < parents.length; i++) {
    entries.push({
      name: parents.slice(0, i).join('/'),
      type: 'directory',
      mode: 0o755,
      uid: 0,
      gid: 0,
    });
  }
  if (parents.length > 0) {
    entries.push({
      name: parents.join('/'),
      type: 'directory',
      mode: rootStats.mode & 0o777,
      ...owner,
    });
  }

  const walk = async (directory: string): Promise<void> => {
    const names = (await readdir(directory)).sort(compareBytes);
    for (const name of names) {
      const absolute = path.join(directory, name);
      const relative = path.relative(root, absolute).split(path.sep).join('/');
      if (
        exclude.some(
          excluded =>
            relative === excluded || relative.startsWith(`${excluded}/`),
        )
      ) {
        continue;
      }
      const stats = await lstat(absolute);
      const base = {
        name: imagePath(relative),
        mode: stats.mode & 0o777,
        ...owner,
      };
      if (stats.isDirectory()) {
        entries.push({ ...base, type: 'directory' });
        await walk(absolute);
      } else if (stats.isFile()) {
        entries.push({
          ...base,
          type: 'file',
          sourcePath: absolute,
          size: stats.size,
        });
      } else if (stats.isSymbolicLink()) {
        const target = await readlink(absolute);
        const resolved = path.resolve(path.dirname(absolute), target);
        if (!isInside(root, resolved)) {
          throw new InputError(
            `the application files may not link outside their directory: ` +
              `symlink "${relative}" points to "${target}", which is outside ` +
              `${options.sourceDir}; copy what it points to into the ` +
              'directory, or remove the link',
          );
        }
        entries.push({
          ...base,
          mode: 0o777,
          type: 'symlink',
          linkname: path.isAbsolute(target)
            ? path
                .relative(path.dirname(absolute), resolved)
                .split(path.sep)
                .join('/') || '.'
            : target,
        });
      } else {
        throw new InputError(
          `the application files may only be files, directories and ` +
            `symlinks, but "${relative}" is a socket, FIFO or device; ` +
            'remove it or exclude it',
        );
      }
    }
  };
  await walk(root);

  return entries.sort((a, b) => compareBytes(a.name, b.name));
}

class HashingCounter extends Transform {
  readonly hash: Hash = createHash('sha256');
  bytes = 0;

  _transform(
    chunk: Buffer,
    _encoding: BufferEncoding,
    done: TransformCallback,
  ) {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    done(null, chunk);
  }
}

function addEntry(
  pack: tar.Pack,
  entry: LayerEntry,
  mtime: Date,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const header: Partial<tar.Header> & { name: string } = {
      // tar marks directories with a trailing slash; tar-stream does not add it
      name: entry.type === 'directory' ? `${entry.name}/` : entry.name,
      type: entry.type,
      mode: entry.mode,
      uid: entry.uid,
      gid: entry.gid,
      mtime,
      uname: '',
      gname: '',
    };
    if (entry.type === 'symlink') header.linkname = entry.linkname;
    if (entry.type !== 'file') {
      pack.entry(header, error => (error ? reject(error) : resolve()));
      return;
    }
    header.size = entry.size;
    const sink = pack.entry(header, error =>
      error ? reject(error) : resolve(),
    );
    const source = createReadStream(entry.sourcePath!);
    source.on('error', reject);
    source.pipe(sink);
  });
}

/**
 * Builds the application layer: a reproducible tar of {@link collectLayerEntries}
 * (same files, same bytes, whatever the files' timestamps or owners on disk),
 * gzip-compressed into a temporary file, with the blob digest and `diff_id`
 * computed on the way.
 */
export async function buildLayerTarball(
  options: LayerTarballOptions,
): Promise<LayerTarball> {
  const entries = await collectLayerEntries(options);
  const mtime = options.mtime ?? EPOCH;
  const dir = await mkdtemp(
    path.join(options.tempDir ?? tmpdir(), 'hubbops-layer-'),
  );
  const dispose = () => rm(dir, { recursive: true, force: true });
  try {
    const file = path.join(dir, 'layer.tar.gz');
    const pack = tar.pack();
    const uncompressed = new HashingCounter();
    const compressed = new HashingCounter();
    const written = pipeline(
      pack,
      uncompressed,
      createGzip({ level: options.compressionLevel ?? 6 }),
      compressed,
      createWriteStream(file),
    );
    try {
      for (const entry of entries) await addEntry(pack, entry, mtime);
      pack.finalize();
    } catch (error) {
      pack.destroy(error as Error);
      await written.catch(() => {});
      throw error;
    }
    await written;
    return {
      path: file,
      digest: `sha256:${compressed.hash.digest('hex')}`,
      size: compressed.bytes,
      diffId: `sha256:${uncompressed.hash.digest('hex')}`,
      uncompressedSize: uncompressed.bytes,
      entries: entries.length,
      dispose,
    };
  } catch (error) {
    await dispose();
    throw error;
  }
}
