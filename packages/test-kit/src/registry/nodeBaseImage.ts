// Only node: built-ins and erasable TypeScript here: `scripts/hubbops start`
// runs this file with plain `node` (type stripping), outside any build.
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import {
  copyFile,
  mkdir,
  mkdtemp,
  readFile,
  rm,
  stat,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { createGzip } from 'node:zlib';

const run = promisify(execFile);

const MANIFEST_TYPE = 'application/vnd.oci.image.manifest.v1+json';
const CONFIG_TYPE = 'application/vnd.oci.image.config.v1+json';
const LAYER_TYPE = 'application/vnd.oci.image.layer.v1.tar+gzip';

/** Options of {@link pushNodeBaseImage}. */
export interface NodeBaseImageOptions {
  /** Registry base URL: `http://localhost:5000`, `http://127.0.0.1:40123`. */
  registryUrl: string;
  /** Repository in the registry; default `hubbops/node`. */
  repository?: string;
  /** Tag; default the Node major version (`22`). */
  tag?: string;
  /** The Node binary to put in the image; default the running one. */
  nodeBinary?: string;
  /** `Authorization` header for the registry, if it needs one. */
  authorization?: string;
  /**
   * Keep the compressed layer here and reuse it while the Node binary is
   * unchanged (building it compresses ~120 MB).
   */
  cacheDir?: string;
  /** Leave an existing tag alone instead of pushing again; default true. */
  skipIfPresent?: boolean;
}

/** The image {@link pushNodeBaseImage} pushed (or found). */
export interface PushedNodeBaseImage {
  /** `host:port/repository:tag`, as FROM lines and the layers builder use it. */
  reference: string;
  /** Digest of the manifest. */
  digest: string;
  /** `v22.23.3` */
  nodeVersion: string;
  /** True when the tag already existed and nothing was pushed. */
  skipped: boolean;
}

interface LayerFile {
  path: string;
  digest: string;
  diffId: string;
  size: number;
}

/** The files of the image: the Node binary and what its loader needs. */
async function stageRootfs(nodeBinary: string, rootfs: string): Promise<void> {
  const place = async (source: string, target: string) => {
    await mkdir(join(rootfs, dirname(target)), { recursive: true });
    await copyFile(source, join(rootfs, target));
  };
  await place(nodeBinary, '/usr/local/bin/node');
  // `ldd` prints `libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x...)` and
  // the loader as `/lib64/ld-linux-x86-64.so.2 (0x...)`; the vDSO has no file.
  const { stdout } = await run('ldd', [nodeBinary]);
  for (const line of stdout.split('\n')) {
    const match = /(?:=>\s*)?(\/\S+)\s+\(0x[0-9a-f]+\)/.exec(line);
    if (match) await place(match[1], match[1]);
  }
  const certificates = '/etc/ssl/certs/ca-certificates.crt';
  if (await stat(certificates).catch(() => undefined)) {
    await place(certificates, certificates);
  }
  await writeFile(
    join(rootfs, 'etc/passwd'),
    'root:x:0:0:root:/root:/usr/sbin/nologin\nnode:x:1000:1000:node:/home/node:/usr/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n',
  );
  await writeFile(
    join(rootfs, 'etc/group'),
    'root:x:0:\nnode:x:1000:\nnogroup:x:65534:\n',
  );
  await mkdir(join(rootfs, 'tmp'), { mode: 0o1777 });
  await run('chmod', ['1777', join(rootfs, 'tmp')]);
  await mkdir(join(rootfs, 'root'));
  await mkdir(join(rootfs, 'home/node'), { recursive: true });
}

function hashing(hash: ReturnType<typeof createHash>): Transform {
  return new Transform({
    transform(chunk, _encoding, callback) {
      hash.update(chunk);
      callback(null, chunk);
    },
  });
}

/** A reproducible gzip'd tar of `rootfs` (GNU tar: sorted, root-owned, mtime 0). */
async function writeLayer(rootfs: string, target: string): Promise<LayerFile> {
  const tar = spawn(
    'tar',
    [
      '--create',
      '--file=-',
      `--directory=${rootfs}`,
      '--sort=name',
      '--owner=0',
      '--group=0',
      '--numeric-owner',
      '--mtime=@0',
      '--format=posix',
      '--pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime',
      '.',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  tar.stderr.setEncoding('utf8');
  tar.stderr.on('data', chunk => {
    stderr += chunk;
  });
  const exited = new Promise<number | null>(resolve =>
    tar.once('close', code => resolve(code)),
  );
  const uncompressed = createHash('sha256');
  const compressed = createHash('sha256');
  await pipeline(
    tar.stdout,
    hashing(uncompressed),
    // Level 1: the layer is pushed to a local registry; speed over size.
    createGzip({ level: 1 }),
    hashing(compressed),
    createWriteStream(target),
  );
  const code = await exited;
  if (code !== 0) throw new Error(`tar failed (exit ${code}): ${stderr}`);
  return {
    path: target,
    digest: `sha256:${compressed.digest('hex')}`,
    diffId: `sha256:${uncompressed.digest('hex')}`,
    size: (await stat(target)).size,
  };
}

async function cachedLayer(
  nodeBinary: string,
  cacheDir: string | undefined,
): Promise<LayerFile> {
  const info = await stat(nodeBinary);
  const key = createHash('sha256')
    .update(`${nodeBinary}\0${info.size}\0${info.mtimeMs}\0v1`)
    .digest('hex')
    .slice(0, 16);
  const work = await mkdtemp(join(tmpdir(), 'hubbops-node-base-'));
  try {
    if (cacheDir) {
      const described = join(cacheDir, `node-base-${key}.json`);
      const cached = await readFile(described, 'utf8')
        .then(text => JSON.parse(text) as LayerFile)
        .catch(() => undefined);
      if (cached && (await stat(cached.path).catch(() => undefined))) {
        return cached;
      }
      await mkdir(cacheDir, { recursive: true });
      const rootfs = join(work, 'rootfs');
      await stageRootfs(nodeBinary, rootfs);
      const layer = await writeLayer(
        rootfs,
        join(cacheDir, `node-base-${key}.tar.gz`),
      );
      await writeFile(described, JSON.stringify(layer));
      return layer;
    }
    const rootfs = join(work, 'rootfs');
    await stageRootfs(nodeBinary, rootfs);
    const target = join(
      tmpdir(),
      `hubbops-node-base-${key}-${process.pid}.tar.gz`,
    );
    return await writeLayer(rootfs, target);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function pushBlob(
  base: string,
  headers: Record<string, string>,
  digest: string,
  body: Buffer,
): Promise<void> {
  const existing = await fetch(`${base}/blobs/${digest}`, {
    method: 'HEAD',
    headers,
  });
  if (existing.ok) return;
  const started = await fetch(`${base}/blobs/uploads/`, {
    method: 'POST',
    headers,
  });
  await started.arrayBuffer();
  const location = started.headers.get('location');
  if (started.status !== 202 || !location) {
    throw new Error(
      `the registry refused an upload at ${base} (HTTP ${started.status})`,
    );
  }
  const url = new URL(location, base);
  url.searchParams.set('digest', digest);
  const finished = await fetch(url, {
    method: 'PUT',
    headers: { ...headers, 'Content-Type': 'application/octet-stream' },
    body,
  });
  const text = await finished.text();
  if (finished.status !== 201) {
    throw new Error(
      `the registry refused blob ${digest} (HTTP ${finished.status}): ${text}`,
    );
  }
}

/**
 * Assembles a Node base image FROM scratch, out of the Node binary, the
 * shared libraries `ldd` lists for it, CA certificates and a minimal
 * /etc/passwd, and pushes it (OCI media types, linux/amd64 or arm64) to a
 * registry. `scripts/hubbops start` pushes it to the local registry so that
 * node services build offline; tests push it to their test registry.
 */
export async function pushNodeBaseImage(
  options: NodeBaseImageOptions,
): Promise<PushedNodeBaseImage> {
  const nodeBinary = options.nodeBinary ?? process.execPath;
  const { stdout: versionOut } = await run(nodeBinary, ['--version']);
  const nodeVersion = versionOut.trim();
  const repository = options.repository ?? 'hubbops/node';
  const tag = options.tag ?? nodeVersion.replace(/^v(\d+).*$/, '$1');
  const registryUrl = options.registryUrl.replace(/\/+$/, '');
  const base = `${registryUrl}/v2/${repository}`;
  const reference = `${new URL(registryUrl).host}/${repository}:${tag}`;
  const headers: Record<string, string> = options.authorization
    ? { Authorization: options.authorization }
    : {};

  if (options.skipIfPresent ?? true) {
    const existing = await fetch(`${base}/manifests/${tag}`, {
      method: 'HEAD',
      headers: { ...headers, Accept: MANIFEST_TYPE },
    });
    const digest = existing.headers.get('docker-content-digest');
    if (existing.ok && digest) {
      return { reference, digest, nodeVersion, skipped: true };
    }
  }

  const layer = await cachedLayer(nodeBinary, options.cacheDir);
  try {
    await pushBlob(base, headers, layer.digest, await readFile(layer.path));
  } finally {
    if (!options.cacheDir) await rm(layer.path, { force: true });
  }
  const architecture = process.arch === 'arm64' ? 'arm64' : 'amd64';
  const config = Buffer.from(
    JSON.stringify({
      created: '1970-01-01T00:00:00Z',
      architecture,
      os: 'linux',
      config: {
        Env: [
          'PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin',
          `NODE_VERSION=${nodeVersion.slice(1)}`,
        ],
        Cmd: ['node'],
        WorkingDir: '/',
        Labels: {
          'org.opencontainers.image.title': 'HubbOps Node base image',
          'org.opencontainers.image.description': `Node ${nodeVersion} assembled FROM scratch (binary and its shared libraries)`,
        },
      },
      rootfs: { type: 'layers', diff_ids: [layer.diffId] },
      history: [
        {
          created: '1970-01-01T00:00:00Z',
          created_by: `hubbops: node ${nodeVersion} binary, ldd libraries, CA certificates`,
        },
      ],
    }),
  );
  const configDigest = `sha256:${createHash('sha256')
    .update(config)
    .digest('hex')}`;
  await pushBlob(base, headers, configDigest, config);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MANIFEST_TYPE,
      config: {
        mediaType: CONFIG_TYPE,
        digest: configDigest,
        size: config.length,
      },
      layers: [
        { mediaType: LAYER_TYPE, digest: layer.digest, size: layer.size },
      ],
    }),
  );
  const pushed = await fetch(`${base}/manifests/${tag}`, {
    method: 'PUT',
    headers: { ...headers, 'Content-Type': MANIFEST_TYPE },
    body: manifest,
  });
  const text = await pushed.text();
  if (pushed.status !== 201) {
    throw new Error(
      `the registry refused the manifest of ${reference} (HTTP ${pushed.status}): ${text}`,
    );
  }
  return {
    reference,
    digest: `sha256:${createHash('sha256').update(manifest).digest('hex')}`,
    nodeVersion,
    skipped: false,
  };
}
