import { createMockDirectory } from '@backstage/backend-test-utils';
import { InputError } from '@backstage/errors';
import { createHash } from 'node:crypto';
import { chmod, readFile, stat, utimes } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import * as tar from 'tar-stream';
import { buildLayerTarball, collectLayerEntries } from './LayerTarball';

interface ExtractedEntry {
  name: string;
  type: string;
  mode: number;
  uid: number;
  gid: number;
  mtime: number;
  linkname?: string | null;
  content?: string;
}

async function extract(tarball: Buffer): Promise<ExtractedEntry[]> {
  const entries: ExtractedEntry[] = [];
  const extractor = tar.extract();
  const done = new Promise<void>((resolve, reject) => {
    extractor.on('entry', (header, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: unknown) => {
        chunks.push(chunk as Buffer);
      });
      stream.on('end', () => {
        entries.push({
          name: header.name,
          type: header.type,
          mode: header.mode,
          uid: header.uid,
          gid: header.gid,
          mtime: header.mtime.getTime(),
          linkname: header.linkname || undefined,
          ...(header.type === 'file'
            ? { content: Buffer.concat(chunks).toString('utf8') }
            : {}),
        });
        next();
      });
      stream.resume();
    });
    extractor.on('finish', () => resolve());
    extractor.on('error', reject);
  });
  Readable.from([tarball]).pipe(extractor as any);
  await done;
  return entries;
}

const sha256 = (data: Buffer) =>
  `sha256:${createHash('sha256').update(data).digest('hex')}`;

