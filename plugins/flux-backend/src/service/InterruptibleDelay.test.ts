import { InterruptibleDelay } from './InterruptibleDelay';

describe('InterruptibleDelay', () => {
  it('waits the given time unless interrupted', async () => {
    const delay = new InterruptibleDelay();
    const started = Date.now();
    await delay.wait(50);
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
  });

  it('ends the wait at once when interrupted', async () => {
    const delay = new InterruptibleDelay();
    const started = Date.now();
    const waiting = delay.wait(10_000);
    delay.interrupt();
    await waiting;
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
