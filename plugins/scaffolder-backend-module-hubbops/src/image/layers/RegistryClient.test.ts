import {
  AuthenticationError,
  NotAllowedError,
  ServiceUnavailableError,
} from '@backstage/errors';
import {
  fetchTestBlob,
  pushTestBlob,
  sha256Digest,
  startTestRegistry,
  TestRegistry,
} from '@hubbops/test-kit';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RegistryError } from './errors';
import { RegistryClient } from './RegistryClient';

/** Yields `data` cut at `cuts`, to straddle chunk boundaries. */
async function* inPieces(data: Buffer, cuts: number[]) {
  let start = 0;
  for (const cut of [...cuts, data.length]) {
    yield data.subarray(start, cut);
    start = cut;
  }
}

describe('RegistryClient against a registry', () => {
  let registry: TestRegistry;
  beforeAll(async () => {
    registry = await startTestRegistry();
  });
  afterAll(() => registry.stop());

  const data = Buffer.from(`${'0123456789'.repeat(9)}abcde`); // 95 bytes
  const digest = sha256Digest(data);

  it('uploads in PATCH chunks from a buffer, a file and a stream', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hubbops-client-test-'));
    try {
      const file = join(dir, 'blob');
      await writeFile(file, data);
      const sources = {
        buffer: { type: 'buffer', data } as const,
        file: { type: 'file', path: file, size: data.length } as const,
        stream: {
          type: 'stream',
          stream: inPieces(data, [3, 41]),
          size: data.length,
        } as const,
      };
      for (const [name, source] of Object.entries(sources)) {
        const client = new RegistryClient({
          registry: registry.host,
          chunkSize: 10,
        });
        await registry.clearRequests();
        await client.uploadBlob(`chunks/${name}`, digest, source);
        expect(client.bytesUploaded).toBe(data.length);
        expect(await fetchTestBlob(registry, `chunks/${name}`, digest)).toEqual(
          data,
        );
        const requests = await registry.requests();
        expect(requests.filter(r => r.method === 'PATCH')).toHaveLength(10);
        expect(await client.headBlob(`chunks/${name}`, digest)).toEqual({
          size: data.length,
        });
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('uploads a small blob in one PUT', async () => {
    const client = new RegistryClient({ registry: registry.host });
    await registry.clearRequests();
    await client.uploadBlob('single', digest, { type: 'buffer', data });
    expect((await registry.requests()).map(r => r.method)).toEqual([
      'POST',
      'PUT',
    ]);
  });

  it('refuses to finish an upload whose content does not match the digest', async () => {
    const client = new RegistryClient({ registry: registry.host });
    const wrong = sha256Digest('something else');
    await expect(
      client.uploadBlob('mismatch', wrong, { type: 'buffer', data }),
    ).rejects.toThrow(RegistryError);
    expect(await client.headBlob('mismatch', wrong)).toBeUndefined();
  });

  it('mounts across repositories, and hands back the session when it cannot', async () => {
    await pushTestBlob(registry, 'mount/source', data);
    const client = new RegistryClient({ registry: registry.host });
    expect(
      await client.mountBlob('mount/target', digest, 'mount/source'),
    ).toEqual({ mounted: true });
    expect(await client.headBlob('mount/target', digest)).toBeDefined();

    const refused = await client.mountBlob(
      'mount/other',
      digest,
      'mount/empty',
    );
    expect(refused).toEqual({ mounted: false, uploadUrl: expect.any(String) });
    await client.uploadBlob(
      'mount/other',
      digest,
      { type: 'buffer', data },
      (refused as { uploadUrl: string }).uploadUrl,
    );
    expect(await fetchTestBlob(registry, 'mount/other', digest)).toEqual(data);
  });

  it('reports missing manifests as absent and verifies served digests', async () => {
    const client = new RegistryClient({ registry: registry.host });
    expect(await client.headManifest('nothing/here', 'latest')).toBeUndefined();
    await pushTestBlob(registry, 'verify', data);
    await expect(client.getBlob('verify', digest)).resolves.toEqual(data);
  });
});

describe('RegistryClient errors', () => {
  const respond =
    (status: number, body = '', headers: Record<string, string> = {}) =>
    async () =>
      new Response(status === 204 ? null : body, { status, headers });

  const client = (fetchImpl: typeof fetch, extra = {}) =>
    new RegistryClient({
      registry: 'registry.example.com',
      fetch: fetchImpl,
      ...extra,
    });

  it('turns a failing registry into ServiceUnavailableError', async () => {
    await expect(
      client(respond(503, 'down')).getManifest('a/b', '1'),
    ).rejects.toThrow(ServiceUnavailableError);
  });

  it('explains rate limits', async () => {
    await expect(
      client(
        respond(
          429,
          JSON.stringify({
            errors: [{ code: 'TOOMANYREQUESTS', message: 'slow down' }],
          }),
        ),
      ).getManifest('a/b', '1'),
    ).rejects.toThrow(
      /answered 429 \(TOOMANYREQUESTS: slow down\); the registry is rate limiting/,
    );
  });

  it('explains denied access', async () => {
    await expect(
      client(
        respond(
          403,
          JSON.stringify({ errors: [{ code: 'DENIED', message: 'nope' }] }),
        ),
        { credentials: { username: 'u', password: 'p4ssword' } },
      ).putManifest('a/b', '1', Buffer.from('{}'), 'x'),
    ).rejects.toThrow(NotAllowedError);
  });

  it('explains an unreachable registry', async () => {
    const refused: typeof fetch = async () => {
      throw Object.assign(new TypeError('fetch failed'), {
        cause: { code: 'ECONNREFUSED' },
      });
    };
    await expect(client(refused).headBlob('a/b', 'sha256:x')).rejects.toThrow(
      /could not reach https:\/\/registry\.example\.com \(ECONNREFUSED\)/,
    );
  });

  it('refuses to send credentials to a plain-HTTP token realm of an HTTPS registry', async () => {
    const calls: string[] = [];
    const fetchImpl: typeof fetch = async input => {
      calls.push(String(input));
      return new Response('', {
        status: 401,
        headers: {
          'www-authenticate':
            'Bearer realm="http://evil.example/token",service="x"',
        },
      });
    };
    await expect(
      client(fetchImpl, {
        credentials: { username: 'u', password: 'hunter22' },
      }).getManifest('a/b', '1'),
    ).rejects.toThrow(AuthenticationError);
    expect(calls).toEqual(['https://registry.example.com/v2/a/b/manifests/1']);
  });
});
