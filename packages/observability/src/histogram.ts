/** Observations counted in buckets by upper bound (Prometheus' `le`), with their sum and count. */
export class Histogram {
  readonly counts: number[];
  sum = 0;
  count = 0;

  constructor(readonly bounds: readonly number[]) {
    if (bounds.some((bound, i) => i > 0 && bound <= (bounds[i - 1] as number))) {
      throw new Error("histogram bounds must increase");
    }
    this.counts = bounds.map(() => 0);
  }

  /** `times` observations of `value` (a batch of events that all waited as long). */
  observe(value: number, times = 1): void {
    const bucket = this.bounds.findIndex((bound) => value <= bound);
    if (bucket >= 0) this.counts[bucket] = (this.counts[bucket] ?? 0) + times;
    this.sum += value * times;
    this.count += times;
  }
}
