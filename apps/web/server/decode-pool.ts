import type { Worker } from "node:worker_threads";
import { type DecodedBatch, retryLater } from "@vigil/api";
import { type BatchDecoder, decodeBody, fromRefusal, type Refusal } from "../src/server/batch-decoder";
import { log } from "../src/server/log";
import type { DecodeRequest } from "./decode-worker";
import { startThread } from "./threads";

type Reply = { id: number; batch?: DecodedBatch; refusal?: Refusal; failure?: string };
type Pending = { resolve: (batch: DecodedBatch) => void; reject: (error: Error) => void };
type Slot = { worker: Worker; pending: Map<number, Pending>; answered: boolean };

/**
 * Decodes event batches (gunzip, JSON, validation, row values: most of a batch's CPU) on `threads` worker threads,
 * so that the main thread only answers requests and writes to SQLite, and several batches decode at once.
 */
export class DecodePool {
  private readonly workers: Slot[] = [];
  private nextId = 0;
  private closed = false;

  constructor(threads: number) {
    for (let i = 0; i < threads; i++) this.workers.push(this.spawn());
  }

  readonly decode: BatchDecoder = async (raw, encoding, machineId) => {
    // The thread with the fewest batches in hand takes the next one; while none runs, this thread decodes.
    const slot = this.workers.reduce<Slot | null>(
      (a, b) => (a && a.pending.size <= b.pending.size ? a : b),
      null,
    );
    if (!slot) return decodeBody(raw, encoding, machineId);
    const id = this.nextId++;
    return new Promise<DecodedBatch>((resolve, reject) => {
      slot.pending.set(id, { resolve, reject });
      slot.worker.postMessage({ id, raw, encoding, machineId } satisfies DecodeRequest);
    });
  };

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.workers.map(({ worker }) => worker.terminate()));
  }

  private spawn(): Slot {
    const worker = startThread("decode-worker.ts");
    const slot: Slot = { worker, pending: new Map(), answered: false };
    worker.on("message", ({ id, batch, refusal, failure }: Reply) => {
      slot.answered = true;
      const pending = slot.pending.get(id);
      slot.pending.delete(id);
      if (batch) pending?.resolve(batch);
      else if (refusal) pending?.reject(fromRefusal(refusal));
      else pending?.reject(new Error(`decoding a batch failed: ${failure}`));
    });
    worker.on("error", (error) => log.error({ err: error }, "a batch-decoding thread failed"));
    worker.on("exit", (code) => {
      for (const pending of slot.pending.values())
        pending.reject(retryLater(`the thread decoding this batch stopped (exit code ${code}): retry later`));
      slot.pending.clear();
      this.workers.splice(this.workers.indexOf(slot), 1);
      if (this.closed) return;
      // Batches it held are answered with an error (the agents retry them) and a new thread takes its place: at
      // once after a crash, a second later for a thread that never started (not a loop of failing starts).
      setTimeout(() => this.closed || this.workers.push(this.spawn()), slot.answered ? 0 : 1000).unref();
    });
    return slot;
  }
}