describe('buildLayerTarball', () => {
  const mockDir = createMockDirectory();

  const appFiles = {
    'package.json': '{"name":"app"}',
    'src/index.js': 'console.log("hi")\n',
    'src/lib/util.js': 'module.exports = 1\n',
    'bin/start': '#!/bin/sh\nexec node /app/src/index.js\n',
  };

  beforeEach(async () => {
    mockDir.setContent({ ws: appFiles });
    await chmod(join(mockDir.path, 'ws/bin/start'), 0o755);
    await chmod(join(mockDir.path, 'ws/package.json'), 0o640);
  });

  it('is reproducible: same files twice give the same digests', async () => {
    const first = await buildLayerTarball({ sourceDir: mockDir.resolve('ws') });
    const second = await buildLayerTarball({
      sourceDir: mockDir.resolve('ws'),
    });
    try {
      expect(first.digest).toMatch(/^sha256:[a-f0-9]{64}$/);
      expect(second.digest).toBe(first.digest);
      expect(second.diffId).toBe(first.diffId);
      expect(second.size).toBe(first.size);
      expect(first.path).not.toBe(second.path);
    } finally {
      await first.dispose();
      await second.dispose();
    }
  });

  it('ignores the timestamps of the source files', async () => {
    const before = await buildLayerTarball({
      sourceDir: mockDir.resolve('ws'),
    });
    await utimes(
      mockDir.resolve('ws/src/index.js'),
      new Date('2001-02-03T04:05:06Z'),
      new Date('2001-02-03T04:05:06Z'),
    );
    await utimes(mockDir.resolve('ws/src'), new Date(), new Date(12345678));
    const after = await buildLayerTarball({ sourceDir: mockDir.resolve('ws') });
    try {
      expect(after.digest).toBe(before.digest);
      expect(after.diffId).toBe(before.diffId);
    } finally {
      await before.dispose();
      await after.dispose();
    }
  });

  it('changes when a file changes', async () => {
    const before = await buildLayerTarball({
      sourceDir: mockDir.resolve('ws'),
    });
    mockDir.addContent({ 'ws/src/index.js': 'console.log("bye")\n' });
    const after = await buildLayerTarball({ sourceDir: mockDir.resolve('ws') });
    try {
      expect(after.digest).not.toBe(before.digest);
      expect(after.diffId).not.toBe(before.diffId);
    } finally {
      await before.dispose();
      await after.dispose();
    }
  });

  it('writes sorted, root-owned entries with fixed mtime and real modes under the destination', async () => {
    const layer = await buildLayerTarball({
      sourceDir: mockDir.resolve('ws'),
      destination: '/srv/app/',
    });
    try {
      const compressed = await readFile(layer.path);
      expect(sha256(compressed)).toBe(layer.digest);
      expect(compressed.length).toBe(layer.size);
      const tarball = gunzipSync(compressed);
      expect(sha256(tarball)).toBe(layer.diffId);
      expect(tarball.length).toBe(layer.uncompressedSize);

      const entries = await extract(tarball);
      expect(entries.map(e => e.name)).toEqual([
        'srv/',
        'srv/app/',
        'srv/app/bin/',
        'srv/app/bin/start',
        'srv/app/package.json',
        'srv/app/src/',
        'srv/app/src/index.js',
        'srv/app/src/lib/',
        'srv/app/src/lib/util.js',
      ]);
      expect(layer.entries).toBe(entries.length);
      for (const entry of entries) {
        expect(entry).toMatchObject({ uid: 0, gid: 0, mtime: 0 });
      }
      const byName = Object.fromEntries(entries.map(e => [e.name, e]));
      expect(byName['srv/'].mode).toBe(0o755);
      expect(byName['srv/app/bin/start'].mode).toBe(0o755);
      expect(byName['srv/app/package.json'].mode).toBe(0o640);
      expect(byName['srv/app/src/index.js']).toMatchObject({
        type: 'file',
        content: 'console.log("hi")\n',
        mode: (await stat(mockDir.resolve('ws/src/index.js'))).mode & 0o777,
      });
    } finally {
      await layer.dispose();
    }
  });

  it('sets the owner and timestamp it is told to', async () => {
    const entries = await collectLayerEntries({
      sourceDir: mockDir.resolve('ws'),
      owner: { uid: 1000, gid: 1001 },
    });
    expect(entries[0]).toMatchObject({ name: 'app', uid: 1000, gid: 1001 });

    const layer = await buildLayerTarball({
      sourceDir: mockDir.resolve('ws'),
      owner: { uid: 1000, gid: 1001 },
      mtime: new Date('2024-05-01T00:00:00Z'),
    });
    try {
      const extracted = await extract(gunzipSync(await readFile(layer.path)));
      expect(extracted[1]).toMatchObject({
        name: 'app/bin/',
        uid: 1000,
        gid: 1001,
        mtime: Date.parse('2024-05-01T00:00:00Z'),
      });
    } finally {
      await layer.dispose();
    }
  });

  it('leaves out excluded paths', async () => {
    mockDir.addContent({
      'ws/.git/HEAD': 'ref: refs/heads/main\n',
      'ws/node_modules/.cache/x': 'cache',
      'ws/node_modules/dep/index.js': 'dep',
    });
    const entries = await collectLayerEntries({
      sourceDir: mockDir.resolve('ws'),
      exclude: ['.git', 'node_modules/.cache/'],
    });
    const names = entries.map(e => e.name);
    expect(names).toContain('app/node_modules/dep/index.js');
    expect(names.some(n => n.includes('.git'))).toBe(false);
    expect(names.some(n => n.includes('.cache'))).toBe(false);
    await expect(
      collectLayerEntries({
        sourceDir: mockDir.resolve('ws'),
        exclude: ['../x'],
      }),
    ).rejects.toThrow(InputError);
  });

  it('keeps symlinks inside the directory as links, relative', async () => {
    mockDir.addContent({
      'ws/current': ({ symlink }) => symlink('src'),
      'ws/abs-link': ({ symlink }) =>
        symlink(mockDir.resolve('ws/src/lib/util.js')),
    });
    const entries = await collectLayerEntries({
      sourceDir: mockDir.resolve('ws'),
    });
    expect(entries.find(e => e.name === 'app/current')).toMatchObject({
      type: 'symlink',
      linkname: 'src',
    });
    expect(entries.find(e => e.name === 'app/abs-link')).toMatchObject({
      type: 'symlink',
      linkname: 'src/lib/util.js',
    });
  });

  it.each([
    ['a relative symlink escaping with ..', '../../outside.txt'],
    ['an absolute symlink outside', '/etc/passwd'],
    ['a symlink to the parent of the directory', '../..'],
  ])('rejects %s with an InputError', async (_, target) => {
    mockDir.addContent({
      'outside.txt': 'secret',
      'ws/src/evil': ({ symlink }) => symlink(target),
    });
    const promise = buildLayerTarball({ sourceDir: mockDir.resolve('ws') });
    await expect(promise).rejects.toThrow(InputError);
    await expect(promise).rejects.toThrow(
      `symlink "src/evil" points to "${target}", which is outside`,
    );
  });

  it('rejects sockets and other special files', async () => {
    const socketPath = mockDir.resolve('ws/app.sock');
    const server = createServer();
    await new Promise<void>(resolve => server.listen(socketPath, resolve));
    try {
      await expect(
        collectLayerEntries({ sourceDir: mockDir.resolve('ws') }),
      ).rejects.toThrow(/"app.sock" is a socket, FIFO or device/);
    } finally {
      await new Promise(resolve => server.close(resolve));
    }
  });

  it.each(['app', '/app/../etc', '/./app', 'C:\\app'])(
    'rejects the destination %s',
    async destination => {
      await expect(
        collectLayerEntries({ sourceDir: mockDir.resolve('ws'), destination }),
      ).rejects.toThrow(InputError);
    },
  );

  it('places files at the image root for destination /', async () => {
    const entries = await collectLayerEntries({
      sourceDir: mockDir.resolve('ws'),
      destination: '/',
    });
    expect(entries[0].name).toBe('bin');
  });
});
