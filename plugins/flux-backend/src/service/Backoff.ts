/**
 * Exponential backoff with "equal jitter": each delay is half the current
 * step plus a random share of the other half, so many reflectors failing
 * together (a cluster going down) do not reconnect in lockstep.
 */
export class Backoff {
  readonly #minMs: number;
  readonly #maxMs: number;
  readonly #random: () => number;
  #attempt = 0;

  constructor(options: {
    minMs: number;
    maxMs: number;
    random?: () => number;
  }) {
    this.#minMs = options.minMs;
    this.#maxMs = options.maxMs;
    this.#random = options.random ?? Math.random;
  }

  /** The delay before the next retry; each call grows it up to the cap. */
  next(): number {
    const step = Math.min(this.#maxMs, this.#minMs * 2 ** this.#attempt);
    this.#attempt = Math.min(this.#attempt + 1, 30);
    return Math.round(step / 2 + (step / 2) * this.#random());
  }

  reset(): void {
    this.#attempt = 0;
  }
}
