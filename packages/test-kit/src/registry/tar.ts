/**
 * The smallest ustar writer that the fixture images need: regular files and
 * directories with short ASCII names, root-owned, fixed mtime. The layers
 * under test are built with tar-stream; this only makes the base images they
 * are appended to, so the fixtures do not depend on the code being tested.
 */

/** One file or directory of a fixture layer. */
export interface TarFixtureEntry {
  /** Path inside the layer without a leading slash; directories end in `/`. */
  path: string;
  content?: string | Buffer;
  mode?: number;
}

const BLOCK = 512;

function octal(value: number, width: number): string {
  // width includes the terminating NUL
  return `${value.toString(8).padStart(width - 1, '0')}\0`;
}

function header(entry: TarFixtureEntry, size: number): Buffer {
  const isDirectory = entry.path.endsWith('/');
  if (Buffer.byteLength(entry.path) > 100 || /[^\x20-\x7e]/.test(entry.path)) {
    throw new Error(
      `fixture tar path "${entry.path}" must be ASCII and at most 100 bytes`,
    );
  }
  const block = Buffer.alloc(BLOCK);
  block.write(entry.path, 0, 'ascii');
  block.write(octal(entry.mode ?? (isDirectory ? 0o755 : 0o644), 8), 100);
  block.write(octal(0, 8), 108); // uid
  block.write(octal(0, 8), 116); // gid
  block.write(octal(size, 12), 124);
  block.write(octal(0, 12), 136); // mtime
  block.write('        ', 148); // checksum placeholder: eight spaces
  block.write(isDirectory ? '5' : '0', 156);
  block.write('ustar\u000000', 257, 'binary');
  let checksum = 0;
  for (const byte of block) checksum += byte;
  block.write(`${checksum.toString(8).padStart(6, '0')}\0 `, 148);
  return block;
}

/** An uncompressed tar archive holding the given entries, in the given order. */
export function createFixtureTar(entries: TarFixtureEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    const content = entry.path.endsWith('/')
      ? Buffer.alloc(0)
      : Buffer.from(entry.content ?? '');
    parts.push(header(entry, content.length), content);
    const padding = (BLOCK - (content.length % BLOCK)) % BLOCK;
    parts.push(Buffer.alloc(padding));
  }
  parts.push(Buffer.alloc(BLOCK * 2));
  return Buffer.concat(parts);
}
