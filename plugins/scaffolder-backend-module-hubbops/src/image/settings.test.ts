import { ConfigReader } from '@backstage/config';
import {
  createRedactor,
  readImageBuildSettings,
  RegistryDirectory,
} from './settings';

const read = (imageBuild: object) =>
  readImageBuildSettings(new ConfigReader({ hubbops: { imageBuild } }));

describe('readImageBuildSettings', () => {
  it('has defaults', () => {
    expect(readImageBuildSettings(new ConfigReader({}))).toEqual({
      builder: 'auto',
      registries: [],
      buildah: {
        path: 'buildah',
        storageDriver: 'vfs',
        isolation: 'chroot',
        root: undefined,
        runroot: undefined,
      },
      docker: { path: 'docker' },
    });
  });

  it('reads registries, normalizing Docker Hub', () => {
    const settings = read({
      builder: 'buildah',
      registries: [
        {
          host: 'https://index.docker.io/',
          username: 'me',
          password: 'pw-1234',
        },
        { host: 'ghcr.io', token: 'ghp_token' },
        { host: 'registry.local:5000', insecure: true },
      ],
    });
    expect(settings.builder).toBe('buildah');
    const registries = new RegistryDirectory(settings.registries);
    expect(registries.credentialsFor('docker.io')).toEqual({
      username: 'me',
      password: 'pw-1234',
    });
    expect(registries.credentialsFor('ghcr.io')).toEqual({
      token: 'ghp_token',
    });
    expect(registries.credentialsFor('quay.io')).toBeUndefined();
    expect(registries.isInsecure('registry.local:5000')).toBe(true);
    expect(registries.isInsecure('127.0.0.1:5000')).toBe(true);
    expect(registries.isInsecure('ghcr.io')).toBe(false);
    expect(registries.secrets()).toEqual([
      'pw-1234',
      Buffer.from('me:pw-1234').toString('base64'),
      'ghp_token',
    ]);
  });

  it.each([
    [{ builder: 'kaniko' }, /builder "kaniko" must be one of/],
    [
      { registries: [{ host: 'a.io', username: 'u' }] },
      /needs both username and password/,
    ],
    [
      { registries: [{ host: 'a.io', token: 't0k3n', password: 'p4ss' }] },
      /sets token and username\/password/,
    ],
    [{ registries: [{ host: 'a.io' }, { host: 'a.io' }] }, /listed twice/],
  ])('rejects %j', (imageBuild, message) => {
    let error: unknown;
    try {
      read(imageBuild);
    } catch (e) {
      error = e;
    }
    expect(String(error)).toMatch(message);
    expect(String(error)).not.toMatch(/t0k3n|p4ss/);
  });
});

describe('createRedactor', () => {
  it('replaces secrets, longest first', () => {
    const redact = createRedactor(['secret', 'secret-longer', 'ab']);
    expect(redact('a secret-longer secret ab')).toBe(
      'a [REDACTED] [REDACTED] ab',
    );
  });
});
