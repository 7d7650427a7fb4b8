// A thread that gunzips, parses and checks event batches for decode-pool.ts.
import { parentPort } from "node:worker_threads";
import { decodeBody, toRefusal } from "../src/server/batch-decoder";

export type DecodeRequest = { id: number; raw: Uint8Array; encoding: string | null; machineId: string };

parentPort?.on("message", ({ id, raw, encoding, machineId }: DecodeRequest) => {
  try {
    const batch = decodeBody(raw, encoding, machineId);
    // The row arrays move to the writer's thread without a copy.
    parentPort?.postMessage({ id, batch }, [
      batch.rows.numbers.buffer as ArrayBuffer,
      batch.rows.bigints.buffer as ArrayBuffer,
    ]);
  } catch (error) {
    const refusal = toRefusal(error);
    parentPort?.postMessage({ id, refusal, failure: refusal ? undefined : String((error as Error).stack) });
  }
});
