import type { Worker } from "node:worker_threads";
import {
  type AuthenticatedAgent,
  type DecodedBatch,
  type Heartbeat,
  type IngestResult,
  retryLater,
} from "@vigil/api";
import type { Store } from "@vigil/db";
import { fromRefusal, type Refusal } from "../src/server/batch-decoder";
import { log } from "../src/server/log";
import type { Writer } from "../src/server/writing";
import { startThread } from "./threads";

export type WriteRequest =
  | { id: number; events: { agent: AuthenticatedAgent; batch: DecodedBatch }; heartbeat?: undefined }
  | { id: number; events?: undefined; heartbeat: { agent: AuthenticatedAgent; beat: Heartbeat } };
export type WriteReply = {
  id?: number;
  value?: unknown;
  refusal?: Refusal;
  failure?: { message: string; code?: string };
  /** how many events the store holds, once the thread has counted them */
  stored?: number;
};
type Pending = { resolve: (value: unknown) => void; reject: (error: Error) => void };

/**
 * The writer (writing.ts) on a thread of its own (write-worker.ts), with its own connection: the main thread only
 * hands it decoded batches and heartbeats. If the thread dies, what it held was not committed: those requests are
 * answered "retry later" (agents keep their events spooled) and a new thread takes over.
 */
export class WriteThread implements Writer {
  private worker: Worker | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private stored: number | null = null;
  private closed = false;

  constructor(private readonly store: Store) {
    this.spawn();
  }

  writeEvents(agent: AuthenticatedAgent, batch: DecodedBatch): Promise<IngestResult> {
    const { numbers, bigints } = batch.rows;
    return this.send({ id: this.nextId++, events: { agent, batch } }, [numbers.buffer, bigints.buffer]);
  }

  async recordHeartbeat(agent: AuthenticatedAgent, beat: Heartbeat): Promise<void> {
    await this.send({ id: this.nextId++, heartbeat: { agent, beat } });
  }

  storedEvents(): number {
    // until the thread has counted: counted here, once
    this.stored ??= this.store.sqlite.prepare("SELECT count(*) FROM events").pluck().get() as number;
    return this.stored;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.worker?.terminate();
  }

  private send<T>(request: WriteRequest, transfer: ArrayBufferLike[] = []): Promise<T> {
    const worker = this.worker;
    if (!worker) return Promise.reject(retryLater("the writing thread is restarting: retry later"));
    return new Promise<T>((resolve, reject) => {
      this.pending.set(request.id, { resolve: resolve as (value: unknown) => void, reject });
      worker.postMessage(request, transfer as ArrayBuffer[]);
    });
  }

  private spawn(): void {
    const worker = startThread("write-worker.ts");
    let answered = false;
    this.worker = worker;
    worker.on("message", ({ id, value, refusal, failure, stored }: WriteReply) => {
      answered = true;
      if (stored !== undefined) this.stored = stored;
      if (id === undefined) return;
      const pending = this.pending.get(id);
      this.pending.delete(id);
      if (refusal) pending?.reject(fromRefusal(refusal));
      else if (failure) pending?.reject(Object.assign(new Error(failure.message), { code: failure.code }));
      else pending?.resolve(value);
    });
    worker.on("error", (error) => log.error({ err: error }, "the writing thread failed"));
    worker.on("exit", (code) => {
      this.worker = null;
      for (const pending of this.pending.values())
        pending.reject(
          retryLater(`the thread storing this request stopped (exit code ${code}): retry later`),
        );
      this.pending.clear();
      // At once after a crash, a second later for a thread that never started (not a loop of failing starts).
      if (!this.closed) setTimeout(() => this.closed || this.spawn(), answered ? 0 : 1000).unref();
    });
  }
}
