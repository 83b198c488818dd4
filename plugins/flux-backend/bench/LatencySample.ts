/** Durations in milliseconds, summarized by nearest-rank percentiles. */
export class LatencySample {
  readonly #values: number[] = [];

  add(ms: number): void {
    this.#values.push(ms);
  }

  get count(): number {
    return this.#values.length;
  }

  percentile(p: number): number {
    if (this.#values.length === 0) return NaN;
    const sorted = [...this.#values].sort((a, b) => a - b);
    const rank = Math.ceil((p / 100) * sorted.length);
    return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
  }

  summary(): { count: number; p50: number; p99: number; max: number } {
    return {
      count: this.count,
      p50: round(this.percentile(50)),
      p99: round(this.percentile(99)),
      max: round(this.percentile(100)),
    };
  }
}

export function round(value: number, digits = 1): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
