import { InputError } from '@backstage/errors';
import { buildImageConfig, validateImageConfigChanges } from './imageConfig';

const base = {
  architecture: 'amd64',
  os: 'linux',
  created: '2024-01-01T00:00:00Z',
  config: {
    Env: ['PATH=/usr/bin', 'LANG=C'],
    Entrypoint: ['/docker-entrypoint.sh'],
    Cmd: ['node'],
    ExposedPorts: { '3000/tcp': {} },
  },
  rootfs: { type: 'layers', diff_ids: ['sha256:aa'] },
  history: [{ created_by: 'base' }],
};
const layer = {
  diffId: 'sha256:bb',
  created: '1970-01-01T00:00:00Z',
  createdBy: 'hubbops layers: COPY / /app',
};

describe('buildImageConfig', () => {
  it('appends the diff_id and a history entry, and keeps the rest', () => {
    const config = buildImageConfig(base, {}, layer);
    expect(config.rootfs.diff_ids).toEqual(['sha256:aa', 'sha256:bb']);
    expect(config.history).toEqual([
      { created_by: 'base' },
      { created: layer.created, created_by: layer.createdBy },
    ]);
    expect(config.created).toBe(layer.created);
    expect(config.config).toEqual(base.config);
    expect(base.rootfs.diff_ids).toEqual(['sha256:aa']); // not mutated
  });

  it('adds no history to a base image without any', () => {
    const { history, ...noHistory } = base;
    expect(buildImageConfig(noHistory, {}, layer).history).toBeUndefined();
  });

  it('replaces env values in place and appends new ones', () => {
    const config = buildImageConfig(
      base,
      { env: { LANG: 'C.UTF-8', NODE_ENV: 'production' } },
      layer,
    );
    expect(config.config.Env).toEqual([
      'PATH=/usr/bin',
      'LANG=C.UTF-8',
      'NODE_ENV=production',
    ]);
  });

  it('clears the base Cmd when only the entrypoint is set, like ENTRYPOINT', () => {
    expect(
      buildImageConfig(base, { entrypoint: ['/app/run'] }, layer).config,
    ).toMatchObject({ Entrypoint: ['/app/run'] });
    expect(
      buildImageConfig(base, { entrypoint: ['/app/run'] }, layer).config.Cmd,
    ).toBeUndefined();
    expect(
      buildImageConfig(base, { entrypoint: ['/app/run'], cmd: ['x'] }, layer)
        .config,
    ).toMatchObject({ Entrypoint: ['/app/run'], Cmd: ['x'] });
    expect(buildImageConfig(base, { cmd: ['x'] }, layer).config).toMatchObject({
      Entrypoint: ['/docker-entrypoint.sh'],
      Cmd: ['x'],
    });
  });

  it('adds ports (tcp by default), labels, user and workdir', () => {
    expect(
      buildImageConfig(
        base,
        {
          exposedPorts: [8080, '53/udp'],
          labels: { a: 'b' },
          user: 'node',
          workingDir: '/app',
        },
        layer,
      ).config,
    ).toMatchObject({
      ExposedPorts: { '3000/tcp': {}, '8080/tcp': {}, '53/udp': {} },
      Labels: { a: 'b' },
      User: 'node',
      WorkingDir: '/app',
    });
  });
});

describe('validateImageConfigChanges', () => {
  it('accepts valid changes', () => {
    expect(
      validateImageConfigChanges({ exposedPorts: [8080, '9090/tcp'] }),
    ).toEqual({ exposedPorts: ['8080', '9090/tcp'] });
    expect(validateImageConfigChanges(undefined)).toEqual({});
  });

  it.each([
    [{ exposedPorts: [70000] }, 'exposedPorts.0'],
    [{ workingDir: 'app' }, 'workingDir'],
    [{ env: { 'BAD NAME': 'x' } }, 'env'],
    [{ cmd: 'node index.js' }, 'cmd'],
    [{ entrypont: ['typo'] }, 'entrypont'],
  ])('rejects %j naming %s', (changes, field) => {
    expect(() => validateImageConfigChanges(changes)).toThrow(InputError);
    expect(() => validateImageConfigChanges(changes)).toThrow(field);
  });
});
