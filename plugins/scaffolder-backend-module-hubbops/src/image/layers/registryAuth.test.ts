import { mergeScopes, parseAuthChallenge } from './registryAuth';

describe('parseAuthChallenge', () => {
  it('parses a Bearer challenge with quoted, comma-holding values', () => {
    expect(
      parseAuthChallenge(
        'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/node:pull,push"',
      ),
    ).toEqual({
      scheme: 'bearer',
      params: {
        realm: 'https://auth.docker.io/token',
        service: 'registry.docker.io',
        scope: 'repository:library/node:pull,push',
      },
    });
  });

  it('parses Basic, spaces after commas, unquoted values and errors', () => {
    expect(parseAuthChallenge('Basic realm="Registry Realm"')).toEqual({
      scheme: 'basic',
      params: { realm: 'Registry Realm' },
    });
    expect(
      parseAuthChallenge(
        'bearer realm="https://ghcr.io/token", service=ghcr.io, error="insufficient_scope"',
      ),
    ).toEqual({
      scheme: 'bearer',
      params: {
        realm: 'https://ghcr.io/token',
        service: 'ghcr.io',
        error: 'insufficient_scope',
      },
    });
    expect(parseAuthChallenge(undefined)).toBeUndefined();
    expect(parseAuthChallenge('')).toBeUndefined();
  });
});

describe('mergeScopes', () => {
  it('merges actions per resource, including space-separated scopes', () => {
    expect(
      mergeScopes([
        'repository:team/app:push',
        'repository:base/os:pull repository:team/app:pull',
        'repository:team/app:pull',
      ]),
    ).toEqual(['repository:base/os:pull', 'repository:team/app:pull,push']);
  });
});
