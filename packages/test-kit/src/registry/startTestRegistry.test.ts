import { gunzipSync } from 'node:zlib';
import {
  fetchTestBlob,
  fetchTestManifest,
  pushTestImage,
  sha256Digest,
  startTestRegistry,
  TestRegistry,
  TEST_MEDIA_TYPES,
} from '.';

describe('startTestRegistry', () => {
  describe('anonymous', () => {
    let registry: TestRegistry;
    beforeAll(async () => {
      registry = await startTestRegistry();
    });
    afterAll(() => registry.stop());

    it('serves the distribution API on 127.0.0.1', async () => {
      expect(registry.host).toMatch(/^127\.0\.0\.1:\d+$/);
      expect(registry.url).toBe(`http://${registry.host}`);
      const response = await fetch(`${registry.url}/v2/`);
      expect(response.status).toBe(200);
      expect(response.headers.get('docker-distribution-api-version')).toBe(
        'registry/2.0',
      );
    });

    it('pushes a base image that reads back intact', async () => {
      const image = await pushTestImage(registry, {
        repository: 'base/os',
        tag: '1',
      });
      expect(image.reference).toBe(`${registry.host}/base/os:1`);
      const manifest = await fetchTestManifest(registry, 'base/os', '1');
      expect(manifest?.digest).toBe(image.digest);
      expect(manifest?.headerDigest).toBe(image.digest);
      expect(manifest?.mediaType).toBe(TEST_MEDIA_TYPES.oci.manifest);
      expect(manifest?.json.layers).toHaveLength(1);

      const config = await fetchTestBlob(
        registry,
        'base/os',
        image.configDigest,
      );
      const parsed = JSON.parse(config!.toString());
      expect(parsed.config.Env).toContain('HUBBOPS_BASE=1');
      expect(parsed.config.Cmd).toEqual(['/bin/sh']);
      expect(parsed.config.WorkingDir).toBe('/');

      const layer = await fetchTestBlob(
        registry,
        'base/os',
        image.layers[0].digest,
      );
      expect(sha256Digest(layer!)).toBe(image.layers[0].digest);
      const tar = gunzipSync(layer!);
      expect(sha256Digest(tar)).toBe(parsed.rootfs.diff_ids[0]);
      expect(tar.toString('latin1')).toContain('a HubbOps test base image');
    });

    it('pushes a multi-platform Docker manifest list', async () => {
      const image = await pushTestImage(registry, {
        repository: 'base/multi',
        format: 'docker',
        platforms: ['linux/arm64/v8', 'linux/amd64'],
      });
      const index = await fetchTestManifest(registry, 'base/multi', 'latest');
      expect(index?.mediaType).toBe(TEST_MEDIA_TYPES.docker.index);
      expect(index?.digest).toBe(image.digest);
      expect(
        index?.json.manifests.map((m: any) => m.platform.architecture),
      ).toEqual(['arm64', 'amd64']);
      expect(image.platforms?.['linux/amd64'].layers[0].digest).not.toBe(
        image.platforms?.['linux/arm64/v8'].layers[0].digest,
      );
    });

    it('lists the requests it served', async () => {
      await registry.clearRequests();
      await fetchTestManifest(registry, 'base/os', 'missing');
      expect(await registry.requests()).toEqual([
        { method: 'GET', path: '/v2/base/os/manifests/missing', status: 404 },
      ]);
    });
  });

  it('requires htpasswd basic auth when asked to', async () => {
    const registry = await startTestRegistry({
      auth: { username: 'ci', password: 'p4ss word' },
    });
    try {
      const anonymous = await fetch(`${registry.url}/v2/`);
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.get('www-authenticate')).toMatch(/^Basic /);
      const wrong = await fetch(`${registry.url}/v2/`, {
        headers: {
          authorization: `Basic ${Buffer.from('ci:nope').toString('base64')}`,
        },
      });
      expect(wrong.status).toBe(401);
      const right = await fetch(`${registry.url}/v2/`, {
        headers: { authorization: registry.authorization([])! },
      });
      expect(right.status).toBe(200);
      const image = await pushTestImage(registry, { repository: 'private' });
      expect(
        (await fetchTestManifest(registry, 'private', 'latest'))?.digest,
      ).toBe(image.digest);
    } finally {
      await registry.stop();
    }
  });

  it('runs the Bearer token flow when asked to', async () => {
    const registry = await startTestRegistry({
      auth: { type: 'token', username: 'ci', password: 's3cret' },
    });
    try {
      const challenged = await fetch(`${registry.url}/v2/app/manifests/latest`);
      expect(challenged.status).toBe(401);
      const challenge = challenged.headers.get('www-authenticate')!;
      expect(challenge).toContain(`Bearer realm="${registry.auth!.realm}"`);
      expect(challenge).toContain('scope="repository:app:pull"');

      const basic = `Basic ${Buffer.from('ci:s3cret').toString('base64')}`;
      const tokenResponse = await fetch(
        `${registry.auth!.realm}?service=${
          registry.auth!.service
        }&scope=repository:app:pull`,
        { headers: { authorization: basic } },
      );
      const { token } = await tokenResponse.json();
      const authorized = await fetch(
        `${registry.url}/v2/app/manifests/latest`,
        { headers: { authorization: `Bearer ${token}` } },
      );
      expect(authorized.status).toBe(404); // authorized; the tag is absent
      expect(registry.tokenRequests).toEqual([
        {
          scopes: ['repository:app:pull'],
          service: registry.auth!.service,
          username: 'ci',
          status: 200,
        },
      ]);

      const denied = await fetch(
        `${registry.auth!.realm}?scope=repository:app:pull`,
        {
          headers: {
            authorization: `Basic ${Buffer.from('ci:x').toString('base64')}`,
          },
        },
      );
      expect(denied.status).toBe(401);

      const image = await pushTestImage(registry, { repository: 'app' });
      expect((await fetchTestManifest(registry, 'app', 'latest'))?.digest).toBe(
        image.digest,
      );
    } finally {
      await registry.stop();
    }
  });

  it('names the package to install when the binary is missing', async () => {
    await expect(
      startTestRegistry({ binary: '/nonexistent/docker-registry' }),
    ).rejects.toThrow(/apt-get install docker-registry/);
  });

  it('stops the registry process', async () => {
    const registry = await startTestRegistry();
    await registry.stop();
    await expect(fetch(`${registry.url}/v2/`)).rejects.toThrow();
    await registry.stop(); // idempotent
  });
});
