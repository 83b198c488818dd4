import { errorMessage, formatAge, formatRef, shortRevision } from './format';

describe('formatAge', () => {
  const now = Date.parse('2025-01-10T12:00:00Z');

  it('says how long ago, in the largest whole unit', () => {
    expect(formatAge('2025-01-10T11:59:58Z', now)).toBe('2s ago');
    expect(formatAge('2025-01-10T11:55:00Z', now)).toBe('5m ago');
    expect(formatAge('2025-01-10T09:00:00Z', now)).toBe('3h ago');
    expect(formatAge('2025-01-08T12:00:00Z', now)).toBe('2d ago');
    expect(formatAge('2025-01-10T12:00:00Z', now)).toBe('just now');
    expect(formatAge(undefined, now)).toBe('');
    expect(formatAge('not a date', now)).toBe('');
  });
});

describe('formatRef', () => {
  it('defaults the namespace to the referring object', () => {
    expect(formatRef({ kind: 'GitRepository', name: 'repo' }, 'apps')).toBe(
      'GitRepository/apps/repo',
    );
    expect(formatRef({ name: 'infra', namespace: 'flux' }, 'apps')).toBe(
      'flux/infra',
    );
  });
});

describe('errorMessage', () => {
  it("prefers the backend's own message", () => {
    const error = Object.assign(new Error('Request failed with 403'), {
      cause: { message: 'You are not allowed' },
    });
    expect(errorMessage(error)).toBe('You are not allowed');
    expect(errorMessage(new Error('plain'))).toBe('plain');
  });
});

describe('shortRevision', () => {
  it('keeps 12 digits of a digest and the branch before it', () => {
    expect(
      shortRevision('main@sha1:33fa3b7b95f926754c2abc204766699a54c1a618'),
    ).toBe('main@sha1:33fa3b7b95f9');
    expect(shortRevision(`sha256:${'ab'.repeat(32)}`)).toBe(
      'sha256:abababababab',
    );
  });

  it('keeps other revisions whole', () => {
    expect(shortRevision('19.6.4')).toBe('19.6.4');
    expect(shortRevision(undefined)).toBe('');
  });
});
