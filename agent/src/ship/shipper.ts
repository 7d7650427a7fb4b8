import { Histogram } from "@vigil/observability";
import type { Log } from "../log";
import { networkError, type ServerClient } from "./server-client";
import type { Spool, SpoolBatch } from "./spool";

export type ShipperStats = {
  shipped: number;
  rejected: number;
  /** batches the server stored */
  batches: number;
  /** attempts that did not store a batch: unreachable, refused, busy, or too large (retried smaller) */
  failedBatches: number;
  lastError: string | null;
};

const MAX_BACKOFF_MS = 30_000;
/** From the spool's flush (0.2 s) through a busy server's backoff (up to 30 s) to a server that was away for hours. */
const LATENCY_SECONDS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 14_400];

/**
 * Sends the spool's oldest events to the server, one batch at a time, and deletes them once stored. Down,
 * overloaded or refusing servers are retried with exponential backoff (and Retry-After); nothing leaves the
 * spool before the server has it.
 */
export class Shipper {
  readonly stats: ShipperStats = { shipped: 0, rejected: 0, batches: 0, failedBatches: 0, lastError: null };
  /** Seconds from an event's spooling to the server's answer that it is stored. */
  readonly latency = new Histogram(LATENCY_SECONDS);
  private maxEvents = 5000;
  private backoffMs = 0;
  private stopped = false;
  private wake: (() => void) | null = null;
  private idle = false;

  constructor(
    private readonly spool: Spool,
    private readonly client: ServerClient,
    private readonly log: Log,
  ) {}

  /** New events are in the spool: ship now if idle (a backoff is not cut short). */
  poke(): void {
    if (this.idle) this.wake?.();
  }

  stop(): void {
    this.stopped = true;
    this.wake?.();
  }

  async run(): Promise<void> {
    while (!this.stopped) {
      const batch = this.spool.peek(this.maxEvents, 4 * 1024 * 1024);
      if (!batch) {
        await this.sleep(1000, true);
        continue;
      }
      const wait = await this.send(batch);
      if (wait > 0) await this.sleep(wait, false);
    }
  }

  /** Ships one batch; returns how long to wait before the next attempt (0: go on). */
  private async send(batch: SpoolBatch): Promise<number> {
    const body = `{"stream":"${this.spool.stream}","firstSeq":${batch.firstSeq},"events":[${batch.events.join(",")}]}`;
    let answer: Awaited<ReturnType<ServerClient["post"]>>;
    try {
      answer = await this.client.post("/api/agent/v1/events", body, { compress: true, idempotent: true });
    } catch (error) {
      return this.failed(`cannot reach the server: ${networkError(error)}`);
    }
    const { status, body: reply } = answer;
    if (status === 200) {
      const rejected = (reply.rejected as { index: number; reason: string }[] | undefined) ?? [];
      for (const r of rejected.slice(0, 5))
        this.log.warn(`the server refused event ${batch.firstSeq + r.index}: ${r.reason}`);
      this.stats.shipped += Number(reply.accepted ?? 0);
      this.stats.rejected += rejected.length;
      this.stats.batches += 1;
      for (const { ageMs, events } of this.spool.ack(batch)) this.latency.observe(ageMs / 1000, events);
      this.backoffMs = 0;
      this.stats.lastError = null;
      this.maxEvents = Math.min(5000, this.maxEvents * 2);
      return 0;
    }
    if (status === 413 || (status === 400 && batch.events.length > 1)) {
      this.maxEvents = Math.max(1, Math.floor(batch.events.length / 2));
      this.stats.failedBatches += 1;
      this.log.warn(
        `the server refused a batch of ${batch.events.length} (${status}: ${reply.error}); trying ${this.maxEvents}`,
      );
      return 0;
    }
    if (status === 400) {
      this.log.warn(`the server refused event ${batch.firstSeq} (${reply.error}); dropping it`);
      this.stats.rejected += 1;
      this.stats.failedBatches += 1;
      this.spool.ack(batch);
      return 0;
    }
    if (status === 401 || status === 403) {
      return this.failed(
        `the server refused this agent's credential (${reply.error}); events stay spooled`,
        MAX_BACKOFF_MS,
      );
    }
    return this.failed(
      `the server answered ${status}: ${reply.error ?? ""}`,
      (answer.retryAfterS ?? 0) * 1000,
    );
  }

  private failed(reason: string, atLeastMs = 0): number {
    this.stats.failedBatches += 1;
    if (reason !== this.stats.lastError) this.log.warn(`${reason}; retrying`);
    this.stats.lastError = reason;
    this.backoffMs = Math.min(MAX_BACKOFF_MS, Math.max(500, this.backoffMs * 2));
    return Math.max(atLeastMs, this.backoffMs * (0.5 + Math.random() / 2));
  }

  private sleep(ms: number, idle: boolean): Promise<void> {
    this.idle = idle;
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = null;
        this.idle = false;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }
}
