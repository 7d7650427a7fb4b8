import { monitorEventLoopDelay } from "node:perf_hooks";

/**
 * Whether the server is behind: the event loop late by more than `thresholdMs` on average over the last second
 * (a single long checkpoint or collection does not count). `mean` reads the delay monitor in nanoseconds.
 */
export class Overload {
  overloaded = false;

  constructor(
    private readonly thresholdMs: number,
    private readonly delay: { mean: number; reset(): void } = startMonitor(),
  ) {}

  /** Called once a second. */
  check(): boolean {
    this.overloaded = this.delay.mean / 1e6 > this.thresholdMs;
    this.delay.reset();
    return this.overloaded;
  }
}

function startMonitor() {
  const histogram = monitorEventLoopDelay({ resolution: 20 });
  histogram.enable();
  return histogram;
}
