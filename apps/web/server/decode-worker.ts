// A thread that gunzips, parses and checks event batches for decode-pool.ts.
import { decodeBody } from "../src/server/batch-decoder";
import { answerRequests } from "./threads";

export type DecodeRequest = { raw: Uint8Array; encoding: string | null; machineId: string };

answerRequests(({ raw, encoding, machineId }: DecodeRequest) => {
  const batch = decodeBody(raw, encoding, machineId);
  // The row arrays move to the writer's thread without a copy.
  return {
    value: batch,
    transfer: [batch.rows.numbers.buffer as ArrayBuffer, batch.rows.bigints.buffer as ArrayBuffer],
  };
});
