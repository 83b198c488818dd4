import { InputError } from '@backstage/errors';
import {
  baseImagesOf,
  parseContainerfile,
  plainIgnorePaths,
  planLayersBuild,
  splitWords,
} from './containerfile';

const plan = (text: string) => planLayersBuild(parseContainerfile(text));

describe('parseContainerfile', () => {
  it('joins continuations and drops comments', () => {
    const parsed = parseContainerfile(
      [
        '# syntax=docker/dockerfile:1',
        'ARG BASE=node',
        'FROM $BASE AS build',
        'RUN npm ci \\',
        '  # a comment inside',
        '  && npm test',
        '',
        'from build',
      ].join('\n'),
    );
    expect(parsed.instructions).toEqual([
      { keyword: 'ARG', args: 'BASE=node', line: 2 },
      { keyword: 'FROM', args: '$BASE AS build', line: 3 },
      { keyword: 'RUN', args: 'npm ci && npm test', line: 4 },
      { keyword: 'FROM', args: 'build', line: 8 },
    ]);
    expect(baseImagesOf(parsed)).toEqual(['$BASE']);
  });

  it('skips heredoc bodies', () => {
    const parsed = parseContainerfile(
      'FROM node\nRUN <<EOF\nnpm ci\nEOF\nCOPY <<-"END" /app/x\n\thello\n\tEND\nCMD ["x"]\n',
    );
    expect(parsed.heredoc).toBe(true);
    expect(parsed.instructions.map(i => i.keyword)).toEqual([
      'FROM',
      'RUN',
      'COPY',
      'CMD',
    ]);
  });

  it.each([
    ['COPY . /app\n', /has no FROM/],
    ['ENV A=1\nFROM node\n', /line 1: ENV comes before the first FROM/],
    ['FROM node\nFETCH x\n', /line 2: unknown instruction "FETCH"/],
  ])('rejects %j', (text, message) => {
    expect(() => parseContainerfile(text)).toThrow(InputError);
    expect(() => parseContainerfile(text)).toThrow(message);
  });
});

describe('planLayersBuild', () => {
  it('translates the instructions the layers builder handles', () => {
    expect(
      plan(
        [
          'FROM ghcr.io/acme/node:22 AS runtime',
          'WORKDIR /srv',
          'ENV NODE_ENV=production GREETING="hello world"',
          'ENV LEGACY value with spaces',
          'LABEL org.opencontainers.image.title=web',
          'EXPOSE 8080 9090/udp',
          'USER 1000:1000',
          'COPY --chown=1000:1000 dist .',
          'ENTRYPOINT ["node"]',
          'CMD server.js --port 8080',
        ].join('\n'),
      ),
    ).toEqual({
      compatible: true,
      plan: {
        baseImage: 'ghcr.io/acme/node:22',
        copySource: 'dist',
        destination: '/srv',
        owner: { uid: 1000, gid: 1000 },
        config: {
          workingDir: '/srv',
          env: {
            NODE_ENV: 'production',
            GREETING: 'hello world',
            LEGACY: 'value with spaces',
          },
          labels: { 'org.opencontainers.image.title': 'web' },
          exposedPorts: ['8080', '9090/udp'],
          user: '1000:1000',
          entrypoint: ['node'],
          cmd: ['/bin/sh', '-c', 'server.js --port 8080'],
        },
      },
    });
  });

  it.each([
    ['FROM node\nRUN npm ci\nCOPY . /app', /has RUN \(line 2\)/],
    ['FROM node\nADD . /app', /has ADD/],
    ['ARG V=1\nFROM node:$V\nCOPY . /app', /has ARG/],
    ['FROM node AS a\nFROM a\nCOPY . /app', /more than one FROM/],
    ['FROM scratch\nCOPY . /app', /scratch/],
    ['FROM --platform=linux/arm64 node\nCOPY . /app', /has flags/],
    ['FROM node\nCOPY a /a\nCOPY b /b', /more than one COPY/],
    ['FROM node\nCOPY a b /app/', /exactly one source/],
    ['FROM node\nCOPY --from=build /x /app', /--from/],
    ['FROM node\nCOPY --chown=node . /app', /--chown/],
    ['FROM node\nCOPY *.js /app', /wildcard/],
    ['FROM node\nCOPY ../x /app', /outside the build context/],
    ['FROM node\nENV PATH=/app/bin:$PATH\nCOPY . /app', /refers to a variable/],
    ['FROM node\nCMD ["node"]', /has no COPY/],
    ['# escape=`\nFROM node\nCOPY . /app', /escape/],
    ['FROM node\nCOPY <<EOF /app/x\nhi\nEOF', /heredoc/],
  ])('refuses %j', (text, reason) => {
    const result = plan(text);
    expect(result.compatible).toBe(false);
    expect(!result.compatible && result.reason).toMatch(reason);
  });
});

describe('splitWords', () => {
  it('honours quotes and escapes', () => {
    expect(splitWords(`a "b c" 'd e' f\\ g ""`)).toEqual([
      'a',
      'b c',
      'd e',
      'f g',
      '',
    ]);
  });
});

describe('plainIgnorePaths', () => {
  it('maps plain paths into the COPY source', () => {
    expect(
      plainIgnorePaths('# comment\nnode_modules\n/.git/\ndist/tmp\n', '.', 'x'),
    ).toEqual({ paths: ['node_modules', '.git', 'dist/tmp'] });
    expect(plainIgnorePaths('node_modules\ndist/tmp\n', 'dist', 'x')).toEqual({
      paths: ['tmp'],
    });
  });

  it('gives up on patterns', () => {
    expect(plainIgnorePaths('*.md\n', '.', '.dockerignore')).toEqual({
      reason: expect.stringContaining('.dockerignore has the pattern "*.md"'),
    });
    expect(plainIgnorePaths('!keep\n', '.', 'x')).toHaveProperty('reason');
  });
});
