import { deserialize, serialize } from "node:v8";
import { type CheckedBatch, type DecodedBatch, DomainError } from "@vigil/api";
import { checkBatch, decodeBatch } from "@vigil/api/decode-batch";
// The lines alone: the decoding threads need not load ClickHouse's client.
import { eventLine } from "@vigil/clickhouse/rows";
import { env } from "../env";
import { bodyBytes, parseJson } from "./http";
import { MAX_BATCH_BYTES } from "./load";

/**
 * A batch decoded on another thread, for the writer's thread, as the bytes of its structured clone. The thread that
 * answers requests only passes them on: as objects, the thousands of strings a batch holds (command lines, paths)
 * were copied into its heap and out again, and its garbage collections under ingest paused the console 10-25 ms.
 */
export type PackedBatch = { count: number; packed: Uint8Array };

/** A batch decoded for the event store: rows for SQLite, checked events for any other. */
export type Decoded = DecodedBatch | CheckedBatch;

/** A batch to store: decoded on this thread, or packed by a decoding thread. */
export type IncomingBatch = Decoded | PackedBatch;

const countOf = (batch: Decoded) => ("rows" in batch ? batch.rows.count : batch.events.length);

export const pack = (batch: Decoded): PackedBatch => {
  const bytes = serialize(batch);
  // its own memory, so that it moves between threads without a copy
  const packed =
    bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : Uint8Array.from(bytes);
  return { count: countOf(batch), packed };
};

export const unpack = (batch: IncomingBatch): Decoded =>
  "packed" in batch ? (deserialize(batch.packed) as Decoded) : batch;

/** How many events a batch has to store. */
export const eventCount = (batch: IncomingBatch): number =>
  "packed" in batch ? batch.count : countOf(batch);

/** Turns an event batch's body (as received) from the agent of host `machineId` into rows to store. */
export type BatchDecoder = (
  raw: Uint8Array,
  encoding: string | null,
  machineId: string,
) => Promise<IncomingBatch>;

/**
 * Gunzips, parses and checks a batch body on the calling thread, for the configured event store: SQLite's rows, or
 * ClickHouse's lines (most of what storing an event there costs this server, so not on the thread that answers).
 */
export function decodeBody(raw: Uint8Array, encoding: string | null, machineId: string): Decoded {
  const body = bodyBytes(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength), encoding, MAX_BATCH_BYTES);
  const escapes = body.includes("\\u");
  if (env.VIGIL_EVENT_STORE === "sqlite") return decodeBatch(parseJson(body), machineId, escapes);
  const checked = checkBatch(parseJson(body), machineId, escapes);
  const receivedMs = Date.now();
  return { ...checked, lines: checked.events.map((event) => eventLine(event, receivedMs)) };
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
