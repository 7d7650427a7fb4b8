import { type DecodedBatch, DomainError } from "@vigil/api";
import { decodeBatch } from "@vigil/api/decode-batch";
import { bodyBytes, parseJson } from "./http";
import { MAX_BATCH_BYTES } from "./load";

/** Turns an event batch's body (as received) from the agent of host `machineId` into rows to store. */
export type BatchDecoder = (
  raw: Uint8Array,
  encoding: string | null,
  machineId: string,
) => Promise<DecodedBatch>;

/** Gunzips, parses and checks a batch body on the calling thread. */
export function decodeBody(raw: Uint8Array, encoding: string | null, machineId: string): DecodedBatch {
  const body = bodyBytes(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength), encoding, MAX_BATCH_BYTES);
  return decodeBatch(parseJson(body), machineId, body.includes("\\u"));
}

/** A refusal that crossed from a decoding thread, as the DomainError it was. */
export type Refusal = { status: DomainError["status"]; message: string; details?: unknown };

export const toRefusal = (error: unknown): Refusal | null =>
  error instanceof DomainError
    ? { status: error.status, message: error.message, details: error.details }
    : null;

export const fromRefusal = (refusal: Refusal) =>
  new DomainError(refusal.status, refusal.message, refusal.details);

const holder = globalThis as typeof globalThis & { vigilBatchDecoder?: BatchDecoder };

/** The decoder the server installed (its worker threads), else decoding on this thread. */
export const batchDecoder = (): BatchDecoder =>
  holder.vigilBatchDecoder ?? (async (...args) => decodeBody(...args));

export function installBatchDecoder(decoder: BatchDecoder): void {
  holder.vigilBatchDecoder = decoder;
}
