import { monitorEventLoopDelay } from "node:perf_hooks";

/**
 * Whether the server is behind: the event loop late by more than `thresholdMs` on average over each of the last
 * two seconds (one long checkpoint, collection or batch does not count). `mean` reads the delay in nanoseconds.
 */
export class Overload {
  overloaded = false;
  private lateSeconds = 0;

  constructor(
    private readonly thresholdMs: number,
    private readonly delay: { mean: number; reset(): void } = startMonitor(),
  ) {}

  /** Called once a second. */
  check(): boolean {
    this.lateSeconds = this.delay.mean / 1e6 > this.thresholdMs ? this.lateSeconds + 1 : 0;
    this.overloaded = this.lateSeconds >= 2;
    this.delay.reset();
    return this.overloaded;
  }
}

function startMonitor() {
  const histogram = monitorEventLoopDelay({ resolution: 20 });
  histogram.enable();
  return histogram;
}
