import type { AuthenticatedAgent, Heartbeat, IngestResult } from "@vigil/api";
import type { Store } from "@vigil/db";
import type { IncomingBatch } from "../src/server/batch-decoder";
import type { Writer } from "../src/server/writing";
import { ServerThread, type ThreadReply } from "./threads";

export type WriteRequest =
  | { events: { agent: AuthenticatedAgent; batch: IncomingBatch }; heartbeat?: undefined }
  | { events?: undefined; heartbeat: { agent: AuthenticatedAgent; beat: Heartbeat } };
/** What the thread answers: the write's result, and how many events the store holds then. */
export type Written<T> = { result: T; stored: number };

/**
 * The writer (writing.ts) on a thread of its own (write-worker.ts), with its own connection: the main thread only
 * hands it decoded batches and heartbeats. If the thread dies, what it held was not committed: those requests are
 * answered "retry later" (agents keep their events spooled) and a new thread takes over.
 */
export class WriteThread implements Writer {
  private readonly thread: ServerThread;
  private stored: number | null = null;

  constructor(private readonly store: Store) {
    // The thread counts the events once it has started, and says so before any write.
    const counted = ({ value }: ThreadReply) => {
      this.stored = (value as { stored: number }).stored;
    };
    this.thread = new ServerThread("write-worker.ts", "storing this request", counted);
  }

  writeEvents(agent: AuthenticatedAgent, batch: IncomingBatch): Promise<IngestResult> {
    // what a batch holds in bytes moves to the writer's thread without a copy
    const bytes =
      "packed" in batch
        ? [batch.packed.buffer]
        : "rows" in batch
          ? [batch.rows.numbers.buffer, batch.rows.bigints.buffer]
          : [];
    return this.write({ events: { agent, batch } }, bytes);
  }

  recordHeartbeat(agent: AuthenticatedAgent, beat: Heartbeat): Promise<void> {
    return this.write({ heartbeat: { agent, beat } });
  }

  storedEvents(): number {
    // until the thread has counted: counted here, once
    this.stored ??= this.store.sqlite.prepare("SELECT count(*) FROM events").pluck().get() as number;
    return this.stored;
  }

  close(): Promise<void> {
    return this.thread.close();
  }

  private async write<T>(request: WriteRequest, transfer: ArrayBufferLike[] = []): Promise<T> {
    const { result, stored } = await this.thread.request<Written<T>>(request, transfer);
    this.stored = stored;
    return result;
  }
}
