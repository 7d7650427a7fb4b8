import { type EventLoopUtilization, performance } from "node:perf_hooks";

/**
 * Whether the server can take another batch: not when its event loop had no idle moment in the last window (then
 * batches are queueing, to time out and come back), nor when too many requests are reading their bodies. The agent
 * API answers "retry later" instead, and agents keep the events spooled. One agent catching up leaves the loop idle
 * while it compresses and sends its next batch, and is served.
 */
export class ServerLoad {
  private mark: EventLoopUtilization = performance.eventLoopUtilization();
  private markedAt = performance.now();
  private utilization = 0;
  private reading = 0;

  constructor(
    private readonly windowMs = 1000,
    private readonly maxUtilization = 0.97,
    private readonly maxReading = 32,
  ) {}

  overloaded(): boolean {
    const now = performance.now();
    if (now - this.markedAt >= this.windowMs) {
      // A window with no request at all reads as idle: the last busy figure must not outlive it.
      this.utilization =
        now - this.markedAt < 2 * this.windowMs ? performance.eventLoopUtilization(this.mark).utilization : 0;
      this.mark = performance.eventLoopUtilization();
      this.markedAt = now;
    }
    return this.reading >= this.maxReading || this.utilization > this.maxUtilization;
  }

  /** Reads a request's body, counted while it arrives. */
  async read<B>(read: () => Promise<B>): Promise<B> {
    this.reading++;
    try {
      return await read();
    } finally {
      this.reading--;
    }
  }
}
