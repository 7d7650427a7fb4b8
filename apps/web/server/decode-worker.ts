// A thread that gunzips, parses and checks event batches for decode-pool.ts.
import { readlinkSync } from "node:fs";
import { setPriority } from "node:os";
import { decodeBody, pack } from "../src/server/batch-decoder";
import { log } from "../src/server/log";
import { answerRequests } from "./threads";

// The lowest priority (nice 19, this thread only): when the cores are all busy, the thread that answers analysts
// and the one that stores events run first. Decoding has room to spare (it keeps up with the writer at ~60% of a
// core); at nice 0 it took the console's turns, and bench:load's console p95 under ingest was 3.3-6.5x unloaded
// rather than 1.9-3.9x, for the same ingest rate. Agents keep what is not decoded yet: nothing is lost.
try {
  setPriority(Number(readlinkSync("/proc/thread-self").split("/").at(-1)), 19);
} catch (error) {
  log.warn({ err: error }, "a decoding thread keeps the server's priority: it could not lower its own");
}

export type DecodeRequest = { raw: Uint8Array; encoding: string | null; machineId: string };

answerRequests(({ raw, encoding, machineId }: DecodeRequest) => {
  const batch = pack(decodeBody(raw, encoding, machineId));
  return { value: batch, transfer: [batch.packed.buffer as ArrayBuffer] };
});
