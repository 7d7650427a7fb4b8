import { type BatchDecoder, decodeBody, type PackedBatch } from "../src/server/batch-decoder";
import type { DecodeRequest } from "./decode-worker";
import { ServerThread } from "./threads";

/**
 * Decodes event batches (gunzip, JSON, validation, row values: most of a batch's CPU) on `threads` worker threads,
 * so that the main thread only answers requests, and several batches decode at once.
 */
export class DecodePool {
  private readonly threads: ServerThread[] = [];

  constructor(threads: number) {
    for (let i = 0; i < threads; i++)
      this.threads.push(new ServerThread("decode-worker.ts", "decoding this batch"));
  }

  readonly decode: BatchDecoder = async (raw, encoding, machineId) => {
    // The thread with the fewest batches in hand takes the next one; while none runs, this thread decodes.
    const thread = this.threads
      .filter((t) => t.running)
      .reduce<ServerThread | null>((a, b) => (a && a.inHand <= b.inHand ? a : b), null);
    if (!thread) return decodeBody(raw, encoding, machineId);
    return thread.request<PackedBatch>({ raw, encoding, machineId } satisfies DecodeRequest);
  };

  async close(): Promise<void> {
    await Promise.all(this.threads.map((thread) => thread.close()));
  }
}
