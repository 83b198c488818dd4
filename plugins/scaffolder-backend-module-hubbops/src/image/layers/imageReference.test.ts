import { InputError } from '@backstage/errors';
import {
  formatImageReference,
  isLoopbackRegistry,
  parseImageReference,
  registryApiHost,
} from './imageReference';

const digest = `sha256:${'ab'.repeat(32)}`;

describe('parseImageReference', () => {
  it.each([
    [
      '127.0.0.1:5000/base/node:22',
      { registry: '127.0.0.1:5000', repository: 'base/node', tag: '22' },
    ],
    [
      `ghcr.io/acme/app@${digest}`,
      { registry: 'ghcr.io', repository: 'acme/app', digest },
    ],
    [
      `localhost/app:1.0@${digest}`,
      { registry: 'localhost', repository: 'app', tag: '1.0', digest },
    ],
    [
      'node:22',
      { registry: 'docker.io', repository: 'library/node', tag: '22' },
    ],
    ['bitnami/redis', { registry: 'docker.io', repository: 'bitnami/redis' }],
    [
      'index.docker.io/library/alpine:3',
      { registry: 'docker.io', repository: 'library/alpine', tag: '3' },
    ],
    [
      'registry.example.com:8443/a/b/c:v1.2.3-rc_1',
      {
        registry: 'registry.example.com:8443',
        repository: 'a/b/c',
        tag: 'v1.2.3-rc_1',
      },
    ],
  ])('parses %s', (reference, expected) => {
    expect(parseImageReference(reference)).toEqual({
      tag: undefined,
      digest: undefined,
      ...expected,
    });
  });

  it.each([
    '',
    ' node',
    'Registry.example.com',
    'ghcr.io/Acme/app',
    'ghcr.io/acme/app:',
    'ghcr.io/acme/app@sha256:1234',
    'ghcr.io/acme//app',
    'ghcr.io/acme/app:bad tag',
  ])('rejects %p with an InputError naming it', reference => {
    expect(() => parseImageReference(reference, 'base image')).toThrow(
      InputError,
    );
    expect(() => parseImageReference(reference, 'base image')).toThrow(
      `base image "${reference}" is not a valid image reference`,
    );
  });

  it('formats references back', () => {
    expect(
      formatImageReference(parseImageReference(`ghcr.io/a/b:1@${digest}`)),
    ).toBe(`ghcr.io/a/b:1@${digest}`);
    expect(formatImageReference(parseImageReference('node'))).toBe(
      'docker.io/library/node',
    );
  });

  it('knows the Docker Hub API host and loopback registries', () => {
    expect(registryApiHost('docker.io')).toBe('registry-1.docker.io');
    expect(registryApiHost('ghcr.io')).toBe('ghcr.io');
    expect(isLoopbackRegistry('127.0.0.1:5000')).toBe(true);
    expect(isLoopbackRegistry('localhost')).toBe(true);
    expect(isLoopbackRegistry('[::1]:5000')).toBe(true);
    expect(isLoopbackRegistry('registry.local:5000')).toBe(false);
  });
});
