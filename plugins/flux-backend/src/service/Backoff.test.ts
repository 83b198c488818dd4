import { Backoff } from './Backoff';

describe('Backoff', () => {
  it('doubles the delay on each failure up to the cap', () => {
    const backoff = new Backoff({ minMs: 100, maxMs: 1000, random: () => 1 });
    expect([1, 2, 3, 4, 5, 6].map(() => backoff.next())).toEqual([
      100, 200, 400, 800, 1000, 1000,
    ]);
  });

  it('jitters each delay within the upper half of its step', () => {
    const low = new Backoff({ minMs: 100, maxMs: 1000, random: () => 0 });
    expect([low.next(), low.next()]).toEqual([50, 100]);
  });

  it('starts over after a reset', () => {
    const backoff = new Backoff({ minMs: 100, maxMs: 1000, random: () => 1 });
    backoff.next();
    backoff.next();
    backoff.reset();
    expect(backoff.next()).toBe(100);
  });
});
