import { reconcileToken } from './reconcileToken';

describe('reconcileToken', () => {
  it('writes an RFC 3339 timestamp with nanoseconds', () => {
    expect(reconcileToken(new Date('2026-01-02T03:04:05.678Z'))).toMatch(
      /^2026-01-02T03:04:05\.678\d{6}Z$/,
    );
  });

  it('never repeats within the same millisecond', () => {
    const at = new Date('2026-01-02T03:04:05.999Z');
    const tokens = new Set([1, 2, 3].map(() => reconcileToken(at)));
    expect(tokens.size).toBe(3);
  });
});
